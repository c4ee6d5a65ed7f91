"""Keras 2 weight initializers: callables `init(shape, dtype=None)` returning a numpy array.

Every initializer draws in the requested float type directly (float32 by default, no
float64 intermediate), from `config.seeded_rng(seed)`: an explicit `seed` gives the same
values on every call (as in tf_keras); `seed=None` draws from the engine's generator, so
`kerasish.utils.set_random_seed` makes whole runs repeatable.

Example:
    >>> from kerasish import initializers
    >>> init = initializers.get("glorot_uniform")
    >>> w = init((3, 4))
    >>> w.shape, w.dtype
    ((3, 4), dtype('float32'))
    >>> initializers.serialize(initializers.Zeros())["class_name"]
    'Zeros'
"""
import math
from typing import Optional

import numpy as np

from .backend import config
from .utils.serialization import deserialize_keras_object, register_builtin, serialize_keras_object

# The stddev of a standard normal truncated to [-2, 2] is 0.8796...; VarianceScaling divides by
# it so that the truncated draw has the requested variance (tf_keras uses this exact constant).
_TRUNCATED_NORMAL_STDDEV = 0.87962566103423978


def _shape_tuple(shape, who):
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    try:
        shape = tuple(int(d) for d in shape)
    except (TypeError, ValueError):
        raise TypeError(f"{who}: `shape` must be a tuple of integers; received: {shape!r}") from None
    if any(d < 0 for d in shape):
        raise ValueError(f"{who}: `shape` must not have negative dimensions; received: {shape}")
    return shape


def _float_dtype(dtype, who):
    dtype = np.dtype(config.floatx() if dtype is None else dtype)
    if dtype.kind != "f":
        raise ValueError(f"{who}: expected a floating point dtype; received: {dtype}")
    return dtype


def _draw_dtype(dtype):
    # numpy's Generator draws float32 or float64 natively; float16 is drawn as float32 and cast.
    return np.float64 if dtype == np.float64 else np.float32


def _normal(rng, shape, mean, stddev, dtype):
    out = rng.standard_normal(shape, dtype=_draw_dtype(dtype))
    if stddev != 1.0:
        out *= stddev
    if mean != 0.0:
        out += mean
    return out.astype(dtype, copy=False)


def _truncated_normal(rng, shape, mean, stddev, dtype):
    """Standard normal values beyond 2 stddev are redrawn until every value lies within 2 stddev."""
    draw = _draw_dtype(dtype)
    out = rng.standard_normal(shape, dtype=draw)
    bad = np.abs(out) > 2.0
    n_bad = int(bad.sum())
    while n_bad:
        out[bad] = rng.standard_normal(n_bad, dtype=draw)
        bad = np.abs(out) > 2.0
        n_bad = int(bad.sum())
    if stddev != 1.0:
        out *= stddev
    if mean != 0.0:
        out += mean
    return out.astype(dtype, copy=False)


def _uniform(rng, shape, minval, maxval, dtype):
    out = rng.random(shape, dtype=_draw_dtype(dtype))
    out *= (maxval - minval)
    out += minval
    return out.astype(dtype, copy=False)


def _check_seed(seed, who):
    if seed is not None and not isinstance(seed, (int, np.integer)):
        raise TypeError(f"{who}: `seed` must be an integer or None; received: {seed!r}")
    return None if seed is None else int(seed)


def _compute_fans(shape):
    """(fan_in, fan_out) as Keras computes them: convolution kernels multiply by the receptive field."""
    if len(shape) < 1:
        fan_in = fan_out = 1
    elif len(shape) == 1:
        fan_in = fan_out = shape[0]
    elif len(shape) == 2:
        fan_in, fan_out = shape
    else:
        receptive_field_size = 1
        for dim in shape[:-2]:
            receptive_field_size *= dim
        fan_in = shape[-2] * receptive_field_size
        fan_out = shape[-1] * receptive_field_size
    return int(fan_in), int(fan_out)


