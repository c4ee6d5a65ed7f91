"""What every op file shares: the op registry, operand coercion and broadcasting undo.

An op is a plain function that
  1. coerces its operands (`operands`, `tensor_and_array`),
  2. computes the forward value with numpy,
  3. only if a tape records (`if RECORDING:`), attaches a vector-Jacobian product with `record`.

Primitive vjps are written with engine ops (so nested tapes give second derivatives);
fused layer kernels may use raw numpy in their vjp and say so.

Example (how an op is written):
    >>> import numpy as np
    >>> from kerasish.backend.ops.core import register, tensor_and_array, Tensor, RECORDING, record
    >>> @register("cube_example")
    ... def cube_example(x):
    ...     x, xa = tensor_and_array(x)
    ...     out = Tensor(xa ** 3)
    ...     if RECORDING:
    ...         record((x,), out, lambda g: (g * 3 * x * x,))
    ...     return out
    >>> cube_example(np.float32(2.0)).numpy()
    np.float32(8.0)
"""
import numpy as np

from .. import config
from ..dispatch import SymbolicValueError
from ..tape import RECORDING, record  # noqa: F401  (re-exported for op files)
from ..tensor import Tensor

OPS = {}  # name -> function: the one place every differentiable op is registered


def register(*names):
    """Decorator adding an op to `OPS` under its function name and any extra `names`."""

    def deco(fn):
        OPS[fn.__name__] = fn
        for n in names:
            OPS[n] = fn
        return fn

    return deco


def tensor_and_array(x):
    """(tensor-or-None, array): the Tensor to record against and its array.

    Python numbers and numpy data are constants (not recorded); float data defaults to floatx.
    """
    if isinstance(x, Tensor):
        return x, x.array
    if hasattr(x, "_keras_history"):
        raise SymbolicValueError(
            "A symbolic Keras tensor (from keras.Input) was passed to a backend op that needs a value. "
            "Wrap the computation in a layer, e.g. keras.layers.Lambda(lambda t: ...)(x).")
    arr = np.asarray(x)
    if arr.dtype.kind == "f" and arr.dtype != config.floatx():
        arr = arr.astype(config.floatx())
    elif arr.dtype == object:
        raise TypeError(f"Expected a tensor or array-like of numbers; received {type(x).__name__}: {x!r:.80}")
    return None, arr


def operands(x, y):
    """Coerce two operands for a binary op: (xt, xa, yt, ya).

    Python scalars stay Python scalars (numpy keeps them weakly typed, so float32 stays float32);
    a float array meeting a float Tensor of another precision is cast to the Tensor's dtype
    rather than silently promoting the result to float64.
    """
    xt = x if isinstance(x, Tensor) else None
    yt = y if isinstance(y, Tensor) else None
    xa = x.array if xt is not None else _raw(x)
    ya = y.array if yt is not None else _raw(y)
    if xt is None and isinstance(xa, np.ndarray) and yt is not None:
        xa = _match_float(xa, ya)
    elif yt is None and isinstance(ya, np.ndarray) and xt is not None:
        ya = _match_float(ya, xa)
    elif xt is None and yt is None and not isinstance(xa, np.ndarray) and not isinstance(ya, np.ndarray):
        xa = _scalar_tensor_value(xa)  # two Python numbers: numpy would answer float64, TensorFlow floatx
    return xt, xa, yt, ya


def _scalar_tensor_value(v):
    """A Python number as TensorFlow makes it a tensor: float -> floatx, int -> int32 (int64 when it does
    not fit), bool -> bool."""
    if isinstance(v, float):
        return np.asarray(v, dtype=config.floatx())
    if isinstance(v, int) and not isinstance(v, bool) and -2**31 <= v < 2**31:
        return np.asarray(v, dtype=np.int32)
    return np.asarray(v)


def _raw(x):
    if isinstance(x, np.generic):  # first: np.float64 is also a Python float, but not a weak scalar
        return x.item() if x.dtype.kind in "fc" else np.asarray(x)
    if isinstance(x, (bool, int, float)):
        return x
    if hasattr(x, "_keras_history"):
        tensor_and_array(x)  # raises the clear symbolic-tensor error
    arr = np.asarray(x)
    if arr.dtype.kind == "f" and arr.dtype != config.floatx():
        arr = arr.astype(config.floatx())
    return arr


def _match_float(raw, other):
    if raw.dtype.kind == "f" and getattr(other, "dtype", None) is not None and other.dtype.kind == "f" \
            and raw.dtype != other.dtype:
        return raw.astype(other.dtype)
    return raw


def shape_of(a):
    return np.shape(a)


def normalize_axis(axis, ndim, op_name):
    """Validate `axis` (int, tuple or None) against `ndim`; returns a tuple of positive axes or None."""
    if axis is None:
        return None
    axes = tuple(axis) if isinstance(axis, (list, tuple)) else (axis,)
    out = []
    for a in axes:
        a = int(a)
        if not -ndim <= a < max(ndim, 1):
            raise ValueError(f"{op_name}: axis {a} is out of range for a tensor of rank {ndim}")
        out.append(a % ndim if ndim else 0)
    return tuple(out)
