"""Keras 2 metrics: stateful `Metric` objects and per-sample metric functions.

A metric accumulates state over batches (`update_state`), reports it (`result`) and starts
over (`reset_state`). State lives in non-trainable `Variable`s holding float32 numpy arrays;
metrics never need gradients, so built-in metrics compute in numpy. Subclass `Metric` exactly
as in Keras: create state with `add_weight`, implement `update_state` and `result`.

`resolve_metric` turns what a user passes to `compile(metrics=...)` into a `Metric`, including
Keras's shape-based resolution of 'accuracy'/'acc'/'crossentropy'/'ce'.

Example:
    >>> from kerasish import metrics
    >>> m = metrics.AUC()
    >>> m.update_state([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> round(float(m.result()), 4)
    0.75
    >>> acc = metrics.SparseCategoricalAccuracy()
    >>> float(acc([1, 2], [[0.1, 0.8, 0.1], [0.6, 0.3, 0.1]]))
    0.5
"""
import re
import weakref

import numpy as np

from . import losses as _losses
from .backend import dispatch as _dispatch
from .backend import config
from .backend.ops import math as _m
from .backend.tape import no_recording
from .backend.tensor import Tensor, Variable
from .losses import (binary_crossentropy, binary_focal_crossentropy, categorical_crossentropy,  # noqa: F401
                     categorical_focal_crossentropy, hinge, kl_divergence, log_cosh, mean_absolute_error,
                     mean_absolute_percentage_error, mean_squared_error, mean_squared_logarithmic_error, poisson,
                     sparse_categorical_crossentropy, squared_hinge, squeeze_or_expand_dimensions)
from .utils.serialization import builtin_objects as _builtin_objects
from .utils.serialization import (deserialize_keras_object, get_registered_name, register_builtin,
                                  serialize_keras_object)
from .losses import remove_squeezable_dimensions
from .backend.user_warnings import warn

# A prediction value below every threshold (used to mask out predictions outside the top k).
NEG_INF = -1e10


def _to_snake_case(name):
    intermediate = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    insecure = re.sub("([a-z])([A-Z])", r"\1_\2", intermediate).lower()
    return insecure if insecure[0] != "_" else "private" + insecure


def _unique_name(prefix):
    uid = config.get_uid(prefix)
    return prefix if uid == 1 else f"{prefix}_{uid - 1}"


def _np(x, dtype=None):
    """A numpy array from a Tensor, Variable, list or array."""
    if isinstance(x, Tensor):
        x = x.array
    elif hasattr(x, "_keras_history"):
        raise TypeError("A symbolic Keras tensor was passed to a metric; metrics need concrete values.")
    return np.asarray(x) if dtype is None else np.asarray(x, dtype=dtype)


def _divide_no_nan(a, b):
    a = np.asarray(a)
    b = np.asarray(b)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(b != 0, a / np.where(b != 0, b, 1), 0)
    return out.astype(np.result_type(a.dtype, b.dtype), copy=False)


def _result(value, dtype):
    return Tensor(np.asarray(value, dtype=dtype))


# --------------------------------------------------------------------------- Metric base
_LAYER_KWARGS = {"trainable", "dynamic", "autocast", "input_shape", "batch_input_shape", "batch_size", "mesh"}


_CALLED_METRICS = weakref.WeakValueDictionary()  # id(result of metric(...)) -> that metric


def metric_of_result(value):
    """The metric whose latest `metric(...)` call returned `value`, or None (Keras 2's `value._metric_obj`).

    Example:
        >>> m = Mean()
        >>> metric_of_result(m([1.0, 3.0])) is m
        True
    """
    metric = _CALLED_METRICS.get(id(value))
    return metric if metric is not None and getattr(metric, "_last_result", None) is value else None


class Metric:
    """Base class of stateful metrics.

    Args:
        name: the metric's name (default: the snake-cased class name, made unique: `auc`, `auc_1`).
        dtype: the state's float type (default floatx).

    Example:
        >>> import numpy as np
        >>> from kerasish import metrics
        >>> class CountPositives(metrics.Metric):
        ...     def __init__(self, name="count_positives", **kwargs):
        ...         super().__init__(name=name, **kwargs)
        ...         self.count = self.add_weight(name="count", initializer="zeros")
        ...     def update_state(self, y_true, y_pred, sample_weight=None):
        ...         self.count.assign_add(np.sum(np.asarray(y_pred) > 0.5))
        ...     def result(self):
        ...         return self.count
        >>> m = CountPositives()
        >>> m.update_state([1, 0], [0.9, 0.7])
        >>> float(m.result()), m.name
        (2.0, 'count_positives')
    """

    _keras_module = "keras.metrics"

    def __init__(self, name=None, dtype=None, **kwargs):
        unknown = set(kwargs) - _LAYER_KWARGS
        if unknown:
            raise TypeError(f"Keyword argument(s) not understood by {type(self).__name__}: {sorted(unknown)}")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"{type(self).__name__}: `name` must be a string; received {name!r}")
        self._name = name or _unique_name(_to_snake_case(type(self).__name__))
        dtype = getattr(dtype, "name", dtype)
        self._dtype = np.dtype(dtype or config.floatx()).name
        self._metric_weights = []
        self.stateful = True
        self.built = True
        self.trainable = bool(kwargs.get("trainable", True))

    # -- identity -------------------------------------------------------------------------
    @property
    def name(self):
        return self._name

    @property
    def dtype(self):
        return self._dtype

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r}>"

    def __str__(self):
        try:
            args = ",".join(f"{k}={v}" for k, v in self.get_config().items())
        except NotImplementedError:
            args = f"name={self.name}"
        return f"{type(self).__name__}({args})"

    # -- state ----------------------------------------------------------------------------
    def add_weight(self, name, shape=(), aggregation=None, synchronization=None, initializer=None, dtype=None):
        """Create a non-trainable state Variable (zeros unless `initializer` says otherwise)."""
        dtype = np.dtype(getattr(dtype, "name", dtype) or self._dtype)
        shape = tuple(int(d) for d in (shape if isinstance(shape, (list, tuple)) else (shape,)))
        if initializer is None or initializer == "zeros":
            value = np.zeros(shape, dtype=dtype)
        elif initializer == "ones":
            value = np.ones(shape, dtype=dtype)
        else:
            from . import initializers

            init = initializers.get(initializer) if isinstance(initializer, (str, dict)) else initializer
            value = np.asarray(init(shape, dtype=dtype.name) if dtype.kind == "f" else init(shape), dtype=dtype)
        var = Variable(value, dtype=dtype, name=name, trainable=False)
        self._metric_weights.append(var)
        return var

    @property
    def variables(self):
        """The state Variables, in creation order."""
        return list(self._metric_weights)

    @property
    def weights(self):
        return list(self._metric_weights)

    @property
    def non_trainable_weights(self):
        return list(self._metric_weights)

    @property
    def trainable_weights(self):
        return []

    def get_weights(self):
        return [v.array.copy() for v in self._metric_weights]

    def set_weights(self, weights):
        if len(weights) != len(self._metric_weights):
            raise ValueError(f"Metric {self.name!r} has {len(self._metric_weights)} state variables; "
                             f"received {len(weights)} values")
        for v, w in zip(self._metric_weights, weights):
            v.assign(w)

    def reset_state(self):
        """Zero every state variable (or call a subclass's legacy `reset_states`)."""
        if type(self).reset_states is not Metric.reset_states:
            return self.reset_states()
        for v in self._metric_weights:
            v.array[...] = 0

    def reset_states(self):
        """Deprecated alias of `reset_state`."""
        return self.reset_state()

    def merge_state(self, metrics):
        """Add the state of other metrics of the same kind into this one."""
        for other in metrics:
            if len(other.variables) != len(self._metric_weights):
                raise ValueError(f"Metric {other} is not compatible with {self}")
            for v, w in zip(self._metric_weights, other.variables):
                v.assign_add(w)

    # -- API ------------------------------------------------------------------------------
    def update_state(self, *args, **kwargs):
        """Accumulate statistics from one batch; subclasses implement this."""
        raise NotImplementedError(f"{type(self).__name__} must implement `update_state`.")

    def result(self):
        """The metric value from the accumulated state; subclasses implement this."""
        raise NotImplementedError(f"{type(self).__name__} must implement `result`.")

    def __call__(self, *args, **kwargs):
        """`update_state(*args, **kwargs)` then `result()`."""
        self.update_state(*args, **kwargs)
        result = self.result()
        self._last_result = result  # so `layer.add_metric(metric(x))` knows the value's metric (metric_of_result)
        _CALLED_METRICS[id(result)] = self
        return result

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


