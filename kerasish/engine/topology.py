"""Keras 2.0-2.2's `keras.engine.topology`: Layer, InputSpec, Input, InputLayer, Node, get_source_inputs.

`Network` and `Container` (the old names of a graph of layers) are the functional model class.

Example:
    >>> import kerasish as keras
    >>> from kerasish.engine.topology import get_source_inputs
    >>> inp = keras.Input(shape=(3,))
    >>> out = keras.layers.Dense(2)(keras.layers.Dense(4)(inp))
    >>> get_source_inputs(out)[0] is inp
    True
"""
from ..layers.input_layer import Input, InputLayer, Node  # noqa: F401
from ..layers.layer import InputSpec, Layer  # noqa: F401
from ..models import Functional, Model, Sequential  # noqa: F401
from ..utils.layer_utils import get_source_inputs  # noqa: F401

__all__ = ["Layer", "InputSpec", "Input", "InputLayer", "Node", "Model", "Sequential", "Functional", "Network",
           "Container", "get_source_inputs"]

Network = Functional
Container = Functional
