"""Keras 2's `keras.engine.training`: `Model`."""
from ..layers.layer import Layer  # noqa: F401
from ..models import Functional as Network  # noqa: F401
from ..models import Model  # noqa: F401

__all__ = ["Model", "Network", "Layer"]
