"""MobileNetV3Small/Large (Howard et al., ICCV 2019), as `tf.keras.applications.mobilenet_v3`.

The input rescaling to [-1, 1] is part of the model (a `Rescaling` layer, unless `include_preprocessing=False`),
so `preprocess_input` passes its input through: feed pixels in [0, 255]. `hard_sigmoid(x)` is
`ReLU(6)(x + 3) / 6` and `hard_swish(x)` is `x * hard_sigmoid(x)`, built from layers as in tf.keras.

Example:
    >>> import kerasish as keras
    >>> keras.applications.mobilenet_v3.MobileNetV3Small(weights=None, input_shape=(32, 32, 3), classes=10).output_shape
    (None, 10)
    >>> keras.backend.clear_session()  # automatic layer names start again from "conv2d"
"""
import logging
from typing import Optional

from .. import layers
from ..backend import config
from . import _common, imagenet_utils
from .mobilenet import spatial_size
from .mobilenet_v2 import check_input_tensor_shape

__all__ = ["MobileNetV3Small", "MobileNetV3Large", "preprocess_input", "decode_predictions"]

BASE_WEIGHT_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v3/"
WEIGHTS_HASHES = {
    "large_224_0.75_float": ("765b44a33ad4005b3ac83185abf1d0eb", "40af19a13ebea4e2ee0c676887f69a2e"),
    "large_224_1.0_float": ("59e551e166be033d707958cf9e29a6a7", "07fb09a5933dd0c8eaafa16978110389"),
    "large_minimalistic_224_1.0_float": ("675e7b876c45c57e9e63e6d90a36599c", "ec5221f64a2f6d1ef965a614bdae7973"),
    "small_224_0.75_float": ("cb65d4e5be93758266aa0a7f2c6708b7", "ebdb5cc8e0b497cd13a7c275d475c819"),
    "small_224_1.0_float": ("8768d4c2e7dee89b9d02b2d03d65d862", "d3e8ec802a04aa4fc771ee12a9a9b836"),
    "small_minimalistic_224_1.0_float": ("99cd97fb2fcdad2bf028eb838de69e37", "cde8136e733e811080d9fcd8a252f7e4"),
}
_BN = {"epsilon": 1e-3, "momentum": 0.999}
_depth = _common.make_divisible

# (expansion, filters, kernel ("k": 3, or 5 unless minimalistic), stride, squeeze-excite?, activation
#  ("relu", or "act": hard swish unless minimalistic)) of each inverted residual block
_SMALL = [(1, 16, 3, 2, True, "relu"), (72.0 / 16, 24, 3, 2, False, "relu"), (88.0 / 24, 24, 3, 1, False, "relu"),
          (4, 40, "k", 2, True, "act"), (6, 40, "k", 1, True, "act"), (6, 40, "k", 1, True, "act"),
          (3, 48, "k", 1, True, "act"), (3, 48, "k", 1, True, "act"), (6, 96, "k", 2, True, "act"),
          (6, 96, "k", 1, True, "act"), (6, 96, "k", 1, True, "act")]
_LARGE = [(1, 16, 3, 1, False, "relu"), (4, 24, 3, 2, False, "relu"), (3, 24, 3, 1, False, "relu"),
          (3, 40, "k", 2, True, "relu"), (3, 40, "k", 1, True, "relu"), (3, 40, "k", 1, True, "relu"),
          (6, 80, 3, 2, False, "act"), (2.5, 80, 3, 1, False, "act"), (2.3, 80, 3, 1, False, "act"),
          (2.3, 80, 3, 1, False, "act"), (6, 112, 3, 1, True, "act"), (6, 112, 3, 1, True, "act"),
          (6, 160, "k", 2, True, "act"), (6, 160, "k", 1, True, "act"), (6, 160, "k", 1, True, "act")]


def relu(x, name=None):
    """A `ReLU()` layer (automatically named, as in tf.keras's MobileNetV3)."""
    return layers.ReLU()(x)


