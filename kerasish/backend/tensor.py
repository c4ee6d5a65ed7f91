"""Tensor (an eager array that ops and tapes understand) and Variable (named, trainable, assignable).

A Tensor is deliberately thin: it holds one array. The graph link lives on the tape
(see tape.py), so with no tape recording an op costs one numpy call plus this wrapper.

Example:
    >>> import numpy as np
    >>> from kerasish.backend import Tensor, Variable
    >>> t = Tensor(np.array([1.0, 2.0], dtype="float32"))
    >>> (t * 2 + 1).numpy()
    array([3., 5.], dtype=float32)
    >>> v = Variable([1.0, 2.0], name="v")
    >>> v.assign_add([1.0, 1.0]).numpy()
    array([2., 3.], dtype=float32)
"""
import numpy as np

from . import config
from .dispatch import SymbolicValueError


# Tensor's operators run engine ops, and the ops are written on Tensor. So that imports point one way
# (ops -> tensor), ops/math.py fills this table with its functions when it loads (the backend package
# loads it before anyone can hold a Tensor); the methods below look their op up here at call time.
TENSOR_OPS = {}


def _operator(op_name, reflected=False):
    """A binary operator method running engine op `op_name` (NotImplemented for a symbolic operand)."""

    def method(self, other):
        op = TENSOR_OPS[op_name]
        try:
            return op(other, self) if reflected else op(self, other)
        except SymbolicValueError:
            return NotImplemented

    method.__name__ = f"__r{op_name}__" if reflected else f"__{op_name}__"
    return method


class Tensor:
    """An eager n-dimensional array with autodiff support.

    Attributes:
        array: the underlying numpy array.
    """

    __slots__ = ("array", "_keras_logits", "_keras_mask", "__weakref__")
    __array_priority__ = 100  # make `ndarray + Tensor` call Tensor.__radd__
    _is_variable = False

    def __init__(self, array):
        self.array = array
        self._keras_logits = None
        self._keras_mask = None

    # -- inspection ---------------------------------------------------------------------
    @property
    def shape(self):
        return self.array.shape

    @property
    def dtype(self):
        return self.array.dtype

    @property
    def ndim(self):
        return self.array.ndim

    @property
    def size(self):
        return self.array.size

    def numpy(self):
        """The value as a numpy array."""
        return self.array

    def __array__(self, dtype=None, copy=None):
        if dtype is None:
            return self.array
        return self.array.astype(dtype, copy=False)

    def __len__(self):
        if self.array.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.array.shape[0]

    def __iter__(self):
        if self.array.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.array.shape[0]))

    def __float__(self):
        return float(self.array)

    def __int__(self):
        return int(self.array)

    def __index__(self):
        return int(self.array)

    def __bool__(self):
        return bool(self.array)

    def __hash__(self):
        return id(self)

    def __repr__(self):
        return f"<kerasish.Tensor shape={self.array.shape} dtype={self.array.dtype}\n{self.array!r}>"

    def __format__(self, spec):
        return format(self.array, spec) if self.array.ndim == 0 else repr(self)

    def astype(self, dtype):
        """A differentiable cast to `dtype`."""
        return TENSOR_OPS["cast"](self, dtype)

    # -- arithmetic (numpy broadcasting; all differentiable) ----------------------------------
    # Binary operators return NotImplemented for a symbolic (Keras) operand, so Python asks that
    # tensor's reflected operator, which builds a graph node (`tensor * keras_input` works).
    __add__ = _operator("add")
    __radd__ = _operator("add", reflected=True)
    __sub__ = _operator("subtract")
    __rsub__ = _operator("subtract", reflected=True)
    __mul__ = _operator("multiply")
    __rmul__ = _operator("multiply", reflected=True)
    __truediv__ = _operator("divide")
    __rtruediv__ = _operator("divide", reflected=True)
    __floordiv__ = _operator("floor_divide")
    __rfloordiv__ = _operator("floor_divide", reflected=True)
    __mod__ = _operator("mod")
    __rmod__ = _operator("mod", reflected=True)
    __pow__ = _operator("power")
    __rpow__ = _operator("power", reflected=True)
    __matmul__ = _operator("matmul")
    __rmatmul__ = _operator("matmul", reflected=True)
    __lt__ = _operator("less")
    __le__ = _operator("less_equal")
    __gt__ = _operator("greater")
    __ge__ = _operator("greater_equal")
    __eq__ = _operator("equal")
    __ne__ = _operator("not_equal")

    def __neg__(self):
        return TENSOR_OPS["negative"](self)

    def __pos__(self):
        return self

    def __abs__(self):
        return TENSOR_OPS["abs"](self)

    def __getitem__(self, key):
        return TENSOR_OPS["getitem"](self, key)


class Variable(Tensor):
    """A named, mutable tensor: model weights and optimizer state.

    Args:
        initial_value: array-like (or a zero-argument callable returning one).
        dtype: defaults to floatx for float data.
        name: the variable's name (Keras names weights `layer/kernel:0`).
        trainable: whether tapes watch it automatically and optimizers update it.
        constraint: optional callable applied after each optimizer update.
    """

    __slots__ = ("name", "trainable", "constraint", "_path")
    _is_variable = True

    def __init__(self, initial_value, dtype=None, name=None, trainable=True, constraint=None):
        if callable(initial_value):
            initial_value = initial_value()
        if isinstance(initial_value, Tensor):
            initial_value = initial_value.array
        value = np.asarray(initial_value)
        if dtype is not None:
            value = value.astype(dtype)
        elif value.dtype.kind == "f" or value.dtype == object:
            value = value.astype(config.floatx())
        super().__init__(np.array(value, copy=True))
        self.name = name or "Variable"
        self.trainable = bool(trainable)
        self.constraint = constraint
        self._path = None

    def __repr__(self):
        return (f"<kerasish.Variable '{self.name}' shape={self.array.shape} dtype={self.array.dtype}, "
                f"numpy=\n{self.array!r}>")

    def value(self):
        """The current value as a Tensor."""
        return Tensor(self.array)

    def read_value(self):
        return Tensor(self.array.copy())

    def _coerce(self, value, what):
        if isinstance(value, Tensor):
            value = value.array
        value = np.asarray(value)
        if value.shape != self.array.shape:
            try:
                value = np.broadcast_to(value, self.array.shape)
            except ValueError:
                raise ValueError(
                    f"Cannot {what} variable '{self.name}' of shape {self.array.shape} "
                    f"with a value of shape {value.shape}") from None
        return value

    def assign(self, value):
        """Overwrite the value in place (same shape)."""
        self.array[...] = self._coerce(value, "assign to")
        return self

    def assign_add(self, delta):
        """Add `delta` in place."""
        self.array += self._coerce(delta, "add to")
        return self

    def assign_sub(self, delta):
        """Subtract `delta` in place."""
        self.array -= self._coerce(delta, "subtract from")
        return self


def as_tensor(x, dtype=None) -> Tensor:
    """Wrap array-likes as a Tensor (float data becomes floatx); Tensors pass through."""
    if isinstance(x, Tensor):
        if dtype is not None and x.array.dtype != dtype:
            return TENSOR_OPS["cast"](x, dtype)
        return x
    arr = np.asarray(x, dtype=dtype)
    if dtype is None and arr.dtype.kind == "f" and arr.dtype != config.floatx():
        arr = arr.astype(config.floatx())
    return Tensor(arr)

