"""Activation layers: ReLU, LeakyReLU, PReLU, ELU, ThresholdedReLU, Softmax.

Example:
    >>> import numpy as np
    >>> from kerasish.layers import LeakyReLU
    >>> LeakyReLU(alpha=0.1)(np.array([-10.0, 5.0], "float32")).numpy().tolist()
    [-1.0, 5.0]
"""
import numpy as np

from .. import constraints, initializers, regularizers
from ..backend.ops import math as m
from ..utils.serialization import register_builtin
from .layer import InputSpec, Layer
from ..legacy import interfaces


def _relu(x, alpha=0.0, max_value=None, threshold=0.0):
    from ..backend.ops import nn

    return nn.relu(x, alpha=alpha, max_value=max_value, threshold=threshold)


class _Elementwise(Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def compute_output_shape(self, input_shape):
        return input_shape


@register_builtin("layer")
class ReLU(_Elementwise):
    """max(x, 0) with optional `max_value`, `negative_slope` below `threshold`."""

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0:
            raise ValueError(f"max_value of a ReLU layer cannot be a negative value. Received: {max_value}")
        if negative_slope is None or negative_slope < 0:
            raise ValueError(f"negative_slope of a ReLU layer cannot be a negative value. Received: {negative_slope}")
        if threshold is None or threshold < 0:
            raise ValueError(f"threshold of a ReLU layer cannot be a negative value. Received: {threshold}")
        self.max_value = None if max_value is None else float(max_value)
        self.negative_slope = float(negative_slope)
        self.threshold = float(threshold)

    def call(self, inputs):
        return _relu(inputs, alpha=self.negative_slope, max_value=self.max_value, threshold=self.threshold)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"max_value": self.max_value, "negative_slope": self.negative_slope, "threshold": self.threshold})
        return cfg


@register_builtin("layer")
class LeakyReLU(_Elementwise):
    """x for x >= 0, alpha * x otherwise (alpha 0.3 by default, as in Keras 2)."""

    def __init__(self, alpha=0.3, **kwargs):
        if "negative_slope" in kwargs:  # Keras 3 spelling
            alpha = kwargs.pop("negative_slope")
        super().__init__(**kwargs)
        if alpha is None:
            raise ValueError(f"The alpha value of a Leaky ReLU layer cannot be None. Expected a float. Received: {alpha}")
        self.alpha = float(alpha)

    def call(self, inputs):
        return _relu(inputs, alpha=self.alpha)

    def get_config(self):
        cfg = super().get_config()
        cfg["alpha"] = self.alpha
        return cfg


@register_builtin("layer")
class ELU(_Elementwise):
    """x for x > 0, alpha * (exp(x) - 1) otherwise."""

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        if alpha is None:
            raise ValueError(f"Alpha of an ELU layer cannot be None, expecting a float. Received: {alpha}")
        self.alpha = float(alpha)

    def call(self, inputs):
        from ..backend.ops import nn

        return nn.elu(inputs, self.alpha)

    def get_config(self):
        cfg = super().get_config()
        cfg["alpha"] = self.alpha
        return cfg


@register_builtin("layer")
class ThresholdedReLU(_Elementwise):
    """x where x > theta, else 0."""

    def __init__(self, theta=1.0, **kwargs):
        super().__init__(**kwargs)
        if theta is None or theta < 0:
            raise ValueError(f"Theta of a Thresholded ReLU layer cannot be None or negative. Received: {theta}")
        self.theta = float(theta)

    def call(self, inputs):
        from ..backend.tensor import Tensor

        keep = (inputs.array > self.theta).astype(inputs.dtype)
        return m.multiply(inputs, keep)

    def get_config(self):
        cfg = super().get_config()
        cfg["theta"] = self.theta
        return cfg


@register_builtin("layer")
class Softmax(_Elementwise):
    """Softmax over `axis` (default -1); a mask, if given, removes masked positions."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, inputs, mask=None):
        from ..backend.ops import nn

        if mask is not None:
            mask_arr = np.asarray(mask.array if hasattr(mask, "array") else mask, dtype=inputs.dtype)
            inputs = m.add(inputs, (1.0 - mask_arr) * -1e9)
        return nn.softmax(inputs, axis=self.axis)

    def get_config(self):
        cfg = super().get_config()
        cfg["axis"] = self.axis
        return cfg


@register_builtin("layer")
class PReLU(Layer):
    """x for x >= 0, alpha * x otherwise, with a learned `alpha` per input unit."""

    @interfaces.legacy_prelu_support
    def __init__(self, alpha_initializer="zeros", alpha_regularizer=None, alpha_constraint=None, shared_axes=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        elif isinstance(shared_axes, (list, tuple)):
            self.shared_axes = list(shared_axes)
        else:
            self.shared_axes = [shared_axes]

    def build(self, input_shape):
        param_shape = list(input_shape[1:])
        if self.shared_axes is not None:
            for i in self.shared_axes:
                param_shape[i - 1] = 1
        self.alpha = self.add_weight("alpha", shape=param_shape, initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer, constraint=self.alpha_constraint)
        axes = {}
        if self.shared_axes:
            for i in range(1, len(input_shape)):
                if i not in self.shared_axes:
                    axes[i] = input_shape[i]
        self.input_spec = InputSpec(ndim=len(input_shape), axes=axes)
        self.built = True

    def call(self, inputs):
        pos = m.maximum(inputs, 0.0)
        neg = m.multiply(self.alpha, m.minimum(inputs, 0.0))
        return m.add(pos, neg)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"alpha_initializer": initializers.serialize(self.alpha_initializer),
                    "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
                    "alpha_constraint": constraints.serialize(self.alpha_constraint),
                    "shared_axes": self.shared_axes})
        return cfg
