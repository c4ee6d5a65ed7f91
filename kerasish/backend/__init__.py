"""The numeric engine and the Keras 2 backend API (`from kerasish import backend as K`).

Every op lives in one module under `ops/` and is re-exported here under its Keras 2 name
(`K.dot`, `K.sum`, `K.batch_dot`, ...); this file adds the variable and inspection helpers.

Example:
    >>> import numpy as np
    >>> from kerasish import backend as K
    >>> v = K.variable(np.ones((2, 3)))
    >>> K.int_shape(K.dot(v, K.ones((3, 4))))
    (2, 4)
"""
import builtins as _builtins
import contextlib

import numpy as np

from .config import (  # noqa: F401
    clear_session, epsilon, floatx, get_uid, global_learning_phase, image_data_format, learning_phase,
    manual_variable_initialization, normalize_data_format, reset_uids, rng, seeded_rng, set_epsilon, set_floatx,
    set_image_data_format, set_learning_phase, set_random_seed, image_dim_ordering, set_image_dim_ordering)
from .tensor import Tensor, Variable, as_tensor  # noqa: F401
from .tape import GradientTape  # noqa: F401
from .ops.core import OPS, tensor_and_array  # noqa: F401
from .ops.math import (  # noqa: F401
    abs, add, arccos, arcsin, arctan, broadcast_to, cast, ceil, clip, cos, cosh, divide, equal, exp, expm1, floor,
    floor_divide, greater, greater_equal, isfinite, isinf, isnan, less, less_equal, log, log1p, logical_and,
    logical_not, logical_or, logical_xor, matmul, max, maximum, mean, min, minimum, mod, multiply, negative,
    not_equal, power, reciprocal, reshape, round, rsqrt, sign, sin, sinh, sqrt as _sqrt, square,
    stop_gradient as _stop_one,
    subtract, sum, tan, tanh, where)
from .ops.reduce import (  # noqa: F401
    all, any, argmax, argmin, cumprod, cumsum, logsumexp, norm, prod, std, var)
from .ops.shape import (  # noqa: F401
    arange, batch_flatten, concatenate, expand_dims, flatten, flip, gather, moveaxis, one_hot, pad,
    permute_dimensions, repeat, repeat_elements, reverse, spatial_2d_padding,
    spatial_3d_padding, split, squeeze, stack, swapaxes, take, take_along_axis, temporal_padding, tile, transpose,
    unstack)
from .ops.linalg import batch_dot, dot, einsum, tensordot  # noqa: F401
from .ops.resize import resize_images, resize_volumes  # noqa: F401
from .ops.random import (  # noqa: F401
    random_bernoulli, random_binomial, random_normal, random_uniform, truncated_normal)
from .ops.control import (  # noqa: F401
    foldl, foldr, in_test_phase, in_train_phase, learning_phase_scope, map_fn, rnn, switch)
from .ops.ctc import ctc_batch_cost, ctc_decode, ctc_label_dense_to_sparse  # noqa: F401
from .ops.local_conv import local_conv, local_conv1d, local_conv2d  # noqa: F401
from .ops.parallel import set_num_threads  # noqa: F401
from .ops import ctc as _ctc_ops
from .ops import shape as _shape_ops
from .ops import conv as _conv_ops, crossentropy as _crossentropy_ops, nn as _nn_ops, pool as _pool_ops
from . import dispatch
from . import experimental  # noqa: F401  (K.experimental, tf_keras's RNG switch)


def pow(x, a) -> Tensor:  # noqa: A001  (Keras 2's name)
    """Elementwise `x ** a`, Keras 2's signature (`K.pow(x, a=2)`).

    Example:
        >>> pow(np.array([2.0, 3.0], "float32"), a=2).numpy()
        array([4., 9.], dtype=float32)
    """
    return power(x, a)


def sqrt(x) -> Tensor:
    """Elementwise square root; negative inputs give 0, as Keras 2's `K.sqrt` (it clips at 0 first).

    Example:
        >>> sqrt(np.array([4.0, -1.0], "float32")).numpy()
        array([2., 0.], dtype=float32)
    """
    return _sqrt(maximum(x, 0))  # an int 0 keeps the dtype (0.0 would turn int input into float64)


def backend() -> str:
    """The name of the array backend: 'numpy'.

    Example:
        >>> backend()
        'numpy'
    """
    return "numpy"


def _dtype_name(dtype):
    if dtype is None:
        return floatx()
    return np.dtype(getattr(dtype, "name", dtype)).name


