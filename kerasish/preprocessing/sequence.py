"""Sequence preprocessing from Keras 2: `pad_sequences`, `TimeseriesGenerator`, `skipgrams`.

Example:
    >>> from kerasish.preprocessing.sequence import pad_sequences
    >>> pad_sequences([[1, 2, 3], [4, 5]], maxlen=2).tolist()
    [[2, 3], [4, 5]]
    >>> pad_sequences([[1], [2, 3]], padding="post").tolist()
    [[1, 0], [2, 3]]
"""
import json
import random
from typing import Optional

import numpy as np

from ..utils.data_utils import Sequence
from ..utils.sequence_utils import pad_sequences  # noqa: F401  (Keras 2's path)

__all__ = ["pad_sequences", "TimeseriesGenerator", "timeseries_generator_from_json", "make_sampling_table",
           "skipgrams"]


def _remove_long_seq(maxlen, seq, label):
    """Keep only the (sequence, label) pairs whose sequence is shorter than `maxlen` (as Keras)."""
    new_seq, new_label = [], []
    for x, y in zip(seq, label):
        if len(x) < maxlen:
            new_seq.append(x)
            new_label.append(y)
    return new_seq, new_label


def make_sampling_table(size: int, sampling_factor: float = 1e-5) -> np.ndarray:
    """Word-rank-based probabilities of keeping a word, for `skipgrams(sampling_table=...)`.

    Index `i` is the probability of keeping the i-th most common word: word2vec's
    `min(1, sqrt(sampling_factor / frequency))`, with the frequency of rank `r` estimated by Zipf's
    law as `1 / (r * (log(r) + gamma) + 1/2 - 1/(12 r))` (gamma = 0.577, Keras's formula).

    Args:
        size: vocabulary size.
        sampling_factor: word2vec's sampling factor.

    Example:
        >>> table = make_sampling_table(5)
        >>> table.shape, bool(table[0] == table[1])
        ((5,), True)
    """
    gamma = 0.577
    rank = np.arange(size)
    rank[0] = 1
    inv_fq = rank * (np.log(rank) + gamma) + 0.5 - 1.0 / (12.0 * rank)
    f = sampling_factor * inv_fq
    return np.minimum(1.0, f / np.sqrt(f))


def skipgrams(sequence, vocabulary_size: int, window_size: int = 4, negative_samples: float = 1.0,
              shuffle: bool = True, categorical: bool = False, sampling_table=None, seed=None):
    """Word2vec skip-gram pairs `(couples, labels)` from a sequence of word indices.

    Positive couples `[word, context]` pair each word with its neighbours within `window_size`
    (label 1); negative couples pair words with random indices in `[1, vocabulary_size)` (label 0),
    `negative_samples` of them per positive couple. Index 0 is skipped (padding). Randomness comes
    from Python's `random` module, as in Keras.

    Args:
        sequence: a list of word indices.
        vocabulary_size: largest index + 1.
        window_size: how far a context word may be.
        negative_samples: how many negative couples per positive one (0 for none).
        shuffle: shuffle couples and labels (together).
        categorical: labels as `[0, 1]` (positive) / `[1, 0]` (negative) instead of 1 / 0.
        sampling_table: from `make_sampling_table`: word `i` is kept with probability
            `sampling_table[i]`.
        seed: seed for the shuffle.

    Example:
        >>> couples, labels = skipgrams([1, 2, 3], vocabulary_size=4, window_size=1, negative_samples=0,
        ...                             shuffle=False)
        >>> couples, labels
        ([[1, 2], [2, 1], [2, 3], [3, 2]], [1, 1, 1, 1])
    """
    couples = []
    labels = []
    for i, wi in enumerate(sequence):
        if not wi:
            continue
        if sampling_table is not None and sampling_table[wi] < random.random():
            continue
        window_start = max(0, i - window_size)
        window_end = min(len(sequence), i + window_size + 1)
        for j in range(window_start, window_end):
            if j == i:
                continue
            wj = sequence[j]
            if not wj:
                continue
            couples.append([wi, wj])
            labels.append([0, 1] if categorical else 1)

    if negative_samples > 0:
        num_negative = int(len(labels) * negative_samples)
        words = [c[0] for c in couples]
        random.shuffle(words)
        couples += [[words[i % len(words)], random.randint(1, vocabulary_size - 1)] for i in range(num_negative)]
        labels += ([[1, 0]] if categorical else [0]) * num_negative

    if shuffle:
        if seed is None:
            seed = random.randint(0, 10_000_000)
        random.seed(seed)
        random.shuffle(couples)
        random.seed(seed)
        random.shuffle(labels)
    return couples, labels


