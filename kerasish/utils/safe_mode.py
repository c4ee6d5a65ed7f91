"""Safe mode: whether the load in progress may run code stored in the file (Lambda bytecode).

Loading never runs code from a file unless the caller says so with `safe_mode=False`. The
value is per thread and per load: `load_model`, `model_from_json` and `model_from_config` push
it for the duration of the load, and layers that could run stored code (`Lambda`) ask for it
with `current_safe_mode()`. Outside any load it is True.

Example:
    >>> from kerasish.saving import current_safe_mode, safe_mode_scope
    >>> current_safe_mode()
    True
    >>> with safe_mode_scope(False):
    ...     current_safe_mode()
    False
    >>> current_safe_mode()
    True
"""
import contextlib
import threading

_STATE = threading.local()


def current_safe_mode() -> bool:
    """The safe_mode of the load in progress in this thread (True when no load is in progress)."""
    stack = getattr(_STATE, "stack", None)
    return stack[-1] if stack else True


@contextlib.contextmanager
def safe_mode_scope(safe_mode=True):
    """Within this block `current_safe_mode()` returns `safe_mode` (None keeps the current value).

    Args:
        safe_mode: True refuses to deserialize Python bytecode; False allows it (trusted files only).
    """
    if safe_mode is None:
        safe_mode = current_safe_mode()
    if not isinstance(safe_mode, (bool, int)):
        raise TypeError(f"safe_mode must be True or False; received {safe_mode!r}")
    if not hasattr(_STATE, "stack"):
        _STATE.stack = []
    _STATE.stack.append(bool(safe_mode))
    try:
        yield
    finally:
        _STATE.stack.pop()
