"""Regression metrics: the loss functions that are metric functions too (`mse`, `mae`, ...), their classes
(`MeanSquaredError`, ...), `CosineSimilarity`, `RootMeanSquaredError`, `MeanRelativeError` and `R2Score`.

Example:
    >>> from kerasish.metrics import MeanAbsoluteError
    >>> m = MeanAbsoluteError()
    >>> m.update_state([[0.0, 1.0]], [[1.0, 3.0]])
    >>> float(m.result())
    1.5
"""
import numpy as np

from .. import losses as _losses
from ..backend.ops import math as _m
from ..backend.user_warnings import warn
from ..losses import (
    binary_crossentropy, binary_focal_crossentropy, categorical_crossentropy, categorical_focal_crossentropy, hinge,
    kl_divergence, log_cosh, mean_absolute_error, mean_absolute_percentage_error, mean_squared_error,
    mean_squared_logarithmic_error, poisson, sparse_categorical_crossentropy, squared_hinge,
    squeeze_or_expand_dimensions, remove_squeezable_dimensions)
from ..backend import dispatch as _dispatch
from ..utils.serialization import builtin_objects as _builtin_objects
from ..utils.serialization import register_builtin
from .metric import Metric, _divide_no_nan, _np, _result
from .reduction_metrics import Mean, _wrapper_class


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
LogCoshError = _wrapper_class("LogCoshError", log_cosh, "logcosh", """\
Running mean of log(cosh(error)).

    Example:
        >>> m = LogCoshError()
        >>> m.update_state([[0.0, 0.0]], [[1.0, -1.0]])
        >>> round(float(m.result()), 6)
        0.433781
""")


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


# Calls on symbolic (Keras) tensors become graph nodes named "keras.metrics.<name>" (see backend/dispatch.py).
_dispatch.dispatch_registered(globals(), "keras.metrics", _builtin_objects("metric"))
