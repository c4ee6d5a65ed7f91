"""Keras 2 losses: per-sample loss functions and `Loss` classes with reductions and sample weights.

A loss function (`mean_squared_error`, `binary_crossentropy`, ...) maps `(y_true, y_pred)` to one
value per sample (the mean over the last axis). A `Loss` object reduces those values:
`reduction='auto'`/`'sum_over_batch_size'` gives `sum(w * loss) / number_of_elements` (the sum of
the weights is NOT the divisor, as in Keras), `'sum'` the plain weighted sum, `'none'` the
weighted per-sample values. Everything is built from engine ops, so losses are differentiable
(the crossentropies and MSE are fused one-node kernels).

Example:
    >>> import numpy as np
    >>> from kerasish import losses
    >>> float(losses.BinaryCrossentropy()([0.0, 0, 1, 1], [1.0, 1, 0, 0]))  # doctest: +ELLIPSIS
    15.379...
    >>> y, p = np.array([[1.0], [2.0], [3.0], [4.0]]), np.zeros((4, 1))
    >>> float(losses.MeanSquaredError()(y, p, sample_weight=[1.0, 0.0, 0.0, 0.0]))
    0.25
    >>> losses.mean_squared_error(y, p).numpy()
    array([ 1.,  4.,  9., 16.], dtype=float32)
"""
# One family per file; this package is the public `keras.losses` namespace.
from ..backend import dispatch as _dispatch
from ..utils.serialization import builtin_objects as _builtin_objects
from .loss import (  # noqa: F401
    Reduction, ReductionV2, remove_squeezable_dimensions, squeeze_or_expand_dimensions, compute_weighted_loss, Loss,
    LossFunctionWrapper, serialize, deserialize, get)
from .regression_losses import (  # noqa: F401
    mean_square_rows, mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_logarithmic_error, huber, log_cosh, cosine_similarity, MeanSquaredError, MeanAbsoluteError,
    MeanAbsolutePercentageError, MeanSquaredLogarithmicError, CosineSimilarity, LogCosh, Huber, mse, MSE, mae, MAE,
    mape, MAPE, msle, MSLE, cosine, cosine_proximity, logcosh, huber_loss)
from .hinge_losses import squared_hinge, hinge, categorical_hinge, Hinge, SquaredHinge, CategoricalHinge  # noqa: F401
from .probabilistic_losses import (  # noqa: F401
    kl_divergence, poisson, binary_crossentropy, binary_focal_crossentropy, categorical_crossentropy,
    categorical_focal_crossentropy, sparse_categorical_crossentropy, BinaryCrossentropy, BinaryFocalCrossentropy,
    CategoricalCrossentropy, CategoricalFocalCrossentropy, SparseCategoricalCrossentropy, Poisson, KLDivergence, kld,
    KLD, kullback_leibler_divergence)
from .loss import _get_mask  # noqa: F401  (the metrics' masks)


# --------------------------------------------------------------------------- compile(loss=...) resolution
def resolve_loss(identifier, name=None):
    """A `Loss` object for `compile`: strings and functions are wrapped in `LossFunctionWrapper`.

    The wrapper is named after the string the user gave (or the function's name), as Keras does.

    Example:
        >>> loss = resolve_loss("mse")
        >>> type(loss).__name__, loss.name, loss.fn is mean_squared_error
        ('LossFunctionWrapper', 'mse', True)
    """
    obj = get(identifier)
    if obj is None:
        return None
    if isinstance(obj, Loss):
        obj._allow_sum_over_batch_size = True
        return obj
    if not callable(obj):
        raise ValueError(f"Could not interpret loss function identifier: {identifier!r}")
    loss_name = name or (identifier if isinstance(identifier, str) else getattr(obj, "__name__", None))
    wrapper = LossFunctionWrapper(obj, name=loss_name)
    wrapper._allow_sum_over_batch_size = True
    return wrapper


def is_categorical_crossentropy(loss):
    """Whether `loss` is categorical crossentropy in any of its forms."""
    return (isinstance(loss, CategoricalCrossentropy)
            or (isinstance(loss, LossFunctionWrapper) and loss.fn is categorical_crossentropy)
            or getattr(loss, "__name__", None) == "categorical_crossentropy"
            or loss == "categorical_crossentropy")


# Calls on symbolic (Keras) tensors become graph nodes named "keras.losses.<name>" (see backend/dispatch.py);
# the families wrap their own functions, this names every alias of the public namespace too.
_dispatch.dispatch_registered(globals(), "keras.losses", _builtin_objects("loss"))
