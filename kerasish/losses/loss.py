"""The `Loss` base class, `LossFunctionWrapper`, reductions (`Reduction`, `compute_weighted_loss`), the
shape helpers every loss shares (squeezing or expanding targets, weights and masks), and `get`/`serialize`/
`deserialize`.

Example:
    >>> from kerasish.losses import compute_weighted_loss
    >>> float(compute_weighted_loss([1.0, 3.0], sample_weight=[1.0, 0.0]))
    0.5
"""
import numpy as np

from ..backend import config
from ..backend.ops import math as m
from ..backend.ops.core import RECORDING, record, tensor_and_array
from ..backend.tensor import Tensor
from ..utils.serialization import deserialize_keras_object, get_registered_name, serialize_keras_object


class Reduction:
    """Types of loss reduction (`keras.losses.Reduction`)."""

    AUTO = "auto"
    NONE = "none"
    SUM = "sum"
    SUM_OVER_BATCH_SIZE = "sum_over_batch_size"

    @classmethod
    def all(cls):
        return (cls.AUTO, cls.NONE, cls.SUM, cls.SUM_OVER_BATCH_SIZE)

    @classmethod
    def validate(cls, key):
        if key not in cls.all():
            raise ValueError(f'Invalid Reduction Key: {key!r}. Expected keys are "{cls.all()}"')


ReductionV2 = Reduction


# --------------------------------------------------------------------------- shape helpers
def _to_tensor(x):
    """A Tensor (identity for Tensors, so hidden logits and masks survive); ints become floatx."""
    if isinstance(x, Tensor):
        if x.dtype.kind not in "fc":
            return m.cast(x, config.floatx())
        return x
    _, a = tensor_and_array(x)
    if a.dtype.kind not in "fc":
        a = a.astype(config.floatx())
    return Tensor(a)


def _cast_like(y_true, y_pred):
    """`y_true` in `y_pred`'s float type (a Tensor stays a differentiable Tensor)."""
    if isinstance(y_true, Tensor):
        return y_true if y_true.dtype == y_pred.dtype else m.cast(y_true, y_pred.dtype)
    _, a = tensor_and_array(y_true)
    return a.astype(y_pred.dtype, copy=False)


def _squeeze_last(x):
    if isinstance(x, Tensor):
        return m.reshape(x, x.shape[:-1])
    return np.reshape(x, np.shape(x)[:-1])


def _expand_last(x):
    if isinstance(x, Tensor):
        return m.reshape(x, tuple(x.shape) + (1,))
    return np.reshape(x, tuple(np.shape(x)) + (1,))


def remove_squeezable_dimensions(labels, predictions, expected_rank_diff=0):
    """Squeeze a trailing size-1 axis off `labels` or `predictions` when their ranks differ by one."""
    rank_diff = np.ndim(predictions) - np.ndim(labels)
    if rank_diff == expected_rank_diff + 1 and np.shape(predictions)[-1:] == (1,):
        predictions = _squeeze_last(predictions)
    elif rank_diff == expected_rank_diff - 1 and np.shape(labels)[-1:] == (1,):
        labels = _squeeze_last(labels)
    return labels, predictions


def squeeze_or_expand_dimensions(y_pred, y_true=None, sample_weight=None):
    """Align ranks the Keras way: squeeze `y_true`/`y_pred`, then squeeze or expand `sample_weight`.

    Returns `(y_pred, y_true)` when `sample_weight` is None, else `(y_pred, y_true, sample_weight)`.
    """
    if y_true is not None:
        if np.ndim(y_pred) - np.ndim(y_true) != 1 or np.shape(y_pred)[-1:] == (1,):
            y_true, y_pred = remove_squeezable_dimensions(y_true, y_pred)
    if sample_weight is None:
        return y_pred, y_true
    w_rank, p_rank = np.ndim(sample_weight), np.ndim(y_pred)
    if w_rank == 0:
        return y_pred, y_true, sample_weight
    if w_rank - p_rank == 1 and np.shape(sample_weight)[-1] == 1:
        sample_weight = _squeeze_last(sample_weight)
    elif p_rank - w_rank == 1:
        sample_weight = _expand_last(sample_weight)
    return y_pred, y_true, sample_weight


def _get_mask(x):
    mask = getattr(x, "_keras_mask", None)
    if mask is None:
        return None
    return np.asarray(mask.array if isinstance(mask, Tensor) else mask)


