"""Attention layers: dot-product `Attention` (Luong), `AdditiveAttention` (Bahdanau), `MultiHeadAttention`,
and `EinsumDense`, the einsum projection MultiHeadAttention is built from.

Numbers, weight names/shapes/order and configs follow tf_keras 2.21: masked scores get -1e9 added
before the softmax, MultiHeadAttention scales the projected query by 1/sqrt(key_dim), and its
weights are saved as `<mha>/query/kernel:0`, `<mha>/query/bias:0`, ... `<mha>/attention_output/bias:0`.

Example:
    >>> import numpy as np
    >>> from kerasish.layers import Attention, MultiHeadAttention
    >>> q = np.ones((2, 4, 3), "float32"); v = np.ones((2, 5, 3), "float32")
    >>> Attention()([q, v]).shape
    (2, 4, 3)
    >>> mha = MultiHeadAttention(num_heads=2, key_dim=4, name="mha")
    >>> out, scores = mha(q, v, return_attention_scores=True)
    >>> out.shape, scores.shape
    ((2, 4, 3), (2, 2, 4, 5))
    >>> [w.name for w in mha.weights][:2]
    ['mha/query/kernel:0', 'mha/query/bias:0']
"""
import collections.abc
import contextlib
import math
import re
import string

import numpy as np

from .. import activations, constraints, initializers, regularizers
from ..backend.ops import linalg
from ..backend.ops import math as m
from ..backend.ops import nn
from ..backend.ops import shape as s
from ..backend import config
from ..backend.ops.core import tensor_and_array
from ..backend.tensor import Tensor
from ..utils.serialization import register_builtin
from .layer import Layer, is_symbolic
from ..backend.user_warnings import warn

__all__ = ["Attention", "AdditiveAttention", "MultiHeadAttention", "EinsumDense"]


def _bool_array(mask):
    """A mask (Tensor, array, list) as a numpy bool array."""
    _, arr = tensor_and_array(mask)
    return arr if arr.dtype == np.bool_ else arr.astype(bool)


def _shape_of(x):
    """The shape of a Tensor, KerasTensor, array or an explicit shape, as a tuple (None kept)."""
    if hasattr(x, "shape"):
        return tuple(None if d is None else int(d) for d in x.shape)
    return tuple(None if d is None else int(d) for d in x)


def _large_negative(dtype):
    # tf_keras: -1e9, except float16 where it must stay representable (65504 is float16's max)
    return -65504.0 if np.dtype(dtype) == np.float16 else -1e9


