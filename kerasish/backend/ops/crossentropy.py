"""Crossentropy kernels with Keras 2's exact numerics, and the hidden-logits path.

Keras 2 (tf_keras `backend.py`) computes crossentropies in two ways:

* From probabilities, with its own clipping rules (all in the output's float type):
  - binary: `p = clip(p, eps, 1-eps)`, then `-(t*log(p+eps) + (1-t)*log(1-p+eps))` (eps added AGAIN);
  - categorical: renormalise `p / sum(p)`, clip to `[eps, 1-eps]`, then `-sum(t*log(p))`;
  - sparse: clip, take the log, then the softmax crossentropy of those "logits" (so it renormalises too).
* From logits, with the numerically stable formulas
  `max(x,0) - x*t + log(1+exp(-|x|))` and `logsumexp(x) - sum(t*x)`.

The hidden-logits path: a Tensor produced by a sigmoid or softmax activation carries its
pre-activation input in `_keras_logits`. Like tf_keras, a crossentropy called with
`from_logits=False` on such a tensor computes from those logits with the stable formula (no
clipping at all), so a model with a `Dense(1, activation="sigmoid")` output and
`binary_crossentropy` loss trains exactly as in Keras.

The logits kernels are fused one-node ops whose vjp is computed in numpy in one pass
(`sigmoid(x) - t`, `softmax(x) - onehot`). When an outer tape records the backward pass
(second derivatives), the vjp is expressed with engine ops instead, so nested tapes work.

Example:
    >>> import numpy as np
    >>> from kerasish.backend.ops.crossentropy import binary_crossentropy, categorical_crossentropy
    >>> t = np.array([0.0, 0.0, 1.0, 1.0], dtype="float32")
    >>> p = np.array([1.0, 1.0, 0.0, 0.0], dtype="float32")
    >>> round(float(binary_crossentropy(t, p).numpy().mean()), 5)
    15.37909
    >>> round(float(categorical_crossentropy(np.array([[0.0, 1.0, 0.0]]), np.array([[0.4, 0.6, 1.0]]))[0]), 6)
    1.203973
"""

import numpy as np

from .. import config
from ..tensor import Tensor
from ..user_warnings import warn
from . import math as m
from .core import RECORDING, normalize_axis, record, register, tensor_and_array

__all__ = ["binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
           "binary_focal_crossentropy", "categorical_focal_crossentropy"]


# --------------------------------------------------------------------------- helpers
def _array(g):
    """The numpy array of a gradient that may arrive as a Tensor or an array."""
    return g.array if isinstance(g, Tensor) else np.asarray(g)


def _as_output(output, who):
    """`output` as (Tensor-or-array, array); integer predictions become floatx."""
    ot, oa = tensor_and_array(output)
    if oa.dtype.kind not in "f":
        oa = oa.astype(config.floatx())
        ot = None if ot is None else m.cast(ot, oa.dtype)
    if oa.ndim == 0 and who != "binary_crossentropy":
        raise ValueError(f"{who}: `output` must have at least one axis; received a scalar")
    return (ot if ot is not None else oa), oa


def _as_target(target, dtype):
    """`target` cast to `dtype`: a Tensor stays differentiable, other data becomes an array."""
    if isinstance(target, Tensor):
        return target if target.dtype == dtype else m.cast(target, dtype)
    _, ta = tensor_and_array(target)
    return ta.astype(dtype, copy=False)


def _get_logits(output, from_logits, activation, fn_name):
    """(tensor, from_logits): swap a sigmoid/softmax output for its hidden logits, as tf_keras does."""
    logits = getattr(output, "_keras_logits", None)
    if logits is None:
        return output, from_logits
    if from_logits:
        warn(f'"`{fn_name}` received `from_logits=True`, but the `output` argument was produced by a '
             f'{activation} activation and thus does not represent logits. Was this intended?"')
    return logits, True


def _check_same_shape(fn_name, ta, oa):
    if np.shape(ta) != np.shape(oa):
        raise ValueError(f"{fn_name}: `target` and `output` must have the same shape; received target shape "
                         f"{np.shape(ta)} and output shape {np.shape(oa)}")


def _stable_sigmoid_from(xa, e):
    """sigmoid(x) given e = exp(-|x|): 1/(1+e) for x >= 0, e/(1+e) otherwise (no overflow)."""
    out = np.where(xa >= 0, 1.0, e).astype(xa.dtype, copy=False)
    out /= 1.0 + e
    return out