# --------------------------------------------------------------------------- reductions
def _broadcast_weights(weights, values):
    """`weights` broadcast to `values` under TensorFlow's rule (same rank or scalar); ValueError otherwise."""
    if weights.ndim == 0 or weights.shape == values.shape:
        return np.broadcast_to(weights, values.shape)
    if weights.ndim != values.ndim or any(w not in (1, v) for w, v in zip(weights.shape, values.shape)):
        raise ValueError("weights cannot be broadcast to values")
    return np.broadcast_to(weights, values.shape)


class Reduce(Metric):
    """Reduces values into a running total with `reduction` 'sum', 'weighted_mean' or 'sum_over_batch_size'."""

    def __init__(self, reduction, name, dtype=None):
        super().__init__(name=name, dtype=dtype)
        if reduction not in ("sum", "weighted_mean", "sum_over_batch_size"):
            raise ValueError(f'Reduction "{reduction}" not implemented. Expected "sum", "weighted_mean", '
                             'or "sum_over_batch_size".')
        self.reduction = reduction
        self.total = self.add_weight("total", initializer="zeros")
        if reduction in ("sum_over_batch_size", "weighted_mean"):
            self.count = self.add_weight("count", initializer="zeros")

    def update_state(self, values, sample_weight=None):
        """Add `values` (optionally weighted per sample) to the running total."""
        if isinstance(values, dict):
            raise RuntimeError(f"The output of a metric function can only be a single Tensor. Received: {values}. "
                               "To return a dict of values, implement a custom Metric subclass.")
        values = _np(values).astype(self._dtype, copy=False)
        sw = None
        if sample_weight is not None:
            sw = _np(sample_weight).astype(self._dtype, copy=False)
            values, _, sw = squeeze_or_expand_dimensions(values, None, sw)
            try:
                sw = _broadcast_weights(sw, values)
            except ValueError:
                axes = tuple(range(sw.ndim, values.ndim))
                values = values.sum(axis=axes) if self.reduction == "sum" else values.mean(axis=axes)
                values = values.astype(self._dtype, copy=False)
            try:
                values = values * sw
            except ValueError:
                raise ValueError(f"Metric {self.name!r}: `sample_weight` of shape {np.shape(sample_weight)} "
                                 f"cannot be broadcast to values of shape {values.shape}") from None
        self.total.array += values.sum(dtype=self._dtype)
        if self.reduction == "sum":
            return
        if self.reduction == "weighted_mean" and sw is not None:
            self.count.array += np.sum(np.broadcast_to(sw, values.shape), dtype=self._dtype)
        else:
            self.count.array += np.asarray(values.size, dtype=self._dtype)

    def result(self):
        if self.reduction == "sum":
            return _result(self.total.array, self._dtype)
        return _result(_divide_no_nan(self.total.array, self.count.array), self._dtype)


@register_builtin("metric")
class Sum(Reduce):
    """The (weighted) sum of all values seen.

    Example:
        >>> m = Sum()
        >>> m.update_state([1, 3, 5, 7])
        >>> float(m.result())
        16.0
    """

    def __init__(self, name="sum", dtype=None):
        super().__init__(reduction="sum", name=name, dtype=dtype)


@register_builtin("metric")
class Mean(Reduce):
    """The (weighted) mean of all values seen: `sum(w * v) / sum(w)`.

    Example:
        >>> m = Mean()
        >>> m.update_state([1.0, 3.0], sample_weight=[3.0, 1.0])
        >>> float(m.result())
        1.5
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(reduction="weighted_mean", name=name, dtype=dtype)


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


# Loss functions are metric functions too (names as in `keras.metrics`).
for _fn, _aliases in ((mean_squared_error, ("mse", "MSE")), (mean_absolute_error, ("mae", "MAE")),
                      (mean_absolute_percentage_error, ("mape", "MAPE")),
                      (mean_squared_logarithmic_error, ("msle", "MSLE")),
                      (kl_divergence, ("kld", "KLD", "kullback_leibler_divergence")),
                      (log_cosh, ("logcosh",)), (binary_crossentropy, ()), (binary_focal_crossentropy, ()),
                      (categorical_crossentropy, ()), (categorical_focal_crossentropy, ()),
                      (sparse_categorical_crossentropy, ()), (hinge, ()), (squared_hinge, ()), (poisson, ()),
                      (_losses.categorical_hinge, ())):
    register_builtin("metric", *_aliases)(_fn)
del _fn, _aliases
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh

# Metric functions with a fast numpy kernel: MeanMetricWrapper calls the kernel on arrays directly.
_NUMPY_KERNELS = {
    accuracy: lambda yt, yp: _accuracy_np(yt, yp),
    binary_accuracy: lambda yt, yp, threshold=0.5: np.mean(_binary_matches_np(yt, yp, threshold), axis=-1),
    categorical_accuracy: lambda yt, yp: _sparse_categorical_matches_np(np.argmax(yt, axis=-1), yp),
    sparse_categorical_accuracy: lambda yt, yp: _squeeze_trailing_one(_sparse_categorical_matches_np(yt, yp)),
    top_k_categorical_accuracy: lambda yt, yp, k=5: _sparse_top_k_matches_np(np.argmax(yt, axis=-1), yp, k),
    sparse_top_k_categorical_accuracy: lambda yt, yp, k=5: _sparse_top_k_matches_np(yt, yp, k),
}


def _squeeze_trailing_one(x):
    return x.reshape(x.shape[:-1]) if x.ndim > 1 and x.shape[-1] == 1 else x


# --------------------------------------------------------------------------- MeanMetricWrapper
@register_builtin("metric")
class MeanMetricWrapper(Mean):
    """The running (weighted) mean of `fn(y_true, y_pred, **kwargs)`.

    Args:
        fn: a per-sample metric or loss function.
        name: the metric's name.
        dtype: the state's float type.
        **kwargs: keyword arguments passed to `fn`.

    Example:
        >>> m = MeanMetricWrapper(mean_absolute_error, name="mae")
        >>> m.update_state([[0.0, 1.0]], [[1.0, 3.0]])
        >>> float(m.result())
        1.5
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        kwargs.pop("mesh", None)
        super().__init__(name=name, dtype=dtype)
        if not callable(fn):
            raise TypeError(f"MeanMetricWrapper: `fn` must be callable; received {fn!r}")
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Evaluate `fn` on the batch and fold its per-sample values into the mean."""
        with no_recording():
            matches, mask = self._matches(y_true, y_pred)
        if mask is not None:
            mask = mask.astype(self._dtype)
            if sample_weight is None:
                sample_weight = mask
            else:
                mask, _, sw = squeeze_or_expand_dimensions(mask, None, _np(sample_weight, self._dtype))
                sample_weight = sw * mask
        super().update_state(matches, sample_weight=sample_weight)

    def _matches(self, y_true, y_pred):
        kernel = _NUMPY_KERNELS.get(self._fn)
        if kernel is not None:
            yt = _np(y_true).astype(self._dtype, copy=False)
            yp = _np(y_pred).astype(self._dtype, copy=False)
            yp, yt = squeeze_or_expand_dimensions(yp, yt)
            return kernel(yt, yp, **self._fn_kwargs), None
        # Keep a Tensor y_pred as it is, so crossentropy metrics see hidden logits as Keras does.
        if isinstance(y_pred, Tensor) and y_pred.dtype == self._dtype:
            yp = y_pred
        else:
            yp = Tensor(_np(y_pred).astype(self._dtype, copy=False))
        yt = _np(y_true).astype(self._dtype, copy=False)
        yp, yt = squeeze_or_expand_dimensions(yp, yt)
        matches = self._fn(yt, yp, **self._fn_kwargs)
        return _np(matches), _losses._get_mask(matches)

    def get_config(self):
        config = {k: (_np(v).tolist() if isinstance(v, (Tensor, np.ndarray)) else v)
                  for k, v in self._fn_kwargs.items()}
        if type(self) is MeanMetricWrapper:
            config["fn"] = get_registered_name(self._fn)
        base = super().get_config()
        return {**base, **config}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        fn = config.pop("fn", None)
        if cls is MeanMetricWrapper:
            return cls(get(fn), **config)
        return cls(**config)


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


_NUMPY_KERNELS[_binary_matches] = _binary_matches_np


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


_NUMPY_KERNELS[_categorical_matches] = _NUMPY_KERNELS[categorical_accuracy]


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


_NUMPY_KERNELS[_sparse_categorical_matches] = _sparse_categorical_matches_np


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


_NUMPY_KERNELS[_top_k_matches] = _NUMPY_KERNELS[top_k_categorical_accuracy]


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


_NUMPY_KERNELS[_sparse_top_k_matches] = _NUMPY_KERNELS[sparse_top_k_categorical_accuracy]


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


# --------------------------------------------------------------------------- loss-based metric classes
def _wrapper_class(class_name, fn, default_name, doc, extra=()):
    """Define a MeanMetricWrapper subclass whose kwargs are `extra` = ((name, default), ...)."""

    def __init__(self, name=default_name, dtype=None, **kwargs):
        unknown = set(kwargs) - {k for k, _ in extra}
        if unknown:
            raise TypeError(f"Keyword argument(s) not understood by {class_name}: {sorted(unknown)}")
        fn_kwargs = {k: kwargs.get(k, v) for k, v in extra}
        MeanMetricWrapper.__init__(self, fn, name, dtype=dtype, **fn_kwargs)

    cls = type(class_name, (MeanMetricWrapper,), {"__init__": __init__, "__doc__": doc, "__module__": __name__})
    return register_builtin("metric")(cls)


MeanSquaredError = _wrapper_class("MeanSquaredError", mean_squared_error, "mean_squared_error", """\
Running mean of squared errors.

    Example:
        >>> m = MeanSquaredError()
        >>> m.update_state([[0.0, 1.0]], [[1.0, 1.0]])
        >>> float(m.result())
        0.5
