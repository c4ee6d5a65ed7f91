"""Recurrent layers (Keras 2 / tf_keras 2.21): `SimpleRNN`, `LSTM`, `GRU`, the generic `RNN` wrapper,
their cells `SimpleRNNCell`, `LSTMCell`, `GRUCell`, and `StackedRNNCells`.

`LSTM`, `GRU` and `SimpleRNN` (and `RNN` around one standard cell) run the whole sequence as one
fused kernel (`kerasish.backend.ops.rnn`) with a hand-written backward pass; any other cell runs
step by step through `K.rnn` with its own `call`. The numbers are Keras's: gate orders i, f, c, o
(LSTM) and z, r, h (GRU), `unit_forget_bias`, `reset_after`, masks (a masked step keeps the state
and repeats the previous output), `go_backwards` (outputs in processing order), dropout masks fixed
across the time steps of a sequence, active only in training.

Weights live on the cell and are named as tf_keras names them: `lstm/lstm_cell/kernel:0`,
`lstm/lstm_cell/recurrent_kernel:0`, `lstm/lstm_cell/bias:0`.

Example:
    >>> import numpy as np
    >>> import kerasish as keras
    >>> x = np.zeros((2, 5, 3), "float32")
    >>> keras.layers.LSTM(4)(x).shape
    (2, 4)
    >>> out, h, c = keras.layers.LSTM(4, return_sequences=True, return_state=True)(x)
    >>> out.shape, h.shape, c.shape
    ((2, 5, 4), (2, 4), (2, 4))
"""
import inspect
import logging

import numpy as np

from .. import activations, constraints, initializers, regularizers
from ..backend import config
from ..backend.ops import control
from ..backend.ops import rnn as rnn_ops
from ..backend.tensor import Tensor, Variable, as_tensor
from ..utils.serialization import register_builtin, serialize_keras_object
from .layer import InputSpec, Layer, any_symbolic, flatten, is_symbolic

