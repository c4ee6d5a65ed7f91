"""Global configuration of the engine: float type, epsilon, image layout, learning phase, seeds.

Example:
    >>> from kerasish.backend import config
    >>> config.floatx()
    'float32'
"""
import collections
import contextlib
import random as _py_random

import numpy as np

_FLOATX = "float32"
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"
_LEARNING_PHASE = None  # None: decided by the caller (fit sets training=True)
_MANUAL_VAR_INIT = False
_UIDS = collections.defaultdict(int)
_IN_GRAPH = [False]  # inside `graph_uids`: names come from a symbolic call's own counters

# One seeded generator for every random draw in the engine (initializers, dropout, shuffling).
_RNG = np.random.default_rng()


def floatx() -> str:
    """The default float type as a string, 'float32' unless changed."""
    return _FLOATX


def set_floatx(value: str) -> None:
    """Set the default float type ('float16', 'float32' or 'float64')."""
    global _FLOATX
    if value not in ("float16", "float32", "float64"):
        raise ValueError(f"Unknown floatx type: {value!r}; expected 'float16', 'float32' or 'float64'")
    _FLOATX = str(value)


def epsilon() -> float:
    """The fuzz factor used in numeric expressions (1e-7 by default)."""
    return _EPSILON


def set_epsilon(value: float) -> None:
    """Set the fuzz factor returned by `epsilon()`."""
    global _EPSILON
    _EPSILON = float(value)


def image_data_format() -> str:
    """'channels_last' (default) or 'channels_first'."""
    return _IMAGE_DATA_FORMAT


def set_image_data_format(data_format: str) -> None:
    """Set the default image layout."""
    global _IMAGE_DATA_FORMAT
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"Unknown data_format: {data_format!r}; expected 'channels_last' or 'channels_first'")
    _IMAGE_DATA_FORMAT = str(data_format)


def image_dim_ordering() -> str:
    """Keras 1's name for the image layout, which Keras 2.x kept: 'th' (channels first) or 'tf' (channels last).

    Example:
        >>> from kerasish import backend as K
        >>> K.image_dim_ordering()
        'tf'
    """
    return "th" if _IMAGE_DATA_FORMAT == "channels_first" else "tf"


def set_image_dim_ordering(dim_ordering: str) -> None:
    """Keras 1's setter of the image layout: 'th' sets 'channels_first', 'tf' 'channels_last'."""
    if dim_ordering not in ("tf", "th"):
        raise ValueError(f"Unknown dim_ordering: {dim_ordering!r}; expected 'tf' or 'th'")
    set_image_data_format("channels_first" if dim_ordering == "th" else "channels_last")


def normalize_data_format(value):
    """Return `value` or the global default, validated."""
    if value is None:
        value = _IMAGE_DATA_FORMAT
    value = str(value).lower()
    if value not in ("channels_last", "channels_first"):
        raise ValueError(f"The `data_format` argument must be 'channels_last' or 'channels_first'; received: {value!r}")
    return value


def learning_phase():
    """0 (test) or 1 (train) when set globally, otherwise 0."""
    return 0 if _LEARNING_PHASE is None else _LEARNING_PHASE


def global_learning_phase():
    """The phase set by `set_learning_phase`, or None when unset."""
    return _LEARNING_PHASE


def set_learning_phase(value) -> None:
    """Force the learning phase to 0 (test) or 1 (train) for calls that do not pass `training`."""
    global _LEARNING_PHASE
    if value not in (0, 1, None, True, False):
        raise ValueError(f"Expected learning phase to be 0 or 1; received: {value!r}")
    _LEARNING_PHASE = None if value is None else int(value)


def manual_variable_initialization(value: bool) -> None:
    """Kept for Keras 2 compatibility; variables are always initialized on creation here."""
    global _MANUAL_VAR_INIT
    _MANUAL_VAR_INIT = bool(value)


def get_uid(prefix: str = "") -> int:
    """A counter per prefix: 1, 2, 3, ... (used for automatic layer names)."""
    _UIDS[prefix] += 1
    return _UIDS[prefix]


def reset_uids() -> None:
    """Restart every `get_uid` counter."""
    _UIDS.clear()


@contextlib.contextmanager
def fresh_uids():
    """Inside the block, automatic names count from scratch; outside it, the process's counters go on unchanged.

    Keras 2 names objects created while a function is traced from a counter of that function's graph:
    the metrics `compile` makes from strings ("AUC", "Recall") are built in the first traced step, so
    every model gets `auc`, `recall` (and `recall_1` only for a second Recall of the same model),
    while metric objects a user creates count across the whole process (`recall`, `recall_1`, ...).

    Example:
        >>> from kerasish.backend import config
        >>> with config.fresh_uids():
        ...     config.get_uid("recall")
        1
    """
    global _UIDS
    saved = _UIDS
    _UIDS = collections.defaultdict(int)
    try:
        yield
    finally:
        _UIDS = saved


@contextlib.contextmanager
def graph_uids():
    """Inside the block, automatic names come from fresh counters: those of the scratch graph in which
    tf_keras builds and runs a layer called on Keras tensors.

    tf_keras runs such a call (the layer's build included) in a new graph each time, and a graph has its own
    name counters: the Dropout a custom layer makes in its build is "dropout" in every instance, while the
    user's own `Dropout()` layers go on counting "dropout", "dropout_1", ... Calls nested inside the block
    share its counters, as they run in the same graph.

    Example:
        >>> from kerasish.backend import config
        >>> config.reset_uids()
        >>> with config.graph_uids():
        ...     config.get_uid("softmax"), config.get_uid("softmax")
        (1, 2)
        >>> with config.graph_uids():
        ...     config.get_uid("softmax")
        1
        >>> config.get_uid("softmax")
        1
    """
    global _UIDS
    if _IN_GRAPH[0]:
        yield
        return
    saved, _UIDS, _IN_GRAPH[0] = _UIDS, collections.defaultdict(int), True
    try:
        yield
    finally:
        _UIDS, _IN_GRAPH[0] = saved, False


def clear_session() -> None:
    """Reset automatic names and collect garbage (as Keras 3's `clear_session(free_memory=True)`): models are
    cyclic graphs of layers and tensors, freed only by the collector. kerasish keeps no global graph."""
    import gc

    reset_uids()
    gc.collect()


def rng() -> np.random.Generator:
    """The engine's random generator (seeded by `set_random_seed`)."""
    return _RNG


def set_random_seed(seed: int) -> None:
    """Seed Python's, numpy's and kerasish's random generators, so runs repeat bit for bit."""
    global _RNG
    if not isinstance(seed, (int, np.integer)):
        raise ValueError(f"Expected `seed` argument to be an integer; received: {seed!r}")
    _py_random.seed(int(seed))
    np.random.seed(int(seed) % (2**32))
    _RNG = np.random.default_rng(int(seed))


def seeded_rng(seed):
    """A generator for an explicit `seed` (a layer's own Generator passes through), else the engine's."""
    if seed is None:
        return _RNG
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(int(seed))


def dtype_name(dtype) -> str:
    """A dtype's Keras name: numpy's (`"float32"`, `"int64"`), or `"string"` for text, as tf.string."""
    if isinstance(dtype, str) and dtype == "string":
        return "string"
    dtype = np.dtype(dtype)
    return "string" if dtype.kind in "OUS" else str(dtype)


def numpy_dtype(dtype) -> np.dtype:
    """The numpy dtype that holds values of a Keras dtype (`"string"`: an object array of str/bytes)."""
    return np.dtype(object) if isinstance(dtype, str) and dtype == "string" else np.dtype(dtype)
