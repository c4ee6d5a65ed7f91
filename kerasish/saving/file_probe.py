"""Reading an HDF5 file in a child process first, so a corrupt file cannot hang or crash the caller.

The HDF5 C library owns the format: kerasish never parses or second-guesses its bytes. But on a
corrupt file the library can loop forever (a global heap object whose size field is wrong) or
crash, inside one C call that no Python code can interrupt. `probe_file` therefore reads every
attribute and every dataset up to 64 MiB of the file in a child process (forked when possible,
so it starts in milliseconds) and watches it:

- the child exits: the file reads, or fails with an ordinary error that the real read reports;
- the child spends more CPU time than any healthy read needs (a loop): the kernel stops it
  (`RLIMIT_CPU`), and the file is refused as corrupt. Counting CPU time, not wall time, means a
  busy machine that slows a healthy read down never gets a valid file refused;
- the child is killed by a signal (a crash), or is still alive after a long wall-clock backstop
  (a hang that does not use the CPU): the file is refused as corrupt;
- the child asks for far more memory than reading the file can need (a wrong size field makes the library
  allocate gigabytes): its address space is capped (`RLIMIT_AS`), the allocation fails, and the file is
  refused as corrupt instead of taking the machine's memory.

Set KERASISH_SKIP_FILE_PROBE=1 to skip the probe (trusted files, fastest loads).

Example:
    >>> import os, tempfile
    >>> import h5py
    >>> path = os.path.join(tempfile.mkdtemp(), "ok.h5")
    >>> with h5py.File(path, "w") as f:
    ...     f.attrs["names"] = [b"a", b"b"]
    >>> probe_file(path)  # returns quietly: the file reads
"""
import math
import os
import signal
import subprocess
import sys
import threading
import time
import warnings

from ..backend.ops.parallel import only_idle_workers_besides_main

# Self-contained source: the forked child execs it directly, the spawned child runs it with `python -c`.
_PROBE = """
import sys

def limit_cpu(seconds):
    try:
        import resource
    except ImportError:  # Windows: only the parent's wall-clock backstop applies
        return
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = int(usage.ru_utime + usage.ru_stime + seconds) + 1
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a stopped probe leaves no core file behind
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard if hard != resource.RLIM_INFINITY else soft + 1))

def limit_memory(extra_bytes):
    # the address space the child has now (a forked child starts with its parent's) plus a budget: a read
    # that wants more makes the HDF5 library fail with an error instead of taking the machine's memory
    try:
        import resource
        with open("/proc/self/statm") as statm:
            current = int(statm.read().split()[0]) * resource.getpagesize()
    except (ImportError, OSError, ValueError):
        return
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    soft = current + int(extra_bytes)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))

def visit(obj, h5py):
    for key in list(obj.attrs.keys()):
        obj.attrs[key]
    if isinstance(obj, h5py.Dataset):
        if obj.size * obj.dtype.itemsize <= 64 * 2**20:
            obj[()]
        return
    for key in list(obj.keys()):
        visit(obj[key], h5py)

def main(path, cpu_seconds, memory_bytes):
    import h5py
    limit_cpu(cpu_seconds)
    limit_memory(memory_bytes)
    try:
        with h5py.File(path, "r") as f:
            visit(f, h5py)
    except MemoryError:
        return MEMORY_EXIT
    except Exception as e:
        # under the memory cap the library reports the allocation it could not make; without the cap the
        # same read can grow without end (seen: 3.5 GB in 2 s, then a loop), so the file is refused
        return MEMORY_EXIT if "memory allocation failed" in str(e).lower() else 3
    return 0

MEMORY_EXIT = 4

if __name__ == "__main__":
    sys.exit(main(sys.argv[1], float(sys.argv[2]), float(sys.argv[3])))
"""
_MEMORY_EXIT = 4  # the probe's exit status when reading the file wanted more memory than its budget

_LOOP_SIGNALS = {getattr(signal, "SIGXCPU", None), signal.SIGKILL} - {None}


def _budgets(path):
    """(CPU seconds, wall-clock seconds) for probing `path`: far above what a healthy read of its size takes."""
    size = os.path.getsize(path)
    return 2.0 + size / 50e6, 120.0 + size / 5e6


