"""Keras 2 metrics: stateful `Metric` objects and per-sample metric functions.

A metric accumulates state over batches (`update_state`), reports it (`result`) and starts
over (`reset_state`). State lives in non-trainable `Variable`s holding float32 numpy arrays;
metrics never need gradients, so built-in metrics compute in numpy. Subclass `Metric` exactly
as in Keras: create state with `add_weight`, implement `update_state` and `result`.

`resolve_metric` turns what a user passes to `compile(metrics=...)` into a `Metric`, including
Keras's shape-based resolution of 'accuracy'/'acc'/'crossentropy'/'ce'.

Example:
    >>> from kerasish import metrics
    >>> m = metrics.AUC()
    >>> m.update_state([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> round(float(m.result()), 4)
    0.75
    >>> acc = metrics.SparseCategoricalAccuracy()
    >>> float(acc([1, 2], [[0.1, 0.8, 0.1], [0.6, 0.3, 0.1]]))
    0.5
"""
# One family per file (as Keras 3 splits them); this package is the public `keras.metrics` namespace.
import numpy as np

from .. import losses as _losses
from ..backend import dispatch as _dispatch
from ..losses import (  # noqa: F401  (loss functions are metric functions too: `keras.metrics.mse`)
    binary_crossentropy, binary_focal_crossentropy, categorical_crossentropy, categorical_focal_crossentropy, hinge,
    kl_divergence, log_cosh, mean_absolute_error, mean_absolute_percentage_error, mean_squared_error,
    mean_squared_logarithmic_error, poisson, sparse_categorical_crossentropy, squared_hinge)
from ..utils.serialization import builtin_objects as _builtin_objects
from .metric import metric_of_result, Metric, serialize, deserialize, get  # noqa: F401
from .reduction_metrics import Reduce, Sum, Mean, MeanMetricWrapper, MeanTensor  # noqa: F401
from .accuracy_metrics import (  # noqa: F401
    accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy, top_k_categorical_accuracy,
    sparse_top_k_categorical_accuracy, Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
    TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy)
from .confusion_metrics import (  # noqa: F401
    NEG_INF, update_confusion_matrix_variables, TruePositives, FalsePositives, TrueNegatives, FalseNegatives,
    Precision, Recall, SensitivitySpecificityBase, SensitivityAtSpecificity, SpecificityAtSensitivity,
    PrecisionAtRecall, RecallAtPrecision, AUC)
from .f_score_metrics import FBetaScore, F1Score  # noqa: F401
from .hinge_metrics import Hinge, SquaredHinge, CategoricalHinge  # noqa: F401
from .iou_metrics import IoU, MeanIoU, BinaryIoU, OneHotIoU, OneHotMeanIoU  # noqa: F401
from .probabilistic_metrics import (  # noqa: F401
    KLDivergence, Poisson, BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy)
from .regression_metrics import (  # noqa: F401
    mse, MSE, mae, MAE, mape, MAPE, msle, MSLE, kld, KLD, kullback_leibler_divergence, logcosh, MeanSquaredError,
    MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError, LogCoshError, cosine_similarity,
    cosine_proximity, CosineSimilarity, RootMeanSquaredError, MeanRelativeError, R2Score)
from .metric import _to_snake_case


# --------------------------------------------------------------------------- compile(metrics=...) resolution
def _shape(x):
    if x is None:
        return None
    if isinstance(x, (tuple, list)) and all(d is None or isinstance(d, (int, np.integer)) for d in x):
        return tuple(x)
    return tuple(np.shape(x))


def _loss_kind(loss_fn):
    """'binary', 'sparse', 'categorical' or None, from a loss identifier (fallback when shapes are unknown)."""
    if loss_fn is None:
        return None
    fn = getattr(loss_fn, "fn", loss_fn)
    name = fn if isinstance(fn, str) else getattr(fn, "__name__", type(fn).__name__)
    name = _to_snake_case(name) if name and name[0].isupper() else name
    for kind, key in (("sparse", "sparse_categorical"), ("categorical", "categorical"), ("binary", "binary")):
        if key in str(name):
            return kind
    return None


