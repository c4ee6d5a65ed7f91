"""Record the differential-oracle corpus with real Keras 2 (tf_keras), for tests/oracle/test_oracle.py.

Run with an interpreter that has tf_keras 2.x (never a kerasish dependency):

    /tmp/tfenv/bin/python tools/make_oracle.py --shard 0 --count 400 --seed 1000
    /tmp/tfenv/bin/python tools/make_oracle.py --pinned

Each shard writes `tests/oracle/data/shard_<k>.json.gz` (case specs, expected logs, and where each
case's arrays lie) and `shard_<k>.npz` (the arrays: data, initial weights, expected predictions and
final weights, packed into one flat array per dtype).

Cases are drawn at random (seeded) over what users touch: every built-in loss and metric (by
string, by function, by class, with and without arguments), every optimizer (defaults and common
arguments, schedules, the legacy classes), target shapes and dtypes (1-D/2-D, sparse/one-hot,
int/float labels), batch sizes that do and do not divide N, sample_weight, class_weight,
weighted_metrics, validation_split and validation_data, several models per session,
multi-output models with loss dicts and loss_weights, and the layer families (dense, conv,
pooling, normalization, recurrent, embedding, attention, merge). Every run starts from the
same weights on both sides: the recorder rounds Keras's initial weights to float16 (exact in
float32) and stores them; data arrays are float16-exact too, so the corpus stays small.

`--pinned` records the hand-written cases of issue 15's reproductions (shard "pinned").
A case that tf_keras itself refuses is dropped and listed in the log.
"""
import argparse
import gzip
import hashlib
import json
import os
import pickle
import sys
import time
import traceback

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "oracle"))
import casekit  # noqa: E402

DATA_DIR = os.path.join(ROOT, "tests", "oracle", "data")


# --------------------------------------------------------------------------- drawing helpers
class Draw:
    """A seeded source of choices."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)

    def choice(self, options, p=None):
        return options[int(self.rng.choice(len(options), p=p))]

    def chance(self, p):
        return bool(self.rng.random() < p)

    def int(self, lo, hi):
        """An integer in [lo, hi]."""
        return int(self.rng.integers(lo, hi + 1))

    def sample(self, options, k):
        idx = self.rng.choice(len(options), size=min(k, len(options)), replace=False)
        return [options[int(i)] for i in idx]

    def f16(self, array):
        """float32 values exactly representable in float16 (they are stored as float16)."""
        return np.asarray(array, dtype=np.float16).astype(np.float32)

    def normal(self, shape, scale=1.0):
        return self.f16(self.rng.standard_normal(shape) * scale)

    def uniform(self, lo, hi, shape):
        return self.f16(self.rng.uniform(lo, hi, shape))


def obj(module_, name_, **args):
    """A spec of `keras.<module_>.<name_>(**args)` (trailing underscores: `name` is a common argument)."""
    spec = {"module": module_, "name": name_}
    if args:
        spec["args"] = args
    return spec


def ref(module, name):
    return {"module": module, "name": name, "ref": True}


def layer(class_name, **args):
    return obj("layers", class_name, **args)


# --------------------------------------------------------------------------- targets
# A target kind says what y looks like and which head fits it.
KINDS = ("regression", "positive", "binary", "multilabel", "categorical", "sparse", "distribution", "hinge")


def make_targets(d, kind, n, k):
    """(y, classes) for `n` samples of `kind` with `k` output units."""
    if kind == "regression":
        return d.normal((n, k)), None
    if kind == "positive":
        return d.uniform(0.5, 2.0, (n, k)), None
    if kind in ("binary", "multilabel"):
        return (d.rng.random((n, k)) < 0.5).astype(np.float32), 2
    if kind == "hinge":
        y = (d.rng.random((n, k)) < 0.5).astype(np.float32)
        return (2 * y - 1 if d.chance(0.5) else y), 2
    if kind == "categorical":
        labels = d.rng.integers(0, k, n)
        return np.eye(k, dtype=np.float32)[labels], k
    if kind == "sparse":
        return d.rng.integers(0, k, (n, 1)).astype(np.int64), k
    if kind == "distribution":
        p = d.rng.random((n, k)) + 0.05
        return d.f16(p / p.sum(axis=1, keepdims=True)), None
    raise ValueError(kind)


def shape_targets(d, kind, y):
    """Vary the target's rank and dtype the ways users do (1-D vs 2-D, int vs float labels)."""
    if y.shape[1] == 1 and d.chance(0.5):
        y = y[:, 0]  # 1-D targets for a 1-unit head (or sparse labels of shape (n,))
    if kind in ("binary", "categorical", "multilabel") and d.chance(0.3):
        y = y.astype(d.choice([np.int32, np.int64]))
    if kind == "sparse":
        y = y.astype(d.choice([np.int32, np.int64, np.float32]))
    return y


def head_units(d, kind):
    if kind in ("binary", "hinge"):
        return 1
    if kind == "multilabel":
        return d.int(2, 4)
    if kind in ("categorical", "sparse", "distribution"):
        return d.int(3, 5)
    return d.choice([1, 1, 2, 3])


def head_activation(kind, logits=False, positive_head="softplus"):
    if logits:
        return "linear"
    return {"regression": "linear", "positive": positive_head, "binary": "sigmoid", "multilabel": "sigmoid",
            "categorical": "softmax", "sparse": "softmax", "distribution": "softmax", "hinge": "tanh"}[kind]


# --------------------------------------------------------------------------- losses
def _reduction(d):
    return d.choice(["auto", "sum_over_batch_size", "sum", "none"], p=[0.4, 0.3, 0.25, 0.05])


# (kinds, strings, function name, class name, draw of class arguments)
LOSSES = [
    (("regression", "positive", "binary", "multilabel"), ["mse", "mean_squared_error", "MSE"],
     "mean_squared_error", "MeanSquaredError", None),
    (("regression", "positive"), ["mae", "mean_absolute_error", "MAE"], "mean_absolute_error",
     "MeanAbsoluteError", None),
    (("positive",), ["mape", "mean_absolute_percentage_error", "MAPE"], "mean_absolute_percentage_error",
     "MeanAbsolutePercentageError", None),
    (("positive",), ["msle", "mean_squared_logarithmic_error", "MSLE"], "mean_squared_logarithmic_error",
     "MeanSquaredLogarithmicError", None),
    (("regression",), ["huber", "huber_loss"], "huber", "Huber", lambda d: {"delta": d.choice([0.5, 1.0, 2.0])}),
    (("regression",), ["log_cosh", "logcosh"], "log_cosh", "LogCosh", None),
    (("regression",), ["cosine_similarity"], "cosine_similarity", "CosineSimilarity",
     lambda d: {"axis": -1}),
    (("positive",), ["poisson"], "poisson", "Poisson", None),
    (("distribution",), ["kld", "kl_divergence", "kullback_leibler_divergence", "KLD"], "kl_divergence",
     "KLDivergence", None),
    (("binary", "multilabel"), ["binary_crossentropy"], "binary_crossentropy", "BinaryCrossentropy",
     lambda d: {"from_logits": d.chance(0.4), "label_smoothing": d.choice([0.0, 0.0, 0.1, 0.2])}),
    (("binary", "multilabel"), ["binary_focal_crossentropy"], "binary_focal_crossentropy",
     "BinaryFocalCrossentropy",
     lambda d: {"from_logits": d.chance(0.4), "gamma": d.choice([2.0, 1.0, 0.5]),
                "apply_class_balancing": d.chance(0.4), "alpha": d.choice([0.25, 0.5]),
                "label_smoothing": d.choice([0.0, 0.1])}),
    (("categorical", "distribution"), ["categorical_crossentropy"], "categorical_crossentropy",
     "CategoricalCrossentropy",
     lambda d: {"from_logits": d.chance(0.4), "label_smoothing": d.choice([0.0, 0.0, 0.1, 0.3])}),
    (("categorical",), ["categorical_focal_crossentropy"], "categorical_focal_crossentropy",
     "CategoricalFocalCrossentropy",
     lambda d: {"from_logits": d.chance(0.4), "gamma": d.choice([2.0, 1.0]), "alpha": d.choice([0.25, 0.5]),
                "label_smoothing": d.choice([0.0, 0.1])}),
    (("sparse",), ["sparse_categorical_crossentropy"], "sparse_categorical_crossentropy",
     "SparseCategoricalCrossentropy", lambda d: {"from_logits": d.chance(0.4)}),
    (("hinge", "binary"), ["hinge"], "hinge", "Hinge", None),
    (("hinge", "binary"), ["squared_hinge"], "squared_hinge", "SquaredHinge", None),
    (("categorical",), ["categorical_hinge"], "categorical_hinge", "CategoricalHinge", None),
]


def draw_loss(d, kind):
    """(loss spec, uses logits) for a target kind."""
    entry = d.choice([e for e in LOSSES if kind in e[0]])
    _, strings, fn, cls, args = entry
    form = d.choice(["string", "function", "class", "class_args"], p=[0.35, 0.15, 0.2, 0.3])
    if form == "string":
        return d.choice(strings), False
    if form == "function":
        return ref("losses", fn), False
    kwargs = args(d) if (args and form == "class_args") else {}
    if form == "class_args" and d.chance(0.4):
        kwargs["reduction"] = _reduction(d)
    return obj("losses", cls, **kwargs), bool(kwargs.get("from_logits"))


