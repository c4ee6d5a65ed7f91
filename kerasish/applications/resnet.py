"""ResNet50/101/152 (He et al., CVPR 2015) and the shared ResNet skeleton, as `tf.keras.applications.resnet`.

Inputs: `preprocess_input` (caffe mode). `resnet_v2` builds the pre-activation variants on the same skeleton.

Example:
    >>> import kerasish as keras
    >>> keras.applications.resnet.ResNet50(weights=None, input_shape=(32, 32, 3), classes=10).output_shape
    (None, 10)
    >>> keras.backend.clear_session()  # automatic layer names start again from "conv2d"
"""
from typing import Optional

from .. import layers
from . import _common, imagenet_utils

__all__ = ["ResNet50", "ResNet101", "ResNet152", "preprocess_input", "decode_predictions"]

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/resnet/"
WEIGHTS_HASHES = {
    "resnet50": ("2cb95161c43110f7111970584f804107", "4d473c1dd8becc155b73f8504c6f6626"),
    "resnet101": ("f1aeb4b969a6efcfb50fad2f0c20cfc5", "88cf7a10940856eca736dc7b7e228a21"),
    "resnet152": ("100835be76be38e30d865e96f2aaae62", "ee4c566cf9a93f14d82f913c2dc6dd0c"),
    "resnet50v2": ("3ef43a0b657b3be2300d5770ece849e0", "fac2f116257151a9d068a22e544a4917"),
    "resnet101v2": ("6343647c601c52e1368623803854d971", "c0ed64b8031c3730f411d2eb4eea35b5"),
    "resnet152v2": ("a49b44d1979771252814e80f8ec446f9", "ed17cf2e0169df9d443503ef94b23b33"),
}
_BN = {"epsilon": 1.001e-5}


def _weights_file(model_name, include_top):
    suffix = "" if include_top else "_notop"
    fname = f"{model_name}_weights_tf_dim_ordering_tf_kernels{suffix}.h5"
    return _common.WeightsFile(fname, BASE_WEIGHTS_PATH + fname, WEIGHTS_HASHES[model_name][0 if include_top else 1])


def ResNet(stack_fn, preact: bool, use_bias: bool, model_name: str = "resnet", include_top: bool = True,
           weights="imagenet", input_tensor=None, input_shape=None, pooling=None, classes: int = 1000,
           classifier_activation="softmax"):
    """The ResNet skeleton: 7x7 stem, max pooling, `stack_fn`'s residual stacks, then the top.

    Args:
        stack_fn: builds the residual stacks on the stem's output.
        preact: pre-activation (ResNetV2): no batch norm after the stem, one before the top.
        use_bias: the stem convolution has a bias.
    """
    _common.check_weights_argument(weights, include_top, classes)
    img_input = _common.standard_input(input_tensor, input_shape, 224, 32, include_top, weights)
    imagenet_file = _weights_file(model_name, include_top) if model_name in WEIGHTS_HASHES else None
    weights_file = _common.weights_path(weights, imagenet_file, model_name)
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)), name="conv1_pad")(img_input)
    x = layers.Conv2D(64, 7, strides=2, use_bias=use_bias, name="conv1_conv")(x)
    if not preact:
        x = layers.BatchNormalization(axis=_common.channel_axis(), name="conv1_bn", **_BN)(x)
        x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    x = stack_fn(x)
    if preact:
        x = layers.BatchNormalization(axis=_common.channel_axis(), name="post_bn", **_BN)(x)
        x = layers.Activation("relu", name="post_relu")(x)
    x = _common.top_or_pooling(x, include_top, pooling, classes, classifier_activation, weights,
                               ("avg_pool", "max_pool"))
    return _common.finish_model(img_input, input_tensor, x, model_name, weights_file)


def block1(x, filters: int, kernel_size: int = 3, stride: int = 1, conv_shortcut: bool = True, name=None):
    """A bottleneck residual block (ResNet v1): 1x1, kxk, 1x1 convolutions, each with batch norm."""
    if conv_shortcut:
        shortcut = _common.conv_bn(x, 4 * filters, 1, strides=stride, use_bias=True, activation=None,
                                   names=(name + "_0_conv", name + "_0_bn", None), bn_kwargs=_BN)
    else:
        shortcut = x
    x = _common.conv_bn(x, filters, 1, strides=stride, use_bias=True, bn_kwargs=_BN,
                        names=(name + "_1_conv", name + "_1_bn", name + "_1_relu"))
    x = _common.conv_bn(x, filters, kernel_size, padding="same", use_bias=True, bn_kwargs=_BN,
                        names=(name + "_2_conv", name + "_2_bn", name + "_2_relu"))
    x = _common.conv_bn(x, 4 * filters, 1, use_bias=True, activation=None, bn_kwargs=_BN,
                        names=(name + "_3_conv", name + "_3_bn", None))
    x = layers.Add(name=name + "_add")([shortcut, x])
    return layers.Activation("relu", name=name + "_out")(x)


