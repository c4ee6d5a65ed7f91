"""Convolutional LSTMs: `ConvLSTMCell` and `ConvLSTM1D`/`ConvLSTM2D`/`ConvLSTM3D` (the input convolution of
the whole sequence at once, then one recurrent convolution per step).

Example:
    >>> import numpy as np
    >>> from kerasish.layers import ConvLSTM1D
    >>> ConvLSTM1D(2, 3)(np.ones((1, 4, 6, 1), "float32")).shape
    (1, 4, 2)
"""
import numpy as np

from ... import activations, constraints, initializers, regularizers
from ...backend import config
from ...backend.ops import control
from ...backend.ops import conv as conv_ops
from ...backend.ops import math as m
from ...backend.ops import shape as shp
from ...backend.ops.conv import conv_output_length
from ...backend.tensor import as_tensor
from ...utils.serialization import register_builtin
from ..convolutional import _positive_filters, normalize_padding, normalize_tuple
from ..layer import InputSpec, Layer, is_symbolic
from .base_rnn import RNN, _STANDARD_CELLS
from .rnn_utils import _DropoutCellMixin, _common_cell_config, _float_dtype, _symbolic_zero_states
from ...legacy import interfaces


# ----------------------------------------------------------------------------- ConvLSTM
def _conv_tuple(value, rank, name, layer, allow_zero=False):
    return normalize_tuple(value, rank, name, layer, allow_zero=allow_zero)


_CONV_LSTM_KEYS = ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "activation",
                   "recurrent_activation", "use_bias", "kernel_initializer", "recurrent_initializer",
                   "bias_initializer", "unit_forget_bias", "kernel_regularizer", "recurrent_regularizer",
                   "bias_regularizer", "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout",
                   "recurrent_dropout")


