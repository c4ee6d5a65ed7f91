"""TensorFlow 2.1-2.3's `tf.keras.mixed_precision.experimental` names, for code written against them.

`Policy`, `global_policy`, `set_policy` (now `set_global_policy`) and `LossScaleOptimizer(optimizer,
loss_scale)`, where `loss_scale` is "dynamic" or a fixed number.

Example:
    >>> from kerasish.mixed_precision import experimental
    >>> from kerasish import optimizers
    >>> experimental.LossScaleOptimizer(optimizers.SGD(), loss_scale=128).loss_scale.numpy()
    array(128., dtype=float32)
"""
from .loss_scale_optimizer import LossScaleOptimizer as _LossScaleOptimizer
from .policy import Policy, global_policy, set_global_policy


def set_policy(policy):
    """The old name of `set_global_policy`."""
    set_global_policy(policy)


def LossScaleOptimizer(optimizer, loss_scale="dynamic"):  # noqa: N802  (the old API's class-like name)
    """The old constructor: `loss_scale` is "dynamic" or a fixed scale."""
    if loss_scale == "dynamic" or loss_scale is None:
        return _LossScaleOptimizer(optimizer)
    if isinstance(loss_scale, (int, float)):
        return _LossScaleOptimizer(optimizer, dynamic=False, initial_scale=float(loss_scale))
    raise ValueError(f'loss_scale must be "dynamic" or a number; received {loss_scale!r}')


__all__ = ["Policy", "global_policy", "set_policy", "LossScaleOptimizer"]