def _moved(xa, ax):
    return xa if ax == xa.ndim - 1 else np.moveaxis(xa, ax, -1)


# --------------------------------------------------------------------------- differentiable helpers
def _sigmoid(x):
    """Logistic sigmoid, differentiable to any order (internal helper; no hidden logits attached)."""
    xt, xa = tensor_and_array(x)
    e = np.exp(-np.abs(xa))
    out = Tensor(_stable_sigmoid_from(xa, e))
    if RECORDING and xt is not None:
        record((xt,), out, lambda g: (m.multiply(g, m.multiply(out, m.subtract(1.0, out))),))
    return out


def _softmax(x, axis=-1):
    """Softmax along `axis`, differentiable to any order (internal helper)."""
    xt, xa = tensor_and_array(x)
    e = np.exp(xa - np.max(xa, axis=axis, keepdims=True))
    e /= np.sum(e, axis=axis, keepdims=True)
    out = Tensor(e)
    if RECORDING and xt is not None:
        def vjp(g):
            gs = m.sum(m.multiply(g, out), axis=axis, keepdims=True)
            return (m.multiply(out, m.subtract(g, gs)),)

        record((xt,), out, vjp)
    return out


def _log_softmax(x, axis=-1):
    """log(softmax(x)) along `axis`, differentiable to any order (internal helper)."""
    xt, xa = tensor_and_array(x)
    sh = xa - np.max(xa, axis=axis, keepdims=True)
    sh -= np.log(np.sum(np.exp(sh), axis=axis, keepdims=True))
    out = Tensor(sh)
    if RECORDING and xt is not None:
        def vjp(g):
            gsum = m.sum(g, axis=axis, keepdims=True)
            return (m.subtract(g, m.multiply(m.exp(out), gsum)),)

        record((xt,), out, vjp)
    return out


# --------------------------------------------------------------------------- the logits formulas on arrays
def sigmoid_xent_arrays(xa, ta):
    """(loss, e): `max(x,0) - x*t + log(1+exp(-|x|))` elementwise, and `e = exp(-|x|)` for the gradient
    `_stable_sigmoid_from(x, e) - t`."""
    e = np.exp(-np.abs(xa))
    loss = np.maximum(xa, 0.0)
    loss -= xa * ta
    loss += np.log1p(e)
    return loss, e


def softmax_xent_arrays(xa, ta, ax):
    """(loss, -log_softmax(x), e, se): `logsumexp(x) - sum(t*x)` along `ax`; `e / se` is softmax(x)."""
    neg_log_softmax = xa - np.max(xa, axis=ax, keepdims=True)  # shifted logits
    e = np.exp(neg_log_softmax)
    se = np.sum(e, axis=ax, keepdims=True)
    np.subtract(np.log(se), neg_log_softmax, out=neg_log_softmax)
    return np.sum(ta * neg_log_softmax, axis=ax), neg_log_softmax, e, se


def sparse_softmax_xent_arrays(flat, labels, rows):
    """(loss, e, se) for logits `flat` (n, classes) and valid integer `labels` (n,): `logsumexp(x) - x[label]`
    per row; `e / se` is softmax(x). `rows` is `np.arange(n)`."""
    shifted = flat - np.max(flat, axis=1, keepdims=True)
    picked = shifted[rows, labels]
    e = np.exp(shifted, out=shifted)
    se = np.sum(e, axis=1, keepdims=True)
    return np.log(se[:, 0]) - picked, e, se


# --------------------------------------------------------------------------- fused logits kernels
@register()
def sigmoid_cross_entropy_with_logits(labels, logits):
    """Elementwise `max(x,0) - x*t + log(1+exp(-|x|))`; one tape node, vjp `sigmoid(x) - t`.

    Args:
        labels: targets, same shape as `logits`.
        logits: pre-sigmoid values.
    """
    xt, xa = tensor_and_array(logits)
    if xa.dtype.kind != "f":
        xa = xa.astype(config.floatx())
        xt = None if xt is None else m.cast(xt, xa.dtype)
    target = _as_target(labels, xa.dtype)
    tt = target if isinstance(target, Tensor) else None
    ta = _array(target)
    _check_same_shape("sigmoid_cross_entropy_with_logits", ta, xa)
    loss, e = sigmoid_xent_arrays(xa, ta)
    out = Tensor(loss)
    if RECORDING and (xt is not None or tt is not None):
        def vjp(g):
            if RECORDING:  # an outer tape records the backward pass: stay differentiable
                xv = xt if xt is not None else xa
                tv = tt if tt is not None else ta
                return (m.multiply(g, m.negative(xv)) if tt is not None else None,
                        m.multiply(g, m.subtract(_sigmoid(xv), tv)) if xt is not None else None)
            ga = _array(g)
            gx = gt = None
            if xt is not None:
                gx = _stable_sigmoid_from(xa, e)
                gx -= ta
                gx *= ga
            if tt is not None:
                gt = -xa * ga
            return gt, gx

        record((tt, xt), out, vjp)
    return out


