"""What `compile` sets up: per-output losses with weights, and per-output metrics with Keras's names.

Both containers are built lazily on the first batch, because resolving `"accuracy"` needs the
shapes of the targets and predictions (Keras 2 decides binary/categorical/sparse from shapes).

Example:
    >>> import numpy as np
    >>> from kerasish.models.compile_utils import LossesContainer
    >>> container = LossesContainer("mse", output_names=["out"])
    >>> float(container(np.zeros((2, 1), "float32"), np.ones((2, 1), "float32")))
    1.0
"""
import numpy as np

from .. import losses as losses_module
from .. import metrics as metrics_module
from ..backend import config
from ..backend.ops import math as m
from ..backend.tensor import Tensor


def _per_output(value, output_names, what, allow_single=True):
    """Spread a single value, list or dict over the outputs (None where nothing applies)."""
    n = len(output_names)
    if isinstance(value, dict):
        unknown = [k for k in value if k not in output_names]
        if unknown:
            raise ValueError(f"Unknown entries in {what} dictionary: {unknown}. Only expected the following keys: "
                             f"{output_names}")
        return [value.get(name) for name in output_names]
    flat_metric_list = what == "metrics" and not any(isinstance(v, (list, tuple, dict)) for v in value) \
        if isinstance(value, (list, tuple)) else False
    if isinstance(value, (list, tuple)) and not flat_metric_list:
        if len(value) != n:
            raise ValueError(f"When passing a list as {what}, it should have one entry per model output. The model "
                             f"has {n} outputs, but you passed {what}={value!r}")
        return list(value)
    if not allow_single and n > 1:
        raise ValueError(f"{what} must be a list or dict for a model with {n} outputs")
    return [value] * n


class LossTracker(metrics_module.Mean):
    """A `Mean` with a fast path for the one thing fit feeds it: a float weighted by the batch size."""

    def update_state(self, values, sample_weight=None):
        if type(values) is float and type(sample_weight) is int:
            self.total.array += values * sample_weight
            self.count.array += sample_weight
        else:
            super().update_state(values, sample_weight)

    def result(self):
        count = float(self.count.array)
        return Tensor(np.asarray(float(self.total.array) / count if count else 0.0, dtype=self.total.dtype))


class LossesContainer:
    """The compiled loss: Σ loss_weight_i · loss_i(y_true_i, y_pred_i) with Keras 2 reductions."""

    def __init__(self, loss, loss_weights=None, output_names=None):
        self.output_names = list(output_names or ["output_1"])
        self._user_loss = loss
        self._user_weights = loss_weights
        per_output = _per_output(loss, self.output_names, "loss")
        self.loss_fns = [losses_module.get(l) if l is not None else None for l in per_output]
        for name, fn in zip(self.output_names, self.loss_fns):
            if fn is not None and isinstance(fn, losses_module.Loss) is False and not callable(fn):
                raise ValueError(f"Could not interpret loss for output {name}: {fn!r}")
        # Loss objects resolved once here, so a training step only calls them.
        self._loss_objs = [losses_module.resolve_loss(l) if l is not None else None for l in per_output]
        if loss_weights is None:
            self.loss_weights = [1.0] * len(self.output_names)
        else:
            self.loss_weights = [1.0 if w is None else float(w) for w in
                                 _per_output(loss_weights, self.output_names, "loss_weights")]
        self.loss_tracker = LossTracker(name="loss")
        multi = len(self.output_names) > 1
        self.per_output_trackers = [LossTracker(name=f"{n}_loss") if multi and fn is not None else None
                                    for n, fn in zip(self.output_names, self.loss_fns)]

    @property
    def metrics(self):
        return [self.loss_tracker] + [t for t in self.per_output_trackers if t is not None]

    def __call__(self, y_true, y_pred, sample_weight=None, regularization_losses=None):
        """Total loss as a Tensor; also updates the loss trackers (weighted by batch size)."""
        y_trues = y_true if isinstance(y_true, (list, tuple)) else [y_true]
        y_preds = y_pred if isinstance(y_pred, (list, tuple)) else [y_pred]
        sws = sample_weight if isinstance(sample_weight, (list, tuple)) else [sample_weight] * len(y_preds)
        total = None
        batch = None
        for i, (fn, w) in enumerate(zip(self._loss_objs, self.loss_weights)):
            if fn is None:
                continue
            yt, yp = y_trues[i], y_preds[i]
            if yt is None:
                continue
            yt, yp, sw = match_dtype_and_rank(_array(yt), yp, sws[i])
            batch = yt.shape[0] if yt.ndim else 1
            value = fn(yt, yp, sample_weight=sw)
            tracker = self.per_output_trackers[i]
            if tracker is not None:
                tracker.update_state(_value(value), sample_weight=batch)
            weighted = value if w == 1.0 else m.multiply(value, w)
            total = weighted if total is None else m.add(total, weighted)
        if regularization_losses:
            reg = regularization_losses[0]
            for r in regularization_losses[1:]:
                reg = m.add(reg, r)
            total = reg if total is None else m.add(total, reg)
        if total is None:
            total = Tensor(np.zeros((), dtype="float32"))
        self.loss_tracker.update_state(_value(total), sample_weight=batch if batch is not None else 1)
        return total

    def reset_state(self):
        for metric in self.metrics:
            metric.reset_state()


