"""NASNetMobile and NASNetLarge (Zoph et al., CVPR 2018), as `tf.keras.applications.nasnet`. Channels last only;
inputs through `preprocess_input` (tf mode: [-1, 1]).

Example:
    >>> import kerasish as keras
    >>> keras.applications.nasnet.NASNetMobile(weights=None, include_top=False, input_shape=(32, 32, 3),
    ...                                        pooling="avg").output_shape
    (None, 1056)
    >>> keras.backend.clear_session()  # automatic layer names start again from "conv2d"
"""
import logging
from typing import Optional

from .. import layers
from ..backend import config
from . import _common, imagenet_utils

__all__ = ["NASNetMobile", "NASNetLarge", "preprocess_input", "decode_predictions"]

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/nasnet/"
NASNET_MOBILE_WEIGHT_PATH = BASE_WEIGHTS_PATH + "NASNet-mobile.h5"
NASNET_MOBILE_WEIGHT_PATH_NO_TOP = BASE_WEIGHTS_PATH + "NASNet-mobile-no-top.h5"
NASNET_LARGE_WEIGHT_PATH = BASE_WEIGHTS_PATH + "NASNet-large.h5"
NASNET_LARGE_WEIGHT_PATH_NO_TOP = BASE_WEIGHTS_PATH + "NASNet-large-no-top.h5"
_FILES = {
    224: (_common.WeightsFile("nasnet_mobile.h5", NASNET_MOBILE_WEIGHT_PATH, "020fb642bf7360b370c678b08e0adf61"),
          _common.WeightsFile("nasnet_mobile_no_top.h5", NASNET_MOBILE_WEIGHT_PATH_NO_TOP,
                              "1ed92395b5b598bdda52abe5c0dbfd63")),
    331: (_common.WeightsFile("nasnet_large.h5", NASNET_LARGE_WEIGHT_PATH, "11577c9a518f0070763c2b964a382f17"),
          _common.WeightsFile("nasnet_large_no_top.h5", NASNET_LARGE_WEIGHT_PATH_NO_TOP,
                              "d81d89dc07e6e56530c4e77faddd61b5")),
}
_BN = {"momentum": 0.9997, "epsilon": 1e-3}
_CONV = {"use_bias": False, "kernel_initializer": "he_normal"}


def _relu_conv_bn(x, filters, conv_name, bn_name):
    """relu, 1x1 convolution, batch norm: the projections of the cells."""
    x = layers.Activation("relu")(x)
    return _common.conv_bn(x, filters, (1, 1), padding="same", activation=None, bn_kwargs=_BN,
                           names=(conv_name, bn_name, None), kernel_initializer="he_normal")


def _separable_conv_block(ip, filters, kernel_size=(3, 3), strides=(1, 1), block_id=None):
    """Twice relu + separable convolution + batch norm (the first one strided, padded as TF's "same")."""
    x = layers.Activation("relu")(ip)
    if strides == (2, 2):
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, kernel_size),
                                 name=f"separable_conv_1_pad_{block_id}")(x)
    x = _common.conv_bn(x, filters, kernel_size, strides=strides, padding="valid" if strides == (2, 2) else "same",
                        activation="relu", bn_kwargs=_BN, conv_class=layers.SeparableConv2D,
                        names=(f"separable_conv_1_{block_id}", f"separable_conv_1_bn_{block_id}", None),
                        kernel_initializer="he_normal")
    return _common.conv_bn(x, filters, kernel_size, padding="same", activation=None, bn_kwargs=_BN,
                           conv_class=layers.SeparableConv2D, kernel_initializer="he_normal",
                           names=(f"separable_conv_2_{block_id}", f"separable_conv_2_bn_{block_id}", None))


