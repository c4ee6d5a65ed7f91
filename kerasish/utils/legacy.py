"""tf.keras's `keras.utils.legacy`: the serialization functions in the format tf.keras 2.x `.h5` files use.

Example:
    >>> from kerasish.utils import legacy
    >>> legacy.serialize_keras_object(None) is None
    True
"""
from .serialization import deserialize_keras_object, serialize_keras_object  # noqa: F401

__all__ = ["deserialize_keras_object", "serialize_keras_object"]
