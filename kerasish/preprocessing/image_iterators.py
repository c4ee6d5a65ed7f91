"""The batch iterators of `ImageDataGenerator`: `Iterator` (a `Sequence` of batches, also usable with
`next()`), `NumpyArrayIterator` (`flow`) and `DirectoryIterator` (`flow_from_directory`).

Example:
    >>> import numpy as np
    >>> from kerasish.preprocessing.image import ImageDataGenerator
    >>> from kerasish.preprocessing.image_iterators import NumpyArrayIterator
    >>> it = NumpyArrayIterator(np.zeros((5, 4, 4, 1)), np.arange(5), ImageDataGenerator(), batch_size=2)
    >>> len(it), it[2][0].shape
    (3, (1, 4, 4, 1))
"""
import os
import threading

import numpy as np

from ..backend import config
from ..backend.user_warnings import warn
from ..utils.data_utils import Sequence
from ..utils.image_utils import _check_data_format, _pil_image, array_to_img, img_to_array, load_img


class Iterator(Sequence):
    """Base of the image iterators: a `Sequence` of batches, also usable with `next()` forever.

    Batch `i` of an epoch holds samples `index_array[i * batch_size:(i + 1) * batch_size]`; the
    order is reshuffled after every epoch when `shuffle`. With a `seed`, numpy's global random
    state is reseeded before every batch (as Keras does), so the augmentations are repeatable.
    """

    white_list_formats = ("png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff")

    def __init__(self, n: int, batch_size: int, shuffle: bool, seed):
        super().__init__()
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"`batch_size` must be a positive integer; received batch_size={batch_size!r}")
        self.n = n
        self.batch_size = int(batch_size)
        self.seed = seed
        self.shuffle = shuffle
        self.batch_index = 0
        self.total_batches_seen = 0
        self.lock = threading.Lock()
        self.index_array = None
        self.index_generator = self._flow_index()

    def _set_index_array(self):
        self.index_array = np.arange(self.n)
        if self.shuffle:
            self.index_array = np.random.permutation(self.n)

    def __getitem__(self, idx):
        if idx < 0:
            idx += len(self)
        if not 0 <= idx < len(self):
            raise ValueError(f"Asked to retrieve element {idx}, but the Sequence has length {len(self)}")
        if self.seed is not None:
            np.random.seed(self.seed + self.total_batches_seen)
        self.total_batches_seen += 1
        if self.index_array is None:
            self._set_index_array()
        index_array = self.index_array[self.batch_size * idx:self.batch_size * (idx + 1)]
        return self._get_batches_of_transformed_samples(index_array)

    def __len__(self):
        return (self.n + self.batch_size - 1) // self.batch_size

    def on_epoch_end(self):
        self._set_index_array()

    def reset(self):
        self.batch_index = 0

    def _flow_index(self):
        self.reset()
        while True:
            if self.seed is not None:
                np.random.seed(self.seed + self.total_batches_seen)
            if self.batch_index == 0:
                self._set_index_array()
            current_index = 0 if self.n == 0 else (self.batch_index * self.batch_size) % self.n
            if self.n > current_index + self.batch_size:
                self.batch_index += 1
            else:
                self.batch_index = 0
            self.total_batches_seen += 1
            yield self.index_array[current_index:current_index + self.batch_size]

    def __iter__(self):
        # Keras's iterators never end: `for x, y in gen.flow(...)` needs a `break`.
        return self

    def __next__(self):
        return self.next()

    def next(self):
        """The next batch (endless: wraps around epochs)."""
        with self.lock:
            index_array = next(self.index_generator)
        return self._get_batches_of_transformed_samples(index_array)

    def _get_batches_of_transformed_samples(self, index_array):
        raise NotImplementedError


def _save_batch_images(batch_x, index_array, data_format, save_to_dir, save_prefix, save_format):
    for i, j in enumerate(index_array):
        img = array_to_img(batch_x[i], data_format, scale=True)
        fname = f"{save_prefix}_{j}_{np.random.randint(int(1e7))}.{save_format}"
        img.save(os.path.join(save_to_dir, fname))


