"""Model weights in Keras 2's HDF5 layout: `save_weights`, `load_weights` and the group-level helpers.

Layout (the root of a weights file, or `/model_weights` of a whole-model file)::

    @layer_names = ALL model.layers in order (InputLayers too in Functional models)
    @backend = 'tensorflow'   @keras_version = '2.21.0'
    <layer name>/                 @weight_names = ['dense/kernel:0', 'dense/bias:0']
        dense/kernel:0            dataset at the path given by the weight name
    <weightless layer>/           @weight_names = empty float64 array
    top_level_model_weights/      weights created on the model itself

A layer's weights are stored as `layer.trainable_weights + layer.non_trainable_weights`, so a
nested model's group holds all of its weights. Loading goes by position: model layers with
weights are matched in order to file layers with a non-empty `weight_names` list (names are
ignored), or by layer name with `by_name=True`.

A path ending in `.weights.h5` is written in the other layout tf_keras 2.21 uses for that suffix
(keras saving_lib: `layers/<name>/vars/<i>`, see `keras_weights_h5`); `load_weights` recognises
either layout by the file's content (and reads the weights of a `.keras` archive).

Example:
    >>> import os, tempfile
    >>> import numpy as np
    >>> import kerasish as keras
    >>> model = keras.Sequential([keras.layers.Dense(2, input_shape=(3,), name="d")])
    >>> path = os.path.join(tempfile.mkdtemp(), "w.h5")
    >>> model.save_weights(path)
    >>> other = keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])
    >>> other.load_weights(path)
    >>> np.array_equal(other.get_weights()[0], model.get_weights()[0])
    True
"""
import os

import numpy as np

from ._warn import warn
from .atomic import atomic_h5_writer
from .hdf5_attrs import has_string_list, read_string, read_string_list, write_string_list
from .keras1_weights import convert_keras1_weights, transpose_mismatched_kernel
from .keras_weights_h5 import (check_dialect, is_new_format_file, is_new_format_path, load_weights_from_file,
                               save_weights_to_file)

KERAS_VERSION = "2.21.0"
BACKEND = "tensorflow"
TOP_LEVEL = "top_level_model_weights"


# --------------------------------------------------------------------------- what is saved
def layer_weights(layer):
    """A layer's weights in saving order: trainable then non-trainable (Keras 2's `_legacy_weights`)."""
    seen, out = set(), []
    for w in list(layer.trainable_weights) + list(layer.non_trainable_weights):
        if id(w) not in seen:
            seen.add(id(w))
            out.append(w)
    return out


def model_layers(model):
    """The layers whose groups a file holds: `model.layers` (tracked sublayers for subclassed models)."""
    return list(model.layers)


def top_level_weights(model):
    """Weights created directly on the model (`model.add_weight`), not on one of its layers."""
    return list(getattr(model, "_trainable_weights", [])) + list(getattr(model, "_non_trainable_weights", []))


def _value(weight):
    return np.asarray(weight.array if hasattr(weight, "array") else weight)


def _dataset_name_free(group, name):
    """Whether a dataset can be created at `name` inside `group` (no clash with an existing path)."""
    parts = name.split("/")
    node = group
    for i, part in enumerate(parts):
        if part not in node:
            return True
        node = node[part]
        if i < len(parts) - 1 and not hasattr(node, "keys"):
            return False  # a dataset sits where a group is needed
    return False


def _unique_weight_name(group, name):
    if _dataset_name_free(group, name):
        return name
    stem, sep, suffix = name.rpartition(":")
    if not sep or not suffix.isdigit():
        stem, suffix = name, None
    k = 1
    while True:
        candidate = f"{stem}_{k}" + (f":{suffix}" if suffix is not None else "")
        if _dataset_name_free(group, candidate):
            return candidate
        k += 1


def _clean_weight_name(name, fallback):
    name = str(name) if name else fallback
    name = name.strip("/") or fallback
    return "/".join(p for p in name.split("/") if p not in ("", ".")) or fallback


