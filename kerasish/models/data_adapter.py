"""Turning what users pass to fit/evaluate/predict into batches of (x, y, sample_weight).

Arrays (and lists/dicts of arrays) get one random order per epoch; each batch gathers its rows with one
`take` per array (unshuffled batches are views). Gathering per batch copies no more than one shuffled
copy per epoch would, keeps the batch hot in cache, and never holds a second copy of the dataset
(measured on ../shared/bench: mlp +3%, cnn within noise). Python generators and
`kerasish.utils.Sequence` objects are consumed as Keras 2 consumes them, optionally prefetched
by background threads or processes (`workers`, `use_multiprocessing`).

Example:
    >>> import numpy as np
    >>> from kerasish.models.data_adapter import ArrayBatches
    >>> batches = ArrayBatches(np.arange(10.0).reshape(10, 1), np.arange(10), batch_size=4, shuffle=False)
    >>> [len(x) for x, y, sw in batches.epoch()]
    [4, 4, 2]
"""
import math

import numpy as np

from ..backend import config
from ..backend.tensor import Tensor
from ..backend.user_warnings import warn
from ..utils.data_utils import unpack_batch


def _is_array_like(x):
    return isinstance(x, (np.ndarray, Tensor, list)) and not _is_generator_like(x) or hasattr(x, "__array__")


def _is_generator_like(x):
    from ..utils.data_utils import Sequence

    if isinstance(x, Sequence) or hasattr(x, "__next__"):
        return True
    # pandas DataFrames/Series iterate (over column names) but are arrays: `__array__` says so
    return hasattr(x, "__iter__") and not hasattr(x, "__array__") and not isinstance(
        x, (np.ndarray, list, tuple, dict, Tensor, str))


def is_dataset_like(x):
    """True for generators, iterators and Sequence objects (data that brings its own batches)."""
    return x is not None and _is_generator_like(x)


def flatten_arrays(data):
    """(flat list of arrays, rebuild function) for an array, list/tuple or dict of arrays."""
    if data is None:
        return [], lambda flat: None
    if isinstance(data, dict):
        keys = list(data)
        return [_as_array(data[k], f"x[{k!r}]") for k in keys], lambda flat: dict(zip(keys, flat))
    if isinstance(data, (list, tuple)) and data and not np.isscalar(data[0]) and (
            isinstance(data[0], (np.ndarray, Tensor, list)) or hasattr(data[0], "__array__")):
        arrays = [_as_array(d, f"x[{i}]") for i, d in enumerate(data)]
        if isinstance(data, list) and len({a.shape[0] if a.ndim else -1 for a in arrays}) == 1 and \
                all(a.ndim >= 1 for a in arrays) and isinstance(data[0], list):
            # a plain nested Python list is one array, not a list of inputs
            return [_as_array(data, "x")], lambda flat: flat[0]
        return arrays, lambda flat: list(flat)
    return [_as_array(data, "x")], lambda flat: flat[0]


def _as_array(a, what):
    if isinstance(a, Tensor):
        return a.array
    arr = np.asarray(a)
    if arr.dtype == object and not all(isinstance(v, (str, bytes)) for v in arr.flat):  # text is fine
        raise ValueError(f"Failed to convert {what} to a numpy array: it contains objects of mixed types or shapes "
                         f"(got {type(a).__name__}).")
    if arr.dtype.kind == "f" and arr.dtype != config.floatx():
        arr = arr.astype(config.floatx())
    return arr


def check_sample_counts(x_flat, y_flat, sw_flat):
    """All arrays must share their first dimension; name them when they don't."""
    counts = {}
    for name, arrays in (("x", x_flat), ("y", y_flat), ("sample_weight", sw_flat)):
        for i, a in enumerate(arrays):
            if a.ndim == 0:
                raise ValueError(f"Expected {name} to be an array with a batch dimension; received a scalar.")
            counts.setdefault(name, set()).add(a.shape[0])
    if "x" in counts and len(counts["x"]) > 1:
        raise ValueError(f"Data cardinality is ambiguous: x sizes: {sorted(counts['x'])}. Make sure all arrays "
                         "contain the same number of samples.")
    sizes = {k: v.pop() if len(v) == 1 else sorted(v) for k, v in counts.items()}
    distinct = {v for v in sizes.values() if not isinstance(v, list)}
    if len(distinct) > 1 or any(isinstance(v, list) for v in sizes.values()):
        detail = "\n".join(f"  {k} sizes: {v}" for k, v in sizes.items())
        raise ValueError(f"Data cardinality is ambiguous:\n{detail}\nMake sure all arrays contain the same number "
                         "of samples.")
    return distinct.pop() if distinct else 0