class NumpyArrayIterator(Iterator):
    """Batches of augmented images from numpy arrays: what `ImageDataGenerator.flow` returns.

    Each batch is `x`, `(x, y)` or `(x, y, sample_weight)`; when `x` is a pair `(images, [extra arrays])`
    the extra arrays are returned next to the images, unchanged.
    """

    def __init__(self, x, y, image_data_generator, batch_size=32, shuffle=False, sample_weight=None, seed=None,
                 data_format=None, save_to_dir=None, save_prefix="", save_format="png", subset=None,
                 ignore_class_split=False, dtype=None):
        data_format = _check_data_format(data_format)
        self.dtype = dtype or config.floatx()
        if isinstance(x, (tuple, list)):
            if len(x) != 2:
                raise ValueError("`x` should be an array of images, or a pair (images, extra arrays); received a "
                                 f"{type(x).__name__} of length {len(x)}")
            if not isinstance(x[1], list):
                x_misc = [np.asarray(x[1])]
            else:
                x_misc = [np.asarray(xx) for xx in x[1]]
            x = x[0]
            for xx in x_misc:
                if len(x) != len(xx):
                    raise ValueError(f"All of the arrays in `x` should have the same length. Found a pair with: "
                                     f"len(x[0]) = {len(x)}, len(x[?]) = {len(xx)}")
        else:
            x_misc = []
        if y is not None and len(x) != len(y):
            raise ValueError(f"`x` (images tensor) and `y` (labels) should have the same length. Found: "
                             f"x.shape = {np.asarray(x).shape}, y.shape = {np.asarray(y).shape}")
        if sample_weight is not None and len(x) != len(sample_weight):
            raise ValueError(f"`x` (images tensor) and `sample_weight` should have the same length. Found: "
                             f"x.shape = {np.asarray(x).shape}, sample_weight.shape = "
                             f"{np.asarray(sample_weight).shape}")
        if subset is not None:
            if subset not in ("training", "validation"):
                raise ValueError(f'Invalid subset name: {subset!r}; expected "training" or "validation".')
            split_idx = int(len(x) * image_data_generator._validation_split)
            if y is not None and not ignore_class_split and not np.array_equal(
                    np.unique(np.asarray(y)[:split_idx]), np.unique(np.asarray(y)[split_idx:])):
                raise ValueError("Training and validation subsets have different number of classes after the "
                                 "split. If your numpy arrays are sorted by the label, you might want to shuffle "
                                 "them.")
            # Keras takes the validation subset from the start of the arrays.
            part = slice(None, split_idx) if subset == "validation" else slice(split_idx, None)
            x = x[part]
            x_misc = [np.asarray(xx[part]) for xx in x_misc]
            if y is not None:
                y = y[part]
            if sample_weight is not None:
                sample_weight = sample_weight[part]

        self.x = np.asarray(x, dtype=self.dtype)
        self.x_misc = x_misc
        if self.x.ndim != 4:
            raise ValueError(f"Input data in `NumpyArrayIterator` should have rank 4 (images, rows, cols, "
                             f"channels). You passed an array with shape {self.x.shape}")
        channels_axis = 3 if data_format == "channels_last" else 1
        if self.x.shape[channels_axis] not in (1, 3, 4):
            warn(f'NumpyArrayIterator is set to use the data format convention "{data_format}" (channels '
                 f"on axis {channels_axis}), i.e. expected either 1, 3, or 4 channels on axis "
                 f"{channels_axis}. However, it was passed an array with shape {self.x.shape} "
                 f"({self.x.shape[channels_axis]} channels).")
        self.y = None if y is None else np.asarray(y)
        self.sample_weight = None if sample_weight is None else np.asarray(sample_weight)
        self.image_data_generator = image_data_generator
        self.data_format = data_format
        self.save_to_dir = save_to_dir
        self.save_prefix = save_prefix
        self.save_format = save_format
        super().__init__(self.x.shape[0], batch_size, shuffle, seed)

    def _get_batches_of_transformed_samples(self, index_array):
        batch_x = np.zeros((len(index_array),) + self.x.shape[1:], dtype=self.dtype)
        for i, j in enumerate(index_array):
            x = self.x[j]
            params = self.image_data_generator.get_random_transform(x.shape)
            x = self.image_data_generator.apply_transform(x.astype(self.dtype), params)
            x = self.image_data_generator.standardize(x)
            batch_x[i] = x
        if self.save_to_dir:
            _save_batch_images(batch_x, index_array, self.data_format, self.save_to_dir, self.save_prefix,
                               self.save_format)
        misc = [xx[index_array] for xx in self.x_misc]
        output = (batch_x if not misc else [batch_x] + misc,)
        if self.y is None:
            return output[0]
        output += (self.y[index_array],)
        if self.sample_weight is not None:
            output += (self.sample_weight[index_array],)
        return output


def _iter_valid_files(directory, white_list_formats, follow_links):
    for root, _, files in sorted(os.walk(directory, followlinks=follow_links), key=lambda entry: entry[0]):
        for fname in sorted(files):
            if fname.lower().endswith(".tiff"):
                warn('Using ".tiff" files with multiple bands will cause distortion. Please verify your '
                     "output.")
            if fname.lower().endswith(white_list_formats):
                yield root, fname


def _list_valid_filenames_in_directory(directory, white_list_formats, split, class_indices, follow_links):
    """(class indices, paths relative to the parent folder) of the images under one class folder."""
    dirname = os.path.basename(directory)
    valid = list(_iter_valid_files(directory, white_list_formats, follow_links))
    if split:
        start, stop = int(split[0] * len(valid)), int(split[1] * len(valid))
        valid = valid[start:stop]
    classes, filenames = [], []
    for root, fname in valid:
        classes.append(class_indices[dirname])
        absolute_path = os.path.join(root, fname)
        filenames.append(os.path.join(dirname, os.path.relpath(absolute_path, directory)))
    return classes, filenames


