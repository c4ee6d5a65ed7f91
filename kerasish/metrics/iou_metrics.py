"""Intersection-over-union metrics: `IoU`, `MeanIoU`, `BinaryIoU`, `OneHotIoU` and `OneHotMeanIoU`, from a
confusion matrix accumulated over batches.

Example:
    >>> from kerasish.metrics import MeanIoU
    >>> m = MeanIoU(num_classes=2)
    >>> m.update_state([0, 0, 1, 1], [0, 1, 0, 1])
    >>> round(float(m.result()), 4)
    0.3333
"""
import numpy as np

from ..utils.serialization import register_builtin
from .metric import Metric, _divide_no_nan, _np, _result


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
