"""Embedding: a trainable lookup table from integer ids to dense vectors.

One tape node per call (`backend.ops.norm.embedding_lookup`); the table's gradient adds up the
gradients of repeated ids without building a one-hot matrix.

Example:
    >>> import numpy as np
    >>> from kerasish.layers import Embedding
    >>> emb = Embedding(10, 3)
    >>> emb(np.array([[1, 2, 2]])).shape
    (1, 3, 3)
"""
import numpy as np

from .. import constraints, initializers, regularizers
from ..backend.ops import math as m
from ..backend.ops import norm
from ..backend.tensor import Tensor
from ..utils.serialization import register_builtin
from .layer import Layer
from ..legacy import interfaces

__all__ = ["Embedding"]


def _positive_dim(arg, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise TypeError(f"Embedding: `{arg}` must be a positive integer; received {arg}={value!r}")
    return int(value)


@register_builtin("layer")
class Embedding(Layer):
    """Turns non-negative integer ids into dense vectors: `output[..., :] = embeddings[id]`.

    Input: integer ids of any shape `(batch, ...)` (float ids are truncated to integers).
    Output: `(batch, ..., output_dim)`.

    Args:
        input_dim: size of the vocabulary (largest id + 1).
        output_dim: size of each vector.
        embeddings_initializer: default 'uniform' (RandomUniform(-0.05, 0.05)).
        embeddings_regularizer, activity_regularizer, embeddings_constraint: as in Keras.
        mask_zero: id 0 is padding: the layer emits a mask (id != 0) that downstream layers
            (LSTM, GRU, ...) use to skip those steps. The vocabulary must then reserve id 0.
        input_length: fixed sequence length (int, or a list for several axes); sets the layer's input
            shape to `(None, input_length)`, as Keras 2 (needed before Flatten/Dense in a Sequential).
        sparse: sparse outputs are not supported (must be False).

    Raises:
        ValueError: at call time, for an id < 0 or >= input_dim (naming the layer, the id, where it is
            and input_dim).

    Weights: `embeddings` of shape (input_dim, output_dim).

    Example:
        >>> import numpy as np
        >>> from kerasish.layers import Embedding
        >>> emb = Embedding(4, 2, embeddings_initializer="ones", mask_zero=True)
        >>> out = emb(np.array([[3, 1, 0]]))
        >>> out.shape, out._keras_mask.numpy().tolist()
        ((1, 3, 2), [[True, True, False]])
        >>> Embedding(1000, 64, input_length=10).input_shape
        (None, 10)
    """

    @interfaces.legacy_embedding_support
    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform", embeddings_regularizer=None,
                 activity_regularizer=None, embeddings_constraint=None, mask_zero=False, input_length=None,
                 sparse=False, **kwargs):
        if "input_shape" not in kwargs and "batch_input_shape" not in kwargs and "batch_shape" not in kwargs:
            if input_length:
                kwargs["input_shape"] = tuple(input_length) if isinstance(input_length, (list, tuple)) \
                    else (input_length,)
            else:
                kwargs["input_shape"] = (None,)
        input_dim = _positive_dim("input_dim", input_dim)
        output_dim = _positive_dim("output_dim", output_dim)
        if input_dim <= 0 or output_dim <= 0:
            raise ValueError(f"Both `input_dim` and `output_dim` should be positive, Received input_dim = "
                             f"{input_dim} and output_dim = {output_dim}")
        kwargs.pop("use_one_hot_matmul", None)
        kwargs.pop("autocast", None)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.input_dim = input_dim
        self.output_dim = output_dim
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        self.input_length = list(input_length) if isinstance(input_length, tuple) else input_length
        if sparse and mask_zero:
            raise ValueError("`mask_zero` cannot be enabled when `tf.keras.layers.Embedding` is used with "
                             "`tf.SparseTensor` input.")
        if sparse:
            raise NotImplementedError("Embedding(sparse=True): sparse outputs are not supported by kerasish; "
                                      "use sparse=False (a dense output).")
        self.sparse = False

    def build(self, input_shape=None):
        self.embeddings = self.add_weight(name="embeddings", shape=(self.input_dim, self.output_dim),
                                          initializer=self.embeddings_initializer,
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint)
        self.built = True

    def call(self, inputs):
        return norm.embedding_lookup(self.embeddings, inputs, name=f'Embedding layer "{self.name}"')

    def compute_mask(self, inputs, mask=None):
        """`inputs != 0` when `mask_zero`, else None."""
        if not self.mask_zero:
            return None
        ids = inputs if isinstance(inputs, Tensor) else Tensor(np.asarray(inputs))
        return m.not_equal(ids, 0)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.input_length is None:
            return input_shape + (self.output_dim,)
        in_lens = list(self.input_length) if isinstance(self.input_length, (list, tuple)) else [self.input_length]
        if len(in_lens) != len(input_shape) - 1:
            raise ValueError(f'"input_length" is {self.input_length}, but received input has shape {input_shape}')
        for i, (s1, s2) in enumerate(zip(in_lens, input_shape[1:])):
            if s1 is not None and s2 is not None and s1 != s2:
                raise ValueError(f'"input_length" is {self.input_length}, but received input has shape '
                                 f"{input_shape}")
            if s1 is None:
                in_lens[i] = s2
        return (input_shape[0],) + tuple(in_lens) + (self.output_dim,)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({
            "input_dim": self.input_dim, "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
            "mask_zero": self.mask_zero, "input_length": self.input_length})
        return cfg
