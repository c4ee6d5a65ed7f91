"""MobileNetV2 (Sandler et al., CVPR 2018), as `tf.keras.applications.mobilenet_v2`. Inputs through
`preprocess_input` (tf mode: [-1, 1]).

Example:
    >>> import kerasish as keras
    >>> keras.applications.mobilenet_v2.MobileNetV2(weights=None, alpha=0.35, include_top=False,
    ...                                             input_shape=(96, 96, 3)).output_shape
    (None, 3, 3, 1280)
    >>> keras.backend.clear_session()  # automatic layer names start again from "conv2d"
"""
import logging
from typing import Optional

from .. import layers
from ..backend import config
from . import _common, imagenet_utils
from .mobilenet import decode_predictions, preprocess_input, pretrained_rows, relu6, spatial_size  # noqa: F401

__all__ = ["MobileNetV2", "preprocess_input", "decode_predictions"]

BASE_WEIGHT_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v2/"
_BN = {"epsilon": 1e-3, "momentum": 0.999}
# (filters, stride, expansion) of the 17 inverted residual blocks
_BLOCKS = [(16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6), (32, 1, 6), (64, 2, 6), (64, 1, 6),
           (64, 1, 6), (64, 1, 6), (96, 1, 6), (96, 1, 6), (96, 1, 6), (160, 2, 6), (160, 1, 6), (160, 1, 6),
           (320, 1, 6)]
_PRETRAINED_SIZES = (96, 128, 160, 192, 224)


def check_input_tensor_shape(input_tensor, input_shape):
    """MobileNetV2/V3: a given `input_shape` must agree with a given `input_tensor` (Keras checks the columns)."""
    if input_tensor is None or input_shape is None:
        return
    if not hasattr(input_tensor, "_keras_history"):
        raise ValueError(f"input_tensor is not a Keras tensor; Received `input_tensor={input_tensor}`")
    axis = 1 if config.image_data_format() == "channels_first" else 2
    if input_tensor.shape[axis] != input_shape[1]:
        raise ValueError(f"input_shape[1] must equal shape(input_tensor)[{axis}]; Received "
                         f"`input_tensor.shape={input_tensor.shape}`, `input_shape={input_shape}`")


def _inverted_res_block(inputs, expansion, stride, alpha, filters, block_id):
    axis = _common.channel_axis()
    in_channels = inputs.shape[axis]
    pointwise_filters = _common.make_divisible(int(filters * alpha), 8)
    x = inputs
    prefix = f"block_{block_id}_"
    if block_id:
        x = _common.conv_bn(x, expansion * in_channels, 1, padding="same", activation=relu6, bn_kwargs=_BN,
                            names=(prefix + "expand", prefix + "expand_BN", prefix + "expand_relu"))
    else:
        prefix = "expanded_conv_"
    if stride == 2:
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, 3), name=prefix + "pad")(x)
    x = _common.conv_bn(x, None, 3, strides=stride, padding="same" if stride == 1 else "valid", activation=relu6,
                        bn_kwargs=_BN, names=(prefix + "depthwise", prefix + "depthwise_BN", prefix + "depthwise_relu"))
    x = _common.conv_bn(x, pointwise_filters, 1, padding="same", activation=None, bn_kwargs=_BN,
                        names=(prefix + "project", prefix + "project_BN", None))
    if in_channels == pointwise_filters and stride == 1:
        return layers.Add(name=prefix + "add")([inputs, x])
    return x


def MobileNetV2(input_shape=None, alpha: float = 1.0, include_top: bool = True, weights: Optional[str] = "imagenet",
                input_tensor=None, pooling: Optional[str] = None, classes: int = 1000, classifier_activation="softmax",
                **kwargs):
    kwargs.pop("layers", None)  # tf.keras's hook for another layers module; kerasish has one
    if kwargs:
        raise ValueError(f"Unknown argument(s): {kwargs}")
    _common.check_weights_argument(weights, include_top, classes)
    check_input_tensor_shape(input_tensor, input_shape)
    if input_shape is None and input_tensor is not None:
        default_size = pretrained_rows(tuple(input_tensor.shape[1:]), _PRETRAINED_SIZES)
    else:
        default_size = pretrained_rows(input_shape, _PRETRAINED_SIZES)
    input_shape = imagenet_utils.obtain_input_shape(input_shape, default_size=default_size, min_size=32,
                                                    data_format=config.image_data_format(),
                                                    require_flatten=include_top, weights=weights)
    rows, cols = spatial_size(input_shape)
    if weights == "imagenet":
        if alpha not in [0.35, 0.5, 0.75, 1.0, 1.3, 1.4]:
            raise ValueError("If imagenet weights are being loaded, alpha must be one of `0.35`, `0.50`, `0.75`, "
                             f"`1.0`, `1.3` or `1.4` only; Received `alpha={alpha}`")
        if rows != cols or rows not in _PRETRAINED_SIZES:
            rows = 224
            logging.warning("`input_shape` is undefined or non-square, or `rows` is not in [96, 128, 160, 192, "
                            "224]. Weights for input shape (224, 224) will be loaded as the default.")
    imagenet_file = None
    if weights == "imagenet":
        fname = (f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{float(alpha)}_{rows}"
                 f"{'' if include_top else '_no_top'}.h5")
        imagenet_file = _common.WeightsFile(fname, BASE_WEIGHT_PATH + fname)
    weights_file = _common.weights_path(weights, imagenet_file)
    img_input = _common.image_input(input_tensor, input_shape)
    x = _common.conv_bn(img_input, _common.make_divisible(32 * alpha, 8), 3, strides=(2, 2), padding="same",
                        activation=relu6, bn_kwargs=_BN, names=("Conv1", "bn_Conv1", "Conv1_relu"))
    for block_id, (filters, stride, expansion) in enumerate(_BLOCKS):
        x = _inverted_res_block(x, filters=filters, alpha=alpha, stride=stride, expansion=expansion,
                                block_id=block_id)
    last_block_filters = _common.make_divisible(1280 * alpha, 8) if alpha > 1.0 else 1280
    x = _common.conv_bn(x, last_block_filters, 1, activation=relu6, bn_kwargs=_BN,
                        names=("Conv_1", "Conv_1_bn", "out_relu"))
    x = _common.top_or_pooling(x, include_top, pooling, classes, classifier_activation, weights,
                               top_pool_name=None)
    return _common.finish_model(img_input, input_tensor, x, f"mobilenetv2_{alpha:0.2f}_{rows}", weights_file)


MobileNetV2.__doc__ = _common.constructor_doc(
    "MobileNet v2: inverted residual blocks with linear bottlenecks, width `alpha` (inputs through "
    "`mobilenet_v2.preprocess_input`, tf mode).", "at least 32x32; ImageNet weights exist for 96, 128, 160, 192 "
    "and 224 (square).", extra={"alpha": "width multiplier (0.35, 0.5, 0.75, 1.0, 1.3 or 1.4 with ImageNet weights)."},
    returns=' named "mobilenetv2_{alpha:0.2f}_{rows}"')
