"""Keras 2 training callbacks: hooks that `fit`, `evaluate` and `predict` call as they run.

Contract with the training loop (what `Model.fit`/`evaluate`/`predict` do):

- Build one `CallbackList(callbacks, add_history=True, add_progbar=verbose != 0, model=model,
  verbose=verbose, epochs=epochs, steps=steps_per_epoch_or_None)` per `fit` (for `evaluate`/`predict`:
  `add_history=False`, `epochs=1`, `steps=` the number of batches). `set_model`/`set_params` run
  before `on_train_begin`; `model.history` is set to the History callback.
- Hook order, as in tf_keras: `on_train_begin`; per epoch `on_epoch_begin(epoch)`; per batch
  `on_train_batch_begin(i)` / `on_train_batch_end(i, logs)` with logs = running means of the epoch
  so far (`{'loss': float, <metric>: float}`); then, for validation, `on_test_begin`,
  `on_test_batch_begin/end(i, logs)`, `on_test_end(logs)` (no `val_` prefix), then
  `on_epoch_end(epoch, logs)` with `val_*` keys added; finally `on_train_end(last_epoch_logs)`.
  Predict batches report `{'outputs': batch_predictions}`. Pass the SAME logs dict to every hook call
  of one event and read it back afterwards: callbacks may add keys (`lr`) or change values.
- `model.stop_training = True` (set by a callback) ends `fit` after the current batch when set in a
  batch hook (TerminateOnNaN), else after the current epoch. `fit` sets it to False before training.
- `BackupAndRestore.on_train_begin` may set `model._initial_epoch_override` (and
  `model._initial_step_override`): after `on_train_begin`, `fit` starts at that epoch (and may skip
  that many steps of it), then resets the attributes to None.
- `CallbackList.wants_batch_hooks("train"|"test"|"predict")` says whether any callback uses the batch
  hooks of that mode, so the loop may skip building per-batch logs when nobody reads them.
- Optimizer learning rate is read/written through `model.optimizer.learning_rate` (a float property).

Example:
    >>> from kerasish import callbacks
    >>> class Recorder(callbacks.Callback):
    ...     def on_epoch_end(self, epoch, logs=None):
    ...         print("epoch", epoch, logs)
    >>> cbs = callbacks.CallbackList([Recorder()], epochs=1, steps=2, verbose=0)
    >>> cbs.on_epoch_end(0, {"loss": 0.5})
    epoch 0 {'loss': 0.5}
"""
import csv
import inspect
import json
import os
import sys
import tempfile

import numpy as np

from .backend.tensor import Tensor
from .utils.metric_logs import MetricLogs
from .utils.progbar import Progbar, print_msg
from .utils.serialization import register_builtin
from .backend.user_warnings import warn

_BATCH_HOOKS = {
    "on_train_batch_begin": ("train", "on_batch_begin"),
    "on_train_batch_end": ("train", "on_batch_end"),
    "on_test_batch_begin": ("test", None),
    "on_test_batch_end": ("test", None),
    "on_predict_batch_begin": ("predict", None),
    "on_predict_batch_end": ("predict", None),
}
_OTHER_HOOKS = ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_test_begin",
                "on_test_end", "on_predict_begin", "on_predict_end")


def _print(msg: str) -> None:
    print_msg(msg)  # stdout, or the `kerasish` logger after `utils.disable_interactive_logging()`


def _to_python(value):
    """Scalars from numpy or the engine as Python numbers (History and CSV hold plain floats)."""
    if isinstance(value, Tensor):
        value = value.array
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value.item()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _overrides(callback, name: str) -> bool:
    """Whether `callback` does something in hook `name` (its class or instance redefines it)."""
    if name in getattr(callback, "__dict__", {}):
        return True
    impl = getattr(type(callback), name, None)
    if impl is None:
        return False
    return impl is not getattr(Callback, name, None)


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


