"""TensorFlow op names, as tf.keras writes them in `TFOpLambda` configs, mapped to kerasish ops.

tf.keras 2 records every TensorFlow function applied to a Keras tensor as an op layer whose config names
the function by its TF API path (`"math.reduce_sum"`, `"nn.softmax"`, `"__operators__.add"`). Loading
such a file here looks the name up in `TF_FUNCTIONS`: each entry takes TensorFlow's arguments (names and
defaults) and computes with the engine. An unknown name is refused with a clear error; nothing is ever
imported or evaluated from a file. kerasish itself writes these names for Python operators and slicing
(what tf.keras writes for them), and `keras.backend.*` / `keras.losses.*` names for backend and loss calls.

Example:
    >>> import numpy as np
    >>> TF_FUNCTIONS["math.reduce_sum"](np.ones((2, 3), "float32"), axis=-1).numpy()
    array([3., 3.], dtype=float32)
"""
import numpy as np

from ..backend import config
from ..backend.ops import linalg, math as m, nn, random as rnd, reduce as r, shape as s
from ..backend.ops.core import tensor_and_array
from ..backend.tensor import Tensor, as_tensor

TF_FUNCTIONS = {}


def _tf(*names):
    def deco(fn):
        for n in names:
            TF_FUNCTIONS[n] = fn
        return fn

    return deco


def tf_dtype(dtype, default: str = None) -> str:
    """A numpy dtype name from a TF dtype spelling ("float32", "<dtype: 'float32'>", tf's enum ints are not used)."""
    if dtype is None:
        return default
    name = getattr(dtype, "name", dtype)
    if isinstance(name, str) and name.startswith("<dtype:"):
        name = name.split("'")[1]
    return np.dtype(name).name


def _axis(axis):
    if isinstance(axis, Tensor):
        axis = axis.array.tolist()
    return tuple(axis) if isinstance(axis, list) else axis


def _ints(value):
    """Python ints from a shape-like argument (list, tuple, array or int Tensor)."""
    if isinstance(value, Tensor):
        value = value.array
    return [int(v) for v in np.asarray(value).reshape(-1)]


# --------------------------------------------------------------------------- operators and elementwise math
def _binary(fn):
    def op(x, y, name=None):
        return fn(x, y)

    op.__doc__ = f"TensorFlow-signature wrapper of `{fn.__name__}(x, y)`."
    return op


for _names, _fn in ((("__operators__.add", "math.add", "add"), m.add), (("math.subtract", "subtract"), m.subtract),
                    (("math.multiply", "multiply"), m.multiply), (("math.truediv", "math.divide", "truediv"), m.divide),
                    (("math.floordiv", "compat.v1.floor_div", "floor_div"), m.floor_divide),
                    (("math.floormod", "math.mod", "floormod"), m.mod), (("math.pow", "pow"), m.power),
                    (("math.maximum", "maximum"), m.maximum), (("math.minimum", "minimum"), m.minimum),
                    (("math.greater", "greater"), m.greater), (("math.greater_equal",), m.greater_equal),
                    (("math.less", "less"), m.less), (("math.less_equal",), m.less_equal),
                    (("math.equal", "equal"), m.equal), (("math.not_equal", "not_equal"), m.not_equal),
                    (("math.logical_and",), m.logical_and), (("math.logical_or",), m.logical_or),
                    (("math.logical_xor",), m.logical_xor)):
    _tf(*_names)(_binary(_fn))


def _unary(fn):
    def op(x, name=None):
        return fn(x)

    op.__doc__ = f"TensorFlow-signature wrapper of `{getattr(fn, '__name__', 'op')}(x)`."
    return op


