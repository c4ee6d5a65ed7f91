"""The dict of metric values that `fit`/`evaluate` hand to callbacks and keep in `History.history`.

Keras 2.0-2.2 named metrics differently: `metrics=["accuracy"]` logged `acc` / `val_acc`,
`metrics=["mae"]` logged `mean_absolute_error`, and so on, and scripts of that time read those keys
(`history.history["val_acc"]`, `EarlyStopping(monitor="val_acc")`, checkpoint paths with
`{val_acc:.2f}`). A `MetricLogs` keeps today's names as its keys and also answers the old names on
lookup (`[]`, `get`, `in`, `format_map`); iterating it, printing it or writing it to CSV lists each
value once, under today's name.

Example:
    >>> logs = MetricLogs({"loss": 0.3, "accuracy": 0.9, "val_mae": 0.2})
    >>> logs["acc"], logs.get("val_mean_absolute_error"), "val_acc" in logs, list(logs)
    (0.9, 0.2, False, ['loss', 'accuracy', 'val_mae'])
"""

# Keras 2.0-2.2's metric names (as the end of a key) -> the names tf.keras and kerasish log
_LEGACY_NAMES = {
    "acc": "accuracy",
    "mean_absolute_error": "mae",
    "mean_squared_error": "mse",
    "mean_absolute_percentage_error": "mape",
    "mean_squared_logarithmic_error": "msle",
    "cosine_proximity": "cosine_similarity",
}


class MetricLogs(dict):
    """A dict of metric values that also finds a value by its Keras 2.0-2.2 name (`acc`, `val_acc`,
    `mean_absolute_error`, `dense_1_acc`, ...) when that name is not a key itself."""

    def _alias(self, key):
        if not isinstance(key, str):
            return None
        for legacy, current in _LEGACY_NAMES.items():
            if key == legacy or key.endswith("_" + legacy):
                candidate = key[:len(key) - len(legacy)] + current
                if dict.__contains__(self, candidate):
                    return candidate
        return None

    def __missing__(self, key):
        alias = self._alias(key)
        if alias is None:
            raise KeyError(key)
        return dict.__getitem__(self, alias)

    def __contains__(self, key):
        return dict.__contains__(self, key) or self._alias(key) is not None

    def get(self, key, default=None):
        """The value of `key` (or of the current name it is an old name of), else `default`."""
        if dict.__contains__(self, key):
            return dict.__getitem__(self, key)
        alias = self._alias(key)
        return default if alias is None else dict.__getitem__(self, alias)

    def copy(self) -> "MetricLogs":
        """A shallow copy that still answers the old names."""
        return MetricLogs(self)
