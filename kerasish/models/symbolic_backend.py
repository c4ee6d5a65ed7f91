"""Keras 2.0's graph-style backend functions: `K.function`, `K.placeholder` (and `K.gradients`'s runner).

Keras 2.0 code builds a graph from placeholders or a model's input, then evaluates parts of it:

    loss = K.mean(model.get_layer("block3_conv1").output[:, :, :, 0])
    grads = K.gradients(loss, model.input)[0]
    iterate = K.function([model.input], [loss, grads])
    loss_value, grads_value = iterate([image])

kerasish has no graph mode: the engine is eager. `K.function` plans the graph once (`GraphFunction`: the
nodes between the fed tensors and the outputs, in execution order) and each call runs those nodes on the
given arrays through the same runner as Functional models (`functional.run_nodes`). Gradient nodes are
computed under the tapes of a `TapedRun`, opened for the run. `K.learning_phase()` among the inputs marks
where the caller passes the phase; `updates` run after the outputs. The backend reaches these functions
through `backend/dispatch.py` (registered below), so the engine imports nothing from here.

Example:
    >>> import numpy as np
    >>> from kerasish import backend as K
    >>> x = K.placeholder(shape=(None, 2))
    >>> f = K.function([x], [K.sum(x * x, axis=1), K.gradients(K.sum(x * x), [x])[0]])
    >>> value, grad = f([np.array([[1.0, 2.0]], "float32")])
    >>> value.tolist(), grad.tolist()
    ([5.0], [[2.0, 4.0]])
"""
import numpy as np

from ..backend import config, dispatch
from ..backend.tape import no_recording
from ..backend.tensor import Tensor, Variable
from ..layers import layer as layer_module
from ..layers.input_layer import Input
from ..layers.layer import is_symbolic
from ..layers.op_layers import TapedRun, gradients
from .functional import _conv_pool_pairs, check_and_cast_input, run_nodes


class GraphFunction:
    """What `K.function(inputs, outputs, updates)` returns: the planned graph, callable on a list of arrays.

    Args:
        inputs: Keras tensors to feed (placeholders, model inputs or any tensor of the graph); a plain
            0/1 (what `K.learning_phase()` returns) marks the slot where the caller passes the phase.
        outputs: a Keras tensor or a list of them (Variables and constants are returned as they are).
        updates: `(variable, new_value)` pairs and symbolic `K.update*` results, run after the outputs.

    Example:
        >>> from kerasish import backend as K
        >>> x = K.placeholder(shape=(None, 1))
        >>> total = K.variable(0.0)
        >>> f = GraphFunction([x], [x * 2], updates=[K.update_add(total, K.sum(x))])
        >>> f([np.array([[1.0], [2.0]], "float32")])[0].tolist(), float(K.get_value(total))
        ([[2.0], [4.0]], 3.0)
    """

    def __init__(self, inputs, outputs, updates: list = None, name: str = None):
        self.single_output = not isinstance(outputs, (list, tuple))
        self.inputs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        self.outputs = [outputs] if self.single_output else list(outputs)
        for i, slot in enumerate(self.inputs):
            if not (is_symbolic(slot) or _is_phase_marker(slot)):
                raise TypeError(f"function: input {i} must be a Keras tensor (K.placeholder, a model's input) or "
                                f"K.learning_phase(); received {type(slot).__name__}: {slot!r:.80}")
        self.assignments, update_tensors = _parse_updates(updates)
        fed = {id(t) for t in self.inputs if is_symbolic(t)}
        output_tensors = [t for t in self.outputs if is_symbolic(t)]
        self.nodes = _plan(output_tensors, fed)
        planned = {id(n) for n in self.nodes}
        self.nodes += [n for n in _plan(update_tensors + [v for _, v in self.assignments if is_symbolic(v)], fed)
                       if id(n) not in planned]
        self.gradient_nodes = TapedRun.plan(self.nodes)
        self.pairs = _conv_pool_pairs(_PlannedGraph(self.nodes, output_tensors + update_tensors))

    def __call__(self, values):
        if isinstance(values, dict):
            values = list(values.values())
        elif not isinstance(values, (list, tuple)):
            values = [values]
        if len(values) != len(self.inputs):
            raise ValueError(f"function: expected {len(self.inputs)} input array(s); received {len(values)}")
        training = bool(config.learning_phase())
        feed = {}
        for i, (slot, value) in enumerate(zip(self.inputs, values)):
            if _is_phase_marker(slot):
                training = bool(int(np.asarray(value)))
            else:
                feed[id(slot)] = (slot, check_and_cast_input(slot, value, i, "K.function"))
        computed = {key: value for key, (_, value) in feed.items()}
        ctx = layer_module._context()
        saved_training, ctx["training"] = ctx["training"], training
        try:
            with no_recording():
                self._run(computed, feed)
        finally:
            ctx["training"] = saved_training
        for variable, new_value in self.assignments:
            variable.assign(computed[id(new_value)] if is_symbolic(new_value) else new_value)
        results = [_to_numpy(computed[id(t)] if is_symbolic(t) else t) for t in self.outputs]
        return results[0] if self.single_output else results

    def _run(self, computed, feed):
        if self.gradient_nodes is None:
            run_nodes(self.nodes, computed, self.pairs)
            return
        with TapedRun(self.gradient_nodes.nodes) as taped:
            for slot, value in feed.values():
                taped.produced(slot, value)
            run_nodes(self.nodes, computed, self.pairs, taped)


