"""Keras 2 losses: per-sample loss functions and `Loss` classes with reductions and sample weights.

A loss function (`mean_squared_error`, `binary_crossentropy`, ...) maps `(y_true, y_pred)` to one
value per sample (the mean over the last axis). A `Loss` object reduces those values:
`reduction='auto'`/`'sum_over_batch_size'` gives `sum(w * loss) / number_of_elements` (the sum of
the weights is NOT the divisor, as in Keras), `'sum'` the plain weighted sum, `'none'` the
weighted per-sample values. Everything is built from engine ops, so losses are differentiable
(the crossentropies and MSE are fused one-node kernels).

Example:
    >>> import numpy as np
    >>> from kerasish import losses
    >>> float(losses.BinaryCrossentropy()([0.0, 0, 1, 1], [1.0, 1, 0, 0]))  # doctest: +ELLIPSIS
    15.379...
    >>> y, p = np.array([[1.0], [2.0], [3.0], [4.0]]), np.zeros((4, 1))
    >>> float(losses.MeanSquaredError()(y, p, sample_weight=[1.0, 0.0, 0.0, 0.0]))
    0.25
    >>> losses.mean_squared_error(y, p).numpy()
    array([ 1.,  4.,  9., 16.], dtype=float32)
"""
import math

import numpy as np

from .backend import dispatch as _dispatch
from .backend import config
from .backend.ops import crossentropy as _ce
from .backend.ops import math as m
from .backend.ops.core import RECORDING, record, tensor_and_array
from .backend.ops.math import unbroadcast
from .backend.tensor import Tensor
from .backend.user_warnings import warn
from .utils.serialization import builtin_objects as _builtin_objects
from .utils.serialization import (deserialize_keras_object, get_registered_name,
                                  register_builtin, serialize_keras_object)


class Reduction:
    """Types of loss reduction (`keras.losses.Reduction`)."""

    AUTO = "auto"
    NONE = "none"
    SUM = "sum"
    SUM_OVER_BATCH_SIZE = "sum_over_batch_size"

    @classmethod
    def all(cls):
        return (cls.AUTO, cls.NONE, cls.SUM, cls.SUM_OVER_BATCH_SIZE)

    @classmethod
    def validate(cls, key):
        if key not in cls.all():
            raise ValueError(f'Invalid Reduction Key: {key!r}. Expected keys are "{cls.all()}"')


ReductionV2 = Reduction


# --------------------------------------------------------------------------- shape helpers
def _to_tensor(x):
    """A Tensor (identity for Tensors, so hidden logits and masks survive); ints become floatx."""
    if isinstance(x, Tensor):
        if x.dtype.kind not in "fc":
            return m.cast(x, config.floatx())
        return x
    _, a = tensor_and_array(x)
    if a.dtype.kind not in "fc":
        a = a.astype(config.floatx())
    return Tensor(a)


def _cast_like(y_true, y_pred):
    """`y_true` in `y_pred`'s float type (a Tensor stays a differentiable Tensor)."""
    if isinstance(y_true, Tensor):
        return y_true if y_true.dtype == y_pred.dtype else m.cast(y_true, y_pred.dtype)
    _, a = tensor_and_array(y_true)
    return a.astype(y_pred.dtype, copy=False)


def _squeeze_last(x):
    if isinstance(x, Tensor):
        return m.reshape(x, x.shape[:-1])
    return np.reshape(x, np.shape(x)[:-1])


def _expand_last(x):
    if isinstance(x, Tensor):
        return m.reshape(x, tuple(x.shape) + (1,))
    return np.reshape(x, tuple(np.shape(x)) + (1,))


def remove_squeezable_dimensions(labels, predictions, expected_rank_diff=0):
    """Squeeze a trailing size-1 axis off `labels` or `predictions` when their ranks differ by one."""
    rank_diff = np.ndim(predictions) - np.ndim(labels)
    if rank_diff == expected_rank_diff + 1 and np.shape(predictions)[-1:] == (1,):
        predictions = _squeeze_last(predictions)
    elif rank_diff == expected_rank_diff - 1 and np.shape(labels)[-1:] == (1,):
        labels = _squeeze_last(labels)
    return labels, predictions


