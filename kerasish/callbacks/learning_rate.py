"""Learning-rate callbacks: `LearningRateScheduler` (a schedule of the epoch) and `ReduceLROnPlateau`
(divide the rate when a monitored quantity stalls). Both read and write `model.optimizer.learning_rate`.

Example:
    >>> from kerasish.callbacks import ReduceLROnPlateau
    >>> ReduceLROnPlateau(factor=0.5, patience=3).factor
    0.5
"""
import inspect

import numpy as np

from ..backend.tensor import Tensor
from ..backend.user_warnings import warn
from ..utils.serialization import register_builtin
from .callback import Callback, _print, _to_python


def _get_learning_rate(model) -> float:
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None:
        raise ValueError("The model has no optimizer: compile it before using a learning-rate callback")
    if hasattr(optimizer, "learning_rate"):
        lr = optimizer.learning_rate
    elif hasattr(optimizer, "lr"):
        lr = optimizer.lr
    else:
        raise ValueError('Optimizer must have a "learning_rate" attribute.')
    if isinstance(lr, Tensor):
        lr = lr.array
    return float(np.asarray(lr))


def _set_learning_rate(model, value: float) -> None:
    optimizer = model.optimizer
    if hasattr(optimizer, "learning_rate"):
        optimizer.learning_rate = float(value)
    else:
        optimizer.lr = float(value)


# ---------------------------------------------------------------------- learning-rate control
@register_builtin("callback")
class LearningRateScheduler(Callback):
    """Set the optimizer's learning rate at the start of each epoch from `schedule`.

    Args:
        schedule: `schedule(epoch, lr) -> new_lr` (epoch from 0, lr the current rate as a float), or
            the older `schedule(epoch) -> new_lr`.
        verbose: 1 prints the new rate every epoch.

    The epoch's logs get an `lr` entry (as in tf_keras), so History records the rate.

    Example:
        >>> sched = LearningRateScheduler(lambda epoch, lr: lr * 0.5)
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        if not callable(schedule):
            raise TypeError(f"LearningRateScheduler: `schedule` must be callable; received: {schedule!r}")
        self.schedule = schedule
        self.verbose = verbose
        self._takes_lr = self._accepts_two_args(schedule)

    @staticmethod
    def _accepts_two_args(fn):
        try:
            inspect.signature(fn).bind(0, 0.0)
            return True
        except TypeError:
            return False
        except ValueError:  # no signature (some builtins): try both ways at call time
            return None

    def on_epoch_begin(self, epoch, logs=None):
        lr = _get_learning_rate(self.model)
        if self._takes_lr is None:
            try:
                lr = self.schedule(epoch, lr)
            except TypeError:  # the older one-argument form
                lr = self.schedule(epoch)
        elif self._takes_lr:
            lr = self.schedule(epoch, lr)
        else:
            lr = self.schedule(epoch)
        lr = _to_python(lr)
        if isinstance(lr, bool) or not isinstance(lr, (float, int)):
            raise ValueError(f'The output of the "schedule" function should be float. Got: {lr!r}')
        _set_learning_rate(self.model, float(lr))
        if self.verbose > 0:
            _print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {lr}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["lr"] = np.float32(_get_learning_rate(self.model))  # the float32 tf_keras logs: CSV shows 0.05


@register_builtin("callback")
class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by `factor` when a metric has not improved for `patience` epochs.

    Adds `lr` to each epoch's logs (as tf_keras does).

    Args:
        monitor: the logged quantity to watch (default 'val_loss').
        factor: the multiplier, < 1 (default 0.1).
        patience: epochs without improvement before reducing (default 10).
        verbose: 1 prints a line at each reduction.
        mode: 'auto' (max when 'acc' is in the name, else min), 'min' or 'max'.
        min_delta: the smallest change that counts as an improvement (default 1e-4).
        cooldown: epochs to wait after a reduction before counting again.
        min_lr: the learning rate never goes below this.

    Example:
        >>> ReduceLROnPlateau(factor=0.5, patience=2).factor
        0.5
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto", min_delta=1e-4,
                 cooldown=0, min_lr=0, **kwargs):
        super().__init__()
        self.monitor = monitor
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0. Got {factor}")
        if "epsilon" in kwargs:
            min_delta = kwargs.pop("epsilon")
            warn("`epsilon` argument is deprecated and will be removed, use `min_delta` instead.")
        if kwargs:
            raise TypeError(f"ReduceLROnPlateau: unrecognized keyword arguments: {sorted(kwargs)}")
        self.factor = factor
        self.min_lr = min_lr
        self.min_delta = min_delta
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.cooldown_counter = 0
        self.wait = 0
        self.best = 0
        self.mode = mode
        self.monitor_op = None
        self._reset()

    def _reset(self):
        if self.mode not in ("auto", "min", "max"):
            warn(f"Learning rate reduction mode {self.mode} is unknown, fallback to auto mode.")
            self.mode = "auto"
        if self.mode == "min" or (self.mode == "auto" and "acc" not in self.monitor):
            self.monitor_op = lambda a, b: np.less(a, b - self.min_delta)
            self.best = np.inf
        else:
            self.monitor_op = lambda a, b: np.greater(a, b + self.min_delta)
            self.best = -np.inf
        self.cooldown_counter = 0
        self.wait = 0

    def on_train_begin(self, logs=None):
        self._reset()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        logs["lr"] = np.float32(_get_learning_rate(self.model))  # the float32 tf_keras logs: CSV shows 0.05
        current = logs.get(self.monitor)
        if current is None:
            warn(f"Learning rate reduction is conditioned on metric `{self.monitor}` which is not "
                 f"available. Available metrics are: {','.join(list(logs.keys()))}")
            return
        current = _to_python(current)
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self.monitor_op(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                # tf_keras holds the rate as float32; the printed value is that float32's repr, or
                # `min_lr` itself as given when the floor wins ("reducing learning rate to 0.01.").
                old_lr = np.float32(_get_learning_rate(self.model))
                if old_lr > np.float32(self.min_lr):
                    new_lr = old_lr * np.float32(self.factor)
                    new_lr = max(new_lr, self.min_lr)
                    _set_learning_rate(self.model, float(new_lr))
                    if self.verbose > 0:
                        _print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new_lr}.")
                    self.cooldown_counter = self.cooldown
                    self.wait = 0

    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0
