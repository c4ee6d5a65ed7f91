"""`TextVectorization`: standardize, split, n-grams, then a `StringLookup` with mask token "", as tf_keras.

Text processing follows TensorFlow's string ops: "lower" lower-cases ASCII letters only
(`tf.strings.lower` without an encoding), punctuation is stripped with tf_keras's regex
`[!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~']`, "whitespace" splits on ASCII whitespace (space, \\t, \\n,
\\v, \\f, \\r) dropping empty tokens, "character" splits into Unicode characters, and n-grams of each
width in turn are joined with a space. Inputs are strings of shape `(batch,)` or `(batch, 1)`.

"int" output is padded with 0 (and cut) to `output_sequence_length`, or to the longest text of the
batch when that is None, as tf_keras densifies its ragged result. `ragged=True` and `sparse=True`
are not available (kerasish has no ragged or sparse tensors). With `output_mode=None` the tokens are
returned as bytes, padded with b"" to the longest row.

A custom `standardize` callable gets and returns an object array of `str`; a custom `split` callable
gets that array (squeezed to rank 1) and returns one list of tokens per text.

Example:
    >>> import numpy as np
    >>> from kerasish.layers import TextVectorization
    >>> vectorize = TextVectorization(max_tokens=6, output_sequence_length=4)
    >>> vectorize.adapt(["The cat sat.", "The dog sat!", "A cat"])
    >>> vectorize.get_vocabulary()
    ['', '[UNK]', 'the', 'sat', 'cat', 'dog']
    >>> vectorize(np.array([["the cat ran"]])).numpy().tolist()
    [[2, 4, 1, 0]]
"""
import re

import numpy as np

from ..backend.tensor import Tensor
from ..utils.serialization import deserialize_keras_object, register_builtin, serialize_keras_object
from .base_preprocessing import PreprocessingLayer, texts_as_bytes, texts_as_str
from .category_encoding import COUNT, INT, MULTI_HOT, TF_IDF, as_array, check_string_arg, encode_categorical
from .lookup import StringLookup, listify

__all__ = ["TextVectorization"]

LOWER_AND_STRIP_PUNCTUATION = "lower_and_strip_punctuation"
STRIP_PUNCTUATION = "strip_punctuation"
LOWER = "lower"
WHITESPACE = "whitespace"
CHARACTER = "character"
DEFAULT_STRIP_REGEX = r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']'

_STRIP = re.compile(DEFAULT_STRIP_REGEX)
_ASCII_WHITESPACE = re.compile(r"[ \t\n\v\f\r]+")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def ngrams(tokens, widths, separator=" "):
    """`tf.strings.ngrams` of one row: all n-grams of each width in `widths`, width by width."""
    out = []
    for n in widths:
        out.extend(separator.join(tokens[i:i + n]) for i in range(len(tokens) - n + 1))
    return out


def _is_one_text(inputs) -> bool:
    """A single string (a Python str/bytes or a 0-d array or tensor), not a batch of them."""
    if isinstance(inputs, (str, bytes)):
        return True
    array = inputs.array if isinstance(inputs, Tensor) else inputs
    return isinstance(array, np.ndarray) and array.ndim == 0