class ArrayBatches:
    """Batches of in-memory arrays: shuffled batches gathered with `take`, unshuffled ones as views."""

    def __init__(self, x, y=None, sample_weight=None, batch_size=32, shuffle=False, steps=None, passes=1):
        self.x_flat, self.rebuild_x = flatten_arrays(x)
        self.y_flat, self.rebuild_y = flatten_arrays(y)
        self.sw_flat, self.rebuild_sw = flatten_arrays(sample_weight)
        self.n = check_sample_counts(self.x_flat, self.y_flat, self.sw_flat)
        if self.n == 0 and self.x_flat:
            raise ValueError("Expected input data to be non-empty: x has 0 samples.")
        if batch_size is None:  # tf.keras: with `steps` given, batches that cover the data in that many steps
            batch_size = max(1, math.ceil(self.n / steps)) if steps else 32
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.steps = int(math.ceil(self.n / self.batch_size)) if steps is None else int(steps)
        # With a number of steps given, tf.keras reads the arrays as one stream of `passes` passes
        # (a fit's epochs, each pass reshuffled, each ending with its partial batch) that `epoch()`
        # takes `steps` batches from at a time: an epoch starts where the last one stopped, so
        # `steps_per_epoch` smaller than a pass still reaches every sample over the epochs.
        self.passes = passes
        self._stream = None if steps is None else self._stream_of_batches()
        self.exhausted = False

    def __len__(self):
        return self.steps

    def warn_if_not_finite(self):
        """Warns once, naming the array and the first sample, when the data holds NaN or infinity.

        A NaN in the data silently turns the loss NaN a few batches later; saying where it is saves the user
        the search. One reduction per float array (no temporary copy: the dot product of the data with
        itself, NaN and infinity carry through it; 0.4 ms for 8192 x 784 float32, a float64 sum took 2.2 ms of
        every `fit` call) finds that something may be off; only then is the array searched for the first bad
        sample (an overflow of finite values is told apart there).
        """
        for role, arrays in (("x", self.x_flat), ("y", self.y_flat), ("sample_weight", self.sw_flat)):
            for i, a in enumerate(arrays):
                if a.dtype.kind not in "fc" or not a.size:
                    continue
                with np.errstate(over="ignore", invalid="ignore"):
                    if a.dtype.kind == "f" and a.flags.c_contiguous:
                        flat = a.reshape(-1)
                        total = np.dot(flat, flat)
                    else:
                        total = np.add.reduce(a, axis=None)
                if np.isfinite(total):
                    continue
                bad = ~np.isfinite(a.reshape(len(a), -1)).all(axis=1)
                if not bad.any():  # the float64 sum overflowed on finite data
                    continue
                name = role if len(arrays) == 1 else f"{role}[{i}]"
                kinds = " and ".join(k for k, test in (("NaN", np.isnan), ("infinite", np.isinf)) if test(a).any())
                warn(f"The training data `{name}` holds {kinds} values in {int(bad.sum())} of {len(a)} samples "
                     f"(the first is sample {int(np.argmax(bad))}): the loss will become NaN. Remove or fill them "
                     "(e.g. np.nan_to_num, or drop those rows) before calling fit.")

    def epoch(self):
        """Yield (x, y, sample_weight) batches for one epoch: one pass over the data, or the next `steps`
        batches of the stream when `steps` was given (fewer, and `exhausted` set, when the stream ends)."""
        if self._stream is None:
            yield from self._one_pass()
            return
        for _ in range(self.steps):
            batch = next(self._stream, None)
            if batch is None:
                self.exhausted = True
                return
            yield batch

    def _stream_of_batches(self):
        passes = 0
        while self.passes is None or passes < self.passes:
            yield from self._one_pass()
            passes += 1

    def _one_pass(self):
        arrays = self.x_flat + self.y_flat + self.sw_flat
        if self.shuffle:
            order = config.rng().permutation(self.n)
            if self.shuffle == "batch":
                # Keras's "batch" mode: shuffle the order of full batches, then samples within each batch
                rng = config.rng()
                full = self.n // self.batch_size
                blocks = [np.arange(b * self.batch_size, (b + 1) * self.batch_size) for b in rng.permutation(full)]
                if self.n % self.batch_size:
                    blocks.append(np.arange(full * self.batch_size, self.n))
                order = np.concatenate([rng.permutation(b) for b in blocks])
        nx, ny = len(self.x_flat), len(self.y_flat)
        bs = self.batch_size
        for start in range(0, self.n, bs):
            stop = min(start + bs, self.n)
            if self.shuffle:
                rows = order[start:stop]
                parts = [a.take(rows, axis=0) for a in arrays]
            else:
                parts = [a[start:stop] for a in arrays]
            yield (self.rebuild_x(parts[:nx]), self.rebuild_y(parts[nx:nx + ny]) if ny else None,
                   self.rebuild_sw(parts[nx + ny:]) if len(parts) > nx + ny else None)


