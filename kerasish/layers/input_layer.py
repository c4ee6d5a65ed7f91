"""Symbolic tensors for the Functional API: `Input`, `InputLayer`, `KerasTensor` and graph `Node`s.

Calling a layer on a KerasTensor does not compute anything: it records a Node (which layer,
which inputs) and returns KerasTensors carrying the output shape. The shape comes from the
layer's `compute_output_shape` when it defines one, or from a side-effect-free dry run of `call`
on small zero arrays (run at two batch sizes so that unknown dimensions stay None).

Example:
    >>> import kerasish as keras
    >>> x = keras.Input(shape=(3,))
    >>> x.shape
    (None, 3)
    >>> keras.layers.Dense(2)(x).shape
    (None, 2)
"""
import contextlib

import numpy as np

from ..backend import config
from ..backend.tape import no_recording
from ..backend.tensor import Tensor
from ..utils.serialization import register_builtin
from ..utils.tensor_shape import as_tensor_shapes
from . import layer as layer_module
from .layer import Layer, _context, check_input_spec, flatten, is_symbolic, map_structure, numpy_dtype
from ..legacy import interfaces


# Operators, slices and activity losses on Keras tensors become op layers (op_layers.py), and op layers are
# built from Keras tensors and Nodes: so that imports point one way (op_layers -> input_layer), op_layers.py
# fills this table with its entry points when it loads (layers/__init__ loads it with this module).
OP_LAYER_FUNCTIONS = {}  # "apply_op", "apply_slice", "add_symbolic_activity_losses", "gradients_scope"


def _apply_op(symbol, args, kwargs):
    return OP_LAYER_FUNCTIONS["apply_op"](symbol, args, kwargs)


def _operator(symbol, reflected=False):
    """A binary operator method adding a `symbol` op-layer node (the reflected form: `other op self`)."""

    def method(self, other):
        if self.dtype.kind == "f" and isinstance(other, (int, float)) and not isinstance(other, bool):
            other = float(other)  # as tf.keras converts it (TF adds no int to a float tensor, on load either)
        key = "b" if symbol == "linalg.matmul" else "y"
        if reflected:  # tf.keras records `2.0 - x` as subtract(2.0, y=x)
            return _apply_op(symbol, (other,), {key: self, "name": None})
        return _apply_op(symbol, (self,), {key: other, "name": None})

    return method


class KerasTensor:
    """A symbolic tensor: shape (None for unknown sizes), dtype, and the layer call that made it."""

    __array_priority__ = 200

    def __init__(self, shape, dtype="float32", name=None, history=None):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = numpy_dtype(dtype)
        self.name = name
        self._keras_history = history  # (layer, node_index, tensor_index)
        self._keras_mask = None
        self._keras_dry = None  # {2: value, 3: value}: small integer values known from op-layer dry runs

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def _keras_shape(self):
        """Keras 2.0-2.3's attribute for the static shape (`x._keras_shape`); the same as `shape`."""
        return self.shape

    @property
    def node(self):
        layer, node_index, _ = self._keras_history
        return layer._inbound_nodes[node_index]

    def __repr__(self):
        layer = self._keras_history[0].name if self._keras_history else None
        return f"<KerasTensor: shape={self.shape} dtype={self.dtype.name} (created by layer '{layer}')>"

    def __len__(self):
        if self.shape and self.shape[0] is not None:
            return self.shape[0]
        raise TypeError("len() of a symbolic tensor with an unknown first dimension")

    def __hash__(self):
        return id(self)

    def __array__(self, dtype=None, copy=None):
        raise TypeError(
            f"You are passing {self!r}, an intermediate Keras symbolic input/output, to a function that needs "
            "concrete values (such as numpy). Use it inside a layer (e.g. keras.layers.Lambda) instead.")

    # Operators, comparisons and slicing become op-layer nodes named as tf.keras names them, so
    # `x / 255.0` or `z[:, 0]` works in the Functional API and saves into the model's config.
    __add__ = _operator("__operators__.add")
    __radd__ = _operator("__operators__.add", reflected=True)
    __sub__ = _operator("math.subtract")
    __rsub__ = _operator("math.subtract", reflected=True)
    __mul__ = _operator("math.multiply")
    __rmul__ = _operator("math.multiply", reflected=True)
    __truediv__ = _operator("math.truediv")
    __rtruediv__ = _operator("math.truediv", reflected=True)
    __floordiv__ = _operator("math.floordiv")
    __rfloordiv__ = _operator("math.floordiv", reflected=True)
    __mod__ = _operator("math.floormod")
    __rmod__ = _operator("math.floormod", reflected=True)
    __pow__ = _operator("math.pow")
    __rpow__ = _operator("math.pow", reflected=True)
    __matmul__ = _operator("linalg.matmul")
    __rmatmul__ = _operator("linalg.matmul", reflected=True)
    __lt__ = _operator("math.less")
    __le__ = _operator("math.less_equal")
    __gt__ = _operator("math.greater")
    __ge__ = _operator("math.greater_equal")
    __and__ = _operator("math.logical_and")
    __rand__ = _operator("math.logical_and", reflected=True)
    __or__ = _operator("math.logical_or")
    __ror__ = _operator("math.logical_or", reflected=True)
    __xor__ = _operator("math.logical_xor")
    __rxor__ = _operator("math.logical_xor", reflected=True)

    def __neg__(self):
        return _apply_op("math.negative", (self,), {"name": None})

    def __pos__(self):
        return self

    def __abs__(self):
        return _apply_op("math.abs", (self,), {"name": None})

    def __invert__(self):
        return _apply_op("math.logical_not", (self,), {"name": None})

    def __getitem__(self, key):
        return OP_LAYER_FUNCTIONS["apply_slice"](self, key)

    def astype(self, dtype):
        """A cast of this tensor (a graph node, as `K.cast`)."""
        return _apply_op("cast", (self,), {"dtype": np.dtype(getattr(dtype, "name", dtype)).name})

    def get_shape(self):
        """The static shape (TensorFlow's name for `shape`)."""
        return self.shape

    def numpy(self):
        raise TypeError(f"{self!r} is symbolic: it has no value until the model runs. Evaluate it with "
                        "K.function([inputs], [tensor]) or build a Model and call predict.")

    # Equality stays identity (as for graph objects): tensors are used as keys and in `in` tests.
    # Elementwise comparison: K.equal / K.not_equal.
    def __eq__(self, other):
        return self is other

    def __ne__(self, other):
        return self is not other


