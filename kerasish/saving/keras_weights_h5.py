"""The `.weights.h5` format: what tf_keras 2.21 and Keras 3 write for `save_weights("x.weights.h5")`,
and what a `.keras` archive holds as `model.weights.h5`.

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

Two dialects. tf_keras's (above; no attributes anywhere) and Keras 3's, which differs in four places:
the walk visits public names first (alphabetically) and a model's `layers` before anything else, so
MultiHeadAttention's sublayers are `query_dense`, ... (Keras 3's public properties); it leaves out
Bidirectional's template `layer` and the compiled metrics; every `vars` group carries the object's
name as an attribute; and the optimizer stores `iteration`, `learning_rate`, then the same slots as
tf_keras (Nadam adds its momentum-schedule product last; Adafactor stores scalar placeholders for the
factored slots of 1-D variables). Loading accepts either dialect whatever the file's name: each object
is looked up under its path in the detected dialect, then in the other one.

Paths come from a walk over the objects' attributes (as tf_keras's
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
from ..utils.serialization import model_class

SUFFIX = ".weights.h5"
TF_KERAS = "tf_keras"
KERAS3 = "keras3"
DIALECTS = (KERAS3, TF_KERAS)

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

# Keras 3 reaches these sublayers through public properties of the same name without the underscore.
_KERAS3_ATTRIBUTE_NAMES = {"MultiHeadAttention": {"_query_dense": "query_dense", "_key_dense": "key_dense",
                                                  "_value_dense": "value_dense", "_output_dense": "output_dense"}}
# ... and does not reach these at all.
_KERAS3_SKIPPED_ATTRIBUTES = {"Bidirectional": frozenset({"layer"})}


def check_dialect(dialect):
    """`dialect` if it is 'keras3' or 'tf_keras' (None: 'tf_keras'), else a ValueError."""
    if dialect is None:
        return TF_KERAS
    if dialect not in DIALECTS:
        raise ValueError(f"dialect must be 'keras3' (Keras 3's layout) or 'tf_keras' (tf.keras 2.13+'s layout); "
                         f"received dialect={dialect!r}")
    return dialect


def path_ends_with(filepath, suffix):
    """Whether `filepath` is a path (str or os.PathLike) whose name ends with `suffix`."""
    try:
        name = os.fspath(filepath)
    except TypeError:
        return False
    return isinstance(name, str) and name.endswith(suffix)


def is_new_format_path(filepath):
    """Whether tf_keras 2.21 would use the `.weights.h5` format for this path (by its name)."""
    return path_ends_with(filepath, SUFFIX)


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


def _snake(name, dialect=TF_KERAS):
    """tf_keras's generic_utils.to_snake_case: 'ConvLSTM1D' -> 'conv_lstm1d', 'PReLU' -> 'p_re_lu'
    (Keras 3's naming.to_snake_case: the same, without tf_keras's 'private' prefix for a leading '_')."""
    intermediate = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    insecure = re.sub("([a-z])([A-Z])", r"\1_\2", intermediate).lower()
    return insecure if insecure[0] != "_" or dialect == KERAS3 else "private" + insecure


def _defining_class(cls, name):
    for klass in cls.__mro__:
        if name in klass.__dict__:
            return klass
    return None


def _tf_keras_children(obj):
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


def _keras3_name_key(attr):
    """Keras 3's `_name_key`: public names first, each group in alphabetical order."""
    return f"~{attr}" if attr.startswith("_") else attr


def _children(obj, dialect=TF_KERAS):
    """`(attribute name, value)` pairs in the dialect's walk order, under the dialect's names."""
    pairs = _tf_keras_children(obj)
    if dialect == TF_KERAS:
        return list(pairs)
    renames, skipped = {}, {"metrics"}  # Keras 3 saves no compiled metrics
    for klass in type(obj).__mro__:
        renames.update(_KERAS3_ATTRIBUTE_NAMES.get(klass.__name__, {}))
        skipped |= _KERAS3_SKIPPED_ATTRIBUTES.get(klass.__name__, frozenset())
    out = sorted(((renames.get(attr, attr), value) for attr, value in pairs if attr not in skipped),
                 key=lambda pair: _keras3_name_key(pair[0]))
    if _is_graph_model(obj):  # Keras 3 visits a Sequential's or Functional's `layers` before anything else
        out.sort(key=lambda pair: pair[0] != "layers")
    return out


