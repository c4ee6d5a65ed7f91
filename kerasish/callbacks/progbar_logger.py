"""`ProgbarLogger`: the progress bar (`verbose=1`) or one line per epoch (`verbose=2`) that `fit` prints.

Example:
    >>> from kerasish.callbacks import ProgbarLogger
    >>> ProgbarLogger(count_mode="steps").use_steps
    True
"""
from ..utils.progbar import Progbar
from ..utils.serialization import register_builtin
from .callback import Callback, _print, _to_python


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

    # verbose=2 prints once per epoch, but still counts the batches when their number is unknown (a
    # generator): its line then says `5/5`, as tf_keras's does, not `0/0`.
    def _implements_train_batch_hooks(self):
        return self.verbose == 1 or self.target is None

    def _implements_test_batch_hooks(self):
        return self.verbose == 1 or self.target is None

    def _implements_predict_batch_hooks(self):
        return self.verbose == 1 or self.target is None

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
