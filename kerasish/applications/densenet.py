"""DenseNet121/169/201 (Huang et al., CVPR 2017), as `tf.keras.applications.densenet`. Inputs through
`preprocess_input` (torch mode: [0, 1], then per-channel ImageNet standardisation).

Example:
    >>> import kerasish as keras
    >>> keras.applications.densenet.DenseNet121(weights=None, include_top=False, input_shape=(32, 32, 3),
    ...                                         pooling="avg").output_shape
    (None, 1024)
    >>> keras.backend.clear_session()  # automatic layer names start again from "conv2d"
"""
from typing import Optional

from .. import layers
from . import _common, imagenet_utils

__all__ = ["DenseNet121", "DenseNet169", "DenseNet201", "preprocess_input", "decode_predictions"]

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/densenet/"
_HASHES = {
    (6, 12, 24, 16): ("densenet121", "9d60b8095a5708f2dcce2bca79d332c7", "30ee3e1110167f948a6b9946edeeb738"),
    (6, 12, 32, 32): ("densenet169", "d699b8f76981ab1b30698df4c175e90b", "b8c4d4c20dd625c148057b9ff1c1176b"),
    (6, 12, 48, 32): ("densenet201", "1ceb130c1ea1b78c3bf6114dbdfd8807", "c13680b51ded0fb44dff2d8f86ac8bb1"),
}
_BN = {"epsilon": 1.001e-5}


def _bn_relu(x, name):
    x = layers.BatchNormalization(axis=_common.channel_axis(), name=name + "_bn", **_BN)(x)
    return layers.Activation("relu", name=name + "_relu")(x)


def conv_block(x, growth_rate: int, name: str):
    """A dense layer: BN-relu-1x1 conv (4 * growth_rate), BN-relu-3x3 conv (growth_rate), concatenated to `x`."""
    x1 = _bn_relu(x, name + "_0")
    x1 = _common.conv_bn(x1, 4 * growth_rate, 1, bn_kwargs=_BN, names=(name + "_1_conv", name + "_1_bn",
                                                                        name + "_1_relu"))
    x1 = layers.Conv2D(growth_rate, 3, padding="same", use_bias=False, name=name + "_2_conv")(x1)
    return layers.Concatenate(axis=_common.channel_axis(), name=name + "_concat")([x, x1])


def dense_block(x, blocks: int, name: str):
    """`blocks` dense layers of growth rate 32."""
    for i in range(blocks):
        x = conv_block(x, 32, name=name + "_block" + str(i + 1))
    return x


def transition_block(x, reduction: float, name: str):
    """BN-relu, a 1x1 convolution to `reduction` of the channels, 2x2 average pooling."""
    x = _bn_relu(x, name)
    x = layers.Conv2D(int(x.shape[_common.channel_axis()] * reduction), 1, use_bias=False, name=name + "_conv")(x)
    return layers.AveragePooling2D(2, strides=2, name=name + "_pool")(x)


def DenseNet(blocks, include_top: bool = True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
             classes: int = 1000, classifier_activation="softmax"):
    """A DenseNet with `blocks` dense layers in each of its four dense blocks (default input 224x224)."""
    _common.check_weights_argument(weights, include_top, classes)
    img_input = _common.standard_input(input_tensor, input_shape, 224, 32, include_top, weights)
    known = _HASHES.get(tuple(blocks))
    name = known[0] if known else "densenet"
    imagenet_file = None
    if known:
        fname = f"{name}_weights_tf_dim_ordering_tf_kernels{'' if include_top else '_notop'}.h5"
        imagenet_file = _common.WeightsFile(fname, BASE_WEIGHTS_PATH + fname, known[1 if include_top else 2])
    weights_file = _common.weights_path(weights, imagenet_file, name)
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)))(img_input)
    x = _common.conv_bn(x, 64, 7, strides=2, bn_kwargs=_BN, names=("conv1/conv", "conv1/bn", "conv1/relu"))
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)))(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    for i, count in enumerate(blocks):
        x = dense_block(x, count, name=f"conv{i + 2}")
        if i < 3:
            x = transition_block(x, 0.5, name=f"pool{i + 2}")
    x = layers.BatchNormalization(axis=_common.channel_axis(), name="bn", **_BN)(x)
    x = layers.Activation("relu", name="relu")(x)
    x = _common.top_or_pooling(x, include_top, pooling, classes, classifier_activation, weights,
                               ("avg_pool", "max_pool"))
    return _common.finish_model(img_input, input_tensor, x, name, weights_file)


def densenet_constructor(blocks, model_name):
    """A public DenseNet constructor (DenseNet121/169/201) with tf.keras's signature."""
    def build(include_top: bool = True, weights: Optional[str] = "imagenet", input_tensor=None, input_shape=None,
              pooling: Optional[str] = None, classes: int = 1000, classifier_activation="softmax"):
        return DenseNet(list(blocks), include_top, weights, input_tensor, input_shape, pooling, classes,
                        classifier_activation)

    name = model_name.replace("densenet", "DenseNet")
    return _common.named(build, name, _common.constructor_doc(
        f"{name} (inputs through `densenet.preprocess_input`, torch mode).",
        "at least 32x32; 224x224 with the ImageNet top.", returns=f' named "{model_name}"'))


DenseNet121 = densenet_constructor((6, 12, 24, 16), "densenet121")
DenseNet169 = densenet_constructor((6, 12, 32, 32), "densenet169")
DenseNet201 = densenet_constructor((6, 12, 48, 32), "densenet201")
preprocess_input = _common.preprocess_for("torch")
decode_predictions = imagenet_utils.decode_predictions
