"""InceptionResNetV2 (Szegedy et al., AAAI 2017), as `tf.keras.applications.inception_resnet_v2`. Default input
299x299 (at least 75x75); inputs through `preprocess_input` (tf mode: [-1, 1]).

The residual branches are added with `CustomScaleLayer` (`inputs[0] + inputs[1] * scale`), registered as
"Custom>CustomScaleLayer" like tf.keras's, so saved models carry no code (no Lambda layer).

Example:
    >>> import numpy as np
    >>> CustomScaleLayer(0.5)([np.ones((1, 2), "float32"), np.ones((1, 2), "float32")]).numpy()
    array([[1.5, 1.5]], dtype=float32)
"""
from typing import Optional

from .. import layers
from ..backend.ops import math as m
from ..utils.serialization import register_builtin, register_keras_serializable
from . import _common, imagenet_utils

__all__ = ["InceptionResNetV2", "CustomScaleLayer", "preprocess_input", "decode_predictions"]

BASE_WEIGHT_URL = "https://storage.googleapis.com/tensorflow/keras-applications/inception_resnet_v2/"
_FILES = (_common.WeightsFile("inception_resnet_v2_weights_tf_dim_ordering_tf_kernels.h5",
                              BASE_WEIGHT_URL + "inception_resnet_v2_weights_tf_dim_ordering_tf_kernels.h5",
                              "e693bd0210a403b3192acc6073ad2e96"),
          _common.WeightsFile("inception_resnet_v2_weights_tf_dim_ordering_tf_kernels_notop.h5",
                              BASE_WEIGHT_URL + "inception_resnet_v2_weights_tf_dim_ordering_tf_kernels_notop.h5",
                              "d19885ff4a710c122648d3b5c3b684e4"))


@register_keras_serializable(package="Custom")
@register_builtin("layer")
class CustomScaleLayer(layers.Layer):
    """`inputs[0] + inputs[1] * scale`: the scaled residual addition of InceptionResNetV2.

    Args:
        scale: the factor of the residual branch (a Python float).
    """

    def __init__(self, scale: float, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError(f"Layer {self.name} expects a list of two tensors [shortcut, residual]; received "
                             f"{type(inputs).__name__}")
        return m.add(inputs[0], m.multiply(inputs[1], float(self.scale)))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])

    def get_config(self):
        config = super().get_config()
        config.update({"scale": self.scale})
        return config


def conv2d_bn(x, filters: int, kernel_size, strides=1, padding: str = "same", activation="relu",
              use_bias: bool = False, name=None):
    """A convolution, then (without bias) batch norm without scale, then the activation (`name`, `name_bn`,
    `name_ac`)."""
    if use_bias:  # the block's "up" projection: a plain convolution
        return layers.Conv2D(filters, kernel_size, strides=strides, padding=padding, use_bias=True, name=name)(x)
    names = (None, None, None) if name is None else (name, name + "_bn", name + "_ac")
    return _common.conv_bn(x, filters, kernel_size, strides=strides, padding=padding, activation=activation,
                           names=names, bn_kwargs={"scale": False})


def _chain(x, specs):
    """conv2d_bn applied in turn for each (filters, kernel_size[, strides, padding]) spec."""
    for filters, kernel_size, *rest in specs:
        strides, padding = rest if rest else (1, "same")
        x = conv2d_bn(x, filters, kernel_size, strides=strides, padding=padding)
    return x


_BLOCK_BRANCHES = {
    "block35": [[(32, 1)], [(32, 1), (32, 3)], [(32, 1), (48, 3), (64, 3)]],
    "block17": [[(192, 1)], [(128, 1), (160, [1, 7]), (192, [7, 1])]],
    "block8": [[(192, 1)], [(192, 1), (224, [1, 3]), (256, [3, 1])]],
}