# --------------------------------------------------------------------------- metrics
def _thresholds(d):
    return d.choice([None, 0.3, 0.7, [0.2, 0.5, 0.8], [0.0, 0.5, 1.0]])


def _auc_args(d, kind, units, logits):
    args = {"num_thresholds": d.choice([3, 10, 50, 200]), "curve": d.choice(["ROC", "PR"]),
            "summation_method": d.choice(["interpolation", "minoring", "majoring"])}
    if kind == "multilabel" and d.chance(0.5):
        args["multi_label"] = True
        if d.chance(0.5):
            args["num_labels"] = units
            args["label_weights"] = [round(0.5 + 0.5 * i, 2) for i in range(units)]
    if logits:
        args["from_logits"] = True
    return args


def _pr_args(d, kind, units, logits):
    args = {}
    t = _thresholds(d)
    if t is not None:
        args["thresholds"] = t
    if kind in ("multilabel", "categorical") and d.chance(0.4):
        if d.chance(0.5):
            args["top_k"] = d.int(1, 2)
        else:
            args["class_id"] = d.int(0, units - 1)
    return args


def _f1_args(d, kind, units, logits):
    args = {"average": d.choice([None, "micro", "macro", "weighted"])}
    if kind != "categorical" or d.chance(0.5):
        args["threshold"] = d.choice([None, 0.5, 0.3]) if kind == "categorical" else d.choice([0.5, 0.3])
    return args


# (kinds, strings, class name, draw of class arguments (d, kind, units, logits) -> dict, needs probabilities)
METRICS = [
    (("binary", "multilabel", "categorical", "sparse"), ["accuracy", "acc"], None, None, False),
    (("binary", "categorical", "sparse"), ["crossentropy", "ce"], None, None, True),
    (("binary", "multilabel"), ["binary_accuracy"], "BinaryAccuracy",
     lambda d, *a: {"threshold": d.choice([0.5, 0.3, 0.7])}, False),
    (("categorical",), ["categorical_accuracy"], "CategoricalAccuracy", None, False),
    (("sparse",), ["sparse_categorical_accuracy"], "SparseCategoricalAccuracy", None, False),
    (("categorical",), ["top_k_categorical_accuracy"], "TopKCategoricalAccuracy",
     lambda d, *a: {"k": d.int(1, 3)}, False),
    (("sparse",), ["sparse_top_k_categorical_accuracy"], "SparseTopKCategoricalAccuracy",
     lambda d, *a: {"k": d.int(1, 3)}, False),
    (("binary", "multilabel", "categorical"), ["AUC"], "AUC", _auc_args, False),
    (("binary", "multilabel", "categorical"), ["Precision"], "Precision", _pr_args, True),
    (("binary", "multilabel", "categorical"), ["Recall"], "Recall", _pr_args, True),
    (("binary", "multilabel"), ["TruePositives"], "TruePositives", lambda d, *a: {"thresholds": _thresholds(d)},
     True),
    (("binary", "multilabel"), ["FalsePositives"], "FalsePositives", lambda d, *a: {"thresholds": _thresholds(d)},
     True),
    (("binary", "multilabel"), ["TrueNegatives"], "TrueNegatives", lambda d, *a: {"thresholds": _thresholds(d)},
     True),
    (("binary", "multilabel"), ["FalseNegatives"], "FalseNegatives", lambda d, *a: {"thresholds": _thresholds(d)},
     True),
    (("binary",), [], "PrecisionAtRecall",
     lambda d, *a: {"recall": d.choice([0.3, 0.5, 0.8]), "num_thresholds": d.choice([5, 200])}, True),
    (("binary",), [], "RecallAtPrecision",
     lambda d, *a: {"precision": d.choice([0.3, 0.5, 0.8]), "num_thresholds": d.choice([5, 200])}, True),
    (("binary",), [], "SensitivityAtSpecificity",
     lambda d, *a: {"specificity": d.choice([0.3, 0.5, 0.8]), "num_thresholds": d.choice([5, 200])}, True),
    (("binary",), [], "SpecificityAtSensitivity",
     lambda d, *a: {"sensitivity": d.choice([0.3, 0.5, 0.8]), "num_thresholds": d.choice([5, 200])}, True),
    (("binary",), [], "BinaryIoU",
     lambda d, *a: {"target_class_ids": d.choice([[0], [1], [0, 1]]), "threshold": d.choice([0.5, 0.3])}, True),
    (("sparse",), [], "MeanIoU", lambda d, kind, units, logits: {"num_classes": units, "sparse_y_pred": False},
     False),
    (("sparse",), [], "IoU", lambda d, kind, units, logits: {
        "num_classes": units, "target_class_ids": sorted(d.sample(list(range(units)), 2)), "sparse_y_pred": False},
     False),
    (("categorical",), [], "OneHotIoU", lambda d, kind, units, logits: {
        "num_classes": units, "target_class_ids": sorted(d.sample(list(range(units)), 2))}, False),
    (("categorical",), [], "OneHotMeanIoU", lambda d, kind, units, logits: {"num_classes": units}, False),
    (("multilabel", "categorical"), [], "F1Score", _f1_args, True),
    (("multilabel", "categorical"), [], "FBetaScore",
     lambda d, *a: {**_f1_args(d, *a), "beta": d.choice([0.5, 2.0])}, True),
    (("binary", "multilabel"), ["binary_crossentropy"], "BinaryCrossentropy",
     lambda d, kind, units, logits: {"from_logits": logits, "label_smoothing": d.choice([0.0, 0.1])}, False),
    (("categorical", "distribution"), ["categorical_crossentropy"], "CategoricalCrossentropy",
     lambda d, kind, units, logits: {"from_logits": logits, "label_smoothing": d.choice([0.0, 0.1])}, False),
    (("sparse",), ["sparse_categorical_crossentropy"], "SparseCategoricalCrossentropy",
     lambda d, kind, units, logits: {"from_logits": logits}, False),
    (("hinge", "binary"), ["hinge"], "Hinge", None, False),
    (("hinge", "binary"), ["squared_hinge"], "SquaredHinge", None, False),
    (("categorical",), ["categorical_hinge"], "CategoricalHinge", None, False),
    (("regression", "positive", "binary"), ["mse", "mean_squared_error", "MSE"], "MeanSquaredError", None, False),
    (("regression", "positive", "binary"), ["mae", "mean_absolute_error", "MAE"], "MeanAbsoluteError", None,
     False),
    (("positive",), ["mape", "mean_absolute_percentage_error", "MAPE"], "MeanAbsolutePercentageError", None,
     False),
    (("positive",), ["msle", "mean_squared_logarithmic_error", "MSLE"], "MeanSquaredLogarithmicError", None,
     False),
    (("regression", "positive"), [], "RootMeanSquaredError", None, False),
    (("regression",), ["logcosh", "log_cosh"], "LogCoshError", None, False),
    (("regression", "distribution"), ["cosine_similarity", "cosine_proximity"], "CosineSimilarity",
     lambda d, *a: {"axis": -1}, False),
    (("positive",), ["poisson"], "Poisson", None, False),
    (("distribution",), ["kld", "kullback_leibler_divergence", "kl_divergence"], "KLDivergence", None, False),
    (("regression", "positive"), [], "R2Score",
     lambda d, *a: {"class_aggregation": d.choice(["uniform_average", "variance_weighted_average", None]),
                    "num_regressors": 0}, False),  # num_regressors > 0 fails in tf_keras's traced step
]


# metric functions of `keras.metrics` (what `metrics=[keras.metrics.binary_accuracy]` passes)
METRIC_FUNCTIONS = {"binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
                    "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy", "binary_crossentropy",
                    "categorical_crossentropy", "sparse_categorical_crossentropy", "mean_squared_error",
                    "mean_absolute_error", "mean_absolute_percentage_error", "mean_squared_logarithmic_error", "mse",
                    "mae", "mape", "msle", "hinge", "squared_hinge", "poisson", "kld", "kullback_leibler_divergence",
                    "log_cosh", "logcosh"}