def hard_sigmoid(x, name=None):
    """`ReLU(6)(x + 3) * (1 / 6)`, MobileNetV3's piecewise-linear sigmoid (Keras 3's `hard_sigmoid`)."""
    return layers.ReLU(6.0)(x + 3.0) * (1.0 / 6.0)


def hard_swish(x, name=None):
    """`x * hard_sigmoid(x)`, as a `Multiply` layer."""
    return layers.Multiply()([x, hard_sigmoid(x)])


def _se_block(inputs, filters, se_ratio, prefix):
    x = layers.GlobalAveragePooling2D(keepdims=True, name=prefix + "squeeze_excite/AvgPool")(inputs)
    x = layers.Conv2D(_depth(filters * se_ratio), kernel_size=1, padding="same",
                      name=prefix + "squeeze_excite/Conv")(x)
    x = layers.ReLU(name=prefix + "squeeze_excite/Relu")(x)
    x = layers.Conv2D(filters, kernel_size=1, padding="same", name=prefix + "squeeze_excite/Conv_1")(x)
    x = hard_sigmoid(x)
    return layers.Multiply(name=prefix + "squeeze_excite/Mul")([inputs, x])


def _inverted_res_block(x, expansion, filters, kernel_size, stride, se_ratio, activation, block_id):
    shortcut = x
    prefix = "expanded_conv/"
    infilters = x.shape[_common.channel_axis()]
    if block_id:
        prefix = f"expanded_conv_{block_id}/"
        x = _common.conv_bn(x, _depth(infilters * expansion), 1, padding="same", activation=activation,
                            bn_kwargs=_BN, names=(prefix + "expand", prefix + "expand/BatchNorm", None))
    if stride == 2:
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, kernel_size), name=prefix + "depthwise/pad")(x)
    x = _common.conv_bn(x, None, kernel_size, strides=stride, padding="same" if stride == 1 else "valid",
                        activation=activation, bn_kwargs=_BN,
                        names=(prefix + "depthwise", prefix + "depthwise/BatchNorm", None))
    if se_ratio:
        x = _se_block(x, _depth(infilters * expansion), se_ratio, prefix)
    x = _common.conv_bn(x, filters, 1, padding="same", activation=None, bn_kwargs=_BN,
                        names=(prefix + "project", prefix + "project/BatchNorm", None))
    if stride == 1 and infilters == filters:
        x = layers.Add(name=prefix + "Add")([shortcut, x])
    return x


def _input_shape(input_shape, input_tensor):
    if input_shape is None and input_tensor is not None:
        rows, cols = spatial_size(tuple(input_tensor.shape[1:]))
        # tf.keras swaps rows and columns here; only the size checks below read them
        input_shape = (3, cols, rows) if config.image_data_format() == "channels_first" else (cols, rows, 3)
    if input_shape is None:
        input_shape = (3, None, None) if config.image_data_format() == "channels_first" else (None, None, 3)
    return input_shape


