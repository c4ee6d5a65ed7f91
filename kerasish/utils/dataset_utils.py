"""Dataset helpers of Keras 2: `image_dataset_from_directory`, `text_dataset_from_directory`,
`timeseries_dataset_from_array` and `split_dataset`, returning a `kerasish.utils.dataset.Dataset`.

They follow tf_keras 2.x step by step, so the same folder gives the same files in the same order,
the same labels and the same batches: class folders in sorted order, files in sorted order within
each (sub)folder, then, with `shuffle=True`, the file list permuted by `np.random.RandomState(seed)`
exactly as tf_keras does, so `validation_split` + `subset` select the same files. With `shuffle=True`
tf_keras also passes the elements through a `tf.data` shuffle buffer (`8 * batch_size`); kerasish
shuffles through a buffer of the same size with its own random generator, so the order of files
within batches differs from TensorFlow's (the split between training and validation does not).

Images are decoded with Pillow (`pip install kerasish[image]`) and resized as `tf.image.resize`.
PNG, BMP, GIF and grayscale or 4:4:4 JPEG pixels equal TensorFlow's (both use libjpeg's fast integer
DCT); colour JPEGs with subsampled chroma (most photos) differ by a few levels, because TensorFlow
upsamples the chroma planes with libjpeg's smoothing filter and Pillow, in that mode, does not.
TensorFlow refuses grayscale BMP/GIF and RGBA JPEG/GIF; kerasish converts them with Pillow.

Example:
    >>> import numpy as np
    >>> from kerasish.utils import timeseries_dataset_from_array
    >>> ds = timeseries_dataset_from_array(np.arange(10), None, sequence_length=3, batch_size=4)
    >>> [batch.tolist() for batch in ds.as_numpy_iterator()][0]
    [[0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5]]
"""
import os
import random

import numpy as np

from ..backend.ops import resize as resize_ops
from .dataset import Dataset, _batch_elements, _stack, to_array

IMAGE_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
_LABEL_MODES = ("int", "categorical", "binary", None)


# ----------------------------------------------------------------------------- folders and splits
def check_validation_split_arg(validation_split, subset, shuffle, seed):
    """tf_keras's checks of `validation_split` and `subset`."""
    if validation_split and not 0 < validation_split < 1:
        raise ValueError(f"`validation_split` must be between 0 and 1, received: {validation_split}")
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError("If `subset` is set, `validation_split` must be set, and inversely.")
    if subset not in ("training", "validation", "both", None):
        raise ValueError(f'`subset` must be either "training", "validation" or "both", received: {subset}')
    if validation_split and shuffle and seed is None:
        raise ValueError("If using `validation_split` and shuffling the data, you must provide a `seed` argument, "
                         "to make sure that there is no overlap between the training and validation subset.")


def _valid_files(directory, follow_links, formats):
    walk = os.walk(directory, followlinks=follow_links)
    for root, _, files in sorted(walk, key=lambda x: x[0]):
        for fname in sorted(files):
            if fname.lower().endswith(formats):
                yield root, fname


