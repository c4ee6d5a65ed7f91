"""Noise and dropout variants, active only in training: SpatialDropout1D/2D/3D, GaussianNoise,
GaussianDropout, AlphaDropout. (Dropout and ActivityRegularization live in `core.py`.)

At inference (`training=False`, the default outside `fit`) every layer here returns its input.

Example:
    >>> import numpy as np
    >>> from kerasish.layers import GaussianNoise
    >>> x = np.ones((2, 3), "float32")
    >>> bool((GaussianNoise(0.5)(x).numpy() == x).all())          # inference: identity
    True
    >>> bool((GaussianNoise(0.5)(x, training=True).numpy() == x).all())
    False
"""
import numpy as np

from ..backend import config
from ..backend.ops import nn
from ..backend.ops import math as m
from ..utils.serialization import register_builtin
from .core import Dropout
from .layer import InputSpec, Layer
from ..legacy import interfaces

__all__ = ["SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise", "GaussianDropout",
           "AlphaDropout"]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


class _RandomLayer(Layer):
    """A layer drawing its own random numbers: repeatable from `seed`, a fresh draw at every call."""

    def _init_rng(self, seed):
        self.seed = seed
        self._rng = np.random.default_rng(int(seed)) if seed is not None else None

    def _generator(self):
        return self._rng if self._rng is not None else config.rng()

    @staticmethod
    def _draw_dtype(x):
        return np.float64 if x.dtype == np.float64 else np.float32


def _float_inputs(layer, inputs):
    if inputs.dtype.kind != "f":
        return m.cast(inputs, layer.dtype)
    return inputs


def _rate_arg(layer_cls, rate):
    try:
        rate = float(rate)
    except (TypeError, ValueError):
        raise TypeError(f"{layer_cls}: `rate` must be a float; received rate={rate!r}") from None
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"Invalid value received for argument `rate`. Expected a float value between 0 and 1. "
                         f"Received: rate={rate}")
    return rate


# ============================================================================ spatial dropout
class _SpatialDropout(Dropout):
    """Dropout of whole feature maps: one keep/drop decision per (sample, channel)."""

    _ndim = None

    @interfaces.legacy_spatialdropoutNd_support
    def __init__(self, rate, data_format=None, **kwargs):
        super().__init__(rate, **kwargs)
        if data_format is None:
            data_format = config.image_data_format()
        if data_format not in ("channels_last", "channels_first"):
            raise ValueError('`data_format` must be "channels_last" or "channels_first". '
                             f"Received: data_format={data_format}.")
        self.data_format = data_format
        self.input_spec = InputSpec(ndim=self._ndim)

    def _noise_shape(self, shape):
        if self.data_format == "channels_first":
            return (shape[0], shape[1]) + (1,) * (len(shape) - 2)
        return (shape[0],) + (1,) * (len(shape) - 2) + (shape[-1],)

    def call(self, inputs, training=None):
        if not training or self.rate == 0.0:
            return inputs
        if self.rate >= 1.0:
            return m.multiply(inputs, 0.0)
        return nn.dropout(inputs, self.rate, self._noise_shape(tuple(inputs.shape)), self._rng)

    def get_config(self):
        cfg = super().get_config()
        # tf_keras leaves data_format out of the config, so channels_first would be lost on reload:
        # it is added only then (tf_keras's constructor accepts it), default configs stay identical
        if self._ndim != 3 and self.data_format != "channels_last":
            cfg["data_format"] = self.data_format
        return cfg


@register_builtin("layer")
class SpatialDropout1D(_SpatialDropout):
    """Drops entire 1D feature maps (channels) of a (batch, steps, channels) input during training.

    Args:
        rate: fraction of channels to drop, in [0, 1]; the rest are scaled by 1 / (1 - rate).

    Example:
        >>> import numpy as np
        >>> from kerasish.layers import SpatialDropout1D
        >>> y = SpatialDropout1D(0.5, seed=1)(np.ones((4, 3, 8), "float32"), training=True).numpy()
        >>> bool((y == y[:, :1, :]).all())   # the same decision at every step
        True
    """

    _ndim = 3

    @interfaces.legacy_spatialdropout1d_support
    def __init__(self, rate, **kwargs):
        kwargs.pop("data_format", None)
        super().__init__(rate, data_format="channels_last", **kwargs)


@register_builtin("layer")
class SpatialDropout2D(_SpatialDropout):
    """Drops entire 2D feature maps of a 4D input during training.

    Args:
        rate: fraction of channels to drop.
        data_format: 'channels_last' (batch, rows, cols, channels) or 'channels_first'
            (batch, channels, rows, cols); default `image_data_format()`.

    Example:
        >>> import numpy as np
        >>> from kerasish.layers import SpatialDropout2D
        >>> y = SpatialDropout2D(0.5, seed=0)(np.ones((2, 4, 4, 3), "float32"), training=True).numpy()
        >>> sorted(set(y.ravel().tolist())) in ([0.0, 2.0], [2.0], [0.0])
        True
    """

    _ndim = 4


