"""Keras 2's `keras.engine.sequential`: `Sequential`."""
from ..layers.input_layer import Input, InputLayer  # noqa: F401
from ..layers.layer import Layer  # noqa: F401
from ..models import Model, Sequential  # noqa: F401

__all__ = ["Sequential", "Model", "Input", "InputLayer", "Layer"]
