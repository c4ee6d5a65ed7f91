"""Image and volume resizing by integer factors: nearest neighbour (repeated pixels) and bilinear.

Its own family because bilinear resizing is a contraction (linalg) over a layout op (shape): both
families sit below it, so neither imports the other.

Example:
    >>> import numpy as np
    >>> from kerasish.backend.ops import resize
    >>> resize.resize_images(np.ones((1, 2, 2, 1), "float32"), 2, 2, "channels_last").shape
    (1, 4, 4, 1)
"""
import numpy as np

from .. import config
from .core import Tensor, tensor_and_array
from .linalg import tensordot
from .shape import _padding_axes, repeat_elements, transpose


def _resize_axes(x, rank, data_format, name):
    _, xa = tensor_and_array(x)
    if xa.ndim != rank:
        raise ValueError(f"{name}: expected a tensor of rank {rank}; received shape {xa.shape}")
    return _padding_axes(data_format, rank, name)


def resize_images(x, height_factor, width_factor, data_format=None, interpolation="nearest"):
    """Upsample the spatial axes of a 4-D tensor by integer factors.

    Args:
        x: tensor of rank 4.
        height_factor, width_factor: positive integers.
        data_format: 'channels_last' (default) or 'channels_first'.
        interpolation: 'nearest' (repeat pixels) or 'bilinear' (half-pixel centres, as tf.image.resize).

    Example:
        >>> resize_images(np.ones((1, 2, 2, 1)), 2, 3, "channels_last").shape
        (1, 4, 6, 1)
    """
    axes = _resize_axes(x, 4, data_format, "resize_images")
    factors = (int(height_factor), int(width_factor))
    if min(factors) < 1:
        raise ValueError(f"resize_images: factors must be positive integers; received {factors}")
    interpolation = str(interpolation).lower()
    if interpolation == "nearest":
        for ax, f in zip(axes, factors):
            if f != 1:
                x = repeat_elements(x, f, ax)
        return x if isinstance(x, Tensor) else Tensor(tensor_and_array(x)[1])
    if interpolation == "bilinear":
        _, xa = tensor_and_array(x)
        for ax, f in zip(axes, factors):
            if f != 1:
                mat = _bilinear_matrix(xa.shape[ax], xa.shape[ax] * f, xa.dtype)
                moved = tensordot(x, mat, axes=([ax], [1]))  # the resized axis is now last
                perm = list(range(ax)) + [xa.ndim - 1] + list(range(ax, xa.ndim - 1))
                x = transpose(moved, perm)
        return x if isinstance(x, Tensor) else Tensor(xa)
    raise ValueError(f"resize_images: unsupported interpolation {interpolation!r}; expected 'nearest' or 'bilinear'")


def _bilinear_matrix(n_in, n_out, dtype):
    """(n_out, n_in) weights of linear interpolation with half-pixel centres."""
    src = (np.arange(n_out) + 0.5) * (n_in / n_out) - 0.5
    lo = np.floor(src)
    frac = src - lo
    lo_i = np.clip(lo, 0, n_in - 1).astype(np.int64)
    hi_i = np.clip(lo + 1, 0, n_in - 1).astype(np.int64)
    mat = np.zeros((n_out, n_in))
    np.add.at(mat, (np.arange(n_out), lo_i), 1.0 - frac)
    np.add.at(mat, (np.arange(n_out), hi_i), frac)
    return mat.astype(dtype if np.dtype(dtype).kind == "f" else config.floatx())


def resize_volumes(x, depth_factor, height_factor, width_factor, data_format=None):
    """Upsample the three spatial axes of a 5-D tensor by integer factors (nearest neighbour).

    Example:
        >>> resize_volumes(np.ones((1, 1, 2, 2, 1)), 2, 2, 2, "channels_last").shape
        (1, 2, 4, 4, 1)
    """
    axes = _resize_axes(x, 5, data_format, "resize_volumes")
    for ax, f in zip(axes, (depth_factor, height_factor, width_factor)):
        if int(f) < 1:
            raise ValueError(f"resize_volumes: factors must be positive integers; received {f}")
        if int(f) != 1:
            x = repeat_elements(x, int(f), ax)
    return x if isinstance(x, Tensor) else Tensor(tensor_and_array(x)[1])