def squeeze_or_expand_dimensions(y_pred, y_true=None, sample_weight=None):
    """Align ranks the Keras way: squeeze `y_true`/`y_pred`, then squeeze or expand `sample_weight`.

    Returns `(y_pred, y_true)` when `sample_weight` is None, else `(y_pred, y_true, sample_weight)`.
    """
    if y_true is not None:
        if np.ndim(y_pred) - np.ndim(y_true) != 1 or np.shape(y_pred)[-1:] == (1,):
            y_true, y_pred = remove_squeezable_dimensions(y_true, y_pred)
    if sample_weight is None:
        return y_pred, y_true
    w_rank, p_rank = np.ndim(sample_weight), np.ndim(y_pred)
    if w_rank == 0:
        return y_pred, y_true, sample_weight
    if w_rank - p_rank == 1 and np.shape(sample_weight)[-1] == 1:
        sample_weight = _squeeze_last(sample_weight)
    elif p_rank - w_rank == 1:
        sample_weight = _expand_last(sample_weight)
    return y_pred, y_true, sample_weight


def _get_mask(x):
    mask = getattr(x, "_keras_mask", None)
    if mask is None:
        return None
    return np.asarray(mask.array if isinstance(mask, Tensor) else mask)


def _apply_valid_mask(losses, sample_weight, mask, reduction):
    """Fold a mask into the sample weights; for mean reductions rescale so masked entries don't count."""
    if mask is None:
        return sample_weight
    dtype = losses.dtype
    mask = mask.astype(dtype)
    if reduction in (Reduction.AUTO, Reduction.SUM_OVER_BATCH_SIZE):
        valid = float(np.sum(mask))
        mask = mask * (float(mask.size) / valid) if valid else mask
    if sample_weight is None:
        return mask
    sw = sample_weight if isinstance(sample_weight, Tensor) else np.asarray(sample_weight, dtype=dtype)
    mask, _, sw = squeeze_or_expand_dimensions(mask, sample_weight=sw)
    return m.multiply(sw, mask)


def compute_weighted_loss(losses, sample_weight=None, reduction=Reduction.SUM_OVER_BATCH_SIZE):
    """Weight per-sample `losses` by `sample_weight` and reduce them (differentiable).

    `sum_over_batch_size` divides the weighted sum by the NUMBER OF ELEMENTS, not by the sum of the
    weights, exactly as Keras 2 does.

    Example:
        >>> float(compute_weighted_loss([1.0, 4.0, 9.0, 16.0], sample_weight=[1.0, 0.0, 0.0, 0.0]))
        0.25
    """
    Reduction.validate(reduction)
    if reduction == Reduction.AUTO:
        reduction = Reduction.SUM_OVER_BATCH_SIZE
    losses = _to_tensor(losses)
    if sample_weight is not None:
        if isinstance(sample_weight, Tensor):
            sw = sample_weight if sample_weight.dtype == losses.dtype else m.cast(sample_weight, losses.dtype)
        else:
            sw = np.asarray(sample_weight.array if isinstance(sample_weight, Tensor) else sample_weight)
            sw = sw.astype(losses.dtype, copy=False)
        losses, _, sw = squeeze_or_expand_dimensions(losses, None, sw)
        try:
            np.broadcast_shapes(np.shape(losses), np.shape(sw))
        except ValueError:
            raise ValueError(
                f"`sample_weight` of shape {np.shape(sample_weight)} cannot be broadcast to the per-sample "
                f"losses of shape {tuple(losses.shape)}; expected one weight per sample, e.g. shape "
                f"{tuple(losses.shape[:1])}") from None
        losses = m.multiply(losses, sw)
    if reduction == Reduction.NONE:
        return losses
    if reduction == Reduction.SUM:
        return m.sum(losses)
    if not losses.size:
        return m.multiply(m.sum(losses), 0.0)
    return _sum_over_batch_size(losses)


def _sum_over_batch_size(losses):
    """sum(losses) / size (summed first, as Keras does) as one tape node: the reduction of every
    training step, so it skips the two generic nodes and their backward passes."""
    la = losses.array
    n = float(la.size)
    out = Tensor(np.asarray(np.sum(la) / n))
    if RECORDING:
        shape = la.shape

        def vjp(g):
            if RECORDING:  # an outer tape differentiates this backward pass
                return (m.broadcast_to(m.divide(g, n), shape),)
            ga = g.array if isinstance(g, Tensor) else g
            return (np.full(shape, ga / n, dtype=la.dtype),)

        record((losses,), out, vjp)
    return out


