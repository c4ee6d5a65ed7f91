"""Dtype policies: the dtype a layer computes in and the dtype of its variables (Keras's `Policy`).

`Policy("float32")` computes and stores in float32 (the default); `Policy("mixed_float16")` computes
in float16 with float32 variables: each layer casts its floating inputs and, for the duration of its
call, its variables to float16, and gradients flow back to the float32 variables. numpy has float16
(without BLAS: matrix products run in a slow loop on a CPU) but no bfloat16, so "mixed_bfloat16" and
"bfloat16" are refused with an error saying so.

`set_global_policy` sets the policy of layers created afterwards (and of models, so that `compile`
wraps the optimizer in a `LossScaleOptimizer` under "mixed_float16", as Keras does); a layer's own
`dtype=` argument (a policy name, a `Policy` or a dtype) overrides it.

Example:
    >>> from kerasish import mixed_precision
    >>> policy = mixed_precision.Policy("mixed_float16")
    >>> policy.compute_dtype, policy.variable_dtype
    ('float16', 'float32')
    >>> mixed_precision.global_policy()
    <Policy "float32">
"""
import numpy as np

from ..backend import config

# Set once a layer with a policy that autocasts exists: until then `Layer.__call__` skips autocasting entirely.
AUTOCAST_IN_USE = [False]
_GLOBAL_POLICY = [None]
_MIXED = {"mixed_float16": ("float16", "float32")}
_NO_BFLOAT16 = ("the bfloat16 dtype, which numpy does not have (the ml_dtypes package adds it to numpy, but kerasish "
                "does not depend on it). Use 'mixed_float16' (float16 computations, float32 variables) or 'float32'.")
# Policy classes of the config dialects: tf.keras's `Policy`, Keras 3's `DTypePolicy` and its variants.
POLICY_CLASS_NAMES = ("Policy", "PolicyV1", "DTypePolicy", "FloatDTypePolicy")


def _parse(name):
    if name in _MIXED:
        return _MIXED[name]
    if name in ("mixed_bfloat16", "bfloat16"):
        raise ValueError(f"The dtype policy {name!r} needs {_NO_BFLOAT16}")
    if name == "_infer":
        return None, None
    try:
        dtype = np.dtype(name).name
    except TypeError:
        raise ValueError(f"Cannot convert value {name!r} to a mixed precision Policy. Valid policies include "
                         "'mixed_float16' and the name of any dtype such as 'float32'.") from None
    return dtype, dtype


class Policy:
    """A dtype policy: the compute dtype and the variable dtype of a layer.

    Args:
        name: "float32", "float64", "float16", another dtype name, or "mixed_float16" (float16
            computations, float32 variables). "mixed_bfloat16" raises ValueError (numpy has no bfloat16).

    Example:
        >>> import kerasish as keras
        >>> layer = keras.layers.Dense(2, dtype=keras.mixed_precision.Policy("mixed_float16"))
        >>> layer.compute_dtype, layer.variable_dtype, layer.dtype_policy.name
        ('float16', 'float32', 'mixed_float16')
    """

    def __init__(self, name):
        if isinstance(name, Policy):
            name = name.name
        if not isinstance(name, str):
            raise TypeError(f"'name' must be a string, such as 'mixed_float16'. Received: {name!r}")
        self._name = name
        self._compute_dtype, self._variable_dtype = _parse(name)

    @property
    def name(self) -> str:
        return self._name

    @property
    def compute_dtype(self):
        """The dtype of the layer's computations (and outputs)."""
        return self._compute_dtype

    @property
    def variable_dtype(self):
        """The dtype of the layer's variables."""
        return self._variable_dtype

    @property
    def autocasts(self) -> bool:
        """Whether a layer under this policy casts its inputs (float16 computations: numpy would otherwise
        promote float32 inputs and compute in float32)."""
        return self._compute_dtype == "float16"

    def get_config(self):
        return {"name": self._name}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)

    def __eq__(self, other):
        return isinstance(other, Policy) and other.name == self.name

    def __hash__(self):
        return hash(self._name)

    def __repr__(self):
        return f'<Policy "{self._name}">'


def global_policy() -> Policy:
    """The policy of layers created without a `dtype`: the one set by `set_global_policy`, else floatx's.

    Example:
        >>> from kerasish import mixed_precision
        >>> mixed_precision.global_policy().name
        'float32'
    """
    return _GLOBAL_POLICY[0] if _GLOBAL_POLICY[0] is not None else Policy(config.floatx())


def set_global_policy(policy):
    """Set the policy of layers (and models) created from now on; None restores floatx's policy.

    Args:
        policy: a `Policy` or its name ("mixed_float16", "float32", ...). It must compute in a floating dtype.

    Raises:
        ValueError: an unknown name, a non-floating policy, or a bfloat16 policy (numpy has no bfloat16).

    Example:
        >>> import kerasish as keras
        >>> keras.mixed_precision.set_global_policy("mixed_float16")
        >>> keras.layers.Dense(2).compute_dtype
        'float16'
        >>> keras.mixed_precision.set_global_policy("float32")
    """
    if policy is None:
        _GLOBAL_POLICY[0] = None
        return
    policy = Policy(policy)
    if policy.compute_dtype is None or np.dtype(policy.compute_dtype).kind != "f":
        raise ValueError("set_global_policy can only be used to set the global policy to floating-point policies, "
                         f"such as 'float32' and 'mixed_float16', but got policy: {policy.name}")
    _GLOBAL_POLICY[0] = None if policy.name == config.floatx() else policy
    if policy.autocasts:
        AUTOCAST_IN_USE[0] = True


def policy_name_from_config(value):
    """The policy name in a serialized policy (`{"class_name": "Policy"/"DTypePolicy", "config": {"name"}}`),
    or None when `value` is not one."""
    if isinstance(value, dict) and value.get("class_name") in POLICY_CLASS_NAMES:
        return (value.get("config") or {}).get("name", "float32")
    return None


def resolve_layer_dtype(dtype):
    """`(policy or None, variable dtype name)` for a layer's `dtype` argument.

    None takes the global policy (or floatx when none is set: the fast path, no policy object); a
    policy, a policy name or a serialized policy gives that policy; any other dtype name keeps the plain
    dtype, as before policies existed.
    """
    if dtype is None:
        policy = _GLOBAL_POLICY[0]
        if policy is None:
            return None, config.floatx()
        return policy, policy.variable_dtype
    name = policy_name_from_config(dtype)
    if name is not None:
        dtype = name
    if isinstance(dtype, str) and (dtype in _MIXED or dtype in ("mixed_bfloat16", "bfloat16", "_infer", "float16")):
        dtype = Policy(dtype)
    if isinstance(dtype, Policy):
        if dtype.autocasts:
            AUTOCAST_IN_USE[0] = True
        variable = dtype.variable_dtype if dtype.variable_dtype is not None else config.floatx()
        return (dtype if dtype.autocasts or dtype.compute_dtype is None else None), variable
    return None, config.dtype_name(dtype)


def serialize_policy(policy, dtype):
    """The `dtype` of a layer's config as tf.keras 2.x writes it: a mixed policy as a `Policy` object, any other
    as its dtype name."""
    if policy is None or policy.compute_dtype == policy.variable_dtype:
        return dtype
    return {"module": "keras.mixed_precision", "class_name": "Policy", "config": {"name": policy.name},
            "registered_name": None}


__all__ = ["Policy", "global_policy", "set_global_policy", "resolve_layer_dtype", "serialize_policy",
           "policy_name_from_config", "AUTOCAST_IN_USE"]
