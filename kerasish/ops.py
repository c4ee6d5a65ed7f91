"""The engine's ops under numpy-like Keras 3 names (`keras.ops.matmul`, `ops.mean`, ...).

A thin namespace over `kerasish.backend.ops`: no second engine. Where Keras 3 differs from the Keras 2
backend (`concatenate` joins along axis 0, `argmax`/`cumsum` default to the flattened tensor, `repeat`
is np.repeat, `shape` is a tuple), the wrappers here follow Keras 3.

Example:
    >>> import numpy as np
    >>> from kerasish import ops
    >>> ops.convert_to_numpy(ops.matmul(np.ones((2, 3)), np.ones((3, 4)))).shape
    (2, 4)
"""
import builtins as _builtins
import importlib as _importlib

import numpy as _np

from .backend import config as _config
from .backend import dispatch as _dispatch
from .backend.tensor import Tensor as _Tensor, as_tensor as _as_tensor
from .backend.ops.core import tensor_and_array as _tensor_and_array
from .backend.ops import math as _m, reduce as _r, shape as _s
from .backend.ops.math import (  # noqa: F401
    abs, add, arccos, arcsin, arctan, broadcast_to, cast, ceil, cos, cosh, divide, equal, exp, expm1, floor,
    floor_divide, greater, greater_equal, isfinite, isinf, isnan, less, less_equal, log, log1p, logical_and,
    logical_not, logical_or, logical_xor, matmul, maximum, minimum, mod, multiply, negative, not_equal, power,
    reciprocal, reshape, rsqrt, sign, sin, sinh, sqrt, square, stop_gradient, subtract, tan, tanh)
from .backend.ops.reduce import logsumexp, norm, prod, std, var  # noqa: F401
from .backend.ops.shape import (  # noqa: F401
    expand_dims, flip, identity, moveaxis, one_hot as _one_hot, pad as _pad, split, squeeze, stack, swapaxes,
    take, take_along_axis, tile, transpose, unstack)
from .backend.ops.linalg import einsum, tensordot  # noqa: F401
from .backend.ops.linalg import dot as _k2_dot
from .backend.ops.control import map_fn  # noqa: F401

absolute = abs
true_divide = divide
round = _m.round  # noqa: A001  (half to even)
sum = _m.sum  # noqa: A001
mean = _m.mean
max = _m.max  # noqa: A001
min = _m.min  # noqa: A001
amax = _m.max
amin = _m.min
any = _r.any  # noqa: A001
all = _r.all  # noqa: A001


def convert_to_tensor(x, dtype=None, sparse=None):
    """An engine Tensor holding `x` (float data becomes floatx unless `dtype` is given).

    Example:
        >>> convert_to_tensor([1.0, 2.0]).dtype
        dtype('float32')
    """
    return _as_tensor(x.array if isinstance(x, _Tensor) and dtype is None else x,
                      None if dtype is None else _np.dtype(dtype))


def convert_to_numpy(x):
    """The value of `x` as a numpy array.

    Example:
        >>> convert_to_numpy(convert_to_tensor([1.0]))
        array([1.], dtype=float32)
    """
    return _np.asarray(x.array if isinstance(x, _Tensor) else _tensor_and_array(x)[1])


def is_tensor(x):
    """Whether `x` is an engine Tensor.

    Example:
        >>> is_tensor(convert_to_tensor(1.0))
        True
    """
    return isinstance(x, _Tensor)


def shape(x):
    """The shape as a tuple.

    Example:
        >>> shape(_np.zeros((2, 3)))
        (2, 3)
    """
    return tuple(getattr(x, "shape", _np.shape(x)))


def ndim(x):
    """The rank.

    Example:
        >>> ndim(_np.zeros((2, 3)))
        2
    """
    return len(shape(x))


def size(x):
    """The number of elements.

    Example:
        >>> size(_np.zeros((2, 3)))
        6
    """
    return int(_np.prod(shape(x), dtype=_np.int64))


def dot(x1, x2):
    """np.dot semantics (the last axis of x1 with the second-to-last of x2).

    Example:
        >>> dot(_np.ones((2, 3)), _np.ones(3)).shape
        (2,)
    """
    return _k2_dot(x1, x2)


def outer(x1, x2):
    """Outer product of the flattened inputs.

    Example:
        >>> outer(_np.ones(2), _np.ones(3)).shape
        (2, 3)
    """
    return _m.multiply(_s.expand_dims(_s.flatten(x1), -1), _s.flatten(x2))


