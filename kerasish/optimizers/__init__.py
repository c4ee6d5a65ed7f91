"""Keras 2 optimizers (`keras.optimizers`): SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, Nadam, Ftrl,
Lion, Adafactor (and `optimizers.legacy` aliases, `optimizers.schedules`).

`get` resolves what `compile(optimizer=...)` accepts: an `Optimizer`, a name ('adam', 'SGD'), or a
config dict (`{"class_name": "Custom>Adam", "config": {...}}` as tf_keras writes it, `"Adam"` with
the legacy `lr`/`decay` keys as older Keras wrote it).

Example:
    >>> from kerasish import optimizers
    >>> type(optimizers.get("rmsprop")).__name__
    'RMSprop'
    >>> opt = optimizers.deserialize({"class_name": "Adam", "config": {"lr": 0.01, "decay": 0.0}})
    >>> round(float(opt.learning_rate), 6)
    0.01
    >>> optimizers.serialize(optimizers.SGD(), use_legacy_format=True)["class_name"]
    'Custom>SGD'
"""
from ..utils.serialization import builtin_objects, get_registered_name, serialize_keras_object
from . import schedules  # noqa: F401
from .adam import Adam, Adamax, AdamW, Nadam
from .adaptive import Adadelta, Adagrad, RMSprop
from .ftrl import Ftrl
from .lion_adafactor import Adafactor, Lion
from .optimizer import Optimizer
from .sgd import SGD
from ..utils.serialization import deserialize_keras_object

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "Adamax", "Nadam", "RMSprop", "Adagrad", "Adadelta", "Ftrl", "Lion",
           "Adafactor", "schedules", "legacy", "get", "serialize", "deserialize"]


def serialize(optimizer, use_legacy_format=False):
    """The config dict of an optimizer.

    `use_legacy_format=True` gives the `{"class_name": "Custom>Adam", "config": {...}}` form that
    tf_keras writes into `.h5` training configs.
    """
    if optimizer is None:
        return None
    if not isinstance(optimizer, Optimizer):
        raise ValueError(f"`optimizers.serialize()` expects an Optimizer; received {type(optimizer).__name__}")
    if use_legacy_format:
        cls = getattr(optimizer, "_wrapped_class", type(optimizer))  # a DistributedOptimizer saves as its optimizer
        if optimizer.saved_as_legacy():  # `decay`: tf_keras's legacy class, which takes it
            return {"class_name": cls.__name__, "config": optimizer.legacy_config()}
        if getattr(cls, "_legacy_class_name", None):  # tf_keras's own name for it (LossScaleOptimizerV3)
            return {"class_name": cls._legacy_class_name, "config": optimizer.get_config()}
        name = get_registered_name(cls)
        builtin = builtin_objects("optimizer").get(cls.__name__) is cls
        return {"class_name": f"Custom>{name}" if builtin else name, "config": optimizer.get_config()}
    return serialize_keras_object(optimizer)


def deserialize(config, custom_objects=None, use_legacy_format=False, **kwargs):
    """The optimizer described by `{"class_name", "config"}` (names are case-insensitive for built-ins)."""
    kwargs.pop("use_legacy_optimizer", None)
    if kwargs:
        raise TypeError(f"Invalid keyword arguments: {kwargs}")
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Improper config format for an optimizer: {config!r}; expected "
                         '{"class_name": ..., "config": {...}}')
    config = dict(config)
    class_name = str(config["class_name"])
    bare = class_name.split(">", 1)[1] if class_name.startswith("Custom>") else class_name
    table = builtin_objects("optimizer")
    if bare not in table and bare.lower() in table:
        config["class_name"] = bare.lower()
    elif class_name.startswith("Custom>") and bare in table:
        config["class_name"] = bare
    config.setdefault("config", {})
    return deserialize_keras_object(config, "optimizer", custom_objects=custom_objects,
                                    printable_module_name="optimizer")


def get(identifier, **kwargs):
    """An optimizer from an instance (returned as is), a name or a config dict.

    Raises:
        ValueError: for an unknown name or an uninterpretable identifier.
    """
    kwargs.pop("use_legacy_optimizer", None)
    if kwargs:
        raise TypeError(f"Invalid keyword arguments: {kwargs}")
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return deserialize({"class_name": identifier, "config": {}})
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}")


from . import experimental, legacy  # noqa: E402,F401  (they import the classes above)

# Keras 2's lower-case aliases of the classes (`sgd` and `adam` name this package's modules here)
adadelta, adagrad, adamax, nadam, rmsprop = Adadelta, Adagrad, Adamax, Nadam, RMSprop


def clip_norm(g, c, n):
    """Keras 2's helper: the gradient `g` scaled by `c / n` when its norm `n` reaches `c` (c <= 0: `g`).

    Example:
        >>> import numpy as np
        >>> clip_norm(np.array([3.0, 4.0], "float32"), 1.0, 5.0).numpy().tolist()
        [0.6000000238418579, 0.800000011920929]
    """
    if c <= 0:
        return g
    from ..backend.ops import math

    if isinstance(n, (int, float)):  # Python numbers stay weakly typed: float32 gradients stay float32
        return math.multiply(g, c / n) if n >= c else math.multiply(g, 1.0)
    return math.where(math.greater_equal(n, c), math.multiply(g, math.divide(c, n)), g)
