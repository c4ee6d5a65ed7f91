"""Spatial reshaping layers: UpSampling1D/2D/3D, ZeroPadding1D/2D/3D and Cropping1D/2D/3D.

All follow tf_keras 2.21: argument names and defaults, normalised configs (`size`, `padding` and
`cropping` become tuples), channels_last by default. `UpSampling2D(interpolation=...)` reproduces
`tf.image.resize` as Keras 2 calls it (TF2 resize: half-pixel centres, no antialiasing).

Example:
    >>> import numpy as np
    >>> from kerasish.layers import UpSampling2D, ZeroPadding2D, Cropping2D
    >>> x = np.ones((1, 4, 5, 2), "float32")
    >>> UpSampling2D()(x).shape
    (1, 8, 10, 2)
    >>> ZeroPadding2D(padding=((1, 2), (0, 1)))(x).shape
    (1, 7, 6, 2)
    >>> Cropping2D(cropping=((1, 1), (2, 0)))(x).shape
    (1, 2, 3, 2)
"""
import math

import numpy as np

from ..backend import config
from ..backend.ops import linalg
from ..backend.ops import resize
from ..backend.ops import shape as s
from ..backend.ops.core import RECORDING, Tensor, record, tensor_and_array
from ..utils.serialization import register_builtin
from .layer import InputSpec, Layer
from ..legacy import interfaces

__all__ = ["UpSampling1D", "UpSampling2D", "UpSampling3D", "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D",
           "Cropping1D", "Cropping2D", "Cropping3D"]

_ORDINALS = ("1st", "2nd", "3rd")


# ----------------------------------------------------------------------------- argument helpers
def _normalize_tuple(value, n, name, allow_zero=False):
    """An int or n ints -> a tuple of n ints (tf_keras conv_utils.normalize_tuple, same messages)."""
    msg = f"The `{name}` argument must be a tuple of {n} integers. Received: {value}"
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        values = (int(value),) * n
    else:
        try:
            values = tuple(value)
        except TypeError:
            raise ValueError(msg) from None
        if len(values) != n:
            raise ValueError(msg)
        for v in values:
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
                if not (isinstance(v, (float, np.floating)) and float(v).is_integer()):
                    raise ValueError(msg + f" including element {v} of type {type(v)}")
        values = tuple(int(v) for v in values)
    bad = {v for v in values if (v < 0 if allow_zero else v <= 0)}
    if bad:
        raise ValueError(msg + f" including {bad} that does not satisfy the requirement "
                               f"`{'>= 0' if allow_zero else '> 0'}`.")
    return values


