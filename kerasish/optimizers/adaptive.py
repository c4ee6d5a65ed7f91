"""Per-coordinate adaptive optimizers: RMSprop, Adagrad and Adadelta (tf_keras 2.21 update rules).

RMSprop keeps epsilon INSIDE the square root (`lr * g / sqrt(v + eps)`), unlike Adam.

Example:
    >>> import numpy as np
    >>> from kerasish.backend import Variable
    >>> from kerasish.optimizers import RMSprop
    >>> w = Variable(np.array([0.0], dtype="float32"))
    >>> _ = RMSprop(learning_rate=0.01, rho=0.9).apply_gradients([(np.array([2.0], dtype="float32"), w)])
    >>> np.round(w.numpy(), 5)
    array([-0.03162], dtype=float32)
"""
import numpy as np

from ..utils.serialization import register_builtin
from .optimizer import Optimizer

_BASE_DOC = ("name, weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema, ema_momentum, "
             "ema_overwrite_frequency, jit_compile: see `Optimizer`.")


@register_builtin("optimizer", "rmsprop")
class RMSprop(Optimizer):
    """RMSprop: divide the gradient by a running root-mean-square of recent gradients.

        v = rho * v + (1 - rho) * g**2;   [centered: a = rho * a + (1 - rho) * g;  v_c = v - a**2]
        increment = lr * g / sqrt(v_c + epsilon)
        momentum > 0: mom = momentum * mom + increment; w -= mom     else: w -= increment

    Args:
        learning_rate: float or schedule (default 0.001).
        rho: discounting factor of the gradient history (0.9).
        momentum: momentum (0.0).
        epsilon: added inside the square root (1e-7).
        centered: normalise by the estimated variance instead of the second moment.
        name, ...: see `Optimizer` (note tf_keras's default `ema_overwrite_frequency=100` here).
    """

    # epsilon inside the square root (tf_keras's legacy RMSprop without momentum adds it after)
    _epsilon_inside_sqrt = True
    # with `decay`, files carry tf_keras's legacy class (its current one refuses `decay`): the same rule but for
    # where epsilon goes without momentum, so a file that tf_keras would otherwise refuse loads there
    _legacy_config_keys = ('learning_rate', 'rho', 'momentum', 'epsilon', 'centered')
    _legacy_slot_lists = ('_velocities', '_momentums', '_average_gradients')

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=100, jit_compile=True, name="RMSprop", **kwargs):
        super().__init__(name=name, weight_decay=weight_decay, clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema, ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency, jit_compile=jit_compile, **kwargs)
        self._learning_rate = self._build_learning_rate(learning_rate)
        self.rho = rho
        self.momentum = momentum
        self.epsilon = 1e-7 if epsilon is None else epsilon
        self.centered = centered
        self._velocities, self._momentums, self._average_gradients = [], [], []

    def _build_slots(self, var_list):
        for var in var_list:
            self._velocities.append(self.add_variable_from_reference(var, "velocity"))
        if self.momentum > 0:
            for var in var_list:
                self._momentums.append(self.add_variable_from_reference(var, "momentum"))
        if self.centered:
            for var in var_list:
                self._average_gradients.append(self.add_variable_from_reference(var, "average_gradient"))

    def _apply_dense(self, gradient, variable):
        dtype = variable.array.dtype
        lr = self._lr(dtype)
        rho, one_minus_rho, eps = self.rho, 1 - self.rho, self.epsilon
        momentum = self.momentum
        arrays = [gradient, self._slot(self._velocities, variable)]
        if momentum > 0:
            arrays.append(self._slot(self._momentums, variable))
        if self.centered:
            arrays.append(self._slot(self._average_gradients, variable))
        centered = self.centered
        eps_inside = self._epsilon_inside_sqrt or momentum > 0  # TF's momentum kernel: always inside

        def kernel(w, g, v, *rest):
            *slots, s1, s2 = rest
            mom = slots.pop(0) if momentum > 0 else None
            avg = slots.pop(0) if centered else None
            np.multiply(g, g, out=s1)
            s1 *= one_minus_rho
            v *= rho
            v += s1
            if centered:
                np.multiply(g, one_minus_rho, out=s1)
                avg *= rho
                avg += s1
                np.multiply(avg, avg, out=s1)
                np.subtract(v, s1, out=s1)
                if eps_inside:
                    s1 += eps
                np.sqrt(s1, out=s1)
            elif eps_inside:
                np.add(v, eps, out=s1)
                np.sqrt(s1, out=s1)
            else:
                np.sqrt(v, out=s1)
            if not eps_inside:
                s1 += eps
            np.reciprocal(s1, out=s1)  # 1 / denominator
            np.multiply(g, lr, out=s2)
            s2 *= s1  # increment
            if mom is not None:
                mom *= momentum
                mom += s2
                w -= mom
            else:
                w -= s2

        self._chunked(kernel, variable, *arrays)

    def get_config(self):
        config = super().get_config()
        config.update({"learning_rate": self._serialize_hyperparameter(self._learning_rate), "rho": self.rho,
                       "momentum": self.momentum, "epsilon": self.epsilon, "centered": self.centered})
        return config