def match_dtype_and_rank(y_true, y_pred, sample_weight):
    """Align one output's targets and sample weights with its predictions, as Keras 2 does before every loss
    and metric (tf_keras `compile_utils.match_dtype_and_rank`).

    1-D targets (and weights) of a 2-D prediction gain a trailing axis, so per-sample values stay per
    sample: without it, `mse` of `(n,)` targets against `(n, 1)` predictions would average over the
    batch. Float targets of a float prediction (int of int) take the prediction's dtype; weights always do.

    Example:
        >>> import numpy as np
        >>> y, _, w = match_dtype_and_rank(np.zeros(4), np.zeros((4, 1), "float32"), np.ones(4))
        >>> y.shape, y.dtype.name, w.shape
        ((4, 1), 'float32', (4, 1))
    """
    pred_ndim, pred_dtype = y_pred.ndim, y_pred.dtype
    if isinstance(y_true, Tensor):
        y_true = y_true.array
    if y_true.ndim == 1 and pred_ndim == 2:
        y_true = y_true[:, None]
    kinds = y_true.dtype.kind + pred_dtype.kind
    if y_true.dtype != pred_dtype and (kinds == "ff" or (kinds[0] in "iu" and kinds[1] in "iu")):
        y_true = y_true.astype(pred_dtype)
    if sample_weight is not None:
        if isinstance(sample_weight, Tensor):
            sample_weight = sample_weight.array
        sample_weight = np.asarray(sample_weight)
        if sample_weight.ndim == 1 and pred_ndim == 2:
            sample_weight = sample_weight[:, None]
        if sample_weight.dtype != pred_dtype:
            sample_weight = sample_weight.astype(pred_dtype)
    return y_true, y_pred, sample_weight


def _value(t):
    """A loss value for the trackers: a float, or the per-sample array of a `reduction="none"` loss (whose
    tracked mean, weighted by the batch size as Keras does, is then the mean over samples)."""
    a = t.array if isinstance(t, Tensor) else np.asarray(t)
    return float(a) if a.ndim == 0 else a


