"""Callbacks, unit-tested against a stub model and a minimal fit loop (test doubles).

`StubModel` and `run_fit` below stand in for the real Model: they follow the contract written
in the kerasish.callbacks module docstring (hook order, logs, stop_training, the BackupAndRestore
resume attribute), so these tests pin the callbacks' own behaviour. End-to-end behaviour with the
real Model is covered by the acceptance suite.
"""
import csv
import math
import os

import numpy as np
import pytest

from kerasish import callbacks as cb_module
from kerasish.backend import Variable
from kerasish.callbacks import (BackupAndRestore, Callback, CallbackList, CSVLogger, EarlyStopping, History,
                                LambdaCallback, LearningRateScheduler, ModelCheckpoint, ProgbarLogger,
                                ReduceLROnPlateau, TerminateOnNaN)
from kerasish.utils import progbar as progbar_module


# ------------------------------------------------------------------------------ test doubles
class StubOptimizer:
    """Test double: a learning-rate property and two state variables (iterations, one slot)."""

    def __init__(self, lr=0.1):
        self.learning_rate = lr
        self.iterations = Variable(np.array(0, dtype="int64"), name="iterations")
        self.slot = Variable(np.zeros(2, dtype="float32"), name="m")

    @property
    def variables(self):
        return [self.iterations, self.slot]


class StubModel:
    """Test double for Model: weights as arrays, stop_training, an optimizer, save/save_weights."""

    def __init__(self, lr=0.1):
        self.weights = [np.zeros((2,), dtype="float32"), np.ones((1,), dtype="float32")]
        self.optimizer = StubOptimizer(lr)
        self.stop_training = False
        self.saved = []
        self.history = None

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        self.weights = [np.array(w, dtype="float32") for w in weights]

    def train_step(self):
        self.weights[0] += 1.0
        self.optimizer.iterations.assign_add(1)
        self.optimizer.slot.assign_add(0.5)

    def save(self, path, overwrite=True):
        self.saved.append(("save", path, self.weights[0].copy()))
        with open(path, "w") as f:
            f.write("model")

    def save_weights(self, path, overwrite=True):
        self.saved.append(("save_weights", path, self.weights[0].copy()))
        with open(path, "w") as f:
            f.write("weights")


def run_fit(model, callbacks, epochs=3, steps=2, loss=lambda e, s: 1.0 / (e + 1), val_loss=None, verbose=0,
            initial_epoch=0, fail_at_epoch=None):
    """A minimal fit loop following the callbacks contract (test double for Model.fit)."""
    cbs = CallbackList(callbacks, add_history=True, add_progbar=verbose != 0, model=model, verbose=verbose,
                       epochs=epochs, steps=steps)
    model.stop_training = False
    cbs.on_train_begin()
    if getattr(model, "_initial_epoch_override", None) is not None:
        initial_epoch = model._initial_epoch_override
        model._initial_epoch_override = None
    epoch_logs = {}
    for epoch in range(initial_epoch, epochs):
        if fail_at_epoch == epoch:
            raise RuntimeError("simulated crash")
        cbs.on_epoch_begin(epoch)
        logs = {}
        for step in range(steps):
            cbs.on_train_batch_begin(step)
            model.train_step()
            logs = {"loss": loss(epoch, step)}
            cbs.on_train_batch_end(step, logs)
            if model.stop_training:
                break
        epoch_logs = dict(logs)
        if val_loss is not None:
            cbs.on_test_begin()
            cbs.on_test_batch_begin(0)
            test_logs = {"loss": val_loss(epoch)}
            cbs.on_test_batch_end(0, test_logs)
            cbs.on_test_end(test_logs)
            epoch_logs["val_loss"] = test_logs["loss"]
        cbs.on_epoch_end(epoch, epoch_logs)
        if model.stop_training:
            break
    cbs.on_train_end(epoch_logs)
    return model.history


@pytest.fixture
def frozen_clock(monkeypatch):
    monkeypatch.setattr(progbar_module, "_clock", lambda: 0.0)