class GeneratorBatches:
    """Batches from a Python generator/iterator or a `Sequence` (Keras 2 semantics).

    A generator is not restarted between epochs; with `steps` unset, the first epoch runs until the
    generator is exhausted. A Sequence is indexed `0..len-1` each epoch (shuffled order when `shuffle`),
    and its `on_epoch_end` runs after every epoch.
    """

    def __init__(self, data, steps=None, shuffle=False, workers=1, use_multiprocessing=False, max_queue_size=10):
        from ..utils.data_utils import Sequence

        self.is_sequence = isinstance(data, Sequence)
        self.data = data
        self.shuffle = shuffle
        self.workers = max(int(workers or 1), 1)
        self.use_multiprocessing = bool(use_multiprocessing)
        self.max_queue_size = max(int(max_queue_size or 1), 1)
        # An iterable that is not itself an iterator (a `utils.Dataset`, any re-iterable object) is
        # iterated afresh every epoch, as tf.keras iterates a tf.data.Dataset, unless `steps` asks for
        # fewer batches than one pass holds: then one iterator continues across epochs (tf.keras too).
        reiterable = not self.is_sequence and not hasattr(data, "__next__")
        length = _length(data) if reiterable else None
        self.fresh_each_epoch = reiterable and (steps is None or length is not None and int(steps) == length)
        if self.is_sequence:
            self.steps = len(data) if steps is None else int(steps)
        else:
            self.steps = length if steps is None else int(steps)
            self._iterator = None if self.fresh_each_epoch else iter(data)
            self._prefetch = None
        self.exhausted = False

    def __len__(self):
        return self.steps

    def epoch(self):
        if self.is_sequence:
            yield from self._sequence_epoch()
        else:
            yield from self._generator_epoch()

    def _sequence_epoch(self):
        order = list(range(len(self.data)))
        if self.shuffle:
            order = list(config.rng().permutation(len(order)))
        order = order[:self.steps] if self.steps is not None else order
        if self.workers > 1 or self.use_multiprocessing:
            yield from _prefetched_sequence(self.data, order, self.workers, self.use_multiprocessing,
                                            self.max_queue_size)
        else:
            for i in order:
                yield unpack_batch(self.data[int(i)])

    def end_epoch(self):
        if self.is_sequence and hasattr(self.data, "on_epoch_end"):
            self.data.on_epoch_end()

    def _generator_epoch(self):
        source = self._iterator
        if self.fresh_each_epoch:
            source = iter(self.data)
        elif self.workers > 1 and self._prefetch is None:
            from ..utils.data_utils import GeneratorEnqueuer

            enqueuer = GeneratorEnqueuer(self._iterator)
            enqueuer.start(workers=1, max_queue_size=self.max_queue_size)
            self._prefetch = enqueuer.get()
        if self._prefetch is not None:
            source = self._prefetch
        count = 0
        while self.steps is None or count < self.steps:
            try:
                item = next(source)
            except StopIteration:
                self.exhausted = True
                return
            count += 1
            yield unpack_batch(item)


def _length(data):
    """`len(data)` when the object knows it, else None."""
    try:
        return int(len(data))
    except TypeError:
        return None


def _get_item(seq, i):
    return seq[i]


def _prefetched_sequence(seq, order, workers, use_multiprocessing, max_queue_size):
    """Fetch Sequence items ahead of use with a pool of threads or processes; yields in order."""
    if use_multiprocessing:
        import concurrent.futures as cf
        import multiprocessing

        try:
            ctx = multiprocessing.get_context("fork")
        except ValueError:
            ctx = multiprocessing.get_context()
        pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
    else:
        import concurrent.futures as cf

        pool = cf.ThreadPoolExecutor(max_workers=workers)
    try:
        pending = []
        it = iter(order)
        for i in it:
            pending.append(pool.submit(_get_item, seq, int(i)))
            if len(pending) >= max_queue_size:
                break
        while pending:
            future = pending.pop(0)
            nxt = next(it, None)
            if nxt is not None:
                pending.append(pool.submit(_get_item, seq, int(nxt)))
            yield unpack_batch(future.result())
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def train_validation_split(arrays, validation_split):
    """Split flat arrays at floor(n * (1 - split)): the LAST fraction validates (before any shuffling)."""
    n = arrays[0].shape[0]
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise ValueError(f"Training data contains {n} samples, which is not sufficient to split it into a "
                         f"validation and training set as specified by `validation_split={validation_split}`. "
                         "Either provide more data, or a different value for the `validation_split` argument.")
    return [a[:split_at] for a in arrays], [a[split_at:] for a in arrays]


def warn_ran_out(steps_per_epoch, epochs):
    """Warns as tf.keras does when a finite generator or dataset runs out before `epochs` epochs end.

    `steps_per_epoch` is the number of batches an epoch takes (given, or counted in the first epoch).
    """
    warn("Your input ran out of data; interrupting training. Make sure that your dataset or generator can "
         "generate at least `steps_per_epoch * epochs` batches (in this case, "
         f"{steps_per_epoch * epochs} batches: {steps_per_epoch} per epoch x {epochs} epochs). "
         "You may need to use the repeat() function when building your dataset.")
