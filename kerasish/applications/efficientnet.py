"""EfficientNetB0-B7 (Tan & Le, ICML 2019), as `tf.keras.applications.efficientnet`, and the MBConv block that
EfficientNetV2 shares.

The input scaling is part of the model (`Rescaling` + `Normalization`), so `preprocess_input` passes its input
through: feed pixels in [0, 255]. With `weights="imagenet"` the model also divides by the square root of the
standard deviations, as tf.keras does to undo the variances stored wrongly in the published files.

Example:
    >>> import kerasish as keras
    >>> keras.applications.efficientnet.EfficientNetB0(weights=None, include_top=False, input_shape=(32, 32, 3),
    ...                                                pooling="avg").output_shape
    (None, 1280)
    >>> keras.backend.clear_session()  # automatic layer names start again from "conv2d"
"""
import copy
import math
from typing import Optional

import numpy as np

from .. import layers
from . import _common, imagenet_utils

__all__ = ["EfficientNetB0", "EfficientNetB1", "EfficientNetB2", "EfficientNetB3", "EfficientNetB4",
           "EfficientNetB5", "EfficientNetB6", "EfficientNetB7", "preprocess_input", "decode_predictions"]

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/keras-applications/"
WEIGHTS_HASHES = {
    "b0": ("902e53a9f72be733fc0bcb005b3ebbac", "50bc09e76180e00e4465e1a485ddc09d"),
    "b1": ("1d254153d4ab51201f1646940f018540", "74c4e6b3e1f6a1eea24c589628592432"),
    "b2": ("b15cce36ff4dcbd00b6dd88e7857a6ad", "111f8e2ac8aa800a7a99e3239f7bfb39"),
    "b3": ("ffd1fdc53d0ce67064dc6a9c7960ede0", "af6d107764bb5b1abb91932881670226"),
    "b4": ("18c95ad55216b8f92d7e70b3a046e2fc", "ebc24e6d6c33eaebbd558eafbeedf1ba"),
    "b5": ("ace28f2a6363774853a83a0b21b9421a", "38879255a25d3c92d5e44e04ae6cec6f"),
    "b6": ("165f6e37dce68623721b423839de8be5", "9ecce42647a20130c1f39a5d4cb75743"),
    "b7": ("8c03f828fec3ef71311cd463b6759d99", "cbcfe4450ddf6f3ad90b1b398090fe4a"),
}



def blocks_from_rows(keys, rows):
    """Block arguments (dicts, as tf.keras lists them) from compact rows of values for `keys`."""
    return [dict(zip(keys, row)) for row in rows]


# kernel, repeats, filters in, filters out, expand ratio, strides of B0's seven stages (all with id_skip and
# squeeze-and-excite ratio 0.25)
DEFAULT_BLOCKS_ARGS = blocks_from_rows(
    ("kernel_size", "repeats", "filters_in", "filters_out", "expand_ratio", "strides", "id_skip", "se_ratio"),
    [(3, 1, 32, 16, 1, 1, True, 0.25), (3, 2, 16, 24, 6, 2, True, 0.25), (5, 2, 24, 40, 6, 2, True, 0.25),
     (3, 3, 40, 80, 6, 2, True, 0.25), (5, 3, 80, 112, 6, 1, True, 0.25), (5, 4, 112, 192, 6, 2, True, 0.25),
     (3, 1, 192, 320, 6, 1, True, 0.25)])
CONV_KERNEL_INITIALIZER = {"class_name": "VarianceScaling",
                           "config": {"scale": 2.0, "mode": "fan_out", "distribution": "truncated_normal"}}
DENSE_KERNEL_INITIALIZER = {"class_name": "VarianceScaling",
                            "config": {"scale": 1.0 / 3.0, "mode": "fan_out", "distribution": "uniform"}}
IMAGENET_STDDEV_RGB = [0.229, 0.224, 0.225]


