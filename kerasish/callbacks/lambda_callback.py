"""`LambdaCallback`: a callback made of plain functions for some of the hooks.

Example:
    >>> from kerasish.callbacks import LambdaCallback
    >>> seen = []
    >>> cb = LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(epoch))
    >>> cb.on_epoch_end(3, {})
    >>> seen
    [3]
"""
from ..utils.serialization import register_builtin
from .callback import Callback


@register_builtin("callback")
class LambdaCallback(Callback):
    """A callback built from plain functions.

    Args:
        on_epoch_begin, on_epoch_end: `f(epoch, logs)`.
        on_batch_begin, on_batch_end: `f(batch, logs)` (training batches).
        on_train_begin, on_train_end: `f(logs)`.
        **kwargs: any other hook by name (`on_train_batch_end=f`, `on_predict_begin=f`, ...).

    Example:
        >>> from kerasish.callbacks import CallbackList
        >>> cb = LambdaCallback(on_epoch_end=lambda epoch, logs: print("done", epoch))
        >>> CallbackList([cb]).on_epoch_end(0)
        done 0
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_batch_begin=None, on_batch_end=None,
                 on_train_begin=None, on_train_end=None, **kwargs):
        super().__init__()
        hooks = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end, on_batch_begin=on_batch_begin,
                     on_batch_end=on_batch_end, on_train_begin=on_train_begin, on_train_end=on_train_end)
        for name, fn in kwargs.items():
            if not (name.startswith("on_") and hasattr(Callback, name)):
                raise TypeError(f"LambdaCallback: unknown hook {name!r}; expected one of the Callback hooks "
                                "such as 'on_train_batch_end'")
            hooks[name] = fn
        for name, fn in hooks.items():
            if fn is None:
                continue
            if not callable(fn):
                raise TypeError(f"LambdaCallback: `{name}` must be callable; received: {fn!r}")
            setattr(self, name, fn)
