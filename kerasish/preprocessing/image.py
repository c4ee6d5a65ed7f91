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
import io
import os
import threading
from pathlib import Path

import numpy as np

from ..backend import config
from ..utils.data_utils import Sequence
from ._affine import FILL_MODES, affine_transform_channels
from ..backend.user_warnings import warn

__all__ = ["ImageDataGenerator", "Iterator", "NumpyArrayIterator", "DirectoryIterator", "array_to_img",
           "img_to_array", "load_img", "save_img", "apply_affine_transform", "apply_brightness_shift",
           "apply_channel_shift", "flip_axis", "random_rotation", "random_shift", "random_shear", "random_zoom",
           "random_channel_shift", "random_brightness", "transform_matrix_offset_center"]

_PILLOW_MESSAGE = "pip install pillow"

_PIL_INTERPOLATION_NAMES = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")


def _pil_image(what: str):
    """`PIL.Image`, or an ImportError telling how to install Pillow."""
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(f"{what} needs Pillow to read and write image files, and it is not installed. "
                          f"Install it with: {_PILLOW_MESSAGE}") from None
    return Image


def _check_data_format(data_format):
    if data_format is None:
        data_format = config.image_data_format()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(f'`data_format` must be "channels_last" or "channels_first"; received '
                         f"data_format={data_format!r}")
    return data_format


# --------------------------------------------------------------------------------------------
# arrays <-> PIL images <-> files
# --------------------------------------------------------------------------------------------
def array_to_img(x, data_format=None, scale: bool = True, dtype=None):
    """A PIL image from a 3D array (height, width, channels) with 1 (L), 3 (RGB) or 4 (RGBA) channels.

    Args:
        x: the image array.
        data_format: "channels_last" (default from `K.image_data_format()`) or "channels_first".
        scale: stretch the values to 0..255 (min -> 0, max -> 255) before converting to bytes.
        dtype: dtype used for the arithmetic (default floatx).

    Example (needs Pillow):
        >>> import numpy as np
        >>> img = array_to_img(np.random.rand(4, 6, 3))  # doctest: +SKIP
        >>> img.size                                     # doctest: +SKIP
        (6, 4)
    """
    Image = _pil_image("array_to_img")
    data_format = _check_data_format(data_format)
    x = np.asarray(x, dtype=dtype or config.floatx())
    if x.ndim != 3:
        raise ValueError(f"Expected image array to have rank 3 (single image). Got array with shape: {x.shape}")
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        x_max = np.max(x)
        if x_max != 0:
            x /= x_max
        x *= 255
    channels = x.shape[2]
    if channels == 4:
        return Image.fromarray(x.astype("uint8"), "RGBA")
    if channels == 3:
        return Image.fromarray(x.astype("uint8"), "RGB")
    if channels == 1:
        if np.max(x) > 255:
            return Image.fromarray(x[:, :, 0].astype("int32"), "I")  # 32-bit grayscale
        return Image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"Unsupported channel number: {channels}; expected 1, 3 or 4 channels "
                     f"(image array of shape {x.shape} in channels_last order).")


def img_to_array(img, data_format=None, dtype=None) -> np.ndarray:
    """A 3D numpy array (height, width, channels) from a PIL image (or any 2D/3D array-like).

    Example:
        >>> import numpy as np
        >>> img_to_array(np.zeros((4, 6))).shape
        (4, 6, 1)
        >>> img_to_array(np.zeros((4, 6, 3)), data_format="channels_first").shape
        (3, 4, 6)
    """
    data_format = _check_data_format(data_format)
    x = np.asarray(img, dtype=dtype or config.floatx())
    if x.ndim == 3:
        if data_format == "channels_first":
            x = x.transpose(2, 0, 1)
    elif x.ndim == 2:
        x = x.reshape((1,) + x.shape) if data_format == "channels_first" else x.reshape(x.shape + (1,))
    else:
        raise ValueError(f"Unsupported image shape: {x.shape}; expected (height, width) or "
                         "(height, width, channels).")
    return x


def save_img(path, x, data_format=None, file_format=None, scale: bool = True, **kwargs) -> None:
    """Save an image array to a file (format from `file_format` or the file name); needs Pillow."""
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and file_format in ("jpg", "jpeg"):
        warn("The JPG format does not support RGBA images, converting to RGB.")
        img = img.convert("RGB")
    if file_format == "jpg":
        file_format = "jpeg"
    img.save(path, format=file_format, **kwargs)


