"""The object registry: how configs name classes and functions, and how they are found again.

Every built-in layer, loss, metric, optimizer, initializer, regularizer, constraint and
activation registers itself where it is defined (`register_builtin`), so loading a file
resolves `"Dense"` without importing higher floors. Users add their own with
`register_keras_serializable` or pass `custom_objects`. Nothing here imports modules named
in a config: a name is looked up in these tables or refused.

Example:
    >>> from kerasish.utils.serialization import register_keras_serializable, get_registered_object
    >>> @register_keras_serializable(package="demo")
    ... def my_act(x):
    ...     return x
    >>> get_registered_object("demo>my_act") is my_act
    True
"""
import inspect
import threading

# kind ("layer", "loss", ...) -> name -> object
_BUILTINS = {}
_USER_REGISTRY = {}  # "package>name" -> object
_SCOPE = threading.local()


def register_builtin(kind, *aliases):
    """Decorator used by kerasish modules: register a class or function under its name and aliases."""

    def deco(obj):
        table = _BUILTINS.setdefault(kind, {})
        table[obj.__name__] = obj
        for alias in aliases:
            table[alias] = obj
        return obj

    return deco


def builtin_objects(kind):
    """The table of built-in objects of one kind (name -> object)."""
    return _BUILTINS.setdefault(kind, {})


def model_class(name: str) -> type:
    """The built-in model class `name` ("Model", "Functional" or "Sequential"), found in the registry.

    Saving sits below models (the models call it), so it reaches their classes by name, never by import.

    Example:
        >>> import kerasish
        >>> model_class("Sequential") is kerasish.Sequential
        True
    """
    try:
        return _BUILTINS["model"][name]
    except KeyError:
        raise RuntimeError(f"model class {name!r} is not registered: `import kerasish` first") from None


def register_keras_serializable(package="Custom", name=None):
    """Register a user class or function so configs can name it (`"package>name"`)."""

    def deco(obj):
        key = f"{package}>{name or obj.__name__}"
        if inspect.isclass(obj) and not hasattr(obj, "get_config"):
            raise ValueError(f"Cannot register {obj.__name__}: a class needs a `get_config` method")
        _USER_REGISTRY[key] = obj
        obj._registered_name = key
        return obj

    return deco


def get_registered_name(obj):
    """The name a config uses for `obj` ("package>name" for registered user objects)."""
    reg = getattr(obj, "_registered_name", None)
    if reg and _USER_REGISTRY.get(reg) is obj:
        return reg
    return getattr(obj, "__name__", type(obj).__name__)


def get_registered_object(name, custom_objects=None, module_objects=None):
    """Find `name` in the custom-object scope, `custom_objects`, the user registry, then `module_objects`."""
    for table in (_scope_objects(), custom_objects or {}, _USER_REGISTRY, module_objects or {}):
        if name in table:
            return table[name]
    return None


def get_custom_objects():
    """The live dict of globally registered custom objects (Keras 2 API)."""
    return _USER_REGISTRY


def _scope_objects():
    merged = {}
    for d in getattr(_SCOPE, "stack", []):
        merged.update(d)
    return merged


class CustomObjectScope:
    """Within this `with` block, configs may name the given custom objects.

    Example:
        >>> from kerasish.utils.serialization import custom_object_scope, get_registered_object
        >>> with custom_object_scope({"thing": 42}):
        ...     get_registered_object("thing")
        42
    """

    def __init__(self, *objects):
        self.objects = {}
        for d in objects:
            self.objects.update(d or {})

    def __enter__(self):
        if not hasattr(_SCOPE, "stack"):
            _SCOPE.stack = []
        _SCOPE.stack.append(self.objects)
        return self

    def __exit__(self, *exc):
        _SCOPE.stack.pop()
        return False


custom_object_scope = CustomObjectScope


def serialize_keras_object(obj):
    """`{"module", "class_name", "config", "registered_name"}` for objects with get_config; a name for functions."""
    if obj is None:
        return None
    if hasattr(obj, "get_config"):
        name = get_registered_name(type(obj))
        # a class may be saved under another class's name (kerasish's gradient op layer as tf.keras's TFOpLambda)
        class_name = type(obj).__dict__.get("_keras_class_name", type(obj).__name__)
        return {"module": getattr(type(obj), "_keras_module", "keras"), "class_name": class_name,
                "config": obj.get_config(),
                "registered_name": name if ">" in name else None}
    if callable(obj):
        return get_registered_name(obj)
    return obj


def deserialize_keras_object(identifier, kind=None, custom_objects=None, printable_module_name="object",
                             module_objects=None):
    """Turn a name or config dict into the object it names (an instance for classes with configs).

    `kind` names a table of built-ins ("layer", "loss", ...). Keras's own signature,
    `deserialize_keras_object(identifier, module_objects=None, custom_objects=None, ...)`, works too:
    a dict in the second place is the table of names to search (after `custom_objects`).

    Raises a ValueError naming the unknown class and pointing at `custom_objects`.

    Example:
        >>> class Thing:
        ...     def __init__(self, size):
        ...         self.size = size
        >>> deserialize_keras_object({"class_name": "Thing", "config": {"size": 3}}, {"Thing": Thing}).size
        3
    """
    if identifier is None:
        return None
    if kind is None or isinstance(kind, dict):
        kind, module_objects = None, kind if kind is not None else module_objects
    table = dict(builtin_objects(kind)) if kind else {}
    table.update(module_objects or {})
    if isinstance(identifier, dict):
        if "class_name" not in identifier:
            raise ValueError(f"Improper config format for {printable_module_name}: {identifier!r}")
        class_name = identifier["class_name"]
        registered = identifier.get("registered_name")
        cls = None
        for candidate in (registered, class_name):
            if candidate:
                cls = get_registered_object(candidate, custom_objects, table)
                if cls is not None:
                    break
        if cls is None and class_name.startswith("Custom>"):
            cls = get_registered_object(class_name.split(">", 1)[1], custom_objects, table)
        if cls is None:
            raise ValueError(
                f"Unknown {printable_module_name}: '{class_name}'. Please ensure you are using a "
                "`kerasish.utils.custom_object_scope` and that this object is included in the scope, or pass "
                "it in `custom_objects`, or register it with `@kerasish.utils.register_keras_serializable()`.")
        config = identifier.get("config", {})
        if not inspect.isclass(cls):
            return cls
        if hasattr(cls, "from_config"):
            try:
                return cls.from_config(config, custom_objects=custom_objects) \
                    if "custom_objects" in inspect.signature(cls.from_config).parameters else cls.from_config(config)
            except (TypeError, ValueError) as e:
                raise type(e)(f"Could not deserialize {printable_module_name} '{class_name}' from its config: {e}") \
                    from e
        return cls(**config)
    if isinstance(identifier, str):
        obj = get_registered_object(identifier, custom_objects, table)
        if obj is None:
            raise ValueError(
                f"Unknown {printable_module_name}: '{identifier}'. Please ensure it is spelled correctly, "
                "or pass it in `custom_objects`, or register it with "
                "`@kerasish.utils.register_keras_serializable()`.")
        return obj
    return identifier
