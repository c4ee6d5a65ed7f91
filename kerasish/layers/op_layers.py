"""Op layers: backend ops, operators and slices applied to Keras tensors, as nodes of a Functional graph.

Keras 2 code computes with symbolic tensors directly: `kl = -0.5 * K.sum(1 + z_log_var - K.square(z_mean)
- K.exp(z_log_var), axis=-1)`, `x[:, 0]`, `losses.binary_crossentropy(inputs, outputs)`. tf.keras records
each such call as an op layer (`TFOpLambda`, `SlicingOpLambda` for slicing) that names the function it
applies (`"function": "math.reduce_sum"`) and keeps the call's arguments in the node, so the graph is saved
in a model's config and rebuilt on load by looking the name up, never by running code from the file.

Here the public namespaces hand such calls to `symbolic_apply` (see `backend/dispatch.py`), which adds a
`TFOpLambda` node named after the call (`keras.backend.sum`, `keras.losses.binary_crossentropy`, or the
TensorFlow name tf.keras writes for an operator, `math.subtract`), and infers its output shape by running
the op on stand-in values of two sizes (sizes that differ stay None). Small integer results of those runs
(a `K.shape`, a batch size) travel with the tensor, so `K.random_normal((K.shape(z)[0], 2))` knows its shape.

Symbolic gradients (`K.gradients`) are `GradientsOp` nodes: the graph runner (`models.functional.run_nodes`)
opens one GradientTape per gradient node (`TapedRun`), watches the differentiated tensors as they are
computed, and the node asks its tape when its turn comes. `AddLoss`/`AddMetric` nodes carry
`model.add_loss(tensor)` / `model.add_metric(tensor, name=...)` inside the graph, as in Keras 2 files.

Example:
    >>> import numpy as np
    >>> import kerasish as keras
    >>> from kerasish import backend as K
    >>> x = keras.Input(shape=(3,), name="x")
    >>> y = K.sum(K.square(x), axis=-1) * 0.5
    >>> type(y._keras_history[0]).__name__, y._keras_history[0].get_config()["function"], y.shape
    ('TFOpLambda', 'math.multiply', (None,))
    >>> keras.Model(x, y).predict(np.ones((2, 3), "float32"), verbose=0).tolist()
    [1.5, 1.5]
"""
import inspect
import threading

import numpy as np

from ..backend import dispatch
from ..backend.tape import RECORDING, GradientTape, no_recording
from ..backend.tensor import Tensor, Variable, as_tensor
from ..utils.serialization import register_builtin
from .input_layer import (OP_LAYER_FUNCTIONS, KerasTensor, Node, _concrete_like, _spec_from_runs, _spec_to_tensors,
                          substitute_captures)
from .layer import Layer, _context, flatten, is_symbolic, map_structure, unique_layer_name
from .tf_op_table import TF_FUNCTIONS, slice_to_config

_DRY_VALUE_LIMIT = 64  # integer op results up to this size keep their dry-run values (shapes, sizes, indices)


def resolve_function(symbol: str):
    """The function an op layer's config names: a kerasish API name or a TensorFlow name tf.keras writes.

    Example:
        >>> resolve_function("math.reduce_sum").__name__
        'op'
        >>> resolve_function("keras.backend.square").__name__
        'square'
    """
    fn = dispatch.api_function(symbol) or TF_FUNCTIONS.get(symbol)
    if fn is None:
        raise ValueError(f"Unknown op '{symbol}' in an op layer (TFOpLambda). kerasish maps the kerasish/Keras API "
                         "names (keras.backend.*, keras.losses.*, keras.metrics.*, keras.activations.*, keras.ops.*) "
                         f"and {len(TF_FUNCTIONS)} TensorFlow op names (math.reduce_sum, nn.softmax, ...); "
                         "this one is not among them.")
    return fn