# ----------------------------------------------------------------------------- dense attention
class _BaseDenseAttention(Layer):
    """Shared call logic of `Attention` and `AdditiveAttention` (tf_keras BaseDenseAttention).

    Subclasses compute `scores` of shape (batch, Tq, Tv) in `_calculate_scores(query, key)`.
    """

    def __init__(self, dropout=0.0, **kwargs):
        if "causal" in kwargs:
            warn("`causal` argument is deprecated. Please use `use_causal_mask` in call() method to "
                 "specify causal masking.")
        self.causal = bool(kwargs.pop("causal", False))
        super().__init__(**kwargs)
        if not isinstance(dropout, (int, float)) or isinstance(dropout, bool) or not 0.0 <= dropout <= 1.0:
            raise ValueError(f"{type(self).__name__}: `dropout` must be a float between 0 and 1; "
                             f"received dropout={dropout!r}")
        self.dropout = dropout
        self.supports_masking = True
        self._scores_requested = False

    def __call__(self, inputs, *args, **kwargs):
        # A symbolic call that also returns the scores has two outputs: let the layer infer them by a
        # dry run instead of `compute_output_shape` (which, as in Keras, describes the first output only).
        self._scores_requested = bool(kwargs.get("return_attention_scores", False))
        try:
            return super().__call__(inputs, *args, **kwargs)
        finally:
            self._scores_requested = False

    def _calculate_scores(self, query, key):
        raise NotImplementedError

    def _apply_scores(self, scores, value, scores_mask=None, training=None):
        """softmax(scores with masked positions pushed to -1e9) @ value; returns (result, weights)."""
        if scores_mask is not None:
            adder = np.logical_not(scores_mask).astype(scores.dtype) * _large_negative(scores.dtype)
            scores = m.add(scores, adder)
        weights = nn.softmax(scores, axis=-1)
        if training and self.dropout > 0:
            weights = nn.dropout(weights, self.dropout)
        return m.matmul(weights, value), weights

    def call(self, inputs, mask=None, training=None, return_attention_scores=False, use_causal_mask=False):
        self._validate_call_args(inputs, mask)
        q = inputs[0]
        v = inputs[1]
        k = inputs[2] if len(inputs) > 2 else v
        q_mask = mask[0] if mask else None
        v_mask = mask[1] if mask else None
        scores = self._calculate_scores(query=q, key=k)
        scores_mask = None
        if v_mask is not None:
            scores_mask = np.expand_dims(_bool_array(v_mask), axis=-2)  # (batch, 1, Tv)
        if self.causal or use_causal_mask:
            tq, tv = scores.shape[-2], scores.shape[-1]
            causal = np.tril(np.ones((tq, tv), dtype=bool)).reshape((1,) * (scores.ndim - 2) + (tq, tv))
            scores_mask = causal if scores_mask is None else np.logical_and(scores_mask, causal)
        result, attention_scores = self._apply_scores(scores, v, scores_mask=scores_mask, training=training)
        if q_mask is not None:
            keep = np.expand_dims(_bool_array(q_mask), axis=-1).astype(result.dtype)  # (batch, Tq, 1)
            result = m.multiply(result, keep)
        if return_attention_scores:
            return result, attention_scores
        return result

    def compute_mask(self, inputs, mask=None):
        self._validate_call_args(inputs, mask)
        if mask:
            q_mask = mask[0]
            if q_mask is None:
                return None
            return q_mask if isinstance(q_mask, Tensor) else Tensor(_bool_array(q_mask))
        return None

    def compute_output_shape(self, input_shape):
        if self._scores_requested:
            raise NotImplementedError  # two outputs: inferred by a dry run of `call`
        shapes = [tuple(sh) for sh in input_shape]
        # (batch, Tq, dim of value); Keras documents this and returns the query shape, equal in practice
        return shapes[0][:-1] + shapes[1][-1:]

    def _validate_call_args(self, inputs, mask):
        name = type(self).__name__
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"{name} layer must be called on a list of inputs, namely [query, value] or "
                             f"[query, value, key]. Received: {inputs!r:.200}.")
        if len(inputs) < 2 or len(inputs) > 3:
            raise ValueError(f"{name} layer accepts inputs list of length 2 or 3, namely [query, value] or "
                             f"[query, value, key]. Received length: {len(inputs)}.")
        if mask:
            if not isinstance(mask, (list, tuple)):
                raise ValueError(f"{name} layer mask must be a list, namely [query_mask, value_mask]. "
                                 f"Received: {mask!r:.200}.")
            if len(mask) < 2 or len(mask) > len(inputs):
                raise ValueError(f"{name} layer mask must be a list of length 2, namely [query_mask, "
                                 f"value_mask]. Received length: {len(mask)}.")

    def get_config(self):
        cfg = super().get_config()
        cfg["dropout"] = self.dropout
        return cfg


@register_builtin("layer")
class Attention(_BaseDenseAttention):
    """Dot-product attention (Luong style): softmax(query · keyᵀ) · value.

    Called on `[query, value]` or `[query, value, key]` (key defaults to value), shapes
    (batch, Tq, dim), (batch, Tv, dim_v), (batch, Tv, dim). Call arguments: `mask=[query_mask,
    value_mask]` (boolean (batch, Tq) and (batch, Tv)), `training`, `return_attention_scores`,
    `use_causal_mask`. Masked values get -1e9 added to their scores; output rows of masked
    queries are zeroed.

    Args:
        use_scale: learn a scalar `scale` (initialised to 1) multiplying the scores.
        score_mode: 'dot' (query · key) or 'concat' (concat_score_weight · Σ tanh(query + key)).
        dropout: fraction of the attention weights dropped during training.

    Example:
        >>> import numpy as np
        >>> from kerasish.layers import Attention
        >>> q = np.zeros((1, 2, 3), "float32"); v = np.arange(6, dtype="float32").reshape(1, 2, 3)
        >>> Attention()([q, v]).numpy().tolist()
        [[[1.5, 2.5, 3.5], [1.5, 2.5, 3.5]]]
    """

    def __init__(self, use_scale=False, score_mode="dot", **kwargs):
        super().__init__(**kwargs)
        self.use_scale = use_scale
        self.score_mode = score_mode
        if self.score_mode not in ("dot", "concat"):
            raise ValueError(f'Received: score_mode={score_mode}. Acceptable values are: ["dot", "concat"]')

    def build(self, input_shape):
        self.scale = self.add_weight(name="scale", shape=(), initializer="ones", dtype=self.dtype,
                                     trainable=True) if self.use_scale else None
        self.concat_score_weight = self.add_weight(
            name="concat_score_weight", shape=(), initializer="ones", dtype=self.dtype,
            trainable=True) if self.score_mode == "concat" else None
        self.built = True

    def _calculate_scores(self, query, key):
        if self.score_mode == "dot":
            _check_last_dims(self, query, key)
            scores = m.matmul(query, s.swapaxes(key, -1, -2))
            if self.scale is not None:
                scores = m.multiply(scores, self.scale)
            return scores
        _check_last_dims(self, query, key)
        pair = m.add(s.expand_dims(query, -2), s.expand_dims(key, -3))  # (batch, Tq, Tv, dim)
        if self.scale is not None:
            pair = m.multiply(self.scale, pair)
        return m.multiply(self.concat_score_weight, m.sum(m.tanh(pair), axis=-1))

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"use_scale": self.use_scale, "score_mode": self.score_mode})
        return cfg


