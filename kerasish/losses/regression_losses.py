"""Regression losses: mean squared (a fused kernel), absolute, absolute percentage and squared logarithmic
errors, Huber, log-cosh and the cosine similarity, as functions and `Loss` classes.

Example:
    >>> from kerasish.losses import MeanAbsoluteError
    >>> float(MeanAbsoluteError()([[0.0, 1.0]], [[1.0, 3.0]]))
    1.5
"""
import math

import numpy as np

from ..backend import config
from ..backend.ops import crossentropy as _ce, math as m
from ..backend.ops.core import RECORDING, record, tensor_and_array
from ..backend.ops.math import unbroadcast
from ..backend.tensor import Tensor
from ..backend import dispatch as _dispatch
from ..utils.serialization import builtin_objects as _builtin_objects
from ..utils.serialization import register_builtin
from .loss import LossFunctionWrapper, Reduction, _prepare


def mean_square_rows(diff):
    """mean(diff**2, axis=-1) on an array: summed then divided, as np.mean does, without np.mean's
    Python-level overhead (a few us per step)."""
    return np.divide(np.add.reduce(np.square(diff), axis=-1), diff.shape[-1])


def _mse_kernel(y_true, y_pred):
    """mean((y_pred - y_true)**2, axis=-1) as one tape node."""
    pt, pa = y_pred, y_pred.array
    tt = y_true if isinstance(y_true, Tensor) else None
    ta = tt.array if tt is not None else y_true
    diff = pa - ta
    n = diff.shape[-1] if diff.ndim else 1
    out = Tensor(mean_square_rows(diff) if diff.ndim else np.square(diff))
    if RECORDING:
        ps, ts = pa.shape, np.shape(ta)

        def vjp(g):
            if RECORDING:  # second order: stay differentiable
                d = m.subtract(pt, tt if tt is not None else ta)
                gd = m.multiply(m.expand_last(g, -1) if diff.ndim else g, m.multiply(d, 2.0 / n))
                return (unbroadcast(m.negative(gd), ts) if tt is not None else None, unbroadcast(gd, ps))
            ga = g.array if isinstance(g, Tensor) else np.asarray(g)
            gd = diff * (2.0 / n)
            gd *= ga[..., None] if diff.ndim else ga
            gp = unbroadcast(gd, ps)
            gt = unbroadcast(-gd, ts) if tt is not None else None
            return gt, gp

        record((tt, pt), out, vjp)
    return out


@register_builtin("loss", "mse", "MSE")
def mean_squared_error(y_true, y_pred):
    """`mean(square(y_true - y_pred), axis=-1)`.

    Example:
        >>> import numpy as np
        >>> mean_squared_error(np.array([[0.0, 1.0]]), np.array([[1.0, 1.0]])).numpy()
        array([0.5], dtype=float32)
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    return _mse_kernel(y_true, y_pred)


@register_builtin("loss", "mae", "MAE")
def mean_absolute_error(y_true, y_pred):
    """`mean(abs(y_true - y_pred), axis=-1)`.

    Example:
        >>> import numpy as np
        >>> mean_absolute_error(np.array([[0.0, 1.0]]), np.array([[1.0, 3.0]])).numpy()
        array([1.5], dtype=float32)
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    return m.mean(m.abs(m.subtract(y_pred, y_true)), axis=-1)


@register_builtin("loss", "mape", "MAPE")
def mean_absolute_percentage_error(y_true, y_pred):
    """`100 * mean(abs((y_true - y_pred) / max(abs(y_true), eps)), axis=-1)`.

    Example:
        >>> import numpy as np
        >>> mean_absolute_percentage_error(np.array([[2.0, 4.0]]), np.array([[1.0, 5.0]])).numpy()
        array([37.5], dtype=float32)
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    diff = m.abs(m.divide(m.subtract(y_true, y_pred), m.maximum(m.abs(y_true), config.epsilon())))
    return m.multiply(100.0, m.mean(diff, axis=-1))


@register_builtin("loss", "msle", "MSLE")
def mean_squared_logarithmic_error(y_true, y_pred):
    """`mean(square(log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1)), axis=-1)`.

    Example:
        >>> import numpy as np
        >>> np.round(mean_squared_logarithmic_error(np.array([[0.0]]), np.array([[1.0]])).numpy(), 6)
        array([0.480453], dtype=float32)
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    eps = config.epsilon()
    first_log = m.log(m.add(m.maximum(y_pred, eps), 1.0))
    second_log = m.log(m.add(m.maximum(y_true, eps), 1.0))
    return m.mean(m.square(m.subtract(first_log, second_log)), axis=-1)


