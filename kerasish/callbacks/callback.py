"""The `Callback` base class: the hooks `fit`, `evaluate` and `predict` call (see the package's docstring for
the contract with the training loop).

Example:
    >>> from kerasish.callbacks import Callback
    >>> class Counter(Callback):
    ...     def on_epoch_end(self, epoch, logs=None):
    ...         print("epoch", epoch)
    >>> Counter().on_epoch_end(0)
    epoch 0
"""

import numpy as np

from ..backend.tensor import Tensor
from ..utils.progbar import print_msg
from ..utils.serialization import register_builtin


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

