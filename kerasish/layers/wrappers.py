"""Layer wrappers (Keras 2 / tf_keras 2.21): `Wrapper`, `Bidirectional`, `TimeDistributed`.

`Bidirectional(layer)` runs a copy of an RNN layer forwards (`forward_<name>`) and another one
backwards (`backward_<name>`, `go_backwards` flipped), reverses the backward outputs when they are
sequences, and merges the two (`concat`, `sum`, `mul`, `ave` or None for a list). Its weights are
the forward layer's then the backward layer's, named `bidirectional/forward_lstm/lstm_cell/kernel:0`
as in tf_keras.

`TimeDistributed(layer)` applies `layer` to every time slice of a (batch, time, ...) input; built-in
layers see one (batch * time, ...) tensor, other layers one call per time step.

Example:
    >>> import numpy as np
    >>> from kerasish import layers
    >>> x = np.ones((2, 5, 3), "float32")
    >>> layers.Bidirectional(layers.LSTM(4, return_sequences=True))(x).shape
    (2, 5, 8)
    >>> layers.TimeDistributed(layers.Dense(6))(x).shape
    (2, 5, 6)
"""
import copy
import inspect

import numpy as np

from ..backend.ops import control
from ..backend.ops import math as m
from ..backend.ops import shape as shp
from ..backend.tensor import Tensor
from ..utils.serialization import register_builtin, serialize_keras_object
from .layer import InputSpec, Layer, flatten, is_symbolic, map_structure
from .rnn.rnn_utils import standardize_rnn_args

__all__ = ["Wrapper", "Bidirectional", "TimeDistributed"]


def _has_arg(fn, name):
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(p.kind == p.VAR_KEYWORD for p in params.values())


def _rescope_weights(layer, old_scope, new_scope):
    """Rename the weights a sublayer created under `old_scope/` to `new_scope/...` (TF name scopes)."""
    prefix = old_scope + "/"
    for w in layer.weights:
        if w.name.startswith(prefix):
            w.name = f"{new_scope}/{w.name[len(prefix):]}"


def _first_shape(input_shape):
    if isinstance(input_shape, list) and input_shape and isinstance(input_shape[0], (list, tuple)):
        return tuple(input_shape[0])
    return tuple(input_shape)