def load_img(path, grayscale: bool = False, color_mode: str = "rgb", target_size=None,
             interpolation: str = "nearest", keep_aspect_ratio: bool = False):
    """Load an image file as a PIL image (needs Pillow).

    Args:
        path: a path (str or pathlib.Path) or an `io.BytesIO`.
        grayscale: deprecated; use `color_mode="grayscale"`.
        color_mode: "grayscale", "rgb" or "rgba".
        target_size: `(height, width)` to resize to, or None.
        interpolation: resampling for the resize: "nearest", "bilinear", "bicubic", "hamming",
            "box" or "lanczos".
        keep_aspect_ratio: crop the center to the target aspect ratio before resizing.
    """
    if grayscale:
        warn('grayscale is deprecated. Please use color_mode = "grayscale"')
        color_mode = "grayscale"
    if color_mode not in ("grayscale", "rgb", "rgba"):
        raise ValueError(f'color_mode must be "grayscale", "rgb", or "rgba"; received color_mode={color_mode!r}')
    Image = _pil_image("load_img")
    if isinstance(path, io.BytesIO):
        img = Image.open(path)
    elif isinstance(path, (Path, bytes, str)):
        if isinstance(path, Path):
            path = str(path.resolve())
        with open(path, "rb") as f:
            img = Image.open(io.BytesIO(f.read()))
    else:
        raise TypeError(f"load_img: `path` should be path-like or io.BytesIO, not {type(path).__name__}")

    if color_mode == "grayscale":
        # Keep 16-bit and 32-bit grayscale as they are.
        if img.mode not in ("L", "I;16", "I"):
            img = img.convert("L")
    elif color_mode == "rgba":
        if img.mode != "RGBA":
            img = img.convert("RGBA")
    elif img.mode != "RGB":
        img = img.convert("RGB")

    if target_size is not None:
        width_height = (int(target_size[1]), int(target_size[0]))
        if img.size != width_height:
            if interpolation not in _PIL_INTERPOLATION_NAMES:
                raise ValueError(f"Invalid interpolation method {interpolation!r} specified. Supported methods "
                                 f"are {', '.join(_PIL_INTERPOLATION_NAMES)}")
            resample = getattr(Image, "Resampling", Image)
            resample = getattr(resample, interpolation.upper())
            if keep_aspect_ratio:
                width, height = img.size
                target_width, target_height = width_height
                crop_height = min(height, (width * target_height) // target_width)
                crop_width = min(width, (height * target_width) // target_height)
                left = (width - crop_width) // 2
                top = (height - crop_height) // 2
                img = img.resize(width_height, resample, box=[left, top, left + crop_width, top + crop_height])
            else:
                img = img.resize(width_height, resample)
    return img


# --------------------------------------------------------------------------------------------
# single-image transforms
# --------------------------------------------------------------------------------------------
def flip_axis(x: np.ndarray, axis: int) -> np.ndarray:
    """`x` reversed along `axis` (a copy)."""
    return np.flip(np.asarray(x), axis).copy()


def transform_matrix_offset_center(matrix: np.ndarray, x: float, y: float) -> np.ndarray:
    """`matrix` conjugated so that it acts about the image center `(x / 2 - 0.5, y / 2 - 0.5)`."""
    o_x = float(x) / 2 - 0.5
    o_y = float(y) / 2 - 0.5
    offset_matrix = np.array([[1, 0, o_x], [0, 1, o_y], [0, 0, 1]])
    reset_matrix = np.array([[1, 0, -o_x], [0, 1, -o_y], [0, 0, 1]])
    return np.dot(np.dot(offset_matrix, matrix), reset_matrix)


def apply_affine_transform(x, theta=0, tx=0, ty=0, shear=0, zx=1, zy=1, row_axis=1, col_axis=2, channel_axis=0,
                           fill_mode="nearest", cval=0.0, order=1) -> np.ndarray:
    """Rotate, shift, shear and zoom one image (a 3D array) about its center, as Keras 2 does.

    Args:
        x: a 3D array: one image with a channel axis (first or last).
        theta: rotation in degrees.
        tx, ty: shifts (in pixels) along Keras's first and second transform coordinates.
        shear: shear angle in degrees.
        zx, zy: zoom factors (values > 1 zoom out).
        row_axis, col_axis, channel_axis: the axes of `x` (channel first or last).
        fill_mode: how points outside the image are filled: "constant", "nearest", "reflect" or "wrap".
        cval: the fill value for "constant".
        order: interpolation order (0 nearest, 1 bilinear; higher orders need SciPy).

    Example:
        >>> import numpy as np
        >>> img = np.arange(9.0).reshape(3, 3, 1)
        >>> rotated = apply_affine_transform(img, theta=90, row_axis=0, col_axis=1, channel_axis=2)
        >>> rotated[..., 0].round(6).tolist()
        [[2.0, 5.0, 8.0], [1.0, 4.0, 7.0], [0.0, 3.0, 6.0]]
    """
    x = np.asarray(x)
    if np.unique([row_axis, col_axis, channel_axis]).size != 3:
        raise ValueError("'row_axis', 'col_axis', and 'channel_axis' must be distinct; received "
                         f"row_axis={row_axis}, col_axis={col_axis}, channel_axis={channel_axis}")
    if {row_axis, col_axis, channel_axis} != {0, 1, 2}:
        raise ValueError(f"Invalid axis' indices: {set([row_axis, col_axis, channel_axis]) - {0, 1, 2}}")
    if x.ndim != 3:
        raise ValueError(f"Input arrays must be multi-channel 2D images (3D arrays); received shape {x.shape}")
    if channel_axis not in (0, 2):
        raise ValueError("Channels are allowed and the first and last dimensions.")
    if fill_mode not in FILL_MODES:
        raise ValueError(f"`fill_mode` must be one of {FILL_MODES}; received fill_mode={fill_mode!r}")

    transform_matrix = None
    if theta != 0:
        theta = np.deg2rad(theta)
        transform_matrix = np.array([[np.cos(theta), -np.sin(theta), 0],
                                     [np.sin(theta), np.cos(theta), 0],
                                     [0, 0, 1]])
    if tx != 0 or ty != 0:
        shift_matrix = np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]])
        transform_matrix = shift_matrix if transform_matrix is None else np.dot(transform_matrix, shift_matrix)
    if shear != 0:
        shear = np.deg2rad(shear)
        shear_matrix = np.array([[1, -np.sin(shear), 0], [0, np.cos(shear), 0], [0, 0, 1]])
        transform_matrix = shear_matrix if transform_matrix is None else np.dot(transform_matrix, shear_matrix)
    if zx != 1 or zy != 1:
        zoom_matrix = np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]])
        transform_matrix = zoom_matrix if transform_matrix is None else np.dot(transform_matrix, zoom_matrix)
    if transform_matrix is None:
        return x

    h, w = x.shape[row_axis], x.shape[col_axis]
    transform_matrix = transform_matrix_offset_center(transform_matrix, h, w)
    channels = np.moveaxis(x, channel_axis, 0)
    # Keras builds the matrix in (x, y) order and then swaps both axes (M' = P M P) when the
    # column axis comes after the row axis; we keep that step so results match Keras exactly.
    if col_axis > row_axis:
        transform_matrix[:, [0, 1]] = transform_matrix[:, [1, 0]]
        transform_matrix[[0, 1]] = transform_matrix[[1, 0]]
    out = affine_transform_channels(channels, transform_matrix[:2, :2], transform_matrix[:2, 2], order=order,
                                    mode=fill_mode, cval=cval)
    return np.moveaxis(out, 0, channel_axis)


