"""Keras 2's `keras.utils.losses_utils`: loss reductions and sample weighting.

The functions live in `kerasish.losses`; this module keeps Keras 2's import path.

Example:
    >>> from kerasish.utils import losses_utils
    >>> float(losses_utils.compute_weighted_loss([1.0, 3.0], sample_weight=[1.0, 0.0]))
    0.5
"""
from ..backend.ops import math as _math
from ..backend.tensor import as_tensor as _as_tensor
from ..losses import Reduction, ReductionV2, compute_weighted_loss, squeeze_or_expand_dimensions  # noqa: F401


def reduce_weighted_loss(weighted_losses, reduction: str = Reduction.SUM_OVER_BATCH_SIZE):
    """Reduce already weighted losses: 'none' keeps them, 'sum' adds them, 'sum_over_batch_size' averages.

    Example:
        >>> float(reduce_weighted_loss([1.0, 2.0, 6.0]))
        3.0
    """
    return compute_weighted_loss(weighted_losses, None, reduction)


def broadcast_weights(values, sample_weight):
    """`sample_weight` broadcast to the shape of `values` (a trailing axis of 1 squeezed, a missing one added).

    Example:
        >>> import numpy as np
        >>> broadcast_weights(np.zeros((2, 3), "float32"), np.array([1.0, 2.0], "float32")).numpy().tolist()
        [[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]]
    """
    values = _as_tensor(values)
    _, _, sample_weight = squeeze_or_expand_dimensions(values, None, _as_tensor(sample_weight))
    return _math.broadcast_to(_math.cast(sample_weight, values.dtype), values.shape)
