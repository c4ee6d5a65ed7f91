"""tf.keras 2.9-2.10's `keras.optimizers.experimental`: the optimizers that became `keras.optimizers` in 2.11.

Example:
    >>> from kerasish.optimizers import experimental, Adam
    >>> experimental.Adam is Adam
    True
"""
from . import (  # noqa: F401
    Adadelta, Adafactor, Adagrad, Adam, Adamax, AdamW, Ftrl, Lion, Nadam, Optimizer, RMSprop, SGD)

__all__ = ["Adadelta", "Adafactor", "Adagrad", "Adam", "Adamax", "AdamW", "Ftrl", "Lion", "Nadam", "Optimizer",
           "RMSprop", "SGD"]