def draw_metric(d, kind, units, logits, functions=False):
    """One metric spec for a target kind (None when nothing fits); `functions`: also as a metric function
    (`keras.metrics.mse`) or a loss object (`keras.losses.Huber()`)."""
    if functions and d.chance(0.25):
        loss, loss_logits = draw_loss(d, kind)
        if isinstance(loss, dict) and not loss.get("ref") and loss_logits == logits:
            return loss  # a Loss instance used as a metric
    options = [e for e in METRICS if kind in e[0] and not (logits and e[4])]
    if kind != "regression" and units == 1:
        options = [e for e in options if e[2] not in ("F1Score", "FBetaScore")]
    if not options:
        return None
    _, strings, cls, args, _ = d.choice(options)
    forms = (["string"] if strings else []) + (["class", "class_args"] if cls else [])
    fns = [name for name in strings if name in METRIC_FUNCTIONS]
    if functions and fns:
        forms = ["function"] * 2 + forms
    form = d.choice(forms)
    if form == "function":
        return ref("metrics", d.choice(fns))
    if form == "string":
        return d.choice(strings)
    kwargs = args(d, kind, units, logits) if args else {}
    if form == "class" and cls in ("MeanIoU", "IoU", "OneHotIoU", "OneHotMeanIoU", "PrecisionAtRecall",
                                   "RecallAtPrecision", "SensitivityAtSpecificity", "SpecificityAtSensitivity"):
        form = "class_args"  # these need arguments
    if form == "class":
        kwargs = {k: v for k, v in kwargs.items() if k == "from_logits" and v}
    kwargs = {k: v for k, v in kwargs.items() if v is not None or k == "average"}
    if cls == "R2Score" and units == 1 and kwargs.get("class_aggregation") is None:
        kwargs["class_aggregation"] = "uniform_average"
    return obj("metrics", cls, **kwargs)


# default names of metric classes that are not their snake-cased class name
_CLASS_METRIC_NAMES = {"KLDivergence": "kullback_leibler_divergence", "LogCoshError": "logcosh"}


def _metric_name(spec):
    """The name Keras gives a metric spec before making it unique (duplicates make tf_keras refuse a model)."""
    if isinstance(spec, str):
        return spec
    name = spec["name"]
    if spec.get("ref") or spec["module"] == "losses":
        return name if spec.get("ref") else "loss:" + name  # functions: their own name
    if "name" in spec.get("args", {}):
        return spec["args"]["name"]
    if name in ("AUC", "Precision", "Recall", "TruePositives", "FalsePositives", "TrueNegatives", "FalseNegatives",
                "PrecisionAtRecall", "RecallAtPrecision", "SensitivityAtSpecificity", "SpecificityAtSensitivity",
                "BinaryIoU", "IoU", "MeanIoU", "OneHotIoU", "OneHotMeanIoU", "F1Score", "FBetaScore"):
        return None  # named by a counter: never clashes
    if name in _CLASS_METRIC_NAMES:
        return _CLASS_METRIC_NAMES[name]
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


def draw_metrics(d, kind, units, logits, lo, hi, functions=False):
    out, names = [], set()
    for _ in range(d.int(lo, hi)):
        m = draw_metric(d, kind, units, logits, functions)
        name = _metric_name(m) if m is not None else None
        if m is not None and m not in out and (name is None or name not in names):
            out.append(m)
            names.add(name)
    return out


# --------------------------------------------------------------------------- optimizers
def draw_schedule(d, lr):
    name = d.choice(["ExponentialDecay", "InverseTimeDecay", "PiecewiseConstantDecay", "PolynomialDecay",
                     "CosineDecay", "CosineDecayRestarts"])
    if name == "ExponentialDecay":
        return obj("optimizers.schedules", name, initial_learning_rate=lr, decay_steps=d.int(1, 3),
                   decay_rate=d.choice([0.5, 0.9]), staircase=d.chance(0.5))
    if name == "InverseTimeDecay":
        return obj("optimizers.schedules", name, initial_learning_rate=lr, decay_steps=d.int(1, 3),
                   decay_rate=d.choice([0.5, 1.0]), staircase=d.chance(0.5))
    if name == "PiecewiseConstantDecay":
        return obj("optimizers.schedules", name, boundaries=[1, 3], values=[lr, lr / 2, lr / 4])
    if name == "PolynomialDecay":
        return obj("optimizers.schedules", name, initial_learning_rate=lr, decay_steps=d.int(2, 5),
                   end_learning_rate=lr / 10, power=d.choice([1.0, 0.5, 2.0]), cycle=d.chance(0.3))
    if name == "CosineDecay":
        args = {"initial_learning_rate": lr, "decay_steps": d.int(2, 6), "alpha": d.choice([0.0, 0.1])}
        if d.chance(0.3):
            args.update(warmup_target=lr * 2, warmup_steps=2)
        return obj("optimizers.schedules", name, **args)
    return obj("optimizers.schedules", name, initial_learning_rate=lr, first_decay_steps=d.int(1, 3),
               t_mul=d.choice([1.0, 2.0]), m_mul=d.choice([1.0, 0.5]), alpha=d.choice([0.0, 0.1]))


OPTIMIZERS = {
    "SGD": (0.05, lambda d: {"momentum": d.choice([0.0, 0.5, 0.9]), "nesterov": d.chance(0.3)}),
    "Adam": (0.01, lambda d: {"beta_1": d.choice([0.9, 0.8]), "beta_2": d.choice([0.999, 0.99]),
                              "epsilon": d.choice([1e-7, 1e-3]), "amsgrad": d.chance(0.3)}),
    "AdamW": (0.01, lambda d: {"weight_decay": d.choice([0.004, 0.1]), "amsgrad": d.chance(0.3)}),
    "Adamax": (0.01, lambda d: {"beta_1": d.choice([0.9, 0.8]), "epsilon": d.choice([1e-7, 1e-3])}),
    "Nadam": (0.01, lambda d: {"beta_1": d.choice([0.9, 0.8]), "beta_2": d.choice([0.999, 0.99])}),
    "Adagrad": (0.05, lambda d: {"initial_accumulator_value": d.choice([0.1, 0.01]),
                                 "epsilon": d.choice([1e-7, 1e-3])}),
    "Adadelta": (1.0, lambda d: {"rho": d.choice([0.95, 0.9]), "epsilon": d.choice([1e-7, 1e-3])}),
    "RMSprop": (0.01, lambda d: {"rho": d.choice([0.9, 0.8]), "momentum": d.choice([0.0, 0.5]),
                                 "centered": d.chance(0.4), "epsilon": d.choice([1e-7, 1e-3])}),
    "Ftrl": (0.05, lambda d: {"learning_rate_power": d.choice([-0.5, -0.2]),
                              "initial_accumulator_value": d.choice([0.1, 0.5]),
                              "l1_regularization_strength": d.choice([0.0, 0.01]),
                              "l2_regularization_strength": d.choice([0.0, 0.01]),
                              "l2_shrinkage_regularization_strength": d.choice([0.0, 0.01]),
                              "beta": d.choice([0.0, 0.5])}),
    "Lion": (0.005, lambda d: {"beta_1": d.choice([0.9, 0.8]), "beta_2": d.choice([0.99, 0.9])}),
    "Adafactor": (0.05, lambda d: {"beta_2_decay": d.choice([-0.8, -0.5]), "clip_threshold": d.choice([1.0, 0.5]),
                                   "relative_step": d.chance(0.5)}),
}
LEGACY = {
    "SGD": (0.05, lambda d: {"momentum": d.choice([0.0, 0.9]), "nesterov": d.chance(0.3)}),
    "Adam": (0.01, lambda d: {"amsgrad": d.chance(0.3), "epsilon": d.choice([1e-7, 1e-3])}),
    "RMSprop": (0.01, lambda d: {"centered": d.chance(0.4), "momentum": d.choice([0.0, 0.5])}),
    "Adagrad": (0.05, lambda d: {"initial_accumulator_value": d.choice([0.1, 0.01])}),
    "Adadelta": (1.0, lambda d: {"rho": d.choice([0.95, 0.9])}),
    "Adamax": (0.01, lambda d: {}),
    "Nadam": (0.01, lambda d: {}),
    "Ftrl": (0.05, lambda d: {"l1_regularization_strength": d.choice([0.0, 0.01]),
                              "l2_regularization_strength": d.choice([0.0, 0.01])}),
}
OPTIMIZER_STRINGS = ["sgd", "adam", "rmsprop", "adagrad", "adadelta", "adamax", "nadam", "ftrl", "adamw",
                     "SGD", "Adam", "RMSprop"]


def layer_optimizer(d):
    """SGD for the cases about layers: any error in a layer's gradient moves its weights by as much, where an
    adaptive optimizer would normalise it away; and a parameter whose gradient is zero in exact arithmetic (a
    bias before BatchNormalization, MultiHeadAttention's key bias, a 1x1 depthwise kernel before
    BatchNormalization) keeps it near zero, where Adam or RMSprop would turn its rounding noise into
    full-size random steps."""
    return obj("optimizers", "SGD", learning_rate=d.choice([0.05, 0.1]), momentum=d.choice([0.0, 0.9]))