# --------------------------------------------------------------------------- the layers
@register_builtin("layer")
class TFOpLambda(Layer):
    """A layer applying one named op (a backend, loss or TensorFlow function) to its call's arguments.

    Created for you when an op meets a Keras tensor; its config is `{"function": name}` and its node keeps
    the call's first argument and the keyword arguments, as tf.keras saves them.

    Args:
        function: the op's API name (`"keras.backend.sum"`, `"math.reduce_sum"`, ...).
        name: the layer's name (default: `"tf." + function`, made unique).

    Example:
        >>> import numpy as np
        >>> TFOpLambda("math.add")(np.ones(2, "float32"), y=1.0).numpy()
        array([2., 2.], dtype=float32)
    """

    _preserve_input_structure_in_config = True  # a one-element list first argument stays a list

    def __init__(self, function: str, **kwargs):
        symbol = function if isinstance(function, str) else getattr(function, "_keras_api_name", None)
        if symbol is None:
            raise TypeError(f"TFOpLambda: `function` must be an op name such as 'math.add'; received {function!r}")
        if kwargs.get("name") is None:
            kwargs["name"] = unique_layer_name("tf." + symbol)
        kwargs.pop("autocast", None)
        self._resolve(symbol)
        super().__init__(**kwargs)
        self.symbol = symbol
        self.built = True
        self._call_accepts_training = self._call_accepts_mask = False
        self._serializable_reason = None  # set when the node's arguments cannot be written to a config

    def _resolve(self, symbol):
        object.__setattr__(self, "function", resolve_function(symbol))

    def __call__(self, *args, **kwargs):
        kwargs.pop("name", None)  # tf.keras drops op names too: a reused layer would repeat them
        if dispatch.contains_symbolic((args, kwargs)):
            return record_op_call(self, args, kwargs)
        return self.call(*args, **kwargs)

    def call(self, *args, **kwargs):
        return self.function(*args, **kwargs)

    def _output_spec(self, args, kwargs):
        """((shape, dtype) structure of the outputs, the outputs of the two dry runs or None)."""
        if self.symbol in _SHAPED_LIKE_FIRST_ARGUMENT:  # side effects: no dry run (it would assign or print)
            first = args[0]
            return (tuple(first.shape), np.dtype(first.dtype)), None
        out_a, out_b = _dry_run_op(self, args, kwargs, 2), _dry_run_op(self, args, kwargs, 3)
        return _spec_from_runs(out_a, out_b), (out_a, out_b)

    def get_config(self):
        if self._serializable_reason:
            raise ValueError(f'Op layer "{self.name}" ({self.symbol}) cannot be saved: {self._serializable_reason}.')
        config_dict = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype, "function": self.symbol}
        return config_dict

    @classmethod
    def from_config(cls, config_dict, custom_objects=None):
        config_dict = dict(config_dict)
        symbol = config_dict.pop("function")
        target = _SPECIAL_OP_CLASSES.get(symbol, cls)
        return target(symbol, **config_dict)


@register_builtin("layer")
class SlicingOpLambda(TFOpLambda):
    """The op layer of `tensor[key]` (tf.keras's class for slicing): slices are kept as {start, stop, step}.

    Example:
        >>> import numpy as np
        >>> SlicingOpLambda("__operators__.getitem")(np.arange(6.0).reshape(2, 3),
        ...     slice_spec=[{"start": None, "stop": None, "step": None}, 0]).numpy()
        array([0., 3.], dtype=float32)
    """


class GradientsOp(TFOpLambda):
    """The node of `K.gradients(loss, variables)`: computed under the GradientTape that `TapedRun` opened
    for it when the graph started running (saved as a TFOpLambda of `keras.backend.gradients`)."""

    _keras_class_name = "TFOpLambda"

    def __init__(self, function="keras.backend.gradients", **kwargs):
        super().__init__(function, **kwargs)

    def _resolve(self, symbol):
        object.__setattr__(self, "function", None)

    def call(self, loss, variables):
        run = TapedRun.current()
        if run is None:
            raise RuntimeError(f'"{self.name}" is a K.gradients node: it is computed by K.function or by the model '
                               "containing it, not called on its own.")
        return run.gradient(self, loss, variables)

    def _output_spec(self, args, kwargs):
        return [(tuple(v.shape), _float_dtype(v.dtype)) for v in kwargs["variables"]], None