def _raw_value(value, name):
    if isinstance(value, Tensor):
        return value.array
    if hasattr(value, "_keras_history"):
        raise TypeError(f"{name}: received a symbolic Keras tensor (from keras.Input), which has no value yet. "
                        "Call the model on data, or use K.function to evaluate it.")
    return value


# --------------------------------------------------------------------------- creation
def cast_to_floatx(x):
    """Cast to floatx: a numpy array for array-likes, a Tensor for Tensors.

    Example:
        >>> cast_to_floatx(np.array([1.0], "float64")).dtype
        dtype('float32')
    """
    if isinstance(x, Tensor):
        return cast(x, floatx())
    return np.asarray(x, dtype=floatx())


def variable(value, dtype=None, name=None, constraint=None) -> Variable:
    """A trainable Variable holding `value` (floatx unless `dtype` says otherwise).

    Args:
        value: array-like or Tensor.
        dtype: dtype name; default floatx (also for integer data, as Keras 2).
        name: the variable's name.
        constraint: optional projection applied after optimizer updates.

    Example:
        >>> variable([[1, 2], [3, 4]]).dtype
        dtype('float32')
    """
    return Variable(np.asarray(_raw_value(value, "variable")), dtype=_dtype_name(dtype), name=name,
                    constraint=constraint)


def constant(value, dtype=None, shape=None, name=None) -> Tensor:
    """A constant tensor (floatx unless `dtype` says otherwise).

    Args:
        value: array-like, scalar or Tensor.
        dtype: dtype name; default floatx.
        shape: optional shape: a scalar `value` is repeated to fill it, otherwise `value` is reshaped.
        name: accepted for compatibility.

    Example:
        >>> constant(2.0, shape=(2,)).numpy()
        array([2., 2.], dtype=float32)
    """
    arr = np.array(_raw_value(value, "constant"), dtype=_dtype_name(dtype))
    if shape is not None:
        shape = tuple(int(d) for d in shape)
        if arr.size == 1:
            arr = np.full(shape, arr.reshape(()), dtype=arr.dtype)
        elif arr.size == int(np.prod(shape, dtype=np.int64)):
            arr = arr.reshape(shape)
        else:
            raise ValueError(f"constant: a value of shape {arr.shape} does not fit the requested shape {shape}")
    return Tensor(arr)


def placeholder(shape=None, ndim=None, dtype=None, sparse=False, name=None, ragged=False):
    """A symbolic input (the same as `keras.Input` with a full batch shape), for `K.function` graphs.

    Args:
        shape: the full shape including the batch axis (None for unknown sizes).
        ndim: the rank, when `shape` is not given.
        dtype: dtype name; default floatx.
        sparse, ragged: not supported (must be False).
        name: optional name.

    Example:
        >>> import kerasish
        >>> int_shape(placeholder(shape=(None, 3)))
        (None, 3)
    """
    if sparse or ragged:
        raise ValueError("placeholder: sparse and ragged placeholders are not supported by kerasish")
    if shape is None:
        if ndim is None:
            raise ValueError("placeholder: give either `shape` or `ndim`")
        shape = (None,) * int(ndim)
    shape = tuple(shape)
    if not shape:
        raise ValueError("placeholder: a scalar placeholder has no batch axis; give a shape of rank >= 1")
    # symbolic tensors live in the graph layer above the engine, which registers this (see dispatch.py)
    return dispatch.implementation("placeholder")(shape, _dtype_name(dtype), name)


def zeros(shape, dtype=None, name=None):
    """A Variable of zeros (a plain Tensor when a dimension is 0, as Keras 2).

    Example:
        >>> zeros((2, 3)).shape
        (2, 3)
    """
    return _filled(np.zeros, shape, dtype, name)


def ones(shape, dtype=None, name=None):
    """A Variable of ones (a plain Tensor when a dimension is 0, as Keras 2).

    Example:
        >>> ones((2,)).numpy()
        array([1., 1.], dtype=float32)
    """
    return _filled(np.ones, shape, dtype, name)


def _filled(fill, shape, dtype, name):
    shape = _shape_ops._int_tuple(shape, "zeros/ones", "shape")
    arr = fill(shape, dtype=_dtype_name(dtype))
    if _builtins.all(shape):
        return Variable(arr, dtype=arr.dtype, name=name)
    return Tensor(arr)


