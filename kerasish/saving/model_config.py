"""Model architectures from configs: `model_from_config`, `model_from_json`, and the dialects they accept.

Configs are read in the dialects real files use: tf_keras 2.x (`"Functional"`, initializers with
`module`/`registered_name`), older Keras 2 (`"Model"`, Sequential configs that are a bare list,
no `module` keys) and Keras 3 legacy `.h5` (`batch_shape`, `dtype` as a `DTypePolicy` dict,
`__keras_tensor__` inbound nodes, extra keys such as `ragged`, `optional`, `time_major`, which
are dropped with a warning when the layer's constructor does not take them and the value is
harmless).

Security: class names are resolved only in kerasish's registry, the custom-object scope and
`custom_objects`; no module named in a config is ever imported. A Lambda layer stored as Python
bytecode is refused before anything is built unless `safe_mode=False`.

Example:
    >>> import kerasish as keras
    >>> from kerasish.saving import model_from_json
    >>> model = keras.Sequential([keras.layers.Dense(2, input_shape=(3,), name="d")])
    >>> clone = model_from_json(model.to_json())
    >>> [layer.name for layer in clone.layers]
    ['d']
"""
import inspect
import json

from ._warn import warn
from ..utils.serialization import builtin_objects, get_registered_object, model_class
from ..utils.safe_mode import current_safe_mode, safe_mode_scope

# Keyword arguments that Layer.__init__ itself takes (see layers/layer.py).
_LAYER_BASE_KWARGS = {"trainable", "name", "dtype", "dynamic", "input_shape", "batch_input_shape", "batch_size",
                      "input_dim", "weights", "activity_regularizer", "autocast", "implementation", "batch_shape",
                      "input_length"}

# Keys other Keras versions write that change nothing at these values: dropped (with a warning)
# when the layer's constructor does not take them.
_HARMLESS_VALUES = {"time_major": (False,), "ragged": (False,), "optional": (False,), "sparse": (False,),
                    "synchronized": (False,), "lora_rank": (None,), "lora_alpha": (None,),
                    "quantization_config": (None,), "autocast": (True, False), "input_dtype": (None,)}

_POLICY_CLASSES = ("DTypePolicy", "Policy", "FloatDTypePolicy", "PolicyV1")


# --------------------------------------------------------------------------- class resolution
def _resolve_layer_class(entry, custom_objects):
    table = builtin_objects("layer")
    for name in (entry.get("registered_name"), entry.get("class_name")):
        if isinstance(name, str) and name:
            obj = get_registered_object(name, custom_objects, table)
            if obj is None and name.startswith("Custom>"):
                obj = get_registered_object(name.split(">", 1)[1], custom_objects, table)
            if obj is not None:
                return obj
    return None


def _is_layer_class(obj):
    from ..layers.layer import Layer

    return inspect.isclass(obj) and issubclass(obj, Layer)


def _accepted_kwargs(cls):
    """The keyword arguments `cls(...)` takes, following **kwargs up the MRO; None when unknowable."""
    from ..layers.layer import Layer

    names = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        if klass is Layer:
            return names | _LAYER_BASE_KWARGS
        try:
            params = list(inspect.signature(init).parameters.values())[1:]
        except (TypeError, ValueError):
            return None
        forwards = False
        for p in params:
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
                names.add(p.name)
            elif p.kind == p.VAR_KEYWORD:
                forwards = True
        if not forwards:
            return names
    return None


# --------------------------------------------------------------------------- dialects
def _policy_name(value, where):
    if isinstance(value, dict) and value.get("class_name") in _POLICY_CLASSES:
        name = (value.get("config") or {}).get("name", "float32")
        if isinstance(name, str) and "bfloat16" in name:
            warn(f"{where}: dtype policy {name!r} is loaded as float32: numpy has no bfloat16 dtype.")
            return "float32"
        return name  # "mixed_float16" is a kerasish policy too (kerasish.mixed_precision)
    return value


