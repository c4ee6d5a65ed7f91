"""Keras 2's `keras.engine.input_layer`: `Input` and `InputLayer`."""
from ..layers.input_layer import Input, InputLayer, Node  # noqa: F401
from ..layers.layer import Layer  # noqa: F401

__all__ = ["Input", "InputLayer", "Layer", "Node"]
