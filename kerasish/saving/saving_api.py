"""The public save and load functions: each recognises the format (Keras 2's `.h5`, or the `.keras` zip
archive in Keras 3's or tf.keras's dialect) and hands the work to its module. They sit above the format
modules, which never import each other back.

Example:
    >>> import os, tempfile
    >>> import kerasish as keras
    >>> from kerasish.saving import load_model, save_model
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, name="out")])
    >>> path = os.path.join(tempfile.mkdtemp(), "m.keras")
    >>> save_model(model, path)
    >>> [layer.name for layer in load_model(path).layers]
    ['out']
"""
import os

from . import hdf5_model, hdf5_weights, keras_archive
from .hdf5_weights import is_h5_group


def save_model(model, filepath, overwrite=True, include_optimizer=True, save_format=None, **kwargs):
    """Save a Sequential or Functional model to Keras 2's `.h5` format (or a `.keras` archive), atomically.

    Args:
        model: the model (subclassed models cannot be saved whole; use `save_weights`).
        filepath: the target path (`.h5`, `.hdf5`, ...), or an open h5py group. A name ending in `.keras` (or
            save_format='keras') writes the `.keras` zip archive instead (see `keras_archive`).
        overwrite: when False and the file exists, raise FileExistsError.
        include_optimizer: also save the training configuration and the optimizer state.
        save_format: None, 'h5' or 'keras'. 'tf' (SavedModel) is refused with a clear error.
        dialect: for `.keras` archives: 'keras3' (default; Keras 3 loads it) or 'tf_keras' (tf.keras 2.13+);
            a model with Keras 2's TensorFlow-op layers takes 'tf_keras' by default (Keras 3 has no class for them).

    Example:
        >>> import os, tempfile
        >>> import kerasish as keras
        >>> from kerasish.saving import save_model
        >>> model = keras.Sequential([keras.layers.Dense(1, input_shape=(2,))])
        >>> save_model(model, os.path.join(tempfile.mkdtemp(), "m.h5"))
    """
    if not is_h5_group(filepath) and keras_archive.is_archive_path(filepath, save_format):
        return keras_archive.save_model(model, filepath, overwrite, include_optimizer, kwargs.get("dialect"))
    return hdf5_model.save_model(model, filepath, overwrite=overwrite, include_optimizer=include_optimizer,
                                 save_format=save_format, **kwargs)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True, **kwargs):
    """Load a model saved by kerasish, tf_keras 2.x, older Keras 2 or Keras 3: `.h5` files and `.keras` archives.

    Args:
        filepath: path of the `.h5` file or `.keras` archive (recognised by content), or an open h5py group.
        custom_objects: `{name: class_or_function}` for custom layers, losses, metrics, ...
            (merged with the active `custom_object_scope` and registered objects).
        compile: compile the model from the file's training configuration and restore the optimizer state.
        safe_mode: when True (default) a Lambda layer stored as Python bytecode is refused; pass False only
            for files you trust.

    Raises:
        FileNotFoundError: no file at `filepath`.
        ValueError: not an HDF5/Keras file, truncated or corrupt, unknown class in the config, bytecode refused.

    Example:
        >>> import os, tempfile
        >>> import kerasish as keras
        >>> from kerasish.saving import load_model
        >>> model = keras.Sequential([keras.layers.Dense(1, input_shape=(2,), name="out")])
        >>> path = os.path.join(tempfile.mkdtemp(), "m.h5")
        >>> model.save(path)
        >>> [layer.name for layer in load_model(path).layers]
        ['out']
    """
    if not is_h5_group(filepath) and keras_archive.is_archive_file(filepath):
        return keras_archive.load_model(filepath, custom_objects, compile, safe_mode)
    return hdf5_model.load_model(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode,
                                 **kwargs)


def load_weights(model, filepath, by_name: bool = False, skip_mismatch: bool = False, **kwargs) -> None:
    """Load weights saved by `save_weights` or `model.save` (Keras 2, Keras 3 or kerasish) into `model`.

    Args:
        model: the model to fill (built).
        filepath: a weights file in either layout (recognised by its content, not its name), a whole-model
            file (its /model_weights is used), a `.keras` archive (its model.weights.h5), or an open h5py group.
        by_name: match layers by name instead of by order (legacy layout only: the `.weights.h5` layout
            addresses weights by object path, so layer names never matter there).
        skip_mismatch: skip (with a warning) layers whose weight count or shapes differ; with the legacy
            layout only together with `by_name=True`.

    Raises:
        FileNotFoundError: the file does not exist.
        ValueError: the file is not a Keras HDF5 file, is corrupt, or does not fit the model (the message
            names the layers and the expected and found counts or shapes).

    Example:
        >>> import os, tempfile
        >>> import kerasish as keras
        >>> from kerasish.saving import load_weights, save_weights
        >>> model = keras.Sequential([keras.layers.Dense(1, input_shape=(2,))])
        >>> path = os.path.join(tempfile.mkdtemp(), "w.h5")
        >>> save_weights(model, path)
        >>> load_weights(model, path)
    """
    if not is_h5_group(filepath):
        path = os.fspath(filepath)
        archive_weights = keras_archive.open_weights_file(path)
        if archive_weights is not None:
            hdf5_weights.load_weights_from_open_file(model, archive_weights, path, by_name, skip_mismatch)
            return
    hdf5_weights.load_weights(model, filepath, by_name=by_name, skip_mismatch=skip_mismatch, **kwargs)
