"""Fused normalisation kernels and the embedding lookup: one tape node each, closed-form numpy backward.

- `moments_normalize`: normalise with the mean and the BIASED variance over some axes (optionally
  frequency-weighted, for masks), then scale by gamma and shift by beta. One kernel serves
  BatchNormalization in training (reduce over every axis but the channel axis), LayerNormalization
  (reduce over the feature axes) and GroupNormalization (reduce within each group of a reshaped
  input). It also returns the statistics, for the moving averages.
- `affine_normalize`: normalise with given statistics (BatchNormalization at inference).
- `embedding_lookup`: rows of a table; the table's gradient accumulates repeated ids (never
  `g_table[ids] += g`, which drops duplicates) and builds no one-hot matrix: `_scatter_rows` sorts
  the ids and adds the k-th occurrences of every id in one fancy-indexed round per k (about 5x faster
  than `np.add.at` on 2-D rows, with the same additions in the same order).
- `assign_moving_average` / `assign_fused_moving_average`: the two in-place moving-statistics
  updates of tf_keras BatchNormalization (its plain and its fused kernel round differently, and the
  fused one feeds the moving variance with the unbiased batch variance).

The backward passes are raw numpy (fast first derivatives). While an outer tape records, each vjp
replays the forward computation with primitive ops (`fused.replay_vjp`), so second derivatives
through these kernels stay exact.

Backward formula (per normalised group of n values, s = 1/sqrt(var + eps), d = dL/dxhat):
    dx = s * (d - mean(d) - xhat * mean(d * xhat))
and, with frequency weights w (W = sum w):
    dx = s * (d - (w / W) * sum(d) - (w / W) * xhat * sum(d * xhat))

Example:
    >>> import numpy as np
    >>> from kerasish.backend.ops.norm import moments_normalize, embedding_lookup
    >>> y, mean, var = moments_normalize(np.array([[1.0], [3.0]], "float32"), (0,), epsilon=0.0)
    >>> y.numpy().ravel().tolist(), mean.numpy().ravel().tolist(), var.numpy().ravel().tolist()
    ([-1.0, 1.0], [2.0], [1.0])
    >>> embedding_lookup(np.arange(6.0, dtype="float32").reshape(3, 2), np.array([2, 0])).numpy().tolist()
    [[4.0, 5.0], [0.0, 1.0]]
"""
import numpy as np

from .. import config
from ..tape import NEEDS
from .core import RECORDING, Tensor, normalize_axis, record, register, tensor_and_array
from .fused import replay_vjp
from .recycle import reusable
from . import math as m

__all__ = ["moments_normalize", "affine_normalize", "embedding_lookup", "embedding_scatter",
           "assign_moving_average", "assign_fused_moving_average"]


# --------------------------------------------------------------------------- helpers
def _as_array(g):
    return g.array if isinstance(g, Tensor) else np.asarray(g)


def _float_input(name, x):
    """(tensor-or-None, float array): integer input becomes floatx (and is a constant)."""
    xt, xa = tensor_and_array(x)
    if xa.dtype.kind != "f":
        if xa.dtype.kind not in "iub":
            raise TypeError(f"{name}: expected a float tensor; received dtype {xa.dtype}")
        return None, xa.astype(config.floatx())
    return xt, xa


def _param(name, arg, p, param_shape, x_shape, dtype):
    """(tensor-or-None, array shaped to broadcast against x, original shape) for gamma/beta/mean/var."""
    if p is None:
        return None, None, None
    pt, pa = tensor_and_array(p)
    original = pa.shape
    if param_shape is not None:
        size = int(np.prod(param_shape))
        if pa.size != size:
            raise ValueError(f"{name}: `{arg}` has shape {original} ({pa.size} values); expected {size} values "
                             f"(broadcast shape {tuple(param_shape)} against the input shape {x_shape})")
        pa = pa.reshape(param_shape)
    else:
        try:
            np.broadcast_shapes(pa.shape, x_shape)
        except ValueError:
            raise ValueError(f"{name}: `{arg}` of shape {original} does not broadcast against the input "
                             f"shape {x_shape}") from None
    if pa.dtype != dtype:
        pa = pa.astype(dtype)
    return pt, pa, original


def _sum_leading(a, k):
    """Sum over the first k axes of `a` as one matrix-vector product: faster than `a.sum(axis)` over
    leading axes and more accurate in float32 (BLAS accumulates in blocks, numpy row by row)."""
    rows = int(np.prod(a.shape[:k]))
    flat = a.reshape(rows, -1)
    return (np.ones(rows, dtype=a.dtype) @ flat).reshape(a.shape[k:])


