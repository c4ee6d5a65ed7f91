"""LossScaleOptimizer: dynamic loss scaling for float16 training (tf.keras's `LossScaleOptimizer`).

float16 represents nothing below ~6e-8, so small gradients of a float16 computation vanish. The
optimizer multiplies the loss by a large scale before the backward pass and divides the gradients by
it afterwards. Dynamic scaling (tf.keras's rule): start at 2**15; after 2000 steps in a row with finite
gradients, double the scale; when a gradient holds an inf or NaN, halve it (not below 1) and skip that
step (the inner optimizer's `iterations` does not advance). `model.compile` wraps the optimizer in one
when the model's policy is "mixed_float16", and `fit` scales and unscales through it.

In a custom training loop, as in tf.keras:

    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x, training=True))
        scaled_loss = optimizer.get_scaled_loss(loss)
    grads = optimizer.get_unscaled_gradients(tape.gradient(scaled_loss, model.trainable_weights))
    optimizer.apply_gradients(zip(grads, model.trainable_weights))

Example:
    >>> import numpy as np
    >>> from kerasish import mixed_precision, optimizers
    >>> from kerasish.backend import Variable
    >>> opt = mixed_precision.LossScaleOptimizer(optimizers.SGD(0.1))
    >>> float(opt.loss_scale)
    32768.0
    >>> v = Variable(np.array([1.0], dtype="float32"))
    >>> _ = opt.apply_gradients([(np.array([np.inf], "float32"), v)])   # skipped, scale halved
    >>> float(opt.loss_scale), float(v.numpy()[0])
    (16384.0, 1.0)
"""
import numpy as np

from ..backend.tensor import Tensor, Variable
from ..optimizers.optimizer import Optimizer
from ..utils.serialization import register_builtin

DEFAULT_INITIAL_SCALE = 2.0 ** 15
DEFAULT_GROWTH_STEPS = 2000
_MULTIPLIER = 2.0


def _array(g):
    return g.array if isinstance(g, Tensor) else np.asarray(g)


