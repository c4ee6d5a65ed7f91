"""Built-in activation functions (`keras.activations`), with `get`, `serialize` and `deserialize`.

Each function is one engine op (see `backend/ops/nn.py`). `sigmoid` and `softmax` outputs carry
their pre-activation input in `_keras_logits`, so a crossentropy loss can work from the logits.
`hard_sigmoid` is tf_keras 2.x's `clip(0.2 * x + 0.5, 0, 1)`, not Keras 3's `relu6(x + 3) / 6`.

Example:
    >>> import numpy as np
    >>> from kerasish import activations
    >>> activations.get("relu")(np.array([-1.0, 2.0], "float32")).numpy()
    array([0., 2.], dtype=float32)
    >>> activations.serialize(activations.get("softmax"))
    'softmax'
"""
import inspect

from .backend import dispatch as _dispatch
from .backend.ops import math as _m
from .backend.ops import nn as _nn
from .utils.serialization import builtin_objects as _builtin_objects
from .utils.serialization import (builtin_objects, deserialize_keras_object, get_registered_name,
                                  get_registered_object, register_builtin)

__all__ = [
    "relu", "sigmoid", "softmax", "softplus", "softsign", "tanh", "selu", "elu", "exponential",
    "hard_sigmoid", "linear", "gelu", "swish", "silu", "mish", "leaky_relu", "relu6", "log_softmax",
    "get", "serialize", "deserialize",
]


@register_builtin("activation")
def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit: `max(x, 0)` by default; see `K.relu` for alpha/max_value/threshold.

    Example:
        >>> import numpy as np
        >>> relu(np.array([-10., -5., 0., 5., 10.], "float32"), threshold=5.).numpy()
        array([-0., -0.,  0.,  0., 10.], dtype=float32)
    """
    return _nn.relu(x, alpha=alpha, max_value=max_value, threshold=threshold)


@register_builtin("activation")
def sigmoid(x):
    """1 / (1 + exp(-x)); the output remembers x as its logits.

    Example:
        >>> import numpy as np
        >>> sigmoid(np.array([-20.0, 0.0, 20.0], "float32")).numpy()
        array([2.0611537e-09, 5.0000000e-01, 1.0000000e+00], dtype=float32)
    """
    return _nn.sigmoid(x)


@register_builtin("activation")
def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along `axis`; the output remembers x as its logits.

    Example:
        >>> import numpy as np
        >>> softmax(np.array([[0.0, 0.0]], "float32")).numpy()
        array([[0.5, 0.5]], dtype=float32)
    """
    return _nn.softmax(x, axis=axis)


@register_builtin("activation")
def softplus(x):
    """log(exp(x) + 1).

    Example:
        >>> import numpy as np
        >>> softplus(np.array([-20.0, 0.0, 20.0], "float32")).numpy()
        array([2.0611537e-09, 6.9314718e-01, 2.0000000e+01], dtype=float32)
    """
    return _nn.softplus(x)


@register_builtin("activation")
def softsign(x):
    """x / (|x| + 1).

    Example:
        >>> import numpy as np
        >>> softsign(np.array([-1.0, 1.0], "float32")).numpy()
        array([-0.5,  0.5], dtype=float32)
    """
    return _nn.softsign(x)


@register_builtin("activation")
def tanh(x):
    """Hyperbolic tangent.

    Example:
        >>> import numpy as np
        >>> tanh(np.array([0.0], "float32")).numpy()
        array([0.], dtype=float32)
    """
    return _m.tanh(x)


@register_builtin("activation")
def selu(x):
    """Scaled exponential linear unit (scale 1.05070098, alpha 1.67326324).

    Example:
        >>> import numpy as np
        >>> selu(np.array([0.0, 1.0], "float32")).numpy()
        array([0.      , 1.050701], dtype=float32)
    """
    return _nn.selu(x)