# --------------------------------------------------------------------------- Loss classes
class Loss:
    """Base class of loss objects: subclass it and implement `call(y_true, y_pred)`.

    Args:
        reduction: 'auto' (= 'sum_over_batch_size'), 'sum_over_batch_size', 'sum' or 'none'.
        name: the loss's name.

    Example:
        >>> import numpy as np
        >>> from kerasish import losses
        >>> class MeanCubicError(losses.Loss):
        ...     def call(self, y_true, y_pred):
        ...         return losses.mean_absolute_error(y_true, y_pred) ** 3
        >>> float(MeanCubicError()(np.zeros((2, 1)), np.full((2, 1), 2.0)))
        8.0
    """

    _keras_module = "keras.losses"

    def __init__(self, reduction=Reduction.AUTO, name=None):
        Reduction.validate(reduction)
        self.reduction = reduction
        self.name = name
        self._allow_sum_over_batch_size = False

    def __call__(self, y_true, y_pred, sample_weight=None):
        """The reduced, weighted loss (a scalar Tensor unless `reduction='none'`)."""
        losses = self.call(y_true, y_pred)
        in_mask, out_mask = _get_mask(y_pred), _get_mask(losses)
        if in_mask is not None and out_mask is not None:
            mask = np.logical_and(in_mask.astype(bool), out_mask.astype(bool))
        else:
            mask = in_mask if in_mask is not None else out_mask
        losses = _to_tensor(losses)
        reduction = self._get_reduction()
        if mask is not None:
            if mask.shape != tuple(losses.shape):
                try:
                    mask = np.broadcast_to(mask.reshape(mask.shape + (1,) * (losses.ndim - mask.ndim)),
                                           losses.shape)
                except ValueError:
                    mask = None
            if mask is not None:
                sample_weight = _apply_valid_mask(losses, sample_weight, mask, reduction)
        return compute_weighted_loss(losses, sample_weight, reduction=reduction)

    def call(self, y_true, y_pred):
        """Per-sample loss values; subclasses implement this."""
        raise NotImplementedError(f"{type(self).__name__} must implement `call(self, y_true, y_pred)`.")

    def _get_reduction(self):
        return Reduction.SUM_OVER_BATCH_SIZE if self.reduction == Reduction.AUTO else self.reduction

    def get_config(self):
        return {"reduction": self.reduction, "name": self.name}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config.pop("dtype", None)  # Keras 3 adds it
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r} reduction={self.reduction!r}>"


class LossFunctionWrapper(Loss):
    """Wraps a per-sample loss function `fn(y_true, y_pred, **kwargs)` as a `Loss`.

    Example:
        >>> import numpy as np
        >>> loss = LossFunctionWrapper(mean_absolute_error, name="mae")
        >>> float(loss(np.zeros((2, 2)), np.ones((2, 2))))
        1.0
    """

    def __init__(self, fn, reduction=Reduction.AUTO, name=None, **kwargs):
        super().__init__(reduction=reduction, name=name)
        if not callable(fn):
            raise TypeError(f"LossFunctionWrapper: `fn` must be callable; received {fn!r}")
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        # Like tf_keras, the wrapper only aligns ranks; each loss function casts `y_true` itself
        # (so a user's function may index with integer labels).
        y_pred = _to_tensor(y_pred)
        if not isinstance(y_true, Tensor):
            _, y_true = tensor_and_array(y_true)
        y_pred, y_true = squeeze_or_expand_dimensions(y_pred, y_true)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        config = dict(super().get_config())
        for k, v in self._fn_kwargs.items():
            config[k] = np.asarray(v).tolist() if isinstance(v, (Tensor, np.ndarray)) else v
        config["fn"] = get_registered_name(self.fn)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config.pop("dtype", None)
        fn_name = config.pop("fn", None)
        if cls is LossFunctionWrapper:
            config["fn"] = get(fn_name)
        return cls(**config)


# --------------------------------------------------------------------------- per-sample functions
def _prepare(y_true, y_pred):
    y_pred = _to_tensor(y_pred)
    return _cast_like(y_true, y_pred), y_pred


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


