"""Functional models: a graph of layer calls from `Input`s to outputs, run in topological order.

The graph is mapped exactly as Keras 2 maps it (`_map_graph_network`): layers ordered by depth
(inputs first), ties broken by the order a depth-first walk from the outputs meets them. That
order is what `model.layers`, `get_weights` and `.h5` files use, so weights line up with Keras.

Example:
    >>> import numpy as np
    >>> import kerasish as keras
    >>> inp = keras.Input(shape=(3,), name="x")
    >>> out = keras.layers.Dense(2, name="d")(inp)
    >>> model = keras.Model(inp, out)
    >>> [layer.name for layer in model.layers]
    ['x', 'd']
    >>> model(np.ones((4, 3), "float32")).shape
    (4, 2)
"""
import collections
import copy

import numpy as np

from ..backend import config
from ..backend.ops import conv_pool as conv_pool_ops
from ..backend.ops import fused
from ..backend.ops import math as m
from ..backend.tensor import Tensor
from ..layers.input_layer import CapturedValues, InputLayer, Node
from ..layers.input_layer import node_key as _node_key
from ..layers.op_layers import AddLoss, AddMetric, TapedRun
from ..layers import layer as layer_module
from ..backend.tape import RECORDING
from ..mixed_precision.policy import AUTOCAST_IN_USE
from ..layers.layer import Layer, flatten, is_symbolic, map_structure
from ..utils.serialization import model_class, register_builtin, serialize_keras_object
from .model import Model
from .plan_layers import PLAN_CALLS, PURE_INFERENCE, PURE_RNN, is_mode_dependent
from ..legacy import interfaces


class _OwnNode(Node):
    """The node linking a functional model's own inputs to its outputs (node 0, as in Keras).

    Unlike a call node it leaves the tensors' history alone: they still point at the inner layers.
    """

    def __init__(self, layer, inputs, outputs):
        self.layer = layer
        self.call_args = (inputs,)
        self.call_kwargs = {}
        self.outputs = outputs
        self.is_input = False
        self.keras_inputs = [x for x in flatten(inputs)]
        self.captures = []
        self.index = len(layer._inbound_nodes)
        layer._inbound_nodes.append(self)


def _dense_step(layer, x):
    if layer._fused is not None:
        return fused.dense(x, layer.kernel, layer.bias, layer._fused)
    return layer.activation(fused.dense(x, layer.kernel, layer.bias, "linear"))


def _identity_step(layer, x):
    return x


def _call_step(layer, x):
    return layer.call(x)


def _inference_step(layer, x):
    return layer.call(x, training=False)


_PURE_CALL = ("Flatten", "Reshape", "Permute", "RepeatVector", "Activation", "Conv1D", "Conv2D", "Conv3D",
              "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose", "DepthwiseConv1D", "DepthwiseConv2D",
              "SeparableConv1D", "SeparableConv2D", "MaxPooling1D", "MaxPooling2D", "MaxPooling3D",
              "AveragePooling1D", "AveragePooling2D", "AveragePooling3D", "GlobalMaxPooling1D",
              "GlobalMaxPooling2D", "GlobalMaxPooling3D", "GlobalAveragePooling1D", "GlobalAveragePooling2D",
              "GlobalAveragePooling3D",
              "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D", "Cropping1D", "Cropping2D", "Cropping3D",
              "UpSampling1D", "UpSampling2D", "UpSampling3D", "LayerNormalization", "Rescaling", "ReLU",
              "LeakyReLU", "ELU", "Softmax", "PReLU")
_PURE_STEPS = None


def _pure_layer_steps():
    """Built-in layers whose inference output depends only on their input and weights (exact classes)."""
    import kerasish.layers as L

    steps = {L.Dense: _dense_step, L.Dropout: _identity_step, L.Identity: _identity_step,
             L.Embedding: _call_step}  # an Embedding only without mask_zero (see _build_inference_plan)
    for names, step in ((_PURE_CALL, _call_step), (PURE_INFERENCE + PURE_RNN, _inference_step)):
        for name in names:
            cls = getattr(L, name, None)
            if cls is not None:
                steps[cls] = step
    return steps


def _autocasts(model):
    """Whether some layer of `model` runs under a mixed precision policy (its own call casts: no fused plans)."""
    return AUTOCAST_IN_USE[0] and any(layer._autocast_active for layer in model._flatten_layers())


def _build_inference_plan(model):
    global _PURE_STEPS
    if _PURE_STEPS is None:
        _PURE_STEPS = _pure_layer_steps()
    if len(model.inputs) != 1 or len(model.outputs) != 1 or isinstance(model._nested_outputs, dict) or \
            _autocasts(model):
        return None
    pairs = _conv_pool_pairs(model)
    plan = []
    fused_pool = None
    for node in model._execution_order:
        if node is fused_pool:
            continue
        layer = node.layer
        step = _PURE_STEPS.get(type(layer))
        if step is None or not _single_input_key(node) or layer.activity_regularizer is not None \
                or not layer.built or getattr(layer, "mask_zero", False) or getattr(layer, "stateful", False):
            return None  # a mask needs the full calls; a stateful RNN's output depends on earlier calls
        pool_node = pairs.get(id(node))
        if pool_node is not None and pool_node.layer.built:  # a chain: the pooling is the next node
            plan.append(((layer, pool_node.layer), _conv_pool_step))
            fused_pool = pool_node
            continue
        plan.append((layer, step))
    return plan