def draw_optimizer(d, simple=False):
    """An optimizer spec: a string, a class with defaults, or a class with arguments."""
    if simple:
        name = d.choice(["SGD", "Adam", "RMSprop"])
        return obj("optimizers", name, learning_rate=OPTIMIZERS[name][0])
    form = d.choice(["string", "default", "args", "legacy"], p=[0.12, 0.13, 0.55, 0.2])
    if form == "string":
        return d.choice(OPTIMIZER_STRINGS)
    table, module = (LEGACY, "optimizers.legacy") if form == "legacy" else (OPTIMIZERS, "optimizers")
    name = d.choice(sorted(table))
    if form == "default":
        return obj(module, name)
    lr, args = table[name]
    kwargs = args(d)
    kwargs["learning_rate"] = draw_schedule(d, lr) if (form != "legacy" and d.chance(0.25)) else lr
    if form == "legacy":
        if d.chance(0.3):
            kwargs["decay"] = d.choice([0.01, 0.1])
        if d.chance(0.25):
            kwargs[d.choice(["clipnorm", "clipvalue"])] = d.choice([0.1, 1.0])
        return obj(module, name, **kwargs)
    if d.chance(0.3):
        kwargs[d.choice(["clipnorm", "clipvalue", "global_clipnorm"])] = d.choice([0.05, 0.5, 1.0])
    if name != "AdamW" and d.chance(0.15):
        kwargs["weight_decay"] = d.choice([0.01, 0.1])
    if d.chance(0.12):
        kwargs["use_ema"] = True
        kwargs["ema_momentum"] = d.choice([0.9, 0.5])
        if d.chance(0.5):
            kwargs["ema_overwrite_frequency"] = d.int(1, 3)
    return obj(module, name, **kwargs)


# --------------------------------------------------------------------------- feature extractors
ACTIVATIONS = ["relu", "tanh", "sigmoid", "elu", "selu", "softplus", "softsign", "swish", "gelu", "linear",
               "hard_sigmoid", "exponential", "relu6", "mish"]


def _regularizer(d):
    return d.choice(["l1", "l2", obj("regularizers", "L1L2", l1=0.01, l2=0.02), obj("regularizers", "L2", l2=0.05),
                     obj("regularizers", "L1", l1=0.02)])


def dense_stack(d, plain=False):
    layers = []
    for _ in range(d.int(1, 2)):
        args = {"units": d.int(2, 5), "activation": d.choice(ACTIVATIONS[:4] if plain else ACTIVATIONS)}
        if not plain:
            if d.chance(0.15):
                args["use_bias"] = False
            if d.chance(0.2):
                args["kernel_regularizer"] = _regularizer(d)
            if d.chance(0.1):
                args["bias_regularizer"] = _regularizer(d)
            if d.chance(0.1):
                args["activity_regularizer"] = _regularizer(d)
            if d.chance(0.1):
                args["kernel_constraint"] = d.choice(["max_norm", "non_neg", "unit_norm",
                                                      obj("constraints", "MinMaxNorm", min_value=0.5, max_value=1.5)])
        layers.append(layer("Dense", **args))
        if not plain and d.chance(0.2):
            layers.append(d.choice([layer("LeakyReLU", alpha=d.choice([0.1, 0.3])), layer("PReLU"),
                                    layer("ELU", alpha=d.choice([0.5, 1.0])),
                                    layer("ReLU", max_value=d.choice([None, 1.0]), negative_slope=0.1),
                                    layer("Activation", activation=d.choice(ACTIVATIONS)),
                                    layer("Dropout", rate=0.0)]))
    return layers


def conv_input(d):
    if d.chance(0.5):
        return [d.int(5, 8), d.int(5, 8), d.int(1, 3)]
    return [d.int(6, 10), d.int(1, 3)]


def conv_layer(d, rank):
    filters = d.int(2, 4)
    kernel = d.int(1, 3)
    strides = d.choice([1, 1, 2])
    padding = d.choice(["valid", "same"] + (["causal"] if rank == 1 and strides == 1 else []))
    args = {"kernel_size": kernel, "strides": strides, "padding": padding, "activation": d.choice(ACTIVATIONS[:4])}
    if strides == 1 and kernel > 1 and padding != "same" and d.chance(0.2):
        args["dilation_rate"] = 2
    if d.chance(0.15):
        args["use_bias"] = False
    suffix = f"{rank}D"
    name = d.choice([f"Conv{suffix}", f"Conv{suffix}", f"SeparableConv{suffix}", f"DepthwiseConv{suffix}",
                     f"Conv{suffix}Transpose"])
    if name.startswith("Depthwise"):
        args["depth_multiplier"] = d.int(1, 2)
    elif name.startswith("Separable"):
        args["filters"] = filters
        args["depth_multiplier"] = d.int(1, 2)
    else:
        args["filters"] = filters
    if "Transpose" in name:
        args.pop("dilation_rate", None)
        args["padding"] = d.choice(["valid", "same"])
    return layer(name, **args)


def pooling_layer(d, rank):
    suffix = f"{rank}D"
    name = d.choice([f"MaxPooling{suffix}", f"AveragePooling{suffix}"])
    return layer(name, pool_size=d.int(2, 3) if rank == 1 else d.choice([2, [2, 1], 3]), strides=d.choice([None, 1, 2]),
                 padding=d.choice(["valid", "same"]))


def spatial_size_ok(shape, layers):
    """Conv/pool stacks must not shrink a spatial side below 1 (checked by tf_keras; here a cheap guess)."""
    return True


def conv_stack(d, with_norm=False):
    """(input_shape, layers) of a small convolution/pooling stack ending flat."""
    shape = conv_input(d)
    rank = len(shape) - 1
    layers = [conv_layer(d, rank)]
    if with_norm:
        layers.append(norm_layer(d, conv=True))
        _no_bias_before_batchnorm(layers)
    if d.chance(0.6):
        layers.append(pooling_layer(d, rank))
    if d.chance(0.25):
        layers.append(conv_layer(d, rank))
    if d.chance(0.15):
        layers.append(d.choice([layer(f"UpSampling{rank}D"), layer(f"ZeroPadding{rank}D"),
                                layer(f"Cropping{rank}D", cropping=1)]))
    layers.append(d.choice([layer("Flatten"), layer(f"GlobalAveragePooling{rank}D"),
                            layer(f"GlobalMaxPooling{rank}D")]))
    return shape, layers


def _no_bias_before_batchnorm(layers):
    """A bias right before BatchNormalization has a zero gradient in exact arithmetic: its float32 rounding
    noise, normalised by an adaptive optimizer into full-size steps, is chaos rather than a comparison (and
    users leave that bias out)."""
    if layers[-1]["name"] == "BatchNormalization":
        layers[-2].setdefault("args", {})["use_bias"] = False


def pooling_stack(d):
    """(input_shape, layers): pooling straight on the input, maybe a convolution, then flat."""
    shape = conv_input(d)
    rank = len(shape) - 1
    layers = [pooling_layer(d, rank)]
    if d.chance(0.4):
        layers.append(conv_layer(d, rank))
    if d.chance(0.3):
        layers.append(pooling_layer(d, rank))
    layers.append(d.choice([layer("Flatten"), layer(f"GlobalAveragePooling{rank}D"),
                            layer(f"GlobalMaxPooling{rank}D")]))
    return shape, layers


def norm_layer(d, conv=False):
    choices = ["BatchNormalization", "BatchNormalization", "LayerNormalization", "UnitNormalization"]
    if conv:
        choices.append("GroupNormalization")
    name = d.choice(choices)
    if name == "BatchNormalization":
        return layer(name, momentum=d.choice([0.99, 0.9, 0.5]), epsilon=d.choice([1e-3, 1e-5]),
                     center=d.chance(0.8), scale=d.chance(0.8))
    if name == "LayerNormalization":
        return layer(name, epsilon=d.choice([1e-3, 1e-6]), center=d.chance(0.8), scale=d.chance(0.8))
    if name == "GroupNormalization":
        return layer(name, groups=1, epsilon=d.choice([1e-3, 1e-5]))
    return layer(name)


def rnn_layer(d, return_sequences=False):
    name = d.choice(["SimpleRNN", "LSTM", "GRU"])
    args = {"units": d.int(2, 4), "return_sequences": return_sequences}
    if d.chance(0.2):
        args["go_backwards"] = True
    if d.chance(0.15):
        args["activation"] = d.choice(["relu", "sigmoid"])
    if name == "GRU" and d.chance(0.4):
        args["reset_after"] = False
    if d.chance(0.1):
        args["use_bias"] = False
    if d.chance(0.1):
        args["unroll"] = True
    if name in ("LSTM", "GRU") and d.chance(0.15):
        args["recurrent_activation"] = d.choice(["hard_sigmoid", "tanh"])
    if name == "LSTM" and d.chance(0.15):
        args["unit_forget_bias"] = False
    rnn = layer(name, **args)
    if d.chance(0.25):
        return layer("Bidirectional", layer=rnn, merge_mode=d.choice(["concat", "sum", "ave", "mul"]))
    return rnn


def recurrent_stack(d):
    shape = [d.int(3, 6), d.int(2, 4)]
    layers = []
    if d.chance(0.35):
        layers.append(rnn_layer(d, return_sequences=True))
        if d.chance(0.4):
            layers.append(layer("TimeDistributed", layer=layer("Dense", units=d.int(2, 3))))
        layers.append(d.choice([rnn_layer(d), layer("GlobalAveragePooling1D"), layer("Flatten")]))
    else:
        layers.append(rnn_layer(d))
    return shape, layers