def eye(size, dtype=None, name=None) -> Variable:
    """An identity-matrix Variable (floatx unless `dtype` says otherwise); `size` is n or (rows, cols).

    Example:
        >>> eye(2).numpy()
        array([[1., 0.],
               [0., 1.]], dtype=float32)
    """
    rows, cols = (size, size) if np.ndim(size) == 0 else tuple(size)
    return Variable(np.eye(int(rows), int(cols)), dtype=_dtype_name(dtype), name=name)


def zeros_like(x, dtype=None, name=None) -> Tensor:
    """Zeros with the shape (and, by default, the dtype) of `x`.

    Example:
        >>> zeros_like(np.ones((2,), "int32")).numpy()
        array([0, 0], dtype=int32)
    """
    _, xa = tensor_and_array(x)
    return Tensor(np.zeros(xa.shape, dtype=xa.dtype if dtype is None else _dtype_name(dtype)))


def ones_like(x, dtype=None, name=None) -> Tensor:
    """Ones with the shape (and, by default, the dtype) of `x`.

    Example:
        >>> ones_like(np.zeros((2,), "float32")).numpy()
        array([1., 1.], dtype=float32)
    """
    _, xa = tensor_and_array(x)
    return Tensor(np.ones(xa.shape, dtype=xa.dtype if dtype is None else _dtype_name(dtype)))


def identity(x, name=None) -> Tensor:
    """A copy of `x` (gradients pass through unchanged).

    Example:
        >>> identity(np.array([1.0], "float32")).numpy()
        array([1.], dtype=float32)
    """
    return _shape_ops.identity(x)


def random_uniform_variable(shape, low, high, dtype=None, name=None, seed=None) -> Variable:
    """A Variable of uniform values in [low, high).

    Example:
        >>> random_uniform_variable((2, 3), 0.0, 1.0, seed=1).shape
        (2, 3)
    """
    t = random_uniform(shape, minval=low, maxval=high, dtype=_dtype_name(dtype), seed=seed)
    return Variable(t.array, dtype=t.array.dtype, name=name)


def random_normal_variable(shape, mean, scale, dtype=None, name=None, seed=None) -> Variable:
    """A Variable of normal values with the given mean and standard deviation (`scale`).

    Example:
        >>> random_normal_variable((2, 3), 0.0, 1.0, seed=1).shape
        (2, 3)
    """
    t = random_normal(shape, mean=mean, stddev=scale, dtype=_dtype_name(dtype), seed=seed)
    return Variable(t.array, dtype=t.array.dtype, name=name)


# --------------------------------------------------------------------------- inspection
def is_keras_tensor(x) -> bool:
    """True for symbolic tensors made by `keras.Input` and layers called on them; False for values.

    Raises:
        ValueError: for objects that are not tensors at all (e.g. numpy arrays), as Keras 2 does.

    Example:
        >>> is_keras_tensor(variable([1.0]))
        False
    """
    if hasattr(x, "_keras_history"):
        return True
    if isinstance(x, Tensor):
        return False
    raise ValueError(f"Unexpectedly found an instance of type `{type(x)}`. Expected a symbolic tensor instance.")


def is_tensor(x) -> bool:
    """True for engine tensors (values, Variables) and symbolic Keras tensors; False for numpy data.

    Example:
        >>> is_tensor(constant([1.0])), is_tensor(np.ones(2))
        (True, False)
    """
    return isinstance(x, Tensor) or hasattr(x, "_keras_history")


def is_variable(x) -> bool:
    """True for Variables (`K.variable`, layer weights).

    Example:
        >>> is_variable(variable([1.0])), is_variable(constant([1.0]))
        (True, False)
    """
    return isinstance(x, Variable)


def is_placeholder(x) -> bool:
    """True for symbolic inputs (`K.placeholder`, `keras.Input`): tensors fed rather than computed.

    Example:
        >>> is_placeholder(placeholder(shape=(None, 2))), is_placeholder(variable([1.0]))
        (True, False)
    """
    history = getattr(x, "_keras_history", None)
    return history is not None and type(history[0]).__name__ == "InputLayer"


def size(x, name=None) -> Tensor:
    """The number of elements of `x`, as an int32 scalar tensor.

    Example:
        >>> int(size(np.ones((2, 3))))
        6
    """
    return as_tensor(np.asarray(np.size(_raw_value(x, "size")), dtype="int32"))


