"""Pooling: max and average pooling over 1, 2 or 3 spatial axes, and global pooling helpers.

A Python loop over the window offsets does the work with whole-array numpy calls (no loop over
samples or pixels). Conventions follow TensorFlow:
  * 'same' padding splits the extra pixels with the larger half at the end (bottom/right);
  * average pooling with 'same' padding divides by the number of REAL (non-padded) elements;
  * 1-D and 2-D max pooling send each window's gradient to its FIRST maximum (row-major order in the
    window), found with a per-offset "first max wins" mask, never np.add.at; 3-D max pooling sends it to
    EVERY maximum of the window, as TensorFlow's MaxPool3DGrad does (`all_ties_share`).
When windows tile the input (strides == pool_size, the usual MaxPooling2D(2)) the forward of a recorded
call keeps those masks (one bool per input element) and the backward writes each gradient once. Its
input gradient is then handed over unbuilt (`_PooledGrad`): a relu-fused convolution right below takes
the relu-masked gradient straight from the pooled arrays (conv.py), everything else builds the exact one.

Example:
    >>> import numpy as np
    >>> from kerasish.backend.ops.pool import pool2d
    >>> x = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
    >>> pool2d(x, (2, 2), strides=(2, 2)).numpy()[0, :, :, 0]
    array([[ 5.,  7.],
           [13., 15.]], dtype=float32)
"""
import numpy as np

from .. import config
from .conv import (_from_channels_last, _geometry, _grad_channels_last, _int_tuple, _interior, _needed, _offsets,
                   _pad, _padded_shape, _scratch, _to_channels_last, _window)
from .core import RECORDING, Tensor, record, register, tensor_and_array
from .parallel import over_batch
from .recycle import reusable
from . import math as m

__all__ = ["pool1d", "pool2d", "pool3d", "pool", "global_pool"]


def _same_counts(spatial, ksize, strides, pads, out_sp, dtype):
    """Number of real (non-padded) elements under each output window: an (*out, 1) array."""
    counts = np.ones((), dtype=np.int64)
    for axis, (length, k, s, (before, _), n) in enumerate(zip(spatial, ksize, strides, pads, out_sp)):
        start = np.arange(n) * s - before
        per_axis = np.minimum(start + k, length) - np.maximum(start, 0)
        counts = np.multiply.outer(counts, per_axis)
    return counts.astype(dtype)[..., None]


