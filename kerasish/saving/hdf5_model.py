"""Whole models in Keras 2's `.h5` format: `save_model` and `load_model`.

A file holds the architecture (`model_config` JSON in tf_keras 2.x's dialect), the weights
(`/model_weights`, see `hdf5_weights`), and for a compiled model its `training_config` (loss,
resolved metrics, loss weights, optimizer config) and optimizer state (`/optimizer_weights`:
`iteration:0`, then per trainable variable the optimizer's slots, e.g. `Adam/m/...`, `Adam/v/...`).
A loaded model is compiled from its training config and its optimizer state is restored, so
training resumes exactly where it stopped.

Example:
    >>> import os, tempfile
    >>> import numpy as np
    >>> import kerasish as keras
    >>> model = keras.Sequential([keras.layers.Dense(2, input_shape=(3,), name="d")])
    >>> model.compile(optimizer="adam", loss="mse")
    >>> path = os.path.join(tempfile.mkdtemp(), "model.h5")
    >>> model.save(path)
    >>> loaded = keras.models.load_model(path)
    >>> x = np.ones((1, 3), "float32")
    >>> np.allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    True
"""
import json
import os

import numpy as np

from ._warn import warn
from .atomic import atomic_h5_writer
from .hdf5_attrs import read_string, read_string_list
from .hdf5_weights import (BACKEND, KERAS_VERSION, _open_for_reading, _reading_errors, check_save_format,
                           is_h5_group, load_subset_weights_from_hdf5_group, load_weights_from_hdf5_group,
                           save_subset_weights_to_hdf5_group, save_weights_to_hdf5_group)
from ..utils.lambda_bytecode import ForeignBytecodeError
from ..utils.serialization import model_class
from .model_config import model_from_config


# --------------------------------------------------------------------------- JSON
def _json_default(obj):
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.dtype):
        return obj.name
    if isinstance(obj, (tuple, set, frozenset)):
        return list(obj)
    if hasattr(obj, "get_config") and callable(obj.get_config):
        from ..utils.serialization import serialize_keras_object

        return serialize_keras_object(obj)
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable: {obj!r:.100}")


def to_json(obj):
    """`json.dumps` with numpy values, tuples and Keras objects handled as Keras 2 does."""
    return json.dumps(obj, default=_json_default)


# --------------------------------------------------------------------------- model config
def _is_saveable_graph(model):
    return isinstance(model, model_class("Sequential")) or getattr(model, "_is_graph_network", False)


def _warn_incomplete_configs(model):
    """Keras 2's classic pitfall: a custom layer whose get_config lacks a required constructor argument."""
    import inspect

    from ..utils.serialization import builtin_objects

    builtins = set(map(id, builtin_objects("layer").values()))
    for layer in model._flatten_layers(include_self=False):
        cls = type(layer)
        if id(cls) in builtins:
            continue
        try:
            params = list(inspect.signature(cls.__init__).parameters.values())[1:]
            config = layer.get_config()
        except Exception:  # noqa: BLE001  (get_config errors surface when the model config is built)
            continue
        missing = [p.name for p in params if p.default is p.empty and
                   p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name not in config]
        if missing:
            warn(f'Layer "{layer.name}" ({cls.__name__}) has constructor argument(s) {missing} that its '
                          "get_config() does not return: loading this model will fail. Override get_config() to "
                          "include them.")


def _legacy_layer_entries(config):
    """Layer entries of a model config as tf_keras's legacy serializer writes them: `{"class_name", "config"}`
    (plus `name`/`inbound_nodes` in Functional configs), registered classes named "package>Name"."""
    layers = config.get("layers") if isinstance(config, dict) else config
    if not isinstance(layers, list):
        return
    for entry in layers:
        if not isinstance(entry, dict) or "class_name" not in entry:
            continue
        entry.pop("module", None)
        registered = entry.pop("registered_name", None)
        if isinstance(registered, str) and ">" in registered:
            entry["class_name"] = registered
        cfg = entry.get("config")
        if isinstance(cfg, list) or (isinstance(cfg, dict) and "layers" in cfg):
            _legacy_layer_entries(cfg)