def slice(x, start, size):  # noqa: A001  (Keras 2's name)
    """`x[start[i]:start[i] + size[i]]` along every axis (a size of -1 takes the rest of the axis).

    Example:
        >>> slice(np.arange(10.0).reshape(2, 5), (0, 1), (2, 3)).numpy().tolist()
        [[1.0, 2.0, 3.0], [6.0, 7.0, 8.0]]
    """
    starts, sizes = [int(v) for v in np.ravel(start)], [int(v) for v in np.ravel(size)]
    if len(starts) != len(sizes) or len(starts) != ndim(x):
        raise ValueError(f"slice: `start` and `size` need one entry per axis of the input (rank {ndim(x)}); "
                         f"received start={list(starts)}, size={list(sizes)}")
    index = tuple(_builtins.slice(b, None if n == -1 else b + n) for b, n in zip(starts, sizes))
    return as_tensor(x)[index] if not isinstance(x, Tensor) else x[index]


def symbolic(func):
    """Keras 2.3's decorator marking a function to run in graph mode; kerasish has one mode, so `func` itself."""
    return func


def eager(func):
    """Keras 2.3's decorator marking a function to run eagerly; kerasish always does, so `func` itself."""
    return func


@contextlib.contextmanager
def control_dependencies(control_inputs):
    """TensorFlow's ordering of graph ops; kerasish runs ops in program order, so this orders nothing.

    Example:
        >>> with control_dependencies([]):
        ...     int(size([1, 2]))
        2
    """
    yield


def is_sparse(tensor) -> bool:
    """True only for the sparse triples `ctc_label_dense_to_sparse` returns (kerasish computes densely).

    Example:
        >>> is_sparse(constant([1.0]))
        False
    """
    return isinstance(tensor, _ctc_ops.SparseTensor)


def to_dense(tensor) -> Tensor:
    """`tensor` as a (dense) Tensor.

    Example:
        >>> to_dense([1.0]).numpy()
        array([1.], dtype=float32)
    """
    if isinstance(tensor, _ctc_ops.SparseTensor):
        return Tensor(_ctc_ops.sparse_to_dense(tensor))
    return tensor if isinstance(tensor, Tensor) else as_tensor(_raw_value(tensor, "to_dense"))


def shape(x) -> Tensor:
    """The shape of a value as an int32 tensor (use `int_shape` for a tuple).

    Example:
        >>> shape(np.zeros((2, 3))).numpy()
        array([2, 3], dtype=int32)
    """
    _, xa = tensor_and_array(x)
    return Tensor(np.asarray(xa.shape, dtype=np.int32))


def int_shape(x):
    """The shape as a tuple of ints (None for unknown sizes of symbolic tensors).

    Example:
        >>> int_shape(variable(np.zeros((2, 3))))
        (2, 3)
    """
    if isinstance(x, Tensor):
        return x.array.shape
    shp = getattr(x, "shape", None)
    if shp is None:
        return tuple(np.shape(x))
    try:
        return tuple(None if d is None else int(d) for d in shp)
    except TypeError:
        return None


def ndim(x) -> int:
    """The rank (number of axes).

    Example:
        >>> ndim(np.zeros((2, 3)))
        2
    """
    shp = int_shape(x)
    return None if shp is None else len(shp)


def dtype(x) -> str:
    """The dtype name as a string, e.g. 'float32'.

    Example:
        >>> dtype(variable([1.0]))
        'float32'
    """
    dt = getattr(x, "dtype", None)
    if dt is None:
        dt = np.asarray(x).dtype
    if isinstance(dt, str):
        return dt
    return getattr(dt, "name", str(dt))


def count_params(x):
    """The number of elements of `x`.

    Example:
        >>> int(count_params(variable(np.zeros((2, 3)))))
        6
    """
    return np.prod(int_shape(x), dtype=np.int64)


def get_value(x) -> np.ndarray:
    """The value of a tensor or variable as a numpy array (a copy).

    Example:
        >>> get_value(variable([1.0, 2.0]))
        array([1., 2.], dtype=float32)
    """
    return np.array(_raw_value(x, "get_value"))


def eval(x) -> np.ndarray:  # noqa: A001  (Keras 2 name)
    """The value of a tensor as a numpy array (same as `get_value`).

    Example:
        >>> eval(constant([1.0]))
        array([1.], dtype=float32)
    """
    return get_value(x)


def batch_get_value(tensors):
    """`get_value` of each tensor in a list.

    Example:
        >>> batch_get_value([constant(1.0), constant(2.0)])
        [array(1., dtype=float32), array(2., dtype=float32)]
    """
    return [get_value(t) for t in tensors]


def _require_variable(x, name):
    if not isinstance(x, Variable):
        raise TypeError(f"{name}: expected a Variable (from K.variable or a layer's weights); "
                        f"received {type(x).__name__}")
    return x


