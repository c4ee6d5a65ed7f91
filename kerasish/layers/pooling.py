"""Pooling layers: MaxPooling1D/2D/3D, AveragePooling1D/2D/3D and the global max/average poolings.

Arguments, defaults and `get_config` keys are those of tf_keras 2.21 (note: the 1-D layers default to
`data_format="channels_last"`, the 2-D/3-D ones to `image_data_format()`). TensorFlow's conventions:
'same' padding puts the extra pixel at the end, average pooling with 'same' divides by the number of
real (non-padded) elements, max pooling sends a window's gradient to its first maximum. Each call is
one tape node (`backend.ops.pool`).

Example:
    >>> import numpy as np
    >>> from kerasish.layers import MaxPooling2D, GlobalAveragePooling2D
    >>> x = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
    >>> MaxPooling2D()(x).numpy()[0, :, :, 0]
    array([[ 5.,  7.],
           [13., 15.]], dtype=float32)
    >>> GlobalAveragePooling2D()(x).numpy()
    array([[7.5]], dtype=float32)
"""
from ..backend import config
from ..backend.ops import conv as conv_ops
from ..backend.ops import math as m
from ..backend.ops import pool as pool_ops
from ..backend.ops import shape as shape_ops
from ..utils.serialization import register_builtin
from .convolutional import normalize_padding, normalize_tuple
from .layer import InputSpec, Layer
from ..legacy import interfaces

__all__ = [
    "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D", "AveragePooling3D",
    "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
    "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
    "MaxPool1D", "MaxPool2D", "MaxPool3D", "AvgPool1D", "AvgPool2D", "AvgPool3D",
    "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D", "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalAvgPool3D",
]


# --------------------------------------------------------------------------- windowed pooling
class Pooling(Layer):
    """Base of the windowed pooling layers (`rank` spatial axes, `pool_mode` 'max' or 'avg').

    Args:
        pool_size: int or tuple of `rank` ints.
        strides: int or tuple; None means `pool_size`.
        padding: 'valid' or 'same'.
        data_format: 'channels_last' or 'channels_first' (None: `image_data_format()`).
    """

    rank = None
    pool_mode = None

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        cls = type(self).__name__
        if strides is None:
            strides = pool_size
        self.pool_size = normalize_tuple(pool_size, self.rank, "pool_size", cls)
        self.strides = normalize_tuple(strides, self.rank, "strides", cls)
        self.padding = normalize_padding(padding, cls, allowed=("valid", "same"))
        self.data_format = config.normalize_data_format(data_format)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _spatial_axes(self):
        start = 2 if self.data_format == "channels_first" else 1
        return range(start, start + self.rank)

    def compute_output_shape(self, input_shape):
        """Output shape with TensorFlow's rules (`conv_output_length`).

        Example:
            >>> MaxPooling2D(3, strides=2, padding="same").compute_output_shape((None, 9, 10, 4))
            (None, 5, 5, 4)
        """
        shape = list(input_shape)
        if len(shape) != self.rank + 2:
            raise ValueError(f'Layer "{self.name}" ({type(self).__name__}) expects inputs of rank {self.rank + 2}; '
                             f"received input shape {tuple(input_shape)}")
        for axis, k, s in zip(self._spatial_axes(), self.pool_size, self.strides):
            shape[axis] = conv_ops.conv_output_length(shape[axis], k, self.padding, s)
        return tuple(shape)

    def build(self, input_shape):
        out = self.compute_output_shape(input_shape)
        if any(d is not None and d <= 0 for d in out[1:]):
            raise ValueError(f'Layer "{self.name}": the pooling window {self.pool_size} with padding '
                             f"{self.padding!r} does not fit the input shape {tuple(input_shape)} (output shape "
                             f"{out}).")
        self.built = True

    def call(self, inputs):
        return pool_ops.pool(inputs, self.pool_size, self.strides, self.padding, self.data_format, self.pool_mode,
                             name=self.name)

    def get_config(self):
        cfg = super().get_config()
        if self.rank == 1:  # tf_keras's Pooling1D lists strides first
            cfg.update({"strides": self.strides, "pool_size": self.pool_size, "padding": self.padding,
                        "data_format": self.data_format})
        else:
            cfg.update({"pool_size": self.pool_size, "padding": self.padding, "strides": self.strides,
                        "data_format": self.data_format})
        return cfg


