"""The `.keras` format: the zip archive Keras 3 and tf.keras 2.13+ write for `model.save("m.keras")`.

An archive holds `metadata.json` (`{"keras_version", "date_saved"}`), `config.json` (the model's
serialization with its `build_config` and `compile_config`), `model.weights.h5` (the `.weights.h5`
layout, see `keras_weights_h5`) and, when some object saves files, `assets/<object path>/...`.

Keras 3 and tf.keras write two dialects of it and refuse each other's files (Keras 3: "Could not
locate class 'Functional'"; tf.keras: "Unrecognized keyword arguments: ['batch_shape']"). kerasish
reads both and writes either: `dialect="keras3"` (the default, which Keras 3 loads) or
`dialect="tf_keras"` (which tf.keras 2.13+ loads; the default for a model with Keras 2's TensorFlow-op
layers, which Keras 3 has no class for). Loading then saving converts between the two dialects and Keras 2's
`.h5`.

Reading is safe: no module named in the file is imported, Lambda bytecode is refused unless
`safe_mode=False`, links and external datasets in the weights are refused, zip members that declare
far more bytes than they store are refused, and asset paths cannot leave their folder. Writing is
atomic (a temporary file in the same folder, then `os.replace`).

Example:
    >>> import os, tempfile
    >>> import numpy as np
    >>> import kerasish as keras
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    >>> path = os.path.join(tempfile.mkdtemp(), "model.keras")
    >>> model.save(path)                      # Keras 3's dialect
    >>> loaded = keras.models.load_model(path)
    >>> x = np.ones((1, 3), "float32")
    >>> np.allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    True
    >>> model.save(path, dialect="tf_keras")  # what tf.keras 2.13+ reads
"""
import datetime
import io
import json
import os
import zipfile

from . import keras3_config
from ._warn import warn
from .atomic import atomic_path
from .file_probe import probe_file
from .hdf5_model import _is_saveable_graph, _json_default as keras2_default, _legacy_layer_entries
from .hdf5_model import _warn_incomplete_configs, try_build_compiled_arguments, uncompile
from .hdf5_weights import _reading_errors
from .model_config import model_from_config
from ..utils.serialization import get_registered_name, model_class
from .keras_weights_h5 import (KERAS3, TF_KERAS, check_dialect, detect_dialect, load_weights_from_file,
                               path_ends_with, save_weights_to_file, walk)

SUFFIX = ".keras"
CONFIG_NAME = "config.json"
METADATA_NAME = "metadata.json"
WEIGHTS_NAME = "model.weights.h5"
ASSETS_DIR = "assets"
# What each dialect's metadata says (the versions the dialects were checked against).
DIALECT_VERSIONS = {KERAS3: "3.15.1", TF_KERAS: "2.21.0"}

# A member that declares this much more than it stores is a decompression bomb, not a model (Keras 3's
# rule: archives are written uncompressed, and DEFLATE cannot exceed ~1032:1).
_BOMB_FLOOR_BYTES = 1 << 28
_MAX_EXPANSION = 100
_MAX_JSON_BYTES = 1 << 30


# --------------------------------------------------------------------------- recognising
def is_archive_path(filepath, save_format=None):
    """Whether `model.save(filepath, save_format=...)` writes the `.keras` archive."""
    fmt = None if save_format is None else str(save_format).lower()
    if fmt in ("keras", "keras_v3"):
        return True
    return fmt is None and path_ends_with(filepath, SUFFIX)


def is_archive_file(filepath):
    """Whether `filepath` is a file holding a zip archive (recognised by content, whatever its name)."""
    try:
        path = os.fspath(filepath)
    except TypeError:
        return False
    return isinstance(path, str) and os.path.isfile(path) and zipfile.is_zipfile(path)


# --------------------------------------------------------------------------- writing
def _json_default(value):
    return keras2_default(value)


def _tf_keras_entry(obj, entry):
    """A layer entry of Keras 2's config with tf.keras 2.13+'s `module`, `registered_name` and `build_config`."""
    cls = type(obj)
    registered = get_registered_name(cls)
    out = dict(entry)
    if ">" in registered:
        out.update(module=None if cls.__module__ == "__main__" else cls.__module__, class_name=cls.__name__,
                   registered_name=registered)
    elif isinstance(obj, model_class("Sequential")):
        out.update(module="keras", registered_name=None)
    elif getattr(obj, "_is_graph_network", False):
        out.update(module="tf_keras.src.engine.functional", registered_name="Functional")
    else:
        out.update(module=getattr(cls, "_keras_module", "keras.layers"), registered_name=None)
    if isinstance(out.get("config"), dict) and isinstance(out["config"].get("layers"), list):
        out["config"] = dict(out["config"], layers=_tf_keras_layers(obj, out["config"]["layers"]))
    shape = getattr(obj, "_build_input_shape", None)
    if isinstance(shape, (list, tuple)) and "build_config" not in out:
        out["build_config"] = {"input_shape": list(shape)}
    return out


