"""`TerminateOnNaN`: stop training as soon as a batch's loss is NaN or infinite.

Example:
    >>> from kerasish.callbacks import TerminateOnNaN
    >>> isinstance(TerminateOnNaN(), TerminateOnNaN)
    True
"""
import numpy as np

from ..utils.serialization import register_builtin
from .callback import Callback, _print, _to_python


# ---------------------------------------------------------------------------- small helpers
@register_builtin("callback")
class TerminateOnNaN(Callback):
    """Stop training at the first batch whose loss is NaN or infinite.

    Prints `Batch N: Invalid loss, terminating training` (N counted from 0 within the epoch) and
    sets `model.stop_training`; the training loop ends after that batch.

    Example:
        >>> class _M: stop_training = False
        >>> cb = TerminateOnNaN(); cb.set_model(_M())
        >>> cb.on_train_batch_end(3, {"loss": float("nan")})
        Batch 3: Invalid loss, terminating training
        >>> cb.model.stop_training
        True
    """

    def on_batch_end(self, batch, logs=None):
        logs = logs or {}
        loss = logs.get("loss")
        if loss is not None:
            loss = _to_python(loss)
            if np.isnan(loss) or np.isinf(loss):
                _print(f"Batch {batch}: Invalid loss, terminating training")
                self.model.stop_training = True
