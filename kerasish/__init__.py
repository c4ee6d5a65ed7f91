"""kerasish: a Keras 2-compatible deep-learning framework in pure Python on numpy.

Example:
    >>> import numpy as np
    >>> import kerasish as keras
    >>> model = keras.Sequential([keras.layers.Dense(1, input_shape=(2,))])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> history = model.fit(np.ones((8, 2)), np.ones((8, 1)), epochs=2, verbose=0)
    >>> len(history.history["loss"])
    2
"""
__version__ = "0.1.0"

from . import backend  # noqa: F401
from .backend.tape import GradientTape  # noqa: F401
from . import activations, constraints, initializers, regularizers  # noqa: F401
from . import layers  # noqa: F401
from . import mixed_precision  # noqa: F401
from . import models  # noqa: F401
from .layers import Input  # noqa: F401
from .models import Model, Sequential  # noqa: F401
from . import utils  # noqa: F401

from . import losses, metrics, optimizers, callbacks, saving, ops  # noqa: F401
from . import datasets, preprocessing, distribute, wrappers, applications  # noqa: F401