class Initializer:
    """Base class: subclasses implement `__call__(shape, dtype=None)` and `get_config()`.

    Example:
        >>> import numpy as np
        >>> class Halves(Initializer):
        ...     def __call__(self, shape, dtype=None):
        ...         return np.full(shape, 0.5, dtype=dtype or "float32")
        >>> Halves()((2,)).tolist()
        [0.5, 0.5]
    """

    _keras_module = "keras.initializers"

    def __call__(self, shape, dtype=None, **kwargs):
        raise NotImplementedError(f"Initializer subclass {type(self).__name__} must implement `__call__()`.")

    def get_config(self) -> dict:
        """The constructor arguments as a JSON-friendly dict."""
        return {}

    @classmethod
    def from_config(cls, config: dict):
        """Rebuild from `get_config()`; a `dtype` key from old Keras configs is ignored."""
        config = dict(config)
        config.pop("dtype", None)
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


@register_builtin("initializer", "zeros", "zero", "ZerosV2", "zerosV2")
class Zeros(Initializer):
    """All zeros.

    Example:
        >>> Zeros()((2, 2)).tolist()
        [[0.0, 0.0], [0.0, 0.0]]
    """

    def __call__(self, shape, dtype=None, **kwargs):
        shape = _shape_tuple(shape, "Zeros")
        return np.zeros(shape, dtype=np.dtype(config.floatx() if dtype is None else dtype))


@register_builtin("initializer", "ones", "one", "OnesV2", "onesV2")
class Ones(Initializer):
    """All ones.

    Example:
        >>> Ones()((3,)).tolist()
        [1.0, 1.0, 1.0]
    """

    def __call__(self, shape, dtype=None, **kwargs):
        shape = _shape_tuple(shape, "Ones")
        return np.ones(shape, dtype=np.dtype(config.floatx() if dtype is None else dtype))


@register_builtin("initializer", "constant", "ConstantV2", "constantV2")
class Constant(Initializer):
    """Every value set to `value` (a scalar, or an array that broadcasts to the shape).

    Example:
        >>> Constant(3.0)((2,)).tolist()
        [3.0, 3.0]
    """

    def __init__(self, value=0):
        self.value = value

    def __call__(self, shape, dtype=None, **kwargs):
        shape = _shape_tuple(shape, "Constant")
        dtype = np.dtype(config.floatx() if dtype is None else dtype)
        value = np.asarray(self.value, dtype=dtype)
        try:
            return np.array(np.broadcast_to(value, shape), dtype=dtype)
        except ValueError:
            raise ValueError(f"Constant initializer: `value` of shape {value.shape} cannot fill a tensor of "
                             f"shape {shape}") from None

    def get_config(self):
        value = self.value
        if isinstance(value, np.ndarray):
            value = value.tolist()
        elif isinstance(value, np.generic):
            value = value.item()
        return {"value": value}


@register_builtin("initializer", "random_uniform", "uniform", "RandomUniformV2", "random_uniformV2")
class RandomUniform(Initializer):
    """Uniform values in [minval, maxval).

    Args:
        minval: lower bound (default -0.05).
        maxval: upper bound (default 0.05).
        seed: an integer for reproducible draws, or None to use the engine's generator.

    Example:
        >>> w = RandomUniform(-1.0, 1.0, seed=0)((100,))
        >>> bool((w >= -1).all() and (w < 1).all())
        True
    """

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval = minval
        self.maxval = maxval
        self.seed = _check_seed(seed, "RandomUniform")

    def __call__(self, shape, dtype=None, **kwargs):
        shape = _shape_tuple(shape, "RandomUniform")
        dtype = _float_dtype(dtype, "RandomUniform")
        return _uniform(config.seeded_rng(self.seed), shape, float(self.minval), float(self.maxval), dtype)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