def inception_resnet_block(x, scale: float, block_type: str, block_idx: int, activation="relu"):
    """An Inception-ResNet block: parallel branches, a 1x1 projection, the scaled residual sum, activation.

    Args:
        block_type: "block35", "block17" or "block8" (the grid size of the block).
    """
    if block_type not in _BLOCK_BRANCHES:
        raise ValueError('Unknown Inception-ResNet block type. Expects "block35", "block17" or "block8", but got: '
                         + str(block_type))
    branches = [_chain(x, specs) for specs in _BLOCK_BRANCHES[block_type]]
    block_name = f"{block_type}_{block_idx}"
    axis = _common.channel_axis()
    mixed = layers.Concatenate(axis=axis, name=block_name + "_mixed")(branches)
    up = conv2d_bn(mixed, x.shape[axis], 1, activation=None, use_bias=True, name=block_name + "_conv")
    x = CustomScaleLayer(scale)([x, up])
    if activation is not None:
        x = layers.Activation(activation, name=block_name + "_ac")(x)
    return x


def _reduction(x, branch_specs, name):
    """Strided branches and a max-pooled branch, concatenated."""
    branches = [_chain(x, specs) for specs in branch_specs]
    branches.append(layers.MaxPooling2D(3, strides=2, padding="valid")(x))
    return layers.Concatenate(axis=_common.channel_axis(), name=name)(branches)


def InceptionResNetV2(include_top: bool = True, weights: Optional[str] = "imagenet", input_tensor=None,
                      input_shape=None, pooling: Optional[str] = None, classes: int = 1000,
                      classifier_activation="softmax", **kwargs):
    kwargs.pop("layers", None)  # tf.keras's hook for another layers module; kerasish has one
    if kwargs:
        raise ValueError(f"Unknown argument(s): {kwargs}")
    _common.check_weights_argument(weights, include_top, classes)
    img_input = _common.standard_input(input_tensor, input_shape, 299, 75, include_top, weights)
    weights_file = _common.weights_path(weights, _FILES[0 if include_top else 1])
    x = _chain(img_input, [(32, 3, 2, "valid"), (32, 3, 1, "valid"), (64, 3)])
    x = layers.MaxPooling2D(3, strides=2)(x)
    x = _chain(x, [(80, 1, 1, "valid"), (192, 3, 1, "valid")])
    x = layers.MaxPooling2D(3, strides=2)(x)
    branches = [_chain(x, specs) for specs in ([(96, 1)], [(48, 1), (64, 5)], [(64, 1), (96, 3), (96, 3)])]
    branch_pool = layers.AveragePooling2D(3, strides=1, padding="same")(x)
    branches.append(conv2d_bn(branch_pool, 64, 1))
    x = layers.Concatenate(axis=_common.channel_axis(), name="mixed_5b")(branches)
    for block_idx in range(1, 11):
        x = inception_resnet_block(x, scale=0.17, block_type="block35", block_idx=block_idx)
    x = _reduction(x, [[(384, 3, 2, "valid")], [(256, 1), (256, 3), (384, 3, 2, "valid")]], "mixed_6a")
    for block_idx in range(1, 21):
        x = inception_resnet_block(x, scale=0.1, block_type="block17", block_idx=block_idx)
    x = _reduction(x, [[(256, 1), (384, 3, 2, "valid")], [(256, 1), (288, 3, 2, "valid")],
                       [(256, 1), (288, 3), (320, 3, 2, "valid")]], "mixed_7a")
    for block_idx in range(1, 10):
        x = inception_resnet_block(x, scale=0.2, block_type="block8", block_idx=block_idx)
    x = inception_resnet_block(x, scale=1.0, activation=None, block_type="block8", block_idx=10)
    x = conv2d_bn(x, 1536, 1, name="conv_7b")
    x = _common.top_or_pooling(x, include_top, pooling, classes, classifier_activation, weights)
    return _common.finish_model(img_input, input_tensor, x, "inception_resnet_v2", weights_file)


InceptionResNetV2.__doc__ = _common.constructor_doc(
    "Inception-ResNet v2 (inputs through `inception_resnet_v2.preprocess_input`, tf mode).",
    "at least 75x75; 299x299 with the ImageNet top.", returns=' named "inception_resnet_v2"')


preprocess_input = _common.preprocess_for("tf")
decode_predictions = imagenet_utils.decode_predictions
