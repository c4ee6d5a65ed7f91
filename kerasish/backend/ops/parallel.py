"""Batch-parallel kernels: the caller and worker threads each run a kernel on their own slice of the batch.

numpy's elementwise passes (im2col copies, relu, pooling masks, col2im adds) run on one core, and
OpenBLAS spreads only the matmuls over the others. A fused kernel whose work is independent per sample
can instead run whole, matmuls included, on contiguous slices of the batch at once: numpy releases the
GIL inside its loops and BLAS calls, and BLAS is held at one thread meanwhile, so the cores are not
oversubscribed (measured on a 2-core VM, alternating rounds in one process: the CNN of ../shared/bench
trains at 5,378 samples/s with the split, 4,778 without).

Used only where BLAS's thread count can be read and set (the OpenBLAS bundled with numpy's wheels);
elsewhere, with BLAS capped at one thread (`OPENBLAS_NUM_THREADS=1`, threadpoolctl), and for small
work, the kernel runs once over the whole batch. A second user thread that finds the team busy runs
its kernel alone, so concurrent `predict` calls stay correct.

Example:
    >>> import numpy as np
    >>> out = np.zeros(6, "float32")
    >>> def square(lo, hi):
    ...     out[lo:hi] = np.arange(lo, hi) ** 2
    >>> _ = over_batch(square, 6, work=10 ** 9)   # the number of parts it used: 1 or more
    >>> out
    array([ 0.,  1.,  4.,  9., 16., 25.], dtype=float32)
"""
import ctypes
import glob
import itertools
import os
import threading
import time

import numpy as np

__all__ = ["over_batch", "sum_over_batch", "sum_parts", "too_small", "parts_for", "max_threads"]

MIN_WORK_PER_THREAD = 1 << 16   # elements a part must touch to repay a thread hand-off (~15 us here)
CHUNKS_PER_THREAD = 1   # chunks are taken first come first served; 2-4 per thread measured slower


def _openblas_thread_controls():
    """(get, set) ctypes functions for numpy's OpenBLAS thread count, or None where there are none."""
    paths = []
    try:
        with open("/proc/self/maps") as maps:
            paths = sorted({line.split()[-1] for line in maps if "openblas" in line.lower() and "/" in line})
    except OSError:
        pass
    numpy_dir = os.path.dirname(np.__file__)
    paths += glob.glob(os.path.join(numpy_dir, os.pardir, "numpy.libs", "*openblas*")) \
        + glob.glob(os.path.join(numpy_dir, ".dylibs", "*openblas*"))
    for path in sorted(paths, key=lambda p: "numpy" not in p):  # numpy's own copy first (scipy has another)
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix, suffix in (("scipy_openblas", "64_"), ("scipy_openblas", ""), ("openblas", "64_"),
                               ("openblas", "")):
            get = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
            put = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
            mode = getattr(lib, f"{prefix}_get_parallel{suffix}", None)
            if mode is not None and mode() != 1:
                # 0: a single-threaded build; 2: OpenMP, whose thread count is per calling thread, so
                # setting it here would not reach the worker's BLAS calls
                return None
            if get is not None and put is not None:
                get.restype, get.argtypes = ctypes.c_int, []
                put.restype, put.argtypes = None, [ctypes.c_int]
                return get, put
    return None


_CONTROLS = _openblas_thread_controls()
try:
    _CPUS = len(os.sched_getaffinity(0))
except (AttributeError, OSError):
    _CPUS = os.cpu_count() or 1


def max_threads():
    """How many threads a batch-parallel kernel may use now: BLAS's own thread count (which honours
    OPENBLAS_NUM_THREADS / OMP_NUM_THREADS and threadpoolctl limits), at most the usable cores; 1 where
    BLAS's thread count cannot be controlled."""
    if _CONTROLS is None:
        return 1
    return max(1, min(_CONTROLS[0](), _CPUS))


def too_small(n, work):
    """Whether a call over n samples touching `work` elements runs in one piece whatever the threads."""
    return n < 2 or work < 2 * MIN_WORK_PER_THREAD


