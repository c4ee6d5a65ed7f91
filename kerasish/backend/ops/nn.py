"""Neural-network ops: activations, softmax, bias_add, dropout, normalisation and in_top_k.

Every elementwise activation is one tape node. Its vjp multiplies the incoming gradient by the
derivative; while an outer tape records (a second derivative is being taken) the derivative is
rebuilt from engine ops on the input, otherwise it is plain numpy on arrays cached by the forward.

`batch_norm_train` is the fused BatchNormalization training kernel (one node for x, gamma and
beta, closed-form backward); `normalize_batch_in_training` is the Keras 2 backend face of it.

Numbers follow tf_keras 2.x: `hard_sigmoid` is `clip(0.2 * x + 0.5, 0, 1)` (Keras 3 changed it
to `relu6(x + 3) / 6`; tf_keras kept the old formula), `relu` follows `K.relu` piece by piece,
`sigmoid` and `softmax` tag their output with `_keras_logits` (the hidden-logits path of the
crossentropy losses).

Example:
    >>> import numpy as np
    >>> from kerasish.backend.ops import nn
    >>> nn.relu(np.array([-1.0, 2.0], "float32")).numpy()
    array([0., 2.], dtype=float32)
    >>> nn.softmax(np.zeros((1, 4), "float32")).numpy()
    array([[0.25, 0.25, 0.25, 0.25]], dtype=float32)
"""
import math as _pymath

import numpy as np

from .. import config
from .. import tape as _tape
from .core import RECORDING, Tensor, normalize_axis, record, register, tensor_and_array
from . import math as m

__all__ = [
    "relu", "elu", "selu", "softplus", "softsign", "sigmoid", "hard_sigmoid", "gelu", "swish", "silu",
    "mish", "leaky_relu", "relu6", "softmax", "log_softmax", "bias_add", "dropout", "l2_normalize",
    "batch_normalization", "normalize_batch_in_training", "in_top_k",
]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_SQRT_HALF = 0.70710678118654752440
_INV_SQRT_2PI = 0.39894228040143267794
_GELU_C = 0.79788456080286535588  # sqrt(2 / pi)


# --------------------------------------------------------------------------- helpers
def _float_operand(name, x):
    """(tensor-or-None, float array) for activations: integer input becomes floatx (no gradient)."""
    xt, xa = tensor_and_array(x)
    if xa.dtype.kind != "f":
        if xa.dtype.kind not in "iub":
            raise TypeError(f"{name}: expected a float tensor; received dtype {xa.dtype}")
        return None, xa.astype(config.floatx())
    return xt, xa


def _scalar(name, arg, value):
    if isinstance(value, Tensor):
        value = value.array
    if np.ndim(value) != 0:
        raise ValueError(f"{name}: `{arg}` must be a scalar; received a value of shape {np.shape(value)}")
    return float(value)


def _as_array(g):
    return g.array if isinstance(g, Tensor) else np.asarray(g)


def _needed(n):
    """Which of a node's n inputs the running backward pass wants gradients for.

    The tape publishes this in `tape.NEEDS` while a vjp runs; without it every input is assumed needed.
    """
    needs = getattr(_tape, "NEEDS", None)
    if needs is not None and len(needs) == n:
        return list(needs)
    return [True] * n


def _elementwise(xt, out, numpy_grad, engine_grad):
    """Record `out = f(x)` whose vjp is `g * f'(x)`.

    numpy_grad(): f'(x) as an array from values cached by the forward (first-order path).
    engine_grad(): f'(x) built from engine ops on `xt`, used while an outer tape records so
    that the backward pass is itself differentiable.
    """
    if RECORDING and xt is not None:
        def vjp(g):
            if RECORDING:
                return (m.multiply(g, engine_grad()),)
            return (_as_array(g) * numpy_grad(),)

        record((xt,), out, vjp)
    return out


# --------------------------------------------------------------------------- erf (for exact gelu)
def _erf_array(a):
    """Vectorised erf in float64 to ~1e-15 (numpy has none): Taylor series below |x| = 2,
    the continued fraction of erfc above."""
    x = np.asarray(a, dtype=np.float64)
    ax = np.abs(x)
    out = np.empty_like(x)
    small = ax < 2.0
    if small.any():
        xs = x[small]
        x2 = xs * xs
        term = xs.copy()
        total = xs.copy()
        for n in range(1, 42):  # terms fall below 1e-17 of the sum by n = 40 for |x| < 2
            term *= -x2 / n
            total += term / (2 * n + 1)
        out[small] = total * (2.0 / _pymath.sqrt(_pymath.pi))
    big = ~small
    if big.any():
        xb = ax[big]
        # erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + (2/2)/(x + (3/2)/(x + ...)))), evaluated bottom-up
        f = xb.copy()
        for n in range(60, 0, -1):
            f = xb + (0.5 * n) / f
        erfc = np.exp(-xb * xb) / (_pymath.sqrt(_pymath.pi) * f)
        out[big] = np.copysign(1.0 - erfc, x[big])
    return out


