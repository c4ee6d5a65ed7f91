"""Image resizing: Keras 2's backend resizing by integer factors (`K.resize_images`, `K.resize_volumes`) and
tf.image.resize's to a target size (`resize`, `smart_resize`: the Resizing layer and the image data sets).

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
from . import math as m
from . import shape as shape_ops
from . import linalg
from .core import Tensor, tensor_and_array
from .shape import _padding_axes, repeat_elements, transpose


def _resize_axes(x, rank, data_format, name):
    _, xa = tensor_and_array(x)
    if xa.ndim != rank:
        raise ValueError(f"{name}: expected a tensor of rank {rank}; received shape {xa.shape}")
    return _padding_axes(data_format, rank, name)


INTERPOLATIONS = ("area", "bicubic", "bilinear", "gaussian", "lanczos3", "lanczos5", "mitchellcubic", "nearest")


def resize_images(x, height_factor, width_factor, data_format=None, interpolation="nearest"):
    """Upsample the spatial axes of a 4-D tensor by integer factors, as tf_keras (tf.image.resize).

    Args:
        x: tensor of rank 4.
        height_factor, width_factor: positive integers.
        data_format: 'channels_last' (default) or 'channels_first'.
        interpolation: 'nearest' (repeat pixels), 'area' (the same values for integer factors),
            'bilinear', 'bicubic', 'lanczos3', 'lanczos5', 'gaussian' or 'mitchellcubic' (half-pixel
            centres, TensorFlow's kernels).

    Example:
        >>> resize_images(np.ones((1, 2, 2, 1)), 2, 3, "channels_last").shape
        (1, 4, 6, 1)
        >>> resize_images(np.array([[[[0.0], [1.0]]]], "float32"), 1, 2, "channels_last",
        ...               interpolation="lanczos3").numpy().ravel().astype(float).round(4).tolist()
        [-0.1755, 0.2329, 0.7671, 1.1755]
    """
    axes = _resize_axes(x, 4, data_format, "resize_images")
    factors = (int(height_factor), int(width_factor))
    if min(factors) < 1:
        raise ValueError(f"resize_images: factors must be positive integers; received {factors}")
    method = str(interpolation).lower()
    if method not in INTERPOLATIONS:
        raise ValueError(f"resize_images: `interpolation` should be one of {list(INTERPOLATIONS)}; "
                         f"received {interpolation!r}")
    _, xa = tensor_and_array(x)
    if method != "nearest" and xa.dtype != config.floatx():
        # tf.image.resize computes and returns float32 for every other method; kerasish returns floatx, so
        # with set_floatx("float64") float64 data keeps its precision
        x = m.cast(x, config.floatx())
        xa = xa.astype(config.floatx())
    for ax, f in zip(axes, factors):
        if method in ("nearest", "area"):
            # area resizing by an integer factor covers each output pixel with one input pixel: nearest's values
            x = repeat_elements(x, f, ax) if f != 1 else x
            continue
        # no shortcut for a factor of 1: gaussian and mitchellcubic smooth even then, as TensorFlow does
        n = xa.shape[ax]
        if method == "bilinear":
            mat = _bilinear_matrix(n, n * f, xa.dtype)
        elif method == "bicubic":
            mat = _resize_matrix(n, n * f, "bicubic")
        else:
            mat = _scale_and_translate_matrix(n, n * f, method)
        x = _resize_axis(x, ax, mat)
    return x if isinstance(x, Tensor) else Tensor(xa)


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


def _resize_axis(x, axis, matrix):
    """Apply an (n_out, n_in) interpolation matrix along `axis` of x (differentiable)."""
    _, xa = tensor_and_array(x)
    if matrix.dtype != xa.dtype and xa.dtype.kind == "f":
        matrix = matrix.astype(xa.dtype)
    moved = linalg.tensordot(x, matrix, axes=([axis], [1]))  # the resized axis is now last
    perm = list(range(axis)) + [xa.ndim - 1] + list(range(axis, xa.ndim - 1))
    return transpose(moved, perm)


def _lanczos(radius):
    def kernel(x):
        x = np.abs(x)
        with np.errstate(invalid="ignore", divide="ignore"):
            v = radius * np.sin(np.pi * x) * np.sin(np.pi * x / radius) / (np.pi * np.pi * x * x)
        return np.where(x > radius, 0.0, np.where(x <= 1e-3, 1.0, v))
    return kernel, float(radius)


def _gaussian(x):
    radius, sigma = 1.5, 0.5
    x = np.abs(x)
    return np.where(x >= radius, 0.0, np.exp(-x * x / (2.0 * sigma * sigma)))


def _mitchell_cubic(x):
    x = np.abs(x)
    outer = (((-7.0 / 18.0) * x + 2.0) * x - 10.0 / 3.0) * x + 16.0 / 9.0
    inner = (((7.0 / 6.0) * x - 2.0) * x) * x + 8.0 / 9.0
    return np.where(x >= 2.0, 0.0, np.where(x >= 1.0, outer, inner))


_SCALE_AND_TRANSLATE_KERNELS = {
    "lanczos3": _lanczos(3),
    "lanczos5": _lanczos(5),
    "gaussian": (_gaussian, 1.5),
    "mitchellcubic": (_mitchell_cubic, 2.0),
}


def _scale_and_translate_matrix(n_in, n_out, method):
    """(n_out, n_in) weights of tf.raw_ops.ScaleAndTranslate (no antialiasing, no translation), what
    tf.image.resize uses for these kernels: taps around each sample point, clamped to the image,
    renormalised to sum to 1."""
    kernel, radius = _SCALE_AND_TRANSLATE_KERNELS[method]
    inv_scale = np.float32(1.0 / (np.float32(n_out) / np.float32(n_in)))
    mat = np.zeros((n_out, n_in), dtype=np.float32)
    for o in range(n_out):
        sample = (np.float32(o) + np.float32(0.5)) * inv_scale
        if sample < 0 or sample > n_in:
            continue
        start = min(max(int(np.ceil(sample - radius - 0.5)), 0), n_in - 1)
        end = min(max(int(np.floor(sample + radius - 0.5)), 0), n_in - 1) + 1
        taps = np.arange(start, end)
        weights = kernel((taps.astype(np.float32) + np.float32(0.5) - sample).astype(np.float64)).astype(np.float32)
        total = weights.sum(dtype=np.float32)
        if abs(total) >= 1000.0 * np.finfo(np.float32).tiny:
            weights = weights * (np.float32(1.0) / total)
        mat[o, start:end] = weights
    return mat


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


# --------------------------------------------------------------------------- tf.image.resize to a size
_INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5", "gaussian", "mitchellcubic")  # tf_keras's order
_SUPPORTED_INTERPOLATIONS = ("bilinear", "nearest", "bicubic")
_CUBIC_TABLE_SIZE = 1024


def check_interpolation(interpolation):
    """The method name in lower case (NotImplementedError for an unknown one, as tf_keras).

    Example:
        >>> check_interpolation("Bilinear")
        'bilinear'
    """
    method = str(interpolation).lower()
    if method not in _INTERPOLATIONS:
        raise NotImplementedError(f"Value not recognized for `interpolation`: {interpolation}. Supported values "
                                  f"are: {_INTERPOLATIONS}")
    if method not in _SUPPORTED_INTERPOLATIONS:
        raise NotImplementedError(f"interpolation={interpolation!r} is not supported by kerasish; use one of "
                                  f"{_SUPPORTED_INTERPOLATIONS}")
    return method


def _cubic_table():
    """TensorFlow's table of Keys cubic weights (a = -0.5), sampled at 1/1024 steps, in float32."""
    a = np.float32(-0.5)
    x = np.arange(_CUBIC_TABLE_SIZE + 1, dtype=np.float64) / _CUBIC_TABLE_SIZE
    x = x.astype(np.float32)
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    x1 = x + np.float32(1.0)
    far = ((a * x1 - 5 * a) * x1 + 8 * a) * x1 - 4 * a
    return near.astype(np.float32), far.astype(np.float32)


def _resize_matrix(in_size, out_size, method):
    """(out_size, in_size) float32 interpolation weights of tf.image.resize (half-pixel centres)."""
    scale = np.float32(in_size) / np.float32(out_size)
    o = np.arange(out_size)
    mat = np.zeros((out_size, in_size), dtype=np.float32)
    pos = (o.astype(np.float32) + np.float32(0.5)) * scale - np.float32(0.5)
    floor = np.floor(pos)
    if method == "bilinear":
        lower = np.maximum(floor, 0).astype(np.int64)
        upper = np.minimum(np.ceil(pos), in_size - 1).astype(np.int64)
        lerp = pos - floor
        np.add.at(mat, (o, lower), np.float32(1.0) - lerp)
        np.add.at(mat, (o, upper), lerp)
        return mat
    # bicubic: 4 taps, out-of-range taps get weight 0 and the rest are renormalised (TF's keys cubic)
    near, far = _cubic_table()
    base = floor.astype(np.int64)
    offset = np.rint((pos - floor) * np.float32(_CUBIC_TABLE_SIZE)).astype(np.int64)
    taps = [(base - 1, far[offset]), (base, near[offset]), (base + 1, near[_CUBIC_TABLE_SIZE - offset]),
            (base + 2, far[_CUBIC_TABLE_SIZE - offset])]
    weights = np.stack([np.where((idx >= 0) & (idx < in_size), w, np.float32(0.0)) for idx, w in taps])
    total = weights.sum(axis=0)
    ok = np.abs(total) >= 1000.0 * np.finfo(np.float32).tiny
    weights[:, ok] *= (np.float32(1.0) / total[ok])
    for (idx, _), w in zip(taps, weights):
        np.add.at(mat, (o, np.clip(idx, 0, in_size - 1)), w)
    return mat


def _nearest_indices(in_size, out_size):
    scale = np.float32(in_size) / np.float32(out_size)
    pos = np.floor((np.arange(out_size).astype(np.float32) + np.float32(0.5)) * scale)
    return np.clip(pos.astype(np.int64), 0, in_size - 1)


def resize(x, height: int, width: int, method: str):
    """tf.image.resize(x, (height, width), method) for channels-last images (rank 3 or 4).

    Example:
        >>> resize(np.ones((2, 2, 1), "float32"), 4, 4, "bilinear").shape
        (4, 4, 1)
    """
    h_axis, w_axis = x.ndim - 3, x.ndim - 2
    in_h, in_w = x.shape[h_axis], x.shape[w_axis]
    if method == "nearest":
        if in_h != height:
            x = shape_ops.take(x, _nearest_indices(in_h, height), axis=h_axis)
        if in_w != width:
            x = shape_ops.take(x, _nearest_indices(in_w, width), axis=w_axis)
        return x
    lead = "b" if x.ndim == 4 else ""
    if in_h != height:
        x = linalg.einsum(f"oh,{lead}hwc->{lead}owc", _resize_matrix(in_h, height, method).astype(x.dtype), x)
    if in_w != width:
        x = linalg.einsum(f"pw,{lead}hwc->{lead}hpc", _resize_matrix(in_w, width, method).astype(x.dtype), x)
    return x


def smart_resize(x, height: int, width: int, method: str):
    """Crop the centre to the target aspect ratio, then resize (tf_keras image_utils.smart_resize).

    Example:
        >>> smart_resize(np.ones((4, 2, 1), "float32"), 2, 2, "nearest").shape
        (2, 2, 1)
    """
    h_axis = x.ndim - 3
    in_h, in_w = x.shape[h_axis], x.shape[h_axis + 1]
    crop_h = int(np.float32(in_w * height) / np.float32(width))
    crop_w = int(np.float32(in_h * width) / np.float32(height))
    crop_h, crop_w = min(in_h, crop_h), min(in_w, crop_w)
    top = int(np.float32(in_h - crop_h) / np.float32(2))
    left = int(np.float32(in_w - crop_w) / np.float32(2))
    key = (slice(None),) * h_axis + (slice(top, top + crop_h), slice(left, left + crop_w))
    return resize(m.getitem(x, key), height, width, method)