def node_key(layer, node_index: int) -> str:
    """The key of one call of `layer` in a network's node set (tf_keras's `_make_node_key`).

    Example:
        >>> class Named:
        ...     name = "dense"
        >>> node_key(Named(), 1)
        'dense_ib-1'
    """
    return f"{layer.name}_ib-{node_index}"


def _copy_containers(structure):
    """`structure` with its lists and dicts copied (tuples and leaves kept as they are)."""
    if isinstance(structure, list):
        return [_copy_containers(s) for s in structure]
    if isinstance(structure, dict):
        return {k: _copy_containers(v) for k, v in structure.items()}
    if type(structure) is tuple:
        return tuple(_copy_containers(s) for s in structure)
    return structure


class Node:
    """One call of `layer` in a graph: its (symbolic) arguments and outputs."""

    def __init__(self, layer, call_args, call_kwargs, outputs, captures=()):
        self.layer = layer
        # copies of the argument lists: `x = concatenate(xs); xs.append(x)` must not change what this call saw
        self.call_args = _copy_containers(call_args)
        self.call_kwargs = _copy_containers(call_kwargs)
        self.outputs = outputs
        self.is_input = isinstance(layer, InputLayer)
        self.keras_inputs = [x for x in flatten((call_args, call_kwargs)) if is_symbolic(x)]
        # Keras tensors the layer's `call` used without receiving them (captured from outside): inputs too,
        # handed to the call through a `CapturedValues` scope when the graph runs
        self.captures = list(captures)
        self.keras_inputs.extend(t for t in self.captures if not any(t is k for k in self.keras_inputs))
        self.index = len(layer._inbound_nodes)
        layer._inbound_nodes.append(self)
        for t in self.keras_inputs:
            t._keras_history[0]._outbound_nodes.append(self)
        for i, t in enumerate(flatten(outputs)):
            t._keras_history = (layer, self.index, i)

    @property
    def input_tensors(self):
        if self.is_input:
            return self.outputs
        args = self.call_args
        return args[0] if len(args) == 1 else list(args)

    @property
    def output_tensors(self):
        return self.outputs

    @property
    def input_shapes(self):
        """The shapes of `input_tensors` (one shape for a call on one tensor), as tf_keras's Node."""
        shapes = map_structure(lambda t: tuple(t.shape), self.input_tensors)
        return shapes[0] if isinstance(shapes, list) and len(shapes) == 1 and not self.is_input else shapes

    @property
    def output_shapes(self):
        """The shapes of `output_tensors`."""
        return map_structure(lambda t: tuple(t.shape), self.output_tensors)

    @property
    def outbound_layer(self):
        """The layer this node is a call of (tf_keras's name for `layer`)."""
        return self.layer

    @property
    def inbound_layers(self):
        """The layers whose outputs feed this call, in the structure of its first argument ([] for an Input)."""
        if self.is_input:
            return []
        return map_structure(lambda t: t._keras_history[0] if is_symbolic(t) else None, self.call_args[0])

    @property
    def parent_nodes(self):
        return [t.node for t in self.keras_inputs]

    def iterate_inbound(self):
        """(layer, node_index, tensor_index, tensor) for each symbolic input, in argument order."""
        for t in self.keras_inputs:
            layer, node_index, tensor_index = t._keras_history
            yield layer, node_index, tensor_index, t