@pytest.fixture
def no_tty(monkeypatch):
    monkeypatch.setattr(progbar_module, "_stdout_is_interactive", lambda: False)


@pytest.fixture
def tty(monkeypatch):
    monkeypatch.setattr(progbar_module, "_stdout_is_interactive", lambda: True)


# ------------------------------------------------------------------------- Callback / list
class Recorder(Callback):
    def __init__(self):
        super().__init__()
        self.events = []

    def on_train_begin(self, logs=None):
        self.events.append(("train_begin",))

    def on_epoch_begin(self, epoch, logs=None):
        self.events.append(("epoch_begin", epoch))

    def on_train_batch_begin(self, batch, logs=None):
        self.events.append(("batch_begin", batch))

    def on_train_batch_end(self, batch, logs=None):
        self.events.append(("batch_end", batch, dict(logs)))

    def on_test_begin(self, logs=None):
        self.events.append(("test_begin",))

    def on_test_end(self, logs=None):
        self.events.append(("test_end", dict(logs)))

    def on_epoch_end(self, epoch, logs=None):
        self.events.append(("epoch_end", epoch, dict(logs)))

    def on_train_end(self, logs=None):
        self.events.append(("train_end", dict(logs)))


def test_hook_order_and_logs():
    rec = Recorder()
    model = StubModel()
    run_fit(model, [rec], epochs=1, steps=2, val_loss=lambda e: 0.7)
    assert [e[0] for e in rec.events] == ["train_begin", "epoch_begin", "batch_begin", "batch_end", "batch_begin",
                                          "batch_end", "test_begin", "test_end", "epoch_end", "train_end"]
    assert rec.events[-2] == ("epoch_end", 0, {"loss": 1.0, "val_loss": 0.7})
    assert rec.events[-1] == ("train_end", {"loss": 1.0, "val_loss": 0.7})
    assert rec.model is model and rec.params == {"verbose": 0, "epochs": 1, "steps": 2}


def test_history_records_epochs_params_and_sets_model_history():
    model = StubModel()
    h = run_fit(model, [], epochs=3, loss=lambda e, s: np.float32(0.5) / (e + 1))
    assert isinstance(h, History) and model.history is h
    assert h.epoch == [0, 1, 2]
    assert h.params == {"verbose": 0, "epochs": 3, "steps": 2}
    assert h.history["loss"] == [0.5, 0.25, pytest.approx(0.5 / 3)]
    assert all(type(v) is float for v in h.history["loss"])


def test_callback_list_only_calls_overridden_hooks():
    class OnlyEpochEnd(Callback):
        def on_epoch_end(self, epoch, logs=None):
            pass

    class Legacy(Callback):
        def __init__(self):
            super().__init__()
            self.batches = []

        def on_batch_end(self, batch, logs=None):  # Keras 1 name still works
            self.batches.append(batch)

    legacy = Legacy()
    cbs = CallbackList([OnlyEpochEnd(), legacy], model=StubModel(), verbose=0, epochs=1, steps=1)
    table = cbs._table()
    assert len(table["on_epoch_end"]) == 1
    assert table["on_epoch_begin"] == [] and table["on_predict_batch_end"] == []
    assert not cbs.wants_batch_hooks("test")
    assert cbs.wants_batch_hooks("train")
    cbs.on_train_batch_end(4, {})
    cbs.on_batch_end(5)
    assert legacy.batches == [4, 5]
    with pytest.raises(ValueError, match="mode"):
        cbs.wants_batch_hooks("eval")


def test_callback_list_default_callbacks_and_bad_entries():
    own_history = History()
    cbs = CallbackList([own_history], add_history=True, add_progbar=True)
    assert [type(c) for c in cbs] == [History, ProgbarLogger]
    assert cbs._history is own_history
    with pytest.raises(TypeError, match="Callback"):
        CallbackList(["not a callback"])