# --------------------------------------------------------------------------------- base
@register_builtin("callback")
class Callback:
    """Base class for callbacks: override the hooks you need.

    Attributes:
        model: the model being trained (set by `set_model`).
        params: `{'verbose': int, 'epochs': int, 'steps': int or None}` (set by `set_params`).

    Example:
        >>> class PrintLoss(Callback):
        ...     def on_epoch_end(self, epoch, logs=None):
        ...         print(f"epoch {epoch}: loss {logs['loss']:.2f}")
        >>> PrintLoss().on_epoch_end(0, {"loss": 0.25})
        epoch 0: loss 0.25
    """

    def __init__(self):
        self.validation_data = None
        self.model = None
        self.params = {}

    def set_params(self, params: dict) -> None:
        self.params = params

    def set_model(self, model) -> None:
        self.model = model

    # Keras 1 names of the training batch hooks; the on_train_batch_* hooks call them by default.
    def on_batch_begin(self, batch, logs=None):
        """Called at the start of a training batch (legacy name of `on_train_batch_begin`)."""

    def on_batch_end(self, batch, logs=None):
        """Called at the end of a training batch (legacy name of `on_train_batch_end`)."""

    def on_epoch_begin(self, epoch, logs=None):
        """Called at the start of an epoch (`epoch` counts from 0)."""

    def on_epoch_end(self, epoch, logs=None):
        """Called at the end of an epoch with the epoch's metrics, `val_*` included."""

    def on_train_batch_begin(self, batch, logs=None):
        """Called at the start of a training batch."""
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        """Called at the end of a training batch with the running means of the epoch so far."""
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        """Called at the start of an evaluation batch."""

    def on_test_batch_end(self, batch, logs=None):
        """Called at the end of an evaluation batch."""

    def on_predict_batch_begin(self, batch, logs=None):
        """Called at the start of a prediction batch."""

    def on_predict_batch_end(self, batch, logs=None):
        """Called at the end of a prediction batch; `logs['outputs']` holds the batch's predictions."""

    def on_train_begin(self, logs=None):
        """Called once when `fit` starts."""

    def on_train_end(self, logs=None):
        """Called once when `fit` ends, with the last epoch's logs."""

    def on_test_begin(self, logs=None):
        """Called when evaluation (or validation within `fit`) starts."""

    def on_test_end(self, logs=None):
        """Called when evaluation ends, with its metrics."""

    def on_predict_begin(self, logs=None):
        """Called when `predict` starts."""

    def on_predict_end(self, logs=None):
        """Called when `predict` ends."""

    def _implements_train_batch_hooks(self) -> bool:
        return any(_overrides(self, h) for h in ("on_batch_begin", "on_batch_end", "on_train_batch_begin",
                                                 "on_train_batch_end"))

    def _implements_test_batch_hooks(self) -> bool:
        return _overrides(self, "on_test_batch_begin") or _overrides(self, "on_test_batch_end")

    def _implements_predict_batch_hooks(self) -> bool:
        return _overrides(self, "on_predict_batch_begin") or _overrides(self, "on_predict_batch_end")


