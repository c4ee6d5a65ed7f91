"""Normalization layers: BatchNormalization, LayerNormalization, GroupNormalization, UnitNormalization.

Each layer call is one fused tape node (`backend.ops.norm`), with the numbers of tf_keras 2.x:

- BatchNormalization, training: batch mean and BIASED batch variance; the moving statistics move
  in place by `moving = moving * momentum + batch * (1 - momentum)`. Inference uses the moving
  statistics. A layer with `trainable=False` always runs in inference mode (Keras 2 behaviour).
- tf_keras runs BatchNormalization on 4D/5D float32 inputs whose channel axis is 1 or last through
  TensorFlow's *fused* kernel, which (a) feeds the moving variance with the UNBIASED batch variance
  (n / (n - 1) times the biased one), (b) raises epsilon to at least 1.001e-5 and (c) ignores
  masks. kerasish reproduces this choice (`fused=None` decides as tf_keras does), so weights
  trained here match weights trained by tf_keras.
- LayerNormalization / GroupNormalization: biased variance over the normalised axes / groups.

Example:
    >>> import numpy as np
    >>> from kerasish.layers import BatchNormalization
    >>> bn = BatchNormalization()
    >>> _ = bn(np.array([[1.0], [2.0], [3.0], [6.0]], "float32"), training=True)
    >>> [round(float(w[0]), 6) for w in bn.get_weights()]
    [1.0, 0.0, 0.03, 1.025]
"""

import numpy as np

from .. import constraints, initializers, regularizers
from ..backend.ops import math as m
from ..backend.ops import nn as nn_ops
from ..backend.ops import norm
from ..utils.serialization import register_builtin
from .layer import InputSpec, Layer, _context
from ..backend.user_warnings import warn
from ..legacy import interfaces

__all__ = ["BatchNormalization", "LayerNormalization", "GroupNormalization", "UnitNormalization"]

_FUSED_MIN_EPSILON = 1.001e-5  # tf.compat.v1.nn.fused_batch_norm raises smaller epsilons to this


def _axis_arg(layer_cls, axis):
    """An int or a list of ints (Keras keeps the user's form until build)."""
    if isinstance(axis, (list, tuple)):
        if not all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in axis):
            raise TypeError(f"{layer_cls}: expected an int or a list/tuple of ints for the argument 'axis', "
                            f"but received: {axis!r}")
        return [int(a) for a in axis]
    if isinstance(axis, (int, np.integer)) and not isinstance(axis, bool):
        return int(axis)
    raise TypeError(f"{layer_cls}: expected an int or a list/tuple of ints for the argument 'axis', "
                    f"but received: {axis!r}")


def validate_axis(layer, axis, input_shape):
    """`axis` (int or list) as a list of non-negative axes of `input_shape` (tf_keras validate_axis)."""
    rank = len(input_shape)
    if not rank:
        raise ValueError(f'Layer "{layer.name}": input has undefined rank. Received: input_shape={input_shape}')
    axes = [axis] if isinstance(axis, int) else list(axis)
    axes = [a + rank if a < 0 else a for a in axes]
    for a in axes:
        if a < 0 or a >= rank:
            raise ValueError(f'Layer "{layer.name}": invalid value for `axis` argument. Expected 0 <= axis < '
                             f"inputs.rank (with inputs.rank={rank}). Received: axis={tuple(axes)}")
    if len(axes) != len(set(axes)):
        raise ValueError(f'Layer "{layer.name}": duplicate axis: {tuple(axes)}')
    return axes


def _float_input(layer, inputs):
    """Inputs cast to the layer's float dtype (integer data, or another precision)."""
    if str(inputs.dtype) != layer.dtype:
        return m.cast(inputs, layer.dtype)
    return inputs


def _mask_weights(layer, mask, x):
    """A (batch, ...) mask as frequency weights broadcastable against x (a trailing axis is added)."""
    mask_shape = tuple(mask.shape)
    if len(mask_shape) == x.ndim - 1:
        mask_shape = mask_shape + (1,)
    elif len(mask_shape) != x.ndim:
        raise ValueError(f'Layer "{layer.name}": a mask of shape {tuple(mask.shape)} does not fit an input of '
                         f"shape {tuple(x.shape)}")
    try:
        np.broadcast_shapes(mask_shape, tuple(x.shape))
    except ValueError:
        raise ValueError(f'Layer "{layer.name}": a mask of shape {tuple(mask.shape)} does not fit an input of '
                         f"shape {tuple(x.shape)}") from None
    return m.reshape(m.cast(mask, layer.dtype), mask_shape)


