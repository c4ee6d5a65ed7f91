"""`keras.optimizers.legacy`: tf_keras's pre-2.11 optimizer classes, with their own update rules.

Most legacy update rules agree with the current classes (SGD, Adam, Adamax, Adadelta, Ftrl are the
same objects here). Three differ in tf_keras, and so differ here:

- `Adagrad`: epsilon is added after the square root, `w -= lr * g / (sqrt(acc) + epsilon)`
  (TF's ResourceApplyAdagradV2), not inside it.
- `RMSprop` without momentum: `w -= lr * g / (sqrt(v) + epsilon)`, epsilon after the square root
  (with momentum it is TF's fused kernel, epsilon inside, as in the current class).
- `Nadam`: the momentum schedule is `beta_1 * (1 - 0.5 * 0.96 ** (schedule_decay * t))` with
  `schedule_decay` 0.004 (Keras 1's NAdam), kept in a running product updated once per step; the
  learning rate is not decayed.

(Their saved slot layouts also differ in tf_keras; kerasish writes the current one.)

Example:
    >>> import numpy as np
    >>> from kerasish.backend import Variable
    >>> from kerasish.optimizers import legacy
    >>> w = Variable(np.array([1.0], dtype="float32"))
    >>> _ = legacy.Adagrad(learning_rate=0.1, epsilon=0.1).apply_gradients([(np.array([0.5], dtype="float32"), w)])
    >>> np.round(w.numpy(), 5)  # tf_keras 2.21 legacy: 0.9277047 (the current Adagrad: 0.92546)
    array([0.9277], dtype=float32)
"""
import numpy as np

from . import Adadelta, Adam, Adamax, Ftrl, Optimizer, SGD  # noqa: F401
from . import Adagrad as _Adagrad
from . import Nadam as _Nadam
from . import RMSprop as _RMSprop

__all__ = ["Adadelta", "Adagrad", "Adam", "Adamax", "Ftrl", "Nadam", "Optimizer", "RMSprop", "SGD"]


class Adagrad(_Adagrad):
    """tf_keras's legacy Adagrad: `acc += g**2;  w -= lr * g / (sqrt(acc) + epsilon)`.

    Example:
        >>> import numpy as np
        >>> from kerasish.backend import Variable
        >>> w = Variable(np.array([1.0], dtype="float32"))
        >>> _ = Adagrad(learning_rate=0.1).apply_gradients([(np.array([0.5], dtype="float32"), w)])
        >>> np.round(w.numpy(), 5)
        array([0.91548], dtype=float32)
    """

    def _apply_dense(self, gradient, variable):
        lr = self._lr(variable.array.dtype)
        eps = self.epsilon

        def kernel(w, g, acc, s1, s2):
            np.multiply(g, g, out=s1)
            acc += s1
            np.sqrt(acc, out=s1)
            s1 += eps
            np.multiply(g, lr, out=s2)
            s2 /= s1
            w -= s2

        self._chunked(kernel, variable, gradient, self._slot(self._accumulators, variable))


class RMSprop(_RMSprop):
    """tf_keras's legacy RMSprop: without momentum, `w -= lr * g / (sqrt(v_c) + epsilon)`.

    Example:
        >>> import numpy as np
        >>> from kerasish.backend import Variable
        >>> w = Variable(np.array([1.0], dtype="float32"))
        >>> _ = RMSprop(learning_rate=0.1, epsilon=0.1).apply_gradients([(np.array([0.5], dtype="float32"), w)])
        >>> np.round(w.numpy(), 5)  # tf_keras 2.21 legacy: 0.80628705
        array([0.80629], dtype=float32)
    """

    def _apply_dense(self, gradient, variable):
        if self.momentum > 0:  # TF's fused kernel: the current rule
            return super()._apply_dense(gradient, variable)
        lr = self._lr(variable.array.dtype)
        rho, one_minus_rho, eps = self.rho, 1 - self.rho, self.epsilon
        centered = self.centered
        arrays = [gradient, self._slot(self._velocities, variable)]
        if centered:
            arrays.append(self._slot(self._average_gradients, variable))

        def kernel(w, g, v, *rest):
            *slots, s1, s2 = rest
            np.multiply(g, g, out=s1)
            s1 *= one_minus_rho
            v *= rho
            v += s1
            if centered:
                avg = slots[0]
                np.multiply(g, one_minus_rho, out=s1)
                avg *= rho
                avg += s1
                np.multiply(avg, avg, out=s1)
                np.subtract(v, s1, out=s1)
            else:
                s1[...] = v
            np.sqrt(s1, out=s1)
            s1 += eps
            np.multiply(g, lr, out=s2)
            s2 /= s1
            w -= s2

        self._chunked(kernel, variable, *arrays)