@register_builtin("loss", "huber_loss")
def huber(y_true, y_pred, delta=1.0):
    """Huber loss: `0.5*e**2` where `|e| <= delta`, else `delta*|e| - 0.5*delta**2`; mean over the last axis.

    Example:
        >>> import numpy as np
        >>> huber(np.array([[0.0, 0.0]]), np.array([[0.5, 3.0]])).numpy()
        array([1.3125], dtype=float32)
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    delta = float(delta)
    error = m.subtract(y_pred, y_true)
    abs_error = m.abs(error)
    quadratic = m.multiply(0.5, m.square(error))
    # Keras computes 0.5 * delta**2 in the prediction's float type.
    half_delta_sq = float(np.asarray(0.5, y_pred.dtype) * np.asarray(delta, y_pred.dtype) ** 2)
    linear = m.subtract(m.multiply(delta, abs_error), half_delta_sq)
    return m.mean(m.where(m.less_equal(abs_error, delta), quadratic, linear), axis=-1)


def _softplus(x):
    """log(1 + exp(x)) computed stably; differentiable to any order."""
    xt, xa = tensor_and_array(x)
    out = Tensor(np.maximum(xa, 0.0) + np.log1p(np.exp(-np.abs(xa))))
    if RECORDING and xt is not None:
        record((xt,), out, lambda g: (m.multiply(g, _ce._sigmoid(xt)),))
    return out


@register_builtin("loss", "logcosh")
def log_cosh(y_true, y_pred):
    """`mean(log(cosh(y_pred - y_true)), axis=-1)`, computed as `x + softplus(-2x) - log(2)`.

    Example:
        >>> import numpy as np
        >>> np.round(log_cosh(np.array([[0.0, 0.0]]), np.array([[1.0, -1.0]])).numpy(), 6)
        array([0.433781], dtype=float32)
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    x = m.subtract(y_pred, y_true)
    return m.mean(m.subtract(m.add(x, _softplus(m.multiply(-2.0, x))), math.log(2.0)), axis=-1)


def _l2_normalize(x, axis):
    square_sum = m.sum(m.square(x), axis=axis, keepdims=True)
    return m.multiply(x, m.rsqrt(m.maximum(square_sum, 1e-12)))


@register_builtin("loss")
def cosine_similarity(y_true, y_pred, axis=-1):
    """Negative cosine similarity along `axis` (-1 for parallel vectors, 0 for orthogonal).

    Example:
        >>> import numpy as np
        >>> out = cosine_similarity(np.array([[0.0, 1.0], [1.0, 1.0]]), np.array([[1.0, 0.0], [1.0, 1.0]]))
        >>> np.round(out.numpy(), 6) + 0.0
        array([ 0., -1.], dtype=float32)
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    return m.negative(m.sum(m.multiply(_l2_normalize(y_true, axis), _l2_normalize(y_pred, axis)), axis=axis))


# --------------------------------------------------------------------------- loss classes
@register_builtin("loss")
class MeanSquaredError(LossFunctionWrapper):
    """Mean of squares of errors.

    Example:
        >>> float(MeanSquaredError()([[0.0, 1.0]], [[1.0, 1.0]]))
        0.5
    """

    def __init__(self, reduction=Reduction.AUTO, name="mean_squared_error"):
        super().__init__(mean_squared_error, name=name, reduction=reduction)


@register_builtin("loss")
class MeanAbsoluteError(LossFunctionWrapper):
    """Mean of absolute errors.

    Example:
        >>> float(MeanAbsoluteError()([[0.0, 1.0]], [[1.0, 3.0]]))
        1.5
    """

    def __init__(self, reduction=Reduction.AUTO, name="mean_absolute_error"):
        super().__init__(mean_absolute_error, name=name, reduction=reduction)


@register_builtin("loss")
class MeanAbsolutePercentageError(LossFunctionWrapper):
    """Mean absolute percentage error.

    Example:
        >>> float(MeanAbsolutePercentageError()([[2.0, 4.0]], [[1.0, 5.0]]))
        37.5
    """

    def __init__(self, reduction=Reduction.AUTO, name="mean_absolute_percentage_error"):
        super().__init__(mean_absolute_percentage_error, name=name, reduction=reduction)


@register_builtin("loss")
class MeanSquaredLogarithmicError(LossFunctionWrapper):
    """Mean squared logarithmic error.

    Example:
        >>> round(float(MeanSquaredLogarithmicError()([[0.0]], [[1.0]])), 6)
        0.480453
    """

    def __init__(self, reduction=Reduction.AUTO, name="mean_squared_logarithmic_error"):
        super().__init__(mean_squared_logarithmic_error, name=name, reduction=reduction)


@register_builtin("loss")
class CosineSimilarity(LossFunctionWrapper):
    """Negative cosine similarity between labels and predictions along `axis`.

    Example:
        >>> round(float(CosineSimilarity()([[0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0]])), 6)
        -0.5
    """

    def __init__(self, axis=-1, reduction=Reduction.AUTO, name="cosine_similarity"):
        super().__init__(cosine_similarity, reduction=reduction, name=name, axis=axis)


@register_builtin("loss")
class LogCosh(LossFunctionWrapper):
    """Logarithm of the hyperbolic cosine of the prediction error.

    Example:
        >>> round(float(LogCosh()([[0.0, 0.0]], [[1.0, -1.0]])), 6)
        0.433781
    """

    def __init__(self, reduction=Reduction.AUTO, name="log_cosh"):
        super().__init__(log_cosh, name=name, reduction=reduction)


@register_builtin("loss")
class Huber(LossFunctionWrapper):
    """Huber loss: quadratic for `|error| <= delta`, linear beyond.

    Example:
        >>> float(Huber(delta=1.0)([[0.0, 0.0]], [[0.5, 3.0]]))
        1.3125
    """

    def __init__(self, delta=1.0, reduction=Reduction.AUTO, name="huber_loss"):
        super().__init__(huber, name=name, reduction=reduction, delta=delta)


# Keras 2 module-level aliases.
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
cosine = cosine_proximity = cosine_similarity  # Keras 2.3's names of the (negative) cosine similarity loss
logcosh = log_cosh
huber_loss = huber


# Calls on symbolic (Keras) tensors become graph nodes named "keras.losses.<name>" (see backend/dispatch.py).
_dispatch.dispatch_registered(globals(), "keras.losses", _builtin_objects("loss"))
