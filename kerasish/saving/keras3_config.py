"""Configs in Keras 3's dialect (the `config.json` of a `.keras` archive written by Keras 3), both ways.

Keras 3 and tf.keras 2.13+ write the same zip layout but refuse each other's configs: Keras 3 names
the input shape `batch_shape`, gives every layer a `DTypePolicy` object, numbers a nested model's
first call as node 0 and writes each call as `{"args": [...], "kwargs": {...}}` with
`__keras_tensor__` references; tf.keras keeps Keras 2's layer configs and node lists. Reading, the
model_config module already accepts both; `from_keras3` rewrites the few constructs it does not know
(a Lambda's `__lambda__` bytecode object, `__numpy__` values, initializers' `input_axes`,
`shared_object_id`, functions as `{"class_name": "function"}`). Writing, `model_config` builds Keras 3's
config of a kerasish Sequential or Functional model and `compile_config` the compile arguments in either
dialect; `compile_arguments` turns a file's compile config back into `model.compile` arguments.

Example:
    >>> import kerasish as keras
    >>> from kerasish.saving import keras3_config
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="d")], name="s")
    >>> config = keras3_config.model_config(model)
    >>> config["class_name"], config["config"]["layers"][0]["config"]["batch_shape"]
    ('Sequential', [None, 3])
    >>> config["config"]["layers"][1]["config"]["dtype"]["class_name"]
    'DTypePolicy'
"""
import numpy as np

from ._warn import warn
from .hdf5_model import compile_args_from_training_config
from ..layers.input_layer import node_key
from ..utils.serialization import model_class

# Keyword arguments of kerasish (tf_keras) layers that Keras 3's constructors refuse, dropped when writing
# (each only at the value that Keras 3 behaves as by default).
_KERAS3_REFUSED = {"time_major": (False,), "softmax_robust_masking": (False,), "input_length": (None,),
                   "batch_input_shape": None, "batch_size": (None,)}
# ... and per class: arguments of tf_keras's layers that Keras 3's do not have (a built MultiHeadAttention's
# shapes, `groups` and the unused `kernel_*` arguments that tf_keras's convolution base adds).
_KERAS3_REFUSED_BY_CLASS = {
    "MultiHeadAttention": {"query_shape", "key_shape", "value_shape"},
    "SeparableConv1D": {"groups", "kernel_initializer", "kernel_regularizer", "kernel_constraint"},
    "SeparableConv2D": {"groups", "kernel_initializer", "kernel_regularizer", "kernel_constraint"},
    "DepthwiseConv1D": {"groups"}, "DepthwiseConv2D": {"groups"},
    "Conv1DTranspose": {"groups"}, "Conv2DTranspose": {"groups"}, "Conv3DTranspose": {"groups"},
}
# Keras 3 layer arguments, dropped when reading where kerasish's class does not take them (at these values,
# Keras 3's defaults, they change nothing).
_KERAS3_DEFAULTS = {"rms_scaling": (False,), "use_gate": (False,), "sliding_window": (None,), "seed": (None,),
                    "flash_attention": (None,), "use_cudnn": ("auto",), "quantization_config": (None,),
                    "lora_rank": (None,), "lora_alpha": (None,), "zero_output_for_mask": (True, False),
                    "synchronized": (False,), "renorm": (False,), "renorm_clipping": (None,),
                    "renorm_momentum": (0.99,), "optional": (False,), "ragged": (False,), "sparse": (False,),
                    "input_dtype": (None,), "autocast": (True,)}
_INITIALIZER_AXES = ("input_axes", "output_axes")
# Keras 2 names of function-valued configs whose `function_type` key says how they are stored.
_FUNCTION_KEYS = {"function": "function_type", "output_shape": "output_shape_type", "mask": "mask_type"}
# Classes kerasish writes under Keras 3's module paths (registered_name as Keras 3 writes it).
_MODEL_ENTRIES = {"Functional": ("keras.src.models.functional", "Functional"), "Sequential": ("keras", None)}