@register_builtin("layer")
class ConvLSTMCell(_DropoutCellMixin, Layer):
    """One step of a convolutional LSTM (rank 1, 2 or 3): the input and recurrent transformations
    are convolutions; gates i, f, c, o as in `LSTMCell` (recurrent_activation defaults to
    hard_sigmoid, as in tf_keras). The recurrent convolution uses 'same' padding and stride 1.

    Example:
        >>> import numpy as np
        >>> from kerasish import layers
        >>> cell = layers.ConvLSTM2D(2, 3, padding="same").cell
        >>> cell.state_size
        (2, 2)
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 activation="tanh", recurrent_activation="hard_sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, **kwargs):
        seed = kwargs.pop("seed", None)
        super().__init__(**kwargs)
        layer = f"ConvLSTM{rank}D"
        self.rank = int(rank)
        self.filters = _positive_filters(filters, layer)
        self.kernel_size = _conv_tuple(kernel_size, self.rank, "kernel_size", layer)
        self.strides = _conv_tuple(strides, self.rank, "strides", layer, allow_zero=True)
        self.padding = normalize_padding(padding, layer, allowed=("valid", "same"))
        self.data_format = config.normalize_data_format(data_format)
        self.dilation_rate = _conv_tuple(dilation_rate, self.rank, "dilation_rate", layer)
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
        self.state_size = (self.filters, self.filters)

    @property
    def channel_axis(self):
        return 1 if self.data_format == "channels_first" else -1

    def build(self, input_shape):
        input_dim = tuple(input_shape)[1 if self.data_format == "channels_first" else -1]
        if input_dim is None:
            raise ValueError("The channel dimension of the inputs (last axis) should be defined. Found None. "
                             f"Full input shape received: input_shape={tuple(input_shape)}")
        f = self.filters
        self.kernel_shape = self.kernel_size + (int(input_dim), 4 * f)
        self.kernel = self.add_weight(name="kernel", shape=self.kernel_shape, initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(name="recurrent_kernel", shape=self.kernel_size + (f, 4 * f),
                                                initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint)
        if self.use_bias:
            if self.unit_forget_bias:
                base = self.bias_initializer

                def bias_initializer(shape, dtype=None, **kw):
                    return np.concatenate([np.asarray(base((f,), dtype=dtype)), np.ones((f,), dtype=dtype),
                                           np.asarray(base((2 * f,), dtype=dtype))]).astype(dtype)
            else:
                bias_initializer = self.bias_initializer
            self.bias = self.add_weight(name="bias", shape=(4 * f,), initializer=bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        else:
            self.bias = None
        self.built = True

    def _gate(self, x, k):
        f = self.filters
        index = [slice(None)] * x.ndim
        index[self.channel_axis] = slice(k * f, (k + 1) * f)
        return m.getitem(x, tuple(index))

    def input_conv(self, x, w, b=None, padding=None):
        """The input convolution (the layer's strides, padding and dilation)."""
        return conv_ops.conv(x, w, b, strides=self.strides, padding=padding or self.padding,
                             data_format=self.data_format, dilation_rate=self.dilation_rate, name=self.name)

    def recurrent_conv(self, h, w):
        """The recurrent convolution ('same' padding, stride 1)."""
        return conv_ops.conv(h, w, None, strides=1, padding="same", data_format=self.data_format, name=self.name)

    def _split_kernel(self, w, k):
        f = self.filters
        return m.getitem(w, (Ellipsis, slice(k * f, (k + 1) * f)))

    def recurrent_projection(self, h, rec_masks=None):
        """h convolved with the recurrent kernel, all four gates (per-gate masks: one conv per gate)."""
        if rec_masks is None:
            return self.recurrent_conv(h, self.recurrent_kernel)
        parts = [self.recurrent_conv(m.multiply(h, rec_masks[k]), self._split_kernel(self.recurrent_kernel, k))
                 for k in range(4)]
        return shp.concatenate(parts, axis=self.channel_axis)

    def gates_step(self, z, c_prev):
        """(h, c) from the summed pre-activations z of one step."""
        act, rec = self.activation, self.recurrent_activation
        i, f = rec(self._gate(z, 0)), rec(self._gate(z, 1))
        c = m.add(m.multiply(f, c_prev), m.multiply(i, act(self._gate(z, 2))))
        o = rec(self._gate(z, 3))
        return m.multiply(o, act(c)), c

    def call(self, inputs, states, training=None):
        h_prev, c_prev = states[0], states[1]
        dp = self.get_dropout_mask_for_cell(inputs, training, count=4)
        rdp = self.get_recurrent_dropout_mask_for_cell(h_prev, training, count=4)
        if dp is None:
            x = self.input_conv(inputs, self.kernel, self.bias)
        else:
            x = shp.concatenate([self.input_conv(m.multiply(inputs, dp[k]), self._split_kernel(self.kernel, k),
                                                 self._split_bias(k)) for k in range(4)], axis=self.channel_axis)
        h, c = self.gates_step(m.add(x, self.recurrent_projection(h_prev, rdp)), c_prev)
        return h, [h, c]

    def _split_bias(self, k):
        if self.bias is None:
            return None
        f = self.filters
        return m.getitem(self.bias, slice(k * f, (k + 1) * f))

    def output_spatial(self, spatial):
        """Spatial output sizes of the input convolution."""
        return tuple(conv_output_length(d, k, self.padding, s, dil) if d is not None else None
                     for d, k, s, dil in zip(spatial, self.kernel_size, self.strides, self.dilation_rate))

    def get_config(self):
        cfg = Layer.get_config(self)
        cfg.update(_common_cell_config(self, _CONV_LSTM_KEYS))
        return cfg

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)


