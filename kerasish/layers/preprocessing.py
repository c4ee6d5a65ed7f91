"""Preprocessing layers: Rescaling, Normalization (with `adapt`), Resizing, CenterCrop.

They run inside a model, so a saved model carries its own preprocessing. Image layers take
channels-last images, batched `(batch, height, width, channels)` or single `(height, width, channels)`.

Example:
    >>> import numpy as np
    >>> from kerasish.layers import Normalization, Rescaling
    >>> Rescaling(1.0 / 255)(np.array([[0, 255]], "uint8")).numpy().tolist()
    [[0.0, 1.0]]
    >>> norm = Normalization(axis=None)
    >>> norm.adapt(np.array([1.0, 2.0, 3.0, 4.0, 5.0], "float32"))
    >>> norm(np.array([1.0, 2.0, 3.0], "float32")).numpy()
    array([-1.4142135 , -0.70710677,  0.        ], dtype=float32)
"""
import numpy as np

from ..backend import config
from ..backend.ops import math as m
from ..backend.ops.resize import check_interpolation as _check_interpolation
from ..backend.ops.resize import resize as _resize, smart_resize as _smart_resize
from ..backend.tensor import Tensor, Variable
from ..utils.serialization import register_builtin
from .layer import Layer

__all__ = ["Rescaling", "Normalization", "Resizing", "CenterCrop"]


def _to_float(layer, inputs, dtype=None):
    dtype = dtype or layer.dtype
    if str(inputs.dtype) != dtype:
        return m.cast(inputs, dtype)
    return inputs


def _listify(value):
    """Arrays/tensors as (nested) lists for a JSON config; numbers stay numbers (tf_keras listify_tensors)."""
    if isinstance(value, Tensor):
        value = value.array
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