class TimeseriesGenerator(Sequence):
    """Batches of sliding windows over a time series, with the value that follows each window as target.

    Batch `i` holds windows ending just before rows `start_index + length + i * batch_size * stride`,
    ..., each window being `data[row - length:row:sampling_rate]` and its target `targets[row]`.

    Args:
        data: an indexable series (list or array) whose first axis is time.
        targets: the targets, same length as `data`.
        length: how many time steps of history each window spans (before `sampling_rate`).
        sampling_rate: take every `sampling_rate`-th step inside a window.
        stride: steps between consecutive windows.
        start_index, end_index: the rows usable as targets are `start_index + length` to `end_index`
            (default: the last row).
        shuffle: draw the rows of each batch at random instead of in order.
        reverse: windows in reverse time order.
        batch_size: windows per batch (default 128).

    Example:
        >>> import numpy as np
        >>> series = np.arange(10)
        >>> gen = TimeseriesGenerator(series, series, length=3, batch_size=2)
        >>> len(gen)
        4
        >>> x, y = gen[0]
        >>> x.tolist(), y.tolist()
        ([[0, 1, 2], [1, 2, 3]], [3, 4])
    """

    def __init__(self, data, targets, length: int, sampling_rate: int = 1, stride: int = 1, start_index: int = 0,
                 end_index: Optional[int] = None, shuffle: bool = False, reverse: bool = False,
                 batch_size: int = 128):
        super().__init__()
        if len(data) != len(targets):
            raise ValueError(f"Data and targets have to be of same length. Data length is {len(data)} while "
                             f"target length is {len(targets)}")
        for name, val, low in (("length", length, 1), ("sampling_rate", sampling_rate, 1), ("stride", stride, 1),
                               ("batch_size", batch_size, 1), ("start_index", start_index, 0)):
            if isinstance(val, bool) or not isinstance(val, (int, np.integer)) or val < low:
                raise ValueError(f"TimeseriesGenerator: `{name}` must be an integer >= {low}; "
                                 f"received {name}={val!r}.")
        self.data = data
        self.targets = targets
        self.length = int(length)
        self.sampling_rate = int(sampling_rate)
        self.stride = int(stride)
        self._start_index_arg = int(start_index)
        self.start_index = int(start_index) + self.length
        self.end_index = len(data) - 1 if end_index is None else int(end_index)
        self.shuffle = shuffle
        self.reverse = reverse
        self.batch_size = int(batch_size)
        if self.start_index > self.end_index:
            raise ValueError(f"`start_index+length={self.start_index} > end_index={self.end_index}` is disallowed, "
                             "as no part of the sequence would be left to be used as current step.")

    def __len__(self):
        span = self.batch_size * self.stride
        return (self.end_index - self.start_index + span) // span

    def __getitem__(self, index):
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"TimeseriesGenerator index {index} is out of range for {len(self)} batches.")
        if self.shuffle:
            rows = np.random.randint(self.start_index, self.end_index + 1, size=self.batch_size)
        else:
            first = self.start_index + self.batch_size * self.stride * index
            rows = np.arange(first, min(first + self.batch_size * self.stride, self.end_index + 1), self.stride)
        samples = np.array([self.data[row - self.length:row:self.sampling_rate] for row in rows])
        targets = np.array([self.targets[row] for row in rows])
        if self.reverse:
            return samples[:, ::-1, ...], targets
        return samples, targets

    def get_config(self) -> dict:
        """The generator's arguments as a dict; `data` and `targets` as JSON strings (as Keras)."""
        def to_json(name, value):
            if type(value).__module__ == np.__name__:
                value = value.tolist()
            try:
                return json.dumps(value)
            except TypeError as e:
                raise TypeError(f"TimeseriesGenerator: `{name}` is not JSON serializable: {value!r}") from e

        # Keras writes `self.start_index` (already shifted by `length`), so reading its own JSON
        # back shifts the windows a second time; we write the argument the caller gave.
        return {"data": to_json("data", self.data), "targets": to_json("targets", self.targets),
                "length": self.length, "sampling_rate": self.sampling_rate, "stride": self.stride,
                "start_index": self._start_index_arg, "end_index": self.end_index, "shuffle": self.shuffle,
                "reverse": self.reverse, "batch_size": self.batch_size}

    def to_json(self, **kwargs) -> str:
        """`{"class_name": "TimeseriesGenerator", "config": ...}` as a JSON string."""
        return json.dumps({"class_name": type(self).__name__, "config": self.get_config()}, **kwargs)


def timeseries_generator_from_json(json_string: str) -> TimeseriesGenerator:
    """Rebuild a `TimeseriesGenerator` from `TimeseriesGenerator.to_json()` output."""
    full = json.loads(json_string)
    config = dict(full.get("config", full))
    config["data"] = json.loads(config["data"])
    config["targets"] = json.loads(config["targets"])
    return TimeseriesGenerator(**config)
