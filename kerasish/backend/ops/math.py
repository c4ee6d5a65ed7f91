"""Elementwise arithmetic, comparisons, casts and indexing: the ops behind Tensor's operators.

Every vjp here is written with engine ops, so second derivatives work through them.

Example:
    >>> import numpy as np
    >>> from kerasish.backend.ops import math as m
    >>> m.add(np.ones(2, "float32"), 1.5).numpy()
    array([2.5, 2.5], dtype=float32)
"""
import builtins

import numpy as np

from .. import config
from .core import RECORDING, Tensor, operands, record, register, tensor_and_array, normalize_axis
from ..tensor import TENSOR_OPS


def _binary_shapes(name, xa, ya):
    try:
        return np.broadcast_shapes(np.shape(xa), np.shape(ya))
    except ValueError:
        raise ValueError(
            f"{name}: operands could not be broadcast together: shapes {np.shape(xa)} and {np.shape(ya)}") from None


def _check_broadcast(name, xa, ya):
    if np.shape(xa) != np.shape(ya):
        _binary_shapes(name, xa, ya)


# --------------------------------------------------------------------------- arithmetic
@register()
def add(x, y):
    """x + y with broadcasting."""
    xt, xa, yt, ya = operands(x, y)
    try:
        out = Tensor(np.asarray(xa + ya))
    except ValueError:
        _binary_shapes("add", xa, ya)
        raise
    if RECORDING:  # shapes are read in the vjp: the forward pass stays lean
        record((xt, yt), out, lambda g: (unbroadcast(g, np.shape(xa)), unbroadcast(g, np.shape(ya))))
    return out


@register("sub")
def subtract(x, y):
    """x - y with broadcasting."""
    xt, xa, yt, ya = operands(x, y)
    try:
        out = Tensor(np.asarray(xa - ya))
    except ValueError:
        _binary_shapes("subtract", xa, ya)
        raise
    if RECORDING:
        record((xt, yt), out, lambda g: (unbroadcast(g, np.shape(xa)), unbroadcast(negative(g), np.shape(ya))))
    return out


@register("mul")
def multiply(x, y):
    """x * y with broadcasting."""
    xt, xa, yt, ya = operands(x, y)
    try:
        out = Tensor(np.asarray(xa * ya))
    except ValueError:
        _binary_shapes("multiply", xa, ya)
        raise
    if RECORDING:
        xv = xt if xt is not None else xa
        yv = yt if yt is not None else ya
        record((xt, yt), out, lambda g: (
            unbroadcast(multiply(g, yv), np.shape(xa)) if xt is not None else None,
            unbroadcast(multiply(g, xv), np.shape(ya)) if yt is not None else None))
    return out


@register("truediv", "div")
def divide(x, y):
    """x / y with broadcasting (integer inputs give floats, as in numpy)."""
    xt, xa, yt, ya = operands(x, y)
    try:
        if type(ya) is float and ya != 0.0:  # the common case (a scale): no warning to silence
            out = Tensor(np.asarray(xa / ya))
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                out = Tensor(np.asarray(xa / ya))
    except ValueError:
        _binary_shapes("divide", xa, ya)
        raise
    if RECORDING:
        xs, ys = np.shape(xa), np.shape(ya)
        xv = xt if xt is not None else xa
        yv = yt if yt is not None else ya
        record((xt, yt), out, lambda g: (
            unbroadcast(divide(g, yv), xs) if xt is not None else None,
            unbroadcast(negative(divide(multiply(g, xv), multiply(yv, yv))), ys) if yt is not None else None))
    return out


