"""Random image augmentation, active only in training: RandomFlip, RandomRotation, RandomZoom,
RandomTranslation, RandomContrast, RandomCrop, RandomHeight, RandomWidth and RandomBrightness, with
tf_keras 2.x's semantics.

In inference (`predict`, `evaluate`, `training=False`) they return their input (RandomCrop resizes
to its output size, as tf_keras). A direct call without `training` augments,
as tf_keras's default `training=True` does. Images are channels-last, `(batch, h, w, c)` or `(h, w, c)`.

What matches TensorFlow exactly: everything given the random draws. Rotation, zoom and translation
resample through `transform`, TensorFlow's ImageProjectiveTransformV3 (output pixel (x, y) reads the
input at the matrix's image of (x, y); "reflect", "wrap", "nearest" and "constant" fill modes,
"nearest" (round half away from zero) and "bilinear" interpolation, float32 coordinates; in "constant"
mode the border pixels blend with the fill value, as TensorFlow 2.4+ does). The draws
themselves come from kerasish's random generator, not TensorFlow's, with the same distributions:
one angle / zoom / shift per image, one flip decision per image and direction, one contrast factor
per call (tf_keras 2.x), one crop offset per call, one height/width factor per call, one brightness
shift per image.

The outputs are built from engine ops (gathers, products, sums), so gradients reach the images.

Example:
    >>> import numpy as np
    >>> from kerasish.layers import RandomFlip
    >>> images = np.arange(8, dtype="float32").reshape(2, 2, 2, 1)
    >>> bool(np.array_equal(RandomFlip()(images, training=False).numpy(), images))
    True
"""
import numpy as np

from ..backend import config
from ..backend.ops import math as m
from ..backend.ops import shape as shape_ops
from ..backend.tensor import Tensor
from ..utils.serialization import register_builtin
from .layer import Layer
from ..backend.ops.resize import check_interpolation as _check_interpolation
from ..backend.ops.resize import resize as _resize, smart_resize as _smart_resize

__all__ = ["RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation", "RandomContrast", "RandomCrop",
           "RandomHeight", "RandomWidth", "RandomBrightness"]

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = ("nearest", "bilinear")


# ----------------------------------------------------------------------------- the resampler
def _map_coordinate(coord, length, fill_mode):
    """TensorFlow's MapCoordinate (image_ops.h), in float32: bring coordinates inside for `fill_mode`."""
    c = coord.astype(np.float32, copy=True)
    if fill_mode == "constant":
        return c
    top = np.float32(length - 1)
    if fill_mode == "nearest" or length <= 1:
        return np.clip(c, np.float32(0), top) if length > 1 else np.where((c < 0) | (c > top), np.float32(0), c)
    low, high = c < 0, c > top
    if fill_mode == "reflect":
        sz2 = 2 * length
        v = c[low]
        v = (sz2 * np.trunc(-v / np.float32(sz2)).astype(np.int64)).astype(np.float32) + v  # TF: `if (in < sz2)`
        c[low] = np.where(v < -length, v + np.float32(sz2), -v - np.float32(1))
        v = c[high]
        v = v - (sz2 * np.trunc(v / np.float32(sz2)).astype(np.int64)).astype(np.float32)
        c[high] = np.where(v >= length, np.float32(sz2) - v - np.float32(1), v)
    else:  # wrap
        sz = length - 1
        v = c[low]
        c[low] = v + (length * (np.trunc(-v / np.float32(sz)).astype(np.int64) + 1)).astype(np.float32)
        v = c[high]
        c[high] = v - (length * np.trunc(v / np.float32(sz)).astype(np.int64)).astype(np.float32)
    return np.clip(c, np.float32(0), top)


def _round_half_away(x):
    """std::round: to the nearest integer, halves away from zero (numpy's round goes to even)."""
    magnitude = np.abs(x)
    floor = np.floor(magnitude)
    rounded = np.where(magnitude - floor >= np.float32(0.5), floor + 1, floor)
    return (np.sign(x) * rounded).astype(np.int64)