@register_builtin("layer")
class AdditiveAttention(_BaseDenseAttention):
    """Additive attention (Bahdanau style): scores = Σ scale · tanh(query + key) over the feature axis.

    Called like `Attention` on `[query, value]` or `[query, value, key]`.

    Args:
        use_scale: learn a `scale` vector of the feature size (glorot_uniform initialised);
            without it the scale is 1.
        dropout: fraction of the attention weights dropped during training.

    Example:
        >>> import numpy as np
        >>> from kerasish.layers import AdditiveAttention
        >>> layer = AdditiveAttention()
        >>> layer([np.ones((2, 4, 3), "float32"), np.ones((2, 5, 3), "float32")]).shape
        (2, 4, 3)
        >>> [w.shape for w in layer.weights]
        [(3,)]
    """

    def __init__(self, use_scale=True, **kwargs):
        super().__init__(**kwargs)
        self.use_scale = use_scale

    def build(self, input_shape):
        dim = tuple(input_shape[1])[-1]
        if self.use_scale:
            if dim is None:
                raise ValueError(f'AdditiveAttention layer "{self.name}": the last axis of the value must be '
                                 f"known to create `scale`; received value shape {tuple(input_shape[1])}")
            self.scale = self.add_weight(name="scale", shape=(dim,), initializer="glorot_uniform",
                                         dtype=self.dtype, trainable=True)
        else:
            self.scale = None
        self.built = True

    def _calculate_scores(self, query, key):
        _check_last_dims(self, query, key)
        pair = m.tanh(m.add(s.expand_dims(query, -2), s.expand_dims(key, -3)))  # (batch, Tq, Tv, dim)
        if self.use_scale:
            pair = m.multiply(self.scale, pair)
        return m.sum(pair, axis=-1)

    def get_config(self):
        cfg = super().get_config()
        cfg["use_scale"] = self.use_scale
        return cfg


def _check_last_dims(layer, query, key):
    if query.shape[-1] != key.shape[-1]:
        raise ValueError(f'{type(layer).__name__} layer "{layer.name}": query and key must have the same last '
                         f"dimension; received query shape {tuple(query.shape)} and key shape {tuple(key.shape)}")


# ----------------------------------------------------------------------------- EinsumDense
_EINSUM_FORMS = (
    (re.compile(r"^([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)$"), False),
    (re.compile(r"^0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)$"), True),
    (re.compile(r"^([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0$"), False),
)


