"""Reading and writing the string-list attributes of Keras 2 `.h5` files.

Keras 2 stores `layer_names` and `weight_names` as attributes: lists of bytes (h5py writes them
as variable-length strings), fixed-length `|S` arrays in files from the h5py 2 era, an empty
float64 array for an empty list, and lists larger than the HDF5 object-header limit (64512
bytes) split into `name0`, `name1`, ... Readers must accept all of these and decode str,
bytes and `numpy.bytes_` alike.

Example:
    >>> import h5py, os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "a.h5")
    >>> with h5py.File(path, "w") as f:
    ...     write_string_list(f, "layer_names", ["dense", "dropout"])
    ...     read_string_list(f, "layer_names")
    ['dense', 'dropout']
"""
import numpy as np

HDF5_OBJECT_HEADER_LIMIT = 64512


def decode(value):
    """A str from an attribute value (str, bytes, numpy.bytes_ or numpy.str_)."""
    if isinstance(value, (bytes, np.bytes_)):
        return bytes(value).decode("utf8")
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return decode(value[()])
    return str(value)


def _as_list(value):
    if isinstance(value, (str, bytes, np.bytes_, np.str_)):
        return [decode(value)]
    arr = np.asarray(value)
    if arr.ndim == 0:
        return [decode(arr[()])]
    if arr.size == 0:
        return []
    if arr.dtype.kind not in "SUO":
        raise ValueError(f"expected a list of strings, found an array of {arr.dtype}")
    return [decode(v) for v in arr.reshape(-1)]


def has_string_list(group, name):
    """Whether `group` has the attribute `name` (whole, or chunked as name0, name1, ...)."""
    return name in group.attrs or f"{name}0" in group.attrs


def read_string_list(group, name):
    """The list of strings stored under attribute `name` (chunked or not); [] when absent."""
    try:
        if name in group.attrs:
            return _as_list(group.attrs[name])
        out = []
        chunk = 0
        while f"{name}{chunk}" in group.attrs:
            out.extend(_as_list(group.attrs[f"{name}{chunk}"]))
            chunk += 1
        return out
    except (OSError, TypeError, ValueError) as e:
        raise ValueError(f"Cannot read the attribute '{name}' of the HDF5 group '{group.name}' "
                         f"in {group.file.filename}: {e}") from e


def read_string(group, name, default=None):
    """A scalar string attribute, decoded; `default` when absent."""
    if name not in group.attrs:
        return default
    try:
        value = group.attrs[name]
    except (OSError, TypeError, ValueError) as e:
        raise ValueError(f"Cannot read the attribute '{name}' of {group.file.filename}: {e}") from e
    if isinstance(value, np.ndarray) and value.ndim == 1 and value.size == 1:
        value = value[0]
    return decode(value)