@register_builtin("initializer", "random_normal", "normal", "RandomNormalV2", "random_normalV2")
class RandomNormal(Initializer):
    """Normally distributed values.

    Args:
        mean: the mean (default 0).
        stddev: the standard deviation (default 0.05).
        seed: an integer for reproducible draws, or None to use the engine's generator.

    Example:
        >>> RandomNormal(seed=1)((2, 3)).dtype
        dtype('float32')
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        self.seed = _check_seed(seed, "RandomNormal")

    def __call__(self, shape, dtype=None, **kwargs):
        shape = _shape_tuple(shape, "RandomNormal")
        dtype = _float_dtype(dtype, "RandomNormal")
        return _normal(config.seeded_rng(self.seed), shape, float(self.mean), float(self.stddev), dtype)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


@register_builtin("initializer", "truncated_normal", "TruncatedNormalV2", "truncated_normalV2")
class TruncatedNormal(Initializer):
    """Normal values, redrawn when more than two standard deviations from the mean.

    Args:
        mean: the mean (default 0).
        stddev: the standard deviation before truncation (default 0.05).
        seed: an integer for reproducible draws, or None to use the engine's generator.

    Example:
        >>> w = TruncatedNormal(stddev=1.0, seed=0)((1000,))
        >>> bool(abs(w).max() <= 2.0)
        True
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        self.seed = _check_seed(seed, "TruncatedNormal")

    def __call__(self, shape, dtype=None, **kwargs):
        shape = _shape_tuple(shape, "TruncatedNormal")
        dtype = _float_dtype(dtype, "TruncatedNormal")
        return _truncated_normal(config.seeded_rng(self.seed), shape, float(self.mean), float(self.stddev), dtype)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


@register_builtin("initializer", "variance_scaling", "VarianceScalingV2", "variance_scalingV2")
class VarianceScaling(Initializer):
    """Scale the draw to the shape of the weight (the family behind Glorot, He and LeCun).

    With `n` = fan_in, fan_out or their mean (per `mode`; convolution kernels count the
    receptive field), the variance is `scale / n`: a truncated normal uses stddev
    `sqrt(scale / n) / 0.87962566103423978`, an untruncated normal `sqrt(scale / n)`, a uniform
    the limit `sqrt(3 * scale / n)`.

    Args:
        scale: positive scaling factor (default 1.0).
        mode: 'fan_in' (default), 'fan_out' or 'fan_avg'.
        distribution: 'truncated_normal' (default; 'normal' is an alias), 'untruncated_normal' or 'uniform'.
        seed: an integer for reproducible draws, or None to use the engine's generator.

    Example:
        >>> w = VarianceScaling(scale=2.0, mode="fan_in", distribution="uniform", seed=0)((50, 10))
        >>> bool(abs(w).max() <= (3 * 2.0 / 50) ** 0.5)
        True
    """

    _MODES = ("fan_in", "fan_out", "fan_avg")
    _DISTRIBUTIONS = ("uniform", "truncated_normal", "untruncated_normal")

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        try:
            positive = float(scale) > 0.0
        except (TypeError, ValueError):
            raise TypeError(f"VarianceScaling: `scale` must be a positive float; received: scale={scale!r}") \
                from None
        if not positive:
            raise ValueError(f"VarianceScaling: `scale` must be a positive float; received: scale={scale!r}")
        if mode not in self._MODES:
            raise ValueError(f"VarianceScaling: invalid `mode` argument: expected one of {self._MODES}; "
                             f"received: mode={mode!r}")
        distribution = str(distribution).lower()
        if distribution == "normal":  # Keras 2 kept 'normal' as a synonym of 'truncated_normal'
            distribution = "truncated_normal"
        if distribution not in self._DISTRIBUTIONS:
            raise ValueError(f"VarianceScaling: invalid `distribution` argument: expected one of "
                             f"{self._DISTRIBUTIONS}; received: distribution={distribution!r}")
        self.scale = scale
        self.mode = mode
        self.distribution = distribution
        self.seed = _check_seed(seed, type(self).__name__)

    def __call__(self, shape, dtype=None, **kwargs):
        name = type(self).__name__
        shape = _shape_tuple(shape, name)
        dtype = _float_dtype(dtype, name)
        fan_in, fan_out = _compute_fans(shape)
        scale = float(self.scale)
        if self.mode == "fan_in":
            scale /= max(1.0, fan_in)
        elif self.mode == "fan_out":
            scale /= max(1.0, fan_out)
        else:
            scale /= max(1.0, (fan_in + fan_out) / 2.0)
        rng = config.seeded_rng(self.seed)
        if self.distribution == "truncated_normal":
            return _truncated_normal(rng, shape, 0.0, math.sqrt(scale) / _TRUNCATED_NORMAL_STDDEV, dtype)
        if self.distribution == "untruncated_normal":
            return _normal(rng, shape, 0.0, math.sqrt(scale), dtype)
        limit = math.sqrt(3.0 * scale)
        return _uniform(rng, shape, -limit, limit, dtype)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution, "seed": self.seed}