def test_model_checkpoint_and_progbar_skip_batch_hooks_when_not_needed():
    cbs = CallbackList([ModelCheckpoint("x.h5")], add_progbar=True, verbose=2, epochs=1, steps=3)
    assert not cbs.wants_batch_hooks("train")
    cbs = CallbackList([ModelCheckpoint("x.h5", save_freq=2)], verbose=0, epochs=1, steps=3)
    assert cbs.wants_batch_hooks("train")
    cbs = CallbackList([], add_progbar=True, verbose=1, epochs=1, steps=3)
    assert cbs.wants_batch_hooks("train") and cbs.wants_batch_hooks("predict")


def test_stop_training_from_a_callback_ends_fit_after_the_epoch():
    class StopAfterTwo(Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                self.model.stop_training = True

    h = run_fit(StubModel(), [StopAfterTwo()], epochs=10)
    assert h.epoch == [0, 1]


def test_lambda_callback(capsys):
    seen = []
    cb = LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(("end", epoch)),
                        on_train_begin=lambda logs: seen.append(("begin",)),
                        on_train_batch_end=lambda batch, logs: seen.append(("batch", batch)))
    run_fit(StubModel(), [cb], epochs=1, steps=2)
    assert seen == [("begin",), ("batch", 0), ("batch", 1), ("end", 0)]
    with pytest.raises(TypeError, match="unknown hook"):
        LambdaCallback(on_epoch_ending=print)
    with pytest.raises(TypeError, match="callable"):
        LambdaCallback(on_epoch_end=3)


# ----------------------------------------------------------------------------- ProgbarLogger
def test_progbar_logger_verbose2(frozen_clock, capsys):
    run_fit(StubModel(), [], epochs=2, steps=3, loss=lambda e, s: 0.5, val_loss=lambda e: 0.25, verbose=2)
    assert capsys.readouterr().out == (
        "Epoch 1/2\n3/3 - 0s - loss: 0.5000 - val_loss: 0.2500 - 0s/epoch - 0s/step\n"
        "Epoch 2/2\n3/3 - 0s - loss: 0.5000 - val_loss: 0.2500 - 0s/epoch - 0s/step\n")


def test_progbar_logger_verbose1_in_a_log_file(frozen_clock, no_tty, capsys):
    run_fit(StubModel(), [], epochs=2, steps=3, loss=lambda e, s: 0.5, verbose=1)
    line = "3/3 [==============================] - 0s 0s/step - loss: 0.5000\n"
    assert capsys.readouterr().out == "Epoch 1/2\n" + line + "Epoch 2/2\n" + line


def test_progbar_logger_verbose1_on_a_terminal(tty, monkeypatch, capsys):
    ticks = iter(np.arange(0.0, 100.0, 0.1))
    monkeypatch.setattr(progbar_module, "_clock", lambda: float(next(ticks)))
    run_fit(StubModel(), [], epochs=1, steps=3, loss=lambda e, s: 0.5, verbose=1)
    out = capsys.readouterr().out
    assert not out.startswith("Epoch")  # one epoch: no "Epoch 1/1" line, as in Keras
    first = "1/3 [=========>....................] - ETA: 0s - loss: 0.5000"
    second = "2/3 [===================>..........] - ETA: 0s - loss: 0.5000"
    third = "3/3 [==============================] - ETA: 0s - loss: 0.5000"
    final = "3/3 [==============================] - 0s 150ms/step - loss: 0.5000\n"  # (0.4 - 0.1) / 2
    back = "\b" * len(first) + "\r"
    assert out == "\r" + first + back + second + back + third + back + final


def test_progbar_logger_evaluate_and_predict(frozen_clock, no_tty, capsys):
    cbs = CallbackList([], add_progbar=True, model=StubModel(), verbose=1, epochs=1, steps=4)
    cbs.on_test_begin()
    for i in range(4):
        cbs.on_test_batch_end(i, {"loss": 0.6991, "accuracy": 0.5})
    cbs.on_test_end({"loss": 0.6991, "accuracy": 0.5})
    assert capsys.readouterr().out == "4/4 [==============================] - 0s 0s/step - loss: 0.6991 - accuracy: 0.5000\n"
    cbs = CallbackList([], add_progbar=True, model=StubModel(), verbose=2, epochs=1, steps=4)
    cbs.on_predict_begin()
    for i in range(4):
        cbs.on_predict_batch_end(i, {"outputs": np.zeros((2, 1))})
    cbs.on_predict_end()
    assert capsys.readouterr().out == "4/4 - 0s - 0s/epoch - 0s/step\n"