def _adjust_block(p, ip, filters, block_id=None):
    """Bring the previous cell's output `p` to the shape of `ip`: halve its size (two offset 1x1 paths) or
    project its channels."""
    axis = _common.channel_axis()
    if p is None:
        return ip
    if p.shape[-2] != ip.shape[-2]:
        p = layers.Activation("relu", name=f"adjust_relu_1_{block_id}")(p)
        p1 = layers.AveragePooling2D((1, 1), strides=(2, 2), padding="valid", name=f"adjust_avg_pool_1_{block_id}")(p)
        p1 = layers.Conv2D(filters // 2, (1, 1), padding="same", name=f"adjust_conv_1_{block_id}", **_CONV)(p1)
        p2 = layers.ZeroPadding2D(padding=((0, 1), (0, 1)))(p)
        p2 = layers.Cropping2D(cropping=((1, 0), (1, 0)))(p2)
        p2 = layers.AveragePooling2D((1, 1), strides=(2, 2), padding="valid", name=f"adjust_avg_pool_2_{block_id}")(p2)
        p2 = layers.Conv2D(filters // 2, (1, 1), padding="same", name=f"adjust_conv_2_{block_id}", **_CONV)(p2)
        p = layers.concatenate([p1, p2], axis=axis)
        return layers.BatchNormalization(axis=axis, name=f"adjust_bn_{block_id}", **_BN)(p)
    if p.shape[axis] != filters:
        return _relu_conv_bn(p, filters, f"adjust_conv_projection_{block_id}", f"adjust_bn_{block_id}")
    return p


def _avg_pool_3x3(x, name, strides=(1, 1), padding="same"):
    return layers.AveragePooling2D((3, 3), strides=strides, padding=padding, name=name)(x)


def _normal_a_cell(ip, p, filters, block_id=None):
    """A normal cell: five two-input combinations of separable convolutions, poolings and identities."""
    p = _adjust_block(p, ip, filters, block_id)
    h = _relu_conv_bn(ip, filters, f"normal_conv_1_{block_id}", f"normal_bn_1_{block_id}")
    x1_1 = _separable_conv_block(h, filters, kernel_size=(5, 5), block_id=f"normal_left1_{block_id}")
    x1_2 = _separable_conv_block(p, filters, block_id=f"normal_right1_{block_id}")
    x1 = layers.add([x1_1, x1_2], name=f"normal_add_1_{block_id}")
    x2_1 = _separable_conv_block(p, filters, (5, 5), block_id=f"normal_left2_{block_id}")
    x2_2 = _separable_conv_block(p, filters, (3, 3), block_id=f"normal_right2_{block_id}")
    x2 = layers.add([x2_1, x2_2], name=f"normal_add_2_{block_id}")
    x3 = _avg_pool_3x3(h, f"normal_left3_{block_id}")
    x3 = layers.add([x3, p], name=f"normal_add_3_{block_id}")
    x4_1 = _avg_pool_3x3(p, f"normal_left4_{block_id}")
    x4_2 = _avg_pool_3x3(p, f"normal_right4_{block_id}")
    x4 = layers.add([x4_1, x4_2], name=f"normal_add_4_{block_id}")
    x5 = _separable_conv_block(h, filters, block_id=f"normal_left5_{block_id}")
    x5 = layers.add([x5, h], name=f"normal_add_5_{block_id}")
    x = layers.concatenate([p, x1, x2, x3, x4, x5], axis=_common.channel_axis(), name=f"normal_concat_{block_id}")
    return x, ip


def _reduction_a_cell(ip, p, filters, block_id=None):
    """A reduction cell: like a normal cell with strided operations (halves the resolution)."""
    p = _adjust_block(p, ip, filters, block_id)
    h = _relu_conv_bn(ip, filters, f"reduction_conv_1_{block_id}", f"reduction_bn_1_{block_id}")
    h3 = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(h, 3), name=f"reduction_pad_1_{block_id}")(h)
    x1_1 = _separable_conv_block(h, filters, (5, 5), strides=(2, 2), block_id=f"reduction_left1_{block_id}")
    x1_2 = _separable_conv_block(p, filters, (7, 7), strides=(2, 2), block_id=f"reduction_right1_{block_id}")
    x1 = layers.add([x1_1, x1_2], name=f"reduction_add_1_{block_id}")
    x2_1 = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="valid", name=f"reduction_left2_{block_id}")(h3)
    x2_2 = _separable_conv_block(p, filters, (7, 7), strides=(2, 2), block_id=f"reduction_right2_{block_id}")
    x2 = layers.add([x2_1, x2_2], name=f"reduction_add_2_{block_id}")
    x3_1 = _avg_pool_3x3(h3, f"reduction_left3_{block_id}", strides=(2, 2), padding="valid")
    x3_2 = _separable_conv_block(p, filters, (5, 5), strides=(2, 2), block_id=f"reduction_right3_{block_id}")
    x3 = layers.add([x3_1, x3_2], name=f"reduction_add3_{block_id}")
    x4 = _avg_pool_3x3(x1, f"reduction_left4_{block_id}")
    x4 = layers.add([x2, x4])
    x5_1 = _separable_conv_block(x1, filters, (3, 3), block_id=f"reduction_left4_{block_id}")
    x5_2 = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="valid", name=f"reduction_right5_{block_id}")(h3)
    x5 = layers.add([x5_1, x5_2], name=f"reduction_add4_{block_id}")
    x = layers.concatenate([x2, x3, x4, x5], axis=_common.channel_axis(), name=f"reduction_concat_{block_id}")
    return x, ip


