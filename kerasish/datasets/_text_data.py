"""What `imdb` and `reuters` share: loading their npz files and re-indexing the word sequences."""
import json
import os

import numpy as np

from ..utils.file_utils import get_file
from ..backend.user_warnings import warn

STORAGE = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


def fetch(path, fname, file_hash, cache_dir):
    """The local path of a data file (downloaded into the Keras cache when missing)."""
    if cache_dir:
        cache_dir = os.path.expanduser(cache_dir)
        os.makedirs(cache_dir, exist_ok=True)
    return get_file(path, origin=STORAGE + fname, file_hash=file_hash, cache_dir=cache_dir)


def load_npz(path, keys):
    """Arrays from one of Keras's text npz files.

    Their sequences are stored as numpy object arrays of Python lists, which numpy can only read
    with `allow_pickle=True`: only load such files from a cache folder you control.
    """
    with np.load(path, allow_pickle=True) as f:
        return [f[k] for k in keys]


def legacy_kwargs(num_words, kwargs):
    if "nb_words" in kwargs:
        warn("The `nb_words` argument in `load_data` has been renamed `num_words`.")
        num_words = kwargs.pop("nb_words")
    if kwargs:
        raise TypeError(f"Unrecognized keyword arguments: {kwargs}.")
    return num_words


def shift_indices(xs, start_char, index_from):
    """Every word index + `index_from`, with `start_char` first (Keras's conventions)."""
    if start_char is not None:
        return [[start_char] + [w + index_from for w in x] for x in xs]
    if index_from:
        return [[w + index_from for w in x] for x in xs]
    return [list(x) for x in xs]


def cut_vocabulary(xs, num_words, skip_top, oov_char):
    """Words outside [skip_top, num_words) become `oov_char`, or are dropped when it is None."""
    if not num_words:
        num_words = max((max(x) for x in xs if len(x)), default=0)
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    return [[w for w in x if skip_top <= w < num_words] for x in xs]


def object_array(lists):
    """A 1D object array of lists (even when all lists have the same length)."""
    out = np.empty(len(lists), dtype=object)
    out[:] = [list(x) for x in lists]
    return out


def load_word_index(path, fname, file_hash):
    path = get_file(path, origin=STORAGE + fname, file_hash=file_hash)
    with open(path, encoding="utf-8") as f:
        return json.load(f)
