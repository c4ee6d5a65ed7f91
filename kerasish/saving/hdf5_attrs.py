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