__all__ = ["AbstractRNNCell", "SimpleRNNCell", "LSTMCell", "GRUCell", "StackedRNNCells", "RNN", "SimpleRNN",
           "LSTM", "GRU", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"]

_log = logging.getLogger("kerasish")


# ----------------------------------------------------------------------------- helpers
def _check_units(cls_name, units):
    if isinstance(units, bool) or not isinstance(units, (int, np.integer, float)) or int(units) != units:
        raise TypeError(f"{cls_name}: `units` must be a positive integer; received units={units!r}")
    if units <= 0:
        raise ValueError(f"Received an invalid value for argument `units`, expected a positive integer, "
                         f"got {units}.")
    return int(units)


def _clip_rate(value):
    # tf_keras: min(1.0, max(0.0, rate))
    return min(1.0, max(0.0, value))


def _is_multiple_state(state_size):
    return isinstance(state_size, (list, tuple))


def _state_sizes(cell):
    size = cell.state_size
    return list(size) if _is_multiple_state(size) else [size]


def _dims(size):
    """A state/output size as a tuple of dims: 4 -> (4,), (3, 4) -> (3, 4)."""
    if isinstance(size, (list, tuple)):
        return tuple(None if d is None else int(d) for d in size)
    if hasattr(size, "as_list"):
        return tuple(size.as_list())
    return (int(size),)


def _zero_states(batch, state_sizes, dtype):
    return [np.zeros((batch,) + _dims(s), dtype=dtype) for s in state_sizes]


def _symbolic_zero_states(rnn, inputs, batch_axis):
    """Graph nodes of zero states for Keras tensor `inputs`: `tf.zeros([batch] + state dims)` (the batch size
    from `K.shape(inputs)`), the state dims from the layer's own states for a stand-in batch of one."""
    from .. import backend as K
    from .input_layer import _concrete_like
    from .op_layers import apply_op

    stand_in = _concrete_like(inputs, 1)
    batch = K.shape(inputs)[batch_axis]
    return [apply_op("zeros", ([batch] + [int(d) for d in state.shape[1:]],), {"dtype": state.dtype.name})
            for state in type(rnn).get_initial_state(rnn, stand_in)]


def _prefix_weights(layer, scope):
    """Name the weights of `layer` (built inside `scope`) as TF name scopes would: `scope/<name>`."""
    for w in layer.weights:
        w.name = f"{scope}/{w.name}"


def _has_arg(fn, name):
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(p.kind == p.VAR_KEYWORD for p in params.values())


def _to_list_or_none(x):
    if x is None:
        return None
    if isinstance(x, list):
        return x
    if isinstance(x, tuple):
        return list(x)
    return [x]


def standardize_rnn_args(inputs, initial_state, constants, num_constants):
    """Split a list input `[x, *states, *constants]` the way tf_keras's `rnn_utils.standardize_args` does."""
    if isinstance(inputs, list):
        if initial_state is not None or constants is not None:
            raise ValueError("When passing a list as the input of an RNN layer, do not also pass `initial_state` "
                             "or `constants`.")
        if num_constants:
            constants = inputs[-num_constants:]
            inputs = inputs[:-num_constants]
        if len(inputs) > 1:
            initial_state = inputs[1:]
            inputs = inputs[:1]
        inputs = inputs[0] if len(inputs) == 1 else tuple(inputs)
    return inputs, _to_list_or_none(initial_state), _to_list_or_none(constants)


class _DropoutCellMixin:
    """Dropout masks drawn once per sequence (fixed across time steps), as Keras's DropoutRNNCellMixin."""

    def _init_dropout(self, dropout, recurrent_dropout, seed=None):
        self.dropout = _clip_rate(dropout)
        self.recurrent_dropout = _clip_rate(recurrent_dropout)
        self.seed = seed
        self._rng = np.random.default_rng(seed) if seed is not None else None
        self._dropout_mask_cache = None
        self._recurrent_dropout_mask_cache = None

    def _draw_masks(self, shape, rate, count, dtype):
        rng = self._rng if self._rng is not None else config.rng()
        scale = 1.0 / (1.0 - rate)
        masks = []
        for _ in range(count):
            keep = (rng.random(shape, dtype=np.float32) >= rate).astype(dtype)
            keep *= scale
            masks.append(keep)
        return masks

    def reset_dropout_mask(self):
        """Forget the cached input dropout masks (the next sequence draws new ones)."""
        self._dropout_mask_cache = None

    def reset_recurrent_dropout_mask(self):
        """Forget the cached recurrent dropout masks."""
        self._recurrent_dropout_mask_cache = None

    def get_dropout_mask_for_cell(self, inputs, training, count=1):
        """`count` input dropout masks shaped like `inputs`, or None (no dropout or not training)."""
        if self.dropout == 0 or not training:
            return None
        if self._dropout_mask_cache is None:
            shape = tuple(inputs.shape)
            self._dropout_mask_cache = self._draw_masks(shape, self.dropout, count, _float_dtype(inputs))
        return self._dropout_mask_cache

    def get_recurrent_dropout_mask_for_cell(self, inputs, training, count=1):
        """`count` recurrent dropout masks shaped like the state `inputs`, or None."""
        if self.recurrent_dropout == 0 or not training:
            return None
        if self._recurrent_dropout_mask_cache is None:
            shape = tuple(inputs.shape)
            self._recurrent_dropout_mask_cache = self._draw_masks(shape, self.recurrent_dropout, count,
                                                                  _float_dtype(inputs))
        return self._recurrent_dropout_mask_cache

    def _step_masks(self, inputs, h, training, count):
        """(input mask, recurrent mask) in the kernels' format: one (B, d) mask with implementation 2,
        one per gate (count, B, d) with implementation 1."""
        dp = self.get_dropout_mask_for_cell(inputs, training, count=count)
        rdp = self.get_recurrent_dropout_mask_for_cell(h, training, count=count)
        per_gate = getattr(self, "implementation", 1) == 1 and count > 1
        dm = None if dp is None else (np.stack(dp) if per_gate else dp[0])
        rm = None if rdp is None else (np.stack(rdp) if per_gate else rdp[0])
        if rm is not None and not per_gate and count > 1:
            rm = None  # Keras's implementation 2 never applies a recurrent mask (it forces implementation 1)
        return dm, rm


def _float_dtype(x):
    dt = np.dtype(getattr(x, "dtype", config.floatx()))
    return dt if dt.kind == "f" else np.dtype(config.floatx())


def _common_cell_config(cell, keys):
    cfg = {}
    for key in keys:
        value = getattr(cell, key)
        if key in ("activation", "recurrent_activation"):
            value = activations.serialize(value)
        elif key.endswith("_initializer"):
            value = initializers.serialize(value)
        elif key.endswith("_regularizer"):
            value = regularizers.serialize(value)
        elif key.endswith("_constraint"):
            value = constraints.serialize(value)
        cfg[key] = value
    return cfg


_SIMPLE_KEYS = ("units", "activation", "use_bias", "kernel_initializer", "recurrent_initializer", "bias_initializer",
                "kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "kernel_constraint",
                "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout")
_LSTM_KEYS = ("units", "activation", "recurrent_activation", "use_bias", "kernel_initializer",
              "recurrent_initializer", "bias_initializer", "unit_forget_bias", "kernel_regularizer",
              "recurrent_regularizer", "bias_regularizer", "kernel_constraint", "recurrent_constraint",
              "bias_constraint", "dropout", "recurrent_dropout", "implementation")
_GRU_KEYS = ("units", "activation", "recurrent_activation", "use_bias", "kernel_initializer",
             "recurrent_initializer", "bias_initializer", "kernel_regularizer", "recurrent_regularizer",
             "bias_regularizer", "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout",
             "recurrent_dropout", "implementation", "reset_after")


def _pop_compat_kwargs(kwargs):
    """Arguments tf_keras/Keras 3 accept that change nothing here (returns enable_caching_device)."""
    caching = kwargs.pop("enable_caching_device", None)
    kwargs.pop("use_cudnn", None)  # Keras 3
    return caching


# ----------------------------------------------------------------------------- cells
@register_builtin("layer")
class AbstractRNNCell(Layer):
    """Base class for RNN cells: subclasses define `state_size`, `output_size` and `call(inputs, states)`.

    Example:
        >>> import numpy as np
        >>> from kerasish import layers
        >>> from kerasish.backend.ops import math as m
        >>> class Accumulate(layers.AbstractRNNCell):
        ...     state_size = 1
        ...     output_size = 1
        ...     def call(self, inputs, states):
        ...         total = m.add(states[0], m.sum(inputs, axis=-1, keepdims=True))
        ...         return total, [total]
        >>> layers.RNN(Accumulate())(np.ones((2, 4, 3), "float32")).numpy().tolist()
        [[12.0], [12.0]]
    """

    @property
    def state_size(self):
        raise NotImplementedError(f"{type(self).__name__} must define `state_size`")

    @property
    def output_size(self):
        raise NotImplementedError(f"{type(self).__name__} must define `output_size`")

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        """Zero states for `batch_size` rows."""
        return _zero_states(batch_size, _state_sizes(self), dtype or config.floatx())


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


def _caching_config(cell, cfg):
    # tf_keras writes `enable_caching_device` only when it differs from its default (True in eager)
    if cell._enable_caching_device is not None and not cell._enable_caching_device:
        cfg["enable_caching_device"] = False


def _last_dim(cell, input_shape):
    if isinstance(input_shape, list) and input_shape and isinstance(input_shape[0], (list, tuple)):
        input_shape = input_shape[0]
    dim = tuple(input_shape)[-1] if input_shape else None
    if dim is None:
        raise ValueError(f'The last dimension of the inputs to "{cell.name}" should be defined. Found None. '
                         f"Full input shape received: {tuple(input_shape) if input_shape else input_shape}")
    return int(dim)


@register_builtin("layer")
class StackedRNNCells(Layer):
    """Cells applied one after the other at every time step (what `RNN([cell1, cell2])` uses).

    Example:
        >>> import numpy as np
        >>> from kerasish import layers
        >>> rnn = layers.RNN([layers.LSTMCell(4), layers.GRUCell(3)], return_state=True)
        >>> [t.shape for t in rnn(np.ones((2, 5, 6), "float32"))]
        [(2, 3), (2, 4), (2, 4), (2, 3)]
    """

    def __init__(self, cells, **kwargs):
        for cell in cells:
            if "call" not in dir(cell):
                raise ValueError(f"All cells must have a `call` method. Received cell without a `call` method: "
                                 f"{cell}")
            if "state_size" not in dir(cell):
                raise ValueError(f"All cells must have a `state_size` attribute. Received cell without a "
                                 f"`state_size`: {cell}")
        self._reverse_state_order = kwargs.pop("reverse_state_order", False)
        super().__init__(**kwargs)
        self.cells = list(cells)

    @property
    def state_size(self):
        return tuple(c.state_size for c in (self.cells[::-1] if self._reverse_state_order else self.cells))

    @property
    def output_size(self):
        last = self.cells[-1]
        if getattr(last, "output_size", None) is not None:
            return last.output_size
        return _state_sizes(last)[0]

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        states = []
        for cell in (self.cells[::-1] if self._reverse_state_order else self.cells):
            fn = getattr(cell, "get_initial_state", None)
            if fn is not None:
                states.append(fn(inputs=inputs, batch_size=batch_size, dtype=dtype))
            else:
                zeros = _zero_states(batch_size, _state_sizes(cell), dtype or config.floatx())
                states.append(zeros if _is_multiple_state(cell.state_size) else zeros[0])
        return tuple(states)

    def _nested_states(self, states):
        """Regroup the flat state list into one entry per cell."""
        flat = list(states)
        out = []
        for cell in (self.cells[::-1] if self._reverse_state_order else self.cells):
            n = len(_state_sizes(cell))
            part, flat = flat[:n], flat[n:]
            out.append(part if _is_multiple_state(cell.state_size) else part[0])
        return out[::-1] if self._reverse_state_order else out

    def call(self, inputs, states, constants=None, training=None, **kwargs):
        nested = self._nested_states(flatten(states) if _is_nested_tuple(states) else states)
        new_nested = []
        for cell, cell_states in zip(self.cells, nested):
            cs = cell_states if isinstance(cell_states, (list, tuple)) else [cell_states]
            call_kwargs = {}
            if _has_arg(cell.call, "training"):
                call_kwargs["training"] = training
            if constants is not None and _has_arg(cell.call, "constants"):
                call_kwargs["constants"] = constants
            caller = cell if isinstance(cell, Layer) else cell.call
            inputs, new_states = caller(inputs, cs, **call_kwargs)
            new_nested.append(new_states if isinstance(new_states, (list, tuple)) else [new_states])
        if self._reverse_state_order:
            new_nested = new_nested[::-1]
        return inputs, [s for group in new_nested for s in group]

    def build(self, input_shape):
        if isinstance(input_shape, list) and input_shape and isinstance(input_shape[0], (list, tuple)):
            input_shape = input_shape[0]
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                cell.build(input_shape)
                cell.built = True
                _prefix_weights(cell, self.name)
            out = getattr(cell, "output_size", None)
            size = out if out is not None else _state_sizes(cell)[0]
            input_shape = (input_shape[0],) + _dims(size)
        self.built = True

    def get_config(self):
        cfg = Layer.get_config(self)
        cfg["cells"] = [serialize_keras_object(c) for c in self.cells]
        return cfg

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from . import deserialize as deserialize_layer

        cfg = dict(config)
        cells = [deserialize_layer(c, custom_objects=custom_objects) for c in cfg.pop("cells")]
        return cls(cells, **cfg)


def _is_nested_tuple(states):
    return isinstance(states, (list, tuple)) and any(isinstance(s, (list, tuple)) for s in states)


# ----------------------------------------------------------------------------- RNN
_STANDARD_CELLS = {}  # filled below: cell class -> kernel runner


@register_builtin("layer")
class RNN(Layer):
    """Runs a cell over the time axis of a (batch, time, features) input.

    Args:
        cell: a cell (with `call(inputs, states)`, `state_size`, optionally `output_size` and
            `get_initial_state`) or a list of cells (stacked with `StackedRNNCells`).
        return_sequences: return every step's output (batch, time, units) instead of the last one.
        return_state: also return the final states: `[output, *states]`.
        go_backwards: process the sequence from its end; outputs stay in processing order.
        stateful: carry the final states of a batch over as the initial states of the next one
            (needs a fixed batch size; `reset_states()` sets them to zeros or given values).
        unroll: accepted for compatibility (no effect on the numbers).
        time_major: inputs and outputs are (time, batch, ...).
        zero_output_for_mask: masked steps output zeros instead of repeating the previous output.

    Call arguments: `inputs`, `mask` (batch, time), `training`, `initial_state` (list of
    (batch, state) tensors; in the Functional API symbolic states become extra inputs),
    `constants` (tensors passed to every cell step, for cells that accept `constants`).

    Example:
        >>> import numpy as np
        >>> from kerasish import layers
        >>> layer = layers.RNN(layers.LSTMCell(3, name="lstm_cell"), return_sequences=True, name="rnn")
        >>> layer(np.ones((2, 6, 4), "float32")).shape
        (2, 6, 3)
        >>> [w.name for w in layer.weights]
        ['rnn/lstm_cell/kernel:0', 'rnn/lstm_cell/recurrent_kernel:0', 'rnn/lstm_cell/bias:0']
    """

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                 unroll=False, time_major=False, **kwargs):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if "call" not in dir(cell):
            raise ValueError(f"Argument `cell` should have a `call` method. The RNN was passed: cell={cell}")
        if "state_size" not in dir(cell):
            raise ValueError("The RNN cell should have a `state_size` attribute (tuple of integers, one integer "
                             f"per RNN state). Received: cell={cell}")
        zero_output_for_mask = kwargs.pop("zero_output_for_mask", False)
        if "input_shape" not in kwargs and ("input_dim" in kwargs or "input_length" in kwargs):
            kwargs["input_shape"] = (kwargs.pop("input_length", None), kwargs.pop("input_dim", None))
        kwargs.pop("return_runtime", None)
        super().__init__(**kwargs)
        self.cell = cell
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.time_major = bool(time_major)
        self.supports_masking = True
        self.input_spec = None
        self._states = None
        self._num_constants = 0
        self._stateful_batch = None

    # -- states -----------------------------------------------------------------------------
    @property
    def states(self):
        """The stored states of a stateful layer (Variables), or Nones before the first build."""
        if self._states is None:
            return [None] * len(flatten(_state_sizes(self.cell)))
        return self._states

    def get_initial_state(self, inputs):
        """Zero states (or the cell's `get_initial_state`) for the batch of `inputs`.

        For a Keras tensor, the states are graph nodes (`tf.zeros` of the input's batch size), as in Keras 2.
        """
        if isinstance(inputs, (list, tuple)):
            inputs = flatten(inputs)[0]
        if is_symbolic(inputs):
            return _symbolic_zero_states(self, inputs, 1 if self.time_major else 0)
        batch = inputs.shape[1] if self.time_major else inputs.shape[0]
        dtype = _float_dtype(inputs)
        fn = getattr(self.cell, "get_initial_state", None)
        if fn is not None:
            init = fn(inputs=None, batch_size=batch, dtype=dtype)
        else:
            init = _zero_states(batch, _state_sizes(self.cell), dtype)
        init = list(init) if isinstance(init, (list, tuple)) else [init]
        return [s if isinstance(s, Tensor) else as_tensor(np.asarray(s, dtype=dtype)) for s in flatten(init)]

    def reset_states(self, states=None):
        """Reset a stateful layer's states to zeros, or to the given numpy arrays."""
        if not self.stateful:
            raise AttributeError("Layer must be stateful.")
        batch = self._stateful_batch
        if not batch:
            raise ValueError("If a RNN is stateful, it needs to know its batch size. Specify the batch size of your "
                             "input tensors: \n- If using a Sequential model, specify the batch size by passing a "
                             "`batch_input_shape` argument to your first layer.\n- If using the functional API, "
                             "specify the batch size by passing a `batch_shape` argument to your Input layer.")
        sizes = self._state_shapes()
        dtype = np.dtype(self.dtype)
        if self._states is None:
            self._states = [Variable(np.zeros((batch,) + s, dtype), trainable=False,
                                     name=f"{self.name}/state_{k}:0") for k, s in enumerate(sizes)]
        if states is None:
            for v in self._states:
                v.array[...] = 0.0
            return
        values = flatten(states) if isinstance(states, (list, tuple)) else [states]
        if len(values) != len(self._states):
            raise ValueError(f"Layer {self.name} expects {len(self._states)} states, but it received "
                             f"{len(values)} state values. States received: {states}")
        for k, (v, value) in enumerate(zip(self._states, values)):
            value = np.asarray(value.array if isinstance(value, Tensor) else value)
            if value.shape != v.shape:
                raise ValueError(f"State {k} is incompatible with layer {self.name}: expected shape="
                                 f"{tuple(v.shape)} but found shape={value.shape}")
        for v, value in zip(self._states, values):
            v.array[...] = np.asarray(value.array if isinstance(value, Tensor) else value, dtype=v.dtype)

    def _state_shapes(self):
        """The shape of each state without the batch axis."""
        return [_dims(s) for s in flatten(_state_sizes(self.cell))]

    # -- building ---------------------------------------------------------------------------
    def build(self, input_shape):
        if isinstance(input_shape, list) and input_shape and isinstance(input_shape[0], (list, tuple)):
            input_shape = input_shape[0]
        input_shape = tuple(input_shape)
        if len(input_shape) < 3:
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: expected ndim=3, found '
                             f"ndim={len(input_shape)}. Full shape received: {input_shape}")
        batch_index = 1 if self.time_major else 0
        step_shape = input_shape[1:] if self.time_major else (input_shape[0],) + input_shape[2:]
        if isinstance(self.cell, Layer) and not self.cell.built:
            self.cell.build(step_shape)
            self.cell.built = True
            _prefix_weights(self.cell, self.name)
        spec = [None, None] + list(input_shape[2:])
        if self.stateful:
            spec[batch_index] = input_shape[batch_index]
            self._stateful_batch = input_shape[batch_index] or (
                self._batch_input_shape[0] if self._batch_input_shape else None)
        self.input_spec = [InputSpec(shape=tuple(spec))]
        self.built = True
        if self.stateful:
            self.reset_states()

    # -- calling ----------------------------------------------------------------------------
    def __call__(self, inputs, initial_state=None, constants=None, **kwargs):
        inputs, initial_state, constants = standardize_rnn_args(inputs, initial_state, constants,
                                                                self._num_constants)
        if initial_state is None and constants is None:
            return super().__call__(inputs, **kwargs)
        additional = list(initial_state or []) + list(constants or [])
        if constants is not None:
            self._num_constants = len(constants)
        symbolic = [is_symbolic(t) for t in flatten(additional)]
        if any(symbolic) and not all(symbolic):
            raise ValueError("The initial state or constants of an RNN layer cannot be specified via a mix of "
                             "Keras tensors and non-Keras tensors (a \"Keras tensor\" is a tensor that was "
                             "returned by a Keras layer or by `Input`). Received: "
                             f"initial_state={initial_state}, constants={constants}")
        if symbolic and all(symbolic):  # Functional API: the states become inputs of the node, as in tf_keras
            return super().__call__([inputs] + additional, **kwargs)
        if initial_state is not None:
            kwargs["initial_state"] = initial_state
        if constants is not None:
            kwargs["constants"] = constants
        return super().__call__(inputs, **kwargs)

    def _process_inputs(self, inputs, initial_state, constants):
        if isinstance(inputs, list):
            if self._num_constants:
                initial_state = inputs[1:-self._num_constants]
                constants = inputs[-self._num_constants:]
            else:
                initial_state = inputs[1:]
            if len(initial_state) == 0:
                initial_state = None
            inputs = inputs[0]
        if self.stateful:
            if self._states is None or self._stateful_batch is None:
                self._stateful_batch = inputs.shape[1 if self.time_major else 0]
                self.reset_states()
            batch = inputs.shape[1 if self.time_major else 0]
            if batch != self._stateful_batch:
                raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: this stateful '
                                 f"layer was built for batch size {self._stateful_batch}, but received an input "
                                 f"with shape {tuple(inputs.shape)}")
            if initial_state is not None and not any(np.any(v.array) for v in self._states):
                pass  # tf_keras: a given initial_state is used while the stored states are all zeros
            else:
                initial_state = list(self._states)
        elif initial_state is None:
            initial_state = self.get_initial_state(inputs)
        initial_state = [s if isinstance(s, Tensor) else as_tensor(s) for s in flatten(initial_state)]
        n_states = len(flatten(_state_sizes(self.cell)))
        if len(initial_state) != n_states:
            raise ValueError(f"Layer has {n_states} states but was passed {len(initial_state)} initial states. "
                             f"Received: initial_state={initial_state}")
        return inputs, initial_state, constants

    def call(self, inputs, mask=None, training=None, initial_state=None, constants=None):
        inputs, initial_state, constants = self._process_inputs(inputs, initial_state, constants)
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        if inputs.ndim < 3:
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: expected ndim=3, found '
                             f"ndim={inputs.ndim}. Full shape received: {tuple(inputs.shape)}")
        for cell in self._all_cells():
            if isinstance(cell, _DropoutCellMixin):
                cell.reset_dropout_mask()
                cell.reset_recurrent_dropout_mask()
        runner = _STANDARD_CELLS.get(type(self.cell))
        if runner is not None and not constants:
            output, states = runner(self, inputs, mask, training, initial_state)
        else:
            output, states = self._run_cell(inputs, mask, training, initial_state, constants)
        if self.stateful:
            for v, st in zip(self._states, states):
                v.array[...] = np.asarray(st.array if isinstance(st, Tensor) else st, dtype=v.dtype)
        if self.return_state:
            return [output] + list(states)
        return output

    def _all_cells(self):
        if isinstance(self.cell, StackedRNNCells):
            return [self.cell] + list(self.cell.cells)
        return [self.cell]

    def _run_cell(self, inputs, mask, training, initial_state, constants):
        """The generic path: the cell's own `call` at every step (through `K.rnn`)."""
        cell = self.cell
        kwargs = {}
        if _has_arg(cell.call, "training"):
            kwargs["training"] = training
        if constants and not _has_arg(cell.call, "constants"):
            raise ValueError(f"RNN cell {cell} does not support constants. Received: constants={constants}")
        caller = cell if isinstance(cell, Layer) else cell.call
        n_const = len(constants) if constants else 0

        def step(x_t, states):
            states = list(states)
            if n_const:
                kwargs["constants"] = states[-n_const:]
                states = states[:-n_const]
            output, new_states = caller(x_t, states, **kwargs)
            new_states = flatten(new_states) if isinstance(new_states, (list, tuple)) else [new_states]
            return output, new_states

        last, outputs, states = control.rnn(step, inputs, initial_state, go_backwards=self.go_backwards, mask=mask,
                                            constants=constants, unroll=self.unroll, time_major=self.time_major,
                                            zero_output_for_mask=self.zero_output_for_mask,
                                            return_all_outputs=self.return_sequences)
        return (outputs if self.return_sequences else last), list(states)

    def _kernel_options(self, mask):
        return dict(mask=mask, go_backwards=self.go_backwards, return_sequences=self.return_sequences,
                    return_state=self.return_state, zero_output_for_mask=self.zero_output_for_mask,
                    time_major=self.time_major, name=self.name)

    # -- shapes, masks, config ----------------------------------------------------------------
    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, list) and input_shape and isinstance(input_shape[0], (list, tuple)):
            input_shape = input_shape[0]
        input_shape = tuple(input_shape)
        batch, steps = input_shape[0], input_shape[1]
        if self.time_major:
            batch, steps = steps, batch
        out_size = getattr(self.cell, "output_size", None)
        out_dims = _dims(out_size if out_size is not None else _state_sizes(self.cell)[0])
        if self.return_sequences:
            out = (steps, batch) + out_dims if self.time_major else (batch, steps) + out_dims
        else:
            out = (batch,) + out_dims
        if self.return_state:
            return [out] + [(batch,) + _dims(s) for s in flatten(_state_sizes(self.cell))]
        return out

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0] if mask else None
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * len(flatten(_state_sizes(self.cell)))
        return output_mask

    def get_config(self):
        cfg = Layer.get_config(self)
        cfg.update({"return_sequences": self.return_sequences, "return_state": self.return_state,
                    "go_backwards": self.go_backwards, "stateful": self.stateful, "unroll": self.unroll,
                    "time_major": self.time_major})
        if self._num_constants:
            cfg["num_constants"] = self._num_constants
        if self.zero_output_for_mask:
            cfg["zero_output_for_mask"] = self.zero_output_for_mask
        cfg["cell"] = serialize_keras_object(self.cell)
        return cfg

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from . import deserialize as deserialize_layer

        cfg = dict(config)
        cell = deserialize_layer(cfg.pop("cell"), custom_objects=custom_objects)
        num_constants = cfg.pop("num_constants", 0)
        layer = cls(cell, **cfg)
        layer._num_constants = num_constants
        return layer