class _PlannedGraph:
    """What `_conv_pool_pairs` reads from a model, for a planned K.function graph."""

    def __init__(self, nodes, outputs):
        self._execution_order = nodes
        self.outputs = outputs

    def _flatten_layers(self):
        """The graph's layers and their sublayers (to see whether any runs under a mixed precision policy)."""
        return [sub for node in self._execution_order for sub in node.layer._flatten_layers()]


def _is_phase_marker(x):
    return isinstance(x, (bool, int, np.integer)) and not is_symbolic(x)


def _parse_updates(updates):
    """([(variable, new value)], [symbolic update tensors]) from K.function's `updates` argument."""
    assignments, tensors = [], []
    for i, update in enumerate(updates or []):
        if is_symbolic(update):
            tensors.append(update)
        elif isinstance(update, (list, tuple)) and len(update) == 2 and isinstance(update[0], Variable):
            assignments.append((update[0], update[1]))
        elif isinstance(update, Variable):
            raise TypeError(f"function: update {i} is the Variable {update.name!r}: K.update / K.update_add with a "
                            "value computed from no Keras tensor was applied at once, when written (kerasish is "
                            "eager). Give it a value computed from the function's inputs, or a (variable, "
                            "new_value) pair.")
        else:
            raise TypeError(f"function: update {i} must be a (variable, new_value) pair or a symbolic K.update / "
                            f"K.update_add / K.update_sub result; received {type(update).__name__}: {update!r:.80}")
    return assignments, tensors


def _plan(tensors, fed):
    """The nodes computing `tensors` from the `fed` tensors (ids), in an order that runs each after its inputs."""
    order, visited = [], set()
    for root in tensors:
        stack = [(root, False)]
        while stack:
            tensor, expanded = stack.pop()
            if id(tensor) in fed:
                continue
            node = tensor.node
            if expanded:
                if id(node) not in visited:
                    visited.add(id(node))
                    order.append(node)
                continue
            if id(node) in visited:
                continue
            if node.is_input:
                raise ValueError(f"function: the outputs depend on the input '{node.layer.name}' "
                                 f"(shape {tensor.shape}), which is not among the function's `inputs`.")
            stack.append((tensor, True))
            stack.extend((t, False) for t in reversed(node.keras_inputs))
    return order


def _to_numpy(value):
    return np.asarray(value.array if isinstance(value, Tensor) else value)


def _placeholder(shape, dtype, name):
    return Input(batch_shape=shape, dtype=dtype, name=name)


dispatch.register_implementation("function", GraphFunction)
dispatch.register_implementation("gradients", gradients)
dispatch.register_implementation("placeholder", _placeholder)