# --------------------------------------------------------------------------- reading
def _is_function_object(value):
    return isinstance(value, dict) and value.get("class_name") == "function" and isinstance(value.get("config"), str)


def _plain_value(value):
    """Keras 3's serialized non-JSON values (`__numpy__`, `__tensor__`, `__bytes__`) as plain Python values."""
    name = value.get("class_name")
    cfg = value.get("config") or {}
    if name in ("__numpy__", "__tensor__"):
        return np.asarray(cfg.get("value"), dtype=cfg.get("dtype")).tolist()
    if name == "__bytes__":
        return str(cfg.get("value", "")).encode("utf-8")
    return value


def _lambda_function(value):
    """A Keras 3 `__lambda__` object as Keras 2's `[code, defaults, closure]` (refused later unless safe_mode=False)."""
    cfg = value.get("config") or {}
    if "value" in cfg:  # older Keras 3: `{"value": [code, defaults, closure]}`
        return list(cfg["value"])
    return [cfg.get("code"), cfg.get("defaults"), cfg.get("closure")]


def _rewrite_functions(config):
    """A Lambda-style config whose functions are Keras 3 objects, with Keras 2's `function`/`function_type`."""
    for key, type_key in _FUNCTION_KEYS.items():
        value = config.get(key)
        if isinstance(value, dict) and value.get("class_name") == "__lambda__":
            config[key] = _lambda_function(value)
            config[type_key] = "lambda"
        elif _is_function_object(value) and "function_type" not in config and key == "function":
            config[key] = value["config"]
            config[type_key] = "function"
            config.setdefault("module", value.get("module"))
        elif value is not None and type_key not in config and key in ("function", "output_shape") and \
                isinstance(value, (list, tuple)):
            config[type_key] = "raw"
    return config


def _without_keras3_defaults(entry, config):
    """A layer config without the Keras 3 arguments (at their defaults) that kerasish's class does not take."""
    from .model_config import _accepted_kwargs, _is_layer_class, _resolve_layer_class

    if not any(key in config for key in _KERAS3_DEFAULTS):
        return config
    cls = _resolve_layer_class(entry, None)
    accepted = _accepted_kwargs(cls) if _is_layer_class(cls) else None
    if accepted is None:
        return config
    return {k: v for k, v in config.items()
            if k in accepted or k not in _KERAS3_DEFAULTS or not any(v is d or v == d for d in _KERAS3_DEFAULTS[k])}


def from_keras3(obj):
    """Rewrite the Keras 3 constructs of a config (any depth) into forms kerasish's `from_config`s read.

    Example:
        >>> from kerasish.saving.keras3_config import from_keras3
        >>> from_keras3({"class_name": "GlorotUniform", "module": "keras.initializers",
        ...              "config": {"seed": None, "input_axes": None, "output_axes": None}})["config"]
        {'seed': None}
    """
    if isinstance(obj, list):
        return [from_keras3(x) for x in obj]
    if not isinstance(obj, dict):
        return obj
    if obj.get("class_name") in ("__numpy__", "__tensor__", "__bytes__"):
        return _plain_value(obj)
    obj = {k: from_keras3(v) for k, v in obj.items() if k != "shared_object_id"}
    if _is_function_object(obj):
        return obj["config"]  # a registered or built-in function: its name resolves it
    if "args" in obj and isinstance(obj.get("kwargs"), dict) and "training" in obj["kwargs"]:
        # a Keras 3 call node: `training` is the mode at graph-building time, which the caller's replaces
        obj["kwargs"] = {k: v for k, v in obj["kwargs"].items() if k != "training"}
    config = obj.get("config")
    if isinstance(config, dict) and "class_name" in obj:
        obj["config"] = config = _without_keras3_defaults(obj, config)
    if isinstance(config, dict):
        if "function" in config or "output_shape_type" in config:
            obj["config"] = config = _rewrite_functions(dict(config))
        module = obj.get("module") or ""
        if module.startswith("keras.initializers") and any(k in config for k in _INITIALIZER_AXES):
            config = dict(config)
            for key in _INITIALIZER_AXES:
                if config.pop(key, None) is not None:
                    warn(f"Initializer {obj.get('class_name')}: ignoring {key}={obj['config'][key]!r} (Keras 3's "
                         "fan axes); kerasish computes fans from the shape as Keras 2 does. Loaded weights are "
                         "unaffected.")
            obj["config"] = config
        if module.startswith("keras.losses") and config.get("dtype") is None:
            obj["config"] = {k: v for k, v in config.items() if k != "dtype"}
    return obj