for _names, _fn in ((("math.negative", "negative"), m.negative), (("math.abs", "abs"), m.abs),
                    (("math.square", "square"), m.square), (("math.sqrt", "sqrt"), m.sqrt),
                    (("math.rsqrt",), m.rsqrt), (("math.exp", "exp"), m.exp), (("math.log",), m.log),
                    (("math.log1p",), m.log1p), (("math.expm1",), m.expm1), (("math.sign", "sign"), m.sign),
                    (("math.round", "round"), m.round), (("math.floor", "floor"), m.floor),
                    (("math.ceil",), m.ceil), (("math.reciprocal",), m.reciprocal),
                    (("math.sin",), m.sin), (("math.cos",), m.cos), (("math.tan",), m.tan),
                    (("math.tanh", "nn.tanh", "tanh"), m.tanh), (("math.sigmoid", "nn.sigmoid", "sigmoid"), nn.sigmoid),
                    (("math.softplus", "nn.softplus"), nn.softplus), (("nn.softsign", "math.softsign"), nn.softsign),
                    (("nn.relu",), nn.relu), (("nn.relu6",), nn.relu6), (("nn.selu",), nn.selu),
                    (("nn.silu", "nn.swish"), nn.silu), (("math.logical_not",), m.logical_not),
                    (("stop_gradient",), m.stop_gradient), (("identity",), s.identity),
                    (("math.is_nan",), m.isnan), (("math.is_inf",), m.isinf)):
    _tf(*_names)(_unary(_fn))


def _equality(symbol, fn, spelled):
    def op(self, other=None):
        if other is None:
            raise ValueError(f"{symbol}: this op layer has no second operand (tf.keras drops it when saving "
                             f"`x {spelled} y` on Keras tensors); use K.{fn.__name__} in the model instead")
        return fn(self, other)

    op.__doc__ = f"`x {spelled} y` as tf.keras records it (elementwise)."
    TF_FUNCTIONS[symbol] = op


_equality("__operators__.eq", m.equal, "==")
_equality("__operators__.ne", m.not_equal, "!=")


@_tf("math.squared_difference")
def _squared_difference(x, y, name=None):
    return m.square(m.subtract(x, y))


@_tf("nn.elu")
def _elu(features, name=None):
    return nn.elu(features)


@_tf("nn.leaky_relu")
def _leaky_relu(features, alpha=0.2, name=None):
    return nn.leaky_relu(features, alpha=alpha)


@_tf("nn.gelu")
def _gelu(features, approximate=False, name=None):
    return nn.gelu(features, approximate=approximate)


@_tf("nn.softmax", "math.softmax")
def _softmax(logits, axis=None, name=None):
    return nn.softmax(logits, axis=-1 if axis is None else axis)


@_tf("nn.log_softmax", "math.log_softmax")
def _log_softmax(logits, axis=None, name=None):
    return nn.log_softmax(logits, axis=-1 if axis is None else axis)


@_tf("math.l2_normalize", "nn.l2_normalize", "linalg.l2_normalize")
def _l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    if epsilon != 1e-12:
        raise ValueError(f"l2_normalize: kerasish supports TensorFlow's default epsilon 1e-12 only; received {epsilon}")
    return nn.l2_normalize(x, axis=_axis(axis if axis is not None else dim))


@_tf("nn.bias_add")
def _bias_add(value, bias, data_format=None, name=None):
    return nn.bias_add(value, bias, data_format="channels_first" if data_format == "NCHW" else None)


@_tf("clip_by_value")
def _clip_by_value(t, clip_value_min, clip_value_max, name=None):
    return m.minimum(m.maximum(t, clip_value_min), clip_value_max)


@_tf("linalg.matmul", "matmul")
def _matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False, a_is_sparse=False,
            b_is_sparse=False, output_type=None, name=None):
    if transpose_a or adjoint_a:
        a = s.swapaxes(a, -1, -2)
    if transpose_b or adjoint_b:
        b = s.swapaxes(b, -1, -2)
    return m.matmul(a, b)


# --------------------------------------------------------------------------- reductions
def _reduction(fn):
    def op(input_tensor, axis=None, keepdims=False, name=None, reduction_indices=None, keep_dims=None):
        axis = axis if axis is not None else reduction_indices
        return fn(input_tensor, axis=_axis(axis), keepdims=bool(keepdims if keep_dims is None else keep_dims))

    op.__doc__ = f"TensorFlow-signature wrapper of `{fn.__name__}`."
    return op


for _names, _fn in ((("math.reduce_sum", "reduce_sum"), m.sum), (("math.reduce_mean", "reduce_mean"), m.mean),
                    (("math.reduce_max", "reduce_max"), m.max), (("math.reduce_min", "reduce_min"), m.min),
                    (("math.reduce_prod", "reduce_prod"), r.prod), (("math.reduce_std",), r.std),
                    (("math.reduce_variance",), r.var), (("math.reduce_any", "reduce_any"), r.any),
                    (("math.reduce_all", "reduce_all"), r.all), (("math.reduce_logsumexp",), r.logsumexp)):
    _tf(*_names)(_reduction(_fn))