def test_progbar_logger_unknown_steps_inferred_after_first_epoch(frozen_clock, no_tty, capsys):
    logger = ProgbarLogger()
    cbs = CallbackList([logger], model=StubModel(), verbose=1, epochs=1, steps=None)
    cbs.on_train_begin()
    cbs.on_epoch_begin(0)
    for i in range(5):
        cbs.on_train_batch_end(i, {"loss": 1.0})
    cbs.on_epoch_end(0, {"loss": 1.0})
    assert capsys.readouterr().out == "5/5 [==============================] - 0s 0s/step - loss: 1.0000\n"
    assert logger.target == 5


def test_progbar_logger_own_verbosity_overrides_fit(frozen_clock, capsys):
    run_fit(StubModel(), [ProgbarLogger(verbose=2)], epochs=1, steps=2, loss=lambda e, s: 0.5, verbose=0)
    assert capsys.readouterr().out == "2/2 - 0s - loss: 0.5000 - 0s/epoch - 0s/step\n"
    with pytest.raises(ValueError, match="count_mode"):
        ProgbarLogger(count_mode="batches")


# ----------------------------------------------------------------------------- EarlyStopping
def _scripted(values, key="val_loss"):
    class Scripted(Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs[key] = values[epoch]

    return Scripted()


def test_early_stopping_patience_and_min_delta():
    es = EarlyStopping(monitor="loss", patience=2, min_delta=1e-4)
    h = run_fit(StubModel(), [es], epochs=20, loss=lambda e, s: 1.0)
    assert h.epoch == [0, 1, 2] and es.stopped_epoch == 2
    es = EarlyStopping(monitor="loss", min_delta=0.1, patience=0)
    h = run_fit(StubModel(), [_scripted([1.0, 0.95, 0.5], "loss"), es], epochs=3)
    assert h.epoch == [0, 1]  # 0.95 is not 0.1 better than 1.0


def test_early_stopping_never_stops_after_epoch_zero_and_prints(capsys):
    es = EarlyStopping(patience=0, verbose=1)
    h = run_fit(StubModel(), [_scripted([1.0, 2.0, 3.0]), es], epochs=3, val_loss=lambda e: 0.0)
    assert h.epoch == [0, 1]
    assert capsys.readouterr().out == "Epoch 2: early stopping\n"


def test_early_stopping_restores_best_weights_even_without_stopping(capsys):
    model = StubModel()
    es = EarlyStopping(monitor="val_loss", patience=10, restore_best_weights=True, verbose=1)
    run_fit(model, [_scripted([3.0, 1.0, 2.0]), es], epochs=3, val_loss=lambda e: 0.0)
    assert es.stopped_epoch == 0 and es.best_epoch == 1
    np.testing.assert_array_equal(model.weights[0], [4.0, 4.0])  # after epoch 1 (2 steps per epoch)
    assert capsys.readouterr().out == "Restoring model weights from the end of the best epoch: 2.\n"


def test_early_stopping_restore_when_no_epoch_improves_uses_first_monitored_epoch():
    model = StubModel()
    es = EarlyStopping(monitor="val_loss", patience=5, restore_best_weights=True, baseline=0.1)
    run_fit(model, [_scripted([1.0, 1.0, 1.0]), es], epochs=3, val_loss=lambda e: 0.0)
    np.testing.assert_array_equal(model.weights[0], [2.0, 2.0])


def test_early_stopping_baseline_keeps_counting_until_beaten():
    flat = [0.9] * 6
    h = run_fit(StubModel(), [_scripted(flat), EarlyStopping(patience=2)], epochs=6, val_loss=lambda e: 0.0)
    assert h.epoch == [0, 1, 2]
    # The first epoch improves on +inf but not on the baseline, so waiting is not reset.
    es = EarlyStopping(patience=2, baseline=0.5)
    h = run_fit(StubModel(), [_scripted(flat), es], epochs=6, val_loss=lambda e: 0.0)
    assert h.epoch == [0, 1]


def test_early_stopping_start_from_epoch():
    es = EarlyStopping(monitor="loss", patience=0, start_from_epoch=2)
    h = run_fit(StubModel(), [es], epochs=10, loss=lambda e, s: 1.0)
    assert h.epoch == [0, 1, 2, 3]


@pytest.mark.parametrize("monitor,op", [("val_accuracy", np.greater), ("acc", np.greater), ("val_auc", np.greater),
                                        ("val_loss", np.less), ("accuracy_drop", np.less)])
def test_early_stopping_auto_mode(monitor, op):
    assert EarlyStopping(monitor=monitor).monitor_op is op


def test_early_stopping_missing_metric_warns_and_unknown_mode_falls_back():
    es = EarlyStopping(monitor="val_loss", patience=0)
    with pytest.warns(UserWarning, match="Available metrics are: loss"):
        h = run_fit(StubModel(), [es], epochs=3)
    assert h.epoch == [0, 1, 2]
    with pytest.warns(UserWarning, match="unknown"):
        assert EarlyStopping(mode="biggest").mode == "auto"


# ---------------------------------------------------------------------------- ModelCheckpoint
def test_model_checkpoint_formats_filepath_every_epoch(tmp_path):
    model = StubModel()
    pattern = str(tmp_path / "sub" / "w.{epoch:02d}-{loss:.2f}.h5")
    run_fit(model, [ModelCheckpoint(pattern, save_weights_only=True)], epochs=3)
    assert sorted(os.listdir(tmp_path / "sub")) == ["w.01-1.00.h5", "w.02-0.50.h5", "w.03-0.33.h5"]
    assert {kind for kind, _, _ in model.saved} == {"save_weights"}


def test_model_checkpoint_save_best_only_messages(tmp_path, capsys):
    model = StubModel()
    path = str(tmp_path / "best.h5")
    ckpt = ModelCheckpoint(path, save_best_only=True, verbose=1)
    run_fit(model, [_scripted([0.6929, 0.6925, 0.7]), ckpt], epochs=3, val_loss=lambda e: 0.0)
    assert capsys.readouterr().out == (
        f"\nEpoch 1: val_loss improved from inf to 0.69290, saving model to {path}\n"
        f"\nEpoch 2: val_loss improved from 0.69290 to 0.69250, saving model to {path}\n"
        "\nEpoch 3: val_loss did not improve from 0.69250\n")
    assert [kind for kind, _, _ in model.saved] == ["save", "save"]
    np.testing.assert_array_equal(model.saved[-1][2], [4.0, 4.0])  # weights of epoch 2
    run_fit(StubModel(), [ModelCheckpoint(path, verbose=1)], epochs=1)
    assert capsys.readouterr().out == f"\nEpoch 1: saving model to {path}\n"


def test_model_checkpoint_auto_mode_differs_from_early_stopping():
    assert ModelCheckpoint("m.h5", monitor="val_auc").monitor_op is np.less  # Keras's rule: 'acc' in name
    assert ModelCheckpoint("m.h5", monitor="val_acc").monitor_op is np.greater
    assert ModelCheckpoint("m.h5", monitor="fmeasure_x").monitor_op is np.greater
    assert ModelCheckpoint("m.h5", monitor="val_auc", mode="max").monitor_op is np.greater


def test_model_checkpoint_initial_value_threshold_and_missing_monitor(tmp_path):
    model = StubModel()
    ckpt = ModelCheckpoint(str(tmp_path / "m.h5"), save_best_only=True, initial_value_threshold=0.5)
    run_fit(model, [_scripted([0.9, 0.6, 0.4]), ckpt], epochs=3, val_loss=lambda e: 0.0)
    assert len(model.saved) == 1 and ckpt.best == 0.4
    with pytest.warns(UserWarning, match="Can save best model only with val_loss available"):
        run_fit(StubModel(), [ModelCheckpoint(str(tmp_path / "n.h5"), save_best_only=True)], epochs=1)
    assert not os.path.exists(tmp_path / "n.h5")


def test_model_checkpoint_save_freq_in_batches_and_period(tmp_path):
    model = StubModel()
    pattern = str(tmp_path / "b{epoch}-{batch}.h5")
    run_fit(model, [ModelCheckpoint(pattern, save_freq=3, save_weights_only=True)], epochs=2, steps=4)
    # 8 batches, one save every 3: epoch 1 batch 3, epoch 2 batch 2 (counted from 1)
    assert sorted(os.listdir(tmp_path)) == ["b1-3.h5", "b2-2.h5"]
    with pytest.warns(UserWarning, match="period"):
        ckpt = ModelCheckpoint(str(tmp_path / "p{epoch}.h5"), period=2)
    run_fit(StubModel(), [ckpt], epochs=5)
    assert sorted(f for f in os.listdir(tmp_path) if f.startswith("p")) == ["p2.h5", "p4.h5"]


def test_model_checkpoint_errors(tmp_path):
    with pytest.raises(ValueError, match="Unrecognized save_freq"):
        ModelCheckpoint("m.h5", save_freq="batch")
    with pytest.raises(KeyError, match="Failed to format this callback filepath"):
        run_fit(StubModel(), [ModelCheckpoint(str(tmp_path / "{val_acc}.h5"))], epochs=1)
    with pytest.raises(IsADirectoryError, match="non-directory filepath"):
        run_fit(StubModel(), [ModelCheckpoint(str(tmp_path))], epochs=1)
    with pytest.raises(TypeError, match="unrecognized"):
        ModelCheckpoint("m.h5", every=3)


# ---------------------------------------------------------------------------------- CSVLogger
def test_csv_logger_header_rows_and_na_columns(tmp_path):
    path = tmp_path / "log.csv"
    run_fit(StubModel(), [CSVLogger(str(path))], epochs=2, loss=lambda e, s: 0.5 + e)
    assert path.read_bytes() == b"epoch,loss,val_loss\r\n0,0.5,NA\r\n1,1.5,NA\r\n"
    run_fit(StubModel(), [CSVLogger(str(path), append=True)], epochs=1, val_loss=lambda e: 0.25)
    rows = list(csv.reader(path.open(newline="")))
    assert rows[-1] == ["0", "1.0", "0.25"] and len(rows) == 4  # no second header


def test_csv_logger_separator_sorting_and_stop(tmp_path):
    path = tmp_path / "log.tsv"

    class AddAndStop(Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["accuracy"] = 0.75
            if epoch == 0:
                self.model.stop_training = True

    run_fit(StubModel(), [AddAndStop(), CSVLogger(str(path), separator="\t")], epochs=3,
            val_loss=lambda e: 0.1)
    assert path.read_text().splitlines() == ["epoch\taccuracy\tloss\tval_loss", "0\t0.75\t1.0\t0.1"]


# -------------------------------------------------------------------------- learning rates
def test_learning_rate_scheduler_two_and_one_argument_forms(capsys):
    model = StubModel(lr=0.08)
    calls = []

    def schedule(epoch, lr):
        calls.append((epoch, round(lr, 6)))
        return lr * 0.5

    h = run_fit(model, [LearningRateScheduler(schedule, verbose=1)], epochs=3)
    assert calls == [(0, 0.08), (1, 0.04), (2, 0.02)]
    assert h.history["lr"] == pytest.approx([0.04, 0.02, 0.01])
    assert "\nEpoch 1: LearningRateScheduler setting learning rate to 0.04.\n" in capsys.readouterr().out
    model = StubModel()
    run_fit(model, [LearningRateScheduler(lambda epoch: 0.1 * 0.5 ** epoch)], epochs=3)
    assert model.optimizer.learning_rate == pytest.approx(0.025)


def test_learning_rate_scheduler_bad_schedule():
    with pytest.raises(TypeError, match="callable"):
        LearningRateScheduler(0.1)
    with pytest.raises(ValueError, match="should be float"):
        run_fit(StubModel(), [LearningRateScheduler(lambda e, lr: "fast")], epochs=1)


def test_reduce_lr_on_plateau(capsys):
    model = StubModel(lr=0.1)
    cb = ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=2, cooldown=1, min_lr=0.02, verbose=1)
    values = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    h = run_fit(model, [_scripted(values), cb], epochs=8, val_loss=lambda e: 0.0)
    # lr is logged before that epoch's reduction: reductions at epochs 2, 4 (one cooldown epoch that
    # still counts once cooldown ends) and 6 (floored at min_lr)
    assert h.history["lr"] == pytest.approx([0.1, 0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.02])
    out = capsys.readouterr().out
    assert "\nEpoch 3: ReduceLROnPlateau reducing learning rate to 0.05000000074505806.\n" in out
    # the floor as given, not its float32 (tf_keras 2.21: max(float32 rate * factor, min_lr))
    assert "\nEpoch 7: ReduceLROnPlateau reducing learning rate to 0.02.\n" in out
    assert model.optimizer.learning_rate == pytest.approx(0.02)
    with pytest.raises(ValueError, match="factor >= 1.0"):
        ReduceLROnPlateau(factor=1.5)


def test_reduce_lr_on_plateau_min_delta():
    model = StubModel(lr=1.0)
    cb = ReduceLROnPlateau(monitor="loss", patience=1, min_delta=0.1)
    run_fit(model, [_scripted([1.0, 0.95], "loss"), cb], epochs=2)
    assert model.optimizer.learning_rate == pytest.approx(0.1)


# ------------------------------------------------------------------------------ TerminateOnNaN
def test_terminate_on_nan_stops_at_the_batch(capsys):
    model = StubModel()
    h = run_fit(model, [TerminateOnNaN()], epochs=3, steps=4,
                loss=lambda e, s: math.nan if (e, s) == (1, 2) else 0.5)
    assert capsys.readouterr().out == "Batch 2: Invalid loss, terminating training\n"
    assert h.epoch == [0, 1]
    np.testing.assert_array_equal(model.weights[0], [7.0, 7.0])  # 4 + 3 steps ran
    run_fit(StubModel(), [TerminateOnNaN()], epochs=1, loss=lambda e, s: math.inf)
    assert "Invalid loss" in capsys.readouterr().out


# ----------------------------------------------------------------------------- BackupAndRestore
def test_backup_and_restore_resumes_after_a_crash(tmp_path):
    backup_dir = tmp_path / "backup"
    model = StubModel()
    with pytest.raises(RuntimeError):
        run_fit(model, [BackupAndRestore(str(backup_dir))], epochs=5, fail_at_epoch=2)
    assert os.listdir(backup_dir) == ["backup.npz"]  # no temporary files left behind
    saved_weights = model.get_weights()

    fresh = StubModel()
    rec = Recorder()
    h = run_fit(fresh, [BackupAndRestore(str(backup_dir)), rec], epochs=5)
    assert h.epoch == [2, 3, 4]
    assert fresh._initial_epoch_override is None
    assert int(np.asarray(fresh.optimizer.iterations)) == 4 + 6
    np.testing.assert_array_equal(fresh.optimizer.slot.numpy(), [5.0, 5.0])
    np.testing.assert_array_equal(fresh.weights[0], saved_weights[0] + 6)
    assert not backup_dir.exists()  # deleted after a successful run


def test_backup_kept_when_asked_and_by_batch(tmp_path):
    backup_dir = tmp_path / "b"
    run_fit(StubModel(), [BackupAndRestore(str(backup_dir), delete_checkpoint=False)], epochs=2)
    assert os.path.exists(backup_dir / "backup.npz")
    model = StubModel()
    cb = BackupAndRestore(str(tmp_path / "c"), save_freq=3, delete_checkpoint=False)
    run_fit(model, [cb], epochs=1, steps=4)
    resumed = StubModel()
    cb2 = BackupAndRestore(str(tmp_path / "c"))
    cb2.set_model(resumed)
    cb2.on_train_begin()
    assert resumed._initial_epoch_override == 0 and resumed._initial_step_override == 3
    np.testing.assert_array_equal(resumed.weights[0], [3.0, 3.0])


def test_backup_and_restore_bad_arguments():
    with pytest.raises(ValueError, match="Empty `backup_dir`"):
        BackupAndRestore("")
    with pytest.raises(ValueError, match="save_freq"):
        BackupAndRestore("d", save_freq=0)


def test_callbacks_are_registered():
    from kerasish.utils.serialization import builtin_objects
    table = builtin_objects("callback")
    for name in ("Callback", "History", "ProgbarLogger", "EarlyStopping", "ModelCheckpoint", "CSVLogger",
                 "LearningRateScheduler", "ReduceLROnPlateau", "TerminateOnNaN", "LambdaCallback",
                 "BackupAndRestore"):
        assert table[name] is getattr(cb_module, name)


def test_each_hook_call_hands_callbacks_a_copy_of_the_logs():
    """tf_keras 2.21 (fit-output oracle): a key a callback adds in on_epoch_end (ReduceLROnPlateau's `lr`) reaches
    the later callbacks and History, but not the logs of on_train_end; one added to a batch's logs does not reach
    the epoch's."""
    import kerasish as keras

    seen = {}

    class AddsKeys(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            logs["added_in_batch"] = 1.0

    class Records(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen["epoch"] = list(logs)

        def on_train_end(self, logs=None):
            seen["train_end"] = list(logs)

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    history = model.fit(np.zeros((4, 2)), np.zeros((4, 1)), epochs=2, verbose=0,
                        callbacks=[AddsKeys(), ReduceLROnPlateau(monitor="loss"), Records()])
    assert seen == {"epoch": ["loss", "lr"], "train_end": ["loss"]}
    assert list(history.history) == ["loss", "lr"]


def test_csv_logger_writes_the_learning_rate_as_float32(tmp_path):
    """tf_keras 2.21 logs `lr` as the optimizer's float32 and CSVLogger writes it as numpy prints it ('0.05'),
    the metrics, which it converts to Python floats, with all their digits."""
    import kerasish as keras

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, kernel_initializer="ones")])
    model.compile(keras.optimizers.SGD(0.05), "mse")
    path = tmp_path / "log.csv"
    model.fit(np.ones((4, 2)), np.zeros((4, 1)), epochs=1, verbose=0,
              callbacks=[LearningRateScheduler(lambda epoch, lr: lr), CSVLogger(str(path))])
    header, row = path.read_text().splitlines()
    assert header == "epoch,loss,lr,val_loss,val_lr"  # val_ columns reserved for a later validation
    assert row.split(",")[2] == "0.05"
    assert row.split(",")[1] == str(float(np.float32(row.split(",")[1])))  # a Python float's repr


def test_verbose_2_counts_the_batches_of_a_generator(capsys):
    """tf_keras 2.21 prints `5/5 - 0s - loss: ...` for a generator of unknown length at verbose=2 (we printed 0/0)."""
    import kerasish as keras

    x, y = np.ones((20, 2), "float32"), np.zeros((20, 1), "float32")
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    model.fit(((x[i:i + 4], y[i:i + 4]) for i in range(0, 20, 4)), verbose=2)
    model.evaluate(((x[i:i + 4], y[i:i + 4]) for i in range(0, 20, 4)), verbose=2)
    lines = capsys.readouterr().out.splitlines()
    assert [line[:6] for line in lines] == ["5/5 - ", "5/5 - "]
