"""Keras 2.2-2.3's `keras.engine.network`: `Network`, the graph of layers that `Model` extends.

`Network` is kerasish's functional model class.

Example:
    >>> import kerasish as keras
    >>> from kerasish.engine.network import Network
    >>> inp = keras.Input(shape=(3,))
    >>> isinstance(keras.Model(inp, keras.layers.Dense(2)(inp)), Network)
    True
"""
from ..layers.input_layer import InputLayer, Node  # noqa: F401
from ..layers.layer import Layer  # noqa: F401
from ..models import Functional

Network = Functional

__all__ = ["Network", "InputLayer", "Layer", "Node"]