@_tf("math.argmax", "argmax")
def _argmax(input, axis=None, output_type="int64", name=None, dimension=None):  # noqa: A002  (TF's name)
    axis = 0 if axis is None and dimension is None else (axis if axis is not None else dimension)
    return m.cast(r.argmax(input, axis=int(axis)), tf_dtype(output_type))


@_tf("math.argmin", "argmin")
def _argmin(input, axis=None, output_type="int64", name=None, dimension=None):  # noqa: A002  (TF's name)
    axis = 0 if axis is None and dimension is None else (axis if axis is not None else dimension)
    return m.cast(r.argmin(input, axis=int(axis)), tf_dtype(output_type))


@_tf("math.cumsum", "cumsum")
def _cumsum(x, axis=0, exclusive=False, reverse=False, name=None):
    if exclusive:
        raise ValueError("cumsum: exclusive=True is not supported by kerasish")
    return r.cumsum(x, axis=int(axis), reverse=bool(reverse))


@_tf("math.cumprod", "cumprod")
def _cumprod(x, axis=0, exclusive=False, reverse=False, name=None):
    if exclusive:
        raise ValueError("cumprod: exclusive=True is not supported by kerasish")
    return r.cumprod(x, axis=int(axis), reverse=bool(reverse))


# --------------------------------------------------------------------------- shapes and structure
def _like_first_tensor(values):
    """Plain list elements of a TF op's `values` take the dtype of the first tensor (`tf.concat([shape, []])`)."""
    dtype = next((v.dtype for v in values if isinstance(v, Tensor)), None)
    return [v if isinstance(v, Tensor) or dtype is None else Tensor(np.asarray(v, dtype=dtype)) for v in values]


@_tf("concat")
def _concat(values, axis, name="concat"):
    return s.concatenate(_like_first_tensor(list(values)), axis=int(axis))


@_tf("stack")
def _stack(values, axis=0, name="stack"):
    return s.stack(_like_first_tensor(list(values)), axis=int(axis))


@_tf("unstack")
def _unstack(value, num=None, axis=0, name="unstack"):
    return s.unstack(value, axis=int(axis))


@_tf("reshape")
def _reshape(tensor, shape, name=None):
    return m.reshape(tensor, tuple(_ints(shape)))


@_tf("expand_dims")
def _expand_dims(input, axis, name=None):  # noqa: A002  (TF's name)
    return s.expand_dims(input, int(axis))


@_tf("squeeze", "compat.v1.squeeze")
def _squeeze(input, axis=None, name=None, squeeze_dims=None):  # noqa: A002  (TF's name)
    axis = axis if axis is not None else squeeze_dims
    return s.squeeze(input, axis=_axis(axis))


@_tf("transpose", "compat.v1.transpose", "linalg.matrix_transpose")
def _transpose(a, perm=None, name="transpose", conjugate=False):
    return s.transpose(a, None if perm is None else tuple(_ints(perm)))


@_tf("tile")
def _tile(input, multiples, name=None):  # noqa: A002  (TF's name)
    return s.tile(input, tuple(_ints(multiples)))


@_tf("reverse")
def _reverse(tensor, axis, name=None):
    return s.reverse(tensor, tuple(_ints(axis)))


@_tf("pad")
def _pad(tensor, paddings, mode="CONSTANT", constant_values=0, name=None):
    pairs = [tuple(p) for p in np.asarray(paddings.array if isinstance(paddings, Tensor) else paddings).tolist()]
    return s.pad(tensor, pairs, mode=str(mode).lower(), constant_values=constant_values)


@_tf("gather", "compat.v1.gather")
def _gather(params, indices, validate_indices=None, axis=None, batch_dims=0, name=None):
    if batch_dims:
        raise ValueError("gather: batch_dims is not supported by kerasish")
    return s.take(params, indices, axis=0 if axis is None else int(axis))