@register_builtin("layer")
class TextVectorization(PreprocessingLayer):
    """Turns text into token indices, multi-hot/count/TF-IDF vectors, with a vocabulary from `adapt`.

    Args:
        max_tokens: the largest vocabulary, "" and "[UNK]" included.
        standardize: "lower_and_strip_punctuation" (default), "lower", "strip_punctuation", None, or a callable.
        split: "whitespace" (default), "character", None, or a callable.
        ngrams: None, an int n (1..n-grams), or a tuple of widths.
        output_mode: "int" (default), "multi_hot", "count", "tf_idf", or None (tokens).
        output_sequence_length: pad or cut "int" output to this length.
        pad_to_max_tokens: in the vector modes, output `max_tokens` columns.
        vocabulary: a list of tokens or the path of a vocabulary file; idf_weights for "tf_idf".
        encoding: how bytes inputs are decoded.

    Example:
        >>> import numpy as np
        >>> layer = TextVectorization(output_mode="count", vocabulary=["a", "b"])
        >>> layer(np.array(["a b a c"])).numpy().tolist()
        [[1.0, 2.0, 1.0]]
    """

    def __init__(self, max_tokens=None, standardize=LOWER_AND_STRIP_PUNCTUATION, split=WHITESPACE, ngrams=None,
                 output_mode=INT, output_sequence_length=None, pad_to_max_tokens=False, vocabulary=None,
                 idf_weights=None, sparse=False, ragged=False, encoding="utf-8", **kwargs):
        if kwargs.get("dtype") not in (None, "string"):
            raise ValueError(f"`TextVectorization` may only have a dtype of string. Received dtype: {kwargs['dtype']}.")
        kwargs["dtype"] = "string"
        check_string_arg(standardize, (LOWER_AND_STRIP_PUNCTUATION, LOWER, STRIP_PUNCTUATION), "TextVectorization",
                         "standardize", allow_none=True, allow_callables=True)
        check_string_arg(split, (WHITESPACE, CHARACTER), "TextVectorization", "split", allow_none=True,
                         allow_callables=True)
        output_mode = {"binary": MULTI_HOT, "tf-idf": TF_IDF}.get(output_mode, output_mode)
        check_string_arg(output_mode, (INT, COUNT, MULTI_HOT, TF_IDF), "TextVectorization", "output_mode",
                         allow_none=True)
        if isinstance(ngrams, list):
            ngrams = tuple(ngrams)
        if not (ngrams is None or isinstance(ngrams, int) or
                isinstance(ngrams, tuple) and all(isinstance(item, int) for item in ngrams)):
            raise ValueError(f"`ngrams` must be None, an integer, or a tuple of integers. Received: ngrams={ngrams}")
        if output_mode == INT and not (isinstance(output_sequence_length, int) or output_sequence_length is None):
            raise ValueError("`output_sequence_length` must be either None or an integer when `output_mode` is 'int'. "
                             f"Received: output_sequence_length={output_sequence_length}")
        if output_mode != INT and output_sequence_length is not None:
            raise ValueError("`output_sequence_length` must not be set if `output_mode` is not 'int'. Received "
                             f"output_sequence_length={output_sequence_length}.")
        if ragged or sparse:
            raise ValueError("TextVectorization: `ragged=True` and `sparse=True` are not supported (kerasish has no "
                             "ragged or sparse tensors); use `output_sequence_length` to fix the length.")
        self._max_tokens = max_tokens
        self._standardize = standardize
        self._split = split
        self._ngrams_arg = ngrams
        self._ngrams = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        self._ragged = False
        self._output_mode = output_mode
        self._output_sequence_length = output_sequence_length
        self._encoding = encoding
        self._has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        vocabulary_size = kwargs.pop("vocabulary_size", None)
        super().__init__(**kwargs)
        self._lookup_layer = StringLookup(max_tokens=max_tokens, vocabulary=vocabulary, idf_weights=idf_weights,
                                          pad_to_max_tokens=pad_to_max_tokens, mask_token="",
                                          output_mode=output_mode if output_mode is not None else INT,
                                          has_input_vocabulary=self._has_input_vocabulary, encoding=encoding,
                                          vocabulary_size=vocabulary_size, name=f"{self.name}_lookup")
        self._track(self._lookup_layer)  # its IDF weights ("tf_idf") are this layer's weights, as in tf_keras
        self._output_dtype = "int64" if output_mode == INT else ("string" if output_mode is None else "float32")

    # -- text processing ------------------------------------------------------------------------
    def _standardized(self, texts):
        if self._standardize in (LOWER, LOWER_AND_STRIP_PUNCTUATION):
            texts = np.vectorize(lambda s: s.translate(_ASCII_LOWER), otypes=[object])(texts) if texts.size else texts
        if self._standardize in (STRIP_PUNCTUATION, LOWER_AND_STRIP_PUNCTUATION):
            texts = np.vectorize(lambda s: _STRIP.sub("", s), otypes=[object])(texts) if texts.size else texts
        if callable(self._standardize):
            texts = texts_as_str(self._standardize(texts), self._encoding)
        return texts

    def _preprocess(self, inputs):
        """Standardized texts (array) or, with a split, one list of tokens per text."""
        texts = texts_as_str(as_array(inputs), self._encoding)
        texts = self._standardized(texts)
        if self._split is None:
            if self._ngrams is not None:
                raise ValueError("TextVectorization: `ngrams` needs a `split`; received split=None")
            return texts
        if texts.ndim > 1:
            if texts.shape[-1] != 1:
                raise ValueError("When using `TextVectorization` to tokenize strings, the input rank must be 1 or the "
                                 f"last shape dimension must be 1. Received: inputs.shape={texts.shape} with "
                                 f"rank={texts.ndim}")
            texts = texts[..., 0]
        if texts.ndim == 0:
            texts = texts.reshape(1)
        if self._split == WHITESPACE:
            rows = [[t for t in _ASCII_WHITESPACE.split(s) if t] for s in texts]
        elif self._split == CHARACTER:
            rows = [list(s) for s in texts]
        else:
            rows = [[self._lookup_layer._key(t) for t in row] for row in self._split(texts)]
        if self._ngrams is not None:
            rows = [ngrams(row, self._ngrams) for row in rows]
        return rows

    # -- adapt ----------------------------------------------------------------------------------
    def update_state(self, data):
        self._lookup_layer.update_state(self._preprocess(data))

    def finalize_state(self):
        self._lookup_layer.finalize_state()

    def reset_state(self):
        self._lookup_layer.reset_state()

    def get_vocabulary(self, include_special_tokens=True):
        """The vocabulary in index order ("" and "[UNK]" first unless told otherwise)."""
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self) -> int:
        """The number of indices, "" and "[UNK]" included."""
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Set the vocabulary (and, for "tf_idf", the IDF weights)."""
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights=idf_weights)

    # -- call -----------------------------------------------------------------------------------
    def call(self, inputs):
        out = self._vectorize(inputs)
        if self._split is not None and _is_one_text(inputs):
            return Tensor(out.array[0])  # one text, not a batch: tf_keras returns that text's row alone
        return out

    def _vectorize(self, inputs):
        processed = self._preprocess(inputs)
        lookup = self._lookup_layer
        if self._output_mode is None:
            return Tensor(texts_as_bytes(self._pad_rows(processed, "") if isinstance(processed, list) else processed,
                                         self._encoding))
        if not isinstance(processed, list):  # no split: whole texts are the tokens
            return lookup(processed)
        lookup._called = True
        lengths = [len(row) for row in processed]
        flat = np.empty(sum(lengths), dtype=object)
        flat[:] = [t for row in processed for t in row]
        indices = lookup._lookup_indices(flat) if flat.size else np.zeros(0, dtype=np.int64)
        rows = np.split(indices, np.cumsum(lengths)[:-1]) if lengths else []
        if self._output_mode == INT:
            width = self._output_sequence_length
            return Tensor(self._pad_rows(rows, 0, width, dtype=np.int64).astype(lookup.dtype))
        depth = lookup.max_tokens if lookup.pad_to_max_tokens else lookup._frozen_vocab_size
        if depth is None:
            raise RuntimeError(f"When using `output_mode={self._output_mode}` and `pad_to_max_tokens=False`, you must "
                               "set the layer's vocabulary before calling it. Either pass a `vocabulary` argument to "
                               "the layer, or call `adapt` with some sample data.")
        out = np.zeros((len(rows), depth), dtype=lookup.dtype)
        for i, row in enumerate(rows):  # rows differ in length: encode each as one sample
            if len(row):
                out[i] = encode_categorical(row, self._output_mode, depth, lookup.dtype, idf_weights=lookup._idf)
            elif self._output_mode == TF_IDF:
                out[i] = 0
        return Tensor(out)

    @staticmethod
    def _pad_rows(rows, fill, width=None, dtype=object):
        width = max((len(r) for r in rows), default=0) if width is None else width
        out = np.full((len(rows), width), fill, dtype=dtype)
        for i, row in enumerate(rows):
            row = list(row)[:width]
            out[i, :len(row)] = row
        return out

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self._output_mode == INT:
            return (input_shape[0], self._output_sequence_length)
        if self._output_mode is None:
            return (input_shape[0], None) if self._split is not None else input_shape
        depth = self._lookup_layer.max_tokens if self._lookup_layer.pad_to_max_tokens else \
            self._lookup_layer._frozen_vocab_size
        return (input_shape[0], depth)

    # -- weights and saving ---------------------------------------------------------------------
    def get_config(self):
        cfg = super().get_config()
        lookup = self._lookup_layer
        cfg.update({"max_tokens": lookup.max_tokens, "standardize": _serialize_callable(self._standardize),
                    "split": _serialize_callable(self._split), "ngrams": self._ngrams_arg,
                    "output_mode": self._output_mode, "output_sequence_length": self._output_sequence_length,
                    "pad_to_max_tokens": lookup.pad_to_max_tokens, "sparse": False, "ragged": False,
                    "vocabulary": listify(lookup.input_vocabulary), "idf_weights": listify(lookup.input_idf_weights),
                    "encoding": self._encoding, "vocabulary_size": self.vocabulary_size()})
        cfg.update(lookup._adapted_vocabulary_config())
        return cfg

    @classmethod
    def from_config(cls, config_dict, custom_objects=None):
        config_dict = dict(config_dict)
        for key, builtin in (("standardize", (LOWER_AND_STRIP_PUNCTUATION, LOWER, STRIP_PUNCTUATION)),
                             ("split", (WHITESPACE, CHARACTER))):
            if config_dict.get(key) is not None and config_dict[key] not in builtin:
                config_dict[key] = _deserialize_callable(key, config_dict[key], custom_objects)
        return cls(**config_dict)

    def save_own_variables(self, store):
        """Keras's `.keras` format: the lookup's IDF weights."""
        self._lookup_layer.save_own_variables(store)

    def load_own_variables(self, store):
        """Keras's `.keras` format: read the lookup's IDF weights."""
        self._lookup_layer.load_own_variables(store)

    def save_assets(self, dir_path):
        """Keras's `.keras` format: the adapted vocabulary as `vocabulary.txt`."""
        self._lookup_layer.save_assets(dir_path)

    def load_assets(self, dir_path):
        """Keras's `.keras` format: read `vocabulary.txt`."""
        self._lookup_layer.load_assets(dir_path)


def _serialize_callable(value):
    if value is None or isinstance(value, str):
        return value
    return serialize_keras_object(value)


def _deserialize_callable(arg, value, custom_objects):
    """A registered function named in a config (a name, or Keras 3's `{"class_name": "function", ...}`)."""
    if isinstance(value, dict) and value.get("class_name") == "function":
        value = value.get("config")
    function = deserialize_keras_object(value, "function", custom_objects=custom_objects,
                                        printable_module_name=f"TextVectorization `{arg}` function")
    if not callable(function):
        raise ValueError(f"TextVectorization: `{arg}` must name a registered function; received {value!r}")
    return function