@register()
def softmax_cross_entropy_with_logits(labels, logits, axis=-1):
    """`logsumexp(x) - sum(t*x)` along `axis`; one tape node, vjp `softmax(x) - t`.

    The vjp is TensorFlow's, which assumes each target sums to 1 (one-hot and smoothed labels
    do). For targets that do not (multi-hot labels, rounded distributions) it is not the exact
    derivative, `softmax(x) * sum(t) - t`, but it is how tf_keras trains on them, so models
    train the same here.
    """
    xt, xa = tensor_and_array(logits)
    if xa.dtype.kind != "f":
        xa = xa.astype(config.floatx())
        xt = None if xt is None else m.cast(xt, xa.dtype)
    target = _as_target(labels, xa.dtype)
    tt = target if isinstance(target, Tensor) else None
    ta = _array(target)
    _check_same_shape("softmax_cross_entropy_with_logits", ta, xa)
    (ax,) = normalize_axis(axis, xa.ndim, "softmax_cross_entropy_with_logits")
    loss, neg_log_softmax, e, se = softmax_xent_arrays(xa, ta, ax)
    out = Tensor(loss)
    if RECORDING and (xt is not None or tt is not None):
        def vjp(g):
            if RECORDING:
                xv = xt if xt is not None else xa
                tv = tt if tt is not None else ta
                ge = m.expand_last(g, ax)
                gx = gt = None
                if xt is not None:
                    gx = m.multiply(ge, m.subtract(_softmax(xv, ax), tv))
                if tt is not None:
                    gt = m.multiply(ge, m.negative(_log_softmax(xv, ax)))
                return gt, gx
            ge = np.expand_dims(_array(g), ax)
            gx = gt = None
            if xt is not None:
                gx = e / se
                gx -= ta
                gx *= ge
            if tt is not None:
                gt = neg_log_softmax * ge
            return gt, gx

        record((tt, xt), out, vjp)
    return out


@register()
def sparse_softmax_cross_entropy_with_logits(labels, logits, axis=-1):
    """`logsumexp(x) - x[label]` along `axis` for integer `labels`; one node, vjp `softmax(x) - onehot`.

    `labels` has the shape of `logits` without the class axis (or any shape with as many elements).
    """
    xt, xa = tensor_and_array(logits)
    if xa.dtype.kind != "f":
        xa = xa.astype(config.floatx())
        xt = None if xt is None else m.cast(xt, xa.dtype)
    if xa.ndim == 0:
        raise ValueError("sparse_categorical_crossentropy: `output` must have a class axis; received a scalar")
    (ax,) = normalize_axis(axis, xa.ndim, "sparse_categorical_crossentropy")
    moved = _moved(xa, ax)
    num_classes = moved.shape[-1]
    out_shape = moved.shape[:-1]
    labels = _labels_array(labels, out_shape, xa.shape, num_classes)
    flat = moved.reshape(-1, num_classes)
    rows = np.arange(flat.shape[0])
    loss, e, se = sparse_softmax_xent_arrays(flat, labels, rows)
    out = Tensor(loss.reshape(out_shape))
    if RECORDING and xt is not None:
        def vjp(g):
            if RECORDING:
                onehot = np.zeros(flat.shape, dtype=xa.dtype)
                onehot[rows, labels] = 1.0
                onehot = np.moveaxis(onehot.reshape(moved.shape), -1, ax)
                return (m.multiply(m.expand_last(g, ax), m.subtract(_softmax(xt, ax), onehot)),)
            grad = e / se
            grad[rows, labels] -= 1.0
            grad *= _array(g).reshape(-1, 1)
            grad = grad.reshape(moved.shape)
            return (grad if ax == xa.ndim - 1 else np.moveaxis(grad, -1, ax),)

        record((xt,), out, vjp)
    return out


