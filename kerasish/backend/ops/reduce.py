"""Reductions and scans beyond sum/mean/max/min: prod, var, std, logsumexp, norm, cumsum, cumprod,
argmax/argmin and any/all.

Every differentiable vjp here is written with engine ops, so nested tapes give second derivatives.

Example:
    >>> import numpy as np
    >>> from kerasish.backend.ops import reduce as r
    >>> r.prod(np.array([[1.0, 2.0], [3.0, 4.0]], "float32"), axis=1).numpy()
    array([ 2., 12.], dtype=float32)
"""
import builtins

import numpy as np

from .. import config
from .core import RECORDING, Tensor, normalize_axis, record, register, tensor_and_array
from . import math as m
from .math import _expand_back, same_int_dtype
from . import shape as s


def _float_input(name, xa):
    if xa.dtype.kind in "iub":
        return xa.astype(config.floatx())
    if xa.dtype.kind not in "f":
        raise TypeError(f"{name}: expected a numeric tensor; received dtype {xa.dtype}")
    return xa


def _single_axis(axis, ndim, name):
    if isinstance(axis, (list, tuple)) or axis is None:
        raise TypeError(f"{name}: `axis` must be a single integer; received {axis!r}")
    return normalize_axis(axis, ndim, name)[0]


# --------------------------------------------------------------------------- prod
@register("reduce_prod")
def prod(x, axis=None, keepdims=False):
    """Product of elements over `axis` (None: all).

    The gradient is the product of all other elements (exact even where x has zeros).

    Args:
        x: tensor or array-like.
        axis: int, tuple of ints or None.
        keepdims: keep reduced axes with length 1.

    Example:
        >>> float(prod(np.array([1.0, 2.0, 3.0], "float32")))
        6.0
    """
    xt, xa = tensor_and_array(x)
    axes = normalize_axis(axis, xa.ndim, "prod")
    out = Tensor(np.asarray(np.prod(xa, axis=axes, keepdims=keepdims, dtype=same_int_dtype(xa))))
    if RECORDING and xt is not None and xa.dtype.kind == "f":
        shape = xa.shape
        record((xt,), out, lambda g: (m.multiply(_expand_back(g, shape, axes, keepdims),
                                                 _prod_of_others(xt, axes)),))
    return out


