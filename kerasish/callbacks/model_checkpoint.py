"""`ModelCheckpoint`: save the model or its weights during training (every epoch, every n batches, or
only the best so far).

Example:
    >>> from kerasish.callbacks import ModelCheckpoint
    >>> ModelCheckpoint("model.{epoch:02d}.h5", save_best_only=True).save_best_only
    True
"""
import os

import numpy as np

from ..backend.user_warnings import warn
from ..utils.metric_logs import MetricLogs
from ..utils.serialization import register_builtin
from .callback import Callback, _print, _to_python


# --------------------------------------------------------------------------- ModelCheckpoint
@register_builtin("callback")
class ModelCheckpoint(Callback):
    """Save the model (or its weights) every epoch or every N batches.

    `filepath` is formatted with `epoch` (1-based), the logged values, and `batch` (1-based) when
    saving by batch: `"weights.{epoch:02d}-{val_loss:.2f}.h5"`. A missing field raises KeyError.

    Args:
        filepath: where to save (a format string as above).
        monitor: the logged quantity that decides the best model (default 'val_loss').
        verbose: 1 prints a line per save decision.
        save_best_only: only save when the monitored value improves on the best so far.
        save_weights_only: `model.save_weights(path)` instead of `model.save(path)`.
        mode: 'auto' (max when 'acc' is in the name or it starts with 'fmeasure', else min; note
            this differs from EarlyStopping: 'val_auc' counts as min), 'min' or 'max'.
        save_freq: 'epoch' or an integer number of batches between saves.
        options: accepted for compatibility; unused.
        initial_value_threshold: the best value to beat at the start (save_best_only).
        period: deprecated: save every `period` epochs.

    Example:
        >>> ModelCheckpoint("m.h5", monitor="val_accuracy").monitor_op.__name__
        'greater'
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False, save_weights_only=False,
                 mode="auto", save_freq="epoch", options=None, initial_value_threshold=None, **kwargs):
        super().__init__()
        self.monitor = monitor
        self.verbose = verbose
        self.filepath = os.fspath(filepath)
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self.options = options
        self.epochs_since_last_save = 0
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = 0
        self._current_epoch = 0
        self.best = initial_value_threshold
        self.load_weights_on_restart = kwargs.pop("load_weights_on_restart", False)
        if "period" in kwargs:
            self.period = kwargs.pop("period")
            warn("`period` argument is deprecated. Please use `save_freq` to specify the frequency in "
                 "number of batches seen.")
        else:
            self.period = 1
        if kwargs:
            raise TypeError(f"ModelCheckpoint: unrecognized keyword arguments: {sorted(kwargs)}")
        if mode not in ("auto", "min", "max"):
            warn(f"ModelCheckpoint mode {mode} is unknown, fallback to auto mode.")
            mode = "auto"
        self.mode = mode
        if mode == "min" or (mode == "auto" and not ("acc" in monitor or monitor.startswith("fmeasure"))):
            self.monitor_op = np.less
            if self.best is None:
                self.best = np.inf
        else:
            self.monitor_op = np.greater
            if self.best is None:
                self.best = -np.inf
        if save_freq != "epoch" and (isinstance(save_freq, bool) or not isinstance(save_freq, (int, np.integer))):
            raise ValueError(f"Unrecognized save_freq: {save_freq!r}. Expected save_freq are 'epoch' or integer")

    def _implements_train_batch_hooks(self):
        return self.save_freq != "epoch"  # batch hooks only matter when saving by batch

    def on_train_begin(self, logs=None):
        if self.load_weights_on_restart and os.path.exists(self.filepath):
            self.model.load_weights(self.filepath)

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            self._save_model(epoch=self._current_epoch, batch=batch, logs=logs)

    def on_epoch_end(self, epoch, logs=None):
        self.epochs_since_last_save += 1
        if self.save_freq == "epoch":
            self._save_model(epoch=epoch, batch=None, logs=logs)

    def _should_save_on_batch(self, batch):
        if self.save_freq == "epoch":
            return False
        if batch <= self._last_batch_seen:  # a new epoch started
            add_batches = batch + 1
        else:
            add_batches = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += add_batches
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _save_model(self, epoch, batch, logs):
        logs = MetricLogs((k, _to_python(v)) for k, v in (logs or {}).items())
        if not (isinstance(self.save_freq, (int, np.integer)) or self.epochs_since_last_save >= self.period):
            return
        self.epochs_since_last_save = 0
        filepath = self._get_file_path(epoch, batch, logs)
        dirname = os.path.dirname(filepath)
        if dirname:
            os.makedirs(dirname, exist_ok=True)
        if os.path.isdir(filepath):
            raise IsADirectoryError("Please specify a non-directory filepath for ModelCheckpoint. Filepath used is "
                                    f"an existing directory: {filepath}")
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is None:
                warn(f"Can save best model only with {self.monitor} available, skipping.")
                return
            if self.monitor_op(current, self.best):
                if self.verbose > 0:
                    _print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to {current:.5f}, "
                           f"saving model to {filepath}")
                self.best = current
                self._write(filepath)
            elif self.verbose > 0:
                _print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {self.best:.5f}")
            return
        if self.verbose > 0:
            _print(f"\nEpoch {epoch + 1}: saving model to {filepath}")
        self._write(filepath)

    def _write(self, filepath):
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)

    def _get_file_path(self, epoch, batch, logs):
        fields = MetricLogs(logs)  # `{val_acc:.2f}` as Keras 2.0-2.2 scripts write it finds `val_accuracy`
        fields["epoch"] = epoch + 1
        if batch is not None and "batch" not in logs:
            fields["batch"] = batch + 1
        try:
            return self.filepath.format_map(fields)
        except KeyError as e:
            raise KeyError(f'Failed to format this callback filepath: "{self.filepath}". Reason: {e}') from None