@register_builtin("layer", "MaxPool1D")
class MaxPooling1D(Pooling):
    """Max pooling over the steps of (batch, steps, features).

    Example:
        >>> import numpy as np
        >>> from kerasish.layers import MaxPooling1D
        >>> MaxPooling1D(2)(np.array([[[1.0], [3.0], [2.0], [5.0], [4.0]]], "float32")).numpy().ravel()
        array([3., 5.], dtype=float32)
    """

    rank, pool_mode = 1, "max"

    @interfaces.legacy_pooling1d_support
    def __init__(self, pool_size=2, strides=None, padding="valid", data_format="channels_last", **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


@register_builtin("layer", "MaxPool2D")
class MaxPooling2D(Pooling):
    """Max pooling over the rows and columns of (batch, rows, cols, channels).

    Example:
        >>> import numpy as np
        >>> from kerasish.layers import MaxPooling2D
        >>> MaxPooling2D((2, 2), strides=1)(np.ones((1, 4, 4, 3), "float32")).shape
        (1, 3, 3, 3)
    """

    rank, pool_mode = 2, "max"

    @interfaces.legacy_pooling2d_support
    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


@register_builtin("layer", "MaxPool3D")
class MaxPooling3D(Pooling):
    """Max pooling over the three spatial axes of (batch, d1, d2, d3, channels).

    Example:
        >>> import numpy as np
        >>> from kerasish.layers import MaxPooling3D
        >>> MaxPooling3D()(np.ones((1, 4, 4, 4, 2), "float32")).shape
        (1, 2, 2, 2, 2)
    """

    rank, pool_mode = 3, "max"

    @interfaces.legacy_pooling3d_support
    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


@register_builtin("layer", "AvgPool1D")
class AveragePooling1D(Pooling):
    """Average pooling over the steps of (batch, steps, features); 'same' averages real elements only.

    Example:
        >>> import numpy as np
        >>> from kerasish.layers import AveragePooling1D
        >>> AveragePooling1D(2, padding="same")(np.array([[[1.0], [3.0], [5.0]]], "float32")).numpy().ravel()
        array([2., 5.], dtype=float32)
    """

    rank, pool_mode = 1, "avg"

    @interfaces.legacy_pooling1d_support
    def __init__(self, pool_size=2, strides=None, padding="valid", data_format="channels_last", **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


@register_builtin("layer", "AvgPool2D")
class AveragePooling2D(Pooling):
    """Average pooling over the rows and columns of (batch, rows, cols, channels).

    Example:
        >>> import numpy as np
        >>> from kerasish.layers import AveragePooling2D
        >>> AveragePooling2D()(np.arange(16, dtype="float32").reshape(1, 4, 4, 1)).numpy()[0, :, :, 0]
        array([[ 2.5,  4.5],
               [10.5, 12.5]], dtype=float32)
    """

    rank, pool_mode = 2, "avg"

    @interfaces.legacy_pooling2d_support
    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


@register_builtin("layer", "AvgPool3D")
class AveragePooling3D(Pooling):
    """Average pooling over the three spatial axes of (batch, d1, d2, d3, channels).

    Example:
        >>> import numpy as np
        >>> from kerasish.layers import AveragePooling3D
        >>> AveragePooling3D(2)(np.ones((1, 2, 4, 4, 1), "float32")).shape
        (1, 1, 2, 2, 1)
    """

    rank, pool_mode = 3, "avg"

    @interfaces.legacy_pooling3d_support
    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


# --------------------------------------------------------------------------- global pooling
class GlobalPooling(Layer):
    """Base of the global poolings: max or mean over every spatial axis.

    Args:
        data_format: 'channels_last' or 'channels_first'.
        keepdims: keep the spatial axes (with size 1) instead of dropping them.
    """

    rank = None
    pool_mode = None

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = config.normalize_data_format(data_format)
        self.keepdims = keepdims
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _spatial_axes(self):
        start = 2 if self.data_format == "channels_first" else 1
        return tuple(range(start, start + self.rank))

    def build(self, input_shape):
        for axis in self._spatial_axes():
            if input_shape[axis] == 0:
                raise ValueError(f'Layer "{self.name}": incorrect input shape {tuple(input_shape)} with dimension 0 '
                                 f"at reduction axis {axis}.")
        self.built = True

    def compute_output_shape(self, input_shape):
        """(batch, channels), or with size-1 spatial axes when `keepdims`.

        Example:
            >>> GlobalMaxPooling2D(keepdims=True).compute_output_shape((None, 5, 5, 3))
            (None, 1, 1, 3)
        """
        if len(input_shape) != self.rank + 2:
            raise ValueError(f'Layer "{self.name}" ({type(self).__name__}) expects inputs of rank {self.rank + 2}; '
                             f"received input shape {tuple(input_shape)}")
        channels = input_shape[1] if self.data_format == "channels_first" else input_shape[-1]
        if not self.keepdims:
            return (input_shape[0], channels)
        ones = (1,) * self.rank
        if self.data_format == "channels_first":
            return (input_shape[0], channels) + ones
        return (input_shape[0],) + ones + (channels,)

    def call(self, inputs):
        return pool_ops.global_pool(inputs, self.pool_mode, self.data_format, self.keepdims)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"data_format": self.data_format, "keepdims": self.keepdims})
        return cfg