def save_subset_weights_to_hdf5_group(group, weights, owner="layer"):
    """Write `weights` into `group`: `weight_names` attribute plus one dataset per weight.

    Names are the variables' names (`dense/kernel:0`), made unique within the group.
    """
    names = []
    for i, w in enumerate(weights):
        name = _clean_weight_name(getattr(w, "name", None), f"{owner}/weight_{i}:0")
        name = _unique_weight_name(group, name)
        value = _value(w)
        group.create_dataset(name, data=value, dtype=value.dtype)
        names.append(name)
    write_string_list(group, "weight_names", names)


def save_weights_to_hdf5_group(group, model):
    """Write all of `model`'s weights into `group` in Keras 2's layout."""
    layers = model_layers(model)
    names = [layer.name for layer in layers]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"Cannot save weights: the model has several layers named {dupes[0]!r}; the HDF5 layout "
                         "needs unique layer names. Give the layers distinct `name`s.")
    if TOP_LEVEL in names:
        raise ValueError(f"Cannot save weights: a layer is named {TOP_LEVEL!r}, which the HDF5 layout reserves.")
    write_string_list(group, "layer_names", names)
    group.attrs["backend"] = BACKEND.encode("utf8")
    group.attrs["keras_version"] = KERAS_VERSION.encode("utf8")
    # groups in name order, as tf.keras writes them: a name with "/" ("Conv/BatchNorm") makes its parent
    # groups, so a layer named like a parent ("Conv") must come first (MobileNetV3 has both)
    for layer in sorted(layers, key=lambda layer: layer.name):
        save_subset_weights_to_hdf5_group(group.create_group(layer.name), layer_weights(layer), layer.name)
    save_subset_weights_to_hdf5_group(group.create_group(TOP_LEVEL), top_level_weights(model), model.name)


def load_subset_weights_from_hdf5_group(group):
    """The arrays listed in `group`'s `weight_names`, in that order."""
    names = read_string_list(group, "weight_names")
    values = []
    for name in names:
        if name not in group:
            raise ValueError(f"The HDF5 group '{group.name}' in {group.file.filename} lists the weight '{name}' "
                             "but has no such dataset: the file is incomplete or corrupt.")
        values.append(np.asarray(group[name][()]))
    return values


# --------------------------------------------------------------------------- conversions
def _transform_kernels(kernels, func, n_gates):
    return np.hstack([func(k) for k in np.hsplit(kernels, n_gates)])


def _transpose_input(from_cudnn):
    order = "F" if from_cudnn else "C"

    def transform(kernel):
        return kernel.T.reshape(kernel.shape, order=order)

    return transform


def _convert_lstm(layer, weights):
    if len(weights) != 3:
        return weights
    units = weights[1].shape[0]
    bias_shape = tuple(weights[2].shape)
    from_cudnn = bias_shape == (2 * units * 4,)  # CuDNNLSTM: separate input and recurrent biases
    if from_cudnn == (type(layer).__name__ == "CuDNNLSTM"):
        return weights
    kernels = _transform_kernels(weights[0], _transpose_input(from_cudnn), 4)
    recurrent = _transform_kernels(weights[1], lambda k: k.T, 4)
    if from_cudnn:
        bias = np.sum(np.split(weights[2], 2, axis=0), axis=0)
    else:  # Keras 2 splits an LSTM's bias evenly between CuDNN's input and recurrent biases
        bias = np.tile(0.5 * weights[2], 2)
    return [kernels, recurrent, bias]


def _gru_reset_after(layer):
    if hasattr(layer, "reset_after"):
        return bool(layer.reset_after)
    cell = getattr(layer, "cell", None)
    return bool(getattr(cell, "reset_after", True))