class _FixedVarianceScaling(VarianceScaling):
    """A VarianceScaling preset whose only argument is `seed` (Glorot, He, LeCun)."""

    _PRESET = (1.0, "fan_in", "truncated_normal")

    def __init__(self, seed=None):
        scale, mode, distribution = self._PRESET
        super().__init__(scale=scale, mode=mode, distribution=distribution, seed=seed)

    def get_config(self):
        return {"seed": self.seed}


@register_builtin("initializer", "glorot_uniform", "GlorotUniformV2", "glorot_uniformV2")
class GlorotUniform(_FixedVarianceScaling):
    """Uniform in [-limit, limit] with `limit = sqrt(6 / (fan_in + fan_out))` (Keras's default kernel init).

    Example:
        >>> w = GlorotUniform(seed=0)((12, 12))
        >>> bool(abs(w).max() <= 0.5)
        True
    """

    _PRESET = (1.0, "fan_avg", "uniform")


@register_builtin("initializer", "glorot_normal", "GlorotNormalV2", "glorot_normalV2")
class GlorotNormal(_FixedVarianceScaling):
    """Truncated normal with `stddev = sqrt(2 / (fan_in + fan_out))` (before the truncation correction).

    Example:
        >>> GlorotNormal(seed=0)((4, 4)).shape
        (4, 4)
    """

    _PRESET = (1.0, "fan_avg", "truncated_normal")


@register_builtin("initializer", "he_uniform", "HeUniformV2", "he_uniformV2")
class HeUniform(_FixedVarianceScaling):
    """Uniform in [-limit, limit] with `limit = sqrt(6 / fan_in)`.

    Example:
        >>> w = HeUniform(seed=0)((24, 3))
        >>> bool(abs(w).max() <= 0.5)
        True
    """

    _PRESET = (2.0, "fan_in", "uniform")


@register_builtin("initializer", "he_normal", "HeNormalV2", "he_normalV2")
class HeNormal(_FixedVarianceScaling):
    """Truncated normal with `stddev = sqrt(2 / fan_in)` (before the truncation correction).

    Example:
        >>> HeNormal(seed=0)((3, 3, 8, 16)).shape
        (3, 3, 8, 16)
    """

    _PRESET = (2.0, "fan_in", "truncated_normal")


@register_builtin("initializer", "lecun_uniform", "LecunUniformV2", "lecun_uniformV2")
class LecunUniform(_FixedVarianceScaling):
    """Uniform in [-limit, limit] with `limit = sqrt(3 / fan_in)`.

    Example:
        >>> w = LecunUniform(seed=0)((12, 5))
        >>> bool(abs(w).max() <= 0.5)
        True
    """

    _PRESET = (1.0, "fan_in", "uniform")


@register_builtin("initializer", "lecun_normal", "LecunNormalV2", "lecun_normalV2")
class LecunNormal(_FixedVarianceScaling):
    """Truncated normal with `stddev = sqrt(1 / fan_in)` (before the truncation correction; used with selu).

    Example:
        >>> LecunNormal(seed=0)((5, 5)).dtype
        dtype('float32')
    """

    _PRESET = (1.0, "fan_in", "truncated_normal")


