"""InceptionV3 (Szegedy et al., CVPR 2016), as `tf.keras.applications.inception_v3`. Default input 299x299;
inputs through `preprocess_input` (tf mode: [-1, 1]).

Example:
    >>> import kerasish as keras
    >>> keras.applications.inception_v3.InceptionV3(weights=None, include_top=False,
    ...                                             input_shape=(75, 75, 3)).output_shape
    (None, 1, 1, 2048)
    >>> keras.backend.clear_session()  # automatic layer names start again from "conv2d"
"""
from typing import Optional

from .. import layers
from . import _common, imagenet_utils

__all__ = ["InceptionV3", "preprocess_input", "decode_predictions"]

_BASE = "https://storage.googleapis.com/tensorflow/keras-applications/inception_v3/"
WEIGHTS_PATH = _BASE + "inception_v3_weights_tf_dim_ordering_tf_kernels.h5"
WEIGHTS_PATH_NO_TOP = _BASE + "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"
_FILES = (_common.WeightsFile("inception_v3_weights_tf_dim_ordering_tf_kernels.h5", WEIGHTS_PATH,
                              "9a0d58056eeedaa3f26cb7ebd46da564"),
          _common.WeightsFile("inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5", WEIGHTS_PATH_NO_TOP,
                              "bcbd6486424b2319ff4ef7d526e38f63"))


def conv2d_bn(x, filters: int, num_row: int, num_col: int, padding: str = "same", strides=(1, 1), name=None):
    """Convolution without bias, batch norm without scale, relu (`name_conv`, `name_bn`, `name`)."""
    names = (None, None, None) if name is None else (name + "_conv", name + "_bn", name)
    return _common.conv_bn(x, filters, (num_row, num_col), strides=strides, padding=padding, names=names,
                           bn_kwargs={"scale": False})


def _avg_pool_branch(x, filters):
    branch = layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same")(x)
    return conv2d_bn(branch, filters, 1, 1)


def _chain(x, specs):
    """conv2d_bn applied in turn for each (filters, rows, cols[, strides, padding]) spec."""
    for spec in specs:
        filters, rows, cols, *rest = spec
        strides, padding = rest if rest else ((1, 1), "same")
        x = conv2d_bn(x, filters, rows, cols, strides=strides, padding=padding)
    return x


def _block_35(x, pool_filters, name):
    """A 35x35 Inception block: 1x1, 5x5, double 3x3 and pooled branches."""
    branch1x1 = conv2d_bn(x, 64, 1, 1)
    branch5x5 = _chain(x, [(48, 1, 1), (64, 5, 5)])
    branch3x3dbl = _chain(x, [(64, 1, 1), (96, 3, 3), (96, 3, 3)])
    branch_pool = _avg_pool_branch(x, pool_filters)
    return layers.concatenate([branch1x1, branch5x5, branch3x3dbl, branch_pool], axis=_common.channel_axis(),
                              name=name)


def _block_17(x, width, name):
    """A 17x17 block with factorised 7x7 convolutions of `width` channels."""
    branch1x1 = conv2d_bn(x, 192, 1, 1)
    branch7x7 = _chain(x, [(width, 1, 1), (width, 1, 7), (192, 7, 1)])
    branch7x7dbl = _chain(x, [(width, 1, 1), (width, 7, 1), (width, 1, 7), (width, 7, 1), (192, 1, 7)])
    branch_pool = _avg_pool_branch(x, 192)
    return layers.concatenate([branch1x1, branch7x7, branch7x7dbl, branch_pool], axis=_common.channel_axis(),
                              name=name)


def _block_8(x, index):
    """An 8x8 block with split 1x3/3x1 branches."""
    axis = _common.channel_axis()
    branch1x1 = conv2d_bn(x, 320, 1, 1)
    branch3x3 = conv2d_bn(x, 384, 1, 1)
    branch3x3 = layers.concatenate([conv2d_bn(branch3x3, 384, 1, 3), conv2d_bn(branch3x3, 384, 3, 1)], axis=axis,
                                   name=f"mixed9_{index}")
    branch3x3dbl = _chain(x, [(448, 1, 1), (384, 3, 3)])
    branch3x3dbl = layers.concatenate([conv2d_bn(branch3x3dbl, 384, 1, 3), conv2d_bn(branch3x3dbl, 384, 3, 1)],
                                      axis=axis)
    branch_pool = _avg_pool_branch(x, 192)
    return layers.concatenate([branch1x1, branch3x3, branch3x3dbl, branch_pool], axis=axis, name=f"mixed{9 + index}")


def InceptionV3(include_top: bool = True, weights: Optional[str] = "imagenet", input_tensor=None, input_shape=None,
                pooling: Optional[str] = None, classes: int = 1000, classifier_activation="softmax"):
    _common.check_weights_argument(weights, include_top, classes)
    img_input = _common.standard_input(input_tensor, input_shape, 299, 75, include_top, weights)
    weights_file = _common.weights_path(weights, _FILES[0 if include_top else 1])
    axis = _common.channel_axis()
    x = _chain(img_input, [(32, 3, 3, (2, 2), "valid"), (32, 3, 3, (1, 1), "valid"), (64, 3, 3)])
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = _chain(x, [(80, 1, 1, (1, 1), "valid"), (192, 3, 3, (1, 1), "valid")])
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    for i, pool_filters in enumerate((32, 64, 64)):
        x = _block_35(x, pool_filters, f"mixed{i}")
    branch3x3 = conv2d_bn(x, 384, 3, 3, strides=(2, 2), padding="valid")
    branch3x3dbl = _chain(x, [(64, 1, 1), (96, 3, 3), (96, 3, 3, (2, 2), "valid")])
    branch_pool = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = layers.concatenate([branch3x3, branch3x3dbl, branch_pool], axis=axis, name="mixed3")
    for i, width in enumerate((128, 160, 160, 192)):
        x = _block_17(x, width, f"mixed{4 + i}")
    branch3x3 = _chain(x, [(192, 1, 1), (320, 3, 3, (2, 2), "valid")])
    branch7x7x3 = _chain(x, [(192, 1, 1), (192, 1, 7), (192, 7, 1), (192, 3, 3, (2, 2), "valid")])
    branch_pool = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = layers.concatenate([branch3x3, branch7x7x3, branch_pool], axis=axis, name="mixed8")
    for i in range(2):
        x = _block_8(x, i)
    x = _common.top_or_pooling(x, include_top, pooling, classes, classifier_activation, weights)
    return _common.finish_model(img_input, input_tensor, x, "inception_v3", weights_file)


InceptionV3.__doc__ = _common.constructor_doc(
    "Inception v3 (inputs through `inception_v3.preprocess_input`, tf mode).",
    "at least 75x75; 299x299 with the ImageNet top.", returns=' named "inception_v3"')


preprocess_input = _common.preprocess_for("tf")
decode_predictions = imagenet_utils.decode_predictions
