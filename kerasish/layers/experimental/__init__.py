"""`keras.layers.experimental`: the paths tf.keras 2.x gave the preprocessing layers before they moved.

Example:
    >>> from kerasish.layers.experimental import preprocessing
    >>> preprocessing.StringLookup is __import__("kerasish").layers.StringLookup
    True
"""
from . import preprocessing  # noqa: F401