def _normalize_layer_config(cls, class_name, config):
    config = dict(config)
    layer_name = config.get("name", class_name)
    if "dtype" in config:
        config["dtype"] = _policy_name(config["dtype"], f'Layer "{layer_name}"')
    if "batch_shape" in config and "batch_input_shape" not in config:
        config["batch_input_shape"] = config.pop("batch_shape")
    if issubclass(cls, model_class("Model")):
        return config
    if "reset_after" not in config and class_name in ("GRU", "GRUCell") and cls is builtin_objects("layer").get(
            class_name):
        # Keras 1 and 2.0-2.1.4 wrote no reset_after: their GRU applied the reset gate before the recurrent
        # matmul, i.e. reset_after=False (which their bias of 3 * units holds); kerasish's default is True
        config["reset_after"] = False
    accepted = _accepted_kwargs(cls)
    if accepted is None:
        return config
    from ..layers.layer import Layer

    plain_from_config = getattr(cls.from_config, "__func__", None) is Layer.from_config.__func__
    dropped = []
    for key in list(config):
        if key in accepted:
            continue
        value = config[key]
        harmless = key in _HARMLESS_VALUES and any(value is v or value == v for v in _HARMLESS_VALUES[key]
                                                   if not isinstance(value, (dict, list)))
        if harmless or (plain_from_config and value is None):
            dropped.append(key)
            del config[key]
    if dropped:
        warn(f'Layer "{layer_name}" ({class_name}): ignoring config keys {dropped} that kerasish\'s '
                      f"{class_name} does not take (written by another Keras version; their values change "
                      "nothing).")
    return config


def _is_keras3_tensor(x):
    return isinstance(x, dict) and x.get("class_name") == "__keras_tensor__"


def _keras3_ref(x, shift):
    history = x["config"]["keras_history"]
    name, node_index, tensor_index = history[0], int(history[1]), int(history[2])
    return [name, node_index + shift.get(name, 0), tensor_index]


def _keras3_node(node, cls, shift):
    """A Keras 3 inbound node `{"args": [...], "kwargs": {...}}` in Keras 2's list form."""
    def convert(v):
        if _is_keras3_tensor(v):
            return _keras3_ref(v, shift)
        if isinstance(v, list):
            return [convert(x) for x in v]
        if isinstance(v, dict):
            return {k: convert(x) for k, x in v.items()}
        return v

    args = list(node.get("args") or [])
    kwargs = convert(dict(node.get("kwargs") or {}))
    if not args:
        return []
    if len(args) > 1 and cls is not None:
        try:
            names = [p for p in inspect.signature(cls.call).parameters][2:]
        except (TypeError, ValueError):
            names = []
        for name, value in zip(names, args[1:]):
            kwargs.setdefault(name, convert(value))
    first = args[0]

    def entry(t):
        if _is_keras3_tensor(t):
            return _keras3_ref(t, shift) + [kwargs]
        return ["_CONSTANT_VALUE", -1, t, kwargs]

    if isinstance(first, list):
        return [entry(t) for t in first]
    if isinstance(first, dict) and not _is_keras3_tensor(first):
        return {k: entry(v) for k, v in first.items()}
    return [entry(first)]


def _node_index_shift(layers):
    """Keras 3 numbers a nested model's first call as node 0; Keras 2 (and kerasish) as node 1."""
    shift = {}
    for entry in layers:
        cls_name = entry.get("class_name")
        cfg = entry.get("config") or {}
        name = entry.get("name", cfg.get("name"))
        if cls_name in ("Functional", "Model"):
            shift[name] = 1
        elif cls_name == "Sequential":
            inner = cfg.get("layers", []) if isinstance(cfg, dict) else cfg
            if inner and isinstance(inner[0], dict) and inner[0].get("class_name") == "InputLayer":
                shift[name] = 1
    return shift


