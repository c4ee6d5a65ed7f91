"""`LSTMCell` and `LSTM` (gates i, f, c, o as Keras orders them; one fused kernel per sequence).

Example:
    >>> import numpy as np
    >>> from kerasish.layers import LSTM
    >>> LSTM(3)(np.ones((2, 5, 4), "float32")).shape
    (2, 3)
"""
import numpy as np

from ... import activations, constraints, initializers, regularizers
from ...backend.ops import rnn as rnn_ops
from ...utils.serialization import register_builtin
from ..layer import InputSpec, Layer
from .base_rnn import _cell_property, _BuiltinRNN, _STANDARD_CELLS, _act_arg, _dropout_masks, _split_layer_kwargs
from ...legacy import interfaces
from .rnn_utils import (
    _DropoutCellMixin, _LSTM_KEYS, _caching_config, _check_units, _common_cell_config, _last_dim, _log,
    _pop_compat_kwargs, _zero_states)


@register_builtin("layer")
class LSTMCell(_DropoutCellMixin, Layer):
    """One LSTM step (Hochreiter 1997), Keras gate order i, f, c, o.

    Args:
        units: size of the states and output.
        activation: default tanh; recurrent_activation: default sigmoid.
        unit_forget_bias: add 1 to the forget-gate bias at initialization (bias init becomes
            `[zeros(u), ones(u), zeros(2u)]` with the default `bias_initializer`).
        implementation: 2 (one mask shared by all gates) or 1 (one dropout mask per gate); a
            non-zero `recurrent_dropout` forces 1, as in Keras.
        Other arguments as in `SimpleRNNCell`.

    Example:
        >>> import numpy as np
        >>> from kerasish import layers
        >>> cell = layers.LSTMCell(2)
        >>> out = layers.RNN(cell)(np.ones((1, 3, 4), "float32"))
        >>> cell.bias.numpy().tolist()
        [0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0]
    """

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, **kwargs):
        units = _check_units("LSTMCell", units)
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
        self.unit_forget_bias = bool(unit_forget_bias)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self._init_dropout(dropout, recurrent_dropout, seed)
        # tf_keras: recurrent dropout needs per-gate masks, i.e. implementation 1
        self.implementation = 1 if (self.recurrent_dropout != 0 and implementation != 1) else implementation
        self.state_size = [self.units, self.units]
        self.output_size = self.units

    def build(self, input_shape):
        input_dim = _last_dim(self, input_shape)
        u = self.units
        self.kernel = self.add_weight(name="kernel", shape=(input_dim, 4 * u), initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(name="recurrent_kernel", shape=(u, 4 * u),
                                                initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint)
        if self.use_bias:
            if self.unit_forget_bias:
                base = self.bias_initializer

                def bias_initializer(shape, dtype=None, **kw):
                    return np.concatenate([np.asarray(base((u,), dtype=dtype)), np.ones((u,), dtype=dtype),
                                           np.asarray(base((2 * u,), dtype=dtype))]).astype(dtype)
            else:
                bias_initializer = self.bias_initializer
            self.bias = self.add_weight(name="bias", shape=(4 * u,), initializer=bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        else:
            self.bias = None
        self.built = True

    def call(self, inputs, states, training=None):
        h_prev, c_prev = states[0], states[1]
        dm, rm = self._step_masks(inputs, h_prev, training, 4)
        h, c = rnn_ops.lstm_cell_step(inputs, h_prev, c_prev, self.kernel, self.recurrent_kernel, self.bias,
                                      self.activation, self.recurrent_activation, dm, rm)
        return h, [h, c]

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        return _zero_states(batch_size, [self.units, self.units], dtype or self.dtype)

    def get_config(self):
        cfg = Layer.get_config(self)
        cfg.update(_common_cell_config(self, _LSTM_KEYS))
        _caching_config(self, cfg)
        return cfg


def _run_lstm(layer, inputs, mask, training, initial_state):
    cell = layer.cell
    dm, rm = _dropout_masks(layer, cell, inputs, training, 4)
    return rnn_ops.lstm_sequence(inputs, initial_state[0], initial_state[1], cell.kernel, cell.recurrent_kernel,
                                 cell.bias, activation=_act_arg(cell.activation),
                                 recurrent_activation=_act_arg(cell.recurrent_activation), dropout_mask=dm,
                                 recurrent_dropout_mask=rm, **layer._kernel_options(mask))


_STANDARD_CELLS[LSTMCell] = _run_lstm


@register_builtin("layer")
class LSTM(_BuiltinRNN):
    """Long Short-Term Memory layer (Hochreiter 1997), computed as one fused kernel per sequence.

    Args:
        units: size of the output and states.
        activation ('tanh'), recurrent_activation ('sigmoid'), use_bias, kernel_initializer
        ('glorot_uniform'), recurrent_initializer ('orthogonal'), bias_initializer ('zeros'),
        unit_forget_bias (True), *_regularizer, activity_regularizer, *_constraint, dropout,
        recurrent_dropout, implementation: as in `LSTMCell`.
        return_sequences, return_state, go_backwards, stateful, time_major, unroll: as in `RNN`.

    Weights (tf_keras layout): kernel (in, 4u), recurrent_kernel (u, 4u), bias (4u,); gates i, f, c, o.

    Example:
        >>> import numpy as np
        >>> from kerasish import layers
        >>> lstm = layers.LSTM(3)
        >>> lstm(np.ones((2, 5, 4), "float32")).shape
        (2, 3)
        >>> [tuple(w.shape) for w in lstm.weights]
        [(4, 12), (3, 12), (12,)]
    """

    _CELL_KEYS = _LSTM_KEYS

    @interfaces.legacy_recurrent_support
    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, time_major=False, unroll=False, **kwargs):
        implementation = kwargs.pop("implementation", 2)
        if implementation == 0:
            _log.warning("`implementation=0` has been deprecated, and now defaults to `implementation=1`. "
                         "Please update your layer call.")
        cell_kwargs, kwargs = _split_layer_kwargs(kwargs)
        cell = LSTMCell(units, activation=activation, recurrent_activation=recurrent_activation, use_bias=use_bias,
                        kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
                        unit_forget_bias=unit_forget_bias, bias_initializer=bias_initializer,
                        kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
                        bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                        recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint, dropout=dropout,
                        recurrent_dropout=recurrent_dropout, implementation=implementation, name="lstm_cell",
                        **cell_kwargs)
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, time_major=time_major, unroll=unroll,
                         **kwargs)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.input_spec = [InputSpec(ndim=3)]

    def call(self, inputs, mask=None, training=None, initial_state=None):
        return super().call(inputs, mask=mask, training=training, initial_state=initial_state)


# The cell's arguments read as the layer's attributes (`lstm.units`), as in Keras.
for _key in _LSTM_KEYS:
    setattr(LSTM, _key, _cell_property(_key))
del _key
