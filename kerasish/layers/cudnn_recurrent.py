"""Keras 2's `CuDNNLSTM` and `CuDNNGRU` (`keras.layers.cudnn_recurrent`), computed on the CPU.

Keras 2 ran these only on NVIDIA GPUs, through cuDNN. Their weights are cuDNN's: the input and the
recurrent projections each have a bias (bias of 8 * units for the LSTM, 6 * units for the GRU), and
each gate's input kernel is read by cuDNN in the transposed memory order. kerasish keeps those
weights (so files saved with them load, and save back, unchanged) and computes the layers as the
LSTM / GRU (reset_after=True, sigmoid recurrent activation) that Keras 2 converts them into when it
loads their weights into `LSTM`/`GRU` (`kerasish.saving` performs that conversion both ways).

Unlike LSTM/GRU they take no activation, dropout or masking arguments, as in Keras 2.

Example:
    >>> import numpy as np
    >>> from kerasish.layers import CuDNNLSTM
    >>> layer = CuDNNLSTM(3, return_sequences=True)
    >>> layer(np.ones((2, 4, 5), "float32")).shape, [tuple(w.shape) for w in layer.weights]
    ((2, 4, 3), [(5, 12), (3, 12), (24,)])
"""
import numpy as np

from .. import constraints, initializers, regularizers
from ..backend.ops import math as m
from ..backend.ops import rnn as rnn_ops
from ..backend.ops import shape as shape_ops
from ..utils.serialization import register_builtin
from .layer import InputSpec, Layer
from .rnn.base_rnn import _STANDARD_CELLS, RNN
from .rnn.rnn_utils import _last_dim, _zero_states

__all__ = ["CuDNNLSTM", "CuDNNGRU"]

_WEIGHT_KEYS = ("kernel_initializer", "recurrent_initializer", "bias_initializer", "kernel_regularizer",
                "recurrent_regularizer", "bias_regularizer", "kernel_constraint", "recurrent_constraint",
                "bias_constraint")


def standard_kernel(kernel, gates):
    """A cuDNN input kernel (in, gates * u) as the equivalent Keras kernel: each gate's (in, u) block is
    read in cuDNN's order, i.e. `block.reshape(u, in).T` (Keras 2's `_convert_rnn_weights`)."""
    features, width = kernel.shape
    units = width // gates
    blocks = shape_ops.transpose(m.reshape(kernel, (features, gates, units)), (1, 0, 2))  # (gates, in, u)
    blocks = shape_ops.transpose(m.reshape(blocks, (gates, units, features)), (2, 0, 1))  # (in, gates, u)
    return m.reshape(blocks, (features, width))


def standard_recurrent_kernel(recurrent_kernel, gates):
    """A cuDNN recurrent kernel (u, gates * u) as Keras's: each gate's (u, u) block transposed."""
    units = recurrent_kernel.shape[0]
    blocks = m.reshape(recurrent_kernel, (units, gates, units))
    return m.reshape(shape_ops.transpose(blocks, (2, 1, 0)), (units, gates * units))