def _erf(x):
    """Differentiable erf (private: gelu needs it for second derivatives)."""
    xt, xa = tensor_and_array(x)
    out = Tensor(_erf_array(xa).astype(xa.dtype if xa.dtype.kind == "f" else config.floatx(), copy=False))
    if RECORDING and xt is not None:
        record((xt,), out, lambda g: (
            m.multiply(g, m.multiply(2.0 / _pymath.sqrt(_pymath.pi), m.exp(m.negative(m.square(xt))))),))
    return out


# --------------------------------------------------------------------------- rectifiers
@register()
def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit with Keras 2 `K.relu` semantics.

    `f(x) = max_value` for `x >= max_value`, `x` for `threshold <= x < max_value`,
    `alpha * (x - threshold)` otherwise (pieces combined exactly as tf_keras does).

    Args:
        x: tensor or array-like.
        alpha: slope below the threshold.
        max_value: saturation value (None: unbounded).
        threshold: values below it are damped.

    Example:
        >>> import numpy as np
        >>> relu(np.array([-10., -5., 0., 5., 10.], "float32"), alpha=0.5, max_value=6.).numpy()
        array([-5. , -2.5,  0. ,  5. ,  6. ], dtype=float32)
    """
    xt, xa = _float_operand("relu", x)
    alpha = _scalar("relu", "alpha", alpha)
    threshold = _scalar("relu", "threshold", threshold)
    max_value = None if max_value is None else _scalar("relu", "max_value", max_value)
    if alpha == 0.0 and max_value is None and threshold == 0.0:
        out = Tensor(np.maximum(xa, 0))
        if RECORDING and xt is not None:
            record((xt,), out, lambda g: (m.multiply(g, xa > 0),))
        return out
    if alpha != 0.0 and max_value is None and threshold == 0.0:
        return _leaky(xt, xa, alpha)
    # general form, piece by piece as tf_keras: clip(relu-ish part, 0, max_value) - alpha * relu(t - x)
    if threshold != 0.0:
        base = xa * (xa > threshold)  # x * cast(x > t), as tf_keras (so negative x gives -0.)
        y = base if max_value is None else np.clip(base, 0, max_value).astype(xa.dtype, copy=False)
    elif max_value is None:
        y = np.maximum(xa, 0)
    else:  # relu6 of the MobileNets: one pass (clip(max(x, 0), 0, m) is clip(x, 0, m)), 3x faster than two
        y = np.clip(xa, 0.0, max_value).astype(xa.dtype, copy=False)
    if alpha != 0.0:
        y = y - alpha * np.maximum(threshold - xa, 0)
    out = Tensor(np.asarray(y, dtype=xa.dtype))
    if RECORDING and xt is not None:
        def derivative():
            if threshold == 0.0 and max_value == 6.0:
                d = ((xa > 0) & (xa < 6.0)).astype(xa.dtype)  # tf.nn.relu6's gradient
            else:
                d = (xa > threshold if threshold != 0.0 else xa > 0).astype(xa.dtype)
                if max_value is not None:
                    clipped = base if threshold != 0.0 else np.maximum(xa, 0)
                    d *= (clipped >= 0) & (clipped <= max_value)  # tf.clip_by_value passes at the bounds
            if alpha != 0.0:
                d += alpha * (xa < threshold)
            return d

        record((xt,), out, lambda g: (m.multiply(g, derivative()),))
    return out


def _leaky(xt, xa, alpha):
    out = Tensor(np.where(xa > 0, xa, xa * alpha).astype(xa.dtype, copy=False))
    if RECORDING and xt is not None:
        record((xt,), out, lambda g: (m.multiply(g, np.where(xa > 0, 1.0, alpha).astype(xa.dtype)),))
    return out


@register()
def leaky_relu(x, alpha=0.2):
    """`x` for x > 0, `alpha * x` otherwise (tf.nn.leaky_relu; default alpha 0.2).

    Example:
        >>> import numpy as np
        >>> leaky_relu(np.array([-1.0, 2.0], "float32")).numpy()
        array([-0.2,  2. ], dtype=float32)
    """
    xt, xa = _float_operand("leaky_relu", x)
    return _leaky(xt, xa, _scalar("leaky_relu", "alpha", alpha))


@register()
def relu6(x):
    """min(max(x, 0), 6).

    Example:
        >>> import numpy as np
        >>> relu6(np.array([-1.0, 3.0, 8.0], "float32")).numpy()
        array([0., 3., 6.], dtype=float32)
    """
    return relu(x, max_value=6.0)


@register()
def elu(x, alpha=1.0):
    """Exponential linear unit: `x` for x > 0, `alpha * (exp(x) - 1)` otherwise.

    Example:
        >>> import numpy as np
        >>> elu(np.array([-1.0, 2.0], "float32"), alpha=0.5).numpy()
        array([-0.31606027,  2.        ], dtype=float32)
    """
    xt, xa = _float_operand("elu", x)
    alpha = _scalar("elu", "alpha", alpha)
    pos = xa > 0
    em1 = np.expm1(np.minimum(xa, 0))
    out = Tensor(np.where(pos, xa, em1 * alpha).astype(xa.dtype, copy=False))
    return _elementwise(xt, out,
                        lambda: np.where(pos, 1.0, (em1 + 1.0) * alpha).astype(xa.dtype, copy=False),
                        lambda: m.where(pos, 1.0, m.add(out, alpha)))


@register()
def selu(x):
    """Scaled exponential linear unit: `scale * elu(x, alpha)` with the SELU constants.

    Example:
        >>> import numpy as np
        >>> selu(np.array([1.0], "float32")).numpy()
        array([1.050701], dtype=float32)
    """
    xt, xa = _float_operand("selu", x)
    pos = xa > 0
    em1 = np.expm1(np.minimum(xa, 0))
    out = Tensor(np.where(pos, xa * _SELU_SCALE, em1 * (_SELU_SCALE * _SELU_ALPHA)).astype(xa.dtype, copy=False))
    return _elementwise(
        xt, out,
        lambda: np.where(pos, _SELU_SCALE, (em1 + 1.0) * (_SELU_SCALE * _SELU_ALPHA)).astype(xa.dtype, copy=False),
        lambda: m.where(pos, _SELU_SCALE, m.add(out, _SELU_SCALE * _SELU_ALPHA)))


# --------------------------------------------------------------------------- smooth activations
def _sigmoid_array(xa):
    """1 / (1 + exp(-x)) without overflow and without losing tiny values for very negative x."""
    e = np.exp(-np.abs(xa))
    d = e + 1.0
    out = np.where(xa >= 0, 1.0, e).astype(xa.dtype, copy=False)
    out /= d
    return out


@register()
def sigmoid(x):
    """Logistic sigmoid. The output carries its input in `_keras_logits` (hidden-logits path).

    Example:
        >>> import numpy as np
        >>> sigmoid(np.array([0.0], "float32")).numpy()
        array([0.5], dtype=float32)
    """
    xt, xa = _float_operand("sigmoid", x)
    y = _sigmoid_array(xa)
    out = Tensor(y)
    out._keras_logits = xt if xt is not None else Tensor(xa)
    if RECORDING and xt is not None:
        def vjp(g):
            if RECORDING:
                return (m.multiply(g, m.multiply(out, m.subtract(1.0, out))),)
            return (_as_array(g) * (y * (1.0 - y)),)

        record((xt,), out, vjp)
    return out


@register()
def hard_sigmoid(x):
    """Piecewise-linear sigmoid of tf_keras 2.x: `clip(0.2 * x + 0.5, 0, 1)`.

    Example:
        >>> import numpy as np
        >>> hard_sigmoid(np.array([-3.0, -1.0, 0.0, 1.0, 3.0], "float32")).numpy()
        array([0. , 0.3, 0.5, 0.7, 1. ], dtype=float32)
    """
    xt, xa = _float_operand("hard_sigmoid", x)
    pre = xa * 0.2 + 0.5
    out = Tensor(np.clip(pre, 0.0, 1.0).astype(xa.dtype, copy=False))
    if RECORDING and xt is not None:
        record((xt,), out, lambda g: (
            m.multiply(g, np.where((pre >= 0.0) & (pre <= 1.0), 0.2, 0.0).astype(xa.dtype)),))
    return out


@register()
def softplus(x):
    """log(1 + exp(x)), computed without overflow.

    Example:
        >>> import numpy as np
        >>> softplus(np.array([0.0], "float32")).numpy()
        array([0.6931472], dtype=float32)
    """
    xt, xa = _float_operand("softplus", x)
    out = Tensor(np.logaddexp(0.0, xa).astype(xa.dtype, copy=False))
    return _elementwise(xt, out, lambda: _sigmoid_array(xa), lambda: sigmoid(xt))


@register()
def softsign(x):
    """x / (1 + |x|).

    Example:
        >>> import numpy as np
        >>> softsign(np.array([-1.0, 0.0, 1.0], "float32")).numpy()
        array([-0.5,  0. ,  0.5], dtype=float32)
    """
    xt, xa = _float_operand("softsign", x)
    d = np.abs(xa) + 1.0
    out = Tensor(xa / d)
    return _elementwise(xt, out, lambda: 1.0 / (d * d),
                        lambda: m.reciprocal(m.square(m.add(m.abs(xt), 1.0))))


@register()
def swish(x):
    """x * sigmoid(x) (also called silu).

    Example:
        >>> import numpy as np
        >>> swish(np.array([1.0], "float32")).numpy()
        array([0.7310586], dtype=float32)
    """
    xt, xa = _float_operand("swish", x)
    s = _sigmoid_array(xa)
    out = Tensor(xa * s)

    def engine_grad():
        st = sigmoid(xt)
        return m.multiply(st, m.add(1.0, m.multiply(xt, m.subtract(1.0, st))))

    return _elementwise(xt, out, lambda: s * (1.0 + xa * (1.0 - s)), engine_grad)


@register()
def silu(x):
    """x * sigmoid(x) (the same function as swish, under tf.nn's name).

    Example:
        >>> import numpy as np
        >>> silu(np.array([0.0], "float32")).numpy()
        array([0.], dtype=float32)
    """
    return swish(x)


@register()
def mish(x):
    """x * tanh(softplus(x)).

    Example:
        >>> import numpy as np
        >>> mish(np.array([1.0], "float32")).numpy()
        array([0.8650984], dtype=float32)
    """
    xt, xa = _float_operand("mish", x)
    t = np.tanh(np.logaddexp(0.0, xa)).astype(xa.dtype, copy=False)
    out = Tensor(xa * t)

    def engine_grad():
        tt = m.tanh(softplus(xt))
        return m.add(tt, m.multiply(m.multiply(xt, m.subtract(1.0, m.square(tt))), sigmoid(xt)))

    return _elementwise(xt, out, lambda: t + xa * (1.0 - t * t) * _sigmoid_array(xa), engine_grad)


@register()
def gelu(x, approximate=False):
    """Gaussian error linear unit: `x * Phi(x)`, or its tanh approximation.

    Args:
        x: tensor or array-like.
        approximate: use `0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`.

    Example:
        >>> import numpy as np
        >>> gelu(np.array([-1.0, 0.0, 1.0], "float32")).numpy()
        array([-0.15865526,  0.        ,  0.8413447 ], dtype=float32)
    """
    xt, xa = _float_operand("gelu", x)
    dtype = xa.dtype
    if approximate:
        # 0.5 x (1 + tanh(z)) == x * sigmoid(2 z): the same function without the cancellation near -inf
        z2 = 2.0 * _GELU_C * (xa + 0.044715 * xa * xa * xa)
        s = _sigmoid_array(z2.astype(dtype, copy=False))
        out = Tensor(xa * s)

        def numpy_grad():
            return (s + (2.0 * _GELU_C) * xa * s * (1.0 - s) * (1.0 + 0.134145 * xa * xa)).astype(dtype, copy=False)

        def engine_grad():
            x2 = m.square(xt)
            tt = m.tanh(m.multiply(_GELU_C, m.add(xt, m.multiply(0.044715, m.multiply(x2, xt)))))
            dinner = m.multiply(_GELU_C, m.add(1.0, m.multiply(0.134145, x2)))
            return m.add(m.multiply(0.5, m.add(1.0, tt)),
                         m.multiply(m.multiply(0.5, xt), m.multiply(m.subtract(1.0, m.square(tt)), dinner)))

        return _elementwise(xt, out, numpy_grad, engine_grad)
    cdf = (0.5 * (1.0 + _erf_array(xa * _SQRT_HALF))).astype(dtype, copy=False)
    out = Tensor(xa * cdf)

    def numpy_grad():
        return (cdf + xa * np.exp(-0.5 * xa * xa) * _INV_SQRT_2PI).astype(dtype, copy=False)

    def engine_grad():
        cdf_t = m.multiply(0.5, m.add(1.0, _erf(m.multiply(xt, _SQRT_HALF))))
        pdf_t = m.multiply(_INV_SQRT_2PI, m.exp(m.multiply(-0.5, m.square(xt))))
        return m.add(cdf_t, m.multiply(xt, pdf_t))

    return _elementwise(xt, out, numpy_grad, engine_grad)


# --------------------------------------------------------------------------- softmax family
def _softmax_axes(name, xa, axis):
    if xa.ndim <= 1:
        raise ValueError(f"{name}: cannot apply {name} to a tensor that is 1D (or a scalar); "
                         f"expected rank >= 2, received shape {xa.shape}")
    return normalize_axis(axis, xa.ndim, name)


@register()
def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along `axis` (an int or a tuple). The output carries `_keras_logits`.

    Example:
        >>> import numpy as np
        >>> softmax(np.log(np.array([[1.0, 3.0]], "float32"))).numpy()
        array([[0.25, 0.75]], dtype=float32)
    """
    xt, xa = _float_operand("softmax", x)
    axes = _softmax_axes("softmax", xa, axis)
    e = xa - xa.max(axis=axes, keepdims=True)
    np.exp(e, out=e)
    e /= e.sum(axis=axes, keepdims=True)
    out = Tensor(e)
    out._keras_logits = xt if xt is not None else Tensor(xa)
    if RECORDING and xt is not None:
        def vjp(g):
            if RECORDING:
                return (m.multiply(out, m.subtract(g, m.sum(m.multiply(g, out), axis=axes, keepdims=True))),)
            gy = _as_array(g) * e
            gy -= e * gy.sum(axis=axes, keepdims=True)
            return (gy,)

        record((xt,), out, vjp)
    return out


@register()
def log_softmax(x, axis=-1):
    """x - logsumexp(x) along `axis`, computed stably.

    Example:
        >>> import numpy as np
        >>> np.exp(log_softmax(np.zeros((1, 2), "float32")).numpy())
        array([[0.5, 0.5]], dtype=float32)
    """
    xt, xa = _float_operand("log_softmax", x)
    axes = _softmax_axes("log_softmax", xa, axis)
    shifted = xa - xa.max(axis=axes, keepdims=True)
    shifted -= np.log(np.exp(shifted).sum(axis=axes, keepdims=True))
    out = Tensor(shifted)
    if RECORDING and xt is not None:
        def vjp(g):
            if RECORDING:
                return (m.subtract(g, m.multiply(m.exp(out), m.sum(g, axis=axes, keepdims=True))),)
            ga = _as_array(g)
            return (ga - np.exp(shifted) * ga.sum(axis=axes, keepdims=True),)

        record((xt,), out, vjp)
    return out


# --------------------------------------------------------------------------- bias, dropout, l2
@register()
def bias_add(x, bias, data_format=None):
    """Add a bias vector along the channels axis (last for channels_last, 1 for channels_first).

    `bias` is a vector of the channel count, or a tensor of rank `ndim(x) - 1` (added per position,
    reshaped as tf_keras does).

    Example:
        >>> import numpy as np
        >>> bias_add(np.zeros((2, 3), "float32"), np.array([1., 2., 3.], "float32")).numpy()
        array([[1., 2., 3.],
               [1., 2., 3.]], dtype=float32)
    """
    data_format = config.normalize_data_format(data_format)
    xt, xa = tensor_and_array(x)
    bt, ba = tensor_and_array(bias)
    bshape = ba.shape
    if xa.ndim < 2:
        raise ValueError(f"bias_add: expected an input of rank >= 2; received shape {xa.shape}")
    if len(bshape) == 1:
        axis = 1 if data_format == "channels_first" else xa.ndim - 1
        target = tuple(bshape[0] if i == axis else 1 for i in range(xa.ndim))
        if xa.shape[axis] != bshape[0]:
            raise ValueError(f"bias_add: the bias has {bshape[0]} values but the input has {xa.shape[axis]} "
                             f"channels on axis {axis} ({data_format}); input shape {xa.shape}, bias shape {bshape}")
    elif len(bshape) == xa.ndim - 1:
        target = ((1, bshape[-1]) + bshape[:-1]) if data_format == "channels_first" else (1,) + bshape
        if len(target) != xa.ndim or any(t not in (1, n) for t, n in zip(target, xa.shape)):
            raise ValueError(f"bias_add: a bias of shape {bshape} does not fit an input of shape {xa.shape} "
                             f"({data_format})")
    else:
        raise ValueError(f"bias_add: unexpected bias rank {len(bshape)}; expected 1 or {xa.ndim - 1} "
                         f"for an input of shape {xa.shape}")
    if ba.dtype != xa.dtype and xa.dtype.kind == "f" and bt is None:
        ba = ba.astype(xa.dtype)
    out = Tensor(xa + ba.reshape(target))
    if RECORDING:
        axes = tuple(i for i, t in enumerate(target) if t == 1)
        record((xt, bt), out, lambda g: (
            g, m.reshape(m.sum(g, axis=axes), bshape) if bt is not None else None))
    return out


@register()
def dropout(x, level, noise_shape=None, seed=None):
    """Inverted dropout: zero a fraction `level` of the entries and scale the rest by 1/(1-level).

    Args:
        x: tensor.
        level: fraction dropped, in [0, 1).
        noise_shape: shape of the keep/drop decisions, broadcast against x (None entries: x's size).
        seed: integer seed (the same mask on every call), a numpy Generator (a layer's own stream), or None
            (the engine's generator).

    Example:
        >>> import numpy as np
        >>> sorted(set(dropout(np.ones((100,), "float32"), 0.5, seed=1).numpy().tolist()))
        [0.0, 2.0]
    """
    xt, xa = _float_operand("dropout", x)
    rate = _scalar("dropout", "level", level)
    if not 0.0 <= rate < 1.0:
        raise ValueError(f"dropout: `level` must be in the range [0, 1); received {rate}")
    if rate == 0.0:
        return xt if xt is not None else Tensor(xa)
    if noise_shape is None:
        shape = xa.shape
    else:
        noise_shape = tuple(noise_shape)
        if len(noise_shape) != xa.ndim:
            raise ValueError(f"dropout: noise_shape {noise_shape} must have the rank of the input {xa.shape}")
        shape = tuple(n if d is None else int(d) for d, n in zip(noise_shape, xa.shape))
        if any(d not in (1, n) for d, n in zip(shape, xa.shape)):
            raise ValueError(f"dropout: noise_shape {noise_shape} is not broadcastable to the input shape {xa.shape}")
    rng = config.seeded_rng(seed)
    keep = rng.random(shape, dtype=np.float32) >= rate
    scale = np.multiply(keep, 1.0 / (1.0 - rate), dtype=xa.dtype)
    out = Tensor(xa * scale)
    if RECORDING and xt is not None:
        record((xt,), out, lambda g: (m.multiply(g, scale),))
    return out


@register()
def l2_normalize(x, axis=None):
    """x / sqrt(max(sum(x**2, axis), 1e-12)) (tf.linalg.l2_normalize); axis None: all elements.

    Example:
        >>> import numpy as np
        >>> l2_normalize(np.array([[3.0, 4.0]], "float32"), axis=1).numpy()
        array([[0.6, 0.8]], dtype=float32)
    """
    xt, xa = _float_operand("l2_normalize", x)
    xv = xt if xt is not None else Tensor(xa)
    axes = normalize_axis(axis, xa.ndim, "l2_normalize")
    square_sum = m.sum(m.square(xv), axis=axes, keepdims=True)
    return m.multiply(xv, m.rsqrt(m.maximum(square_sum, 1e-12)))


# --------------------------------------------------------------------------- batch normalization
def _param_shape(name, arg, p, xa, axis):
    """Reshape a per-channel parameter so it broadcasts against x along `axis`."""
    pt, pa = tensor_and_array(p)
    pv = pt if pt is not None else pa
    c = xa.shape[axis]
    if pa.ndim == 1 and xa.ndim > 1 and axis != xa.ndim - 1:
        if pa.shape[0] != c:
            raise ValueError(f"{name}: `{arg}` has {pa.shape[0]} values but the input has {c} on axis {axis}; "
                             f"input shape {xa.shape}")
        return m.reshape(pv, tuple(c if i == axis else 1 for i in range(xa.ndim)))
    try:
        np.broadcast_shapes(pa.shape, xa.shape)
    except ValueError:
        raise ValueError(f"{name}: `{arg}` of shape {pa.shape} does not broadcast against the input shape "
                         f"{xa.shape}") from None
    return pv


@register()
def batch_normalization(x, mean, var, beta, gamma, axis=-1, epsilon=1e-3):
    """(x - mean) / sqrt(var + epsilon) * gamma + beta, with per-channel parameters along `axis`.

    `beta` and `gamma` may be None. Parameters are vectors (broadcast along `axis`) or tensors
    that broadcast against x. Differentiable in every argument.

    Example:
        >>> import numpy as np
        >>> batch_normalization(np.array([[2.0]], "float32"), np.array([1.0], "float32"),
        ...                     np.array([4.0], "float32"), None, None, epsilon=0.0).numpy()
        array([[0.5]], dtype=float32)
    """
    xt, xa = tensor_and_array(x)
    xv = xt if xt is not None else xa
    ax = normalize_axis(axis, xa.ndim, "batch_normalization")[0]
    mean_v = _param_shape("batch_normalization", "mean", mean, xa, ax)
    var_v = _param_shape("batch_normalization", "var", var, xa, ax)
    factor = m.rsqrt(m.add(var_v, float(epsilon)))
    if gamma is not None:
        factor = m.multiply(factor, _param_shape("batch_normalization", "gamma", gamma, xa, ax))
    out = m.multiply(m.subtract(xv, mean_v), factor)
    if beta is not None:
        out = m.add(out, _param_shape("batch_normalization", "beta", beta, xa, ax))
    return out


def _column_sums(a2d):
    return np.ones(a2d.shape[0], a2d.dtype) @ a2d


def _bn_axes(name, xa, reduction_axes):
    red = normalize_axis(tuple(reduction_axes), xa.ndim, name)
    if not red or len(set(red)) != len(red):
        raise ValueError(f"{name}: invalid reduction_axes {reduction_axes!r} for an input of shape {xa.shape}")
    keep = tuple(1 if i in red else n for i, n in enumerate(xa.shape))
    return tuple(sorted(red)), keep


def _bn_param(name, arg, p, keep, dtype):
    if p is None:
        return None, None
    pt, pa = tensor_and_array(p)
    size = int(np.prod(keep))
    if pa.size != size:
        raise ValueError(f"{name}: `{arg}` has shape {pa.shape} ({pa.size} values); expected {size} values, "
                         f"one per normalised channel (broadcast shape {keep})")
    if pa.dtype != dtype and pt is None:
        pa = pa.astype(dtype)
    return pt, pa.reshape(keep)


def _bn_train_core(name, x, gamma, beta, reduction_axes, epsilon):
    """Shared fused kernel: returns (out Tensor, mean array, var array, red axes, keep shape, xt, xa)."""
    xt, xa = _float_operand(name, x)
    red, keep = _bn_axes(name, xa, reduction_axes)
    gt, ga = _bn_param(name, "gamma", gamma, keep, xa.dtype)
    bt, ba = _bn_param(name, "beta", beta, keep, xa.dtype)
    count = xa.size // max(int(np.prod(keep)), 1)
    if count == 0:
        raise ValueError(f"{name}: cannot normalise an empty batch of shape {xa.shape}")
    eps = float(epsilon)
    # channels last (every axis but the last reduced): column sums as BLAS matrix-vector products,
    # which beat ndarray.sum(axis=0) on tall arrays
    channels_last = xa.ndim >= 2 and red == tuple(range(xa.ndim - 1))
    if channels_last:
        mean = (_column_sums(xa.reshape(-1, xa.shape[-1])) * (1.0 / count)).reshape(keep)
    else:
        mean = xa.mean(axis=red, keepdims=True)
    xhat = xa - mean
    if channels_last:
        flat = xhat.reshape(-1, xa.shape[-1])
        var = (np.einsum("ij,ij->j", flat, flat) * (1.0 / count)).reshape(keep)
    else:
        var = np.mean(np.square(xhat), axis=red, keepdims=True)
    var = var.astype(xa.dtype, copy=False)
    inv = 1.0 / np.sqrt(var + eps)
    xhat *= inv
    recording = RECORDING and (xt is not None or gt is not None or bt is not None)
    if ga is not None:
        y = xhat * ga
        if ba is not None:
            y += ba
    elif ba is not None:
        y = xhat + ba
    else:
        y = xhat  # shared with the backward cache; engine ops never write into their inputs
    out = Tensor(y)
    if recording:
        def vjp(g):
            need_x = _needed(3)[0]
            if RECORDING:
                return _bn_engine_vjp(g, xt if xt is not None else Tensor(xa), gt, ga, bt, red, eps, count, keep)
            ga_ = _as_array(g)
            if channels_last:
                g2 = ga_.reshape(-1, ga_.shape[-1])
                dbeta = _column_sums(g2).reshape(keep)
                dgamma = np.einsum("ij,ij->j", g2, xhat.reshape(-1, xhat.shape[-1])).reshape(keep)
            else:
                dbeta = ga_.sum(axis=red, keepdims=True)
                dgamma = (ga_ * xhat).sum(axis=red, keepdims=True)
            gx = None
            if xt is not None and need_x:
                scale = inv * ga if ga is not None else inv
                gx = ga_ - dbeta * (1.0 / count)
                gx -= xhat * (dgamma * (1.0 / count))
                gx *= scale
            return (gx,
                    dgamma.reshape(np.shape(gt.array)) if gt is not None else None,
                    dbeta.reshape(np.shape(bt.array)) if bt is not None else None)

        record((xt, gt, bt), out, vjp)
    return out, mean, var, red, keep, xt, xa


def _bn_engine_vjp(g, xv, gt, ga, bt, red, eps, count, keep):
    """The BN backward written with engine ops, for second derivatives (an outer tape records)."""
    mean_t = m.mean(xv, axis=red, keepdims=True)
    xc = m.subtract(xv, mean_t)
    inv_t = m.rsqrt(m.add(m.mean(m.square(xc), axis=red, keepdims=True), eps))
    xhat_t = m.multiply(xc, inv_t)
    dbeta = m.sum(g, axis=red, keepdims=True)
    dgamma = m.sum(m.multiply(g, xhat_t), axis=red, keepdims=True)
    gamma_v = (m.reshape(gt, keep) if gt is not None else ga) if ga is not None else 1.0
    inner = m.subtract(m.subtract(g, m.divide(dbeta, float(count))), m.multiply(xhat_t, m.divide(dgamma, float(count))))
    gx = m.multiply(m.multiply(gamma_v, inv_t), inner)
    return (gx,
            m.reshape(dgamma, gt.shape) if gt is not None else None,
            m.reshape(dbeta, bt.shape) if bt is not None else None)


@register()
def batch_norm_train(x, gamma=None, beta=None, axis=-1, epsilon=1e-3):
    """Fused BatchNormalization training step: one tape node, closed-form backward.

    Normalises over every axis except `axis` (an int or a list of ints) with the batch mean and the
    BIASED batch variance, then scales by gamma and shifts by beta (either may be None).

    Returns:
        (output Tensor, mean Tensor, variance Tensor); mean and variance have the shape of the kept
        axes (e.g. (channels,)) and are constants (use them for the moving averages).

    Example:
        >>> import numpy as np
        >>> y, mean, var = batch_norm_train(np.array([[1.0], [3.0]], "float32"), epsilon=0.0)
        >>> y.numpy().ravel().tolist(), mean.numpy().tolist(), var.numpy().tolist()
        ([-1.0, 1.0], [2.0], [1.0])
    """
    _, xa = tensor_and_array(x)
    axes = normalize_axis(axis, xa.ndim, "batch_norm_train")
    red = tuple(i for i in range(xa.ndim) if i not in axes)
    out, mean, var, red, keep, _, _ = _bn_train_core("batch_norm_train", x, gamma, beta, red, epsilon)
    kept = tuple(n for i, n in enumerate(xa.shape) if i not in red)
    return out, Tensor(mean.reshape(kept)), Tensor(var.reshape(kept))


@register()
def normalize_batch_in_training(x, gamma, beta, reduction_axes, epsilon=1e-3):
    """Normalise a batch with its own statistics: returns (normed, mean, variance).

    The variance is the biased batch variance, except for a 4-D input normalised over axes (0, 1, 2),
    where tf_keras's fused path returns the unbiased one (n / (n - 1) times it). mean and variance have
    the shape of the axes not reduced (e.g. (channels,)) and are differentiable with respect to x, like
    normed.

    Example:
        >>> import numpy as np
        >>> normed, mean, var = normalize_batch_in_training(
        ...     np.array([[0.0], [2.0]], "float32"), None, None, [0], epsilon=0.0)
        >>> normed.numpy().ravel().tolist(), mean.numpy().tolist(), var.numpy().tolist()
        ([-1.0, 1.0], [1.0], [1.0])
    """
    out, mean, var, red, keep, xt, xa = _bn_train_core(
        "normalize_batch_in_training", x, gamma, beta, reduction_axes, epsilon)
    kept = tuple(n for i, n in enumerate(xa.shape) if i not in red)
    count = xa.size // max(mean.size, 1)
    # tf_keras sends a 4-D batch normalised over (0, 1, 2) to TensorFlow's fused batch norm, which returns
    # the unbiased variance (n / (n - 1) times the biased one; 0 stays 0 for n = 1); every other case goes
    # through tf.nn.moments: the biased variance
    bessel = count / (count - 1.0) if xa.ndim == 4 and list(reduction_axes) == [0, 1, 2] and count > 1 else 1.0
    mean_t = Tensor(mean.reshape(kept))
    var_t = Tensor(var.reshape(kept) * var.dtype.type(bessel) if bessel != 1.0 else var.reshape(kept))
    if RECORDING and xt is not None:
        shape = xa.shape
        record((xt,), mean_t, lambda g: (
            m.broadcast_to(m.divide(m.reshape(g, keep), float(count)), shape),))

        def var_vjp(g):
            centred = m.subtract(xt, m.mean(xt, axis=red, keepdims=True)) if RECORDING else xa - mean
            return (m.multiply(centred, m.multiply(m.reshape(g, keep), 2.0 * bessel / count)),)

        record((xt,), var_t, var_vjp)
    return out, mean_t, var_t


# --------------------------------------------------------------------------- metrics helper
@register()
def in_top_k(predictions, targets, k):
    """Whether `predictions[i, targets[i]]` is among the `k` largest of row i (a bool tensor).

    Ties straddling the k-th place count as inside, as tf.math.in_top_k; a non-finite prediction
    or an out-of-range target gives False.

    Example:
        >>> import numpy as np
        >>> in_top_k(np.array([[0.1, 0.5, 0.4], [0.8, 0.05, 0.15]], "float32"), np.array([2, 1]), 2).numpy()
        array([ True, False])
    """
    _, pa = tensor_and_array(predictions)
    _, ta = tensor_and_array(targets)
    if pa.ndim != 2:
        raise ValueError(f"in_top_k: expected predictions of shape (batch, classes); received shape {pa.shape}")
    ta = np.asarray(ta).reshape(-1) if np.ndim(ta) <= 1 else ta
    if ta.ndim != 1 or ta.shape[0] != pa.shape[0]:
        raise ValueError(f"in_top_k: expected targets of shape ({pa.shape[0]},), one class id per row of "
                         f"predictions {pa.shape}; received shape {np.shape(ta)}")
    if ta.dtype.kind not in "iu":
        if ta.dtype.kind == "f" and np.all(np.equal(np.mod(ta, 1), 0)):
            ta = ta.astype(np.int64)
        else:
            raise TypeError(f"in_top_k: targets must be integer class ids; received dtype {ta.dtype}")
    k = int(k)
    valid = (ta >= 0) & (ta < pa.shape[1])
    picked = pa[np.arange(pa.shape[0]), np.where(valid, ta, 0)]
    above = np.count_nonzero(pa > picked[:, None], axis=1)
    return Tensor(valid & np.isfinite(picked) & (above < k))
