"""Xception (Chollet, CVPR 2017), as `tf.keras.applications.xception`. Default input 299x299 (at least 71x71);
inputs through `preprocess_input` (tf mode: [-1, 1]).

Example:
    >>> import kerasish as keras
    >>> keras.applications.xception.Xception(weights=None, include_top=False, input_shape=(71, 71, 3),
    ...                                      pooling="avg").output_shape
    (None, 2048)
    >>> keras.backend.clear_session()  # automatic layer names start again from "conv2d"
"""
from typing import Optional

from .. import layers
from . import _common, imagenet_utils

__all__ = ["Xception", "preprocess_input", "decode_predictions"]

_BASE = "https://storage.googleapis.com/tensorflow/keras-applications/xception/"
TF_WEIGHTS_PATH = _BASE + "xception_weights_tf_dim_ordering_tf_kernels.h5"
TF_WEIGHTS_PATH_NO_TOP = _BASE + "xception_weights_tf_dim_ordering_tf_kernels_notop.h5"
_FILES = (_common.WeightsFile("xception_weights_tf_dim_ordering_tf_kernels.h5", TF_WEIGHTS_PATH,
                              "0a58e3b7378bc2990ea3b43d5981f1f6"),
          _common.WeightsFile("xception_weights_tf_dim_ordering_tf_kernels_notop.h5", TF_WEIGHTS_PATH_NO_TOP,
                              "b0042744bf5b25fce3cb969f33bebb97"))


def _sepconv_bn(x, filters, name, act_before=None, act_after=None):
    """[relu `act_before`] separable 3x3 convolution `name` + batch norm `name_bn` [relu `act_after`]."""
    if act_before:
        x = layers.Activation("relu", name=act_before)(x)
    return _common.conv_bn(x, filters, (3, 3), padding="same", conv_class=layers.SeparableConv2D,
                           names=(name, name + "_bn", act_after), activation="relu" if act_after else None)


def _residual(x, filters):
    """The strided 1x1 projection of a downsampling block's shortcut."""
    return _common.conv_bn(x, filters, (1, 1), strides=(2, 2), padding="same", activation=None)


def _downsampling_block(x, block, filters, first_relu=True):
    """Two separable convolutions and a strided max pooling, added to a projected shortcut."""
    residual = _residual(x, filters[1])
    prefix = f"block{block}_"
    x = _sepconv_bn(x, filters[0], prefix + "sepconv1", act_before=prefix + "sepconv1_act" if first_relu else None,
                    act_after=prefix + "sepconv2_act" if not first_relu else None)
    x = _sepconv_bn(x, filters[1], prefix + "sepconv2", act_before=prefix + "sepconv2_act" if first_relu else None)
    x = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="same", name=prefix + "pool")(x)
    return layers.add([x, residual])


def Xception(include_top: bool = True, weights: Optional[str] = "imagenet", input_tensor=None, input_shape=None,
             pooling: Optional[str] = None, classes: int = 1000, classifier_activation="softmax"):
    _common.check_weights_argument(weights, include_top, classes)
    img_input = _common.standard_input(input_tensor, input_shape, 299, 71, include_top, weights)
    weights_file = _common.weights_path(weights, _FILES[0 if include_top else 1])
    x = _common.conv_bn(img_input, 32, (3, 3), strides=(2, 2),
                        names=("block1_conv1", "block1_conv1_bn", "block1_conv1_act"))
    x = _common.conv_bn(x, 64, (3, 3), names=("block1_conv2", "block1_conv2_bn", "block1_conv2_act"))
    x = _downsampling_block(x, 2, (128, 128), first_relu=False)
    x = _downsampling_block(x, 3, (256, 256))
    x = _downsampling_block(x, 4, (728, 728))
    for i in range(8):
        residual = x
        prefix = f"block{i + 5}_"
        for j in (1, 2, 3):
            x = _sepconv_bn(x, 728, f"{prefix}sepconv{j}", act_before=f"{prefix}sepconv{j}_act")
        x = layers.add([x, residual])
    x = _downsampling_block(x, 13, (728, 1024))
    x = _sepconv_bn(x, 1536, "block14_sepconv1", act_after="block14_sepconv1_act")
    x = _sepconv_bn(x, 2048, "block14_sepconv2", act_after="block14_sepconv2_act")
    x = _common.top_or_pooling(x, include_top, pooling, classes, classifier_activation, weights)
    return _common.finish_model(img_input, input_tensor, x, "xception", weights_file)


Xception.__doc__ = _common.constructor_doc(
    "Xception: depthwise separable convolutions with residual connections (inputs through "
    "`xception.preprocess_input`, tf mode).", "at least 71x71; 299x299 with the ImageNet top.",
    returns=' named "xception"')


preprocess_input = _common.preprocess_for("tf")
decode_predictions = imagenet_utils.decode_predictions
