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
# One family per file (as Keras 3 splits them); this package is the public `keras.callbacks` namespace.
import sys

from .callback import Callback  # noqa: F401
from .callback_list import CallbackList  # noqa: F401
from .history import BaseLogger, History  # noqa: F401
from .progbar_logger import ProgbarLogger  # noqa: F401
from .early_stopping import EarlyStopping  # noqa: F401
from .model_checkpoint import ModelCheckpoint  # noqa: F401
from .log_writers import CSVLogger, RemoteMonitor  # noqa: F401
from .learning_rate import LearningRateScheduler, ReduceLROnPlateau  # noqa: F401
from .terminate_on_nan import TerminateOnNaN  # noqa: F401
from .lambda_callback import LambdaCallback  # noqa: F401
from .backup_and_restore import BackupAndRestore  # noqa: F401
from .tensorboard import TensorBoard  # noqa: F401

# Keras 2.3 defined the callbacks in `keras.callbacks.callbacks`: that import path finds this package
sys.modules[__name__ + ".callbacks"] = sys.modules[__name__]
