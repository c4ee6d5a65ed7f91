"""Probabilistic losses: the binary, categorical and sparse crossentropies (fused kernels computed from the
logits when a softmax/sigmoid output carries them), their focal variants, the KL divergence and Poisson.

Example:
    >>> from kerasish.losses import CategoricalCrossentropy
    >>> round(float(CategoricalCrossentropy()([[0.0, 1.0]], [[0.5, 0.5]])), 4)
    0.6931
"""
import numpy as np

from ..backend import config
from ..backend.ops import crossentropy as _ce, math as m
from ..backend.tensor import Tensor
from ..backend.user_warnings import warn
from ..backend import dispatch as _dispatch
from ..utils.serialization import builtin_objects as _builtin_objects
from ..utils.serialization import register_builtin
from .loss import LossFunctionWrapper, Reduction, _prepare, _to_tensor


@register_builtin("loss", "kld", "KLD", "kullback_leibler_divergence")
def kl_divergence(y_true, y_pred):
    """`sum(y_true * log(y_true / y_pred), axis=-1)` with both clipped to `[eps, 1]`.

    Example:
        >>> import numpy as np
        >>> np.round(kl_divergence(np.array([[0.5, 0.5]]), np.array([[0.25, 0.75]])).numpy(), 6)
        array([0.143841], dtype=float32)
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    eps = config.epsilon()
    y_true = m.clip(y_true, eps, 1.0)
    y_pred = m.clip(y_pred, eps, 1.0)
    return m.sum(m.multiply(y_true, m.log(m.divide(y_true, y_pred))), axis=-1)


@register_builtin("loss")
def poisson(y_true, y_pred):
    """`mean(y_pred - y_true * log(y_pred + eps), axis=-1)`.

    Example:
        >>> import numpy as np
        >>> np.round(poisson(np.array([[1.0]]), np.array([[2.0]])).numpy(), 6)
        array([1.306853], dtype=float32)
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    return m.mean(m.subtract(y_pred, m.multiply(y_true, m.log(m.add(y_pred, config.epsilon())))), axis=-1)


def _check_axis(axis):
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise ValueError(f"`axis` must be of type `int`. Received: axis={axis!r} of type {type(axis)}")


@register_builtin("loss")
def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary crossentropy averaged over `axis` (Keras 2 numerics; hidden logits of sigmoid outputs used).

    Args:
        y_true: 0/1 targets.
        y_pred: probabilities, or logits with `from_logits=True`.
        from_logits: whether `y_pred` holds logits.
        label_smoothing: squeeze targets towards 0.5: `t * (1 - ls) + 0.5 * ls`.
        axis: the axis the mean is taken over.

    Example:
        >>> import numpy as np
        >>> np.round(binary_crossentropy(np.array([[1.0]]), np.array([[0.9]]), label_smoothing=0.1).numpy(), 6)
        array([0.215222], dtype=float32)
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    if label_smoothing:
        ls = float(label_smoothing)
        y_true = m.add(m.multiply(y_true, 1.0 - ls), 0.5 * ls)
    return m.mean(_ce.binary_crossentropy(y_true, y_pred, from_logits=from_logits), axis=axis)