def _analyze_einsum(equation, bias_axes, input_shape, partial_output_shape):
    """(kernel shape, bias shape or None, full output shape) for an EinsumDense equation (tf_keras rules)."""
    spec = equation.replace("...", "0")
    for pattern, left_elided in _EINSUM_FORMS:
        match = pattern.match(spec)
        if match:
            break
    else:
        raise ValueError(f"Invalid einsum equation '{equation}'. Equations must be in the form [X],[Y]->[Z], "
                         "...[X],[Y]->...[Z], or [X]...,[Y]->[Z]....")
    input_spec, weight_spec, output_spec = match.groups()
    input_shape = tuple(input_shape)
    elided = len(input_shape) - len(input_spec)
    output_shape = [input_shape[0]] + list(partial_output_shape)
    if elided > 0 and left_elided:
        output_shape[1:1] = list(input_shape[1:elided])
    elif elided > 0:
        output_shape.extend(input_shape[len(input_shape) - elided:])
    if left_elided:
        input_dim = {d: i + elided - len(input_shape) for i, d in enumerate(input_spec)}
        output_dim = {d: i + elided for i, d in enumerate(output_spec)}
    else:
        input_dim = {d: i for i, d in enumerate(input_spec)}
        output_dim = {d: i for i, d in enumerate(output_spec)}
    if len(output_shape) < len(output_spec) + (elided if elided > 0 and left_elided else 0):
        raise ValueError(f"EinsumDense: `output_shape` {list(partial_output_shape)} is too short for the output "
                         f"spec '{output_spec}' of '{equation}': give one entry per output axis after the batch "
                         "axis (None for sizes taken from the input)")
    for d in input_spec:
        if d in output_dim:
            want, got = output_shape[output_dim[d]], input_shape[input_dim[d]]
            if want is not None and got is not None and want != got:
                raise ValueError(f"Input shape and output shape do not match at shared dimension '{d}'. Input "
                                 f"shape is {got}, and output shape is {want}.")
    for d in output_spec:
        if d not in input_spec and d not in weight_spec:
            raise ValueError(f"Dimension '{d}' was specified in the output '{output_spec}' but has no "
                             f"corresponding dim in the input spec '{input_spec}' or weight spec '{weight_spec}'")
    kernel_shape = []
    for d in weight_spec:
        if d in input_dim:
            kernel_shape.append(input_shape[input_dim[d]])
        elif d in output_dim:
            kernel_shape.append(output_shape[output_dim[d]])
        else:
            raise ValueError(f"Weight dimension '{d}' did not have a match in either the input spec "
                             f"'{input_spec}' or the output spec '{output_spec}'. For this layer, the weight must "
                             "be fully specified.")
    bias_shape = None
    if bias_axes is not None:
        offset = elided if left_elided else 0
        sizes = {d: output_shape[i + offset] for i, d in enumerate(output_spec)}
        for d in bias_axes:
            if d not in output_spec:
                raise ValueError(f"Bias dimension '{d}' was requested, but is not part of the output spec "
                                 f"'{output_spec}'")
        first = min(output_spec.find(d) for d in bias_axes)
        bias_shape = [sizes[d] if d in bias_axes else 1 for d in output_spec[first:]]
        if not left_elided:
            bias_shape.extend([1] * max(elided, 0))
    return kernel_shape, bias_shape, output_shape


def _einsum_output_shape(equation, input_shape, kernel_shape):
    """The output shape of einsum(equation, input, kernel), None where the input's size is unknown.

    (tf_keras derives it from `output_shape` and gets the axis order of '...' wrong for some equations;
    the layer's actual output is what the einsum computes, so that is what this returns.)
    """
    lhs, out = equation.replace(" ", "").split("->")
    in_spec, kernel_spec = lhs.split(",")
    n_elided = len(input_shape) - len(in_spec.replace("...", ""))
    spare = [ch for ch in string.ascii_letters if ch not in equation]
    elided = "".join(spare[:max(n_elided, 0)])
    in_spec, out = in_spec.replace("...", elided), out.replace("...", elided)
    sizes = dict(zip(kernel_spec, kernel_shape))
    sizes.update((ch, d) for ch, d in zip(in_spec, input_shape) if ch not in sizes or d is not None)
    return tuple(sizes.get(ch) for ch in out)