def _reduce_sum(a, red):
    """`a.sum(axis=red, keepdims=True)`, through `_sum_leading` when `red` are the leading axes."""
    if red == tuple(range(len(red))) and a.dtype.kind == "f":
        return _sum_leading(a, len(red)).reshape((1,) * len(red) + a.shape[len(red):])
    return a.sum(axis=red, keepdims=True)


def _sum_to(g, bshape, original):
    """Sum `g` down to the broadcast shape `bshape` of a parameter, then reshape it to `original`."""
    lead = g.ndim - len(bshape)
    axes = tuple(range(lead)) + tuple(i + lead for i, n in enumerate(bshape) if n == 1 and g.shape[i + lead] != 1)
    if not axes:
        return g.reshape(original)
    if axes == tuple(range(len(axes))) and g.dtype.kind == "f":
        return _sum_leading(g, len(axes)).reshape(original)
    return g.sum(axis=axes, keepdims=True).reshape(original)


def _primitive_moments(x_, red, weights, eps):
    """(xhat, mean, var) with engine ops (the second-derivative replay)."""
    if weights is None:
        mean = m.mean(x_, axis=red, keepdims=True)
        xc = m.subtract(x_, mean)
        var = m.mean(m.square(xc), axis=red, keepdims=True)
    else:
        inv_w = 1.0 / np.sum(np.broadcast_to(weights, x_.shape), axis=red, keepdims=True)
        mean = m.multiply(m.sum(m.multiply(x_, weights), axis=red, keepdims=True), inv_w)
        xc = m.subtract(x_, mean)
        var = m.multiply(m.sum(m.multiply(m.square(xc), weights), axis=red, keepdims=True), inv_w)
    return m.multiply(xc, m.rsqrt(m.add(var, eps))), mean, var


def _primitive_affine(y, gamma_, beta_, bshape):
    if gamma_ is not None:
        y = m.multiply(y, m.reshape(gamma_, bshape) if bshape is not None else gamma_)
    if beta_ is not None:
        y = m.add(y, m.reshape(beta_, bshape) if bshape is not None else beta_)
    return y


