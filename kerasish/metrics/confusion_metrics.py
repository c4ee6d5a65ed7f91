"""Confusion-matrix metrics: true/false positive/negative counts, `Precision`, `Recall`, the
sensitivity/specificity family and `AUC`, all computed from counts at thresholds.

Example:
    >>> from kerasish.metrics import Precision
    >>> m = Precision()
    >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    >>> round(float(m.result()), 4)
    0.6667
"""
import numpy as np

from ..backend import config
from ..losses import squeeze_or_expand_dimensions
from ..utils.serialization import register_builtin
from .metric import Metric, _divide_no_nan, _np, _result
from .reduction_metrics import _broadcast_weights


# A prediction value below every threshold (used to mask out predictions outside the top k).
NEG_INF = -1e10


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
