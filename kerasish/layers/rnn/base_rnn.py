"""The generic recurrent layer: `RNN` around any cell (a fused kernel for the standard cells, `K.rnn`
step by step for the others), `AbstractRNNCell`, `StackedRNNCells`, and the shared base of `SimpleRNN`,
`LSTM` and `GRU`.

Example:
    >>> import numpy as np
    >>> from kerasish.layers import RNN, SimpleRNNCell
    >>> RNN(SimpleRNNCell(3))(np.ones((2, 5, 4), "float32")).shape
    (2, 3)
"""
import numpy as np

from ... import activations, regularizers
from ...backend import config
from ...backend.ops import control, rnn as rnn_ops
from ...backend.tensor import Tensor, Variable, as_tensor
from ...utils.serialization import register_builtin, serialize_keras_object
from ..layer import InputSpec, Layer, flatten, is_symbolic
from .rnn_utils import (
    _DropoutCellMixin, _caching_config, _common_cell_config, _dims, _float_dtype, _has_arg, _is_multiple_state,
    _is_nested_tuple, _prefix_weights, _state_sizes, _symbolic_zero_states, _zero_states, standardize_rnn_args)


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
        from .. import deserialize as deserialize_layer

        cfg = dict(config)
        cells = [deserialize_layer(c, custom_objects=custom_objects) for c in cfg.pop("cells")]
        return cls(cells, **cfg)


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
        from .. import deserialize as deserialize_layer

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


def _act_arg(fn):
    """The kernels' fast-path name when `fn` is a built-in activation they fuse, else the callable."""
    name = getattr(fn, "__name__", None)
    if name in rnn_ops.FAST_ACTIVATIONS and activations.get(name) is fn:
        return name
    return fn


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
