"""`Dataset`: a small, lazy, re-iterable pipeline of numpy elements with the `tf.data.Dataset` methods
that Keras tutorials call (`take`, `map`, `batch`, `unbatch`, `shuffle`, `cache`, `prefetch`, ...).

The dataset helpers (`image_dataset_from_directory`, `text_dataset_from_directory`,
`timeseries_dataset_from_array`, `split_dataset`) return one. Iterating it yields kerasish Tensors
(so `images.numpy()` and `class_names[labels[i]]` work as with TensorFlow's eager tensors);
`as_numpy_iterator()` yields numpy arrays. An element is an array or a tuple/dict of arrays;
`fit`, `evaluate` and `predict` iterate a Dataset afresh every epoch, as tf.keras iterates a
`tf.data.Dataset`, and leave its order alone (a Dataset shuffles itself, or not).

Example:
    >>> import numpy as np
    >>> from kerasish.utils.dataset import Dataset
    >>> ds = Dataset.from_tensor_slices((np.arange(5), np.arange(5) * 10)).batch(2)
    >>> [(x.tolist(), y.tolist()) for x, y in ds.as_numpy_iterator()]
    [([0, 1], [0, 10]), ([2, 3], [20, 30]), ([4], [40])]
    >>> len(ds), ds.unbatch().cardinality()
    (3, -2)
"""
import itertools
import math

import numpy as np

from ..backend import config
from ..backend.tensor import Tensor

INFINITE = -1  # tf.data.INFINITE_CARDINALITY
UNKNOWN = -2  # tf.data.UNKNOWN_CARDINALITY
AUTOTUNE = -1  # tf.data.AUTOTUNE: accepted wherever a buffer size or a parallelism goes


def map_structure(fn, element):
    """Apply `fn` to every leaf of a (nested) tuple/list/dict element."""
    if isinstance(element, tuple):
        return tuple(map_structure(fn, e) for e in element)
    if isinstance(element, list):
        return [map_structure(fn, e) for e in element]
    if isinstance(element, dict):
        return {k: map_structure(fn, v) for k, v in element.items()}
    return fn(element)


def _leaves(element):
    if isinstance(element, (tuple, list)):
        return [leaf for e in element for leaf in _leaves(e)]
    if isinstance(element, dict):
        return [leaf for v in element.values() for leaf in _leaves(v)]
    return [element]


def _rebuild(template, leaves):
    """`template`'s structure filled with `leaves` in order."""
    it = iter(leaves)

    def take(_):
        return next(it)

    return map_structure(take, template)


def to_array(value):
    """A leaf as a numpy array (Tensors unwrapped; strings and bytes as object arrays)."""
    if isinstance(value, Tensor):
        return value.array
    if isinstance(value, (str, bytes)):
        return np.array(value, dtype=object)
    array = np.asarray(value)
    if array.dtype.kind in "US":  # numpy fixed-width strings: keep Python str/bytes, as TF string tensors do
        array = array.astype(object)
    return array


def _stack(values):
    first = values[0]
    if first.dtype == object or first.ndim == 0 and isinstance(first.item(), (str, bytes)):
        out = np.empty((len(values),) + first.shape, dtype=object)
        for i, v in enumerate(values):
            out[i, ...] = v
        return out
    return np.stack(values)


def _batch_elements(elements):
    """Stack a list of elements leaf by leaf into one batched element."""
    columns = zip(*[_leaves(e) for e in elements])
    return _rebuild(elements[0], [_stack([to_array(v) for v in column]) for column in columns])


def _count(n):
    if isinstance(n, Tensor):
        n = n.array
    return int(n)


def _lists_as_arrays(element):
    """Lists of plain values (numbers, strings, nested lists of them) as arrays: tf.data converts a Python list
    to one tensor (`from_tensor_slices((["a", "b"], [0, 1]))` has two components of two elements)."""
    if isinstance(element, tuple):
        return tuple(_lists_as_arrays(e) for e in element)
    if isinstance(element, dict):
        return {k: _lists_as_arrays(v) for k, v in element.items()}
    if isinstance(element, list) and not any(isinstance(e, (tuple, dict, np.ndarray, Tensor)) for e in element):
        return to_array(element)
    return element


