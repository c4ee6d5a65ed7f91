"""The `Metric` base class (state in non-trainable variables, `update_state`/`result`/`reset_state`), the
helpers every metric family shares, and `serialize`/`deserialize`/`get`.

Example:
    >>> from kerasish.metrics import Mean
    >>> m = Mean()
    >>> m.update_state([1.0, 3.0])
    >>> float(m.result())
    2.0
"""
import re
import weakref

import numpy as np

from ..backend import config
from ..backend.tensor import Tensor, Variable
from ..utils.serialization import deserialize_keras_object, get_registered_name, serialize_keras_object


def _to_snake_case(name):
    intermediate = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    insecure = re.sub("([a-z])([A-Z])", r"\1_\2", intermediate).lower()
    return insecure if insecure[0] != "_" else "private" + insecure


def _unique_name(prefix):
    uid = config.get_uid(prefix)
    return prefix if uid == 1 else f"{prefix}_{uid - 1}"


def _np(x, dtype=None):
    """A numpy array from a Tensor, Variable, list or array."""
    if isinstance(x, Tensor):
        x = x.array
    elif hasattr(x, "_keras_history"):
        raise TypeError("A symbolic Keras tensor was passed to a metric; metrics need concrete values.")
    return np.asarray(x) if dtype is None else np.asarray(x, dtype=dtype)


def _divide_no_nan(a, b):
    a = np.asarray(a)
    b = np.asarray(b)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(b != 0, a / np.where(b != 0, b, 1), 0)
    return out.astype(np.result_type(a.dtype, b.dtype), copy=False)


def _result(value, dtype):
    return Tensor(np.asarray(value, dtype=dtype))


# --------------------------------------------------------------------------- Metric base
_LAYER_KWARGS = {"trainable", "dynamic", "autocast", "input_shape", "batch_input_shape", "batch_size", "mesh"}


_CALLED_METRICS = weakref.WeakValueDictionary()  # id(result of metric(...)) -> that metric


def metric_of_result(value):
    """The metric whose latest `metric(...)` call returned `value`, or None (Keras 2's `value._metric_obj`).

    Example:
        >>> from kerasish.metrics import Mean
        >>> m = Mean()
        >>> metric_of_result(m([1.0, 3.0])) is m
        True
    """
    metric = _CALLED_METRICS.get(id(value))
    return metric if metric is not None and getattr(metric, "_last_result", None) is value else None


