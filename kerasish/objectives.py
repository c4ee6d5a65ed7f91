"""Keras 1's module name for the losses, which Keras 2 kept: `from keras.objectives import categorical_crossentropy`.

Every name resolves to the same object in `kerasish.losses`.

Example:
    >>> from kerasish import objectives, losses
    >>> objectives.categorical_crossentropy is losses.categorical_crossentropy
    True
"""
from . import losses as _losses


def __getattr__(name):
    if name.startswith("_"):
        raise AttributeError(f"module 'kerasish.objectives' has no attribute {name!r}")
    try:
        return getattr(_losses, name)
    except AttributeError:
        raise AttributeError(f"module 'kerasish.objectives' has no attribute {name!r}") from None


def __dir__():
    return sorted(n for n in dir(_losses) if not n.startswith("_"))
