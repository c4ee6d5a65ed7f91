"""Text preprocessing from Keras 2: `Tokenizer`, `text_to_word_sequence`, `one_hot`, `hashing_trick`.

The `Tokenizer` numbers words by frequency (1 = the most common word; ties keep the order in which
the words were first seen; 0 is never a word), exactly as Keras 2 does, so word indices, matrices
and saved JSON agree with Keras.

Example:
    >>> from kerasish.preprocessing.text import Tokenizer
    >>> tok = Tokenizer()
    >>> tok.fit_on_texts(["the cat sat", "the dog sat down"])
    >>> tok.word_index
    {'the': 1, 'sat': 2, 'cat': 3, 'dog': 4, 'down': 5}
    >>> tok.texts_to_sequences(["the dog sat on the cat"])
    [[1, 4, 2, 1, 3]]
"""
import collections
import hashlib
import json
from typing import Callable, Optional, Union

import numpy as np

from ..backend.user_warnings import warn

__all__ = ["text_to_word_sequence", "one_hot", "hashing_trick", "Tokenizer", "tokenizer_from_json"]

DEFAULT_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'


def _check_text(fn_name: str, text) -> None:
    if not isinstance(text, str):
        raise TypeError(f"{fn_name}: `input_text` must be a string; received an object of type "
                        f"{type(text).__name__}: {text!r:.80}")


def text_to_word_sequence(input_text: str, filters: str = DEFAULT_FILTERS, lower: bool = True,
                          split: str = " ") -> list:
    """Split a text into a list of words: lowercase, replace every `filters` character by `split`, split.

    Args:
        input_text: the text.
        filters: characters to remove (punctuation, tabs and newlines by default).
        lower: lowercase the text first.
        split: the word separator.

    Example:
        >>> text_to_word_sequence("Hello, World! Hello again.")
        ['hello', 'world', 'hello', 'again']
    """
    _check_text("text_to_word_sequence", input_text)
    if lower:
        input_text = input_text.lower()
    input_text = input_text.translate(str.maketrans({c: split for c in filters}))
    return [word for word in input_text.split(split) if word]


def _md5_hash(word: str) -> int:
    return int(hashlib.md5(word.encode()).hexdigest(), 16)