@register_builtin("layer", "GlobalMaxPool1D")
class GlobalMaxPooling1D(GlobalPooling):
    """Max over the steps of (batch, steps, features) -> (batch, features).

    Example:
        >>> import numpy as np
        >>> from kerasish.layers import GlobalMaxPooling1D
        >>> GlobalMaxPooling1D()(np.array([[[1.0, 5.0], [3.0, 2.0]]], "float32")).numpy()
        array([[3., 5.]], dtype=float32)
    """

    rank, pool_mode = 1, "max"

    def __init__(self, data_format="channels_last", keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)


@register_builtin("layer", "GlobalMaxPool2D")
class GlobalMaxPooling2D(GlobalPooling):
    """Max over rows and columns of (batch, rows, cols, channels) -> (batch, channels).

    Example:
        >>> import numpy as np
        >>> from kerasish.layers import GlobalMaxPooling2D
        >>> GlobalMaxPooling2D()(np.arange(8, dtype="float32").reshape(1, 2, 2, 2)).numpy()
        array([[6., 7.]], dtype=float32)
    """

    rank, pool_mode = 2, "max"

    @interfaces.legacy_global_pooling_support
    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)


@register_builtin("layer", "GlobalMaxPool3D")
class GlobalMaxPooling3D(GlobalPooling):
    """Max over the three spatial axes of (batch, d1, d2, d3, channels) -> (batch, channels).

    Example:
        >>> import numpy as np
        >>> from kerasish.layers import GlobalMaxPooling3D
        >>> GlobalMaxPooling3D()(np.ones((2, 3, 3, 3, 4), "float32")).shape
        (2, 4)
    """

    rank, pool_mode = 3, "max"

    @interfaces.legacy_global_pooling_support
    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)


@register_builtin("layer", "GlobalAvgPool1D")
class GlobalAveragePooling1D(GlobalPooling):
    """Mean over the steps of (batch, steps, features) -> (batch, features).

    With a mask (batch, steps) (e.g. from `Embedding(mask_zero=True)` or `Masking`), the mean is taken
    over the unmasked steps only, as tf_keras does; the output carries no mask.

    Example:
        >>> import numpy as np
        >>> from kerasish.layers import GlobalAveragePooling1D
        >>> x = np.array([[[1.0], [3.0], [8.0]]], "float32")
        >>> GlobalAveragePooling1D()(x, mask=np.array([[True, True, False]])).numpy()
        array([[2.]], dtype=float32)
    """

    rank, pool_mode = 1, "avg"

    def __init__(self, data_format="channels_last", keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return pool_ops.global_pool(inputs, "avg", self.data_format, self.keepdims)
        steps_axis = 1 if self.data_format == "channels_last" else 2
        weights = shape_ops.expand_dims(m.cast(mask, inputs.dtype), 2 if self.data_format == "channels_last" else 1)
        # sum(x * mask) / sum(mask), as tf_keras computes it (a fully masked sample gives nan there too)
        total = m.sum(m.multiply(inputs, weights), axis=steps_axis, keepdims=self.keepdims)
        return m.divide(total, m.sum(weights, axis=steps_axis, keepdims=self.keepdims))

    def compute_mask(self, inputs, mask=None):
        return None


@register_builtin("layer", "GlobalAvgPool2D")
class GlobalAveragePooling2D(GlobalPooling):
    """Mean over rows and columns of (batch, rows, cols, channels) -> (batch, channels).

    Example:
        >>> import numpy as np
        >>> from kerasish.layers import GlobalAveragePooling2D
        >>> GlobalAveragePooling2D(keepdims=True)(np.ones((2, 3, 3, 4), "float32")).shape
        (2, 1, 1, 4)
    """

    rank, pool_mode = 2, "avg"

    @interfaces.legacy_global_pooling_support
    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)


@register_builtin("layer", "GlobalAvgPool3D")
class GlobalAveragePooling3D(GlobalPooling):
    """Mean over the three spatial axes of (batch, d1, d2, d3, channels) -> (batch, channels).

    Example:
        >>> import numpy as np
        >>> from kerasish.layers import GlobalAveragePooling3D
        >>> GlobalAveragePooling3D(data_format="channels_first")(np.ones((2, 4, 3, 3, 3), "float32")).shape
        (2, 4)
    """

    rank, pool_mode = 3, "avg"

    @interfaces.legacy_global_pooling_support
    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)


MaxPool1D = MaxPooling1D
MaxPool2D = MaxPooling2D
MaxPool3D = MaxPooling3D
AvgPool1D = AveragePooling1D
AvgPool2D = AveragePooling2D
AvgPool3D = AveragePooling3D
GlobalMaxPool1D = GlobalMaxPooling1D
GlobalMaxPool2D = GlobalMaxPooling2D
GlobalMaxPool3D = GlobalMaxPooling3D
GlobalAvgPool1D = GlobalAveragePooling1D
GlobalAvgPool2D = GlobalAveragePooling2D
GlobalAvgPool3D = GlobalAveragePooling3D