def _apply_valid_mask(losses, sample_weight, mask, reduction):
    """Fold a mask into the sample weights; for mean reductions rescale so masked entries don't count."""
    if mask is None:
        return sample_weight
    dtype = losses.dtype
    mask = mask.astype(dtype)
    if reduction in (Reduction.AUTO, Reduction.SUM_OVER_BATCH_SIZE):
        valid = float(np.sum(mask))
        mask = mask * (float(mask.size) / valid) if valid else mask
    if sample_weight is None:
        return mask
    sw = sample_weight if isinstance(sample_weight, Tensor) else np.asarray(sample_weight, dtype=dtype)
    mask, _, sw = squeeze_or_expand_dimensions(mask, sample_weight=sw)
    return m.multiply(sw, mask)


def compute_weighted_loss(losses, sample_weight=None, reduction=Reduction.SUM_OVER_BATCH_SIZE):
    """Weight per-sample `losses` by `sample_weight` and reduce them (differentiable).

    `sum_over_batch_size` divides the weighted sum by the NUMBER OF ELEMENTS, not by the sum of the
    weights, exactly as Keras 2 does.

    Example:
        >>> float(compute_weighted_loss([1.0, 4.0, 9.0, 16.0], sample_weight=[1.0, 0.0, 0.0, 0.0]))
        0.25
    """
    Reduction.validate(reduction)
    if reduction == Reduction.AUTO:
        reduction = Reduction.SUM_OVER_BATCH_SIZE
    losses = _to_tensor(losses)
    if sample_weight is not None:
        if isinstance(sample_weight, Tensor):
            sw = sample_weight if sample_weight.dtype == losses.dtype else m.cast(sample_weight, losses.dtype)
        else:
            sw = np.asarray(sample_weight.array if isinstance(sample_weight, Tensor) else sample_weight)
            sw = sw.astype(losses.dtype, copy=False)
        losses, _, sw = squeeze_or_expand_dimensions(losses, None, sw)
        try:
            np.broadcast_shapes(np.shape(losses), np.shape(sw))
        except ValueError:
            raise ValueError(
                f"`sample_weight` of shape {np.shape(sample_weight)} cannot be broadcast to the per-sample "
                f"losses of shape {tuple(losses.shape)}; expected one weight per sample, e.g. shape "
                f"{tuple(losses.shape[:1])}") from None
        losses = m.multiply(losses, sw)
    if reduction == Reduction.NONE:
        return losses
    if reduction == Reduction.SUM:
        return m.sum(losses)
    if not losses.size:
        return m.multiply(m.sum(losses), 0.0)
    return _sum_over_batch_size(losses)


def _sum_over_batch_size(losses):
    """sum(losses) / size (summed first, as Keras does) as one tape node: the reduction of every
    training step, so it skips the two generic nodes and their backward passes."""
    la = losses.array
    n = float(la.size)
    out = Tensor(np.asarray(np.sum(la) / n))
    if RECORDING:
        shape = la.shape

        def vjp(g):
            if RECORDING:  # an outer tape differentiates this backward pass
                return (m.broadcast_to(m.divide(g, n), shape),)
            ga = g.array if isinstance(g, Tensor) else g
            return (np.full(shape, ga / n, dtype=la.dtype),)

        record((losses,), out, vjp)
    return out


# --------------------------------------------------------------------------- Loss classes
class Loss:
    """Base class of loss objects: subclass it and implement `call(y_true, y_pred)`.

    Args:
        reduction: 'auto' (= 'sum_over_batch_size'), 'sum_over_batch_size', 'sum' or 'none'.
        name: the loss's name.

    Example:
        >>> import numpy as np
        >>> from kerasish import losses
        >>> class MeanCubicError(losses.Loss):
        ...     def call(self, y_true, y_pred):
        ...         return losses.mean_absolute_error(y_true, y_pred) ** 3
        >>> float(MeanCubicError()(np.zeros((2, 1)), np.full((2, 1), 2.0)))
        8.0
    """

    _keras_module = "keras.losses"

    def __init__(self, reduction=Reduction.AUTO, name=None):
        Reduction.validate(reduction)
        self.reduction = reduction
        self.name = name
        self._allow_sum_over_batch_size = False

    def __call__(self, y_true, y_pred, sample_weight=None):
        """The reduced, weighted loss (a scalar Tensor unless `reduction='none'`)."""
        losses = self.call(y_true, y_pred)
        in_mask, out_mask = _get_mask(y_pred), _get_mask(losses)
        if in_mask is not None and out_mask is not None:
            mask = np.logical_and(in_mask.astype(bool), out_mask.astype(bool))
        else:
            mask = in_mask if in_mask is not None else out_mask
        losses = _to_tensor(losses)
        reduction = self._get_reduction()
        if mask is not None:
            if mask.shape != tuple(losses.shape):
                try:
                    mask = np.broadcast_to(mask.reshape(mask.shape + (1,) * (losses.ndim - mask.ndim)),
                                           losses.shape)
                except ValueError:
                    mask = None
            if mask is not None:
                sample_weight = _apply_valid_mask(losses, sample_weight, mask, reduction)
        return compute_weighted_loss(losses, sample_weight, reduction=reduction)

    def call(self, y_true, y_pred):
        """Per-sample loss values; subclasses implement this."""
        raise NotImplementedError(f"{type(self).__name__} must implement `call(self, y_true, y_pred)`.")

    def _get_reduction(self):
        return Reduction.SUM_OVER_BATCH_SIZE if self.reduction == Reduction.AUTO else self.reduction

    def get_config(self):
        return {"reduction": self.reduction, "name": self.name}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config.pop("dtype", None)  # Keras 3 adds it
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r} reduction={self.reduction!r}>"