def _convert_gru(layer, weights):
    if len(weights) != 3:
        return weights
    units = weights[1].shape[0]
    bias_shape = tuple(weights[2].shape)
    if bias_shape == (2 * units * 3,):
        source = "CuDNNGRU"
    elif bias_shape == (2, units * 3):
        source = "GRU(reset_after=True)"
    elif bias_shape == (units * 3,):
        source = "GRU(reset_after=False)"
    else:
        raise ValueError(f'Layer "{layer.name}" (GRU): invalid bias shape {bias_shape} in the file for '
                         f"{units} units.")
    if type(layer).__name__ == "CuDNNGRU":
        target = "CuDNNGRU"
    else:
        target = "GRU(reset_after=True)" if _gru_reset_after(layer) else "GRU(reset_after=False)"
    if source == target:
        return weights
    if "GRU(reset_after=False)" in (source, target):
        raise ValueError(f'Layer "{layer.name}": weights saved from a {source} layer are not compatible with a '
                         f"{target} layer. Build the layer with reset_after="
                         f"{source != 'GRU(reset_after=False)'} to load them.")
    from_cudnn = source == "CuDNNGRU"
    kernels = _transform_kernels(weights[0], _transpose_input(from_cudnn), 3)
    recurrent = _transform_kernels(weights[1], lambda k: k.T, 3)
    bias = np.asarray(weights[2]).reshape((2, -1) if from_cudnn else -1)
    return [kernels, recurrent, bias]


def preprocess_weights_for_loading(layer, weights, original_keras_version=None):
    """Convert saved arrays for `layer` where Keras 2 does: Keras 1 layouts (when `original_keras_version` is
    "1", see `keras1_weights`), convolution kernels saved transposed, CuDNNLSTM/CuDNNGRU to LSTM/GRU;
    recursively through Bidirectional, TimeDistributed and nested models.

    (tf_keras converts a layer inside a Keras 1 TimeDistributed twice, which scrambles a channels_first
    kernel; kerasish converts it once.)
    """
    cls = type(layer).__name__
    if cls in ("CuDNNLSTM", "CuDNNGRU"):  # and LSTM/GRU weights into the cuDNN layers
        return (_convert_lstm if cls == "CuDNNLSTM" else _convert_gru)(layer, weights)
    if cls == "Bidirectional" and hasattr(layer, "forward_layer"):
        half = len(weights) // 2
        return (preprocess_weights_for_loading(layer.forward_layer, weights[:half], original_keras_version)
                + preprocess_weights_for_loading(layer.backward_layer, weights[half:], original_keras_version))
    if cls == "TimeDistributed" and hasattr(layer, "layer"):
        return preprocess_weights_for_loading(layer.layer, weights, original_keras_version)
    if getattr(layer, "_is_graph_network", False) and hasattr(layer, "layers"):
        if not _may_convert(layer) or top_level_weights(layer):
            return weights  # nothing to convert (and the model's own weights would not be placed by layer)
        return _convert_nested_model(layer, weights, original_keras_version)
    if original_keras_version == "1":
        weights = convert_keras1_weights(layer, weights)
    weights = transpose_mismatched_kernel(layer, weights)
    if cls == "LSTM":
        return _convert_lstm(layer, weights)
    if cls == "GRU":
        return _convert_gru(layer, weights)
    return weights


_CONVERTED_CLASSES = frozenset({"LSTM", "GRU", "CuDNNLSTM", "CuDNNGRU", "Conv1D", "Conv2D", "Conv3D",
                                "Conv2DTranspose", "ConvLSTM2D"})


def _may_convert(model):
    return any(type(sub).__name__ in _CONVERTED_CLASSES for sub in model._flatten_layers(include_self=False))


def _convert_nested_model(model, weights, original_keras_version=None):
    n_train = len(model.trainable_weights)
    trainable, non_trainable = list(weights[:n_train]), list(weights[n_train:])
    new_trainable, new_non_trainable = [], []
    for sub in model.layers:
        nt, nn = len(sub.trainable_weights), len(sub.non_trainable_weights)
        if not sub.weights:
            continue
        converted = preprocess_weights_for_loading(sub, trainable[:nt] + non_trainable[:nn], original_keras_version)
        new_trainable.extend(converted[:nt])
        new_non_trainable.extend(converted[nt:])
        trainable, non_trainable = trainable[nt:], non_trainable[nn:]
    return new_trainable + trainable + new_non_trainable + non_trainable