@register()
def pool(x, pool_size, strides=None, padding="valid", data_format=None, pool_mode="max", name="pool"):
    """Max or average pooling over the spatial axes of x (1, 2 or 3 of them): one tape node.

    Args:
        x: (batch, *spatial, channels) or channels_first (batch, channels, *spatial).
        pool_size: int or tuple per spatial axis.
        strides: int or tuple (None: pool_size).
        padding: 'valid' or 'same'.
        data_format: 'channels_last' / 'channels_first' (None: the global default).
        pool_mode: 'max' or 'avg'.
        name: the op name used in error messages.

    Example:
        >>> import numpy as np
        >>> pool(np.array([[[1.0], [2.0], [3.0]]], "float32"), 2, strides=2, padding="same", pool_mode="avg").numpy()
        array([[[1.5],
                [3. ]]], dtype=float32)
    """
    data_format = config.normalize_data_format(data_format)
    xt, xa = tensor_and_array(x)
    if xa.ndim not in (3, 4, 5):
        raise ValueError(f"{name}: expected an input of rank 3, 4 or 5 (batch, *spatial, channels); "
                         f"received shape {xa.shape}")
    nd = xa.ndim - 2
    if xa.dtype.kind != "f":
        xa = xa.astype(config.floatx())
        xt = None
    mode = str(pool_mode).lower()
    if mode not in ("max", "avg"):
        raise ValueError(f"{name}: invalid pooling mode {pool_mode!r}; expected 'max' or 'avg'")
    padding_mode = str(padding).lower()
    if padding_mode not in ("valid", "same"):
        raise ValueError(f"{name}: `padding` must be 'valid' or 'same'; received {padding!r}")
    ksize = _int_tuple(pool_size, nd, name, "pool_size")
    strides = ksize if strides is None else _int_tuple(strides, nd, name, "strides")
    xcl = _to_channels_last(xa, data_format)
    spatial = xcl.shape[1:-1]
    out_sp, pads = _geometry(name, spatial, ksize, strides, (1,) * nd, padding_mode)
    padded = any(b or a for b, a in pads)
    tiles = strides == ksize
    covers = tiles and not padded and all(o * k == n for o, k, n in zip(out_sp, ksize, spatial))
    offsets = _offsets(ksize)
    recording = bool(RECORDING) and xt is not None
    n, c = xcl.shape[0], xcl.shape[-1]
    y = reusable("pool_out", (n,) + out_sp + (c,), xa.dtype)
    windows = [_window(offset, (1,) * nd, strides, out_sp) for offset in offsets]
    hits = None
    first = not all_ties_share(nd)
    if mode == "max":
        xp = _pad(xcl, pads, reuse=not recording, fill=-np.inf)
        counts = None
        if recording and tiles and not padded:
            # windows never overlap: find each window's first maximum now, while x is still in cache;
            # the backward then only spreads g through these masks and never reads x again
            hits = reusable("pool_hits", (len(offsets),) + y.shape, bool)
    else:
        xp = _pad(xcl, pads, reuse=True, fill=0.0)
        counts = _same_counts(spatial, ksize, strides, pads, out_sp, xa.dtype) if padded \
            else float(np.prod(ksize))

    def forward(lo, hi):  # samples [lo, hi) (see parallel.over_batch)
        y_part, x_part = y[lo:hi], xp[lo:hi]
        for i, win in enumerate(windows):
            if i == 0:
                np.copyto(y_part, x_part[win])
            elif mode == "max":
                np.maximum(y_part, x_part[win], out=y_part)
            else:
                y_part += x_part[win]
        if counts is not None:
            y_part /= counts
        if hits is not None:
            _first_max_hits(x_part, y_part, windows, hits[:, lo:hi], first)

    over_batch(forward, n, work=xp.size * (2 if hits is not None else 1))
    out = Tensor(_from_channels_last(y, data_format))

    if recording:
        padded_shape = _padded_shape(xcl.shape, pads)

        def route_back(ga):
            """J^T g: the input gradient for an output gradient (channels-last arrays)."""
            dxp = reusable("pool_grad", padded_shape, xa.dtype)
            if hits is not None:
                over_batch(lambda lo, hi: _spread(ga[lo:hi], hits[:, lo:hi], dxp[lo:hi], windows, covers), n,
                           work=2 * dxp.size)
                return dxp
            if not covers:
                dxp.fill(0)
            if mode == "max":
                _max_backward(ga, xp, y, dxp, windows, tiles, first)
            else:
                gs = ga / counts
                for win in windows:
                    if tiles:
                        np.copyto(dxp[win], gs)
                    else:
                        dxp[win] += gs
            return dxp[_interior(pads, xcl.shape)] if padded else dxp

        def route_forward(ha):
            """J h: the same routing applied forwards (the vjp of route_back)."""
            hp = _pad(ha, pads, reuse=True, fill=0.0)
            res = np.zeros(y.shape, xa.dtype)
            free = None
            for offset in offsets:
                win = _window(offset, (1,) * nd, strides, out_sp)
                if mode == "max":
                    hit = xp[win] == y
                    if first:
                        if free is None:
                            free = ~hit
                        else:
                            hit &= free
                            free ^= hit
                    res += hp[win] * hit
                else:
                    res += hp[win]
            if mode == "avg":
                res /= counts
            return res

        def vjp(g):
            if not _needed(1)[0]:
                return (None,)
            if RECORDING:  # an outer tape may differentiate this backward pass: record it as a linear map
                return (_LinearMap(route_back, route_forward, data_format).back(g),)
            if hits is not None and data_format == "channels_last":
                return (_PooledGrad(route_back, xa, _grad_channels_last(g, data_format), hits, y, windows),)
            return (_cf(route_back(_grad_channels_last(g, data_format)), data_format),)

        record((xt,), out, vjp)
    return out


def _cf(a, data_format):
    return np.moveaxis(a, -1, 1) if data_format == "channels_first" else a


