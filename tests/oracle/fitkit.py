"""Run one fit-output oracle case with any Keras-2-compatible module, and normalise what it prints.

`tools/make_fit_output_oracle.py` runs each case on tf_keras and stores what a user sees around
training; `tests/oracle/test_fit_output_oracle.py` runs the same case with the same code on kerasish.
A case is JSON: a model spec (`casekit.build_model`), its starting weights and data, a compile spec
and a list of ops (`fit`, `evaluate`, `predict`, `summary`), each with its keyword arguments and
callback specs. What a case records:

- `out`: every op's printed text, *rendered* as a terminal shows it (see `render`) and with the
  parts that genuinely vary replaced by placeholders (see `normalise`);
- `events`: every callback hook a recording callback received, with its argument and `logs` keys
  and values, the optimizer's learning rate and `model.stop_training` at each epoch's end;
- `histories`: after each `fit`, `model.history`'s keys, values, `epoch` and `params`, and whether `fit`
  returned it (not after `evaluate`/`predict`: tf_keras then replaces `model.history` by an empty
  History, which throws away the training record for no reason; kerasish keeps the fit's);
- `error`: the type of the exception an op raised (the ops after it do not run);
- `files`: the files a callback left in the case's folder, and the text of CSV logs;
- `weights`: the model's weights after the last op (which weights `restore_best_weights` kept).

Example:
    >>> render("1/2 [==>...] - ETA: 0s\\b\\b\\b\\b\\r2/2 [=====] - 0s 3ms/step\\n")
    ['2/2 [=====] - 0s 3ms/step']
    >>> normalise(['2/2 [=====] - 0s 3ms/step - loss: 0.1234', '1/2 [==>..] - ETA: 0s - loss: nanBatch 1: Invalid loss'])
    ['2/2 [=====] - <time> - loss: 0.1234', 'Batch 1: Invalid loss']
"""
import contextlib
import io
import os
import re

import numpy as np

from tests.oracle.casekit import _arrays, build_model, build_object


# ----------------------------------------------------------------------------- users' own schedules
def schedules():
    """LearningRateScheduler schedules as users write them: of the epoch alone, or of (epoch, lr)."""

    def halve_every_two(epoch):
        return 0.08 * 0.5 ** (epoch // 2)

    def linear_warmup(epoch):
        return 0.01 * (epoch + 1)

    def decay_ten_percent(epoch, lr):
        return lr * 0.9

    def drop_after_two(epoch, lr):
        return lr if epoch < 2 else lr * 0.5

    return {f.__name__: f for f in (halve_every_two, linear_warmup, decay_ten_percent, drop_after_two)}


# ----------------------------------------------------------------------------- recording callback
def _plain(value):
    """A JSON value for a logged value: floats for scalars, a shape for arrays (predict outputs)."""
    if isinstance(value, (list, tuple)):
        return {"list": [_plain(v) for v in value]}
    if hasattr(value, "numpy") and not isinstance(value, np.ndarray):
        value = value.numpy()
    arr = np.asarray(value)
    if arr.ndim == 0 and arr.dtype.kind in "biuf":
        return float(arr)
    return {"shape": list(arr.shape)}


HOOKS = ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_train_batch_begin",
         "on_train_batch_end", "on_test_begin", "on_test_end", "on_test_batch_begin", "on_test_batch_end",
         "on_predict_begin", "on_predict_end", "on_predict_batch_begin", "on_predict_batch_end")


def recorder(keras, events):
    """A callback that appends `[hook, argument, logs keys, logs values]` to `events` for every hook."""

    def make(name, with_arg):
        def hook(self, *args):
            arg = args[0] if with_arg else None
            logs = args[-1] if len(args) > (1 if with_arg else 0) else None
            entry = {"hook": name, "arg": arg, "keys": None if logs is None else list(logs),
                     "values": None if logs is None else {k: _plain(v) for k, v in logs.items()}}
            if name in ("on_train_begin", "on_test_begin", "on_predict_begin"):
                entry["params"] = {k: v for k, v in sorted(self.params.items())}
            if name == "on_epoch_end":
                entry["lr"] = float(keras.backend.get_value(self.model.optimizer.learning_rate))
                entry["stop_training"] = bool(self.model.stop_training)
            events.append(entry)

        return hook

    namespace = {name: make(name, "batch" in name or "epoch" in name) for name in HOOKS}
    return type("Recorder", (keras.callbacks.Callback,), namespace)()