def _maybe_convert_labels(y_true):
    """0/1 labels become -1/+1 (hinge losses); other labels are left alone."""
    ta = y_true.array if isinstance(y_true, Tensor) else np.asarray(y_true)
    if np.all((ta == 0) | (ta == 1)):
        return m.subtract(m.multiply(2.0, y_true), 1.0)
    return y_true


@register_builtin("loss")
def squared_hinge(y_true, y_pred):
    """`mean(square(max(1 - y_true * y_pred, 0)), axis=-1)`; 0/1 labels are mapped to -1/+1.

    Example:
        >>> import numpy as np
        >>> squared_hinge(np.array([[0.0, 1.0]]), np.array([[0.5, 0.5]])).numpy()
        array([1.25], dtype=float32)
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    y_true = _maybe_convert_labels(y_true)
    return m.mean(m.square(m.maximum(m.subtract(1.0, m.multiply(y_true, y_pred)), 0.0)), axis=-1)


@register_builtin("loss")
def hinge(y_true, y_pred):
    """`mean(max(1 - y_true * y_pred, 0), axis=-1)`; 0/1 labels are mapped to -1/+1.

    Example:
        >>> import numpy as np
        >>> hinge(np.array([[0.0, 1.0]]), np.array([[0.5, 0.5]])).numpy()
        array([1.], dtype=float32)
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    y_true = _maybe_convert_labels(y_true)
    return m.mean(m.maximum(m.subtract(1.0, m.multiply(y_true, y_pred)), 0.0), axis=-1)


@register_builtin("loss")
def categorical_hinge(y_true, y_pred):
    """`max(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)` per sample.

    Example:
        >>> import numpy as np
        >>> categorical_hinge(np.array([[0.0, 1.0]]), np.array([[0.3, 0.6]])).numpy()
        array([0.7], dtype=float32)
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    pos = m.sum(m.multiply(y_true, y_pred), axis=-1)
    neg = m.max(m.multiply(m.subtract(1.0, y_true), y_pred), axis=-1)
    return m.maximum(m.add(m.subtract(neg, pos), 1.0), 0.0)


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


@register_builtin("loss", "kld", "KLD", "kullback_leibler_divergence")
def kl_divergence(y_true, y_pred):
    """`sum(y_true * log(y_true / y_pred), axis=-1)` with both clipped to `[eps, 1]`.

    Example:
        >>> import numpy as np
        >>> np.round(kl_divergence(np.array([[0.5, 0.5]]), np.array([[0.25, 0.75]])).numpy(), 6)
        array([0.143841], dtype=float32)
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    eps = config.epsilon()
    y_true = m.clip(y_true, eps, 1.0)
    y_pred = m.clip(y_pred, eps, 1.0)
    return m.sum(m.multiply(y_true, m.log(m.divide(y_true, y_pred))), axis=-1)


@register_builtin("loss")
def poisson(y_true, y_pred):
    """`mean(y_pred - y_true * log(y_pred + eps), axis=-1)`.

    Example:
        >>> import numpy as np
        >>> np.round(poisson(np.array([[1.0]]), np.array([[2.0]])).numpy(), 6)
        array([1.306853], dtype=float32)
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    return m.mean(m.subtract(y_pred, m.multiply(y_true, m.log(m.add(y_pred, config.epsilon())))), axis=-1)


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


def _check_axis(axis):
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise ValueError(f"`axis` must be of type `int`. Received: axis={axis!r} of type {type(axis)}")


@register_builtin("loss")
def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary crossentropy averaged over `axis` (Keras 2 numerics; hidden logits of sigmoid outputs used).

    Args:
        y_true: 0/1 targets.
        y_pred: probabilities, or logits with `from_logits=True`.
        from_logits: whether `y_pred` holds logits.
        label_smoothing: squeeze targets towards 0.5: `t * (1 - ls) + 0.5 * ls`.
        axis: the axis the mean is taken over.

    Example:
        >>> import numpy as np
        >>> np.round(binary_crossentropy(np.array([[1.0]]), np.array([[0.9]]), label_smoothing=0.1).numpy(), 6)
        array([0.215222], dtype=float32)
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    if label_smoothing:
        ls = float(label_smoothing)
        y_true = m.add(m.multiply(y_true, 1.0 - ls), 0.5 * ls)
    return m.mean(_ce.binary_crossentropy(y_true, y_pred, from_logits=from_logits), axis=axis)


@register_builtin("loss")
def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25, gamma=2.0,
                              from_logits=False, label_smoothing=0.0, axis=-1):
    """Focal binary crossentropy averaged over `axis` (down-weights easy examples by `(1 - p_t)**gamma`).

    Example:
        >>> import numpy as np
        >>> np.round(binary_focal_crossentropy(np.array([[1.0, 0.0]]), np.array([[0.9, 0.2]])).numpy(), 6)
        array([0.00499], dtype=float32)
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    if label_smoothing:
        ls = float(label_smoothing)
        y_true = m.add(m.multiply(y_true, 1.0 - ls), 0.5 * ls)
    out = _ce.binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=apply_class_balancing,
                                        alpha=alpha, gamma=gamma, from_logits=from_logits)
    return m.mean(out, axis=axis)


