"""Saving and loading: Keras 2's `.h5` formats both ways, atomically written, safely read.

- `save_model` / `load_model`: architecture + weights + training config + optimizer state.
- `save_model("m.keras")` / `load_model`: the `.keras` zip archive in Keras 3's or tf.keras 2.13+'s dialect
  (`keras_archive`, `keras3_config`).
- `save_weights` / `load_weights`: weights only, by layer order or by name; a path ending in
  `.weights.h5` uses the keras saving_lib layout instead, as tf_keras 2.21 and Keras 3 do (`keras_weights_h5`).
- `model_from_config` / `model_from_json`: architectures (tf_keras 2.x, older Keras 2, Keras 3 dialects).
- `current_safe_mode()` / `safe_mode_scope()`: whether the load in progress may run code from the
  file (Lambda bytecode). True unless the caller passed `safe_mode=False`.
- `atomic_h5_writer(path)` / `atomic_path(path)`: the temp-file + fsync + `os.replace` writers every
  save uses (for callbacks that write their own files).

Example:
    >>> import os, tempfile
    >>> import numpy as np
    >>> import kerasish as keras
    >>> inp = keras.Input(shape=(3,), name="x")
    >>> model = keras.Model(inp, keras.layers.Dense(2, name="d")(inp))
    >>> path = os.path.join(tempfile.mkdtemp(), "model.h5")
    >>> keras.saving.save_model(model, path)
    >>> loaded = keras.saving.load_model(path)
    >>> np.array_equal(loaded.get_weights()[0], model.get_weights()[0])
    True
"""
from .atomic import atomic_h5_writer, atomic_path, check_overwrite  # noqa: F401
from .hdf5_attrs import HDF5_OBJECT_HEADER_LIMIT, read_string_list, write_string_list  # noqa: F401
from .hdf5_model import (compile_args_from_training_config, load_model_from_hdf5_group,  # noqa: F401
                         save_model_to_hdf5_group, training_config)
from .hdf5_weights import (load_weights_from_hdf5_group, load_weights_from_hdf5_group_by_name,  # noqa: F401
                           preprocess_weights_for_loading, save_weights, save_weights_to_hdf5_group)
from .saving_api import load_model, load_weights, save_model  # noqa: F401
from .model_config import model_from_config, model_from_json  # noqa: F401
from ..utils.safe_mode import current_safe_mode, safe_mode_scope  # noqa: F401
from ..utils.serialization import (custom_object_scope, deserialize_keras_object, get_custom_objects,  # noqa: F401
                                   get_registered_name, get_registered_object, register_keras_serializable,
                                   serialize_keras_object)

__all__ = ["save_model", "load_model", "save_weights", "load_weights", "model_from_config", "model_from_json",
           "current_safe_mode", "safe_mode_scope", "atomic_h5_writer", "atomic_path", "custom_object_scope",
           "get_custom_objects", "register_keras_serializable"]