class Metric:
    """Base class of stateful metrics.

    Args:
        name: the metric's name (default: the snake-cased class name, made unique: `auc`, `auc_1`).
        dtype: the state's float type (default floatx).

    Example:
        >>> import numpy as np
        >>> from kerasish import metrics
        >>> class CountPositives(metrics.Metric):
        ...     def __init__(self, name="count_positives", **kwargs):
        ...         super().__init__(name=name, **kwargs)
        ...         self.count = self.add_weight(name="count", initializer="zeros")
        ...     def update_state(self, y_true, y_pred, sample_weight=None):
        ...         self.count.assign_add(np.sum(np.asarray(y_pred) > 0.5))
        ...     def result(self):
        ...         return self.count
        >>> m = CountPositives()
        >>> m.update_state([1, 0], [0.9, 0.7])
        >>> float(m.result()), m.name
        (2.0, 'count_positives')
    """

    _keras_module = "keras.metrics"

    def __init__(self, name=None, dtype=None, **kwargs):
        unknown = set(kwargs) - _LAYER_KWARGS
        if unknown:
            raise TypeError(f"Keyword argument(s) not understood by {type(self).__name__}: {sorted(unknown)}")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"{type(self).__name__}: `name` must be a string; received {name!r}")
        self._name = name or _unique_name(_to_snake_case(type(self).__name__))
        dtype = getattr(dtype, "name", dtype)
        self._dtype = np.dtype(dtype or config.floatx()).name
        self._metric_weights = []
        self.stateful = True
        self.built = True
        self.trainable = bool(kwargs.get("trainable", True))

    # -- identity -------------------------------------------------------------------------
    @property
    def name(self):
        return self._name

    @property
    def dtype(self):
        return self._dtype

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r}>"

    def __str__(self):
        try:
            args = ",".join(f"{k}={v}" for k, v in self.get_config().items())
        except NotImplementedError:
            args = f"name={self.name}"
        return f"{type(self).__name__}({args})"

    # -- state ----------------------------------------------------------------------------
    def add_weight(self, name, shape=(), aggregation=None, synchronization=None, initializer=None, dtype=None):
        """Create a non-trainable state Variable (zeros unless `initializer` says otherwise)."""
        dtype = np.dtype(getattr(dtype, "name", dtype) or self._dtype)
        shape = tuple(int(d) for d in (shape if isinstance(shape, (list, tuple)) else (shape,)))
        if initializer is None or initializer == "zeros":
            value = np.zeros(shape, dtype=dtype)
        elif initializer == "ones":
            value = np.ones(shape, dtype=dtype)
        else:
            from . import initializers

            init = initializers.get(initializer) if isinstance(initializer, (str, dict)) else initializer
            value = np.asarray(init(shape, dtype=dtype.name) if dtype.kind == "f" else init(shape), dtype=dtype)
        var = Variable(value, dtype=dtype, name=name, trainable=False)
        self._metric_weights.append(var)
        return var

    @property
    def variables(self):
        """The state Variables, in creation order."""
        return list(self._metric_weights)

    @property
    def weights(self):
        return list(self._metric_weights)

    @property
    def non_trainable_weights(self):
        return list(self._metric_weights)

    @property
    def trainable_weights(self):
        return []

    def get_weights(self):
        return [v.array.copy() for v in self._metric_weights]

    def set_weights(self, weights):
        if len(weights) != len(self._metric_weights):
            raise ValueError(f"Metric {self.name!r} has {len(self._metric_weights)} state variables; "
                             f"received {len(weights)} values")
        for v, w in zip(self._metric_weights, weights):
            v.assign(w)

    def reset_state(self):
        """Zero every state variable (or call a subclass's legacy `reset_states`)."""
        if type(self).reset_states is not Metric.reset_states:
            return self.reset_states()
        for v in self._metric_weights:
            v.array[...] = 0

    def reset_states(self):
        """Deprecated alias of `reset_state`."""
        return self.reset_state()

    def merge_state(self, metrics):
        """Add the state of other metrics of the same kind into this one."""
        for other in metrics:
            if len(other.variables) != len(self._metric_weights):
                raise ValueError(f"Metric {other} is not compatible with {self}")
            for v, w in zip(self._metric_weights, other.variables):
                v.assign_add(w)

    # -- API ------------------------------------------------------------------------------
    def update_state(self, *args, **kwargs):
        """Accumulate statistics from one batch; subclasses implement this."""
        raise NotImplementedError(f"{type(self).__name__} must implement `update_state`.")

    def result(self):
        """The metric value from the accumulated state; subclasses implement this."""
        raise NotImplementedError(f"{type(self).__name__} must implement `result`.")

    def __call__(self, *args, **kwargs):
        """`update_state(*args, **kwargs)` then `result()`."""
        self.update_state(*args, **kwargs)
        result = self.result()
        self._last_result = result  # so `layer.add_metric(metric(x))` knows the value's metric (metric_of_result)
        _CALLED_METRICS[id(result)] = self
        return result

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


# --------------------------------------------------------------------------- get / serialize / resolve
def serialize(metric, use_legacy_format=False):
    """The config dict of a `Metric`, or the name of a metric function.

    Example:
        >>> from kerasish.metrics import AUC, binary_accuracy
        >>> serialize(AUC())["class_name"]
        'AUC'
        >>> serialize(binary_accuracy)
        'binary_accuracy'
    """
    if metric is None:
        return None
    # a metric object that is no `Metric` but has a config (a Keras 2 custom class) keeps it, as in tf_keras
    if isinstance(metric, Metric) or callable(metric) and not isinstance(metric, type) and hasattr(metric, "get_config"):
        if use_legacy_format:
            return {"class_name": get_registered_name(type(metric)), "config": metric.get_config()}
        return serialize_keras_object(metric)
    if callable(metric):
        return get_registered_name(metric)
    raise ValueError(f"Could not serialize metric {metric!r}: expected a `Metric` or a metric function")


def deserialize(config, custom_objects=None, use_legacy_format=False):
    """The metric named by a string or described by a `{"class_name", "config"}` dict.

    Example:
        >>> from kerasish.metrics import mean_squared_error
        >>> deserialize("mse") is mean_squared_error
        True
        >>> deserialize({"class_name": "AUC", "config": {"name": "auc_x"}}).name
        'auc_x'
    """
    obj = deserialize_keras_object(config, "metric", custom_objects=custom_objects,
                                   printable_module_name="metric function")
    if isinstance(obj, type):
        return obj()
    return obj


def get(identifier):
    """Resolve a metric: a name ('mae', 'AUC'), a config dict, a `Metric` or a function.

    Example:
        >>> from kerasish.metrics import binary_accuracy
        >>> get("binary_accuracy") is binary_accuracy
        True
        >>> type(get("AUC")).__name__
        'AUC'
    """
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret metric identifier: {identifier!r}")
