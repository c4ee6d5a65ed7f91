"""EfficientNetV2 B0-B3, S, M, L (Tan & Le, ICML 2021), as `tf.keras.applications.efficientnet_v2`.

The input scaling is part of the model (`include_preprocessing=True`), so `preprocess_input` passes its input
through: feed pixels in [0, 255]. The blocks are EfficientNet's MBConv (`efficientnet.mb_conv_block`), fused
in the early stages.

Example:
    >>> import kerasish as keras
    >>> keras.applications.efficientnet_v2.EfficientNetV2B0(weights=None, include_top=False, input_shape=(32, 32, 3),
    ...                                                     pooling="avg").output_shape
    (None, 1280)
    >>> keras.backend.clear_session()  # automatic layer names start again from "conv2d"
"""
import math
from typing import Optional

from .. import initializers, layers
from . import _common
from .efficientnet import (CONV_KERNEL_INITIALIZER, DENSE_KERNEL_INITIALIZER, block_names,  # noqa: F401
                           blocks_from_rows, decode_predictions, imagenet_weights_file, mb_conv_block, preprocess_input)

__all__ = ["EfficientNetV2B0", "EfficientNetV2B1", "EfficientNetV2B2", "EfficientNetV2B3", "EfficientNetV2S",
           "EfficientNetV2M", "EfficientNetV2L", "preprocess_input", "decode_predictions"]

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/efficientnet_v2/"
WEIGHTS_HASHES = {
    "b0": ("21ecbf6da12460d5c40bb2f29ceb2188", "893217f2bb855e2983157299931e43ff"),
    "b1": ("069f0534ff22adf035c89e2d9547a9dc", "0e80663031ca32d657f9caa404b6ec37"),
    "b2": ("424e49f28180edbde1e94797771950a7", "1dfe2e7a5d45b6632553a8961ea609eb"),
    "b3": ("1f1fc43bd98a6e4fd8fdfd551e02c7a0", "f6abf7b5849ac99a89b50dd3fd532856"),
    "-s": ("e1d88a8495beba45748fedd0cecbe016", "af0682fb74e8c54910f2d4393339c070"),
    "-m": ("a3bf6aa3276309f4fc6a34aa114c95cd", "1b8dc055df72dde80d614482840fe342"),
    "-l": ("27e6d408b53c7ebc868fefa357689935", "b0b66b5c863aef5b46e8608fe1711615"),
}


def _stages(*rows):
    """Block arguments from rows of (kernel, repeats, filters in, filters out, expand ratio, se ratio, strides,
    conv type: 1 fused)."""
    return blocks_from_rows(("kernel_size", "num_repeat", "input_filters", "output_filters", "expand_ratio",
                             "se_ratio", "strides", "conv_type"), rows)


_B_SERIES = _stages((3, 1, 32, 16, 1, 0, 1, 1), (3, 2, 16, 32, 4, 0, 2, 1), (3, 2, 32, 48, 4, 0, 2, 1),
                    (3, 3, 48, 96, 4, 0.25, 2, 0), (3, 5, 96, 112, 6, 0.25, 1, 0), (3, 8, 112, 192, 6, 0.25, 2, 0))
DEFAULT_BLOCKS_ARGS = {
    "efficientnetv2-s": _stages((3, 2, 24, 24, 1, 0.0, 1, 1), (3, 4, 24, 48, 4, 0.0, 2, 1),
                                (3, 4, 48, 64, 4, 0, 2, 1), (3, 6, 64, 128, 4, 0.25, 2, 0),
                                (3, 9, 128, 160, 6, 0.25, 1, 0), (3, 15, 160, 256, 6, 0.25, 2, 0)),
    "efficientnetv2-m": _stages((3, 3, 24, 24, 1, 0, 1, 1), (3, 5, 24, 48, 4, 0, 2, 1), (3, 5, 48, 80, 4, 0, 2, 1),
                                (3, 7, 80, 160, 4, 0.25, 2, 0), (3, 14, 160, 176, 6, 0.25, 1, 0),
                                (3, 18, 176, 304, 6, 0.25, 2, 0), (3, 5, 304, 512, 6, 0.25, 1, 0)),
    "efficientnetv2-l": _stages((3, 4, 32, 32, 1, 0, 1, 1), (3, 7, 32, 64, 4, 0, 2, 1), (3, 7, 64, 96, 4, 0, 2, 1),
                                (3, 10, 96, 192, 4, 0.25, 2, 0), (3, 19, 192, 224, 6, 0.25, 1, 0),
                                (3, 25, 224, 384, 6, 0.25, 2, 0), (3, 7, 384, 640, 6, 0.25, 1, 0)),
    "efficientnetv2-b0": _B_SERIES, "efficientnetv2-b1": _B_SERIES, "efficientnetv2-b2": _B_SERIES,
    "efficientnetv2-b3": _B_SERIES,
}