def _is_graph_model(obj):
    return isinstance(obj, model_class("Sequential")) or getattr(obj, "_is_graph_network", False)


def _metrics_built(model):
    """tf_keras's `model.metrics` is empty until the compiled loss and metrics have seen a batch; kerasish's
    lists the loss tracker from `compile` on."""
    container = getattr(model, "compiled_metrics", None)
    if container is None or not hasattr(container, "built"):
        return True
    return bool(container.built)


def walk(root, dialect=TF_KERAS, skip=()):
    """`(path, object)` for every Layer, Optimizer and Metric saved under `root`, root first (path '').

    Args:
        root: the model (or layer).
        dialect: 'tf_keras' (tf_keras 2.13+'s paths) or 'keras3' (Keras 3's).
        skip: objects left out (with everything reached only through them), as Keras's `objects_to_skip`.
    """
    kinds = _kinds()
    Layer, _, Metric = kinds
    visited = {id(obj) for obj in skip}
    out = []

    def visit(obj, path):
        if id(obj) in visited:
            return
        visited.add(id(obj))
        out.append((path, obj))
        if not isinstance(obj, (Layer, Metric)):
            return  # optimizers: nothing below them
        for attr, child in _children(obj, dialect):
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
            name = _snake(_class_name(item), dialect)
            if name in used:
                used[name] += 1
                name = f"{name}_{used[name]}"
            else:
                used[name] = 0
            visit(item, f"{path}/{name}")

    visit(root, "")
    return out


# --------------------------------------------------------------------------- optimizer state per dialect
def _is_schedule(optimizer):
    from ..optimizers.schedules import LearningRateSchedule

    return isinstance(getattr(optimizer, "_learning_rate", None), LearningRateSchedule)


def _nadam_u_product(optimizer):
    """Keras 3 Nadam's `u_product` (the product of its momentum schedule so far), which tf_keras and
    kerasish keep outside the saved variables."""
    stored = getattr(optimizer, "_u_product", None)
    steps = int(np.asarray(optimizer.iterations.array))
    if stored is not None and getattr(optimizer, "_u_product_counter", None) == steps + 1:
        return np.asarray(stored, dtype=np.float32)
    product = np.float32(1.0)
    beta_1 = np.float32(optimizer.beta_1)
    for t in range(1, steps + 1):
        product = product * (beta_1 * (np.float32(1.0) - np.float32(0.5) * np.float32(0.96) ** np.float32(0.004 * t)))
    return np.asarray(product, dtype=np.float32)


def _class_names(obj):
    return {klass.__name__ for klass in type(obj).__mro__}


def optimizer_state(optimizer, dialect=TF_KERAS):
    """The optimizer's variables as the dialect stores them (`optimizer/vars/0..`). A LossScaleOptimizer stores
    its inner optimizer's (what tf_keras saves, and what Keras 3 reads back into the optimizer its compile
    config names)."""
    if hasattr(optimizer, "inner_optimizer"):
        return optimizer_state(optimizer.inner_optimizer, dialect)
    values = [np.asarray(v.array) for v in optimizer.variables]
    if dialect == TF_KERAS or not values:
        return values
    head = [values[0]]
    if not _is_schedule(optimizer):
        head.append(np.asarray(optimizer.learning_rate.array, dtype=np.float32))
    slots = values[1:]
    names = _class_names(optimizer)
    if _momentum_free_sgd(optimizer, names):
        slots = []  # Keras 3's SGD has no momentum slots without momentum (tf_keras's has zeros)
    if "Adafactor" in names:  # Keras 3: r, c, v for every variable, r and c scalars when it is 1-D
        slots, rest = [], iter(values[1:])
        for var in optimizer._trainable_variables:
            if var.array.ndim < 2:
                slots += [np.zeros((), var.array.dtype), np.zeros((), var.array.dtype)]
                slots.append(next(rest))
            else:
                slots += [next(rest), next(rest), next(rest)]
        slots += list(rest)
    if "Nadam" in names:
        slots.append(_nadam_u_product(optimizer))
    return head + slots


