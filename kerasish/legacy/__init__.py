"""Keras 1 compatibility, as standalone Keras 2.0-2.3 kept it (`keras.legacy`).

`interfaces` holds the argument conversions (`Dense(output_dim=...)` -> `Dense(units=...)`) that the layer
constructors and model methods apply through one decorator each.
"""
from . import interfaces

__all__ = ["interfaces"]
