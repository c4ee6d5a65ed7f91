"""VGG16 (Simonyan & Zisserman, ICLR 2015), as `tf.keras.applications.vgg16`. Inputs: `preprocess_input`
(caffe mode: BGR, ImageNet means subtracted).

Example:
    >>> import kerasish as keras
    >>> keras.applications.vgg16.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3)).output_shape
    (None, 1, 1, 512)
    >>> keras.backend.clear_session()  # automatic layer names start again from "conv2d"
"""
from typing import Optional

from .. import layers
from . import _common, imagenet_utils

__all__ = ["VGG16", "preprocess_input", "decode_predictions"]

_BASE = "https://storage.googleapis.com/tensorflow/keras-applications/"
WEIGHTS_PATH = _BASE + "vgg16/vgg16_weights_tf_dim_ordering_tf_kernels.h5"
WEIGHTS_PATH_NO_TOP = _BASE + "vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"
_FILES = {
    "vgg16": (_common.WeightsFile("vgg16_weights_tf_dim_ordering_tf_kernels.h5", WEIGHTS_PATH,
                                  "64373286793e3c8b2b4e3219cbf3544b"),
              _common.WeightsFile("vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5", WEIGHTS_PATH_NO_TOP,
                                  "6d6bbae143d832006294945121d1f1fc")),
    "vgg19": (_common.WeightsFile("vgg19_weights_tf_dim_ordering_tf_kernels.h5",
                                  _BASE + "vgg19/vgg19_weights_tf_dim_ordering_tf_kernels.h5",
                                  "cbe5617147190e668d6c5d5026f83318"),
              _common.WeightsFile("vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",
                                  _BASE + "vgg19/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",
                                  "253f8cb515780f3b799900260a226db6")),
}


def vgg(convs_per_block, name, include_top, weights, input_tensor, input_shape, pooling, classes,
        classifier_activation):
    """The VGG family: five blocks of 3x3 relu convolutions and 2x2 max pooling, then two 4096-unit layers."""
    _common.check_weights_argument(weights, include_top, classes)
    img_input = _common.standard_input(input_tensor, input_shape, 224, 32, include_top, weights)
    weights_file = _common.weights_path(weights, _FILES[name][0 if include_top else 1])
    x = img_input
    for block, (filters, convs) in enumerate(zip((64, 128, 256, 512, 512), convs_per_block), start=1):
        for i in range(1, convs + 1):
            x = layers.Conv2D(filters, (3, 3), activation="relu", padding="same", name=f"block{block}_conv{i}")(x)
        x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{block}_pool")(x)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = _common.feature_pooling(x, pooling)
    return _common.finish_model(img_input, input_tensor, x, name, weights_file)


def vgg_constructor(convs_per_block, name):
    def build(include_top: bool = True, weights: Optional[str] = "imagenet", input_tensor=None, input_shape=None,
              pooling: Optional[str] = None, classes: int = 1000, classifier_activation="softmax"):
        return vgg(convs_per_block, name, include_top, weights, input_tensor, input_shape, pooling, classes,
                   classifier_activation)

    depth = sum(convs_per_block) + 3
    return _common.named(build, name.upper(), _common.constructor_doc(
        f"VGG{depth}: {depth - 3} 3x3 convolutions in five blocks and three fully connected layers (inputs "
        "through `preprocess_input`, caffe mode).", "at least 32x32; 224x224 with the ImageNet top.",
        returns=f' named "{name}"'))


VGG16 = vgg_constructor((2, 2, 3, 3, 3), "vgg16")
preprocess_input = _common.preprocess_for("caffe")
decode_predictions = imagenet_utils.decode_predictions