# --------------------------------------------------------------------------- normalisation with batch moments
@register()
def moments_normalize(x, reduction_axes, gamma=None, beta=None, epsilon=1e-3, param_shape=None, weights=None):
    """`(x - mean) / sqrt(var + epsilon) * gamma + beta` with the moments of x over `reduction_axes`.

    The variance is the biased one (divided by n, as Keras). One tape node for x, gamma and beta.

    Args:
        x: float tensor.
        reduction_axes: int or sequence of ints, the axes the moments are taken over.
        gamma, beta: optional scale and offset (None: 1 and 0).
        epsilon: added to the variance.
        param_shape: shape (of rank x.ndim) that gamma and beta are reshaped to before broadcasting;
            None broadcasts them as they are.
        weights: optional frequency weights (a mask) broadcastable to x: weighted moments, as
            `tf.nn.weighted_moments`.

    Returns:
        (output Tensor, mean Tensor, variance Tensor); mean and variance keep the reduced axes as
        size 1 (shape broadcastable against x) and are constants.

    Example:
        >>> import numpy as np
        >>> y, _, _ = moments_normalize(np.array([[1.0, 3.0]], "float32"), -1, epsilon=0.0)
        >>> y.numpy().tolist()
        [[-1.0, 1.0]]
    """
    name = "moments_normalize"
    xt, xa = _float_input(name, x)
    red = normalize_axis(reduction_axes, xa.ndim, name)
    if not red or len(set(red)) != len(red):
        raise ValueError(f"{name}: invalid reduction axes {reduction_axes!r} for an input of shape {xa.shape}")
    red = tuple(sorted(red))
    dtype = xa.dtype
    gt, ga, g_orig = _param(name, "gamma", gamma, param_shape, xa.shape, dtype)
    bt, ba, b_orig = _param(name, "beta", beta, param_shape, xa.shape, dtype)
    eps = float(epsilon)
    count = int(np.prod([xa.shape[i] for i in red]))
    if count == 0:
        raise ValueError(f"{name}: cannot normalise over empty axes {red} of an input of shape {xa.shape}")

    wa = None
    if weights is None:
        last_only = xa.ndim >= 2 and red == tuple(range(xa.ndim - 1))
        if last_only:  # the BatchNormalization layout: channels last, reduce over the rest
            x2 = xa.reshape(-1, xa.shape[-1])
            mean2 = _sum_leading(x2, 1).reshape(1, -1)
            mean2 *= 1.0 / count
            xc = x2 - mean2
            var2 = _sum_leading(np.square(xc), 1).reshape(1, -1)
            var2 *= 1.0 / count
            mean = mean2.reshape((1,) * (xa.ndim - 1) + (-1,))
            var = var2.reshape(mean.shape)
            xc = xc.reshape(xa.shape)
        else:
            mean = xa.mean(axis=red, keepdims=True)
            xc = xa - mean
            var = np.square(xc).mean(axis=red, keepdims=True)
        inv_w = None
    else:
        _, wa = tensor_and_array(weights)
        wa = np.asarray(wa, dtype=dtype)
        try:
            np.broadcast_shapes(wa.shape, xa.shape)
        except ValueError:
            raise ValueError(f"{name}: weights of shape {wa.shape} do not broadcast against the input shape "
                             f"{xa.shape}") from None
        with np.errstate(divide="ignore", invalid="ignore"):
            inv_w = 1.0 / np.sum(np.broadcast_to(wa, xa.shape), axis=red, keepdims=True)
            mean = np.sum(xa * wa, axis=red, keepdims=True) * inv_w
            xc = xa - mean
            var = np.sum(np.square(xc) * wa, axis=red, keepdims=True) * inv_w
    var = var.astype(dtype, copy=False)
    mean = mean.astype(dtype, copy=False)
    inv = 1.0 / np.sqrt(var + eps)
    xhat = xc
    xhat *= inv
    if ga is not None:
        y = xhat * ga
        if ba is not None:
            y += ba
    elif ba is not None:
        y = xhat + ba
    else:
        y = xhat.copy()
    out = Tensor(y)

    if RECORDING and (xt is not None or gt is not None or bt is not None):
        # gamma broadcast along exactly the reduced axes (BatchNormalization): the sums needed by dx
        # are gamma * dgamma and gamma * dbeta, already computed for the parameter gradients
        per_kept = ga is not None and ga.ndim == xa.ndim and all(
            (ga.shape[i] == 1) == (i in red) for i in range(xa.ndim)) and wa is None

        def vjp(g):
            if RECORDING:  # an outer tape differentiates the backward pass: replay with primitive ops
                def forward(x_, gamma_, beta_):
                    xhat_, _, _ = _primitive_moments(x_, red, wa, eps)
                    return _primitive_affine(xhat_, gamma_, beta_, param_shape)

                return replay_vjp(forward, (xt if xt is not None else Tensor(xa), gt, bt), g)
            need_x, need_g, need_b = NEEDS if len(NEEDS) == 3 else (True, True, True)
            gy = _as_array(g)
            if gy.dtype != dtype:
                gy = gy.astype(dtype)
            dbeta_b = _sum_to(gy, ba.shape, ba.shape) if ba is not None and (need_b or per_kept) else None
            gxh = gy * xhat if (need_g and ga is not None) or (need_x and per_kept) else None
            dgamma_b = _sum_to(gxh, ga.shape, ga.shape) if ga is not None and (need_g or per_kept) else None
            gx = None
            if xt is not None and need_x and per_kept and ga is not None and dgamma_b is not None:
                # gamma * inv * (gy - mean(gy) - xhat * mean(gy * xhat)) over the reduced axes, written into
                # gxh's buffer (its sum is taken): one fresh array and four passes instead of four and six
                gx = np.multiply(xhat, dgamma_b * (1.0 / count), out=gxh)
                np.subtract(gy, gx, out=gx)
                gx -= dbeta_b * (1.0 / count) if dbeta_b is not None else _reduce_sum(gy, red) * (1.0 / count)
                gx *= ga * inv
            elif xt is not None and need_x:
                d = gy * ga if ga is not None else gy
                if per_kept:
                    sum_d = ga * (dbeta_b if dbeta_b is not None else _reduce_sum(gy, red))
                    sum_dx = ga * dgamma_b
                else:
                    sum_d = _reduce_sum(d, red)
                    sum_dx = _reduce_sum(d * xhat, red)
                if wa is None:
                    gx = d - sum_d * (1.0 / count)
                    gx -= xhat * (sum_dx * (1.0 / count))
                else:
                    wn = wa * inv_w
                    gx = d - wn * sum_d
                    gx -= wn * xhat * sum_dx
                gx *= inv
            dgamma = dgamma_b.reshape(g_orig) if (dgamma_b is not None and need_g and gt is not None) else None
            dbeta = dbeta_b.reshape(b_orig) if (dbeta_b is not None and need_b and bt is not None) else None
            return gx, dgamma, dbeta

        record((xt, gt, bt), out, vjp)
    return out, Tensor(mean), Tensor(var)