def hashing_trick(text: str, n: int, hash_function: Union[None, str, Callable] = None,
                  filters: str = DEFAULT_FILTERS, lower: bool = True, split: str = " ",
                  analyzer: Optional[Callable] = None) -> list:
    """Map each word of a text to an index in `[1, n)` by hashing it (`hash(word) % (n - 1) + 1`).

    Args:
        text: the text.
        n: size of the hashing space (indices run from 1 to n - 1; 0 is never used).
        hash_function: None for Python's `hash` (salted per process unless PYTHONHASHSEED is set),
            "md5" for a stable hash, or any function from a string to an int.
        filters, lower, split: as in `text_to_word_sequence`.
        analyzer: a function splitting the text into words, used instead of `text_to_word_sequence`.

    Example:
        >>> hashing_trick("the cat the", 10, hash_function="md5")
        [6, 3, 6]
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"hashing_trick: `n` (the size of the hashing space) must be an integer >= 2; "
                         f"received n={n!r}.")
    if hash_function is None:
        hash_function = hash
    elif hash_function == "md5":
        hash_function = _md5_hash
    elif not callable(hash_function):
        raise ValueError(f"hashing_trick: `hash_function` must be None, 'md5' or a callable; "
                         f"received {hash_function!r}.")
    if analyzer is None:
        words = text_to_word_sequence(text, filters=filters, lower=lower, split=split)
    else:
        words = analyzer(text)
    return [hash_function(w) % (n - 1) + 1 for w in words]


def one_hot(input_text: str, n: int, filters: str = DEFAULT_FILTERS, lower: bool = True, split: str = " ",
            analyzer: Optional[Callable] = None) -> list:
    """Keras's `one_hot`: despite the name, a list of word indices in `[1, n)` (`hashing_trick` with `hash`).

    Python's `hash` of a string changes between processes unless PYTHONHASHSEED is set; use
    `hashing_trick(..., hash_function="md5")` for indices that are stable across runs.

    Example:
        >>> codes = one_hot("to be or not to be", 50)
        >>> len(codes), codes[0] == codes[4], all(1 <= c < 50 for c in codes)
        (6, True, True)
    """
    return hashing_trick(input_text, n, hash_function=hash, filters=filters, lower=lower, split=split,
                         analyzer=analyzer)


class Tokenizer:
    """Turns texts into sequences of word indices (or bag-of-words matrices), Keras 2's `Tokenizer`.

    Args:
        num_words: keep only the `num_words - 1` most common words when converting texts (indices
            `>= num_words` are dropped, or become `oov_token`). The vocabulary itself keeps every word.
        filters: characters removed from texts (punctuation, tabs, newlines by default).
        lower: lowercase texts.
        split: word separator.
        char_level: treat every character as a token.
        oov_token: if given, it gets index 1 and replaces out-of-vocabulary words in `texts_to_sequences`.
        analyzer: a function splitting a text into tokens, used instead of `text_to_word_sequence`.

    Attributes (after `fit_on_texts`): `word_counts` (word -> count, in first-seen order),
    `word_docs` (word -> number of documents containing it), `word_index` (word -> index, 1 = most
    common), `index_word` (the inverse), `index_docs` (index -> number of documents),
    `document_count`.

    Example:
        >>> tok = Tokenizer(num_words=3, oov_token="<unk>")
        >>> tok.fit_on_texts(["a a b", "b c"])
        >>> tok.word_index
        {'<unk>': 1, 'a': 2, 'b': 3, 'c': 4}
        >>> tok.texts_to_sequences(["a b c d"])
        [[2, 1, 1, 1]]
        >>> tok.texts_to_matrix(["a a"], mode="count").tolist()
        [[0.0, 0.0, 2.0]]
    """

    def __init__(self, num_words: Optional[int] = None, filters: str = DEFAULT_FILTERS, lower: bool = True,
                 split: str = " ", char_level: bool = False, oov_token: Optional[str] = None,
                 analyzer: Optional[Callable] = None, **kwargs):
        if "nb_words" in kwargs:  # Keras 1 name
            warn("The `nb_words` argument in `Tokenizer` has been renamed `num_words`.")
            num_words = kwargs.pop("nb_words")
        document_count = kwargs.pop("document_count", 0)
        if kwargs:
            raise TypeError(f"Unrecognized keyword arguments: {kwargs}")
        if num_words is not None and (isinstance(num_words, bool) or not isinstance(num_words, (int, np.integer))
                                      or num_words < 0):
            raise ValueError(f"Tokenizer: `num_words` must be None or a non-negative integer; "
                             f"received num_words={num_words!r}.")
        self.word_counts = collections.OrderedDict()
        self.word_docs = collections.defaultdict(int)
        self.filters = filters
        self.split = split
        self.lower = lower
        self.num_words = num_words
        self.document_count = document_count
        self.char_level = char_level
        self.oov_token = oov_token
        self.index_docs = collections.defaultdict(int)
        self.word_index = {}
        self.index_word = {}
        self.analyzer = analyzer

    # -- turning one text into tokens ---------------------------------------------------------
    def _tokens(self, text):
        if self.char_level or isinstance(text, list):
            if self.lower:
                text = [t.lower() for t in text] if isinstance(text, list) else text.lower()
            return text
        if not isinstance(text, str):
            raise TypeError(f"Tokenizer: each text must be a string (or a list of tokens); received an object "
                            f"of type {type(text).__name__}: {text!r:.80}. Did you pass a single string "
                            "instead of a list of texts?")
        if self.analyzer is not None:
            return self.analyzer(text)
        return text_to_word_sequence(text, filters=self.filters, lower=self.lower, split=self.split)

    @staticmethod
    def _check_texts(method: str, texts) -> None:
        if isinstance(texts, str):
            raise TypeError(f"Tokenizer.{method}: `texts` must be a list of strings, not a single string "
                            f"(received {texts!r:.60}); wrap it in a list: [{texts!r:.30}].")

    # -- fitting ------------------------------------------------------------------------------
    def fit_on_texts(self, texts) -> None:
        """Update the vocabulary from a list (or generator) of texts; a text may be a list of tokens."""
        self._check_texts("fit_on_texts", texts)
        for text in texts:
            self.document_count += 1
            tokens = self._tokens(text)
            for w in tokens:
                self.word_counts[w] = self.word_counts.get(w, 0) + 1
            for w in set(tokens):
                self.word_docs[w] += 1

        # A stable sort by decreasing count: ties keep their first-seen order, as in Keras.
        by_count = sorted(self.word_counts.items(), key=lambda item: item[1], reverse=True)
        vocabulary = [] if self.oov_token is None else [self.oov_token]
        vocabulary.extend(word for word, _ in by_count)
        # index 0 is reserved (padding) and never given to a word
        self.word_index = dict(zip(vocabulary, range(1, len(vocabulary) + 1)))
        self.index_word = {i: w for w, i in self.word_index.items()}
        for w, c in list(self.word_docs.items()):
            self.index_docs[self.word_index[w]] = c

    def fit_on_sequences(self, sequences) -> None:
        """Update document counts from sequences of word indices (needed for `tfidf` without texts)."""
        self.document_count += len(sequences)
        for seq in sequences:
            for i in set(seq):
                self.index_docs[i] += 1

    # -- texts <-> sequences --------------------------------------------------------------------
    def texts_to_sequences(self, texts) -> list:
        """Each text as a list of word indices (unknown words dropped, or `oov_token`'s index)."""
        return list(self.texts_to_sequences_generator(texts))

    def texts_to_sequences_generator(self, texts):
        """Yield, text by text, what `texts_to_sequences` returns."""
        self._check_texts("texts_to_sequences", texts)
        num_words = self.num_words
        oov_index = self.word_index.get(self.oov_token)
        for text in texts:
            vector = []
            for w in self._tokens(text):
                i = self.word_index.get(w)
                if i is not None:
                    if num_words and i >= num_words:
                        if oov_index is not None:
                            vector.append(oov_index)
                    else:
                        vector.append(i)
                elif self.oov_token is not None:
                    vector.append(oov_index)
            yield vector

    def sequences_to_texts(self, sequences) -> list:
        """Each sequence of indices back to a space-joined string of words."""
        return list(self.sequences_to_texts_generator(sequences))

    def sequences_to_texts_generator(self, sequences):
        """Yield, sequence by sequence, what `sequences_to_texts` returns."""
        num_words = self.num_words
        oov_index = self.word_index.get(self.oov_token)
        for seq in sequences:
            words = []
            for num in seq:
                num = int(num)
                word = self.index_word.get(num)
                if word is not None:
                    if num_words and num >= num_words:
                        if oov_index is not None:
                            words.append(self.index_word[oov_index])
                    else:
                        words.append(word)
                elif self.oov_token is not None:
                    words.append(self.index_word[oov_index])
            yield " ".join(words)

    # -- matrices -----------------------------------------------------------------------------
    def texts_to_matrix(self, texts, mode: str = "binary") -> np.ndarray:
        """A `(len(texts), num_words)` matrix: see `sequences_to_matrix`."""
        return self.sequences_to_matrix(self.texts_to_sequences(texts), mode=mode)

    def sequences_to_matrix(self, sequences, mode: str = "binary") -> np.ndarray:
        """A float64 matrix `(len(sequences), num_words)` of word presence / counts / frequencies / tf-idf.

        Column `j` is word index `j` (column 0 stays 0). Modes:
        "binary" (1 if present), "count", "freq" (count / sequence length), "tfidf":
        `(1 + log(count)) * log(1 + document_count / (1 + documents_containing_word))`, Keras's formula.
        Without `num_words`, the width is `len(word_index) + 1`.
        """
        if mode not in ("binary", "count", "tfidf", "freq"):
            raise ValueError(f"Unknown vectorization mode: {mode!r}; expected one of 'binary', 'count', "
                             "'tfidf', 'freq'.")
        if not self.num_words:
            if self.word_index:
                num_words = len(self.word_index) + 1
            else:
                raise ValueError("Specify a dimension (`num_words` argument), or fit on some text data first.")
        else:
            num_words = self.num_words
        if mode == "tfidf" and not self.document_count:
            raise ValueError("Fit the Tokenizer on some data before using tfidf mode.")

        x = np.zeros((len(sequences), num_words))
        for i, seq in enumerate(sequences):
            if not len(seq):
                continue
            counts = collections.defaultdict(int)
            for j in seq:
                j = int(j)
                if j >= num_words:
                    continue
                counts[j] += 1
            for j, c in counts.items():
                if mode == "count":
                    x[i, j] = c
                elif mode == "freq":
                    x[i, j] = c / len(seq)
                elif mode == "binary":
                    x[i, j] = 1
                else:  # tfidf, weighting scheme 2 of https://en.wikipedia.org/wiki/Tf-idf
                    tf = 1 + np.log(c)
                    idf = np.log(1 + self.document_count / (1 + self.index_docs.get(j, 0)))
                    x[i, j] = tf * idf
        return x

    # -- saving -------------------------------------------------------------------------------
    def get_config(self) -> dict:
        """The configuration and vocabulary; the dictionaries as JSON strings (Keras's layout)."""
        return {
            "num_words": self.num_words,
            "filters": self.filters,
            "lower": self.lower,
            "split": self.split,
            "char_level": self.char_level,
            "oov_token": self.oov_token,
            "document_count": self.document_count,
            "word_counts": json.dumps(self.word_counts),
            "word_docs": json.dumps(self.word_docs),
            "index_docs": json.dumps(self.index_docs),
            "index_word": json.dumps(self.index_word),
            "word_index": json.dumps(self.word_index),
        }

    def to_json(self, **kwargs) -> str:
        """`{"class_name": "Tokenizer", "config": get_config()}` as JSON; read back with `tokenizer_from_json`."""
        return json.dumps({"class_name": type(self).__name__, "config": self.get_config()}, **kwargs)


def tokenizer_from_json(json_string: str) -> Tokenizer:
    """Rebuild a `Tokenizer` from `Tokenizer.to_json()` output (also Keras 2's own JSON).

    Example:
        >>> tok = Tokenizer()
        >>> tok.fit_on_texts(["hello world", "hello"])
        >>> tokenizer_from_json(tok.to_json()).texts_to_sequences(["world hello"])
        [[2, 1]]
    """
    try:
        config = dict(json.loads(json_string)["config"])
    except (TypeError, KeyError, ValueError) as e:
        raise ValueError("tokenizer_from_json: expected the JSON string written by `Tokenizer.to_json()` "
                         f"(an object with a 'config' entry); received {json_string!r:.80}") from e
    word_counts = json.loads(config.pop("word_counts"))
    word_docs = json.loads(config.pop("word_docs"))
    # JSON turns integer keys into strings
    index_docs = {int(k): v for k, v in json.loads(config.pop("index_docs")).items()}
    index_word = {int(k): v for k, v in json.loads(config.pop("index_word")).items()}
    word_index = json.loads(config.pop("word_index"))

    tokenizer = Tokenizer(**config)
    # Keep the container types of a fresh Tokenizer, so fitting on more texts still works.
    tokenizer.word_counts = collections.OrderedDict(word_counts)
    tokenizer.word_docs = collections.defaultdict(int, word_docs)
    tokenizer.index_docs = collections.defaultdict(int, index_docs)
    tokenizer.word_index = word_index
    tokenizer.index_word = index_word
    return tokenizer