@register_builtin("layer")
class AddLoss(Layer):
    """Adds its input to the layer's losses and passes it through (the node of `model.add_loss(tensor)`).

    Args:
        unconditional: Keras 2's flag (whether the loss ignores the inputs); kept in the config.

    Example:
        >>> import numpy as np
        >>> layer = AddLoss(unconditional=False)
        >>> _ = layer(np.float32(2.0))
        >>> float(layer.losses[0])
        2.0
    """

    def __init__(self, unconditional=False, **kwargs):
        kwargs.pop("autocast", None)
        super().__init__(**kwargs)
        self.unconditional = bool(unconditional)

    def __call__(self, inputs, *args, **kwargs):
        outputs = super().__call__(inputs, *args, **kwargs)
        if is_symbolic(outputs):  # Keras lists the symbolic loss in `model.losses` until the model runs
            self._call_losses.append(outputs)
        return outputs

    def call(self, inputs):
        self.add_loss(inputs)
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config_dict = super().get_config()
        config_dict["unconditional"] = self.unconditional
        return config_dict


@register_builtin("layer")
class AddMetric(Layer):
    """Reports the mean of its input as a metric and passes it through (`model.add_metric(tensor, name=...)`).

    Args:
        aggregation: 'mean' (what Keras 2 stores for a tensor added to a Functional model).
        metric_name: the name under which fit/evaluate report it.

    Example:
        >>> import numpy as np
        >>> layer = AddMetric("mean", "avg")
        >>> _ = layer(np.array([1.0, 3.0], "float32"))
        >>> [m.name for m in layer._metrics], float(layer._metrics[0].result())
        (['avg'], 2.0)
    """

    def __init__(self, aggregation=None, metric_name=None, **kwargs):
        super().__init__(**kwargs)
        self.aggregation = aggregation
        self.metric_name = metric_name

    def call(self, inputs):
        self.add_metric(inputs, aggregation=self.aggregation, name=self.metric_name)
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config_dict = super().get_config()
        config_dict.update({"aggregation": self.aggregation, "metric_name": self.metric_name})
        return config_dict


class ActivityRegularizationLoss(Layer):
    """The symbolic activity-regularization loss of one call of a regularized layer (what `model.losses` lists
    before the model has run, as in Keras 2); never part of a saved model."""

    def __init__(self, regularizer, **kwargs):
        super().__init__(**kwargs)
        self.regularizer = regularizer

    def call(self, inputs):
        return as_tensor(self.regularizer(inputs)) / float(inputs.shape[0] if inputs.ndim else 1)

    def get_config(self):
        raise NotImplementedError(f"{self.name} is an internal loss node and is not saved")


_SPECIAL_OP_CLASSES = {"keras.backend.gradients": GradientsOp, "__operators__.getitem": SlicingOpLambda}

# Ops with side effects get their output shape from their first argument instead of a dry run.
_SHAPED_LIKE_FIRST_ARGUMENT = {"keras.backend.update", "keras.backend.update_add", "keras.backend.update_sub",
                               "keras.backend.moving_average_update", "keras.backend.print_tensor"}


def _float_dtype(dtype):
    dtype = np.dtype(dtype)
    return dtype if dtype.kind == "f" else np.dtype("float32")


# --------------------------------------------------------------------------- recording calls as nodes
def record_op_call(layer: TFOpLambda, args: tuple, kwargs: dict):
    """Add a node of op layer `layer` called on `args`/`kwargs` (containing Keras tensors); its outputs.

    Inside a layer's call that captured outer Keras tensors (a dry run, or the graph running it) the op is
    computed at once on their values instead.
    """
    captures = _context()["captures"]
    if captures is not None:
        return layer.call(*substitute_captures(args, captures), **substitute_captures(kwargs, captures))
    spec, dry_outputs = layer._output_spec(args, kwargs)
    outputs = _spec_to_tensors(spec, layer.name)
    if dry_outputs is not None:
        _keep_dry_values(outputs, *dry_outputs)
    Node(layer, tuple(args), dict(kwargs), outputs)
    return outputs


