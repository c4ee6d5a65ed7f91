"""`CategoryEncoding` and the encoding of integer indices that the lookup, hashing and discretization
layers share: one-hot, multi-hot, counts and TF-IDF, as tf_keras's `encode_categorical_inputs`.

Shapes follow tf_keras: a rank-0 input becomes rank 1; "one_hot" adds an axis unless the last one
has size 1; a rank-1 input to "multi_hot"/"count" is one sample (output `(depth,)`), a rank-2 input
a batch (output `(batch, depth)`); anything of higher rank is an error. Indices outside
`[0, depth)` are dropped, as `tf.math.bincount(maxlength=depth)` drops them.

Example:
    >>> import numpy as np
    >>> from kerasish.layers import CategoryEncoding
    >>> CategoryEncoding(num_tokens=4, output_mode="multi_hot")(np.array([[0, 1], [3, 3]])).numpy().tolist()
    [[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0]]
"""
import numpy as np

from ..backend import config
from ..backend.tensor import Tensor
from ..utils.serialization import register_builtin
from .layer import Layer

__all__ = ["CategoryEncoding"]

INT, ONE_HOT, MULTI_HOT, COUNT, TF_IDF = "int", "one_hot", "multi_hot", "count", "tf_idf"


def as_array(x):
    """A layer input as one numpy array (a Python list of rows arrives as a list of Tensors)."""
    if isinstance(x, Tensor):
        return x.array
    if isinstance(x, (list, tuple)) and x:  # Layer.__call__ turns the items of a list into Tensors
        return np.stack([as_array(v) for v in x])
    return np.asarray(x)


def check_string_arg(value, allowed, layer_name, arg_name, allow_none=False, allow_callables=False):
    """tf_keras's `validate_string_arg`: a ValueError naming the layer, the argument and the choices."""
    if value is None and allow_none or callable(value) and allow_callables or value in allowed:
        return
    allowed_args = "`None`, " if allow_none else ""
    allowed_args += "a `Callable`, " if allow_callables else ""
    allowed_args += f"or one of the following values: {allowed}"
    raise ValueError(f"The `{arg_name}` argument of layer {layer_name} received an invalid value `{value}`. Allowed "
                     f"values are: {allowed_args}.")


def default_output_dtype(kwargs, output_mode):
    """Set `kwargs["dtype"]` as tf_keras's index-producing layers do: int64 for "int" output (an integer
    type is required there), floatx otherwise."""
    dtype = kwargs.get("dtype")
    if dtype is None:
        kwargs["dtype"] = "int64" if output_mode == INT else config.floatx()
    elif output_mode == INT and np.dtype(dtype).kind not in "iu":
        kwargs["dtype"] = "int64"
    return kwargs


def encoded_shape(input_shape, output_mode, depth):
    """The output shape of `encode_categorical` for an input of `input_shape`."""
    shape = list(input_shape)
    if output_mode == INT:
        return tuple(shape)
    if not shape:
        return (depth,)
    if output_mode == ONE_HOT and shape[-1] != 1:
        return tuple(shape) + (depth,)
    return tuple(shape[:-1]) + (depth,)


def encode_categorical(indices, output_mode, depth, dtype="float32", count_weights=None, idf_weights=None):
    """Encode integer `indices` (numpy) as tf_keras does; returns a numpy array of `dtype`."""
    indices = np.asarray(indices)
    if output_mode == INT:
        return indices.astype(dtype)
    original_shape = indices.shape
    if indices.ndim == 0:
        indices = indices.reshape(1)
    if output_mode == ONE_HOT and indices.shape[-1] != 1:
        indices = indices[..., None]
    if indices.ndim > 2:
        raise ValueError(f"When output_mode is not `'int'`, maximum supported output rank is 2. Received output_mode "
                         f"{output_mode} and input shape {original_shape}, which would result in output rank "
                         f"{indices.ndim}.")
    rows = indices.reshape(1, -1) if indices.ndim == 1 else indices
    n = rows.shape[0]
    flat = rows.reshape(-1).astype(np.int64)
    keep = (flat >= 0) & (flat < depth)
    row_ids = np.repeat(np.arange(n), rows.shape[1])[keep]
    weights = None
    if count_weights is not None and output_mode == COUNT:
        weights = np.broadcast_to(np.asarray(count_weights, dtype=np.float64), rows.shape).reshape(-1)[keep]
    counts = np.bincount(row_ids * depth + flat[keep], weights=weights, minlength=n * depth).reshape(n, depth)
    if output_mode in (ONE_HOT, MULTI_HOT):
        counts = counts > 0
    out = counts.astype(dtype)
    if output_mode == TF_IDF:
        out = out * np.asarray(idf_weights, dtype=dtype)[:depth]
    return out[0] if indices.ndim == 1 else out