def _common_config(layer):
    return {
        "beta_initializer": initializers.serialize(layer.beta_initializer),
        "gamma_initializer": initializers.serialize(layer.gamma_initializer),
        "beta_regularizer": regularizers.serialize(layer.beta_regularizer),
        "gamma_regularizer": regularizers.serialize(layer.gamma_regularizer),
        "beta_constraint": constraints.serialize(layer.beta_constraint),
        "gamma_constraint": constraints.serialize(layer.gamma_constraint),
    }


def _init_scale_center(layer, center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                       gamma_regularizer, beta_constraint, gamma_constraint):
    layer.center = bool(center)
    layer.scale = bool(scale)
    layer.beta_initializer = initializers.get(beta_initializer)
    layer.gamma_initializer = initializers.get(gamma_initializer)
    layer.beta_regularizer = regularizers.get(beta_regularizer)
    layer.gamma_regularizer = regularizers.get(gamma_regularizer)
    layer.beta_constraint = constraints.get(beta_constraint)
    layer.gamma_constraint = constraints.get(gamma_constraint)


def _positive_float(layer_cls, arg, value):
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{layer_cls}: `{arg}` must be a number; received {value!r}") from None
    if not v >= 0.0:
        raise ValueError(f"{layer_cls}: `{arg}` must be >= 0; received {arg}={value!r}")
    return v


def _add_gamma_beta(layer, shape):
    layer.gamma = layer.add_weight(name="gamma", shape=shape, initializer=layer.gamma_initializer,
                                   regularizer=layer.gamma_regularizer, constraint=layer.gamma_constraint,
                                   trainable=True) if layer.scale else None
    layer.beta = layer.add_weight(name="beta", shape=shape, initializer=layer.beta_initializer,
                                  regularizer=layer.beta_regularizer, constraint=layer.beta_constraint,
                                  trainable=True) if layer.center else None