def _run_conv_lstm(layer, inputs, mask, training, initial_state):
    """The input convolution of the whole sequence at once (batch * time images), then one recurrent
    convolution per step."""
    cell = layer.cell
    batch, steps = inputs.shape[0], inputs.shape[1]
    dm = rm = None
    if training and cell.dropout > 0:
        dm = cell._draw_masks((batch,) + tuple(inputs.shape[2:]), cell.dropout, 4, np.dtype(cell.kernel.dtype))
    if training and cell.recurrent_dropout > 0:
        rm = cell._draw_masks(tuple(initial_state[0].shape), cell.recurrent_dropout, 4, np.dtype(cell.kernel.dtype))
    flat = (batch * steps,) + tuple(inputs.shape[2:])
    if dm is None:
        x = cell.input_conv(m.reshape(inputs, flat), cell.kernel, cell.bias)
    else:
        x = shp.concatenate([
            cell.input_conv(m.reshape(m.multiply(inputs, dm[k][:, None]), flat), cell._split_kernel(cell.kernel, k),
                            cell._split_bias(k)) for k in range(4)], axis=cell.channel_axis)
    x = m.reshape(x, (batch, steps) + tuple(x.shape[1:]))

    def step(x_t, states):
        h, c = cell.gates_step(m.add(x_t, cell.recurrent_projection(states[0], rm)), states[1])
        return h, [h, c]

    last, outputs, states = control.rnn(step, x, initial_state, go_backwards=layer.go_backwards, mask=mask,
                                        return_all_outputs=layer.return_sequences)
    return (outputs if layer.return_sequences else last), list(states)


_STANDARD_CELLS[ConvLSTMCell] = _run_conv_lstm