# --------------------------------------------------------------------------- loading
_BY_NAME_ADVICE = ("Build the model exactly as it was when the file was saved, or load the layers that fit with "
                   "`model.load_weights(path, by_name=True, skip_mismatch=True)`.")


def file_origin(group):
    """`(original_keras_version, description)` of the Keras that wrote a weights group: the version is "1"
    when the group has no `keras_version` attribute (Keras 1 wrote none), as tf_keras decides.

    Example:
        >>> import h5py, io
        >>> with h5py.File(io.BytesIO(), "w") as f:
        ...     file_origin(f)
        ('1', 'saved by Keras 1 (the weights carry no keras_version attribute)')
    """
    version = read_string(group, "keras_version")
    backend = read_string(group, "backend")
    if version is None:
        return "1", "saved by Keras 1 (the weights carry no keras_version attribute)"
    return version, f"saved by Keras {version}" + (f" with the {backend} backend" if backend else "")


def _check_shapes(pairs, where, origin, skip_mismatch=False):
    """Raise (or warn and return False with skip_mismatch) when a saved array's shape differs."""
    for var, value in pairs:
        want, got = tuple(var.array.shape), tuple(np.shape(value))
        if want != got:
            message = (f"Shape mismatch in {where} for weight {var.name}: the layer expects shape {want}, "
                       f"the file ({origin}) has shape {got}.")
            if skip_mismatch:
                warn("Skipping loading of weights: " + message)
                return False
            raise ValueError(f"{message} The layer is configured differently from the one that was saved (units, "
                             f"filters, kernel size or input shape). {_BY_NAME_ADVICE}")
    return True


def _assign_all(pairs):
    for var, value in pairs:
        value = np.asarray(value)
        if value.dtype != var.array.dtype:
            value = value.astype(var.array.dtype)
        var.array[...] = value


def _layer_groups_with_weights(group):
    names = read_string_list(group, "layer_names")
    out = []
    for name in names:
        if name not in group:
            raise ValueError(f"The weights file {group.file.filename} lists the layer '{name}' in `layer_names` "
                             "but has no group for it: the file is incomplete or corrupt.")
        if read_string_list(group[name], "weight_names"):
            out.append(name)
    return names, out


def _check_model_built(model):
    if not model.built and not model.weights:
        raise ValueError(
            f"Unable to load weights saved in HDF5 format into the model \"{model.name}\", which has not created "
            "its variables yet. Call the model first (or `model.build(input_shape)`), then load the weights.")


def _top_level_pairs(group, model, origin, skip_mismatch=False):
    """(variable, value) pairs for the model's own weights (`top_level_model_weights`); [] when absent."""
    if TOP_LEVEL not in group:
        return []
    symbolic = top_level_weights(model)
    values = load_subset_weights_from_hdf5_group(group[TOP_LEVEL])
    if len(values) != len(symbolic):
        message = (f'Weight count mismatch for the top-level weights of model "{model.name}" (weights created with '
                   f"`model.add_weight`): the model has {len(symbolic)}, the file ({origin}) has {len(values)}.")
        if not skip_mismatch:
            raise ValueError(f"{message} {_BY_NAME_ADVICE}")
        warn("Skipping loading top-level weights: " + message)
        return []
    pairs = list(zip(symbolic, values))
    return pairs if _check_shapes(pairs, f'the top-level weights of model "{model.name}"', origin, skip_mismatch) \
        else []