# ============================================================================ BatchNormalization
@register_builtin("layer")
class BatchNormalization(Layer):
    """Normalises its input with batch statistics in training and moving statistics at inference.

    Training (`training=True`, e.g. inside `fit`): `gamma * (x - mean_b) / sqrt(var_b + epsilon) + beta`
    with the batch mean and biased batch variance over every axis but `axis`; the moving statistics
    are updated in place: `moving = moving * momentum + batch * (1 - momentum)`.
    Inference: the same with `moving_mean` / `moving_variance`. With `trainable=False` the layer
    always runs in inference mode (Keras 2 behaviour, what fine-tuning relies on).

    Args:
        axis: the channel axis (int) or axes (list), kept; default -1 (channels last). Use 1 for
            channels_first images.
        momentum: moving-average momentum (0.99).
        epsilon: added to the variance (1e-3).
        center / scale: learn beta / gamma.
        beta_initializer, gamma_initializer, moving_mean_initializer, moving_variance_initializer,
        beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint: as in Keras.
        synchronized: accepted for compatibility (one process: no effect on the statistics; like
            tf_keras it disables the fused kernel).
        fused: None (decide like tf_keras), True or False; see the module docstring.

    Weights: gamma, beta (trainable), moving_mean, moving_variance (non-trainable), in that order.

    Example:
        >>> import numpy as np
        >>> from kerasish.layers import BatchNormalization
        >>> x = np.array([[0.0, 1.0], [2.0, 3.0]], "float32")
        >>> BatchNormalization(epsilon=0.0)(x, training=True).numpy().tolist()
        [[-1.0, -1.0], [1.0, 1.0]]
        >>> BatchNormalization()(x).numpy()   # inference: moving statistics 0 and 1
        array([[0.       , 0.9995004],
               [1.9990008, 2.9985013]], dtype=float32)
    """

    @interfaces.legacy_batchnorm_support
    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 synchronized=False, **kwargs):
        renorm = kwargs.pop("renorm", False)
        kwargs.pop("renorm_clipping", None)
        kwargs.pop("renorm_momentum", None)
        fused = kwargs.pop("fused", None)
        virtual_batch_size = kwargs.pop("virtual_batch_size", None)
        adjustment = kwargs.pop("adjustment", None)
        if renorm:
            raise NotImplementedError("BatchNormalization: batch renormalization (renorm=True) is not supported "
                                      "by kerasish")
        if virtual_batch_size is not None:
            raise NotImplementedError("BatchNormalization: `virtual_batch_size` (ghost batch normalization) is not "
                                      "supported by kerasish")
        if adjustment is not None:
            raise NotImplementedError("BatchNormalization: `adjustment` is not supported by kerasish")
        super().__init__(**kwargs)
        self.axis = _axis_arg("BatchNormalization", axis)
        if synchronized and fused:
            raise ValueError("`fused=True` is not supported when `synchronized=True`.")
        self.synchronized = bool(synchronized)
        if self.synchronized:
            fused = False
        self.momentum = _positive_float("BatchNormalization", "momentum", momentum)
        self.epsilon = _positive_float("BatchNormalization", "epsilon", epsilon)
        _init_scale_center(self, center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                           gamma_regularizer, beta_constraint, gamma_constraint)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.renorm = False
        self.virtual_batch_size = None
        self.adjustment = None
        if fused:
            self._raise_if_fused_cannot_be_used()
        elif fused is None and not self._fused_can_be_used():
            fused = False
        self.fused = fused
        self.supports_masking = True

    # tf_keras's rules for its fused kernel (they change the numbers, so they are reproduced)
    def _raise_if_fused_cannot_be_used(self):
        axis = [self.axis] if isinstance(self.axis, int) else self.axis
        if len(axis) > 1 or axis[0] not in (-4, -3, -1, 1, 3, 4):
            raise ValueError("Passing `fused=True` is only supported when axis is 1 or 3 for input rank = 4 or "
                             f"1 or 4 for input rank = 5. Got axis {tuple(axis)}")
        if self.dtype not in ("float16", "bfloat16", "float32"):
            raise ValueError("Passing `fused=True` is only supported when the compute dtype is float16, bfloat16, "
                             f"or float32. Got dtype: {self.dtype}")

    def _fused_can_be_used(self):
        try:
            self._raise_if_fused_cannot_be_used()
            return True
        except ValueError:
            return False

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        self.axis = validate_axis(self, self.axis, input_shape)
        rank = len(input_shape)
        if self.fused in (None, True):
            if self.fused is None:
                self.fused = rank in (4, 5)
            elif rank not in (4, 5):
                raise ValueError("Batch normalization layers with `fused=True` only support 4D or 5D input "
                                 f"tensors. Received tensor with shape: {input_shape}")
        if self.fused:
            if (self.axis == [1] and rank in (4, 5)) or (self.axis == [3] and rank == 4) or \
                    (self.axis == [4] and rank == 5):
                pass
            elif rank == 5:
                self.fused = False
            else:
                raise ValueError(f'Layer "{self.name}": unsupported axis. The use of `fused=True` is only possible '
                                 f"with `axis=1` or `axis=3` for 4D input tensors. Received: axis={tuple(self.axis)}")
        axis_to_dim = {a: input_shape[a] for a in self.axis}
        for a, dim in axis_to_dim.items():
            if dim is None:
                raise ValueError(f'Layer "{self.name}": input has undefined `axis` dimension. Received input with '
                                 f"shape {input_shape} and axis={tuple(self.axis)}")
        self.input_spec = InputSpec(ndim=rank, axes=axis_to_dim)
        if len(axis_to_dim) == 1:
            param_shape = (axis_to_dim[self.axis[0]],)
        else:  # Keras keeps every axis, with 1 for the reduced ones
            param_shape = tuple(axis_to_dim.get(i, 1) for i in range(rank))
        self._param_shape = param_shape
        self._broadcast_shape = tuple(axis_to_dim.get(i, 1) for i in range(rank))
        self._reduction_axes = tuple(i for i in range(rank) if i not in axis_to_dim)
        _add_gamma_beta(self, param_shape)
        self.moving_mean = self.add_weight(name="moving_mean", shape=param_shape,
                                           initializer=self.moving_mean_initializer, trainable=False)
        self.moving_variance = self.add_weight(name="moving_variance", shape=param_shape,
                                               initializer=self.moving_variance_initializer, trainable=False)
        self.built = True

    def call(self, inputs, training=None, mask=None):
        x = _float_input(self, inputs)
        training = bool(training) and self.trainable  # a frozen layer normalises with its moving statistics
        eps = max(self.epsilon, _FUSED_MIN_EPSILON) if self.fused else self.epsilon
        if not training:
            return norm.affine_normalize(x, self.moving_mean, self.moving_variance, self.gamma, self.beta,
                                         epsilon=eps, param_shape=self._broadcast_shape, centered=bool(self.fused))
        weights = None
        if mask is not None:
            if self.fused:
                warn("Masking is not supported with `fused=True`. You should either turn off fusing "
                     "(`fused=False`) or you should not pass a `mask` argument when calling the layer. "
                     "For the moment `mask` will be ignored for the normalization.")
            else:
                weights = _mask_weights(self, mask, x)
        out, mean, var = norm.moments_normalize(x, self._reduction_axes, self.gamma, self.beta, epsilon=eps,
                                                param_shape=self._broadcast_shape, weights=weights)
        if not _context()["symbolic"]:  # a shape-inference dry run must not move the statistics
            if self.fused:
                n = int(np.prod([x.shape[i] for i in self._reduction_axes]))
                norm.assign_fused_moving_average(self.moving_mean, mean, self.momentum)
                norm.assign_fused_moving_average(self.moving_variance, var, self.momentum,
                                                 correction=n / (n - 1) if n > 1 else 1.0)
            else:
                norm.assign_moving_average(self.moving_mean, mean, self.momentum)
                norm.assign_moving_average(self.moving_variance, var, self.momentum)
        return out

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        cfg = super().get_config()
        cfg.update({
            "axis": self.axis, "momentum": self.momentum, "epsilon": self.epsilon, "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(self.moving_variance_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint)})
        return cfg


# ============================================================================ LayerNormalization
@register_builtin("layer")
class LayerNormalization(Layer):
    """Normalises each sample over `axis` (its features): `gamma * (x - mean) / sqrt(var + epsilon) + beta`.

    Mean and biased variance are taken per sample over the axes in `axis`; gamma and beta have
    the shape of those axes. Same computation in training and inference.

    Args:
        axis: int or list of ints, the normalised axes (default -1).
        epsilon: added to the variance (1e-3).
        center / scale: learn beta / gamma.
        beta_initializer, gamma_initializer, beta_regularizer, gamma_regularizer, beta_constraint,
        gamma_constraint: as in Keras.

    Example:
        >>> import numpy as np
        >>> from kerasish.layers import LayerNormalization
        >>> LayerNormalization(epsilon=0.0)(np.array([[1.0, 3.0], [0.0, 4.0]], "float32")).numpy().tolist()
        [[-1.0, 1.0], [-1.0, 1.0]]
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self.axis = _axis_arg("LayerNormalization", axis)
        self.epsilon = _positive_float("LayerNormalization", "epsilon", epsilon)
        _init_scale_center(self, center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                           gamma_regularizer, beta_constraint, gamma_constraint)
        self.supports_masking = True

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        self.axis = validate_axis(self, self.axis, input_shape)
        param_shape = tuple(input_shape[a] for a in self.axis)
        if any(d is None for d in param_shape):
            raise ValueError(f'Layer "{self.name}": the normalised axes {tuple(self.axis)} must have a known size; '
                             f"received input shape {input_shape}")
        _add_gamma_beta(self, param_shape)
        self.built = True

    def call(self, inputs):
        x = _float_input(self, inputs)
        bshape = [1] * x.ndim
        for a in self.axis:
            bshape[a] = x.shape[a]
        out, _, _ = norm.moments_normalize(x, self.axis, self.gamma, self.beta, epsilon=self.epsilon,
                                           param_shape=tuple(bshape))
        return out

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"axis": self.axis, "epsilon": self.epsilon, "center": self.center, "scale": self.scale})
        cfg.update(_common_config(self))
        return cfg


# ============================================================================ GroupNormalization
@register_builtin("layer")
class GroupNormalization(Layer):
    """Splits the channels (`axis`) into `groups` and normalises each sample within each group.

    `groups=1` is layer normalization over all non-batch axes; `groups=-1` (one group per channel)
    is instance normalization. gamma and beta have one value per channel.

    Args:
        groups: number of groups; must divide the number of channels (default 32; -1: one per channel).
        axis: the channel axis (default -1).
        epsilon: added to the variance (1e-3).
        center / scale, initializers, regularizers, constraints: as LayerNormalization.

    A mask (e.g. from `Embedding(mask_zero=True)`) excludes the masked steps from the statistics; a
    (batch, steps) mask gets a trailing axis (tf_keras broadcasts it from the right, which only
    works when steps == channels).

    Example:
        >>> import numpy as np
        >>> from kerasish.layers import GroupNormalization
        >>> x = np.array([[1.0, 3.0, 10.0, 30.0]], "float32")
        >>> GroupNormalization(groups=2, epsilon=0.0)(x).numpy().tolist()
        [[-1.0, 1.0, -1.0, 1.0]]
    """

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(groups, (int, np.integer)) or isinstance(groups, bool) or (groups <= 0 and groups != -1):
            raise ValueError(f"GroupNormalization: `groups` must be a positive integer or -1; received "
                             f"groups={groups!r}")
        if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool):
            raise TypeError(f"GroupNormalization: `axis` must be an int; received axis={axis!r}")
        self.supports_masking = True
        self.groups = int(groups)
        self.axis = int(axis)
        self.epsilon = _positive_float("GroupNormalization", "epsilon", epsilon)
        _init_scale_center(self, center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                           gamma_regularizer, beta_constraint, gamma_constraint)

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        validate_axis(self, self.axis, input_shape)
        dim = input_shape[self.axis]
        if dim is None:
            raise ValueError(f"Axis {self.axis} of input tensor should have a defined dimension but the layer "
                             f"received an input with shape {input_shape}.")
        if self.groups == -1:
            self.groups = dim
        if dim < self.groups:
            raise ValueError(f"Number of groups ({self.groups}) cannot be more than the number of channels ({dim}).")
        if dim % self.groups != 0:
            raise ValueError(f"Number of groups ({self.groups}) must be a multiple of the number of channels "
                             f"({dim}).")
        self.input_spec = InputSpec(ndim=len(input_shape), axes={self.axis: dim})
        _add_gamma_beta(self, (dim,))
        self.built = True

    def _group_shape(self, shape):
        grouped = list(shape)
        grouped[self.axis] = shape[self.axis] // self.groups
        grouped.insert(self.axis, self.groups)  # insert(-1, g) puts the groups before the last axis
        return tuple(grouped)

    def call(self, inputs, mask=None):
        x = _float_input(self, inputs)
        shape = tuple(x.shape)
        rank = len(shape)
        grouped_shape = self._group_shape(shape)
        reduction = list(range(1, rank + 1))
        reduction.pop(self.axis - 1)  # drop the groups axis: reduce over the rest of each sample's group
        bshape = [1] * rank
        bshape[self.axis] = shape[self.axis] // self.groups
        bshape.insert(self.axis, self.groups)
        weights = None
        if mask is not None:
            w = _mask_weights(self, mask, x)
            weights = m.reshape(m.broadcast_to(w, shape), grouped_shape)
        out, _, _ = norm.moments_normalize(m.reshape(x, grouped_shape), tuple(reduction), self.gamma, self.beta,
                                           epsilon=self.epsilon, param_shape=tuple(bshape), weights=weights)
        return m.reshape(out, shape)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"groups": self.groups, "axis": self.axis, "epsilon": self.epsilon, "center": self.center,
                    "scale": self.scale})
        cfg.update(_common_config(self))
        return cfg


# ============================================================================ UnitNormalization
@register_builtin("layer")
class UnitNormalization(Layer):
    """Scales each sample to unit L2 norm over `axis`: `x / sqrt(max(sum(x²), 1e-12))`.

    Args:
        axis: int or list of ints (default -1).

    Example:
        >>> import numpy as np
        >>> from kerasish.layers import UnitNormalization
        >>> UnitNormalization()(np.array([[3.0, 4.0]], "float32")).numpy().tolist()
        [[0.6000000238418579, 0.800000011920929]]
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            self.axis = _axis_arg("UnitNormalization", axis)
        elif isinstance(axis, (int, np.integer)) and not isinstance(axis, bool):
            self.axis = int(axis)
        else:
            raise TypeError(f"Invalid value for `axis` argument: expected an int or a list/tuple of ints. "
                            f"Received: axis={axis!r}")
        self.supports_masking = True

    def build(self, input_shape):
        validate_axis(self, self.axis, tuple(input_shape))
        self.built = True

    def call(self, inputs):
        return nn_ops.l2_normalize(_float_input(self, inputs), axis=self.axis)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        cfg = super().get_config()
        cfg["axis"] = self.axis
        return cfg