class MetricsContainer:
    """Compiled metrics per output, resolved (and named) on the first batch."""

    def __init__(self, metrics=None, weighted_metrics=None, output_names=None, loss_fns=None):
        self.output_names = list(output_names or ["output_1"])
        self._user_metrics = metrics
        self._user_weighted = weighted_metrics
        self._loss_fns = loss_fns or [None] * len(self.output_names)
        self.built = False
        self.metric_objs = []  # list per output of metric objects
        with config.fresh_uids():  # a throwaway object must not use up a name
            for spec in _as_list(metrics) + _as_list(weighted_metrics):
                for item in (_as_list(spec) if not isinstance(spec, dict) else
                             [v for vs in spec.values() for v in _as_list(vs)]):
                    # names are checked now, so a typo fails at compile rather than on the first batch
                    if isinstance(item, str) and item.lower() not in ("accuracy", "acc", "crossentropy", "ce"):
                        metrics_module.get(item)
        self.weighted_objs = []

    def build(self, y_true, y_pred):
        y_trues = y_true if isinstance(y_true, (list, tuple)) else [y_true]
        y_preds = y_pred if isinstance(y_pred, (list, tuple)) else [y_pred]
        multi = len(self.output_names) > 1
        taken = set()

        def make(spec_list, i, weighted):
            out = []
            for spec in _as_list(spec_list):
                if spec is None:
                    continue
                if multi and isinstance(spec, metrics_module.Metric):
                    spec = _copy_metric(spec)  # one metric per output, as tf.keras (the user's stays unused)
                metric = metrics_module.resolve_metric(
                    spec, np.shape(y_trues[i]) if y_trues[i] is not None else np.shape(y_preds[i]),
                    tuple(y_preds[i].shape), loss_fn=self._loss_fns[i])
                base = metric.name
                name = f"{self.output_names[i]}_{base}" if multi else base
                if weighted and name in taken:  # Keras prefixes a weighted metric only when the name clashes
                    name = f"{self.output_names[i]}_weighted_{base}" if multi else "weighted_" + base
                unique = name
                k = 1
                while unique in taken:
                    unique = f"{name}_{k}"
                    k += 1
                taken.add(unique)
                metric._name = unique
                out.append(metric)
            return out

        metrics_per_output = _per_output(self._user_metrics, self.output_names, "metrics") \
            if self._user_metrics is not None else [None] * len(self.output_names)
        weighted_per_output = _per_output(self._user_weighted, self.output_names, "metrics") \
            if self._user_weighted is not None else [None] * len(self.output_names)
        # Keras builds these metrics inside the first traced step, whose graph counts names afresh
        with config.fresh_uids():
            self.metric_objs = [make(metrics_per_output[i], i, False) for i in range(len(self.output_names))]
            self.weighted_objs = [make(weighted_per_output[i], i, True) for i in range(len(self.output_names))]
        self.built = True

    @property
    def metrics(self):
        out = []
        for per_output, weighted in zip(self.metric_objs, self.weighted_objs):
            out.extend(per_output)
            out.extend(weighted)
        return out

    def update_state(self, y_true, y_pred, sample_weight=None):
        if not self.built:
            self.build(y_true, y_pred)
        y_trues = y_true if isinstance(y_true, (list, tuple)) else [y_true]
        y_preds = y_pred if isinstance(y_pred, (list, tuple)) else [y_pred]
        sws = sample_weight if isinstance(sample_weight, (list, tuple)) else [sample_weight] * len(y_preds)
        for i, (plain, weighted) in enumerate(zip(self.metric_objs, self.weighted_objs)):
            if y_trues[i] is None or not (plain or weighted):
                continue
            yt, yp, sw = match_dtype_and_rank(_array(y_trues[i]), y_preds[i], sws[i])
            mask = losses_module._get_mask(yp)
            if mask is not None:  # Keras weights every metric by the output's mask
                mask = mask.astype(yp.dtype)
                if sw is not None:
                    mask, _, sw = losses_module.squeeze_or_expand_dimensions(mask, sample_weight=sw)
                    sw = sw * mask
                else:
                    sw = mask
            for metric in plain:
                metric.update_state(yt, yp, sample_weight=mask)
            for metric in weighted:
                metric.update_state(yt, yp, sample_weight=sw)

    def reset_state(self):
        for metric in self.metrics:
            metric.reset_state()


def _copy_metric(metric):
    try:
        return metrics_module.clone_metric(metric)
    except (TypeError, ValueError, NotImplementedError):  # a custom metric without a complete config
        import copy

        return copy.deepcopy(metric)


def _array(value):
    """A target as an array (Tensors unwrapped, lists converted)."""
    if isinstance(value, Tensor):
        return value.array
    return value if isinstance(value, np.ndarray) else np.asarray(value)


def _as_list(value):
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]
