"""The `.weights.h5` format: what tf_keras 2.21 (and Keras 3) write for `save_weights("x.weights.h5")`.

tf_keras 2.21 decides by the file name: `model.save_weights(path)` and `model.load_weights(path)` use
this format (keras `saving_lib`) when `path` ends with `.weights.h5`, and Keras 2's legacy layout
(`hdf5_weights`) otherwise. kerasish does the same when writing; when reading it looks at the file's
content, so either layout loads whatever its name.

Layout (verified against files written by tf_keras 2.21 with h5py, see tests/test_saving_export.py)::

    vars/                              the model's own weights (`model.add_weight`), usually empty
    layers/                            model.layers (Sequential: without the InputLayer)
        dense/vars/0, dense/vars/1     kernel, bias
        dense_1/vars/...               second object of the same class in the same list
        lstm/vars/                     (empty) the RNN layer itself holds no weights
        lstm/cell/vars/0..2            kernel, recurrent_kernel, bias
        bidirectional/forward_layer/cell/vars/..., .../backward_layer/cell/vars/...,
        bidirectional/layer/cell/vars  (the unbuilt template layer: empty)
        time_distributed/layer/vars/..
        multi_head_attention/_query_dense/vars/.. (_key_dense, _value_dense, _output_dense,
                                        _softmax, _dropout_layer)
        sequential/layers/dense/vars/.. a nested model: its own `layers` group
    optimizer/vars/0..N                compiled models: iterations, then the slots
    metrics/mean/vars/0..1             once the model has been trained or evaluated: loss tracker
    metrics/mean_metric_wrapper/...    and compiled metrics

No attributes anywhere. Paths come from a walk over the objects' attributes (as tf_keras's
`_walk_trackable`: names in reverse alphabetical order, so public names such as `layers` win over
private ones), each Layer, Optimizer and Metric reached first through an attribute named after it
(`cell`, `forward_layer`, `_query_dense`) or, inside a list/dict attribute, named after its class in
snake case with `_1`, `_2`, ... for repeats. Each object stores its OWN variables as `vars/<i>`:
for a layer `_trainable_weights + _non_trainable_weights` (not its sublayers'), for an optimizer and
a metric their `variables`. Names of layers never appear, so weights load into any model built the
same way, whatever its layer names.

Example:
    >>> import os, tempfile
    >>> import numpy as np
    >>> import kerasish as keras
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    >>> path = os.path.join(tempfile.mkdtemp(), "model.weights.h5")
    >>> model.save_weights(path)
    >>> import h5py
    >>> with h5py.File(path, "r") as f:
    ...     sorted(f["layers/dense/vars"])
    ['0', '1']
    >>> other = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="renamed")])
    >>> other.load_weights(path)
    >>> np.array_equal(other.get_weights()[0], model.get_weights()[0])
    True
"""
import inspect
import os
import re

import numpy as np

from ._warn import warn

SUFFIX = ".weights.h5"

# tf_keras saving_lib.ATTR_SKIPLIST, plus kerasish's own bookkeeping attributes that hold layers or
# metrics tf_keras keeps elsewhere (visiting them would give those objects other paths).
ATTR_SKIPLIST = frozenset({
    "_callable_losses", "_captured_weight_regularizer", "_checkpoint_dependencies",
    "_layer_checkpoint_dependencies", "_deferred_dependencies", "_eager_losses", "_inbound_nodes",
    "_inbound_nodes_value", "_output_layers", "_input_layers", "_keras_api_names", "_keras_api_names_v1",
    "_name_based_restores", "_outbound_nodes", "_outbound_nodes_value", "_saved_model_arg_spec",
    "_self_name_based_restores", "_self_saveable_object_factories", "_self_tracked_trackables",
    "_saved_model_inputs_spec", "_self_unconditional_checkpoint_dependencies",
    "_self_unconditional_deferred_dependencies", "_self_unconditional_dependency_names", "_tf_api_names",
    "_tf_api_names_v1", "_trainable_weights", "_non_trainable_weights", "_unconditional_checkpoint_dependencies",
    "_unconditional_dependency_names", "_updates", "_layer_call_argspecs", "inbound_nodes", "outbound_nodes",
    "input_shape", "output_shape", "submodules", "weights", "non_trainable_weights", "trainable_weights",
    "variables", "non_trainable_variables", "trainable_variables", "updates", "state_updates",
    # kerasish
    "_layers", "_flat_cache", "_metrics_cache", "_compile_args", "_train_state", "_metric_weights",
    "_variables", "compiled_loss", "compiled_metrics", "history",
})

