"""Keras 2's `keras.engine.base_layer`: `Layer` and `InputSpec`."""
from ..layers.input_layer import Node  # noqa: F401
from ..layers.layer import InputSpec, Layer  # noqa: F401

__all__ = ["Layer", "InputSpec", "Node"]