def transform(images, transforms, fill_mode="reflect", fill_value=0.0, interpolation="bilinear"):
    """Apply projective transforms to a batch of images, as TensorFlow's ImageProjectiveTransformV3.

    Args:
        images: (batch, height, width, channels) Tensor or array (float).
        transforms: (8,) or (batch, 8) `[a0, a1, a2, b0, b1, b2, c0, c1]` mapping each output point
            (x, y) to the input point ((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k), k = c0 x + c1 y + 1.
        fill_mode: "reflect", "wrap", "constant" or "nearest": what points outside the input read.
        fill_value: the value of outside points in "constant" mode.
        interpolation: "bilinear" or "nearest".

    Example:
        >>> import numpy as np
        >>> image = np.arange(9, dtype="float32").reshape(1, 3, 3, 1)
        >>> shift_right = np.array([1, 0, -1, 0, 1, 0, 0, 0], "float32")
        >>> transform(image, shift_right, fill_mode="constant")[0, :, :, 0].numpy().tolist()
        [[0.0, 0.0, 1.0], [0.0, 3.0, 4.0], [0.0, 6.0, 7.0]]
    """
    x = images if isinstance(images, Tensor) else Tensor(np.asarray(images))
    batch, height, width, channels = x.shape
    t = np.asarray(transforms, dtype=np.float32).reshape(-1, 8)
    if t.shape[0] == 1:
        t = np.repeat(t, batch, axis=0)
    t = t[:, :, None, None]
    ox = np.arange(width, dtype=np.float32)[None, None, :]
    oy = np.arange(height, dtype=np.float32)[None, :, None]
    projection = t[:, 6] * ox + t[:, 7] * oy + np.float32(1)
    safe = np.where(projection == 0, np.float32(1), projection)
    in_x = _map_coordinate((t[:, 0] * ox + t[:, 1] * oy + t[:, 2]) / safe, width, fill_mode)
    in_y = _map_coordinate((t[:, 3] * ox + t[:, 4] * oy + t[:, 5]) / safe, height, fill_mode)
    # "constant" keeps coordinates outside the image: the pixels there read as the fill value, so
    # bilinear interpolation blends the fill value in at the border (TensorFlow 2.4+)
    outside = projection == 0
    base = np.arange(batch).reshape(-1, 1, 1) * (height * width)
    flat = m.reshape(x, (batch * height * width, channels))
    fill = float(fill_value)

    def read(yi, xi):
        """Pixels at integer (yi, xi); outside the image: the fill value (TF's read_with_fill_value)."""
        valid = (yi >= 0) & (yi < height) & (xi >= 0) & (xi < width)
        index = base + np.clip(yi, 0, height - 1) * width + np.clip(xi, 0, width - 1)
        pixels = m.reshape(shape_ops.take(flat, index.reshape(-1), axis=0), (batch, height, width, channels))
        if valid.all():
            return pixels
        keep = valid[..., None].astype(x.dtype)
        return m.add(m.multiply(pixels, keep), (1.0 - keep) * fill)

    if interpolation == "nearest":
        out = read(_round_half_away(in_y), _round_half_away(in_x))
    else:
        y_floor, x_floor = np.floor(in_y), np.floor(in_x)
        y_ceil, x_ceil = y_floor + 1, x_floor + 1
        yf, xf, yc, xc = (a.astype(np.int64) for a in (y_floor, x_floor, y_ceil, x_ceil))
        dtype = x.dtype

        def weight(a):
            return a[..., None].astype(dtype)

        value_yfloor = m.add(m.multiply(read(yf, xf), weight(x_ceil - in_x)),
                             m.multiply(read(yf, xc), weight(in_x - x_floor)))
        value_yceil = m.add(m.multiply(read(yc, xf), weight(x_ceil - in_x)),
                            m.multiply(read(yc, xc), weight(in_x - x_floor)))
        out = m.add(m.multiply(value_yfloor, weight(y_ceil - in_y)), m.multiply(value_yceil, weight(in_y - y_floor)))
    if outside.any():
        keep = (~outside)[..., None].astype(x.dtype)
        out = m.add(m.multiply(out, keep), (1.0 - keep) * fill)
    return out