class Nadam(_Nadam):
    """tf_keras's legacy Nadam (Keras 1's NAdam momentum schedule, `schedule_decay=0.004`).

        mu_t = beta_1 * (1 - 0.5 * 0.96 ** (schedule_decay * t));   prod_t = prod_{t-1} * mu_t
        m = beta_1 m + (1 - beta_1) g;  v = beta_2 v + (1 - beta_2) g**2
        m_bar = (1 - mu_t) g / (1 - prod_t) + mu_{t+1} m / (1 - prod_t mu_{t+1})
        w -= lr * m_bar / (sqrt(v / (1 - beta_2**t)) + epsilon)

    Like tf_keras, it takes `schedule_decay` from that keyword only (a `decay` argument is ignored) and
    never decays the learning rate.

    Example:
        >>> import numpy as np
        >>> from kerasish.backend import Variable
        >>> w = Variable(np.array([1.0], dtype="float32"))
        >>> _ = Nadam(learning_rate=0.1).apply_gradients([(np.array([0.5], dtype="float32"), w)])
        >>> np.round(w.numpy(), 5)  # tf_keras 2.21 legacy: 0.8943548
        array([0.89435], dtype=float32)
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, name="Nadam", **kwargs):
        schedule_decay = kwargs.pop("schedule_decay", 0.004)
        kwargs.pop("decay", None)
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, name=name,
                         **kwargs)
        self.schedule_decay = float(schedule_decay)
        self._m_cache = np.float32(1.0)
        self._m_cache_step = -1

    def _apply_dense(self, gradient, variable):
        dtype = variable.array.dtype
        f = dtype.type
        lr = self._lr(dtype)
        iterations = int(self._iterations.array)
        local_step, next_step = f(iterations + 1), f(iterations + 2)
        decay, beta_1, beta_2, sd = f(0.96), f(self.beta_1), f(self.beta_2), f(self.schedule_decay)
        m_t = beta_1 * (f(1.0) - f(0.5) * decay ** (sd * local_step))
        m_t_1 = beta_1 * (f(1.0) - f(0.5) * decay ** (sd * next_step))
        if self._m_cache_step != iterations:  # first variable of this step: extend the product once
            self._m_cache = f(self._m_cache) * m_t
            self._m_cache_step = iterations
        m_schedule_new = f(self._m_cache)
        m_schedule_next = m_schedule_new * m_t_1
        g_scale = f(1) / (f(1) - m_schedule_new)
        one_minus_m_t = f(1) - m_t
        one_minus_next = f(1) - m_schedule_next
        one_minus_b1, one_minus_b2 = f(1) - beta_1, f(1) - beta_2
        v_denominator = f(1) - beta_2 ** local_step
        eps = self.epsilon

        def kernel(w, g, m, v, s1, s2):
            m *= beta_1
            np.multiply(g, one_minus_b1, out=s1)
            m += s1
            v *= beta_2
            np.multiply(g, g, out=s1)
            s1 *= one_minus_b2
            v += s1
            np.multiply(g, g_scale, out=s1)
            s1 *= one_minus_m_t  # (1 - mu_t) g'
            np.divide(m, one_minus_next, out=s2)
            s2 *= m_t_1
            s1 += s2  # m_bar
            np.divide(v, v_denominator, out=s2)
            np.sqrt(s2, out=s2)
            s2 += eps
            s1 *= lr
            s1 /= s2
            w -= s1

        self._chunked(kernel, variable, gradient, self._slot(self._momentums, variable),
                      self._slot(self._velocities, variable))

    def get_config(self):
        config = super().get_config()
        config["decay"] = self.schedule_decay  # tf_keras's legacy Nadam stores its schedule decay there
        return config
