"""F-scores: `FBetaScore` and `F1Score` (per class or averaged, from thresholded predictions).

Example:
    >>> import numpy as np
    >>> from kerasish.metrics import F1Score
    >>> m = F1Score(threshold=0.5)
    >>> m.update_state(np.array([[1, 0], [0, 1]], "float32"), np.array([[0.9, 0.2], [0.3, 0.8]], "float32"))
    >>> m.result().numpy().tolist()
    [1.0, 1.0]
"""
import numpy as np

from ..utils.serialization import register_builtin
from .metric import Metric, _divide_no_nan, _np, _result


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