# "OrthogonalInitializer": the class name early Keras 3 releases wrote into configs (a Keras 3.6 `.h5` has it)
@register_builtin("initializer", "orthogonal", "OrthogonalV2", "orthogonalV2", "OrthogonalInitializer")
class Orthogonal(Initializer):
    """A (semi-)orthogonal matrix times `gain`, from the QR decomposition of a normal draw.

    Shapes of rank > 2 are flattened to (prod(shape[:-1]), shape[-1]) first, as in Keras.
    Keras's default for recurrent kernels.

    Example:
        >>> import numpy as np
        >>> q = Orthogonal(seed=0)((4, 4))
        >>> bool(np.allclose(q.T @ q, np.eye(4), atol=1e-5))
        True
    """

    def __init__(self, gain=1.0, seed=None):
        self.gain = gain
        self.seed = _check_seed(seed, "Orthogonal")

    def __call__(self, shape, dtype=None, **kwargs):
        shape = _shape_tuple(shape, "Orthogonal")
        dtype = _float_dtype(dtype, "Orthogonal")
        if len(shape) < 2:
            raise ValueError("Orthogonal: the tensor to initialize must be at least two-dimensional; "
                             f"received: shape={shape} of rank {len(shape)}")
        num_rows = 1
        for dim in shape[:-1]:
            num_rows *= dim
        num_cols = shape[-1]
        flat_shape = (max(num_cols, num_rows), min(num_cols, num_rows))
        a = config.seeded_rng(self.seed).standard_normal(flat_shape, dtype=_draw_dtype(dtype))
        q, r = np.linalg.qr(a)
        # Make Q uniformly distributed: flip columns so the diagonal of R is non-negative.
        q *= np.sign(np.diagonal(r))
        if num_rows < num_cols:
            q = q.T
        gain = float(self.gain)
        if gain != 1.0:
            q *= gain
        return np.ascontiguousarray(q.reshape(shape)).astype(dtype, copy=False)

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


@register_builtin("initializer", "identity", "IdentityV2", "identityV2", "IdentityInitializer")  # ditto
class Identity(Initializer):
    """`gain` times the identity matrix (2D shapes only; rectangular shapes get ones on the main diagonal).

    Example:
        >>> Identity(gain=2.0)((2, 3)).tolist()
        [[2.0, 0.0, 0.0], [0.0, 2.0, 0.0]]
    """

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None, **kwargs):
        shape = _shape_tuple(shape, "Identity")
        dtype = _float_dtype(dtype, "Identity")
        if len(shape) != 2:
            raise ValueError("Identity matrix initializer can only be used for 2D matrices; "
                             f"received: shape={shape} of rank {len(shape)}")
        out = np.eye(shape[0], shape[1], dtype=dtype)
        gain = float(self.gain)
        if gain != 1.0:
            out *= gain
        return out

    def get_config(self):
        return {"gain": self.gain}


# snake_case function-style aliases, as in `keras.initializers.glorot_uniform`.
zeros = zero = Zeros
ones = one = Ones
constant = Constant
random_uniform = uniform = RandomUniform
random_normal = normal = RandomNormal
truncated_normal = TruncatedNormal
variance_scaling = VarianceScaling
glorot_uniform = GlorotUniform
glorot_normal = GlorotNormal
he_uniform = HeUniform
he_normal = HeNormal
lecun_uniform = LecunUniform
lecun_normal = LecunNormal
orthogonal = Orthogonal
identity = Identity


def serialize(initializer) -> Optional[dict]:
    """`{"module": "keras.initializers", "class_name", "config", "registered_name"}` for an initializer.

    Example:
        >>> serialize(GlorotUniform())
        {'module': 'keras.initializers', 'class_name': 'GlorotUniform', 'config': {'seed': None}, 'registered_name': None}
    """
    return serialize_keras_object(initializer)


def deserialize(config, custom_objects=None):
    """Build an initializer from a name or a `serialize()` dict; class names give a fresh instance.

    Example:
        >>> deserialize({"class_name": "RandomUniform", "config": {"minval": -1, "maxval": 1, "seed": 3}})
        RandomUniform(minval=-1, maxval=1, seed=3)
    """
    obj = deserialize_keras_object(config, "initializer", custom_objects=custom_objects,
                                   printable_module_name="initializer")
    if isinstance(obj, type):
        obj = obj()
    return obj


def get(identifier):
    """Resolve `identifier` (None, a name, a config dict, an instance or a callable) to an initializer.

    Example:
        >>> get("he_normal")
        HeNormal(seed=None)
        >>> get(None) is None
        True
    """
    if identifier is None:
        return None
    if isinstance(identifier, (dict, str)):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Initializer):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret initializer identifier: {identifier!r}")