def _dry_run_op(layer, args, kwargs, size):
    args, kwargs = map_structure(lambda t: _concrete_like(t, size) if is_symbolic(t) else t, (args, kwargs))
    try:
        with no_recording(), np.errstate(all="ignore"):
            out = layer.call(*args, **kwargs)
    except (TypeError, ValueError, IndexError) as e:
        shapes = [t.shape for t in flatten((args, kwargs)) if isinstance(t, Tensor)]
        raise type(e)(f'Op "{layer.symbol}" (layer "{layer.name}") cannot be applied to Keras tensors of shapes '
                      f"{shapes} (stand-in size {size} for unknown dimensions): {e}") from e
    return map_structure(lambda t: t if isinstance(t, Tensor) else as_tensor(np.asarray(t)), out)


def _keep_dry_values(outputs, out_a, out_b):
    for kt, a, b in zip(flatten(outputs), flatten(out_a), flatten(out_b)):
        if a.dtype.kind in "iub" and a.size <= _DRY_VALUE_LIMIT and b.size <= _DRY_VALUE_LIMIT:
            kt._keras_dry = {2: a.array, 3: b.array}


_SIGNATURES = {}


def _split_arguments(fn, args, kwargs):
    """(call_args, call_kwargs): the first argument positionally and every other one by name, as tf.keras
    stores op calls (a function taking *args keeps its positional arguments; such a node cannot be saved)."""
    sig = _SIGNATURES.get(fn)
    if sig is None:
        sig = _SIGNATURES[fn] = inspect.signature(fn)
    try:
        bound = sig.bind(*args, **kwargs)
    except TypeError as e:
        raise TypeError(f"{getattr(fn, '__name__', fn)}: {e}") from None
    params = sig.parameters
    if any(p.kind == p.VAR_POSITIONAL for p in params.values()):
        return tuple(args), dict(kwargs), False
    items = list(bound.arguments.items())
    first_name, first = items[0]
    if first_name != next(iter(params)):  # the first parameter left at its default: no first argument to store
        return (), dict(bound.arguments), False
    rest = {}
    for name, value in items[1:]:
        if params[name].kind == params[name].VAR_KEYWORD:
            rest.update(value)
        else:
            rest[name] = value
    if params[first_name].kind == params[first_name].VAR_KEYWORD:
        raise TypeError(f"{getattr(fn, '__name__', fn)}: pass its first argument by position")
    return (first,), rest, True


def symbolic_apply(api_name: str, fn, args: tuple, kwargs: dict):
    """The dispatch handler: a call of API function `fn` on Keras tensors becomes an op-layer node."""
    captures = _context()["captures"]
    if captures is not None:  # inside a layer's call: compute on the captured tensors' values
        return fn(*substitute_captures(args, captures), **substitute_captures(kwargs, captures))
    call_args, call_kwargs, serializable = _split_arguments(fn, args, kwargs)
    layer = _SPECIAL_OP_CLASSES.get(api_name, TFOpLambda)(api_name)
    if not serializable:
        layer._serializable_reason = "its arguments do not fit tf.keras's layout (a first argument, then keywords)"
    return layer(*call_args, **call_kwargs)


def apply_op(symbol: str, args: tuple, kwargs: dict):
    """Apply the op named `symbol` (a TF name as tf.keras writes it) to arguments containing Keras tensors.

    Example:
        >>> import kerasish as keras
        >>> apply_op("math.multiply", (keras.Input((2,)),), {"y": 3.0}).shape
        (None, 2)
    """
    captures = _context()["captures"]
    if captures is not None:
        return resolve_function(symbol)(*substitute_captures(args, captures), **substitute_captures(kwargs, captures))
    return _SPECIAL_OP_CLASSES.get(symbol, TFOpLambda)(symbol)(*args, **kwargs)


