"""Vocabulary lookups: `StringLookup` and `IntegerLookup` (tf_keras's IndexLookup semantics).

Indices: with `output_mode="int"`, index 0 is the mask token (when `mask_token` is set), then
`num_oov_indices` out-of-vocabulary indices, then the vocabulary; in the other modes there is no
mask index. An out-of-vocabulary value gets the single OOV index, or with several OOV indices the
bucket FarmHash Fingerprint64 (strings) or `value mod num_oov_indices` (integers) picks, as tf_keras.
`adapt` orders the vocabulary by count, ties by the token in descending (byte) order, as tf_keras.

Saved state. The vocabulary given to the constructor stays in the config, as in tf_keras. An adapted
vocabulary (or one set with `set_vocabulary`) is written into the config too, as `vocabulary` (with
its special tokens) and `idf_weights`, so a model saved to `.h5` keeps it and loads in tf_keras as a
layer with that fixed vocabulary (tf_keras itself refuses to save an adapted lookup to `.h5`, and
to load one that could still be adapted). A reloaded layer's vocabulary is fixed, as any vocabulary
given to the constructor. In "tf_idf" mode the IDF weights are also a weight of the layer, as
tf_keras's `Variable:0`. For the `.keras` format the layers have Keras's `save_assets`/`load_assets`
(`vocabulary.txt`) and `save_own_variables`/`load_own_variables` (`idf_weights`).

Example:
    >>> import numpy as np
    >>> from kerasish.layers import StringLookup
    >>> lookup = StringLookup()
    >>> lookup.adapt(np.array(["b", "a", "b", "c", "b", "c"]))
    >>> lookup.get_vocabulary()
    ['[UNK]', 'b', 'c', 'a']
    >>> lookup(np.array([["a", "z"]])).numpy().tolist()
    [[3, 0]]
"""
import collections
import os

import numpy as np

from ..backend.tensor import Tensor
from ..utils.hashing import fingerprint64
from ..utils.serialization import register_builtin
from .base_preprocessing import PreprocessingLayer, texts_as_bytes, texts_as_str
from .category_encoding import (COUNT, INT, MULTI_HOT, ONE_HOT, TF_IDF, as_array, check_string_arg,
                                encode_categorical, encoded_shape)

__all__ = ["StringLookup", "IntegerLookup"]

_INT64_MAX = np.iinfo(np.int64).max


def listify(value):
    """Arrays and Tensors as lists (tf_keras's `listify_tensors`); anything else unchanged."""
    if isinstance(value, Tensor):
        value = value.array
    if isinstance(value, np.ndarray):
        value = value.tolist()
    return value


def read_vocabulary_file(path):
    """The lines of a vocabulary file (one token per line), as TensorFlow's TextFileInitializer reads them."""
    with open(path, "rb") as f:
        text = f.read().decode("utf-8")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


