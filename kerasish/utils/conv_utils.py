"""Keras 2's `keras.utils.conv_utils`: argument normalization and output-length arithmetic of convolutions.

Example:
    >>> from kerasish.utils import conv_utils
    >>> conv_utils.normalize_tuple(3, 2, "kernel_size"), conv_utils.conv_output_length(28, 3, "valid", 2)
    ((3, 3), 13)
"""
import numpy as np

from ..backend.config import normalize_data_format  # noqa: F401
from ..backend.ops.conv import conv_output_length, deconv_output_length  # noqa: F401


def normalize_tuple(value, n: int, name: str) -> tuple:
    """An int, or an iterable of `n` ints, as a tuple of `n` ints.

    Raises:
        ValueError: naming the argument, when `value` is neither.
    """
    if isinstance(value, int):
        return (value,) * n
    message = f"The `{name}` argument must be a tuple of {n} integers. Received: {value}"
    try:
        value_tuple = tuple(value)
    except TypeError:
        raise ValueError(message) from None
    if len(value_tuple) != n:
        raise ValueError(message)
    for single_value in value_tuple:
        try:
            int(single_value)
        except (TypeError, ValueError):
            raise ValueError(f"{message} including element {single_value} of type {type(single_value)}") from None
    return value_tuple


def normalize_padding(value: str) -> str:
    """'valid', 'same' or 'causal', lower-cased.

    Raises:
        ValueError: for any other value.
    """
    padding = str(value).lower()
    if padding not in ("valid", "same", "causal"):
        raise ValueError('The `padding` argument must be one of "valid", "same" (or "causal" for Conv1D). '
                         f"Received: {padding}")
    return padding


def convert_kernel(kernel) -> np.ndarray:
    """A convolution kernel flipped along its spatial axes (Theano <-> TensorFlow layout; its own inverse).

    Example:
        >>> convert_kernel(np.arange(3.0).reshape(3, 1, 1)).ravel().tolist()
        [2.0, 1.0, 0.0]
    """
    kernel = np.asarray(kernel)
    if not 3 <= kernel.ndim <= 5:
        raise ValueError(f"Invalid kernel shape: {kernel.shape}; expected a 3D, 4D or 5D convolution kernel")
    slices = (slice(None, None, -1),) * (kernel.ndim - 2) + (slice(None), slice(None))
    return np.copy(kernel[slices])


def conv_input_length(output_length, filter_size: int, padding: str, stride: int):
    """The input length a convolution needs to give `output_length` (None stays None).

    Example:
        >>> conv_input_length(13, 3, "valid", 2)
        27
    """
    if output_length is None:
        return None
    pad = {"same": filter_size // 2, "valid": 0, "full": filter_size - 1}.get(padding)
    if pad is None:
        raise ValueError(f"conv_input_length: padding must be 'same', 'valid' or 'full'; received {padding!r}")
    return (output_length - 1) * stride - 2 * pad + filter_size


def deconv_length(dim_size, stride_size: int, kernel_size: int, padding: str, output_padding, dilation: int = 1):
    """Output length of a transposed convolution (Keras 2's argument order of `deconv_output_length`).

    Example:
        >>> deconv_length(5, 2, 3, "valid", None)
        11
    """
    return deconv_output_length(dim_size, kernel_size, padding, output_padding=output_padding, stride=stride_size,
                                dilation=dilation)