# Properties of kerasish classes that tf_keras also has and that lead to saved objects. Other
# properties of kerasish classes are not evaluated (they compute things); properties of user classes
# are, as tf_keras does.
_KERASISH_PROPERTIES = frozenset({"layers", "metrics"})

# kerasish classes whose Keras name differs (the name of a container entry is the class name).
_CLASS_NAMES = {"LossTracker": "Mean"}


def is_new_format_path(filepath):
    """Whether tf_keras 2.21 would use the `.weights.h5` format for this path (by its name)."""
    try:
        name = os.fspath(filepath)
    except TypeError:
        return False
    return isinstance(name, str) and name.endswith(SUFFIX)


def is_new_format_file(f):
    """Whether the open h5py file has the `.weights.h5` layout (root `vars`/`layers` groups, no
    `layer_names`)."""
    if "layer_names" in f.attrs or "layer_names0" in f.attrs or "model_config" in f.attrs:
        return False
    return "vars" in f or "layers" in f


# --------------------------------------------------------------------------- the walk
def _kinds():
    from ..layers.layer import Layer
    from ..metrics import Metric
    from ..optimizers.optimizer import Optimizer

    return Layer, Optimizer, Metric


def own_variables(obj):
    """The variables `obj` itself stores, in file order."""
    Layer = _kinds()[0]
    if isinstance(obj, Layer):
        return list(obj._trainable_weights) + list(obj._non_trainable_weights)
    return list(obj.variables)


def _class_name(obj):
    name = type(obj).__name__
    return _CLASS_NAMES.get(name, name)


def _snake(name):
    """tf_keras's generic_utils.to_snake_case: 'ConvLSTM1D' -> 'conv_lstm1d', 'PReLU' -> 'p_re_lu'."""
    intermediate = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    insecure = re.sub("([a-z])([A-Z])", r"\1_\2", intermediate).lower()
    return insecure if insecure[0] != "_" else "private" + insecure


def _defining_class(cls, name):
    for klass in cls.__mro__:
        if name in klass.__dict__:
            return klass
    return None


def _children(obj):
    """`(attribute name, value)` pairs in tf_keras's walk order (reverse alphabetical)."""
    inst = getattr(obj, "__dict__", {})
    for attr in sorted(set(dir(obj)), reverse=True):
        if attr.startswith("__") or attr in ATTR_SKIPLIST:
            continue
        if attr in inst:
            yield attr, inst[attr]
            continue
        klass = _defining_class(type(obj), attr)
        if klass is None:
            continue
        raw = klass.__dict__[attr]
        if inspect.isfunction(raw) or isinstance(raw, (staticmethod, classmethod)):
            continue
        if (klass.__module__ or "").startswith("kerasish.") and attr not in _KERASISH_PROPERTIES:
            continue
        try:
            value = getattr(obj, attr)
        except Exception:  # noqa: BLE001  (tf_keras skips attributes that raise)
            continue
        if attr == "metrics" and klass.__module__.startswith("kerasish.") and not _metrics_built(obj):
            continue
        yield attr, value


def _metrics_built(model):
    """tf_keras's `model.metrics` is empty until the compiled loss and metrics have seen a batch; kerasish's
    lists the loss tracker from `compile` on."""
    container = getattr(model, "compiled_metrics", None)
    if container is None or not hasattr(container, "built"):
        return True
    return bool(container.built)


def walk(root):
    """`(path, object)` for every Layer, Optimizer and Metric saved under `root`, root first (path '')."""
    kinds = _kinds()
    Layer, _, Metric = kinds
    visited = set()
    out = []

    def visit(obj, path):
        if id(obj) in visited:
            return
        visited.add(id(obj))
        out.append((path, obj))
        if not isinstance(obj, (Layer, Metric)):
            return  # optimizers: nothing below them
        for attr, child in _children(obj):
            child_path = f"{path}/{attr}" if path else attr
            if isinstance(child, kinds):
                visit(child, child_path)
            elif isinstance(child, (list, dict, tuple, set)):
                container(child, child_path)

    def container(items, path):
        used = {}
        if isinstance(items, dict):
            items = list(items.values())
        for item in items:
            if not isinstance(item, kinds) or id(item) in visited:
                continue
            name = _snake(_class_name(item))
            if name in used:
                used[name] += 1
                name = f"{name}_{used[name]}"
            else:
                used[name] = 0
            visit(item, f"{path}/{name}")

    visit(root, "")
    return out


# --------------------------------------------------------------------------- saving
def _value(var):
    return np.asarray(var.array if hasattr(var, "array") else var)


