"""Keras 2's `keras.utils.generic_utils`: the serialization registry, argument checks and small list helpers.

Example:
    >>> from kerasish.utils.generic_utils import to_list, unpack_singleton, has_arg
    >>> to_list(3), unpack_singleton([4]), has_arg(lambda x, training=None: x, "training")
    ([3], 4, True)
"""
import base64
import inspect
import marshal
import types
from typing import Any, Callable, Optional

from .lambda_bytecode import load_function_code
from .progbar import Progbar  # noqa: F401
from .serialization import (  # noqa: F401
    CustomObjectScope, custom_object_scope, deserialize_keras_object, get_custom_objects, get_registered_name,
    get_registered_object, register_keras_serializable, serialize_keras_object)

getargspec = inspect.getfullargspec  # Keras 2 re-exported the Python 3 spelling under this name


def func_dump(func: Callable) -> tuple:
    """A Python function as `(base64 marshalled bytecode, defaults, closure values)` (Keras 2's Lambda format).

    Example:
        >>> code, defaults, closure = func_dump(lambda x, k=2: x * k)
        >>> func_load(code, defaults, closure)(3)
        6
    """
    code = base64.encodebytes(marshal.dumps(func.__code__)).decode("ascii")
    closure = tuple(cell.cell_contents for cell in func.__closure__) if func.__closure__ else None
    return code, func.__defaults__, closure


def func_load(code, defaults=None, closure=None, globs: Optional[dict] = None) -> types.FunctionType:
    """Rebuild a function written by `func_dump` (also given the whole `[code, defaults, closure]` triple).

    This runs bytecode: load only what you trust (a model file's Lambda layers are refused unless
    `safe_mode=False`). `globs` are the function's globals (default: this module's).
    """
    if isinstance(code, (tuple, list)):
        code, defaults, closure = code
    if isinstance(defaults, list):
        defaults = tuple(defaults)
    if closure is not None:
        closure = tuple(value if isinstance(value, types.CellType) else types.CellType(value) for value in closure)
    if not isinstance(code, types.CodeType):  # as func_dump wrote it (a checked code object passes as is)
        # also Keras < 2.1.2's text form (marshalled bytes decoded as raw_unicode_escape), as Keras 2 reads it
        code = load_function_code(code, "func_load")
    return types.FunctionType(code, globals() if globs is None else globs, name=code.co_name,
                              argdefs=defaults or None, closure=closure)


def has_arg(fn: Callable, name: str, accept_all: bool = False) -> bool:
    """Whether `fn` takes an argument called `name` (with `accept_all`, also when it takes `**kwargs`).

    Example:
        >>> has_arg(lambda x, **kw: x, "mask"), has_arg(lambda x, **kw: x, "mask", accept_all=True)
        (False, True)
    """
    parameters = inspect.signature(fn).parameters
    if accept_all and any(p.kind == p.VAR_KEYWORD for p in parameters.values()):
        return True
    parameter = parameters.get(name)
    return parameter is not None and parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY)


def to_list(x: Any, allow_tuple: bool = False) -> list:
    """`x` as a list: a list stays as it is, a tuple becomes a list only with `allow_tuple`, anything else `[x]`."""
    if isinstance(x, list):
        return x
    if allow_tuple and isinstance(x, tuple):
        return list(x)
    return [x]


def unpack_singleton(x: Any) -> Any:
    """The only element of a one-element list or tuple; anything else unchanged."""
    if isinstance(x, (list, tuple)) and len(x) == 1:
        return x[0]
    return x


def object_list_uid(object_list) -> str:
    """A string made of the ids of the objects (Keras 2 keyed its caches with it)."""
    return ", ".join(str(abs(id(x))) for x in to_list(object_list, allow_tuple=True))


def is_all_none(iterable_or_element) -> bool:
    """Whether every element (or the element itself) is None."""
    return all(element is None for element in to_list(iterable_or_element, allow_tuple=True))


def slice_arrays(arrays, start=None, stop=None):
    """`arrays[start:stop]`, or that slice of each array of a list (None entries stay None).

    `start` may be a list or array of indices instead, with `stop` None.

    Example:
        >>> import numpy as np
        >>> [a.tolist() for a in slice_arrays([np.arange(5), np.arange(5, 10)], 1, 3)]
        [[1, 2], [6, 7]]
        >>> slice_arrays(np.arange(5), [0, 4]).tolist()
        [0, 4]
    """
    if arrays is None:
        return [None]
    if hasattr(start, "__len__"):
        if hasattr(start, "shape"):
            start = start.tolist()  # h5py datasets take index lists, not arrays
        return [None if x is None else x[start] for x in arrays] if isinstance(arrays, list) else arrays[start]
    if isinstance(arrays, list):
        return [None if x is None else x[start:stop] for x in arrays]
    # Keras 2 and tf_keras test the start index (not the array) for __getitem__ here, so a single
    # array sliced by integers gives [None]; kept as they have it.
    return arrays[start:stop] if hasattr(start, "__getitem__") else [None]


def transpose_shape(shape, target_format: str, spatial_axes):
    """A channels-last `shape` reordered for `target_format` ('channels_first' moves the last entry forward).

    Example:
        >>> transpose_shape((16, 128, 128, 32), "channels_first", spatial_axes=(1, 2))
        (16, 32, 128, 128)
    """
    if target_format == "channels_first":
        new_values = tuple(shape[:spatial_axes[0]]) + (shape[-1],) + tuple(shape[x] for x in spatial_axes)
        return list(new_values) if isinstance(shape, list) else new_values
    if target_format == "channels_last":
        return shape
    raise ValueError('The `data_format` argument must be one of "channels_first", "channels_last". '
                     f"Received: {target_format}")


def check_for_unexpected_keys(name: str, input_dict: dict, expected_values) -> None:
    """Raise a ValueError naming the keys of `input_dict` that are not in `expected_values`."""
    unknown = set(input_dict.keys()).difference(expected_values)
    if unknown:
        raise ValueError(f"Unknown entries in {name} dictionary: {sorted(unknown)}. Only expected following keys: "
                         f"{list(expected_values)}")
