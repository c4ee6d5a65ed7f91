"""Keras 2's `keras.engine` module paths, so old scripts import unchanged.

`from keras.engine import Layer, InputSpec` and the submodules `topology`, `base_layer`,
`input_layer`, `input_spec`, `training`, `sequential`, `functional` re-export the classes that
live in `kerasish.layers` and `kerasish.models`.

Example:
    >>> from kerasish.engine import Layer, Model
    >>> from kerasish.engine.topology import Input
    >>> import kerasish as keras
    >>> Layer is keras.layers.Layer, Model is keras.Model
    (True, True)
"""
from ..layers.input_layer import Input, InputLayer  # noqa: F401
from ..layers.layer import InputSpec, Layer  # noqa: F401
from ..models import Model, Sequential  # noqa: F401
from . import (  # noqa: F401,E402
    base_layer, functional, input_layer, input_spec, network, saving, sequential, topology, training)
from .topology import get_source_inputs  # noqa: F401,E402

__all__ = ["Layer", "InputSpec", "Input", "InputLayer", "Model", "Sequential", "get_source_inputs"]