class _CuDNNCell(Layer):
    """Holds a cuDNN layer's weights; `standard_weights()` gives them in LSTM/GRU layout (differentiably)."""

    GATES = None

    def __init__(self, units, kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)
        if self.units <= 0:
            raise ValueError(f"Received an invalid value for argument `units`, expected a positive integer, got "
                             f"{units}.")
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def _bias_initializer(self):
        return self.bias_initializer

    def build(self, input_shape):
        features, width = _last_dim(self, input_shape), self.GATES * self.units
        self.kernel = self.add_weight(name="kernel", shape=(features, width), initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(name="recurrent_kernel", shape=(self.units, width),
                                                initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint)
        self.bias = self.add_weight(name="bias", shape=(2 * width,), initializer=self._bias_initializer(),
                                    regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self.built = True

    def standard_weights(self):
        """(kernel, recurrent_kernel, bias) of the equivalent Keras LSTM / GRU(reset_after=True)."""
        return (standard_kernel(self.kernel, self.GATES),
                standard_recurrent_kernel(self.recurrent_kernel, self.GATES), self._standard_bias())

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        return _zero_states(batch_size, self.state_size, dtype or self.dtype)


class _CuDNNLSTMCell(_CuDNNCell):
    GATES = 4

    def __init__(self, units, unit_forget_bias=True, **kwargs):
        super().__init__(units, **kwargs)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.state_size = [self.units, self.units]
        self.output_size = self.units

    def _bias_initializer(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        units = self.units

        def bias_initializer(shape, dtype=None, **kwargs):  # Keras 2: the recurrent forget-gate bias starts at 1
            return np.concatenate([np.zeros(5 * units), np.ones(units), np.zeros(2 * units)]).astype(dtype)

        return bias_initializer

    def _standard_bias(self):
        width = 4 * self.units
        halves = m.reshape(self.bias, (2, width))  # input biases, then recurrent biases
        return m.add(shape_ops.take(halves, 0, axis=0), shape_ops.take(halves, 1, axis=0))

    def call(self, inputs, states, training=None):
        kernel, recurrent_kernel, bias = self.standard_weights()
        h, c = rnn_ops.lstm_cell_step(inputs, states[0], states[1], kernel, recurrent_kernel, bias)
        return h, [h, c]


class _CuDNNGRUCell(_CuDNNCell):
    GATES = 3

    def __init__(self, units, **kwargs):
        super().__init__(units, **kwargs)
        self.state_size = [self.units]
        self.output_size = self.units

    def _standard_bias(self):
        return m.reshape(self.bias, (2, 3 * self.units))

    def call(self, inputs, states, training=None):
        kernel, recurrent_kernel, bias = self.standard_weights()
        h = rnn_ops.gru_cell_step(inputs, states[0], kernel, recurrent_kernel, bias, reset_after=True)
        return h, [h]


def _run_cudnn_lstm(layer, inputs, mask, training, initial_state):
    kernel, recurrent_kernel, bias = layer.cell.standard_weights()
    return rnn_ops.lstm_sequence(inputs, initial_state[0], initial_state[1], kernel, recurrent_kernel, bias,
                                 activation="tanh", recurrent_activation="sigmoid", **layer._kernel_options(mask))


def _run_cudnn_gru(layer, inputs, mask, training, initial_state):
    kernel, recurrent_kernel, bias = layer.cell.standard_weights()
    return rnn_ops.gru_sequence(inputs, initial_state[0], kernel, recurrent_kernel, bias, reset_after=True,
                                activation="tanh", recurrent_activation="sigmoid", **layer._kernel_options(mask))


_STANDARD_CELLS.update({_CuDNNLSTMCell: _run_cudnn_lstm, _CuDNNGRUCell: _run_cudnn_gru})


class _CuDNNRNN(RNN):
    """The shared part of CuDNNLSTM/CuDNNGRU: no masking, weights named `<layer>/kernel:0` as in Keras 2."""

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                 **kwargs):
        for unsupported in ("unroll", "time_major", "implementation"):
            kwargs.pop(unsupported, None)
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, **kwargs)
        self.supports_masking = False
        self.input_spec = [InputSpec(ndim=3)]

    def build(self, input_shape):
        super().build(input_shape)
        for weight in self.cell.weights:
            weight.name = f"{self.name}/{weight.name.rsplit('/', 1)[-1]}"

    def compute_mask(self, inputs, mask=None):
        return Layer.compute_mask(self, inputs, mask)

    units = property(lambda self: self.cell.units, doc="Size of the output and states.")
    kernel = property(lambda self: self.cell.kernel, doc="Input kernel (cuDNN layout), as in Keras 2.")
    recurrent_kernel = property(lambda self: self.cell.recurrent_kernel, doc="Recurrent kernel (cuDNN layout).")
    bias = property(lambda self: self.cell.bias, doc="Input biases then recurrent biases.")

    def get_config(self):
        cfg = Layer.get_config(self)
        cfg.update({"return_sequences": self.return_sequences, "return_state": self.return_state,
                    "go_backwards": self.go_backwards, "stateful": self.stateful, "units": self.cell.units})
        for key in _WEIGHT_KEYS:
            kind = key.rsplit("_", 1)[1]
            module = {"initializer": initializers, "regularizer": regularizers, "constraint": constraints}[kind]
            cfg[key] = module.serialize(getattr(self.cell, key))
        cfg["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return cfg

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)


@register_builtin("layer")
class CuDNNLSTM(_CuDNNRNN):
    """Keras 2's cuDNN LSTM: an LSTM (tanh, sigmoid gates) with cuDNN's weight layout (bias: 8 * units).

    Args:
        units: size of the output and states.
        kernel_initializer, recurrent_initializer, bias_initializer, unit_forget_bias (the recurrent
        forget-gate bias starts at 1), *_regularizer, activity_regularizer, *_constraint: as for LSTM.
        return_sequences, return_state, go_backwards, stateful: as for RNN.
    """

    def __init__(self, units, kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, return_sequences=False, return_state=False, stateful=False, **kwargs):
        cell = _CuDNNLSTMCell(units, unit_forget_bias=unit_forget_bias, kernel_initializer=kernel_initializer,
                              recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
                              kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
                              bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                              recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
                              dtype=kwargs.get("dtype"), name="cudnn_lstm_cell")
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state, stateful=stateful,
                         **kwargs)
        self.activity_regularizer = regularizers.get(activity_regularizer)

    def get_config(self):
        cfg = super().get_config()
        cfg["unit_forget_bias"] = self.cell.unit_forget_bias
        return cfg


@register_builtin("layer")
class CuDNNGRU(_CuDNNRNN):
    """Keras 2's cuDNN GRU: a GRU (reset_after=True, tanh, sigmoid gates) with cuDNN's bias of 6 * units.

    Arguments as for CuDNNLSTM, without `unit_forget_bias`.

    Example:
        >>> import numpy as np
        >>> layer = CuDNNGRU(2)
        >>> layer(np.ones((1, 3, 4), "float32")).shape, [w.name for w in layer.weights]
        ((1, 2), ['cu_dnngru/kernel:0', 'cu_dnngru/recurrent_kernel:0', 'cu_dnngru/bias:0'])
    """

    def __init__(self, units, kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 return_sequences=False, return_state=False, stateful=False, **kwargs):
        cell = _CuDNNGRUCell(units, kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
                             bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                             recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
                             kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
                             bias_constraint=bias_constraint, dtype=kwargs.get("dtype"), name="cudnn_gru_cell")
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state, stateful=stateful,
                         **kwargs)
        self.activity_regularizer = regularizers.get(activity_regularizer)