def _run_plan_on_arrays(plan, x):
    """The plan's output with no tape recording: runs of fused Dense layers go from array to array through
    `dense_forward` (no Tensor or argument checks between them; ~3 us a layer on one sample), other
    steps get Tensors. The result carries the hidden logits of a softmax/sigmoid Dense, as the op's does."""
    value, logits = x.array, None
    for layer, step in plan:
        if step is _dense_step and layer._fused is not None and value.ndim == 2 and \
                value.dtype == layer.kernel.array.dtype:
            bias = layer.bias.array if layer.bias is not None else None
            value, logits = fused.dense_forward(value, layer.kernel.array, bias, layer._fused,
                                                keep_logits=layer._fused in ("softmax", "sigmoid"))
            continue
        x = step(layer, _with_logits(value, logits))
        value, logits = x.array, getattr(x, "_keras_logits", None)
        logits = logits.array if logits is not None else None
    return _with_logits(value, logits)


def _with_logits(value, logits):
    x = Tensor(value)
    if logits is not None:
        x._keras_logits = Tensor(logits)
    return x


def _build_training_plan(model):
    """The inference plan, or None when a layer in it behaves differently in training (its inference step
    would be wrong under a training call)."""
    plan = model._inference_plan()
    if not plan or any(not isinstance(layer, tuple) and is_mode_dependent(layer) for layer, _ in plan):
        return None
    return plan


def _conv_pool_step(layers, x):
    """Conv(relu) then MaxPooling in one op (see `_conv_pool_pairs`)."""
    conv, pool = layers
    out = _fused_conv_pool(conv, pool, x) if x.ndim == conv.rank + 2 else None  # extra leading axes: the
    return out if out is not None else pool.call(conv.call(x))                    # layers' calls fold them


def _conv_pool_pairs(model):
    """{id(conv node): pool node} for Conv(relu) -> MaxPooling pairs that run as one `conv_relu_max_pool`
    op in `_run_graph`: built-in classes, channels last, one group, pooling windows that tile (strides ==
    pool_size, 'valid'), no activity regularizer, and the convolution's output used by the pooling only."""
    if _autocasts(model):  # the fused op computes in the variables' dtype
        return {}
    import kerasish.layers as L

    convs, pools = (L.Conv1D, L.Conv2D, L.Conv3D), (L.MaxPooling1D, L.MaxPooling2D, L.MaxPooling3D)
    consumers = collections.Counter(id(t) for node in model._execution_order for t in node.keras_inputs)
    for t in model.outputs:
        consumers[id(t)] += 1
    in_model = {id(node) for node in model._execution_order}
    pairs = {}
    for node in model._execution_order:
        pool = node.layer
        if type(pool) not in pools or not _single_input_key(node):
            continue
        source = node.call_args[0]
        history = getattr(source, "_keras_history", None)
        if history is None or consumers[id(source)] != 1:
            continue
        conv_node = history[0]._inbound_nodes[history[1]]
        conv = conv_node.layer
        if id(conv_node) not in in_model or type(conv) not in convs \
                or convs.index(type(conv)) != pools.index(type(pool)) or not _single_input_key(conv_node) \
                or conv._fused != "relu" or conv._post_activation is not None \
                or conv.groups != 1 or conv.data_format != "channels_last" or pool.data_format != "channels_last" \
                or pool.padding != "valid" or tuple(pool.strides) != tuple(pool.pool_size) \
                or conv.activity_regularizer is not None or pool.activity_regularizer is not None:
            continue
        pairs[id(conv_node)] = node
    return pairs


def _run_conv_pool(conv, pool, x):
    """The pair's output through the fused op, or None where the layers' own calls are needed (not yet
    built or shape-checked, a mask, extra leading axes)."""
    if type(x) is not Tensor or x._keras_mask is not None or not pool.built \
            or x.array.shape != conv._checked_shape or x.array.ndim != conv.rank + 2:
        return None
    return _fused_conv_pool(conv, pool, x)


def _fused_conv_pool(conv, pool, x):
    """The pair's output through `conv_relu_max_pool` (None: use the layers' own calls)."""
    return conv_pool_ops.conv_relu_max_pool(x, conv.kernel, conv.bias, pool.pool_size, conv.strides, conv.padding,
                                            conv.dilation_rate, name=conv.name)


def _outside_any_call():
    """Whether no layer call is under way and nothing forces the training phase."""
    ctx = layer_module._context()
    return ctx["depth"] == 0 and not ctx["training"] and not config.global_learning_phase()


def _single_input_key(node):
    """(id of the input tensor, id of the output tensor) for a plain one-in/one-out call, else False."""
    args, kwargs, outputs = node.call_args, node.call_kwargs, node.outputs
    if len(args) == 1 and not kwargs and not node.captures and is_symbolic(args[0]) and is_symbolic(outputs):
        return (id(args[0]), id(outputs))
    return False