def round_filters(filters, width_coefficient, min_depth, depth_divisor) -> int:
    """Scale a width by `width_coefficient`, rounded to a multiple of `depth_divisor` (no 10% rule, unlike v1)."""
    filters *= width_coefficient
    minimum_depth = min_depth or depth_divisor
    return int(max(minimum_depth, int(filters + depth_divisor / 2) // depth_divisor * depth_divisor))


def round_repeats(repeats, depth_coefficient) -> int:
    """Scale a stage's number of blocks by `depth_coefficient`, rounded up."""
    return int(math.ceil(depth_coefficient * repeats))


def EfficientNetV2(width_coefficient: float, depth_coefficient: float, default_size: int, dropout_rate: float = 0.2,
                   drop_connect_rate: float = 0.2, depth_divisor: int = 8, min_depth: int = 8, bn_momentum: float = 0.9,
                   activation="swish", blocks_args="default", model_name: str = "efficientnetv2",
                   include_top: bool = True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                   classes: int = 1000, classifier_activation="softmax", include_preprocessing: bool = True):
    """The EfficientNetV2 skeleton: fused MBConv stages, then MBConv stages with squeeze-and-excite."""
    if blocks_args == "default":
        blocks_args = DEFAULT_BLOCKS_ARGS[model_name]
    _common.check_weights_argument(weights, include_top, classes)
    img_input = _common.standard_input(input_tensor, input_shape, default_size, 32, include_top, weights)
    imagenet_file = (imagenet_weights_file(model_name, include_top, BASE_WEIGHTS_PATH, WEIGHTS_HASHES)
                     if weights == "imagenet" else None)
    weights_file = _common.weights_path(weights, imagenet_file, model_name)
    axis = _common.channel_axis()
    bn = {"momentum": bn_momentum}

    def widen(filters):
        return round_filters(filters, width_coefficient, min_depth, depth_divisor)

    x = img_input
    if include_preprocessing:
        num_channels = img_input.shape[axis]
        if model_name.split("-")[-1].startswith("b") and num_channels == 3:
            x = layers.Rescaling(scale=1.0 / 255)(x)
            x = layers.Normalization(mean=[0.485, 0.456, 0.406], variance=[0.229**2, 0.224**2, 0.225**2],
                                     axis=axis)(x)
        else:
            x = layers.Rescaling(scale=1.0 / 128.0, offset=-1)(x)
    x = _common.conv_bn(x, widen(blocks_args[0]["input_filters"]), 3, strides=2, padding="same",
                        activation=activation, bn_kwargs=bn, names=("stem_conv", "stem_bn", "stem_activation"),
                        kernel_initializer=CONV_KERNEL_INITIALIZER)
    stages = [{"kernel_size": a["kernel_size"], "repeats": a["num_repeat"], "filters_in": widen(a["input_filters"]),
               "filters_out": widen(a["output_filters"]), "expand_ratio": a["expand_ratio"],
               "se_ratio": a["se_ratio"], "strides": a["strides"], "fused": a["conv_type"] == 1}
              for a in blocks_args]
    # tf.keras divides by the unrounded number of blocks here (v1 by the rounded one)
    total = float(sum(a["num_repeat"] for a in blocks_args))
    for b, (name, args) in enumerate(block_names(stages, lambda r: round_repeats(r, depth_coefficient))):
        x = mb_conv_block(x, name, activation=activation, drop_rate=drop_connect_rate * b / total, bn_kwargs=bn,
                          v2=True, **args)
    x = _common.conv_bn(x, widen(1280), 1, padding="same", activation=activation, bn_kwargs=bn,
                        names=("top_conv", "top_bn", "top_activation"), kernel_initializer=CONV_KERNEL_INITIALIZER)
    x = _common.top_or_pooling(x, include_top, pooling, classes, classifier_activation, weights,
                               ("avg_pool", "max_pool"), dropout_rate=dropout_rate, dropout_name="top_dropout",
                               kernel_initializer=DENSE_KERNEL_INITIALIZER, bias_initializer=initializers.Constant(0))
    return _common.finish_model(img_input, input_tensor, x, model_name, weights_file)


def efficientnet_v2_constructor(width, depth, size, model_name):
    """A public EfficientNetV2 constructor (B0 to B3, S, M, L) with tf.keras's signature."""
    def build(include_top: bool = True, weights: Optional[str] = "imagenet", input_tensor=None, input_shape=None,
              pooling: Optional[str] = None, classes: int = 1000, classifier_activation="softmax",
              include_preprocessing: bool = True):
        return EfficientNetV2(width_coefficient=width, depth_coefficient=depth, default_size=size,
                              model_name=model_name, include_top=include_top, weights=weights,
                              input_tensor=input_tensor, input_shape=input_shape, pooling=pooling, classes=classes,
                              classifier_activation=classifier_activation, include_preprocessing=include_preprocessing)

    name = "EfficientNetV2" + model_name.split("-")[-1].upper()
    return _common.named(build, name, _common.constructor_doc(
        f"{name} (default input {size}x{size}; pixels in [0, 255]: the model rescales them).", "at least 32x32.",
        extra={"include_preprocessing": "start with the input scaling layers (inputs in [0, 255])."},
        returns=f' named "{model_name}"'))


EfficientNetV2B0 = efficientnet_v2_constructor(1.0, 1.0, 224, "efficientnetv2-b0")
EfficientNetV2B1 = efficientnet_v2_constructor(1.0, 1.1, 240, "efficientnetv2-b1")
EfficientNetV2B2 = efficientnet_v2_constructor(1.1, 1.2, 260, "efficientnetv2-b2")
EfficientNetV2B3 = efficientnet_v2_constructor(1.2, 1.4, 300, "efficientnetv2-b3")
EfficientNetV2S = efficientnet_v2_constructor(1.0, 1.0, 384, "efficientnetv2-s")
EfficientNetV2M = efficientnet_v2_constructor(1.0, 1.0, 480, "efficientnetv2-m")
EfficientNetV2L = efficientnet_v2_constructor(1.0, 1.0, 480, "efficientnetv2-l")