class _LinearMap:
    """A pooling backward `gx = J^T g` and its transpose `J h`, each recorded as a node of the other,
    so derivatives of any order go through pooling (its routing is piecewise constant in x)."""

    def __init__(self, route_back, route_forward, data_format):
        self.route_back, self.route_forward, self.data_format = route_back, route_forward, data_format

    def back(self, g):
        out = Tensor(_cf(self.route_back(_grad_channels_last(g, self.data_format)), self.data_format))
        if RECORDING and isinstance(g, Tensor):
            record((g,), out, lambda h: (self.forward(h),))
        return out

    def forward(self, h):
        out = Tensor(_cf(self.route_forward(_grad_channels_last(h, self.data_format)), self.data_format))
        if RECORDING and isinstance(h, Tensor):
            record((h,), out, lambda g: (self.back(g),))
        return out


_ARRAY_SLOT = Tensor.__dict__["array"]


class _PooledGrad(Tensor):
    """The input gradient of a max pooling over non-overlapping windows, built when first read.

    To everything else it is an ordinary Tensor: `.array` builds the exact gradient (each window's
    gradient at its first maximum). The relu-fused convolution whose output is `pooled_from` asks for
    `relu_masked()` instead, the gradient it needs after its relu mask, built in one pass from the small
    pooled arrays: neither the exact gradient nor a full-size relu mask is ever computed. When the
    convolution's output has other consumers too, the tape sums the gradients first and the convolution
    gets an ordinary Tensor.
    """

    __slots__ = ("_build", "pooled_from", "_g", "_hits", "_y", "_windows")

    def __init__(self, build, pooled_from, g, hits, y, windows):
        _ARRAY_SLOT.__set__(self, None)
        self._keras_logits = None
        self._keras_mask = None
        self._build, self.pooled_from, self._g, self._hits, self._y, self._windows = \
            build, pooled_from, g, hits, y, windows

    @property
    def array(self):
        a = _ARRAY_SLOT.__get__(self, Tensor)
        if a is None:
            a = self._build(self._g)
            _ARRAY_SLOT.__set__(self, a)
        return a

    @array.setter
    def array(self, value):
        _ARRAY_SLOT.__set__(self, value)

    @property
    def shape(self):
        return self.pooled_from.shape

    @property
    def dtype(self):
        return self._g.dtype

    def relu_masked(self, out, lo, hi):
        """The gradient through relu then this pooling, for samples [lo, hi), written into `out`: zero
        where the pooled input is 0 (exactly the windows whose maximum is 0, since relu outputs are >= 0)."""
        return relu_masked_spread(out, self._g[lo:hi], self._y[lo:hi], self._hits[:, lo:hi], self._windows)


def relu_masked_spread(out, g, y, hits, windows):
    """Into `out` (the pooled input's shape): each window's gradient g at its first maximum (`hits`),
    zero where the window's maximum y is not positive (the relu below it was off) and outside windows."""
    _zero_uncovered(out, windows)
    positive = np.greater(y, 0, out=_scratch("pool_pos", y.shape, bool))
    sel = _scratch("pool_sel", y.shape, bool)
    for i, win in enumerate(windows):
        np.logical_and(hits[i], positive, out=sel)
        np.multiply(g, sel, out=out[win])
    return out


def all_ties_share(nd):
    """Whether every tied maximum of a window gets the window's gradient: for 3-D max pooling, as
    TensorFlow's MaxPool3DGrad (oneDNN's and its own kernel alike); 1-D and 2-D pooling give it to the
    first maximum only, as TensorFlow's MaxPoolGrad."""
    return nd == 3


def _first_max_hits(xp, y, windows, hits, first=True):
    """hits[i] = window element i is its window's first maximum (row-major window order); with
    first=False, any maximum of its window."""
    if not first:
        for i, win in enumerate(windows):
            np.equal(xp[win], y, out=hits[i])
        return hits
    taken = _scratch("pool_taken", y.shape, bool)
    last = len(windows) - 1
    for i, win in enumerate(windows):
        hit = hits[i]
        np.equal(xp[win], y, out=hit)
        if i == 0:
            if last:
                np.copyto(taken, hit)
        else:
            np.greater(hit, taken, out=hit)  # hit and not taken
            if i != last:
                np.logical_or(taken, hit, out=taken)
    return hits


def _zero_uncovered(dst, windows):
    """Zero the trailing rows/columns of `dst` that no (non-overlapping) window covers."""
    last = windows[-1]
    for axis, sl in enumerate(last[1:-1], start=1):
        end = sl.stop
        if end < dst.shape[axis]:
            dst[(slice(None),) * axis + (slice(end, None),)] = 0