def load_weights_from_hdf5_group(group, model):
    """Load weights by position: model layers with weights <- file layers with weights, in order."""
    _, file_layers = _layer_groups_with_weights(group)
    if not file_layers and not (TOP_LEVEL in group and read_string_list(group[TOP_LEVEL], "weight_names")):
        return  # nothing saved (e.g. a model saved before it was built)
    _check_model_built(model)
    version, origin = file_origin(group)
    layers = [layer for layer in model_layers(model) if layer_weights(layer)]
    if len(file_layers) != len(layers):
        raise ValueError(
            f"Layer count mismatch when loading weights from file. Model expected {len(layers)} layers, found "
            f"{len(file_layers)} saved layers ({origin}). Model layers with weights: {[l.name for l in layers]}; "
            f"saved layers with weights: {file_layers}. {_BY_NAME_ADVICE}")
    pairs = []
    for k, (layer, name) in enumerate(zip(layers, file_layers)):
        symbolic = layer_weights(layer)
        values = preprocess_weights_for_loading(layer, load_subset_weights_from_hdf5_group(group[name]), version)
        if len(values) != len(symbolic):
            raise ValueError(
                f"Weight count mismatch for layer #{k} (named {layer.name} in the current model, {name} in the save "
                f"file, {origin}). Layer expects {len(symbolic)} weight(s) {[w.name for w in symbolic]}. Received "
                f"{len(values)} saved weight(s) {read_string_list(group[name], 'weight_names')}. {_BY_NAME_ADVICE}")
        layer_pairs = list(zip(symbolic, values))
        _check_shapes(layer_pairs, f'layer #{k} (named "{layer.name}" in the current model, "{name}" in the save '
                                   "file)", origin)
        pairs.extend(layer_pairs)
    pairs.extend(_top_level_pairs(group, model, origin))
    _assign_all(pairs)


def load_weights_from_hdf5_group_by_name(group, model, skip_mismatch=False):
    """Load weights into the model layers whose names appear in the file (others are left alone)."""
    _check_model_built(model)
    version, origin = file_origin(group)
    names = read_string_list(group, "layer_names")
    index = {}
    for layer in model_layers(model):
        if layer.name:
            index.setdefault(layer.name, []).append(layer)
    pairs = []
    for k, name in enumerate(names):
        if name not in group:
            raise ValueError(f"The weights file {group.file.filename} lists the layer '{name}' but has no group "
                             "for it: the file is incomplete or corrupt.")
        raw = load_subset_weights_from_hdf5_group(group[name])
        for layer in index.get(name, []):
            symbolic = layer_weights(layer)
            values = preprocess_weights_for_loading(layer, raw, version)
            if len(values) != len(symbolic):
                message = (f"Weight count mismatch for layer #{k} (named {layer.name}). Layer expects "
                           f"{len(symbolic)} weight(s). Received {len(values)} saved weight(s) ({origin})")
                if skip_mismatch:
                    warn(f"Skipping loading of weights for layer #{k} (named {layer.name}) due to "
                         f"mismatch in number of weights. {message}")
                    continue
                raise ValueError(f"{message}. Pass skip_mismatch=True to skip the layers that do not fit.")
            layer_pairs = list(zip(symbolic, values))
            if _check_shapes(layer_pairs, f'layer #{k} (named "{layer.name}")', origin, skip_mismatch):
                pairs.extend(layer_pairs)
    pairs.extend(_top_level_pairs(group, model, origin, skip_mismatch))
    _assign_all(pairs)


# --------------------------------------------------------------------------- files
def is_h5_group(obj):
    try:
        import h5py
    except ImportError:  # pragma: no cover
        return False
    return isinstance(obj, h5py.Group)