def _prod_of_others(x, axes):
    """For every element, the product of the other elements in its reduction group (no division)."""
    ndim = x.ndim
    red = tuple(range(ndim)) if axes is None else tuple(sorted(axes))
    keep = tuple(i for i in range(ndim) if i not in red)
    perm = keep + red
    xp = s.transpose(x, perm) if perm != tuple(range(ndim)) else x
    lead = tuple(x.shape[i] for i in keep)
    n = int(np.prod([x.shape[i] for i in red], dtype=np.int64))
    flat = m.reshape(xp, lead + (n,))
    if n == 0:
        return m.reshape(flat, x.shape)
    ones = np.ones(lead + (1,), dtype=x.dtype)
    left = cumprod(s.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    right = s.reverse(cumprod(s.reverse(s.concatenate([flat[..., 1:], ones], axis=-1), -1), axis=-1), -1)
    others = m.reshape(m.multiply(left, right), xp.shape)
    if perm != tuple(range(ndim)):
        others = s.transpose(others, tuple(np.argsort(perm)))
    return others


# --------------------------------------------------------------------------- var / std
@register("reduce_variance", "variance")
def var(x, axis=None, keepdims=False):
    """Biased variance (divides by N, as Keras) over `axis` (None: all).

    Args:
        x: tensor or array-like.
        axis: int, tuple of ints or None.
        keepdims: keep reduced axes with length 1.

    Example:
        >>> float(var(np.array([1.0, 2.0, 3.0, 4.0], "float32")))
        1.25
    """
    xt, xa = tensor_and_array(x)
    axes = normalize_axis(axis, xa.ndim, "var")
    if xa.dtype.kind != "f":
        xa, xt = _float_input("var", xa), None
    mean = np.mean(xa, axis=axes, keepdims=True)
    centered = xa - mean
    out = Tensor(np.asarray(np.mean(np.square(centered), axis=axes, keepdims=keepdims)))
    if RECORDING and xt is not None:
        shape = xa.shape
        count = xa.size // builtins.max(out.array.size, 1) if xa.size else 1

        def vjp(g):
            centered_t = m.subtract(xt, m.mean(xt, axis=axes, keepdims=True))
            return (m.multiply(_expand_back(g, shape, axes, keepdims), m.multiply(centered_t, 2.0 / count)),)

        record((xt,), out, vjp)
    return out


@register("reduce_std")
def std(x, axis=None, keepdims=False):
    """Biased standard deviation over `axis` (None: all).

    Args:
        x: tensor or array-like.
        axis: int, tuple of ints or None.
        keepdims: keep reduced axes with length 1.

    Example:
        >>> float(std(np.array([1.0, 3.0], "float32")))
        1.0
    """
    return m.sqrt(var(x, axis=axis, keepdims=keepdims))


# --------------------------------------------------------------------------- logsumexp
@register("reduce_logsumexp")
def logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x))) over `axis`, computed stably (the maximum is subtracted first).

    Args:
        x: tensor or array-like.
        axis: int, tuple of ints or None.
        keepdims: keep reduced axes with length 1.

    Example:
        >>> float(logsumexp(np.array([0.0, 0.0], "float32")))  # log(2)
        0.6931471824645996
    """
    xt, xa = tensor_and_array(x)
    axes = normalize_axis(axis, xa.ndim, "logsumexp")
    xa = _float_input("logsumexp", xa)
    mx = np.max(xa, axis=axes, keepdims=True, initial=-np.inf)  # over an empty axis: -inf, as TensorFlow
    mx = np.where(np.isfinite(mx), mx, 0).astype(xa.dtype, copy=False)
    with np.errstate(divide="ignore"):
        s = np.log(np.sum(np.exp(xa - mx), axis=axes, keepdims=True)) + mx
    out = Tensor(np.asarray(s if keepdims else np.reshape(s, _reduced_shape(xa.shape, axes))))
    if RECORDING and xt is not None:
        shape = xa.shape
        record((xt,), out, lambda g: (m.multiply(_expand_back(g, shape, axes, keepdims),
                                                 m.exp(m.subtract(xt, _expand_back(out, shape, axes, keepdims)))),))
    return out


def _reduced_shape(shape, axes):
    return tuple(n for i, n in enumerate(shape) if axes is not None and i not in axes)


# --------------------------------------------------------------------------- norms
@register()
def norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002  (numpy's name)
    """Vector norm over `axis` (or the Frobenius norm), differentiable.

    Args:
        x: tensor or array-like.
        ord: None or 2 (Euclidean), 1, any positive p, np.inf, -np.inf, 0 (count of non-zeros), or
            'fro' (Frobenius, the default for a 2-axis `axis`).
        axis: None (all elements, flattened), an int, or a pair of ints for 'fro'.
        keepdims: keep reduced axes with length 1.

    Example:
        >>> float(norm(np.array([3.0, 4.0], "float32")))
        5.0
    """
    xt, xa = tensor_and_array(x)
    axes = normalize_axis(axis, xa.ndim, "norm")
    xv = xt if xt is not None else Tensor(_float_input("norm", xa))
    if axes is not None and len(axes) == 2 and ord not in (None, "fro"):
        raise ValueError(f"norm: matrix norm ord={ord!r} is not supported; use ord=None or 'fro'")
    if ord == "fro" and axes is not None and len(axes) != 2:
        raise ValueError(f"norm: ord='fro' needs a pair of axes; received axis={axis!r}")
    if ord in (None, 2, 2.0, "fro"):
        return m.sqrt(m.sum(m.square(xv), axis=axes, keepdims=keepdims))
    if ord in (1, 1.0):
        return m.sum(m.abs(xv), axis=axes, keepdims=keepdims)
    if ord == np.inf:
        return m.max(m.abs(xv), axis=axes, keepdims=keepdims)
    if ord == -np.inf:
        return m.min(m.abs(xv), axis=axes, keepdims=keepdims)
    if ord == 0:
        return m.sum(m.cast(m.not_equal(xv, 0), xv.dtype), axis=axes, keepdims=keepdims)
    if isinstance(ord, (int, float)) and not isinstance(ord, bool) and ord > 0:
        p = float(ord)
        return m.power(m.sum(m.power(m.abs(xv), p), axis=axes, keepdims=keepdims), 1.0 / p)
    raise ValueError(f"norm: unsupported ord {ord!r}; expected None, 'fro', 0, a positive number or +-inf")


# --------------------------------------------------------------------------- scans
@register()
def cumsum(x, axis=0, reverse=False):
    """Cumulative sum along `axis` (Keras default axis=0).

    Args:
        x: tensor or array-like.
        axis: the axis to accumulate along.
        reverse: accumulate from the end.

    Example:
        >>> cumsum(np.array([1.0, 2.0, 3.0], "float32")).numpy()
        array([1., 3., 6.], dtype=float32)
    """
    xt, xa = tensor_and_array(x)
    ax = _single_axis(axis, builtins.max(xa.ndim, 1), "cumsum")
    if xa.ndim == 0:
        xa = xa.reshape(1)
    if reverse:
        out = Tensor(np.flip(np.cumsum(np.flip(xa, ax), axis=ax, dtype=same_int_dtype(xa)), ax))
    else:
        out = Tensor(np.cumsum(xa, axis=ax, dtype=same_int_dtype(xa)))
    if RECORDING and xt is not None:
        shape = xt.shape
        record((xt,), out, lambda g: (m.reshape(cumsum(g, axis=ax, reverse=not reverse), shape),))
    return out


@register()
def cumprod(x, axis=0, reverse=False):
    """Cumulative product along `axis` (Keras default axis=0); the gradient is exact with zeros too.

    Args:
        x: tensor or array-like.
        axis: the axis to accumulate along.
        reverse: accumulate from the end.

    Example:
        >>> cumprod(np.array([1.0, 2.0, 3.0], "float32")).numpy()
        array([1., 2., 6.], dtype=float32)
    """
    xt, xa = tensor_and_array(x)
    ax = _single_axis(axis, builtins.max(xa.ndim, 1), "cumprod")
    if xa.ndim == 0:
        xa = xa.reshape(1)
    if reverse:
        out = Tensor(np.flip(np.cumprod(np.flip(xa, ax), axis=ax, dtype=same_int_dtype(xa)), ax))
    else:
        out = Tensor(np.cumprod(xa, axis=ax, dtype=same_int_dtype(xa)))
    if RECORDING and xt is not None and xa.dtype.kind == "f":
        shape = xt.shape
        record((xt,), out, lambda g: (m.reshape(_cumprod_grad(xt, out, g, ax, reverse), shape),))
    return out


def _cumprod_grad(x, out, g, ax, reverse):
    if reverse:
        x, out, g = s.reverse(x, ax), s.reverse(out, ax), s.reverse(g, ax)
    if not np.any(x.array == 0):
        # d out_j / d x_i = out_j / x_i for j >= i: a reversed cumsum, then one division
        gx = m.divide(cumsum(m.multiply(g, out), axis=ax, reverse=True), x)
    else:
        gx = _cumprod_grad_with_zeros(x, g, ax)
    return s.reverse(gx, ax) if reverse else gx


def _cumprod_grad_with_zeros(x, g, ax):
    """Division-free gradient: grad_i = prod_{k<i} x_k * r_i with r_i = g_i + x_{i+1} r_{i+1}."""
    xs = s.unstack(x, axis=ax)
    gs = s.unstack(g, axis=ax)
    n = len(xs)
    r = [None] * n
    r[n - 1] = gs[n - 1]
    for i in range(n - 2, -1, -1):
        r[i] = m.add(gs[i], m.multiply(xs[i + 1], r[i + 1]))
    before = cumprod(s.concatenate(_shift_right_ones(x, ax), axis=ax), axis=ax)  # exclusive cumprod
    return m.multiply(before, s.stack(r, axis=ax))


def _shift_right_ones(x, ax):
    """[1, x_0, ..., x_{n-2}] along `ax` (as a list of pieces for concatenate)."""
    n = x.shape[ax]
    ones_shape = list(x.shape)
    ones_shape[ax] = 1
    head = [slice(None)] * x.ndim
    head[ax] = slice(0, n - 1)
    return [np.ones(ones_shape, dtype=x.dtype), m.getitem(x, tuple(head))]


# --------------------------------------------------------------------------- index reductions
@register()
def argmax(x, axis=-1):
    """Index of the largest value along `axis` (Keras default -1); int64, not differentiable.

    Example:
        >>> argmax(np.array([[1, 3, 2]])).numpy()
        array([1])
    """
    _, xa = tensor_and_array(x)
    ax = None if axis is None else _single_axis(axis, xa.ndim, "argmax")
    if xa.size == 0:
        raise ValueError(f"argmax: cannot reduce an empty tensor of shape {xa.shape}")
    return Tensor(np.asarray(np.argmax(xa, axis=ax)))


@register()
def argmin(x, axis=-1):
    """Index of the smallest value along `axis` (Keras default -1); int64, not differentiable.

    Example:
        >>> argmin(np.array([[1, 3, 0]])).numpy()
        array([2])
    """
    _, xa = tensor_and_array(x)
    ax = None if axis is None else _single_axis(axis, xa.ndim, "argmin")
    if xa.size == 0:
        raise ValueError(f"argmin: cannot reduce an empty tensor of shape {xa.shape}")
    return Tensor(np.asarray(np.argmin(xa, axis=ax)))


@register("reduce_any")
def any(x, axis=None, keepdims=False):  # noqa: A001
    """Logical OR over `axis` (None: all); a boolean tensor.

    Example:
        >>> any(np.array([[0.0, 1.0], [0.0, 0.0]]), axis=1).numpy()
        array([ True, False])
    """
    _, xa = tensor_and_array(x)
    axes = normalize_axis(axis, xa.ndim, "any")
    return Tensor(np.asarray(np.any(xa, axis=axes, keepdims=keepdims)))


@register("reduce_all")
def all(x, axis=None, keepdims=False):  # noqa: A001
    """Logical AND over `axis` (None: all); a boolean tensor.

    Example:
        >>> all(np.array([[1.0, 1.0], [0.0, 1.0]]), axis=1).numpy()
        array([ True, False])
    """
    _, xa = tensor_and_array(x)
    axes = normalize_axis(axis, xa.ndim, "all")
    return Tensor(np.asarray(np.all(xa, axis=axes, keepdims=keepdims)))
