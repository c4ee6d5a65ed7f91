"""`EarlyStopping`: stop training when a monitored quantity has stopped improving.

Example:
    >>> from kerasish.callbacks import EarlyStopping
    >>> EarlyStopping(monitor="val_loss", patience=2).patience
    2
"""
import numpy as np

from ..backend.user_warnings import warn
from ..utils.serialization import register_builtin
from .callback import Callback, _print, _to_python


# ----------------------------------------------------------------------------- EarlyStopping
@register_builtin("callback")
class EarlyStopping(Callback):
    """Stop training when a monitored metric has stopped improving.

    Rules (tf_keras's): an epoch improves when `op(current - min_delta, best)` (`min_delta` takes
    the sign of the mode); `wait` counts epochs since the last improvement and training stops when
    `wait >= patience` (never after epoch 0). With a `baseline`, `wait` only resets once the value
    also beats the baseline. `restore_best_weights` restores the best epoch's weights at the end of
    training, even when training was not stopped early.

    Args:
        monitor: the logged quantity to watch (default 'val_loss').
        min_delta: the smallest change that counts as an improvement.
        patience: epochs without improvement before stopping.
        verbose: 1 prints "Epoch N: early stopping" and the restore message.
        mode: 'auto' (max for names ending in 'acc', 'accuracy' or 'auc', else min), 'min' or 'max'.
        baseline: a value the metric must beat for the waiting to restart.
        restore_best_weights: put back the weights of the best epoch when training ends.
        start_from_epoch: epochs of warm-up during which nothing is monitored.

    Example:
        >>> es = EarlyStopping(monitor="val_accuracy", min_delta=0.01, patience=1)
        >>> es.monitor_op.__name__, es.min_delta
        ('greater', 0.01)
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto", baseline=None,
                 restore_best_weights=False, start_from_epoch=0):
        super().__init__()
        self.monitor = monitor
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.min_delta = abs(min_delta)
        self.wait = 0
        self.stopped_epoch = 0
        self.restore_best_weights = restore_best_weights
        self.best_weights = None
        self.start_from_epoch = start_from_epoch
        self.best_epoch = 0
        if mode not in ("auto", "min", "max"):
            warn(f"EarlyStopping mode {mode} is unknown, fallback to auto mode.")
            mode = "auto"
        self.mode = mode
        if mode == "min":
            self.monitor_op = np.less
        elif mode == "max":
            self.monitor_op = np.greater
        elif str(monitor).endswith(("acc", "accuracy", "auc")):
            self.monitor_op = np.greater
        else:
            self.monitor_op = np.less
        if self.monitor_op is np.less:
            self.min_delta *= -1
        self.best = np.inf if self.monitor_op is np.less else -np.inf

    def on_train_begin(self, logs=None):
        # Allow instances to be re-used.
        self.wait = 0
        self.stopped_epoch = 0
        self.best = np.inf if self.monitor_op is np.less else -np.inf
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            # Even if no epoch ever improves, restore the weights of the first monitored epoch.
            self.best_weights = self.model.get_weights()
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            # Only restart waiting if the value beats both the baseline and the previous best.
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            _print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                _print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)

    def get_monitor_value(self, logs):
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is None:
            warn(f"Early stopping conditioned on metric `{self.monitor}` which is not available. "
                 f"Available metrics are: {','.join(list(logs.keys()))}")
            return None
        return _to_python(value)

    def _is_improvement(self, monitor_value, reference_value):
        return bool(self.monitor_op(monitor_value - self.min_delta, reference_value))