@register_builtin("layer")
class InputLayer(Layer):
    """The layer behind `Input`: it has no weights and passes its input through.

    Args:
        input_shape: shape without the batch axis.
        batch_size: fixed batch size, if any.
        dtype: the input's dtype.
        batch_input_shape: full shape including the batch axis (alternative to input_shape).
        sparse, ragged: accepted for compatibility; must be False.
    """

    @interfaces.legacy_input_support
    def __init__(self, input_shape=None, batch_size=None, dtype=None, input_tensor=None, sparse=None, name=None,
                 ragged=None, type_spec=None, batch_input_shape=None, batch_shape=None, optional=False, **kwargs):
        if name is None:
            name = f"input_{config.get_uid('input')}"  # Keras numbers inputs from 1: input_1, input_2, ...
        batch_input_shape = batch_input_shape if batch_input_shape is not None else batch_shape
        if batch_input_shape is None:
            if input_shape is None:
                raise ValueError(f"InputLayer {name}: pass `shape` (without the batch axis) or `batch_shape`")
            if isinstance(input_shape, int):
                input_shape = (input_shape,)
            batch_input_shape = (batch_size,) + tuple(input_shape)
        batch_input_shape = tuple(batch_input_shape)
        for d in batch_input_shape[1:]:
            if d is not None and (not isinstance(d, (int, np.integer)) or d < 0):
                raise ValueError(f"Input {name}: shape must contain non-negative integers or None; "
                                 f"received {batch_input_shape[1:]}")
        if isinstance(dtype, dict):
            dtype = dtype.get("config", {}).get("name")
        dtype = dtype or config.floatx()
        super().__init__(name=name, dtype=dtype)
        if sparse or ragged:
            raise ValueError(f"Input {name}: sparse and ragged inputs are not supported by kerasish")
        self.sparse = False
        self.ragged = False
        self._batch_input_shape = batch_input_shape
        self.built = True
        self.is_placeholder = True
        out = KerasTensor(batch_input_shape, dtype=dtype, name=name)
        Node(self, (), {}, [out])

    def get_config(self):
        return {"batch_input_shape": list(self._batch_input_shape), "dtype": self._dtype, "sparse": False,
                "ragged": False, "name": self.name, "optional": False}

    def call(self, inputs):
        return inputs


def Input(shape=None, batch_size=None, name=None, dtype=None, sparse=None, tensor=None, ragged=None,
          type_spec=None, batch_shape=None, **kwargs):
    """A symbolic input for the Functional API: `Input(shape=(784,))` has shape `(None, 784)`.

    Example:
        >>> import kerasish as keras
        >>> keras.Input(shape=(28, 28), name="image").shape
        (None, 28, 28)
    """
    if "batch_input_shape" in kwargs:
        batch_shape = kwargs.pop("batch_input_shape")
    if kwargs:
        raise TypeError(f"Input() got unexpected keyword arguments: {sorted(kwargs)}")
    if shape is None and batch_shape is None:
        raise ValueError("Please provide to Input a `shape` or a `batch_shape` argument. Note that `shape` does "
                         "not include the batch dimension.")
    layer = InputLayer(input_shape=shape, batch_size=batch_size, name=name, dtype=dtype, sparse=sparse,
                       ragged=ragged, batch_input_shape=batch_shape)
    return layer._inbound_nodes[0].outputs[0]


# ----------------------------------------------------------------------------- symbolic calls
class DryRunCaptures:
    """While a layer's `call` is dry-run on stand-in values: outer Keras tensors it touches are noted (they
    become hidden inputs of its node) and replaced by stand-ins of the same dry-run size."""

    def __init__(self):
        self.tensors = []
        self.size = 2

    def value_of(self, tensor):
        if not any(tensor is t for t in self.tensors):
            self.tensors.append(tensor)
        return _concrete_like(tensor, self.size)


