"""The seam between the eager engine and the symbolic (graph-building) code above it.

The engine computes values; it knows nothing of graphs. Keras 2 code also hands the public op
namespaces (`K.sum`, `kerasish.ops.exp`, `losses.binary_crossentropy`, ...) *symbolic* tensors:
`keras.Input`s and the outputs of layers called on them, which have no value yet. Those calls are
passed, unchanged, to a handler that the symbolic layer (`kerasish.layers.op_layers`) registers
at import; it turns them into op-layer nodes of a Functional graph. A value counts as symbolic when
it carries `_keras_history` (duck-typed: nothing here imports the classes that set it).

The same seam carries the backend functions that only make sense with graphs (`K.function`,
`K.gradients`, `K.placeholder`): the backend names them, the graph layer implements them
(`register_implementation`), so no import ever points from the engine up.

Example:
    >>> import numpy as np
    >>> from kerasish.backend import dispatch
    >>> def twice(x):
    ...     return np.asarray(x) * 2
    >>> api = dispatch.symbolic_api("demo.twice", twice)
    >>> api([1, 2]).tolist()  # concrete values: the function itself runs
    [2, 4]
    >>> dispatch.api_function("demo.twice") is twice
    True
"""
import functools
import inspect

# api name ("keras.backend.sum") -> the undecorated function: what op layers call, and what a saved
# op layer's "function" names (looked up here, never imported)
API_FUNCTIONS = {}

_HANDLER = [None]  # fn(api_name, function, args, kwargs): the symbolic layer's entry point
_IMPLEMENTATIONS = {}  # "function" / "gradients" / "placeholder" -> implementation from above


class SymbolicValueError(TypeError):
    """A symbolic tensor reached an engine op that needs a value (raised by the engine's coercion)."""


def is_symbolic(x) -> bool:
    """Whether `x` is a symbolic (Keras) tensor: it has a graph history but no value.

    Example:
        >>> is_symbolic(1.0)
        False
    """
    return hasattr(x, "_keras_history")


def contains_symbolic(structure) -> bool:
    """Whether a symbolic tensor appears anywhere in nested lists, tuples and dicts.

    Example:
        >>> contains_symbolic([1, (2.0, {"a": 3})])
        False
    """
    if isinstance(structure, (list, tuple)):
        return any(contains_symbolic(s) for s in structure)
    if isinstance(structure, dict):
        return any(contains_symbolic(s) for s in structure.values())
    return hasattr(structure, "_keras_history")


def register_handler(handler) -> None:
    """Install the symbolic layer's entry point: `handler(api_name, function, args, kwargs)`."""
    _HANDLER[0] = handler


def register_implementation(name: str, fn) -> None:
    """Install the graph-level implementation of a backend function (`function`, `gradients`, ...)."""
    _IMPLEMENTATIONS[name] = fn


def implementation(name: str):
    """The registered implementation of backend function `name` (RuntimeError when none is)."""
    fn = _IMPLEMENTATIONS.get(name)
    if fn is None:
        raise RuntimeError(f"K.{name} needs kerasish's graph layer; `import kerasish` first.")
    return fn


def api_function(api_name: str):
    """The undecorated function registered under `api_name`, or None.

    Example:
        >>> from kerasish import backend as K
        >>> api_function("keras.backend.square")([2.0]).numpy()
        array([4.], dtype=float32)
    """
    return API_FUNCTIONS.get(api_name)


def symbolic_api(api_name: str, fn):
    """`fn`, made to hand calls with symbolic arguments to the symbolic layer.

    With concrete arguments the wrapper costs one scan of the positional arguments; the undecorated
    function stays reachable as `__wrapped__` and through `api_function(api_name)`.
    """
    API_FUNCTIONS[api_name] = fn

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        for a in args:
            if hasattr(a, "_keras_history") or (type(a) in (list, tuple) and contains_symbolic(a)):
                return _apply(api_name, fn, args, kwargs)
        if kwargs and contains_symbolic(kwargs):
            return _apply(api_name, fn, args, kwargs)
        return fn(*args, **kwargs)

    wrapper._keras_api_name = api_name
    return wrapper


def _apply(api_name, fn, args, kwargs):
    handler = _HANDLER[0]
    if handler is None:
        raise SymbolicValueError(f"{api_name}: received a symbolic Keras tensor, but kerasish's graph layer is not "
                                 "loaded (`import kerasish` first).")
    return handler(api_name, fn, args, kwargs)


def dispatch_namespace(namespace: dict, prefix: str, names, tables=()) -> None:
    """Replace each function `names[i]` of a module namespace by its `symbolic_api` wrapper.

    Aliases (`mse = mean_squared_error`) and entries of registry `tables` that are the same object are
    replaced by the same wrapper, so identity checks (`fn is losses.mean_squared_error`) still hold
    whichever way a function was reached. The api name is `prefix + "." + name` of its first listed name.
    """
    for name in names:
        raw = namespace[name]
        if getattr(raw, "_keras_api_name", None) is not None:  # another namespace's function, already wrapped
            API_FUNCTIONS.setdefault(f"{prefix}.{name}", raw.__wrapped__)
            continue
        wrapped = symbolic_api(f"{prefix}.{name}", raw)
        for key, value in list(namespace.items()):
            if value is raw:
                namespace[key] = wrapped
                API_FUNCTIONS.setdefault(f"{prefix}.{key}", raw)
        for table in tables:
            for key, value in list(table.items()):
                if value is raw:
                    table[key] = wrapped


def dispatch_registered(namespace: dict, prefix: str, table: dict) -> None:
    """`dispatch_namespace` for the functions of a registry `table` defined in `namespace` (losses, metrics)."""
    names = [n for n, v in namespace.items() if not n.startswith("_") and inspect.isfunction(v)
             and any(v is t for t in table.values())]
    dispatch_namespace(namespace, prefix, names, tables=(table,))


def public_functions(namespace: dict, module_prefix: str, exclude=()):
    """Names of the public functions defined under `module_prefix` (for `dispatch_namespace`)."""
    return [n for n, v in namespace.items() if not n.startswith("_") and n not in exclude and inspect.isfunction(v)
            and getattr(v, "__module__", "").startswith(module_prefix)]