@register_builtin("loss")
def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25, gamma=2.0,
                              from_logits=False, label_smoothing=0.0, axis=-1):
    """Focal binary crossentropy averaged over `axis` (down-weights easy examples by `(1 - p_t)**gamma`).

    Example:
        >>> import numpy as np
        >>> np.round(binary_focal_crossentropy(np.array([[1.0, 0.0]]), np.array([[0.9, 0.2]])).numpy(), 6)
        array([0.00499], dtype=float32)
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    if label_smoothing:
        ls = float(label_smoothing)
        y_true = m.add(m.multiply(y_true, 1.0 - ls), 0.5 * ls)
    out = _ce.binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=apply_class_balancing,
                                        alpha=alpha, gamma=gamma, from_logits=from_logits)
    return m.mean(out, axis=axis)


def _smooth_categorical(y_true, label_smoothing, axis):
    ls = float(label_smoothing)
    num_classes = float(np.shape(y_true)[axis])
    return m.add(m.multiply(y_true, 1.0 - ls), ls / num_classes)


def _warn_single_class(fn_name, y_pred):
    if np.shape(y_pred)[-1:] == (1,):
        warn(
             f"In loss {fn_name}, expected y_pred.shape to be (batch_size, num_classes) with num_classes > 1. "
             f"Received: y_pred.shape={tuple(np.shape(y_pred))}. Consider using 'binary_crossentropy' if you "
             "only have 2 classes.", SyntaxWarning)


@register_builtin("loss")
def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Categorical crossentropy over `axis` (renormalised and clipped; hidden logits of softmax outputs used).

    Example:
        >>> import numpy as np
        >>> np.round(categorical_crossentropy(np.array([[0.0, 1.0, 0.0]]), np.array([[0.4, 0.6, 1.0]])).numpy(), 6)
        array([1.203973], dtype=float32)
    """
    _check_axis(axis)
    y_true, y_pred = _prepare(y_true, y_pred)
    _warn_single_class("categorical_crossentropy", y_pred)
    if label_smoothing:
        y_true = _smooth_categorical(y_true, label_smoothing, axis)
    return _ce.categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis)


@register_builtin("loss")
def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    """Focal categorical crossentropy over `axis`.

    Example:
        >>> import numpy as np
        >>> out = categorical_focal_crossentropy(np.array([[0.0, 1.0, 0.0]]), np.array([[0.05, 0.9, 0.05]]))
        >>> np.round(out.numpy(), 6)
        array([0.000263], dtype=float32)
    """
    _check_axis(axis)
    y_true, y_pred = _prepare(y_true, y_pred)
    _warn_single_class("categorical_focal_crossentropy", y_pred)
    if label_smoothing:
        ls = float(label_smoothing)
        y_true = m.add(m.multiply(y_true, 1.0 - ls), ls / float(np.shape(y_true)[-1]))
    return _ce.categorical_focal_crossentropy(y_true, y_pred, alpha=alpha, gamma=gamma,
                                              from_logits=from_logits, axis=axis)


@register_builtin("loss")
def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, axis=-1, ignore_class=None):
    """Crossentropy between integer labels and class probabilities (or logits) along `axis`.

    Example:
        >>> import numpy as np
        >>> p = np.array([[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]], dtype="float32")
        >>> np.round(sparse_categorical_crossentropy(np.array([1, 2]), p).numpy(), 6)
        array([0.051293, 2.302585], dtype=float32)
    """
    if isinstance(y_pred, Tensor):
        y_pred = _to_tensor(y_pred)
    return _ce.sparse_categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis,
                                               ignore_class=ignore_class)


