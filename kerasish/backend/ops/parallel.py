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
import math
import os
import threading
import time

import numpy as np

__all__ = ["over_batch", "sum_over_batch", "sum_parts", "too_small", "parts_for", "max_threads", "TUNER",
           "set_num_threads"]

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
_STARTING_BLAS_THREADS = _CONTROLS[0]() if _CONTROLS is not None else 1   # restored by set_num_threads(None)
try:
    _CPUS = len(os.sched_getaffinity(0))
except (AttributeError, OSError):
    _CPUS = os.cpu_count() or 1


def max_threads():
    """How many threads a batch-parallel kernel may use: BLAS's own thread count (which honours
    OPENBLAS_NUM_THREADS / OMP_NUM_THREADS and threadpoolctl limits), at most the usable cores; 1 where
    BLAS's thread count cannot be controlled. While the step tuner runs fewer threads because the machine
    is busy, this is still the count the user allows (the tuner's ceiling), so how a batch is split, and
    with it the rounding of the results, does not depend on the load."""
    if _CONTROLS is None:
        return 1
    blas = _CONTROLS[0]()
    if blas == TUNER.threads and TUNER.ceiling is not None:
        return TUNER.ceiling  # BLAS runs what the tuner chose: the user's limit is the ceiling
    return max(1, min(blas, _CPUS))


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
        threading.Thread(target=self._loop, name=_WORKER_NAME, daemon=True).start()

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


_WORKER_NAME = "kerasish-batch-worker"
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


def only_idle_workers_besides_main():
    """True when the caller is the main thread and every other thread is one of our batch workers.

    The workers then wait on their own lock (the main thread hands them work only inside `over_batch`),
    so forking is as safe as in a single-threaded process: the child holds no lock another thread had.
    """
    if threading.current_thread() is not threading.main_thread():
        return False
    return all(t is threading.main_thread() or t.name == _WORKER_NAME for t in threading.enumerate())


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
    # the tuner may run fewer threads than parts (a busy machine): the caller then takes the other parts
    threads = min(parts, TUNER.threads) if TUNER.threads is not None and blas_threads == TUNER.threads else parts
    try:
        while len(_WORKERS) < threads - 1:
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
            for worker in _WORKERS[:threads - 1]:
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