def check_and_cast_input(spec, x, index: int, owner: str) -> Tensor:
    """`x` as a Tensor fit for Keras tensor `spec` (input `index` of `owner`): float data cast to its dtype,
    the shape checked."""
    if not isinstance(x, Tensor):
        x = np.asarray(x)
        if spec.dtype.kind == "f" or x.dtype.kind == "f":  # integer data for integer inputs stays as is
            x = x.astype(spec.dtype, copy=False)
        x = Tensor(x)
    shape = x.shape
    want = spec.shape
    # as tf_keras's _conform_to_reference_input: one axis of size 1 more or less than the Input is fine
    if len(shape) == len(want) - 1 and want[-1] == 1:
        x = m.reshape(x, tuple(shape) + (1,))
        shape = x.shape
    elif len(shape) == len(want) + 1 and shape[-1] == 1:
        x = m.reshape(x, tuple(shape[:-1]))
        shape = x.shape
    if len(shape) != len(want) or any(w is not None and w != s for w, s in zip(want[1:], shape[1:])):
        where = f'Input {index} of layer "{owner}"'
        if len(shape) != len(want):
            raise ValueError(f"{where} is incompatible with the layer: expected shape={want}, "
                             f"found shape={tuple(shape)} (expected ndim={len(want)}, found ndim={len(shape)})")
        raise ValueError(f"{where} is incompatible with the layer: expected shape={want}, found shape={tuple(shape)}")
    return x


def run_nodes(nodes: list, values: dict, pairs: dict = None, taped: TapedRun = None) -> dict:
    """Compute `nodes` (in execution order) from `values` (id(Keras tensor) -> value), adding their outputs.

    What Functional models and `K.function` share: each node goes through its layer's full `__call__`;
    Conv(relu) -> MaxPooling `pairs` run as one op; a node whose layer captured outer Keras tensors gets
    their values through a `CapturedValues` scope; `taped` (a TapedRun) watches the tensors that K.gradients
    nodes differentiate with respect to, as they are computed.
    """
    watch = taped.watch_ids if taped is not None else ()

    def fetch(t):
        return values[id(t)] if is_symbolic(t) else t

    done = set()
    for node in nodes:
        if id(node) in done:  # a pooling already computed with the convolution below it
            continue
        single = node.__dict__.get("_single_input")
        if single is None:
            single = _single_input_key(node)
            node._single_input = single
        if single:  # one tensor in, one tensor out, no kwargs: the common case, no structure walking
            pool_node = pairs.get(id(node)) if pairs else None
            if pool_node is not None:
                pooled = _run_conv_pool(node.layer, pool_node.layer, values[single[0]])
                if pooled is not None:
                    values[id(pool_node.outputs)] = pooled
                    done.add(id(pool_node))
                    if id(pool_node.outputs) in watch:
                        taped.produced(pool_node.outputs, pooled)
                    continue
            values[single[1]] = value = node.layer(values[single[0]])
            if single[1] in watch:
                taped.produced(node.outputs, value)
            continue
        args = map_structure(fetch, node.call_args)
        kwargs = map_structure(fetch, node.call_kwargs) if node.call_kwargs else {}
        if node.captures:
            outputs = _call_with_captures(node, args, kwargs, values)
        else:
            outputs = node.layer(*args, **kwargs)
        for kt, v in zip(flatten(node.outputs), flatten(outputs)):
            values[id(kt)] = v
            if id(kt) in watch:
                taped.produced(kt, v)
    return values


def _unique_output_names(output_layers):
    """Output names, with `_1`, `_2`, ... on repeats (tf_keras's `_set_output_names`): two outputs of one nested
    model, `fake, aux = discriminator(image)`, are "discriminator" and "discriminator_1", so each output's loss
    and metrics get their own name."""
    names, counts = [], {}
    for layer in output_layers:
        proposal = layer.name
        while proposal in names:
            counts[layer.name] = counts.get(layer.name, 1)
            proposal = f"{layer.name}_{counts[layer.name]}"
            counts[layer.name] += 1
        names.append(proposal)
    return names


def _propagate_shapes(nodes, shapes):
    """Output shapes of `nodes` (execution order) from `shapes` (id(Keras tensor) -> shape) of some tensors,
    by each layer's `compute_output_shape`; None when a node takes more than one positional structure of
    tensors or its layer cannot compute its shape (the caller keeps the model's own shapes)."""
    for node in nodes:
        if node.captures or len(node.call_args) != 1 or any(is_symbolic(v) for v in flatten(node.call_kwargs)):
            return None
        inputs = node.call_args[0]
        if not any(id(t) in shapes for t in flatten(inputs) if is_symbolic(t)):
            continue  # nothing upstream changed: the node's recorded shapes stand
        in_shapes = map_structure(lambda t: shapes.get(id(t), tuple(t.shape)) if is_symbolic(t) else np.shape(t),
                                  inputs)
        try:
            out = node.layer.compute_output_shape(in_shapes)
        except (ValueError, TypeError, NotImplementedError):
            return None
        outputs = flatten(node.outputs)
        out = [out] if len(outputs) == 1 and not isinstance(node.outputs, (list, tuple)) else list(out)
        if len(out) != len(outputs):
            return None
        for t, shape in zip(outputs, out):
            shapes[id(t)] = tuple(shape)
    return shapes