@register_builtin("layer")
class EinsumDense(Layer):
    """A dense layer of any rank: `activation(einsum(equation, inputs, kernel) + bias)`.

    Args:
        equation: 'ab,bc->ac' style, the input first and the kernel second; '...' may stand for leading
            ('...b,bc->...c') or trailing axes ('ab...,bc->ac...').
        output_shape: the output's shape without the batch axis (None for sizes taken from the input);
            an int for a single axis.
        activation: activation applied to the result (default: linear).
        bias_axes: output letters that get a bias (e.g. 'c'), or None for no bias.
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer, kernel_constraint,
        bias_constraint: as in Dense.
        activity_regularizer: accepted but not applied, exactly as tf_keras 2.x (whose EinsumDense drops it).

    Example:
        >>> import numpy as np
        >>> from kerasish.layers import EinsumDense
        >>> layer = EinsumDense("abc,cde->abde", output_shape=(None, 2, 4), bias_axes="de")
        >>> layer(np.ones((3, 5, 6), "float32")).shape
        (3, 5, 2, 4)
        >>> [w.shape for w in layer.weights]
        [(6, 2, 4), (2, 4)]
    """

    def __init__(self, equation, output_shape, activation=None, bias_axes=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(equation, str):
            raise TypeError(f"EinsumDense: `equation` must be a string such as 'ab,bc->ac'; received {equation!r}")
        self.equation = equation
        if isinstance(output_shape, (int, np.integer)):
            self.partial_output_shape = [int(output_shape)]
        else:
            try:
                self.partial_output_shape = [None if d is None else int(d) for d in output_shape]
            except TypeError:
                raise TypeError(f"EinsumDense: `output_shape` must be an int or a list of ints/None; received "
                                f"{output_shape!r}") from None
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def build(self, input_shape):
        kernel_shape, bias_shape, self.full_output_shape = _analyze_einsum(
            self.equation, self.bias_axes, input_shape, self.partial_output_shape)
        if any(d is None for d in kernel_shape) or (bias_shape is not None and any(d is None for d in bias_shape)):
            raise ValueError(f'EinsumDense layer "{self.name}": the kernel shape {kernel_shape} or bias shape '
                             f"{bias_shape} has unknown sizes; give them in `output_shape` or in the input shape "
                             f"(received input shape {tuple(input_shape)})")
        self.kernel = self.add_weight("kernel", shape=kernel_shape, initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
                                      dtype=self.dtype, trainable=True)
        self.bias = self.add_weight("bias", shape=bias_shape, initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                                    dtype=self.dtype, trainable=True) if bias_shape is not None else None
        self.built = True

    def call(self, inputs):
        try:
            out = linalg.einsum(self.equation, inputs, self.kernel)
        except ValueError as e:
            raise ValueError(f'EinsumDense layer "{self.name}" ({self.equation!r}, kernel shape '
                             f"{tuple(self.kernel.shape)}) cannot be applied to an input of shape "
                             f"{tuple(inputs.shape)}: {e}") from None
        if self.bias is not None:
            out = m.add(out, self.bias)
        return self.activation(out)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        kernel_shape = _analyze_einsum(self.equation, self.bias_axes, input_shape, self.partial_output_shape)[0]
        return _einsum_output_shape(self.equation, input_shape, kernel_shape)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({
            "output_shape": self.partial_output_shape,
            "equation": self.equation,
            "activation": activations.serialize(self.activation),
            "bias_axes": self.bias_axes,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": None,  # tf_keras never stores it (see the class docstring)
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        })
        return cfg


# ----------------------------------------------------------------------------- MultiHeadAttention
_LETTERS = string.ascii_lowercase


def _attention_equations(rank, attn_axes):
    """Einsum equations of the score product and the weighted sum for projected tensors of `rank`.

    With rank 4 (batch, T, heads, dim) and attention over axis 1:
    scores 'aecd,abcd->acbe' (key, query) and combine 'acbe,aecd->abcd' (scores, value).
    """
    target = _LETTERS[:rank]
    batch_dims = [i for i in range(rank) if i not in attn_axes and i != rank - 1]
    source, nxt = "", rank
    for i in range(rank):
        if i in batch_dims or i == rank - 1:
            source += target[i]
        else:
            source += _LETTERS[nxt]
            nxt += 1
    product = "".join([target[i] for i in batch_dims] + [target[i] for i in attn_axes]
                      + [source[i] for i in attn_axes])
    return f"{source},{target}->{product}", f"{product},{source}->{target}", len(product)


def _projection_equation(free_dims, bound_dims, output_dims):
    """('abc,cde->abde', 'de', 4) style equation, bias axes and output rank for a projection."""
    letters = iter(_LETTERS)
    free = "".join(next(letters) for _ in range(free_dims))
    bound = "".join(next(letters) for _ in range(bound_dims))
    out = "".join(next(letters) for _ in range(output_dims))
    return f"{free}{bound},{bound}{out}->{free}{out}", out, free_dims + output_dims


def _positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"MultiHeadAttention: `{name}` must be a positive integer; received {name}={value!r}")
    return int(value)