class CapturedValues:
    """While the graph runs a node whose layer captured outer Keras tensors: their computed values."""

    def __init__(self, values):
        self.values = values  # id(keras tensor) -> value

    def value_of(self, tensor):
        value = self.values.get(id(tensor))
        if value is None:
            raise ValueError(f"{tensor!r} was used inside a layer's call but is not computed by this graph. A layer "
                             "may use Keras tensors from outside its inputs only if they were already in use when "
                             "the layer was first called on Keras tensors.")
        return value


def substitute_captures(structure, captures):
    """`structure` with every Keras tensor replaced by its value under `captures`."""
    return map_structure(lambda t: captures.value_of(t) if is_symbolic(t) else t, structure)


def _concrete_like(x, size):
    if x._keras_dry is not None:  # a small integer tensor whose dry-run values are known (a shape, a size)
        return Tensor(x._keras_dry[size])
    shape = tuple(size if d is None else d for d in x.shape)
    if x.dtype.kind in "iu":
        return Tensor(np.zeros(shape, dtype=x.dtype))
    if x.dtype.kind == "b":
        return Tensor(np.ones(shape, dtype=x.dtype))
    if x.dtype.kind == "O":  # text
        return Tensor(np.full(shape, "", dtype=object))
    return Tensor(np.full(shape, 0.5, dtype=x.dtype))


def _dry_run(layer, args, kwargs, size, captures=None):
    captures = captures or DryRunCaptures()
    captures.size = size
    concrete_args = map_structure(lambda t: _concrete_like(t, size) if is_symbolic(t) else t, args)
    concrete_kwargs = map_structure(lambda t: _concrete_like(t, size) if is_symbolic(t) else t, kwargs)
    ctx = _context()
    saved = ctx["depth"], ctx["symbolic"], ctx["captures"]
    saved_losses = [(l, l._call_losses) for l in layer._flatten_layers()]
    ctx["depth"] = 1  # not a top-level call: do not clear anyone's losses
    ctx["symbolic"] = True
    ctx["captures"] = captures
    try:
        # a Lambda taking K.gradients of its inputs runs under a tape on the stand-in values
        scope = OP_LAYER_FUNCTIONS["gradients_scope"](flatten((concrete_args, concrete_kwargs))) \
            if getattr(layer, "_may_call_gradients", False) else contextlib.nullcontext()
        with no_recording(), np.errstate(all="ignore"), scope:
            return Layer.__call__(layer, *concrete_args, **concrete_kwargs)
    finally:
        ctx["depth"], ctx["symbolic"], ctx["captures"] = saved
        for l, losses in saved_losses:
            l._call_losses = losses


def _spec_from_runs(out_a, out_b):
    """Output shapes with None wherever the two dry runs (different unknown sizes) disagree."""
    def merge(a, b):
        shape = tuple(da if da == db else None for da, db in zip(a.shape, b.shape))
        return shape, a.dtype

    return map_structure_pair(merge, out_a, out_b)


