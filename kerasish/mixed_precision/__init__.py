"""Mixed precision with Keras's API: `set_global_policy`, `global_policy`, `Policy`, `LossScaleOptimizer`.

"float32" is the default and fully supported. "mixed_float16" computes layers in float16 with float32
variables (numpy float16) and `compile` wraps the optimizer in a dynamic `LossScaleOptimizer`, as Keras
does. It matches Keras's results to float16 precision, but on a CPU it is slower than float32, not
faster: numpy has no float16 BLAS, so float16 matrix products run in a plain loop (see the README).
"mixed_bfloat16" raises a ValueError: numpy has no bfloat16 dtype.

Example:
    >>> import numpy as np
    >>> import kerasish as keras
    >>> keras.mixed_precision.set_global_policy("mixed_float16")
    >>> inputs = keras.Input((4,))
    >>> hidden = keras.layers.Dense(3)(inputs)
    >>> outputs = keras.layers.Activation("softmax", dtype="float32")(hidden)   # keep the output float32
    >>> model = keras.Model(inputs, outputs)
    >>> keras.mixed_precision.set_global_policy("float32")
    >>> model.layers[1].compute_dtype, model.layers[1].kernel.dtype, model.predict(np.ones((1, 4)), verbose=0).dtype
    ('float16', dtype('float32'), dtype('float32'))
    >>> model.compile("adam", "mse")
    >>> type(model.optimizer).__name__
    'LossScaleOptimizer'
"""
from . import experimental  # noqa: F401
from .loss_scale_optimizer import LossScaleOptimizer  # noqa: F401
from .policy import Policy, global_policy, set_global_policy  # noqa: F401

# Keras 3's names for the same things.
DTypePolicy = Policy
dtype_policy = global_policy
set_dtype_policy = set_global_policy

__all__ = ["Policy", "global_policy", "set_global_policy", "LossScaleOptimizer", "experimental", "DTypePolicy",
           "dtype_policy", "set_dtype_policy"]