def _momentum_free_sgd(optimizer, names):
    return "SGD" in names and not getattr(optimizer, "momentum", 0)


def _from_keras3_layout(optimizer, values):
    """`(values in kerasish order, learning rate or None, Nadam's u_product or None)`, or None when `values`
    are not Keras 3's layout of this optimizer."""
    n = len(optimizer.variables)
    has_lr = not _is_schedule(optimizer)
    names = _class_names(optimizer)
    if not values or len(values) < 1 + has_lr:
        return None
    lr = values[1] if has_lr else None
    if lr is not None and np.shape(lr) != ():
        return None
    slots = list(values[1 + has_lr:])
    u_product = None
    if "Nadam" in names:
        if not slots:
            return None
        u_product = slots.pop()
    if "Adafactor" in names:
        kept, i = [], 0
        for var in optimizer._trainable_variables:
            if var.array.ndim < 2:
                if i + 3 > len(slots) or np.shape(slots[i]) != () or np.shape(slots[i + 1]) != ():
                    return None
                kept.append(slots[i + 2])
                i += 3
            else:
                kept += slots[i:i + 3]
                i += 3
        slots = kept + slots[i:]
    if _momentum_free_sgd(optimizer, names) and not slots:
        slots = [np.zeros_like(v.array) for v in optimizer.variables[1:]]
    converted = [values[0]] + slots
    if len(converted) != n:
        return None
    return converted, lr, u_product


def _without_loss_scale_head(optimizer, values):
    """Keras 3's LossScaleOptimizer stores `iteration, learning_rate, step_counter, dynamic_scale` before its
    inner optimizer's variables: those, and the scale state, or None when `values` do not start so."""
    head = values[:4]
    if len(values) < 6 or [np.shape(v) for v in head] != [()] * 4 or np.asarray(head[2]).dtype.kind not in "iu":
        return None
    return values[4:], head


def _restore_optimizer(optimizer, values, dialect):
    """Match the stored values to the optimizer: a list of `(variable, value)` and a function applying the
    rest (learning rate, Nadam's product, a loss scale), or None with a warning when they do not fit (as
    Keras does)."""
    if hasattr(optimizer, "inner_optimizer"):
        inner = optimizer.inner_optimizer
        stripped = _without_loss_scale_head(inner, values) if dialect == KERAS3 else None
        if stripped is not None:
            restored = _restore_optimizer(inner, stripped[0], dialect)
            if restored is not None:
                pairs, finish = restored
                counter, scale = stripped[1][2], stripped[1][3]

                def finish_scale(finish=finish):
                    finish()
                    optimizer.loss_scale.array[...] = np.float32(scale)
                    if optimizer.dynamic:
                        optimizer.dynamic_counter.array[...] = int(np.asarray(counter))

                return pairs, finish_scale
        return _restore_optimizer(inner, values, dialect)
    if dialect == KERAS3 and len(values) != len(optimizer.variables):
        stripped = _without_loss_scale_head(optimizer, values)
        if stripped is not None and _from_keras3_layout(optimizer, stripped[0]) is not None:
            values = stripped[0]  # a Keras 3 file saved under mixed precision, loaded into a plain optimizer
    n = len(optimizer.variables)
    layouts = (KERAS3, TF_KERAS) if dialect == KERAS3 else (TF_KERAS, KERAS3)
    for layout in layouts:
        if layout == TF_KERAS:
            matched = (values, None, None) if len(values) == n else None
        else:
            matched = _from_keras3_layout(optimizer, values)
        if matched is None:
            continue
        converted, lr, u_product = matched
        if any(tuple(v.array.shape) != tuple(np.shape(a)) for v, a in zip(optimizer.variables, converted)):
            continue

        def finish(lr=lr, u_product=u_product):
            if lr is not None:
                optimizer.learning_rate = float(np.asarray(lr))
            if u_product is not None and hasattr(optimizer, "_u_product_counter"):
                optimizer._u_product = np.asarray(u_product, dtype=np.float32)[()]
                optimizer._u_product_counter = int(np.asarray(optimizer.iterations.array)) + 1

        return list(zip(optimizer.variables, converted)), finish
    msg = (f"Skipping variable loading for optimizer '{optimizer.name}', because it has {n} variables whereas "
           f"the saved optimizer has {len(values)} variables.")
    if n <= 1:
        msg += " This is likely because the optimizer has not been called/built yet."
    warn(msg)
    return None