def rotation_matrices(angles, height, width):
    """(n, 8) float32 transforms rotating images by `angles` (radians) about their centre, as tf_keras."""
    angles = np.asarray(angles, dtype=np.float32)
    h, w = np.float32(height), np.float32(width)
    cos, sin = np.cos(angles), np.sin(angles)
    x_offset = ((w - 1) - (cos * (w - 1) - sin * (h - 1))) / np.float32(2.0)
    y_offset = ((h - 1) - (sin * (w - 1) + cos * (h - 1))) / np.float32(2.0)
    zeros = np.zeros_like(angles)
    return np.stack([cos, -sin, x_offset, sin, cos, y_offset, zeros, zeros], axis=1).astype(np.float32)


def zoom_matrices(zooms, height, width):
    """(n, 8) float32 transforms zooming by `zooms` = (n, 2) `[width_zoom, height_zoom]`, as tf_keras."""
    zooms = np.asarray(zooms, dtype=np.float32).reshape(-1, 2)
    h, w = np.float32(height), np.float32(width)
    x_offset = (w - np.float32(1.0)) / np.float32(2.0) * (np.float32(1.0) - zooms[:, 0])
    y_offset = (h - np.float32(1.0)) / np.float32(2.0) * (np.float32(1.0) - zooms[:, 1])
    zeros = np.zeros(len(zooms), np.float32)
    return np.stack([zooms[:, 0], zeros, x_offset, zeros, zooms[:, 1], y_offset, zeros, zeros], axis=1)


def translation_matrices(translations):
    """(n, 8) float32 transforms shifting by `translations` = (n, 2) `[dx, dy]` pixels, as tf_keras."""
    d = np.asarray(translations, dtype=np.float32).reshape(-1, 2)
    ones, zeros = np.ones(len(d), np.float32), np.zeros(len(d), np.float32)
    return np.stack([ones, zeros, -d[:, 0], zeros, ones, -d[:, 1], zeros, zeros], axis=1)


# ----------------------------------------------------------------------------- shared machinery
def _check_fill_mode_and_interpolation(fill_mode, interpolation):
    if fill_mode not in FILL_MODES:
        raise NotImplementedError(f"Unknown `fill_mode` {fill_mode}. Only `reflect`, `wrap`, `constant` and `nearest` "
                                  "are supported.")
    if interpolation not in INTERPOLATIONS:
        raise NotImplementedError(f"Unknown `interpolation` {interpolation}. Only `nearest` and `bilinear` are "
                                  "supported.")


def _factor_range(layer, arg, factor, symmetric_default=True, bound=None):
    """(lower, upper) from a number (-f, f) or a pair, checked as tf_keras checks it."""
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2:
            raise ValueError(f"{layer}: `{arg}` must be a number or a pair of numbers; received {arg}={factor}")
        lower, upper = factor
    else:
        lower, upper = (-factor, factor) if symmetric_default else (factor, factor)
    if upper < lower:
        raise ValueError(f"`{arg}` cannot have upper bound less than lower bound, got {factor}")
    if bound is not None and (abs(lower) > bound or abs(upper) > bound):
        raise ValueError(f"`{arg}` argument must have values between [-{bound}, {bound}]. Received: {arg}={factor}")
    return float(lower), float(upper)


class _RandomImageLayer(Layer):
    """Base of the augmentation layers: input checks, the random generator, training switch."""

    def __init__(self, seed=None, **kwargs):
        kwargs.pop("force_generator", None)
        kwargs.pop("rng_type", None)
        super().__init__(**kwargs)
        self.seed = seed
        self._rng = np.random.default_rng(seed) if seed is not None else None

    def _generator(self):
        return self._rng if self._rng is not None else config.rng()

    def _images(self, inputs):
        x = inputs if isinstance(inputs, Tensor) else Tensor(np.asarray(inputs))
        if x.ndim not in (3, 4):
            raise ValueError(f'Layer "{self.name}" expects images of shape (height, width, channels) or (batch, '
                             f"height, width, channels); received an input of shape {tuple(x.shape)}")
        if str(x.dtype) != self.dtype:
            x = m.cast(x, self.dtype)
        return x

    def call(self, inputs, training=None):
        x = self._images(inputs)
        if training is None:  # tf_keras's `call(..., training=True)` default: a direct call augments
            training = True
        if not training:
            return self._inference(x)
        unbatched = x.ndim == 3
        batch = m.reshape(x, (1,) + tuple(x.shape)) if unbatched else x
        out = self._augment(batch, self._draw(batch.shape))
        return m.reshape(out, tuple(x.shape[:0]) + tuple(out.shape[1:])) if unbatched else out

    def _inference(self, x):
        return x

    def _draw(self, shape):
        """The random values for one call on a (batch, h, w, c) input."""
        raise NotImplementedError

    def _augment(self, images, draws):
        """The augmented (batch, h, w, c) images for the given draws (deterministic)."""
        raise NotImplementedError

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        cfg = super().get_config()
        cfg["seed"] = self.seed
        return cfg