def MobileNetV3(blocks, last_point_ch, input_shape=None, alpha=1.0, model_type="large", minimalistic=False,
                include_top=True, weights="imagenet", input_tensor=None, classes=1000, pooling=None, dropout_rate=0.2,
                classifier_activation="softmax", include_preprocessing=True):
    """The MobileNetV3 skeleton shared by Small and Large (their block tables and last layer width differ)."""
    _common.check_weights_argument(weights, include_top, classes)
    check_input_tensor_shape(input_tensor, input_shape)
    input_shape = _input_shape(input_shape, input_tensor)
    rows, cols = spatial_size(input_shape)
    if rows and cols and (rows < 32 or cols < 32):
        raise ValueError(f"Input size must be at least 32x32; Received `input_shape={input_shape}`")
    if weights == "imagenet":
        if (not minimalistic and alpha not in [0.75, 1.0]) or (minimalistic and alpha != 1.0):
            raise ValueError("If imagenet weights are being loaded, alpha can be one of `0.75`, `1.0` for non "
                             "minimalistic or `1.0` for minimalistic only.")
        if rows != cols or rows != 224:
            logging.warning("`input_shape` is undefined or non-square, or `rows` is not 224. Weights for input "
                            "shape (224, 224) will be loaded as the default.")
    imagenet_file = None
    if weights == "imagenet":
        model_name = f"{model_type}{'_minimalistic' if minimalistic else ''}_224_{alpha}_float"
        fname = f"weights_mobilenet_v3_{model_name}{'.h5' if include_top else '_no_top_v2.h5'}"
        imagenet_file = _common.WeightsFile(fname, BASE_WEIGHT_PATH + fname,
                                            WEIGHTS_HASHES[model_name][0 if include_top else 1])
    weights_file = _common.weights_path(weights, imagenet_file)
    img_input = _common.image_input(input_tensor, input_shape)
    kernel, activation, se_ratio = (3, relu, None) if minimalistic else (5, hard_swish, 0.25)
    x = img_input
    if include_preprocessing:
        x = layers.Rescaling(scale=1.0 / 127.5, offset=-1.0)(x)
    x = _common.conv_bn(x, 16, 3, strides=(2, 2), padding="same", activation=activation, bn_kwargs=_BN,
                        names=("Conv", "Conv/BatchNorm", None))
    for block_id, (expansion, filters, kernel_size, stride, squeeze, act) in enumerate(blocks):
        x = _inverted_res_block(x, expansion, _depth(filters * alpha), kernel if kernel_size == "k" else kernel_size,
                                stride, se_ratio if squeeze else None, activation if act == "act" else relu,
                                block_id)
    last_conv_ch = _depth(x.shape[_common.channel_axis()] * 6)
    if alpha > 1.0:
        last_point_ch = _depth(last_point_ch * alpha)
    x = _common.conv_bn(x, last_conv_ch, 1, padding="same", activation=activation, bn_kwargs=_BN,
                        names=("Conv_1", "Conv_1/BatchNorm", None))
    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Conv2D(last_point_ch, kernel_size=1, padding="same", use_bias=True, name="Conv_2")(x)
        x = activation(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate)(x)
        x = layers.Conv2D(classes, kernel_size=1, padding="same", name="Logits")(x)
        x = layers.Flatten()(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Activation(activation=classifier_activation, name="Predictions")(x)
    else:
        x = _common.feature_pooling(x, pooling, "avg_pool", "max_pool")
    return _common.finish_model(img_input, input_tensor, x, "MobilenetV3" + model_type, weights_file)


def mobilenet_v3_constructor(blocks, last_point_ch, model_type):
    """A public MobileNetV3 constructor (Small, Large) with tf.keras's signature."""
    def build(input_shape=None, alpha: float = 1.0, minimalistic: bool = False, include_top: bool = True,
              weights: Optional[str] = "imagenet", input_tensor=None, classes: int = 1000,
              pooling: Optional[str] = None, dropout_rate: float = 0.2, classifier_activation="softmax",
              include_preprocessing: bool = True):
        return MobileNetV3(blocks, last_point_ch, input_shape, alpha, model_type, minimalistic, include_top, weights,
                           input_tensor, classes, pooling, dropout_rate, classifier_activation, include_preprocessing)

    name = "MobileNetV3" + model_type.capitalize()
    return _common.named(build, name, _common.constructor_doc(
        f"{name} (pixels in [0, 255]: the model rescales them).",
        "at least 32x32; the ImageNet weights were trained at 224x224.", extra={
            "alpha": "width multiplier (0.75 or 1.0 with ImageNet weights; 1.0 when minimalistic).",
            "minimalistic": "no squeeze-and-excite, hard swish or 5x5 convolutions.",
            "dropout_rate": "dropout before the `Logits` layer of the top.",
            "include_preprocessing": "start with a `Rescaling` layer (inputs in [0, 255]); else inputs in [-1, 1]."},
        returns=f' named "MobilenetV3{model_type}"'))


MobileNetV3Small = mobilenet_v3_constructor(_SMALL, 1024, "small")
MobileNetV3Large = mobilenet_v3_constructor(_LARGE, 1280, "large")
preprocess_input = _common.preprocess_for(None)
decode_predictions = imagenet_utils.decode_predictions
