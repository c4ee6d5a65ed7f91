"""`CallbackList`: the callbacks of one `fit`, `evaluate` or `predict` call, with the `History` and the
progress bar the loop adds, called hook by hook in order.

Example:
    >>> from kerasish.callbacks import Callback, CallbackList
    >>> class Recorder(Callback):
    ...     def on_epoch_end(self, epoch, logs=None):
    ...         print("epoch", epoch, logs)
    >>> CallbackList([Recorder()], epochs=1, steps=2, verbose=0).on_epoch_end(0, {"loss": 0.5})
    epoch 0 {'loss': 0.5}
"""
from .callback import _BATCH_HOOKS, _OTHER_HOOKS, _overrides
from .history import History
from .progbar_logger import ProgbarLogger


def _own_copy(logs):
    """The logs one hook call hands its callbacks: a copy (of the same type: `MetricLogs` keeps answering old
    metric names), as tf.keras hands each call a converted copy. A key a callback adds (ReduceLROnPlateau's
    `lr`) reaches the later callbacks of that call, History included, but not the caller's dict, so it is not
    in the logs `on_train_end` receives, nor in the epoch logs `fit` builds from the last batch's."""
    if logs is None:
        return {}
    return logs.copy() if isinstance(logs, dict) else dict(logs)


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
        logs = _own_copy(logs)
        for hook in self._build_hooks()["on_train_begin"]:  # callbacks may have changed between fits
            hook(logs)

    def on_train_end(self, logs=None):
        logs = _own_copy(logs)
        for hook in self._table()["on_train_end"]:
            hook(logs)

    def on_epoch_begin(self, epoch, logs=None):
        logs = _own_copy(logs)
        for hook in self._table()["on_epoch_begin"]:
            hook(epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        logs = _own_copy(logs)
        for hook in self._table()["on_epoch_end"]:
            hook(epoch, logs)

    def on_train_batch_begin(self, batch, logs=None):
        hooks = self._table()["on_train_batch_begin"]
        if hooks:
            logs = _own_copy(logs)
            for hook in hooks:
                hook(batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        hooks = self._table()["on_train_batch_end"]
        if hooks:
            logs = _own_copy(logs)
            for hook in hooks:
                hook(batch, logs)

    on_batch_begin = on_train_batch_begin
    on_batch_end = on_train_batch_end

    def on_test_begin(self, logs=None):
        logs = _own_copy(logs)
        for hook in self._table()["on_test_begin"]:
            hook(logs)

    def on_test_end(self, logs=None):
        logs = _own_copy(logs)
        for hook in self._table()["on_test_end"]:
            hook(logs)

    def on_test_batch_begin(self, batch, logs=None):
        hooks = self._table()["on_test_batch_begin"]
        if hooks:
            logs = _own_copy(logs)
            for hook in hooks:
                hook(batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        hooks = self._table()["on_test_batch_end"]
        if hooks:
            logs = _own_copy(logs)
            for hook in hooks:
                hook(batch, logs)

    def on_predict_begin(self, logs=None):
        logs = _own_copy(logs)
        for hook in self._table()["on_predict_begin"]:
            hook(logs)

    def on_predict_end(self, logs=None):
        logs = _own_copy(logs)
        for hook in self._table()["on_predict_end"]:
            hook(logs)

    def on_predict_batch_begin(self, batch, logs=None):
        hooks = self._table()["on_predict_batch_begin"]
        if hooks:
            logs = _own_copy(logs)
            for hook in hooks:
                hook(batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        hooks = self._table()["on_predict_batch_end"]
        if hooks:
            logs = _own_copy(logs)
            for hook in hooks:
                hook(batch, logs)