def _memory_budget(path):
    """Bytes a healthy read of `path` may allocate: the datasets it reads (each at most 64 MiB, so a few times
    the file's size) and the library's own buffers, with room to spare."""
    return 512 * 2**20 + 4 * os.path.getsize(path)


def _memory_refusal(path, memory_bytes):
    return ValueError(f"{path} is corrupt: reading it made the HDF5 library ask for more than "
                      f"{memory_bytes / 2**20:.0f} MB of memory (a size field in the file is wrong); nothing was "
                      "loaded. Re-save or re-download the file.")


def _refusal(path, signum, cpu_seconds):
    if signum in _LOOP_SIGNALS:
        return ValueError(f"{path} is corrupt: reading it made the HDF5 library loop (stopped after "
                          f"{math.ceil(cpu_seconds)} s of CPU time); nothing was loaded. Re-save or re-download "
                          "the file.")
    return ValueError(f"{path} is corrupt: reading it crashed the HDF5 library (signal {signum}); nothing was "
                      "loaded. Re-save or re-download the file.")


def _probe_forked(path, cpu_seconds, wall_seconds, memory_bytes):
    pid = os.fork()  # h5py is already imported here: a forked child starts in milliseconds
    if pid == 0:
        code = 3
        try:
            namespace = {"__name__": "kerasish_probe"}
            exec(compile(_PROBE, "<kerasish probe>", "exec"), namespace)
            code = namespace["main"](path, cpu_seconds, memory_bytes)
        finally:
            os._exit(code)
    deadline = time.monotonic() + wall_seconds
    delay = 0.0005
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise ValueError(f"{path} is corrupt: reading it made the HDF5 library hang (stopped after "
                             f"{wall_seconds:.0f} s); nothing was loaded.")
        time.sleep(delay)
        delay = min(delay * 2, 0.02)
    if os.WIFSIGNALED(status):
        raise _refusal(path, os.WTERMSIG(status), cpu_seconds)
    if os.WEXITSTATUS(status) == _MEMORY_EXIT:
        raise _memory_refusal(path, memory_bytes)


def _probe_spawned(path, cpu_seconds, wall_seconds, memory_bytes):
    try:
        proc = subprocess.run([sys.executable, "-c", _PROBE, path, repr(cpu_seconds), repr(memory_bytes)],
                              capture_output=True, timeout=wall_seconds)
    except subprocess.TimeoutExpired:
        raise ValueError(f"{path} is corrupt: reading it made the HDF5 library hang (stopped after "
                         f"{wall_seconds:.0f} s); nothing was loaded.") from None
    if proc.returncode < 0:
        raise _refusal(path, -proc.returncode, cpu_seconds)
    if proc.returncode == _MEMORY_EXIT:
        raise _memory_refusal(path, memory_bytes)


def probe_file(path: str) -> None:
    """Read every attribute and (small) dataset of `path` in a child process; refuse the file if that
    loops, hangs or crashes.

    Returns quietly when the file reads, or fails with an ordinary error (which the real read then
    reports with its own message).

    Raises:
        ValueError: the HDF5 library looped, hung, crashed or wanted far too much memory on the file (it is
            corrupt).
    """
    if os.environ.get("KERASISH_SKIP_FILE_PROBE") == "1":
        return
    cpu_seconds, wall_seconds = _budgets(path)
    memory_bytes = _memory_budget(path)
    # fork only while no other thread can hold a lock the child needs: forking a threaded process can
    # deadlock the child. kerasish's own batch workers sit idle outside a step, so they don't count (a
    # spawned probe costs a fresh interpreter and h5py import: ~0.3 s per load instead of milliseconds).
    if hasattr(os, "fork") and (threading.active_count() == 1 or only_idle_workers_besides_main()):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # Python 3.12+ warns of any other thread
            _probe_forked(path, cpu_seconds, wall_seconds, memory_bytes)
    else:
        _probe_spawned(path, cpu_seconds, wall_seconds, memory_bytes)


__all__ = ["probe_file"]