def set_value(x, value) -> None:
    """Overwrite a variable's value in place (same shape; cast to the variable's dtype).

    Example:
        >>> v = variable([0.0, 0.0]); set_value(v, [1.0, 2.0]); get_value(v)
        array([1., 2.], dtype=float32)
    """
    _require_variable(x, "set_value")
    value = np.asarray(_raw_value(value, "set_value"), dtype=x.array.dtype)
    if value.shape != x.array.shape:
        raise ValueError(f"set_value: cannot assign a value of shape {value.shape} to variable '{x.name}' "
                         f"of shape {x.array.shape}")
    x.assign(value)


def batch_set_value(tuples) -> None:
    """`set_value` for each (variable, value) pair.

    Example:
        >>> v = variable([0.0]); batch_set_value([(v, [3.0])]); get_value(v)
        array([3.], dtype=float32)
    """
    for x, value in tuples:
        set_value(x, value)


def update(x, new_x) -> Variable:
    """Assign `new_x` to variable `x` in place and return `x`.

    Example:
        >>> update(variable([1.0]), [5.0]).numpy()
        array([5.], dtype=float32)
    """
    return _require_variable(x, "update").assign(_raw_value(new_x, "update"))


def update_add(x, increment) -> Variable:
    """Add `increment` to variable `x` in place and return `x`.

    Example:
        >>> update_add(variable([1.0]), [2.0]).numpy()
        array([3.], dtype=float32)
    """
    return _require_variable(x, "update_add").assign_add(_raw_value(increment, "update_add"))


def update_sub(x, decrement) -> Variable:
    """Subtract `decrement` from variable `x` in place and return `x`.

    Example:
        >>> update_sub(variable([1.0]), [2.0]).numpy()
        array([-1.], dtype=float32)
    """
    return _require_variable(x, "update_sub").assign_sub(_raw_value(decrement, "update_sub"))


def moving_average_update(x, value, momentum) -> Variable:
    """x <- x * momentum + value * (1 - momentum), in place (computed as x -= (x - value) * (1 - momentum)).

    Example:
        >>> moving_average_update(variable([1.0]), constant([3.0]), 0.9).numpy()
        array([1.2], dtype=float32)
    """
    _require_variable(x, "moving_average_update")
    value = np.asarray(_raw_value(value, "moving_average_update"), dtype=x.array.dtype)
    momentum = _raw_value(momentum, "moving_average_update")
    decay = 1.0 - float(momentum) if np.ndim(momentum) == 0 else \
        1.0 - np.asarray(momentum, dtype=x.array.dtype)
    return x.assign_sub((x.array - value) * decay)


def print_tensor(x, message="", summarize=3):
    """Print `message` and the value of `x` (to stdout, as Keras 2) and return `x`.

    Args:
        x: the tensor to print.
        message: printed before the value.
        summarize: how many leading/trailing elements per axis to show for large tensors.

    Example:
        >>> _ = print_tensor(constant([1.0, 2.0]), message="x:")
        x: [1 2]
    """
    value = np.asarray(_raw_value(x, "print_tensor"))
    text = np.array2string(value, separator=" ", threshold=_builtins.max(2 * int(summarize), 1), edgeitems=int(summarize),
                           formatter={"float_kind": lambda v: f"{v:g}"})
    print(f"{message} {text}" if message else text, flush=True)
    return x if isinstance(x, Tensor) else Tensor(value)


def stop_gradient(variables):
    """The same value(s), seen by tapes as constants (a list gives a list).

    Example:
        >>> stop_gradient(constant([1.0])).numpy()
        array([1.], dtype=float32)
    """
    if isinstance(variables, (list, tuple)):
        return [_stop_one(v) for v in variables]
    return _stop_one(variables)


