"""What every application shares: argument checks, the input, the classifier top, the weights file, and
the small blocks (convolution + batch norm + activation, squeeze-and-excite, channel rounding) that the
families are built from. Each family file keeps only its own topology and names.

The layers are created in the order tf.keras creates them, so unnamed layers get the same automatic names
and `model.layers` / the weight order equal Keras's: Keras's `.h5` weight files load by topology.
"""
import os
from typing import NamedTuple, Optional

from .. import layers
from ..backend import config
from ..engine.topology import get_source_inputs
from ..models import Model
from ..utils.file_utils import get_file
from . import imagenet_utils


class WeightsFile(NamedTuple):
    """A pretrained weights file as tf.keras publishes it: cache name, URL and hash (None: not checked)."""

    fname: str
    origin: str
    file_hash: Optional[str] = None


def channel_axis() -> int:
    """The channel axis of a 4D image batch under the current `image_data_format()`."""
    return 3 if config.image_data_format() == "channels_last" else 1


def check_weights_argument(weights, include_top: bool, classes: int) -> None:
    """Keras's checks of `weights` and `classes` (raised before anything is built)."""
    if not (weights in {"imagenet", None} or (isinstance(weights, (str, os.PathLike)) and os.path.exists(weights))):
        raise ValueError("The `weights` argument should be either `None` (random initialization), `imagenet` "
                         "(pre-training on ImageNet), or the path to the weights file to be loaded.  "
                         f"Received: weights={weights}")
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError('If using `weights` as `"imagenet"` with `include_top` as true, `classes` should be '
                         f"1000.  Received: classes={classes}")


def image_input(input_tensor, input_shape):
    """The model's image input: a new `Input(shape=input_shape)`, or the caller's symbolic `input_tensor`."""
    if input_tensor is None:
        return layers.Input(shape=input_shape)
    if not hasattr(input_tensor, "_keras_history"):
        raise ValueError("`input_tensor` should be a symbolic Keras tensor (from `keras.Input()` or a layer's "
                         f"output); received an object of type {type(input_tensor).__name__}")
    return input_tensor


def standard_input(input_tensor, input_shape, default_size: int, min_size: int, include_top: bool, weights):
    """`obtain_input_shape` with Keras's usual arguments, then the input tensor."""
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=default_size, min_size=min_size, data_format=config.image_data_format(),
        require_flatten=include_top, weights=weights)
    return image_input(input_tensor, input_shape)


_ARGS_DOC = {
    "include_top": "include the classifier at the top of the network.",
    "weights": 'None (random), "imagenet" (downloaded once into ~/.keras/models) or a weights file path.',
    "input_tensor": "a symbolic tensor to use as the image input.",
    "input_shape": "(rows, cols, 3) (channels last); {input_note}",
    "pooling": 'without the top, None (4D features), "avg" or "max" (2D features).',
    "classes": "number of classes of the top (1000 with ImageNet weights).",
    "classifier_activation": 'the top\'s activation (only None or "softmax" with pretrained weights).',
}


def constructor_doc(summary: str, input_note: str, extra: Optional[dict] = None, returns: str = "") -> str:
    """The docstring of an application constructor: `summary`, the family's own arguments (`extra`), then the
    arguments every application has."""
    entries = dict(extra or {})
    entries.update({k: v.format(input_note=input_note) for k, v in _ARGS_DOC.items() if k not in entries})
    args = "\n".join(f"        {name}: {text}" for name, text in entries.items())
    return f"{summary}\n\n    Args:\n{args}\n\n    Returns:\n        A `keras.Model`{returns}.\n"


def named(function, name: str, doc: str):
    """Give a constructor made by a family's factory its public name and docstring."""
    function.__name__ = function.__qualname__ = name
    function.__doc__ = doc
    return function


def preprocess_for(mode: Optional[str]):
    """A family's `preprocess_input(x, data_format=None)`: ImageNet preprocessing in `mode`, or (None) a
    pass-through for networks that scale their input themselves."""
    if mode is None:
        def preprocess_input(x, data_format=None):
            return x
        doc = "A pass-through: this network rescales its input itself (feed pixels in [0, 255])."
    else:
        def preprocess_input(x, data_format=None):
            return imagenet_utils.preprocess_input(x, data_format=data_format, mode=mode)
        doc = f"ImageNet preprocessing in {mode} mode (see `imagenet_utils.preprocess_input`)."
    return named(preprocess_input, "preprocess_input", doc)


def top_or_pooling(x, include_top: bool, pooling, classes: int, classifier_activation, weights,
                   pool_names=(None, None), top_pool_name: Optional[str] = "avg_pool", **top_kwargs):
    """The usual end of a network: `dense_top` with the top, else `feature_pooling` (avg, max names)."""
    if include_top:
        return dense_top(x, classes, classifier_activation, weights, pool_name=top_pool_name, **top_kwargs)
    return feature_pooling(x, pooling, *pool_names)


