"""Record what `fit`, `evaluate`, `predict`, `summary` and the callbacks show a user, with real Keras 2.

Run with an interpreter that has tf_keras 2.x (never a kerasish dependency):

    /tmp/tfenv/bin/python tools/make_fit_output_oracle.py --count 240 --seed 7000

It writes `tests/data/fit_output_oracle.json.gz`, replayed on kerasish by
`tests/oracle/test_fit_output_oracle.py`. Cases are drawn at random (seeded; a case is a pure
function of its seed) in three families:

- `fit`: small Sequential or two-output Functional models (regression, binary, categorical and
  sparse targets), metrics by string and by class (default and custom names, per output),
  `fit` with `verbose` 0/1/2/"auto", epochs 1-3, `initial_epoch`, batch sizes that do and do not
  divide N, `steps_per_epoch`, `validation_split`/`validation_data`, `validation_freq`,
  `validation_batch_size`, data served by a `Sequence` or a one-pass generator (the `N/Unknown`
  bar); then `evaluate`/`predict` with their own `verbose`, batch sizes and `steps`, and sometimes
  a second `fit` (which replaces `model.history`). A quarter carry a user's callback (one that sets
  `stop_training`, an explicit History or ProgbarLogger).
- `callbacks`: 4-8 epochs with one or two of EarlyStopping, ReduceLROnPlateau,
  LearningRateScheduler, ModelCheckpoint, CSVLogger and TerminateOnNaN, each over its arguments
  (monitors on losses and on metrics whose names contain acc/auc/fmeasure, every mode, deltas,
  patience, baselines, cooldowns, filepath templates, save frequencies, separators, append).
- `summary`: random Sequential, Functional and nested models (frozen layers included) printed with
  random `line_length`, `positions`, `expand_nested` and `show_trainable`.

A case whose monitoring callback decides on a near tie (a converged loss) is dropped (`near_tie`).
Every run of `fit` also carries a recording callback (`fitkit.recorder`) that logs every hook's
`logs` keys and values. Models start from tf_keras's initial weights rounded to float16, and data
are float16-exact, so both sides compute the same numbers up to float32 rounding.
"""
import argparse
import gzip
import json
import os
import shutil
import sys
import tempfile
import time
import traceback

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
from tests.oracle import fitkit  # noqa: E402

OUT = os.path.join(ROOT, "tests", "data", "fit_output_oracle.json.gz")