def _tf_keras_layers(model, entries):
    by_name = {layer.name: layer for layer in model.layers}
    out = []
    for entry in entries:
        layer = by_name.get((entry.get("config") or {}).get("name", entry.get("name")))
        if layer is None:  # a Sequential's InputLayer
            out.append({"module": "keras.layers", **entry, "registered_name": None})
        else:
            out.append(_tf_keras_entry(layer, entry))
    return out


def tf_keras_model_config(model):
    """tf.keras 2.13+'s serialization of a Sequential or Functional model (config.json without compile config)."""
    if not _is_saveable_graph(model):
        keras3_config.model_config(model)  # raises the explanation for subclassed models
    config = {"class_name": get_registered_name(type(model)), "config": model.get_config()}
    _legacy_layer_entries(config["config"])
    entry = _tf_keras_entry(model, config)
    if getattr(model, "inputs", None):
        shapes = [list(t.shape) for t in model.inputs]
        entry["build_config"] = {"input_shape": shapes[0] if len(shapes) == 1 else shapes}
    return entry


def _model_json(model, dialect, include_optimizer):
    if dialect == KERAS3:
        config = keras3_config.model_config(model)
    else:
        config = tf_keras_model_config(model)
    compile_config = keras3_config.compile_config(model, dialect) if include_optimizer else None
    if compile_config is not None:
        config["compile_config"] = compile_config
    try:
        return json.dumps(config, default=_json_default)
    except (TypeError, ValueError) as e:
        raise TypeError(f'Cannot save model "{model.name}": its config is not JSON-serializable ({e}).') from e


def _weights_bytes(model, dialect, include_optimizer):
    import h5py


    skip = () if include_optimizer else [getattr(model, "optimizer", None)]
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        save_weights_to_file(f, model, dialect, skip=[s for s in skip if s is not None])
    return buffer.getvalue()


def _write_assets(archive, model, dialect):
    import tempfile

    for path, obj in walk(model, dialect):
        if not callable(getattr(obj, "save_assets", None)):
            continue
        with tempfile.TemporaryDirectory() as folder:
            obj.save_assets(folder)
            for root, _, files in os.walk(folder):
                for name in sorted(files):
                    full = os.path.join(root, name)
                    relative = os.path.relpath(full, folder).replace(os.sep, "/")
                    archive.write(full, "/".join(p for p in (ASSETS_DIR, path, relative) if p))


def _default_dialect(model):
    """Keras 3's dialect, unless a layer of `model` exists only in Keras 2 (its TensorFlow-op layers)."""
    keras2_only = [layer.name for layer in model._flatten_layers() if keras3_config.keras2_only_layer(layer)]
    if not keras2_only:
        return KERAS3
    warn(f"Model \"{model.name}\" has TensorFlow-op layers of Keras 2 ({', '.join(keras2_only[:3])}"
         f"{', ...' if len(keras2_only) > 3 else ''}), which Keras 3 has no class for: saved in tf.keras's `.keras` "
         "dialect, as tf.keras writes such models (kerasish and tf.keras 2.13+ load it; Keras 3 does not).")
    return TF_KERAS


