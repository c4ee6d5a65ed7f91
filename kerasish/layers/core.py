"""Core layers: Dense, Activation, Dropout, Flatten, Reshape, Permute, RepeatVector, Lambda, Masking,
ActivityRegularization, Identity.

Example:
    >>> import numpy as np
    >>> from kerasish.layers import Dense
    >>> layer = Dense(2, kernel_initializer="ones")
    >>> layer(np.ones((1, 3), "float32")).numpy().tolist()
    [[3.0, 3.0]]
"""
import inspect
import types
import warnings

import numpy as np

from .. import activations, constraints, initializers, regularizers
from ..backend import config
from ..backend.ops import fused
from ..backend.ops import math as m
from ..backend.ops import nn
from ..backend.tensor import Tensor, as_tensor
from ..utils.generic_utils import func_dump, func_load
from ..utils.lambda_bytecode import load_function_code
from ..utils.safe_mode import current_safe_mode
from ..utils.serialization import register_builtin
from .layer import InputSpec, Layer, flatten, map_structure
from .legacy_paths import lazy_reexports
from ..legacy import interfaces


def _positive_int(layer_name, arg, value):
    try:
        ivalue = int(value)
    except (TypeError, ValueError):
        raise TypeError(f"{layer_name}: `{arg}` must be a positive integer; received {value!r}") from None
    if ivalue != value or ivalue <= 0:
        raise ValueError(f"Received an invalid value for `{arg}`, expected a positive integer. "
                         f"Received: {arg}={value!r}")
    return ivalue


def _fused_name(fn):
    """The fused-kernel name of a built-in activation, or None for anything else."""
    name = getattr(fn, "__name__", None)
    if name in fused.FUSABLE_ACTIVATIONS and activations.get(name) is fn:
        return name
    return None