def model_config_json(model):
    """The `{"class_name", "config"}` JSON of a Sequential/Functional model (tf_keras 2.x dialect)."""
    from ..utils.serialization import get_registered_name

    config = {"class_name": get_registered_name(type(model)), "config": model.get_config()}
    _legacy_layer_entries(config["config"])
    try:
        return to_json(config)
    except (TypeError, ValueError) as e:
        for layer in model._flatten_layers(include_self=False):
            try:
                to_json(layer.get_config())
            except (TypeError, ValueError) as inner:
                raise TypeError(f'Cannot save model "{model.name}": the config of layer "{layer.name}" '
                                f"({type(layer).__name__}) is not JSON-serializable: {inner}") from e
        raise TypeError(f'Cannot save model "{model.name}": its config is not JSON-serializable: {e}') from e


# --------------------------------------------------------------------------- training config
def _serialize_nested(obj):
    from .. import losses, metrics
    from ..utils.serialization import get_registered_name

    if obj is None or isinstance(obj, (str, bool, int, float)):
        return obj
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, dict):
        return {str(k): _serialize_nested(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_serialize_nested(v) for v in obj]
    if isinstance(obj, metrics.Metric):
        return metrics.serialize(obj, use_legacy_format=True)
    if isinstance(obj, losses.Loss):
        return losses.serialize(obj, use_legacy_format=True)
    if isinstance(obj, type) and hasattr(obj, "get_config"):
        return get_registered_name(obj)
    if callable(obj) and hasattr(obj, "get_config"):  # a custom loss object that is no `Loss`: tf_keras keeps its config
        return {"class_name": get_registered_name(type(obj)), "config": obj.get_config()}
    if callable(obj):
        return get_registered_name(obj)
    return obj


def _saved_metrics(model, weighted):
    args = getattr(model, "_compile_args", None) or {}
    user = args.get("weighted_metrics" if weighted else "metrics")
    if user is None:
        return None
    container = getattr(model, "compiled_metrics", None)
    if container is not None and getattr(container, "built", False):
        per_output = container.weighted_objs if weighted else container.metric_objs
        names = list(getattr(container, "output_names", None) or [])
        out = []
        for i, objs in enumerate(per_output):
            if isinstance(user, dict) and i < len(names) and user.get(names[i]) is None:
                out.append([None])  # tf_keras: an output left out of a metrics dict is saved as [null]
            else:
                out.append(list(objs))
        return out
    return user


def _target_like(y_pred, loss_fn):
    """A stand-in target for `y_pred`: the same shape (as tf_keras, which builds the metrics with the outputs
    as targets), without the class axis when the loss takes sparse labels (tf_keras would resolve 'accuracy'
    to categorical_accuracy there, which is wrong for the integer labels such a model is trained on)."""
    from ..metrics import _loss_kind

    if y_pred.ndim >= 2 and y_pred.shape[-1] > 1 and _loss_kind(loss_fn) == "sparse":
        return np.zeros(y_pred.shape[:-1], dtype=y_pred.dtype)
    return y_pred


def try_build_compiled_arguments(model):
    """Resolve a compiled model's metrics for its outputs now, as tf_keras's `model.save` and `load_model` do
    (saving_utils.try_build_compiled_arguments): the training config then lists metric objects
    ('accuracy' -> MeanMetricWrapper(categorical_accuracy) named per output), and `model.metrics` lists them
    from here on, as in tf_keras (so a later `save_weights('x.weights.h5')` stores their state too)."""
    container = getattr(model, "compiled_metrics", None)
    outputs = getattr(model, "outputs", None)
    if container is None or getattr(container, "built", True) or not outputs or not hasattr(container, "build"):
        return
    from ..layers.layer import flatten

    try:
        y_preds = [np.zeros(tuple(1 if d is None else int(d) for d in out.shape), dtype="float32")
                   for out in flatten(outputs)]
        loss_fns = list(getattr(container, "_loss_fns", None) or [])
        loss_fns += [None] * (len(y_preds) - len(loss_fns))
        container.build([_target_like(yp, fn) for yp, fn in zip(y_preds, loss_fns)], y_preds)
    except Exception as e:  # noqa: BLE001  (tf_keras: warn; the metrics are built on the first batch instead)
        warn("The compiled metrics could not be built from the model's outputs "
             f"({type(e).__name__}: {e}); `model.metrics` will be empty until you train or evaluate the model.")
        return
    if "_metrics_cache" in getattr(model, "__dict__", {}):
        object.__setattr__(model, "_metrics_cache", None)


def training_config(model):
    """The `training_config` dict tf_keras writes for a compiled model (None when not compiled)."""
    from .. import optimizers

    if not getattr(model, "_is_compiled", False) or getattr(model, "optimizer", None) is None:
        return None
    args = getattr(model, "_compile_args", None) or {}
    return {"loss": _serialize_nested(args.get("loss")),
            "metrics": _serialize_nested(_saved_metrics(model, False)),
            "weighted_metrics": _serialize_nested(_saved_metrics(model, True)),
            "loss_weights": _serialize_nested(args.get("loss_weights")),
            "optimizer_config": optimizers.serialize(model.optimizer, use_legacy_format=True)}


def _deserialize_loss(cfg, custom_objects):
    from .. import losses

    if cfg is None:
        return cfg
    if isinstance(cfg, str):
        obj = losses.deserialize(cfg, custom_objects=custom_objects)  # fails now on an unknown name
        if not _is_builtin_loss(cfg):
            return obj
        # Built-in names stay strings, under the function's own name as tf_keras resolves them ('mse' ->
        # 'mean_squared_error'), so the model saves the same training config again.
        name = getattr(obj, "__name__", None)
        return name if isinstance(name, str) and _is_builtin_loss(name) else cfg
    if isinstance(cfg, dict):
        if "class_name" in cfg:
            return losses.deserialize(cfg, custom_objects=custom_objects)
        return {k: _deserialize_loss(v, custom_objects) for k, v in cfg.items()}
    if isinstance(cfg, list):
        return [_deserialize_loss(v, custom_objects) for v in cfg]
    return cfg


def _is_builtin_loss(name):
    from ..utils.serialization import builtin_objects, get_registered_object

    return get_registered_object(name) is None and name in builtin_objects("loss")


def _deserialize_metrics(cfg, custom_objects, prefix=None):
    from .. import metrics

    if cfg is None or isinstance(cfg, str):
        return cfg
    if isinstance(cfg, dict):
        if "class_name" in cfg:
            try:
                metric = metrics.deserialize(cfg, custom_objects=custom_objects)
            except (TypeError, ValueError) as e:
                warn(f"Could not restore the compiled metric {cfg.get('class_name')!r} "
                     f"({(cfg.get('config') or {}).get('name')!r}) from the file: {e}. It is left out.")
                return None
            name = getattr(metric, "_name", None)
            if prefix and isinstance(name, str) and name.startswith(prefix):
                metric._name = name[len(prefix):]  # compile adds the output prefix again
            return metric
        return {k: _deserialize_metrics(v, custom_objects, f"{k}_") for k, v in cfg.items()}
    if isinstance(cfg, list):
        return [_deserialize_metrics(v, custom_objects, prefix) for v in cfg]
    return cfg


def _per_output_metrics(cfg, custom_objects, output_names):
    if isinstance(cfg, list) and len(output_names) > 1 and len(cfg) == len(output_names) and \
            all(isinstance(c, list) for c in cfg):
        out = [_deserialize_metrics(c, custom_objects, f"{name}_") for c, name in zip(cfg, output_names)]
    else:
        out = _deserialize_metrics(cfg, custom_objects)

    def drop_none(v):
        if isinstance(v, list):
            return [drop_none(x) for x in v if x is not None]
        if isinstance(v, dict):
            return {k: drop_none(x) for k, x in v.items()}
        return v

    return drop_none(out)


def _deserialize_optimizer(cfg, custom_objects):
    from .. import optimizers

    if isinstance(cfg, dict) and isinstance(cfg.get("config"), dict):
        cfg = {"class_name": cfg.get("class_name"), "config": dict(cfg["config"])}
        for key in [k for k, v in cfg["config"].items() if v is None and k in
                    ("loss_scale_factor", "gradient_accumulation_steps")]:
            del cfg["config"][key]  # Keras 3 keys, harmless at None
    return optimizers.deserialize(cfg, custom_objects=custom_objects)


def compile_args_from_training_config(training_config, custom_objects=None, output_names=()):
    """The keyword arguments of `model.compile` described by a file's `training_config`."""
    optimizer_config = training_config.get("optimizer_config")
    if optimizer_config is None:
        raise ValueError("the training configuration has no optimizer_config")
    return {"optimizer": _deserialize_optimizer(optimizer_config, custom_objects),
            "loss": _deserialize_loss(training_config.get("loss"), custom_objects),
            "metrics": _per_output_metrics(training_config.get("metrics"), custom_objects, list(output_names)),
            "weighted_metrics": _per_output_metrics(training_config.get("weighted_metrics"), custom_objects,
                                                    list(output_names)),
            "loss_weights": training_config.get("loss_weights")}


# --------------------------------------------------------------------------- optimizer state
def save_optimizer_weights_to_hdf5_group(group, optimizer):
    """Write the optimizer's variables (iteration first, then slots) into `group/optimizer_weights`, in the
    legacy order when the optimizer is saved as tf_keras's legacy class (see `Optimizer.saved_as_legacy`)."""
    variables = list(getattr(optimizer, "variables", None) or [])
    if variables and getattr(optimizer, "saved_as_legacy", lambda: False)():
        variables = optimizer.legacy_variables()
    if not variables:
        return
    save_subset_weights_to_hdf5_group(group.create_group("optimizer_weights"), variables, optimizer.name)


def stored_in_legacy_order(optimizer_config, keras_version=None):
    """Whether a file's optimizer state is in the pre-2.11 order (iteration, then every variable's first
    slot, then every variable's second slot, ...) rather than per variable (iteration, m0, v0, m1, v1, ...).

    Keras 1, standalone Keras 2 and tf.keras up to 2.10 wrote the former and no `is_legacy_optimizer` key;
    tf.keras 2.11+ writes the key (False for its current optimizers, True for `optimizers.legacy`), which is
    also how tf_keras decides which optimizer class (and so which order) to restore into. Keras 3 writes the
    current order without the key.

    Example:
        >>> stored_in_legacy_order({"class_name": "Adam", "config": {"lr": 0.001}}, "2.3.1")
        True
        >>> stored_in_legacy_order({"class_name": "Adam", "config": {"is_legacy_optimizer": False}}, "2.21.0")
        False
    """
    if str(keras_version or "").startswith("3"):
        return False
    config = optimizer_config.get("config") if isinstance(optimizer_config, dict) else None
    if not isinstance(config, dict):
        return True
    if "is_legacy_optimizer" in config:
        return bool(config["is_legacy_optimizer"])
    return "module" not in optimizer_config  # Keras 3 configs name their module


def _without_keras3_learning_rate(names, values):
    """Keras 3 keeps the learning rate as an optimizer variable, saved second; kerasish takes it from the
    optimizer's config (where Keras 3 writes it too)."""
    if len(names) > 1 and len(names) == len(values) and names[1].split("/")[-1].startswith("learning_rate") \
            and np.ndim(values[1]) == 0:
        return names[:1] + names[2:], values[:1] + values[2:]
    return names, values


def _slot_positions(optimizer, model_variables):
    """Per optimizer variable after the iteration count: (slot kind, index of its model variable), from the
    names kerasish gives slots (`<kind>/<variable path>:0`); None when a name does not follow that pattern."""
    from ..optimizers.optimizer import _variable_path

    paths = {_variable_path(v): i for i, v in enumerate(model_variables)}
    prefix = f"{optimizer.name}/"
    out = []
    for var in list(optimizer.variables)[1:]:
        name = str(getattr(var, "name", ""))
        name = name[len(prefix):] if name.startswith(prefix) else name
        kind, _, rest = name.partition("/")
        index = paths.get(rest[:-2] if rest.endswith(":0") else rest)
        if not kind or index is None:
            return None
        out.append((kind, index))
    return out


def _from_legacy_order(values, optimizer, model_variables):
    """Reorder pre-2.11 optimizer state (iteration, then slots grouped by kind in creation order) into
    kerasish's variable order; None when the counts do not fit."""
    positions = _slot_positions(optimizer, model_variables)
    if positions is None:
        return None
    kinds = list(dict.fromkeys(kind for kind, _ in positions))
    members = {kind: [index for k, index in positions if k == kind] for kind in kinds}
    start, offset = {}, 1
    for kind in kinds:
        start[kind] = offset
        offset += len(members[kind])
    if offset != len(values):
        return None
    return [values[0]] + [values[start[kind] + members[kind].index(index)] for kind, index in positions]


def _standalone_keras_layouts(values, optimizer, n_vars):
    """Optimizer state as standalone Keras 2 (and Keras 1) saved it, fitted to kerasish's variable count the way
    tf.keras's legacy optimizers' `set_weights` fit it:

    - Adam: 3n+1 arrays (Keras <= 2.3 always saved AMSGrad's `vhat`s) -> the first 2n+1;
    - Adadelta, Adagrad, RMSprop: no iteration count in front (Keras <= 2.2) -> an iteration count of 0;
    - Nadam: Keras 2.1+ saved its momentum-schedule product after the iteration count; kerasish rebuilds that
      product from the iteration count instead (`Nadam.sync_with_iterations`), so it is dropped. (tf.keras's
      legacy Nadam keeps it as `momentum_cache`, and so refuses Keras 2.0's files, which lack it.)
    """
    expected = len(optimizer.variables)
    name = type(optimizer).__name__
    if name == "Adam" and len(values) == 3 * n_vars + 1 and expected == 2 * n_vars + 1:
        return values[:expected]
    if name in ("Adadelta", "Adagrad", "RMSprop") and len(values) + 1 == expected:
        return [np.zeros((), np.int64)] + list(values)
    if name == "Nadam" and len(values) == expected + 1 and np.ndim(values[1]) == 0:
        return [values[0]] + list(values[2:])
    return values


def restore_optimizer_state(model, names, values, legacy_order=None):
    """Build the optimizer's slots for the model's trainable weights and assign the saved values.

    Args:
        model: the compiled model.
        names, values: the file's `optimizer_weights` (weight names and arrays, in file order).
        legacy_order: whether the values are in the pre-2.11 order (see `stored_in_legacy_order`); None
            guesses from the names (tf.keras's legacy `.../iter:0` first).

    Raises:
        ValueError: the saved state does not fit this optimizer and model (counts or shapes), naming both.
    """
    optimizer = model.optimizer
    created = len(optimizer.variables)
    trainable = list(model.trainable_weights)
    optimizer.build(trainable)
    variables = list(optimizer.variables)
    prefix = f"{optimizer.name}/"
    for var in variables[created:]:  # tf_keras builds these outside the optimizer's name scope: `m/dense/...`
        if isinstance(getattr(var, "name", None), str) and var.name.startswith(prefix):
            var.name = var.name[len(prefix):]
    names, values = _without_keras3_learning_rate(list(names), list(values))
    if len(values) == 1 and names and names[0].split("/")[-1].startswith(("iteration", "iter")):
        optimizer.iterations.assign(np.asarray(values[0], dtype=np.int64))  # saved before the first step
        return
    if legacy_order is None:
        legacy_order = bool(names) and names[0].endswith("/iter:0")
    found = len(values)
    if legacy_order:
        values = _standalone_keras_layouts(values, optimizer, len(trainable))
        values = _from_legacy_order(values, optimizer, trainable) if len(values) == len(variables) else None
    if values is None or len(values) != len(variables):
        raise ValueError(f"the file holds {found} optimizer weights ({names[:3]}...), the optimizer "
                         f"{type(optimizer).__name__} has {len(variables)} variables for the {len(trainable)} "
                         "trainable weights of this model")
    for var, value in zip(variables, values):
        if tuple(var.array.shape) != tuple(np.shape(value)):
            raise ValueError(f"optimizer variable {var.name} has shape {tuple(var.array.shape)}, the file has "
                             f"{tuple(np.shape(value))}")
    optimizer.set_weights([np.asarray(value).astype(var.array.dtype, copy=False)
                           for var, value in zip(variables, values)])


# --------------------------------------------------------------------------- save / load
def save_model_to_hdf5_group(model, f, include_optimizer=True, model_json=None):
    """Write `model` (config, weights, training config, optimizer state) into the open file/group `f`."""
    model_json = model_json if model_json is not None else model_config_json(model)
    f.attrs["keras_version"] = KERAS_VERSION.encode("utf8")
    f.attrs["backend"] = BACKEND.encode("utf8")
    f.attrs["model_config"] = model_json.encode("utf8")
    train_cfg = training_config(model) if include_optimizer else None
    if train_cfg is not None:
        f.attrs["training_config"] = to_json(train_cfg).encode("utf8")
    save_weights_to_hdf5_group(f.create_group("model_weights"), model)
    if include_optimizer and train_cfg is not None:
        save_optimizer_weights_to_hdf5_group(f, model.optimizer)


def save_model(model, filepath, overwrite=True, include_optimizer=True, save_format=None, **kwargs):
    """Save a Sequential or Functional model to Keras 2's `.h5` format, atomically (`saving.save_model` also
    writes `.keras` archives).

    Args:
        model: the model (subclassed models cannot be saved whole; use `save_weights`).
        filepath: the target path (`.h5`, `.hdf5`, ...), or an open h5py group.
        overwrite: when False and the file exists, raise FileExistsError.
        include_optimizer: also save the training configuration and the optimizer state.
        save_format: None, 'h5' or 'keras'. 'tf' (SavedModel) is refused with a clear error.

    Example:
        >>> import os, tempfile
        >>> import kerasish as keras
        >>> from kerasish.saving.hdf5_model import save_model
        >>> model = keras.Sequential([keras.layers.Dense(1, input_shape=(2,))])
        >>> save_model(model, os.path.join(tempfile.mkdtemp(), "m.h5"))
    """
    check_save_format(filepath, save_format, "model.save")
    if not _is_saveable_graph(model):
        raise NotImplementedError(
            "Saving the model to HDF5 format requires the model to be a Functional model or a Sequential model. "
            "It does not work for subclassed models, because such models are defined via the body of a Python "
            "method, which isn't safely serializable. Consider using `model.save_weights(...)` (kerasish has no "
            "SavedModel format) and rebuilding the model in code.")
    _warn_incomplete_configs(model)
    if is_h5_group(filepath):
        try_build_compiled_arguments(model)
        save_model_to_hdf5_group(model, filepath, include_optimizer)
        return
    model_json = model_config_json(model)  # fail on an unserializable config before touching the file system
    try_build_compiled_arguments(model)
    with atomic_h5_writer(filepath, overwrite=overwrite) as f:
        save_model_to_hdf5_group(model, f, include_optimizer, model_json)


def uncompile(model):
    """Undo a `compile` that failed half-way while loading (the model itself is handed back, uncompiled)."""
    for attr, value in (("optimizer", None), ("compiled_loss", None), ("compiled_metrics", None),
                        ("_is_compiled", False)):
        object.__setattr__(model, attr, value)


def _compile_loaded_model(model, f, custom_objects):
    raw = read_string(f, "training_config")
    if raw is None:
        warn("No training configuration found in the save file, so the model was *not* compiled. "
                      "Compile it manually.")
        return
    try:
        train_cfg = json.loads(raw)
        args = compile_args_from_training_config(train_cfg, custom_objects, getattr(model, "output_names", ()))
        model.compile(**args)
        try_build_compiled_arguments(model)
    except Exception as e:  # noqa: BLE001  (the model itself loaded: hand it back uncompiled)
        uncompile(model)
        warn(f"Could not compile the loaded model from the training configuration in the file "
                      f"({type(e).__name__}: {e}). The model was loaded *uncompiled*; compile it manually (pass "
                      "custom losses/metrics in `custom_objects`).")
        return
    if "optimizer_weights" in f:
        try:
            group = f["optimizer_weights"]
            names = read_string_list(group, "weight_names")
            values = load_subset_weights_from_hdf5_group(group)
            restore_optimizer_state(model, names, values, stored_in_legacy_order(
                train_cfg.get("optimizer_config"), read_string(f, "keras_version")))
        except Exception as e:  # noqa: BLE001  (tf_keras: warn and start with a fresh optimizer)
            version = read_string(f, "keras_version") or "1"
            warn("Error in loading the saved optimizer state. As a result, your model is starting with a "
                 f"freshly initialized optimizer. (The file was saved by Keras {version}; {type(e).__name__}: {e}.) "
                 "The weights are loaded; only resumed training starts its optimizer afresh.")


def load_model_from_hdf5_group(f, custom_objects=None, compile=True, safe_mode=True, source=None):
    """Rebuild, fill and (optionally) compile the model stored in the open file/group `f`.

    As in tf_keras, the whole load runs inside `custom_object_scope(custom_objects)`, so objects that name
    others (a compiled `MeanMetricWrapper` naming a custom metric function, a custom layer's custom
    activation) find them too."""
    from ..utils.serialization import custom_object_scope

    with custom_object_scope(custom_objects or {}):
        return _load_model_from_hdf5_group(f, custom_objects, compile, safe_mode, source or f.file.filename)


def _load_model_from_hdf5_group(f, custom_objects, compile, safe_mode, source):
    raw = read_string(f, "model_config")
    if raw is None:
        if "layer_names" in f.attrs or "layer_names0" in f.attrs:
            raise ValueError(f"{source} holds only weights (no model config): build the model in code and call "
                             "`model.load_weights(path)`.")
        raise ValueError(f"No model config found in the file at {source}: it is not a Keras model file.")
    try:
        config = json.loads(raw)
    except ValueError as e:
        raise ValueError(f"The model config in {source} is not valid JSON ({e}): the file is corrupt.") from e
    version = read_string(f, "keras_version")
    try:
        model = model_from_config(config, custom_objects=custom_objects, safe_mode=safe_mode,
                                  source=f"The model file {source}")
    except (TypeError, ValueError) as e:
        if version is None or not version.startswith("1") or isinstance(e, ForeignBytecodeError):
            raise
        raise ValueError(
            f"{source} was saved by Keras {version}: kerasish converts Keras 1's layer arguments (such as "
            "Dense(output_dim=...), Convolution2D(nb_filter=...)) as Keras 2.x did, but not this config. Rebuild "
            "the model in Keras 2 code and load its weights with `model.load_weights(path)`: kerasish converts "
            f"Keras 1's weight layouts. ({type(e).__name__}: {e})") from e
    if "model_weights" not in f:
        raise ValueError(f"{source} has a model config but no /model_weights group: the file is incomplete.")
    load_weights_from_hdf5_group(f["model_weights"], model)
    if compile:
        _compile_loaded_model(model, f, custom_objects)
    return model


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True, **kwargs):
    """Load a model from an `.h5` file saved by kerasish, tf_keras 2.x, older Keras 2 or Keras 3.

    Arguments, errors: as `kerasish.saving.load_model` (which also reads `.keras` archives).

    Example:
        >>> import os, tempfile
        >>> import kerasish as keras
        >>> from kerasish.saving.hdf5_model import load_model
        >>> model = keras.Sequential([keras.layers.Dense(1, input_shape=(2,), name="out")])
        >>> path = os.path.join(tempfile.mkdtemp(), "m.h5")
        >>> model.save(path)
        >>> [layer.name for layer in load_model(path).layers]
        ['out']
    """
    if is_h5_group(filepath):
        return load_model_from_hdf5_group(filepath, custom_objects, compile, safe_mode)
    path = os.fspath(filepath)
    f = _open_for_reading(path, "load a model")
    with f:
        with _reading_errors(path):
            return load_model_from_hdf5_group(f, custom_objects, compile, safe_mode, source=path)


__all__ = ["save_model", "load_model", "training_config", "compile_args_from_training_config",
           "try_build_compiled_arguments", "restore_optimizer_state"]