def mb_conv_block(inputs, name: str, filters_in: int, filters_out: int, kernel_size: int = 3, strides: int = 1,
                  expand_ratio: int = 1, se_ratio: float = 0.0, activation="swish", drop_rate: float = 0.0,
                  skip: bool = True, fused: bool = False, bn_kwargs: Optional[dict] = None, v2: bool = False):
    """A mobile inverted bottleneck (MBConv) block of EfficientNet (v1 and v2) and its fused variant (v2).

    1x1 expansion (fused: the kxk convolution itself), kxk depthwise convolution (v1 pads explicitly before a
    strided one, v2 uses "same"), squeeze-and-excite, 1x1 projection, and, where shapes allow and `skip`,
    dropout (one rate per sample) and the residual sum.
    """
    axis = _common.channel_axis()
    bn = bn_kwargs or {}
    init = {"kernel_initializer": CONV_KERNEL_INITIALIZER}
    filters = filters_in * expand_ratio
    x = inputs
    if expand_ratio != 1:
        x = _common.conv_bn(x, filters, kernel_size if fused else 1, strides=strides if fused else 1,
                            padding="same", activation=activation, bn_kwargs=bn,
                            names=(name + "expand_conv", name + "expand_bn", name + "expand_activation"), **init)
    if not fused:
        padding = "same"
        if strides == 2 and not v2:
            x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, kernel_size), name=name + "dwconv_pad")(x)
            padding = "valid"
        x = _common.conv_bn(x, None, kernel_size, strides=strides, padding=padding, activation=activation,
                            bn_kwargs=bn, names=(name + ("dwconv2" if v2 else "dwconv"), name + "bn",
                                                 name + "activation"),
                            depthwise_initializer=CONV_KERNEL_INITIALIZER)
    if 0 < se_ratio <= 1:
        x = _common.squeeze_excite(x, filters, max(1, int(filters_in * se_ratio)), activation, name, **init)
    single_conv = fused and expand_ratio == 1  # a fused block without expansion has one kxk convolution
    x = _common.conv_bn(x, filters_out, kernel_size if single_conv else 1, strides=strides if single_conv else 1,
                        padding="same", activation=activation if single_conv else None, bn_kwargs=bn,
                        names=(name + "project_conv", name + "project_bn", name + "project_activation"), **init)
    if skip and strides == 1 and filters_in == filters_out:
        if drop_rate > 0:
            x = layers.Dropout(drop_rate, noise_shape=(None, 1, 1, 1), name=name + "drop")(x)
        x = layers.add([x, inputs], name=name + "add")
    return x


def imagenet_weights_file(model_name, include_top, base_path, hashes):
    """The published file of an EfficientNet (v1 or v2): "{model_name}.h5" or "{model_name}_notop.h5"."""
    fname = model_name + (".h5" if include_top else "_notop.h5")
    return _common.WeightsFile(fname, base_path + fname, hashes[model_name[-2:]][0 if include_top else 1])


def block_names(blocks_args, round_repeats):
    """(block name, arguments) of every block: stage i's j-th repeat is "block{i+1}{a,b,...}_", and repeats
    after the first keep the stage's width and stride 1."""
    for i, args in enumerate(blocks_args):
        args = dict(args)
        repeats = round_repeats(args.pop("repeats"))
        for j in range(repeats):
            if j > 0:
                args["strides"] = 1
                args["filters_in"] = args["filters_out"]
            yield f"block{i + 1}{chr(j + 97)}_", dict(args)