def where(condition, x1=None, x2=None):
    """Elementwise choice (with one argument: the indices where `condition` holds, as np.nonzero).

    Example:
        >>> where(_np.array([True, False]), 1.0, 2.0).numpy()  # Python numbers become floatx, as in Keras
        array([1., 2.], dtype=float32)
    """
    if x1 is None and x2 is None:
        _, ca = _tensor_and_array(condition)
        return tuple(_Tensor(i) for i in _np.nonzero(ca))
    if x1 is None or x2 is None:
        raise ValueError("where: give both `x1` and `x2`, or neither")
    return _m.where(condition, x1, x2)


def clip(x, x_min, x_max):
    """Limit values to [x_min, x_max].

    Example:
        >>> clip(_np.array([-1.0, 2.0]), 0.0, 1.0).numpy()
        array([0., 1.], dtype=float32)
    """
    return _m.clip(x, x_min, x_max)


def concatenate(xs, axis=0):
    """Join tensors along an existing axis (Keras 3 default: axis 0).

    Example:
        >>> concatenate([_np.ones((1, 2)), _np.zeros((1, 2))]).shape
        (2, 2)
    """
    return _s.concatenate(xs, axis=axis)


def repeat(x, repeats, axis=None):
    """np.repeat: repeat each element (of the flattened tensor when `axis` is None).

    Example:
        >>> repeat(_np.array([1, 2]), 2).numpy()
        array([1, 1, 2, 2])
    """
    if axis is None:
        return _s.repeat_elements(_s.flatten(x), repeats, 0)
    return _s.repeat_elements(x, repeats, axis)


def ravel(x):
    """Flatten to 1-D.

    Example:
        >>> ravel(_np.zeros((2, 3))).shape
        (6,)
    """
    return _s.flatten(x)


def argmax(x, axis=None, keepdims=False):
    """Index of the maximum (of the flattened tensor when `axis` is None).

    Example:
        >>> int(argmax(_np.array([[1, 5], [7, 0]])))
        2
    """
    out = _r.argmax(x, axis=axis)
    return _s.expand_dims(out, axis) if keepdims and axis is not None else out


def argmin(x, axis=None, keepdims=False):
    """Index of the minimum (of the flattened tensor when `axis` is None).

    Example:
        >>> int(argmin(_np.array([[1, 5], [7, 0]])))
        3
    """
    out = _r.argmin(x, axis=axis)
    return _s.expand_dims(out, axis) if keepdims and axis is not None else out


def cumsum(x, axis=None):
    """Cumulative sum (of the flattened tensor when `axis` is None).

    Example:
        >>> cumsum(_np.array([[1.0, 2.0], [3.0, 4.0]])).numpy()
        array([ 1.,  3.,  6., 10.], dtype=float32)
    """
    return _r.cumsum(_s.flatten(x), axis=0) if axis is None else _r.cumsum(x, axis=axis)


def cumprod(x, axis=None):
    """Cumulative product (of the flattened tensor when `axis` is None).

    Example:
        >>> cumprod(_np.array([1.0, 2.0, 3.0])).numpy()
        array([1., 2., 6.], dtype=float32)
    """
    return _r.cumprod(_s.flatten(x), axis=0) if axis is None else _r.cumprod(x, axis=axis)


def pad(x, pad_width, mode="constant", constant_values=None):
    """Pad with ((before, after), ...) per axis; modes constant, edge, reflect, symmetric, wrap.

    Example:
        >>> pad(_np.ones(2), ((1, 1),)).numpy()
        array([0., 1., 1., 0.], dtype=float32)
    """
    return _pad(x, pad_width, mode=mode, constant_values=0 if constant_values is None else constant_values)


def one_hot(x, num_classes, axis=-1, dtype=None):
    """One-hot encoding with the class axis at `axis`.

    Example:
        >>> one_hot(_np.array([1]), 3).numpy()
        array([[0., 1., 0.]], dtype=float32)
    """
    out = _one_hot(x, num_classes)
    if axis not in (-1, out.ndim - 1):
        out = _s.moveaxis(out, -1, axis)
    return out if dtype is None else _m.cast(out, dtype)


def slice(inputs, start_indices, shape):  # noqa: A001  (Keras 3 name)
    """The block of `shape` starting at `start_indices`.

    Example:
        >>> slice(_np.arange(10), (2,), (3,)).numpy()
        array([2, 3, 4])
    """
    key = tuple(_builtins.slice(int(b), int(b) + int(n)) for b, n in zip(start_indices, shape))
    return _m.getitem(inputs, key)


def _creation_dtype(dtype, default):
    return _np.dtype(default if dtype is None else getattr(dtype, "name", dtype))


