"""Stochastic gradient descent with optional (Nesterov) momentum, as tf_keras 2.21 computes it.

Update (one momentum slot `m` per variable, kept even with momentum 0, as tf_keras saves it):

    m = momentum * m - lr * g
    w = w + m                              (plain)
    w = w + momentum * m - lr * g          (nesterov)

Example:
    >>> import numpy as np
    >>> from kerasish.backend import Variable
    >>> from kerasish.optimizers import SGD
    >>> w = Variable(np.array([1.0], dtype="float32"))
    >>> opt = SGD(learning_rate=0.1, momentum=0.9, nesterov=True)
    >>> for _ in range(2):
    ...     _ = opt.apply_gradients([(np.array([0.5], dtype="float32"), w)])
    >>> np.round(w.numpy(), 4)
    array([0.7695], dtype=float32)
"""
import numpy as np

from ..utils.serialization import register_builtin
from .optimizer import Optimizer


@register_builtin("optimizer", "sgd", "experimentalsgd")
class SGD(Optimizer):
    """Gradient descent (with momentum).

    Args:
        learning_rate: float or schedule (default 0.01).
        momentum: float in [0, 1] (default 0).
        nesterov: use Nesterov momentum.
        name, weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema, ema_momentum,
            ema_overwrite_frequency, jit_compile: see `Optimizer`.
    """

    _legacy_config_keys = ('learning_rate', 'momentum', 'nesterov')
    _legacy_slot_lists = ('momentums',)

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, jit_compile=True, name="SGD", **kwargs):
        super().__init__(name=name, weight_decay=weight_decay, clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema, ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency, jit_compile=jit_compile, **kwargs)
        self._learning_rate = self._build_learning_rate(learning_rate)
        self.momentum = momentum
        self.nesterov = nesterov
        if isinstance(momentum, (int, float)) and (momentum < 0 or momentum > 1):
            raise ValueError(f"`momentum` must be between [0, 1]. Received: momentum={momentum}")
        self.momentums = []

    def _build_slots(self, var_list):
        for var in var_list:
            self.momentums.append(self.add_variable_from_reference(var, "m"))

    def _apply_dense(self, gradient, variable):
        dtype = variable.array.dtype
        neg_lr = -self._lr(dtype)
        momentum = dtype.type(self.momentum)
        if momentum == 0:  # no scratch needed, so no chunks: two whole-array calls of any size
            m = self._slot(self.momentums, variable)
            np.multiply(gradient, neg_lr, out=m)  # m = -g*lr + m*0, as Keras keeps it
            variable.array += m
            return
        nesterov = self.nesterov

        def kernel(w, g, m, s1, s2):
            np.multiply(g, neg_lr, out=s1)
            m *= momentum
            m += s1
            if nesterov:
                np.multiply(m, momentum, out=s2)
                s2 += s1
                w += s2
            else:
                w += m

        self._chunked(kernel, variable, gradient, self._slot(self.momentums, variable))

    def get_config(self):
        config = super().get_config()
        config.update({"learning_rate": self._serialize_hyperparameter(self._learning_rate),
                       "momentum": self.momentum, "nesterov": self.nesterov})
        return config