def map_structure_pair(fn, a, b):
    if isinstance(a, (list, tuple)):
        return type(a)(map_structure_pair(fn, x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return {k: map_structure_pair(fn, a[k], b[k]) for k in a}
    return fn(a, b)


def _has_own_output_shape(layer):
    # a layer that answers `compute_output_shape` by a dry run itself (a Lambda without `output_shape`) is
    # dry-run here directly: the run gives the outputs' dtypes too
    return type(layer).compute_output_shape is not Layer.compute_output_shape and \
        not getattr(layer, "_output_shape_by_dry_run", False)


def infer_output_shape(layer, input_shape):
    """Dry-run `layer` on zero arrays of `input_shape` to find its output shape (None kept unknown)."""
    structure = _shape_structure(input_shape)
    specs = KerasTensor(structure) if isinstance(structure, tuple) else [KerasTensor(s) for s in structure]
    args = (specs,)
    out_a = _dry_run(layer, args, {}, 2)
    out_b = _dry_run(layer, args, {}, 3)
    return _spec_shapes(_spec_from_runs(out_a, out_b))


def _spec_shapes(spec):
    """The shapes of a structure of (shape, dtype) pairs."""
    if _is_shape_dtype(spec):
        return spec[0]
    if isinstance(spec, dict):
        return {k: _spec_shapes(v) for k, v in spec.items()}
    return type(spec)(_spec_shapes(s) for s in spec)


def _is_shape_dtype(x):
    return isinstance(x, tuple) and len(x) == 2 and isinstance(x[0], tuple) and isinstance(x[1], np.dtype)


def _shape_structure(shape):
    """Turn a shape or a list of shapes into a structure of tuples."""
    if isinstance(shape, (list, tuple)) and shape and all(
            isinstance(s, (list, tuple)) or s is None and False for s in shape):
        return [tuple(s) for s in shape]
    return tuple(shape)


def symbolic_call(layer, inputs, args, kwargs):
    """Record a call of `layer` on KerasTensors and return KerasTensors for its outputs.

    Inside another layer's call that captured outer Keras tensors (a dry run, or the graph running that
    layer), the tensors stand for values: the layer is called on those instead.
    """
    captures = _context()["captures"]
    if captures is not None:
        return layer(substitute_captures(inputs, captures), *substitute_captures(tuple(args), captures),
                     **substitute_captures(kwargs, captures))
    with config.graph_uids():  # layers made in its build or call are named as in tf_keras's graph
        return _record_call(layer, inputs, args, kwargs)


def _record_call(layer, inputs, args, kwargs):
    call_args = (inputs,) + tuple(args)
    if not layer.built:
        shapes = map_structure(lambda t: tuple(t.shape) if is_symbolic(t) else np.shape(t), inputs)
        if layer.input_spec is not None:
            check_input_spec(layer, inputs)
        layer.build(as_tensor_shapes(shapes))  # tf.TensorShape-like, as tf.keras passes (`.as_list()`)
        layer.built = True
        layer._build_input_shape = shapes
        if layer._initial_weights is not None:
            layer.set_weights(layer._initial_weights)
            layer._initial_weights = None
    else:
        if layer.input_spec is not None:
            check_input_spec(layer, inputs)
    out_spec = None
    captured = DryRunCaptures()
    if _has_own_output_shape(layer):
        shapes = map_structure(lambda t: tuple(t.shape), inputs)
        try:
            out_shape = layer.compute_output_shape(as_tensor_shapes(shapes))
        except NotImplementedError:
            out_shape = None
        if out_shape is not None:
            try:
                out_spec = _shapes_to_spec(out_shape, _output_dtype(layer, inputs))
            except (TypeError, ValueError):
                # not shapes (a Keras 2.3 layer adding to `super().compute_output_shape`, which was the identity
                # there): tf.keras never asks a layer for its shape here, the dry run below answers as it does
                out_spec = None
    if out_spec is None:
        out_a = _dry_run(layer, call_args, kwargs, 2, captured)
        out_b = _dry_run(layer, call_args, kwargs, 3, captured)
        out_spec = _spec_from_runs(out_a, out_b)
    outputs = _spec_to_tensors(out_spec, layer.name)
    Node(layer, call_args, dict(kwargs), outputs, captures=captured.tensors)
    if layer.activity_regularizer is not None:
        OP_LAYER_FUNCTIONS["add_symbolic_activity_losses"](layer, outputs)
    return outputs


def _output_dtype(layer, inputs):
    first = flatten(inputs)[0]
    if getattr(layer, "_output_dtype", None):
        return layer._output_dtype
    if hasattr(first, "dtype") and np.dtype(first.dtype).kind == "f":
        return layer.compute_dtype
    return layer.compute_dtype


def _shapes_to_spec(out_shape, dtype):
    """(shape, dtype) for one shape, a list of them for a list of shapes; ValueError for anything else."""
    if isinstance(out_shape, (list, tuple)) and out_shape and all(
            isinstance(s, (list, tuple)) for s in out_shape):
        return [_shapes_to_spec(s, dtype) for s in out_shape if _is_flat_shape(s) or _not_a_shape(s)]
    if not _is_flat_shape(out_shape):
        _not_a_shape(out_shape)
    return (tuple(out_shape), numpy_dtype(dtype))


def _is_flat_shape(shape):
    return isinstance(shape, (list, tuple)) and all(d is None or isinstance(d, (int, np.integer)) for d in shape)


def _not_a_shape(shape):
    raise ValueError(f"Not a shape: {shape!r}")


def _spec_to_tensors(spec, name):
    if _is_shape_dtype(spec):
        return KerasTensor(spec[0], spec[1], name=name)
    if isinstance(spec, list):
        return [_spec_to_tensors(s, name) for s in spec]
    if isinstance(spec, tuple):
        return tuple(_spec_to_tensors(s, name) for s in spec)
    if isinstance(spec, dict):
        return {k: _spec_to_tensors(v, name) for k, v in spec.items()}
    raise TypeError(f"Layer {name} returned an unsupported output structure: {spec!r}")


# Layer.__call__ and Layer.compute_output_shape hand symbolic work to this module (see layer.py)
layer_module.SYMBOLIC_CALLS.update(call=symbolic_call, output_shape=infer_output_shape)
