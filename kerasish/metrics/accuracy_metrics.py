"""Accuracy metrics: the functions (`accuracy`, `binary_accuracy`, `categorical_accuracy`, the sparse and
top-k variants), their fast numpy kernels, and the classes (`Accuracy`, `BinaryAccuracy`, ...).

Example:
    >>> from kerasish.metrics import BinaryAccuracy
    >>> m = BinaryAccuracy()
    >>> m.update_state([[1], [0]], [[0.9], [0.7]])
    >>> float(m.result())
    0.5
"""
import numpy as np

from ..backend import config
from ..backend.tensor import Tensor
from ..backend import dispatch as _dispatch
from ..utils.serialization import builtin_objects as _builtin_objects
from ..utils.serialization import register_builtin
from .metric import _np
from .reduction_metrics import MeanMetricWrapper, NUMPY_KERNELS


# --------------------------------------------------------------------------- numpy kernels of metric functions
def _accuracy_np(y_true, y_pred):
    if y_true.shape != y_pred.shape:
        try:
            np.broadcast_shapes(y_true.shape, y_pred.shape)
        except ValueError:
            raise ValueError(f"accuracy: shapes {y_true.shape} and {y_pred.shape} are incompatible") from None
    if y_true.dtype != y_pred.dtype:
        y_pred = y_pred.astype(y_true.dtype)
    return (y_true == y_pred).astype(config.floatx())


def _binary_matches_np(y_true, y_pred, threshold=0.5):
    pred = (y_pred > np.asarray(threshold, dtype=y_pred.dtype)).astype(y_pred.dtype)
    return (y_true == pred).astype(config.floatx())


def _sparse_categorical_matches_np(y_true, y_pred):
    org_shape = y_true.shape
    reshape = False
    if y_true.ndim == y_pred.ndim:
        if y_true.shape[-1:] != (1,):
            raise ValueError(f"sparse_categorical_accuracy: `y_true` must hold integer labels of shape "
                             f"{y_pred.shape[:-1]} (or with a trailing axis of 1); received shape {y_true.shape}")
        y_true = y_true.reshape(y_true.shape[:-1])
        reshape = True
    pred = np.argmax(y_pred, axis=-1)
    if pred.dtype != y_true.dtype:
        pred = pred.astype(y_true.dtype)
    matches = (y_true == pred).astype(config.floatx())
    return matches.reshape(org_shape) if reshape else matches


def _sparse_top_k_matches_np(y_true, y_pred, k=5):
    org_shape = y_true.shape
    if y_pred.ndim > 2:
        y_pred = y_pred.reshape(-1, y_pred.shape[-1])
    reshape = y_true.ndim > 1
    if reshape:
        y_true = y_true.reshape(-1)
    if y_pred.ndim != 2 or y_true.shape[0] != y_pred.shape[0]:
        raise ValueError(f"top_k accuracy: labels of shape {org_shape} do not match predictions of shape "
                         f"{y_pred.shape}")
    labels = y_true.astype(np.int64)
    num_classes = y_pred.shape[1]
    valid = (labels >= 0) & (labels < num_classes)
    target = y_pred[np.arange(labels.size), np.where(valid, labels, 0)]
    # in_top_k: ties at the boundary count as inside; non-finite predictions never do.
    in_top = (np.sum(y_pred > target[:, None], axis=1) < k) & valid & np.isfinite(target)
    matches = in_top.astype(config.floatx())
    return matches.reshape(org_shape) if reshape else matches


def _as_function_result(x):
    return Tensor(np.asarray(x))


# --------------------------------------------------------------------------- metric functions
@register_builtin("metric", "ACC")
def accuracy(y_true, y_pred):
    """Elementwise equality of `y_true` and `y_pred` as floats.

    Example:
        >>> accuracy([1, 2, 3, 4], [1, 2, 0, 4]).numpy()
        array([1., 1., 0., 1.], dtype=float32)
    """
    return _as_function_result(_accuracy_np(_np(y_true), _np(y_pred)))


@register_builtin("metric")
def binary_accuracy(y_true, y_pred, threshold=0.5):
    """Mean over the last axis of `(y_pred > threshold) == y_true`.

    Example:
        >>> binary_accuracy([[1], [1], [0], [0]], [[1.0], [1.0], [0.0], [0.0]]).numpy()
        array([1., 1., 1., 1.], dtype=float32)
    """
    yp = _np(y_pred)
    yp = yp.astype(config.floatx()) if yp.dtype.kind != "f" else yp
    yt = _np(y_true).astype(yp.dtype)
    return _as_function_result(np.mean(_binary_matches_np(yt, yp, threshold), axis=-1))


@register_builtin("metric")
def categorical_accuracy(y_true, y_pred):
    """Whether the argmax of `y_true` equals the argmax of `y_pred`.

    Example:
        >>> categorical_accuracy([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]).numpy()
        array([0., 1.], dtype=float32)
    """
    yp = _np(y_pred)
    return _as_function_result(_sparse_categorical_matches_np(np.argmax(_np(y_true), axis=-1), yp))


@register_builtin("metric")
def sparse_categorical_accuracy(y_true, y_pred):
    """Whether the integer label `y_true` equals the argmax of `y_pred`.

    Example:
        >>> sparse_categorical_accuracy([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]).numpy()
        array([0., 1.], dtype=float32)
    """
    matches = _sparse_categorical_matches_np(_np(y_true), _np(y_pred))
    if matches.ndim > 1 and matches.shape[-1] == 1:
        matches = matches.reshape(matches.shape[:-1])
    return _as_function_result(matches)