# --------------------------------------------------------------------------- normalisation with given moments
@register()
def affine_normalize(x, mean, variance, gamma=None, beta=None, epsilon=1e-3, param_shape=None, centered=False):
    """Normalise x with given statistics: `(x - mean) / sqrt(variance + epsilon) * gamma + beta`.

    With `centered=False` the arithmetic follows `tf.nn.batch_normalization`
    (`a = gamma * rsqrt(var + eps)`, `x * a + (beta - mean * a)`); with `centered=True` it follows
    TensorFlow's fused kernel (`(x - mean) * a + beta`). Both are the same function; they round
    differently, and tf_keras uses one or the other depending on the input's rank.

    One tape node; differentiable in x, mean, variance, gamma and beta.

    Example:
        >>> import numpy as np
        >>> affine_normalize(np.array([[2.0]], "float32"), np.array([1.0], "float32"),
        ...                  np.array([4.0], "float32"), epsilon=0.0).numpy()
        array([[0.5]], dtype=float32)
    """
    name = "affine_normalize"
    xt, xa = _float_input(name, x)
    dtype = xa.dtype
    mt, ma, m_orig = _param(name, "mean", mean, param_shape, xa.shape, dtype)
    vt, va, v_orig = _param(name, "variance", variance, param_shape, xa.shape, dtype)
    gt, ga, g_orig = _param(name, "gamma", gamma, param_shape, xa.shape, dtype)
    bt, ba, b_orig = _param(name, "beta", beta, param_shape, xa.shape, dtype)
    eps = float(epsilon)
    rs = 1.0 / np.sqrt(va + eps)
    a = rs * ga if ga is not None else rs
    if centered:
        y = xa - ma
        y *= a
        if ba is not None:
            y += ba
    else:
        shift = (ba - ma * a) if ba is not None else -(ma * a)
        y = xa * a
        y += shift
    out = Tensor(y)

    if RECORDING and any(t is not None for t in (xt, mt, vt, gt, bt)):
        def vjp(g):
            if RECORDING:
                def forward(x_, mean_, var_, gamma_, beta_):
                    def shaped(p):
                        return m.reshape(p, param_shape) if param_shape is not None else p

                    y_ = m.multiply(m.subtract(x_, shaped(mean_)), m.rsqrt(m.add(shaped(var_), eps)))
                    return _primitive_affine(y_, gamma_, beta_, param_shape)

                inputs = (xt if xt is not None else Tensor(xa), mt if mt is not None else Tensor(ma.reshape(m_orig)),
                          vt if vt is not None else Tensor(va.reshape(v_orig)), gt, bt)
                grads = replay_vjp(forward, inputs, g)
                return (grads[0] if xt is not None else None, grads[1] if mt is not None else None,
                        grads[2] if vt is not None else None, grads[3], grads[4])
            needs = list(NEEDS) if len(NEEDS) == 5 else [True] * 5
            gy = _as_array(g)
            if gy.dtype != dtype:
                gy = gy.astype(dtype)
            gx = gy * a if (xt is not None and needs[0]) else None
            gm = gv = gg = gb = None
            if bt is not None and needs[4]:
                gb = _sum_to(gy, ba.shape, b_orig)
            if (gt is not None and needs[3]) or (vt is not None and needs[2]):
                xc_g = _sum_to(gy * (xa - ma), ma.shape, ma.shape)
                if gt is not None and needs[3]:
                    gg = (xc_g * rs).reshape(g_orig)
                if vt is not None and needs[2]:
                    scale = ga if ga is not None else 1.0
                    gv = (xc_g * scale * (-0.5) * rs * rs * rs).reshape(v_orig)
            if mt is not None and needs[1]:
                gm = (-_sum_to(gy, ma.shape, ma.shape) * a).reshape(m_orig)
            return gx, gm, gv, gg, gb

        record((xt, mt, vt, gt, bt), out, vjp)
    return out