@register_builtin("activation")
def elu(x, alpha=1.0):
    """x for x > 0, alpha * (exp(x) - 1) otherwise.

    Example:
        >>> import numpy as np
        >>> elu(np.array([-1.0, 1.0], "float32")).numpy()
        array([-0.63212055,  1.        ], dtype=float32)
    """
    return _nn.elu(x, alpha)


@register_builtin("activation")
def exponential(x):
    """exp(x).

    Example:
        >>> import numpy as np
        >>> exponential(np.array([0.0], "float32")).numpy()
        array([1.], dtype=float32)
    """
    return _m.exp(x)


@register_builtin("activation")
def hard_sigmoid(x):
    """0 for x < -2.5, 1 for x > 2.5, 0.2 * x + 0.5 in between (tf_keras 2.x).

    Example:
        >>> import numpy as np
        >>> hard_sigmoid(np.array([-3.0, 0.0, 1.0], "float32")).numpy()
        array([0. , 0.5, 0.7], dtype=float32)
    """
    return _nn.hard_sigmoid(x)


@register_builtin("activation")
def linear(x):
    """The identity (returns its input unchanged).

    Example:
        >>> linear(3.0)
        3.0
    """
    return x


@register_builtin("activation")
def gelu(x, approximate=False):
    """Gaussian error linear unit `x * P(X <= x)` (tanh approximation with `approximate=True`).

    Example:
        >>> import numpy as np
        >>> gelu(np.array([-3.0, 3.0], "float32")).numpy()
        array([-0.0040497,  2.9959502], dtype=float32)
    """
    return _nn.gelu(x, approximate=approximate)


@register_builtin("activation")
def swish(x):
    """x * sigmoid(x).

    Example:
        >>> import numpy as np
        >>> swish(np.array([-1.0, 1.0], "float32")).numpy()
        array([-0.2689414,  0.7310586], dtype=float32)
    """
    return _nn.swish(x)


@register_builtin("activation")
def silu(x):
    """x * sigmoid(x) (tf.nn.silu; the same function as swish).

    Example:
        >>> import numpy as np
        >>> silu(np.array([1.0], "float32")).numpy()
        array([0.7310586], dtype=float32)
    """
    return _nn.swish(x)


@register_builtin("activation")
def mish(x):
    """x * tanh(softplus(x)).

    Example:
        >>> import numpy as np
        >>> mish(np.array([-1.0, 1.0], "float32")).numpy()
        array([-0.30340147,  0.8650984 ], dtype=float32)
    """
    return _nn.mish(x)


@register_builtin("activation")
def leaky_relu(x, alpha=0.2):
    """x for x > 0, alpha * x otherwise (tf.nn.leaky_relu, default alpha 0.2).

    Example:
        >>> import numpy as np
        >>> leaky_relu(np.array([-1.0, 1.0], "float32")).numpy()
        array([-0.2,  1. ], dtype=float32)
    """
    return _nn.leaky_relu(x, alpha=alpha)


@register_builtin("activation")
def relu6(x):
    """min(max(x, 0), 6).

    Example:
        >>> import numpy as np
        >>> relu6(np.array([7.0], "float32")).numpy()
        array([6.], dtype=float32)
    """
    return _nn.relu6(x)


@register_builtin("activation")
def log_softmax(x, axis=-1):
    """x - log(sum(exp(x))) along `axis`.

    Example:
        >>> import numpy as np
        >>> log_softmax(np.array([[0.0, 0.0]], "float32")).numpy()
        array([[-0.6931472, -0.6931472]], dtype=float32)
    """
    return _nn.log_softmax(x, axis=axis)


# TensorFlow function names that configs may carry for our built-ins (tf.nn.softmax is `softmax_v2`).
_TF_ALIASES = {"softmax_v2": "softmax"}