class IndexLookup(PreprocessingLayer):
    """Maps tokens to indices (or back, with `invert`) through a vocabulary; base of the lookup layers."""

    def __init__(self, max_tokens, num_oov_indices, mask_token, oov_token, vocabulary_dtype, vocabulary=None,
                 idf_weights=None, invert=False, output_mode="int", sparse=False, pad_to_max_tokens=False, **kwargs):
        name = type(self).__name__
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"If set, `max_tokens` must be greater than 1. Received: max_tokens={max_tokens}")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(f"If pad_to_max_tokens is True, must set `max_tokens`. Received: max_tokens={max_tokens}")
        if num_oov_indices < 0:
            raise ValueError(f"`num_oov_indices` must be greater than or equal to 0. Received: "
                             f"num_oov_indices={num_oov_indices}")
        output_mode = {"binary": MULTI_HOT, "tf-idf": TF_IDF}.get(output_mode, output_mode)
        check_string_arg(output_mode, (INT, ONE_HOT, MULTI_HOT, COUNT, TF_IDF), name, "output_mode")
        if invert and output_mode != INT:
            raise ValueError(f"`output_mode` must be `'int'` when `invert` is true. Received: "
                             f"output_mode={output_mode}")
        if sparse:
            raise ValueError(f"{name}: `sparse=True` is not supported (kerasish has no sparse tensors).")
        if idf_weights is not None and output_mode != TF_IDF:
            raise ValueError(f"`idf_weights` should only be set if `output_mode` is `'tf_idf'`. Received: "
                             f"idf_weights={idf_weights} and output_mode={output_mode}")
        self._frozen_vocab_size = kwargs.pop("vocabulary_size", None)
        self._has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        kwargs.pop("has_static_table", None)
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == INT else "float32"
        super().__init__(**kwargs)
        if output_mode == INT and np.dtype(self.dtype).kind not in "iu":
            raise ValueError(f"When `output_mode='int'`, `dtype` should be an integer type. Received: "
                             f"dtype={kwargs['dtype']}")
        self.invert = bool(invert)
        self.max_tokens = max_tokens
        self.num_oov_indices = int(num_oov_indices)
        self.mask_token = mask_token
        self.oov_token = oov_token
        self.output_mode = output_mode
        self.sparse = False
        self.pad_to_max_tokens = bool(pad_to_max_tokens)
        self.vocabulary_dtype = vocabulary_dtype
        self.input_vocabulary = vocabulary
        self.input_idf_weights = idf_weights
        self._tokens = []  # the vocabulary without special tokens
        self._index = {}  # token -> index
        self._idf = None  # numpy idf weights (tf_idf mode), length vocabulary_size (or max_tokens)
        self.idf_weights = None  # the weight that holds them
        self._output_dtype = self.vocabulary_dtype if self.invert and self._is_text else self.dtype
        self.reset_state()
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    _is_text = False

    # -- indices --------------------------------------------------------------------------------
    def _oov_start_index(self):
        return 1 if self.mask_token is not None and self.output_mode == INT else 0

    def _token_start_index(self):
        return self._oov_start_index() + self.num_oov_indices

    def vocabulary_size(self) -> int:
        """The number of indices: special tokens plus vocabulary."""
        return len(self._tokens) + self._token_start_index()

    def vocab_size(self) -> int:
        """Deprecated name of `vocabulary_size`."""
        return self.vocabulary_size()

    def get_vocabulary(self, include_special_tokens=True):
        """The vocabulary in index order (with the mask and OOV tokens unless told otherwise)."""
        vocab = [self.oov_token] * self._token_start_index() + list(self._tokens)
        if self.mask_token is not None and self.output_mode == INT:
            vocab[0] = self.mask_token
        return vocab if include_special_tokens else vocab[self._token_start_index():]

    # -- vocabulary -----------------------------------------------------------------------------
    def _convert_tokens(self, values):
        """Vocabulary or input values as a numpy array of this layer's keys."""
        raise NotImplementedError

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Set the vocabulary (a list/array of tokens, or the path of a file with one token per line).

        The special tokens may lead the list (in index order) or be left out.
        """
        if self.output_mode == TF_IDF:
            if idf_weights is None:
                raise ValueError("`idf_weights` must be set if output_mode is TF_IDF")
        elif idf_weights is not None:
            raise ValueError(f"`idf_weights` should only be set if output_mode is `'tf_idf'`. Received: "
                             f"output_mode={self.output_mode} and idf_weights={idf_weights}")
        if isinstance(vocabulary, (str, os.PathLike)):
            if not os.path.exists(vocabulary):
                raise ValueError(f"Vocabulary file {vocabulary} does not exist.")
            if self.output_mode == TF_IDF:
                raise ValueError("output_mode `'tf_idf'` does not support loading a vocabulary from file.")
            vocabulary = read_vocabulary_file(vocabulary)
        vocabulary = self._convert_tokens(listify(vocabulary))
        if vocabulary.ndim != 1:
            vocabulary = vocabulary.reshape(-1)
        if vocabulary.size == 0:
            raise ValueError(f"Cannot set an empty vocabulary, you passed {vocabulary}.")
        token_start = self._token_start_index()
        special = [self.mask_token] * self._oov_start_index() + [self.oov_token] * self.num_oov_indices
        found_special = len(vocabulary) >= token_start and \
            [self._key(v) for v in vocabulary[:token_start]] == [self._key(v) for v in special]
        tokens = [self._key(v) for v in (vocabulary[token_start:] if found_special else vocabulary)]
        repeated = [t for t, c in collections.Counter(tokens).items() if c > 1]
        if repeated:
            raise ValueError("The passed vocabulary has at least one repeated term. Please uniquify your dataset. The "
                             f"repeated terms are {repeated}")
        for kind, token, reserved in (("mask", self.mask_token, True), ("OOV", self.oov_token, self.invert)):
            if token is not None and reserved and self._key(token) in tokens:
                raise ValueError(f"Found reserved {kind} token at unexpected location in `vocabulary`. Note that "
                                 "passed `vocabulary` does not need to include the OOV and mask tokens. Either remove "
                                 "all mask and OOV tokens, or include them only at the start of the vocabulary in "
                                 f"precisely this order: {special}. Received: {kind.lower()}_token={token}")
        if self.max_tokens is not None and token_start + len(tokens) > self.max_tokens:
            raise ValueError(f"Attempted to set a vocabulary larger than the maximum vocab size. Passed vocab size is "
                             f"{token_start + len(tokens)}, max vocab size is {self.max_tokens}.")
        self._set_tokens(tokens)
        if self.output_mode == TF_IDF and idf_weights is not False:
            idf = np.asarray(listify(idf_weights), dtype=np.float64)
            if len(vocabulary) != len(idf):
                raise ValueError(f"`idf_weights` must be the same length as vocabulary. len(idf_weights) is "
                                 f"{len(idf)}, len(vocabulary) is {len(vocabulary)}")
            if idf.ndim != 1:
                raise ValueError(f"TF-IDF data must be a 1-index array, but received {type(idf_weights)}")
            if not found_special:  # the OOV slots get the mean weight, as tf_keras
                idf = np.concatenate([np.full(token_start, np.average(idf)), idf])
            self._set_idf(idf)

    def _key(self, value):
        return value

    def _set_tokens(self, tokens):
        if self.output_mode != INT and not self.pad_to_max_tokens and self._frozen_vocab_size is not None and \
                self._called and len(tokens) + self._token_start_index() != self._frozen_vocab_size:
            raise RuntimeError(f"When using `output_mode={self.output_mode}` and `pad_to_max_tokens=False`, the "
                               "vocabulary size cannot be changed after the layer is called. Old vocab size is "
                               f"{self._frozen_vocab_size}, new vocab size is "
                               f"{len(tokens) + self._token_start_index()}")
        self._tokens = list(tokens)
        start = self._token_start_index()
        self._index = {t: start + i for i, t in enumerate(self._tokens)}
        self._frozen_vocab_size = self.vocabulary_size()

    _called = False

    def _set_idf(self, idf):
        """Store the IDF weights (padded with zeros to `max_tokens` when `pad_to_max_tokens`) as the weight."""
        idf = np.asarray(idf, dtype=self.dtype)
        if self.pad_to_max_tokens and self.max_tokens is not None:
            idf = np.pad(idf, (0, max(self.max_tokens - len(idf), 0)))
        self._idf = idf
        if self.idf_weights is None:
            self.idf_weights = self.add_weight(name="idf_weights", shape=idf.shape, dtype=self.dtype,
                                               initializer="zeros", trainable=False)
        self.idf_weights.array = idf.copy()  # the size follows the vocabulary

    # -- adapt ----------------------------------------------------------------------------------
    def reset_state(self):
        """Forget the token counts gathered by `update_state`."""
        self._token_counts = collections.Counter()
        self._document_counts = collections.Counter()
        self._num_documents = 0

    def update_state(self, data):
        """Count the tokens of one batch (and, for "tf_idf", the documents each appears in)."""
        if self._has_input_vocabulary:
            raise ValueError(f"Cannot adapt {type(self).__name__} layer after setting a static vocabulary via init "
                             "argument or `set_vocabulary`.")
        rows = self._adapt_rows(data)
        for row in rows:
            self._token_counts.update(row)
        if self.output_mode == TF_IDF:
            for row in rows:
                self._document_counts.update(set(row))
            self._num_documents += len(rows)

    def _adapt_rows(self, data):
        """The tokens of a batch as a list of rows (a rank-0 or rank-1 batch is one row, as tf_keras)."""
        if isinstance(data, list) and data and isinstance(data[0], list):  # ragged rows (TextVectorization)
            return [[self._key(t) for t in row] for row in data]
        values = self._convert_tokens(data.array if isinstance(data, Tensor) else data)
        if values.ndim <= 1:
            values = values.reshape(1, -1)
        values = values.reshape(values.shape[0], -1)
        return [[self._key(t) for t in row] for row in values]

    def finalize_state(self):
        """Keep the `max_tokens` most frequent tokens (ties: larger token first) and compute IDF weights."""
        if self._has_input_vocabulary or not self._token_counts:
            return
        counts = dict(self._token_counts)
        for special in (self.mask_token, self.oov_token):
            if special is not None:
                counts.pop(self._key(special), None)
        tokens = sorted(counts, key=lambda t: (counts[t], self._sort_key(t)), reverse=True)
        if self.max_tokens:
            tokens = tokens[:self.max_tokens - self._token_start_index()]
        self._set_tokens(tokens)
        if self.output_mode == TF_IDF:
            docs = np.array([self._document_counts[t] for t in tokens], dtype=np.float64)
            idf = np.log(1.0 + self._num_documents / (1.0 + docs)).astype(self.dtype)
            mean = idf.mean(dtype=self.dtype) if idf.size else 0.0
            self._set_idf(np.concatenate([np.full(self._token_start_index(), mean, dtype=self.dtype), idf]))
        self.reset_state()

    def _sort_key(self, token):
        return token

    # -- call -----------------------------------------------------------------------------------
    def _lookup(self, keys):
        """Indices of `keys` (numpy array of keys), OOV values mapped to the default value -1."""
        raise NotImplementedError

    def _oov_buckets(self, keys):
        raise NotImplementedError

    def call(self, inputs):
        if self.output_mode != INT and not self.pad_to_max_tokens and not self._tokens and \
                self._frozen_vocab_size is None:
            raise RuntimeError(f"When using `output_mode={self.output_mode}` and `pad_to_max_tokens=False`, you must "
                               "set the layer's vocabulary before calling it. Either pass a `vocabulary` argument to "
                               "the layer, or call `adapt` with some sample data.")
        self._called = True
        values = as_array(inputs)
        if self.invert:
            return Tensor(self._invert(values))
        keys = self._convert_tokens(values)
        indices = self._lookup_indices(keys)
        if self.output_mode == INT:
            return Tensor(indices.astype(self.dtype))
        depth = self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size
        return Tensor(encode_categorical(indices, self.output_mode, depth, self.dtype, idf_weights=self._idf))

    def _lookup_indices(self, keys):
        indices = self._lookup(keys)
        if self.mask_token is not None:
            mask = self._equals(keys, self.mask_token)
            indices = np.where(mask, 0 if self.output_mode == INT else _INT64_MAX, indices)
        oov = indices == -1
        if oov.any():
            if self.num_oov_indices == 0:
                raise ValueError("When `num_oov_indices=0` all inputs should be in vocabulary, found OOV values "
                                 f"{np.unique(keys[oov]).tolist()}, consider setting `num_oov_indices=1`. (layer "
                                 f'"{self.name}")')
            if self.num_oov_indices == 1:
                indices = np.where(oov, self._oov_start_index(), indices)
            else:
                indices[oov] = self._oov_buckets(keys[oov]) + self._oov_start_index()
        return indices

    def _invert(self, values):
        values = np.asarray(values, dtype=np.int64)
        vocab = self.get_vocabulary()
        table = np.empty(len(vocab) + 1, dtype=object)
        table[:-1] = vocab
        table[-1] = self.oov_token
        inside = (values >= 0) & (values < len(vocab))
        # indices without a token (OOV indices, out of range) give the OOV token; 0 gives the mask token
        positions = np.where(inside, values, len(vocab))
        out = table[positions]
        out[inside & (values < self._token_start_index())] = self.oov_token
        if self.mask_token is not None:
            out[values == 0] = self.mask_token
        return self._output_values(out)

    def _output_values(self, out):
        return out

    def _equals(self, keys, token):
        return keys == self._key(token)

    def compute_output_shape(self, input_shape):
        if self.output_mode == INT:
            return tuple(input_shape)
        depth = self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size
        return encoded_shape(input_shape, self.output_mode, depth)

    # -- saving ---------------------------------------------------------------------------------
    def _adapted_vocabulary_config(self):
        """Config entries that carry an adapted (or `set_vocabulary`) vocabulary, for `.h5` files."""
        if self.input_vocabulary is not None or not self._tokens:
            return {}
        vocab = self.get_vocabulary(include_special_tokens=True)
        cfg = {"vocabulary": [self._config_token(t) for t in vocab]}
        if self.output_mode == TF_IDF and self._idf is not None:
            cfg["idf_weights"] = self._idf[:len(vocab)].tolist()
        return cfg

    def _config_token(self, token):
        return token

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"invert": self.invert, "max_tokens": self.max_tokens, "num_oov_indices": self.num_oov_indices,
                    "oov_token": self._config_token(self.oov_token) if self.oov_token is not None else None,
                    "mask_token": self._config_token(self.mask_token) if self.mask_token is not None else None,
                    "output_mode": self.output_mode, "sparse": self.sparse, "pad_to_max_tokens": self.pad_to_max_tokens,
                    "vocabulary_dtype": self.vocabulary_dtype, "idf_weights": listify(self.input_idf_weights),
                    "vocabulary": listify(self.input_vocabulary), "vocabulary_size": self._frozen_vocab_size})
        cfg.update(self._adapted_vocabulary_config())
        return cfg

    def save_own_variables(self, store):
        """Keras's `.keras` format: the IDF weights ("tf_idf" mode) under `idf_weights`."""
        if self.output_mode == TF_IDF and self._idf is not None:
            store["idf_weights"] = np.asarray(self._idf)

    def load_own_variables(self, store):
        """Keras's `.keras` format: read what `save_own_variables` wrote."""
        if self.output_mode == TF_IDF and "idf_weights" in store:
            self._set_idf(np.asarray(store["idf_weights"]))

    def save_assets(self, dir_path):
        """Keras's `.keras` format: an adapted vocabulary as `vocabulary.txt`, one token per line."""
        if self.input_vocabulary:
            return
        with open(os.path.join(dir_path, "vocabulary.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(str(w) for w in self.get_vocabulary(include_special_tokens=True)))

    def load_assets(self, dir_path):
        """Keras's `.keras` format: read the vocabulary `save_assets` wrote."""
        if self.input_vocabulary:
            return
        with open(os.path.join(dir_path, "vocabulary.txt"), encoding="utf-8") as f:
            lines = f.read().split("\n")
        values = lines if self._is_text else [int(line) for line in lines]
        if self.output_mode == TF_IDF:
            self.set_vocabulary(values, idf_weights=False)
        else:
            self.set_vocabulary(values)


@register_builtin("layer")
class StringLookup(IndexLookup):
    """Maps strings to integer indices through a vocabulary (learned by `adapt` or given).

    Args:
        max_tokens: the largest vocabulary, special tokens included (None: no limit).
        num_oov_indices: indices for out-of-vocabulary strings (hashed among them when > 1).
        mask_token: a string mapped to index 0 ("int" mode) or dropped (other modes); None: no mask.
        oov_token: the token `invert` and `get_vocabulary` show for OOV indices.
        vocabulary: a list of strings, or the path of a text file with one per line.
        idf_weights: IDF weights per vocabulary entry, for "tf_idf".
        encoding: how bytes inputs are decoded.
        invert: map indices back to strings.
        output_mode: "int", "one_hot", "multi_hot", "count" or "tf_idf".
        pad_to_max_tokens: in non-int modes, output `max_tokens` columns.

    Example:
        >>> import numpy as np
        >>> lookup = StringLookup(vocabulary=["a", "b"], output_mode="multi_hot")
        >>> lookup(np.array([["a", "x"], ["b", "b"]])).numpy().tolist()
        [[1.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
        >>> StringLookup(vocabulary=["a", "b"], invert=True)(np.array([2, 0])).numpy().tolist()
        [b'b', b'[UNK]']
    """

    _is_text = True

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]", vocabulary=None,
                 idf_weights=None, encoding="utf-8", invert=False, output_mode="int", sparse=False,
                 pad_to_max_tokens=False, **kwargs):
        if kwargs.get("dtype") == "string":
            del kwargs["dtype"]
        kwargs.pop("vocabulary_dtype", None)
        self.encoding = encoding or "utf-8"
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices, mask_token=mask_token,
                         oov_token=oov_token, vocabulary=vocabulary, vocabulary_dtype="string",
                         idf_weights=idf_weights, invert=invert, output_mode=output_mode, sparse=sparse,
                         pad_to_max_tokens=pad_to_max_tokens, **kwargs)

    def _convert_tokens(self, values):
        return texts_as_str(values, self.encoding)

    def _key(self, value):
        return bytes(value).decode(self.encoding) if isinstance(value, (bytes, np.bytes_)) else str(value)

    def _sort_key(self, token):
        return token.encode(self.encoding)  # tf_keras sorts the tokens' bytes

    def _lookup(self, keys):
        get = self._index.get
        return np.fromiter((get(k, -1) for k in keys.reshape(-1)), dtype=np.int64, count=keys.size).reshape(keys.shape)

    def _oov_buckets(self, keys):
        n = self.num_oov_indices
        return np.array([fingerprint64(k.encode(self.encoding)) % n for k in keys], dtype=np.int64)

    def _output_values(self, out):
        return texts_as_bytes(out, self.encoding)

    def get_config(self):
        cfg = super().get_config()
        del cfg["vocabulary_dtype"]
        cfg["encoding"] = self.encoding
        return cfg