# --------------------------------------------------------------------------- per-object state hooks
class VariableStore:
    """The store handed to an object's `save_own_variables(store)` / `load_own_variables(store)` (Keras 3's
    API): a dict-like view of one `vars` group, values under the keys '0', '1', ...

    A layer that keeps state outside its weights (a vocabulary, a lookup table) overrides both methods to
    write and read extra arrays here; `save_assets(dir_path)` / `load_assets(dir_path)` do the same with
    files in a `.keras` archive's `assets/` folder.
    """

    def __init__(self, group):
        self._group = group

    def __setitem__(self, key, value):
        value = np.asarray(value.array if hasattr(value, "array") else value)
        self._group.create_dataset(str(key), data=value)

    def __getitem__(self, key):
        import h5py

        link = self._group.get(str(key), getlink=True)
        if link is None:
            raise KeyError(key)
        if not isinstance(link, h5py.HardLink):
            raise ValueError(f"The weights file has a {type(link).__name__} at {self._group.name}/{key}: links are "
                             "refused (they can point outside the file).")
        dataset = self._group[str(key)]
        if not isinstance(dataset, h5py.Dataset) or dataset.external or dataset.is_virtual:
            raise ValueError(f"The weights file has no plain dataset at {self._group.name}/{key}.")
        return np.asarray(dataset[()])

    def __contains__(self, key):
        return str(key) in self._group

    def __len__(self):
        return len(self._group)

    def keys(self):
        return list(self._group.keys())


def _own_hook(obj, name):
    """The object's own `save_own_variables`/`load_own_variables`, if its class overrides the default."""
    Layer, Optimizer, Metric = _kinds()
    method = getattr(type(obj), name, None)
    if method is None or isinstance(obj, Optimizer):
        return None
    return getattr(obj, name)


# --------------------------------------------------------------------------- saving
def _value(var):
    return np.asarray(var.array if hasattr(var, "array") else var)


def save_weights_to_file(f, model, dialect=TF_KERAS, skip=()):
    """Write `model`'s state into the open, empty h5py file `f` in the `.weights.h5` layout of `dialect`
    (leaving out the objects in `skip`)."""
    Optimizer = _kinds()[1]
    for path, obj in walk(model, dialect, skip):
        group = f.create_group(f"{path}/vars" if path else "vars")
        if dialect == KERAS3 and isinstance(getattr(obj, "name", None), str):
            group.attrs["name"] = obj.name
        hook = _own_hook(obj, "save_own_variables")
        if hook is not None:
            hook(VariableStore(group))
            continue
        values = optimizer_state(obj, dialect) if isinstance(obj, Optimizer) else map(_value, own_variables(obj))
        for i, value in enumerate(values):
            group.create_dataset(str(i), data=value, dtype=value.dtype)


# --------------------------------------------------------------------------- loading
def detect_dialect(f):
    """'keras3' when the file's `vars` groups carry Keras 3's `name` attributes, else 'tf_keras'."""
    import h5py

    def named(name, obj):
        if isinstance(obj, h5py.Group) and name.rsplit("/", 1)[-1] == "vars" and "name" in obj.attrs:
            return True
        return None

    if "vars" in f and "name" in f["vars"].attrs:
        return KERAS3
    return KERAS3 if f.visititems(named) else TF_KERAS


