"""MobileNet (Howard et al., 2017), as `tf.keras.applications.mobilenet`. Inputs through `preprocess_input`
(tf mode: [-1, 1]).

Example:
    >>> import kerasish as keras
    >>> keras.applications.mobilenet.MobileNet(weights=None, alpha=0.25, input_shape=(32, 32, 3), classes=10).name
    'mobilenet_0.25_32'
    >>> keras.backend.clear_session()  # automatic layer names start again from "conv2d"
"""
import logging
from typing import Optional

from .. import layers
from ..backend import config
from . import _common, imagenet_utils

__all__ = ["MobileNet", "preprocess_input", "decode_predictions"]

BASE_WEIGHT_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet/"
_ALPHA_TEXT = {1.0: "1_0", 0.75: "7_5", 0.5: "5_0", 0.25: "2_5"}
# (pointwise filters, stride) of the 13 depthwise separable blocks
_BLOCKS = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1), (512, 1), (512, 1),
           (512, 1), (1024, 2), (1024, 1)]


def relu6(x, name):
    """ReLU capped at 6, as a `ReLU(6.0)` layer named `name`."""
    return layers.ReLU(6.0, name=name)(x)


def pretrained_rows(input_shape, sizes, default=224):
    """The square input size of the published weights for `input_shape` (224 unless it is one of `sizes`)."""
    if input_shape is None:
        return default
    rows, cols = input_shape[1:3] if config.image_data_format() == "channels_first" else input_shape[:2]
    return rows if rows == cols and rows in sizes else default


def spatial_size(input_shape):
    """(rows, cols) of a 3D input shape under the current data format."""
    return tuple(input_shape[1:3]) if config.image_data_format() == "channels_first" else tuple(input_shape[:2])


def _depthwise_conv_block(x, pointwise_filters, alpha, depth_multiplier=1, strides=(1, 1), block_id=1):
    if strides != (1, 1):
        x = layers.ZeroPadding2D(((0, 1), (0, 1)), name=f"conv_pad_{block_id}")(x)
    x = _common.conv_bn(x, None, (3, 3), strides=strides, padding="same" if strides == (1, 1) else "valid",
                        depth_multiplier=depth_multiplier, activation=relu6,
                        names=(f"conv_dw_{block_id}", f"conv_dw_{block_id}_bn", f"conv_dw_{block_id}_relu"))
    return _common.conv_bn(x, int(pointwise_filters * alpha), (1, 1), padding="same", activation=relu6,
                           names=(f"conv_pw_{block_id}", f"conv_pw_{block_id}_bn", f"conv_pw_{block_id}_relu"))


def MobileNet(input_shape=None, alpha: float = 1.0, depth_multiplier: int = 1, dropout: float = 1e-3,
              include_top: bool = True, weights: Optional[str] = "imagenet", input_tensor=None,
              pooling: Optional[str] = None, classes: int = 1000, classifier_activation="softmax", **kwargs):
    kwargs.pop("layers", None)  # tf.keras's hook for another layers module; kerasish has one
    if kwargs:
        raise ValueError(f"Unknown argument(s): {(kwargs,)}")
    _common.check_weights_argument(weights, include_top, classes)
    default_size = pretrained_rows(input_shape, (128, 160, 192, 224))
    input_shape = imagenet_utils.obtain_input_shape(input_shape, default_size=default_size, min_size=32,
                                                    data_format=config.image_data_format(),
                                                    require_flatten=include_top, weights=weights)
    rows, cols = spatial_size(input_shape)
    if weights == "imagenet":
        if depth_multiplier != 1:
            raise ValueError("If imagenet weights are being loaded, depth multiplier must be 1.  Received "
                             f"depth_multiplier={depth_multiplier}")
        if alpha not in [0.25, 0.5, 0.75, 1.0]:
            raise ValueError("If imagenet weights are being loaded, alpha can be one of`0.25`, `0.50`, `0.75` or "
                             f"`1.0` only.  Received alpha={alpha}")
        if rows != cols or rows not in [128, 160, 192, 224]:
            rows = 224
            logging.warning("`input_shape` is undefined or non-square, or `rows` is not in [128, 160, 192, 224]. "
                            "Weights for input shape (224, 224) will be loaded as the default.")
    imagenet_file = None
    if weights == "imagenet":
        fname = f"mobilenet_{_ALPHA_TEXT.get(alpha, '2_5')}_{rows}_tf{'' if include_top else '_no_top'}.h5"
        imagenet_file = _common.WeightsFile(fname, BASE_WEIGHT_PATH + fname)
    weights_file = _common.weights_path(weights, imagenet_file)
    img_input = _common.image_input(input_tensor, input_shape)
    x = _common.conv_bn(img_input, int(32 * alpha), (3, 3), strides=(2, 2), padding="same", activation=relu6,
                        names=("conv1", "conv1_bn", "conv1_relu"))
    for block_id, (filters, stride) in enumerate(_BLOCKS, start=1):
        x = _depthwise_conv_block(x, filters, alpha, depth_multiplier, strides=(stride, stride), block_id=block_id)
    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Dropout(dropout, name="dropout")(x)
        x = layers.Conv2D(classes, (1, 1), padding="same", name="conv_preds")(x)
        x = layers.Reshape((classes,), name="reshape_2")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Activation(activation=classifier_activation, name="predictions")(x)
    else:
        x = _common.feature_pooling(x, pooling)
    return _common.finish_model(img_input, input_tensor, x, f"mobilenet_{alpha:0.2f}_{rows}", weights_file)


MobileNet.__doc__ = _common.constructor_doc(
    "MobileNet v1: depthwise separable convolutions of width `alpha` (inputs through `mobilenet.preprocess_input`,"
    " tf mode).", "at least 32x32; ImageNet weights exist for 128, 160, 192 and 224 (square).",
    extra={"alpha": "width multiplier (0.25, 0.5, 0.75 or 1.0 with ImageNet weights).",
           "depth_multiplier": "depthwise convolution multiplier (1 with ImageNet weights).",
           "dropout": "dropout rate before the classifier (a 1x1 convolution `conv_preds`)."},
    returns=' named "mobilenet_{alpha:0.2f}_{rows}"')


preprocess_input = _common.preprocess_for("tf")
decode_predictions = imagenet_utils.decode_predictions
