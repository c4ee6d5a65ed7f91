"""Output buffers recycled across training steps once nothing references them any more.

A fresh multi-megabyte numpy array costs one page fault per 4 KiB page the first time it is written
(measured on a 2-core VM: about 400 faults, ~1 ms, per training step of an Embedding + LSTM model).
Scratch memory can go back to a free list explicitly; arrays that escape to the caller (an op's
output, a gradient) cannot, but their reference count shows when the last user has let go.
`reusable` hands back such a buffer when only this pool still holds it, and a fresh one otherwise,
so a buffer a caller (or a tape, or a view of it) still holds is never overwritten.

Pools are per thread; small arrays (malloc reuses them without faults) and very large ones (which
would pin memory) are never kept.

Example:
    >>> import numpy as np
    >>> from kerasish.backend.ops.recycle import reusable
    >>> a = reusable("example", (256, 256), np.float32)
    >>> b = reusable("example", (256, 256), np.float32)  # `a` is still referenced: a different buffer
    >>> a is b
    False
    >>> del a, b
    >>> reusable("example", (256, 256), np.float32).shape
    (256, 256)
"""
import sys
import threading

import numpy as np

__all__ = ["reusable"]

MIN_BYTES = 128 * 1024     # below glibc's mmap threshold: malloc reuses these without page faults
MAX_BYTES = 64 * 2 ** 20   # never pin more than this per buffer
PER_KEY = 4  # convolutions of the same shape in one model each keep a buffer alive through a step
MAX_KEYS = 32

_LOCAL = threading.local()


def _refcount_of_a_free_buffer():
    """sys.getrefcount of a pooled buffer nothing else references, measured the way `reusable` looks
    (calibrated, so interpreters that count differently stay safe); None where refcounts do not exist."""
    if not hasattr(sys, "getrefcount"):
        return None
    if getattr(sys, "_is_gil_enabled", lambda: True)() is False:
        return None  # free-threaded builds: another thread may take a reference at any moment
    for buf in [np.empty(1)]:
        return sys.getrefcount(buf)


_FREE_REFS = _refcount_of_a_free_buffer()


def reusable(tag: str, shape: tuple, dtype) -> np.ndarray:
    """An uninitialised array of `shape`/`dtype`: a recycled one of the same `tag` that nothing
    references any more, or a fresh one (remembered for later when there is room)."""
    dtype = np.dtype(dtype)
    shape = tuple(int(d) for d in shape)
    nbytes = dtype.itemsize
    for d in shape:
        nbytes *= d
    if _FREE_REFS is None or nbytes < MIN_BYTES or nbytes > MAX_BYTES:
        return np.empty(shape, dtype)
    pool = getattr(_LOCAL, "pool", None)
    if pool is None:
        pool = _LOCAL.pool = {}
    key = (tag, shape, dtype.str)
    entries = pool.get(key)
    if entries is None:
        if len(pool) >= MAX_KEYS:
            pool.pop(next(iter(pool)))
        entries = pool[key] = []
    for buf in entries:
        if sys.getrefcount(buf) == _FREE_REFS:  # only this pool (and this loop) hold it
            return buf
    buf = np.empty(shape, dtype)
    if len(entries) < PER_KEY:
        entries.append(buf)
    return buf