def _call_with_captures(node, args, kwargs, values):
    """Call a node's layer while the outer Keras tensors its `call` uses stand for their computed values."""
    ctx = layer_module._context()
    saved = ctx["captures"]
    ctx["captures"] = CapturedValues({id(t): values[id(t)] for t in node.captures})
    try:
        return node.layer(*args, **kwargs)
    finally:
        ctx["captures"] = saved


def map_graph_network(inputs, outputs):
    """(network_nodes, nodes_by_depth, layers, layers_by_depth) for the graph from `inputs` to `outputs`."""
    finished, in_progress = set(), set()
    nodes_in_decreasing_depth = []
    layer_indices = {}

    def visit(tensor):
        layer, node_index, _ = tensor._keras_history
        node = layer._inbound_nodes[node_index]
        if id(node) in finished:
            return
        if id(node) in in_progress:
            raise ValueError(f"Tensor {tensor} from layer \"{layer.name}\" is part of a cycle.")
        if layer not in layer_indices:
            layer_indices[layer] = len(layer_indices)
        in_progress.add(id(node))
        if not node.is_input:
            for t in node.keras_inputs:
                visit(t)
        finished.add(id(node))
        in_progress.discard(id(node))
        nodes_in_decreasing_depth.append(node)

    for out in outputs:
        visit(out)

    network_nodes = {_node_key(n.layer, n.index) for n in nodes_in_decreasing_depth}
    nodes_depths, layers_depths = {}, {}
    for node in reversed(nodes_in_decreasing_depth):
        depth = nodes_depths.setdefault(id(node), 0)
        depth = max(depth, layers_depths.get(node.layer, 0))
        layers_depths[node.layer] = depth
        nodes_depths[id(node)] = depth
        for parent in node.parent_nodes:
            nodes_depths[id(parent)] = max(depth + 1, nodes_depths.get(id(parent), 0))
    node_by_id = {id(n): n for n in nodes_in_decreasing_depth}
    for t in inputs:
        input_layer = t._keras_history[0]
        if input_layer not in layers_depths:
            layers_depths[input_layer] = 0
            layer_indices[input_layer] = -1
            node = input_layer._inbound_nodes[0]
            nodes_depths[id(node)] = 0
            node_by_id[id(node)] = node
            network_nodes.add(_node_key(input_layer, 0))

    nodes_by_depth = collections.defaultdict(list)
    for node_id, depth in nodes_depths.items():
        nodes_by_depth[depth].append(node_by_id[node_id])
    layers_by_depth = collections.defaultdict(list)
    for layer, depth in layers_depths.items():
        layers_by_depth[depth].append(layer)
    layers = []
    for depth in sorted(layers_by_depth, reverse=True):
        group = sorted(layers_by_depth[depth], key=lambda l: layer_indices[l])
        layers.extend(group)

    # Every tensor a node consumes must be computable from the inputs.
    computable = {id(t) for t in inputs}
    for depth in sorted(nodes_by_depth, reverse=True):
        for node in nodes_by_depth[depth]:
            if not node.is_input:
                for t in node.keras_inputs:
                    if id(t) not in computable:
                        raise ValueError(
                            f"Graph disconnected: cannot obtain value for tensor {t} at layer "
                            f"\"{node.layer.name}\". The following previous layers were accessed without issue: "
                            f"{[l.name for l in layers if l in layers_depths and layers_depths[l] > depth][:20]}")
            if not node.is_input:
                for t in flatten(node.outputs):
                    computable.add(id(t))
    names = [l.name for l in layers]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"The name \"{dupes[0]}\" is used {names.count(dupes[0])} times in the model. "
                         "All layer names should be unique.")
    return network_nodes, nodes_by_depth, layers, layers_by_depth


