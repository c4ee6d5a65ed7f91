"""ImageNet helpers shared by the applications: `preprocess_input`, `decode_predictions`, input-shape checks.

`preprocess_input(x, mode=...)` is tf.keras's: "caffe" flips RGB to BGR and subtracts the ImageNet channel
means, "tf" scales to [-1, 1], "torch" scales to [0, 1] and standardises each channel. A float numpy array
is modified in place (as in Keras); integer arrays are converted to floatx first. `decode_predictions` reads
Keras's class index file through `utils.get_file`, so it is downloaded once into `~/.keras/models/`.

Example:
    >>> import numpy as np
    >>> from kerasish.applications import imagenet_utils
    >>> x = np.full((1, 2, 2, 3), 255.0, "float32")
    >>> imagenet_utils.preprocess_input(x, mode="tf")[0, 0, 0]
    array([1., 1., 1.], dtype=float32)
"""
import json
import warnings
from typing import Optional

import numpy as np

from .. import activations
from ..backend import config
from ..utils.file_utils import get_file

__all__ = ["preprocess_input", "decode_predictions", "obtain_input_shape", "correct_pad", "validate_activation"]

CLASS_INDEX = None
CLASS_INDEX_PATH = "https://storage.googleapis.com/download.tensorflow.org/data/imagenet_class_index.json"
CLASS_INDEX_HASH = "c2c37ea517e94d9795004a39431a14cb"

_CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)
_TORCH_MEAN = (0.485, 0.456, 0.406)
_TORCH_STD = (0.229, 0.224, 0.225)


def _check_data_format(data_format):
    if data_format is None:
        return config.image_data_format()
    if data_format not in {"channels_first", "channels_last"}:
        raise ValueError("Expected data_format to be one of `channels_first` or `channels_last`. "
                         f"Received: data_format={data_format}")
    return data_format


def preprocess_input(x, data_format: Optional[str] = None, mode: str = "caffe"):
    """Scale a batch of RGB images with values in [0, 255] the way an ImageNet network was trained.

    Args:
        x: 3D or 4D float numpy array (written over in place when it is float) or tensor, 3 color channels.
        data_format: "channels_last" or "channels_first"; default `backend.image_data_format()`.
        mode: "caffe" (RGB->BGR, subtract the ImageNet means), "tf" (to [-1, 1]) or
            "torch" (to [0, 1], then standardise each channel with ImageNet's mean and std).

    Returns:
        The preprocessed array (or tensor).

    Example:
        >>> import numpy as np
        >>> preprocess_input(np.array([[[0.0, 0.0, 255.0]]]), mode="caffe")
        array([[[ 151.061, -116.779, -123.68 ]]])
    """
    if mode not in {"caffe", "tf", "torch"}:
        raise ValueError(f"Expected mode to be one of `caffe`, `tf` or `torch`. Received: mode={mode}")
    data_format = _check_data_format(data_format)
    if isinstance(x, np.ndarray):
        return _preprocess_numpy(x, data_format, mode)
    return _preprocess_tensor(x, data_format, mode)


def _channel_slices(x, data_format):
    """Index tuples that select channel 0, 1 and 2 of `x` (3D image or 4D batch)."""
    if data_format == "channels_last":
        return [(Ellipsis, c) for c in range(3)]
    lead = (slice(None),) if x.ndim == 4 else ()
    return [lead + (c,) for c in range(3)]


def _flip_channels(x, data_format):
    if data_format == "channels_last":
        return x[..., ::-1]
    return x[:, ::-1, ...] if x.ndim == 4 else x[::-1, ...]


def _preprocess_numpy(x, data_format, mode):
    if not issubclass(x.dtype.type, np.floating):
        x = x.astype(config.floatx(), copy=False)
    if mode == "tf":
        x /= 127.5
        x -= 1.0
        return x
    if mode == "torch":
        x /= 255.0
        mean, std = _TORCH_MEAN, _TORCH_STD
    else:
        x = _flip_channels(x, data_format)  # a view: the subtraction below still writes into the input
        mean, std = _CAFFE_MEAN_BGR, None
    for c, index in enumerate(_channel_slices(x, data_format)):
        x[index] -= mean[c]
        if std is not None:
            x[index] /= std[c]
    return x


def _preprocess_tensor(x, data_format, mode):
    """The same arithmetic with tensor operators, so it works on eager tensors and on symbolic Keras tensors
    (where each step becomes an op layer of the model, as in tf.keras)."""
    if not hasattr(x, "_keras_history") and not hasattr(x, "numpy"):
        from ..backend.tensor import as_tensor

        x = as_tensor(x)
    if mode == "tf":
        return x / 127.5 - 1.0
    dtype = np.dtype(getattr(x, "dtype", config.floatx()))
    ndim = len(x.shape)
    shape = (1, 3, 1, 1)[-ndim:] if data_format == "channels_first" else (3,)
    if mode == "torch":
        mean = np.reshape(np.asarray(_TORCH_MEAN, dtype), shape)
        std = np.reshape(np.asarray(_TORCH_STD, dtype), shape)
        return (x / 255.0 - mean) / std
    if data_format == "channels_last":
        x = x[..., ::-1]
    else:
        x = x[:, ::-1] if ndim == 4 else x[::-1]
    return x - np.reshape(np.asarray(_CAFFE_MEAN_BGR, dtype), shape)