def _normalize_functional(config, custom_objects):
    layers = config.get("layers", [])
    if not any(isinstance(n, dict) and "args" in n for e in layers for n in e.get("inbound_nodes", []) or []):
        return config
    shift = _node_index_shift(layers)
    new_layers = []
    for entry in layers:
        entry = dict(entry)
        cls = _resolve_layer_class(entry, custom_objects)
        entry["inbound_nodes"] = [_keras3_node(n, cls, shift) if isinstance(n, dict) and "args" in n else n
                                  for n in entry.get("inbound_nodes", []) or []]
        entry.setdefault("name", (entry.get("config") or {}).get("name"))
        new_layers.append(entry)
    config = dict(config)
    config["layers"] = new_layers

    def shift_refs(refs):
        if isinstance(refs, dict):
            return {k: shift_refs(v) for k, v in refs.items()}
        if refs and isinstance(refs[0], list):
            return [shift_refs(r) for r in refs]
        if refs and isinstance(refs[0], str):
            return [refs[0], refs[1] + shift.get(refs[0], 0)] + list(refs[2:])
        return refs

    config["input_layers"] = shift_refs(config.get("input_layers", []))
    config["output_layers"] = shift_refs(config.get("output_layers", []))
    return config


def _apply_build_input_shape(config):
    """A Sequential built with `model.build(shape)` stores `build_input_shape`, not an InputLayer: give the
    shape to its first layer so the rebuilt model is built too (tf_keras calls `model.build` there)."""
    shape = config.get("build_input_shape")
    layers = config["layers"]
    if not isinstance(shape, list) or not layers or not all(d is None or isinstance(d, int) for d in shape):
        return config
    first = layers[0]
    cfg = first.get("config")
    if first.get("class_name") == "InputLayer" or not isinstance(cfg, dict) or \
            cfg.get("batch_input_shape") is not None or cfg.get("batch_shape") is not None:
        return config
    config = dict(config)
    config["layers"] = [dict(first, config=dict(cfg, batch_input_shape=list(shape)))] + layers[1:]
    return config


def _check_known_layers(layers, custom_objects, model_name):
    for entry in layers:
        if not isinstance(entry, dict) or "class_name" not in entry:
            raise ValueError(f'Improper layer config in model "{model_name}": expected a dict with "class_name" '
                             f"and \"config\", received {str(entry)[:200]}")
        if _resolve_layer_class(entry, custom_objects) is None:
            cfg = entry.get("config") or {}
            raise ValueError(
                f"Unknown layer: '{entry['class_name']}' (layer \"{cfg.get('name', '?')}\" of model "
                f"\"{model_name}\"). Please ensure you are using a `kerasish.utils.custom_object_scope` and that "
                "this object is included in the scope, or pass it in `custom_objects` "
                f"(custom_objects={{'{entry['class_name']}': {entry['class_name']}}}), or register it with "
                "`@kerasish.utils.register_keras_serializable()`.")


def normalize_config(obj, custom_objects=None):
    """Rewrite a config of any supported Keras dialect into the form kerasish's `from_config`s take."""
    if isinstance(obj, list):
        return [normalize_config(x, custom_objects) for x in obj]
    if not isinstance(obj, dict):
        return obj
    obj = {k: normalize_config(v, custom_objects) for k, v in obj.items()}
    if "class_name" not in obj or not isinstance(obj.get("config"), (dict, list)):
        return obj
    cls = _resolve_layer_class(obj, custom_objects)
    if not _is_layer_class(cls):
        return obj
    config = obj["config"]
    if isinstance(config, list):  # Keras <= 2.2 Sequential: a bare list of layer configs
        _check_known_layers(config, custom_objects, "sequential")
        return obj
    if issubclass(cls, model_class("Model")) and isinstance(config.get("layers"), list):
        _check_known_layers(config["layers"], custom_objects, config.get("name", "model"))
        if "input_layers" in config:
            config = _normalize_functional(config, custom_objects)
        else:
            config = _apply_build_input_shape(config)
    obj["config"] = _normalize_layer_config(cls, obj["class_name"], config)
    return obj