class _TransformLayer(_RandomImageLayer):
    def __init__(self, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0, **kwargs):
        super().__init__(seed=seed, **kwargs)
        _check_fill_mode_and_interpolation(fill_mode, interpolation)
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.interpolation = interpolation

    def _matrices(self, draws, height, width):
        raise NotImplementedError

    def _augment(self, images, draws):
        _, height, width, _ = images.shape
        return transform(images, self._matrices(draws, height, width), fill_mode=self.fill_mode,
                         fill_value=self.fill_value, interpolation=self.interpolation)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"fill_mode": self.fill_mode, "fill_value": self.fill_value, "interpolation": self.interpolation})
        return cfg


# ----------------------------------------------------------------------------- the layers
@register_builtin("layer")
class RandomFlip(_RandomImageLayer):
    """Flips each image left-right and/or up-down with probability 1/2 (in training).

    Args:
        mode: "horizontal", "vertical" or "horizontal_and_vertical" (default).
        seed: seed of the layer's own random generator.

    Example:
        >>> import numpy as np
        >>> layer = RandomFlip("horizontal")
        >>> image = np.array([[[1.0], [2.0]]], "float32")
        >>> layer._augment(image[None], {"horizontal": np.array([True])}).numpy()[0, 0, :, 0].tolist()
        [2.0, 1.0]
    """

    def __init__(self, mode="horizontal_and_vertical", seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        if mode not in ("horizontal", "vertical", "horizontal_and_vertical"):
            raise ValueError(f"RandomFlip layer {self.name} received an unknown mode argument {mode}")
        self.mode = mode
        self.horizontal = mode in ("horizontal", "horizontal_and_vertical")
        self.vertical = mode in ("vertical", "horizontal_and_vertical")

    def _draw(self, shape):
        rng = self._generator()
        draws = {}
        if self.horizontal:
            draws["horizontal"] = rng.random(shape[0]) < 0.5
        if self.vertical:
            draws["vertical"] = rng.random(shape[0]) < 0.5
        return draws

    def _augment(self, images, draws):
        out = images if isinstance(images, Tensor) else Tensor(np.asarray(images))
        batch, height, width, _ = out.shape
        for key, axis, size in (("horizontal", 2, width), ("vertical", 1, height)):
            flips = draws.get(key)
            if flips is None or not np.any(flips):
                continue
            # one gather along the axis: reversed indices for the flipped images, identity for the others
            index = np.where(np.asarray(flips)[:, None], np.arange(size)[::-1], np.arange(size))
            rows = (np.arange(batch)[:, None] * size + index).reshape(-1)
            moved = m.reshape(shape_ops.moveaxis(out, axis, 1) if axis != 1 else out, (batch * size, -1))
            gathered = m.reshape(shape_ops.take(moved, rows, axis=0), (batch, size) + tuple(
                d for i, d in enumerate(out.shape) if i not in (0, axis)))
            out = shape_ops.moveaxis(gathered, 1, axis) if axis != 1 else gathered
        return out

    def get_config(self):
        cfg = super().get_config()
        cfg["mode"] = self.mode
        return cfg


@register_builtin("layer")
class RandomRotation(_TransformLayer):
    """Rotates each image by a random angle in `factor * 2 pi` (in training).

    Args:
        factor: a fraction of a full turn: f for [-f, f], or (lower, upper).
        fill_mode, fill_value, interpolation: see `transform`.
        seed: seed of the layer's own random generator.

    Example:
        >>> import numpy as np
        >>> image = np.arange(9, dtype="float32").reshape(1, 3, 3, 1)
        >>> quarter = RandomRotation(0.25)._augment(image, {"angles": np.array([np.pi / 2])})
        >>> np.round(quarter.numpy()[0, :, :, 0]).tolist()
        [[2.0, 5.0, 8.0], [1.0, 4.0, 7.0], [0.0, 3.0, 6.0]]
    """

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0, **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed, fill_value=fill_value, **kwargs)
        self.factor = factor
        if isinstance(factor, (tuple, list)):
            self.lower, self.upper = factor
        else:
            self.lower, self.upper = -factor, factor
        if self.upper < self.lower:
            raise ValueError(f"`factor` argument cannot have a negative value. Received: factor={factor}")

    def _draw(self, shape):
        low, high = self.lower * 2.0 * np.pi, self.upper * 2.0 * np.pi
        return {"angles": self._generator().uniform(low, high, shape[0]).astype(np.float32)}

    def _matrices(self, draws, height, width):
        return rotation_matrices(draws["angles"], height, width)

    def get_config(self):
        cfg = super().get_config()
        cfg["factor"] = self.factor
        return cfg