class StepTuner:
    """Picks how many threads BLAS and the batch-parallel kernels use, from the measured time of steps.

    Two threads are faster on a quiet 2-core machine, but with another busy process beside it a thread
    that waits for a core it does not get makes every step wait: OpenBLAS's threads spin while they
    wait, and a (32, 128) @ (128, 512) matmul took 9.2 ms on two threads against 0.095 ms on one at a
    load of 8 on 2 cores; an MLP training step took 128 ms on two threads against 2 ms on one with two
    busy neighbours. So the loops that repeat a step (fit, evaluate, predict, train_on_batch) time each
    step here, and now and then the tuner runs a trial: a few steps with each candidate thread count (all
    the cores allowed, the cores other processes leave free, one), the count the load suggests first, and
    keeps the fastest. A candidate far slower than the best so far is dropped after one step, and the
    next trial waits until the steps since have made that cost small (at most `PROBE_SHARE` of the time),
    or until steps slow down (a neighbour arrived), so it follows a neighbour that comes and goes.

    Steps shorter than `MIN_STEP_S` are left alone (threads hardly matter there). How a batch is split
    into parts does not change with the thread count (see `max_threads`), but OpenBLAS's own rounding
    can, so a run is repeatable bit for bit only at a pinned thread count: `set_num_threads(n)`, or the
    environment variable KERASISH_THREADS=n, turns the tuner off.
    """

    WARMUP = 1          # steps after a change that are not timed (threads wake up, caches refill)
    SAMPLES = 6         # timed steps per candidate; their mean counts (throughput: under contention two
                        # threads give many fast steps and a few very slow ones, and the median hides those)
    LONG_STEP_S = 0.05  # steps this long need no warm-up and 2 samples (a wide model may run 4 steps an epoch)
    SETTLE_S = 0.12     # steps (in their own time) not timed after moving to fewer threads (BLAS's spin)
    MIN_TRIAL_S = 0.06  # and a candidate is timed over at least this long: the scheduler's slices are a few
                        # ms, and a few lucky steps while a neighbour waited made two threads look fast
    MIN_STEP_S = 1e-3   # steps shorter than this are not tuned
    GAIN = 1.15         # another thread count replaces the current one only if this much faster
    HOPELESS = 3.0      # a step this much slower than the best candidate's ends that candidate's turn
    FIRST_HOLD, MAX_HOLD = 16, 4096   # steps between trials: doubled each time the choice stands
    PROBE_SHARE = 0.05  # and enough steps that the last trial's extra time is at most this share
    SLOWDOWN = 1.5      # steps this much slower than when the choice was made: try again at once
    FOREIGN = 16        # steps of another kind in a row after which the tuner times that kind instead

    def __init__(self, controls=None, cpus=None, free_cores=None):
        # BLAS's (get, set) thread-count functions, the usable cores, and a function giving the cores other
        # processes leave free (or None): the process's own by default, fakes in the tests
        self._controls = controls if controls is not None else _CONTROLS
        self._cpus = cpus if cpus is not None else _CPUS
        self._free_cores = free_cores if free_cores is not None else _FreeCores(self._cpus)
        self._free_cores()  # the first reading: the load is known by the first trial
        self.threads = None     # the count BLAS and the kernels run now; None while the tuner is idle
        self.ceiling = None     # the count the user allows (BLAS's own setting when tuning began)
        self.pinned = False
        self._key = None
        self._foreign = 0
        self._queue = None      # candidates still to time in the running trial; None between trials
        self._hold_next = self.FIRST_HOLD
        self._sleep = 0         # steps to leave untimed

    # --- what the loops call
    def start(self):
        """The time a step starts (pass it to `finish`), or None when there is nothing to tune."""
        if self.pinned or self._controls is None:
            return None
        if self._sleep:  # steps too short to tune: not even timed for a while (a few us each)
            self._sleep -= 1
            return None
        return time.perf_counter()

    def finish(self, started, key):
        """Record a step begun at `started`; `key` tells comparable steps apart (kind, batch size)."""
        if started is not None:
            self.record(time.perf_counter() - started, key)

    def record(self, elapsed, key):
        """Record a step that took `elapsed` seconds."""
        if self.threads is None or self._controls[0]() != self.threads:
            self._begin()  # first use, or the user changed BLAS's thread count meanwhile
            if self.ceiling == 1:
                return
        if key != self._key:
            # a last smaller batch, or a few validation steps, are not compared with the steps timed so far
            self._foreign += 1
            if self._key is None or self._foreign > self.FOREIGN:
                self._key, self._foreign = key, 0
                self._start_trial()
            return
        self._foreign = 0
        if self._queue is not None:
            self._trial_step(elapsed)
        else:
            self._hold_step(elapsed)

    # --- trials
    def _begin(self):
        self.ceiling = self.threads = max(1, min(self._controls[0](), self._cpus))
        self._key, self._queue = None, None
        self._hold_next = self.FIRST_HOLD

    def _start_trial(self):
        self._incumbent = self.threads
        self._results = {}
        self._spent = []      # every step's time during the trial
        candidates = {self.ceiling, 1}
        free = self._free_cores()
        guess = self.threads if free is None else max(1, min(self.ceiling, free))
        candidates.add(guess)
        if free is not None and free >= self.ceiling:
            candidates = {guess}  # a quiet machine: all the cores allowed; the trial only re-times them
        # the count the load suggests first: a count far slower is then dropped after a single step
        self._queue = [guess] + sorted(candidates - {guess}, reverse=True)
        self._next_candidate()

    def _next_candidate(self):
        if not self._queue:
            self._conclude()
            return
        previous = self.threads
        self._set(self._queue.pop(0))
        self._skip, self._times = self.WARMUP, []
        # fewer threads than just before: BLAS's idle threads spin on for ~0.1 s and slow the first steps
        self._settle = self.SETTLE_S if self.threads < previous else 0.0

    def _trial_step(self, elapsed):
        self._spent.append(elapsed)
        best = min(self._results.values(), default=None)
        if best is not None and elapsed > self.HOPELESS * best:
            self._results[self.threads] = elapsed  # (its warm-up step included: it costs as much)
            self._next_candidate()
            return
        if (self._skip or self._settle > 0) and elapsed < self.LONG_STEP_S:
            self._skip = max(0, self._skip - 1)
            self._settle -= elapsed
            return
        self._skip, self._settle = 0, 0.0
        self._times.append(elapsed)
        if len(self._times) < (2 if min(self._times) >= self.LONG_STEP_S else self.SAMPLES):
            return
        if sum(self._times) < self.MIN_TRIAL_S and max(self._times) >= self.MIN_STEP_S:
            return  # (steps too short to tune are told apart after SAMPLES steps)
        # the mean without the slowest step: a garbage-collector pause is one step, the stalls of threads
        # that wait for a core are many
        times = sorted(self._times)[:-1] if len(self._times) > 2 else self._times
        self._results[self.threads] = sum(times) / len(times)
        if len(self._results) == 1 and self._results[self.threads] < self.MIN_STEP_S:
            self._queue = []  # too short to matter: keep what runs now, look again later
        self._next_candidate()

    def _conclude(self):
        results, incumbent = self._results, self._incumbent
        best = min(results, key=results.get)
        if incumbent in results and results[best] * self.GAIN >= results[incumbent]:
            best = incumbent  # not enough faster to be worth a change
        if results[best] < self.MIN_STEP_S:
            best = incumbent  # steps too short for threads to matter
            results.setdefault(best, min(results.values()))
        kept = best == incumbent
        self._hold_next = min(self._hold_next * 2, self.MAX_HOLD) if kept else self.FIRST_HOLD
        self._reference = results[best]
        # the trial's extra time over running `best` throughout, repaid over the hold
        extra = sum(self._spent) - len(self._spent) * self._reference
        self._hold = max(self._hold_next, min(int(extra / (self.PROBE_SHARE * self._reference)), self.MAX_HOLD))
        self._recent = []
        self._queue = None
        # (after moving to fewer threads, the steps of BLAS's spinning period are not compared either)
        self._settle = self.SETTLE_S if best < self.threads else 0.0
        self._set(best)
        if self._reference < self.MIN_STEP_S:
            self._sleep, self._hold = self.MAX_HOLD, 1  # a new trial after the sleep

    def _hold_step(self, elapsed):
        self._hold -= 1
        if self._settle > 0:
            self._settle -= elapsed
            return
        recent = self._recent
        recent.append(elapsed)
        if len(recent) > 8:
            del recent[0]
        slowed = len(recent) == 8 and sum(recent) / 8 > self.SLOWDOWN * self._reference >= self.MIN_STEP_S
        if self._hold <= 0 or slowed:
            self._start_trial()

    def _set(self, threads):
        if threads != self.threads or self._controls[0]() != threads:
            self._controls[1](threads)
        self.threads = threads


