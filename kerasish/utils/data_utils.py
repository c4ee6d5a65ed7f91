"""`Sequence`: an indexable data set of batches, safe to use with several workers; and Keras 2's
enqueuers (`OrderedEnqueuer`, `GeneratorEnqueuer`), which prefetch batches in the background.

Example:
    >>> import numpy as np
    >>> from kerasish.utils import Sequence
    >>> class Batches(Sequence):
    ...     def __init__(self, x, batch_size):
    ...         self.x, self.batch_size = x, batch_size
    ...     def __len__(self):
    ...         return (len(self.x) + self.batch_size - 1) // self.batch_size
    ...     def __getitem__(self, i):
    ...         chunk = self.x[i * self.batch_size:(i + 1) * self.batch_size]
    ...         return chunk, chunk
    >>> len(Batches(np.zeros((10, 2)), 4))
    3
"""
import queue
import random
import threading

from .file_utils import _hash_file, get_file, validate_file  # noqa: F401  (Keras 2 kept them here)
from .progbar import Progbar  # noqa: F401  (Keras 2 imported it here)


class Sequence:
    """Base class for batch-indexable data: implement `__getitem__(index)` and `__len__()`.

    `on_epoch_end()` runs after every epoch of `fit` (shuffle your data there if you like).
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size

    def __getitem__(self, index):
        raise NotImplementedError

    def __len__(self):
        raise NotImplementedError

    def on_epoch_end(self):
        """Called at the end of every epoch."""

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]


PyDataset = Sequence


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """The tuple a custom `train_step` receives: `(x,)`, `(x, y)` or `(x, y, sample_weight)`.

    Example:
        >>> pack_x_y_sample_weight((1, 2)), pack_x_y_sample_weight(1, 2), pack_x_y_sample_weight(1, 2, 3)
        (((1, 2),), (1, 2), (1, 2, 3))
    """
    if y is None:
        # a tuple `x` would be read as (x, y, ...): wrap it (tf.keras wraps tuples only, not lists: kept)
        return (x,) if isinstance(x, tuple) else x
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def unpack_batch(data):
    """(x, y, sample_weight) from what a generator yields: a tuple of 1 to 3 parts, or x alone."""
    if isinstance(data, tuple):
        if len(data) == 1:
            return data[0], None, None
        if len(data) == 2:
            return data[0], data[1], None
        if len(data) == 3:
            return data
        raise ValueError(f"Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`, "
                         f"found a tuple of length {len(data)}")
    return data, None, None


def unpack_x_y_sample_weight(data):
    """`(x, y, sample_weight)` from what a `train_step` receives (missing parts are None; a list is a tuple).

    Example:
        >>> unpack_x_y_sample_weight((1, 2)), unpack_x_y_sample_weight(5)
        ((1, 2, None), (5, None, None))
    """
    return unpack_batch(tuple(data) if isinstance(data, list) else data)


class SequenceEnqueuer:
    """Base class of the enqueuers: `start()` a background producer, iterate `get()`, then `stop()`.

    Args:
        sequence: what to read batches from (a `Sequence` or a generator, depending on the subclass).
        use_multiprocessing: read with processes (forked, so each holds a copy of `sequence`)
            instead of threads.
    """

    def __init__(self, sequence, use_multiprocessing: bool = False):
        self.sequence = sequence
        self.use_multiprocessing = bool(use_multiprocessing)
        self.workers = 0
        self.queue = None
        self.run_thread = None
        self.stop_signal = None

    def is_running(self) -> bool:
        """True between `start()` and `stop()` (or the end of a finite generator, or an error)."""
        return self.stop_signal is not None and not self.stop_signal.is_set()

    def start(self, workers: int = 1, max_queue_size: int = 10) -> None:
        """Start producing: `workers` threads or processes read ahead up to `max_queue_size` batches."""
        self.workers = max(int(workers or 1), 1)
        self.queue = queue.Queue(max(int(max_queue_size or 1), 1))
        self.stop_signal = threading.Event()
        self.run_thread = threading.Thread(target=self._run, daemon=True)
        self.run_thread.start()

    def stop(self, timeout=None) -> None:
        """Stop the producer, drop what it had queued, and wait up to `timeout` seconds for it to end."""
        if self.stop_signal is None:
            return
        self.stop_signal.set()
        with self.queue.mutex:
            self.queue.queue.clear()
            self.queue.unfinished_tasks = 0
            self.queue.not_full.notify_all()
            self.queue.all_tasks_done.notify_all()
        if self.run_thread is not threading.current_thread():
            self.run_thread.join(timeout)

    def _put(self, item) -> bool:
        """Queue `item`, waiting for room; False (nothing queued) once stopped."""
        while not self.stop_signal.is_set():
            try:
                self.queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _take(self):
        """The next queued item, waiting while running; raises StopIteration once stopped. The caller marks
        it done (`queue.task_done()`) once it has used it."""
        while self.is_running():
            try:
                return self.queue.get(timeout=0.1)
            except queue.Empty:
                continue
        raise StopIteration

    def _run(self):
        raise NotImplementedError

    def get(self):
        """A generator of the batches, in the order the subclass defines; batches that are None are skipped."""
        raise NotImplementedError


_WORKER_SEQUENCE = None  # the Sequence a forked worker process reads (set by its initializer)


def _init_worker(sequence):
    global _WORKER_SEQUENCE
    _WORKER_SEQUENCE = sequence


def _worker_item(index):
    return _WORKER_SEQUENCE[index]


def _thread_item(sequence, index):
    return sequence[index]


class OrderedEnqueuer(SequenceEnqueuer):
    """Reads a `Sequence` ahead with several workers and yields its batches in order, epoch after epoch.

    Every epoch reads indices `0..len-1` (shuffled when `shuffle`), then calls the sequence's
    `on_epoch_end()`. `get()` never ends on its own: stop it with `stop()`.

    Example:
        >>> class Squares(Sequence):
        ...     def __len__(self):
        ...         return 3
        ...     def __getitem__(self, i):
        ...         return i * i
        >>> enqueuer = OrderedEnqueuer(Squares())
        >>> enqueuer.start(workers=2, max_queue_size=4)
        >>> batches = enqueuer.get()
        >>> [next(batches) for _ in range(5)]
        [0, 1, 4, 0, 1]
        >>> enqueuer.stop()
    """

    def __init__(self, sequence, use_multiprocessing: bool = False, shuffle: bool = False):
        super().__init__(sequence, use_multiprocessing)
        self.shuffle = shuffle
        self.end_of_epoch_signal = threading.Event()

    def join_end_of_epoch(self, timeout: float = 30.0) -> None:
        """Wait until the epoch being read has ended and the sequence's `on_epoch_end` has run."""
        self.end_of_epoch_signal.wait(timeout=timeout)
        self.end_of_epoch_signal.clear()

    def _executor(self):
        import concurrent.futures as cf

        if not self.use_multiprocessing:
            return cf.ThreadPoolExecutor(max_workers=self.workers), lambda i: (_thread_item, self.sequence, i)
        import multiprocessing

        try:
            context = multiprocessing.get_context("fork")  # workers inherit the sequence, as in Keras 2
        except ValueError:
            context = multiprocessing.get_context()
        pool = cf.ProcessPoolExecutor(max_workers=self.workers, mp_context=context, initializer=_init_worker,
                                      initargs=(self.sequence,))
        return pool, lambda i: (_worker_item, i)

    def _run(self):
        while not self.stop_signal.is_set():
            order = list(range(len(self.sequence)))  # read again each epoch: on_epoch_end may change it
            if self.shuffle:
                random.shuffle(order)
            executor, call = self._executor()  # a fresh pool each epoch: processes see on_epoch_end's changes
            try:
                for i in order:
                    if not self._put(executor.submit(*call(i))):
                        return
                while self.queue.unfinished_tasks and not self.stop_signal.is_set():
                    self.stop_signal.wait(0.01)  # the epoch ends when the consumer took its last batch
            finally:
                executor.shutdown(wait=False, cancel_futures=True)
            if self.stop_signal.is_set():
                return
            self.sequence.on_epoch_end()
            self.end_of_epoch_signal.set()

    def get(self):
        """The batches in order; a worker's exception stops the enqueuer and is raised here."""
        while True:
            try:
                future = self._take()
            except StopIteration:
                return
            try:
                inputs = future.result()
            except BaseException:
                self.stop()
                raise
            self.queue.task_done()  # only now: the epoch (and on_epoch_end) waits for the last batch's value
            if inputs is not None:
                yield inputs


