"""Image preprocessing from Keras 2: `ImageDataGenerator`, `array_to_img`, `img_to_array`, `load_img`.

`ImageDataGenerator` augments images on the fly (rotations, shifts, shears, zooms, flips,
brightness, channel shifts) and standardizes them (rescale, sample- or feature-wise centering and
std normalization, ZCA whitening). `flow(x, y)` and `flow_from_directory(path)` return
`kerasish.utils.Sequence` objects that `model.fit` consumes directly.

The random parameters are drawn from numpy's global random state in Keras's order, and the affine
transform is Keras's (same matrix, same resampling through `scipy.ndimage` when SciPy is installed,
and an equivalent numpy resampler for nearest/bilinear interpolation when it is not), so with the
same seeds the augmented images match Keras 2's. That includes a known Keras quirk, kept on
purpose: `height_shift_range` moves images sideways and `width_shift_range` up and down
(keras-team/tf-keras#310).

Reading and writing image files needs Pillow (`pip install pillow`); nothing else does.

Example:
    >>> import numpy as np
    >>> from kerasish.preprocessing.image import ImageDataGenerator
    >>> x = np.random.rand(10, 8, 8, 1).astype("float32")
    >>> y = np.arange(10)
    >>> gen = ImageDataGenerator(rotation_range=10, horizontal_flip=True, rescale=1 / 255.0)
    >>> batches = gen.flow(x, y, batch_size=4, seed=0)
    >>> len(batches), batches[0][0].shape
    (3, (4, 8, 8, 1))
"""
import numpy as np

from ..backend import config
from ..backend.user_warnings import warn
from ..utils.image_utils import _check_data_format, array_to_img, img_to_array, load_img, save_img  # noqa: F401
from ._affine import FILL_MODES
from .affine_transformations import (  # noqa: F401
    apply_affine_transform, apply_brightness_shift, apply_channel_shift, flip_axis, random_brightness,
    random_channel_shift, random_rotation, random_shear, random_shift, random_zoom, transform_matrix_offset_center)
from .image_iterators import DirectoryIterator, Iterator, NumpyArrayIterator  # noqa: F401

__all__ = ["ImageDataGenerator", "Iterator", "NumpyArrayIterator", "DirectoryIterator", "array_to_img",
           "img_to_array", "load_img", "save_img", "apply_affine_transform", "apply_brightness_shift",
           "apply_channel_shift", "flip_axis", "random_rotation", "random_shift", "random_shear", "random_zoom",
           "random_channel_shift", "random_brightness", "transform_matrix_offset_center"]


def _check_range(name, value):
    """A shift range: a float (fraction or pixels), an int (pixels) or a list of allowed values."""
    if isinstance(value, (list, tuple, np.ndarray)):
        if len(value) == 0:
            raise ValueError(f"`{name}` must not be an empty list.")
        return list(value)
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"`{name}` must be a float, an int or a list of numbers; received {name}={value!r}")
    return value


