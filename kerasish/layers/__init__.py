"""Keras layers. Every built-in layer registers itself, so configs resolve it by class name."""
from ..utils.serialization import deserialize_keras_object, serialize_keras_object
from .layer import InputSpec, Layer  # noqa: F401
from .input_layer import Input, InputLayer, KerasTensor  # noqa: F401
from .core import (  # noqa: F401
    Activation, ActivityRegularization, Dense, Dropout, Flatten, Identity, Lambda, Masking, Permute, RepeatVector,
    Reshape)
from .merge import (  # noqa: F401
    Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, add, average, concatenate, dot, maximum,
    minimum, multiply, subtract)
from .activation_layers import ELU, LeakyReLU, PReLU, ReLU, Softmax, ThresholdedReLU  # noqa: F401
# op layers: also makes ops on Keras tensors graph nodes (registers the dispatch handler)
from .op_layers import AddLoss, AddMetric, SlicingOpLambda, TFOpLambda  # noqa: F401

_LAYER_FAMILIES = ("convolutional", "pooling", "normalization", "recurrent", "embedding", "attention",
                   "wrappers", "reshaping", "regularization", "preprocessing", "category_encoding", "hashing",
                   "lookup", "discretization", "text_vectorization", "image_augmentation", "local",
                   "cudnn_recurrent")
for _family in _LAYER_FAMILIES:
    try:
        _module = __import__(f"{__name__}.{_family}", fromlist=["__all__"])
    except ModuleNotFoundError as _e:  # a family not written yet
        if _e.name != f"{__name__}.{_family}":
            raise
        continue
    for _name in getattr(_module, "__all__", []):
        globals()[_name] = getattr(_module, _name)

from . import experimental  # noqa: E402,F401  (keras.layers.experimental.preprocessing paths)


def serialize(layer):
    """`{"class_name", "config", ...}` for a layer (Keras 2 format)."""
    return serialize_keras_object(layer)


def deserialize(config, custom_objects=None):
    """Create a layer (or model) from `serialize()` output."""
    import kerasish.models  # noqa: F401  (registers Functional/Sequential/Model)

    return deserialize_keras_object(config, "layer", custom_objects=custom_objects, printable_module_name="layer")