# ============================================================================ Rescaling
@register_builtin("layer")
class Rescaling(Layer):
    """`inputs * scale + offset`, in the layer's float dtype (integer images become float).

    Args:
        scale: a number, or one per channel (list/array broadcast against the input).
        offset: a number or one per channel (default 0).

    Example:
        >>> import numpy as np
        >>> from kerasish.layers import Rescaling
        >>> Rescaling(1.0 / 127.5, offset=-1)(np.array([0, 255], "uint8")).numpy().tolist()
        [-1.0, 1.0]
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale
        self.offset = offset
        for arg, value in (("scale", scale), ("offset", offset)):
            try:
                np.asarray(_listify(value), dtype=np.float64)
            except (TypeError, ValueError):
                raise TypeError(f"Rescaling: `{arg}` must be a number or a list of numbers; received "
                                f"{arg}={value!r}") from None

    def _constant(self, value):
        value = _listify(value)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)  # a Python float stays weakly typed: float32 inputs stay float32
        return np.asarray(value, dtype=self.dtype)

    def call(self, inputs):
        x = _to_float(self, inputs)
        return m.add(m.multiply(x, self._constant(self.scale)), self._constant(self.offset))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"scale": _listify(self.scale), "offset": _listify(self.offset)})
        return cfg


# ============================================================================ Normalization
@register_builtin("layer")
class Normalization(Layer):
    """`(inputs - mean) / sqrt(variance)` with statistics given or learned by `adapt(data)`.

    Args:
        axis: the axis or axes that keep a separate mean and variance per index (default -1: one per
            feature); None: one scalar mean and variance for everything.
        mean, variance: fixed statistics (both or neither), broadcast to the kept axes.
        invert: apply the inverse transformation, `mean + inputs * sqrt(variance)`.

    The denominator is `max(sqrt(variance), K.epsilon())`, as Keras. When adapted, the statistics
    are the non-trainable weights `mean`, `variance` and `count` (int64), saved with the model.

    Example:
        >>> import numpy as np
        >>> from kerasish.layers import Normalization
        >>> layer = Normalization()
        >>> layer.adapt(np.array([[0.0, 7.0, 4.0], [2.0, 9.0, 6.0]], "float32"))
        >>> layer(np.array([[0.0, 7.0, 4.0]], "float32")).numpy().tolist()
        [[-1.0, -1.0, -1.0]]
        >>> Normalization(mean=3.0, variance=2.0)(np.array([[1.0]], "float32")).numpy().tolist()
        [[-1.4142135381698608]]
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        elif isinstance(axis, (int, np.integer)) and not isinstance(axis, bool):
            axis = (int(axis),)
        else:
            try:
                axis = tuple(int(a) for a in axis)
            except (TypeError, ValueError):
                raise TypeError(f"Normalization: `axis` must be None, an int or a tuple of ints; received "
                                f"axis={axis!r}") from None
        self.axis = axis
        if isinstance(mean, Variable):
            raise ValueError("Normalization does not support passing a Variable for the `mean` init arg.")
        if isinstance(variance, Variable):
            raise ValueError("Normalization does not support passing a Variable for the `variance` init arg.")
        if (mean is not None) != (variance is not None):
            raise ValueError("When setting values directly, both `mean` and `variance` must be set. "
                             f"Got mean: {mean} and variance: {variance}")
        self.input_mean = mean
        self.input_variance = variance
        self.invert = bool(invert)
        self._is_adapted = False

    @property
    def is_adapted(self):
        """Whether `adapt` has run."""
        return self._is_adapted

    def build(self, input_shape):
        if isinstance(input_shape, list) and input_shape and isinstance(input_shape[0], (list, tuple)):
            raise ValueError("Normalization only accepts a single input. If you are passing a python list or tuple "
                             "as a single input, please convert to a numpy array.")
        input_shape = tuple(input_shape)
        ndim = len(input_shape)
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError(f"All `axis` values must be in the range [-ndim, ndim). Found ndim: `{ndim}`, "
                             f"axis: {self.axis}")
        self._keep_axis = sorted(d if d >= 0 else d + ndim for d in self.axis)
        for d in self._keep_axis:
            if input_shape[d] is None:
                raise ValueError(f"All `axis` values to be kept must have known shape. Got axis: {self.axis}, "
                                 f"input shape: {list(input_shape)}, with unknown axis at index: {d}")
        self._reduce_axis = tuple(d for d in range(ndim) if d not in self._keep_axis)
        self._broadcast_shape = tuple(input_shape[d] if d in self._keep_axis else 1 for d in range(ndim))
        stats_shape = tuple(input_shape[d] for d in self._keep_axis)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(name="mean", shape=stats_shape, initializer="zeros", trainable=False)
            self.adapt_variance = self.add_weight(name="variance", shape=stats_shape, initializer="ones",
                                                  trainable=False)
            self.count = self.add_weight(name="count", shape=(), dtype="int64", initializer="zeros",
                                         trainable=False)
        else:
            try:
                mean = np.asarray(_listify(self.input_mean), np.float64) * np.ones(stats_shape)
                variance = np.asarray(_listify(self.input_variance), np.float64) * np.ones(stats_shape)
            except ValueError:
                raise ValueError(f'Layer "{self.name}": mean {self.input_mean!r} / variance {self.input_variance!r} '
                                 f"do not broadcast to the kept axes' shape {stats_shape}") from None
            self._fixed_mean = mean.reshape(self._broadcast_shape).astype(self.dtype)
            self._fixed_variance = variance.reshape(self._broadcast_shape).astype(self.dtype)
        self.built = True

    # -- adapt ---------------------------------------------------------------------------------
    def adapt(self, data, batch_size=None, steps=None):
        """Compute the mean and variance of `data` (an array, or an iterable of array batches).

        The statistics are merged batch by batch (32 samples by default) with the same formulas as
        tf_keras, and replace any earlier adaptation.
        """
        if self.input_mean is not None:
            raise ValueError("Cannot `adapt` a Normalization layer that is initialized with static `mean` and "
                             f"`variance`, you passed mean {self.input_mean} and variance {self.input_variance}.")
        batches = self._adapt_batches(data, batch_size, steps)
        first = next(batches, None)
        if first is None:
            raise ValueError(f'Layer "{self.name}": `adapt` received no data.')
        if not self.built:
            full_shape = first[1]
            if self._batch_input_shape is None:  # as tf_keras: the rank becomes part of the layer's config
                self._batch_input_shape = (None,) * len(full_shape)
            self.build(full_shape)
        self.reset_state()
        self.update_state(first[0])
        for batch, _ in batches:
            self.update_state(batch)
        self._is_adapted = True

    def _adapt_batches(self, data, batch_size, steps):
        """Yield (batch array, shape of the whole data set or of the first batch)."""
        if isinstance(data, Tensor):
            data = data.array
        if isinstance(data, (list, tuple)):
            data = np.asarray(data)
        if isinstance(data, np.ndarray):
            size = 32 if batch_size is None else int(batch_size)
            if steps is not None:
                raise ValueError("`steps` is not supported with array inputs to `adapt`; use `batch_size`.")
            n = data.shape[0] if data.ndim else 1
            if data.ndim == 0:
                data = data.reshape(1)
            for start in range(0, max(n, 1), size):
                yield data[start:start + size], data.shape
            return
        if batch_size is not None:
            raise ValueError("Do not specify `batch_size` when `adapt` gets a generator or an iterable of batches.")
        for i, batch in enumerate(data):
            if steps is not None and i >= steps:
                break
            if isinstance(batch, (list, tuple)) and len(batch) == 1:
                batch = batch[0]
            batch = np.asarray(batch.array if isinstance(batch, Tensor) else batch)
            yield batch, batch.shape

    def update_state(self, data):
        """Merge the statistics of one batch into the running mean, variance and count."""
        if self.input_mean is not None:
            raise ValueError("Cannot `adapt` a Normalization layer that is initialized with static `mean` and "
                             f"`variance`, you passed mean {self.input_mean} and variance {self.input_variance}.")
        if not self.built:
            raise RuntimeError("`build` must be called before `update_state`.")
        x = np.asarray(data.array if isinstance(data, Tensor) else data).astype(self.dtype, copy=False)
        if x.ndim != len(self._broadcast_shape):
            raise ValueError(f'Layer "{self.name}": `adapt` data of rank {x.ndim} (shape {x.shape}) does not match '
                             f"the layer's input rank {len(self._broadcast_shape)}")
        red = self._reduce_axis
        batch_mean = x.mean(axis=red) if red else x
        batch_variance = np.square(x - x.mean(axis=red, keepdims=True)).mean(axis=red) if red else np.zeros_like(x)
        batch_count = int(np.prod([x.shape[d] for d in red])) if red else 1
        total_count = batch_count + int(self.count.array)
        dt = self.adapt_mean.array.dtype.type
        batch_weight = dt(batch_count) / dt(total_count)
        existing_weight = dt(1.0) - batch_weight
        old_mean = self.adapt_mean.array
        old_variance = self.adapt_variance.array
        total_mean = old_mean * existing_weight + batch_mean * batch_weight
        total_variance = (old_variance + np.square(old_mean - total_mean)) * existing_weight + \
            (batch_variance + np.square(batch_mean - total_mean)) * batch_weight
        self.adapt_mean.assign(total_mean)
        self.adapt_variance.assign(total_variance)
        self.count.assign(total_count)

    def reset_state(self):
        """Forget adapted statistics (mean 0, variance 1, count 0)."""
        if self.input_mean is not None or not self.built:
            return
        self.adapt_mean.assign(np.zeros(self.adapt_mean.shape))
        self.adapt_variance.assign(np.ones(self.adapt_variance.shape))
        self.count.assign(0)

    def finalize_state(self):
        """Kept for API compatibility: the statistics are read from the weights at every call."""

    # -- call ----------------------------------------------------------------------------------
    def _statistics(self):
        if self.input_mean is not None:
            return self._fixed_mean, self._fixed_variance
        return (m.reshape(self.adapt_mean, self._broadcast_shape),
                m.reshape(self.adapt_variance, self._broadcast_shape))

    def call(self, inputs):
        x = _to_float(self, inputs)
        mean, variance = self._statistics()
        denominator = m.maximum(m.sqrt(variance), config.epsilon())
        if self.invert:
            return m.add(mean, m.multiply(x, denominator))
        return m.divide(m.subtract(x, mean), denominator)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"axis": self.axis, "invert": self.invert, "mean": _listify(self.input_mean),
                    "variance": _listify(self.input_variance)})
        return cfg

    @classmethod
    def from_config(cls, config_dict, custom_objects=None):
        config_dict = dict(config_dict)
        if isinstance(config_dict.get("axis"), list):
            config_dict["axis"] = tuple(config_dict["axis"])
        return super().from_config(config_dict)