class ImageDataGenerator:
    """Real-time image augmentation and standardization, Keras 2's `ImageDataGenerator`.

    Args:
        featurewise_center: subtract the data set's per-channel mean (computed by `fit`).
        samplewise_center: subtract each image's mean.
        featurewise_std_normalization: divide by the data set's per-channel std (from `fit`).
        samplewise_std_normalization: divide each image by its std.
        zca_whitening: apply ZCA whitening (from `fit`); zca_epsilon: its epsilon.
        rotation_range: random rotations in [-rotation_range, rotation_range] degrees.
        width_shift_range, height_shift_range: random shifts: a float < 1 is a fraction of the
            image size, >= 1 a number of pixels; an int n picks pixels in `range(n)` with a random sign;
            a list picks one of its values with a random sign.
        brightness_range: a pair: random brightness factors (1.0 = unchanged).
        shear_range: random shear angle in [-shear_range, shear_range] degrees.
        zoom_range: a float z (zoom factors in [1 - z, 1 + z]) or a pair [lower, upper].
        channel_shift_range: random shifts added to every channel.
        fill_mode: "constant", "nearest" (default), "reflect" or "wrap": how to fill new pixels.
        cval: the fill value for "constant".
        horizontal_flip, vertical_flip: random flips.
        rescale: multiply every image by this factor (after the augmentation, before the rest).
        preprocessing_function: a function applied to every image (3D array) after augmentation.
        data_format: "channels_last" (default) or "channels_first".
        validation_split: fraction of the data reserved for `subset="validation"`.
        interpolation_order: order of the resampling spline (1 = bilinear).
        dtype: dtype of the generated arrays (default floatx).

    Example:
        >>> import numpy as np
        >>> gen = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True)
        >>> x = np.random.rand(20, 4, 4, 3)
        >>> gen.fit(x)
        >>> gen.mean.shape, gen.std.shape
        ((1, 1, 3), (1, 1, 3))
        >>> out = gen.flow(x, batch_size=20, shuffle=False)[0]
        >>> bool(np.allclose(out.mean(axis=(0, 1, 2)), 0, atol=1e-5))
        True
    """

    def __init__(self, featurewise_center=False, samplewise_center=False, featurewise_std_normalization=False,
                 samplewise_std_normalization=False, zca_whitening=False, zca_epsilon=1e-6, rotation_range=0,
                 width_shift_range=0.0, height_shift_range=0.0, brightness_range=None, shear_range=0.0,
                 zoom_range=0.0, channel_shift_range=0.0, fill_mode="nearest", cval=0.0, horizontal_flip=False,
                 vertical_flip=False, rescale=None, preprocessing_function=None, data_format=None,
                 validation_split=0.0, interpolation_order=1, dtype=None):
        data_format = _check_data_format(data_format)
        self.featurewise_center = featurewise_center
        self.samplewise_center = samplewise_center
        self.featurewise_std_normalization = featurewise_std_normalization
        self.samplewise_std_normalization = samplewise_std_normalization
        self.zca_whitening = zca_whitening
        self.zca_epsilon = zca_epsilon
        self.rotation_range = rotation_range
        self.width_shift_range = _check_range("width_shift_range", width_shift_range)
        self.height_shift_range = _check_range("height_shift_range", height_shift_range)
        self.shear_range = shear_range
        self.channel_shift_range = channel_shift_range
        if fill_mode not in FILL_MODES:
            raise ValueError(f"`fill_mode` must be one of {FILL_MODES}; received fill_mode={fill_mode!r}")
        self.fill_mode = fill_mode
        self.cval = cval
        self.horizontal_flip = horizontal_flip
        self.vertical_flip = vertical_flip
        self.rescale = rescale
        if preprocessing_function is not None and not callable(preprocessing_function):
            raise TypeError(f"`preprocessing_function` must be a function of one image; received "
                            f"{preprocessing_function!r}")
        self.preprocessing_function = preprocessing_function
        self.dtype = dtype or config.floatx()
        self.interpolation_order = interpolation_order
        self.data_format = data_format
        if data_format == "channels_first":
            self.channel_axis, self.row_axis, self.col_axis = 1, 2, 3
        else:
            self.channel_axis, self.row_axis, self.col_axis = 3, 1, 2
        if validation_split and not 0 < validation_split < 1:
            raise ValueError(f"`validation_split` must be strictly between 0 and 1. Received: {validation_split}")
        self._validation_split = validation_split
        self.mean = None
        self.std = None
        self.zca_whitening_matrix = None

        if isinstance(zoom_range, (float, int)) and not isinstance(zoom_range, bool):
            self.zoom_range = [1 - zoom_range, 1 + zoom_range]
        elif isinstance(zoom_range, (list, tuple)) and len(zoom_range) == 2 and all(
                isinstance(v, (float, int)) for v in zoom_range):
            self.zoom_range = [zoom_range[0], zoom_range[1]]
        else:
            raise ValueError(f"`zoom_range` should be a float or a tuple or list of two floats. Received: "
                             f"{zoom_range!r}")
        if zca_whitening:
            if not featurewise_center:
                self.featurewise_center = True
                warn("This ImageDataGenerator specifies `zca_whitening`, which overrides setting of "
                     "`featurewise_center`.")
            if featurewise_std_normalization:
                self.featurewise_std_normalization = False
                warn("This ImageDataGenerator specifies `zca_whitening` which overrides setting of "
                     "`featurewise_std_normalization`.")
        if featurewise_std_normalization and not featurewise_center:
            self.featurewise_center = True
            warn("This ImageDataGenerator specifies `featurewise_std_normalization`, which overrides "
                 "setting of `featurewise_center`.")
        if samplewise_std_normalization and not samplewise_center:
            self.samplewise_center = True
            warn("This ImageDataGenerator specifies `samplewise_std_normalization`, which overrides "
                 "setting of `samplewise_center`.")
        if brightness_range is not None and (not isinstance(brightness_range, (tuple, list))
                                             or len(brightness_range) != 2):
            raise ValueError(f"`brightness_range should be tuple or list of two floats. Received: "
                             f"{brightness_range!r}")
        self.brightness_range = brightness_range

    # -- iterators ----------------------------------------------------------------------------
    def flow(self, x, y=None, batch_size=32, shuffle=True, sample_weight=None, seed=None, save_to_dir=None,
             save_prefix="", save_format="png", ignore_class_split=False, subset=None) -> NumpyArrayIterator:
        """Batches `(x, y)` (or `x`, or `(x, y, sample_weight)`) of augmented images from arrays.

        Args:
            x: images, rank 4; or a pair `(images, extra array or list of arrays)`.
            y: labels (optional).
            batch_size: images per batch.
            shuffle: shuffle the order every epoch.
            sample_weight: per-image weights (optional).
            seed: reseed numpy's random state before each batch (repeatable augmentation).
            save_to_dir, save_prefix, save_format: also save the augmented images (needs Pillow).
            ignore_class_split: allow a validation split whose classes differ from training's.
            subset: "training" or "validation" when `validation_split` is set (validation = the first
                `validation_split` fraction of the arrays).

        Returns:
            A `NumpyArrayIterator` (a `Sequence`): pass it to `model.fit` directly.
        """
        return NumpyArrayIterator(x, y, self, batch_size=batch_size, shuffle=shuffle, sample_weight=sample_weight,
                                  seed=seed, data_format=self.data_format, save_to_dir=save_to_dir,
                                  save_prefix=save_prefix, save_format=save_format,
                                  ignore_class_split=ignore_class_split, subset=subset, dtype=self.dtype)

    def flow_from_directory(self, directory, target_size=(256, 256), color_mode="rgb", classes=None,
                            class_mode="categorical", batch_size=32, shuffle=True, seed=None, save_to_dir=None,
                            save_prefix="", save_format="png", follow_links=False, subset=None,
                            interpolation="nearest", keep_aspect_ratio=False) -> DirectoryIterator:
        """Batches of augmented images read from `directory/<class>/...` (PNG, JPEG, BMP, PPM, TIFF).

        Needs Pillow (`pip install pillow`). Prints `Found N images belonging to K classes.`

        Args:
            directory: the folder holding one sub-folder per class.
            target_size: `(height, width)` every image is resized to.
            color_mode: "rgb", "rgba" or "grayscale".
            classes: class sub-folder names (default: all sub-folders, sorted).
            class_mode: "categorical" (one-hot), "binary", "sparse" (indices), "input" (the images
                themselves, for autoencoders) or None (no labels).
            batch_size, shuffle, seed, save_to_dir, save_prefix, save_format: as in `flow`.
            follow_links: follow symbolic links to sub-folders.
            subset: "training" or "validation" (per class, the first `validation_split` of the
                files, sorted by name, are validation).
            interpolation: resampling for the resize ("nearest", "bilinear", "bicubic", ...).
            keep_aspect_ratio: crop to the target aspect ratio before resizing.
        """
        return DirectoryIterator(directory, self, target_size=target_size, color_mode=color_mode, classes=classes,
                                 class_mode=class_mode, data_format=self.data_format, batch_size=batch_size,
                                 shuffle=shuffle, seed=seed, save_to_dir=save_to_dir, save_prefix=save_prefix,
                                 save_format=save_format, follow_links=follow_links, subset=subset,
                                 interpolation=interpolation, keep_aspect_ratio=keep_aspect_ratio,
                                 dtype=self.dtype)

    # -- per-image steps ----------------------------------------------------------------------
    def standardize(self, x):
        """Apply `preprocessing_function`, `rescale`, centering, std normalization and ZCA (in place)."""
        if self.preprocessing_function:
            x = self.preprocessing_function(x)
        if self.rescale:
            x *= self.rescale
        if self.samplewise_center:
            x -= np.mean(x, keepdims=True)
        if self.samplewise_std_normalization:
            x /= np.std(x, keepdims=True) + 1e-6
        if self.featurewise_center:
            if self.mean is not None:
                x -= self.mean
            else:
                warn("This ImageDataGenerator specifies `featurewise_center`, but it hasn't been fit on "
                     "any training data. Fit it first by calling `.fit(numpy_data)`.")
        if self.featurewise_std_normalization:
            if self.std is not None:
                x /= self.std + 1e-6
            else:
                warn("This ImageDataGenerator specifies `featurewise_std_normalization`, but it hasn't "
                     "been fit on any training data. Fit it first by calling `.fit(numpy_data)`.")
        if self.zca_whitening:
            if self.zca_whitening_matrix is not None:
                flat_x = x.reshape(-1, int(np.prod(x.shape[-3:])))
                x = np.reshape(flat_x @ self.zca_whitening_matrix, x.shape)
            else:
                warn("This ImageDataGenerator specifies `zca_whitening`, but it hasn't been fit on any "
                     "training data. Fit it first by calling `.fit(numpy_data)`.")
        return x

    @staticmethod
    def _random_shift(shift_range, size):
        try:  # an int or a list: pick a value, with a random sign
            shift = np.random.choice(shift_range)
            shift *= np.random.choice([-1, 1])
        except ValueError:  # a float
            shift = np.random.uniform(-shift_range, shift_range)
        if np.max(shift_range) < 1:
            shift *= size
        return shift

    def get_random_transform(self, img_shape, seed=None) -> dict:
        """Random transformation parameters for one image of shape `img_shape` (Keras's draw order)."""
        img_row_axis = self.row_axis - 1
        img_col_axis = self.col_axis - 1
        if seed is not None:
            np.random.seed(seed)
        theta = np.random.uniform(-self.rotation_range, self.rotation_range) if self.rotation_range else 0
        tx = self._random_shift(self.height_shift_range, img_shape[img_row_axis]) if self.height_shift_range else 0
        ty = self._random_shift(self.width_shift_range, img_shape[img_col_axis]) if self.width_shift_range else 0
        shear = np.random.uniform(-self.shear_range, self.shear_range) if self.shear_range else 0
        if self.zoom_range[0] == 1 and self.zoom_range[1] == 1:
            zx, zy = 1, 1
        else:
            zx, zy = np.random.uniform(self.zoom_range[0], self.zoom_range[1], 2)
        flip_horizontal = (np.random.random() < 0.5) * self.horizontal_flip
        flip_vertical = (np.random.random() < 0.5) * self.vertical_flip
        channel_shift_intensity = None
        if self.channel_shift_range != 0:
            channel_shift_intensity = np.random.uniform(-self.channel_shift_range, self.channel_shift_range)
        brightness = None
        if self.brightness_range is not None:
            brightness = np.random.uniform(self.brightness_range[0], self.brightness_range[1])
        return {"theta": theta, "tx": tx, "ty": ty, "shear": shear, "zx": zx, "zy": zy,
                "flip_horizontal": flip_horizontal, "flip_vertical": flip_vertical,
                "channel_shift_intensity": channel_shift_intensity, "brightness": brightness}

    def apply_transform(self, x, transform_parameters: dict):
        """Apply the transformation described by `transform_parameters` to one image (3D array)."""
        img_row_axis = self.row_axis - 1
        img_col_axis = self.col_axis - 1
        img_channel_axis = self.channel_axis - 1
        p = transform_parameters
        x = apply_affine_transform(x, p.get("theta", 0), p.get("tx", 0), p.get("ty", 0), p.get("shear", 0),
                                   p.get("zx", 1), p.get("zy", 1), row_axis=img_row_axis, col_axis=img_col_axis,
                                   channel_axis=img_channel_axis, fill_mode=self.fill_mode, cval=self.cval,
                                   order=self.interpolation_order)
        if p.get("channel_shift_intensity") is not None:
            x = apply_channel_shift(x, p["channel_shift_intensity"], img_channel_axis)
        if p.get("flip_horizontal", False):
            x = flip_axis(x, img_col_axis)
        if p.get("flip_vertical", False):
            x = flip_axis(x, img_row_axis)
        if p.get("brightness") is not None:
            if img_channel_axis == 0:
                x = np.moveaxis(apply_brightness_shift(np.moveaxis(x, 0, 2), p["brightness"], False), 2, 0)
            else:
                x = apply_brightness_shift(x, p["brightness"], False)
        return x

    def random_transform(self, x, seed=None):
        """One image randomly transformed."""
        return self.apply_transform(x, self.get_random_transform(x.shape, seed))

    def fit(self, x, augment=False, rounds=1, seed=None) -> None:
        """Compute the per-channel mean / std (and the ZCA matrix) that featurewise options need.

        Args:
            x: sample images, rank 4. `rescale` is applied first, as in `standardize`.
            augment: fit on randomly augmented copies.
            rounds: how many augmented copies of the data (with `augment`).
            seed: random seed.
        """
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim != 4:
            raise ValueError(f"Input to `.fit()` should have rank 4. Got array with shape: {x.shape}")
        if x.shape[self.channel_axis] not in (1, 3, 4):
            warn(f'Expected input to be images (as Numpy array) following the data format convention '
                 f'"{self.data_format}" (channels on axis {self.channel_axis}), i.e. expected either 1, 3 '
                 f"or 4 channels on axis {self.channel_axis}. However, it was passed an array with shape "
                 f"{x.shape} ({x.shape[self.channel_axis]} channels).")
        if seed is not None:
            np.random.seed(seed)
        x = np.copy(x)
        if self.rescale:
            x *= self.rescale
        if augment:
            augmented = np.zeros((rounds * x.shape[0],) + x.shape[1:], dtype=self.dtype)
            for r in range(rounds):
                for i in range(x.shape[0]):
                    augmented[i + r * x.shape[0]] = self.random_transform(x[i])
            x = augmented
        broadcast_shape = [1, 1, 1]
        broadcast_shape[self.channel_axis - 1] = x.shape[self.channel_axis]
        if self.featurewise_center:
            self.mean = np.reshape(np.mean(x, axis=(0, self.row_axis, self.col_axis)), broadcast_shape)
            x -= self.mean
        if self.featurewise_std_normalization:
            self.std = np.reshape(np.std(x, axis=(0, self.row_axis, self.col_axis)), broadcast_shape)
            x /= self.std + 1e-6
        if self.zca_whitening:
            n = len(x)
            flat_x = np.reshape(x, (n, -1))
            u, s, _ = np.linalg.svd(flat_x.T, full_matrices=False)
            s_inv = np.sqrt(n) / (s + self.zca_epsilon)
            self.zca_whitening_matrix = (u * s_inv).dot(u.T)
