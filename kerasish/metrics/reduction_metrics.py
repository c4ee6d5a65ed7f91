"""Metrics that reduce values over batches: `Sum`, `Mean`, `MeanTensor`, and `MeanMetricWrapper` (the
running mean of a per-sample function), with the factory of the loss-based metric classes.

Example:
    >>> from kerasish.metrics import Sum
    >>> s = Sum()
    >>> s.update_state([1.0, 2.0, 3.0])
    >>> float(s.result())
    6.0
"""
import numpy as np

from .. import losses as _losses
from ..backend.tape import no_recording
from ..backend.tensor import Tensor
from ..losses import squeeze_or_expand_dimensions
from ..utils.serialization import get_registered_name, register_builtin
from .metric import Metric, _divide_no_nan, _np, _result, get


# --------------------------------------------------------------------------- reductions
# Metric functions with a fast numpy kernel (function -> kernel on arrays), filled where the functions are
# defined (accuracy_metrics.py): MeanMetricWrapper calls the kernel on arrays directly.
NUMPY_KERNELS = {}


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
        >>> from kerasish.metrics import mean_absolute_error
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
        kernel = NUMPY_KERNELS.get(self._fn)
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