@register_builtin("optimizer", "adagrad", "experimentaladagrad")
class Adagrad(Optimizer):
    """Adagrad: per-coordinate rates from the sum of squared gradients.

        acc += g**2  (acc starts at `initial_accumulator_value`);   w -= lr * g / sqrt(acc + epsilon)

    Example:
        >>> import numpy as np
        >>> from kerasish.backend import Variable
        >>> w = Variable(np.array([1.0], dtype="float32"))
        >>> _ = Adagrad(learning_rate=0.1).apply_gradients([(np.array([0.5], dtype="float32"), w)])
        >>> np.round(w.numpy(), 5)
        array([0.91548], dtype=float32)
    """

    # epsilon inside the square root (tf_keras's legacy Adagrad adds it after)
    _epsilon_inside_sqrt = True
    # with `decay`, files carry tf_keras's legacy class (see RMSprop)
    _legacy_config_keys = ('learning_rate', 'initial_accumulator_value', 'epsilon')
    _legacy_slot_lists = ('_accumulators',)

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, jit_compile=True, name="Adagrad", **kwargs):
        super().__init__(name=name, weight_decay=weight_decay, clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema, ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency, jit_compile=jit_compile, **kwargs)
        self._learning_rate = self._build_learning_rate(learning_rate)
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = 1e-7 if epsilon is None else epsilon
        self._accumulators = []

    def _build_slots(self, var_list):
        for var in var_list:
            init = np.full(var.array.shape, self.initial_accumulator_value, dtype=var.array.dtype)
            self._accumulators.append(self.add_variable_from_reference(var, "accumulator", initial_value=init))

    def _apply_dense(self, gradient, variable):
        lr = self._lr(variable.array.dtype)
        eps = self.epsilon
        eps_inside = self._epsilon_inside_sqrt

        def kernel(w, g, acc, s1, s2):
            np.multiply(g, g, out=s1)
            acc += s1
            if eps_inside:
                np.add(acc, eps, out=s1)
                np.sqrt(s1, out=s1)
            else:
                np.sqrt(acc, out=s1)
                s1 += eps
            np.multiply(g, lr, out=s2)
            s2 /= s1
            w -= s2

        self._chunked(kernel, variable, gradient, self._slot(self._accumulators, variable))

    def get_config(self):
        config = super().get_config()
        config.update({"learning_rate": self._serialize_hyperparameter(self._learning_rate),
                       "initial_accumulator_value": self.initial_accumulator_value, "epsilon": self.epsilon})
        return config


@register_builtin("optimizer", "adadelta", "experimentaladadelta")
class Adadelta(Optimizer):
    """Adadelta: rates from running averages of squared gradients and squared updates.

        acc_g = rho * acc_g + (1 - rho) * g**2
        delta = -sqrt(acc_dx + eps) * g / sqrt(acc_g + eps)
        acc_dx = rho * acc_dx + (1 - rho) * delta**2;   w += lr * delta

    Example:
        >>> import numpy as np
        >>> from kerasish.backend import Variable
        >>> w = Variable(np.array([1.0], dtype="float32"))
        >>> _ = Adadelta(learning_rate=1.0).apply_gradients([(np.array([0.5], dtype="float32"), w)])
        >>> np.round(w.numpy(), 6)
        array([0.998586], dtype=float32)
    """

    _legacy_config_keys = ('learning_rate', 'rho', 'epsilon')
    _legacy_slot_lists = ('_accumulated_grads', '_accumulated_delta_vars')

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, jit_compile=True, name="Adadelta", **kwargs):
        super().__init__(name=name, weight_decay=weight_decay, clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema, ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency, jit_compile=jit_compile, **kwargs)
        self._learning_rate = self._build_learning_rate(learning_rate)
        self.rho = rho
        self.epsilon = 1e-7 if epsilon is None else epsilon
        self._accumulated_grads, self._accumulated_delta_vars = [], []

    def _build_slots(self, var_list):
        for var in var_list:
            self._accumulated_grads.append(self.add_variable_from_reference(var, "accumulated_grad"))
            self._accumulated_delta_vars.append(self.add_variable_from_reference(var, "accumulated_delta_var"))

    def _apply_dense(self, gradient, variable):
        lr = self._lr(variable.array.dtype)
        rho, one_minus_rho, eps = self.rho, 1 - self.rho, self.epsilon

        def kernel(w, g, acc_g, acc_dx, s1, s2):
            np.multiply(g, one_minus_rho, out=s1)
            s1 *= g
            acc_g *= rho
            acc_g += s1
            np.add(acc_dx, eps, out=s1)
            np.sqrt(s1, out=s1)
            np.negative(s1, out=s1)
            s1 *= g
            np.add(acc_g, eps, out=s2)
            np.sqrt(s2, out=s2)
            s1 /= s2  # delta
            np.multiply(s1, one_minus_rho, out=s2)
            s2 *= s1
            acc_dx *= rho
            acc_dx += s2
            s1 *= lr
            w += s1

        self._chunked(kernel, variable, gradient, self._slot(self._accumulated_grads, variable),
                      self._slot(self._accumulated_delta_vars, variable))

    def get_config(self):
        config = super().get_config()
        config.update({"learning_rate": self._serialize_hyperparameter(self._learning_rate), "rho": self.rho,
                       "epsilon": self.epsilon})
        return config