def apply_channel_shift(x, intensity: float, channel_axis: int = 0) -> np.ndarray:
    """Add `intensity` to every channel, clipped to the image's original [min, max]."""
    x = np.asarray(x)
    min_x, max_x = np.min(x), np.max(x)
    return np.clip(x + intensity, min_x, max_x)


def apply_brightness_shift(x, brightness: float, scale: bool = True) -> np.ndarray:
    """Scale an image's brightness by `brightness`, as Keras does it through Pillow, in numpy.

    Keras converts the image to 8-bit (stretching it to 0..255 when `scale`, or when its values
    leave 0..255), multiplies by `brightness` with Pillow's `ImageEnhance.Brightness` (truncating
    to integers, clipping to 0..255, leaving an alpha channel alone) and converts back; values that
    were stretched are mapped back to the original range when `scale` is False. The same steps
    here give the same numbers without Pillow. `x` is (height, width, channels) with 1, 3 or 4
    channels.
    """
    x = np.asarray(x)
    if x.ndim != 3 or x.shape[2] not in (1, 3, 4):
        raise ValueError(f"apply_brightness_shift: expected one channels_last image with 1, 3 or 4 channels; "
                         f"received shape {x.shape}")
    x_min, x_max = np.min(x), np.max(x)
    local_scale = (x_min < 0) or (x_max > 255)
    values = x.astype(config.floatx())
    if local_scale or scale:
        values = values - np.min(values)
        peak = np.max(values)
        if peak != 0:
            values /= peak
        values *= 255
    pixels = values.astype("uint8").astype(np.float32)
    factor = np.float32(brightness)
    enhanced = np.trunc(np.clip(pixels * factor, 0.0, 255.0))
    if x.shape[2] == 4:
        enhanced[..., 3] = pixels[..., 3]  # Pillow keeps the alpha channel
    out = enhanced.astype(config.floatx())
    if not scale and local_scale:
        out = out / 255 * (x_max - x_min) + x_min
    return out


