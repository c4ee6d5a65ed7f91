"""The Adam family: Adam (amsgrad), AdamW, Adamax and Nadam, with tf_keras 2.21's exact update rules.

Adam (t = iterations + 1; epsilon is NOT bias-corrected, as in tf_keras):

    m += (g - m) * (1 - beta_1);   v += (g*g - v) * (1 - beta_2)
    alpha = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)
    w -= (m * alpha) / (sqrt(v) + epsilon)          (amsgrad: v_hat = max(v_hat, v) replaces v)

Example:
    >>> import numpy as np
    >>> from kerasish.backend import Variable
    >>> from kerasish.optimizers import Adam
    >>> w = Variable(np.array([1.0], dtype="float32"))
    >>> opt = Adam(learning_rate=0.1)
    >>> for _ in range(2):
    ...     _ = opt.apply_gradients([(np.array([0.5], dtype="float32"), w)])
    >>> w.numpy()  # tf_keras: 0.8000028 (to 7 decimals)
    array([0.80000275], dtype=float32)
"""
import numpy as np

from ..utils.serialization import register_builtin
from .optimizer import Optimizer


@register_builtin("optimizer", "adam", "experimentaladam")
class Adam(Optimizer):
    """Adam: adaptive moment estimation.

    Args:
        learning_rate: float or schedule (default 0.001).
        beta_1: decay of the first-moment estimate (0.9).
        beta_2: decay of the second-moment estimate (0.999).
        epsilon: added to sqrt(v) (1e-7, not bias-corrected).
        amsgrad: use the AMSGrad variant (keeps the maximum second moment).
        name, weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema, ema_momentum,
            ema_overwrite_frequency, jit_compile: see `Optimizer`.
    """

    _legacy_config_keys = ('learning_rate', 'beta_1', 'beta_2', 'epsilon', 'amsgrad')
    _legacy_slot_lists = ('_momentums', '_velocities', '_velocity_hats')

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, jit_compile=True, name="Adam", **kwargs):
        self.adaptive_epsilon = bool(kwargs.pop("adaptive_epsilon", False))
        super().__init__(name=name, weight_decay=weight_decay, clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema, ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency, jit_compile=jit_compile, **kwargs)
        self._learning_rate = self._build_learning_rate(learning_rate)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = 1e-7 if epsilon is None else epsilon
        self.amsgrad = amsgrad
        self._momentums, self._velocities, self._velocity_hats = [], [], []

    def _build_slots(self, var_list):
        for var in var_list:
            self._momentums.append(self.add_variable_from_reference(var, "m"))
            self._velocities.append(self.add_variable_from_reference(var, "v"))
        if self.amsgrad:
            for var in var_list:
                self._velocity_hats.append(self.add_variable_from_reference(var, "vhat"))

    def _step_scalars(self, dtype):
        """(alpha, epsilon) of this step in `dtype`: computed once per step and dtype, not per variable
        (the numpy scalar arithmetic cost ~4 us a variable)."""
        lr = self._lr(dtype)
        key = (dtype, int(self._iterations.array), float(lr), self.beta_1, self.beta_2, self.epsilon,
               self.adaptive_epsilon)
        cached = self.__dict__.get("_step_scalars_cache")
        if cached is not None and cached[0] == key:
            return cached[1]
        f = dtype.type
        t = self._local_step(dtype)
        beta_1_power = f(self.beta_1) ** t
        beta_2_power = f(self.beta_2) ** t
        alpha = lr * np.sqrt(f(1) - beta_2_power) / (f(1) - beta_1_power)
        eps = self.epsilon * np.sqrt(f(1) - beta_2_power) if self.adaptive_epsilon else self.epsilon
        self._step_scalars_cache = (key, (alpha, eps))
        return alpha, eps

    def _apply_dense(self, gradient, variable):
        alpha, eps = self._step_scalars(variable.array.dtype)
        one_minus_b1, one_minus_b2 = 1 - self.beta_1, 1 - self.beta_2
        m = self._slot(self._momentums, variable)
        v = self._slot(self._velocities, variable)
        arrays = [gradient, m, v]
        if self.amsgrad:
            arrays.append(self._slot(self._velocity_hats, variable))

        def kernel(w, g, m, v, *rest):
            *vhat, s1, s2 = rest
            np.subtract(g, m, out=s1)
            s1 *= one_minus_b1
            m += s1
            np.multiply(g, g, out=s1)
            s1 -= v
            s1 *= one_minus_b2
            v += s1
            if vhat:
                np.maximum(vhat[0], v, out=vhat[0])
                v = vhat[0]
            np.sqrt(v, out=s1)
            s1 += eps
            np.multiply(m, alpha, out=s2)
            s2 /= s1
            w -= s2

        self._chunked(kernel, variable, *arrays)

    def get_config(self):
        config = super().get_config()
        config.update({"learning_rate": self._serialize_hyperparameter(self._learning_rate),
                       "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                       "amsgrad": self.amsgrad})
        return config


@register_builtin("optimizer", "adamw")
class AdamW(Adam):
    """Adam with decoupled weight decay (`w -= w * weight_decay * lr` before each Adam step).

    Args:
        learning_rate: float or schedule (default 0.001).
        weight_decay: the decay rate (default 0.004; required).
        beta_1, beta_2, epsilon, amsgrad: as in `Adam`.
    """

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, jit_compile=True, name="AdamW", **kwargs):
        if weight_decay is None:
            raise ValueError("Missing value of `weight_decay` which is required and must be a float value.")
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon,
                         amsgrad=amsgrad, weight_decay=weight_decay, clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema, ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency, jit_compile=jit_compile, name=name,
                         **kwargs)


