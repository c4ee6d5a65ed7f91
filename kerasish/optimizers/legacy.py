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
    >>> from kerasish.optimizers import legacy
    >>> type(legacy.SGD(learning_rate=0.01)).__name__, legacy.Adagrad._epsilon_inside_sqrt
    ('SGD', False)
"""
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
        >>> _ = Adagrad(learning_rate=0.1, epsilon=0.1).apply_gradients([(np.array([0.5], dtype="float32"), w)])
        >>> np.round(w.numpy(), 5)  # tf_keras 2.21 legacy: 0.9277047 (the current Adagrad: 0.92546)
        array([0.9277], dtype=float32)
    """

    _epsilon_inside_sqrt = False


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

    _epsilon_inside_sqrt = False  # with momentum, TF's fused kernel puts it inside all the same


class Nadam(_Nadam):
    """tf_keras's legacy Nadam: Keras 1's NAdam momentum schedule.

        mu_t = beta_1 * (1 - 0.5 * 0.96 ** (schedule_decay * t)),  schedule_decay = 0.004

    (the current Nadam's schedule is `0.96 ** t`); otherwise the same update. Like tf_keras, it takes
    `schedule_decay` from that keyword only (a `decay` argument is ignored) and never decays the
    learning rate.

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

    def _schedule_power(self, step):
        return step * step.dtype.type(self.schedule_decay)

    def get_config(self):
        config = super().get_config()
        config["decay"] = self.schedule_decay  # tf_keras's legacy Nadam stores its schedule decay there
        return config