def sequence_stack(d, family):
    """(input_shape, layers, steps, vocab) of a model whose output is a sequence (one prediction per step;
    with Embedding(mask_zero=True) the loss and metrics see the mask)."""
    if family == "recurrent":
        steps = d.int(3, 5)
        layers = [rnn_layer(d, return_sequences=True)]
        if d.chance(0.3):
            layers.append(layer("TimeDistributed", layer=layer("Dense", units=d.int(2, 3), activation="tanh")))
        return [steps, d.int(2, 3)], layers, steps, None
    steps, vocab = d.int(3, 6), d.int(5, 9)
    layers = [layer("Embedding", input_dim=vocab, output_dim=d.int(2, 4), mask_zero=d.chance(0.6))]
    if d.chance(0.6):
        layers.append(rnn_layer(d, return_sequences=True))
    return [steps], layers, steps, vocab


def embedding_stack(d):
    steps, vocab = d.int(3, 7), d.int(5, 9)
    mask = d.chance(0.4)
    layers = [layer("Embedding", input_dim=vocab, output_dim=d.int(2, 4), mask_zero=mask)]
    tail = [layer("GlobalAveragePooling1D"), rnn_layer(d)]
    if not mask:
        tail += [layer("Flatten"), layer("GlobalMaxPooling1D")]
    layers.append(d.choice(tail))
    return [steps], layers, vocab


# --------------------------------------------------------------------------- data for a run
def draw_batching(d, n):
    """A batch size that usually does not divide n (None: Keras's default of 32)."""
    bs = d.choice([None, d.int(1, 4), d.int(3, 9), d.int(5, 16)])
    return bs


def input_data(d, shape, n, dtype="float32", vocab=None):
    if dtype.startswith("int"):
        x = d.rng.integers(0, vocab, (n,) + tuple(shape)).astype(dtype)
        if d.chance(0.5):
            x[:, -1] = 0  # trailing padding, for masks
        x[0, :] = np.maximum(x[0, :], 1)
        return x
    return d.normal((n,) + tuple(shape))


def training_ops(d, n, has_sw, allow_class_weight, classes, epochs=None, weighted=False, multi=None):
    """The ops of a run: evaluate at the starting weights, fit, predict (array names refer to the run's data)."""
    ops = []
    eval_kw = {"x": "x", "y": "y"}
    if d.chance(0.7):
        eval_kw["batch_size"] = draw_batching(d, n)
    if has_sw and d.chance(0.5):
        eval_kw["sample_weight"] = "sw"
    ops.append(["evaluate", eval_kw])
    fit_kw = {"x": "x", "y": "y", "epochs": epochs or d.choice([2, 2, 3])}
    bs = draw_batching(d, n)
    if bs is not None:
        fit_kw["batch_size"] = bs
    if has_sw and (weighted or d.chance(0.6)):
        fit_kw["sample_weight"] = "sw"
    elif allow_class_weight and classes and (weighted or d.chance(0.3)):
        fit_kw["class_weight"] = {str(c): float(w) for c, w in
                                  enumerate(d.choice([[0.5, 2.0, 1.0, 1.5, 0.25], [1.0, 3.0, 0.5, 1.0, 2.0]])[:classes])}
    val = d.choice(["none", "split", "data"], p=[0.45, 0.3, 0.25])
    if val == "split":
        fit_kw["validation_split"] = d.choice([0.2, 0.25, 0.34])
    elif val == "data":
        fit_kw["validation_data"] = ["vx", "vy", "vsw"] if (has_sw and d.chance(0.5)) else ["vx", "vy"]
        if d.chance(0.3):
            fit_kw["validation_batch_size"] = d.int(2, 5)
    ops.append(["fit", fit_kw])
    if d.chance(0.12):  # the batch-level API, on the whole data as one batch
        for op in ("train_on_batch", "test_on_batch"):
            kw = {"x": "x", "y": "y"}
            if has_sw and d.chance(0.5):
                kw["sample_weight"] = "sw"
            ops.append([op, kw])
    pred_kw = {"x": "x"}
    if d.chance(0.5):
        pred_kw["batch_size"] = d.int(2, 16)
    ops.append(["predict", pred_kw])
    return ops


def needs_val_data(ops):
    return any("validation_data" in kw for op, kw in ops)


# --------------------------------------------------------------------------- case families
def single_output_run(d, family):
    """One run of a single-output model: (run spec, arrays)."""
    kind = d.choice(KINDS, p=[0.16, 0.1, 0.2, 0.1, 0.16, 0.16, 0.06, 0.06])
    units = head_units(d, kind)
    if kind == "regression" and family == "metric" and d.chance(0.3):
        units = max(units, 2)
    input_dtype = "float32"
    vocab = None
    seq_steps = None
    if family == "loss":
        loss, logits = draw_loss(d, kind)
        if "cosine" in json.dumps(loss).lower():
            units = max(units, 2)  # the cosine of two scalars is their signs' product: no gradient at all
        metrics = draw_metrics(d, kind, units, logits, 0, 2)
        optimizer = draw_optimizer(d, simple=True)
        input_shape, features = [d.int(2, 5)], dense_stack(d, plain=True) if d.chance(0.6) else []
    elif family in ("metric", "metric_fn"):
        loss, logits = draw_loss(d, kind) if d.chance(0.3) else (default_loss(kind), False)
        metrics = draw_metrics(d, kind, units, logits, 1, 4, functions=family == "metric_fn")
        optimizer = draw_optimizer(d, simple=True)
        input_shape, features = [d.int(2, 5)], dense_stack(d, plain=True) if d.chance(0.5) else []
    elif family == "custom":
        kind = d.choice(["regression", "regression", "binary", "multilabel", "categorical"])
        units = head_units(d, kind)
        losses = [{"custom": "mse_by_hand"}, {"custom": "HalfMSE"},
                  {"custom": "HalfMSE", "args": {"reduction": d.choice(["sum", "sum_over_batch_size"])}},
                  default_loss(kind)]
        if kind in ("binary", "multilabel"):
            losses.append({"custom": "doubled_bce"})
        loss, logits = d.choice(losses), False
        metrics = [{"custom": name} for name in d.sample(["mse_by_hand", "abs_error_sum", "max_abs_error",
                                                          "mean_prediction", "PositiveRate"], d.int(1, 2))]
        metrics += draw_metrics(d, kind, units, logits, 0, 1)
        optimizer = draw_optimizer(d, simple=True)
        input_shape, features = [d.int(2, 5)], dense_stack(d, plain=True) if d.chance(0.5) else []
    elif family == "optimizer":
        kind = d.choice(["regression", "binary", "categorical"])
        units = head_units(d, kind)
        loss, logits = default_loss(kind), False
        metrics = draw_metrics(d, kind, units, logits, 0, 1)
        optimizer = draw_optimizer(d)
        input_shape, features = [d.int(2, 5)], dense_stack(d, plain=True)
    else:  # layer families
        loss, logits = default_loss(kind), False
        if kind in ("positive", "distribution", "hinge"):
            kind = "regression"
            loss = "mse"
            units = head_units(d, kind)
        metrics = draw_metrics(d, kind, units, logits, 0, 1)
        optimizer = layer_optimizer(d)
        if family == "dense":
            input_shape, features = [d.int(2, 5)], dense_stack(d)
        elif family == "conv":
            input_shape, features = conv_stack(d)
        elif family == "pooling":
            input_shape, features = pooling_stack(d)
        elif family == "normalization":
            if d.chance(0.5):
                input_shape, features = conv_stack(d, with_norm=True)
            else:
                input_shape = [d.int(2, 5)]
                features = [layer("Dense", units=d.int(2, 5)), norm_layer(d)]
                _no_bias_before_batchnorm(features)
                features.append(layer("Activation", activation="relu"))
        elif family == "recurrent":
            input_shape, features = recurrent_stack(d)
        elif family == "embedding":
            input_shape, features, vocab = embedding_stack(d)
            input_dtype = d.choice(["int32", "int64", "float32"])
        else:
            raise ValueError(family)
        if family in ("recurrent", "embedding") and d.chance(0.3) and kind in ("regression", "binary",
                                                                              "categorical", "sparse"):
            input_shape, features, seq_steps, vocab = sequence_stack(d, family)
            if vocab:
                input_dtype = d.choice(["int32", "float32"])
    n = d.int(6, 40)
    y, classes = make_targets(d, kind, n * (seq_steps or 1), units)
    if seq_steps:
        y = y.reshape((n, seq_steps) + y.shape[1:])
        if kind == "sparse":
            y = y[..., 0]
    else:
        y = shape_targets(d, kind, y)
        if family == "custom":
            y = y.astype(np.float32)  # a hand-written `y_pred - y_true` needs float labels in TensorFlow
    head = layer("Dense", units=units, activation=head_activation(kind, logits))
    model = {"type": "sequential", "input_shape": input_shape, "input_dtype": input_dtype,
             "layers": features + [head]}
    compile_spec = {"optimizer": optimizer, "loss": loss}
    if metrics:
        compile_spec["metrics"] = metrics
    has_sw = d.chance(0.35)
    weighted = False
    if family in ("metric", "metric_fn", "custom") and d.chance(0.35):
        compile_spec["weighted_metrics"] = draw_metrics(d, kind, units, logits, 1, 2, functions=family == "metric_fn")
        weighted = True
    arrays = {"x": input_data(d, input_shape, n, "int32" if vocab else "float32", vocab), "y": y}
    if vocab and input_dtype != "int32":
        arrays["x"] = arrays["x"].astype(input_dtype)
    if has_sw or weighted:
        has_sw = True
        arrays["sw"] = d.uniform(0.2, 2.0, (n,))
    ops = training_ops(d, n, has_sw, kind in ("binary", "sparse", "categorical") and not seq_steps, classes,
                       epochs=3 if family == "optimizer" else None, weighted=weighted)
    if needs_val_data(ops):
        nv = d.int(3, 12)
        vy, _ = make_targets(d, kind, nv * (seq_steps or 1), units)
        arrays["vx"] = input_data(d, input_shape, nv, "int32" if vocab else "float32", vocab).astype(arrays["x"].dtype)
        arrays["vy"] = vy.reshape((nv,) + y.shape[1:]).astype(y.dtype)
        arrays["vsw"] = d.uniform(0.2, 2.0, (nv,))
    return {"model": model, "compile": compile_spec, "ops": ops}, arrays