def apply_slice(tensor: KerasTensor, key) -> KerasTensor:
    """`tensor[key]` for a Keras tensor: a `SlicingOpLambda` node (slices kept as tf.keras writes them)."""
    items = key if isinstance(key, tuple) else (key,)
    fancy = any(isinstance(k, (list, np.ndarray, Tensor)) or is_symbolic(k) for k in items)
    spec = [slice_to_config(k) for k in items] if isinstance(key, tuple) else slice_to_config(key)
    captures = _context()["captures"]
    if captures is not None:
        return TF_FUNCTIONS["__operators__.getitem"](captures.value_of(tensor), substitute_captures(spec, captures))
    layer = SlicingOpLambda("__operators__.getitem")
    if fancy:
        layer._serializable_reason = "indexing with a list, array or tensor is not saved (use K.gather)"
    return layer(tensor, slice_spec=spec)


def add_symbolic_activity_losses(layer: Layer, outputs) -> None:
    """Note one symbolic activity-regularization loss per output of a regularized layer's symbolic call."""
    for out in flatten(outputs):
        if is_symbolic(out) and np.dtype(out.dtype).kind == "f":
            loss = ActivityRegularizationLoss(layer.activity_regularizer, name=f"{layer.name}/activity_regularizer")
            layer._call_losses.append(loss(out))


dispatch.register_handler(symbolic_apply)


# --------------------------------------------------------------------------- symbolic gradients
def gradients(loss, variables) -> list:
    """`K.gradients`: one `GradientsOp` node for the variables `loss` depends on (None for the others).

    Example:
        >>> import kerasish as keras
        >>> x, other = keras.Input((2,)), keras.Input((2,))
        >>> g = gradients(keras.backend.sum(x * x), [x, other])
        >>> g[0].shape, g[1]
        ((None, 2), None)
    """
    if not is_symbolic(loss):
        raise TypeError(f"gradients: `loss` must be a Keras tensor; received {type(loss).__name__}")
    variables = list(variables) if isinstance(variables, (list, tuple)) else [variables]
    for v in variables:
        if not (is_symbolic(v) or isinstance(v, Variable)):
            raise TypeError(f"gradients: each variable must be a Keras tensor of the graph or a Variable; received "
                            f"{type(v).__name__}")
    upstream = _upstream_tensor_ids(loss)
    connected = [v for v in variables if not is_symbolic(v) or id(v) in upstream]
    if not connected:
        return [None] * len(variables)
    outputs = iter(GradientsOp()(loss, variables=connected))
    return [next(outputs) if (not is_symbolic(v) or id(v) in upstream) else None for v in variables]


def _upstream_tensor_ids(tensor):
    """ids of the Keras tensors `tensor` is computed from (itself included)."""
    seen, stack = set(), [tensor]
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        node = t.node
        if not node.is_input:
            stack.extend(node.keras_inputs)
    return seen