# ============================================================================ image resizing
def _check_image(layer, x):
    if x.ndim not in (3, 4):
        raise ValueError(f'Layer "{layer.name}" expects images of shape (height, width, channels) or (batch, '
                         f"height, width, channels); received an input of shape {tuple(x.shape)}")


def _positive_size(layer_cls, arg, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{layer_cls}: `{arg}` must be a positive integer; received {arg}={value!r}")
    return int(value)


@register_builtin("layer")
class Resizing(Layer):
    """Resizes images to `(height, width)` as `tf.image.resize` (half-pixel centres, no antialiasing).

    Args:
        height, width: output size.
        interpolation: 'bilinear' (default), 'nearest' or 'bicubic'.
        crop_to_aspect_ratio: crop the centre to the target aspect ratio first (no distortion).

    Example:
        >>> import numpy as np
        >>> from kerasish.layers import Resizing
        >>> Resizing(2, 2)(np.arange(16, dtype="float32").reshape(1, 4, 4, 1)).numpy()[0, :, :, 0].tolist()
        [[2.5, 4.5], [10.5, 12.5]]
    """

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False, **kwargs):
        super().__init__(**kwargs)
        self.height = _positive_size("Resizing", "height", height)
        self.width = _positive_size("Resizing", "width", width)
        self._method = _check_interpolation(interpolation)
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = bool(crop_to_aspect_ratio)

    def call(self, inputs):
        _check_image(self, inputs)
        # as tf_keras: computed in float32 except nearest (layer dtype), returned in the layer dtype
        x = _to_float(self, inputs, self.dtype if self._method == "nearest" else "float32")
        if self.crop_to_aspect_ratio:
            out = _smart_resize(x, self.height, self.width, self._method)
        else:
            out = _resize(x, self.height, self.width, self._method)
        return _to_float(self, out)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        shape[-3], shape[-2] = self.height, self.width
        return tuple(shape)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"height": self.height, "width": self.width, "interpolation": self.interpolation,
                    "crop_to_aspect_ratio": self.crop_to_aspect_ratio})
        return cfg