# ----------------------------------------------------------------------------- fused runners
def _dropout_masks(layer, cell, inputs, training, gates):
    """Input / recurrent dropout masks for the fused kernels (None outside training)."""
    if not training or (cell.dropout == 0 and cell.recurrent_dropout == 0):
        return None, None
    time_axis = 0 if layer.time_major else 1
    batch = inputs.shape[1 - time_axis]
    dtype = np.dtype(cell.kernel.dtype)
    per_gate = getattr(cell, "implementation", 1) == 1 and gates > 1
    dm = rm = None
    if cell.dropout > 0:
        masks = cell._draw_masks((batch, inputs.shape[-1]), cell.dropout, gates if per_gate else 1, dtype)
        dm = np.stack(masks) if per_gate else masks[0]
    if cell.recurrent_dropout > 0 and (per_gate or gates == 1):
        masks = cell._draw_masks((batch, cell.units), cell.recurrent_dropout, gates if per_gate else 1, dtype)
        rm = np.stack(masks) if per_gate else masks[0]
    return dm, rm


def _run_lstm(layer, inputs, mask, training, initial_state):
    cell = layer.cell
    dm, rm = _dropout_masks(layer, cell, inputs, training, 4)
    return rnn_ops.lstm_sequence(inputs, initial_state[0], initial_state[1], cell.kernel, cell.recurrent_kernel,
                                 cell.bias, activation=_act_arg(cell.activation),
                                 recurrent_activation=_act_arg(cell.recurrent_activation), dropout_mask=dm,
                                 recurrent_dropout_mask=rm, **layer._kernel_options(mask))