@register_builtin("layer")
class Wrapper(Layer):
    """Base class of layers that wrap another layer (`self.layer`), whose weights become theirs.

    Args:
        layer: the layer to wrap.

    Example:
        >>> from kerasish import layers
        >>> class Twice(layers.Wrapper):
        ...     def call(self, inputs):
        ...         return self.layer(self.layer(inputs))
        >>> import numpy as np
        >>> dense = layers.Dense(2, kernel_initializer="ones", use_bias=False)
        >>> Twice(dense)(np.ones((1, 2), "float32")).numpy().tolist()
        [[4.0, 4.0]]
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"Layer {layer} supplied to wrapper is not a supported layer type. Please ensure "
                             "wrapped layer is a valid Keras layer.")
        super().__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape=None):
        if not self.layer.built:
            self.layer.build(input_shape)
            self.layer.built = True
        self.built = True

    def get_config(self):
        cfg = Layer.get_config(self)
        cfg["layer"] = serialize_keras_object(self.layer)
        return cfg

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from . import deserialize as deserialize_layer

        cfg = copy.deepcopy(config)
        layer = deserialize_layer(cfg.pop("layer"), custom_objects=custom_objects)
        return cls(layer, **cfg)


# ----------------------------------------------------------------------------- TimeDistributed
@register_builtin("layer")
class TimeDistributed(Wrapper):
    """Applies `layer` to every temporal slice of an input of shape (batch, time, ...).

    Args:
        layer: the layer to apply (its weights are shared by all time steps).

    Example:
        >>> import numpy as np
        >>> from kerasish import layers
        >>> td = layers.TimeDistributed(layers.Dense(3), name="time_distributed")
        >>> td(np.ones((4, 10, 8), "float32")).shape
        (4, 10, 3)
        >>> [w.name for w in td.weights]
        ['time_distributed/kernel:0', 'time_distributed/bias:0']
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError("Please initialize `TimeDistributed` layer with a `keras.layers.Layer` instance. "
                             f"Received: {layer}")
        super().__init__(layer, **kwargs)
        self.supports_masking = True
        # tf_keras reshapes to (batch * time, ...) for its own stateless layers, loops over steps otherwise
        self._always_use_reshape = type(layer).__module__.startswith("kerasish.") and \
            not getattr(layer, "stateful", False)

    def build(self, input_shape):
        shapes = input_shape if isinstance(input_shape, list) and input_shape and \
            isinstance(input_shape[0], (list, tuple)) else [input_shape]
        for s in shapes:
            if len(tuple(s)) < 3:
                raise ValueError("`TimeDistributed` Layer should be passed an `input_shape ` with at least 3 "
                                 f"dimensions, received: {tuple(s)}")
        specs = [InputSpec(shape=(None, None) + tuple(s)[2:]) for s in shapes]
        self.input_spec = specs if len(specs) > 1 else specs[0]
        child = [(tuple(s)[0],) + tuple(s)[2:] for s in shapes]
        if not self.layer.built:
            self.layer.build(child if len(child) > 1 else child[0])
            self.layer.built = True
            # tf_keras builds the inner layer inside this wrapper's name scope: `time_distributed/kernel:0`
            _rescope_weights(self.layer, self.layer.name, self.name)
        self.built = True

    def compute_output_shape(self, input_shape):
        shape = _first_shape(input_shape)
        child_out = self.layer.compute_output_shape((shape[0],) + shape[2:])
        steps = shape[1]

        def insert(s):
            s = tuple(s)
            return (s[0], steps) + s[1:]

        if isinstance(child_out, list):
            return [insert(s) for s in child_out]
        return insert(child_out)

    def call(self, inputs, training=None, mask=None):
        kwargs = {}
        if _has_arg(self.layer.call, "training"):
            kwargs["training"] = training
        if isinstance(inputs, (list, tuple)):
            raise ValueError(f'Layer "{self.name}": TimeDistributed supports a single input tensor; received '
                             f"{len(inputs)} inputs")
        if inputs.ndim < 3:
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: expected ndim>=3, '
                             f"found ndim={inputs.ndim}. Full shape received: {tuple(inputs.shape)}")
        batch, steps = inputs.shape[0], inputs.shape[1]
        if not self._always_use_reshape:
            def step(x_t, _):
                return self.layer(x_t, **kwargs), []

            _, outputs, _ = control.rnn(step, inputs, [], mask=mask)
            return outputs
        inner = m.reshape(inputs, (batch * steps,) + tuple(inputs.shape[2:]))
        if mask is not None and _has_arg(self.layer.call, "mask"):
            ma = mask.array if isinstance(mask, Tensor) else np.asarray(mask)
            kwargs["mask"] = Tensor(ma.reshape((batch * steps,) + ma.shape[2:]))
        y = self.layer(inner, **kwargs)
        return map_structure(lambda t: m.reshape(t, (batch, steps) + tuple(t.shape[1:])), y)

    def compute_mask(self, inputs, mask=None):
        if not self._always_use_reshape:
            return mask
        if isinstance(inputs, (list, tuple)):
            inputs = inputs[0]
        batch, steps = inputs.shape[0], inputs.shape[1]
        inner_mask = None
        if mask is not None:
            ma = mask.array if isinstance(mask, Tensor) else np.asarray(mask)
            inner_mask = Tensor(ma.reshape((batch * steps,) + ma.shape[2:]))
        inner_inputs = Tensor(np.reshape(inputs.array if isinstance(inputs, Tensor) else np.asarray(inputs),
                                         (batch * steps,) + tuple(inputs.shape[2:])))
        out_mask = self.layer.compute_mask(inner_inputs, inner_mask)
        if out_mask is None:
            if mask is None:
                return None
            ma = mask.array if isinstance(mask, Tensor) else np.asarray(mask)
            while ma.ndim > 2:
                ma = ma.any(axis=-1)
            return Tensor(ma)
        oa = out_mask.array if isinstance(out_mask, Tensor) else np.asarray(out_mask)
        return Tensor(oa.reshape((batch, steps) + oa.shape[1:]))