# ----------------------------------------------------------------------------- text normalisation
def render(text):
    """The lines a terminal shows for `text`: `\\r` returns to the line's start, `\\b` moves back one column,
    later characters overwrite earlier ones (how tf_keras's progress bar redraws itself). Trailing spaces
    (left over when a redraw is shorter than the line it overwrites) are dropped."""
    lines, line, col = [], [], 0
    for ch in text:
        if ch == "\n":
            lines.append("".join(line).rstrip())
            line, col = [], 0
        elif ch == "\r":
            col = 0
        elif ch == "\b":
            col = max(0, col - 1)
        else:
            if col < len(line):
                line[col] = ch
            else:
                line.extend(" " * (col - len(line)))
                line.append(ch)
            col += 1
    if line:
        lines.append("".join(line).rstrip())
    return lines


_TIME = "[0-9]+(?:s|ms|us)"
_SUBSTITUTIONS = [
    # verbose=1, finished bar: ` - 0s 3ms/step` (elapsed seconds, time per step or sample)
    (re.compile(r" - [0-9]+s " + _TIME + r"/(?:step|sample)"), " - <time>"),
    # verbose=2: `3/3 - 0s - loss: ... - 31ms/epoch - 10ms/step`
    (re.compile(r"^( *[0-9]+/[0-9]+) - [0-9]+s"), r"\1 - <time>"),
    (re.compile(r" - " + _TIME + r"/epoch - " + _TIME + r"/(?:step|sample)$"), " - <time>"),
    # A bar left unfinished on screen by a message printed mid-epoch (ModelCheckpoint's `save_freq`,
    # TerminateOnNaN): tf_keras's shows whichever step it last redrew (every 0.05 s), kerasish draws none
    # when stdout is not a terminal. Dropped: only finished bars are compared.
    (re.compile(r"^ *[0-9]+/[0-9]+ \[[=>.]*\] - ETA: [0-9:]+s?"
                r"(?: - [\w]+: (?:-?[0-9]+\.[0-9]+(?:e[+-][0-9]+)?|nan|-?inf))*"), ""),
]


def normalise(lines, folder=None):
    """`lines` with times replaced by `<time>` and the case's folder by `<dir>`."""
    out = []
    for line in lines:
        if folder:
            line = line.replace(folder, "<dir>")
        for pattern, repl in _SUBSTITUTIONS:
            line = pattern.sub(repl, line)
        out.append(line)
    return out


# ----------------------------------------------------------------------------- running a case
def _with_folder(spec, folder):
    if isinstance(spec, str):
        return spec.replace("<dir>", folder)
    if isinstance(spec, list):
        return [_with_folder(s, folder) for s in spec]
    if isinstance(spec, dict):
        return {k: _with_folder(v, folder) for k, v in spec.items()}
    return spec


