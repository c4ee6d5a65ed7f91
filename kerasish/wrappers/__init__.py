"""Keras 2's `keras.wrappers`: `scikit_learn` (KerasClassifier, KerasRegressor)."""
from . import scikit_learn  # noqa: F401
