"""`BackupAndRestore`: back up the model and the training position, so an interrupted `fit` resumes where
it stopped.

Example:
    >>> import tempfile
    >>> from kerasish.callbacks import BackupAndRestore
    >>> BackupAndRestore(backup_dir=tempfile.mkdtemp()).save_freq
    'epoch'
"""
import json
import os
import tempfile

import numpy as np

from ..backend.tensor import Tensor
from ..utils.serialization import register_builtin
from .callback import Callback


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
            from ..backend import config

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
        from ..backend import config

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