# --------------------------------------------------------------------------- moving statistics
def _value_for(variable, value):
    va = _as_array(value)
    if va.size != variable.array.size:
        raise ValueError(f"moving average of '{variable.name}': the new value has {va.size} values, the variable "
                         f"{variable.array.size} (shape {variable.array.shape})")
    return va.reshape(variable.array.shape)


def assign_moving_average(variable, value, momentum):
    """`variable -= (variable - value) * (1 - momentum)`, in place (tf_keras's plain BatchNormalization update).

    Example:
        >>> import numpy as np
        >>> from kerasish.backend.tensor import Variable
        >>> v = Variable(np.zeros(1, "float32"))
        >>> assign_moving_average(v, np.array([3.0], "float32"), 0.99).numpy()
        array([0.03], dtype=float32)
    """
    arr = variable.array
    delta = arr - _value_for(variable, value)
    delta *= 1.0 - float(momentum)
    arr -= delta
    return variable


def assign_fused_moving_average(variable, value, momentum, correction=1.0):
    """`variable = (1 - f) * variable + (f * correction) * value` with `f = 1 - momentum`, in place.

    This is TensorFlow's fused batch-norm update, computed with the coefficients rounded to the
    variable's dtype as that kernel does. `correction` is n / (n - 1) for the moving variance: the fused
    kernel feeds it the unbiased batch variance.

    Example:
        >>> import numpy as np
        >>> from kerasish.backend.tensor import Variable
        >>> v = Variable(np.ones(1, "float32"))
        >>> assign_fused_moving_average(v, np.array([3.0], "float32"), 0.99, correction=2.0).numpy()
        array([1.05], dtype=float32)
    """
    arr = variable.array
    dt = arr.dtype.type
    factor = dt(1.0 - float(momentum))  # the kernel's float attribute, in the variable's precision
    keep = dt(1.0) - factor
    update = _value_for(variable, value) * dt(correction) if correction != 1.0 else _value_for(variable, value)
    arr *= keep
    arr += update * factor  # old * (1 - f) + (value * correction) * f, in the kernel's order
    return variable


# --------------------------------------------------------------------------- embedding lookup
_SCATTER_ROUNDS = 8  # occurrences beyond the 8th of one id go through np.add.at (heavy repeats, e.g. padding)


def _scatter_rows(ids, rows, shape):
    """Zeros of `shape` with `rows[k]` added into row `ids[k]` for every k; repeated ids accumulate.

    Adds exactly what `np.add.at(zeros, ids, rows)` adds, in the same order (so bit-identical results),
    but about 5x faster on 2-D rows: a stable sort groups the occurrences of each id; the first
    occurrences are assigned with one fancy-indexed write, the k-th occurrences (unique ids within
    a round) added with one `+=` per k. Beyond `_SCATTER_ROUNDS` rounds the rest goes through the
    flat 1-D `np.add.at` (numpy's indexed fast path).

    Args:
        ids: integer array (any shape), every value in [0, shape[0]).
        rows: array of shape `ids.shape + shape[1:]`.
        shape: the output shape.
    """
    n = ids.size
    grad = reusable("embedding_grad", shape, rows.dtype)  # recycled: a fresh one costs page faults
    grad.fill(0)
    if n == 0:
        return grad
    flat_ids = ids.reshape(n)
    g2 = grad.reshape(shape[0], -1)
    r2 = rows.reshape(n, g2.shape[1])
    # a stable radix sort when the ids fit in 16 bits (numpy sorts those in linear time)
    key = flat_ids.astype(np.uint16) if shape[0] <= 65536 else flat_ids
    order = np.argsort(key, kind="stable")
    sorted_ids = flat_ids[order]
    head = np.empty(n, bool)  # first occurrence of its id in sorted order
    head[0] = True
    np.not_equal(sorted_ids[1:], sorted_ids[:-1], out=head[1:])
    starts = np.flatnonzero(head)
    g2[sorted_ids[starts]] = r2[order[starts]]
    if starts.size == n:
        return grad
    pos = np.arange(n)
    rank = np.where(head, pos, 0)  # position of the run's start ...
    np.maximum.accumulate(rank, out=rank)
    np.subtract(pos, rank, out=rank)  # ... so rank = occurrence number of the id, from 0
    top = int(rank.max())
    for r in range(1, min(top, _SCATTER_ROUNDS) + 1):
        sel = order[rank == r]  # ids unique within a round, so a fancy += adds every row
        g2[flat_ids[sel]] += r2[sel]
    if top > _SCATTER_ROUNDS:
        sel = order[rank > _SCATTER_ROUNDS]  # still sorted by (id, occurrence): same order of additions
        d = g2.shape[1]
        flat = (flat_ids[sel].astype(np.intp)[:, None] * d + np.arange(d)).reshape(-1)
        np.add.at(g2.reshape(-1), flat, r2[sel].reshape(-1))
    return grad


