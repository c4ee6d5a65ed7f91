"""Callbacks that send the epoch logs elsewhere: `CSVLogger` (a CSV file) and `RemoteMonitor` (HTTP posts).

Example:
    >>> from kerasish.callbacks import CSVLogger
    >>> CSVLogger("training.log", separator=";").sep
    ';'
"""
import csv
import json
import os

import numpy as np

from ..backend.tensor import Tensor
from ..backend.user_warnings import warn
from ..utils.serialization import register_builtin
from .callback import Callback, _to_python


# --------------------------------------------------------------------------------- CSVLogger
@register_builtin("callback")
class CSVLogger(Callback):
    """Stream each epoch's logs to a CSV file.

    Columns are `epoch` then the sorted log keys of the first epoch; when those have no `val_*`
    key, tf_keras adds a `val_` copy of every key anyway (filled with 'NA'), and so do we. Rows use
    the csv module's excel dialect (`\\r\\n` line ends).

    Args:
        filename: the CSV file.
        separator: the field separator (default ',').
        append: append to an existing file (the header is written only if the file is empty).

    Example:
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "log.csv")
        >>> class _M: stop_training = False
        >>> logger = CSVLogger(path); logger.set_model(_M())
        >>> logger.on_train_begin(); logger.on_epoch_end(0, {"loss": 0.5}); logger.on_train_end()
        >>> open(path).read().splitlines()
        ['epoch,loss,val_loss', '0,0.5,NA']
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.sep = separator
        self.filename = os.fspath(filename)
        self.append = append
        self.writer = None
        self.keys = None
        self.append_header = True
        self.csv_file = None

    def on_train_begin(self, logs=None):
        if self.append:
            if os.path.exists(self.filename):
                with open(self.filename, "r", newline="") as f:
                    self.append_header = not bool(len(f.readline()))
            mode = "a"
        else:
            mode = "w"
        self.csv_file = open(self.filename, mode, newline="")

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}

        def handle_value(k):
            # An engine tensor becomes a Python number (written with all its digits, as tf.keras writes the
            # metrics it converts); a numpy scalar stays one, written as numpy prints it (`lr`: 0.05).
            if isinstance(k, Tensor):
                k = _to_python(k)
            is_zero_dim_ndarray = isinstance(k, np.ndarray) and k.ndim == 0
            if isinstance(k, str):
                return k
            if hasattr(k, "__iter__") and not is_zero_dim_ndarray:
                return f"\"[{', '.join(map(str, k))}]\""
            return k

        if self.keys is None:
            self.keys = sorted(logs.keys())
            if not any(key.startswith("val_") for key in self.keys):
                # With validation_freq > 1 the first epoch has no val_ keys: reserve their columns.
                self.keys.extend(["val_" + k for k in self.keys])
        if getattr(self.model, "stop_training", False):
            # NA for missing values of this last epoch, so CSV readers do not fail.
            logs = {k: logs.get(k, "NA") for k in self.keys}
        if self.csv_file is None:  # used without on_train_begin
            self.on_train_begin()
        if not self.writer:
            class CustomDialect(csv.excel):
                delimiter = self.sep

            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch"] + self.keys, dialect=CustomDialect)
            if self.append_header:
                self.writer.writeheader()
        row = {"epoch": epoch}
        row.update((key, handle_value(logs.get(key, "NA"))) for key in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        if self.csv_file is not None:
            self.csv_file.close()
            self.csv_file = None
        self.writer = None


# ------------------------------------------------------------------------------ RemoteMonitor
@register_builtin("callback")
class RemoteMonitor(Callback):
    """POST each epoch's logs to a server as JSON (Keras 2's `RemoteMonitor`, without `requests`).

    The body is a form with one field, `field`, holding `{"epoch": epoch, <metric>: value, ...}`
    as JSON, or with `send_as_json=True` that JSON itself (Content-Type application/json). A server
    that cannot be reached gives a warning, not an error, and training goes on.

    Args:
        root: the server's root URL.
        path: the path under `root` to post to.
        field: the form field holding the JSON (form posts only).
        headers: extra HTTP headers (dict).
        send_as_json: post the JSON as the request body.

    Example:
        >>> monitor = RemoteMonitor(root="http://localhost:9000", send_as_json=True)
        >>> monitor.root + monitor.path
        'http://localhost:9000/publish/epoch/end/'
    """

    timeout = 30.0  # seconds to wait for the server (Keras 2 waited forever)

    def __init__(self, root="http://localhost:9000", path="/publish/epoch/end/", field="data", headers=None,
                 send_as_json=False):
        super().__init__()
        self.root = root
        self.path = path
        self.field = field
        self.headers = headers
        self.send_as_json = send_as_json

    def on_epoch_end(self, epoch, logs=None):
        import urllib.error
        import urllib.parse
        import urllib.request

        send = {"epoch": epoch}
        send.update((k, _to_python(v)) for k, v in (logs or {}).items())
        headers = dict(self.headers or {})
        if self.send_as_json:
            body = json.dumps(send).encode("utf-8")
            headers.setdefault("Content-Type", "application/json")
        else:
            body = urllib.parse.urlencode({self.field: json.dumps(send)}).encode("ascii")
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        request = urllib.request.Request(self.root + self.path, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
        except urllib.error.HTTPError:
            pass  # the server answered (with an error status): as with `requests`, not our failure
        except (urllib.error.URLError, OSError, ValueError):
            warn(f"Warning: could not reach RemoteMonitor root server at {self.root}")