# --------------------------------------------------------------------------- writing: layers
def dtype_policy(name):
    """Keras 3's serialized `DTypePolicy`."""
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": name}, "registered_name": None}


def _policy_name(layer):
    policy = getattr(layer, "dtype_policy", None)
    name = getattr(policy, "name", None)
    return name if isinstance(name, str) else layer.dtype


def _is_layer_entry(value):
    if not isinstance(value, dict) or "class_name" not in value or not isinstance(value.get("config"), dict):
        return False
    module = value.get("module") or ""
    if module.startswith("keras.layers"):
        return True
    from ..layers.layer import Layer
    from ..utils.serialization import builtin_objects, get_registered_object

    cls = get_registered_object(value.get("registered_name") or value["class_name"], None, builtin_objects("layer"))
    return isinstance(cls, type) and issubclass(cls, Layer)


def _layer_config(class_name, config, policy=None):
    """A kerasish layer config (tf_keras keys) with Keras 3's keys."""
    config = dict(config)
    if class_name == "InputLayer":
        if "batch_input_shape" in config:
            config["batch_shape"] = config.pop("batch_input_shape")
        return config
    for key, harmless in _KERAS3_REFUSED.items():
        if key in config and (harmless is None or any(config[key] is v or config[key] == v for v in harmless)):
            del config[key]
    for key in _KERAS3_REFUSED_BY_CLASS.get(class_name, ()):
        config.pop(key, None)
    if class_name == "BatchNormalization" and isinstance(config.get("axis"), list) and len(config["axis"]) == 1:
        config["axis"] = config["axis"][0]  # Keras 3 takes one axis
    if "dtype" in config and not isinstance(config["dtype"], dict):
        config["dtype"] = dtype_policy(policy or config["dtype"] or "float32")
    for key, value in list(config.items()):
        if _is_layer_entry(value):  # Bidirectional's layer, TimeDistributed's layer, RNN's cell, ...
            config[key] = _nested_layer(value)
        elif isinstance(value, list) and value and all(_is_layer_entry(v) for v in value):
            config[key] = [_nested_layer(v) for v in value]
        elif isinstance(value, dict) and value.get("class_name") == "Policy":
            config[key] = dtype_policy((value.get("config") or {}).get("name", "float32"))
    if class_name == "Lambda":
        config = _lambda_config(config)
    return config


def _keras3_function(value, function_type):
    """A Keras 2 Lambda function entry (bytecode list, name, or raw value) as Keras 3 serializes it."""
    if function_type == "lambda":
        code, defaults, closure = (list(value) + [None, None])[:3] if isinstance(value, (list, tuple)) \
            else (value, None, None)
        return {"class_name": "__lambda__", "config": {"code": code, "defaults": defaults, "closure": closure}}
    if function_type == "function":
        return {"module": "builtins", "class_name": "function", "config": value, "registered_name": "function"}
    return value