def default_loss(kind):
    return {"regression": "mse", "positive": "mae", "binary": "binary_crossentropy",
            "multilabel": "binary_crossentropy", "categorical": "categorical_crossentropy",
            "sparse": "sparse_categorical_crossentropy", "distribution": "kld", "hinge": "hinge"}[kind]


def attention_run(d):
    """A functional model around Attention, AdditiveAttention or MultiHeadAttention."""
    tq, tv, dim = d.int(2, 4), d.int(2, 5), d.int(2, 4)
    self_attention = d.chance(0.4)
    inputs = [{"shape": [tq, dim]}] + ([] if self_attention else [{"shape": [tv, dim]}])
    value = "in0" if self_attention else "in1"
    name = d.choice(["Attention", "AdditiveAttention", "MultiHeadAttention"])
    node = {"id": "att"}
    if name == "MultiHeadAttention":
        node["layer"] = layer(name, num_heads=d.int(1, 2), key_dim=d.int(2, 3),
                              **({"value_dim": 2} if d.chance(0.3) else {}),
                              **({"use_bias": False} if d.chance(0.2) else {}))
        node["inputs"] = ["in0", value]
        if self_attention and d.chance(0.3):
            node["kwargs"] = {"use_causal_mask": True}
    else:
        args = {"use_scale": d.chance(0.5)}
        if name == "Attention" and d.chance(0.3):
            args["score_mode"] = "concat"
        node["layer"] = layer(name, **args)
        node["inputs"] = ["in0", value] + (["in0"] if (d.chance(0.2) and tq == (tq if self_attention else tv)) else [])
        node["as_list"] = True
        if self_attention and d.chance(0.3):
            node["kwargs"] = {"use_causal_mask": True}
    kind = d.choice(["regression", "binary", "categorical"])
    units = head_units(d, kind)
    nodes = [node, {"id": "pool", "layer": d.choice([layer("GlobalAveragePooling1D"), layer("Flatten")]),
                    "inputs": ["att"]},
             {"id": "out", "layer": layer("Dense", units=units, activation=head_activation(kind)), "inputs": ["pool"]}]
    model = {"type": "functional", "inputs": inputs, "nodes": nodes, "outputs": ["out"]}
    n = d.int(6, 30)
    y, classes = make_targets(d, kind, n, units)
    y = shape_targets(d, kind, y)
    xs = [d.normal((n,) + tuple(i["shape"])) for i in inputs]
    arrays = {f"x{i}": x for i, x in enumerate(xs)}
    arrays["y"] = y
    return _functional_run(d, model, arrays, "x0" if len(xs) == 1 else ["x0", "x1"], kind, units, classes,
                           class_weight=False, max_metrics=1)


def _functional_run(d, model, arrays, xref, kind, units, classes, class_weight, max_metrics):
    """The ops and compile arguments of a single-output functional run (no validation_data: its inputs
    would need arrays of their own)."""
    ops = training_ops(d, len(arrays["y"]), False, class_weight, classes)
    for op, kw in ops:
        if "x" in kw:
            kw["x"] = xref
        kw.pop("validation_data", None)
        kw.pop("validation_batch_size", None)
    compile_spec = {"optimizer": layer_optimizer(d), "loss": default_loss(kind)}
    metrics = draw_metrics(d, kind, units, False, 0, max_metrics)
    if metrics:
        compile_spec["metrics"] = metrics
    return {"model": model, "compile": compile_spec, "ops": ops}, arrays


def merge_run(d):
    """Two inputs joined by a merge layer."""
    f = d.int(2, 4)
    name = d.choice(["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot"])
    args = {}
    if name == "Dot":
        args = {"axes": 1, "normalize": d.chance(0.5)}
    if name == "Concatenate" and d.chance(0.3):
        args = {"axis": -1}
    nodes = [{"id": "a", "layer": layer("Dense", units=f, activation=d.choice(ACTIVATIONS[:4])), "inputs": ["in0"]},
             {"id": "b", "layer": layer("Dense", units=f, activation=d.choice(ACTIVATIONS[:4])), "inputs": ["in1"]},
             {"id": "m", "layer": layer(name, **args), "inputs": ["a", "b"], "as_list": True}]
    kind = d.choice(["regression", "binary", "categorical", "sparse"])
    units = head_units(d, kind)
    nodes.append({"id": "out", "layer": layer("Dense", units=units, activation=head_activation(kind)),
                  "inputs": ["m"]})
    model = {"type": "functional", "inputs": [{"shape": [d.int(2, 4)]}, {"shape": [d.int(2, 4)]}], "nodes": nodes,
             "outputs": ["out"]}
    n = d.int(6, 30)
    y, classes = make_targets(d, kind, n, units)
    y = shape_targets(d, kind, y)
    arrays = {"x0": d.normal((n, model["inputs"][0]["shape"][0])), "x1": d.normal((n, model["inputs"][1]["shape"][0])),
              "y": y}
    return _functional_run(d, model, arrays, ["x0", "x1"], kind, units, classes, class_weight=kind != "regression",
                           max_metrics=2)


def multi_output_run(d):
    """A functional model with 2-3 heads; loss/metrics/loss_weights/targets as lists or dicts."""
    f = d.int(2, 5)
    count = d.int(2, 3)
    kinds = [d.choice(["regression", "binary", "categorical", "sparse"]) for _ in range(count)]
    named = d.chance(0.6)
    names = [f"out_{chr(97 + i)}" for i in range(count)]
    nodes = [{"id": "h", "layer": layer("Dense", units=d.int(3, 5), activation="tanh"), "inputs": ["in0"]}]
    units = []
    for i, kind in enumerate(kinds):
        u = head_units(d, kind)
        units.append(u)
        args = {"units": u, "activation": head_activation(kind)}
        if named:
            args["name"] = names[i]
        nodes.append({"id": f"o{i}", "layer": layer("Dense", **args), "inputs": ["h"]})
    model = {"type": "functional", "inputs": [{"shape": [f]}], "nodes": nodes,
             "outputs": [f"o{i}" for i in range(count)]}
    losses = [default_loss(k) if d.chance(0.6) else draw_loss(d, k)[0] for k in kinds]
    if any(isinstance(l, dict) and l.get("args", {}).get("from_logits") for l in losses):
        losses = [default_loss(k) for k in kinds]
    use_dict = named and d.chance(0.6)
    loss_spec = dict(zip(names, losses)) if use_dict else losses
    if use_dict and d.chance(0.2):
        dropped = d.choice(names)
        loss_spec = {k: v for k, v in loss_spec.items() if k != dropped}  # an output with no loss
    compile_spec = {"optimizer": layer_optimizer(d), "loss": loss_spec}
    if d.chance(0.5):
        weights = [d.choice([0.5, 1.0, 2.0, 0.1]) for _ in kinds]
        compile_spec["loss_weights"] = dict(zip(names, weights)) if use_dict else weights
    metric_lists = [draw_metrics(d, k, u, False, 0, 2) for k, u in zip(kinds, units)]
    form = d.choice(["list_of_lists", "dict", "shared", "none"])
    if form == "list_of_lists":
        compile_spec["metrics"] = metric_lists
    elif form == "dict" and named:
        compile_spec["metrics"] = {nm: ms for nm, ms in zip(names, metric_lists) if ms}
    elif form == "shared":
        common = d.choice([["accuracy"], ["mse"], ["mae", "mse"], ["acc"]])
        compile_spec["metrics"] = common
    if d.chance(0.25):
        compile_spec["weighted_metrics"] = [d.choice(["mse", "mae", "accuracy"])]
    n = d.int(6, 30)
    ys = []
    for kind, u in zip(kinds, units):
        y, _ = make_targets(d, kind, n, u)
        ys.append(shape_targets(d, kind, y))
    arrays = {"x": d.normal((n, f))}
    for i, y in enumerate(ys):
        arrays[f"y{i}"] = y
    yref = dict(zip(names, [f"y{i}" for i in range(count)])) if (named and d.chance(0.5)) else \
        [f"y{i}" for i in range(count)]
    has_sw = d.chance(0.35)
    if has_sw:
        arrays["sw"] = d.uniform(0.2, 2.0, (n,))
    ops = training_ops(d, n, has_sw, False, None)
    for op, kw in ops:
        if "y" in kw:
            kw["y"] = yref
        kw.pop("validation_data", None)
        kw.pop("validation_batch_size", None)
        if "sample_weight" in kw and d.chance(0.4):
            sws = {nm: "sw" for nm in names} if isinstance(yref, dict) else ["sw"] * count
            kw["sample_weight"] = sws
    return {"model": model, "compile": compile_spec, "ops": ops}, arrays