def resolve_metric(identifier, y_true_shape=None, y_pred_shape=None, loss_fn=None):
    """Turn an item of `compile(metrics=[...])` into a `Metric` object, as Keras 2 does.

    'accuracy'/'acc' and 'crossentropy'/'ce' are resolved from the OUTPUT SHAPES (Keras 2's rule):
    binary when `y_pred` has a last axis of 1; sparse when `y_true` has lower rank than `y_pred`
    or a last axis of 1 while `y_pred`'s is > 1; categorical otherwise. `loss_fn` is only consulted
    when a shape is unknown. A string keeps the user's spelling as the metric's name ('acc' stays
    `acc`); a function is wrapped in `MeanMetricWrapper` named after it; a `Metric` is returned as is.

    Args:
        identifier: a string, a function, a `Loss`, a `Metric` instance or class, or a config dict.
        y_true_shape, y_pred_shape: shapes (or sample arrays) of one output's targets and predictions.
        loss_fn: the compiled loss of that output (optional fallback).

    Example:
        >>> m = resolve_metric("acc", (32, 1), (32, 1))
        >>> m.name, m._fn is binary_accuracy
        ('acc', True)
        >>> resolve_metric("accuracy", (32,), (32, 10))._fn is sparse_categorical_accuracy
        True
    """
    if identifier is None:
        return None
    if isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc", "crossentropy", "ce"):
        fn = _resolve_by_shapes(identifier.lower(), _shape(y_true_shape), _shape(y_pred_shape), loss_fn)
        return MeanMetricWrapper(fn, name=identifier)
    obj = get(identifier) if not isinstance(identifier, Metric) else identifier
    if isinstance(obj, type) and issubclass(obj, Metric):
        obj = obj()
    if isinstance(obj, Metric):
        return obj
    if isinstance(obj, _losses.Loss):
        obj._allow_sum_over_batch_size = True
        return MeanMetricWrapper(obj, name=obj.name or _to_snake_case(type(obj).__name__))
    if not callable(obj):
        raise ValueError(f"Metric should be a callable, received: {identifier!r}")
    name = identifier if isinstance(identifier, str) else getattr(obj, "__name__", None)
    if name is None or name == "<lambda>":
        name = name or _to_snake_case(type(obj).__name__)
    return MeanMetricWrapper(obj, name=name)


def _resolve_by_shapes(kind, yt_shape, yp_shape, loss_fn):
    if yt_shape is not None and yp_shape is not None and len(yp_shape) > 0:
        yt_last = yt_shape[-1] if yt_shape else None
        yp_last = yp_shape[-1]
        is_binary = yp_last == 1
        is_sparse = len(yt_shape) < len(yp_shape) or (yt_last == 1 and yp_last is not None and yp_last > 1)
        category = "binary" if is_binary else "sparse" if is_sparse else "categorical"
    else:
        category = _loss_kind(loss_fn) or "categorical"
    if kind in ("accuracy", "acc"):
        return {"binary": binary_accuracy, "sparse": sparse_categorical_accuracy,
                "categorical": categorical_accuracy}[category]
    return {"binary": binary_crossentropy, "sparse": sparse_categorical_crossentropy,
            "categorical": categorical_crossentropy}[category]


def clone_metric(metric):
    """A new, reset copy of a `Metric` (made from its config); a metric function is returned as it is.

    Example:
        >>> m = MeanSquaredError(name="mse_a")
        >>> copy = clone_metric(m)
        >>> copy is not m and copy.name == "mse_a"
        True
    """
    if isinstance(metric, Metric):
        return metric.__class__.from_config(metric.get_config())
    return metric


def clone_metrics(metrics):
    """`clone_metric` of each metric of a list or dict (None stays None)."""
    if metrics is None:
        return None
    if isinstance(metrics, dict):
        return {key: clone_metric(value) for key, value in metrics.items()}
    return [clone_metric(metric) for metric in metrics]


# Calls on symbolic (Keras) tensors become graph nodes named "keras.metrics.<name>" (see backend/dispatch.py);
# the families wrap their own functions, this names every alias of the public namespace too.
_dispatch.dispatch_registered(globals(), "keras.metrics", _builtin_objects("metric"))