def _spread(ga, hits, dxp, windows, covers):
    """dx of a max pooling over non-overlapping windows: g at each window's first maximum."""
    if not covers:
        _zero_uncovered(dxp, windows)
    for i, win in enumerate(windows):
        np.multiply(ga, hits[i], out=dxp[win])
    return dxp


def _max_backward(ga, xp, y, dxp, windows, tiles, first=True):
    """Route each window's gradient to its first maximum (first in row-major window order), or with
    first=False to every maximum of the window."""
    free = None
    last = len(windows) - 1
    hit = _scratch("pool_hit", y.shape, bool)
    for i, win in enumerate(windows):
        np.equal(xp[win], y, out=hit)
        if first:
            if free is None:
                if last:
                    free = np.logical_not(hit, out=_scratch("pool_free", y.shape, bool))
            else:
                hit &= free
                if i != last:
                    free ^= hit
        if tiles:
            np.multiply(ga, hit, out=dxp[win])
        else:
            dxp[win] += ga * hit


def _pool_rank(op, nd, x, pool_size, strides, padding, data_format, pool_mode):
    _, xa = tensor_and_array(x)
    if xa.ndim != nd + 2:
        layout = "(batch, channels, *spatial)" if config.normalize_data_format(data_format) == "channels_first" \
            else "(batch, *spatial, channels)"
        raise ValueError(f"{op}: expected an input of rank {nd + 2} {layout}; received shape {xa.shape}")
    return pool(x, pool_size, strides, padding, data_format, pool_mode, name=op)


def pool1d(x, pool_size, strides=1, padding="valid", data_format=None, pool_mode="max"):
    """1-D pooling over the steps of (batch, steps, channels).

    Example:
        >>> import numpy as np
        >>> pool1d(np.array([[[1.0], [3.0], [2.0], [5.0]]], "float32"), 2, 2).numpy().ravel()
        array([3., 5.], dtype=float32)
    """
    return _pool_rank("pool1d", 1, x, pool_size, strides, padding, data_format, pool_mode)


def pool2d(x, pool_size, strides=(1, 1), padding="valid", data_format=None, pool_mode="max"):
    """2-D pooling (`K.pool2d`).

    Example:
        >>> import numpy as np
        >>> x = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
        >>> pool2d(x, (2, 2), strides=(2, 2), pool_mode="avg").numpy()[0, :, :, 0]
        array([[ 2.5,  4.5],
               [10.5, 12.5]], dtype=float32)
    """
    return _pool_rank("pool2d", 2, x, pool_size, strides, padding, data_format, pool_mode)


def pool3d(x, pool_size, strides=(1, 1, 1), padding="valid", data_format=None, pool_mode="max"):
    """3-D pooling (`K.pool3d`).

    Example:
        >>> import numpy as np
        >>> pool3d(np.arange(8, dtype="float32").reshape(1, 2, 2, 2, 1), (2, 2, 2), (2, 2, 2)).numpy().ravel()
        array([7.], dtype=float32)
    """
    return _pool_rank("pool3d", 3, x, pool_size, strides, padding, data_format, pool_mode)


@register()
def global_pool(x, pool_mode="avg", data_format=None, keepdims=False):
    """Mean or max over all spatial axes (GlobalAveragePooling*/GlobalMaxPooling*).

    Max ties share the gradient equally, as TensorFlow's reduce_max does.

    Example:
        >>> import numpy as np
        >>> global_pool(np.arange(8, dtype="float32").reshape(1, 2, 2, 2)).numpy()
        array([[3., 4.]], dtype=float32)
    """
    data_format = config.normalize_data_format(data_format)
    _, xa = tensor_and_array(x)
    if xa.ndim < 3:
        raise ValueError(f"global_pool: expected an input of rank >= 3 (batch, *spatial, channels); "
                         f"received shape {xa.shape}")
    axes = tuple(range(2, xa.ndim)) if data_format == "channels_first" else tuple(range(1, xa.ndim - 1))
    mode = str(pool_mode).lower()
    if mode == "avg":
        return m.mean(x, axis=axes, keepdims=keepdims)
    if mode == "max":
        return m.max(x, axis=axes, keepdims=keepdims)
    raise ValueError(f"global_pool: invalid pooling mode {pool_mode!r}; expected 'max' or 'avg'")