def index_directory(directory, labels, formats, class_names=None, shuffle=True, seed=None, follow_links=False):
    """(file paths, labels, class names) for the files of `directory`, as tf_keras lists them.

    With `labels="inferred"` every subfolder is a class (sorted by name; hidden folders skipped) and
    its files, searched recursively, are labelled with its index. With `shuffle`, paths and labels are
    permuted by `np.random.RandomState(seed)` (tf_keras's permutation).

    Example:
        >>> import os, tempfile
        >>> root = tempfile.mkdtemp()
        >>> for name in ("b/1.txt", "a/2.txt", "a/1.txt"):
        ...     os.makedirs(os.path.dirname(os.path.join(root, name)), exist_ok=True)
        ...     _ = open(os.path.join(root, name), "w").write("x")
        >>> paths, labels, names = index_directory(root, "inferred", (".txt",), shuffle=False)
        Found 3 files belonging to 2 classes.
        >>> [os.path.relpath(p, root) for p in paths], labels.tolist(), names
        (['a/1.txt', 'a/2.txt', 'b/1.txt'], [0, 0, 1], ['a', 'b'])
    """
    directory = os.fspath(directory)
    if not os.path.isdir(directory):
        raise ValueError(f"Could not find directory {directory}")
    if labels != "inferred":
        subdirs = [""]
        class_names = subdirs
    else:
        subdirs = [d for d in sorted(os.listdir(directory))
                   if os.path.isdir(os.path.join(directory, d)) and not d.startswith(".")]
        if not class_names:
            class_names = subdirs
        elif set(class_names) != set(subdirs):
            raise ValueError("The `class_names` passed did not match the names of the subdirectories of the target "
                             f"directory. Expected: {subdirs}, but received: {class_names}")
    class_indices = dict(zip(class_names, range(len(class_names))))
    filenames, label_list = [], []
    for subdir in subdirs:
        subdir_path = os.path.join(directory, subdir)
        for root, fname in _valid_files(subdir_path, follow_links, formats):
            label_list.append(class_indices[os.path.basename(subdir_path)] if labels == "inferred" else 0)
            filenames.append(os.path.join(subdir, os.path.relpath(os.path.join(root, fname), subdir_path)))
    if labels not in ("inferred", None):
        if len(labels) != len(filenames):
            raise ValueError(f"Expected the lengths of `labels` to match the number of files in the target directory. "
                             f"len(labels) is {len(labels)} while we found {len(filenames)} files in directory "
                             f"{directory}.")
        class_names = sorted(set(labels))
        labels = list(labels)  # shuffled below: never the caller's list
    else:
        labels = np.asarray(label_list, dtype=np.int32)
    if labels is None:
        print(f"Found {len(filenames)} files.")
    else:
        print(f"Found {len(filenames)} files belonging to {len(class_names)} classes.")
    file_paths = [os.path.join(directory, f) for f in filenames]
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        # the same two permutations as tf_keras (paths and labels shuffled by equal generators)
        np.random.RandomState(seed).shuffle(file_paths)
        if labels is not None:
            np.random.RandomState(seed).shuffle(labels)
    return file_paths, labels, class_names


def get_training_or_validation_split(samples, labels, validation_split, subset):
    """The last `int(validation_split * n)` samples are the validation subset, the rest training."""
    if not validation_split:
        return samples, labels
    num_val_samples = int(validation_split * len(samples))
    if subset == "training":
        print(f"Using {len(samples) - num_val_samples} files for training.")
        samples = samples[:-num_val_samples]
        labels = labels[:-num_val_samples] if labels is not None else None
    elif subset == "validation":
        print(f"Using {num_val_samples} files for validation.")
        samples = samples[-num_val_samples:]
        labels = labels[-num_val_samples:] if labels is not None else None
    else:
        raise ValueError(f'`subset` must be either "training" or "validation", received: {subset}')
    return samples, labels


def encode_labels(labels, label_mode, num_classes):
    """Labels as tf_keras's dataset helpers yield them: int32, one-hot float32 or (n, 1) float32."""
    labels = np.asarray(labels)
    if label_mode == "binary":
        return labels.astype(np.float32).reshape(-1, 1)
    if label_mode == "categorical":
        return np.eye(num_classes, dtype=np.float32)[labels]
    return labels.astype(np.int32) if labels.dtype.kind in "iu" else labels


def _check_label_args(labels, label_mode, class_names, what):
    if labels not in ("inferred", None):
        if not isinstance(labels, (list, tuple)):
            raise ValueError(f"`labels` argument should be a list/tuple of integer labels, of the same size as the "
                             f"number of {what} files in the target directory. If you wish to infer the labels from "
                             'the subdirectory names in the target directory, pass `labels="inferred"`. If you wish '
                             f"to get a dataset that only contains {what}s (no labels), pass `labels=None`. Received: "
                             f"labels={labels}")
        if class_names:
            raise ValueError(f'You can only pass `class_names` if `labels="inferred"`. Received: labels={labels}, '
                             f"and class_names={class_names}")
    if label_mode not in _LABEL_MODES:
        raise ValueError('`label_mode` argument must be one of "int", "categorical", "binary", or None. Received: '
                         f"label_mode={label_mode}")


def _subsets(paths, labels, validation_split, subset):
    if subset == "both":
        return [get_training_or_validation_split(paths, labels, validation_split, s)
                for s in ("training", "validation")]
    return [get_training_or_validation_split(paths, labels, validation_split, subset)]


def _pipeline(count, load, batch_size, shuffle, seed):
    """Indices 0..count-1, shuffled through a buffer (as tf_keras) and batched, then loaded."""
    ds = Dataset.from_tensor_slices(np.arange(count))
    if batch_size is not None:
        if shuffle:
            ds = ds.shuffle(buffer_size=batch_size * 8, seed=seed)
        ds = ds.batch(batch_size)
    elif shuffle:
        ds = ds.shuffle(buffer_size=1024, seed=seed)
    return ds._map_arrays(load)