def write_string_list(group, name, strings):
    """Store a list of strings as Keras 2 does: bytes, chunked past the object-header limit.

    Raises:
        ValueError: if a single string is longer than the limit (it cannot be chunked).
    """
    data = [s.encode("utf8") if isinstance(s, str) else bytes(s) for s in strings]
    too_long = [d for d in data if len(d) > HDF5_OBJECT_HEADER_LIMIT]
    if too_long:
        raise ValueError(f"The following attributes cannot be saved to HDF5 file because they are larger than "
                         f"{HDF5_OBJECT_HEADER_LIMIT} bytes: {[d[:80] for d in too_long]}")
    for key in [k for k in group.attrs if k == name or (k.startswith(name) and k[len(name):].isdigit())]:
        del group.attrs[key]
    if not data:
        group.attrs[name] = np.asarray([])  # Keras 2 writes an empty float64 array
        return
    fixed = np.asarray(data)
    if fixed.nbytes <= HDF5_OBJECT_HEADER_LIMIT:
        group.attrs[name] = data
        return
    num_chunks = max(2, -(-fixed.nbytes // HDF5_OBJECT_HEADER_LIMIT))
    chunks = np.array_split(fixed, num_chunks)
    while any(c.nbytes > HDF5_OBJECT_HEADER_LIMIT for c in chunks):
        num_chunks += 1
        chunks = np.array_split(fixed, num_chunks)
    for i, chunk in enumerate(chunks):  # fixed-length chunks, as Keras 2 writes them
        group.attrs[f"{name}{i}"] = chunk


def check_global_heaps(path):
    """Refuse a file whose HDF5 global heaps (where variable-length strings live) are inconsistent.

    The HDF5 library can loop forever reading a string attribute from a corrupt global heap, which
    no Python code can interrupt; walking the heap collections here first turns such a file into a
    clear ValueError. A collection is "GCOL", version 1, its size, then objects (index, refcount,
    size, data padded to 8 bytes) ending with the free-space object (index 0) at the collection end.
    """
    import mmap
    import struct

    with open(path, "rb") as f:
        try:
            data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        except ValueError:  # empty file
            return
        with data:
            end_of_file = len(data)
            start = data.find(b"GCOL")
            while start != -1:
                _check_one_heap(data, start, end_of_file, path, struct)
                start = data.find(b"GCOL", start + 4)


def _check_one_heap(data, start, end_of_file, path, struct):
    if start + 16 > end_of_file or data[start + 4] != 1 or data[start + 5:start + 8] != b"\0\0\0":
        return  # not a heap header (the bytes "GCOL" inside other data)
    size = struct.unpack_from("<Q", data, start + 8)[0]
    if size < 4096 or start + size > end_of_file:
        return
    end = start + size
    offset = start + 16
    seen = set()
    while offset + 16 <= end:
        index, _refcount, _reserved, obj_size = struct.unpack_from("<HHIQ", data, offset)
        if index == 0:  # free space: the last object, running to the end of the collection
            if offset + obj_size != end and obj_size != 0:
                break
            return
        if index in seen:
            break
        seen.add(index)
        offset += 16 + ((obj_size + 7) // 8) * 8
    else:
        if offset <= end:  # a full collection: fewer than 16 bytes left is too little for a free-space object
            return
    raise ValueError(f"{path} is corrupt: the HDF5 global heap at byte {start} (where string attributes such as "
                     "the model config live) is inconsistent, so the file cannot be read safely.")


_PROBE = """
import sys
import h5py

def visit(obj):
    for key in list(obj.attrs.keys()):
        obj.attrs[key]
    if isinstance(obj, h5py.Dataset):
        if obj.size * obj.dtype.itemsize <= 64 * 2**20:
            obj[()]
        return
    for key in list(obj.keys()):
        visit(obj[key])

try:
    with h5py.File(sys.argv[1], "r") as f:
        visit(f)
except Exception:
    sys.exit(3)
"""


def probe_file(path, timeout=None):
    """Read every attribute and (small) dataset of `path` in a child process first.

    The HDF5 C library can crash or loop forever on a corrupt file, which would take the caller's
    interpreter down with it; the child takes that risk instead. Returns quietly when the file reads
    (or fails with an ordinary error, which the real read will report), raises ValueError when the
    child crashed or hung. Set KERASISH_SKIP_FILE_PROBE=1 to skip (trusted files, fastest loads).
    """
    import os
    import signal
    import subprocess
    import sys
    import threading
    import time

    if os.environ.get("KERASISH_SKIP_FILE_PROBE") == "1":
        return
    if timeout is None:  # generous for the file's size: a healthy read is far faster
        timeout = 10.0 + os.path.getsize(path) / 20e6
    if hasattr(os, "fork") and threading.active_count() == 1:
        pid = os.fork()  # h5py is already imported here: a forked child starts in milliseconds
        if pid == 0:
            code = 0
            try:
                namespace = {"__name__": "probe"}
                sys.argv = ["probe", path]
                exec(compile(_PROBE, "<probe>", "exec"), namespace)
            except SystemExit as e:
                code = e.code or 0
            except BaseException:
                code = 3
            os._exit(code)
        deadline = time.monotonic() + timeout
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                raise ValueError(f"{path} is corrupt: reading it made the HDF5 library hang (stopped after "
                                 f"{timeout:.0f} s).")
            time.sleep(0.002)
        if os.WIFSIGNALED(status):
            raise ValueError(f"{path} is corrupt: reading it crashed the HDF5 library (signal "
                             f"{os.WTERMSIG(status)}); nothing was loaded.")
        return
    try:
        proc = subprocess.run([sys.executable, "-c", _PROBE, path], capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise ValueError(f"{path} is corrupt: reading it made the HDF5 library hang (stopped after "
                         f"{timeout:.0f} s).") from None
    if proc.returncode < 0:
        raise ValueError(f"{path} is corrupt: reading it crashed the HDF5 library (signal {-proc.returncode}); "
                         "nothing was loaded.")