class _ConvLSTM(RNN):
    """N-D convolutional LSTM (the base of ConvLSTM1D/2D/3D)."""

    _RANK = 2

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 activation="tanh", recurrent_activation="hard_sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 return_sequences=False, return_state=False, go_backwards=False, stateful=False, dropout=0.0,
                 recurrent_dropout=0.0, **kwargs):
        rank = self._RANK
        if kwargs.pop("unroll", False):
            raise TypeError("Unrolling is not possible with convolutional RNNs. Received: unroll=True")
        if kwargs.pop("time_major", False):
            raise ValueError(f"{type(self).__name__} does not support time_major=True")
        cell_kwargs = {"dtype": kwargs.get("dtype")}
        if "seed" in kwargs:
            cell_kwargs["seed"] = kwargs.pop("seed")
        cell = ConvLSTMCell(rank, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                            dilation_rate=dilation_rate, activation=activation,
                            recurrent_activation=recurrent_activation, use_bias=use_bias,
                            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
                            bias_initializer=bias_initializer, unit_forget_bias=unit_forget_bias,
                            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
                            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
                            dropout=dropout, recurrent_dropout=recurrent_dropout, name="conv_lstm_cell",
                            **cell_kwargs)
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, **kwargs)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.input_spec = [InputSpec(ndim=rank + 3)]
        self._conv_input_shape = None

    def build(self, input_shape):
        if isinstance(input_shape, list) and input_shape and isinstance(input_shape[0], (list, tuple)):
            input_shape = input_shape[0]
        input_shape = tuple(input_shape)
        rank = self._RANK
        if len(input_shape) != rank + 3:
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: expected '
                             f"ndim={rank + 3}, found ndim={len(input_shape)}. Full shape received: {input_shape}")
        self._conv_input_shape = input_shape
        if not self.cell.built:
            # tf_keras builds the conv cell without a name scope of its own: `conv_lstm2d/kernel:0`
            self.cell.build((input_shape[0],) + input_shape[2:])
            self.cell.built = True
            for w in self.cell.weights:
                w.name = f"{self.name}/{w.name.split('/', 1)[1]}"
        batch = input_shape[0] if self.stateful else None
        self.input_spec = [InputSpec(shape=(batch, None) + input_shape[2:])]
        if self.stateful:
            self._stateful_batch = input_shape[0] or (self._batch_input_shape[0] if self._batch_input_shape else None)
        self.built = True
        if self.stateful:
            self.reset_states()

    def _out_image(self, input_shape):
        cell = self.cell
        if cell.data_format == "channels_first":
            return (cell.filters,) + cell.output_spatial(input_shape[3:])
        return cell.output_spatial(input_shape[2:-1]) + (cell.filters,)

    def _state_shapes(self):
        if self._conv_input_shape is None:
            raise ValueError(f"Layer {self.name} must be built before its states can be reset")
        image = self._out_image(self._conv_input_shape)
        if any(d is None for d in image):
            raise ValueError("If a RNN is stateful, it needs to know its batch size. The same thing goes for the "
                             "number of rows and columns: specify the full `batch_shape` of the input.")
        return [image, image]

    def get_initial_state(self, inputs):
        if is_symbolic(inputs):
            return _symbolic_zero_states(self, inputs, 0)
        batch = inputs.shape[0]
        image = self._out_image(tuple(inputs.shape))
        dtype = _float_dtype(inputs)
        return [as_tensor(np.zeros((batch,) + image, dtype)), as_tensor(np.zeros((batch,) + image, dtype))]

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, list) and input_shape and isinstance(input_shape[0], (list, tuple)):
            input_shape = input_shape[0]
        input_shape = tuple(input_shape)
        image = self._out_image(input_shape)
        out = (input_shape[0], input_shape[1]) + image if self.return_sequences else (input_shape[0],) + image
        if self.return_state:
            return [out, (input_shape[0],) + image, (input_shape[0],) + image]
        return out

    def call(self, inputs, mask=None, training=None, initial_state=None):
        return super().call(inputs, mask=mask, training=training, initial_state=initial_state)

    def get_config(self):
        cfg = RNN.get_config(self)
        del cfg["cell"]
        cell_cfg = _common_cell_config(self.cell, _CONV_LSTM_KEYS)
        for key in _CONV_LSTM_KEYS:
            cfg[key] = list(cell_cfg[key]) if isinstance(cell_cfg[key], tuple) else cell_cfg[key]
            if key == "bias_regularizer":
                cfg["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return cfg

    @classmethod
    def from_config(cls, config, custom_objects=None):
        cfg = dict(config)
        cfg.pop("cell", None)
        return cls(**cfg)


@register_builtin("layer")
class ConvLSTM1D(_ConvLSTM):
    """1-D convolutional LSTM over (batch, time, steps, channels) inputs.

    Example:
        >>> import numpy as np
        >>> from kerasish import layers
        >>> layers.ConvLSTM1D(2, 3)(np.ones((1, 4, 6, 3), "float32")).shape
        (1, 4, 2)
    """

    _RANK = 1


@register_builtin("layer")
class ConvLSTM2D(_ConvLSTM):
    """2-D convolutional LSTM over (batch, time, rows, cols, channels) inputs (tf_keras ConvLSTM2D).

    Args:
        filters: output channels; kernel_size, strides, padding ('valid'/'same'), data_format,
            dilation_rate: of the input convolution (the recurrent one is 'same', stride 1).
        activation ('tanh'), recurrent_activation ('hard_sigmoid'), use_bias, initializers,
        unit_forget_bias, regularizers, constraints, dropout, recurrent_dropout: as in `LSTM`.
        return_sequences, return_state, go_backwards, stateful: as in `RNN`.

    Weights: kernel (kh, kw, in, 4f), recurrent_kernel (kh, kw, f, 4f), bias (4f,); gates i, f, c, o.

    Example:
        >>> import numpy as np
        >>> from kerasish import layers
        >>> layer = layers.ConvLSTM2D(4, 3, padding="same", return_sequences=True, name="conv_lstm2d")
        >>> layer(np.ones((2, 5, 8, 8, 3), "float32")).shape
        (2, 5, 8, 8, 4)
        >>> [w.name for w in layer.weights]
        ['conv_lstm2d/kernel:0', 'conv_lstm2d/recurrent_kernel:0', 'conv_lstm2d/bias:0']
    """

    _RANK = 2

    @interfaces.legacy_convlstm2d_support
    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, **kwargs)


@register_builtin("layer")
class ConvLSTM3D(_ConvLSTM):
    """3-D convolutional LSTM over (batch, time, depth, rows, cols, channels) inputs.

    Example:
        >>> import numpy as np
        >>> from kerasish import layers
        >>> layers.ConvLSTM3D(2, 2)(np.ones((1, 2, 3, 3, 3, 1), "float32")).shape
        (1, 2, 2, 2, 2)
    """

    _RANK = 3

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1, 1), **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, **kwargs)
