"""Keras 2's module path `keras.layers.noise` (GaussianNoise, GaussianDropout, AlphaDropout).

The layers live in `kerasish.layers.regularization`; this module only keeps old imports working.

Example:
    >>> from kerasish.layers.noise import GaussianNoise
    >>> GaussianNoise(0.1).stddev
    0.1
"""
from .regularization import AlphaDropout, GaussianDropout, GaussianNoise  # noqa: F401

__all__ = ["AlphaDropout", "GaussianDropout", "GaussianNoise"]
