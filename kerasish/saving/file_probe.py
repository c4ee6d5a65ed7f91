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
  (a hang that does not use the CPU): the file is refused as corrupt.

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

def visit(obj, h5py):
    for key in list(obj.attrs.keys()):
        obj.attrs[key]
    if isinstance(obj, h5py.Dataset):
        if obj.size * obj.dtype.itemsize <= 64 * 2**20:
            obj[()]
        return
    for key in list(obj.keys()):
        visit(obj[key], h5py)

def main(path, cpu_seconds):
    import h5py
    limit_cpu(cpu_seconds)
    try:
        with h5py.File(path, "r") as f:
            visit(f, h5py)
    except Exception:
        return 3
    return 0

if __name__ == "__main__":
    sys.exit(main(sys.argv[1], float(sys.argv[2])))
"""

_LOOP_SIGNALS = {getattr(signal, "SIGXCPU", None), signal.SIGKILL} - {None}


def _budgets(path):
    """(CPU seconds, wall-clock seconds) for probing `path`: far above what a healthy read of its size takes."""
    size = os.path.getsize(path)
    return 2.0 + size / 50e6, 120.0 + size / 5e6


def _refusal(path, signum, cpu_seconds):
    if signum in _LOOP_SIGNALS:
        return ValueError(f"{path} is corrupt: reading it made the HDF5 library loop (stopped after "
                          f"{math.ceil(cpu_seconds)} s of CPU time); nothing was loaded. Re-save or re-download "
                          "the file.")
    return ValueError(f"{path} is corrupt: reading it crashed the HDF5 library (signal {signum}); nothing was "
                      "loaded. Re-save or re-download the file.")


def _probe_forked(path, cpu_seconds, wall_seconds):
    pid = os.fork()  # h5py is already imported here: a forked child starts in milliseconds
    if pid == 0:
        code = 3
        try:
            namespace = {"__name__": "kerasish_probe"}
            exec(compile(_PROBE, "<kerasish probe>", "exec"), namespace)
            code = namespace["main"](path, cpu_seconds)
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


def _probe_spawned(path, cpu_seconds, wall_seconds):
    try:
        proc = subprocess.run([sys.executable, "-c", _PROBE, path, repr(cpu_seconds)], capture_output=True,
                              timeout=wall_seconds)
    except subprocess.TimeoutExpired:
        raise ValueError(f"{path} is corrupt: reading it made the HDF5 library hang (stopped after "
                         f"{wall_seconds:.0f} s); nothing was loaded.") from None
    if proc.returncode < 0:
        raise _refusal(path, -proc.returncode, cpu_seconds)


def probe_file(path: str) -> None:
    """Read every attribute and (small) dataset of `path` in a child process; refuse the file if that
    loops, hangs or crashes.

    Returns quietly when the file reads, or fails with an ordinary error (which the real read then
    reports with its own message).

    Raises:
        ValueError: the HDF5 library looped, hung or crashed on the file (it is corrupt).
    """
    if os.environ.get("KERASISH_SKIP_FILE_PROBE") == "1":
        return
    cpu_seconds, wall_seconds = _budgets(path)
    # fork only while this is the one Python thread: forking a threaded process can deadlock the child
    if hasattr(os, "fork") and threading.active_count() == 1:
        _probe_forked(path, cpu_seconds, wall_seconds)
    else:
        _probe_spawned(path, cpu_seconds, wall_seconds)


__all__ = ["probe_file"]
