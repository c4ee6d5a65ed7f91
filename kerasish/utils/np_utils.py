"""numpy helpers from Keras 2: `to_categorical`, `to_ordinal`, `normalize`.

Example:
    >>> from kerasish.utils import to_categorical
    >>> to_categorical([0, 2], num_classes=3).tolist()
    [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
"""
import numpy as np


def _flat_labels(y, num_classes, what):
    """(labels as a flat int64 array, the shape to restore without a trailing axis of 1, num_classes)."""
    y = np.array(y, dtype="int64")
    input_shape = y.shape
    if input_shape and input_shape[-1] == 1 and len(input_shape) > 1:
        input_shape = tuple(input_shape[:-1])
    y = y.ravel()
    if y.size and y.min() < 0:
        raise ValueError(f"{what}: class labels must be non-negative; found {int(y.min())}")
    if not num_classes:
        num_classes = int(np.max(y)) + 1 if y.size else 0
    elif y.size and y.max() >= num_classes:
        raise ValueError(f"{what}: label {int(y.max())} is out of range for num_classes={num_classes}")
    return y, input_shape, num_classes


def to_categorical(y, num_classes=None, dtype="float32"):
    """One-hot encode integer class labels (a trailing axis of size 1 is dropped, as in Keras)."""
    y, input_shape, num_classes = _flat_labels(y, num_classes, "to_categorical")
    n = y.shape[0]
    categorical = np.zeros((n, num_classes), dtype=dtype)
    categorical[np.arange(n), y] = 1
    return categorical.reshape(input_shape + (num_classes,))


def to_ordinal(y, num_classes=None, dtype="float32"):
    """Ordinal encoding of integer class labels: label k becomes k ones then zeros, `num_classes - 1` values.

    Example:
        >>> to_ordinal([0, 2, 1], num_classes=3).tolist()
        [[0.0, 0.0], [1.0, 1.0], [1.0, 0.0]]
    """
    y, input_shape, num_classes = _flat_labels(y, num_classes, "to_ordinal")
    ordinal = (np.arange(num_classes - 1)[None, :] < y[:, None]).astype(dtype)
    return ordinal.reshape(input_shape + (num_classes - 1,))


def normalize(x, axis=-1, order=2):
    """Scale `x` to unit `order`-norm along `axis` (zero vectors stay zero)."""
    x = np.asarray(x)
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, axis)