def gradients(loss, variables):
    """Symbolic gradients of a symbolic `loss` with respect to `variables` (Keras 2.0's graph style).

    `loss` is a Keras tensor (from `K.placeholder`, a model's input, and ops or layers on them);
    `variables` is a list of Keras tensors of the same graph (inputs or layer outputs) or Variables.
    Each returned Keras tensor is a graph node: `K.function` (or a model containing it) computes it
    under a GradientTape when it runs. On concrete tensors there is no graph: use `GradientTape`.

    Returns:
        A list with one gradient per variable (None-free: an unconnected variable gets zeros).

    Example:
        >>> x = placeholder(shape=(None, 2))
        >>> (g,) = gradients(sum(square(x)), [x])
        >>> function([x], [g])([np.array([[1.0, 2.0]], "float32")])[0]
        array([[2., 4.]], dtype=float32)
    """
    if not dispatch.is_symbolic(loss):
        # inside a graph run (a Lambda's function, as Keras 2 examples do): the run's tapes may have it
        wrt = list(variables) if isinstance(variables, (list, tuple)) else [variables]
        grads = dispatch.implementation("eager_gradients")(loss, wrt)
        if grads is not None:
            return grads
        raise RuntimeError("K.gradients of a concrete tensor: there is no graph to differentiate (as in tf.keras 2). "
                           "Use GradientTape instead: `with GradientTape() as tape: loss = ...` then "
                           "`tape.gradient(loss, variables)`; or build `loss` from K.placeholder / model inputs.")
    # graph-level: implemented by the graph layer above the engine (see dispatch.py)
    return dispatch.implementation("gradients")(loss, variables)


def function(inputs, outputs, updates=None, name=None, **kwargs):
    """A callable evaluating the graph from symbolic `inputs` to `outputs` on numpy data (planned once).

    Args:
        inputs: a Keras tensor or list of them (`K.placeholder`s, `model.input`, or any tensor of the graph,
            which is then fed instead of computed); `K.learning_phase()` in the list marks where the caller
            passes the phase (0: test, 1: train).
        outputs: a Keras tensor or list of them; gradient nodes from `K.gradients` are computed too.
        updates: variable updates run after the outputs on every call: `(variable, new_value)` pairs or
            symbolic `K.update`/`K.update_add`/`K.update_sub` results. A new value is recomputed on each call
            when it depends on the function's inputs; an expression of variables alone (`v + 1`) was computed
            once, when written (kerasish is eager, as TF 2 is).
        name: accepted for compatibility.

    Returns:
        f(list_of_arrays) -> list of numpy arrays (a single array when `outputs` is a single tensor).

    Example:
        >>> x = placeholder(shape=(None, 3))
        >>> f = function([x], [softmax(x)])
        >>> f([np.zeros((1, 3), "float32")])[0].round(3)
        array([[0.333, 0.333, 0.333]], dtype=float32)
    """
    if kwargs:
        raise ValueError(f"function: invalid argument(s) {sorted(kwargs)}")
    # graph-level: implemented by the graph layer above the engine (see dispatch.py)
    return dispatch.implementation("function")(inputs, outputs, updates=updates, name=name)


def name_scope(name):
    """A no-op context manager (kerasish keeps no graph names).

    Example:
        >>> with name_scope("block"):
        ...     pass
    """
    return contextlib.nullcontext(name)


# --------------------------------------------------------------------------- ops from the other op families
def _reexport(module):
    """Export the `__all__` names of an op family module (nn, conv, pool, crossentropy) here."""
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n, v in vars(module).items() if not n.startswith("_") and callable(v)
                 and getattr(v, "__module__", None) == module.__name__]
    globals().update({n: getattr(module, n) for n in names})


# Exported last, so the layer-kernel families' definitions (activations, conv, pool, crossentropy) win.
for _family in (_nn_ops, _conv_ops, _pool_ops, _crossentropy_ops):
    _reexport(_family)
del _family


# Calls on symbolic (Keras) tensors become graph nodes named "keras.backend.<name>", as tf.keras writes
# them: the wrappers hand those calls to the graph layer (dispatch.py); concrete calls run as before.
_NOT_OPS = {"clear_session", "epsilon", "floatx", "get_uid", "global_learning_phase", "image_data_format",
            "learning_phase", "manual_variable_initialization", "normalize_data_format", "reset_uids", "rng",
            "seeded_rng", "set_epsilon", "set_floatx", "set_image_data_format", "set_learning_phase",
            "image_dim_ordering", "set_image_dim_ordering",
            "set_random_seed", "backend", "name_scope", "learning_phase_scope", "as_tensor", "tensor_and_array",
            "variable", "constant", "placeholder", "function", "gradients", "is_keras_tensor", "is_sparse",
            "int_shape", "ndim", "dtype", "count_params", "get_value", "eval", "batch_get_value", "set_value",
            "batch_set_value", "random_uniform_variable", "random_normal_variable",
            # predicates and decorators: they answer about a tensor, they compute nothing
            "is_tensor", "is_variable", "is_placeholder", "symbolic", "eager", "control_dependencies"}
dispatch.dispatch_namespace(globals(), "keras.backend", dispatch.public_functions(globals(), "kerasish.backend",
                                                                                  exclude=_NOT_OPS))
