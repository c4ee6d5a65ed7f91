"""Keras 2's single-image transforms (keras_preprocessing's affine_transformations): flips, the affine
transform of rotations, shifts, shears and zooms, channel and brightness shifts, and their random draws.

Random parameters come from numpy's global random state in Keras's order, so with the same seeds the
transformed images match Keras 2's.

Example:
    >>> import numpy as np
    >>> from kerasish.preprocessing.affine_transformations import flip_axis
    >>> flip_axis(np.arange(3), 0).tolist()
    [2, 1, 0]
"""
import numpy as np

from ..backend import config
from ._affine import FILL_MODES, affine_transform_channels


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