# ----------------------------------------------------------------------------- Bidirectional
@register_builtin("layer")
class Bidirectional(Wrapper):
    """Bidirectional wrapper for RNN layers.

    Args:
        layer: an RNN layer (`LSTM`, `GRU`, `SimpleRNN`, `RNN(...)`); it is copied (from its config)
            into `forward_layer` and `backward_layer`.
        merge_mode: 'concat' (default), 'sum', 'mul', 'ave', or None (return `[forward, backward]`).
        weights: initial weights (forward's then backward's).
        backward_layer: an explicit backward layer (must have `go_backwards` opposite to `layer`).

    Call arguments: `inputs`, `mask`, `training`, `initial_state` (forward states then backward
    states), `constants`.

    Example:
        >>> import numpy as np
        >>> from kerasish import layers
        >>> bi = layers.Bidirectional(layers.GRU(3, name="gru"), merge_mode="sum", name="bidirectional")
        >>> bi(np.ones((2, 4, 5), "float32")).shape
        (2, 3)
        >>> [w.name for w in bi.weights][:1]
        ['bidirectional/forward_gru/gru_cell/kernel:0']
    """

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"Please initialize `Bidirectional` layer with a `keras.layers.Layer` instance. "
                             f"Received: {layer}")
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError(f"`backward_layer` need to be a `keras.layers.Layer` instance. "
                             f"Received: {backward_layer}")
        if merge_mode not in ["sum", "mul", "ave", "concat", None]:
            raise ValueError(f"Invalid merge mode. Received: {merge_mode}. Merge mode should be one of "
                             '{"sum", "mul", "ave", "concat", None}')
        Layer.__init__(self, **kwargs)
        object.__setattr__(self, "layer", layer)  # the template is not tracked: its copies hold the weights
        self.forward_layer = self._recreate_layer_from_config(layer)
        if backward_layer is None:
            self.backward_layer = self._recreate_layer_from_config(layer, go_backwards=True)
        else:
            self.backward_layer = backward_layer
            self._backward_layer_config = serialize_keras_object(backward_layer)
        self.forward_layer._name = "forward_" + self.forward_layer.name
        self.backward_layer._name = "backward_" + self.backward_layer.name
        self._verify_layer_config()
        for sub in (self.forward_layer, self.backward_layer):
            # tf_keras forces zero outputs at masked steps when returning sequences
            if getattr(sub, "zero_output_for_mask", None) is not None:
                sub.zero_output_for_mask = sub.return_sequences
        self.merge_mode = merge_mode
        if weights:
            nw = len(weights)
            self.forward_layer._initial_weights = weights[:nw // 2]
            self.backward_layer._initial_weights = weights[nw // 2:]
        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True
        self._trainable = kwargs.get("trainable", layer.trainable)
        self._num_constants = 0
        self.input_spec = layer.input_spec

    def _verify_layer_config(self):
        if self.forward_layer.go_backwards == self.backward_layer.go_backwards:
            raise ValueError("Forward layer and backward layer should have different `go_backwards` value."
                             f"forward_layer.go_backwards = {self.forward_layer.go_backwards},"
                             f"backward_layer.go_backwards = {self.backward_layer.go_backwards}")
        for attr in ("stateful", "return_sequences", "return_state"):
            fwd, bwd = getattr(self.forward_layer, attr), getattr(self.backward_layer, attr)
            if fwd != bwd:
                raise ValueError("Forward layer and backward layer are expected to have the same value for "
                                 f'attribute "{attr}", got "{fwd}" for forward layer and "{bwd}" for backward layer')

    @staticmethod
    def _recreate_layer_from_config(layer, go_backwards=False):
        cfg = layer.get_config()
        if go_backwards:
            cfg["go_backwards"] = not cfg["go_backwards"]
        if "custom_objects" in inspect.signature(type(layer).from_config).parameters:
            custom_objects = {}
            cell = getattr(layer, "cell", None)
            if cell is not None:
                custom_objects[type(cell).__name__] = type(cell)
                for c in getattr(cell, "cells", []):
                    custom_objects[type(c).__name__] = type(c)
            return type(layer).from_config(cfg, custom_objects=custom_objects)
        return type(layer).from_config(cfg)

    # -- shapes -----------------------------------------------------------------------------
    def compute_output_shape(self, input_shape):
        out = self.forward_layer.compute_output_shape(input_shape)
        state_shapes = []
        if self.return_state:
            out, state_shapes = tuple(out[0]), [tuple(s) for s in out[1:]]
        out = tuple(out)
        if self.merge_mode == "concat":
            out = out[:-1] + (None if out[-1] is None else out[-1] * 2,)
            outputs = [out]
        elif self.merge_mode is None:
            outputs = [out, out]
        else:
            outputs = [out]
        if self.return_state:
            return outputs + state_shapes + list(state_shapes)
        return outputs[0] if len(outputs) == 1 else outputs

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0] if mask else None
        if self.return_sequences:
            output_mask = [mask, mask] if not self.merge_mode else mask
        else:
            output_mask = [None, None] if not self.merge_mode else None
        if self.return_state:
            state_mask = [None] * len(self.forward_layer.states)
            if isinstance(output_mask, list):
                return output_mask + state_mask * 2
            return [output_mask] + state_mask * 2
        return output_mask

    # -- building and calling ---------------------------------------------------------------
    def build(self, input_shape):
        for sub in (self.forward_layer, self.backward_layer):
            if not sub.built:
                sub.build(input_shape)
                sub.built = True
                _prefix(sub, self.name)
                if sub._initial_weights is not None:
                    sub.set_weights(sub._initial_weights)
                    sub._initial_weights = None
        self.built = True

    def __call__(self, inputs, initial_state=None, constants=None, **kwargs):
        inputs, initial_state, constants = standardize_rnn_args(inputs, initial_state, constants,
                                                                self._num_constants)
        if isinstance(inputs, list):
            if len(inputs) > 1:
                initial_state = inputs[1:]
            inputs = inputs[0]
        if initial_state is None and constants is None:
            return super().__call__(inputs, **kwargs)
        additional = []
        if initial_state is not None:
            if len(initial_state) % 2:
                raise ValueError("When passing `initial_state` to a Bidirectional RNN, the state should be a list "
                                 "containing the states of the underlying RNNs. "
                                 f"Received: {initial_state}")
            kwargs["initial_state"] = initial_state
            additional += initial_state
        if constants is not None:
            kwargs["constants"] = constants
            additional += constants
            self._num_constants = len(constants)
            self.forward_layer._num_constants = self._num_constants
            self.backward_layer._num_constants = self._num_constants
        symbolic = [is_symbolic(t) for t in flatten(additional)]
        if any(symbolic) and not all(symbolic):
            raise ValueError("The initial state of a Bidirectional layer cannot be specified with a mix of Keras "
                             "tensors and non-Keras tensors (a \"Keras tensor\" is a tensor that was returned by a "
                             "Keras layer, or by `Input`)")
        if symbolic and all(symbolic):
            kwargs["initial_state"] = None
            kwargs["constants"] = None
            return super().__call__([inputs] + additional, **kwargs)
        return super().__call__(inputs, **kwargs)

    def call(self, inputs, training=None, mask=None, initial_state=None, constants=None):
        kwargs = {}
        if _has_arg(self.layer.call, "training"):
            kwargs["training"] = training
        if _has_arg(self.layer.call, "mask"):
            kwargs["mask"] = mask
        if _has_arg(self.layer.call, "constants"):
            kwargs["constants"] = constants
        if "mask" in kwargs and isinstance(mask, (list, tuple)):
            kwargs["mask"] = mask[0]  # the masks of initial states passed as inputs are not sequence masks
        if _has_arg(self.layer.call, "initial_state"):
            if isinstance(inputs, list) and len(inputs) > 1:
                forward_inputs, backward_inputs = [inputs[0]], [inputs[0]]
                pivot = (len(inputs) - self._num_constants) // 2 + 1
                forward_inputs += inputs[1:pivot]
                if not self._num_constants:
                    backward_inputs += inputs[pivot:]
                else:
                    backward_inputs += inputs[pivot:-self._num_constants]
                    forward_inputs += inputs[-self._num_constants:]
                    backward_inputs += inputs[-self._num_constants:]
                forward_state = backward_state = None
                if "constants" in kwargs:
                    kwargs["constants"] = None
            elif initial_state is not None:
                forward_inputs, backward_inputs = inputs, inputs
                half = len(initial_state) // 2
                forward_state, backward_state = initial_state[:half], initial_state[half:]
            else:
                forward_inputs, backward_inputs = inputs, inputs
                forward_state = backward_state = None
            y = self.forward_layer(forward_inputs, initial_state=forward_state, **kwargs)
            y_rev = self.backward_layer(backward_inputs, initial_state=backward_state, **kwargs)
        else:
            if isinstance(inputs, list):
                inputs = inputs[0]
            y = self.forward_layer(inputs, **kwargs)
            y_rev = self.backward_layer(inputs, **kwargs)
        states = []
        if self.return_state:
            states = list(y[1:]) + list(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            time_axis = 0 if getattr(self.forward_layer, "time_major", False) else 1
            y_rev = shp.flip(y_rev, axis=time_axis)
        if self.merge_mode == "concat":
            output = shp.concatenate([y, y_rev], axis=-1)
        elif self.merge_mode == "sum":
            output = m.add(y, y_rev)
        elif self.merge_mode == "ave":
            output = m.multiply(m.add(y, y_rev), 0.5)
        elif self.merge_mode == "mul":
            output = m.multiply(y, y_rev)
        else:
            output = [y, y_rev]
        if self.return_state:
            if self.merge_mode is None:
                return output + states
            return [output] + states
        return output

    def reset_states(self, states=None):
        """Reset the states of both directions (`states`: forward's then backward's)."""
        if not self.stateful:
            raise AttributeError("Layer must be stateful.")
        if states is None:
            self.forward_layer.reset_states()
            self.backward_layer.reset_states()
            return
        if not isinstance(states, (list, tuple)):
            raise ValueError(f"Unrecognized value for `states`. Expected `states` to be list or tuple. "
                             f"Received: {states}")
        half = len(states) // 2
        self.forward_layer.reset_states(states[:half])
        self.backward_layer.reset_states(states[half:])

    # -- config -----------------------------------------------------------------------------
    def get_config(self):
        cfg = Wrapper.get_config(self)
        cfg["merge_mode"] = self.merge_mode
        if self._num_constants:
            cfg["num_constants"] = self._num_constants
        if hasattr(self, "_backward_layer_config"):
            cfg["backward_layer"] = self._backward_layer_config
        return cfg

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from . import deserialize as deserialize_layer

        cfg = copy.deepcopy(config)
        num_constants = cfg.pop("num_constants", 0)
        cfg["layer"] = deserialize_layer(cfg["layer"], custom_objects=custom_objects)
        backward = cfg.pop("backward_layer", None)
        if backward is not None:
            cfg["backward_layer"] = deserialize_layer(backward, custom_objects=custom_objects)
        layer = cls(**cfg)
        layer._num_constants = num_constants
        return layer


def _prefix(layer, scope):
    for w in layer.weights:
        w.name = f"{scope}/{w.name}"