def _labelled(load_inputs, labels, label_mode, num_classes):
    """A loader of index arrays -> inputs, or (inputs, labels) when there are labels."""
    if not label_mode:
        return load_inputs
    encoded = encode_labels(labels, label_mode, num_classes)
    return lambda index: (load_inputs(index), encoded[index])


def _datasets_from_directory(directory, formats, load_file, labels, label_mode, class_names, batch_size, shuffle,
                             seed, validation_split, subset, follow_links, missing_message):
    """The datasets of a directory helper: index the files, split them, and load `load_file(path)` per file.

    Returns a list (one dataset, or training and validation with subset="both") and the class names.
    """
    check_validation_split_arg(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1e6)
    paths, labels, class_names = index_directory(directory, labels, formats=formats, class_names=class_names,
                                                 shuffle=shuffle, seed=seed, follow_links=follow_links)
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(f'When passing `label_mode="binary"`, there must be exactly 2 class_names. Received: '
                         f"class_names={class_names}")
    datasets = []
    for subset_paths, subset_labels in _subsets(paths, labels, validation_split, subset):
        if not subset_paths:
            raise ValueError(missing_message)

        def load_inputs(index, subset_paths=subset_paths):
            if np.ndim(index) == 0:
                return to_array(load_file(subset_paths[int(index)]))
            return _stack([to_array(load_file(subset_paths[int(i)])) for i in index])

        load = _labelled(load_inputs, subset_labels, label_mode, len(class_names))
        # tf_keras shuffles the training dataset only when it makes both
        ds = _pipeline(len(subset_paths), load, batch_size, shuffle and len(datasets) == 0, seed)
        ds.class_names = class_names
        ds.file_paths = list(subset_paths)
        datasets.append(ds)
    return datasets


# ----------------------------------------------------------------------------- images
def _pil_image():
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("Reading images needs Pillow: pip install kerasish[image]") from None
    return Image


def _png_gray(rgb):
    """libpng's rgb_to_gray with TensorFlow's coefficients (0.299, 0.587) in 15-bit fixed point."""
    r, g, b = (rgb[..., i].astype(np.uint32) for i in range(3))
    return ((9797 * r + 19234 * g + 3737 * b) >> 15).astype(np.uint8)


def decode_image(path, num_channels):
    """A (height, width, num_channels) uint8 array of the image at `path`, as `tf.image.decode_image`
    (first frame of an animation; grayscale PNG/BMP/GIF from RGB as libpng converts it, JPEG's luma)."""
    Image = _pil_image()
    with Image.open(path) as img:
        if img.format == "JPEG":
            if num_channels == 1:
                img.draft("L", None)  # libjpeg's grayscale output: the luma plane, as TensorFlow
            # libjpeg's fast integer DCT, as TensorFlow decodes (Pillow's draft flag; it also turns off
            # "fancy" chroma upsampling, so subsampled colour JPEGs still differ by a few levels)
            img.decoderconfig = (1, 1)
        if num_channels == 1:
            if img.mode in ("1", "L", "LA", "I;16", "I", "F"):
                array = np.asarray(img.convert("L"))
            else:
                array = _png_gray(np.asarray(img.convert("RGB")))
            return array[:, :, None]
        return np.asarray(img.convert("RGB" if num_channels == 3 else "RGBA"))


def _resize_image(image, image_size, interpolation, crop_to_aspect_ratio):
    """`tf.image.resize` (or tf_keras's smart_resize): float32, or the input's dtype for 'nearest'."""
    x = image if interpolation == "nearest" else image.astype(np.float32)
    height, width = image_size
    if crop_to_aspect_ratio:
        return np.asarray(resize_ops.smart_resize(x, height, width, interpolation))
    return np.asarray(resize_ops.resize(x, height, width, interpolation))