# --------------------------------------------------------------------------- safe mode
def bytecode_lambdas(obj):
    """`(class_name, layer_name)` of every layer config whose function is stored as Python bytecode."""
    found = []

    def walk(o):
        if isinstance(o, list):
            for x in o:
                walk(x)
        elif isinstance(o, dict):
            cfg = o.get("config")
            if "class_name" in o and isinstance(cfg, dict) and (
                    cfg.get("function_type") == "lambda" or cfg.get("output_shape_type") == "lambda"):
                found.append((o["class_name"], cfg.get("name", "?")))
            for v in o.values():
                walk(v)

    walk(obj)
    return found


def refuse_bytecode(config, source="the model config"):
    """Raise ValueError if `config` holds Python bytecode (a Lambda layer), naming the layers."""
    found = bytecode_lambdas(config)
    if found:
        layers = ", ".join(f'{cls} layer "{name}"' for cls, name in found)
        raise ValueError(
            f"{source} contains {layers} whose function is stored as Python bytecode (marshalled by the Python "
            "that saved it). Loading it would execute code from the file, which is refused by default "
            "(safe_mode=True). If you trust the source of this file, pass `safe_mode=False` to load it; otherwise "
            "rebuild the model in code and load only its weights with `model.load_weights(path)`.")


# --------------------------------------------------------------------------- public API
def model_from_config(config, custom_objects=None, safe_mode=True, source="The model config"):
    """Build a model (or layer) from a `{"class_name": ..., "config": ...}` dict.

    Args:
        config: the dict (from `serialize(model)` or a file's `model_config`).
        custom_objects: `{name: class_or_function}` for custom layers, activations, ...
        safe_mode: False allows Lambda layers stored as Python bytecode (trusted configs only).

    Raises:
        ValueError: unknown class (named, with how to provide it), or bytecode refused by safe mode.

    Example:
        >>> import kerasish as keras
        >>> from kerasish.saving import model_from_config
        >>> config = {"class_name": "Sequential", "config": {"name": "s", "layers": [
        ...     {"class_name": "Dense", "config": {"units": 2, "batch_input_shape": [None, 3]}}]}}
        >>> model_from_config(config).output_shape
        (None, 2)
    """
    if isinstance(config, list):
        raise TypeError("`model_from_config` expects a dictionary, not a list. Received: config="
                        f"{str(config)[:200]}. Did you mean to use `Sequential.from_config(config)`?")
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"{source} is not a Keras config: expected a dict with 'class_name' and 'config'; "
                         f"received {str(config)[:200]}")
    from ..layers import deserialize

    with safe_mode_scope(safe_mode):
        if current_safe_mode():
            refuse_bytecode(config, source)
        config = normalize_config(config, custom_objects)
        return deserialize(config, custom_objects=custom_objects)


def model_from_json(json_string, custom_objects=None, safe_mode=True):
    """Build a model from `model.to_json()` output (Keras 2 or Keras 3 JSON).

    Example:
        >>> import kerasish as keras
        >>> from kerasish.saving import model_from_json
        >>> inp = keras.Input(shape=(3,), name="x")
        >>> model = keras.Model(inp, keras.layers.Dense(1, name="y")(inp))
        >>> [l.name for l in model_from_json(model.to_json()).layers]
        ['x', 'y']
    """
    if isinstance(json_string, bytes):
        json_string = json_string.decode("utf8")
    try:
        config = json.loads(json_string)
    except (TypeError, ValueError) as e:
        raise ValueError(f"model_from_json: the argument is not valid JSON ({e}). Received: "
                         f"{str(json_string)[:200]!r}") from e
    return model_from_config(config, custom_objects=custom_objects, safe_mode=safe_mode,
                             source="The model JSON")