@register_builtin("metric")
def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """Whether the argmax of one-hot `y_true` is among the `k` largest predictions.

    Example:
        >>> top_k_categorical_accuracy([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], k=1).numpy()
        array([0., 1.], dtype=float32)
    """
    return _as_function_result(_sparse_top_k_matches_np(np.argmax(_np(y_true), axis=-1), _np(y_pred), k))


@register_builtin("metric")
def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    """Whether the integer label `y_true` is among the `k` largest predictions.

    Example:
        >>> sparse_top_k_categorical_accuracy([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], k=2).numpy()
        array([1., 1.], dtype=float32)
    """
    return _as_function_result(_sparse_top_k_matches_np(_np(y_true), _np(y_pred), k))

# Their fast numpy kernels, for MeanMetricWrapper (keyed by the functions as defined here).
NUMPY_KERNELS.update({
    accuracy: lambda yt, yp: _accuracy_np(yt, yp),
    binary_accuracy: lambda yt, yp, threshold=0.5: np.mean(_binary_matches_np(yt, yp, threshold), axis=-1),
    categorical_accuracy: lambda yt, yp: _sparse_categorical_matches_np(np.argmax(yt, axis=-1), yp),
    sparse_categorical_accuracy: lambda yt, yp: _squeeze_trailing_one(_sparse_categorical_matches_np(yt, yp)),
    top_k_categorical_accuracy: lambda yt, yp, k=5: _sparse_top_k_matches_np(np.argmax(yt, axis=-1), yp, k),
    sparse_top_k_categorical_accuracy: lambda yt, yp, k=5: _sparse_top_k_matches_np(yt, yp, k),
})


def _squeeze_trailing_one(x):
    return x.reshape(x.shape[:-1]) if x.ndim > 1 and x.shape[-1] == 1 else x


# --------------------------------------------------------------------------- accuracy classes
@register_builtin("metric")
class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels.

    Example:
        >>> m = Accuracy()
        >>> m.update_state([1, 2, 3, 4], [1, 2, 0, 4])
        >>> float(m.result())
        0.75
    """

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name, dtype=dtype)


def _binary_matches(y_true, y_pred, threshold=0.5):
    """Elementwise `(y_pred > threshold) == y_true` (the fn of `BinaryAccuracy`)."""
    return _as_function_result(_binary_matches_np(_np(y_true), _np(y_pred), threshold))


NUMPY_KERNELS[_binary_matches] = _binary_matches_np


@register_builtin("metric")
class BinaryAccuracy(MeanMetricWrapper):
    """How often `y_pred > threshold` matches binary labels.

    Example:
        >>> m = BinaryAccuracy()
        >>> m.update_state([[1], [0], [1], [0]], [[0.7], [0.6], [0.2], [0.1]])
        >>> float(m.result())
        0.5
    """

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(_binary_matches, name, dtype=dtype, threshold=threshold)


def _categorical_matches(y_true, y_pred):
    return categorical_accuracy(y_true, y_pred)


NUMPY_KERNELS[_categorical_matches] = NUMPY_KERNELS[categorical_accuracy]


@register_builtin("metric")
class CategoricalAccuracy(MeanMetricWrapper):
    """How often the argmax of predictions matches the argmax of one-hot labels.

    Example:
        >>> m = CategoricalAccuracy()
        >>> m.update_state([[0, 1], [1, 0], [1, 0]], [[0.3, 0.7], [0.4, 0.6], [0.9, 0.1]])
        >>> round(float(m.result()), 6)
        0.666667
    """

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(_categorical_matches, name, dtype=dtype)


def _sparse_categorical_matches(y_true, y_pred):
    return _as_function_result(_sparse_categorical_matches_np(_np(y_true), _np(y_pred)))


NUMPY_KERNELS[_sparse_categorical_matches] = _sparse_categorical_matches_np


@register_builtin("metric")
class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the argmax of predictions matches integer labels.

    Example:
        >>> m = SparseCategoricalAccuracy()
        >>> m.update_state([1, 2], [[0.1, 0.8, 0.1], [0.6, 0.3, 0.1]])
        >>> float(m.result())
        0.5
    """

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(_sparse_categorical_matches, name, dtype=dtype)


def _top_k_matches(y_true, y_pred, k=5):
    return top_k_categorical_accuracy(y_true, y_pred, k)


NUMPY_KERNELS[_top_k_matches] = NUMPY_KERNELS[top_k_categorical_accuracy]


@register_builtin("metric")
class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot target is among the top `k` predictions.

    Example:
        >>> m = TopKCategoricalAccuracy(k=1)
        >>> m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
        >>> float(m.result())
        0.5
    """

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(_top_k_matches, name, dtype=dtype, k=k)


def _sparse_top_k_matches(y_true, y_pred, k=5):
    return sparse_top_k_categorical_accuracy(y_true, y_pred, k)


NUMPY_KERNELS[_sparse_top_k_matches] = NUMPY_KERNELS[sparse_top_k_categorical_accuracy]


@register_builtin("metric")
class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer target is among the top `k` predictions.

    Example:
        >>> m = SparseTopKCategoricalAccuracy(k=1)
        >>> m.update_state([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
        >>> float(m.result())
        0.5
    """

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None):
        super().__init__(_sparse_top_k_matches, name, dtype=dtype, k=k)


# Calls on symbolic (Keras) tensors become graph nodes named "keras.metrics.<name>" (see backend/dispatch.py).
_dispatch.dispatch_registered(globals(), "keras.metrics", _builtin_objects("metric"))
# The public functions are those wrappers now: their numpy kernels are the undecorated functions' (so
# `MeanMetricWrapper(keras.metrics.accuracy)` runs as fast as `Accuracy()`).
NUMPY_KERNELS.update({fn: NUMPY_KERNELS[fn.__wrapped__] for fn in (
    accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy, top_k_categorical_accuracy,
    sparse_top_k_categorical_accuracy)})