@register_builtin("layer")
class SpatialDropout3D(_SpatialDropout):
    """Drops entire 3D feature maps of a 5D input during training.

    Args:
        rate: fraction of channels to drop.
        data_format: 'channels_last' (batch, d1, d2, d3, channels) or 'channels_first'.

    Example:
        >>> import numpy as np
        >>> from kerasish.layers import SpatialDropout3D
        >>> SpatialDropout3D(0.5)(np.ones((1, 2, 2, 2, 3), "float32")).shape
        (1, 2, 2, 2, 3)
    """

    _ndim = 5


# ============================================================================ Gaussian noise / dropout
@register_builtin("layer")
class GaussianNoise(_RandomLayer):
    """Adds zero-centred Gaussian noise of standard deviation `stddev` during training.

    Args:
        stddev: standard deviation of the noise.
        seed: makes the noise repeatable.

    Example:
        >>> import numpy as np
        >>> from kerasish.layers import GaussianNoise
        >>> y = GaussianNoise(0.1, seed=0)(np.zeros((1000, 10), "float32"), training=True).numpy()
        >>> round(float(y.std()), 1)
        0.1
    """

    @interfaces.legacy_gaussiannoise_support
    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        try:
            self.stddev = float(stddev)
        except (TypeError, ValueError):
            raise TypeError(f"GaussianNoise: `stddev` must be a float; received stddev={stddev!r}") from None
        self._init_rng(seed)

    def call(self, inputs, training=None):
        if not training:
            return inputs
        x = _float_inputs(self, inputs)
        noise = self._generator().standard_normal(tuple(x.shape), dtype=self._draw_dtype(x))
        noise *= self.stddev
        return m.add(x, noise.astype(x.dtype, copy=False))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"stddev": self.stddev, "seed": self.seed})
        return cfg


@register_builtin("layer")
class GaussianDropout(_RandomLayer):
    """Multiplies the input by Gaussian noise of mean 1 and stddev `sqrt(rate / (1 - rate))` in training.

    Args:
        rate: drop probability of the equivalent dropout; the layer is the identity unless 0 < rate < 1.
        seed: makes the noise repeatable.

    Example:
        >>> import numpy as np
        >>> from kerasish.layers import GaussianDropout
        >>> y = GaussianDropout(0.5, seed=0)(np.ones((1000, 10), "float32"), training=True).numpy()
        >>> round(float(y.mean()), 1), round(float(y.std()), 1)
        (1.0, 1.0)
    """

    @interfaces.legacy_gaussiandropout_support
    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.rate = _rate_arg("GaussianDropout", rate)
        self._init_rng(seed)

    def call(self, inputs, training=None):
        if not training or not 0.0 < self.rate < 1.0:
            return inputs
        x = _float_inputs(self, inputs)
        noise = self._generator().standard_normal(tuple(x.shape), dtype=self._draw_dtype(x))
        noise *= float(np.sqrt(self.rate / (1.0 - self.rate)))
        noise += 1.0
        return m.multiply(x, noise.astype(x.dtype, copy=False))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"rate": self.rate, "seed": self.seed})
        return cfg


@register_builtin("layer")
class AlphaDropout(_RandomLayer):
    """Dropout for SELU networks: keeps the inputs' mean and variance (Klambauer et al., 2017).

    Dropped units are set to `-scale * alpha` of SELU (its negative saturation value), then the
    result is transformed by `a * x + b` with `a = ((1 - rate) * (1 + rate * alpha_p²)) ** -0.5` and
    `b = -a * alpha_p * rate`, where `alpha_p = -scale * alpha`, as Keras.

    Args:
        rate: drop probability; the layer is the identity unless 0 < rate < 1.
        noise_shape: shape of the keep/drop decisions (broadcast against the input).
        seed: makes the masks repeatable.

    Example:
        >>> import numpy as np
        >>> from kerasish.layers import AlphaDropout
        >>> y = AlphaDropout(0.2, seed=0)(np.random.default_rng(0).standard_normal((2000, 50)).astype("float32"),
        ...                               training=True).numpy()
        >>> abs(float(y.mean())) < 0.05 and abs(float(y.std()) - 1.0) < 0.05
        True
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = _rate_arg("AlphaDropout", rate)
        self.noise_shape = noise_shape
        self.supports_masking = True
        self._init_rng(seed)

    def call(self, inputs, training=None):
        if not training or not 0.0 < self.rate < 1.0:
            return inputs
        x = _float_inputs(self, inputs)
        shape = tuple(x.shape)
        noise_shape = shape if not self.noise_shape else tuple(
            shape[i] if d is None else int(d) for i, d in enumerate(self.noise_shape))
        rate = self.rate
        alpha_p = -_SELU_ALPHA * _SELU_SCALE
        a = ((1.0 - rate) * (1.0 + rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * rate
        kept = (self._generator().random(noise_shape, dtype=np.float32) >= rate).astype(x.dtype)
        # a * (x * kept + alpha_p * (1 - kept)) + b, as one multiply and one add on the input
        scale = kept * a
        shift = (1.0 - kept) * (a * alpha_p)
        shift += b
        return m.add(m.multiply(x, scale), shift)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"rate": self.rate, "seed": self.seed})
        if self.noise_shape is not None:  # tf_keras drops it from the config; kept here (its constructor takes it)
            cfg["noise_shape"] = list(self.noise_shape)
        return cfg