@register_builtin("layer")
class RandomZoom(_TransformLayer):
    """Zooms each image by a random factor (in training): positive factors zoom out, negative zoom in.

    Args:
        height_factor: f for a zoom in [1 - f, 1 + f] of the height, or (lower, upper) offsets from 1.
        width_factor: the same for the width; None keeps the aspect ratio (the height's zoom).
        fill_mode, fill_value, interpolation: see `transform`.
        seed: seed of the layer's own random generator.

    Example:
        >>> import numpy as np
        >>> image = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
        >>> same = RandomZoom(0.2)._augment(image, {"zooms": np.array([[1.0, 1.0]])})
        >>> bool(np.array_equal(same.numpy(), image))
        True
    """

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed, fill_value=fill_value, **kwargs)
        self.height_factor = height_factor
        self.height_lower, self.height_upper = _factor_range("RandomZoom", "height_factor", height_factor, bound=1.0)
        self.width_factor = width_factor
        if width_factor is not None:
            self.width_lower, self.width_upper = _factor_range("RandomZoom", "width_factor", width_factor)
            if self.width_lower < -1.0 or self.width_upper < -1.0:
                raise ValueError(f"`width_factor` argument must have values larger than -1. Received: "
                                 f"width_factor={width_factor}")

    def _draw(self, shape):
        rng = self._generator()
        height = rng.uniform(1.0 + self.height_lower, 1.0 + self.height_upper, shape[0])
        width = height if self.width_factor is None else rng.uniform(1.0 + self.width_lower, 1.0 + self.width_upper,
                                                                     shape[0])
        return {"zooms": np.stack([width, height], axis=1).astype(np.float32)}

    def _matrices(self, draws, height, width):
        return zoom_matrices(draws["zooms"], height, width)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"height_factor": self.height_factor, "width_factor": self.width_factor})
        return cfg


@register_builtin("layer")
class RandomTranslation(_TransformLayer):
    """Shifts each image by a random fraction of its height and width (in training).

    Args:
        height_factor, width_factor: f for a shift in [-f, f] of the size, or (lower, upper); within [-1, 1].
        fill_mode, fill_value, interpolation: see `transform`.
        seed: seed of the layer's own random generator.

    Example:
        >>> import numpy as np
        >>> image = np.arange(4, dtype="float32").reshape(1, 1, 4, 1)
        >>> RandomTranslation(0, 0.5, fill_mode="constant")._augment(
        ...     image, {"translations": np.array([[1.0, 0.0]])}).numpy().ravel().tolist()
        [0.0, 0.0, 1.0, 2.0]
    """

    def __init__(self, height_factor, width_factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed, fill_value=fill_value, **kwargs)
        self.height_factor = height_factor
        self.height_lower, self.height_upper = _factor_range("RandomTranslation", "height_factor", height_factor,
                                                             bound=1.0)
        self.width_factor = width_factor
        self.width_lower, self.width_upper = _factor_range("RandomTranslation", "width_factor", width_factor, bound=1.0)

    def _draw(self, shape):
        rng = self._generator()
        dy = rng.uniform(self.height_lower, self.height_upper, shape[0]).astype(np.float32) * np.float32(shape[1])
        dx = rng.uniform(self.width_lower, self.width_upper, shape[0]).astype(np.float32) * np.float32(shape[2])
        return {"translations": np.stack([dx, dy], axis=1)}

    def _matrices(self, draws, height, width):
        return translation_matrices(draws["translations"])

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"height_factor": self.height_factor, "width_factor": self.width_factor})
        return cfg