@register_builtin("layer", "Model")
@register_builtin("model")
class Functional(Model):
    """A model defined by connecting layers from `Input`s to outputs (`keras.Model(inputs, outputs)`)."""

    @interfaces.legacy_model_constructor_support
    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        if name is None:
            from ..layers.layer import to_snake_case, unique_layer_name

            # "model" for keras.Model(inputs, outputs); a subclass called with inputs/outputs is named after its class
            name = unique_layer_name("model" if type(self) is Functional else to_snake_case(type(self).__name__))
        super().__init__(name=name, trainable=trainable, **kwargs)
        self._init_graph_network(inputs, outputs)

    def _init_graph_network(self, inputs, outputs):
        # A one-element list of inputs or outputs is that tensor, as in Keras: `Model(x, [y])(data)`
        # returns a tensor and `predict` an array
        if isinstance(inputs, list) and len(flatten(inputs)) == 1:
            inputs = inputs[0]
        if isinstance(outputs, list) and len(flatten(outputs)) == 1:
            outputs = outputs[0]
        if isinstance(inputs, dict):
            self._nested_inputs = dict(inputs)
            flat_inputs = [inputs[k] for k in inputs]
        else:
            self._nested_inputs = inputs
            flat_inputs = flatten(inputs)
        self._nested_outputs = outputs
        flat_outputs = flatten(outputs)
        for t in flat_inputs + flat_outputs:
            if not is_symbolic(t):
                raise ValueError(
                    f"Input tensors to a Functional model must come from `keras.Input`. Received: {t!r} "
                    "(missing previous layer metadata).")
        for t in flat_inputs:
            layer = t._keras_history[0]
            if not isinstance(layer, InputLayer):
                raise ValueError(
                    f"Model inputs must come from `keras.Input` (thus holding past layer metadata). The input "
                    f"{t!r} comes from layer \"{layer.name}\".")
        self.inputs = flat_inputs
        self.outputs = flat_outputs
        self._input_layers = [t._keras_history[0] for t in flat_inputs]
        self._output_layers = [t._keras_history[0] for t in flat_outputs]
        self._output_coordinates = [t._keras_history for t in flat_outputs]
        self._network_nodes, self._nodes_by_depth, layers, _ = map_graph_network(flat_inputs, flat_outputs)
        self._tracking = False
        self._layers = layers
        self._tracking = True
        layer_module._STRUCTURE_VERSION[0] += 1
        self._execution_order = [n for d in sorted(self._nodes_by_depth, reverse=True)
                                 for n in self._nodes_by_depth[d] if not n.is_input]
        self.input_names = [l.name for l in self._input_layers]
        self.output_names = _unique_output_names(self._output_layers)
        self.built = True
        self._is_graph_network = True
        self._ancillary_outputs = []
        _OwnNode(self, self._nested_inputs, self._nested_outputs)

    # -- losses and metrics added as graph nodes (Keras 2's AddLoss / AddMetric layers) ---------------
    def _add_symbolic_loss(self, loss):
        """`model.add_loss(tensor)` with a Keras tensor of this model's graph: an `AddLoss` node."""
        layer = AddLoss(unconditional=False, dtype=loss.dtype.name)
        self._insert_ancillary([layer(loss)])

    def _graph_network_add_metric(self, value, aggregation, name):
        """`model.add_metric(tensor, name=...)` with a Keras tensor of this model's graph: an `AddMetric` node."""
        layer = AddMetric(aggregation, name, dtype=value.dtype.name)
        self._insert_ancillary([layer(value)])

    def _insert_ancillary(self, tensors, new_layers=None):
        """Make the nodes computing `tensors` (not outputs) part of the graph: they run with the model, are
        saved in its config, and their new layers join `model.layers` at the end (in graph order, or in the
        order of `new_layers`), as in Keras 2."""
        ancillary = self.__dict__.get("_ancillary_outputs", []) + list(tensors)
        network_nodes, nodes_by_depth, layers, _ = map_graph_network(self.inputs, list(self.outputs) + ancillary)
        known = set(id(l) for l in self._layers)
        if new_layers is not None:
            layers = new_layers
        self._tracking = False
        self._layers = self._layers + [l for l in layers if id(l) not in known]
        self._tracking = True
        self._ancillary_outputs = ancillary
        self._network_nodes, self._nodes_by_depth = network_nodes, nodes_by_depth
        self._execution_order = [n for d in sorted(nodes_by_depth, reverse=True)
                                 for n in nodes_by_depth[d] if not n.is_input]
        layer_module._STRUCTURE_VERSION[0] += 1

    # -- running the graph -------------------------------------------------------------------
    def _flatten_model_inputs(self, inputs):
        if isinstance(inputs, dict):
            missing = [n for n in self.input_names if n not in inputs]
            if missing:
                raise ValueError(f"Missing data for input \"{missing[0]}\" of model \"{self.name}\". You passed a "
                                 f"dict with keys {sorted(inputs)}; expected keys {self.input_names}")
            return [inputs[n] for n in self.input_names]
        flat = flatten(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        if len(flat) != len(self.inputs):
            raise ValueError(f"Layer \"{self.name}\" expects {len(self.inputs)} input(s), but it received "
                             f"{len(flat)} input tensors.")
        return flat

    def _check_and_cast_input(self, i, x):
        return check_and_cast_input(self.inputs[i], x, i, self.name)

    def __call__(self, inputs, *args, **kwargs):
        # model(x) on a numpy batch outside training: straight to the inference plan, without the generic
        # call machinery (the single-sample latency path; the plan checks the input's shape and dtype)
        if type(inputs) is np.ndarray and not args and not RECORDING and not kwargs.get("training") and \
                (not kwargs or list(kwargs) == ["training"]) and self.__dict__.get("_graph_built", True) and \
                _outside_any_call() and type(self).call in PLAN_CALLS:
            plan = self._inference_plan()
            if plan:
                return self._run_inference_plan(plan, inputs)
        return super().__call__(inputs, *args, **kwargs)

    def call(self, inputs, training=None, mask=None):
        if mask is None:
            # no tape and no training: the inference plan; otherwise the same plan where no layer in it
            # behaves differently in training (no Dropout, BatchNormalization, noise)
            plan = self._inference_plan() if not training and not RECORDING else self._training_plan()
            if plan:
                return self._run_inference_plan(plan, inputs)
        return self._run_graph(inputs, mask)

    def _run_graph(self, inputs, mask=None):
        """Run every node through its layer's full `__call__` (masks, losses, training flags)."""
        flat = self._flatten_model_inputs(inputs)
        values = {}
        for i, (kt, x) in enumerate(zip(self.inputs, flat)):
            values[id(kt)] = self._check_and_cast_input(i, x)
        if mask is not None:
            for kt, mk in zip(self.inputs, flatten(mask) if isinstance(mask, (list, tuple)) else [mask]):
                if mk is not None:
                    values[id(kt)]._keras_mask = mk
        gradient_nodes = self._gradient_nodes()
        if gradient_nodes:  # K.gradients nodes: computed under the tapes of a TapedRun
            with TapedRun(gradient_nodes) as taped:
                for kt in self.inputs:
                    taped.produced(kt, values[id(kt)])
                run_nodes(self._execution_order, values, self._conv_pool_pairs(), taped)
        else:
            run_nodes(self._execution_order, values, self._conv_pool_pairs())
        return map_structure(lambda t: values[id(t)], self._nested_outputs)

    # the run itself puts each layer's output mask on its outputs: `__call__` has no masks left to compute
    _computes_own_mask = False

    def _set_output_masks(self, inputs, outputs, mask):
        pass

    def compute_mask(self, inputs, mask=None):
        """The output masks for `inputs` and their `mask` (tf_keras's Functional.compute_mask): one per output
        (a list for several outputs), found by running the graph; None where an output carries no mask.

        Example:
            >>> import numpy as np
            >>> import kerasish as keras
            >>> x = keras.Input((3,))
            >>> model = keras.Model(x, keras.layers.Embedding(5, 2, mask_zero=True)(x))
            >>> model.compute_mask(np.array([[1, 0, 2]]), None).numpy().tolist()
            [[True, False, True]]
        """
        if any(is_symbolic(t) for t in flatten(inputs)):
            # Keras tensors carry no masks here: masks exist once values flow
            return map_structure(lambda t: None, self._nested_outputs)
        outputs = self._run_graph(inputs, mask)
        return map_structure(lambda t: getattr(t, "_keras_mask", None), outputs)

    def _gradient_nodes(self):
        """The K.gradients nodes among the graph's nodes, and Lambda layers calling K.gradients (an empty list
        for most models)."""
        return self._cached_until_restructured(
            "_gradient_nodes_cache",
            lambda model: [n for n in model._execution_order if TapedRun.needs_tape(n)])

    def compute_output_shape(self, input_shape):
        """The outputs' shapes for inputs of `input_shape`: the model's own output shapes, or, for inputs more
        specific than the model's (a `Sequential([Embedding(...)])` called on `Input((68,))`), the shapes each
        layer computes in turn, as tf_keras's Functional does: (None, 68, 64) rather than (None, None, 64)."""
        own = map_structure(lambda t: t.shape, self._nested_outputs)
        if isinstance(input_shape, dict):
            return own
        given = list(input_shape) if input_shape and all(isinstance(s, (list, tuple)) for s in input_shape) \
            else [input_shape]
        if len(given) != len(self.inputs) or all(tuple(g) == tuple(t.shape) for g, t in zip(given, self.inputs)):
            return own
        shapes = _propagate_shapes(self._execution_order, {id(t): tuple(g) for t, g in zip(self.inputs, given)})
        if shapes is None:
            return own
        return map_structure(lambda t: shapes.get(id(t), t.shape), self._nested_outputs)

    # -- inference fast path ---------------------------------------------------------------------
    def _cached_until_restructured(self, key, build):
        """`build(self)`, kept under `key` until the model's structure changes."""
        cached = self.__dict__.get(key)
        version = layer_module._STRUCTURE_VERSION[0]
        if cached is not None and cached[0] == version:
            return cached[1]
        value = build(self)
        object.__setattr__(self, key, (version, value))
        return value

    def _conv_pool_pairs(self):
        """The Conv(relu) -> MaxPooling pairs run as one op (`_conv_pool_pairs`)."""
        return self._cached_until_restructured("_pairs_cache", _conv_pool_pairs)

    def _training_plan(self):
        """The inference plan when every step in it is the same in training (else None)."""
        return self._cached_until_restructured("_training_plan_cache", _build_training_plan)

    def _inference_plan(self):
        """For a chain of pure built-in layers: [(layer, step), ...] run without per-call machinery.

        Valid until the model's structure changes; None when some layer needs the full call
        (masks, losses, custom layers, several inputs or outputs).
        """
        return self._cached_until_restructured("_plan_cache", _build_inference_plan)

    def _run_inference_plan(self, plan, inputs):
        x = inputs
        if isinstance(x, (list, tuple, dict)):
            x = self._flatten_model_inputs(x)[0]  # raises the clear "expects N inputs" error
        x = self._check_and_cast_input(0, x)
        if x._keras_mask is not None:  # masks need the full path
            return self._run_graph(x)
        if RECORDING:
            for layer, step in plan:
                x = step(layer, x)
        else:
            x = _run_plan_on_arrays(plan, x)
        return [x] if isinstance(self._nested_outputs, list) else x

    @property
    def input(self):
        return self._nested_inputs if not isinstance(self._nested_inputs, list) or len(self.inputs) > 1 \
            else self.inputs[0]

    @property
    def output(self):
        return self._nested_outputs if not isinstance(self._nested_outputs, list) or len(self.outputs) > 1 \
            else self.outputs[0]

    @property
    def input_shape(self):
        shapes = [t.shape for t in self.inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        shapes = [t.shape for t in self.outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def input_spec(self):
        return None

    @input_spec.setter
    def input_spec(self, value):
        pass

    # -- config -----------------------------------------------------------------------------
    def get_config(self):
        return get_network_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        inputs, outputs, layers = reconstruct_from_config(config, custom_objects)
        model = Functional(inputs=inputs, outputs=outputs, name=config.get("name"),
                           trainable=config.get("trainable", True))
        connect_ancillary_layers(model, layers)
        return model


def connect_ancillary_layers(model, created_layers):
    """Add the layers of a config that the outputs do not reach (an `add_loss` / `add_metric` subgraph)."""
    in_model = set(id(l) for l in model.layers)
    ancillary = [layer for layer in created_layers.values() if id(layer) not in in_model]
    if ancillary:
        model._insert_ancillary([t for layer in ancillary for node in layer._inbound_nodes
                                 for t in flatten(node.outputs)], ancillary)
    return model


def _should_skip_first_node(layer):
    """Keras skips a nested functional model's own node 0 when numbering nodes in a config."""
    if isinstance(layer, model_class("Sequential")):
        return getattr(layer, "_graph_built", False) and layer._has_explicit_input
    return isinstance(layer, Functional)


def get_network_config(network):
    """The Keras 2 config dict of a functional network: layers with inbound nodes, input/output layers."""
    node_conversion_map = {}
    for layer in network.layers:
        kept = 1 if _should_skip_first_node(layer) else 0
        for original_index, node in enumerate(layer._inbound_nodes):
            key = _node_key(layer, original_index)
            if key in network._network_nodes:
                node_conversion_map[key] = kept
                kept += 1

    def tensor_ref(t):
        layer, node_index, tensor_index = t._keras_history
        return [layer.name, node_conversion_map.get(_node_key(layer, node_index), 0), tensor_index]

    layer_configs = []
    for layer in network.layers:
        filtered_nodes = []
        for original_index, node in enumerate(layer._inbound_nodes):
            key = _node_key(layer, original_index)
            if key in network._network_nodes and not node.is_input:
                filtered_nodes.append(_serialize_node(node, tensor_ref))
        layer_config = serialize_keras_object(layer)
        # tf_keras names registered custom classes "package>Name" in configs (so they load without custom_objects)
        layer_config = {"class_name": layer_config.get("registered_name") or layer_config["class_name"],
                        "config": layer_config["config"], "name": layer.name, "inbound_nodes": filtered_nodes}
        layer_configs.append(layer_config)

    def refs(tensors):
        return [tensor_ref(t) for t in tensors]

    config = {"name": network.name, "trainable": network.trainable, "layers": layer_configs,
              "input_layers": refs(network.inputs), "output_layers": refs(network.outputs)}
    if isinstance(network._nested_inputs, dict):
        config["input_layers"] = {k: tensor_ref(v) for k, v in network._nested_inputs.items()}
    if isinstance(network._nested_outputs, dict):
        config["output_layers"] = {k: tensor_ref(v) for k, v in network._nested_outputs.items()}
    return copy.deepcopy(config)


def _serialize_node(node, tensor_ref):
    args = node.call_args
    first, rest = args[0], args[1:]
    kwargs = {}
    if rest:
        import inspect

        names = [p for p in inspect.signature(node.layer.call).parameters][1:]
        kwargs.update(dict(zip(names, rest)))
    kwargs.update(node.call_kwargs)
    kwargs = map_structure(lambda v: tensor_ref(v) if is_symbolic(v) else _config_value(v, node.layer), kwargs)

    def first_arg(t):
        if is_symbolic(t):
            return tensor_ref(t) + [kwargs]
        return ["_CONSTANT_VALUE", -1, _config_value(t, node.layer), kwargs]

    if getattr(node.layer, "_preserve_input_structure_in_config", False):
        # op layers (tf.keras's layout): the first argument's structure is kept, each leaf an entry
        def structure(x):
            return [structure(v) for v in x] if isinstance(x, (list, tuple)) else first_arg(x)

        return structure(first)
    if isinstance(first, (list, tuple)):
        return [first_arg(t) for t in flatten(first)]
    if isinstance(first, dict):
        return {k: first_arg(v) for k, v in first.items()}
    return [first_arg(first)]


def _config_value(value, layer):
    """A call argument as JSON data (arrays and tensors as nested lists, dtypes by name)."""
    if isinstance(value, Tensor):
        return value.array.tolist()
    if isinstance(value, (np.ndarray, np.generic)):
        return value.tolist()
    if isinstance(value, np.dtype) or (isinstance(value, type) and issubclass(value, np.generic)):
        return np.dtype(value).name
    if isinstance(value, slice) or value is Ellipsis:
        from ..layers.tf_op_table import slice_to_config

        return slice_to_config(value)
    if callable(value):
        raise ValueError(f'Layer "{layer.name}" was called with a Python callable ({value!r}) as an argument; '
                         "such a call cannot be saved in a model config.")
    return value


def reconstruct_from_config(config, custom_objects=None):
    """Rebuild the layers and graph described by a Keras 2 functional config."""
    from ..layers import deserialize as deserialize_layer

    created_layers = {}
    unprocessed = collections.defaultdict(list)
    node_index_map = {}
    node_count_by_layer = {}

    def add_unprocessed(layer, node_data):
        unprocessed[layer].append(node_data)

    def to_tensor_ref(data, layer_map):
        name, node_index, tensor_index = data[0], data[1], data[2]
        layer = layer_map[name]
        new_index = node_index_map.get((name, node_index), None)
        if new_index is None:
            return None
        return flatten(layer._inbound_nodes[new_index].outputs)[tensor_index]

    def deserialize_kwargs(kwargs):
        def convert(v):
            if isinstance(v, list) and len(v) == 3 and isinstance(v[0], str) and v[0] in created_layers \
                    and isinstance(v[1], int) and isinstance(v[2], int):
                t = to_tensor_ref(v, created_layers)
                if t is None:
                    raise LookupError
                return t
            if isinstance(v, list):
                return [convert(x) for x in v]
            if isinstance(v, dict):
                return {k: convert(x) for k, x in v.items()}
            return v

        return {k: convert(v) for k, v in (kwargs or {}).items()}

    class NotReady(Exception):
        """An entry refers to a node that has not been rebuilt yet."""

    def resolve_entry(entry):
        """(value, call kwargs) of one inbound entry: a constant or the tensor it names."""
        if entry[0] == "_CONSTANT_VALUE":
            return entry[2], deserialize_kwargs(entry[3] if len(entry) > 3 else {})
        name, node_index, tensor_index = entry[0], entry[1], entry[2]
        new_index = node_index_map.get((name, node_index)) if name in created_layers else None
        if new_index is None:
            raise NotReady
        try:
            kwargs = deserialize_kwargs(entry[3] if len(entry) > 3 else {})
        except LookupError:
            raise NotReady from None
        return flatten(created_layers[name]._inbound_nodes[new_index].outputs)[tensor_index], kwargs

    def is_entry(x):
        return isinstance(x, list) and len(x) >= 3 and isinstance(x[0], str)

    def op_layer_argument(data, found):
        """An op layer's first argument, structure kept (tf.keras): entries become values, lists stay lists."""
        if is_entry(data):
            value, found["kwargs"] = resolve_entry(data)
            return value
        return [op_layer_argument(x, found) for x in data]

    def process_node(layer, node_data):
        kwargs = {}
        try:
            if getattr(layer, "_preserve_input_structure_in_config", False) and isinstance(node_data, list):
                found = {"kwargs": {}}
                args = op_layer_argument(node_data, found)
                kwargs = found["kwargs"]
            else:
                entries = node_data if isinstance(node_data, list) else list(node_data.values())
                if entries and not isinstance(entries[0], list):
                    entries = [entries]
                input_tensors = []
                for entry in entries:
                    value, kwargs = resolve_entry(entry)
                    input_tensors.append(value)
                if isinstance(node_data, dict):
                    args = dict(zip(node_data.keys(), input_tensors))
                else:
                    args = input_tensors[0] if len(input_tensors) == 1 else input_tensors
        except NotReady:
            add_unprocessed(layer, node_data)
            return False
        before = len(layer._inbound_nodes)
        layer(args, **kwargs)
        serial = node_count_by_layer.get(layer.name, 1 if _should_skip_first_node(layer) else 0)
        node_index_map[(layer.name, serial)] = before
        node_count_by_layer[layer.name] = serial + 1
        return True

    for layer_data in config["layers"]:
        layer = deserialize_layer(layer_data, custom_objects=custom_objects)
        name = layer_data.get("name", layer.name)
        created_layers[name] = layer
        if isinstance(layer, InputLayer):
            node_index_map[(name, 0)] = 0
            node_count_by_layer[name] = 1
        else:
            for node_data in layer_data.get("inbound_nodes", []):
                add_unprocessed(layer, node_data)

    order = [created_layers[l.get("name", l["config"].get("name"))] for l in config["layers"]]
    while unprocessed:
        progressed = False
        for layer in order:
            if layer in unprocessed:
                pending = unprocessed.pop(layer)
                for i, node_data in enumerate(pending):
                    if not process_node(layer, node_data):
                        # keep the rest in order behind the one that could not run yet
                        unprocessed[layer].extend(pending[i + 1:])
                        break
                    progressed = True
        if not progressed and unprocessed:
            names = [l.name for l in unprocessed]
            raise ValueError(f"Could not rebuild the model graph: layers {names} refer to inputs that are never "
                             "created (the config's inbound_nodes are inconsistent).")

    def refs_to_tensors(refs):
        if isinstance(refs, dict):
            return {k: to_tensor_ref(v, created_layers) for k, v in refs.items()}
        if refs and not isinstance(refs[0], list):
            refs = [refs]
        return [to_tensor_ref(r, created_layers) for r in refs]

    inputs = refs_to_tensors(config["input_layers"])
    outputs = refs_to_tensors(config["output_layers"])
    if isinstance(inputs, list) and len(inputs) == 1:
        inputs = inputs[0]
    if isinstance(outputs, list) and len(outputs) == 1:
        outputs = outputs[0]
    return inputs, outputs, created_layers


PLAN_CALLS.append(Functional.call)  # a Functional model's call runs the inference plan