@register_builtin("optimizer", "adamax")
class Adamax(Optimizer):
    """Adamax: Adam with the infinity norm.

        m += (g - m) * (1 - beta_1);  u = max(beta_2 * u, |g|)
        w -= (lr * m) / ((1 - beta_1**t) * (u + epsilon))

    Example:
        >>> import numpy as np
        >>> from kerasish.backend import Variable
        >>> w = Variable(np.array([1.0], dtype="float32"))
        >>> _ = Adamax(learning_rate=0.1).apply_gradients([(np.array([0.5], dtype="float32"), w)])
        >>> np.round(w.numpy(), 5)
        array([0.9], dtype=float32)
    """

    _legacy_config_keys = ('learning_rate', 'beta_1', 'beta_2', 'epsilon')
    _legacy_slot_lists = ('_m', '_u')

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, jit_compile=True, name="Adamax", **kwargs):
        super().__init__(name=name, weight_decay=weight_decay, clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema, ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency, jit_compile=jit_compile, **kwargs)
        self._learning_rate = self._build_learning_rate(learning_rate)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = 1e-7 if epsilon is None else epsilon
        self._m, self._u = [], []

    def _build_slots(self, var_list):
        for var in var_list:
            self._m.append(self.add_variable_from_reference(var, "m"))
            self._u.append(self.add_variable_from_reference(var, "u"))

    def _apply_dense(self, gradient, variable):
        dtype = variable.array.dtype
        f = dtype.type
        lr = self._lr(dtype)
        one_minus_b1_power = f(1) - f(self.beta_1) ** self._local_step(dtype)
        one_minus_b1, beta_2, eps = 1 - self.beta_1, self.beta_2, self.epsilon

        def kernel(w, g, m, u, s1, s2):
            np.subtract(g, m, out=s1)
            s1 *= one_minus_b1
            m += s1
            u *= beta_2
            np.abs(g, out=s1)
            np.maximum(u, s1, out=u)
            np.add(u, eps, out=s1)
            s1 *= one_minus_b1_power
            np.multiply(m, lr, out=s2)
            s2 /= s1
            w -= s2

        self._chunked(kernel, variable, gradient, self._slot(self._m, variable), self._slot(self._u, variable))

    def get_config(self):
        config = super().get_config()
        config.update({"learning_rate": self._serialize_hyperparameter(self._learning_rate),
                       "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config


@register_builtin("optimizer", "nadam")
class Nadam(Optimizer):
    """Nadam: Adam with Nesterov momentum (tf_keras's momentum schedule `beta_1 * (1 - 0.5 * 0.96**t)`).

    Example:
        >>> import numpy as np
        >>> from kerasish.backend import Variable
        >>> w = Variable(np.array([1.0], dtype="float32"))
        >>> _ = Nadam(learning_rate=0.1).apply_gradients([(np.array([0.5], dtype="float32"), w)])
        >>> np.round(w.numpy(), 4)
        array([0.8937], dtype=float32)
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, jit_compile=True, name="Nadam", **kwargs):
        kwargs.pop("schedule_decay", None)  # Keras <= 2.3 configs; its momentum schedule is fixed at 0.96 here
        super().__init__(name=name, weight_decay=weight_decay, clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema, ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency, jit_compile=jit_compile, **kwargs)
        self._learning_rate = self._build_learning_rate(learning_rate)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = 1e-7 if epsilon is None else epsilon
        self._momentums, self._velocities = [], []
        # The running product of momentum-schedule factors (tf_keras keeps it outside `variables`).
        self._u_product = None
        self._u_product_counter = 1

    def _schedule_power(self, step):
        """The power of 0.96 in the momentum schedule at `step` (the legacy Nadam scales it)."""
        return step

    def _build_slots(self, var_list):
        if self._u_product is None:
            self._u_product = np.asarray(1.0, dtype=var_list[0].array.dtype)[()]
        for var in var_list:
            self._momentums.append(self.add_variable_from_reference(var, "m"))
            self._velocities.append(self.add_variable_from_reference(var, "v"))

    def sync_with_iterations(self):
        """Recompute the momentum-schedule product for the restored iteration count (called after loading
        saved state). tf_keras keeps the product outside `variables`, so its files do not hold it, and tf_keras
        itself resumes from a product of 1.0; kerasish rebuilds it with the same float steps as training, so a
        resumed run continues exactly as the uninterrupted one.

        Example:
            >>> import numpy as np
            >>> from kerasish.backend import Variable
            >>> w = Variable(np.array([1.0], dtype="float32"))
            >>> opt = Nadam(0.1)
            >>> for _ in range(3):
            ...     _ = opt.apply_gradients([(np.array([0.5], dtype="float32"), w)])
            >>> product = opt._u_product
            >>> opt.sync_with_iterations()  # as after loading a file: rebuilt from the iteration count
            >>> bool(opt._u_product == product)
            True
        """
        if self._u_product is None:
            return
        f = np.asarray(self._u_product).dtype.type
        steps = int(self._iterations.array)
        product = f(1.0)
        for t in range(1, steps + 1):
            product = f(product) * (f(self.beta_1) * (f(1.0) - f(0.5) * f(0.96) ** f(t)))
        self._u_product = product
        self._u_product_counter = steps + 1

    def set_weights(self, weights):
        super().set_weights(weights)
        self.sync_with_iterations()

    def _apply_dense(self, gradient, variable):
        dtype = variable.array.dtype
        f = dtype.type
        lr = self._lr(dtype)
        iterations = int(self._iterations.array)
        local_step, next_step = f(iterations + 1), f(iterations + 2)
        decay, beta_1, beta_2 = f(0.96), f(self.beta_1), f(self.beta_2)
        u_t = beta_1 * (f(1.0) - f(0.5) * decay ** self._schedule_power(local_step))
        u_t_1 = beta_1 * (f(1.0) - f(0.5) * decay ** self._schedule_power(next_step))
        if self._u_product_counter != iterations + 2:  # first variable of this step: extend the product
            self._u_product = f(self._u_product) * u_t
            self._u_product_counter += 1
        u_product_t = f(self._u_product)
        u_product_t_1 = u_product_t * u_t_1
        beta_2_power = beta_2 ** local_step
        c1, c2 = f(1) - u_product_t_1, f(1) - u_product_t
        one_minus_u_t = f(1) - u_t
        one_minus_b1, one_minus_b2 = f(1) - beta_1, f(1) - beta_2
        one_minus_b2_power = f(1) - beta_2_power
        eps = self.epsilon

        def kernel(w, g, m, v, s1, s2):
            np.subtract(g, m, out=s1)
            s1 *= one_minus_b1
            m += s1
            np.multiply(g, g, out=s1)
            s1 -= v
            s1 *= one_minus_b2
            v += s1
            np.multiply(m, u_t_1, out=s1)
            s1 /= c1
            np.multiply(g, one_minus_u_t, out=s2)
            s2 /= c2
            s1 += s2  # m_hat
            np.divide(v, one_minus_b2_power, out=s2)  # v_hat
            np.sqrt(s2, out=s2)
            s2 += eps
            s1 *= lr
            s1 /= s2
            w -= s1

        self._chunked(kernel, variable, gradient, self._slot(self._momentums, variable),
                      self._slot(self._velocities, variable))

    def get_config(self):
        config = super().get_config()
        config.update({"learning_rate": self._serialize_hyperparameter(self._learning_rate),
                       "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