def stack1(x, filters: int, blocks: int, stride1: int = 2, name=None):
    """`blocks` v1 blocks; the first one projects the shortcut and strides by `stride1`."""
    x = block1(x, filters, stride=stride1, name=name + "_block1")
    for i in range(2, blocks + 1):
        x = block1(x, filters, conv_shortcut=False, name=name + "_block" + str(i))
    return x


def block2(x, filters: int, kernel_size: int = 3, stride: int = 1, conv_shortcut: bool = False, name=None):
    """A pre-activation bottleneck block (ResNet v2): batch norm + relu before the convolutions."""
    preact = layers.BatchNormalization(axis=_common.channel_axis(), name=name + "_preact_bn", **_BN)(x)
    preact = layers.Activation("relu", name=name + "_preact_relu")(preact)
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=name + "_0_conv")(preact)
    else:
        shortcut = layers.MaxPooling2D(1, strides=stride)(x) if stride > 1 else x
    x = _common.conv_bn(preact, filters, 1, strides=1, bn_kwargs=_BN,
                        names=(name + "_1_conv", name + "_1_bn", name + "_1_relu"))
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name=name + "_2_pad")(x)
    x = _common.conv_bn(x, filters, kernel_size, strides=stride, bn_kwargs=_BN,
                        names=(name + "_2_conv", name + "_2_bn", name + "_2_relu"))
    x = layers.Conv2D(4 * filters, 1, name=name + "_3_conv")(x)
    return layers.Add(name=name + "_out")([shortcut, x])


def stack2(x, filters: int, blocks: int, stride1: int = 2, name=None):
    """`blocks` v2 blocks; the first projects the shortcut, the last strides by `stride1`."""
    x = block2(x, filters, conv_shortcut=True, name=name + "_block1")
    for i in range(2, blocks):
        x = block2(x, filters, name=name + "_block" + str(i))
    return block2(x, filters, stride=stride1, name=name + "_block" + str(blocks))


def stack_fn_for(stack, blocks):
    """The four stacks (64, 128, 256, 512 filters, `blocks` blocks each) of ResNet v1 (`stack1`) or v2 (`stack2`).

    v1 keeps the resolution in its first stack, v2 in its last one; every other stack halves it.
    """
    unit_stride_stack = 0 if stack is stack1 else 3

    def stack_fn(x):
        for i, (filters, count) in enumerate(zip((64, 128, 256, 512), blocks)):
            x = stack(x, filters, count, stride1=1 if i == unit_stride_stack else 2, name=f"conv{i + 2}")
        return x
    return stack_fn


def resnet_constructor(stack, blocks, model_name):
    """A public ResNet constructor (ResNet50, ..., ResNet152V2) with tf.keras's signature."""
    preact = stack is stack2

    def build(include_top: bool = True, weights: Optional[str] = "imagenet", input_tensor=None, input_shape=None,
              pooling: Optional[str] = None, classes: int = 1000, classifier_activation="softmax"):
        return ResNet(stack_fn_for(stack, blocks), preact, True, model_name, include_top, weights, input_tensor,
                      input_shape, pooling, classes, classifier_activation)

    name = model_name.replace("resnet", "ResNet").replace("v2", "V2")
    module = "resnet_v2" if preact else "resnet"
    return _common.named(build, name, _common.constructor_doc(
        f"{name} (inputs through `{module}.preprocess_input`).", "at least 32x32; 224x224 with the ImageNet top.",
        returns=f' named "{model_name}"'))


ResNet50 = resnet_constructor(stack1, (3, 4, 6, 3), "resnet50")
ResNet101 = resnet_constructor(stack1, (3, 4, 23, 3), "resnet101")
ResNet152 = resnet_constructor(stack1, (3, 8, 36, 3), "resnet152")
preprocess_input = _common.preprocess_for("caffe")
decode_predictions = imagenet_utils.decode_predictions