@register_builtin("layer")
class CenterCrop(Layer):
    """Crops the centre `(height, width)` of images; smaller images are resized up (bilinear,
    cropped to the aspect ratio) as tf_keras does.

    Args:
        height, width: output size.

    Example:
        >>> import numpy as np
        >>> from kerasish.layers import CenterCrop
        >>> CenterCrop(2, 2)(np.arange(16, dtype="float32").reshape(4, 4, 1))[:, :, 0].numpy().tolist()
        [[5.0, 6.0], [9.0, 10.0]]
    """

    def __init__(self, height, width, **kwargs):
        super().__init__(**kwargs)
        self.height = _positive_size("CenterCrop", "height", height)
        self.width = _positive_size("CenterCrop", "width", width)

    def call(self, inputs):
        _check_image(self, inputs)
        x = _to_float(self, inputs)
        h_axis = x.ndim - 3
        h_diff = x.shape[h_axis] - self.height
        w_diff = x.shape[h_axis + 1] - self.width
        if h_diff >= 0 and w_diff >= 0:
            top, left = h_diff // 2, w_diff // 2
            key = (slice(None),) * h_axis + (slice(top, top + self.height), slice(left, left + self.width))
            return m.getitem(x, key)
        return _to_float(self, _smart_resize(_to_float(self, x, "float32"), self.height, self.width, "bilinear"))

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        shape[-3], shape[-2] = self.height, self.width
        return tuple(shape)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"height": self.height, "width": self.width})
        return cfg