class GeneratorEnqueuer(SequenceEnqueuer):
    """Reads a Python generator ahead in a background thread; `get()` yields its items in order.

    A finite generator ends `get()` after its last item; an exception in the generator is raised
    from `get()`. Plain generators cannot be read by several threads at once, so one thread reads
    whatever `workers` says; `use_multiprocessing` is accepted and reads with that thread too
    (a forked copy of a generator would repeat the same items in every process).

    Example:
        >>> enqueuer = GeneratorEnqueuer((i for i in range(4)))
        >>> enqueuer.start()
        >>> list(enqueuer.get())
        [0, 1, 2, 3]
    """

    _DONE = object()

    def __init__(self, sequence, use_multiprocessing: bool = False, random_seed=None, wait_time=None, seed=None):
        super().__init__(sequence, use_multiprocessing)
        self.random_seed = random_seed if random_seed is not None else seed  # Keras 2.2 called it `seed`

    def _run(self):
        try:
            for item in self.sequence:
                if not self._put((item, None)):
                    return
        except Exception as error:  # raised again in the consuming thread
            self._put((None, error))
            return
        self._put((self._DONE, None))

    def get(self):
        """The generator's items, in order."""
        while True:
            try:
                item, error = self._take()
            except StopIteration:
                return
            self.queue.task_done()
            if error is not None:
                self.stop()
                raise error
            if item is self._DONE:
                self.stop_signal.set()
                return
            if item is not None:
                yield item