def _smooth_categorical(y_true, label_smoothing, axis):
    ls = float(label_smoothing)
    num_classes = float(np.shape(y_true)[axis])
    return m.add(m.multiply(y_true, 1.0 - ls), ls / num_classes)


def _warn_single_class(fn_name, y_pred):
    if np.shape(y_pred)[-1:] == (1,):
        warn(
             f"In loss {fn_name}, expected y_pred.shape to be (batch_size, num_classes) with num_classes > 1. "
             f"Received: y_pred.shape={tuple(np.shape(y_pred))}. Consider using 'binary_crossentropy' if you "
             "only have 2 classes.", SyntaxWarning)


@register_builtin("loss")
def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Categorical crossentropy over `axis` (renormalised and clipped; hidden logits of softmax outputs used).

    Example:
        >>> import numpy as np
        >>> np.round(categorical_crossentropy(np.array([[0.0, 1.0, 0.0]]), np.array([[0.4, 0.6, 1.0]])).numpy(), 6)
        array([1.203973], dtype=float32)
    """
    _check_axis(axis)
    y_true, y_pred = _prepare(y_true, y_pred)
    _warn_single_class("categorical_crossentropy", y_pred)
    if label_smoothing:
        y_true = _smooth_categorical(y_true, label_smoothing, axis)
    return _ce.categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis)


@register_builtin("loss")
def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    """Focal categorical crossentropy over `axis`.

    Example:
        >>> import numpy as np
        >>> out = categorical_focal_crossentropy(np.array([[0.0, 1.0, 0.0]]), np.array([[0.05, 0.9, 0.05]]))
        >>> np.round(out.numpy(), 6)
        array([0.000263], dtype=float32)
    """
    _check_axis(axis)
    y_true, y_pred = _prepare(y_true, y_pred)
    _warn_single_class("categorical_focal_crossentropy", y_pred)
    if label_smoothing:
        ls = float(label_smoothing)
        y_true = m.add(m.multiply(y_true, 1.0 - ls), ls / float(np.shape(y_true)[-1]))
    return _ce.categorical_focal_crossentropy(y_true, y_pred, alpha=alpha, gamma=gamma,
                                              from_logits=from_logits, axis=axis)


@register_builtin("loss")
def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, axis=-1, ignore_class=None):
    """Crossentropy between integer labels and class probabilities (or logits) along `axis`.

    Example:
        >>> import numpy as np
        >>> p = np.array([[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]], dtype="float32")
        >>> np.round(sparse_categorical_crossentropy(np.array([1, 2]), p).numpy(), 6)
        array([0.051293, 2.302585], dtype=float32)
    """
    if isinstance(y_pred, Tensor):
        y_pred = _to_tensor(y_pred)
    return _ce.sparse_categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis,
                                               ignore_class=ignore_class)


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
class BinaryCrossentropy(LossFunctionWrapper):
    """Binary crossentropy (probabilities clipped like Keras; sigmoid outputs use their hidden logits).

    Args:
        from_logits: whether `y_pred` holds logits.
        label_smoothing: float in [0, 1]; targets become `t * (1 - ls) + 0.5 * ls`.
        axis: the axis the per-sample mean is taken over.
        reduction: see `Loss`.
        name: the loss's name.

    Example:
        >>> round(float(BinaryCrossentropy()([0.0, 0, 1, 1], [1.0, 1, 0, 0])), 5)
        15.37909
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction=Reduction.AUTO,
                 name="binary_crossentropy"):
        super().__init__(binary_crossentropy, name=name, reduction=reduction, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits


@register_builtin("loss")
class BinaryFocalCrossentropy(LossFunctionWrapper):
    """Focal binary crossentropy (`gamma` focuses on hard examples; optional `alpha` class balancing).

    Example:
        >>> round(float(BinaryFocalCrossentropy(gamma=2.0)([[1.0, 0.0]], [[0.9, 0.2]])), 6)
        0.00499
    """

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0,
                 axis=-1, reduction=Reduction.AUTO, name="binary_focal_crossentropy"):
        super().__init__(binary_focal_crossentropy, apply_class_balancing=apply_class_balancing, alpha=alpha,
                         gamma=gamma, name=name, reduction=reduction, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.apply_class_balancing = apply_class_balancing
        self.alpha = alpha
        self.gamma = gamma

    def get_config(self):
        config = super().get_config()
        config.update({"apply_class_balancing": self.apply_class_balancing, "alpha": self.alpha,
                       "gamma": self.gamma})
        return config


@register_builtin("loss")
class CategoricalCrossentropy(LossFunctionWrapper):
    """Categorical crossentropy with one-hot targets (softmax outputs use their hidden logits).

    Example:
        >>> round(float(CategoricalCrossentropy()([[0.0, 1.0, 0.0]], [[0.4, 0.6, 1.0]])), 7)
        1.2039728
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction=Reduction.AUTO,
                 name="categorical_crossentropy"):
        super().__init__(categorical_crossentropy, name=name, reduction=reduction, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


@register_builtin("loss")
class CategoricalFocalCrossentropy(LossFunctionWrapper):
    """Focal categorical crossentropy.

    Example:
        >>> round(float(CategoricalFocalCrossentropy()([[0.0, 1.0, 0.0]], [[0.05, 0.9, 0.05]])), 6)
        0.000263
    """

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction=Reduction.AUTO, name="categorical_focal_crossentropy"):
        super().__init__(categorical_focal_crossentropy, alpha=alpha, gamma=gamma, name=name, reduction=reduction,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.alpha = alpha
        self.gamma = gamma

    def get_config(self):
        config = super().get_config()
        config.update({"alpha": self.alpha, "gamma": self.gamma})
        return config


@register_builtin("loss")
class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Crossentropy between integer labels and class probabilities (or logits).

    Args:
        from_logits: whether `y_pred` holds logits.
        ignore_class: a label value that contributes no loss (e.g. padding).
        reduction, name: see `Loss`.

    Example:
        >>> round(float(SparseCategoricalCrossentropy()([1, 2], [[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]])), 6)
        1.176939
    """

    def __init__(self, from_logits=False, ignore_class=None, reduction=Reduction.AUTO,
                 name="sparse_categorical_crossentropy", axis=-1):
        kwargs = {"from_logits": from_logits, "ignore_class": ignore_class}
        if axis != -1:
            kwargs["axis"] = axis
        super().__init__(sparse_categorical_crossentropy, name=name, reduction=reduction, **kwargs)


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
class Hinge(LossFunctionWrapper):
    """Hinge loss (0/1 labels are mapped to -1/+1).

    Example:
        >>> float(Hinge()([[0.0, 1.0]], [[0.5, 0.5]]))
        1.0
    """

    def __init__(self, reduction=Reduction.AUTO, name="hinge"):
        super().__init__(hinge, name=name, reduction=reduction)


@register_builtin("loss")
class SquaredHinge(LossFunctionWrapper):
    """Squared hinge loss (0/1 labels are mapped to -1/+1).

    Example:
        >>> float(SquaredHinge()([[0.0, 1.0]], [[0.5, 0.5]]))
        1.25
    """

    def __init__(self, reduction=Reduction.AUTO, name="squared_hinge"):
        super().__init__(squared_hinge, name=name, reduction=reduction)


@register_builtin("loss")
class CategoricalHinge(LossFunctionWrapper):
    """Categorical hinge loss.

    Example:
        >>> round(float(CategoricalHinge()([[0.0, 1.0]], [[0.3, 0.6]])), 6)
        0.7
    """

    def __init__(self, reduction=Reduction.AUTO, name="categorical_hinge"):
        super().__init__(categorical_hinge, name=name, reduction=reduction)


@register_builtin("loss")
class Poisson(LossFunctionWrapper):
    """Poisson loss: `mean(y_pred - y_true * log(y_pred + eps))`.

    Example:
        >>> round(float(Poisson()([[1.0]], [[2.0]])), 6)
        1.306853
    """

    def __init__(self, reduction=Reduction.AUTO, name="poisson"):
        super().__init__(poisson, name=name, reduction=reduction)


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
class KLDivergence(LossFunctionWrapper):
    """Kullback-Leibler divergence `sum(y_true * log(y_true / y_pred))`.

    Example:
        >>> round(float(KLDivergence()([[0.5, 0.5]], [[0.25, 0.75]])), 6)
        0.143841
    """

    def __init__(self, reduction=Reduction.AUTO, name="kl_divergence"):
        super().__init__(kl_divergence, name=name, reduction=reduction)


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
kld = KLD = kullback_leibler_divergence = kl_divergence
cosine = cosine_proximity = cosine_similarity  # Keras 2.3's names of the (negative) cosine similarity loss
logcosh = log_cosh
huber_loss = huber


# --------------------------------------------------------------------------- get / serialize
def serialize(loss, use_legacy_format=False):
    """The config of a `Loss` (`{"class_name", "config", ...}`), or the name of a loss function.

    `use_legacy_format=True` gives the `{"class_name", "config"}` dict of Keras 2 `.h5` files.

    Example:
        >>> serialize(BinaryCrossentropy(label_smoothing=0.1))["config"]["label_smoothing"]
        0.1
        >>> serialize(mean_squared_error)
        'mean_squared_error'
    """
    if loss is None:
        return None
    if isinstance(loss, Loss):
        if use_legacy_format:
            return {"class_name": get_registered_name(type(loss)), "config": loss.get_config()}
        return serialize_keras_object(loss)
    if callable(loss):
        return get_registered_name(loss)
    raise ValueError(f"Could not serialize loss {loss!r}: expected a `Loss` instance or a loss function")


def deserialize(name, custom_objects=None, use_legacy_format=False):
    """The loss named by `name` (a string or a `{"class_name", "config"}` dict).

    Example:
        >>> deserialize("mse") is mean_squared_error
        True
        >>> type(deserialize({"class_name": "Huber", "config": {"delta": 2.0}})).__name__
        'Huber'
    """
    obj = deserialize_keras_object(name, "loss", custom_objects=custom_objects,
                                   printable_module_name="loss function")
    if isinstance(obj, type):
        return obj()
    return obj


def get(identifier):
    """Resolve a loss: None, a name ('mse', 'binary_crossentropy', 'Huber'), a config dict or a callable.

    Example:
        >>> get("categorical_crossentropy") is categorical_crossentropy
        True
        >>> get(None) is None
        True
    """
    if identifier is None:
        return None
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret loss function identifier: {identifier!r}")


def resolve_loss(identifier, name=None):
    """A `Loss` object for `compile`: strings and functions are wrapped in `LossFunctionWrapper`.

    The wrapper is named after the string the user gave (or the function's name), as Keras does.

    Example:
        >>> loss = resolve_loss("mse")
        >>> type(loss).__name__, loss.name, loss.fn is mean_squared_error
        ('LossFunctionWrapper', 'mse', True)
    """
    obj = get(identifier)
    if obj is None:
        return None
    if isinstance(obj, Loss):
        obj._allow_sum_over_batch_size = True
        return obj
    if not callable(obj):
        raise ValueError(f"Could not interpret loss function identifier: {identifier!r}")
    loss_name = name or (identifier if isinstance(identifier, str) else getattr(obj, "__name__", None))
    wrapper = LossFunctionWrapper(obj, name=loss_name)
    wrapper._allow_sum_over_batch_size = True
    return wrapper


def is_categorical_crossentropy(loss):
    """Whether `loss` is categorical crossentropy in any of its forms."""
    return (isinstance(loss, CategoricalCrossentropy)
            or (isinstance(loss, LossFunctionWrapper) and loss.fn is categorical_crossentropy)
            or getattr(loss, "__name__", None) == "categorical_crossentropy"
            or loss == "categorical_crossentropy")


# Calls on symbolic (Keras) tensors become graph nodes named "keras.losses.<name>" (see backend/dispatch.py).
_dispatch.dispatch_registered(globals(), "keras.losses", _builtin_objects("loss"))
