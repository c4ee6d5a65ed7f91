"""`SimpleRNNCell` and `SimpleRNN` (fully connected recurrence, one fused kernel per sequence).

Example:
    >>> import numpy as np
    >>> from kerasish.layers import SimpleRNN
    >>> SimpleRNN(3)(np.ones((2, 5, 4), "float32")).shape
    (2, 3)
"""
from ... import activations, constraints, initializers, regularizers
from ...backend.ops import rnn as rnn_ops
from ...utils.serialization import register_builtin
from ..layer import InputSpec, Layer
from .base_rnn import _cell_property, _BuiltinRNN, _STANDARD_CELLS, _act_arg, _dropout_masks, _split_layer_kwargs
from ...legacy import interfaces
from .rnn_utils import (
    _DropoutCellMixin, _SIMPLE_KEYS, _caching_config, _check_units, _common_cell_config, _last_dim, _log,
    _pop_compat_kwargs, _zero_states)


@register_builtin("layer")
class SimpleRNNCell(_DropoutCellMixin, Layer):
    """One step of a fully-connected RNN: `h = activation(x @ kernel + bias + h_prev @ recurrent_kernel)`.

    Args:
        units: size of the state and output.
        activation: default tanh.
        use_bias, kernel_initializer ('glorot_uniform'), recurrent_initializer ('orthogonal'),
        bias_initializer ('zeros'), *_regularizer, *_constraint: as in Keras.
        dropout, recurrent_dropout: fractions of the inputs / state to drop (training only).

    Example:
        >>> import numpy as np
        >>> from kerasish import layers
        >>> layers.RNN(layers.SimpleRNNCell(3))(np.ones((2, 4, 5), "float32")).shape
        (2, 3)
    """

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, **kwargs):
        units = _check_units("SimpleRNNCell", units)
        self._enable_caching_device = _pop_compat_kwargs(kwargs)
        seed = kwargs.pop("seed", None)
        super().__init__(**kwargs)
        self.units = units
        self.activation = activations.get(activation)
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
        self.state_size = self.units
        self.output_size = self.units

    def build(self, input_shape):
        input_dim = _last_dim(self, input_shape)
        self.kernel = self.add_weight(name="kernel", shape=(input_dim, self.units),
                                      initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(name="recurrent_kernel", shape=(self.units, self.units),
                                                initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint)
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer, constraint=self.bias_constraint) \
            if self.use_bias else None
        self.built = True

    def call(self, inputs, states, training=None):
        prev = states[0] if isinstance(states, (list, tuple)) else states
        dm, rm = self._step_masks(inputs, prev, training, 1)
        h = rnn_ops.simple_rnn_cell_step(inputs, prev, self.kernel, self.recurrent_kernel, self.bias,
                                         self.activation, dm, rm)
        return h, ([h] if isinstance(states, (list, tuple)) else h)

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        return _zero_states(batch_size, [self.units], dtype or self.dtype)[0]

    def get_config(self):
        cfg = Layer.get_config(self)
        cfg.update(_common_cell_config(self, _SIMPLE_KEYS))
        _caching_config(self, cfg)
        return cfg


def _run_simple(layer, inputs, mask, training, initial_state):
    cell = layer.cell
    dm, rm = _dropout_masks(layer, cell, inputs, training, 1)
    return rnn_ops.simple_rnn_sequence(inputs, initial_state[0], cell.kernel, cell.recurrent_kernel, cell.bias,
                                       activation=_act_arg(cell.activation), dropout_mask=dm,
                                       recurrent_dropout_mask=rm, **layer._kernel_options(mask))
_STANDARD_CELLS[SimpleRNNCell] = _run_simple


@register_builtin("layer")
class SimpleRNN(_BuiltinRNN):
    """Fully-connected RNN: `h_t = activation(x_t @ kernel + bias + h_{t-1} @ recurrent_kernel)`.

    Args:
        units, activation ('tanh'), use_bias, initializers, regularizers, constraints, dropout,
        recurrent_dropout: as in `SimpleRNNCell`; return_sequences, return_state, go_backwards,
        stateful, unroll: as in `RNN`.

    Example:
        >>> import numpy as np
        >>> from kerasish import layers
        >>> layers.SimpleRNN(4, return_sequences=True)(np.ones((2, 3, 5), "float32")).shape
        (2, 3, 4)
    """

    _CELL_KEYS = _SIMPLE_KEYS

    @interfaces.legacy_recurrent_support
    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, **kwargs):
        if "implementation" in kwargs:
            kwargs.pop("implementation")
            _log.warning("The `implementation` argument in `SimpleRNN` has been deprecated. Please remove it from "
                         "your layer call.")
        cell_kwargs, kwargs = _split_layer_kwargs(kwargs)
        cell = SimpleRNNCell(units, activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
                             recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
                             kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
                             bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                             recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
                             dropout=dropout, recurrent_dropout=recurrent_dropout, name="simple_rnn_cell",
                             **cell_kwargs)
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll, **kwargs)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.input_spec = [InputSpec(ndim=3)]

    def call(self, inputs, mask=None, training=None, initial_state=None):
        return super().call(inputs, mask=mask, training=training, initial_state=initial_state)


# The cell's arguments read as the layer's attributes (`lstm.units`), as in Keras.
for _key in _SIMPLE_KEYS:
    setattr(SimpleRNN, _key, _cell_property(_key))
del _key