@register_builtin("layer")
class RandomContrast(_RandomImageLayer):
    """Scales each channel's deviation from its mean by a random factor (in training), clipped to [0, 255].

    One factor in `[1 - lower, 1 + upper]` is drawn per call, as tf_keras 2.x draws it.

    Args:
        factor: f for [1 - f, 1 + f], or (lower, upper); non-negative, lower at most 1.
        seed: seed of the layer's own random generator.

    Example:
        >>> import numpy as np
        >>> image = np.array([[[10.0], [20.0]]], "float32")[None]
        >>> RandomContrast(0.5)._augment(image, {"factor": np.float32(2.0)}).numpy().ravel().tolist()
        [5.0, 25.0]
    """

    def __init__(self, factor, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = factor
        if isinstance(factor, (tuple, list)):
            self.lower, self.upper = factor
        else:
            self.lower = self.upper = factor
        if self.lower < 0.0 or self.upper < 0.0 or self.lower > 1.0:
            raise ValueError("`factor` argument cannot have negative values or values greater than 1.Received: "
                             f"factor={factor}")

    def _draw(self, shape):
        return {"factor": np.float32(self._generator().uniform(1.0 - self.lower, 1.0 + self.upper))}

    def _augment(self, images, draws):
        x = images if isinstance(images, Tensor) else Tensor(np.asarray(images))
        mean = m.mean(x, axis=(-3, -2), keepdims=True)  # tf.image.adjust_contrast: per image and channel
        out = m.add(m.multiply(m.subtract(x, mean), float(draws["factor"])), mean)
        return m.clip(out, 0.0, 255.0)

    def get_config(self):
        cfg = super().get_config()
        cfg["factor"] = self.factor
        return cfg


@register_builtin("layer")
class RandomCrop(_RandomImageLayer):
    """Crops a random `(height, width)` window (the same for the whole batch) in training. In inference,
    and for images smaller than the window, it resizes instead: the centre cropped to the target's
    aspect ratio, then resized to `(height, width)` (tf_keras's smart_resize, bilinear).

    Args:
        height, width: the output size.
        seed: seed of the layer's own random generator.

    Example:
        >>> import numpy as np
        >>> image = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
        >>> RandomCrop(2, 2)._augment(image, {"offset": (1, 2)}).numpy()[0, :, :, 0].tolist()
        [[6.0, 7.0], [10.0, 11.0]]
        >>> RandomCrop(2, 2)(image, training=False).numpy()[0, :, :, 0].tolist()
        [[2.5, 4.5], [10.5, 12.5]]
    """

    def __init__(self, height, width, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.height = int(height)
        self.width = int(width)

    def _fits(self, shape):
        return shape[-3] >= self.height and shape[-2] >= self.width

    def _resized(self, x):
        return m.cast(_smart_resize(m.cast(x, "float32"), self.height, self.width, "bilinear"), self.dtype)

    def _inference(self, x):
        return self._resized(x)

    def _draw(self, shape):
        rands = self._generator().integers(0, np.iinfo(np.int32).max, 2)
        return {"offset": (int(rands[0] % (shape[1] - self.height + 1)) if shape[1] >= self.height else 0,
                           int(rands[1] % (shape[2] - self.width + 1)) if shape[2] >= self.width else 0)}

    def _augment(self, images, draws):
        x = images if isinstance(images, Tensor) else Tensor(np.asarray(images))
        if not self._fits(x.shape):
            return self._resized(x)
        top, left = draws["offset"]
        return m.getitem(x, (slice(None), slice(top, top + self.height), slice(left, left + self.width)))

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        shape[-3], shape[-2] = self.height, self.width
        return tuple(shape)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"height": self.height, "width": self.width})
        return cfg


