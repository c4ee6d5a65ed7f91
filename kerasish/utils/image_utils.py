"""Images between numpy arrays, PIL images and files: `array_to_img`, `img_to_array`, `load_img`, `save_img`.

Keras 3 keeps them here (`keras.utils.*`); Keras 2's `keras.preprocessing.image` re-exports them.
Reading and writing image files needs Pillow (`pip install pillow`); nothing else does.

Example:
    >>> import numpy as np
    >>> from kerasish.utils.image_utils import img_to_array
    >>> img_to_array(np.zeros((2, 3, 1), "uint8")).shape
    (2, 3, 1)
"""
import io
from pathlib import Path

import numpy as np

from ..backend import config
from ..backend.user_warnings import warn

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