def check_save_format(filepath, save_format, what):
    """Refuse formats kerasish cannot write: the `.keras` zip and TensorFlow's SavedModel/checkpoints."""
    fmt = None if save_format is None else str(save_format).lower()
    if fmt in ("h5", "hdf5", "keras_h5"):
        return
    if fmt in ("tf", "tensorflow"):
        raise ValueError(f"save_format={save_format!r} (TensorFlow SavedModel/checkpoint) is not supported by "
                         f"kerasish; {what} writes Keras 2's HDF5 format. Pass save_format='h5' or leave it unset.")
    if fmt not in (None, "keras", "keras_v3"):
        raise ValueError(f"Unknown `save_format` argument. Expected one of 'keras', 'tf', or 'h5'. Received: "
                         f"save_format={save_format}")
    name = "" if is_h5_group(filepath) else str(os.fspath(filepath)) if hasattr(filepath, "__fspath__") or \
        isinstance(filepath, str) else ""
    if fmt in ("keras", "keras_v3") or name.endswith(".keras"):
        raise ValueError(
            f"{what} cannot write {name or 'this target'} as a `.keras` archive: a `.keras` archive holds a whole "
            "model (`model.save('m.keras')`). Save weights to a path ending in `.weights.h5` or `.h5`, or pass "
            "save_format='h5' to write HDF5 under this name.")


def _open_for_reading(filepath, what):
    """An open h5py.File for `filepath`, with clear errors for missing, non-HDF5 and corrupt files."""
    import h5py

    path = os.fspath(filepath)
    if not os.path.exists(path):
        raise FileNotFoundError(f"No file or directory found at {path} (while trying to {what}).")
    if os.path.isdir(path):
        raise ValueError(f"{path} is a directory (a TensorFlow SavedModel or checkpoint folder?). kerasish reads "
                         "Keras 2 `.h5` files only.")
    if not h5py.is_hdf5(path):
        import zipfile

        if zipfile.is_zipfile(path):
            raise ValueError(f"{path} is a zip archive (the native Keras 3 `.keras` format), not an HDF5 file. "
                             "kerasish reads Keras 2 `.h5` files only; re-save the model with "
                             "`model.save('model.h5')` in Keras.")
        size = os.path.getsize(path)
        raise ValueError(f"{path} is not an HDF5 file ({size} bytes; no HDF5 signature found): it is empty, "
                         "truncated, corrupt, or in another format. Expected a Keras 2 `.h5` file.")
    from .file_probe import probe_file

    probe_file(path)
    try:
        return h5py.File(path, "r")
    except OSError as e:
        raise ValueError(f"Cannot open {path} as an HDF5 file: it looks truncated or corrupt ({e}).") from e


def _raised_in_h5py(error):
    tb, last = error.__traceback__, None
    while tb is not None:
        last, tb = tb, tb.tb_next
    return last is not None and "h5py" in last.tb_frame.f_code.co_filename


def _reading_errors(path):
    """Turn low-level h5py errors while reading into a ValueError naming the file."""
    import contextlib

    @contextlib.contextmanager
    def guard():
        try:
            yield
        except (OSError, KeyError, RuntimeError) as e:
            if isinstance(e, FileNotFoundError) or not _raised_in_h5py(e):
                raise
            raise ValueError(f"Cannot read {path}: the file looks truncated or corrupt ({type(e).__name__}: {e}).") \
                from e

    return guard()


def weights_group_of(f, path):
    """The group holding the weights: the root of a weights file, or `/model_weights` of a model file."""
    if has_string_list(f, "layer_names"):
        return f
    if "model_weights" in f and has_string_list(f["model_weights"], "layer_names"):
        return f["model_weights"]
    raise ValueError(f"{path} is an HDF5 file but not a Keras weights file: it has no `layer_names` attribute "
                     "(neither at the root nor in /model_weights).")