class CallbackList:
    """Calls each hook on a list of callbacks, in order.

    For each hook the list of callbacks that actually implement it is computed once (and again
    when callbacks, params or the model change), so a hook nobody overrides costs one empty loop.

    Args:
        callbacks: a list of callbacks (or one callback, or None).
        add_history: append a `History` callback unless one is present.
        add_progbar: append a `ProgbarLogger` unless one is present.
        model: the model to attach (`set_model`).
        **params: the params every callback receives (`verbose`, `epochs`, `steps`).

    Example:
        >>> cbs = CallbackList(None, add_history=True, epochs=2, steps=1, verbose=0)
        >>> [type(c).__name__ for c in cbs]
        ['History']
    """

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None, **params):
        if callbacks is None:
            callbacks = []
        elif isinstance(callbacks, CallbackList):
            callbacks = list(callbacks.callbacks)
        elif not isinstance(callbacks, (list, tuple)):
            callbacks = [callbacks]
        self.callbacks = list(callbacks)
        for cb in self.callbacks:
            if not hasattr(cb, "set_model") or not hasattr(cb, "set_params"):
                raise TypeError("`callbacks` must be a list of `kerasish.callbacks.Callback` instances; "
                                f"received: {cb!r} of type {type(cb).__name__}")
        self._add_default_callbacks(add_history, add_progbar)
        self.model = None
        self.params = {}
        self._hooks = None
        self._hooks_len = -1
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)

    def _add_default_callbacks(self, add_history, add_progbar):
        self._history = None
        self._progbar = None
        for cb in self.callbacks:
            if isinstance(cb, ProgbarLogger):
                self._progbar = cb
            elif isinstance(cb, History):
                self._history = cb
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger(count_mode="steps")
            self.callbacks.append(self._progbar)

    def append(self, callback) -> None:
        self.callbacks.append(callback)
        self._hooks = None

    def set_params(self, params: dict) -> None:
        self.params = params
        for cb in self.callbacks:
            cb.set_params(params)
        self._hooks = None

    def set_model(self, model) -> None:
        self.model = model
        if self._history is not None:
            model.history = self._history
        for cb in self.callbacks:
            cb.set_model(model)
        self._hooks = None

    def __iter__(self):
        return iter(self.callbacks)

    def __len__(self):
        return len(self.callbacks)

    # -- dispatch tables ----------------------------------------------------------------------
    def _build_hooks(self):
        hooks = {}
        for name in _OTHER_HOOKS:
            hooks[name] = [getattr(cb, name) for cb in self.callbacks if _overrides(cb, name)]
        for name, (mode, legacy) in _BATCH_HOOKS.items():
            bound = []
            for cb in self.callbacks:
                if not (_overrides(cb, name) or (legacy is not None and _overrides(cb, legacy))):
                    continue
                implements = getattr(cb, f"_implements_{mode}_batch_hooks", None)
                if implements is not None and not implements():
                    continue
                bound.append(getattr(cb, name))
            hooks[name] = bound
        self._hooks = hooks
        self._hooks_len = len(self.callbacks)
        return hooks

    def _table(self):
        if self._hooks is None or self._hooks_len != len(self.callbacks):
            return self._build_hooks()
        return self._hooks

    def wants_batch_hooks(self, mode: str) -> bool:
        """Whether any callback uses the batch hooks of `mode` ('train', 'test' or 'predict')."""
        if mode not in ("train", "test", "predict"):
            raise ValueError(f"`mode` must be 'train', 'test' or 'predict'; received: {mode!r}")
        table = self._table()
        return bool(table[f"on_{mode}_batch_begin"] or table[f"on_{mode}_batch_end"])

    @property
    def _should_call_train_batch_hooks(self):
        return self.wants_batch_hooks("train")

    @property
    def _should_call_test_batch_hooks(self):
        return self.wants_batch_hooks("test")

    @property
    def _should_call_predict_batch_hooks(self):
        return self.wants_batch_hooks("predict")

    # -- hooks --------------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        logs = {} if logs is None else logs
        for hook in self._build_hooks()["on_train_begin"]:  # callbacks may have changed between fits
            hook(logs)

    def on_train_end(self, logs=None):
        logs = {} if logs is None else logs
        for hook in self._table()["on_train_end"]:
            hook(logs)

    def on_epoch_begin(self, epoch, logs=None):
        logs = {} if logs is None else logs
        for hook in self._table()["on_epoch_begin"]:
            hook(epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        logs = {} if logs is None else logs
        for hook in self._table()["on_epoch_end"]:
            hook(epoch, logs)

    def on_train_batch_begin(self, batch, logs=None):
        hooks = self._table()["on_train_batch_begin"]
        if hooks:
            logs = {} if logs is None else logs
            for hook in hooks:
                hook(batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        hooks = self._table()["on_train_batch_end"]
        if hooks:
            logs = {} if logs is None else logs
            for hook in hooks:
                hook(batch, logs)

    on_batch_begin = on_train_batch_begin
    on_batch_end = on_train_batch_end

    def on_test_begin(self, logs=None):
        logs = {} if logs is None else logs
        for hook in self._table()["on_test_begin"]:
            hook(logs)

    def on_test_end(self, logs=None):
        logs = {} if logs is None else logs
        for hook in self._table()["on_test_end"]:
            hook(logs)

    def on_test_batch_begin(self, batch, logs=None):
        hooks = self._table()["on_test_batch_begin"]
        if hooks:
            logs = {} if logs is None else logs
            for hook in hooks:
                hook(batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        hooks = self._table()["on_test_batch_end"]
        if hooks:
            logs = {} if logs is None else logs
            for hook in hooks:
                hook(batch, logs)

    def on_predict_begin(self, logs=None):
        logs = {} if logs is None else logs
        for hook in self._table()["on_predict_begin"]:
            hook(logs)

    def on_predict_end(self, logs=None):
        logs = {} if logs is None else logs
        for hook in self._table()["on_predict_end"]:
            hook(logs)

    def on_predict_batch_begin(self, batch, logs=None):
        hooks = self._table()["on_predict_batch_begin"]
        if hooks:
            logs = {} if logs is None else logs
            for hook in hooks:
                hook(batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        hooks = self._table()["on_predict_batch_end"]
        if hooks:
            logs = {} if logs is None else logs
            for hook in hooks:
                hook(batch, logs)


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


# ----------------------------------------------------------------------------- ProgbarLogger
@register_builtin("callback")
class ProgbarLogger(Callback):
    """Prints Keras's progress bar and `Epoch i/N` lines (added by `fit` when `verbose != 0`).

    Args:
        count_mode: 'steps' (default: the bar counts batches) or 'samples' (counts samples when the
            params give `samples` and batch logs give `size`; otherwise falls back to steps).
        stateful_metrics: names shown as given instead of averaged (all logged values already are
            running means, so every logged name is treated as stateful).
        verbose: None (default) takes `params['verbose']`; 1 or 2 forces this logger's verbosity.

    Example:
        >>> logger = ProgbarLogger()
        >>> logger.set_params({"verbose": 2, "epochs": 1, "steps": 2})
        >>> logger.on_train_begin()
        >>> logger.on_epoch_begin(0)
        >>> logger.on_train_batch_end(0, {"loss": 0.5})
        >>> logger.on_train_batch_end(1, {"loss": 0.4})
        >>> logger.on_epoch_end(0, {"loss": 0.4})  # doctest: +ELLIPSIS
        2/2 - 0s - loss: 0.4000 - ...s/epoch - ...s/step
    """

    def __init__(self, count_mode: str = "steps", stateful_metrics=None, verbose=None):
        super().__init__()
        if count_mode not in ("steps", "samples"):
            raise ValueError(f"Unknown `count_mode`: {count_mode!r}. Expected values are ['samples', 'steps']")
        if verbose not in (None, 0, 1, 2):
            raise ValueError(f"ProgbarLogger: `verbose` must be None, 0, 1 or 2; received: verbose={verbose!r}")
        self.count_mode = count_mode
        self.use_steps = count_mode == "steps"
        self.stateful_metrics = set(stateful_metrics) if stateful_metrics else set()
        self._verbose_override = verbose
        self.seen = 0
        self.progbar = None
        self.target = None
        self.verbose = 1 if verbose is None else verbose
        self.epochs = 1
        self._called_in_fit = False
        self._count_samples = False
        self._unit = "step"

    def set_params(self, params):
        super().set_params(params)
        self.verbose = params.get("verbose", 1) if self._verbose_override is None else self._verbose_override
        if self.verbose == "auto":
            self.verbose = 1
        self.epochs = params.get("epochs", 1)
        self._count_samples = not self.use_steps and params.get("samples") is not None
        if self._count_samples:
            self.target = params["samples"]
            self._unit = "sample"
        else:
            self.target = params.get("steps")  # None: inferred at the end of the first epoch
            self._unit = "step"

    def _implements_train_batch_hooks(self):
        return self.verbose == 1

    def _implements_test_batch_hooks(self):
        return self.verbose == 1

    def _implements_predict_batch_hooks(self):
        return self.verbose == 1

    def on_train_begin(self, logs=None):
        # Validation inside `fit` is silent: its results appear on the epoch's line.
        self._called_in_fit = True

    def on_train_end(self, logs=None):
        self._called_in_fit = False

    def on_test_begin(self, logs=None):
        if not self._called_in_fit:
            self._reset_progbar()
            self._maybe_init_progbar()

    def on_predict_begin(self, logs=None):
        self._reset_progbar()
        self._maybe_init_progbar()

    def on_epoch_begin(self, epoch, logs=None):
        self._reset_progbar()
        self._maybe_init_progbar()
        if self.verbose and self.epochs > 1:
            _print(f"Epoch {epoch + 1}/{self.epochs}")

    def on_train_batch_end(self, batch, logs=None):
        self._batch_update_progbar(batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        if not self._called_in_fit:
            self._batch_update_progbar(batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._batch_update_progbar(batch, None)  # never show predictions

    def on_epoch_end(self, epoch, logs=None):
        self._finalize_progbar(logs)

    def on_test_end(self, logs=None):
        if not self._called_in_fit:
            self._finalize_progbar(logs)

    def on_predict_end(self, logs=None):
        self._finalize_progbar(logs)

    def _reset_progbar(self):
        self.seen = 0
        self.progbar = None

    def _maybe_init_progbar(self):
        if self.progbar is None:
            self.progbar = Progbar(target=self.target, verbose=self.verbose, stateful_metrics=self.stateful_metrics,
                                   unit_name=self._unit)

    def _items(self, logs):
        if not logs:
            return []
        items = []
        for k, v in logs.items():
            if k in ("size", "batch", "num_steps", "outputs"):
                continue
            self.progbar.stateful_metrics.add(k)  # logs are running means already: show them as given
            items.append((k, _to_python(v)))
        return items

    def _batch_update_progbar(self, batch, logs):
        self._maybe_init_progbar()
        if self._count_samples:
            self.seen += int((logs or {}).get("size", 0))
        else:
            self.seen = batch + 1
        if self.verbose == 1:
            self.progbar.update(self.seen, self._items(logs), finalize=False)

    def _finalize_progbar(self, logs):
        self._maybe_init_progbar()
        if self.target is None:
            self.target = self.seen
            self.progbar.target = self.target
        self.progbar.update(self.target, self._items(logs), finalize=True)


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


# --------------------------------------------------------------------------------- CSVLogger
@register_builtin("callback")
class CSVLogger(Callback):
    """Stream each epoch's logs to a CSV file.

    Columns are `epoch` then the sorted log keys of the first epoch; when those have no `val_*`
    key, tf_keras adds a `val_` copy of every key anyway (filled with 'NA'), and so do we. Rows use
    the csv module's excel dialect (`\\r\\n` line ends).

    Args:
        filename: the CSV file.
        separator: the field separator (default ',').
        append: append to an existing file (the header is written only if the file is empty).

    Example:
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "log.csv")
        >>> class _M: stop_training = False
        >>> logger = CSVLogger(path); logger.set_model(_M())
        >>> logger.on_train_begin(); logger.on_epoch_end(0, {"loss": 0.5}); logger.on_train_end()
        >>> open(path).read().splitlines()
        ['epoch,loss,val_loss', '0,0.5,NA']
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.sep = separator
        self.filename = os.fspath(filename)
        self.append = append
        self.writer = None
        self.keys = None
        self.append_header = True
        self.csv_file = None

    def on_train_begin(self, logs=None):
        if self.append:
            if os.path.exists(self.filename):
                with open(self.filename, "r", newline="") as f:
                    self.append_header = not bool(len(f.readline()))
            mode = "a"
        else:
            mode = "w"
        self.csv_file = open(self.filename, mode, newline="")

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}

        def handle_value(k):
            k = _to_python(k)
            is_zero_dim_ndarray = isinstance(k, np.ndarray) and k.ndim == 0
            if isinstance(k, str):
                return k
            if hasattr(k, "__iter__") and not is_zero_dim_ndarray:
                return f"\"[{', '.join(map(str, k))}]\""
            return k

        if self.keys is None:
            self.keys = sorted(logs.keys())
            if not any(key.startswith("val_") for key in self.keys):
                # With validation_freq > 1 the first epoch has no val_ keys: reserve their columns.
                self.keys.extend(["val_" + k for k in self.keys])
        if getattr(self.model, "stop_training", False):
            # NA for missing values of this last epoch, so CSV readers do not fail.
            logs = {k: logs.get(k, "NA") for k in self.keys}
        if self.csv_file is None:  # used without on_train_begin
            self.on_train_begin()
        if not self.writer:
            class CustomDialect(csv.excel):
                delimiter = self.sep

            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch"] + self.keys, dialect=CustomDialect)
            if self.append_header:
                self.writer.writeheader()
        row = {"epoch": epoch}
        row.update((key, handle_value(logs.get(key, "NA"))) for key in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        if self.csv_file is not None:
            self.csv_file.close()
            self.csv_file = None
        self.writer = None


# ------------------------------------------------------------------------------ RemoteMonitor
@register_builtin("callback")
class RemoteMonitor(Callback):
    """POST each epoch's logs to a server as JSON (Keras 2's `RemoteMonitor`, without `requests`).

    The body is a form with one field, `field`, holding `{"epoch": epoch, <metric>: value, ...}`
    as JSON, or with `send_as_json=True` that JSON itself (Content-Type application/json). A server
    that cannot be reached gives a warning, not an error, and training goes on.

    Args:
        root: the server's root URL.
        path: the path under `root` to post to.
        field: the form field holding the JSON (form posts only).
        headers: extra HTTP headers (dict).
        send_as_json: post the JSON as the request body.

    Example:
        >>> monitor = RemoteMonitor(root="http://localhost:9000", send_as_json=True)
        >>> monitor.root + monitor.path
        'http://localhost:9000/publish/epoch/end/'
    """

    timeout = 30.0  # seconds to wait for the server (Keras 2 waited forever)

    def __init__(self, root="http://localhost:9000", path="/publish/epoch/end/", field="data", headers=None,
                 send_as_json=False):
        super().__init__()
        self.root = root
        self.path = path
        self.field = field
        self.headers = headers
        self.send_as_json = send_as_json

    def on_epoch_end(self, epoch, logs=None):
        import urllib.error
        import urllib.parse
        import urllib.request

        send = {"epoch": epoch}
        send.update((k, _to_python(v)) for k, v in (logs or {}).items())
        headers = dict(self.headers or {})
        if self.send_as_json:
            body = json.dumps(send).encode("utf-8")
            headers.setdefault("Content-Type", "application/json")
        else:
            body = urllib.parse.urlencode({self.field: json.dumps(send)}).encode("ascii")
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        request = urllib.request.Request(self.root + self.path, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
        except urllib.error.HTTPError:
            pass  # the server answered (with an error status): as with `requests`, not our failure
        except (urllib.error.URLError, OSError, ValueError):
            warn(f"Warning: could not reach RemoteMonitor root server at {self.root}")


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
            logs["lr"] = _get_learning_rate(self.model)


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
        logs["lr"] = _get_learning_rate(self.model)
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
                # tf_keras holds the rate as float32; the printed value is that float32's repr.
                old_lr = np.float32(_get_learning_rate(self.model))
                if old_lr > np.float32(self.min_lr):
                    new_lr = old_lr * np.float32(self.factor)
                    new_lr = max(new_lr, np.float32(self.min_lr))
                    _set_learning_rate(self.model, float(new_lr))
                    if self.verbose > 0:
                        _print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new_lr}.")
                    self.cooldown_counter = self.cooldown
                    self.wait = 0

    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0


# ---------------------------------------------------------------------------- small helpers
@register_builtin("callback")
class TerminateOnNaN(Callback):
    """Stop training at the first batch whose loss is NaN or infinite.

    Prints `Batch N: Invalid loss, terminating training` (N counted from 0 within the epoch) and
    sets `model.stop_training`; the training loop ends after that batch.

    Example:
        >>> class _M: stop_training = False
        >>> cb = TerminateOnNaN(); cb.set_model(_M())
        >>> cb.on_train_batch_end(3, {"loss": float("nan")})
        Batch 3: Invalid loss, terminating training
        >>> cb.model.stop_training
        True
    """

    def on_batch_end(self, batch, logs=None):
        logs = logs or {}
        loss = logs.get("loss")
        if loss is not None:
            loss = _to_python(loss)
            if np.isnan(loss) or np.isinf(loss):
                _print(f"Batch {batch}: Invalid loss, terminating training")
                self.model.stop_training = True


@register_builtin("callback")
class LambdaCallback(Callback):
    """A callback built from plain functions.

    Args:
        on_epoch_begin, on_epoch_end: `f(epoch, logs)`.
        on_batch_begin, on_batch_end: `f(batch, logs)` (training batches).
        on_train_begin, on_train_end: `f(logs)`.
        **kwargs: any other hook by name (`on_train_batch_end=f`, `on_predict_begin=f`, ...).

    Example:
        >>> cb = LambdaCallback(on_epoch_end=lambda epoch, logs: print("done", epoch))
        >>> CallbackList([cb]).on_epoch_end(0)
        done 0
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_batch_begin=None, on_batch_end=None,
                 on_train_begin=None, on_train_end=None, **kwargs):
        super().__init__()
        hooks = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end, on_batch_begin=on_batch_begin,
                     on_batch_end=on_batch_end, on_train_begin=on_train_begin, on_train_end=on_train_end)
        for name, fn in kwargs.items():
            if not (name.startswith("on_") and hasattr(Callback, name)):
                raise TypeError(f"LambdaCallback: unknown hook {name!r}; expected one of the Callback hooks "
                                "such as 'on_train_batch_end'")
            hooks[name] = fn
        for name, fn in hooks.items():
            if fn is None:
                continue
            if not callable(fn):
                raise TypeError(f"LambdaCallback: `{name}` must be callable; received: {fn!r}")
            setattr(self, name, fn)


# --------------------------------------------------------------------------- BackupAndRestore
@register_builtin("callback")
class BackupAndRestore(Callback):
    """Back up the training state so an interrupted `fit` resumes where it stopped.

    At each epoch end (or every `save_freq` batches) the model weights, the optimizer state and the
    epoch counter are written atomically to `backup_dir/backup.npz` (a temporary file renamed over
    the old one, so a crash mid-write leaves the previous backup intact). When `fit` starts and a
    backup exists, `on_train_begin` restores the weights and the optimizer state and sets
    `model._initial_epoch_override` to the epoch to run next (and `model._initial_step_override`
    to the number of batches of that epoch already done: 0 for epoch-end backups). `fit` honours
    these after `on_train_begin` and resets them to None. When training ends normally (including an
    early stop), the backup is deleted unless `delete_checkpoint=False`; after an exception it stays.

    Optimizer state is read with `optimizer.variables` (a list, or a method returning one) and
    written back by assignment; if the optimizer has not created its slots yet, `optimizer.build(
    model.trainable_weights)` is called first.

    Args:
        backup_dir: a directory for the backup (created if needed).
        save_freq: 'epoch' (default) or an integer number of batches between backups.
        delete_checkpoint: delete the backup when training ends normally (default True).
        save_before_preemption: accepted for compatibility; unused.

    Example:
        >>> import tempfile
        >>> cb = BackupAndRestore(backup_dir=tempfile.mkdtemp())
        >>> cb.save_freq
        'epoch'
    """

    _FILE = "backup.npz"

    def __init__(self, backup_dir, save_freq="epoch", delete_checkpoint=True, save_before_preemption=False):
        super().__init__()
        if not backup_dir:
            raise ValueError("Empty `backup_dir` argument passed")
        if save_freq != "epoch" and (isinstance(save_freq, bool) or not isinstance(save_freq, (int, np.integer))
                                     or save_freq <= 0):
            raise ValueError(f"Unrecognized save_freq: {save_freq!r}. Expected save_freq are 'epoch' or a "
                             "positive integer")
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.delete_checkpoint = delete_checkpoint
        self.save_before_preemption = save_before_preemption
        self._current_epoch = 0
        self._batches_seen = 0

    @property
    def backup_path(self) -> str:
        return os.path.join(self.backup_dir, self._FILE)

    def _implements_train_batch_hooks(self):
        return self.save_freq != "epoch"

    # -- optimizer state ----------------------------------------------------------------------
    def _optimizer_variables(self):
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is None or not hasattr(optimizer, "variables"):
            return []
        variables = optimizer.variables
        if callable(variables):
            variables = variables()
        return list(variables)

    def _restore_optimizer(self, arrays):
        if not arrays:
            return
        variables = self._optimizer_variables()
        optimizer = self.model.optimizer
        if len(variables) != len(arrays) and hasattr(optimizer, "build"):
            optimizer.build(self.model.trainable_weights)
            variables = self._optimizer_variables()
        if len(variables) != len(arrays):
            raise ValueError(f"BackupAndRestore: the backup in {self.backup_dir!r} holds {len(arrays)} optimizer "
                             f"variables but the optimizer has {len(variables)}; was it saved for another model "
                             "or optimizer?")
        for var, value in zip(variables, arrays):
            if hasattr(var, "assign"):
                var.assign(value)
            else:
                np.copyto(np.asarray(var), value)

    # -- hooks --------------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        self._batches_seen = 0
        if not os.path.exists(self.backup_path):
            return
        with np.load(self.backup_path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            weights = [data[f"w{i}"] for i in range(meta["n_weights"])]
            opt_state = [data[f"o{i}"] for i in range(meta["n_optimizer"])]
        self.model.set_weights(weights)
        self._restore_optimizer(opt_state)
        if "rng_state" in meta:
            from .backend import config

            config.rng().bit_generator.state = meta["rng_state"]
        self.model._initial_epoch_override = int(meta["next_epoch"])
        self.model._initial_step_override = int(meta["next_step"])

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches_seen += 1
        if self._batches_seen >= self.save_freq:
            self._batches_seen = 0
            self._backup(next_epoch=self._current_epoch, next_step=batch + 1)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._backup(next_epoch=epoch + 1, next_step=0)

    def on_train_end(self, logs=None):
        for attr in ("_initial_epoch_override", "_initial_step_override"):
            if getattr(self.model, attr, None) is not None:
                setattr(self.model, attr, None)
        if self.delete_checkpoint and os.path.exists(self.backup_path):
            os.remove(self.backup_path)
            try:
                os.rmdir(self.backup_dir)  # only if we left it empty
            except OSError:
                pass

    def _backup(self, next_epoch, next_step):
        weights = [np.asarray(w) for w in self.model.get_weights()]
        opt_state = [np.array(v.array if isinstance(v, Tensor) else v) for v in self._optimizer_variables()]
        from .backend import config

        # The engine's random state goes along, so a resumed run shuffles and drops out exactly as an
        # uninterrupted one would have (same seed, same final weights).
        meta = {"next_epoch": next_epoch, "next_step": next_step, "n_weights": len(weights),
                "n_optimizer": len(opt_state), "format": "kerasish.BackupAndRestore/1",
                "rng_state": config.rng().bit_generator.state}
        arrays = {f"w{i}": w for i, w in enumerate(weights)}
        arrays.update({f"o{i}": v for i, v in enumerate(opt_state)})
        os.makedirs(self.backup_dir, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".backup-", suffix=".npz.tmp", dir=self.backup_dir)
        try:
            with os.fdopen(fd, "wb") as f:
                np.savez(f, meta=np.array(json.dumps(meta)), **arrays)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.backup_path)
        except BaseException:
            if os.path.exists(tmp):
                os.remove(tmp)
            raise


# Keras 2.3 defined the callbacks in `keras.callbacks.callbacks`: that import path finds this module
sys.modules[__name__ + ".callbacks"] = sys.modules[__name__]

from .callbacks_tensorboard import TensorBoard  # noqa: E402,F401  (its own module; it subclasses Callback)
