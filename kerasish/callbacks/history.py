"""The callbacks that gather the logs of an epoch: `History` (every `fit` has one: `model.history`) and
Keras 2's `BaseLogger` (epoch averages of the batch logs).

Example:
    >>> from kerasish.callbacks import History
    >>> h = History()
    >>> h.on_train_begin()
    >>> h.on_epoch_end(0, {"loss": 0.5})
    >>> h.history["loss"]
    [0.5]
"""
from ..utils.metric_logs import MetricLogs
from ..utils.serialization import register_builtin
from .callback import Callback, _to_python


# --------------------------------------------------------------------------------- History
@register_builtin("callback")
class History(Callback):
    """Records every epoch's logs; `fit` returns it (and sets `model.history` to it).

    Attributes:
        history: dict of lists, one value per epoch for each logged metric; it also answers the
            metric names of Keras 2.0-2.2 (`history.history["val_acc"]` for `val_accuracy`).
        epoch: the epoch indices that ran.

    Example:
        >>> h = History()
        >>> class _M: pass
        >>> h.set_model(_M())
        >>> h.on_train_begin()
        >>> h.on_epoch_end(0, {"loss": 0.5})
        >>> h.history, h.epoch
        ({'loss': [0.5]}, [0])
    """

    def __init__(self):
        super().__init__()
        self.history = MetricLogs()
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.epoch.append(epoch)
        for k, v in logs.items():
            self.history.setdefault(k, []).append(_to_python(v))
        # Set on the model after each epoch so the attribute always holds the latest state.
        if self.model is not None:
            self.model.history = self


@register_builtin("callback")
class BaseLogger(Callback):
    """Keras 2's epoch averager: averages the batch values of `params["metrics"]` (weighted by `size`).

    Keras 2.0-2.3 added one to every `fit` to turn batch values into epoch values. kerasish's `fit`
    computes the epoch values itself (and, like tf.keras, passes no `metrics` in `params`), so this
    changes nothing unless given those params; it is kept for code that creates or subclasses it.

    Args:
        stateful_metrics: names of metrics whose last batch value is their epoch value.

    Example:
        >>> logger = BaseLogger()
        >>> logger.set_params({"metrics": ["loss"]})
        >>> logger.on_epoch_begin(0)
        >>> logger.on_batch_end(0, {"loss": 1.0, "size": 2}); logger.on_batch_end(1, {"loss": 4.0, "size": 1})
        >>> logs = {}
        >>> logger.on_epoch_end(0, logs)
        >>> logs
        {'loss': 2.0}
    """

    def __init__(self, stateful_metrics=None):
        super().__init__()
        self.stateful_metrics = set(stateful_metrics or [])
        self.seen = 0
        self.totals = {}

    def on_epoch_begin(self, epoch, logs=None):
        self.seen = 0
        self.totals = {}

    def on_batch_end(self, batch, logs=None):
        logs = logs or {}
        batch_size = logs.get("size", 0)
        self.seen += batch_size * logs.get("num_steps", 1)
        for key, value in logs.items():
            if key in self.stateful_metrics:
                self.totals[key] = value
            elif key not in ("batch", "size", "num_steps"):
                self.totals[key] = self.totals.get(key, 0) + value * batch_size

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        for key in self.params.get("metrics", ()):
            if key in self.totals:
                logs[key] = self.totals[key] if key in self.stateful_metrics else self.totals[key] / self.seen