def zeros(shape, dtype=None):
    """A tensor of zeros (floatx by default).

    Example:
        >>> zeros((2,)).numpy()
        array([0., 0.], dtype=float32)
    """
    return _Tensor(_np.zeros(shape, dtype=_creation_dtype(dtype, _config.floatx())))


def ones(shape, dtype=None):
    """A tensor of ones (floatx by default).

    Example:
        >>> ones((2,)).numpy()
        array([1., 1.], dtype=float32)
    """
    return _Tensor(_np.ones(shape, dtype=_creation_dtype(dtype, _config.floatx())))


def full(shape, fill_value, dtype=None):
    """A tensor filled with `fill_value` (floatx for float fills by default).

    Example:
        >>> full((2,), 3.0).numpy()
        array([3., 3.], dtype=float32)
    """
    value = _tensor_and_array(fill_value)[1]
    default = _config.floatx() if value.dtype.kind == "f" else value.dtype
    return _Tensor(_np.full(shape, value, dtype=_creation_dtype(dtype, default)))


def zeros_like(x, dtype=None):
    """Zeros shaped like `x` (same dtype by default).

    Example:
        >>> zeros_like(_np.ones(2, "int32")).numpy()
        array([0, 0], dtype=int32)
    """
    xa = _tensor_and_array(x)[1]
    return _Tensor(_np.zeros(xa.shape, dtype=_creation_dtype(dtype, xa.dtype)))


def ones_like(x, dtype=None):
    """Ones shaped like `x` (same dtype by default).

    Example:
        >>> ones_like(_np.zeros(2, "float32")).numpy()
        array([1., 1.], dtype=float32)
    """
    xa = _tensor_and_array(x)[1]
    return _Tensor(_np.ones(xa.shape, dtype=_creation_dtype(dtype, xa.dtype)))


def full_like(x, fill_value, dtype=None):
    """`fill_value` shaped like `x` (same dtype by default).

    Example:
        >>> full_like(_np.zeros(2, "float32"), 7).numpy()
        array([7., 7.], dtype=float32)
    """
    xa = _tensor_and_array(x)[1]
    return _Tensor(_np.full(xa.shape, _tensor_and_array(fill_value)[1], dtype=_creation_dtype(dtype, xa.dtype)))


def eye(N, M=None, k=0, dtype=None):
    """A 2-D tensor with ones on the k-th diagonal (floatx by default).

    Example:
        >>> eye(2).numpy()
        array([[1., 0.],
               [0., 1.]], dtype=float32)
    """
    return _Tensor(_np.eye(int(N), None if M is None else int(M), k=int(k),
                           dtype=_creation_dtype(dtype, _config.floatx())))


def arange(start, stop=None, step=1, dtype=None):
    """Evenly spaced values in [start, stop) (dtype inferred as numpy does, floats as floatx).

    Example:
        >>> arange(3).numpy()
        array([0, 1, 2])
    """
    out = _np.arange(start, stop, step) if stop is not None else _np.arange(start, step=step)
    if dtype is not None:
        out = out.astype(_creation_dtype(dtype, None))
    elif out.dtype.kind == "f":
        out = out.astype(_config.floatx())
    return _Tensor(out)


def linspace(start, stop, num=50, endpoint=True, dtype=None):
    """`num` evenly spaced values from start to stop (floatx by default).

    Example:
        >>> linspace(0.0, 1.0, 3).numpy()
        array([0. , 0.5, 1. ], dtype=float32)
    """
    return _Tensor(_np.linspace(start, stop, int(num), endpoint=endpoint,
                                dtype=_creation_dtype(dtype, _config.floatx())))


def cond(pred, true_fn, false_fn):
    """Call `true_fn()` if `pred` holds, else `false_fn()`.

    Example:
        >>> cond(True, lambda: 1.0, lambda: 2.0)
        1.0
    """
    return true_fn() if bool(_tensor_and_array(pred)[1]) else false_fn()


def argsort(x, axis=-1):
    """Indices that sort `x` along `axis` (stable).

    Example:
        >>> argsort(_np.array([3, 1, 2])).numpy()
        array([1, 2, 0])
    """
    xa = _tensor_and_array(x)[1]
    return _Tensor(_np.argsort(xa, axis=axis, kind="stable"))


def sort(x, axis=-1):
    """`x` sorted along `axis` (differentiable: the gradient follows the elements).

    Example:
        >>> sort(_np.array([3.0, 1.0, 2.0])).numpy()
        array([1., 2., 3.], dtype=float32)
    """
    return take_along_axis(x, argsort(x, axis=axis).array, axis=axis)


