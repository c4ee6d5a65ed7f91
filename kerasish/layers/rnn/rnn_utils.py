"""What the recurrent layers share: argument checks, state sizes and zero states, the dropout-mask mixin of
the cells, the cells' config keys, and `standardize_rnn_args` (inputs, initial state and constants).

Example:
    >>> from kerasish.layers.rnn.rnn_utils import standardize_rnn_args
    >>> standardize_rnn_args([1, 2, 3], None, None, 1)
    (1, [2], [3])
"""
import inspect
import logging

import numpy as np

from ... import activations, constraints, initializers, regularizers
from ...backend import config


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
    from ... import backend as K
    from ..input_layer import _concrete_like
    from ..op_layers import apply_op

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


def _is_nested_tuple(states):
    return isinstance(states, (list, tuple)) and any(isinstance(s, (list, tuple)) for s in states)
