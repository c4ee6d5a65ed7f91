"""`GRUCell` and `GRU` (gates z, r, h; `reset_after` as Keras; one fused kernel per sequence).

Example:
    >>> import numpy as np
    >>> from kerasish.layers import GRU
    >>> GRU(3)(np.ones((2, 5, 4), "float32")).shape
    (2, 3)
"""
from ... import activations, constraints, initializers, regularizers
from ...backend.ops import rnn as rnn_ops
from ...utils.serialization import register_builtin
from ..layer import InputSpec, Layer
from .base_rnn import _cell_property, _BuiltinRNN, _STANDARD_CELLS, _act_arg, _dropout_masks, _split_layer_kwargs
from ...legacy import interfaces
from .rnn_utils import (
    _DropoutCellMixin, _GRU_KEYS, _caching_config, _check_units, _common_cell_config, _last_dim, _log,
    _pop_compat_kwargs, _zero_states)


@register_builtin("layer")
class GRUCell(_DropoutCellMixin, Layer):
    """One GRU step (Cho et al. 2014), Keras gate order z (update), r (reset), h (candidate).

    Args:
        reset_after: True (default, the cuDNN-compatible form): bias (2, 3u) and the reset gate
            multiplies the recurrent projection; False: bias (3u,) and the reset gate multiplies
            the state before the candidate's matmul.
        Other arguments as in `LSTMCell` (without `unit_forget_bias`).

    Example:
        >>> import numpy as np
        >>> from kerasish import layers
        >>> cell = layers.GRUCell(3)
        >>> layers.RNN(cell)(np.ones((2, 4, 5), "float32")).shape, cell.bias.shape
        ((2, 3), (2, 9))
    """

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 reset_after=True, **kwargs):
        units = _check_units("GRUCell", units)
        self._enable_caching_device = _pop_compat_kwargs(kwargs)
        seed = kwargs.pop("seed", None)
        implementation = kwargs.pop("implementation", 2)
        super().__init__(**kwargs)
        self.units = units
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self._init_dropout(dropout, recurrent_dropout, seed)
        self.implementation = 1 if (self.recurrent_dropout != 0 and implementation != 1) else implementation
        self.reset_after = bool(reset_after)
        self.state_size = self.units
        self.output_size = self.units

    def build(self, input_shape):
        input_dim = _last_dim(self, input_shape)
        u = self.units
        self.kernel = self.add_weight(name="kernel", shape=(input_dim, 3 * u), initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(name="recurrent_kernel", shape=(u, 3 * u),
                                                initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint)
        if self.use_bias:
            shape = (2, 3 * u) if self.reset_after else (3 * u,)
            self.bias = self.add_weight(name="bias", shape=shape, initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        else:
            self.bias = None
        self.built = True

    def call(self, inputs, states, training=None):
        nested = isinstance(states, (list, tuple))
        h_prev = states[0] if nested else states
        dm, rm = self._step_masks(inputs, h_prev, training, 3)
        h = rnn_ops.gru_cell_step(inputs, h_prev, self.kernel, self.recurrent_kernel, self.bias, self.reset_after,
                                  self.activation, self.recurrent_activation, dm, rm)
        return h, ([h] if nested else h)

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        return _zero_states(batch_size, [self.units], dtype or self.dtype)[0]

    def get_config(self):
        cfg = Layer.get_config(self)
        cfg.update(_common_cell_config(self, _GRU_KEYS))
        _caching_config(self, cfg)
        return cfg


def _run_gru(layer, inputs, mask, training, initial_state):
    cell = layer.cell
    dm, rm = _dropout_masks(layer, cell, inputs, training, 3)
    return rnn_ops.gru_sequence(inputs, initial_state[0], cell.kernel, cell.recurrent_kernel, cell.bias,
                                reset_after=cell.reset_after, activation=_act_arg(cell.activation),
                                recurrent_activation=_act_arg(cell.recurrent_activation), dropout_mask=dm,
                                recurrent_dropout_mask=rm, **layer._kernel_options(mask))
_STANDARD_CELLS[GRUCell] = _run_gru


@register_builtin("layer")
class GRU(_BuiltinRNN):
    """Gated Recurrent Unit (Cho et al. 2014), computed as one fused kernel per sequence.

    Args:
        units, activation ('tanh'), recurrent_activation ('sigmoid'), use_bias, initializers,
        regularizers, constraints, dropout, recurrent_dropout, implementation: as in `GRUCell`.
        reset_after: True (default; bias (2, 3u)) or False (bias (3u,)), see `GRUCell`.
        return_sequences, return_state, go_backwards, stateful, unroll, time_major: as in `RNN`.

    Example:
        >>> import numpy as np
        >>> from kerasish import layers
        >>> gru = layers.GRU(2, name="gru")
        >>> gru(np.ones((3, 4, 5), "float32")).shape, [w.name for w in gru.weights][-1]
        ((3, 2), 'gru/gru_cell/bias:0')
    """

    _CELL_KEYS = _GRU_KEYS

    @interfaces.legacy_recurrent_support
    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, time_major=False, reset_after=True, **kwargs):
        implementation = kwargs.pop("implementation", 2)
        if implementation == 0:
            _log.warning("`implementation=0` has been deprecated, and now defaults to `implementation=2`. "
                         "Please update your layer call.")
        cell_kwargs, kwargs = _split_layer_kwargs(kwargs)
        cell = GRUCell(units, activation=activation, recurrent_activation=recurrent_activation, use_bias=use_bias,
                       kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
                       bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                       recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
                       kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
                       bias_constraint=bias_constraint, dropout=dropout, recurrent_dropout=recurrent_dropout,
                       implementation=implementation, reset_after=reset_after, name="gru_cell", **cell_kwargs)
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll, time_major=time_major,
                         **kwargs)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.input_spec = [InputSpec(ndim=3)]

    def call(self, inputs, mask=None, training=None, initial_state=None):
        return super().call(inputs, mask=mask, training=training, initial_state=initial_state)


# The cell's arguments read as the layer's attributes (`lstm.units`), as in Keras.
for _key in _GRU_KEYS:
    setattr(GRU, _key, _cell_property(_key))
del _key