@register_builtin("layer")
class MultiHeadAttention(Layer):
    """Multi-head attention (Vaswani et al., 2017), with tf_keras's weight layout.

    Called as `mha(query, value, key=None, attention_mask=None, return_attention_scores=False,
    training=None, use_causal_mask=False)` with query (batch, Tq, dim_q), value (batch, Tv, dim_v)
    and key (batch, Tv, dim_k) (key defaults to value). Each is projected by an EinsumDense sublayer
    (`query`, `key`, `value`: kernels (dim, num_heads, key_dim|value_dim), biases (num_heads, ...));
    the query is scaled by 1/sqrt(key_dim); scores are softmax-normalised over the attention axes
    with masked positions shifted by -1e9; the heads are merged by `attention_output` (kernel
    (num_heads, value_dim, out_dim), bias (out_dim,)). `attention_mask` (batch, Tq, Tv) is True where
    attention is allowed; masks carried by query/value/key (`_keras_mask`) and `use_causal_mask` are
    combined with it.

    Args:
        num_heads: number of attention heads.
        key_dim: size of each head for query and key.
        value_dim: size of each head for value (default: key_dim).
        dropout: dropout rate on the attention weights (training only).
        use_bias: whether the projections have biases.
        output_shape: the output's last axes (default: the query's last axis).
        attention_axes: axes attention runs over (default: every axis between batch and features).
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
        activity_regularizer, kernel_constraint, bias_constraint: passed to the projections.
        softmax_robust_masking: mask with `where(mask, scores, -1e9)` instead of adding -1e9.

    Example:
        >>> import numpy as np
        >>> from kerasish.layers import MultiHeadAttention
        >>> mha = MultiHeadAttention(num_heads=2, key_dim=3)
        >>> x = np.ones((4, 5, 8), "float32")
        >>> mha(x, x).shape
        (4, 5, 8)
        >>> [tuple(w.shape) for w in mha.weights]
        [(8, 2, 3), (2, 3), (8, 2, 3), (2, 3), (8, 2, 3), (2, 3), (2, 3, 8), (8,)]
    """

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True, output_shape=None,
                 attention_axes=None, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, softmax_robust_masking=False, **kwargs):
        # tf_keras keeps the activity regularizer as the layer's own (applied to its outputs) and also
        # hands it to the projections, whose EinsumDense drops it
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.supports_masking = True
        self._num_heads = _positive_int("num_heads", num_heads)
        self._key_dim = _positive_int("key_dim", key_dim)
        self._value_dim = _positive_int("value_dim", value_dim) if value_dim else self._key_dim
        if not isinstance(dropout, (int, float)) or not 0.0 <= dropout <= 1.0:
            raise ValueError(f"MultiHeadAttention: `dropout` must be a float between 0 and 1; received "
                             f"dropout={dropout!r}")
        self._dropout = dropout
        self._use_bias = use_bias
        self._output_shape = output_shape
        self._kernel_initializer = initializers.get(kernel_initializer)
        self._bias_initializer = initializers.get(bias_initializer)
        self._kernel_regularizer = regularizers.get(kernel_regularizer)
        self._bias_regularizer = regularizers.get(bias_regularizer)
        self._kernel_constraint = constraints.get(kernel_constraint)
        self._bias_constraint = constraints.get(bias_constraint)
        self._softmax_robust_masking = softmax_robust_masking
        if attention_axes is not None and not isinstance(attention_axes, collections.abc.Sized):
            attention_axes = (attention_axes,)
        self._attention_axes = attention_axes
        self._built_from_signature = False
        self._query_shape = self._key_shape = self._value_shape = None
        self._scores_requested = False

    # Keras exposes these read-only
    num_heads = property(lambda self: self._num_heads)
    key_dim = property(lambda self: self._key_dim)
    value_dim = property(lambda self: self._value_dim)
    use_bias = property(lambda self: self._use_bias)
    attention_axes = property(lambda self: self._attention_axes)

    @property
    def dropout(self):
        return self._dropout

    def get_config(self):
        cfg = super().get_config()
        cfg.update({
            "num_heads": self._num_heads,
            "key_dim": self._key_dim,
            "value_dim": self._value_dim,
            "dropout": self._dropout,
            "use_bias": self._use_bias,
            "output_shape": self._output_shape,
            "attention_axes": self._attention_axes,
            "kernel_initializer": initializers.serialize(self._kernel_initializer),
            "bias_initializer": initializers.serialize(self._bias_initializer),
            "kernel_regularizer": regularizers.serialize(self._kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self._bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self._kernel_constraint),
            "bias_constraint": constraints.serialize(self._bias_constraint),
            "query_shape": None if self._query_shape is None else list(self._query_shape),
            "key_shape": None if self._key_shape is None else list(self._key_shape),
            "value_shape": None if self._value_shape is None else list(self._value_shape),
            "softmax_robust_masking": self._softmax_robust_masking,
        })
        return cfg

    @classmethod
    def from_config(cls, config_dict, custom_objects=None):
        config_dict = dict(config_dict)
        query_shape = config_dict.pop("query_shape", None)
        key_shape = config_dict.pop("key_shape", None)
        value_shape = config_dict.pop("value_shape", None)
        layer = super().from_config(config_dict)
        if None not in (query_shape, key_shape, value_shape):
            layer._build_from_signature(query_shape, value_shape, key_shape)
        return layer

    # -- building ---------------------------------------------------------------------------
    def _sublayer_kwargs(self):
        return dict(
            kernel_initializer=initializers.get(initializers.serialize(self._kernel_initializer)),
            bias_initializer=initializers.get(initializers.serialize(self._bias_initializer)),
            kernel_regularizer=self._kernel_regularizer, bias_regularizer=self._bias_regularizer,
            activity_regularizer=self.activity_regularizer, kernel_constraint=self._kernel_constraint,
            bias_constraint=self._bias_constraint, dtype=self.dtype)

    def _projection(self, name, input_shape, bound_dims, output_tail):
        """An EinsumDense sublayer `name`, built for `input_shape`, with weights named `<self>/<name>/...`."""
        free_dims = len(input_shape) - bound_dims
        equation, bias_axes, output_rank = _projection_equation(free_dims, bound_dims, len(output_tail))
        layer = EinsumDense(equation, output_shape=[None] * (output_rank - 1 - len(output_tail)) + list(output_tail),
                            bias_axes=bias_axes if self._use_bias else None, name=name, **self._sublayer_kwargs())
        layer.build(tuple(input_shape))
        layer._build_input_shape = tuple(input_shape)
        for w in layer.weights:
            w.name = f"{self.name}/{name}/{w._path}:0"  # Keras creates them under the outer layer's name scope
        self._track(layer)
        return layer

    def _build_from_signature(self, query, value, key=None):
        """Create the projections (and their weights) for the shapes of query, value and key."""
        from .activation_layers import Softmax
        from .core import Dropout

        self._built_from_signature = True
        self._query_shape = _shape_of(query)
        self._value_shape = _shape_of(value)
        self._key_shape = self._value_shape if key is None else _shape_of(key)
        for what, shp in (("query", self._query_shape), ("value", self._value_shape), ("key", self._key_shape)):
            if len(shp) < 3:
                raise ValueError(f'MultiHeadAttention layer "{self.name}": `{what}` must have rank >= 3 '
                                 f"(batch, ..., features); received shape {shp}")
            if shp[-1] is None:
                raise ValueError(f'MultiHeadAttention layer "{self.name}": the last axis of `{what}` must be '
                                 f"known; received shape {shp}")
        heads = self._num_heads
        self._query_dense = self._projection("query", self._query_shape, 1, (heads, self._key_dim))
        self._key_dense = self._projection("key", self._key_shape, 1, (heads, self._key_dim))
        self._value_dense = self._projection("value", self._value_shape, 1, (heads, self._value_dim))

        rank = len(self._query_shape) + 1  # rank of the projected (batch, ..., heads, dim) tensors
        if self._attention_axes is None:
            self._attention_axes = tuple(range(1, rank - 2))
        else:
            self._attention_axes = tuple(int(a) for a in self._attention_axes)
        axes_ok = all(0 < (a % rank if a < 0 else a) < rank - 2 for a in self._attention_axes)
        if not axes_ok:
            raise ValueError(f'MultiHeadAttention layer "{self.name}": attention_axes {self._attention_axes} '
                             f"must name axes between the batch and feature axes of a query of shape "
                             f"{self._query_shape}")
        self._dot_product_equation, self._combine_equation, scores_rank = _attention_equations(
            rank, self._attention_axes)
        norm_axes = tuple(range(scores_rank - len(self._attention_axes), scores_rank))
        self._softmax = Softmax(axis=norm_axes, dtype=self.dtype)
        self._track(self._softmax)
        self._dropout_layer = Dropout(rate=self._dropout, dtype=self.dtype)
        self._track(self._dropout_layer)

        if self._output_shape:
            out_tail = (list(self._output_shape) if isinstance(self._output_shape, collections.abc.Sized)
                        else [self._output_shape])
        else:
            out_tail = [self._query_shape[-1]]
        projected = self._query_shape[:-1] + (heads, self._value_dim)
        self._output_dense = self._projection("attention_output", projected, 2, tuple(out_tail))
        self.built = True

    def __call__(self, query, *args, **kwargs):
        value = args[0] if args else kwargs.get("value")
        key = args[1] if len(args) > 1 else kwargs.get("key")
        if value is None:
            raise TypeError(f'MultiHeadAttention layer "{self.name}" needs a `value`: call it as '
                            "mha(query, value) or mha(query, value, key).")
        if not self._built_from_signature:
            # on Keras tensors tf_keras builds inside its graph: the sublayers are named by its counters
            with config.graph_uids() if is_symbolic(query) else contextlib.nullcontext():
                self._build_from_signature(query, value, key)
        self._scores_requested = bool(kwargs.get("return_attention_scores", len(args) > 3 and args[3]))
        try:
            return super().__call__(query, *args, **kwargs)
        finally:
            self._scores_requested = False

    # -- computing --------------------------------------------------------------------------
    def _compute_attention_mask(self, query, value, key, attention_mask, use_causal_mask):
        """Combine `attention_mask` with the inputs' own masks and the causal mask (all boolean)."""
        auto = None
        q_mask = getattr(query, "_keras_mask", None)
        v_mask = getattr(value, "_keras_mask", None)
        k_mask = getattr(key, "_keras_mask", None)
        if q_mask is not None:
            auto = _bool_array(q_mask)[:, :, None]  # (batch, Tq, 1)
        for mk in (v_mask, k_mask):
            if mk is not None:
                mk = _bool_array(mk)[:, None, :]  # (batch, 1, Tv)
                auto = mk if auto is None else auto & mk
        if use_causal_mask:
            causal = np.tril(np.ones((1, query.shape[1], value.shape[1]), dtype=bool))
            auto = causal if auto is None else auto & causal
        if auto is not None:
            return auto if attention_mask is None else _bool_array(attention_mask) & auto
        return None if attention_mask is None else _bool_array(attention_mask)

    def _masked_softmax(self, scores, mask=None):
        if mask is None:
            return self._softmax(scores)
        axis = -len(self._attention_axes) * 2 - 1
        while mask.ndim < scores.ndim:
            mask = np.expand_dims(mask, axis=axis)
        if self._softmax_robust_masking:
            scores = m.where(mask, scores, _large_negative(scores.dtype))
            return self._softmax(scores)
        return self._softmax(scores, mask=Tensor(mask))

    def _compute_attention(self, query, key, value, attention_mask=None, training=None):
        query = m.multiply(query, 1.0 / math.sqrt(float(self._key_dim)))
        scores = linalg.einsum(self._dot_product_equation, key, query)
        scores = self._masked_softmax(scores, attention_mask)
        dropped = self._dropout_layer(scores, training=training)
        return linalg.einsum(self._combine_equation, dropped, value), scores

    def call(self, query, value, key=None, attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False):
        if not self._built_from_signature:
            self._build_from_signature(query, value, key)
        if key is None:
            key = value
        mask = self._compute_attention_mask(query, value, key, attention_mask, use_causal_mask)
        q_mask = getattr(query, "_keras_mask", None)
        query = self._query_dense(query)
        key = self._key_dense(key)
        value = self._value_dense(value)
        output, scores = self._compute_attention(query, key, value, mask, training)
        output = self._output_dense(output)
        if q_mask is not None:  # Keras passes the query's mask on to the (first) output
            output._keras_mask = q_mask if isinstance(q_mask, Tensor) else Tensor(_bool_array(q_mask))
        if return_attention_scores:
            return output, scores
        return output

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        if self._scores_requested:
            raise NotImplementedError  # two outputs: inferred by a dry run of `call`
        query_shape = tuple(query_shape)
        if value_shape is not None:
            value_shape = tuple(value_shape)
            key_shape = value_shape if key_shape is None else tuple(key_shape)
            if query_shape[-1] != value_shape[-1]:
                raise ValueError("The last dimension of `query_shape` and `value_shape` must be equal, but are "
                                 f"{query_shape[-1]}, {value_shape[-1]}. Received: query_shape={query_shape}, "
                                 f"value_shape={value_shape}")
            if value_shape[1:-1] != key_shape[1:-1]:
                raise ValueError("All dimensions of `value` and `key`, except the last one, must be equal. "
                                 f"Received {value_shape} and {key_shape}")
        if self._output_shape:
            tail = (tuple(self._output_shape) if isinstance(self._output_shape, collections.abc.Sized)
                    else (self._output_shape,))
            return query_shape[:-1] + tail
        return query_shape