@register_builtin("layer")
class IntegerLookup(IndexLookup):
    """Maps integers to contiguous indices through a vocabulary (learned by `adapt` or given).

    Args:
        max_tokens, num_oov_indices, vocabulary, idf_weights, invert, output_mode, pad_to_max_tokens:
            as `StringLookup`.
        mask_token: an integer mapped to index 0 ("int" mode); None (default): no mask.
        oov_token: the value `invert` gives for OOV indices (default -1).
        vocabulary_dtype: "int64" (default) or "int32".

    Example:
        >>> import numpy as np
        >>> lookup = IntegerLookup(vocabulary=[12, 36, 1138])
        >>> lookup(np.array([[12, 1138, 42]])).numpy().tolist()
        [[1, 3, 0]]
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1, vocabulary=None,
                 vocabulary_dtype="int64", idf_weights=None, invert=False, output_mode="int", sparse=False,
                 pad_to_max_tokens=False, **kwargs):
        if np.dtype(vocabulary_dtype).kind not in "iu":
            raise ValueError(f"`vocabulary_dtype` must be an integer dtype. Received: {vocabulary_dtype}")
        if output_mode != "int" and kwargs.get("dtype") == "int64":
            del kwargs["dtype"]
        for old, new in (("max_values", "max_tokens"), ("mask_value", "mask_token"), ("oov_value", "oov_token")):
            if old in kwargs:  # deprecated names
                value = kwargs.pop(old)
                max_tokens, mask_token, oov_token = (value if new == "max_tokens" else max_tokens,
                                                     value if new == "mask_token" else mask_token,
                                                     value if new == "oov_token" else oov_token)
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"If `max_tokens` is set for `IntegerLookup`, it must be greater than 1. Received: "
                             f"max_tokens={max_tokens}.")
        if num_oov_indices < 0:
            raise ValueError(f"The value of `num_oov_indices` argument for `IntegerLookup` must >= 0. Received "
                             f"num_oov_indices={num_oov_indices}.")
        mask_token = None if mask_token is None else int(mask_token)
        oov_token = None if oov_token is None else int(oov_token)
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices, mask_token=mask_token,
                         oov_token=oov_token, vocabulary=vocabulary, vocabulary_dtype=str(np.dtype(vocabulary_dtype)),
                         idf_weights=idf_weights, invert=invert, output_mode=output_mode, sparse=sparse,
                         pad_to_max_tokens=pad_to_max_tokens, **kwargs)

    def _convert_tokens(self, values):
        array = np.asarray(values)
        if array.dtype.kind == "f" and np.all(np.mod(array, 1) == 0) or array.dtype.kind == "b":
            array = array.astype(np.int64)
        if array.dtype.kind not in "iu":
            raise TypeError(f'Layer "{self.name}" expects integer inputs; received an array of dtype {array.dtype}')
        return array.astype(np.int64)

    def _key(self, value):
        return int(value)

    def _lookup(self, keys):
        if not self._tokens:
            return np.full(keys.shape, -1, dtype=np.int64)
        vocab = np.asarray(self._tokens, dtype=np.int64)
        order = np.argsort(vocab, kind="stable")
        sorted_vocab = vocab[order]
        pos = np.clip(np.searchsorted(sorted_vocab, keys), 0, len(vocab) - 1)
        found = sorted_vocab[pos] == keys
        return np.where(found, order[pos] + self._token_start_index(), -1).astype(np.int64)

    def _oov_buckets(self, keys):
        return np.mod(keys, self.num_oov_indices)

    def _invert(self, values):
        return super()._invert(values).astype(self.vocabulary_dtype)

    def _config_token(self, token):
        return int(token)

    def _output_values(self, out):
        return out
