"""Keras 2's `keras.utils.io_utils`: `HDF5Matrix` (an HDF5 dataset used as a numpy array) and the overwrite prompt.

Example:
    >>> import os, tempfile
    >>> import h5py, numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "data.h5")
    >>> with h5py.File(path, "w") as f:
    ...     _ = f.create_dataset("x", data=np.arange(12.0).reshape(6, 2))
    >>> x = HDF5Matrix(path, "x", start=2, end=5)
    >>> x.shape, x[0].tolist(), x[1:3].tolist()
    ((3, 2), [4.0, 5.0], [[6.0, 7.0], [8.0, 9.0]])
    >>> HDF5Matrix.close(path)
"""
from typing import Callable, Optional

import numpy as np

from .progbar import (  # noqa: F401  (tf.keras keeps them here)
    disable_interactive_logging, enable_interactive_logging, is_interactive_logging_enabled, print_msg)


class HDF5Matrix:
    """Rows `start:end` of an HDF5 dataset, read on demand; usable where `fit`/`predict` take an array.

    Indexing with an int, a slice, a list or an array of row numbers reads only those rows (in any
    order: h5py's increasing-order rule is handled here). `normalizer`, if given, is applied to
    every read. Files stay open, one handle per path shared by all matrices (`HDF5Matrix.close(path)`
    closes one), as in Keras 2; they are opened read-only.

    Args:
        datapath: path of the HDF5 file.
        dataset: name of the dataset in the file (e.g. "x_train" or "group/x").
        start: first row.
        end: one past the last row (default: the dataset's length).
        normalizer: function applied to every array read.
    """
    refs = {}  # path -> open h5py.File, shared by all matrices as in Keras 2

    def __init__(self, datapath: str, dataset: str, start: int = 0, end: Optional[int] = None,
                 normalizer: Optional[Callable] = None):
        import h5py

        if datapath not in self.refs:
            self.refs[datapath] = h5py.File(datapath, "r")
        file = self.refs[datapath]
        if dataset not in file:
            raise ValueError(f"HDF5Matrix: the file {datapath!r} has no dataset {dataset!r}; it holds "
                             f"{sorted(file.keys())}")
        self.data = file[dataset]
        length = self.data.shape[0]
        self.start = int(start)
        self.end = length if end is None else int(end)
        if not 0 <= self.start <= self.end <= length:
            raise ValueError(f"HDF5Matrix: rows {self.start}:{self.end} are outside the {length} rows of "
                             f"{dataset!r}")
        self.normalizer = normalizer
        first = self._normalized(self.data[0:1])
        self._base_shape = first.shape[1:]
        self._base_dtype = first.dtype

    def _normalized(self, values):
        return self.normalizer(values) if self.normalizer is not None else values

    def __len__(self) -> int:
        return self.end - self.start

    def _row(self, index: int) -> int:
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"HDF5Matrix index {index} is out of range for {len(self)} rows")
        return self.start + index

    def __getitem__(self, key):
        if isinstance(key, slice):
            start, stop, step = key.indices(len(self))
            if step != 1:
                return self[np.arange(start, stop, step)]
            return self._normalized(self.data[self.start + start:self.start + max(stop, start)])
        if isinstance(key, (int, np.integer)):
            return self._normalized(self.data[self._row(int(key))])
        rows = np.asarray([self._row(int(i)) for i in np.asarray(key).ravel()], dtype=np.int64)
        unique, inverse = np.unique(rows, return_inverse=True)  # h5py reads increasing, distinct rows only
        values = self.data[unique.tolist()] if len(unique) else self.data[0:0]
        return self._normalized(values[inverse])

    def __array__(self, dtype=None, copy=None):
        values = np.asarray(self[:])
        return values if dtype is None else values.astype(dtype)

    @property
    def shape(self) -> tuple:
        """(rows, ...) as the normalized data has it."""
        return (self.end - self.start,) + tuple(self._base_shape)

    @property
    def dtype(self):
        """The dtype of the (normalized) data."""
        return self._base_dtype

    @property
    def ndim(self) -> int:
        """Number of dimensions."""
        return len(self.shape)

    @property
    def size(self) -> int:
        """Number of elements."""
        return int(np.prod(self.shape))

    @classmethod
    def close(cls, datapath: str) -> None:
        """Close the file opened for `datapath` (matrices reading it stop working)."""
        file = cls.refs.pop(datapath, None)
        if file is not None:
            file.close()


def ask_to_proceed_with_overwrite(filepath: str) -> bool:
    """Ask on the console whether to overwrite `filepath`; True for 'y', False for 'n' (asks again otherwise)."""
    answer = input(f"[WARNING] {filepath} already exists - overwrite? [y/n]")
    while answer not in ("y", "n"):
        answer = input('Enter "y" (overwrite) or "n" (cancel).')
    if answer == "n":
        return False
    print("[TIP] Next time specify overwrite=True!")
    return True