def image_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None,
                                 color_mode="rgb", batch_size=32, image_size=(256, 256), shuffle=True, seed=None,
                                 validation_split=None, subset=None, interpolation="bilinear", follow_links=False,
                                 crop_to_aspect_ratio=False, **kwargs):
    """A `Dataset` of `(images, labels)` batches from a folder with one subfolder per class.

    Args:
        directory: the folder. With `labels="inferred"` each subfolder is a class.
        labels: "inferred", None (images only), or a list of integer labels in sorted file order.
        label_mode: "int" (int32), "categorical" (one-hot float32), "binary" (float32, shape (n, 1)), None.
        class_names: the subfolder names in the order that gives their indices (default: sorted).
        color_mode: "rgb", "rgba" or "grayscale".
        batch_size: images per batch, or None for single images.
        image_size: (height, width) every image is resized to.
        shuffle, seed: shuffle the files (seed needed with `validation_split`).
        validation_split, subset: keep "training" (the first part), "validation" (the last
            `int(validation_split * n)` files) or "both" (a list of the two datasets).
        interpolation: "bilinear", "nearest" or "bicubic", as `tf.image.resize`.
        crop_to_aspect_ratio: crop the centre to the target aspect ratio before resizing.

    Returns:
        a `Dataset` with `class_names` and `file_paths` attributes (a list of two with subset="both").

    Example:
        >>> import os, tempfile
        >>> import numpy as np
        >>> from PIL import Image
        >>> root = tempfile.mkdtemp()
        >>> for name in ("cat", "dog"):
        ...     os.makedirs(os.path.join(root, name))
        ...     Image.fromarray(np.zeros((4, 6, 3), np.uint8)).save(os.path.join(root, name, "1.png"))
        >>> ds = image_dataset_from_directory(root, image_size=(2, 3), batch_size=2, shuffle=False)
        Found 2 files belonging to 2 classes.
        >>> images, labels = next(iter(ds))
        >>> ds.class_names, images.shape, labels.numpy().tolist()
        (['cat', 'dog'], (2, 2, 3, 3), [0, 1])
    """
    if "smart_resize" in kwargs:
        crop_to_aspect_ratio = kwargs.pop("smart_resize")
    if kwargs:
        raise TypeError(f"Unknown keywords argument(s): {tuple(kwargs.keys())}")
    _check_label_args(labels, label_mode, class_names, "image")
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    channels = {"rgb": 3, "rgba": 4, "grayscale": 1}.get(color_mode)
    if channels is None:
        raise ValueError('`color_mode` must be one of {"rgb", "rgba", "grayscale"}. Received: '
                         f"color_mode={color_mode}")
    interpolation = resize_ops.check_interpolation(interpolation)
    image_size = tuple(int(s) for s in image_size)
    _pil_image()

    def load_image(path):
        return _resize_image(decode_image(path, channels), image_size, interpolation, crop_to_aspect_ratio)

    datasets = _datasets_from_directory(
        directory, IMAGE_FORMATS, load_image, labels, label_mode, class_names, batch_size, shuffle, seed,
        validation_split, subset, follow_links,
        f"No images found in directory {directory}. Allowed formats: {IMAGE_FORMATS}")
    return datasets if subset == "both" else datasets[0]


# ----------------------------------------------------------------------------- text
def text_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None, batch_size=32,
                                max_length=None, shuffle=True, seed=None, validation_split=None, subset=None,
                                follow_links=False):
    """A `Dataset` of `(texts, labels)` batches from the `.txt` files of a folder with one subfolder per class.

    Texts are the files' bytes (as TensorFlow's string tensors hold them), cut to `max_length`
    bytes if given. The other arguments are those of `image_dataset_from_directory`.

    Example:
        >>> import os, tempfile
        >>> root = tempfile.mkdtemp()
        >>> for label, text in (("neg", "bad"), ("pos", "good")):
        ...     os.makedirs(os.path.join(root, label))
        ...     _ = open(os.path.join(root, label, "1.txt"), "w").write(text)
        >>> ds = text_dataset_from_directory(root, shuffle=False)
        Found 2 files belonging to 2 classes.
        >>> texts, labels = next(iter(ds))
        >>> texts.numpy().tolist(), labels.numpy().tolist()
        ([b'bad', b'good'], [0, 1])
    """
    _check_label_args(labels, label_mode, class_names, "text")
    if labels is None or label_mode is None:
        labels, label_mode = None, None

    def load_text(path):
        with open(path, "rb") as f:
            return f.read() if max_length is None else f.read(max_length)

    datasets = _datasets_from_directory(
        directory, (".txt",), load_text, labels, label_mode, class_names, batch_size, shuffle, seed,
        validation_split, subset, follow_links, f"No text files found in directory {directory}. Allowed format: .txt")
    return datasets if subset == "both" else datasets[0]