def EfficientNet(width_coefficient: float, depth_coefficient: float, default_size: int, dropout_rate: float = 0.2,
                 drop_connect_rate: float = 0.2, depth_divisor: int = 8, activation="swish", blocks_args="default",
                 model_name: str = "efficientnet", include_top: bool = True, weights="imagenet", input_tensor=None,
                 input_shape=None, pooling=None, classes: int = 1000, classifier_activation="softmax"):
    """The EfficientNet skeleton: scaled widths and depths of the seven MBConv stages of B0."""
    if blocks_args == "default":
        blocks_args = DEFAULT_BLOCKS_ARGS
    _common.check_weights_argument(weights, include_top, classes)
    img_input = _common.standard_input(input_tensor, input_shape, default_size, 32, include_top, weights)
    imagenet_file = (imagenet_weights_file(model_name, include_top, BASE_WEIGHTS_PATH, WEIGHTS_HASHES)
                     if weights == "imagenet" else None)
    weights_file = _common.weights_path(weights, imagenet_file, model_name)
    axis = _common.channel_axis()

    def round_filters(filters):
        return int(_common.make_divisible(filters * width_coefficient, depth_divisor))

    def round_repeats(repeats):
        return int(math.ceil(depth_coefficient * repeats))

    x = layers.Rescaling(1.0 / 255.0)(img_input)
    x = layers.Normalization(axis=axis)(x)
    if weights == "imagenet":
        shape = [1, 3, 1, 1] if axis == 1 else [1, 1, 1, 3]
        x = x * np.reshape(np.array([1.0 / math.sqrt(s) for s in IMAGENET_STDDEV_RGB], "float32"), shape)
    x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, 3), name="stem_conv_pad")(x)
    x = _common.conv_bn(x, round_filters(32), 3, strides=2, activation=activation,
                        names=("stem_conv", "stem_bn", "stem_activation"), kernel_initializer=CONV_KERNEL_INITIALIZER)
    blocks_args = copy.deepcopy(blocks_args)
    for args in blocks_args:
        args["filters_in"] = round_filters(args["filters_in"])
        args["filters_out"] = round_filters(args["filters_out"])
    named = list(block_names(blocks_args, round_repeats))
    for b, (name, args) in enumerate(named):
        skip = args.pop("id_skip")
        x = mb_conv_block(x, name, activation=activation, drop_rate=drop_connect_rate * b / len(named), skip=skip,
                          **args)
    x = _common.conv_bn(x, round_filters(1280), 1, padding="same", activation=activation,
                        names=("top_conv", "top_bn", "top_activation"), kernel_initializer=CONV_KERNEL_INITIALIZER)
    x = _common.top_or_pooling(x, include_top, pooling, classes, classifier_activation, weights,
                               ("avg_pool", "max_pool"), dropout_rate=dropout_rate, dropout_name="top_dropout",
                               kernel_initializer=DENSE_KERNEL_INITIALIZER)
    return _common.finish_model(img_input, input_tensor, x, model_name, weights_file)


def efficientnet_constructor(width, depth, size, dropout, index):
    """A public EfficientNet constructor (B0 to B7) with tf.keras's signature."""
    def build(include_top: bool = True, weights: Optional[str] = "imagenet", input_tensor=None, input_shape=None,
              pooling: Optional[str] = None, classes: int = 1000, classifier_activation="softmax", **kwargs):
        return EfficientNet(width, depth, size, dropout, model_name=f"efficientnetb{index}", include_top=include_top,
                            weights=weights, input_tensor=input_tensor, input_shape=input_shape, pooling=pooling,
                            classes=classes, classifier_activation=classifier_activation, **kwargs)

    return _common.named(build, f"EfficientNetB{index}", _common.constructor_doc(
        f"EfficientNetB{index} (default input {size}x{size}; pixels in [0, 255]: the model rescales them).",
        "at least 32x32.", extra={"**kwargs": "further arguments of the skeleton (e.g. `drop_connect_rate`)."},
        returns=f' named "efficientnetb{index}"'))


EfficientNetB0 = efficientnet_constructor(1.0, 1.0, 224, 0.2, 0)
EfficientNetB1 = efficientnet_constructor(1.0, 1.1, 240, 0.2, 1)
EfficientNetB2 = efficientnet_constructor(1.1, 1.2, 260, 0.3, 2)
EfficientNetB3 = efficientnet_constructor(1.2, 1.4, 300, 0.3, 3)
EfficientNetB4 = efficientnet_constructor(1.4, 1.8, 380, 0.4, 4)
EfficientNetB5 = efficientnet_constructor(1.6, 2.2, 456, 0.4, 5)
EfficientNetB6 = efficientnet_constructor(1.8, 2.6, 528, 0.5, 6)
EfficientNetB7 = efficientnet_constructor(2.0, 3.1, 600, 0.5, 7)
preprocess_input = _common.preprocess_for(None)
decode_predictions = imagenet_utils.decode_predictions