@register_builtin("optimizer", "LossScaleOptimizerV3")
class LossScaleOptimizer(Optimizer):
    """An optimizer that scales the loss (and unscales the gradients) to keep float16 gradients from underflowing.

    Args:
        inner_optimizer: the optimizer that applies the (unscaled) gradients.
        dynamic: adjust the scale as training goes (True), or keep `initial_scale` (False).
        initial_scale: the first scale (default 2**15 when dynamic; required when not).
        dynamic_growth_steps: finite steps in a row after which the scale doubles (default 2000).

    Everything else (`learning_rate`, `iterations`, `variables`, saving) is the inner optimizer's.
    """

    _scales_loss = True  # fit computes its gradients through `compute_gradients`
    _legacy_class_name = "LossScaleOptimizerV3"  # its name in tf_keras's `.h5` training configs

    def __init__(self, inner_optimizer, dynamic=True, initial_scale=None, dynamic_growth_steps=None):
        if not isinstance(inner_optimizer, Optimizer):
            raise TypeError(f'"inner_optimizer" must be an instance of Optimizer, but got: {inner_optimizer!r}.')
        if isinstance(inner_optimizer, LossScaleOptimizer):
            raise TypeError(f"LossScaleOptimizer cannot wrap another LossScaleOptimizer, but got: {inner_optimizer}")
        if not isinstance(dynamic, bool):
            raise TypeError(f'"dynamic" argument to LossScaleOptimizer.__init__ must be a bool, but got: {dynamic!r}')
        if dynamic:
            initial_scale = DEFAULT_INITIAL_SCALE if initial_scale is None else float(initial_scale)
            dynamic_growth_steps = DEFAULT_GROWTH_STEPS if dynamic_growth_steps is None else int(dynamic_growth_steps)
            if dynamic_growth_steps < 1:
                raise ValueError(f'"dynamic_growth_steps" must be at least 1, but got: {dynamic_growth_steps}')
        else:
            if initial_scale is None:
                raise ValueError('"initial_scale" must be specified if "dynamic" is False')
            if dynamic_growth_steps is not None:
                raise ValueError('"dynamic_growth_steps" must be None if "dynamic" is False, but got: '
                                 f"{dynamic_growth_steps}")
            initial_scale = float(initial_scale)
        # Not Optimizer.__init__: the inner optimizer holds the state (as in tf.keras).
        object.__setattr__(self, "_optimizer", inner_optimizer)
        self._dynamic = dynamic
        self._initial_scale = initial_scale
        self._growth_steps = dynamic_growth_steps
        self._loss_scale = Variable(np.array(initial_scale, dtype=np.float32), name="current_loss_scale",
                                    trainable=False)
        self._counter = Variable(np.array(0, dtype=np.int64), dtype="int64", name="good_steps", trainable=False)

    def __getattr__(self, name):  # the inner optimizer's hyper-parameters and bookkeeping
        if name.startswith("__") or name == "_optimizer":
            raise AttributeError(name)
        return getattr(object.__getattribute__(self, "_optimizer"), name)

    # -- the scale ------------------------------------------------------------------------
    @property
    def dynamic(self) -> bool:
        return self._dynamic

    @property
    def loss_scale(self):
        """The current loss scale (a float32 scalar Tensor)."""
        return self._loss_scale

    @property
    def dynamic_counter(self):
        """Finite steps since the scale last changed (None when not dynamic)."""
        return self._counter if self._dynamic else None

    @property
    def initial_scale(self) -> float:
        return self._initial_scale

    @property
    def dynamic_growth_steps(self):
        return self._growth_steps

    @property
    def inner_optimizer(self) -> Optimizer:
        return self._optimizer

    def get_scaled_loss(self, loss):
        """`loss` times the current scale (recorded on a tape like any op; a callable gives a callable)."""
        from ..backend.ops.math import multiply

        if callable(loss):
            return lambda: self.get_scaled_loss(loss())
        scale = float(self._loss_scale.array)
        return multiply(loss, np.asarray(scale, dtype=_array(loss).dtype))

    def get_unscaled_gradients(self, grads):
        """Each gradient divided by the current scale (None stays None)."""
        reciprocal = 1.0 / float(self._loss_scale.array)
        return [None if g is None else Tensor(_array(g) * _array(g).dtype.type(reciprocal)) for g in grads]

    def compute_gradients(self, loss, var_list, tape=None):
        """`[(gradient, variable), ...]` of `loss`, computed scaled and returned unscaled."""
        if callable(loss) or tape is None:
            pairs = Optimizer.compute_gradients(self, self.get_scaled_loss(loss), var_list, tape)
            grads = self.get_unscaled_gradients([g for g, _ in pairs])
            return list(zip(grads, [v for _, v in pairs]))
        var_list = list(var_list)
        seed = np.full(np.shape(_array(loss)), float(self._loss_scale.array), dtype=_array(loss).dtype)
        grads = tape.gradient(loss, var_list, output_gradients=seed)  # the scale seeds the backward pass
        return list(zip(self.get_unscaled_gradients(grads), var_list))

    def apply_gradients(self, grads_and_vars, name=None, skip_gradients_aggregation=False, **kwargs):
        """Apply the gradients with the inner optimizer if they are all finite; update the scale either way."""
        pairs = list(grads_and_vars)
        finite = all(g is None or np.isfinite(_array(g)).all() for g, _ in pairs)
        if self._dynamic:
            self._update_scale(finite)
        if finite:
            self._optimizer.apply_gradients(pairs)
        else:  # skipped, but counted (tf.keras counts the step in `iterations` too)
            self._optimizer.build([v for _, v in pairs])
            self._optimizer.iterations.array[...] += 1
        return self._optimizer.iterations

    def _update_scale(self, finite):
        if finite:
            if int(self._counter.array) + 1 >= self._growth_steps:
                grown = float(self._loss_scale.array) * _MULTIPLIER
                if np.isfinite(np.float32(grown)):
                    self._loss_scale.array[...] = grown
                self._counter.array[...] = 0
            else:
                self._counter.array[...] += 1
        else:
            self._loss_scale.array[...] = max(float(self._loss_scale.array) / _MULTIPLIER, 1.0)
            self._counter.array[...] = 0

    def minimize(self, loss, var_list, tape=None):
        self.apply_gradients(self.compute_gradients(loss, var_list, tape))

    # -- the inner optimizer's state ------------------------------------------------------
    @property
    def name(self):
        return self._optimizer.name

    @property
    def variables(self):
        return self._optimizer.variables

    @property
    def weights(self):
        return self._optimizer.weights

    @property
    def iterations(self):
        return self._optimizer.iterations

    @iterations.setter
    def iterations(self, variable):
        self._optimizer.iterations = variable

    @property
    def learning_rate(self):
        return self._optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self._optimizer.learning_rate = value

    @property
    def lr(self):
        return self._optimizer.learning_rate

    @lr.setter
    def lr(self, value):
        self._optimizer.learning_rate = value

    def build(self, var_list):
        self._optimizer.build(var_list)

    def get_weights(self):
        return self._optimizer.get_weights()

    def set_weights(self, weights):
        self._optimizer.set_weights(weights)

    def save_own_variables(self, store):
        self._optimizer.save_own_variables(store)

    def load_own_variables(self, store):
        self._optimizer.load_own_variables(store)

    def _apply_arrays(self, grads, variables):
        return self.apply_gradients(zip(grads, variables))

    # -- config ---------------------------------------------------------------------------
    def get_config(self):
        from .. import optimizers

        return {"inner_optimizer": optimizers.serialize(self._optimizer), "dynamic": self._dynamic,
                "initial_scale": self._initial_scale, "dynamic_growth_steps": self._growth_steps}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from .. import optimizers

        config = dict(config)
        inner = config.pop("inner_optimizer")
        if not isinstance(inner, Optimizer):
            inner = optimizers.deserialize(inner, custom_objects=custom_objects)
        return cls(inner, **config)

    def __repr__(self):
        return f"<kerasish.mixed_precision.LossScaleOptimizer inner={self._optimizer!r}>"


def wrap_for_policy(model, optimizer):
    """`optimizer` wrapped in a LossScaleOptimizer when `model`'s policy is "mixed_float16" (Keras's compile),
    or, for a model loaded from a file under another global policy, when one of its layers' is."""
    if isinstance(optimizer, LossScaleOptimizer):
        return optimizer
    layers = model._flatten_layers() if hasattr(model, "_flatten_layers") else [model]
    if any(getattr(getattr(layer, "_dtype_policy", None), "name", None) == "mixed_float16" for layer in layers):
        return LossScaleOptimizer(optimizer)
    return optimizer


__all__ = ["LossScaleOptimizer", "wrap_for_policy", "DEFAULT_INITIAL_SCALE", "DEFAULT_GROWTH_STEPS"]