def _labels_array(labels, out_shape, output_shape, num_classes):
    _, la = tensor_and_array(labels)
    if la.dtype.kind == "f":
        la = la.astype(np.int64)
    elif la.dtype.kind not in "iub":
        raise TypeError(f"sparse_categorical_crossentropy: `target` must hold integer class indices; "
                        f"received dtype {la.dtype}")
    if la.size != int(np.prod(out_shape, dtype=np.int64)):
        hint = ""
        if la.shape == tuple(output_shape):  # the usual mistake: one-hot rows given to the sparse loss
            hint = (" The targets look one-hot encoded: use categorical_crossentropy for one-hot targets, "
                    "or pass integer class labels (e.g. y.argmax(axis=-1)) to sparse_categorical_crossentropy.")
        raise ValueError(
            f"sparse_categorical_crossentropy: `target` must have the shape of `output` without its class axis; "
            f"received target shape {la.shape} and output shape {tuple(output_shape)}.{hint}")
    la = la.reshape(-1).astype(np.intp, copy=False)
    if la.size and (la.min() < 0 or la.max() >= num_classes):
        bad = la[(la < 0) | (la >= num_classes)][0]
        raise ValueError(f"sparse_categorical_crossentropy: received a label value of {bad} which is outside "
                         f"the valid range of [0, {num_classes})")
    return la


# --------------------------------------------------------------------------- the Keras backend API
@register()
def binary_crossentropy(target, output, from_logits=False):
    """Elementwise binary crossentropy between `target` and `output` (Keras 2 numerics).

    Args:
        target: tensor with the same shape as `output`.
        output: probabilities (or logits if `from_logits=True`). A sigmoid output is computed
            from its hidden logits.
        from_logits: whether `output` holds logits.

    Example:
        >>> import numpy as np
        >>> out = binary_crossentropy(np.array([[0.0], [1.0]]), np.array([[-1.0], [2.0]]), from_logits=True)
        >>> round(float(out.numpy().mean()), 6)
        0.220095
    """
    output, from_logits = _get_logits(output, from_logits, "Sigmoid", "binary_crossentropy")
    if from_logits:
        return sigmoid_cross_entropy_with_logits(target, output)
    ov, oa = _as_output(output, "binary_crossentropy")
    t = _as_target(target, oa.dtype)
    eps = config.epsilon()
    p = m.clip(ov, eps, 1.0 - eps)
    # Keras adds epsilon again inside the logs (on top of the clipping): kept for identical numbers.
    bce = m.multiply(t, m.log(m.add(p, eps)))
    bce = m.add(bce, m.multiply(m.subtract(1.0, t), m.log(m.add(m.subtract(1.0, p), eps))))
    return m.negative(bce)


