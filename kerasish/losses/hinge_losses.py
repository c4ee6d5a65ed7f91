"""Hinge losses for labels in {-1, 1} (0/1 labels are converted): hinge, squared hinge and categorical
hinge, as functions and `Loss` classes.

Example:
    >>> from kerasish.losses import Hinge
    >>> float(Hinge()([[1.0, -1.0]], [[0.5, -0.5]]))
    0.5
"""
import numpy as np

from ..backend.ops import math as m
from ..backend.tensor import Tensor
from ..backend import dispatch as _dispatch
from ..utils.serialization import builtin_objects as _builtin_objects
from ..utils.serialization import register_builtin
from .loss import LossFunctionWrapper, Reduction, _prepare


def _maybe_convert_labels(y_true):
    """0/1 labels become -1/+1 (hinge losses); other labels are left alone."""
    ta = y_true.array if isinstance(y_true, Tensor) else np.asarray(y_true)
    if np.all((ta == 0) | (ta == 1)):
        return m.subtract(m.multiply(2.0, y_true), 1.0)
    return y_true


@register_builtin("loss")
def squared_hinge(y_true, y_pred):
    """`mean(square(max(1 - y_true * y_pred, 0)), axis=-1)`; 0/1 labels are mapped to -1/+1.

    Example:
        >>> import numpy as np
        >>> squared_hinge(np.array([[0.0, 1.0]]), np.array([[0.5, 0.5]])).numpy()
        array([1.25], dtype=float32)
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    y_true = _maybe_convert_labels(y_true)
    return m.mean(m.square(m.maximum(m.subtract(1.0, m.multiply(y_true, y_pred)), 0.0)), axis=-1)


@register_builtin("loss")
def hinge(y_true, y_pred):
    """`mean(max(1 - y_true * y_pred, 0), axis=-1)`; 0/1 labels are mapped to -1/+1.

    Example:
        >>> import numpy as np
        >>> hinge(np.array([[0.0, 1.0]]), np.array([[0.5, 0.5]])).numpy()
        array([1.], dtype=float32)
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    y_true = _maybe_convert_labels(y_true)
    return m.mean(m.maximum(m.subtract(1.0, m.multiply(y_true, y_pred)), 0.0), axis=-1)


@register_builtin("loss")
def categorical_hinge(y_true, y_pred):
    """`max(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)` per sample.

    Example:
        >>> import numpy as np
        >>> categorical_hinge(np.array([[0.0, 1.0]]), np.array([[0.3, 0.6]])).numpy()
        array([0.7], dtype=float32)
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    pos = m.sum(m.multiply(y_true, y_pred), axis=-1)
    neg = m.max(m.multiply(m.subtract(1.0, y_true), y_pred), axis=-1)
    return m.maximum(m.add(m.subtract(neg, pos), 1.0), 0.0)


@register_builtin("loss")
class Hinge(LossFunctionWrapper):
    """Hinge loss (0/1 labels are mapped to -1/+1).

    Example:
        >>> float(Hinge()([[0.0, 1.0]], [[0.5, 0.5]]))
        1.0
    """

    def __init__(self, reduction=Reduction.AUTO, name="hinge"):
        super().__init__(hinge, name=name, reduction=reduction)


@register_builtin("loss")
class SquaredHinge(LossFunctionWrapper):
    """Squared hinge loss (0/1 labels are mapped to -1/+1).

    Example:
        >>> float(SquaredHinge()([[0.0, 1.0]], [[0.5, 0.5]]))
        1.25
    """

    def __init__(self, reduction=Reduction.AUTO, name="squared_hinge"):
        super().__init__(squared_hinge, name=name, reduction=reduction)


@register_builtin("loss")
class CategoricalHinge(LossFunctionWrapper):
    """Categorical hinge loss.

    Example:
        >>> round(float(CategoricalHinge()([[0.0, 1.0]], [[0.3, 0.6]])), 6)
        0.7
    """

    def __init__(self, reduction=Reduction.AUTO, name="categorical_hinge"):
        super().__init__(categorical_hinge, name=name, reduction=reduction)


# Calls on symbolic (Keras) tensors become graph nodes named "keras.losses.<name>" (see backend/dispatch.py).
_dispatch.dispatch_registered(globals(), "keras.losses", _builtin_objects("loss"))