@register()
def floor_divide(x, y):
    """x // y (not differentiable: zero gradient)."""
    _, xa, _, ya = operands(x, y)
    with np.errstate(divide="ignore", invalid="ignore"):
        return Tensor(np.asarray(xa // ya))


@register()
def mod(x, y):
    """x % y; gradient 1 for x, -floor(x / y) for y."""
    xt, xa, yt, ya = operands(x, y)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = Tensor(np.asarray(np.mod(xa, ya)))
        if RECORDING:
            xs, ys = np.shape(xa), np.shape(ya)
            q = np.floor_divide(xa, ya)
            record((xt, yt), out, lambda g: (unbroadcast(g, xs), unbroadcast(multiply(g, -q), ys)))
    return out


@register("pow")
def power(x, y):
    """x ** y with broadcasting."""
    xt, xa, yt, ya = operands(x, y)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = Tensor(np.asarray(np.power(xa, ya)))
    if RECORDING:
        xs, ys = np.shape(xa), np.shape(ya)
        xv = xt if xt is not None else xa
        yv = yt if yt is not None else ya

        # a Python exponent stays a Python number (weakly typed): an int32 array of y - 1 would make the
        # float32 gradient float64
        y_minus_1 = ya - 1 if yt is None and not isinstance(ya, np.ndarray) else subtract(yv, 1)

        def vjp(g):
            gx = gy = None
            if xt is not None:
                gx = unbroadcast(multiply(g, multiply(yv, power(xv, y_minus_1))), xs)
            if yt is not None:
                safe_log = log(where(greater(xv, 0), xv, 1))
                gy = unbroadcast(multiply(g, multiply(out, safe_log)), ys)
            return gx, gy

        record((xt, yt), out, vjp)
    return out


@register("neg")
def negative(x):
    """-x."""
    xt, xa = tensor_and_array(x)
    out = Tensor(np.negative(xa))
    if RECORDING:
        record((xt,), out, lambda g: (negative(g),))
    return out


@register("absolute")
def abs(x):  # noqa: A001  (Keras name)
    """|x|; gradient sign(x)."""
    xt, xa = tensor_and_array(x)
    out = Tensor(np.abs(xa))
    if RECORDING:
        s = np.sign(xa)
        record((xt,), out, lambda g: (multiply(g, s),))
    return out


def _select_vjp(g, pick_x, xs, ys):
    """maximum/minimum's vjp: g where the op picked x, zero elsewhere, selected rather than multiplied by a
    0/1 mask, as TensorFlow does: an infinite g (K.sqrt's at 0) must not become NaN where the other side won."""
    zero = np.zeros((), dtype=g.dtype)
    return unbroadcast(where(pick_x, g, zero), xs), unbroadcast(where(pick_x, zero, g), ys)


@register()
def maximum(x, y):
    """Elementwise max; on ties the gradient goes to x."""
    xt, xa, yt, ya = operands(x, y)
    _check_broadcast("maximum", xa, ya)
    out = Tensor(np.asarray(np.maximum(xa, ya)))
    if RECORDING:
        xs, ys = np.shape(xa), np.shape(ya)
        pick_x = np.asarray(xa >= ya)
        record((xt, yt), out, lambda g: _select_vjp(g, pick_x, xs, ys))
    return out


@register()
def minimum(x, y):
    """Elementwise min; on ties the gradient goes to x."""
    xt, xa, yt, ya = operands(x, y)
    _check_broadcast("minimum", xa, ya)
    out = Tensor(np.asarray(np.minimum(xa, ya)))
    if RECORDING:
        xs, ys = np.shape(xa), np.shape(ya)
        pick_x = np.asarray(xa <= ya)
        record((xt, yt), out, lambda g: _select_vjp(g, pick_x, xs, ys))
    return out


# --------------------------------------------------------------------------- unary math
def _unary(name, forward, grad_of, keep_ints=False):
    """Build an elementwise op: `grad_of(x_tensor_or_array, out_tensor)` returns dout/dx.

    Integer input is computed in floatx (numpy would give float64), unless `keep_ints`.
    """

    def op(x):
        xt, xa = tensor_and_array(x)
        if not keep_ints and xa.dtype.kind in "iub":
            xt, xa = None, xa.astype(config.floatx())
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = Tensor(np.asarray(forward(xa)))
        if RECORDING and xt is not None:
            record((xt,), out, lambda g: (multiply(g, grad_of(xt, out)),))
        return out

    op.__name__ = name
    op.__doc__ = f"Elementwise {name}."
    register()(op)
    return op


exp = _unary("exp", np.exp, lambda x, out: out)
log = _unary("log", np.log, lambda x, out: reciprocal(x))
log1p = _unary("log1p", np.log1p, lambda x, out: reciprocal(add(x, 1.0)))
expm1 = _unary("expm1", np.expm1, lambda x, out: add(out, 1.0))
sqrt = _unary("sqrt", np.sqrt, lambda x, out: divide(0.5, out))
square = _unary("square", np.square, lambda x, out: multiply(x, 2.0), keep_ints=True)
sin = _unary("sin", np.sin, lambda x, out: cos(x))
cos = _unary("cos", np.cos, lambda x, out: negative(sin(x)))
tan = _unary("tan", np.tan, lambda x, out: add(square(out), 1.0))
tanh = _unary("tanh", np.tanh, lambda x, out: subtract(1.0, square(out)))
reciprocal = _unary("reciprocal", np.reciprocal, lambda x, out: negative(square(out)))
rsqrt = _unary("rsqrt", lambda a: 1.0 / np.sqrt(a), lambda x, out: multiply(-0.5, power(out, 3)))
arcsin = _unary("arcsin", np.arcsin, lambda x, out: power(subtract(1.0, square(x)), -0.5))
arccos = _unary("arccos", np.arccos, lambda x, out: negative(power(subtract(1.0, square(x)), -0.5)))
arctan = _unary("arctan", np.arctan, lambda x, out: reciprocal(add(square(x), 1.0)))
sinh = _unary("sinh", np.sinh, lambda x, out: cosh(x))
cosh = _unary("cosh", np.cosh, lambda x, out: sinh(x))


def _no_grad_unary(name, forward):
    def op(x):
        _, xa = tensor_and_array(x)
        return Tensor(np.asarray(forward(xa)))

    op.__name__ = name
    op.__doc__ = f"Elementwise {name} (zero gradient)."
    register()(op)
    return op


sign = _no_grad_unary("sign", np.sign)
round = _no_grad_unary("round", np.round)  # noqa: A001  half to even, as Keras
floor = _no_grad_unary("floor", np.floor)
ceil = _no_grad_unary("ceil", np.ceil)
logical_not = _no_grad_unary("logical_not", np.logical_not)
isnan = _no_grad_unary("isnan", np.isnan)
isinf = _no_grad_unary("isinf", np.isinf)
isfinite = _no_grad_unary("isfinite", np.isfinite)


# --------------------------------------------------------------------------- comparisons
def _comparison(name, fn):
    def op(x, y):
        _, xa, _, ya = operands(x, y)
        _check_broadcast(name, xa, ya)
        return Tensor(np.asarray(fn(xa, ya)))

    op.__name__ = name
    op.__doc__ = f"Elementwise {name}, a boolean tensor (no gradient)."
    register()(op)
    return op


equal = _comparison("equal", np.equal)
not_equal = _comparison("not_equal", np.not_equal)
greater = _comparison("greater", np.greater)
greater_equal = _comparison("greater_equal", np.greater_equal)
less = _comparison("less", np.less)
less_equal = _comparison("less_equal", np.less_equal)
logical_and = _comparison("logical_and", np.logical_and)
logical_or = _comparison("logical_or", np.logical_or)
logical_xor = _comparison("logical_xor", np.logical_xor)


@register("switch_elementwise")
def where(condition, x, y):
    """Elements of x where `condition` is true, else of y (both broadcast)."""
    _, ca = tensor_and_array(condition)
    xt, xa, yt, ya = operands(x, y)
    ca = ca.astype(bool)
    out = Tensor(np.asarray(np.where(ca, xa, ya)))
    if RECORDING:
        xs, ys = np.shape(xa), np.shape(ya)

        def vjp(g):
            zero = np.zeros((), dtype=g.dtype)
            return (unbroadcast(where(ca, g, zero), xs) if xt is not None else None,
                    unbroadcast(where(ca, zero, g), ys) if yt is not None else None)

        record((xt, yt), out, vjp)
    return out


@register()
def clip(x, min_value, max_value):
    """Limit values to [min_value, max_value]; zero gradient outside the range."""
    xt, xa = tensor_and_array(x)
    lo = -np.inf if min_value is None else _scalar(min_value)
    hi = np.inf if max_value is None else _scalar(max_value)
    if not (np.ndim(lo) or np.ndim(hi)) and hi < lo:
        hi = lo  # Keras: a max_value below min_value is raised to min_value
    out = Tensor(np.asarray(np.clip(xa, lo, hi)).astype(xa.dtype, copy=False))
    if RECORDING:
        inside = ((xa >= lo) & (xa <= hi))
        record((xt,), out, lambda g: (multiply(g, inside.astype(g.dtype)),))
    return out


def _scalar(v):
    if isinstance(v, Tensor):
        v = v.array
    return v.item() if np.ndim(v) == 0 and hasattr(v, "item") else v


@register()
def cast(x, dtype):
    """Convert to `dtype`; the gradient flows back (cast to the input's dtype) for float types."""
    xt, xa = tensor_and_array(x)
    dtype = np.dtype(getattr(dtype, "name", dtype) if not isinstance(dtype, str) else dtype)
    out = Tensor(xa.astype(dtype))
    if RECORDING and xt is not None and dtype.kind == "f" and xa.dtype.kind == "f":
        src = xa.dtype
        record((xt,), out, lambda g: (cast(g, src),))
    return out


@register()
def stop_gradient(x):
    """The same value, seen by tapes as a constant."""
    _, xa = tensor_and_array(x)
    return Tensor(xa)


# --------------------------------------------------------------------------- shape and indexing
@register()
def reshape(x, shape):
    """Reshape (one -1 allowed)."""
    xt, xa = tensor_and_array(x)
    shape = tuple(int(s) if s is not None else -1 for s in (shape if isinstance(shape, (list, tuple))
                                                              else np.ravel(np.asarray(shape)).tolist()))
    try:
        out = Tensor(xa.reshape(shape))
    except ValueError:
        raise ValueError(f"reshape: cannot reshape a tensor of shape {xa.shape} ({xa.size} elements) "
                         f"into shape {shape}") from None
    if RECORDING:
        s = xa.shape
        record((xt,), out, lambda g: (reshape(g, s),))
    return out


def _plain_key(key):
    if isinstance(key, Tensor):
        return key.array
    if isinstance(key, tuple):
        return tuple(k.array if isinstance(k, Tensor) else k for k in key)
    return key


@register("slice_index")
def getitem(x, key):
    """x[key]: numpy basic and advanced indexing, differentiable (repeated indices accumulate)."""
    xt, xa = tensor_and_array(x)
    key = _plain_key(key)
    try:
        out = Tensor(np.asarray(xa[key]))
    except IndexError as e:
        raise IndexError(f"index {key!r} is invalid for a tensor of shape {xa.shape}: {e}") from None
    if RECORDING:
        shape, dtype = xa.shape, xa.dtype
        record((xt,), out, lambda g: (scatter_into(g, key, shape, dtype),))
    return out


def _is_basic_index(key):
    parts = key if isinstance(key, tuple) else (key,)
    return all(isinstance(k, (int, np.integer, slice)) or k is None or k is Ellipsis for k in parts)


@register()
def scatter_into(g, key, shape, dtype=None):
    """A zero tensor of `shape` with `g` added at `x[key]` (the vjp of indexing)."""
    gt, ga = tensor_and_array(g)
    buf = np.zeros(shape, dtype=dtype or ga.dtype)
    if _is_basic_index(key):
        buf[key] = ga  # basic indexing never repeats an element: plain assignment is exact
    else:
        np.add.at(buf, key, ga)
    out = Tensor(buf)
    if RECORDING and gt is not None:
        record((gt,), out, lambda gg: (getitem(gg, key),))
    return out


# --------------------------------------------------------------------------- reductions
@register("reduce_sum")
def sum(x, axis=None, keepdims=False):  # noqa: A001
    """Sum over `axis` (None: all)."""
    xt, xa = tensor_and_array(x)
    axes = normalize_axis(axis, xa.ndim, "sum")
    out = Tensor(np.asarray(np.sum(xa, axis=axes, keepdims=keepdims, dtype=same_int_dtype(xa))))
    if RECORDING:
        shape = xa.shape
        record((xt,), out, lambda g: (_expand_back(g, shape, axes, keepdims),))
    return out


def same_int_dtype(xa):
    """The dtype argument that keeps an integer sum or product in its input's dtype (numpy widens int32 to
    int64; TensorFlow keeps int32); None for the other dtypes."""
    return xa.dtype if xa.dtype.kind in "iu" else None


def _expand_back(g, shape, axes, keepdims):
    """Broadcast a reduced gradient back to `shape`."""
    if not RECORDING and not isinstance(g, Tensor):  # plain backward pass: one numpy fill, no graph
        out = np.empty(shape, dtype=g.dtype)
        if keepdims or axes is None:
            out[...] = g
        else:
            out[...] = np.expand_dims(g, axes)
        return out
    if not keepdims:
        kept = tuple(1 if (axes is None or i in axes) else n for i, n in enumerate(shape))
        g = reshape(g, kept)
    return broadcast_to(g, shape)


@register()
def broadcast_to(x, shape):
    """Broadcast to `shape` (gradient sums back)."""
    xt, xa = tensor_and_array(x)
    shape = tuple(int(s) for s in shape)
    try:
        out = Tensor(np.broadcast_to(xa, shape))
    except ValueError:
        raise ValueError(f"broadcast_to: cannot broadcast shape {xa.shape} to {shape}") from None
    if RECORDING:
        s = xa.shape
        record((xt,), out, lambda g: (unbroadcast(g, s),))
    return out


@register("reduce_mean")
def mean(x, axis=None, keepdims=False):
    """Mean over `axis` (None: all); integer input gives floatx."""
    xt, xa = tensor_and_array(x)
    axes = normalize_axis(axis, xa.ndim, "mean")
    if xa.dtype.kind in "iub":
        xa = xa.astype(config.floatx())
        xt = None
    out = Tensor(np.asarray(np.mean(xa, axis=axes, keepdims=keepdims)))
    if RECORDING:
        shape = xa.shape
        count = xa.size // builtins.max(out.array.size, 1) if xa.size else 1
        record((xt,), out, lambda g: (_expand_back(divide(g, float(count)), shape, axes, keepdims),))
    return out


def empty_reduction_start(name, dtype):
    """What TensorFlow's reduce_max/reduce_min give over an empty axis: the dtype's lowest (max) or highest
    (min) value, -inf/inf for floats."""
    lowest = name == "max"
    if dtype.kind == "f":
        return -np.inf if lowest else np.inf
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return info.min if lowest else info.max
    return not lowest  # bool


def _extreme(name, fn):
    def op(x, axis=None, keepdims=False):
        xt, xa = tensor_and_array(x)
        axes = normalize_axis(axis, xa.ndim, name)
        start = {"initial": empty_reduction_start(name, xa.dtype)} if xa.size == 0 else {}
        out = Tensor(np.asarray(fn(xa, axis=axes, keepdims=keepdims, **start)))
        if RECORDING:
            shape = xa.shape

            def vjp(g):
                full = _expand_back(out, shape, axes, keepdims).array
                hit = (xa == full).astype(xa.dtype)
                # ties share the gradient equally, as TensorFlow's reduce_max does
                count = _expand_back(Tensor(np.sum(hit, axis=axes, keepdims=keepdims)), shape, axes, keepdims).array
                return (multiply(_expand_back(g, shape, axes, keepdims), hit / count),)

            record((xt,), out, vjp)
        return out

    op.__name__ = name
    op.__doc__ = f"{name} over `axis` (None: all)."
    register("reduce_" + name)(op)
    return op


max = _extreme("max", np.max)  # noqa: A001
min = _extreme("min", np.min)  # noqa: A001


@register()
def matmul(x, y):
    """Matrix product with numpy's `@` semantics (batched over leading axes)."""
    xt, xa, yt, ya = operands(x, y)
    try:
        out = Tensor(np.asarray(np.matmul(xa, ya)))
    except ValueError:
        raise ValueError(f"matmul: incompatible shapes {np.shape(xa)} and {np.shape(ya)}: the last axis of "
                         "the first must equal the second-to-last axis of the second") from None
    if RECORDING:
        xs, ys = np.shape(xa), np.shape(ya)
        xv = xt if xt is not None else xa
        yv = yt if yt is not None else ya

        def vjp(g):
            gx = gy = None
            if len(xs) == 1 and len(ys) == 1:
                return (multiply(g, yv) if xt is not None else None, multiply(g, xv) if yt is not None else None)
            if len(xs) == 1:
                if xt is not None:
                    gx = unbroadcast(matmul(expand_last(g, -2), swap_last(yv)), (1,) + xs)
                    gx = reshape(sum(gx, axis=tuple(range(gx.ndim - 1))) if gx.ndim > 1 else gx, xs)
                if yt is not None:
                    gy = unbroadcast(multiply(expand_last(xv, -1), expand_last(g, -2)), ys)
                return gx, gy
            if len(ys) == 1:
                if xt is not None:
                    gx = unbroadcast(multiply(expand_last(g, -1), yv), xs)
                if yt is not None:
                    gy = sum(multiply(xv, expand_last(g, -1)), axis=tuple(range(len(xs) - 1)) if len(xs) > 1 else None)
                    gy = reshape(gy, ys)
                return gx, gy
            if xt is not None:
                gx = unbroadcast(matmul(g, swap_last(yv)), xs)
            if yt is not None:
                gy = unbroadcast(matmul(swap_last(xv), g), ys)
            return gx, gy

        record((xt, yt), out, vjp)
    return out


def expand_last(x, axis):
    xt, xa = tensor_and_array(x)
    out = Tensor(np.expand_dims(xa, axis))
    if RECORDING:
        s = xa.shape
        record((xt,), out, lambda g: (reshape(g, s),))
    return out


def swap_last(x):
    """Swap the last two axes (differentiable)."""
    xt, xa = tensor_and_array(x)
    out = Tensor(np.swapaxes(xa, -1, -2))
    if RECORDING:
        record((xt,), out, lambda g: (swap_last(g),))
    return out


def unbroadcast(g, shape):
    """Sum a broadcast gradient `g` back down to `shape` (differentiable when `g` is a Tensor)."""
    gshape = g.shape
    if tuple(gshape) == tuple(shape):
        return g
    ndiff = len(gshape) - len(shape)
    axes = tuple(range(ndiff)) + tuple(
        i + ndiff for i, n in enumerate(shape) if n == 1 and gshape[i + ndiff] != 1)
    if axes:
        g = sum(g, axis=axes, keepdims=True)
    return reshape(g, shape)


# The ops Tensor's operators and casts run (backend/tensor.py looks them up here at call time).
TENSOR_OPS.update(
    add=add, subtract=subtract, multiply=multiply, divide=divide, floor_divide=floor_divide, mod=mod, power=power,
    matmul=matmul, less=less, less_equal=less_equal, greater=greater, greater_equal=greater_equal, equal=equal,
    not_equal=not_equal, negative=negative, abs=abs, getitem=getitem, cast=cast)