def save_model(model, filepath, overwrite=True, include_optimizer=True, dialect=None):
    """Write `model` to a `.keras` archive, atomically.

    Args:
        model: a Sequential or Functional model (nested models, shared layers, registered custom objects).
        filepath: the target path; it must end in `.keras` (as Keras requires).
        overwrite: when False and the file exists, raise FileExistsError.
        include_optimizer: also save the compile configuration and the optimizer's state.
        dialect: 'keras3' (Keras 3 loads it) or 'tf_keras' (tf.keras 2.13+ loads it). By default Keras 3's,
            except for a model with Keras 2's TensorFlow-op layers (`K.one_hot(x, n)` on a Keras tensor), which
            Keras 3 has no class for: tf.keras's dialect then, as tf.keras itself writes them, with a warning.

    Example:
        >>> import os, tempfile, zipfile
        >>> import kerasish as keras
        >>> from kerasish.saving import keras_archive
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> path = os.path.join(tempfile.mkdtemp(), "m.keras")
        >>> keras_archive.save_model(model, path)
        >>> sorted(zipfile.ZipFile(path).namelist())
        ['config.json', 'metadata.json', 'model.weights.h5']
    """
    if dialect is None:
        dialect = _default_dialect(model)
    dialect = check_dialect(dialect)
    name = os.fspath(filepath)
    if not name.endswith(SUFFIX):
        raise ValueError(f"Invalid filepath {name!r} for the `.keras` format: expected a `.keras` extension (Keras "
                         "reads archives by that name). Use a path ending in `.keras`, or `.h5` for Keras 2's format.")
    if not getattr(model, "built", True):
        warn("You are saving a model that has not yet been built. It might not contain any weights yet. Consider "
             "building the model first by calling it on some data.")
    _warn_incomplete_configs(model)
    if include_optimizer and dialect == TF_KERAS:
        try_build_compiled_arguments(model)  # tf.keras stores the compiled metrics' state too
    config_json = _model_json(model, dialect, include_optimizer)  # fails before touching the file system
    metadata = {"keras_version": DIALECT_VERSIONS[dialect],
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
                "kerasish_dialect": dialect}
    weights = _weights_bytes(model, dialect, include_optimizer)
    with atomic_path(name, overwrite=overwrite) as tmp:
        with zipfile.ZipFile(tmp, "w") as archive:  # stored, not compressed, as Keras writes them
            archive.writestr(METADATA_NAME, json.dumps(metadata))
            archive.writestr(CONFIG_NAME, config_json)
            archive.writestr(WEIGHTS_NAME, weights)
            _write_assets(archive, model, dialect)


# --------------------------------------------------------------------------- reading
def _check_member(archive, name, source):
    info = archive.getinfo(name)
    if info.file_size > _BOMB_FLOOR_BYTES and info.file_size > _MAX_EXPANSION * info.compress_size:
        raise ValueError(f"{source}: the archive member '{name}' declares {info.file_size} bytes but stores only "
                         f"{info.compress_size}: refusing a potential decompression bomb.")
    return info


def _read_json(archive, name, source):
    info = _check_member(archive, name, source)
    if info.file_size > _MAX_JSON_BYTES:
        raise ValueError(f"{source}: '{name}' is {info.file_size} bytes, too large for a model config.")
    try:
        return json.loads(archive.read(name))
    except ValueError as e:
        raise ValueError(f"{source}: '{name}' is not valid JSON ({e}): the archive is corrupt.") from e


def open_weights_file(path):
    """The `model.weights.h5` inside the `.keras` zip archive at `path`, opened read-only (None for other files)."""
    import h5py

    if not os.path.isfile(path) or h5py.is_hdf5(path) or not zipfile.is_zipfile(path):
        return None
    with zipfile.ZipFile(path) as archive:
        return open_archive_weights(archive, path)


def open_archive_weights(archive, source):
    """The archive's `model.weights.h5` as a read-only h5py.File (after the checks a file on disk gets), or
    None when the archive has none."""
    import tempfile

    import h5py


    if WEIGHTS_NAME not in archive.namelist():
        return None
    _check_member(archive, WEIGHTS_NAME, source)
    data = archive.read(WEIGHTS_NAME)
    fd, tmp = tempfile.mkstemp(suffix=".weights.h5")
    try:  # the same checks as for a file on disk (a corrupt file can hang the HDF5 library)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        probe_file(tmp)
    finally:
        os.remove(tmp)
    try:
        return h5py.File(io.BytesIO(data), "r")
    except OSError as e:
        raise ValueError(f"The weights in the archive {source} ({WEIGHTS_NAME}) cannot be read: {e}") from e


def archive_dialect(metadata, weights_file):
    """The dialect of an archive: from its metadata's `keras_version`, else from its weights file."""
    version = str((metadata or {}).get("keras_version", ""))
    if version.startswith("3."):
        return KERAS3
    if version.startswith("2."):
        return TF_KERAS
    return detect_dialect(weights_file) if weights_file is not None else KERAS3


def _extract_assets(archive, folder, source):
    """Extract `assets/...` into `folder`, refusing members whose path would leave it."""
    root = os.path.realpath(folder)
    for info in archive.infolist():
        name = info.filename
        if not name.startswith(ASSETS_DIR + "/") or name.endswith("/"):
            continue
        _check_member(archive, name, source)
        target = os.path.realpath(os.path.join(root, *name.split("/")))
        if os.path.commonpath([root, target]) != root or os.path.isabs(name) or ".." in name.split("/"):
            raise ValueError(f"{source}: the archive member '{name}' points outside the assets folder: refused.")
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with archive.open(info) as src, open(target, "wb") as dst:
            dst.write(src.read())


