"""Running a layer under its dtype policy: cast the inputs, and the variables for the call, to the compute dtype.

`Layer.__call__` hands a call here once some layer has a mixed policy (until then it never does, so
float32 models pay nothing). As in Keras:
- floating inputs (the first argument) are cast to the layer's compute dtype, so a float32 layer after
  float16 ones (`Activation("softmax", dtype="float32")`) computes in float32;
- a layer whose policy is mixed computes with float16 copies of its float32 variables (and of those of
  the sublayers it drives, such as an RNN's cell): each `self.kernel`-style attribute reads as a cast of
  the variable while `call` runs, and the cast records on the tape, so gradients reach the float32
  variable in float32;
- normalization layers compute their statistics in float32 (their variables stay float32 and their
  moving averages are assigned in place) and return the compute dtype, as Keras's do.
The swap is undone when `call` returns, but it is visible to another thread calling the same layer at
that moment (which then computes with the same float16 copies); variables kept in lists instead of
attributes are not swapped (numpy then computes that product in float32).
"""
import numpy as np

from ..backend import config
from ..backend.ops.math import cast
from ..backend.tensor import Tensor, Variable

# Layers whose statistics Keras computes in float32 under a float16 policy.
_FLOAT32_INTERNALS = frozenset({"BatchNormalization", "LayerNormalization", "GroupNormalization",
                                "UnitNormalization", "SyncBatchNormalization"})


def _float32_internally(layer):
    return any(klass.__name__ in _FLOAT32_INTERNALS for klass in type(layer).__mro__)


def cast_floating(structure, dtype):
    """Floating Tensors/arrays of a nested structure cast (differentiably) to `dtype`; others unchanged."""
    if isinstance(structure, (Tensor, np.ndarray)):
        current = structure.array.dtype if isinstance(structure, Tensor) else structure.dtype
        if current.kind == "f" and current != dtype:
            return cast(structure, dtype)
        return structure
    if isinstance(structure, (list, tuple)):
        return type(structure)(cast_floating(x, dtype) for x in structure)
    if isinstance(structure, dict):
        return {k: cast_floating(v, dtype) for k, v in structure.items()}
    return structure


def _swap_variables(layer, dtype):
    """Replace, on `layer` and the sublayers it drives, each float variable attribute by its cast to `dtype`;
    returns what to put back."""
    swapped = []
    for sub in layer._flatten_layers(include_self=True):
        if not getattr(sub, "_autocast_active", False) or _float32_internally(sub):
            continue
        for name, value in list(vars(sub).items()):
            if isinstance(value, Variable) and value.array.dtype.kind == "f" and value.array.dtype != dtype:
                object.__setattr__(sub, name, cast(value, dtype))
                swapped.append((sub, name, value))
    return swapped


def autocast_call(layer, inputs, args, kwargs):
    """`layer.call(inputs, *args, **kwargs)` in the layer's compute dtype (see the module docstring)."""
    compute = config.numpy_dtype(layer.compute_dtype)  # "string" layers (text) are object arrays: no cast
    if compute.kind != "f" or (not layer._autocast_active and type(inputs) is Tensor and inputs.array.dtype == compute):
        return layer.call(inputs, *args, **kwargs)  # nothing to cast
    internal = np.dtype("float32") if compute.itemsize < 4 and _float32_internally(layer) else compute
    inputs = cast_floating(inputs, internal)
    swapped = _swap_variables(layer, internal) if layer._autocast_active else []
    try:
        outputs = layer.call(inputs, *args, **kwargs)
    finally:
        for sub, name, variable in reversed(swapped):
            object.__setattr__(sub, name, variable)
    if internal != compute:
        outputs = cast_floating(outputs, compute)
    return outputs


__all__ = ["autocast_call", "cast_floating"]