def _ids_array(ids, name):
    """Integer ids as an int array: floats are truncated toward zero (as tf.cast), bools refused."""
    if hasattr(ids, "_keras_history"):
        tensor_and_array(ids)  # raises the clear symbolic-tensor error
    ia = np.asarray(ids.array if isinstance(ids, Tensor) else ids)
    if ia.dtype.kind == "f":
        ia = ia.astype(np.int32)
    elif ia.dtype.kind not in "iu":
        raise TypeError(f"{name}: expected integer indices; received dtype {ia.dtype}")
    return ia


@register()
def embedding_lookup(table, ids, name=None):
    """`table[ids]`: one row of `table` per id, as one tape node.

    The gradient with respect to the table adds the output gradient of every occurrence of an id
    into that id's row (repeated ids accumulate), without a dense one-hot matrix.

    Args:
        table: (input_dim, ...) tensor.
        ids: integer array-like of any shape; float ids are truncated toward zero.
        name: who is asking (for error messages), e.g. 'Embedding layer "embedding"'.

    Raises:
        ValueError: an id is negative or >= input_dim (the message gives the id, where it is and input_dim).

    Example:
        >>> import numpy as np
        >>> embedding_lookup(np.eye(3, dtype="float32"), np.array([[1, 1]])).shape
        (1, 2, 3)
    """
    who = name or "embedding_lookup"
    tt, ta = tensor_and_array(table)
    if ta.ndim < 1:
        raise ValueError(f"{who}: the table must have at least one axis; received a scalar")
    ia = _ids_array(ids, who)
    n = ta.shape[0]
    if ia.size:
        lo, hi = ia.min(), ia.max()
        if lo < 0 or hi >= n:
            bad_value = int(hi) if hi >= n else int(lo)
            where = tuple(int(i) for i in np.argwhere(ia == bad_value)[0])
            raise ValueError(f"{who}: index {bad_value} at position {where} of the input is out of range; "
                             f"expected 0 <= index < input_dim = {n}")
    # ids are checked above, so mode="clip" changes nothing (and, unlike "raise", does not buffer `out`)
    out = Tensor(np.take(ta, ia, axis=0, out=reusable("embedding_lookup", ia.shape + ta.shape[1:], ta.dtype),
                         mode="clip"))
    if RECORDING and tt is not None:
        shape = ta.shape

        def vjp(g):
            if RECORDING:
                return (embedding_scatter(g, ia, shape),)
            return (_scatter_rows(ia, _as_array(g), shape),)

        record((tt,), out, vjp)
    return out


@register()
def embedding_scatter(updates, ids, shape):
    """Zeros of `shape` with the rows of `updates` added at `ids` (repeated ids accumulate).

    The transpose of `embedding_lookup` (its gradient); its own gradient is `embedding_lookup`.

    Example:
        >>> import numpy as np
        >>> embedding_scatter(np.ones((3, 2), "float32"), np.array([0, 2, 0]), (3, 2)).numpy().tolist()
        [[2.0, 2.0], [0.0, 0.0], [1.0, 1.0]]
    """
    ut, ua = tensor_and_array(updates)
    ia = _ids_array(ids, "embedding_scatter")
    shape = tuple(int(d) for d in shape)
    if ua.shape != ia.shape + shape[1:]:
        raise ValueError(f"embedding_scatter: updates of shape {ua.shape} do not match ids of shape {ia.shape} "
                         f"and rows of shape {shape[1:]}; expected {ia.shape + shape[1:]}")
    if ia.size and (ia.min() < 0 or ia.max() >= shape[0]):
        raise ValueError(f"embedding_scatter: ids must lie in [0, {shape[0]}); received ids from {int(ia.min())} "
                         f"to {int(ia.max())}")
    out = Tensor(_scatter_rows(ia, ua, shape))
    if RECORDING and ut is not None:
        record((ut,), out, lambda gg: (embedding_lookup(gg, ia),))
    return out