def parts_for(n, work):
    """Number of batch parts worth running for `n` samples touching `work` elements in all."""
    if too_small(n, work):
        return 1  # decided before asking BLAS: small calls (predict of one sample) pay nothing
    return max(1, min(max_threads(), n, int(work // MIN_WORK_PER_THREAD)))


class _Worker:
    """A daemon thread that runs one task at a time, handed over through two locks."""

    def __init__(self):
        self._go = threading.Lock()
        self._go.acquire()
        self._done = threading.Lock()
        self._done.acquire()
        self._task = None
        self.error = None
        threading.Thread(target=self._loop, name="kerasish-batch-worker", daemon=True).start()

    def _loop(self):
        while True:
            self._go.acquire()
            try:
                self._task()
            except BaseException as exc:  # handed to the caller, which re-raises it
                self.error = exc
            finally:
                self._task = None
                self._done.release()

    def start(self, task):
        self.error = None
        self._task = task
        self._go.release()

    def wait(self):
        self._done.acquire()
        error, self.error = self.error, None
        return error


_TEAM_LOCK = threading.Lock()
_WORKERS = []
BLAS_SPIN_S = 0.25             # longer than OpenBLAS's idle threads spin (2**28 cycles by default)
_last_team_use = -1e9


def _forget_workers():
    """Threads do not survive a fork: a child process starts its own workers when it needs them."""
    global _TEAM_LOCK
    _WORKERS.clear()
    _TEAM_LOCK = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_workers)


def over_batch(kernel, n, work, mostly_blas=False):
    """Run `kernel(lo, hi)` over the batch range [0, n), split into contiguous parts run in parallel.

    `kernel` must only write its own slice of shared outputs (anything it returns is ignored; partial
    results such as weight gradients go into per-part slots the caller sums). `work` is the number of
    array elements the whole call touches (a matmul's multiply-adds count 1/16 each); small calls,
    calls where BLAS is capped at one thread, and calls made while another thread holds the workers run
    `kernel(0, n)` directly.

    `mostly_blas`: the work is mostly a matmul BLAS can spread over the cores by itself (a Dense layer).
    It joins the team only while other kernels use it: OpenBLAS's idle threads keep spinning for ~0.1 s
    after a threaded call and would compete with the team's threads for the cores (measured: the CNN
    step 30% slower than with no team at all), while on its own BLAS's threading is as fast.
    """
    global _last_team_use
    parts = parts_for(n, work)
    if parts > 1:
        now = time.perf_counter()
        if not mostly_blas:
            _last_team_use = now
        elif now - _last_team_use > BLAS_SPIN_S:
            parts = 1
    if parts == 1 or not _TEAM_LOCK.acquire(blocking=False):
        kernel(0, n)
        return 1
    get_threads, set_threads = _CONTROLS
    blas_threads = get_threads()
    try:
        while len(_WORKERS) < parts - 1:
            _WORKERS.append(_Worker())
        # chunks are taken first come first served: the caller takes a chunk a worker has not started yet
        # (waking a thread costs tens of microseconds on a VM) instead of waiting for it
        chunks = min(n, parts * CHUNKS_PER_THREAD)
        bounds = [n * i // chunks for i in range(chunks + 1)]
        tickets = itertools.count()  # next() on it is atomic under the GIL

        def drain():
            for i in iter(tickets.__next__, None):
                if i >= chunks:
                    return
                kernel(bounds[i], bounds[i + 1])

        set_threads(1)  # each chunk's matmuls run on its own core
        started = []
        try:
            for worker in _WORKERS[:parts - 1]:
                worker.start(drain)
                started.append(worker)
            drain()
        finally:
            errors = [worker.wait() for worker in started]
            set_threads(blas_threads)
    finally:
        _TEAM_LOCK.release()
    for error in errors:
        if error is not None:
            raise error
    return parts


def sum_over_batch(kernel, n, work, mostly_blas=False):
    """`over_batch` for a kernel that returns a tuple of partial sums (arrays, or None for what it does not
    compute): the totals, added in batch order, so they do not depend on which thread ran which slice."""
    if too_small(n, work):  # one piece: no bookkeeping (a tiny model's whole step is ~50 us)
        return kernel(0, n)
    partials = {}

    def keep(lo, hi):
        partials[lo] = kernel(lo, hi)

    over_batch(keep, n, work, mostly_blas)
    ordered = [partials[lo] for lo in sorted(partials)]
    return tuple(None if first is None else sum_parts([part[i] for part in ordered])
                 for i, first in enumerate(ordered[0]))


def sum_parts(parts):
    """The sum of per-part partial results (in the order given), accumulated into the first."""
    total = parts[0]
    for part in parts[1:]:
        total += part
    return total