class DirectoryIterator(Iterator):
    """Batches of augmented images read from class sub-folders: what `flow_from_directory` returns.

    `directory/<class name>/**/<image>`; classes are the sub-folder names in sorted order (or
    `classes`), `class_indices` maps them to label indices. Needs Pillow.
    """

    allowed_class_modes = ("categorical", "binary", "sparse", "input", None)

    def __init__(self, directory, image_data_generator, target_size=(256, 256), color_mode="rgb", classes=None,
                 class_mode="categorical", batch_size=32, shuffle=True, seed=None, data_format=None,
                 save_to_dir=None, save_prefix="", save_format="png", follow_links=False, subset=None,
                 interpolation="nearest", keep_aspect_ratio=False, dtype=None):
        _pil_image("flow_from_directory")
        data_format = _check_data_format(data_format)
        if not os.path.isdir(directory):
            raise ValueError(f"flow_from_directory: `directory` {str(directory)!r} is not an existing folder.")
        if color_mode not in ("rgb", "rgba", "grayscale"):
            raise ValueError(f'Invalid color mode: {color_mode!r}; expected "rgb", "rgba", or "grayscale".')
        if class_mode not in self.allowed_class_modes:
            raise ValueError(f"Invalid class_mode: {class_mode!r}; expected one of: {self.allowed_class_modes}")
        if subset is not None and subset not in ("training", "validation"):
            raise ValueError(f'Invalid subset name: {subset!r}; expected "training" or "validation"')
        self.image_data_generator = image_data_generator
        self.target_size = tuple(target_size)
        self.keep_aspect_ratio = keep_aspect_ratio
        self.color_mode = color_mode
        self.data_format = data_format
        channels = {"rgba": 4, "rgb": 3, "grayscale": 1}[color_mode]
        self.image_shape = (self.target_size + (channels,) if data_format == "channels_last"
                            else (channels,) + self.target_size)
        self.save_to_dir = save_to_dir
        self.save_prefix = save_prefix
        self.save_format = save_format
        self.interpolation = interpolation
        validation_split = image_data_generator._validation_split if image_data_generator else 0.0
        if subset == "validation":
            self.split = (0, validation_split)
        elif subset == "training":
            self.split = (validation_split, 1)
        else:
            self.split = None
        self.subset = subset
        self.directory = directory
        self.class_mode = class_mode
        self.dtype = dtype or config.floatx()

        if not classes:
            classes = [d for d in sorted(os.listdir(directory)) if os.path.isdir(os.path.join(directory, d))]
        self.num_classes = len(classes)
        self.class_indices = dict(zip(classes, range(len(classes))))
        self.filenames = []
        labels = []
        for subdir in classes:
            sub_classes, sub_files = _list_valid_filenames_in_directory(
                os.path.join(directory, subdir), self.white_list_formats, self.split, self.class_indices,
                follow_links)
            labels.extend(sub_classes)
            self.filenames.extend(sub_files)
        self.samples = len(self.filenames)
        self.classes = np.array(labels, dtype="int32")
        print(f"Found {self.samples} images belonging to {self.num_classes} classes.")
        self._filepaths = [os.path.join(self.directory, fname) for fname in self.filenames]
        super().__init__(self.samples, batch_size, shuffle, seed)

    @property
    def filepaths(self):
        """Paths of every image, in sample order."""
        return self._filepaths

    @property
    def labels(self):
        """The class index of every image."""
        return self.classes

    @property
    def sample_weight(self):
        return None

    def _get_batches_of_transformed_samples(self, index_array):
        batch_x = np.zeros((len(index_array),) + self.image_shape, dtype=self.dtype)
        for i, j in enumerate(index_array):
            img = load_img(self._filepaths[j], color_mode=self.color_mode, target_size=self.target_size,
                           interpolation=self.interpolation, keep_aspect_ratio=self.keep_aspect_ratio)
            x = img_to_array(img, data_format=self.data_format)
            if hasattr(img, "close"):
                img.close()
            if self.image_data_generator:
                params = self.image_data_generator.get_random_transform(x.shape)
                x = self.image_data_generator.apply_transform(x, params)
                x = self.image_data_generator.standardize(x)
            batch_x[i] = x
        if self.save_to_dir:
            _save_batch_images(batch_x, index_array, self.data_format, self.save_to_dir, self.save_prefix,
                               self.save_format)
        if self.class_mode == "input":
            batch_y = batch_x.copy()
        elif self.class_mode in ("binary", "sparse"):
            batch_y = self.classes[index_array].astype(self.dtype)
        elif self.class_mode == "categorical":
            batch_y = np.zeros((len(batch_x), len(self.class_indices)), dtype=self.dtype)
            batch_y[np.arange(len(batch_x)), self.classes[index_array]] = 1.0
        else:
            return batch_x
        return batch_x, batch_y