NAMED_METRICS = ["Recall", "Precision", "AUC", "TruePositives", "FalseNegatives", "BinaryAccuracy",
                 "MeanSquaredError", "PrecisionAtRecall"]


def session_case(d):
    """2-3 models in one session, metrics given as strings, classes and instances (Keras's naming rules)."""
    runs = {}
    for r in range(d.int(2, 3)):
        metrics = []
        for _ in range(d.int(1, 3)):
            name = d.choice(NAMED_METRICS)
            args = {"recall": 0.5} if name == "PrecisionAtRecall" else {}
            form = d.choice(["string", "instance", "instance_named"] if not args else ["instance"])
            if form == "string":
                metrics.append(name)
            elif form == "instance":
                metrics.append(obj("metrics", name, **args))
            else:
                metrics.append(obj("metrics", name, name=d.choice(["m", "score", name.lower()]) + f"_{r}", **args))
        n = d.int(8, 20)
        f = d.int(2, 4)
        arrays = {"x": d.normal((n, f)), "y": (d.rng.random((n, 1)) < 0.5).astype(np.float32)}
        run = {"model": {"type": "sequential", "input_shape": [f],
                         "layers": [layer("Dense", units=1, activation="sigmoid")]},
               "compile": {"optimizer": obj("optimizers", "SGD", learning_rate=0.1), "loss": "binary_crossentropy",
                           "metrics": metrics},
               "ops": [["fit", {"x": "x", "y": "y", "epochs": 2, "batch_size": d.int(3, 7),
                                "validation_split": 0.25}]]}
        if d.chance(0.5):
            run["ops"].insert(0, ["evaluate", {"x": "x", "y": "y"}])
        runs[r] = (run, arrays)
    return runs


FAMILIES = {
    "loss": 0.17, "metric": 0.22, "optimizer": 0.14, "dense": 0.05, "conv": 0.07, "pooling": 0.03,
    "normalization": 0.05, "recurrent": 0.07, "embedding": 0.04, "attention": 0.04, "merge": 0.03,
    "multi_output": 0.06, "session": 0.03,
}


# the family mixes of the shards: 0-1 "main", 2 "extra" (metric functions and loss objects as metrics, more
# sessions and multi-output models), 3 "custom" (a user's own losses and metrics)
MIXES = {"main": FAMILIES, "extra": {"metric_fn": 0.5, "session": 0.2, "multi_output": 0.3},
         "custom": {"custom": 1.0}}


def draw_case(case_id, seed, families=None):
    d = Draw(seed)
    families = families or FAMILIES
    family = d.choice(list(families), p=list(families.values()))
    if family == "session":
        runs = session_case(d)
    elif family == "attention":
        runs = {0: attention_run(d)}
    elif family == "merge":
        runs = {0: merge_run(d)}
    elif family == "multi_output":
        runs = {0: multi_output_run(d)}
    else:
        runs = {0: single_output_run(d, family)}
    case = {"id": case_id, "family": family, "seed": seed, "runs": [runs[r][0] for r in sorted(runs)]}
    arrays = {f"r{r}/{k}": v for r in sorted(runs) for k, v in runs[r][1].items()
              if k in _array_refs(runs[r][0]["ops"])}
    return case, arrays


def _array_refs(ops):
    """Every array name the ops refer to."""
    def names(ref):
        if isinstance(ref, str):
            return {ref}
        values = ref.values() if isinstance(ref, dict) else ref if isinstance(ref, (list, tuple)) else ()
        return set().union(set(), *[names(v) for v in values])

    return set().union(set(), *[names(kw[k]) for _, kw in ops for k in ("x", "y", "sample_weight", "validation_data")
                                if k in kw])


# --------------------------------------------------------------------------- pinned cases (issue 15)
def pinned_cases():
    """The reproductions of issue 15, recorded like any other case."""
    d = Draw(15)
    cases = []
    x = d.uniform(0, 1, (100, 3))
    y = d.uniform(0, 1, (100,))
    ops = [["evaluate", {"x": "x", "y": "y", "batch_size": 32}],
           ["fit", {"x": "x", "y": "y", "batch_size": 32, "epochs": 2, "validation_split": 0.2}],
           ["predict", {"x": "x"}]]
    cases.append(({"id": "issue15-1d-targets-mse-mae", "family": "pinned", "seed": 15, "runs": [{
        "model": {"type": "sequential", "input_shape": [3], "layers": [layer("Dense", units=1)]},
        "compile": {"optimizer": "sgd", "loss": "mse", "metrics": ["mse", "mae"]}, "ops": ops}]},
        {"r0/x": x, "r0/y": y}))
    yb = (y > 0.5).astype(np.float32)
    cases.append(({"id": "issue15-1d-targets-accuracy", "family": "pinned", "seed": 15, "runs": [{
        "model": {"type": "sequential", "input_shape": [3], "layers": [layer("Dense", units=1, activation="sigmoid")]},
        "compile": {"optimizer": "sgd", "loss": "binary_crossentropy", "metrics": ["accuracy"]}, "ops": ops}]},
        {"r0/x": x, "r0/y": yb}))
    session = []
    for r in range(2):
        session.append({
            "model": {"type": "sequential", "input_shape": [3],
                      "layers": [layer("Dense", units=1, activation="sigmoid")]},
            "compile": {"optimizer": "adam", "loss": "binary_crossentropy",
                        "metrics": ["Recall", "AUC", "Precision"] + (["Recall"] if r else [])},
            "ops": ops})
    cases.append(({"id": "issue15-metric-names-per-model", "family": "pinned", "seed": 15, "runs": session},
                  {f"r{r}/{k}": v for r in range(2) for k, v in (("x", x), ("y", yb))}))
    yr = d.normal((100, 3))
    cases.append(({"id": "issue15-cosine-similarity-string", "family": "pinned", "seed": 15, "runs": [{
        "model": {"type": "sequential", "input_shape": [3], "layers": [layer("Dense", units=3)]},
        "compile": {"optimizer": "sgd", "loss": "mse", "metrics": ["cosine_similarity"]}, "ops": ops}]},
        {"r0/x": x, "r0/y": yr}))
    cases.append(({"id": "issue15-nadam-trajectory", "family": "pinned", "seed": 15, "runs": [{
        "model": {"type": "sequential", "input_shape": [3],
                  "layers": [layer("Dense", units=4, activation="tanh"), layer("Dense", units=3)]},
        "compile": {"optimizer": obj("optimizers", "Nadam", learning_rate=0.05), "loss": "mse"},
        "ops": [["fit", {"x": "x", "y": "y", "batch_size": 16, "epochs": 3}], ["predict", {"x": "x"}]]}]},
        {"r0/x": x, "r0/y": yr}))
    return cases


# --------------------------------------------------------------------------- recording
def uses_keras_nadam(case):
    """Whether a run trains with tf_keras's (non-legacy) Nadam.

    tf_keras's Nadam keeps the step count of its momentum-schedule product in a Python int
    (`_u_product_counter`) that `tf.function` freezes at trace time, so in a traced step (`fit`'s
    default) the product is multiplied once per variable per step instead of once per step, and a model
    with a single variable gets -inf on the first step. Its eager step is the published algorithm (the
    one Keras 3 and tf_keras's legacy Nadam compute), so such cases are recorded with run_eagerly=True.
    """
    for run in case["runs"]:
        opt = run["compile"].get("optimizer")
        if opt in ("nadam", "Nadam") or (isinstance(opt, dict) and opt.get("module") == "optimizers" and
                                         opt.get("name") == "Nadam"):
            return True
    return False


def bidirectional_unroll_workaround(case):
    """The case to record instead, or None: tf_keras's unrolled `backend.rnn` zeroes the masked steps of a
    go_backwards layer with the mask in forward order (`zero_output_for_mask`, which Bidirectional sets
    for return_sequences=True), so a masked Bidirectional(RNN(return_sequences=True, unroll=True)) zeroes
    the wrong steps of its backward half. Unrolling changes nothing else, so such cases are recorded
    with unroll=False."""
    changed = False
    copy = json.loads(json.dumps(case))
    for run in copy["runs"]:
        model = run["model"]
        specs = model.get("layers") or [node["layer"] for node in model.get("nodes", [])]
        masked = any(spec["name"] == "Embedding" and spec.get("args", {}).get("mask_zero") for spec in specs)
        for spec in specs:
            inner = spec.get("args", {}).get("layer") if spec["name"] == "Bidirectional" else None
            args = inner.get("args", {}) if inner else {}
            if masked and args.get("unroll") and args.get("return_sequences"):
                args["unroll"] = False
                changed = True
    return copy if changed else None