def save_weights_to_file(f, model):
    """Write `model`'s state into the open, empty h5py file `f` in the `.weights.h5` layout."""
    for path, obj in walk(model):
        group = f.create_group(f"{path}/vars" if path else "vars")
        for i, var in enumerate(own_variables(obj)):
            value = _value(var)
            group.create_dataset(str(i), data=value, dtype=value.dtype)


# --------------------------------------------------------------------------- loading
def _describe(obj):
    Layer, Optimizer, Metric = _kinds()
    kind = "Layer" if isinstance(obj, Layer) else "Optimizer" if isinstance(obj, Optimizer) else "Metric"
    return f"{kind} '{getattr(obj, 'name', type(obj).__name__)}'"


def _stored_arrays(f, path):
    """The arrays under `path/vars` in index order, or None when the file has no such group."""
    key = f"{path}/vars" if path else "vars"
    if key not in f:
        return None
    group = f[key]
    if not hasattr(group, "keys"):
        raise ValueError(f"The weights file {f.filename} has a dataset at '{key}' where a group is expected: it "
                         "is not a `.weights.h5` file or it is corrupt.")
    names = list(group.keys())
    if sorted(names, key=lambda n: (len(n), n)) != [str(i) for i in range(len(names))]:
        raise ValueError(f"The group '{key}' in {f.filename} should hold datasets named 0..{len(names) - 1}; "
                         f"found {sorted(names)[:10]}: the file is corrupt.")
    return [np.asarray(group[str(i)][()]) for i in range(len(names))]


def load_weights_from_file(f, model, skip_mismatch=False):
    """Assign the arrays of the open `.weights.h5` file `f` to `model` (and its optimizer and metrics).

    Layers (and the model's own weights) must match exactly: a missing group, a different number of
    variables or a different shape raises ValueError naming the layer (with `skip_mismatch=True`, a
    warning and that layer is left as it is). Optimizer state is restored when the model's optimizer
    has as many variables as the file (else a warning, as tf_keras), metric state when present.
    """
    Layer, Optimizer, Metric = _kinds()
    pending = []
    for path, obj in walk(model):
        variables = own_variables(obj)
        values = _stored_arrays(f, path)
        where = f"'{path or '/'}'"
        if isinstance(obj, Optimizer):
            if values is None:
                continue
            if len(values) != len(variables):
                msg = (f"Skipping variable loading for optimizer '{obj.name}', because it has {len(variables)} "
                       f"variables whereas the saved optimizer has {len(values)} variables.")
                if len(variables) <= 1:
                    msg += " This is likely because the optimizer has not been called/built yet."
                warn(msg)
                continue
        elif isinstance(obj, Metric):
            if values is None or len(values) != len(variables):
                continue  # metric state is a convenience: missing or different state is not an error
        else:
            if values is None:
                values = []
            if len(values) != len(variables):
                message = (f"{_describe(obj)} (at {where} in the file) expected {len(variables)} variables, but "
                           f"received {len(values)} variables during loading. Expected: "
                           f"{[getattr(v, 'name', '?') for v in variables]}")
                if not variables and values:
                    message += (". If the model has not created its weights yet, call it on data (or "
                                "`model.build(input_shape)`) before loading weights.")
                if skip_mismatch:
                    warn(f"Could not load weights in object {obj}. Skipping object. {message}")
                    continue
                raise ValueError(message)
        bad = [(v, a) for v, a in zip(variables, values) if tuple(v.array.shape) != tuple(np.shape(a))]
        if bad:
            var, arr = bad[0]
            message = (f"{_describe(obj)} (at {where} in the file): variable {getattr(var, 'name', '?')} has shape "
                       f"{tuple(var.array.shape)}, the file has shape {tuple(np.shape(arr))}.")
            if skip_mismatch or isinstance(obj, (Optimizer, Metric)):
                warn(f"Could not load weights in object {obj}. Skipping object. {message}")
                continue
            raise ValueError(message)
        pending.extend(zip(variables, values))
    for var, value in pending:  # nothing is assigned unless everything fits
        value = np.asarray(value)
        var.array[...] = value.astype(var.array.dtype, copy=False) if value.dtype != var.array.dtype else value
    for _, obj in walk(model):  # state an optimizer derives from its iteration count (Nadam's schedule product)
        if isinstance(obj, Optimizer) and hasattr(obj, "sync_with_iterations"):
            obj.sync_with_iterations()


__all__ = ["walk", "own_variables", "save_weights_to_file", "load_weights_from_file", "is_new_format_path",
           "is_new_format_file"]