def _lambda_config(config):
    """Keras 3's Lambda keys: the functions as objects, no `*_type`/`*module` keys."""
    for key, type_key in _FUNCTION_KEYS.items():
        function_type = config.pop(type_key, None)
        if key in config and config[key] is not None:
            config[key] = _keras3_function(config[key], function_type)
    for key in ("module", "output_shape_module", "mask_module"):
        config.pop(key, None)
    if config.get("output_shape") is None:
        config.pop("output_shape", None)
    if config.get("mask") is None:
        config.pop("mask", None)
    return config


def _nested_layer(entry):
    entry = dict(entry)
    entry["config"] = _layer_config(entry["class_name"], entry["config"])
    entry.setdefault("registered_name", None)
    return entry


def _entry(obj):
    """`{"module", "class_name", "config", "registered_name"}` of a layer or model in Keras 3's dialect."""
    from ..utils.serialization import get_registered_name

    cls = type(obj)
    registered = get_registered_name(cls)
    if ">" in registered:  # a registered custom class: Keras 3 writes its Python module (None for __main__)
        module = None if cls.__module__ == "__main__" else cls.__module__
        return {"module": module, "class_name": cls.__name__, "registered_name": registered}
    module, registered = _MODEL_ENTRIES.get(cls.__name__, (getattr(cls, "_keras_module", "keras.layers"), None))
    return {"module": module, "class_name": cls.__name__, "registered_name": registered}


def _build_config(layer):
    shape = getattr(layer, "_build_input_shape", None)
    if shape is None or not isinstance(shape, (list, tuple)) or not all(d is None or isinstance(d, int) for d in shape):
        return None
    return {"input_shape": list(shape)}


def layer_entry(layer):
    """One layer (or nested model) in Keras 3's dialect, with its build config where it has one input."""
    if _is_graph(layer):
        return model_config(layer, top_level=False)
    if keras2_only_layer(layer):
        raise ValueError(f'Layer "{layer.name}" ({type(layer).__name__}) is a TensorFlow-op layer of Keras 2, which '
                         "Keras 3 has no class for: save this model with dialect='tf_keras' or to `.h5`.")
    entry = _entry(layer)
    entry["config"] = _layer_config(entry["class_name"], layer.get_config(), _policy_name(layer))
    build = _build_config(layer)
    if build is not None:
        entry["build_config"] = build
    return entry


def keras2_only_layer(layer) -> bool:
    """Whether `layer` is one of Keras 2's TensorFlow-op layers, which Keras 3 has no class for."""
    return type(layer).__name__ in ("TFOpLambda", "SlicingOpLambda", "AddLoss")


def _is_graph(obj):
    return isinstance(obj, model_class("Sequential")) or getattr(obj, "_is_graph_network", False)


# --------------------------------------------------------------------------- writing: graphs
def _keras3_node_numbers(network):
    """Keras 3's number of each node of `network` ((id(layer), kerasish node index) -> number): the
    layer's calls inside this network counted from 0 (Keras 2 counts a nested model's own node too)."""
    numbers = {}
    for layer in network.layers:
        kept = 0
        for index, _ in enumerate(layer._inbound_nodes):
            if node_key(layer, index) in network._network_nodes:
                numbers[(id(layer), index)] = kept
                kept += 1
    return numbers


def _tensor_ref(t, numbers):
    layer, node_index, tensor_index = t._keras_history
    return [layer.name, numbers[(id(layer), node_index)], tensor_index]