def record(keras, case, arrays):
    """Run a case on tf_keras: returns (expected JSON, extra arrays) or raises."""
    initial = {}

    def initial_weights(r, model):
        ws = [np.asarray(w) for w in model.get_weights()]
        ws = [w.astype(np.float16).astype(w.dtype) if w.dtype.kind == "f" else w for w in ws]
        initial[r] = ws
        return ws

    keras.utils.set_random_seed(case["seed"] % (2 ** 31))
    eager = uses_keras_nadam(case)
    if eager:
        case["recorded_eagerly"] = "tf_keras's traced Nadam step is wrong (see uses_keras_nadam)"
    results = casekit.run_case(keras, case, arrays, initial_weights, run_eagerly=True if eager else None)
    expected = []
    out_arrays = {}
    for r, res in enumerate(results):
        ops = []
        for i, op_result in enumerate(res["ops"]):
            if isinstance(op_result, list):
                for j, a in enumerate(op_result):
                    out_arrays[f"r{r}/expect_op{i}_{j}"] = a.astype(np.float32)
                ops.append({"predict": len(op_result)})
            else:
                ops.append(op_result)
        for j, w in enumerate(res["weights"]):
            out_arrays[f"r{r}/expect_w{j}"] = w
        for j, w in enumerate(initial[r]):
            out_arrays[f"r{r}/init_w{j}"] = w
        expected.append({"ops": ops, "n_weights": len(res["weights"])})
    for key, value in out_arrays.items():
        if not np.all(np.isfinite(value)) and value.dtype.kind == "f":
            raise FloatingPointError(f"non-finite {key}")
    return expected, out_arrays


def _finite(expected):
    text = json.dumps(expected)
    return "NaN" not in text and "Infinity" not in text


def _float32_digits(value):
    """Logged floats with the 9 significant digits that round-trip a float32 (Keras logs float32 values)."""
    if isinstance(value, float):
        return float(f"{value:.9g}")
    if isinstance(value, list):
        return [_float32_digits(v) for v in value]
    if isinstance(value, dict):
        return {k: _float32_digits(v) for k, v in value.items()}
    return value


class Packer:
    """A shard's arrays packed into one flat array per stored dtype (reading a case is then slicing, not
    one zip member per array). Float32 inputs that are float16-exact are stored as float16; expected
    values keep float32."""

    def __init__(self):
        self.parts = {}
        self.sizes = {}

    def add(self, name, value):
        """Store `value`; returns its index entry `[stored dtype, dtype, offset, shape]`."""
        value = np.asarray(value)
        dtype = value.dtype.name
        stored = value
        if value.dtype == np.float32 and "expect_" not in name and \
                np.array_equal(value.astype(np.float16).astype(np.float32), value):
            stored = value.astype(np.float16)
        key = stored.dtype.name
        offset = self.sizes.get(key, 0)
        self.parts.setdefault(key, []).append(stored.reshape(-1))
        self.sizes[key] = offset + stored.size
        return [key, dtype, offset, list(value.shape)]

    def arrays(self):
        return {k: np.concatenate(v) for k, v in self.parts.items()}


def _cache_key(case, arrays):
    h = hashlib.sha1(json.dumps({k: v for k, v in case.items() if k != "id"}, sort_keys=True).encode())
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(f"{name}{a.dtype}{a.shape}".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def weighted_fscore_bug(case):
    """Why tf_keras's numbers for this case are wrong, or None. Compile hands weighted metrics `(n, 1)`
    sample weights, and F1Score/FBetaScore expand them again, to `(n, 1, 1)`: their counts become
    `(n, n, k)` products, which fails to update the state for per-class averages and, with
    `average="micro"`, weights each batch by its total weight instead of each sample by its own."""
    for run in case["runs"]:
        weighted = json.dumps(run["compile"].get("weighted_metrics", []))
        if ("F1Score" in weighted or "FBetaScore" in weighted) and any(
                "sample_weight" in kw or "class_weight" in kw for _, kw in run["ops"]):
            return "tf_keras weights F-scores wrongly (see weighted_fscore_bug)"
    return None


def record_cached(keras, original, arrays, cache):
    """`record`, remembered in `cache` (a folder) by the case's content: editing the generator re-records
    only the cases it changes. Notes on how a case was recorded are added to `original`."""
    bug = weighted_fscore_bug(original)
    if bug:
        raise RecordingError(bug)
    case = bidirectional_unroll_workaround(original)
    if case is not None:
        original["recorded_with_unroll_false"] = "tf_keras's unrolled masked Bidirectional is wrong (see " \
                                                 "bidirectional_unroll_workaround)"
    else:
        case = original
    if not cache:
        result = record(keras, case, arrays)
        outcome = ("ok", result, case.get("recorded_eagerly"))
    else:
        outcome = _cached_outcome(keras, case, arrays, cache)
    if outcome[0] == "error":
        raise RecordingError(outcome[1])
    if outcome[2]:
        original["recorded_eagerly"] = outcome[2]
    return outcome[1]


def _cached_outcome(keras, case, arrays, cache):
    path = os.path.join(cache, _cache_key(case, arrays) + ".pkl")
    if CACHED_ONLY and not os.path.exists(path):
        raise NotCached
    running = path[:-len(".pkl")] + ".running"
    if os.path.exists(path):
        with open(path, "rb") as f:
            return pickle.load(f)
    if os.path.exists(running):  # an earlier run died in this case (TensorFlow can abort the process)
        return ("error", "tf_keras crashed the process on this case", None)
    os.makedirs(cache, exist_ok=True)
    open(running, "w").close()
    try:
        outcome = ("ok", record(keras, case, arrays), case.get("recorded_eagerly"))
    except Exception as e:  # remembered too: tf_keras refuses the same case the same way
        outcome = ("error", f"{type(e).__name__}: {_last_line(e)}", None)
    with open(path + ".tmp", "wb") as f:
        pickle.dump(outcome, f)
    os.replace(path + ".tmp", path)
    os.remove(running)
    return outcome


class RecordingError(Exception):
    pass


class NotCached(Exception):
    pass


CACHED_ONLY = False  # --cached-only: pack what the cache holds, record nothing


def _last_line(e):
    text = str(e).strip()
    return text.splitlines()[-1].strip()[:200] if text else ""


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shard", default="0")
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0, help="case i uses seed + i")
    parser.add_argument("--pinned", action="store_true", help="record the hand-written issue-15 cases")
    parser.add_argument("--out", default=DATA_DIR)
    parser.add_argument("--cache", default=None, help="folder remembering recorded cases between runs")
    parser.add_argument("--mix", default="main", choices=sorted(MIXES), help="the families to draw from")
    parser.add_argument("--cached-only", action="store_true", help="pack the cached cases only (with --cache)")
    args = parser.parse_args()
    global CACHED_ONLY
    CACHED_ONLY = args.cached_only
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tf_keras as keras
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")
    if args.pinned:
        shard, drawn = "pinned", pinned_cases()
    else:
        shard = f"{int(args.shard):02d}"
        families = MIXES[args.mix]
        drawn = (draw_case(f"s{shard}-{i:04d}", args.seed + i, families) for i in range(args.count))
    cases, packer, dropped = [], Packer(), []
    start = time.time()
    for case, arrays in drawn:
        try:
            expected, out_arrays = record_cached(keras, case, arrays, args.cache)
            if not _finite(expected):
                raise FloatingPointError("non-finite logs")
        except NotCached:
            continue
        except Exception as e:  # tf_keras refuses the case (or it diverged): drop it, say why
            msg = str(e) if isinstance(e, RecordingError) else f"{type(e).__name__}: {_last_line(e)}"
            dropped.append({"id": case["id"], "family": case["family"], "error": msg})
            print(f"dropped {case['id']} ({case['family']}): {msg}", flush=True)
            if os.environ.get("ORACLE_DEBUG"):
                traceback.print_exc()
            continue
        case["expected"] = expected
        case["arrays"] = {k: packer.add(k, v) for k, v in {**arrays, **out_arrays}.items()}
        cases.append(case)
        if len(cases) % 25 == 0:
            print(f"{len(cases)} cases, {time.time() - start:.0f} s", flush=True)
    os.makedirs(args.out, exist_ok=True)
    for case in cases:
        case["expected"] = _float32_digits(case["expected"])
    text = json.dumps({"generator": "tools/make_oracle.py", "keras": keras.__version__, "cases": cases},
                      separators=(",", ":"))
    with open(os.path.join(args.out, f"shard_{shard}.json.gz"), "wb") as f:  # mtime=0: same corpus, same bytes
        with gzip.GzipFile(fileobj=f, mode="wb", mtime=0, filename="") as z:
            z.write(text.encode())
    np.savez_compressed(os.path.join(args.out, f"shard_{shard}.npz"), **packer.arrays())
    print(f"shard {shard}: {len(cases)} cases kept, {len(dropped)} dropped, {time.time() - start:.0f} s")


if __name__ == "__main__":
    main()