def dense_top(x, classes: int, classifier_activation, weights, pool_name: Optional[str] = "avg_pool",
              dropout_rate: float = 0.0, dropout_name: Optional[str] = None, **dense_kwargs):
    """Global average pooling, optional dropout, and the `predictions` Dense layer."""
    x = layers.GlobalAveragePooling2D(name=pool_name)(x)
    if dropout_rate > 0:
        x = layers.Dropout(dropout_rate, name=dropout_name)(x)
    imagenet_utils.validate_activation(classifier_activation, weights)
    return layers.Dense(classes, activation=classifier_activation, name="predictions", **dense_kwargs)(x)


def feature_pooling(x, pooling, avg_name: Optional[str] = None, max_name: Optional[str] = None):
    """`pooling="avg"`/`"max"` of a headless network (any other value leaves the 4D features)."""
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name=avg_name)(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name=max_name)(x)
    return x


def weights_path(weights, imagenet_file: Optional[WeightsFile] = None, model_name: str = "this model"):
    """The weights file to load: `imagenet_file` fetched once into `~/.keras/models/` (its hash checked) for
    `weights="imagenet"`, the path itself for a path, None for random weights.

    Called before the layers are built, so a failed download is reported at once.
    """
    if weights == "imagenet":
        if imagenet_file is None:
            raise ValueError(f"No ImageNet weights are published for {model_name}")
        return get_file(imagenet_file.fname, imagenet_file.origin, cache_subdir="models",
                        file_hash=imagenet_file.file_hash)
    return weights


def finish_model(img_input, input_tensor, outputs, name: str, weights_file=None):
    """Make the Model (its inputs are the sources of `input_tensor` when given) and load `weights_file`
    (from `weights_path`) by topology."""
    inputs = get_source_inputs(input_tensor) if input_tensor is not None else img_input
    model = Model(inputs, outputs, name=name)
    if weights_file is not None:
        model.load_weights(weights_file)
    return model


def make_divisible(value: float, divisor: int = 8, min_value: Optional[int] = None) -> int:
    """Round a channel count to a multiple of `divisor`, never more than 10% down (MobileNet/EfficientNet rule).

    Example:
        >>> make_divisible(32 * 0.35)
        16
    """
    if min_value is None:
        min_value = divisor
    rounded = max(min_value, int(value + divisor / 2) // divisor * divisor)
    if rounded < 0.9 * value:
        rounded += divisor
    return rounded


def activation_layer(x, activation, name: Optional[str] = None):
    """Apply `activation`: a string or function becomes an `Activation` layer, a callable that builds layers
    (e.g. MobileNet's `relu6`) is called on `x`, None leaves `x`."""
    if activation is None:
        return x
    if isinstance(activation, str):
        return layers.Activation(activation, name=name)(x)
    return activation(x, name)


def conv_bn(x, filters, kernel_size, strides=1, padding: str = "valid", use_bias: bool = False,
            activation="relu", names=(None, None, None), bn_kwargs: Optional[dict] = None, conv_class=None,
            **conv_kwargs):
    """Convolution, BatchNormalization over the channels, then the activation (None: none).

    Args:
        filters: output channels; None for a DepthwiseConv2D (`depth_multiplier` etc. in `conv_kwargs`).
        names: (convolution, batch norm, activation) layer names; None lets Keras's automatic name stand.
        bn_kwargs: BatchNormalization arguments (epsilon, momentum, scale).
        conv_class: the convolution layer class (default Conv2D; SeparableConv2D for Xception/NASNet).
    """
    conv_name, bn_name, act_name = names
    conv_args = dict(strides=strides, padding=padding, use_bias=use_bias, name=conv_name, **conv_kwargs)
    if filters is None:
        x = layers.DepthwiseConv2D(kernel_size, **conv_args)(x)
    else:
        x = (conv_class or layers.Conv2D)(filters, kernel_size, **conv_args)(x)
    x = layers.BatchNormalization(axis=channel_axis(), name=bn_name, **(bn_kwargs or {}))(x)
    return activation_layer(x, activation, act_name)


def squeeze_excite(x, filters: int, filters_se: int, activation: str, name: str, **conv_kwargs):
    """EfficientNet's squeeze-and-excite: `se_squeeze` global pooling, `se_reshape` to 1x1, `se_reduce`
    (with `activation`) and `se_expand` (sigmoid) 1x1 convolutions, `se_excite` channel gating."""
    se = layers.GlobalAveragePooling2D(name=name + "se_squeeze")(x)
    shape = (filters, 1, 1) if channel_axis() == 1 else (1, 1, filters)
    se = layers.Reshape(shape, name=name + "se_reshape")(se)
    se = layers.Conv2D(filters_se, 1, padding="same", activation=activation, name=name + "se_reduce",
                       **conv_kwargs)(se)
    se = layers.Conv2D(filters, 1, padding="same", activation="sigmoid", name=name + "se_expand",
                       **conv_kwargs)(se)
    return layers.Multiply(name=name + "se_excite")([x, se])