def save_weights(model, filepath, overwrite=True, save_format=None, **kwargs):
    """Save all of `model`'s weights to an HDF5 file, atomically, in the layout tf_keras 2.21 writes for the name.

    Args:
        model: a Sequential, Functional or subclassed model (built).
        filepath: path of the file to write (or an open `h5py.File`/`h5py.Group`). A name ending in
            `.weights.h5` gets the keras saving_lib layout (`layers/dense/vars/0`, plus the optimizer's and
            the compiled metrics' state), as tf_keras 2.21 and Keras 3 write and read it; any other name
            (`.h5`, `.hdf5`, ...) gets Keras 2's legacy layout (`layer_names`, `weight_names`), as tf_keras does
            (Keras 3 refuses to save weights under other names).
        dialect: for `.weights.h5`: 'tf_keras' (default: tf_keras's paths, optimizer and metric state) or
            'keras3' (Keras 3's paths and optimizer layout). Either dialect loads back here.
        overwrite: when False and the file exists, raise FileExistsError.
        save_format: None or 'h5' ('tf' and the `.keras` format are refused with a clear error).

    Example:
        >>> import os, tempfile
        >>> import kerasish as keras
        >>> from kerasish.saving import save_weights
        >>> model = keras.Sequential([keras.layers.Dense(1, input_shape=(2,))])
        >>> save_weights(model, os.path.join(tempfile.mkdtemp(), "w.h5"))
    """
    check_save_format(filepath, save_format, "save_weights")
    if is_h5_group(filepath):
        save_weights_to_hdf5_group(filepath, model)
        return
    if is_new_format_path(filepath):  # tf_keras 2.21 and Keras 3 write (and read) these in saving_lib's layout
        dialect = check_dialect(kwargs.get("dialect"))
        with atomic_h5_writer(filepath, overwrite=overwrite) as f:
            save_weights_to_file(f, model, dialect)
        return
    with atomic_h5_writer(filepath, overwrite=overwrite) as f:
        save_weights_to_hdf5_group(f, model)


def load_weights(model, filepath, by_name=False, skip_mismatch=False, **kwargs):
    """Load weights saved by `save_weights` or `model.save` (Keras 2, Keras 3 or kerasish) into `model`.

    Arguments, errors: as `kerasish.saving.load_weights` (which also reads `.keras` archives).

    Example:
        >>> import os, tempfile
        >>> import kerasish as keras
        >>> from kerasish.saving.hdf5_weights import load_weights, save_weights
        >>> model = keras.Sequential([keras.layers.Dense(1, input_shape=(2,))])
        >>> path = os.path.join(tempfile.mkdtemp(), "w.h5")
        >>> save_weights(model, path)
        >>> load_weights(model, path)
    """
    if is_h5_group(filepath):
        _load_group(model, filepath, by_name, skip_mismatch, filepath.file.filename)
        return
    path = os.fspath(filepath)
    load_weights_from_open_file(model, _open_for_reading(path, "load weights"), path, by_name, skip_mismatch)


def load_weights_from_open_file(model, f, path, by_name=False, skip_mismatch=False):
    """`load_weights` from `f`, an h5py file opened from `path` (closed afterwards; errors name `path`)."""
    with f:
        with _reading_errors(path):
            _load_group(model, f, by_name, skip_mismatch, path)


def _load_group(model, f, by_name, skip_mismatch, path):
    if is_new_format_file(f):
        if by_name:
            raise ValueError(f"{path} is a `.weights.h5` file (keras saving_lib layout), which stores weights by "
                             "object path, not by layer name: `by_name=True` is not supported for it. Load it "
                             "with `model.load_weights(path)` into a model built the same way (layer names do not "
                             "matter), with `skip_mismatch=True` to skip the layers that do not fit.")
        load_weights_from_file(f, model, skip_mismatch=skip_mismatch)
        return
    if skip_mismatch and not by_name:
        raise ValueError("When calling model.load_weights, skip_mismatch can only be set to True when by_name is "
                         "True.")
    group = weights_group_of(f, path)
    if by_name:
        load_weights_from_hdf5_group_by_name(group, model, skip_mismatch=skip_mismatch)
    else:
        load_weights_from_hdf5_group(group, model)


__all__ = ["save_weights", "load_weights", "save_weights_to_hdf5_group", "load_weights_from_hdf5_group",
           "load_weights_from_hdf5_group_by_name", "preprocess_weights_for_loading"]