def NASNet(input_shape=None, penultimate_filters: int = 4032, num_blocks: int = 6, stem_block_filters: int = 96,
           skip_reduction: bool = True, filter_multiplier: int = 2, include_top: bool = True, weights="imagenet",
           input_tensor=None, pooling=None, classes: int = 1000, default_size=None, classifier_activation="softmax"):
    """The NASNet-A skeleton: a stem, two reduction cells, then three stacks of `num_blocks` normal cells
    separated by reduction cells."""
    _common.check_weights_argument(weights, include_top, classes)
    if isinstance(input_shape, tuple) and None in input_shape and weights == "imagenet":
        raise ValueError("When specifying the input shape of a NASNet and loading `ImageNet` weights, the "
                         f"input_shape argument must be static (no None entries). Got: `input_shape={input_shape}`.")
    default_size = 331 if default_size is None else default_size
    input_shape = imagenet_utils.obtain_input_shape(input_shape, default_size=default_size, min_size=32,
                                                    data_format=config.image_data_format(),
                                                    require_flatten=include_top, weights=weights)
    old_data_format = None
    if config.image_data_format() != "channels_last":
        logging.warning('The NASNet family of models is only available for the input data format "channels_last". '
                        "The model being returned right now will expect inputs to follow the \"channels_last\" "
                        "data format.")
        old_data_format = config.image_data_format()
        config.set_image_data_format("channels_last")
    try:
        model = _nasnet_model(input_shape, penultimate_filters, num_blocks, stem_block_filters, skip_reduction,
                              filter_multiplier, include_top, weights, input_tensor, pooling, classes, default_size,
                              classifier_activation)
    finally:
        if old_data_format:
            config.set_image_data_format(old_data_format)
    return model


def _nasnet_model(input_shape, penultimate_filters, num_blocks, stem_block_filters, skip_reduction,
                  filter_multiplier, include_top, weights, input_tensor, pooling, classes, default_size,
                  classifier_activation):
    if weights == "imagenet" and default_size not in _FILES:
        raise ValueError("ImageNet weights can only be loaded with NASNetLarge or NASNetMobile")
    imagenet_file = _FILES[default_size][0 if include_top else 1] if default_size in _FILES else None
    weights_file = _common.weights_path(weights, imagenet_file)
    img_input = _common.image_input(input_tensor, input_shape)
    if penultimate_filters % (24 * filter_multiplier**2) != 0:
        raise ValueError("For NASNet-A models, the `penultimate_filters` must be a multiple of 24 * "
                         f"(`filter_multiplier` ** 2). Current value: {penultimate_filters}")
    filters = penultimate_filters // 24
    x = _common.conv_bn(img_input, stem_block_filters, (3, 3), strides=(2, 2), activation=None, bn_kwargs=_BN,
                        names=("stem_conv1", "stem_bn1", None), kernel_initializer="he_normal")
    p = None
    x, p = _reduction_a_cell(x, p, filters // filter_multiplier**2, block_id="stem_1")
    x, p = _reduction_a_cell(x, p, filters // filter_multiplier, block_id="stem_2")
    for stack in range(3):
        if stack:
            x, p0 = _reduction_a_cell(x, p, filters * filter_multiplier**stack,
                                      block_id=f"reduce_{stack * num_blocks}")
            p = p if skip_reduction else p0
        for i in range(num_blocks):
            block = stack * num_blocks + i + 1 if stack else i
            x, p = _normal_a_cell(x, p, filters * filter_multiplier**stack, block_id=f"{block}")
    x = layers.Activation("relu")(x)
    x = _common.top_or_pooling(x, include_top, pooling, classes, classifier_activation, weights,
                               top_pool_name=None)
    return _common.finish_model(img_input, input_tensor, x, "NASNet", weights_file)


def nasnet_constructor(name, default_size, **architecture):
    """A public NASNet constructor (NASNetMobile, NASNetLarge) with tf.keras's signature."""
    def build(input_shape=None, include_top: bool = True, weights: Optional[str] = "imagenet", input_tensor=None,
              pooling: Optional[str] = None, classes: int = 1000, classifier_activation="softmax"):
        return NASNet(input_shape, include_top=include_top, weights=weights, input_tensor=input_tensor,
                      pooling=pooling, classes=classes, default_size=default_size,
                      classifier_activation=classifier_activation, **architecture)

    return _common.named(build, name, _common.constructor_doc(
        f"{name}: NASNet-A, {architecture['num_blocks']} @ {architecture['penultimate_filters']} (channels last).",
        f"at least 32x32; {default_size}x{default_size} with the ImageNet top.", returns=' named "NASNet"'))


NASNetMobile = nasnet_constructor("NASNetMobile", 224, penultimate_filters=1056, num_blocks=4, stem_block_filters=32,
                                  skip_reduction=False, filter_multiplier=2)
NASNetLarge = nasnet_constructor("NASNetLarge", 331, penultimate_filters=4032, num_blocks=6, stem_block_filters=96,
                                 skip_reduction=True, filter_multiplier=2)
preprocess_input = _common.preprocess_for("tf")
decode_predictions = imagenet_utils.decode_predictions