@register()
def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Categorical crossentropy along `axis` (Keras 2 numerics: renormalise, clip, `-sum(t*log(p))`).

    Args:
        target: one-hot (or soft) targets, same shape as `output`.
        output: probabilities (or logits). A softmax output is computed from its hidden logits.
        from_logits: whether `output` holds logits.
        axis: the class axis.

    Example:
        >>> import numpy as np
        >>> categorical_crossentropy(np.array([[0.0, 0.0, 1.0]]), np.array([[2.0, 1.0, 0.1]]), from_logits=True)[0]
        ... # doctest: +ELLIPSIS
        <kerasish.Tensor shape=() dtype=float32...
    """
    _check_axis_type(axis)
    output, from_logits = _get_logits(output, from_logits, "Softmax", "categorical_crossentropy")
    if from_logits:
        return softmax_cross_entropy_with_logits(target, output, axis=axis)
    ov, oa = _as_output(output, "categorical_crossentropy")
    t = _as_target(target, oa.dtype)
    _check_same_shape("categorical_crossentropy", _array(t), oa)
    (ax,) = normalize_axis(axis, oa.ndim, "categorical_crossentropy")
    eps = config.epsilon()
    p = m.divide(ov, m.sum(ov, axis=ax, keepdims=True))
    p = m.clip(p, eps, 1.0 - eps)
    return m.negative(m.sum(m.multiply(t, m.log(p)), axis=ax))


def _one_loss_per_target(res, oa, target):
    """A single unbatched prediction (1-D output) gives a loss shaped like the target, as tf_keras: (1,) for
    a target of shape (1,), a scalar for a scalar target."""
    return m.reshape(res, np.shape(tensor_and_array(target)[1])) if oa.ndim == 1 else res


@register()
def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1, ignore_class=None):
    """Crossentropy with integer targets (Keras 2 numerics: clip, log, then softmax crossentropy).

    Args:
        target: integer class indices, shaped like `output` without the class axis
            (a trailing axis of size 1 is accepted).
        output: probabilities (or logits). A softmax output is computed from its hidden logits.
        from_logits: whether `output` holds logits.
        axis: the class axis of `output`.
        ignore_class: a label whose entries get zero loss (and a `_keras_mask` marking the rest).

    Example:
        >>> import numpy as np
        >>> p = np.array([[0.2, 0.7, 0.1], [0.5, 0.25, 0.25]], dtype="float32")
        >>> np.round(sparse_categorical_crossentropy(np.array([1, 0]), p).numpy(), 5)
        array([0.35667, 0.69315], dtype=float32)
    """
    output, from_logits = _get_logits(output, from_logits, "Softmax", "sparse_categorical_crossentropy")
    ov, oa = _as_output(output, "sparse_categorical_crossentropy")
    if not from_logits:
        eps = config.epsilon()
        ov = m.log(m.clip(ov, eps, 1.0 - eps))
    if ignore_class is None:
        return _one_loss_per_target(sparse_softmax_cross_entropy_with_logits(target, ov, axis=axis), oa, target)
    _, la = tensor_and_array(target)
    la = la.astype(np.int64) if la.dtype.kind == "f" else la
    valid = la != int(ignore_class)
    res = sparse_softmax_cross_entropy_with_logits(np.where(valid, la, 0), ov, axis=axis)
    res = _one_loss_per_target(res, oa, la)
    valid = valid.reshape(res.shape)
    res = m.multiply(res, valid.astype(res.dtype))
    res._keras_mask = Tensor(valid)
    return res


@register()
def binary_focal_crossentropy(target, output, apply_class_balancing=False, alpha=0.25, gamma=2.0,
                              from_logits=False):
    """Elementwise focal binary crossentropy: `(1 - p_t)**gamma * bce`, optionally class-balanced.

    Example:
        >>> import numpy as np
        >>> out = binary_focal_crossentropy(np.array([1.0, 0.0]), np.array([0.9, 0.2]), gamma=2.0)
        >>> np.round(out.numpy(), 6)
        array([0.001054, 0.008926], dtype=float32)
    """
    sigmoidal = _sigmoid(output) if from_logits else output
    sv, sa = _as_output(sigmoidal, "binary_focal_crossentropy")
    t = _as_target(target, sa.dtype)
    one_minus_t = m.subtract(1.0, t)
    p_t = m.add(m.multiply(t, sv), m.multiply(one_minus_t, m.subtract(1.0, sv)))
    focal_factor = m.power(m.subtract(1.0, p_t), float(gamma))
    bce = binary_crossentropy(t, output, from_logits=from_logits)
    focal_bce = m.multiply(focal_factor, bce)
    if apply_class_balancing:
        weight = m.add(m.multiply(t, float(alpha)), m.multiply(one_minus_t, 1.0 - float(alpha)))
        focal_bce = m.multiply(weight, focal_bce)
    return focal_bce


@register()
def categorical_focal_crossentropy(target, output, alpha=0.25, gamma=2.0, from_logits=False, axis=-1):
    """Focal categorical crossentropy along `axis`: `sum(alpha * (1-p)**gamma * -t*log(p))`.

    Example:
        >>> import numpy as np
        >>> out = categorical_focal_crossentropy(np.array([[0.0, 1.0, 0.0]]), np.array([[0.05, 0.9, 0.05]]))
        >>> np.round(out.numpy(), 6)
        array([0.000263], dtype=float32)
    """
    _check_axis_type(axis)
    output, from_logits = _get_logits(output, from_logits, "Softmax", "categorical_focal_crossentropy")
    ov, oa = _as_output(output, "categorical_focal_crossentropy")
    t = _as_target(target, oa.dtype)
    _check_same_shape("categorical_focal_crossentropy", _array(t), oa)
    (ax,) = normalize_axis(axis, oa.ndim, "categorical_focal_crossentropy")
    if from_logits:
        ov = _softmax(ov, ax)
    eps = config.epsilon()
    p = m.divide(ov, m.sum(ov, axis=ax, keepdims=True))
    p = m.clip(p, eps, 1.0 - eps)
    cce = m.negative(m.multiply(t, m.log(p)))
    weighting = m.multiply(m.power(m.subtract(1.0, p), float(gamma)), float(alpha))
    return m.sum(m.multiply(weighting, cce), axis=ax)


def _check_axis_type(axis):
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise ValueError(f"`axis` must be of type `int`. Received: axis={axis!r} of type {type(axis)}")