""")
MeanAbsoluteError = _wrapper_class("MeanAbsoluteError", mean_absolute_error, "mean_absolute_error", """\
Running mean of absolute errors.

    Example:
        >>> m = MeanAbsoluteError()
        >>> m.update_state([[0.0, 1.0]], [[1.0, 3.0]])
        >>> float(m.result())
        1.5
""")
MeanAbsolutePercentageError = _wrapper_class(
    "MeanAbsolutePercentageError", mean_absolute_percentage_error, "mean_absolute_percentage_error", """\
Running mean absolute percentage error.

    Example:
        >>> m = MeanAbsolutePercentageError()
        >>> m.update_state([[2.0, 4.0]], [[1.0, 5.0]])
        >>> float(m.result())
        37.5
""")
MeanSquaredLogarithmicError = _wrapper_class(
    "MeanSquaredLogarithmicError", mean_squared_logarithmic_error, "mean_squared_logarithmic_error", """\
Running mean squared logarithmic error.

    Example:
        >>> m = MeanSquaredLogarithmicError()
        >>> m.update_state([[0.0]], [[1.0]])
        >>> round(float(m.result()), 6)
        0.480453
""")
Hinge = _wrapper_class("Hinge", hinge, "hinge", """\
Running mean hinge loss.

    Example:
        >>> m = Hinge()
        >>> m.update_state([[0.0, 1.0]], [[0.5, 0.5]])
        >>> float(m.result())
        1.0
""")
SquaredHinge = _wrapper_class("SquaredHinge", squared_hinge, "squared_hinge", """\
Running mean squared hinge loss.

    Example:
        >>> m = SquaredHinge()
        >>> m.update_state([[0.0, 1.0]], [[0.5, 0.5]])
        >>> float(m.result())
        1.25
""")
CategoricalHinge = _wrapper_class("CategoricalHinge", _losses.categorical_hinge, "categorical_hinge", """\
Running mean categorical hinge loss.

    Example:
        >>> m = CategoricalHinge()
        >>> m.update_state([[0.0, 1.0]], [[0.3, 0.6]])
        >>> round(float(m.result()), 6)
        0.7
""")
KLDivergence = _wrapper_class("KLDivergence", kl_divergence, "kullback_leibler_divergence", """\
Running mean Kullback-Leibler divergence.

    Example:
        >>> m = KLDivergence()
        >>> m.update_state([[0.5, 0.5]], [[0.25, 0.75]])
        >>> round(float(m.result()), 6)
        0.143841
""")
Poisson = _wrapper_class("Poisson", poisson, "poisson", """\
Running mean Poisson loss.

    Example:
        >>> m = Poisson()
        >>> m.update_state([[1.0]], [[2.0]])
        >>> round(float(m.result()), 6)
        1.306853
""")
LogCoshError = _wrapper_class("LogCoshError", log_cosh, "logcosh", """\
Running mean of log(cosh(error)).

    Example:
        >>> m = LogCoshError()
        >>> m.update_state([[0.0, 0.0]], [[1.0, -1.0]])
        >>> round(float(m.result()), 6)
        0.433781
""")
BinaryCrossentropy = _wrapper_class(
    "BinaryCrossentropy", binary_crossentropy, "binary_crossentropy", """\
Running mean binary crossentropy (sigmoid outputs use their hidden logits, as in Keras).

    Example:
        >>> m = BinaryCrossentropy()
        >>> m.update_state([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])
        >>> round(float(m.result()), 4)
        0.8149
""", extra=(("from_logits", False), ("label_smoothing", 0)))
CategoricalCrossentropy = _wrapper_class(
    "CategoricalCrossentropy", categorical_crossentropy, "categorical_crossentropy", """\