class Draw:
    """A seeded source of choices."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)

    def choice(self, options):
        return options[int(self.rng.integers(len(options)))]

    def chance(self, p):
        return bool(self.rng.random() < p)

    def int(self, lo, hi):
        return int(self.rng.integers(lo, hi + 1))

    def normal(self, shape, scale=1.0):
        return np.asarray(self.rng.standard_normal(shape) * scale, dtype=np.float16).astype(np.float32)


def obj(module_, name_, **args):
    spec = {"module": module_, "name": name_}
    if args:
        spec["args"] = args
    return spec


def layer(class_name, **args):
    return obj("layers", class_name, **args)


# ----------------------------------------------------------------------------- targets, heads, metrics
HEADS = {  # kind: (activation, losses)
    "regression": (None, ["mse", "mae", "huber", obj("losses", "MeanSquaredError")]),
    "binary": ("sigmoid", ["binary_crossentropy", obj("losses", "BinaryCrossentropy")]),
    "categorical": ("softmax", ["categorical_crossentropy", obj("losses", "CategoricalCrossentropy")]),
    "sparse": ("softmax", ["sparse_categorical_crossentropy"]),
}

METRICS = {
    "regression": ["mae", "mse", "mean_absolute_percentage_error", obj("metrics", "RootMeanSquaredError"),
                   obj("metrics", "MeanAbsoluteError", name="my_mae"), obj("metrics", "CosineSimilarity"),
                   obj("metrics", "LogCoshError", name="logcosh_acc")],
    "binary": ["accuracy", "acc", "binary_accuracy", obj("metrics", "AUC"), obj("metrics", "AUC", name="my_auc"),
               obj("metrics", "Precision", name="prec"), obj("metrics", "Recall"),
               obj("metrics", "BinaryAccuracy", name="fmeasure", threshold=0.3)],
    "categorical": ["accuracy", "acc", "categorical_accuracy",
                    obj("metrics", "TopKCategoricalAccuracy", k=2, name="top2"),
                    obj("metrics", "CategoricalAccuracy", name="cat_acc"), obj("metrics", "AUC", name="auc")],
    "sparse": ["accuracy", "sparse_categorical_accuracy", obj("metrics", "SparseTopKCategoricalAccuracy", k=2)],
}


def targets(d, kind, n, k):
    if kind == "regression":
        return d.normal((n, k)), "float32"
    if kind == "binary":
        return (d.rng.random((n, k)) < 0.5).astype(np.float32), "float32"
    labels = d.rng.integers(0, k, n)
    if kind == "categorical":
        return np.eye(k, dtype=np.float32)[labels], "float32"
    return labels.reshape(n, 1).astype(np.int64), "int64"


def head_units(d, kind):
    return 1 if kind == "binary" else d.int(2, 3) if kind == "regression" else d.int(3, 4)


def draw_metrics(d, kind, count):
    chosen = []
    for m in [d.choice(METRICS[kind]) for _ in range(count)]:
        if m not in chosen and not (m in ("accuracy", "acc") and ("accuracy" in chosen or "acc" in chosen)):
            chosen.append(m)
    return chosen


def put(arrays, name, array, dtype="float32"):
    arrays[name] = [dtype, np.asarray(array).tolist()]
    return name


# ----------------------------------------------------------------------------- the fit and callbacks families
def draw_training(d, case, epochs_range, family, kind=None):
    """Model, data, compile spec and the first fit's kwargs (the caller adds callbacks and more ops)."""
    features = d.int(2, 4)
    n = d.choice([12, 16, 20, 24, 30, 40])
    two_outputs = d.chance(0.3 if family == "fit" else 0.15)
    arrays = {}
    x = d.normal((n, features))
    put(arrays, "x", x)
    hidden = d.int(2, 5)
    hidden_act = d.choice(["relu", "tanh", None])
    if kind == "regression" and family == "callbacks" and hidden_act == "relu":
        # TerminateOnNaN cases (see draw_callbacks_case): once the NaN batch has made weights NaN, tf_keras's
        # relu maps NaN to 0 (Eigen's max) and the layers after it stay finite, while kerasish's relu
        # propagates NaN (as IEEE, numpy and PyTorch do): a deliberate difference kept out (see README).
        hidden_act = "tanh"
    kinds = [kind or d.choice(list(HEADS)) for _ in range(2 if two_outputs else 1)]
    units = [head_units(d, kind) for kind in kinds]
    ys = []
    for i, (kind, k) in enumerate(zip(kinds, units)):
        y, dtype = targets(d, kind, n, k)
        ys.append(put(arrays, f"y{i}", y, dtype))
    if not two_outputs:
        model = {"type": "sequential", "input_shape": [features],
                 "layers": [layer("Dense", units=hidden, activation=hidden_act),
                            layer("Dense", units=units[0], activation=HEADS[kinds[0]][0])]}
        loss = d.choice(HEADS[kinds[0]][1])
        metrics = draw_metrics(d, kinds[0], d.int(0, 3))
        y_ref = ys[0]
    else:
        names = ["out_a", "out_b"]
        model = {"type": "functional", "inputs": [{"shape": [features], "name": "features"}],
                 "nodes": [{"id": "h", "layer": layer("Dense", units=hidden, activation=hidden_act, name="hidden"),
                            "inputs": ["in0"]}]
                 + [{"id": names[i], "layer": layer("Dense", units=units[i], activation=HEADS[kinds[i]][0],
                                                    name=names[i]), "inputs": ["h"]} for i in range(2)],
                 "outputs": names}
        losses = [d.choice(HEADS[kind][1]) for kind in kinds]
        per_output = [draw_metrics(d, kind, d.int(0, 2)) for kind in kinds]
        if d.chance(0.5):
            loss, metrics, y_ref = dict(zip(names, losses)), dict(zip(names, per_output)), dict(zip(names, ys))
        else:
            loss, metrics, y_ref = losses, per_output, ys
    lr = d.choice([0.01, 0.05, 0.1]) if family == "fit" else d.choice([0.05, 0.1, 0.2])
    compile_spec = {"optimizer": obj("optimizers", "SGD", learning_rate=lr), "loss": loss}
    if metrics:
        compile_spec["metrics"] = metrics
    if two_outputs and d.chance(0.3):
        compile_spec["loss_weights"] = [1.0, 0.5] if isinstance(loss, list) else {"out_a": 1.0, "out_b": 0.5}

    batch_size = d.choice([None, 4, 5, 7, 8, 16, 32])
    fit = {"x": "x", "y": y_ref, "epochs": d.int(*epochs_range)}
    if batch_size is not None:
        fit["batch_size"] = batch_size
    validation = d.choice(["none", "split", "data"] if family == "fit" else ["split", "data", "data"])
    if validation == "split":
        fit["validation_split"] = d.choice([0.2, 0.25])
    elif validation == "data":
        nv = d.choice([6, 8, 10])
        put(arrays, "vx", d.normal((nv, features)))
        vys = []
        for i, (kind, k) in enumerate(zip(kinds, units)):
            y, dtype = targets(d, kind, nv, k)
            vys.append(put(arrays, f"vy{i}", y, dtype))
        vy_ref = vys[0] if not two_outputs else (dict(zip(["out_a", "out_b"], vys)) if isinstance(y_ref, dict) else vys)
        fit["validation_data"] = ["vx", vy_ref]
        if d.chance(0.2):
            fit["validation_batch_size"] = d.choice([3, 4])
    if family == "fit":
        if d.chance(0.2):
            train_n = n - int(n * fit.get("validation_split", 0)) if "validation_split" in fit else n
            full = -(-train_n // (batch_size or 32))
            fit["steps_per_epoch"] = d.int(1, full)
        if fit["epochs"] >= 2 and d.chance(0.25):
            fit["initial_epoch"] = d.int(1, fit["epochs"] - 1)
        if validation != "none" and fit["epochs"] >= 2 and d.chance(0.2):
            fit["validation_freq"] = d.choice([2, [1, 3], [2]])
        if d.chance(0.04):  # resuming a training that already ran all its epochs
            fit["initial_epoch"] = fit["epochs"]
    fit["verbose"] = d.choice([0, 1, 2, "auto"])
    case.update(model=model, arrays=arrays, compile=compile_spec)
    return fit, kinds, metrics


def metric_names(metrics):
    """The logged names of compiled metrics of a one-output model (as both frameworks name them); for a
    two-output model, its per-output losses."""
    if isinstance(metrics, dict) or (metrics and isinstance(metrics[0], list)):
        return ["out_a_loss", "out_b_loss"]
    names = []
    for m in metrics or []:
        if isinstance(m, str):
            names.append(m)
        elif "args" in m and "name" in m["args"]:
            names.append(m["args"]["name"])
        else:
            names.append({"RootMeanSquaredError": "root_mean_squared_error", "AUC": "auc", "Recall": "recall",
                          "CosineSimilarity": "cosine_similarity",
                          "SparseTopKCategoricalAccuracy": "sparse_top_k_categorical_accuracy"}[m["name"]])
    return names


def draw_monitor(d, fit, metrics):
    names = ["loss"] + metric_names(metrics)
    has_val = "validation_split" in fit or "validation_data" in fit
    options = names + (["val_" + n for n in names] * 2 if has_val else [])
    if d.chance(0.05):
        return "val_los"  # a typo: the callback warns and does nothing
    return d.choice(options)


def draw_callback(d, name, fit, metrics):
    monitor = draw_monitor(d, fit, metrics)
    verbose = d.choice([0, 1])
    if name == "EarlyStopping":
        args = {"monitor": monitor, "min_delta": d.choice([0.0, 0.0, 1e-3, 0.01, 0.1, -0.01]),
                "patience": d.int(0, 3), "mode": d.choice(["auto", "auto", "min", "max"]),
                "restore_best_weights": d.chance(0.5), "verbose": verbose}
        if d.chance(0.25):
            args["baseline"] = d.choice([0.1, 0.5, 1.0, 2.0])
        if d.chance(0.3):
            args["start_from_epoch"] = d.int(1, 3)
        return {"name": name, "args": args}
    if name == "ReduceLROnPlateau":
        args = {"monitor": monitor, "factor": d.choice([0.1, 0.5, 0.2]), "patience": d.int(0, 2),
                "cooldown": d.int(0, 2), "min_lr": d.choice([0.0, 0.0, 0.01, 1e-3]),
                "min_delta": d.choice([1e-4, 0.01, 0.0]), "mode": d.choice(["auto", "auto", "min", "max"]),
                "verbose": verbose}
        return {"name": name, "args": args}
    if name == "LearningRateScheduler":
        return {"name": name, "args": {"schedule": d.choice(sorted(fitkit.schedules())), "verbose": verbose}}
    if name == "ModelCheckpoint":
        has_val = "validation_split" in fit or "validation_data" in fit
        template = d.choice(["<dir>/best.h5", "<dir>/m-{epoch:02d}.h5", "<dir>/w.{epoch:03d}-{loss:.3f}.h5"]
                            + (["<dir>/w-{epoch:02d}-{val_loss:.2f}.h5"] * 2 if has_val else []))
        args = {"filepath": template, "monitor": monitor, "save_best_only": d.chance(0.5),
                "save_weights_only": d.chance(0.6), "mode": d.choice(["auto", "auto", "min", "max"]),
                "verbose": verbose}
        if d.chance(0.2):
            args["save_freq"] = d.choice([2, 3])
        if d.chance(0.15):
            args["initial_value_threshold"] = d.choice([0.5, 1.0])
        return {"name": name, "args": args}
    if name == "CSVLogger":
        return {"name": name, "args": {"filename": d.choice(["<dir>/log.csv", "<dir>/train.tsv"]),
                                       "separator": d.choice([",", ";", "\t"]), "append": d.chance(0.5)}}
    if name == "TerminateOnNaN":
        return {"name": name}
    if name == "StopTraining":
        return {"name": name, "args": {"at_epoch": d.int(0, 2), "at_batch": d.choice([None, 0, 1])}}
    if name == "History":
        return {"name": name}
    if name == "ProgbarLogger":
        return {"name": name, "args": {"count_mode": d.choice(["steps", "samples"])}}
    raise ValueError(name)


CALLBACKS = ["EarlyStopping", "ReduceLROnPlateau", "LearningRateScheduler", "ModelCheckpoint", "CSVLogger",
             "TerminateOnNaN"]
USER_CALLBACKS = ["StopTraining", "History", "ProgbarLogger"]  # also drawn into `fit` cases


def draw_fit_case(d, case):
    fit, kinds, metrics = draw_training(d, case, (1, 3), "fit")
    if d.chance(0.2) and not isinstance(fit["y"], (dict, list)) and "validation_split" not in fit:
        # A Sequence; a one-pass generator for one epoch; an endless one with steps_per_epoch (Keras 2's
        # pattern). Not a one-pass generator over several epochs: once it is empty, tf_keras still runs
        # an epoch of no batches and logs it (loss 0.0, validation repeated); kerasish stops (see README).
        kind = d.choice(["sequence", "generator", "looping"])
        fit["batches"] = [kind, fit.pop("batch_size", None) or d.choice([4, 7])]
        fit.pop("initial_epoch", None)
        if kind == "generator":
            fit["epochs"] = 1
            fit.pop("steps_per_epoch", None)
        elif kind == "looping":
            fit["steps_per_epoch"] = d.int(1, 3)
        elif "steps_per_epoch" in fit:
            fit["steps_per_epoch"] = min(fit["steps_per_epoch"], 2)
    ops = [["fit", fit, [draw_callback(d, d.choice(USER_CALLBACKS), fit, metrics)] if d.chance(0.25) else []]]
    for _ in range(d.int(0, 2)):
        op = d.choice(["evaluate", "predict", "fit"])
        kwargs = {"x": "x", "verbose": d.choice([0, 1, 2, "auto"])}
        if op == "evaluate":
            kwargs["y"] = fit["y"]
        if op != "fit" and d.chance(0.2):
            kwargs["steps"] = d.int(1, 2)
        if op == "fit":
            kwargs.update(y=fit["y"], epochs=d.int(1, 2))
            if d.chance(0.2) and not isinstance(fit["y"], (dict, list)):
                kwargs["batches"] = ["sequence", d.choice([4, 7])]
        if op == "evaluate" and d.chance(0.2) and not isinstance(fit["y"], (dict, list)):
            kwargs["batches"] = [d.choice(["sequence", "generator"]), d.choice([4, 7])]
        if d.chance(0.5):
            kwargs["batch_size"] = d.choice([4, 6, 8, 64])
        ops.append([op, kwargs, []])
    case["ops"] = ops


def draw_callbacks_case(d, case):
    names = [d.choice(CALLBACKS)]
    if d.chance(0.4):
        second = d.choice(CALLBACKS + USER_CALLBACKS)
        if second != names[0]:
            names.append(second)
    fit, kinds, metrics = draw_training(d, case, (4, 8), "callbacks",
                                        kind="regression" if "TerminateOnNaN" in names else None)
    specs = [draw_callback(d, name, fit, metrics) for name in names]
    if "TerminateOnNaN" in names:
        # A NaN target makes its batch's loss NaN, deterministically (a step size large enough to diverge
        # makes a trajectory that float32 rounding decides, and infinities whose sums give inf or NaN
        # depending on the order of summation).
        y = np.asarray(case["arrays"]["y0"][1], np.float32)
        y[d.int(0, len(y) - 1), 0] = np.nan
        case["arrays"]["y0"][1] = y.tolist()
    ops = [["fit", fit, specs]]
    if any(s["name"] == "CSVLogger" for s in specs) or d.chance(0.15):
        second = dict(fit, epochs=d.int(1, 2))
        second.pop("initial_epoch", None)
        ops.append(["fit", second, [s for s in specs if s["name"] == "CSVLogger"]])
    case["ops"] = ops


# ----------------------------------------------------------------------------- the summary family
def dense_stack(d, prefix, width):
    layers = []
    for i in range(d.int(1, 3)):
        args = {"units": d.int(2, 12), "activation": d.choice(["relu", None, "tanh"])}
        if d.chance(0.3):
            args["use_bias"] = False
        if d.chance(0.2):
            args["trainable"] = False
        if d.chance(0.5):
            args["name"] = f"{prefix}_dense_{i}"
        layers.append(layer("Dense", **args))
        extra = d.choice([None, None, "Dropout", "BatchNormalization", "Activation"])
        if extra == "Dropout":
            layers.append(layer("Dropout", rate=0.1))
        elif extra == "BatchNormalization":
            layers.append(layer("BatchNormalization", **({"trainable": False} if d.chance(0.3) else {})))
        elif extra == "Activation":
            layers.append(layer("Activation", activation="relu"))
    return layers


def draw_sequential(d, prefix="seq"):
    shape_kind = d.choice(["flat", "flat", "image", "sequence", "tokens"])
    if shape_kind == "flat":
        return {"type": "sequential", "input_shape": [d.int(3, 20)], "layers": dense_stack(d, prefix, 0)}
    if shape_kind == "image":
        layers = [layer("Conv2D", filters=d.int(2, 6), kernel_size=3, padding=d.choice(["same", "valid"])),
                  layer(d.choice(["MaxPooling2D", "AveragePooling2D"])),
                  layer(d.choice(["Flatten", "GlobalAveragePooling2D"]))]
        return {"type": "sequential", "input_shape": [8, 8, d.int(1, 3)], "layers": layers + dense_stack(d, prefix, 0)}
    if shape_kind == "sequence":
        rnn = layer(d.choice(["LSTM", "GRU", "SimpleRNN"]), units=d.int(2, 6))
        if d.chance(0.3):
            rnn = layer("Bidirectional", layer=rnn)
        return {"type": "sequential", "input_shape": [d.int(3, 6), d.int(2, 4)], "layers": [rnn] + dense_stack(d, prefix, 0)}
    return {"type": "sequential", "input_shape": [d.int(3, 6)], "input_dtype": "int32",
            "layers": [layer("Embedding", input_dim=d.int(10, 50), output_dim=d.int(2, 8),
                             mask_zero=d.chance(0.3)), layer("GlobalAveragePooling1D")] + dense_stack(d, prefix, 0)}


def draw_functional(d, nested):
    width_a, width_b = d.int(3, 8), d.int(3, 8)
    inputs = [{"shape": [width_a], "name": "input_a"}, {"shape": [width_b], "name": "input_b"}]
    nodes = [{"id": "a", "layer": layer("Dense", units=6, name="branch_a"), "inputs": ["in0"]},
             {"id": "b", "layer": layer("Dense", units=6, name="branch_b",
                                        **({"trainable": False} if d.chance(0.3) else {})), "inputs": ["in1"]},
             {"id": "m", "layer": layer(d.choice(["Concatenate", "Add", "Multiply", "Average"])),
              "inputs": ["a", "b"], "as_list": True}]
    last = "m"
    if nested:
        width = 12 if nodes[2]["layer"]["name"] == "Concatenate" else 6
        sub = {"type": "sequential", "input_shape": [width], "layers": dense_stack(d, "inner", 0)}
        if d.chance(0.4):
            sub = {"type": "functional", "inputs": [{"shape": [width], "name": "inner_in"}],
                   "nodes": [{"id": "h", "layer": layer("Dense", units=4, name="inner_dense"), "inputs": ["in0"]}],
                   "outputs": ["h"]}
        nodes.append({"id": "sub", "submodel": sub, "trainable": not d.chance(0.25), "inputs": [last]})
        last = "sub"
    nodes.append({"id": "out1", "layer": layer("Dense", units=1, name="score"), "inputs": [last]})
    outputs = ["out1"]
    if d.chance(0.4):
        nodes.append({"id": "out2", "layer": layer("Dense", units=3, activation="softmax", name="label"),
                      "inputs": ["a"]})
        outputs.append("out2")
    return {"type": "functional", "inputs": inputs, "nodes": nodes, "outputs": outputs}


def draw_summary_case(d, case):
    kind = d.choice(["sequential", "functional", "nested", "nested", "nested_sequential"])
    if kind == "sequential":
        model = draw_sequential(d)
    elif kind == "nested_sequential":
        inner = draw_sequential(d, "inner")
        inner["layers"] = inner["layers"][:3]
        model = {"type": "sequential", "input_shape": inner["input_shape"],
                 "input_dtype": inner.get("input_dtype", "float32"),
                 "layers": [{"submodel": inner, "trainable": not d.chance(0.25)}, layer("Dense", units=2)]}
    else:
        model = draw_functional(d, nested=kind == "nested")
    case["model"] = model
    ops = []
    for _ in range(d.int(1, 2)):
        kwargs = {}
        if d.chance(0.5):
            kwargs["line_length"] = d.choice([60, 80, 100, 120])
        if d.chance(0.3):
            kwargs["positions"] = d.choice([[0.4, 0.7, 1.0], [0.3, 0.6, 0.85, 1.0], [0.5, 0.75, 1.0]])
        if d.chance(0.5):
            kwargs["expand_nested"] = d.chance(0.7)
        if d.chance(0.5):
            kwargs["show_trainable"] = d.chance(0.7)
        ops.append(["summary", kwargs, []])
    case["ops"] = ops


# ----------------------------------------------------------------------------- recording
def draw_case(seed):
    d = Draw(seed)
    family = ["fit", "fit", "callbacks", "callbacks", "callbacks", "summary"][seed % 6]
    case = {"id": f"{family}-{seed}", "family": family, "seed": seed}
    {"fit": draw_fit_case, "callbacks": draw_callbacks_case, "summary": draw_summary_case}[family](d, case)
    return case


def generator_accuracy_bug(case):
    """Whether `case` meets tf_keras's bug with `metrics=["accuracy"]` and data from a generator or Sequence.

    tf_keras picks binary/sparse/categorical accuracy from the target's and output's static shapes; a
    generator's are all unknown, so it always picks categorical accuracy: on sparse labels it reports the
    share of argmax-0 predictions (0.5833 where the labels give 0.3333), on one sigmoid unit always 1.
    kerasish picks from the data. The metrics are built by the first fit, so that is the one that matters.
    """
    fit = case["ops"][0][1]
    metrics = case.get("compile", {}).get("metrics") or []
    return "batches" in fit and any(m in ("accuracy", "acc") for m in metrics if isinstance(m, str))


def near_tie(case):
    """Why a monitoring callback's decision in `case` rests on float32 rounding, or None.

    EarlyStopping, ReduceLROnPlateau and ModelCheckpoint(save_best_only) compare the monitored value with
    the best so far (plus min_delta) or a baseline; when two of those are within 1e-5 of each other (a
    converged loss, a value equal to the baseline) the two implementations' last bits decide, and a
    replay could stop at another epoch for no fault of either. Such cases are dropped. Exact ties of
    count-based metrics (accuracy, precision, recall, top-k) are kept: those are equal on both sides.
    """
    for (op, _, specs), history in zip([o for o in case["ops"] if o[0] == "fit"], case["expected"]["histories"]):
        for spec in specs:
            args = spec.get("args", {})
            values = history["values"].get(args.get("monitor", "val_loss"))
            if spec["name"] not in ("EarlyStopping", "ReduceLROnPlateau", "ModelCheckpoint") or not values:
                continue
            delta = abs(args.get("min_delta", 0.0))
            counted = any(part in args.get("monitor", "") for part in ("acc", "prec", "recall", "fmeasure", "top"))
            refs = values + [v for v in (args.get("baseline"), args.get("initial_value_threshold")) if v is not None]
            for i, a in enumerate(values):
                for b in refs[:i] + refs[len(values):]:
                    for gap in {abs(a - b), abs(abs(a - b) - delta)}:
                        if counted and gap == 0:  # equal ratios of counts (accuracy 0.5 twice) are equal anywhere
                            continue
                        if np.isfinite(gap) and gap < 1e-5 * max(1.0, abs(b)):
                            return f"{spec['name']} compares {a!r} with {b!r} (min_delta {delta})"
    return None


def compact(value):
    """`value` with every float cut to 8 significant digits (float32 holds ~7; the replay compares to 1e-4):
    a third of the file's size. Printed text is left alone."""
    if isinstance(value, float):
        return float(f"{value:.8g}")
    if isinstance(value, list):
        return [compact(v) for v in value]
    if isinstance(value, dict):
        return {k: compact(v) for k, v in value.items()}
    return value


def record(keras, case):
    """Run `case` on tf_keras; the case with its starting weights and `expected` added."""
    keras.backend.clear_session()
    model = fitkit.build_model(keras, case["model"])
    case["weights"] = [np.asarray(w, np.float16).astype(np.float32).tolist() for w in model.get_weights()]
    folder = tempfile.mkdtemp(prefix="fitcase-")
    try:
        expected = fitkit.run_case(keras, case, case["weights"], folder)
        case["expected"] = dict(expected, **{k: compact(expected[k]) for k in ("events", "histories", "weights")
                                              if k in expected})
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return case


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=240)
    parser.add_argument("--seed", type=int, default=7000)
    parser.add_argument("--out", default=OUT)
    parser.add_argument("--only", type=int, default=None, help="record one seed and print it")
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tf_keras as keras

    if args.only is not None:
        print(json.dumps(record(keras, draw_case(args.only)), indent=1)[:20000])
        return
    cases, dropped = [], []
    start = time.time()
    for seed in range(args.seed, args.seed + args.count):
        case = draw_case(seed)
        if case["family"] == "fit" and generator_accuracy_bug(case):
            dropped.append(f"{case['id']}: tf_keras's accuracy on generator data (generator_accuracy_bug)")
            continue
        try:
            record(keras, case)
        except Exception as exc:  # the recorder itself failed: drop the case and say so
            dropped.append(f"{case['id']}: {type(exc).__name__}: {str(exc)[:200]}")
            traceback.print_exc(limit=2)
            continue
        tie = near_tie(case)
        if tie:
            dropped.append(f"{case['id']}: near tie: {tie}")
        else:
            cases.append(case)
        if len(cases) % 20 == 0:
            print(f"{len(cases)} cases, {time.time() - start:.0f} s", flush=True)
    with gzip.open(args.out, "wt") as f:
        json.dump({"generator": "tools/make_fit_output_oracle.py", "keras": keras.__version__, "cases": cases},
                  f, separators=(",", ":"))
    print(f"wrote {len(cases)} cases to {args.out}; dropped {len(dropped)}:")
    for line in dropped:
        print("  " + line)


if __name__ == "__main__":
    main()