# ----------------------------------------------------------------------------- time series
def _check_timeseries_args(n, start_index, end_index, sampling_rate, sequence_stride):
    if start_index:
        if start_index < 0:
            raise ValueError(f"`start_index` must be 0 or greater. Received: start_index={start_index}")
        if start_index >= n:
            raise ValueError(f"`start_index` must be lower than the length of the data. Received: "
                             f"start_index={start_index}, for data of length {n}")
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError(f"`end_index` must be higher than `start_index`. Received: start_index={start_index}, "
                             f"and end_index={end_index} ")
        if end_index >= n:
            raise ValueError(f"`end_index` must be lower than the length of the data. Received: "
                             f"end_index={end_index}, for data of length {n}")
        if end_index <= 0:
            raise ValueError(f"`end_index` must be higher than 0. Received: end_index={end_index}")
    if sampling_rate <= 0:
        raise ValueError(f"`sampling_rate` must be higher than 0. Received: sampling_rate={sampling_rate}")
    if sampling_rate >= n:
        raise ValueError(f"`sampling_rate` must be lower than the length of the data. Received: "
                         f"sampling_rate={sampling_rate}, for data of length {n}")
    if sequence_stride <= 0:
        raise ValueError(f"`sequence_stride` must be higher than 0. Received: sequence_stride={sequence_stride}")
    if sequence_stride >= n:
        raise ValueError(f"`sequence_stride` must be lower than the length of the data. Received: "
                         f"sequence_stride={sequence_stride}, for data of length {n}")


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1, sampling_rate=1,
                                  batch_size=128, shuffle=False, seed=None, start_index=None, end_index=None):
    """A `Dataset` of sliding windows over `data` (with the target at each window's start), as tf_keras.

    Window `i` is `data[start_index + p_i + j * sampling_rate]` for `j < sequence_length`, where
    `p_i = i * sequence_stride`; its target is `targets[start_index + p_i]` (so to predict the value
    after a window, pass `targets = data[sequence_length:]`).

    Args:
        data: array-like with time on axis 0.
        targets: array-like aligned with `data`, or None (windows only).
        sequence_length, sequence_stride, sampling_rate: window length, step between windows, step
            between samples within a window.
        batch_size: windows per batch (None: single windows).
        shuffle, seed: shuffle the windows.
        start_index, end_index: use `data[start_index:end_index]` only.

    Example:
        >>> import numpy as np
        >>> ds = timeseries_dataset_from_array(np.arange(8), np.arange(8) * 10, sequence_length=2,
        ...                                    sequence_stride=3, batch_size=8)
        >>> [(x.tolist(), y.tolist()) for x, y in ds.as_numpy_iterator()]
        [([[0, 1], [3, 4], [6, 7]], [0, 30, 60])]
    """
    data = to_array(data)
    n = len(data)
    _check_timeseries_args(n, start_index, end_index, sampling_rate, sequence_stride)
    start_index = 0 if start_index is None else start_index
    end_index = n if end_index is None else end_index
    num_seqs = end_index - start_index - (sequence_length - 1) * sampling_rate
    if targets is not None:
        targets = to_array(targets)
        num_seqs = min(num_seqs, len(targets))
    start_positions = np.arange(0, max(num_seqs, 0), sequence_stride, dtype=np.int64)
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(start_positions)
    window = np.arange(sequence_length, dtype=np.int64) * sampling_rate
    data_slice = data[start_index:end_index]
    target_slice = None if targets is None else targets[start_index:end_index]

    def load(index):
        positions = start_positions[index]
        windows = data_slice[positions[..., None] + window]
        if target_slice is None:
            return windows
        return windows, target_slice[positions]

    return _pipeline(len(start_positions), load, batch_size, shuffle, seed)