@_tf("one_hot")
def _one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name=None):
    if axis not in (None, -1) or on_value not in (None, 1) or off_value not in (None, 0):
        raise ValueError("one_hot: kerasish supports the last axis and values 1/0 only")
    return m.cast(s.one_hot(indices, int(depth)), tf_dtype(dtype, "float32"))


@_tf("where")
def _where(condition, x=None, y=None, name=None):
    if x is None or y is None:
        raise ValueError("where: the one-argument form (indices of true elements) has no static shape; give x and y")
    return m.where(condition, x, y)


@_tf("shape", "compat.v1.shape")
def _shape(input, out_type="int32", name=None):  # noqa: A002  (TF's name)
    _, xa = tensor_and_array(input)
    return Tensor(np.asarray(xa.shape, dtype=tf_dtype(out_type, "int32")))


@_tf("cast", "dtypes.cast")
def _cast(x, dtype, name=None):
    return m.cast(x, tf_dtype(dtype))


@_tf("convert_to_tensor")
def _convert_to_tensor(value, dtype=None, dtype_hint=None, name=None):
    t = as_tensor(value)
    dtype = tf_dtype(dtype)
    return m.cast(t, dtype) if dtype is not None and t.dtype != dtype else t


def _filled(fill):
    def op(shape, dtype="float32", name=None):
        return Tensor(fill(tuple(_ints(shape)), dtype=tf_dtype(dtype, "float32")))

    return op


_tf("zeros")(_filled(np.zeros))
_tf("ones")(_filled(np.ones))


def _filled_like(fill):
    def op(input, dtype=None, name=None):  # noqa: A002  (TF's name)
        _, xa = tensor_and_array(input)
        return Tensor(fill(xa.shape, dtype=tf_dtype(dtype) or xa.dtype))

    return op


_tf("zeros_like")(_filled_like(np.zeros))
_tf("ones_like")(_filled_like(np.ones))


@_tf("random.normal")
def _random_normal(shape, mean=0.0, stddev=1.0, dtype="float32", seed=None, name=None):
    return rnd.random_normal(tuple(_ints(shape)), mean=mean, stddev=stddev, dtype=tf_dtype(dtype, config.floatx()),
                             seed=seed)


@_tf("random.uniform")
def _random_uniform(shape, minval=0, maxval=None, dtype="float32", seed=None, name=None):
    return rnd.random_uniform(tuple(_ints(shape)), minval=minval, maxval=1.0 if maxval is None else maxval,
                              dtype=tf_dtype(dtype, config.floatx()), seed=seed)


@_tf("nn.dropout")
def _dropout(x, rate, noise_shape=None, seed=None, name=None):
    return nn.dropout(x, rate, noise_shape=noise_shape, seed=seed)


@_tf("linalg.einsum", "einsum")
def _einsum(equation, *inputs, **kwargs):
    return linalg.einsum(equation, *inputs)


# --------------------------------------------------------------------------- slicing
_ELLIPSIS = {"class_name": "__ellipsis__"}  # how tf.keras's JSON encoder writes `...`


def slice_from_config(item):
    """A slicing key element from its config form: {"start", "stop", "step"} dicts become slices and
    {"class_name": "__ellipsis__"} (or the string "Ellipsis") becomes `...`."""
    if isinstance(item, dict) and set(item) == {"start", "stop", "step"}:
        return slice(item["start"], item["stop"], item["step"])
    if item == _ELLIPSIS or item == "Ellipsis":
        return Ellipsis
    return item


def slice_to_config(item):
    """The config form of one slicing key element (see `slice_from_config`)."""
    if isinstance(item, slice):
        return {"start": _index(item.start), "stop": _index(item.stop), "step": _index(item.step)}
    if item is Ellipsis:
        return dict(_ELLIPSIS)
    return _index(item)


def _index(v):
    if isinstance(v, (np.integer, np.bool_)):
        return v.item()
    return v


@_tf("__operators__.getitem")
def getitem(tensor, slice_spec, var=None):
    """`tensor[slice_spec]` as tf.keras records slicing (a key or a list of key elements)."""
    if isinstance(slice_spec, list):
        key = tuple(slice_from_config(k) for k in slice_spec)
    else:
        key = slice_from_config(slice_spec)
    return m.getitem(tensor, key)