def _normalize_pairs(value, n, name, layer_name, examples):
    """int -> n (v, v) pairs; n ints or n pairs -> n pairs (ZeroPadding/Cropping 2D and 3D)."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        if value < 0:
            raise ValueError(f"{layer_name}: `{name}` must be >= 0; received {name}={value}")
        return tuple((int(value), int(value)) for _ in range(n))
    if hasattr(value, "__len__"):
        if len(value) != n:
            word = "two" if n == 2 else str(n)
            raise ValueError(f"`{name}` should have {word} elements. Received: {value}.")
        return tuple(_normalize_tuple(v, 2, f"{_ORDINALS[i]} entry of {name}", allow_zero=True)
                     for i, v in enumerate(value))
    raise ValueError(f"`{name}` should be either an int, {examples}. Received: {value}.")


def _spatial_axes(data_format, rank):
    return tuple(range(2, rank)) if data_format == "channels_first" else tuple(range(1, rank - 1))


def _scaled(size, factor):
    return None if size is None else size * factor


# ----------------------------------------------------------------------------- crop op
def _crop(x, pairs, axes):
    """x with pairs[i] = (before, after) elements removed from axis axes[i]; differentiable.

    The backward pass zero-pads the gradient back (an engine op, so second derivatives work).
    """
    xt, xa = tensor_and_array(x)
    key = [slice(None)] * xa.ndim
    pads = [(0, 0)] * xa.ndim
    for ax, (before, after) in zip(axes, pairs):
        key[ax] = slice(before, xa.shape[ax] - after)
        pads[ax] = (before, after)
    out = Tensor(np.ascontiguousarray(xa[tuple(key)]))
    if RECORDING and xt is not None:
        record((xt,), out, lambda g: (s.pad(g, pads),))
    return out


def _check_crop(layer, inputs, axes, pairs):
    for ax, (before, after) in zip(axes, pairs):
        if before + after >= inputs.shape[ax]:
            raise ValueError(f'Layer "{layer.name}": `cropping` {layer.cropping} removes all of axis {ax} of '
                             f"an input of shape {tuple(inputs.shape)}; each axis must keep at least one "
                             "element")


# ----------------------------------------------------------------------------- resize helpers
_INTERPOLATIONS = resize.INTERPOLATIONS


# ----------------------------------------------------------------------------- upsampling
@register_builtin("layer")
class UpSampling1D(Layer):
    """Repeats each temporal step `size` times: (batch, steps, features) -> (batch, steps*size, features).

    Args:
        size: the upsampling factor (int).

    Example:
        >>> import numpy as np
        >>> from kerasish.layers import UpSampling1D
        >>> UpSampling1D(size=2)(np.array([[[1.0], [2.0]]], "float32")).numpy()[0, :, 0].tolist()
        [1.0, 1.0, 2.0, 2.0]
    """

    @interfaces.legacy_upsampling1d_support
    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        self.size = _normalize_tuple(size, 1, "size")[0]
        self.input_spec = InputSpec(ndim=3)

    def call(self, inputs):
        return s.repeat_elements(inputs, self.size, axis=1)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        return (input_shape[0], _scaled(input_shape[1], self.size), input_shape[2])

    def get_config(self):
        cfg = super().get_config()
        cfg["size"] = self.size
        return cfg


@register_builtin("layer")
class UpSampling2D(Layer):
    """Upsamples rows and columns by `size`: nearest neighbour (repeat) or an interpolating resize.

    Args:
        size: int or (rows, cols) factors.
        data_format: 'channels_last' (default, (batch, rows, cols, channels)) or 'channels_first'.
        interpolation: 'nearest' (default), 'bilinear', 'bicubic', 'area', 'lanczos3', 'lanczos5',
            'gaussian' or 'mitchellcubic', computed as TF2's `tf.image.resize` (half-pixel centres).

    Example:
        >>> import numpy as np
        >>> from kerasish.layers import UpSampling2D
        >>> x = np.array([0.0, 1.0], "float32").reshape(1, 1, 2, 1)
        >>> UpSampling2D((1, 2), interpolation="bilinear")(x).numpy().ravel().tolist()
        [0.0, 0.25, 0.75, 1.0]
    """

    @interfaces.legacy_upsampling2d_support
    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        self.data_format = config.normalize_data_format(data_format)
        self.size = _normalize_tuple(size, 2, "size")
        if not isinstance(interpolation, str) or interpolation.lower() not in _INTERPOLATIONS:
            raise ValueError(f"UpSampling2D: value not recognized for `interpolation`: {interpolation!r}. "
                             f"Supported values are: {list(_INTERPOLATIONS)}")
        self.interpolation = interpolation.lower()
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs):
        return resize.resize_images(inputs, self.size[0], self.size[1], self.data_format, self.interpolation)

    def compute_output_shape(self, input_shape):
        b, *rest = tuple(input_shape)
        axes = (1, 2) if self.data_format == "channels_first" else (0, 1)
        for ax, f in zip(axes, self.size):
            rest[ax] = _scaled(rest[ax], f)
        return (b,) + tuple(rest)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"size": self.size, "data_format": self.data_format, "interpolation": self.interpolation})
        return cfg


@register_builtin("layer")
class UpSampling3D(Layer):
    """Repeats the three spatial axes of a 5-D input by `size` (nearest neighbour).

    Args:
        size: int or (dim1, dim2, dim3) factors.
        data_format: 'channels_last' (default) or 'channels_first'.

    Example:
        >>> import numpy as np
        >>> from kerasish.layers import UpSampling3D
        >>> UpSampling3D(size=(1, 2, 3))(np.ones((1, 2, 2, 2, 1), "float32")).shape
        (1, 2, 4, 6, 1)
    """

    @interfaces.legacy_upsampling3d_support
    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = config.normalize_data_format(data_format)
        self.size = _normalize_tuple(size, 3, "size")
        self.input_spec = InputSpec(ndim=5)

    def call(self, inputs):
        return resize.resize_volumes(inputs, self.size[0], self.size[1], self.size[2], self.data_format)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for ax, f in zip(_spatial_axes(self.data_format, 5), self.size):
            shape[ax] = _scaled(shape[ax], f)
        return tuple(shape)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"size": self.size, "data_format": self.data_format})
        return cfg


# ----------------------------------------------------------------------------- zero padding
class _ZeroPadding(Layer):
    """Shared call/shape logic: `self.padding` holds one (before, after) pair per spatial axis."""

    _rank = None

    def _pairs(self):
        return self.padding

    def call(self, inputs):
        pads = [(0, 0)] * inputs.ndim
        for ax, pair in zip(_spatial_axes(self.data_format, self._rank), self._pairs()):
            pads[ax] = pair
        return s.pad(inputs, pads)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for ax, (before, after) in zip(_spatial_axes(self.data_format, self._rank), self._pairs()):
            shape[ax] = None if shape[ax] is None else shape[ax] + before + after
        return tuple(shape)


@register_builtin("layer")
class ZeroPadding1D(_ZeroPadding):
    """Pads a 3-D input (batch, steps, features) with zeros before and after the steps.

    Args:
        padding: int (both sides) or (before, after).

    Example:
        >>> import numpy as np
        >>> from kerasish.layers import ZeroPadding1D
        >>> ZeroPadding1D((1, 2))(np.ones((1, 2, 1), "float32")).numpy()[0, :, 0].tolist()
        [0.0, 1.0, 1.0, 0.0, 0.0]
    """

    _rank = 3

    def __init__(self, padding=1, **kwargs):
        super().__init__(**kwargs)
        self.padding = _normalize_tuple(padding, 2, "padding", allow_zero=True)
        self.data_format = "channels_last"
        self.input_spec = InputSpec(ndim=3)

    def _pairs(self):
        return (self.padding,)

    def get_config(self):
        cfg = super().get_config()
        cfg["padding"] = self.padding
        return cfg


@register_builtin("layer")
class ZeroPadding2D(_ZeroPadding):
    """Pads the rows and columns of a 4-D input with zeros.

    Args:
        padding: int (all sides), (rows, cols) symmetric amounts, or ((top, bottom), (left, right)).
        data_format: 'channels_last' (default) or 'channels_first'.

    Example:
        >>> import numpy as np
        >>> from kerasish.layers import ZeroPadding2D
        >>> ZeroPadding2D(((1, 0), (0, 2)))(np.ones((1, 2, 2, 1), "float32")).shape
        (1, 3, 4, 1)
    """

    _rank = 4

    @interfaces.legacy_zeropadding2d_support
    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = config.normalize_data_format(data_format)
        self.padding = _normalize_pairs(
            padding, 2, "padding", "ZeroPadding2D",
            "a tuple of 2 ints (symmetric_height_pad, symmetric_width_pad), or a tuple of 2 tuples of 2 ints "
            "((top_pad, bottom_pad), (left_pad, right_pad))")
        self.input_spec = InputSpec(ndim=4)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"padding": self.padding, "data_format": self.data_format})
        return cfg


@register_builtin("layer")
class ZeroPadding3D(_ZeroPadding):
    """Pads the three spatial axes of a 5-D input with zeros.

    Args:
        padding: int, 3 symmetric amounts, or 3 (before, after) pairs.
        data_format: 'channels_last' (default) or 'channels_first'.

    Example:
        >>> import numpy as np
        >>> from kerasish.layers import ZeroPadding3D
        >>> ZeroPadding3D((1, 0, 2))(np.ones((1, 2, 2, 2, 1), "float32")).shape
        (1, 4, 2, 6, 1)
    """

    _rank = 5

    @interfaces.legacy_zeropadding3d_support
    def __init__(self, padding=(1, 1, 1), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = config.normalize_data_format(data_format)
        self.padding = _normalize_pairs(
            padding, 3, "padding", "ZeroPadding3D",
            "a tuple of 3 ints (symmetric_dim1_pad, symmetric_dim2_pad, symmetric_dim3_pad), or a tuple of 3 "
            "tuples of 2 ints ((left_dim1_pad, right_dim1_pad), (left_dim2_pad, right_dim2_pad), "
            "(left_dim3_pad, right_dim2_pad))")
        self.input_spec = InputSpec(ndim=5)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"padding": self.padding, "data_format": self.data_format})
        return cfg


# ----------------------------------------------------------------------------- cropping
class _Cropping(Layer):
    """Shared call/shape logic: `self.cropping` holds one (before, after) pair per spatial axis."""

    _rank = None

    def _pairs(self):
        return self.cropping

    def call(self, inputs):
        axes = _spatial_axes(self.data_format, self._rank)
        _check_crop(self, inputs, axes, self._pairs())
        return _crop(inputs, self._pairs(), axes)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for ax, (before, after) in zip(_spatial_axes(self.data_format, self._rank), self._pairs()):
            shape[ax] = None if shape[ax] is None else shape[ax] - before - after
        return tuple(shape)


@register_builtin("layer")
class Cropping1D(_Cropping):
    """Removes steps from the start and end of a 3-D input (batch, steps, features).

    Args:
        cropping: int (both ends) or (start, end).

    Example:
        >>> import numpy as np
        >>> from kerasish.layers import Cropping1D
        >>> Cropping1D((1, 2))(np.arange(5, dtype="float32").reshape(1, 5, 1)).numpy()[0, :, 0].tolist()
        [1.0, 2.0]
    """

    _rank = 3

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(**kwargs)
        self.cropping = _normalize_tuple(cropping, 2, "cropping", allow_zero=True)
        self.data_format = "channels_last"
        self.input_spec = InputSpec(ndim=3)

    def _pairs(self):
        return (self.cropping,)

    def get_config(self):
        cfg = super().get_config()
        cfg["cropping"] = self.cropping
        return cfg


@register_builtin("layer")
class Cropping2D(_Cropping):
    """Removes rows and columns from the borders of a 4-D input.

    Args:
        cropping: int (all sides), (rows, cols) symmetric amounts, or ((top, bottom), (left, right)).
        data_format: 'channels_last' (default) or 'channels_first'.

    Example:
        >>> import numpy as np
        >>> from kerasish.layers import Cropping2D
        >>> Cropping2D(((2, 1), (1, 3)))(np.ones((1, 8, 10, 2), "float32")).shape
        (1, 5, 6, 2)
    """

    _rank = 4

    @interfaces.legacy_cropping2d_support
    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = config.normalize_data_format(data_format)
        self.cropping = _normalize_pairs(
            cropping, 2, "cropping", "Cropping2D",
            "a tuple of 2 ints (symmetric_height_crop, symmetric_width_crop), or a tuple of 2 tuples of 2 ints "
            "((top_crop, bottom_crop), (left_crop, right_crop))")
        self.input_spec = InputSpec(ndim=4)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"cropping": self.cropping, "data_format": self.data_format})
        return cfg


@register_builtin("layer")
class Cropping3D(_Cropping):
    """Removes borders from the three spatial axes of a 5-D input.

    Args:
        cropping: int, 3 symmetric amounts, or 3 (before, after) pairs.
        data_format: 'channels_last' (default) or 'channels_first'.

    Example:
        >>> import numpy as np
        >>> from kerasish.layers import Cropping3D
        >>> Cropping3D()(np.ones((1, 4, 4, 4, 1), "float32")).shape
        (1, 2, 2, 2, 1)
    """

    _rank = 5

    @interfaces.legacy_cropping3d_support
    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = config.normalize_data_format(data_format)
        self.cropping = _normalize_pairs(
            cropping, 3, "cropping", "Cropping3D",
            "a tuple of 3 ints (symmetric_dim1_crop, symmetric_dim2_crop, symmetric_dim3_crop), or a tuple of "
            "3 tuples of 2 ints ((left_dim1_crop, right_dim1_crop), (left_dim2_crop, right_dim2_crop), "
            "(left_dim3_crop, right_dim2_crop))")
        self.input_spec = InputSpec(ndim=5)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"cropping": self.cropping, "data_format": self.data_format})
        return cfg