def _describe(obj):
    Layer, Optimizer, Metric = _kinds()
    kind = "Layer" if isinstance(obj, Layer) else "Optimizer" if isinstance(obj, Optimizer) else "Metric"
    return f"{kind} '{getattr(obj, 'name', type(obj).__name__)}'"


def _vars_key(path):
    return f"{path}/vars" if path else "vars"


def _stored_arrays(f, path):
    """The arrays under `path/vars` in index order, or None when the file has no such group."""
    key = _vars_key(path)
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
    store = VariableStore(group)
    return [store[str(i)] for i in range(len(names))]


def _located(f, model, dialect):
    """`(path in the file, object)` for every object of `model`: its path in `dialect`, or its path in the
    other dialect where only that one is in the file."""
    other = TF_KERAS if dialect == KERAS3 else KERAS3
    alternative = {id(obj): path for path, obj in walk(model, other)}
    out = []
    for path, obj in walk(model, dialect):
        alt = alternative.get(id(obj))
        if _vars_key(path) not in f and alt is not None and _vars_key(alt) in f:
            path = alt
        out.append((path, obj))
    return out


def load_weights_from_file(f, model, skip_mismatch=False, dialect=None):
    """Assign the arrays of the open `.weights.h5` file `f` to `model` (and its optimizer and metrics).

    Layers (and the model's own weights) must match exactly: a missing group, a different number of
    variables or a different shape raises ValueError naming the layer (with `skip_mismatch=True`, a
    warning and that layer is left as it is). Optimizer state is restored when the model's optimizer
    matches the file in either dialect's layout (else a warning, as Keras), metric state when present.

    Args:
        dialect: the file's dialect ('keras3' or 'tf_keras'); None detects it from the file.
    """
    Layer, Optimizer, Metric = _kinds()
    dialect = detect_dialect(f) if dialect is None else check_dialect(dialect)
    pending, hooks, finishers = [], [], []
    for path, obj in _located(f, model, dialect):
        where = f"'{path or '/'}'"
        hook = _own_hook(obj, "load_own_variables")
        if hook is not None:
            key = _vars_key(path)
            hooks.append((obj, where, hook, VariableStore(f[key]) if key in f else VariableStore({})))
            continue
        variables = own_variables(obj)
        values = _stored_arrays(f, path)
        if isinstance(obj, Optimizer):
            if values is None:
                continue
            restored = _restore_optimizer(obj, values, dialect)
            if restored is not None:
                pairs, finish = restored
                pending.extend(pairs)
                finishers.append(finish)
            continue
        if isinstance(obj, Metric):
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
            if skip_mismatch or isinstance(obj, Metric):
                warn(f"Could not load weights in object {obj}. Skipping object. {message}")
                continue
            raise ValueError(message)
        pending.extend(zip(variables, values))
    for var, value in pending:  # nothing is assigned unless everything fits
        value = np.asarray(value)
        var.array[...] = value.astype(var.array.dtype, copy=False) if value.dtype != var.array.dtype else value
    for finish in finishers:
        finish()
    for obj, where, hook, store in hooks:
        try:
            hook(store)
        except Exception as e:  # noqa: BLE001  (the object's own code: say which object failed)
            if not skip_mismatch:
                raise ValueError(f"{_describe(obj)} (at {where} in the file) could not load its state: "
                                 f"{type(e).__name__}: {e}") from e
            warn(f"Could not load weights in object {obj}. Skipping object. {type(e).__name__}: {e}")
    for _, obj in walk(model):  # state an optimizer derives from its iteration count (Nadam's schedule product)
        if isinstance(obj, Optimizer) and hasattr(obj, "sync_with_iterations"):
            obj.sync_with_iterations()


__all__ = ["walk", "own_variables", "save_weights_to_file", "load_weights_from_file", "is_new_format_path",
           "is_new_format_file", "optimizer_state", "detect_dialect", "check_dialect", "VariableStore",
           "KERAS3", "TF_KERAS"]