class TapedRun:
    """The GradientTapes that one run of a graph opens for its `GradientsOp` nodes (one tape each), and for
    its Lambda layers whose function calls `K.gradients` on its inputs.

    Each tape watches its node's variables: Variables from the start, Keras tensors as soon as the graph
    computes them (`produced`); the node then takes its gradient from its tape (`gradient`). Tapes
    record only ops downstream of what they watch (no layer weights), and a gradient computed while a
    later node's tape records is itself recorded, so gradients of gradients work. A Lambda's tape watches
    the Lambda's inputs: the eager `K.gradients(K.sum(pooled), conv_output)` inside its function then
    finds the ops between them on it (`eager_gradients`), as tf.keras's graph does.
    """

    _STATE = threading.local()

    def __init__(self, gradient_nodes, watch_values=()):
        self.nodes = gradient_nodes
        self.watch_values = list(watch_values)  # values a tape of their own watches (see gradients_scope)
        self.watch_ids = {id(t) for node in gradient_nodes for t in self._watched(node) if is_symbolic(t)}
        self.tapes, self._watchers = {}, {}

    @staticmethod
    def _watched(node):
        """The tensors a node's tape differentiates with respect to."""
        if isinstance(node.layer, GradientsOp):
            return node.call_kwargs["variables"]
        return node.keras_inputs  # a Lambda calling K.gradients: any of its inputs

    @staticmethod
    def needs_tape(node) -> bool:
        """Whether a graph node gets a tape of its own in a run (see the class)."""
        return isinstance(node.layer, GradientsOp) or getattr(node.layer, "_may_call_gradients", False)

    @classmethod
    def plan(cls, nodes):
        """A TapedRun for the gradient nodes among `nodes`, or None when there are none."""
        gradient_nodes = [n for n in nodes if cls.needs_tape(n)]
        return cls(gradient_nodes) if gradient_nodes else None

    @classmethod
    def current(cls):
        stack = getattr(cls._STATE, "stack", None)
        return stack[-1] if stack else None

    def __enter__(self):
        self.tapes, self._watchers = {}, {}
        for node in self.nodes:
            tape = GradientTape(persistent=True, watch_accessed_variables=False)
            self.tapes[id(node.layer)] = tape
            for v in self._watched(node):
                if is_symbolic(v):
                    self._watchers.setdefault(id(v), []).append(tape)
                else:
                    tape.watch(v)
            RECORDING.append(tape)
        if self.watch_values:
            tape = self.tapes["values"] = GradientTape(persistent=True, watch_accessed_variables=False)
            tape.watch(self.watch_values)
            RECORDING.append(tape)
        if not hasattr(self._STATE, "stack"):
            self._STATE.stack = []
        self._STATE.stack.append(self)
        return self

    def __exit__(self, *exc):
        self._STATE.stack.pop()
        for tape in self.tapes.values():
            if tape in RECORDING:
                RECORDING.remove(tape)
        self.tapes, self._watchers = {}, {}
        return False

    def produced(self, tensor, value):
        """The graph computed `value` for Keras tensor `tensor`: tapes differentiating with respect to it watch it."""
        for tape in self._watchers.get(id(tensor), ()):
            tape.watch(value)

    def gradient(self, layer, loss, variables):
        return _gradient_or_zeros(self.tapes[id(layer)], loss, variables)

    def eager_gradients(self, loss, variables):
        """`K.gradients` called with values inside a run (a Lambda's function): from the tape that recorded
        `loss`, or None when no tape of this run did."""
        for tape in self.tapes.values():
            if id(loss) in tape._tracked:
                return _gradient_or_zeros(tape, loss, variables)
        return None


def _gradient_or_zeros(tape, loss, variables):
    """The tape's gradients of `loss`, zeros for a variable it found no path to."""
    grads = tape.gradient(loss, list(variables))
    return [g if g is not None else Tensor(np.zeros(np.shape(v), dtype=_float_dtype(v.dtype)))
            for g, v in zip(grads, variables)]


def gradients_scope(values) -> TapedRun:
    """A run in which `K.gradients` of anything computed from `values` works: a Lambda's dry run (its output
    shape inferred by running its function on stand-in values) when the function calls K.gradients."""
    return TapedRun([], watch_values=[v for v in values if isinstance(v, Tensor)])


def _eager_gradients(loss, variables):
    """K.gradients on values: served by the graph run in progress, if its tapes recorded `loss`."""
    run = TapedRun.current()
    return run.eager_gradients(loss, variables) if run is not None else None


dispatch.register_implementation("eager_gradients", _eager_gradients)


__all__ = ["TFOpLambda", "SlicingOpLambda", "AddLoss", "AddMetric", "GradientsOp", "TapedRun", "gradients",
           "resolve_function", "symbolic_apply", "apply_op", "apply_slice"]


# KerasTensor's operators, slices and a symbolic call's activity losses run these (see input_layer.py)
OP_LAYER_FUNCTIONS.update(apply_op=apply_op, apply_slice=apply_slice,
                          add_symbolic_activity_losses=add_symbolic_activity_losses, gradients_scope=gradients_scope)