def decode_predictions(preds, top: int = 5) -> list:
    """The `top` ImageNet classes of each prediction, as `(class_name, description, score)` tuples.

    The class index file is fetched once through `utils.get_file` into `~/.keras/models/`.

    Args:
        preds: array of shape (samples, 1000).
        top: how many guesses per sample.

    Raises:
        ValueError: `preds` is not a 2D array with 1000 columns.

    Example:
        >>> import numpy as np
        >>> decode_predictions(np.zeros((1, 10)))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: `decode_predictions` expects a batch of predictions ... Found array with shape: (1, 10)
    """
    global CLASS_INDEX
    preds = np.asarray(preds)
    if preds.ndim != 2 or preds.shape[1] != 1000:
        raise ValueError("`decode_predictions` expects a batch of predictions (i.e. a 2D array of shape "
                         f"(samples, 1000)). Found array with shape: {preds.shape}")
    if CLASS_INDEX is None:
        fpath = get_file("imagenet_class_index.json", CLASS_INDEX_PATH, cache_subdir="models",
                         file_hash=CLASS_INDEX_HASH)
        with open(fpath) as f:
            CLASS_INDEX = json.load(f)
    results = []
    for pred in preds:
        top_indices = pred.argsort()[-top:][::-1]
        result = [tuple(CLASS_INDEX[str(i)]) + (pred[i],) for i in top_indices]
        result.sort(key=lambda item: item[2], reverse=True)
        results.append(result)
    return results


def _spatial(shape, data_format):
    return shape[1:] if data_format == "channels_first" else shape[:2]


def _channels(shape, data_format):
    return shape[0] if data_format == "channels_first" else shape[-1]


def obtain_input_shape(input_shape, default_size: int, min_size: int, data_format: str, require_flatten: bool,
                       weights=None) -> tuple:
    """Check a user's `input_shape` against a network's needs, or give its default (Keras's rules and messages).

    Args:
        input_shape: None or a 3-tuple without the batch axis.
        default_size: the network's usual height and width.
        min_size: the smallest height/width it accepts.
        data_format: "channels_last" or "channels_first".
        require_flatten: True when the classifier top is included (the shape must then be static).
        weights: "imagenet" requires 3 channels (and the default shape when `require_flatten`).

    Example:
        >>> obtain_input_shape(None, 224, 32, "channels_last", require_flatten=False)
        (None, None, 3)
    """
    if weights != "imagenet" and input_shape and len(input_shape) == 3:
        channels = _channels(input_shape, data_format)
        if channels not in {1, 3}:
            warnings.warn("This model usually expects 1 or 3 input channels. However, it was passed an "
                          f"input_shape with {channels} input channels.", stacklevel=2)
        channels_default = channels
    else:
        channels_default = 3
    if data_format == "channels_first":
        default_shape = (channels_default, default_size, default_size)
    else:
        default_shape = (default_size, default_size, channels_default)
    if weights == "imagenet" and require_flatten:
        if input_shape is not None and tuple(input_shape) != default_shape:
            raise ValueError("When setting `include_top=True` and loading `imagenet` weights, `input_shape` should "
                             f"be {default_shape}.  Received: input_shape={input_shape}")
        return default_shape
    if input_shape:
        input_shape = tuple(input_shape)
        if len(input_shape) != 3:
            raise ValueError("`input_shape` must be a tuple of three integers.")
        if _channels(input_shape, data_format) != 3 and weights == "imagenet":
            raise ValueError(f"The input must have 3 channels; Received `input_shape={input_shape}`")
        if any(d is not None and d < min_size for d in _spatial(input_shape, data_format)):
            raise ValueError(f"Input size must be at least {min_size}x{min_size}; Received: "
                             f"input_shape={input_shape}")
    elif require_flatten:
        input_shape = default_shape
    else:
        input_shape = (3, None, None) if data_format == "channels_first" else (None, None, 3)
    if require_flatten and None in input_shape:
        raise ValueError("If `include_top` is True, you should specify a static `input_shape`. "
                         f"Received: input_shape={input_shape}")
    return input_shape


def correct_pad(inputs, kernel_size) -> tuple:
    """The ZeroPadding2D padding that makes a strided 'valid' convolution match TF's 'same' downsampling.

    Example:
        >>> import kerasish as keras
        >>> correct_pad(keras.Input((32, 32, 3)), 3)
        ((0, 1), (0, 1))
    """
    data_format = config.image_data_format()
    size = _spatial(tuple(inputs.shape[1:]), data_format)
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    adjust = (1, 1) if size[0] is None else (1 - size[0] % 2, 1 - size[1] % 2)
    correct = (kernel_size[0] // 2, kernel_size[1] // 2)
    return ((correct[0] - adjust[0], correct[0]), (correct[1] - adjust[1], correct[1]))


def validate_activation(classifier_activation, weights) -> None:
    """Pretrained weights allow only a softmax (or no) classifier activation.

    Raises:
        ValueError: another activation is asked for together with pretrained weights.
    """
    if weights is None:
        return
    activation = activations.get(classifier_activation)
    if activation not in {activations.get("softmax"), activations.get(None)}:
        raise ValueError("Only `None` and `softmax` activations are allowed for the `classifier_activation` "
                         "argument when using pretrained weights, with `include_top=True`; Received: "
                         f"classifier_activation={classifier_activation}")