@register_builtin("loss")
class BinaryCrossentropy(LossFunctionWrapper):
    """Binary crossentropy (probabilities clipped like Keras; sigmoid outputs use their hidden logits).

    Args:
        from_logits: whether `y_pred` holds logits.
        label_smoothing: float in [0, 1]; targets become `t * (1 - ls) + 0.5 * ls`.
        axis: the axis the per-sample mean is taken over.
        reduction: see `Loss`.
        name: the loss's name.

    Example:
        >>> round(float(BinaryCrossentropy()([0.0, 0, 1, 1], [1.0, 1, 0, 0])), 5)
        15.37909
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction=Reduction.AUTO,
                 name="binary_crossentropy"):
        super().__init__(binary_crossentropy, name=name, reduction=reduction, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits


@register_builtin("loss")
class BinaryFocalCrossentropy(LossFunctionWrapper):
    """Focal binary crossentropy (`gamma` focuses on hard examples; optional `alpha` class balancing).

    Example:
        >>> round(float(BinaryFocalCrossentropy(gamma=2.0)([[1.0, 0.0]], [[0.9, 0.2]])), 6)
        0.00499
    """

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0,
                 axis=-1, reduction=Reduction.AUTO, name="binary_focal_crossentropy"):
        super().__init__(binary_focal_crossentropy, apply_class_balancing=apply_class_balancing, alpha=alpha,
                         gamma=gamma, name=name, reduction=reduction, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.apply_class_balancing = apply_class_balancing
        self.alpha = alpha
        self.gamma = gamma

    def get_config(self):
        config = super().get_config()
        config.update({"apply_class_balancing": self.apply_class_balancing, "alpha": self.alpha,
                       "gamma": self.gamma})
        return config


@register_builtin("loss")
class CategoricalCrossentropy(LossFunctionWrapper):
    """Categorical crossentropy with one-hot targets (softmax outputs use their hidden logits).

    Example:
        >>> round(float(CategoricalCrossentropy()([[0.0, 1.0, 0.0]], [[0.4, 0.6, 1.0]])), 7)
        1.2039728
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction=Reduction.AUTO,
                 name="categorical_crossentropy"):
        super().__init__(categorical_crossentropy, name=name, reduction=reduction, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


@register_builtin("loss")
class CategoricalFocalCrossentropy(LossFunctionWrapper):
    """Focal categorical crossentropy.

    Example:
        >>> round(float(CategoricalFocalCrossentropy()([[0.0, 1.0, 0.0]], [[0.05, 0.9, 0.05]])), 6)
        0.000263
    """

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction=Reduction.AUTO, name="categorical_focal_crossentropy"):
        super().__init__(categorical_focal_crossentropy, alpha=alpha, gamma=gamma, name=name, reduction=reduction,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.alpha = alpha
        self.gamma = gamma

    def get_config(self):
        config = super().get_config()
        config.update({"alpha": self.alpha, "gamma": self.gamma})
        return config


@register_builtin("loss")
class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Crossentropy between integer labels and class probabilities (or logits).

    Args:
        from_logits: whether `y_pred` holds logits.
        ignore_class: a label value that contributes no loss (e.g. padding).
        reduction, name: see `Loss`.

    Example:
        >>> round(float(SparseCategoricalCrossentropy()([1, 2], [[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]])), 6)
        1.176939
    """

    def __init__(self, from_logits=False, ignore_class=None, reduction=Reduction.AUTO,
                 name="sparse_categorical_crossentropy", axis=-1):
        kwargs = {"from_logits": from_logits, "ignore_class": ignore_class}
        if axis != -1:
            kwargs["axis"] = axis
        super().__init__(sparse_categorical_crossentropy, name=name, reduction=reduction, **kwargs)


@register_builtin("loss")
class Poisson(LossFunctionWrapper):
    """Poisson loss: `mean(y_pred - y_true * log(y_pred + eps))`.

    Example:
        >>> round(float(Poisson()([[1.0]], [[2.0]])), 6)
        1.306853
    """

    def __init__(self, reduction=Reduction.AUTO, name="poisson"):
        super().__init__(poisson, name=name, reduction=reduction)


@register_builtin("loss")
class KLDivergence(LossFunctionWrapper):
    """Kullback-Leibler divergence `sum(y_true * log(y_true / y_pred))`.

    Example:
        >>> round(float(KLDivergence()([[0.5, 0.5]], [[0.25, 0.75]])), 6)
        0.143841
    """

    def __init__(self, reduction=Reduction.AUTO, name="kl_divergence"):
        super().__init__(kl_divergence, name=name, reduction=reduction)
kld = KLD = kullback_leibler_divergence = kl_divergence


# Calls on symbolic (Keras) tensors become graph nodes named "keras.losses.<name>" (see backend/dispatch.py).
_dispatch.dispatch_registered(globals(), "keras.losses", _builtin_objects("loss"))