def _load_assets(archive, model, dialect, source):
    import tempfile

    loaders = [(path, obj) for path, obj in walk(model, dialect) if callable(getattr(obj, "load_assets", None))]
    if not loaders or not any(n.startswith(ASSETS_DIR + "/") for n in archive.namelist()):
        return
    with tempfile.TemporaryDirectory() as folder:
        _extract_assets(archive, folder, source)
        for path, obj in loaders:
            target = os.path.join(folder, ASSETS_DIR, *[p for p in path.split("/") if p])
            if os.path.isdir(target):
                obj.load_assets(target)


def _build(model, build_config):
    shape = (build_config or {}).get("input_shape")
    if getattr(model, "built", True) or shape is None:
        return
    try:
        model.build(tuple(shape) if shape and not isinstance(shape[0], list) else shape)
    except Exception as e:  # noqa: BLE001  (an unbuilt model still loads; its weights cannot)
        warn(f"Could not build the loaded model from its build config {build_config} ({type(e).__name__}: {e}).")


def _optimizer_holds_state(weights_file):
    """Whether the file stores optimizer slots (not only the iteration count and learning rate)."""
    if weights_file is None or "optimizer/vars" not in weights_file:
        return False
    return len(weights_file["optimizer/vars"]) > 2


def _compile(model, compile_config, custom_objects, weights_file, source):
    try:
        args = keras3_config.compile_arguments(compile_config, custom_objects, getattr(model, "output_names", ()))
        model.compile(**args)
        try_build_compiled_arguments(model)
    except Exception as e:  # noqa: BLE001  (the model itself loaded: hand it back uncompiled)
        uncompile(model)
        warn(f"Could not compile the loaded model from the compile config in {source} ({type(e).__name__}: {e}). "
             "The model was loaded *uncompiled*; compile it manually (pass custom losses/metrics in "
             "`custom_objects`).")
        return
    if _optimizer_holds_state(weights_file):
        model.optimizer.build(model.trainable_weights)  # so the saved slots have variables to go to


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a `.keras` archive written by Keras 3, tf.keras 2.13+ or kerasish (either dialect).

    Args:
        filepath: the archive (recognised by content; Keras names them `*.keras`).
        custom_objects: `{name: class_or_function}` for custom layers, losses, metrics, ...
        compile: compile the model from the archive's compile config and restore the optimizer's state.
        safe_mode: when True (default) a Lambda layer stored as Python bytecode is refused.

    Raises:
        ValueError: not a Keras archive, a corrupt or hostile member, an unknown class, bytecode refused.

    Example:
        >>> import os, tempfile
        >>> import kerasish as keras
        >>> from kerasish.saving import keras_archive
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, name="out")])
        >>> path = os.path.join(tempfile.mkdtemp(), "m.keras")
        >>> model.save(path)
        >>> [layer.name for layer in keras_archive.load_model(path).layers]
        ['out']
    """
    source = os.fspath(filepath)
    try:
        archive = zipfile.ZipFile(source)
    except zipfile.BadZipFile as e:
        raise ValueError(f"{source} is not a valid `.keras` archive (zip): {e}") from e
    with archive, _reading_errors(source):
        names = archive.namelist()
        if CONFIG_NAME not in names:
            raise ValueError(f"{source} is a zip archive without {CONFIG_NAME}: it is not a Keras model archive "
                             "(`.keras`).")
        config = _read_json(archive, CONFIG_NAME, source)
        metadata = _read_json(archive, METADATA_NAME, source) if METADATA_NAME in names else {}
        if not isinstance(config, dict) or "class_name" not in config:
            raise ValueError(f"{source}: {CONFIG_NAME} is not a Keras object config.")
        if WEIGHTS_NAME not in names:
            extra = " (Keras 3's npz weights, written with weights_format='npz', are not read)" \
                if "model.weights.npz" in names else ""
            raise ValueError(f"{source} has no {WEIGHTS_NAME}{extra}: the archive is incomplete.")
        weights_file = open_archive_weights(archive, source)
        with weights_file:
            dialect = archive_dialect(metadata, weights_file)
            config = keras3_config.from_keras3(config)
            compile_config = config.pop("compile_config", None)
            build_config = config.pop("build_config", None)
            model = model_from_config(config, custom_objects=custom_objects, safe_mode=safe_mode,
                                      source=f"The model archive {source}")
            _build(model, build_config)
            if compile and compile_config:
                _compile(model, compile_config, custom_objects, weights_file, source)
            load_weights_from_file(weights_file, model, dialect=dialect)
        _load_assets(archive, model, dialect, source)
    return model


__all__ = ["save_model", "load_model", "is_archive_path", "is_archive_file", "open_archive_weights",
           "tf_keras_model_config", "SUFFIX"]