class _RandomResize(_RandomImageLayer):
    """RandomHeight / RandomWidth: resize one side by a random factor drawn once per call."""

    _axis = None  # 1: height, 2: width

    def __init__(self, factor, interpolation="bilinear", seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        name = type(self).__name__
        self.factor = factor
        self.lower, self.upper = _factor_range(name, "factor", factor)
        if self.lower < -1.0 or self.upper < -1.0:
            raise ValueError(f"`factor` argument must have values larger than -1. Received: factor={factor}")
        self.interpolation = interpolation
        self._method = _check_interpolation(interpolation)

    def _draw(self, shape):
        return {"factor": np.float32(self._generator().uniform(1.0 + self.lower, 1.0 + self.upper))}

    def _augment(self, images, draws):
        x = images if isinstance(images, Tensor) else Tensor(np.asarray(images))
        size = [x.shape[1], x.shape[2]]
        size[self._axis - 1] = int(np.float32(draws["factor"]) * np.float32(x.shape[self._axis]))
        if self._method != "nearest" and np.dtype(x.dtype).kind != "f":  # tf.image.resize computes in float32
            x = m.cast(x, "float32")
        resized = _resize(x, size[0], size[1], self._method)
        return m.cast(resized, self.dtype) if str(resized.dtype) != self.dtype else resized

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        shape[self._axis - 3] = None
        return tuple(shape)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"factor": self.factor, "interpolation": self.interpolation})
        return cfg


@register_builtin("layer")
class RandomHeight(_RandomResize):
    """Resizes the images' height by a random factor in `[1 + lower, 1 + upper]` (in training).

    Args:
        factor: f for [-f, f], or (lower, upper); values above -1.
        interpolation: "bilinear" (default), "nearest" or "bicubic", as `tf.image.resize`.
        seed: seed of the layer's own random generator.

    Example:
        >>> import numpy as np
        >>> RandomHeight(0.5)._augment(np.zeros((1, 4, 3, 1), "float32"), {"factor": 1.5}).shape
        (1, 6, 3, 1)
    """

    _axis = 1


@register_builtin("layer")
class RandomWidth(_RandomResize):
    """Resizes the images' width by a random factor in `[1 + lower, 1 + upper]` (in training).

    Args:
        factor: f for [-f, f], or (lower, upper); values above -1.
        interpolation: "bilinear" (default), "nearest" or "bicubic", as `tf.image.resize`.
        seed: seed of the layer's own random generator.

    Example:
        >>> import numpy as np
        >>> RandomWidth(0.5)._augment(np.zeros((1, 4, 4, 1), "float32"), {"factor": 0.5}).shape
        (1, 4, 2, 1)
    """

    _axis = 2


@register_builtin("layer")
class RandomBrightness(_RandomImageLayer):
    """Adds a random shift, a fraction of `value_range`'s width, to each image (in training), clipped to it.

    Args:
        factor: f in [-1, 1] for a shift in [-|f|, |f|], or (lower, upper).
        value_range: the images' (min, max); default (0, 255).
        seed: seed of the layer's own random generator.

    Example:
        >>> import numpy as np
        >>> RandomBrightness(0.5)._augment(np.full((1, 1, 2, 1), 200.0, "float32"),
        ...                                {"delta": np.array([0.25])}).numpy().ravel().tolist()
        [255.0, 255.0]
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        message = "The `factor` argument should be a number (or a list of two numbers) in the range [-1.0, 1.0]. "
        if isinstance(factor, (tuple, list)):
            if len(factor) != 2 or any(not -1.0 <= f <= 1.0 for f in factor):
                raise ValueError(message + f"Got {factor}")
            self._factor = sorted(factor)
        elif isinstance(factor, (int, float)) and -1.0 <= factor <= 1.0:
            self._factor = [-abs(factor), abs(factor)]
        else:
            raise ValueError(message + f"Got {factor}")
        if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
            raise ValueError(f"The `value_range` argument should be a list of two numbers. Got {value_range}")
        self._value_range = sorted(value_range)

    def _draw(self, shape):
        return {"delta": self._generator().uniform(self._factor[0], self._factor[1], shape[0]).astype(np.float32)}

    def _augment(self, images, draws):
        x = images if isinstance(images, Tensor) else Tensor(np.asarray(images))
        low, high = self._value_range
        delta = (np.asarray(draws["delta"], np.float32) * np.float32(high - low)).reshape(-1, 1, 1, 1)
        return m.clip(m.add(x, delta.astype(x.dtype)), float(low), float(high))

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"factor": self._factor, "value_range": self._value_range})
        return cfg