Running mean categorical crossentropy.

    Example:
        >>> m = CategoricalCrossentropy()
        >>> m.update_state([[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
        >>> round(float(m.result()), 4)
        1.1769
""", extra=(("from_logits", False), ("label_smoothing", 0), ("axis", -1)))
SparseCategoricalCrossentropy = _wrapper_class(
    "SparseCategoricalCrossentropy", sparse_categorical_crossentropy, "sparse_categorical_crossentropy", """\
Running mean sparse categorical crossentropy.

    Example:
        >>> m = SparseCategoricalCrossentropy()
        >>> m.update_state([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
        >>> round(float(m.result()), 4)
        1.1769
""", extra=(("from_logits", False), ("ignore_class", None), ("axis", -1)))


@register_builtin("metric", "cosine_proximity")
def cosine_similarity(y_true, y_pred, axis=-1):
    """Cosine similarity of labels and predictions along `axis` (1 for the same direction: the loss's negative).

    Example:
        >>> cosine_similarity([[0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0]]).numpy().round(6)
        array([0., 1.], dtype=float32)
    """
    return _m.negative(_losses.cosine_similarity(y_true, y_pred, axis=axis))


cosine_proximity = cosine_similarity
CosineSimilarity = _wrapper_class("CosineSimilarity", cosine_similarity, "cosine_similarity", """\
Running mean cosine similarity between labels and predictions.

    Example:
        >>> m = CosineSimilarity()
        >>> m.update_state([[0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0]])
        >>> round(float(m.result()), 6)
        0.5
""", extra=(("axis", -1),))


@register_builtin("metric")
class RootMeanSquaredError(Mean):
    """Square root of the running mean squared error.

    Example:
        >>> m = RootMeanSquaredError()
        >>> m.update_state([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [0.0, 0.0]])
        >>> float(m.result())
        0.5
    """

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        yt = _np(y_true).astype(self._dtype, copy=False)
        yp = _np(y_pred).astype(self._dtype, copy=False)
        yp, yt = squeeze_or_expand_dimensions(yp, yt)
        super().update_state(np.square(yp - yt), sample_weight=sample_weight)

    def result(self):
        return _result(np.sqrt(_divide_no_nan(self.total.array, self.count.array)), self._dtype)


@register_builtin("metric")
class MeanRelativeError(Mean):
    """Running mean of `|y_true - y_pred| / normalizer` (zero where the normalizer is zero).

    Example:
        >>> m = MeanRelativeError(normalizer=[1, 3, 2, 3])
        >>> m.update_state([1, 3, 2, 3], [2, 4, 6, 8])
        >>> float(m.result())
        1.25
    """

    def __init__(self, normalizer, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.normalizer = _np(normalizer).astype(self._dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        yt = _np(y_true).astype(self._dtype, copy=False)
        yp = _np(y_pred).astype(self._dtype, copy=False)
        yp, yt = squeeze_or_expand_dimensions(yp, yt)
        yp, normalizer = remove_squeezable_dimensions(yp, self.normalizer)
        if yp.shape != yt.shape:
            raise ValueError(f"MeanRelativeError: shapes {yp.shape} and {yt.shape} are incompatible")
        super().update_state(_divide_no_nan(np.abs(yt - yp), normalizer), sample_weight=sample_weight)

    def get_config(self):
        return {**super().get_config(), "normalizer": self.normalizer.tolist()}


@register_builtin("metric")
class MeanTensor(Metric):
    """Element-wise running (weighted) mean of tensors of a fixed shape.

    Example:
        >>> m = MeanTensor()
        >>> m.update_state([0, 1, 2, 3])
        >>> m.update_state([4, 5, 6, 7])
        >>> m.result().numpy()
        array([2., 3., 4., 5.], dtype=float32)
    """

    def __init__(self, name="mean_tensor", dtype=None, shape=None):
        super().__init__(name=name, dtype=dtype)
        self._shape = None
        self._built = False
        if shape is not None:
            self._build(tuple(shape))

    def _build(self, shape):
        self._shape = tuple(shape)
        self._total = self.add_weight("total", shape=shape)
        self._count = self.add_weight("count", shape=shape)
        self._built = True

    @property
    def total(self):
        return self._total if self._built else None

    @property
    def count(self):
        return self._count if self._built else None

    def update_state(self, values, sample_weight=None):
        values = _np(values).astype(self._dtype, copy=False)
        if not self._built:
            self._build(values.shape)
        elif values.shape != self._shape:
            raise ValueError("MeanTensor input values must always have the same shape. Expected shape (set during "
                             f"the first call): {self._shape}. Got: {values.shape}.")
        num_values = np.ones_like(values)
        if sample_weight is not None:
            sw = _np(sample_weight).astype(self._dtype, copy=False)
            values, _, sw = squeeze_or_expand_dimensions(values, None, sw)
            try:
                sw = _broadcast_weights(sw, values)
            except ValueError:
                values = values.mean(axis=tuple(range(sw.ndim, values.ndim)))
            num_values = num_values * sw
            values = values * sw
        self._total.array += values
        self._count.array += num_values

    def result(self):
        if not self._built:
            raise ValueError("MeanTensor does not have any value yet. Please call the MeanTensor instance or use "
                             "`.update_state(value)` before retrieving the result.")
        return _result(_divide_no_nan(self._total.array, self._count.array), self._dtype)

    def reset_state(self):
        for v in self._metric_weights:
            v.array[...] = 0

    def get_config(self):
        return {**super().get_config(), "shape": None if self._shape is None else list(self._shape)}


# --------------------------------------------------------------------------- confusion-matrix metrics
def _parse_thresholds(thresholds, default):
    if thresholds is None:
        return [float(default)]
    thresholds = list(thresholds) if isinstance(thresholds, (list, tuple, np.ndarray)) else [thresholds]
    bad = [t for t in thresholds if t is None or t < 0 or t > 1]
    if bad:
        raise ValueError(f"Threshold values must be in [0, 1]. Received: {bad}")
    return [float(t) for t in thresholds]


def _evenly_distributed(thresholds):
    n = len(thresholds)
    if n < 3:
        return False
    even = np.arange(n, dtype=np.float32) / (n - 1)
    return bool(np.allclose(np.asarray(thresholds), even, atol=config.epsilon()))


def _filter_top_k(x, k):
    order = np.argsort(-x, axis=-1, kind="stable")[..., :k]
    mask = np.zeros(x.shape, dtype=bool)
    np.put_along_axis(mask, order, True, axis=-1)
    return np.where(mask, x, np.asarray(NEG_INF, dtype=x.dtype))


def _confusion_counts(y_true, y_pred, thresholds, weights, evenly, with_epsilon):
    """(tp, fp, total_true, total_false) per threshold; inputs are flat 1-D float arrays."""
    pos = y_true.astype(bool)
    w = np.ones(y_pred.shape, dtype=np.float64) if weights is None else weights.astype(np.float64)
    true_w = np.where(pos, w, 0.0)
    false_w = np.where(pos, 0.0, w)
    n = len(thresholds)
    if evenly:
        # TensorFlow's bucketed fast path: prediction p is above threshold i iff i <= ceil(p*(n-1)) - 1.
        p = np.clip(y_pred, 0.0, 1.0)
        buckets = np.ceil(p * np.asarray(n - 1, dtype=p.dtype)) - 1
        if with_epsilon:
            buckets = np.maximum(buckets, 0)
        buckets = buckets.astype(np.int64)
        keep = buckets >= 0
        tp_b = np.bincount(buckets[keep], weights=true_w[keep], minlength=n)[:n]
        fp_b = np.bincount(buckets[keep], weights=false_w[keep], minlength=n)[:n]
        tp = np.cumsum(tp_b[::-1])[::-1]
        fp = np.cumsum(fp_b[::-1])[::-1]
    else:
        order = np.argsort(y_pred, kind="stable")
        sorted_pred = y_pred[order]
        # suffix sums: weight of predictions at sorted position >= j
        tp_suffix = np.concatenate([np.cumsum(true_w[order][::-1])[::-1], [0.0]])
        fp_suffix = np.concatenate([np.cumsum(false_w[order][::-1])[::-1], [0.0]])
        idx = np.searchsorted(sorted_pred, np.asarray(thresholds, dtype=y_pred.dtype), side="right")
        tp, fp = tp_suffix[idx], fp_suffix[idx]
    return tp, fp, true_w.sum(), false_w.sum()


def update_confusion_matrix_variables(variables_to_update, y_true, y_pred, thresholds, top_k=None, class_id=None,
                                      sample_weight=None, multi_label=False, label_weights=None,
                                      thresholds_distributed_evenly=False):
    """Add true/false positive/negative counts at each threshold to the given variables.

    `variables_to_update` maps 'tp', 'fp', 'tn', 'fn' to Variables of shape `(len(thresholds),)`
    (or `(len(thresholds), num_labels)` with `multi_label=True`). A prediction counts as positive
    when it is strictly greater than the threshold.
    """
    if not variables_to_update:
        return
    invalid = [k for k in variables_to_update if k not in ("tp", "fp", "tn", "fn")]
    if invalid:
        raise ValueError(f'Invalid keys: "{invalid}". Valid variable key options are: "tp", "fp", "tn", "fn"')
    dtype = next(iter(variables_to_update.values())).dtype
    yt = _np(y_true).astype(dtype, copy=False)
    yp = _np(y_pred).astype(dtype, copy=False)
    sw = None if sample_weight is None else _np(sample_weight).astype(dtype, copy=False)
    if sw is None:
        yp, yt = squeeze_or_expand_dimensions(yp, yt)
    else:
        yp, yt, sw = squeeze_or_expand_dimensions(yp, yt, sw)
    if yp.shape != yt.shape:
        raise ValueError(f"Shapes {yp.shape} and {yt.shape} are incompatible: `y_pred` and `y_true` must have "
                         "the same shape for confusion-matrix metrics")
    if top_k is not None:
        yp = _filter_top_k(yp, top_k)
    if class_id is not None:
        yt = yt[..., class_id, None]
        yp = yp[..., class_id, None]
    thresholds = np.asarray(thresholds, dtype=np.float64)
    with_eps = bool(thresholds_distributed_evenly and (thresholds[0] < 0 or thresholds[-1] > 1))
    weights = None
    if sw is not None:
        try:
            weights = _broadcast_weights(sw, yp) if sw.ndim == 0 or sw.ndim == yp.ndim else \
                np.broadcast_to(sw, yp.shape)
        except ValueError:
            raise ValueError(f"`sample_weight` of shape {np.shape(sample_weight)} cannot be broadcast to "
                             f"predictions of shape {yp.shape}") from None
    if label_weights is not None and not multi_label:
        lw = np.broadcast_to(np.asarray(label_weights, dtype=dtype), yp.shape)
        weights = lw if weights is None else weights * lw
    thr = thresholds.astype(dtype)
    if multi_label:
        if yp.ndim != 2:
            raise ValueError(f"`y_pred` must have rank 2 when `multi_label=True`. Found rank {yp.ndim}.")
        cols = [_confusion_counts(yt[:, j], yp[:, j], thr, None if weights is None else weights[:, j],
                                  thresholds_distributed_evenly, with_eps) for j in range(yp.shape[1])]
        tp = np.stack([c[0] for c in cols], axis=1)
        fp = np.stack([c[1] for c in cols], axis=1)
        total_true = np.array([c[2] for c in cols])
        total_false = np.array([c[3] for c in cols])
    else:
        tp, fp, total_true, total_false = _confusion_counts(
            yt.reshape(-1), yp.reshape(-1), thr, None if weights is None else weights.reshape(-1),
            thresholds_distributed_evenly, with_eps)
    values = {"tp": tp, "fp": fp, "tn": total_false - fp, "fn": total_true - tp}
    for key, var in variables_to_update.items():
        var.array += values[key].astype(var.dtype)


class _ConfusionMatrixConditionCount(Metric):
    _condition = None

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = _parse_thresholds(thresholds, 0.5)
        self._thresholds_distributed_evenly = _evenly_distributed(self.thresholds)
        self.accumulator = self.add_weight("accumulator", shape=(len(self.thresholds),), initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        update_confusion_matrix_variables({self._condition: self.accumulator}, y_true, y_pred, self.thresholds,
                                          thresholds_distributed_evenly=self._thresholds_distributed_evenly,
                                          sample_weight=sample_weight)

    def result(self):
        acc = self.accumulator.array
        return _result(acc[0] if len(self.thresholds) == 1 else acc.copy(), self._dtype)

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds}


@register_builtin("metric")
class TruePositives(_ConfusionMatrixConditionCount):
    """Weighted count of true positives (prediction > threshold and label true).

    Example:
        >>> m = TruePositives()
        >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
        >>> float(m.result())
        2.0
    """

    _condition = "tp"


@register_builtin("metric")
class FalsePositives(_ConfusionMatrixConditionCount):
    """Weighted count of false positives.

    Example:
        >>> m = FalsePositives()
        >>> m.update_state([0, 1, 0, 0], [0, 0, 1, 1])
        >>> float(m.result())
        2.0
    """

    _condition = "fp"


@register_builtin("metric")
class TrueNegatives(_ConfusionMatrixConditionCount):
    """Weighted count of true negatives.

    Example:
        >>> m = TrueNegatives()
        >>> m.update_state([0, 1, 0, 0], [1, 1, 0, 0])
        >>> float(m.result())
        2.0
    """

    _condition = "tn"


@register_builtin("metric")
class FalseNegatives(_ConfusionMatrixConditionCount):
    """Weighted count of false negatives.

    Example:
        >>> m = FalseNegatives()
        >>> m.update_state([0, 1, 1, 1], [0, 1, 0, 0])
        >>> float(m.result())
        2.0
    """

    _condition = "fn"


class _PrecisionRecallBase(Metric):
    _second = None  # "fp" for precision, "fn" for recall

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        self.thresholds = _parse_thresholds(thresholds, 0.5 if top_k is None else NEG_INF)
        self._thresholds_distributed_evenly = _evenly_distributed(self.thresholds)
        n = len(self.thresholds)
        self.true_positives = self.add_weight("true_positives", shape=(n,), initializer="zeros")
        second = self.add_weight("false_positives" if self._second == "fp" else "false_negatives", shape=(n,),
                                 initializer="zeros")
        setattr(self, "false_positives" if self._second == "fp" else "false_negatives", second)
        self._second_var = second

    def update_state(self, y_true, y_pred, sample_weight=None):
        update_confusion_matrix_variables({"tp": self.true_positives, self._second: self._second_var}, y_true,
                                          y_pred, self.thresholds, top_k=self.top_k, class_id=self.class_id,
                                          sample_weight=sample_weight,
                                          thresholds_distributed_evenly=self._thresholds_distributed_evenly)

    def result(self):
        tp = self.true_positives.array
        res = _divide_no_nan(tp, tp + self._second_var.array)
        return _result(res[0] if len(self.thresholds) == 1 else res, self._dtype)

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds, "top_k": self.top_k,
                "class_id": self.class_id}


@register_builtin("metric")
class Precision(_PrecisionRecallBase):
    """Precision `tp / (tp + fp)` at `thresholds` (one value per threshold), optionally for the top k or one class.

    Example:
        >>> m = Precision()
        >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
        >>> round(float(m.result()), 6)
        0.666667
    """

    _second = "fp"


@register_builtin("metric")
class Recall(_PrecisionRecallBase):
    """Recall `tp / (tp + fn)` at `thresholds`, optionally for the top k or one class.

    Example:
        >>> m = Recall()
        >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
        >>> round(float(m.result()), 6)
        0.666667
    """

    _second = "fn"


class SensitivitySpecificityBase(Metric):
    """Shared state of the "X at fixed Y" metrics: tp, tn, fp, fn at `num_thresholds` thresholds in [0, 1]."""

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        if num_thresholds <= 0:
            raise ValueError(f"Argument `num_thresholds` must be an integer > 0. Received: num_thresholds="
                             f"{num_thresholds}")
        self.value = value
        self.class_id = class_id
        self.true_positives = self.add_weight("true_positives", shape=(num_thresholds,), initializer="zeros")
        self.true_negatives = self.add_weight("true_negatives", shape=(num_thresholds,), initializer="zeros")
        self.false_positives = self.add_weight("false_positives", shape=(num_thresholds,), initializer="zeros")
        self.false_negatives = self.add_weight("false_negatives", shape=(num_thresholds,), initializer="zeros")
        if num_thresholds == 1:
            self.thresholds = [0.5]
            self._thresholds_distributed_evenly = False
        else:
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self.thresholds = [0.0] + inner + [1.0]
            self._thresholds_distributed_evenly = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        update_confusion_matrix_variables(
            {"tp": self.true_positives, "tn": self.true_negatives, "fp": self.false_positives,
             "fn": self.false_negatives}, y_true, y_pred, self.thresholds, class_id=self.class_id,
            sample_weight=sample_weight, thresholds_distributed_evenly=self._thresholds_distributed_evenly)

    def _rates(self):
        tp, tn = self.true_positives.array, self.true_negatives.array
        fp, fn = self.false_positives.array, self.false_negatives.array
        return {"sensitivity": _divide_no_nan(tp, tp + fn), "specificity": _divide_no_nan(tn, tn + fp),
                "precision": _divide_no_nan(tp, tp + fp)}

    def _find_max_under_constraint(self, constrained, dependent):
        feasible = constrained >= self.value
        return _result(np.max(dependent[feasible]) if np.any(feasible) else 0.0, self._dtype)

    def get_config(self):
        return {**super().get_config(), "class_id": self.class_id}


@register_builtin("metric")
class SensitivityAtSpecificity(SensitivitySpecificityBase):
    """Best sensitivity (recall) among thresholds whose specificity is >= `specificity`.

    Example:
        >>> m = SensitivityAtSpecificity(0.5)
        >>> m.update_state([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8])
        >>> float(m.result())
        0.5
    """

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        if specificity < 0 or specificity > 1:
            raise ValueError(f"Argument `specificity` must be in the range [0, 1]. Received: specificity="
                             f"{specificity}")
        self.specificity = specificity
        self.num_thresholds = num_thresholds
        super().__init__(specificity, num_thresholds=num_thresholds, class_id=class_id, name=name, dtype=dtype)

    def result(self):
        r = self._rates()
        return self._find_max_under_constraint(r["specificity"], r["sensitivity"])

    def get_config(self):
        return {**super().get_config(), "num_thresholds": self.num_thresholds, "specificity": self.specificity}


@register_builtin("metric")
class SpecificityAtSensitivity(SensitivitySpecificityBase):
    """Best specificity among thresholds whose sensitivity is >= `sensitivity`.

    Example:
        >>> m = SpecificityAtSensitivity(0.5)
        >>> m.update_state([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8])
        >>> round(float(m.result()), 6)
        0.666667
    """

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        if sensitivity < 0 or sensitivity > 1:
            raise ValueError(f"Argument `sensitivity` must be in the range [0, 1]. Received: sensitivity="
                             f"{sensitivity}")
        self.sensitivity = sensitivity
        self.num_thresholds = num_thresholds
        super().__init__(sensitivity, num_thresholds=num_thresholds, class_id=class_id, name=name, dtype=dtype)

    def result(self):
        r = self._rates()
        return self._find_max_under_constraint(r["sensitivity"], r["specificity"])

    def get_config(self):
        return {**super().get_config(), "num_thresholds": self.num_thresholds, "sensitivity": self.sensitivity}


@register_builtin("metric")
class PrecisionAtRecall(SensitivitySpecificityBase):
    """Best precision among thresholds whose recall is >= `recall`.

    Example:
        >>> m = PrecisionAtRecall(0.5)
        >>> m.update_state([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8])
        >>> float(m.result())
        0.5
    """

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        if recall < 0 or recall > 1:
            raise ValueError(f"Argument `recall` must be in the range [0, 1]. Received: recall={recall}")
        self.recall = recall
        self.num_thresholds = num_thresholds
        super().__init__(recall, num_thresholds=num_thresholds, class_id=class_id, name=name, dtype=dtype)

    def result(self):
        r = self._rates()
        return self._find_max_under_constraint(r["sensitivity"], r["precision"])

    def get_config(self):
        return {**super().get_config(), "num_thresholds": self.num_thresholds, "recall": self.recall}


@register_builtin("metric")
class RecallAtPrecision(SensitivitySpecificityBase):
    """Best recall among thresholds whose precision is >= `precision`.

    Example:
        >>> m = RecallAtPrecision(0.8)
        >>> m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
        >>> float(m.result())
        0.5
    """

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        if precision < 0 or precision > 1:
            raise ValueError(f"Argument `precision` must be in the range [0, 1]. Received: precision={precision}")
        self.precision = precision
        self.num_thresholds = num_thresholds
        super().__init__(precision, num_thresholds=num_thresholds, class_id=class_id, name=name, dtype=dtype)

    def result(self):
        r = self._rates()
        return self._find_max_under_constraint(r["precision"], r["sensitivity"])

    def get_config(self):
        return {**super().get_config(), "num_thresholds": self.num_thresholds, "precision": self.precision}


_CURVES = {"roc": "ROC", "pr": "PR", "pr_gain": "PR_GAIN", "prgain": "PR_GAIN"}
_SUMMATIONS = ("interpolation", "majoring", "minoring")


@register_builtin("metric")
class AUC(Metric):
    """Area under the ROC or PR curve, from confusion counts at `num_thresholds` thresholds.

    Thresholds are `[-eps, 1/(n-1), ..., (n-2)/(n-1), 1+eps]`; a prediction is positive when it
    exceeds a threshold. ROC areas use the trapezoid rule, PR areas Davis & Goadrich interpolation.

    Args:
        num_thresholds: number of thresholds (default 200).
        curve: 'ROC' or 'PR' (or 'PR_GAIN').
        summation_method: 'interpolation', 'majoring' or 'minoring'.
        name, dtype: see `Metric`.
        thresholds: explicit thresholds in [0, 1] (0-eps and 1+eps are added).
        multi_label: one curve per label column, averaged (optionally by `label_weights`).
        num_labels: number of label columns when `multi_label=True` (else inferred on first update).
        label_weights: per-label weights.
        from_logits: apply a sigmoid to predictions first.

    Example:
        >>> m = AUC()
        >>> m.update_state([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
        >>> round(float(m.result()), 6)
        0.75
    """

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation", name=None, dtype=None,
                 thresholds=None, multi_label=False, num_labels=None, label_weights=None, from_logits=False):
        curve_key = str(getattr(curve, "value", curve))
        if curve_key.lower() not in _CURVES:
            raise ValueError(f'Invalid AUC curve value: "{curve}". Expected values are ["PR", "ROC", "PR_GAIN"]')
        summation = str(getattr(summation_method, "value", summation_method)).lower()
        if summation not in _SUMMATIONS:
            raise ValueError(f'Invalid AUC summation method value: "{summation_method}". Expected values are '
                             '["interpolation", "majoring", "minoring"]')
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            thresholds = sorted(float(t) for t in thresholds)
            self.num_thresholds = len(thresholds) + 2
            self._thresholds_distributed_evenly = _evenly_distributed([0.0] + thresholds + [1.0])
        else:
            if num_thresholds <= 1:
                raise ValueError(f"Argument `num_thresholds` must be an integer > 1. Received: num_thresholds="
                                 f"{num_thresholds}")
            self.num_thresholds = int(num_thresholds)
            thresholds = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._thresholds_distributed_evenly = True
        eps = config.epsilon()
        self._thresholds = np.array([0.0 - eps] + thresholds + [1.0 + eps])
        self.curve = _CURVES[curve_key.lower()]
        self.summation_method = summation
        super().__init__(name=name, dtype=dtype)
        self.multi_label = multi_label
        self.num_labels = num_labels
        if label_weights is not None:
            label_weights = np.asarray(label_weights, dtype=self._dtype)
            if np.any(label_weights < 0):
                raise ValueError("All values of `label_weights` must be non-negative.")
        self.label_weights = label_weights
        self._from_logits = from_logits
        self._built = False
        if multi_label:
            if num_labels:
                self._build(num_labels)
        else:
            if num_labels:
                raise ValueError("`num_labels` is needed only when `multi_label` is True.")
            self._build(None)

    @property
    def thresholds(self):
        return list(self._thresholds)

    def _build(self, num_labels):
        shape = (self.num_thresholds, num_labels) if self.multi_label else (self.num_thresholds,)
        self._num_labels = num_labels
        self.true_positives = self.add_weight("true_positives", shape=shape, initializer="zeros")
        self.true_negatives = self.add_weight("true_negatives", shape=shape, initializer="zeros")
        self.false_positives = self.add_weight("false_positives", shape=shape, initializer="zeros")
        self.false_negatives = self.add_weight("false_negatives", shape=shape, initializer="zeros")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        yp = _np(y_pred).astype(self._dtype, copy=False)
        if not self._built:
            if yp.ndim != 2:
                raise ValueError(f"`y_pred` must have rank 2 when `multi_label=True`. Found rank {yp.ndim}. "
                                 f"Full shape received for `y_pred`: {yp.shape}")
            self._build(yp.shape[1])
        if self._from_logits:
            yp = (1.0 / (1.0 + np.exp(-yp))).astype(self._dtype)
        update_confusion_matrix_variables(
            {"tp": self.true_positives, "tn": self.true_negatives, "fp": self.false_positives,
             "fn": self.false_negatives}, y_true, yp, self._thresholds,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly, sample_weight=sample_weight,
            multi_label=self.multi_label, label_weights=None if self.multi_label else self.label_weights)

    def _average_labels(self, by_label):
        if self.label_weights is None:
            return np.mean(by_label)
        return _divide_no_nan(np.sum(by_label * self.label_weights), np.sum(self.label_weights))

    def interpolate_pr_auc(self):
        """Davis & Goadrich interpolation of the precision-recall curve."""
        n = self.num_thresholds
        tp, fp, fn = self.true_positives.array, self.false_positives.array, self.false_negatives.array
        dtp = tp[: n - 1] - tp[1:]
        p = tp + fp
        dp = p[: n - 1] - p[1:]
        prec_slope = _divide_no_nan(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - prec_slope * p[1:]
        safe_p_ratio = np.where((p[: n - 1] > 0) & (p[1:] > 0), _divide_no_nan(p[: n - 1], np.maximum(p[1:], 0)),
                                np.ones_like(p[1:]))
        with np.errstate(divide="ignore", invalid="ignore"):
            numerator = prec_slope * (dtp + intercept * np.log(safe_p_ratio))
        increments = _divide_no_nan(numerator, np.maximum(tp[1:] + fn[1:], 0))
        if self.multi_label:
            return self._average_labels(np.sum(increments, axis=0))
        return np.sum(increments)

    def result(self):
        if self.curve == "PR" and self.summation_method == "interpolation":
            return _result(self.interpolate_pr_auc(), self._dtype)
        n = self.num_thresholds
        tp, tn = self.true_positives.array, self.true_negatives.array
        fp, fn = self.false_positives.array, self.false_negatives.array
        recall = _divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = _divide_no_nan(fp, fp + tn), recall
        elif self.curve == "PR":
            x, y = recall, _divide_no_nan(tp, tp + fp)
        else:  # PR_GAIN
            scaling = _divide_no_nan(tp + fn, fp + tn)
            recall_gain = np.maximum(np.where(tp == 0, 0.0, 1.0 - scaling * _divide_no_nan(fn, tp)), 0.0)
            precision_gain = np.where(tp == 0, 1.0, 1.0 - scaling * _divide_no_nan(fp, tp))
            x, y = recall_gain.astype(self._dtype), precision_gain.astype(self._dtype)
        if self.summation_method == "interpolation":
            heights = (y[: n - 1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = np.minimum(y[: n - 1], y[1:])
        else:
            heights = np.maximum(y[: n - 1], y[1:])
        terms = (x[: n - 1] - x[1:]) * heights
        if self.multi_label:
            return _result(self._average_labels(np.sum(terms, axis=0)), self._dtype)
        return _result(np.sum(terms), self._dtype)

    def reset_state(self):
        for v in self._metric_weights:
            v.array[...] = 0

    def get_config(self):
        label_weights = None if self.label_weights is None else self.label_weights.tolist()
        config = {"num_thresholds": self.num_thresholds, "curve": self.curve,
                  "summation_method": self.summation_method, "multi_label": self.multi_label,
                  "num_labels": self.num_labels, "label_weights": label_weights, "from_logits": self._from_logits}
        if self._init_from_thresholds:
            config["thresholds"] = [float(t) for t in self.thresholds[1:-1]]
        return {**super().get_config(), **config}


# --------------------------------------------------------------------------- F-scores, IoU, R2
@register_builtin("metric")
class FBetaScore(Metric):
    """F-beta score `(1 + beta**2) * p * r / (beta**2 * p + r)` per class, or averaged.

    Args:
        average: None (per class), 'micro', 'macro' or 'weighted'.
        beta: a positive Python float.
        threshold: predictions above it are positive; None takes the row-wise maximum as positive.

    Example:
        >>> m = FBetaScore(beta=2.0, threshold=0.5)
        >>> m.update_state([[1, 1, 1], [1, 0, 0], [1, 1, 0]], [[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]])
        >>> np.round(m.result().numpy(), 4)
        array([0.3846, 0.9091, 0.8333], dtype=float32)
    """

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError("Invalid `average` argument value. Expected one of: {None, 'micro', 'macro', "
                             f"'weighted'}}. Received: average={average}")
        if not isinstance(beta, float):
            raise ValueError(f"Invalid `beta` argument value. It should be a Python float. Received: beta={beta} "
                             f"of type '{type(beta)}'")
        if beta <= 0.0:
            raise ValueError(f"Invalid `beta` argument value. It should be > 0. Received: beta={beta}")
        if threshold is not None:
            if not isinstance(threshold, float):
                raise ValueError("Invalid `threshold` argument value. It should be a Python float. Received: "
                                 f"threshold={threshold} of type '{type(threshold)}'")
            if threshold > 1.0 or threshold <= 0.0:
                raise ValueError("Invalid `threshold` argument value. It should verify 0 < threshold <= 1. "
                                 f"Received: threshold={threshold}")
        self.average = average
        self.beta = beta
        self.threshold = threshold
        self.axis = None if average == "micro" else 0
        self.built = False

    def build(self, y_true_shape, y_pred_shape):
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
            raise ValueError(f"{type(self).__name__} expects 2D inputs with shape (batch_size, output_dim). "
                             f"Received input shapes: y_pred.shape={y_pred_shape} and y_true.shape={y_true_shape}.")
        shape = (y_pred_shape[-1],) if self.average != "micro" else ()
        self.true_positives = self.add_weight("true_positives", shape=shape)
        self.false_positives = self.add_weight("false_positives", shape=shape)
        self.false_negatives = self.add_weight("false_negatives", shape=shape)
        self.intermediate_weights = self.add_weight("intermediate_weights", shape=shape)
        self.built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        yt = _np(y_true).astype(self._dtype, copy=False)
        yp = _np(y_pred).astype(self._dtype, copy=False)
        if not self.built:
            self.build(yt.shape, yp.shape)
        if self.threshold is None:
            pred = (yp >= np.max(yp, axis=-1, keepdims=True)) & (np.abs(yp) > 1e-9)
        else:
            pred = yp > self.threshold
        pred = pred.astype(self._dtype)
        sw = None if sample_weight is None else _np(sample_weight).astype(self._dtype)
        if sw is not None and sw.ndim == 2 and sw.shape[1] == 1:
            sw = sw[:, 0]  # the (n, 1) weights compile passes (tf_keras raises a shape error on them)

        def weighted_sum(val):
            if sw is not None:
                val = val * sw.reshape(sw.shape + (1,))
            return np.sum(val, axis=self.axis, dtype=self._dtype)

        self.true_positives.array += weighted_sum(pred * yt)
        self.false_positives.array += weighted_sum(pred * (1 - yt))
        self.false_negatives.array += weighted_sum((1 - pred) * yt)
        self.intermediate_weights.array += weighted_sum(yt)

    def result(self):
        if not self.built:
            return _result(0.0, self._dtype)
        tp, fp, fn = self.true_positives.array, self.false_positives.array, self.false_negatives.array
        precision = _divide_no_nan(tp, tp + fp)
        recall = _divide_no_nan(tp, tp + fn)
        beta_sq = np.asarray(self.beta, self._dtype) ** 2
        f = _divide_no_nan(precision * recall, beta_sq * precision + recall) * (1 + beta_sq)
        if self.average == "weighted":
            w = self.intermediate_weights.array
            f = np.sum(f * _divide_no_nan(w, np.sum(w)))
        elif self.average is not None:
            f = np.mean(f)
        return _result(f, self._dtype)

    def reset_state(self):
        for v in self._metric_weights:
            v.array[...] = 0

    def get_config(self):
        return {**super().get_config(), "average": self.average, "beta": self.beta, "threshold": self.threshold}


@register_builtin("metric")
class F1Score(FBetaScore):
    """F1 score (FBetaScore with beta = 1).

    Example:
        >>> m = F1Score(threshold=0.5)
        >>> m.update_state([[1, 1, 1], [1, 0, 0], [1, 1, 0]], [[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]])
        >>> np.round(m.result().numpy(), 4)
        array([0.5   , 0.8   , 0.6667], dtype=float32)
    """

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config


class _IoUBase(Metric):
    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        super().__init__(name=name, dtype=dtype)
        self.num_classes = int(num_classes)
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis
        self.total_cm = self.add_weight("total_confusion_matrix", shape=(self.num_classes, self.num_classes),
                                        initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        yt, yp = _np(y_true), _np(y_pred)
        if not self.sparse_y_true:
            yt = np.argmax(yt, axis=self.axis)
        if not self.sparse_y_pred:
            yp = np.argmax(yp, axis=self.axis)
        yt = yt.astype(self._dtype).reshape(-1)
        yp = yp.astype(self._dtype).reshape(-1)
        sw = None if sample_weight is None else np.broadcast_to(_np(sample_weight, self._dtype).reshape(-1)
                                                                if np.ndim(sample_weight) else
                                                                _np(sample_weight, self._dtype), yt.shape)
        if self.ignore_class is not None:
            valid = yt != self.ignore_class
            yt, yp = yt[valid], yp[valid]
            sw = None if sw is None else sw[valid]
        if yt.shape != yp.shape:
            raise ValueError(f"{type(self).__name__}: labels ({yt.size} values) and predictions ({yp.size} values) "
                             "must have the same number of elements")
        labels, preds = yt.astype(np.int64), yp.astype(np.int64)
        c = self.num_classes
        bad = (labels < 0) | (labels >= c) | (preds < 0) | (preds >= c)
        if np.any(bad):
            bad_labels, bad_preds = np.unique(labels[bad]).tolist()[:5], np.unique(preds[bad]).tolist()[:5]
            raise ValueError(f"{type(self).__name__}: class ids must be in [0, {c}); received labels {bad_labels} "
                             f"/ predictions {bad_preds}")
        cm = np.bincount(labels * c + preds, weights=sw, minlength=c * c).reshape(c, c)
        self.total_cm.array += cm.astype(self._dtype)

    def reset_state(self):
        self.total_cm.array[...] = 0


@register_builtin("metric")
class IoU(_IoUBase):
    """Intersection-over-union averaged over `target_class_ids`: `tp / (tp + fp + fn)` per class.

    Example:
        >>> m = IoU(num_classes=2, target_class_ids=[0])
        >>> m.update_state([0, 0, 1, 1], [0, 1, 0, 1])
        >>> round(float(m.result()), 6)
        0.333333
    """

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        super().__init__(num_classes=num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred, axis=axis)
        if max(target_class_ids) >= num_classes:
            raise ValueError(f"Target class id {max(target_class_ids)} is out of range, which is [0, {num_classes}).")
        self.target_class_ids = list(target_class_ids)

    def result(self):
        cm = self.total_cm.array
        sum_over_row = cm.sum(axis=0)
        sum_over_col = cm.sum(axis=1)
        tp = np.diagonal(cm)
        denominator = (sum_over_row + sum_over_col - tp)[self.target_class_ids]
        tp = tp[self.target_class_ids]
        num_valid = np.sum(denominator != 0).astype(self._dtype)
        iou = _divide_no_nan(tp, denominator)
        return _result(_divide_no_nan(np.sum(iou), num_valid), self._dtype)

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes, "target_class_ids": self.target_class_ids,
                "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


@register_builtin("metric")
class MeanIoU(IoU):
    """Mean intersection-over-union over all `num_classes` classes.

    Example:
        >>> m = MeanIoU(num_classes=2)
        >>> m.update_state([0, 0, 1, 1], [0, 1, 0, 1])
        >>> round(float(m.result()), 6)
        0.333333
    """

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True, sparse_y_pred=True,
                 axis=-1):
        super().__init__(num_classes=num_classes, target_class_ids=list(range(num_classes)), name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred,
                         axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self._dtype,
                "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


@register_builtin("metric")
class BinaryIoU(IoU):
    """IoU for binary predictions thresholded at `threshold` (prediction >= threshold is class 1).

    Example:
        >>> m = BinaryIoU(target_class_ids=[0, 1], threshold=0.3)
        >>> m.update_state([0, 1, 0, 1], [0.1, 0.2, 0.4, 0.7])
        >>> round(float(m.result()), 6)
        0.333333
    """

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(num_classes=2, target_class_ids=target_class_ids, name=name, dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true, y_pred, sample_weight=None):
        yp = (_np(y_pred).astype(self._dtype) >= self.threshold).astype(self._dtype)
        super().update_state(y_true, yp, sample_weight)

    def get_config(self):
        return {"target_class_ids": self.target_class_ids, "threshold": self.threshold, "name": self.name,
                "dtype": self._dtype}


@register_builtin("metric")
class OneHotIoU(IoU):
    """IoU with one-hot labels (and, unless `sparse_y_pred=True`, class-score predictions)."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None, sparse_y_pred=False,
                 axis=-1):
        super().__init__(num_classes=num_classes, target_class_ids=target_class_ids, name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "target_class_ids": self.target_class_ids, "name": self.name,
                "dtype": self._dtype, "ignore_class": self.ignore_class, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}


@register_builtin("metric")
class OneHotMeanIoU(MeanIoU):
    """Mean IoU with one-hot labels (and, unless `sparse_y_pred=True`, class-score predictions)."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_pred=False, axis=-1):
        super().__init__(num_classes=num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self._dtype,
                "ignore_class": self.ignore_class, "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


@register_builtin("metric")
class R2Score(Metric):
    """Coefficient of determination, per output column then aggregated.

    Args:
        class_aggregation: 'uniform_average', 'variance_weighted_average' or None (per column).
        num_regressors: for the adjusted R2 score (0: plain R2).

    Example:
        >>> m = R2Score()
        >>> m.update_state([[1.0], [4.0], [3.0]], [[2.0], [4.0], [4.0]])
        >>> round(float(m.result()), 6)
        0.571429
    """

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        if class_aggregation not in (None, "uniform_average", "variance_weighted_average"):
            raise ValueError("Invalid value for argument `class_aggregation`. Expected one of (None, "
                             f"'uniform_average', 'variance_weighted_average'). Received: class_aggregation="
                             f"{class_aggregation}")
        if num_regressors < 0:
            raise ValueError(f"Invalid value for argument `num_regressors`. Expected a value >= 0. Received: "
                             f"num_regressors={num_regressors}")
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors
        self.num_samples = self.add_weight(name="num_samples", dtype="int32")
        self.built = False

    def build(self, y_true_shape, y_pred_shape):
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
            raise ValueError("R2Score expects 2D inputs with shape (batch_size, output_dim). Received input shapes: "
                             f"y_pred.shape={y_pred_shape} and y_true.shape={y_true_shape}.")
        n = y_pred_shape[-1]
        self.squared_sum = self.add_weight(name="squared_sum", shape=(n,))
        self.sum = self.add_weight(name="sum", shape=(n,))
        self.total_mse = self.add_weight(name="residual", shape=(n,))
        self.count = self.add_weight(name="count", shape=(n,))
        self.built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        yt = _np(y_true).astype(self._dtype, copy=False)
        yp = _np(y_pred).astype(self._dtype, copy=False)
        if not self.built:
            self.build(yt.shape, yp.shape)
        sw = np.asarray(1.0 if sample_weight is None else _np(sample_weight), dtype=self._dtype)
        if sw.ndim == 1:
            sw = sw[:, None]
        sw = np.broadcast_to(sw, yt.shape)
        weighted = yt * sw
        self.sum.array += weighted.sum(axis=0)
        self.squared_sum.array += (yt * weighted).sum(axis=0)
        self.total_mse.array += ((yt - yp) ** 2 * sw).sum(axis=0)
        self.count.array += sw.sum(axis=0)
        self.num_samples.array += yt.size

    def result(self):
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = self.sum.array / self.count.array
            total = self.squared_sum.array - self.sum.array * mean
            raw = 1 - self.total_mse.array / total
        raw = np.where(np.isinf(raw), 0.0, raw).astype(self._dtype)
        if self.class_aggregation == "uniform_average":
            score = np.mean(raw)
        elif self.class_aggregation == "variance_weighted_average":
            score = np.sum(total * raw) / np.sum(total)
        else:
            score = raw
        if self.num_regressors:
            n, p = int(self.num_samples.array), self.num_regressors
            if p > n - 1:
                warn("More independent predictors than datapoints in adjusted R2 score. Falling back to "
                     "standard R2 score.")
            elif p == n - 1:
                warn("Division by zero in Adjusted R2 score. Falling back to standard R2 score.")
            else:
                score = 1.0 - (1.0 - score) * (n - 1.0) / (n - p - 1.0)
        return _result(score, self._dtype)

    def reset_state(self):
        for v in self._metric_weights:
            v.array[...] = 0

    def get_config(self):
        return {**super().get_config(), "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}


# --------------------------------------------------------------------------- get / serialize / resolve
def serialize(metric, use_legacy_format=False):
    """The config dict of a `Metric`, or the name of a metric function.

    Example:
        >>> serialize(AUC())["class_name"]
        'AUC'
        >>> serialize(binary_accuracy)
        'binary_accuracy'
    """
    if metric is None:
        return None
    if isinstance(metric, Metric):
        if use_legacy_format:
            return {"class_name": get_registered_name(type(metric)), "config": metric.get_config()}
        return serialize_keras_object(metric)
    if callable(metric):
        return get_registered_name(metric)
    raise ValueError(f"Could not serialize metric {metric!r}: expected a `Metric` or a metric function")


def deserialize(config, custom_objects=None, use_legacy_format=False):
    """The metric named by a string or described by a `{"class_name", "config"}` dict.

    Example:
        >>> deserialize("mse") is mean_squared_error
        True
        >>> deserialize({"class_name": "AUC", "config": {"name": "auc_x"}}).name
        'auc_x'
    """
    obj = deserialize_keras_object(config, "metric", custom_objects=custom_objects,
                                   printable_module_name="metric function")
    if isinstance(obj, type):
        return obj()
    return obj


def get(identifier):
    """Resolve a metric: a name ('mae', 'AUC'), a config dict, a `Metric` or a function.

    Example:
        >>> get("binary_accuracy") is binary_accuracy
        True
        >>> type(get("AUC")).__name__
        'AUC'
    """
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret metric identifier: {identifier!r}")


def _shape(x):
    if x is None:
        return None
    if isinstance(x, (tuple, list)) and all(d is None or isinstance(d, (int, np.integer)) for d in x):
        return tuple(x)
    return tuple(np.shape(x))


def _loss_kind(loss_fn):
    """'binary', 'sparse', 'categorical' or None, from a loss identifier (fallback when shapes are unknown)."""
    if loss_fn is None:
        return None
    fn = getattr(loss_fn, "fn", loss_fn)
    name = fn if isinstance(fn, str) else getattr(fn, "__name__", type(fn).__name__)
    name = _to_snake_case(name) if name and name[0].isupper() else name
    for kind, key in (("sparse", "sparse_categorical"), ("categorical", "categorical"), ("binary", "binary")):
        if key in str(name):
            return kind
    return None


def resolve_metric(identifier, y_true_shape=None, y_pred_shape=None, loss_fn=None):
    """Turn an item of `compile(metrics=[...])` into a `Metric` object, as Keras 2 does.

    'accuracy'/'acc' and 'crossentropy'/'ce' are resolved from the OUTPUT SHAPES (Keras 2's rule):
    binary when `y_pred` has a last axis of 1; sparse when `y_true` has lower rank than `y_pred`
    or a last axis of 1 while `y_pred`'s is > 1; categorical otherwise. `loss_fn` is only consulted
    when a shape is unknown. A string keeps the user's spelling as the metric's name ('acc' stays
    `acc`); a function is wrapped in `MeanMetricWrapper` named after it; a `Metric` is returned as is.

    Args:
        identifier: a string, a function, a `Loss`, a `Metric` instance or class, or a config dict.
        y_true_shape, y_pred_shape: shapes (or sample arrays) of one output's targets and predictions.
        loss_fn: the compiled loss of that output (optional fallback).

    Example:
        >>> m = resolve_metric("acc", (32, 1), (32, 1))
        >>> m.name, m._fn is binary_accuracy
        ('acc', True)
        >>> resolve_metric("accuracy", (32,), (32, 10))._fn is sparse_categorical_accuracy
        True
    """
    if identifier is None:
        return None
    if isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc", "crossentropy", "ce"):
        fn = _resolve_by_shapes(identifier.lower(), _shape(y_true_shape), _shape(y_pred_shape), loss_fn)
        return MeanMetricWrapper(fn, name=identifier)
    obj = get(identifier) if not isinstance(identifier, Metric) else identifier
    if isinstance(obj, type) and issubclass(obj, Metric):
        obj = obj()
    if isinstance(obj, Metric):
        return obj
    if isinstance(obj, _losses.Loss):
        obj._allow_sum_over_batch_size = True
        return MeanMetricWrapper(obj, name=obj.name or _to_snake_case(type(obj).__name__))
    if not callable(obj):
        raise ValueError(f"Metric should be a callable, received: {identifier!r}")
    name = identifier if isinstance(identifier, str) else getattr(obj, "__name__", None)
    if name is None or name == "<lambda>":
        name = name or _to_snake_case(type(obj).__name__)
    return MeanMetricWrapper(obj, name=name)


def _resolve_by_shapes(kind, yt_shape, yp_shape, loss_fn):
    if yt_shape is not None and yp_shape is not None and len(yp_shape) > 0:
        yt_last = yt_shape[-1] if yt_shape else None
        yp_last = yp_shape[-1]
        is_binary = yp_last == 1
        is_sparse = len(yt_shape) < len(yp_shape) or (yt_last == 1 and yp_last is not None and yp_last > 1)
        category = "binary" if is_binary else "sparse" if is_sparse else "categorical"
    else:
        category = _loss_kind(loss_fn) or "categorical"
    if kind in ("accuracy", "acc"):
        return {"binary": binary_accuracy, "sparse": sparse_categorical_accuracy,
                "categorical": categorical_accuracy}[category]
    return {"binary": binary_crossentropy, "sparse": sparse_categorical_crossentropy,
            "categorical": categorical_crossentropy}[category]


def clone_metric(metric):
    """A new, reset copy of a `Metric` (made from its config); a metric function is returned as it is.

    Example:
        >>> m = MeanSquaredError(name="mse_a")
        >>> copy = clone_metric(m)
        >>> copy is not m and copy.name == "mse_a"
        True
    """
    if isinstance(metric, Metric):
        return metric.__class__.from_config(metric.get_config())
    return metric


def clone_metrics(metrics):
    """`clone_metric` of each metric of a list or dict (None stays None)."""
    if metrics is None:
        return None
    if isinstance(metrics, dict):
        return {key: clone_metric(value) for key, value in metrics.items()}
    return [clone_metric(metric) for metric in metrics]


# Calls on symbolic (Keras) tensors become graph nodes named "keras.metrics.<name>" (see backend/dispatch.py).
_dispatch.dispatch_registered(globals(), "keras.metrics", _builtin_objects("metric"))