class Dataset:
    """A re-iterable, lazily computed sequence of elements (arrays, or tuples/dicts of arrays).

    Build one with `Dataset.from_tensor_slices(data)` or a dataset helper; every method returns a
    new Dataset and leaves this one unchanged.

    Args:
        make_iterator: a function returning a fresh iterator over the elements (numpy arrays).
        cardinality: the number of elements, or `INFINITE` (-1) / `UNKNOWN` (-2).

    Example:
        >>> import numpy as np
        >>> ds = Dataset.from_tensor_slices(np.arange(6)).map(lambda x: x * 2).batch(4)
        >>> [b.numpy().tolist() for b in ds]
        [[0, 2, 4, 6], [8, 10]]
    """

    def __init__(self, make_iterator, cardinality=UNKNOWN):
        self._make_iterator = make_iterator
        self._cardinality = int(cardinality)

    # -- construction ---------------------------------------------------------------------------
    @staticmethod
    def from_tensor_slices(data):
        """Elements are the slices of `data` (an array, or a tuple/list/dict of arrays) along axis 0.

        Example:
            >>> [x.tolist() for x in Dataset.from_tensor_slices(np.array([[1, 2], [3, 4]])).as_numpy_iterator()]
            [[1, 2], [3, 4]]
        """
        if isinstance(data, list) and data and all(isinstance(d, (np.ndarray, Tensor)) for d in data):
            data = tuple(data)  # a list of arrays is several components, as tf.data reads it
        arrays = map_structure(to_array, _lists_as_arrays(data))
        leaves = _leaves(arrays)
        if not leaves or any(a.ndim == 0 for a in leaves):
            raise ValueError("Dataset.from_tensor_slices: every component needs a first (batch) axis; received "
                             f"shapes {[a.shape for a in leaves]}")
        counts = {a.shape[0] for a in leaves}
        if len(counts) != 1:
            raise ValueError("Dataset.from_tensor_slices: all components must have the same size along axis 0; "
                             f"received shapes {[a.shape for a in leaves]}")
        n = counts.pop()

        def make():
            for i in range(n):
                yield _rebuild(arrays, [a[i, ...] for a in leaves])

        return Dataset(make, n)

    @staticmethod
    def from_generator(generator, output_signature=None, output_types=None, output_shapes=None, args=None):
        """Elements from `generator()` (called afresh for each pass); signature arguments are ignored."""
        def make():
            for element in generator(*(args or ())):
                yield map_structure(to_array, element)

        return Dataset(make, UNKNOWN)

    @staticmethod
    def range(*args):
        """`Dataset.range(stop)` / `(start, stop[, step])` of int64 scalars."""
        values = np.arange(*args, dtype=np.int64)
        return Dataset.from_tensor_slices(values)

    @staticmethod
    def zip(datasets):
        """Elements are tuples with one element from each dataset (stops at the shortest)."""
        datasets = tuple(datasets)
        known = [d._cardinality for d in datasets if d._cardinality != INFINITE]
        cardinality = UNKNOWN if UNKNOWN in known else (min(known) if known else INFINITE)
        return Dataset(lambda: zip(*(d._make_iterator() for d in datasets)), cardinality)

    # -- iteration -------------------------------------------------------------------------------
    def __iter__(self):
        for element in self._make_iterator():
            yield map_structure(Tensor, element)

    def as_numpy_iterator(self):
        """Iterate the elements as numpy arrays."""
        return iter(self._make_iterator())

    def cardinality(self) -> int:
        """The number of elements; -1 if infinite, -2 if unknown (as `tf.data`)."""
        return self._cardinality

    def __len__(self):
        if self._cardinality == INFINITE:
            raise TypeError("The dataset is infinite.")
        if self._cardinality == UNKNOWN:
            raise TypeError("The dataset length is unknown.")
        return self._cardinality

    def __bool__(self):
        return True

    def __repr__(self):
        return f"<kerasish Dataset cardinality={self._cardinality}>"

    # -- transformations -------------------------------------------------------------------------
    def _derived(self, make, cardinality):
        out = Dataset(make, cardinality)
        for attr in ("class_names", "file_paths"):
            if hasattr(self, attr):
                setattr(out, attr, getattr(self, attr))
        return out

    def take(self, count):
        """The first `count` elements (all if `count` is -1)."""
        count = _count(count)
        if count < 0:
            return self._derived(self._make_iterator, self._cardinality)
        if self._cardinality == INFINITE:
            cardinality = count
        elif self._cardinality == UNKNOWN:
            cardinality = UNKNOWN
        else:
            cardinality = min(count, self._cardinality)
        return self._derived(lambda: itertools.islice(self._make_iterator(), count), cardinality)

    def skip(self, count):
        """All but the first `count` elements."""
        count = _count(count)
        cardinality = self._cardinality if self._cardinality < 0 else max(0, self._cardinality - count)
        return self._derived(lambda: itertools.islice(self._make_iterator(), count, None), cardinality)

    def map(self, map_func, num_parallel_calls=None, deterministic=None, name=None):
        """Apply `map_func` to every element (a tuple element is passed as separate arguments)."""
        def make():
            for element in self._make_iterator():
                tensors = map_structure(Tensor, element)
                out = map_func(*tensors) if isinstance(tensors, tuple) else map_func(tensors)
                yield map_structure(to_array, out)

        return self._derived(make, self._cardinality)

    def _map_arrays(self, map_func):
        """Like `map`, on numpy arrays (the helpers' own loading steps)."""
        def make():
            for element in self._make_iterator():
                yield map_structure(to_array, map_func(element))

        return self._derived(make, self._cardinality)

    def filter(self, predicate, name=None):
        """Keep the elements for which `predicate` is true."""
        def make():
            for element in self._make_iterator():
                tensors = map_structure(Tensor, element)
                keep = predicate(*tensors) if isinstance(tensors, tuple) else predicate(tensors)
                if bool(np.asarray(to_array(keep))):
                    yield element

        return self._derived(make, UNKNOWN)

    def batch(self, batch_size, drop_remainder=False, num_parallel_calls=None, deterministic=None, name=None):
        """Stack consecutive elements into batches of `batch_size` (the last one may be smaller)."""
        batch_size = _count(batch_size)
        if batch_size <= 0:
            raise ValueError(f"Dataset.batch: `batch_size` must be a positive integer; received {batch_size}")

        def make():
            iterator = self._make_iterator()
            while True:
                chunk = list(itertools.islice(iterator, batch_size))
                if not chunk or drop_remainder and len(chunk) < batch_size:
                    return
                yield _batch_elements(chunk)

        if self._cardinality < 0:
            cardinality = self._cardinality
        elif drop_remainder:
            cardinality = self._cardinality // batch_size
        else:
            cardinality = math.ceil(self._cardinality / batch_size)
        out = self._derived(make, cardinality)
        out._batch_size = batch_size
        return out

    def unbatch(self, name=None):
        """Split every batched element into its rows."""
        def make():
            for element in self._make_iterator():
                leaves = _leaves(element)
                for i in range(leaves[0].shape[0]):
                    yield _rebuild(element, [leaf[i, ...] for leaf in leaves])

        return self._derived(make, UNKNOWN)

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=None, name=None):
        """Shuffle through a buffer of `buffer_size` elements, as `tf.data` does (a new order every pass
        unless `reshuffle_each_iteration=False`). The order differs from TensorFlow's (another RNG)."""
        buffer_size = _count(buffer_size)
        if buffer_size <= 0 and buffer_size != AUTOTUNE:
            raise ValueError(f"Dataset.shuffle: `buffer_size` must be positive; received {buffer_size}")
        seeds = np.random.default_rng(seed) if seed is not None else None
        reshuffle = True if reshuffle_each_iteration is None else bool(reshuffle_each_iteration)
        fixed = []

        def make():
            if not reshuffle and fixed:
                rng = np.random.default_rng(fixed[0])
            else:
                source = seeds if seeds is not None else config.rng()
                state = int(source.integers(2**63))
                fixed[:] = [state]
                rng = np.random.default_rng(state)
            return _buffer_shuffle(self._make_iterator(), buffer_size, rng)

        return self._derived(make, self._cardinality)

    def repeat(self, count=None, name=None):
        """Repeat the elements `count` times (forever if None or -1)."""
        count = None if count is None or _count(count) < 0 else _count(count)

        def make():
            passes = itertools.count() if count is None else range(count)
            for _ in passes:
                yield from self._make_iterator()

        if count is None:
            cardinality = INFINITE if self._cardinality != 0 else 0
        else:
            cardinality = self._cardinality * count if self._cardinality >= 0 else self._cardinality
        return self._derived(make, cardinality)

    def cache(self, filename="", name=None):
        """Keep the elements in memory after the first full pass (`filename` is ignored)."""
        stored = []
        complete = []

        def make():
            if complete:
                yield from stored
                return
            stored.clear()
            for element in self._make_iterator():
                stored.append(element)
                yield element
            complete.append(True)

        return self._derived(make, self._cardinality)

    def prefetch(self, buffer_size=AUTOTUNE, name=None):
        """Accepted for compatibility: elements are computed when asked for."""
        return self._derived(self._make_iterator, self._cardinality)

    def with_options(self, options, name=None):
        """Accepted for compatibility; returns an equivalent dataset."""
        return self._derived(self._make_iterator, self._cardinality)


def _buffer_shuffle(iterator, buffer_size, rng):
    """tf.data's shuffle: emit a random element of a buffer and refill its slot from the input."""
    if buffer_size == AUTOTUNE:
        buffer_size = 1024
    buffer = list(itertools.islice(iterator, buffer_size))
    for element in iterator:
        i = int(rng.integers(len(buffer)))
        yield buffer[i]
        buffer[i] = element
    while buffer:
        i = int(rng.integers(len(buffer)))
        buffer[i], buffer[-1] = buffer[-1], buffer[i]
        yield buffer.pop()