class LossFunctionWrapper(Loss):
    """Wraps a per-sample loss function `fn(y_true, y_pred, **kwargs)` as a `Loss`.

    Example:
        >>> from kerasish.losses import mean_absolute_error
        >>> import numpy as np
        >>> loss = LossFunctionWrapper(mean_absolute_error, name="mae")
        >>> float(loss(np.zeros((2, 2)), np.ones((2, 2))))
        1.0
    """

    def __init__(self, fn, reduction=Reduction.AUTO, name=None, **kwargs):
        super().__init__(reduction=reduction, name=name)
        if not callable(fn):
            raise TypeError(f"LossFunctionWrapper: `fn` must be callable; received {fn!r}")
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        # Like tf_keras, the wrapper only aligns ranks; each loss function casts `y_true` itself
        # (so a user's function may index with integer labels).
        y_pred = _to_tensor(y_pred)
        if not isinstance(y_true, Tensor):
            _, y_true = tensor_and_array(y_true)
        y_pred, y_true = squeeze_or_expand_dimensions(y_pred, y_true)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        config = dict(super().get_config())
        for k, v in self._fn_kwargs.items():
            config[k] = np.asarray(v).tolist() if isinstance(v, (Tensor, np.ndarray)) else v
        config["fn"] = get_registered_name(self.fn)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config.pop("dtype", None)
        fn_name = config.pop("fn", None)
        if cls is LossFunctionWrapper:
            config["fn"] = get(fn_name)
        return cls(**config)


# --------------------------------------------------------------------------- per-sample functions
def _prepare(y_true, y_pred):
    y_pred = _to_tensor(y_pred)
    return _cast_like(y_true, y_pred), y_pred


# --------------------------------------------------------------------------- get / serialize
def serialize(loss, use_legacy_format=False):
    """The config of a `Loss` (`{"class_name", "config", ...}`), or the name of a loss function.

    `use_legacy_format=True` gives the `{"class_name", "config"}` dict of Keras 2 `.h5` files.

    Example:
        >>> from kerasish.losses import BinaryCrossentropy, mean_squared_error
        >>> serialize(BinaryCrossentropy(label_smoothing=0.1))["config"]["label_smoothing"]
        0.1
        >>> serialize(mean_squared_error)
        'mean_squared_error'
    """
    if loss is None:
        return None
    # a loss object that is no `Loss` but has a config (Keras 2 custom loss classes) keeps it, as in tf_keras
    if isinstance(loss, Loss) or callable(loss) and not isinstance(loss, type) and hasattr(loss, "get_config"):
        if use_legacy_format:
            return {"class_name": get_registered_name(type(loss)), "config": loss.get_config()}
        return serialize_keras_object(loss)
    if callable(loss):
        return get_registered_name(loss)
    raise ValueError(f"Could not serialize loss {loss!r}: expected a `Loss` instance or a loss function")


def deserialize(name, custom_objects=None, use_legacy_format=False):
    """The loss named by `name` (a string or a `{"class_name", "config"}` dict).

    Example:
        >>> from kerasish.losses import mean_squared_error
        >>> deserialize("mse") is mean_squared_error
        True
        >>> type(deserialize({"class_name": "Huber", "config": {"delta": 2.0}})).__name__
        'Huber'
    """
    obj = deserialize_keras_object(name, "loss", custom_objects=custom_objects,
                                   printable_module_name="loss function")
    if isinstance(obj, type):
        return obj()
    return obj


def get(identifier):
    """Resolve a loss: None, a name ('mse', 'binary_crossentropy', 'Huber'), a config dict or a callable.

    Example:
        >>> from kerasish.losses import categorical_crossentropy, mean_squared_error
        >>> get("categorical_crossentropy") is categorical_crossentropy
        True
        >>> get(None) is None
        True
    """
    if identifier is None:
        return None
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret loss function identifier: {identifier!r}")