def _serialize_value(value, numbers):
    from ..layers.input_layer import is_symbolic

    if is_symbolic(value):
        return {"class_name": "__keras_tensor__",
                "config": {"shape": list(value.shape), "dtype": str(np.dtype(value.dtype)),
                           "keras_history": _tensor_ref(value, numbers)}}
    if isinstance(value, (list, tuple)):
        return [_serialize_value(v, numbers) for v in value]
    if isinstance(value, dict):
        return {k: _serialize_value(v, numbers) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return {"class_name": "__numpy__", "config": {"value": value.tolist(), "dtype": str(value.dtype)}}
    if isinstance(value, np.generic):
        return value.item()
    return value


def _refs(structure, numbers):
    if isinstance(structure, dict):
        return {k: _tensor_ref(v, numbers) for k, v in structure.items()}
    if isinstance(structure, (list, tuple)):
        return [_tensor_ref(v, numbers) for v in structure]
    return _tensor_ref(structure, numbers)


def _functional_config(model):
    numbers = _keras3_node_numbers(model)
    layers = []
    for layer in model.layers:
        entry = layer_entry(layer)
        entry["name"] = layer.name
        entry["inbound_nodes"] = [
            {"args": _serialize_value(list(node.call_args), numbers),
             "kwargs": _serialize_value(dict(node.call_kwargs or {}), numbers)}
            for index, node in enumerate(layer._inbound_nodes)
            if node_key(layer, index) in model._network_nodes and not node.is_input]
        layers.append(entry)
    return {"name": model.name, "trainable": model.trainable, "layers": layers,
            "input_layers": _refs(model._nested_inputs, numbers),
            "output_layers": _refs(model._nested_outputs, numbers)}


def _sequential_config(model):
    layers = []
    shape = None
    inputs = getattr(model, "inputs", None) if getattr(model, "built", False) else None
    if inputs:
        shape = list(inputs[0].shape)
        input_layer = inputs[0]._keras_history[0]
        entry = _entry(input_layer)
        entry["config"] = _layer_config("InputLayer", input_layer.get_config())
        layers.append(entry)
    layers += [layer_entry(layer) for layer in model.layers]
    config = {"name": model.name, "trainable": model.trainable, "dtype": dtype_policy(_policy_name(model)),
              "layers": layers}
    if shape is not None:
        config["build_input_shape"] = shape
    return config, shape


def model_config(model, top_level=True):
    """Keras 3's serialization of a Sequential or Functional kerasish model (config.json without the compile
    config), nested models included.

    Raises:
        NotImplementedError: `model` is a subclassed model (its structure lives in Python code).
        ValueError: a layer Keras 3 has no class for (Keras 2's TensorFlow-op layers).
    """
    if not _is_graph(model):
        raise NotImplementedError(
            f'Cannot save model "{model.name}" ({type(model).__name__}) in the `.keras` format: it is a subclassed '
            "model, whose structure lives in its Python code. Use a Functional or Sequential model, or "
            "`model.save_weights('x.weights.h5')` and rebuild the model in code.")
    entry = _entry(model)
    if isinstance(model, model_class("Sequential")):
        entry["config"], shape = _sequential_config(model)
        entry["build_config"] = {"input_shape": shape}
    else:
        entry["config"] = _functional_config(model)
        if top_level:
            entry["build_config"] = {"input_shape": None}
    return entry


# --------------------------------------------------------------------------- compile configs
def _keras3_object(obj):
    """A loss, metric, optimizer or schedule object in Keras 3's serialization."""
    from ..utils.serialization import serialize_keras_object

    serialized = serialize_keras_object(obj)
    if not isinstance(serialized, dict):
        return serialized
    config = dict(serialized.get("config") or {})
    module = serialized.get("module") or ""
    if module.startswith("keras.losses") or _kind(obj) == "loss":
        serialized["module"] = "keras.losses"
        if config.get("reduction") == "auto":  # Keras 3 has no "auto"; it means this there
            config["reduction"] = "sum_over_batch_size"
    if _kind(obj) == "optimizer":
        serialized["module"] = "keras.optimizers"
        for key in ("jit_compile", "is_legacy_optimizer"):
            config.pop(key, None)
        if isinstance(config.get("learning_rate"), dict):
            schedule = dict(config["learning_rate"])
            schedule["module"] = "keras.optimizers.schedules"
            schedule.setdefault("registered_name", None)
            if isinstance(schedule.get("config"), dict) and schedule["config"].get("name") is None:
                schedule["config"] = {k: v for k, v in schedule["config"].items() if k != "name"}
            config["learning_rate"] = schedule
    serialized["config"] = config
    return serialized


def _kind(obj):
    from .. import losses, metrics
    from ..optimizers.optimizer import Optimizer

    if isinstance(obj, Optimizer):
        return "optimizer"
    if isinstance(obj, losses.Loss):
        return "loss"
    if isinstance(obj, metrics.Metric):
        return "metric"
    return None


def _function(fn, dialect):
    from ..utils.serialization import get_registered_name

    name = get_registered_name(fn)
    if ">" in name:  # a registered custom function: as Keras 3 and tf.keras write it
        return {"module": "builtins", "class_name": "function", "config": name, "registered_name": "function"}
    return name  # a built-in function: its name


def _compile_value(value, dialect):
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {str(k): _compile_value(v, dialect) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_compile_value(v, dialect) for v in value]
    if isinstance(value, type):
        return value.__name__
    if hasattr(value, "get_config"):
        if dialect == "keras3":
            return _keras3_object(value)
        from ..utils.serialization import serialize_keras_object

        return serialize_keras_object(value)
    if callable(value):
        return _function(value, dialect)
    return value


def compile_config(model, dialect="keras3"):
    """The `compile_config` of config.json for a compiled model in `dialect` ('keras3' or 'tf_keras'), or None.

    As the libraries do, it records what `compile` was given (a loss or metric given by name stays a
    name); the optimizer is always written as its object, with its current hyper-parameters.
    """
    if not getattr(model, "_is_compiled", False) or getattr(model, "optimizer", None) is None:
        return None
    args = getattr(model, "_compile_args", None) or {}
    optimizer = model.optimizer
    if hasattr(optimizer, "inner_optimizer"):  # as both libraries write it: compile wraps it again
        optimizer = optimizer.inner_optimizer
    optimizer = _compile_value(optimizer, dialect)
    config = {"optimizer": optimizer, "loss": _compile_value(args.get("loss"), dialect),
              "loss_weights": _compile_value(args.get("loss_weights"), dialect),
              "metrics": _compile_value(args.get("metrics"), dialect),
              "weighted_metrics": _compile_value(args.get("weighted_metrics"), dialect)}
    if dialect == "keras3":
        config.update({"run_eagerly": bool(getattr(model, "_run_eagerly", False)), "steps_per_execution": 1,
                       "jit_compile": False})
    else:
        config.update({"run_eagerly": None, "steps_per_execution": None, "jit_compile": None})
    return config


def compile_arguments(config, custom_objects=None, output_names=()):
    """The keyword arguments of `model.compile` described by a `.keras` file's `compile_config` (either dialect).

    Example:
        >>> from kerasish.saving.keras3_config import compile_arguments
        >>> args = compile_arguments({"optimizer": "adam", "loss": "mse", "metrics": ["mae"]})
        >>> type(args["optimizer"]).__name__, args["loss"], args["metrics"]
        ('Adam', 'mean_squared_error', ['mae'])
    """
    config = from_keras3(config)
    optimizer = config.get("optimizer")
    if optimizer is None:
        raise ValueError("the compile config has no optimizer")
    if isinstance(optimizer, str):  # tf.keras keeps an optimizer given by name as its name
        from .. import optimizers

        optimizer = optimizers.serialize(optimizers.get(optimizer))
    training = {"optimizer_config": optimizer, "loss": config.get("loss"), "metrics": config.get("metrics"),
                "weighted_metrics": config.get("weighted_metrics"), "loss_weights": config.get("loss_weights")}
    args = compile_args_from_training_config(training, custom_objects, output_names)
    if config.get("run_eagerly") is True:
        args["run_eagerly"] = True
    return args


__all__ = ["from_keras3", "model_config", "layer_entry", "compile_config", "compile_arguments", "dtype_policy"]