def random_rotation(x, rg, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.0,
                    interpolation_order=1):
    """Rotate one image by a random angle in [-rg, rg] degrees."""
    theta = np.random.uniform(-rg, rg)
    return apply_affine_transform(x, theta=theta, row_axis=row_axis, col_axis=col_axis, channel_axis=channel_axis,
                                  fill_mode=fill_mode, cval=cval, order=interpolation_order)


def random_shift(x, wrg, hrg, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.0,
                 interpolation_order=1):
    """Shift one image by random fractions of its size (`wrg` of the width, `hrg` of the height)."""
    h, w = x.shape[row_axis], x.shape[col_axis]
    tx = np.random.uniform(-hrg, hrg) * h
    ty = np.random.uniform(-wrg, wrg) * w
    return apply_affine_transform(x, tx=tx, ty=ty, row_axis=row_axis, col_axis=col_axis, channel_axis=channel_axis,
                                  fill_mode=fill_mode, cval=cval, order=interpolation_order)


def random_shear(x, intensity, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.0,
                 interpolation_order=1):
    """Shear one image by a random angle in [-intensity, intensity] degrees."""
    shear = np.random.uniform(-intensity, intensity)
    return apply_affine_transform(x, shear=shear, row_axis=row_axis, col_axis=col_axis, channel_axis=channel_axis,
                                  fill_mode=fill_mode, cval=cval, order=interpolation_order)


def random_zoom(x, zoom_range, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.0,
                interpolation_order=1):
    """Zoom one image by random factors drawn from `zoom_range` (a pair)."""
    if len(zoom_range) != 2:
        raise ValueError(f"`zoom_range` should be a tuple or list of two floats. Received: {zoom_range}")
    if zoom_range[0] == 1 and zoom_range[1] == 1:
        zx, zy = 1, 1
    else:
        zx, zy = np.random.uniform(zoom_range[0], zoom_range[1], 2)
    return apply_affine_transform(x, zx=zx, zy=zy, row_axis=row_axis, col_axis=col_axis, channel_axis=channel_axis,
                                  fill_mode=fill_mode, cval=cval, order=interpolation_order)


def random_channel_shift(x, intensity_range, channel_axis=0):
    """Shift every channel by one random intensity in [-intensity_range, intensity_range]."""
    intensity = np.random.uniform(-intensity_range, intensity_range)
    return apply_channel_shift(x, intensity, channel_axis=channel_axis)


def random_brightness(x, brightness_range, scale=True):
    """Scale brightness by a random factor drawn from `brightness_range` (a pair)."""
    if len(brightness_range) != 2:
        raise ValueError(f"`brightness_range should be tuple or list of two floats. Received: {brightness_range}")
    u = np.random.uniform(brightness_range[0], brightness_range[1])
    return apply_brightness_shift(x, u, scale)


# --------------------------------------------------------------------------------------------
# iterators
# --------------------------------------------------------------------------------------------
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


# --------------------------------------------------------------------------------------------
# the generator
# --------------------------------------------------------------------------------------------
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