@register_builtin("layer")
class CategoryEncoding(Layer):
    """Encodes integer categories in `[0, num_tokens)` as one-hot, multi-hot or count vectors.

    Args:
        num_tokens: the number of categories.
        output_mode: "multi_hot" (default), "one_hot" or "count" ("binary" is "multi_hot").
        sparse: must be False (kerasish has no sparse tensors).

    Call arguments:
        inputs: integer indices, shape `(batch,)`, `(batch, 1)` or `(batch, n)`.
        count_weights: weights summed instead of counts in "count" mode (same shape as `inputs`).

    Example:
        >>> import numpy as np
        >>> CategoryEncoding(3, output_mode="one_hot")(np.array([2, 0])).numpy().tolist()
        [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
        >>> CategoryEncoding(3, output_mode="count")(np.array([[1, 1, 2]]),
        ...                                          count_weights=np.array([[0.5, 1.0, 2.0]])).numpy().tolist()
        [[0.0, 1.5, 2.0]]
    """

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        if "max_tokens" in kwargs:  # the old name
            num_tokens = kwargs.pop("max_tokens")
        super().__init__(**kwargs)
        if output_mode == "binary":
            output_mode = MULTI_HOT
        check_string_arg(output_mode, (COUNT, ONE_HOT, MULTI_HOT), "CategoryEncoding", "output_mode")
        if num_tokens is None:
            raise ValueError("num_tokens must be set to use this layer. If the number of tokens is not known "
                             "beforehand, use the IntegerLookup layer instead.")
        if num_tokens < 1:
            raise ValueError(f"`num_tokens` must be >= 1. Received: num_tokens={num_tokens}.")
        if sparse:
            raise ValueError("CategoryEncoding: `sparse=True` is not supported (kerasish has no sparse tensors).")
        self.num_tokens = int(num_tokens)
        self.output_mode = output_mode
        self.sparse = False

    def call(self, inputs, count_weights=None):
        values = as_array(inputs)
        if count_weights is not None and self.output_mode != COUNT:
            raise ValueError("`count_weights` is not used when `output_mode` is not `'count'`. Received "
                             f"`count_weights={count_weights}`.")
        if values.dtype.kind not in "iub":
            if values.dtype.kind == "f" and np.all(np.mod(values, 1) == 0):
                values = values.astype(np.int64)
            else:
                raise ValueError(f'Layer "{self.name}" expects integer category indices; received an input of dtype '
                                 f"{values.dtype}")
        if values.size and (values.min() < 0 or values.max() >= self.num_tokens):
            raise ValueError(f"Input values must be in the range 0 <= values < num_tokens with "
                             f"num_tokens={self.num_tokens}; received values in [{values.min()}, {values.max()}] "
                             f'(layer "{self.name}")')
        weights = None if count_weights is None else as_array(count_weights)
        return Tensor(encode_categorical(values, self.output_mode, self.num_tokens, self.dtype, count_weights=weights))

    def compute_output_shape(self, input_shape):
        return encoded_shape(input_shape, self.output_mode, self.num_tokens)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"num_tokens": self.num_tokens, "output_mode": self.output_mode, "sparse": self.sparse})
        return cfg