def stop_training(keras, at_epoch, at_batch=None):
    """A user's callback that sets `model.stop_training` after batch `at_batch` of epoch `at_epoch` (or at that
    epoch's end when `at_batch` is None)."""

    class StopTraining(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_end(self, batch, logs=None):
            if at_batch is not None and (self.epoch, batch) == (at_epoch, at_batch):
                self.model.stop_training = True

        def on_epoch_end(self, epoch, logs=None):
            if at_batch is None and epoch == at_epoch:
                self.model.stop_training = True

    return StopTraining()


def build_callback(keras, spec, folder):
    """A callback from its spec; `{"schedule": name}` names one of `schedules()`, `StopTraining` is
    `stop_training`."""
    spec = _with_folder(spec, folder)
    if spec["name"] == "StopTraining":
        return stop_training(keras, **spec["args"])
    args = dict(spec.get("args", {}))
    if "schedule" in args:
        args["schedule"] = schedules()[args["schedule"]]
    return build_object(keras, {"module": "callbacks", "name": spec["name"], "args": args})


def batches_of(keras, x, y, batch_size, kind):
    """`(x, y)` in batches as a `keras.utils.Sequence` (kind "sequence"), a one-pass Python generator
    ("generator": its length unknown to `fit`) or an endless one ("looping", used with `steps_per_epoch`)."""
    starts = range(0, len(x), batch_size)
    if kind == "generator":
        return ((x[i:i + batch_size], y[i:i + batch_size]) for i in starts)
    if kind == "looping":
        return ((x[i:i + batch_size], y[i:i + batch_size]) for _ in iter(int, 1) for i in starts)

    class Batches(keras.utils.Sequence):
        def __len__(self):
            return len(starts)

        def __getitem__(self, index):
            i = starts[index]
            return x[i:i + batch_size], y[i:i + batch_size]

    return Batches()


def _call(model, op, kwargs, arrays, callbacks):
    kw = dict(kwargs)
    for key in ("x", "y"):
        if key in kw:
            kw[key] = _arrays(kw[key], arrays)
    if "batches" in kw:  # x and y served by a Sequence or a generator
        kind, size = kw.pop("batches")
        kw["x"] = batches_of(_keras_of(model), kw["x"], kw.pop("y"), size, kind)
    if "validation_data" in kw:
        kw["validation_data"] = tuple(_arrays(r, arrays) for r in kw["validation_data"])
    if op == "summary":
        model.summary(**kw)
        return None
    if op == "fit":
        returned = model.fit(shuffle=False, callbacks=callbacks, **kw)
        return returned is model.history
    if op == "evaluate":
        model.evaluate(callbacks=callbacks, **kw)
        return None
    if op == "predict":
        model.predict(callbacks=callbacks, **kw)
        return None
    raise ValueError(f"unknown op {op!r}")


def _keras_of(model):
    import importlib

    return importlib.import_module(type(model).__module__.split(".")[0])


def _screen(text, folder):
    """The normalised lines `text` leaves on a terminal. A last line left unterminated by an exception is
    dropped when only an unfinished bar was on it (kerasish draws none when stdout is not a terminal)."""
    lines = normalise(render(text), folder)
    if text and not text.endswith("\n") and lines and not lines[-1]:
        lines.pop()
    return lines


def _files(folder):
    """The files callbacks wrote (names, sorted), and the text of every `.csv`/`.tsv` among them."""
    names = sorted(os.listdir(folder))
    texts = {}
    for name in names:
        if name.endswith((".csv", ".tsv")):
            with open(os.path.join(folder, name), newline="") as f:
                texts[name] = f.read()
    return names, texts


def run_case(keras, case, weights, folder):
    """Run `case` on `keras` in a fresh session, writing files under `folder` (an empty directory)."""
    keras.backend.clear_session()
    arrays = {k: np.asarray(v, dtype=dt) for k, (dt, v) in case.get("arrays", {}).items()}
    model = build_model(keras, case["model"])
    if weights is not None:
        model.set_weights([np.asarray(w, dtype=np.float32) for w in weights])
    if "compile" in case:
        model.compile(**build_object(keras, case["compile"]))
    result = {"out": [], "events": [], "histories": []}
    for op, kwargs, callback_specs in case["ops"]:
        callbacks = [build_callback(keras, spec, folder) for spec in callback_specs]
        if op != "summary":
            callbacks.append(recorder(keras, result["events"]))
        buffer = io.StringIO()
        try:
            with contextlib.redirect_stdout(buffer):
                returned = _call(model, op, kwargs, arrays, callbacks)
        except Exception as exc:  # noqa: BLE001 (what a case raises is part of what it records)
            result["out"].append(_screen(buffer.getvalue(), folder))
            result["error"] = type(exc).__name__
            break
        result["out"].append(_screen(buffer.getvalue(), folder))
        if op == "fit":
            h = model.history
            result["histories"].append({
                "returned": returned, "keys": list(h.history), "epoch": [int(e) for e in h.epoch],
                "values": {k: [float(v) for v in vs] for k, vs in h.history.items()},
                "params": {k: v for k, v in sorted(h.params.items())}})
    if any(op == "fit" for op, _, _ in case["ops"]):
        result["weights"] = [np.asarray(w, dtype=np.float64).ravel().tolist() for w in model.get_weights()]
    result["files"], result["texts"] = _files(folder)
    result["texts"] = {k: v.replace(folder, "<dir>") for k, v in result["texts"].items()}
    return result