@register_builtin("layer")
class Dense(Layer):
    """`activation(dot(input, kernel) + bias)`, over the last axis of the input.

    Args:
        units: output size (positive int).
        activation: name or callable (default: linear).
        use_bias: add a bias vector.
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
        activity_regularizer, kernel_constraint, bias_constraint: as in Keras.

    Example:
        >>> import kerasish as keras
        >>> keras.layers.Dense(4)(keras.Input(shape=(3,))).shape
        (None, 4)
    """

    @interfaces.legacy_dense_support
    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.units = _positive_int("Dense", "units", units)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True
        self._fused = _fused_name(self.activation)

    def build(self, input_shape):
        last_dim = input_shape[-1]
        if last_dim is None:
            raise ValueError(f'The last dimension of the inputs to a Dense layer "{self.name}" should be defined. '
                             f"Found None. Full input shape received: {tuple(input_shape)}")
        self.kernel = self.add_weight("kernel", shape=(last_dim, self.units), initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.bias = self.add_weight("bias", shape=(self.units,), initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer, constraint=self.bias_constraint) \
            if self.use_bias else None
        self.input_spec = InputSpec(min_ndim=2, axes={-1: int(last_dim)})
        self.built = True

    def call(self, inputs):
        if self._fused is not None:
            return fused.dense(inputs, self.kernel, self.bias, self._fused)
        return self.activation(fused.dense(inputs, self.kernel, self.bias, "linear"))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({
            "units": self.units, "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint)})
        return cfg


@register_builtin("layer")
class Activation(Layer):
    """Applies an activation function to its input.

    Example:
        >>> import numpy as np
        >>> from kerasish.layers import Activation
        >>> Activation("relu")(np.array([-1.0, 2.0], "float32")).numpy().tolist()
        [0.0, 2.0]
    """

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.activation = activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        cfg = super().get_config()
        cfg["activation"] = activations.serialize(self.activation)
        return cfg


@register_builtin("layer")
class Dropout(Layer):
    """Randomly zeroes a fraction `rate` of inputs during training, scaling the rest by 1/(1-rate).

    Args:
        rate: fraction to drop, in [0, 1).
        noise_shape: shape of the keep/drop mask (None entries follow the input).
        seed: makes the masks repeatable.
    """

    @interfaces.legacy_dropout_support
    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(rate, (int, float)) and not 0 <= rate <= 1:
            raise ValueError(f"Invalid value received for argument `rate`. Expected a float value between 0 "
                             f"and 1. Received: rate={rate}")
        self.rate = float(rate)
        self.noise_shape = noise_shape
        self.seed = seed
        self._rng = np.random.default_rng(seed) if seed is not None else None
        self.supports_masking = True

    def call(self, inputs, training=None):
        if not training or self.rate == 0.0:
            return inputs
        if self.rate >= 1.0:
            return m.multiply(inputs, 0.0)
        noise_shape = self.noise_shape
        if noise_shape is not None:
            noise_shape = tuple(inputs.shape[i] if d is None else d for i, d in enumerate(noise_shape))
        return nn.dropout(inputs, self.rate, noise_shape, self._rng)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"rate": self.rate, "noise_shape": self.noise_shape, "seed": self.seed})
        return cfg


@register_builtin("layer")
class Flatten(Layer):
    """Flattens every axis but the batch axis: (B, 4, 5) -> (B, 20)."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = config.normalize_data_format(data_format)
        self.input_spec = InputSpec(min_ndim=1)

    def call(self, inputs):
        if self.data_format == "channels_first" and inputs.ndim > 2:
            inputs = m.getitem(inputs, (Ellipsis,))
            from ..backend.ops import shape as s

            inputs = s.permute_dimensions(inputs, (0,) + tuple(range(2, inputs.ndim)) + (1,))
        if inputs.ndim == 1:
            return m.reshape(inputs, (inputs.shape[0], 1))
        return m.reshape(inputs, (inputs.shape[0], -1))

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        if not rest:
            return (input_shape[0], 1)
        size = None if any(d is None for d in rest) else int(np.prod(rest))
        return (input_shape[0], size)

    def get_config(self):
        cfg = super().get_config()
        cfg["data_format"] = self.data_format
        return cfg


@register_builtin("layer")
class Reshape(Layer):
    """Reshapes to `target_shape` (without the batch axis; one -1 allowed)."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(int(d) for d in target_shape)
        if sum(d == -1 for d in self.target_shape) > 1:
            raise ValueError(f"Reshape {self.name}: at most one -1 is allowed in target_shape; "
                             f"received {self.target_shape}")

    def _resolve(self, input_shape):
        rest = input_shape[1:]
        if any(d is None for d in rest):
            return tuple(None if d == -1 else d for d in self.target_shape)
        total = int(np.prod(rest)) if rest else 1
        known = int(np.prod([d for d in self.target_shape if d != -1])) if self.target_shape else 1
        if -1 in self.target_shape:
            if known == 0 or total % known:
                raise ValueError(f"Reshape {self.name}: total size of new array must be unchanged, "
                                 f"input_shape = {tuple(rest)}, output_shape = {self.target_shape}")
            return tuple(total // known if d == -1 else d for d in self.target_shape)
        if known != total:
            raise ValueError(f"Reshape {self.name}: total size of new array must be unchanged, "
                             f"input_shape = {tuple(rest)}, output_shape = {self.target_shape}")
        return self.target_shape

    def call(self, inputs):
        return m.reshape(inputs, (inputs.shape[0],) + self._resolve(tuple(inputs.shape)))

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + self._resolve(tuple(input_shape))

    def get_config(self):
        cfg = super().get_config()
        cfg["target_shape"] = list(self.target_shape)
        return cfg


@register_builtin("layer")
class Permute(Layer):
    """Permutes the non-batch axes: `Permute((2, 1))` swaps axes 1 and 2 (1-based, as in Keras)."""

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(int(d) for d in dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(f"Invalid permutation argument `dims` for Permute Layer. The set of indices in "
                             f"`dims` must be consecutive and start from 1. Received dims={dims}")
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)

    def call(self, inputs):
        from ..backend.ops import shape as s

        return s.permute_dimensions(inputs, (0,) + self.dims)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def get_config(self):
        cfg = super().get_config()
        cfg["dims"] = list(self.dims)
        return cfg


@register_builtin("layer")
class RepeatVector(Layer):
    """Repeats a (B, F) input n times: (B, n, F)."""

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = _positive_int("RepeatVector", "n", n)
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs):
        x = m.reshape(inputs, (inputs.shape[0], 1, inputs.shape[1]))
        return m.broadcast_to(x, (inputs.shape[0], self.n, inputs.shape[1]))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        cfg = super().get_config()
        cfg["n"] = self.n
        return cfg


@register_builtin("layer")
class Identity(Layer):
    """Returns its input unchanged."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape


@register_builtin("layer")
class ActivityRegularization(Layer):
    """Adds `l1 * sum|x| + l2 * sum(x²)` of its input to the model's losses."""

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.supports_masking = True
        self.l1 = float(l1)
        self.l2 = float(l2)

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        cfg = super().get_config()
        cfg.pop("activity_regularizer", None)
        cfg.update({"l1": self.l1, "l2": self.l2})
        return cfg


@register_builtin("layer")
class Masking(Layer):
    """Masks time steps whose features all equal `mask_value`: downstream layers skip them."""

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.mask_value = mask_value

    def compute_mask(self, inputs, mask=None):
        return Tensor(np.any(np.asarray(inputs.array if isinstance(inputs, Tensor) else inputs)
                             != self.mask_value, axis=-1))

    def call(self, inputs):
        keep = np.any(inputs.array != self.mask_value, axis=-1, keepdims=True)
        out = m.multiply(inputs, keep.astype(inputs.dtype))
        out._keras_mask = Tensor(np.squeeze(keep, -1))
        return out

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        cfg = super().get_config()
        cfg["mask_value"] = self.mask_value
        return cfg


def _lambda_function_to_config(fn):
    """Keras 2's format: Python functions are stored as marshalled bytecode (base64), with their
    defaults and closure values; other callables by name."""
    if isinstance(fn, types.FunctionType):
        code, defaults, closure = func_dump(fn)
        try:
            import json

            json.dumps([defaults, closure])
        except TypeError:
            defaults = closure = None
        return [code, defaults, closure], "lambda", fn.__module__
    return getattr(fn, "__name__", type(fn).__name__), "function", getattr(fn, "__module__", None)


def _function_from_config(value, function_type, module, custom_objects, safe_mode, where="Lambda layer"):
    from ..utils.serialization import get_registered_object

    if function_type == "function":
        fn = get_registered_object(value, custom_objects)
        if fn is None:
            raise ValueError(f"Unknown function in Lambda layer config: '{value}' (module {module!r}). Pass it in "
                             "`custom_objects` or register it with `kerasish.utils.register_keras_serializable()`.")
        return fn
    if function_type == "lambda":
        if safe_mode:
            raise ValueError(
                "Requested the deserialization of a Lambda layer whose function is stored as Python bytecode. "
                "Loading it would execute code from the file, which is refused by default (safe_mode=True). "
                "If you trust the source of this file, pass `safe_mode=False` to load it.")
        code_b64, defaults, closure = value if isinstance(value, (list, tuple)) else (value, None, None)
        code = load_function_code(code_b64, where)
        import sys

        from .. import backend as K

        globs = {"__builtins__": __builtins__, "K": K, "backend": K, "np": np}
        if module in sys.modules:  # as Keras does: the function sees its module's globals
            globs.update(sys.modules[module].__dict__)
        return func_load(code, defaults, closure, globs=globs)
    raise ValueError(f"Unknown function_type {function_type!r} in a Lambda layer config")


def _mentions_name(function, name, depth=3) -> bool:
    """Whether `function`'s code, a function defined inside it, or a module-level function it calls (to
    `depth` calls) refers to `name` (as `K.gradients` does): a cheap look at the code, never a call."""
    seen = set()

    def code_mentions(code, globals_, depth):
        if id(code) in seen:
            return False
        seen.add(id(code))
        if name in code.co_names:
            return True
        for const in code.co_consts:
            if isinstance(const, types.CodeType) and code_mentions(const, globals_, depth):
                return True
        if depth > 0:
            for called in code.co_names:
                target = globals_.get(called)
                if isinstance(target, types.FunctionType) and \
                        code_mentions(target.__code__, target.__globals__, depth - 1):
                    return True
        return False

    function = inspect.unwrap(function)
    code = getattr(function, "__code__", None)
    return code is not None and code_mentions(code, getattr(function, "__globals__", {}), depth)


@register_builtin("layer")
class Lambda(Layer):
    """Wraps an arbitrary function as a layer: `Lambda(lambda x: x ** 2)`.

    Args:
        function: called as `function(inputs, **arguments)` (and `mask=` if it accepts it).
        output_shape: tuple (without batch axis) or a function of the input shape; inferred when omitted.
        mask: a mask or a function `(inputs, mask) -> mask`.
        arguments: extra keyword arguments for `function`.
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda layer {self.name}: `function` must be callable; received {function!r}")
        self.function = function
        self.arguments = dict(arguments or {})
        self.mask = mask
        self._output_shape = output_shape
        self.supports_masking = mask is not None
        params = inspect.signature(function).parameters
        self._fn_expects_mask = "mask" in params
        self._fn_expects_training = "training" in params
        # Keras 2 code takes K.gradients of the layer's inputs inside the function (mnist_swwae.py's "where"
        # masks); a graph run then records from those inputs on, so the eager call can differentiate
        self._may_call_gradients = _mentions_name(function, "gradients")

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._fn_expects_mask:
            kwargs["mask"] = mask
        if self._fn_expects_training:
            kwargs["training"] = training
        out = self.function(inputs, **kwargs)
        return map_structure(lambda o: o if isinstance(o, Tensor) else as_tensor(o), out)

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    @property
    def _output_shape_by_dry_run(self):
        return self._output_shape is None

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:  # inferred, as tf_keras does, by running the function
            return super().compute_output_shape(input_shape)
        if callable(self._output_shape):
            return self._output_shape(input_shape)
        shape = tuple(self._output_shape)
        first = input_shape[0] if not isinstance(input_shape, list) else input_shape[0][0]
        if shape and isinstance(shape[0], (list, tuple)):
            return [(first,) + tuple(s) for s in shape]
        return (first,) + shape

    def get_config(self):
        cfg = super().get_config()
        fn, ftype, module = _lambda_function_to_config(self.function)
        cfg.update({"function": fn, "function_type": ftype, "module": module})
        if self._output_shape is None:
            cfg.update({"output_shape": None, "output_shape_type": "raw", "output_shape_module": None})
        elif callable(self._output_shape):
            osh, otype, omod = _lambda_function_to_config(self._output_shape)
            cfg.update({"output_shape": osh, "output_shape_type": otype, "output_shape_module": omod})
        else:
            cfg.update({"output_shape": list(self._output_shape), "output_shape_type": "raw",
                        "output_shape_module": None})
        cfg["arguments"] = self.arguments
        return cfg

    @classmethod
    def from_config(cls, config_dict, custom_objects=None, safe_mode=None):
        safe = current_safe_mode() if safe_mode is None else safe_mode
        cfg = dict(config_dict)
        where = f'Lambda layer "{cfg.get("name", "?")}"'
        fn = _function_from_config(cfg.pop("function"), cfg.pop("function_type", "function"),
                                   cfg.pop("module", None), custom_objects, safe, where)
        oshape = cfg.pop("output_shape", None)
        otype = cfg.pop("output_shape_type", "raw")
        omod = cfg.pop("output_shape_module", None)
        if oshape is not None and otype != "raw":
            oshape = _function_from_config(oshape, otype, omod, custom_objects, safe, f"{where} (output_shape)")
        elif isinstance(oshape, list):
            oshape = tuple(oshape)
        return cls(fn, output_shape=oshape, **cfg)


# Keras 2 defined the spatial dropouts in this module: `from keras.layers.core import SpatialDropout2D`
__getattr__ = lazy_reexports(__name__, {"regularization": ("SpatialDropout1D", "SpatialDropout2D",
                                                           "SpatialDropout3D")})
