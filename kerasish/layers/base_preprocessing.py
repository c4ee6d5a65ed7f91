"""`PreprocessingLayer`: the `adapt` protocol of Keras's stateful preprocessing layers, and the text
conversions the string layers share.

`adapt(data)` resets the layer's state, feeds `update_state` one batch at a time (32 samples per
batch for arrays, as tf_keras; a `Dataset` or any iterable brings its own batches) and ends with
`finalize_state`. Subclasses implement those three methods.

Strings: inputs may be numpy `str` arrays, object arrays of `str` or `bytes` (bytes are decoded with
the layer's encoding), lists, or Tensors holding them. String outputs are object arrays of `bytes`,
as TensorFlow's string tensors give them (`.numpy()` on a tf.string tensor); vocabularies are lists
of `str`, as tf_keras returns them.

Example:
    >>> import numpy as np
    >>> texts_as_str(np.array([b"caf\\xc3\\xa9", "tea"], dtype=object)).tolist()
    ['café', 'tea']
"""
import numpy as np

from ..backend.tensor import Tensor
from .layer import Layer

DEFAULT_ADAPT_BATCH_SIZE = 32  # tf_keras batches array data for `adapt` as `fit` does


def texts_as_str(values, encoding="utf-8"):
    """An object array of Python `str` with the shape of `values` (bytes decoded with `encoding`)."""
    if isinstance(values, Tensor):
        values = values.array
    if isinstance(values, (str, bytes)):
        values = np.array(values, dtype=object)
    array = np.asarray(values)
    if array.dtype.kind == "U":
        return array.astype(object)
    if array.dtype.kind not in "OS":
        raise TypeError(f"Expected string inputs (str or bytes); received an array of dtype {array.dtype}")
    out = np.empty(array.shape, dtype=object)
    flat = out.reshape(-1)
    for i, v in enumerate(array.reshape(-1)):
        if isinstance(v, (bytes, np.bytes_)):
            flat[i] = bytes(v).decode(encoding)
        elif isinstance(v, str):
            flat[i] = str(v)
        else:
            raise TypeError(f"Expected string inputs (str or bytes); found {v!r} of type {type(v).__name__}")
    return out


def texts_as_bytes(values, encoding="utf-8"):
    """An object array of `bytes` (TensorFlow's string values) with the shape of `values`."""
    array = np.asarray(values, dtype=object)
    out = np.empty(array.shape, dtype=object)
    flat = out.reshape(-1)
    for i, v in enumerate(array.reshape(-1)):
        flat[i] = v.encode(encoding) if isinstance(v, str) else bytes(v)
    return out


def adapt_batches(data, batch_size=None, steps=None):
    """Yield the batches `adapt` feeds to `update_state` (numpy arrays)."""
    from ..utils.dataset import Dataset

    if isinstance(data, Tensor):
        data = data.array
    if isinstance(data, Dataset) or not isinstance(data, (np.ndarray, list, tuple, str, bytes)) and \
            hasattr(data, "__iter__"):
        if batch_size is not None:
            raise ValueError("Do not specify `batch_size` when `adapt` gets a Dataset, a generator or an iterable of "
                             "batches: they bring their own batches.")
        for i, batch in enumerate(data.as_numpy_iterator() if isinstance(data, Dataset) else data):
            if steps is not None and i >= steps:
                return
            if isinstance(batch, tuple) and len(batch) == 1:
                batch = batch[0]
            yield batch.array if isinstance(batch, Tensor) else np.asarray(batch)
        return
    array = np.asarray(data)
    if array.ndim == 0:
        yield array
        return
    size = DEFAULT_ADAPT_BATCH_SIZE if batch_size is None else int(batch_size)
    n_batches = -(-len(array) // size)
    if steps is not None:
        n_batches = min(n_batches, int(steps))
    for i in range(n_batches):
        yield array[i * size:(i + 1) * size]


class PreprocessingLayer(Layer):
    """A layer whose state comes from data through `adapt` (reset, update per batch, finalize)."""

    _is_adapted = False

    @property
    def is_adapted(self) -> bool:
        """Whether `adapt` has run."""
        return self._is_adapted

    def update_state(self, data):
        """Accumulate statistics of one batch."""
        raise NotImplementedError

    def finalize_state(self):
        """Turn the accumulated statistics into the layer's state."""

    def reset_state(self):
        """Forget the accumulated statistics."""

    def adapt(self, data, batch_size=None, steps=None):
        """Compute the layer's state from `data` (an array, a list, a `Dataset` or an iterable of batches).

        Args:
            data: the samples; arrays are split into batches of `batch_size` (32 by default).
            batch_size: samples per batch for array data.
            steps: stop after this many batches.
        """
        first = True
        for batch in adapt_batches(data, batch_size, steps):
            if first:
                self._adapt_maybe_build(batch)
                self.reset_state()
                first = False
            self.update_state(batch)
        if first:
            raise ValueError(f'Layer "{self.name}": `adapt` received no data.')
        self.finalize_state()
        self._is_adapted = True

    def _adapt_maybe_build(self, batch):
        """Build with the data's shape; the rank becomes part of the config, as in tf_keras."""
        if self.built:
            return
        shape = tuple(np.shape(batch))
        if self._batch_input_shape is None:
            self._batch_input_shape = (None,) * len(shape)
        self.build(shape)
        self.built = True