def _run_gru(layer, inputs, mask, training, initial_state):
    cell = layer.cell
    dm, rm = _dropout_masks(layer, cell, inputs, training, 3)
    return rnn_ops.gru_sequence(inputs, initial_state[0], cell.kernel, cell.recurrent_kernel, cell.bias,
                                reset_after=cell.reset_after, activation=_act_arg(cell.activation),
                                recurrent_activation=_act_arg(cell.recurrent_activation), dropout_mask=dm,
                                recurrent_dropout_mask=rm, **layer._kernel_options(mask))


def _run_simple(layer, inputs, mask, training, initial_state):
    cell = layer.cell
    dm, rm = _dropout_masks(layer, cell, inputs, training, 1)
    return rnn_ops.simple_rnn_sequence(inputs, initial_state[0], cell.kernel, cell.recurrent_kernel, cell.bias,
                                       activation=_act_arg(cell.activation), dropout_mask=dm,
                                       recurrent_dropout_mask=rm, **layer._kernel_options(mask))


def _act_arg(fn):
    """The kernels' fast-path name when `fn` is a built-in activation they fuse, else the callable."""
    name = getattr(fn, "__name__", None)
    if name in rnn_ops.FAST_ACTIVATIONS and activations.get(name) is fn:
        return name
    return fn