# ----------------------------------------------------------------------------- split_dataset
def _samples_of(dataset):
    """(list of samples, how to rebuild, batch size) for an array, a list/tuple of arrays or a Dataset."""
    if isinstance(dataset, Dataset):
        batch_size = getattr(dataset, "_batch_size", None)
        source = dataset.unbatch() if batch_size else dataset
        return list(source.as_numpy_iterator()), batch_size
    if isinstance(dataset, np.ndarray):
        return [dataset[i, ...] for i in range(len(dataset))], None
    if isinstance(dataset, (list, tuple)):
        if not dataset:
            raise ValueError("Received an empty list dataset. Please provide a non-empty list of arrays.")
        arrays = [to_array(a) for a in dataset]
        if any(a.ndim == 0 or a.shape[0] != arrays[0].shape[0] for a in arrays):
            raise ValueError(f"Received a {type(dataset).__name__} of NumPy arrays with different lengths: "
                             f"{[a.shape for a in arrays]}. Please provide arrays of the same length.")
        return [tuple(a[i, ...] for a in arrays) for i in range(len(arrays[0]))], None
    raise TypeError("The `dataset` argument must be either a `Dataset` object or a list/tuple of arrays. Received: "
                    f"dataset={dataset!r} of type {type(dataset)}")


def _split_sizes(left_size, right_size, total_length):
    """tf_keras's `_rescale_dataset_split_sizes`: fractions rounded, ints kept, the missing side the rest."""
    for name, size in (("left_size", left_size), ("right_size", right_size)):
        if size is not None and type(size) not in (int, float):
            raise TypeError(f"Invalid `{name}` Type. Expected: int or float or None, Received: "
                            f"type({name})={type(size)}.")
    if left_size == 0 and right_size == 0:
        raise ValueError("Both `left_size` and `right_size` are zero. At least one of the split sizes must be "
                         "non-zero.")
    for name, size in (("left_size", left_size), ("right_size", right_size)):
        if type(size) is int and (size <= 0 or size >= total_length) or \
                type(size) is float and (size <= 0 or size >= 1):
            raise ValueError(f"`{name}` should be either a positive integer smaller than {total_length}, or a float "
                             f"within the range `[0, 1]`. Received: {name}={size}")
    if type(left_size) is float and type(right_size) is float and left_size + right_size > 1:
        raise ValueError("The sum of `left_size` and `right_size` is greater than 1. It must be less than or equal "
                         "to 1.")
    left = round(left_size * total_length) if type(left_size) is float else left_size
    right = round(right_size * total_length) if type(right_size) is float else right_size
    if left is None:
        left = total_length - right
    elif right is None:
        right = total_length - left
    if left + right > total_length:
        raise ValueError(f"The sum of `left_size` and `right_size` should be smaller than the {total_length}. "
                         f"Received: left_size + right_size = {left + right} and total_length = {total_length}")
    for split, side in ((left, "left"), (right, "right")):
        if split == 0:
            raise ValueError(f"With `dataset` of length={total_length}, `left_size`={left_size} and "
                             f"`right_size`={right_size}.Resulting {side} side dataset split will be empty. "
                             "Adjust any of the aforementioned parameters")
    return int(left), int(right)


def split_dataset(dataset, left_size=None, right_size=None, shuffle=False, seed=None):
    """Split an array, a tuple of arrays or a `Dataset` into two Datasets, as tf_keras.

    Sizes are numbers of samples (int) or fractions (float); the missing one takes the rest.
    With `shuffle`, the samples are shuffled first by Python's `random.Random(seed)` (the same
    permutation as tf_keras's). A batched Dataset gives batched splits of the same batch size.

    Example:
        >>> import numpy as np
        >>> left, right = split_dataset(np.arange(10), left_size=0.8)
        >>> len(left), [int(x) for x in right.as_numpy_iterator()]
        (8, [8, 9])
    """
    if left_size is None and right_size is None:
        raise ValueError("At least one of the `left_size` or `right_size` must be specified. Received: "
                         "left_size=None and right_size=None")
    samples, batch_size = _samples_of(dataset)
    if not samples:
        raise ValueError("Received an empty Dataset. `dataset` must be a non-empty list/tuple of `numpy.ndarray` "
                         "objects or `Dataset` objects.")
    if shuffle:
        if seed is None:
            seed = random.randint(0, int(1e6))
        random.Random(seed).shuffle(samples)  # tf_keras: random.seed(seed); random.shuffle(samples)
    left, right = _split_sizes(left_size, right_size, len(samples))
    out = []
    for part in (samples[:left], samples[-right:]):
        stacked = _batch_elements(part)
        if isinstance(stacked, list):
            stacked = tuple(stacked)
        ds = Dataset.from_tensor_slices(stacked)
        out.append(ds.batch(batch_size) if batch_size else ds)
    return tuple(out)


__all__ = ["image_dataset_from_directory", "text_dataset_from_directory", "timeseries_dataset_from_array",
           "split_dataset"]