def serialize(activation, use_legacy_format=False):
    """The config form of an activation: its name for built-ins (as tf_keras 2.x writes it).

    A registered or plain custom function gives tf_keras's function dict
    `{"module", "class_name": "function", "config": name, "registered_name": name}`; an object with
    `get_config` (e.g. an activation layer) gives its class config.

    Example:
        >>> serialize(tanh)
        'tanh'
    """
    name = getattr(activation, "__name__", None)
    if name in _TF_ALIASES:
        return _TF_ALIASES[name]
    if name is not None and builtin_objects("activation").get(name) is activation:
        return name
    if hasattr(activation, "get_config") and not inspect.isclass(activation):
        return {"module": getattr(type(activation), "_keras_module", "keras.layers"),
                "class_name": type(activation).__name__, "config": activation.get_config(),
                "registered_name": _registered_or_none(type(activation))}
    if callable(activation) and name is not None:
        if name == "<lambda>":
            raise ValueError("Cannot serialize a lambda as an activation; define a named function and register "
                             "it with `@kerasish.utils.register_keras_serializable()`.")
        registered = get_registered_name(activation)
        if use_legacy_format:
            return registered
        return {"module": getattr(activation, "__module__", None), "class_name": "function",
                "config": registered, "registered_name": registered}
    raise ValueError(f"Unknown activation function '{activation}' cannot be serialized.")


def _registered_or_none(cls):
    name = get_registered_name(cls)
    return name if ">" in name else None


def deserialize(name, custom_objects=None, use_legacy_format=False):
    """The activation function named by `name` (a string or a config dict).

    Looks in `custom_objects`, the custom-object scope and registry, the built-in activations, then
    the built-in layers (so "LeakyReLU" or a layer config works, as in tf_keras).

    Example:
        >>> deserialize("sigmoid") is sigmoid
        True
    """
    if isinstance(name, dict):
        if name.get("class_name") == "function":
            module = name.get("module")
            inner = name.get("config") if module == "builtins" else (name.get("registered_name") or name.get("config"))
            found = _lookup(inner, custom_objects) or _lookup(name.get("config"), custom_objects)
            if found is None:
                raise ValueError(f"Unknown activation function '{name.get('config')}' cannot be deserialized. "
                                 "Pass it in `custom_objects` or register it with "
                                 "`@kerasish.utils.register_keras_serializable()`.")
            return found
        class_name = name.get("class_name")
        if class_name in builtin_objects("activation"):
            return builtin_objects("activation")[class_name]
        kind = "activation" if get_registered_object(class_name, custom_objects) is not None else "layer"
        return deserialize_keras_object(name, kind, custom_objects, printable_module_name="activation function")
    if not isinstance(name, str):
        raise TypeError(f"Could not interpret activation function identifier: {name!r}")
    found = _lookup(name, custom_objects)
    if found is None:
        raise ValueError(f"Unknown activation function '{name}' cannot be deserialized. Please ensure it is "
                         "spelled correctly, or pass it in `custom_objects`, or register it with "
                         "`@kerasish.utils.register_keras_serializable()`.")
    return found


def _lookup(name, custom_objects):
    if not isinstance(name, str):
        return None
    name = _TF_ALIASES.get(name, name)
    obj = get_registered_object(name, custom_objects, builtin_objects("activation"))
    if obj is None:
        obj = builtin_objects("layer").get(name)  # e.g. "LeakyReLU": an activation layer with defaults
    if obj is not None and inspect.isclass(obj):
        obj = obj()
    return obj


def get(identifier):
    """The activation for `identifier`: None -> linear, a name or config -> the function, callables pass.

    Example:
        >>> get(None) is linear
        True
        >>> get("relu") is relu
        True
    """
    if identifier is None:
        return linear
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise TypeError(f"Could not interpret activation function identifier: {identifier!r}")


# Calls on symbolic (Keras) tensors become graph nodes named "keras.activations.<name>" (see backend/dispatch.py).
_dispatch.dispatch_registered(globals(), "keras.activations", _builtin_objects("activation"))