_STANDARD_CELLS.update({LSTMCell: _run_lstm, GRUCell: _run_gru, SimpleRNNCell: _run_simple})


# ----------------------------------------------------------------------------- SimpleRNN / LSTM / GRU
def _cell_property(name):
    return property(lambda self: getattr(self.cell, name), doc=f"The cell's `{name}`.")


class _BuiltinRNN(RNN):
    """Shared config handling of SimpleRNN/LSTM/GRU: the cell's arguments are the layer's."""

    _CELL_KEYS = ()

    def get_config(self):
        cfg = RNN.get_config(self)
        del cfg["cell"]
        cell_cfg = _common_cell_config(self.cell, self._CELL_KEYS)
        cell_cfg["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        ordered = {}
        for key in self._CELL_KEYS:
            ordered[key] = cell_cfg[key]
            if key == "bias_regularizer":
                ordered["activity_regularizer"] = cell_cfg["activity_regularizer"]
        cfg.update(ordered)
        _caching_config(self.cell, cfg)
        return cfg

    @classmethod
    def from_config(cls, config, custom_objects=None):
        cfg = dict(config)
        if cfg.get("implementation") == 0:
            cfg["implementation"] = 1
        cfg.pop("cell", None)
        return cls(**cfg)


def _split_layer_kwargs(kwargs):
    """(cell kwargs, layer kwargs) from what a SimpleRNN/LSTM/GRU constructor received."""
    cell_kwargs = {"dtype": kwargs.get("dtype"), "trainable": kwargs.get("trainable", True)}
    caching = kwargs.pop("enable_caching_device", None)
    if caching is not None:
        cell_kwargs["enable_caching_device"] = caching
    if "seed" in kwargs:
        cell_kwargs["seed"] = kwargs.pop("seed")
    kwargs.pop("use_cudnn", None)
    kwargs.pop("return_runtime", None)
    return cell_kwargs, kwargs


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


for _cls, _keys in ((SimpleRNN, _SIMPLE_KEYS), (LSTM, _LSTM_KEYS), (GRU, _GRU_KEYS)):
    for _key in _keys:
        setattr(_cls, _key, _cell_property(_key))


# ----------------------------------------------------------------------------- ConvLSTM
def _conv_tuple(value, rank, name, layer, allow_zero=False):
    from .convolutional import normalize_tuple

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
        from .convolutional import _positive_filters, normalize_padding

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
        from ..backend.ops import math as m

        f = self.filters
        index = [slice(None)] * x.ndim
        index[self.channel_axis] = slice(k * f, (k + 1) * f)
        return m.getitem(x, tuple(index))

    def input_conv(self, x, w, b=None, padding=None):
        """The input convolution (the layer's strides, padding and dilation)."""
        from ..backend.ops import conv as conv_ops

        return conv_ops.conv(x, w, b, strides=self.strides, padding=padding or self.padding,
                             data_format=self.data_format, dilation_rate=self.dilation_rate, name=self.name)

    def recurrent_conv(self, h, w):
        """The recurrent convolution ('same' padding, stride 1)."""
        from ..backend.ops import conv as conv_ops

        return conv_ops.conv(h, w, None, strides=1, padding="same", data_format=self.data_format, name=self.name)

    def _split_kernel(self, w, k):
        from ..backend.ops import math as m

        f = self.filters
        return m.getitem(w, (Ellipsis, slice(k * f, (k + 1) * f)))

    def recurrent_projection(self, h, rec_masks=None):
        """h convolved with the recurrent kernel, all four gates (per-gate masks: one conv per gate)."""
        from ..backend.ops import math as m
        from ..backend.ops import shape as shp

        if rec_masks is None:
            return self.recurrent_conv(h, self.recurrent_kernel)
        parts = [self.recurrent_conv(m.multiply(h, rec_masks[k]), self._split_kernel(self.recurrent_kernel, k))
                 for k in range(4)]
        return shp.concatenate(parts, axis=self.channel_axis)

    def gates_step(self, z, c_prev):
        """(h, c) from the summed pre-activations z of one step."""
        from ..backend.ops import math as m

        act, rec = self.activation, self.recurrent_activation
        i, f = rec(self._gate(z, 0)), rec(self._gate(z, 1))
        c = m.add(m.multiply(f, c_prev), m.multiply(i, act(self._gate(z, 2))))
        o = rec(self._gate(z, 3))
        return m.multiply(o, act(c)), c

    def call(self, inputs, states, training=None):
        from ..backend.ops import math as m
        from ..backend.ops import shape as shp

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
        from ..backend.ops import math as m

        if self.bias is None:
            return None
        f = self.filters
        return m.getitem(self.bias, slice(k * f, (k + 1) * f))

    def output_spatial(self, spatial):
        """Spatial output sizes of the input convolution."""
        from ..backend.ops.conv import conv_output_length

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
    from ..backend.ops import math as m
    from ..backend.ops import shape as shp

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