class _FreeCores:
    """Cores not used by other processes since the last call (Linux's /proc/stat less this process's own CPU
    time), or None where unknown or too soon to tell."""

    def __init__(self, cpus):
        self._cpus = cpus
        self._mark = None

    def __call__(self):
        try:
            with open("/proc/stat") as stat:
                fields = stat.readline().split()[1:]
        except OSError:
            return None
        jiffies = [int(f) for f in fields]
        busy_all = (sum(jiffies[:8]) - jiffies[3] - jiffies[4]) / os.sysconf("SC_CLK_TCK")  # less idle, iowait
        times = os.times()
        mark = (time.monotonic(), busy_all, times.user + times.system)
        previous, self._mark = self._mark, mark
        if previous is None or mark[0] - previous[0] < 0.05:
            return None
        others = (mark[1] - previous[1]) - (mark[2] - previous[2])
        # a neighbour's share shrinks while our own threads spin: a quarter of a core busy counts as a core
        busy = math.ceil(max(0.0, others) / (mark[0] - previous[0]) - 0.25)
        return self._cpus - max(0, busy)


TUNER = StepTuner()


def set_num_threads(threads) -> None:
    """Pin the threads BLAS and the batch-parallel kernels use (None: adapt to the machine's load again).

    By default kerasish chooses between all the cores and fewer from the measured step times, so a busy
    neighbour process cannot slow training several times over; pinning makes runs repeatable bit for bit.
    The environment variable KERASISH_THREADS=n pins at import.

    Example:
        >>> set_num_threads(None)   # the default: adapt
    """
    if threads is not None:
        threads = int(threads)
        if threads < 1:
            raise ValueError(f"set_num_threads: expected a positive thread count or None; received {threads}")
    TUNER.__init__()  # pinned, or adapting again from scratch
    TUNER.pinned = threads is not None
    if _CONTROLS is not None:
        _CONTROLS[1](_STARTING_BLAS_THREADS if threads is None else min(threads, _CPUS))


def share_cores(processes) -> int:
    """Limit BLAS and the batch kernels to this process's share of the cores when `processes` processes on
    this machine train together (MPI ranks): two ranks on two cores, each with two spinning BLAS threads,
    wait on each other. A thread count the user chose (OPENBLAS_NUM_THREADS, OMP_NUM_THREADS,
    KERASISH_THREADS, set_num_threads) is left as it is. Returns the threads this process may use."""
    if _CONTROLS is None:
        return 1
    if TUNER.pinned or any(os.environ.get(v) for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")):
        return _CONTROLS[0]()
    share = max(1, _CPUS // max(1, int(processes)))
    _CONTROLS[1](min(share, _CONTROLS[0]()))
    TUNER.threads = None  # the tuner starts again under the new limit
    return _CONTROLS[0]()


if os.environ.get("KERASISH_THREADS"):
    set_num_threads(int(os.environ["KERASISH_THREADS"]))


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