def top_k(x, k, sorted=True):  # noqa: A002  (Keras 3 name)
    """The `k` largest values along the last axis and their indices (values differentiable).

    Example:
        >>> [t.numpy().tolist() for t in top_k(_np.array([1.0, 3.0, 2.0]), 2)]
        [[3.0, 2.0], [1, 2]]
    """
    xa = _tensor_and_array(x)[1]
    k = int(k)
    if not 0 <= k <= xa.shape[-1]:
        raise ValueError(f"top_k: k={k} is out of range for a last axis of length {xa.shape[-1]}")
    idx = _np.argsort(-xa, axis=-1, kind="stable")[..., :k]
    return take_along_axis(x, idx, axis=-1), _Tensor(idx)


def tril(x, k=0):
    """Zero the elements above the k-th diagonal of the last two axes.

    Example:
        >>> tril(_np.ones((2, 2))).numpy()
        array([[1., 0.],
               [1., 1.]], dtype=float32)
    """
    xa = _tensor_and_array(x)[1]
    return _m.where(_np.tri(xa.shape[-2], xa.shape[-1], int(k), dtype=bool), x, _np.zeros((), xa.dtype))


def triu(x, k=0):
    """Zero the elements below the k-th diagonal of the last two axes.

    Example:
        >>> triu(_np.ones((2, 2))).numpy()
        array([[1., 1.],
               [0., 1.]], dtype=float32)
    """
    xa = _tensor_and_array(x)[1]
    keep = ~_np.tri(xa.shape[-2], xa.shape[-1], int(k) - 1, dtype=bool)
    return _m.where(keep, x, _np.zeros((), xa.dtype))


def trace(x):
    """Sum of the main diagonal of a matrix.

    Example:
        >>> float(trace(_np.eye(3)))
        3.0
    """
    return einsum("ii", x)


def fori_loop(lower, upper, body_fun, init_val):
    """`val = body_fun(i, val)` for i in [lower, upper).

    Example:
        >>> fori_loop(0, 3, lambda i, v: v + i, 10)
        13
    """
    val = init_val
    for i in range(int(lower), int(upper)):
        val = body_fun(i, val)
    return val


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """Apply `body` to `loop_vars` while `cond(*loop_vars)` holds.

    Example:
        >>> while_loop(lambda i: i < 5, lambda i: (i + 2,), (0,))
        (6,)
    """
    is_tuple = isinstance(loop_vars, (list, tuple))
    values = tuple(loop_vars) if is_tuple else (loop_vars,)
    count = 0
    while bool(_tensor_and_array(cond(*values))[1]):
        if maximum_iterations is not None and count >= int(maximum_iterations):
            break
        out = body(*values)
        values = tuple(out) if isinstance(out, (list, tuple)) else (out,)
        count += 1
    return values if is_tuple else values[0]


def scan(f, init, xs=None, length=None, reverse=False):
    """`carry, y = f(carry, x)` over the leading axis of `xs`; returns (carry, stacked ys).

    Example:
        >>> carry, ys = scan(lambda c, x: (c + x, c), 0.0, _np.array([1.0, 2.0, 3.0]))
        >>> float(carry), ys.numpy().tolist()
        (6.0, [0.0, 1.0, 3.0])
    """
    items = _s.unstack(xs, axis=0) if xs is not None else [None] * int(length)
    order = range(len(items) - 1, -1, -1) if reverse else range(len(items))
    carry, ys = init, [None] * len(items)
    for i in order:
        carry, ys[i] = f(carry, items[i])
    return carry, (_s.stack(ys) if ys and ys[0] is not None else None)


vectorized_map = map_fn


# Keras 3 nn ops, from the activation kernels (ops/nn.py).
def _reexport_nn():
    try:
        nn = _importlib.import_module(".backend.ops.nn", __package__)
    except ModuleNotFoundError as e:  # the module is being written
        if not e.name.endswith("ops.nn"):
            raise
        return
    names = ("relu", "relu6", "elu", "selu", "softplus", "softsign", "sigmoid", "hard_sigmoid", "gelu", "silu",
             "swish", "mish", "leaky_relu", "softmax", "log_softmax", "in_top_k")
    globals().update({n: getattr(nn, n) for n in names if hasattr(nn, n)})
    if hasattr(nn, "l2_normalize"):
        globals()["normalize"] = lambda x, axis=-1, order=2: nn.l2_normalize(x, axis=axis)


_reexport_nn()


# Calls on symbolic (Keras) tensors become graph nodes named "keras.ops.<name>" (see backend/dispatch.py).
_dispatch.dispatch_namespace(globals(), "keras.ops", _dispatch.public_functions(
    globals(), "kerasish", exclude={"convert_to_numpy", "is_tensor", "shape", "ndim", "size"}))
