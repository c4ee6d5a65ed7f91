"""Shape and layout ops: transpose, expand/squeeze, concatenate/stack/unstack, tile/repeat, gather/take,
padding, reverse, one_hot and arange (image resizing is in resize.py).

Every vjp is written with engine ops, so nested tapes give second derivatives.

Example:
    >>> import numpy as np
    >>> from kerasish.backend.ops import shape as s
    >>> s.concatenate([np.ones((2, 1), "float32"), np.zeros((2, 2), "float32")], axis=1).shape
    (2, 3)
"""
import numpy as np

from .. import config
from .core import RECORDING, Tensor, normalize_axis, record, register, tensor_and_array
from . import math as m


def _axis(axis, ndim, name):
    if isinstance(axis, (list, tuple)):
        raise TypeError(f"{name}: `axis` must be a single integer; received {axis!r}")
    if ndim == 0:
        raise ValueError(f"{name}: expected a tensor of rank >= 1; received a scalar")
    return normalize_axis(axis, ndim, name)[0]


def _int_tuple(value, name, what):
    """Ints from an int, a list/tuple of ints or a 1-D integer tensor (e.g. `K.shape(x)`)."""
    if isinstance(value, Tensor):
        value = value.array
    try:
        arr = np.asarray(value)
        if arr.dtype.kind == "f" and np.all(arr == np.round(arr)):
            arr = arr.astype(np.int64)
        if arr.dtype.kind not in "iu" or arr.ndim > 1:
            raise TypeError
        return tuple(int(v) for v in arr.reshape(-1))
    except (TypeError, ValueError):
        raise TypeError(f"{name}: `{what}` must be an integer or a list of integers; received {value!r}") from None


# --------------------------------------------------------------------------- axis order
@register("permute_dimensions")
def transpose(x, axes=None):
    """Permute the axes (None: reverse them, as `K.transpose`).

    Args:
        x: tensor or array-like.
        axes: a permutation of range(ndim), or None.

    Example:
        >>> transpose(np.zeros((2, 3, 4)), (0, 2, 1)).shape
        (2, 4, 3)
    """
    xt, xa = tensor_and_array(x)
    if axes is None:
        perm = tuple(range(xa.ndim - 1, -1, -1))
    else:
        perm = tuple(normalize_axis(_int_tuple(axes, "transpose", "axes"), xa.ndim, "transpose") or ())
        if sorted(perm) != list(range(xa.ndim)):
            raise ValueError(f"transpose: `axes` must be a permutation of {tuple(range(xa.ndim))} for a tensor "
                             f"of shape {xa.shape}; received {tuple(axes)}")
    out = Tensor(xa.transpose(perm))
    if RECORDING and xt is not None:
        inverse = tuple(np.argsort(perm).tolist())
        record((xt,), out, lambda g: (transpose(g, inverse),))
    return out


def permute_dimensions(x, pattern):
    """Permute the axes of `x` by `pattern` (Keras 2 name of `transpose`).

    Args:
        x: tensor or array-like.
        pattern: a permutation of range(ndim), e.g. (0, 2, 1).

    Example:
        >>> permute_dimensions(np.zeros((2, 3, 4)), (0, 2, 1)).shape
        (2, 4, 3)
    """
    return transpose(x, pattern)


def swapaxes(x, axis1, axis2):
    """Exchange two axes.

    Example:
        >>> swapaxes(np.zeros((2, 3, 4)), 0, 2).shape
        (4, 3, 2)
    """
    _, xa = tensor_and_array(x)
    a, b = normalize_axis((axis1, axis2), xa.ndim, "swapaxes")
    perm = list(range(xa.ndim))
    perm[a], perm[b] = perm[b], perm[a]
    return transpose(x, perm)


def moveaxis(x, source, destination):
    """Move axes `source` to positions `destination` (numpy semantics).

    Example:
        >>> moveaxis(np.zeros((2, 3, 4)), 0, -1).shape
        (3, 4, 2)
    """
    _, xa = tensor_and_array(x)
    src = normalize_axis(source, xa.ndim, "moveaxis")
    dst = normalize_axis(destination, xa.ndim, "moveaxis")
    if len(src) != len(dst):
        raise ValueError(f"moveaxis: `source` and `destination` need the same number of axes; "
                         f"received {source!r} and {destination!r}")
    order = [n for n in range(xa.ndim) if n not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return transpose(x, order)


@register()
def expand_dims(x, axis=-1):
    """Insert a length-1 axis at `axis` (Keras default: last).

    Args:
        x: tensor or array-like.
        axis: position of the new axis in the output.

    Example:
        >>> expand_dims(np.zeros((3, 2)), 1).shape
        (3, 1, 2)
    """
    xt, xa = tensor_and_array(x)
    ax = _axis(axis, xa.ndim + 1, "expand_dims")
    out = Tensor(np.expand_dims(xa, ax))
    if RECORDING and xt is not None:
        shape = xa.shape
        record((xt,), out, lambda g: (m.reshape(g, shape),))
    return out


@register()
def squeeze(x, axis=None):
    """Remove length-1 axes (`axis`, or all of them when None).

    Args:
        x: tensor or array-like.
        axis: int or tuple of ints; every named axis must have length 1.

    Example:
        >>> squeeze(np.ones((3, 1, 2)), 1).shape
        (3, 2)
    """
    xt, xa = tensor_and_array(x)
    axes = normalize_axis(axis, xa.ndim, "squeeze")
    if axes is None:
        axes = tuple(i for i, n in enumerate(xa.shape) if n == 1)
    for a in axes:
        if xa.shape[a] != 1:
            raise ValueError(f"squeeze: cannot squeeze axis {a} of a tensor of shape {xa.shape}: "
                             f"its length is {xa.shape[a]}, not 1")
    out = Tensor(np.squeeze(xa, axis=axes))
    if RECORDING and xt is not None:
        shape = xa.shape
        record((xt,), out, lambda g: (m.reshape(g, shape),))
    return out


@register()
def identity(x):
    """A copy of `x`; the gradient passes through unchanged.

    Example:
        >>> identity(np.array([1.0, 2.0], "float32")).numpy()
        array([1., 2.], dtype=float32)
    """
    xt, xa = tensor_and_array(x)
    out = Tensor(np.array(xa, copy=True))
    if RECORDING and xt is not None:
        record((xt,), out, lambda g: (g,))
    return out


# --------------------------------------------------------------------------- joining and splitting
@register("concat")
def concatenate(tensors, axis=-1):
    """Join tensors along an existing axis (Keras default: last).

    Args:
        tensors: list of tensors with equal shapes except along `axis`.
        axis: the axis to join along.

    Example:
        >>> concatenate([np.ones((2, 1)), np.zeros((2, 2))]).shape
        (2, 3)
    """
    pairs = _operand_list(tensors, "concatenate")
    arrays = [a for _, a in pairs]
    ndim = arrays[0].ndim
    ax = _axis(axis, ndim, "concatenate")
    try:
        out = Tensor(np.concatenate(arrays, axis=ax))
    except ValueError:
        raise ValueError(f"concatenate: all inputs must have the same rank and the same shape except along "
                         f"axis {ax}; received shapes {[a.shape for a in arrays]}") from None
    inputs = tuple(t for t, _ in pairs)
    if RECORDING and _any_tensor(inputs):
        bounds = [0]
        for a in arrays:
            bounds.append(bounds[-1] + a.shape[ax])

        def vjp(g):
            lead = (slice(None),) * ax
            return tuple(m.getitem(g, lead + (slice(bounds[i], bounds[i + 1]),)) if t is not None else None
                         for i, t in enumerate(inputs))

        record(inputs, out, vjp)
    return out


@register()
def stack(x, axis=0):
    """Join same-shaped tensors along a new axis.

    Args:
        x: list of tensors of one shape (Keras's argument name).
        axis: position of the new axis in the output.

    Example:
        >>> stack([np.ones(3), np.zeros(3)], axis=1).shape
        (3, 2)
    """
    pairs = _operand_list(x, "stack")
    arrays = [a for _, a in pairs]
    ax = _axis(axis, arrays[0].ndim + 1, "stack")
    try:
        out = Tensor(np.stack(arrays, axis=ax))
    except ValueError:
        raise ValueError(f"stack: all inputs must have the same shape; received shapes "
                         f"{[a.shape for a in arrays]}") from None
    inputs = tuple(t for t, _ in pairs)
    if RECORDING and _any_tensor(inputs):
        record(inputs, out, lambda g: tuple(unstack(g, axis=ax)))
    return out


def _operand_list(tensors, name):
    if isinstance(tensors, (Tensor, np.ndarray)) or not hasattr(tensors, "__iter__"):
        raise TypeError(f"{name}: expected a list of tensors; received {type(tensors).__name__}")
    pairs = [tensor_and_array(t) for t in tensors]
    if not pairs:
        raise ValueError(f"{name}: expected a non-empty list of tensors; received an empty list")
    return pairs


def _any_tensor(inputs):
    for t in inputs:
        if t is not None:
            return True
    return False


class _PieceGrads:
    """Gradients of the pieces of an `unstack`, gathered sparsely until the unstack's vjp stacks them.

    The tape adds the gradients flowing into one tensor with `+`; this object makes that `+` a cheap
    dictionary merge, so splitting a (batch, time, ...) tensor into T steps costs O(size), not O(T * size).
    """

    __slots__ = ("parts",)

    def __init__(self, parts):
        self.parts = parts

    def __add__(self, other):
        for i, g in other.parts.items():
            prev = self.parts.get(i)
            self.parts[i] = g if prev is None else m.add(prev, g)
        return self

    __radd__ = __add__


@register()
def unstack(x, axis=0, num=None):
    """Split a tensor into a list of tensors along `axis` (that axis is removed).

    Args:
        x: tensor or array-like of rank >= 1.
        axis: the axis to split along.
        num: optional expected number of pieces (checked).

    Example:
        >>> [t.shape for t in unstack(np.zeros((2, 3)), axis=1)]
        [(2,), (2,), (2,)]
    """
    xt, xa = tensor_and_array(x)
    ax = _axis(axis, xa.ndim, "unstack")
    n = xa.shape[ax]
    if num is not None and int(num) != n:
        raise ValueError(f"unstack: expected {num} pieces along axis {ax}; the tensor of shape {xa.shape} has {n}")
    moved = np.moveaxis(xa, ax, 0) if ax else xa
    pieces = [Tensor(moved[i]) for i in range(n)]
    if RECORDING and xt is not None:
        hub = Tensor(xa)
        piece_shape, dtype = moved.shape[1:], xa.dtype

        def stack_parts(g):
            zeros = None
            parts = []
            for i in range(n):
                p = g.parts.get(i)
                if p is None:
                    if zeros is None:
                        zeros = np.zeros(piece_shape, dtype=dtype)
                    p = zeros
                parts.append(p)
            return (stack(parts, axis=ax),)

        record((xt,), hub, stack_parts)
        for i, p in enumerate(pieces):
            record((hub,), p, _piece_vjp(i))
    return pieces


def _piece_vjp(i):
    return lambda g: (_PieceGrads({i: g}),)


def split(x, indices_or_sections, axis=0):
    """Split into equal sections (an int) or at the given indices (a list), numpy semantics.

    Example:
        >>> [t.shape for t in split(np.zeros((6, 2)), 3)]
        [(2, 2), (2, 2), (2, 2)]
    """
    _, xa = tensor_and_array(x)
    ax = _axis(axis, xa.ndim, "split")
    n = xa.shape[ax]
    if isinstance(indices_or_sections, (int, np.integer)):
        k = int(indices_or_sections)
        if k <= 0 or n % k:
            raise ValueError(f"split: axis {ax} of length {n} cannot be split into {k} equal sections")
        bounds = list(range(0, n + 1, n // k)) if n else [0] * (k + 1)
    else:
        bounds = [0] + [int(i) for i in indices_or_sections] + [n]
    lead = (slice(None),) * ax
    return [m.getitem(x, lead + (slice(bounds[i], bounds[i + 1]),)) for i in range(len(bounds) - 1)]


# --------------------------------------------------------------------------- repetition
@register()
def tile(x, n):
    """Repeat the whole tensor `n[i]` times along axis i (np.tile).

    Args:
        x: tensor or array-like.
        n: int or list of ints (one per axis).

    Example:
        >>> tile(np.ones((3, 2)), [2, 2]).shape
        (6, 4)
    """
    xt, xa = tensor_and_array(x)
    reps = _int_tuple(n, "tile", "n")
    if any(r < 0 for r in reps):
        raise ValueError(f"tile: repetitions must be >= 0; received {reps}")
    out = Tensor(np.tile(xa, reps))
    if RECORDING and xt is not None:
        nd = max(len(reps), xa.ndim)
        full_shape = (1,) * (nd - xa.ndim) + xa.shape
        full_reps = (1,) * (nd - len(reps)) + reps
        shape = xa.shape

        def vjp(g):
            inter = []
            for r, s_ in zip(full_reps, full_shape):
                inter += [r, s_]
            summed = m.sum(m.reshape(g, inter), axis=tuple(range(0, 2 * nd, 2)))
            return (m.reshape(summed, shape),)

        record((xt,), out, vjp)
    return out


@register()
def repeat_elements(x, rep, axis):
    """Repeat each element `rep` times along `axis` (np.repeat), e.g. [a, b] -> [a, a, b, b].

    Args:
        x: tensor or array-like.
        rep: number of repetitions (int).
        axis: the axis to repeat along.

    Example:
        >>> repeat_elements(np.array([[1, 2]]), 2, axis=1).numpy()
        array([[1, 1, 2, 2]])
    """
    xt, xa = tensor_and_array(x)
    ax = _axis(axis, xa.ndim, "repeat_elements")
    rep = int(rep)
    if rep < 0:
        raise ValueError(f"repeat_elements: `rep` must be >= 0; received {rep}")
    out = Tensor(np.repeat(xa, rep, axis=ax))
    if RECORDING and xt is not None:
        shape = xa.shape
        split_shape = shape[:ax + 1] + (rep,) + shape[ax + 1:]
        record((xt,), out, lambda g: (m.sum(m.reshape(g, split_shape), axis=ax + 1),))
    return out


def repeat(x, n):
    """Repeat a 2-D tensor `n` times along a new axis 1: (batch, dim) -> (batch, n, dim).

    Args:
        x: tensor of shape (batch, dim).
        n: number of repetitions.

    Example:
        >>> repeat(np.ones((2, 3)), 4).shape
        (2, 4, 3)
    """
    _, xa = tensor_and_array(x)
    if xa.ndim != 2:
        raise ValueError(f"repeat: expected a 2-D tensor (batch, dim); received shape {xa.shape}")
    return tile(expand_dims(x, 1), (1, int(n), 1))


def flatten(x):
    """Flatten to 1-D.

    Example:
        >>> flatten(np.zeros((2, 3))).shape
        (6,)
    """
    return m.reshape(x, (-1,))


def batch_flatten(x):
    """Flatten every axis but the first: (batch, ...) -> (batch, prod(...)).

    Example:
        >>> batch_flatten(np.zeros((2, 3, 4))).shape
        (2, 12)
    """
    _, xa = tensor_and_array(x)
    if xa.ndim == 0:
        raise ValueError("batch_flatten: expected a tensor of rank >= 1; received a scalar")
    return m.reshape(x, (xa.shape[0], int(np.prod(xa.shape[1:], dtype=np.int64))))


# --------------------------------------------------------------------------- gathering
def _index_array(indices, name):
    _, ia = tensor_and_array(indices)
    if ia.dtype.kind in "iu":
        return ia
    if ia.dtype.kind == "b":
        raise TypeError(f"{name}: indices must be integers; received booleans")
    if ia.dtype.kind == "f" and np.all(ia == np.round(ia)):
        return ia.astype(np.int64)
    raise TypeError(f"{name}: indices must be integers; received dtype {ia.dtype}")


@register()
def take(x, indices, axis=None):
    """Elements of `x` at integer `indices` along `axis` (None: of the flattened tensor); numpy semantics.

    Args:
        x: tensor or array-like.
        indices: integer array-like (negative values count from the end).
        axis: the axis to index, or None.

    Example:
        >>> take(np.array([[1, 2], [3, 4]]), [1, 1], axis=0).numpy()
        array([[3, 4],
               [3, 4]])
    """
    xt, xa = tensor_and_array(x)
    ia = _index_array(indices, "take")
    if axis is None:
        flat = m.reshape(x, (-1,)) if xt is not None else Tensor(xa.reshape(-1))
        return take(flat, ia, axis=0)
    ax = _axis(axis, xa.ndim, "take")
    try:
        out = Tensor(np.take(xa, ia, axis=ax))
    except IndexError:
        n = xa.shape[ax]
        bad = ia.max() if ia.max() >= n else ia.min()
        raise IndexError(f"take: index {int(bad)} is out of range for axis {ax} of length {n} "
                         f"(tensor shape {xa.shape})") from None
    if RECORDING and xt is not None:
        shape = xa.shape
        record((xt,), out, lambda g: (_scatter_add(g, ia, shape, ax),))
    return out


def _scatter_add(g, indices, shape, axis):
    """Zeros of `shape` with the slices of `g` added at `indices` along `axis` (the vjp of `take`)."""
    gt, ga = tensor_and_array(g)
    buf = np.zeros(shape, dtype=ga.dtype)
    moved = np.moveaxis(buf, axis, 0)  # a view: writes land in buf
    gm = np.reshape(ga, (indices.size,) + moved.shape[1:]) if axis == 0 else \
        np.moveaxis(ga, tuple(range(axis, axis + indices.ndim)), tuple(range(indices.ndim))).reshape(
            (indices.size,) + moved.shape[1:])
    np.add.at(moved, indices.reshape(-1), gm)
    out = Tensor(buf)
    if RECORDING and gt is not None:
        record((gt,), out, lambda gg: (take(gg, indices, axis=axis),))
    return out


def gather(reference, indices):
    """Rows of `reference` at integer `indices` (an embedding lookup along axis 0).

    Args:
        reference: tensor of shape (n, ...).
        indices: integer array-like of any shape; each value in [0, n).

    Returns:
        A tensor of shape indices.shape + reference.shape[1:].

    Example:
        >>> gather(np.arange(6).reshape(3, 2), [2, 0]).numpy()
        array([[4, 5],
               [0, 1]])
    """
    _, ra = tensor_and_array(reference)
    ia = _index_array(indices, "gather")
    if ra.ndim == 0:
        raise ValueError("gather: `reference` must have rank >= 1; received a scalar")
    if ia.size and ia.min() < 0:
        raise IndexError(f"gather: index {int(ia.min())} is out of range [0, {ra.shape[0]}) for a reference "
                         f"of shape {ra.shape}")
    try:
        return take(reference, ia, axis=0)
    except IndexError:
        raise IndexError(f"gather: index {int(ia.max())} is out of range [0, {ra.shape[0]}) for a reference "
                         f"of shape {ra.shape}") from None


def take_along_axis(x, indices, axis=-1):
    """Pick values with an index array shaped like `x` along `axis` (np.take_along_axis).

    Example:
        >>> take_along_axis(np.array([[10, 20, 30]]), np.array([[2, 0]]), axis=1).numpy()
        array([[30, 10]])
    """
    _, xa = tensor_and_array(x)
    ia = _index_array(indices, "take_along_axis")
    ax = _axis(axis, xa.ndim, "take_along_axis")
    if ia.ndim != xa.ndim:
        raise ValueError(f"take_along_axis: `indices` must have the rank of `x` ({xa.ndim}); "
                         f"received shape {ia.shape}")
    key = list(np.ix_(*[np.arange(n) for n in ia.shape]))
    key = [np.broadcast_to(k, ia.shape) if i != ax else ia for i, k in enumerate(key)]
    for i, k in enumerate(key):
        if i != ax and ia.shape[i] != xa.shape[i] and xa.shape[i] != 1 and ia.shape[i] != 1:
            raise ValueError(f"take_along_axis: shapes {xa.shape} and {ia.shape} differ on axis {i}")
    return m.getitem(x, tuple(np.where(k < 0, k + xa.shape[i], k) if i == ax else k for i, k in enumerate(key)))


# --------------------------------------------------------------------------- padding and flipping
_PAD_MODES = ("constant", "edge", "reflect", "symmetric", "wrap")


@register()
def pad(x, pad_width, mode="constant", constant_values=0):
    """Pad with `pad_width` = ((before, after), ...) per axis; modes constant, edge, reflect, symmetric, wrap.

    Args:
        x: tensor or array-like.
        pad_width: a pair per axis (a single pair or int applies to every axis, as numpy).
        mode: padding mode (TensorFlow's upper-case names are accepted too).
        constant_values: the fill value for mode 'constant'.

    Example:
        >>> pad(np.ones((1, 2)), ((0, 0), (1, 1))).numpy()
        array([[0., 1., 1., 0.]], dtype=float32)
    """
    xt, xa = tensor_and_array(x)
    mode = str(mode).lower()
    if mode not in _PAD_MODES:
        raise ValueError(f"pad: unknown mode {mode!r}; expected one of {_PAD_MODES}")
    pads = _pad_pairs(pad_width, xa.ndim)
    if mode != "constant":
        index = np.pad(np.arange(xa.size).reshape(xa.shape), pads, mode=mode)
        return take(m.reshape(x, (-1,)) if xt is not None else xa.reshape(-1), index, axis=0)
    value = constant_values.array if isinstance(constant_values, Tensor) else constant_values
    out = Tensor(np.pad(xa, pads, mode="constant", constant_values=value))
    if RECORDING and xt is not None:
        key = tuple(slice(b, b + n) for (b, _), n in zip(pads, xa.shape))
        record((xt,), out, lambda g: (m.getitem(g, key),))
    return out


def _pad_pairs(pad_width, ndim):
    try:
        arr = np.asarray(pad_width.array if isinstance(pad_width, Tensor) else pad_width, dtype=np.int64)
        arr = np.broadcast_to(arr.reshape(-1, 2) if arr.size % 2 == 0 and arr.ndim > 0 else arr, (ndim, 2))
    except (ValueError, TypeError):
        raise ValueError(f"pad: `pad_width` must be a (before, after) pair per axis for a tensor of rank {ndim}; "
                         f"received {pad_width!r}") from None
    if (arr < 0).any():
        raise ValueError(f"pad: padding amounts must be >= 0; received {pad_width!r}")
    return tuple((int(a), int(b)) for a, b in arr)


def _padding_axes(data_format, rank, name):
    data_format = config.normalize_data_format(data_format)
    return tuple(range(2, rank)) if data_format == "channels_first" else tuple(range(1, rank - 1))


def _pad_spatial(x, padding, rank, name, data_format):
    _, xa = tensor_and_array(x)
    if xa.ndim != rank:
        raise ValueError(f"{name}: expected a tensor of rank {rank}; received shape {xa.shape}")
    spatial = rank - 2
    pairs = tuple(padding) if isinstance(padding, (list, tuple)) else (padding,)
    if len(pairs) != spatial or not all(isinstance(p, (list, tuple)) and len(p) == 2 for p in pairs):
        raise ValueError(f"{name}: `padding` must be {spatial} pairs of ints; received {padding!r}")
    pads = [(0, 0)] * rank
    for ax, p in zip(_padding_axes(data_format, rank, name), pairs):
        pads[ax] = (int(p[0]), int(p[1]))
    return pad(x, pads)


def temporal_padding(x, padding=(1, 1)):
    """Zero-pad axis 1 of a 3-D tensor (batch, steps, features).

    Args:
        x: tensor of rank 3.
        padding: (before, after) number of steps.

    Example:
        >>> temporal_padding(np.ones((1, 2, 3)), (1, 2)).shape
        (1, 5, 3)
    """
    _, xa = tensor_and_array(x)
    if xa.ndim != 3:
        raise ValueError(f"temporal_padding: expected a tensor of rank 3; received shape {xa.shape}")
    if not (isinstance(padding, (list, tuple)) and len(padding) == 2):
        raise ValueError(f"temporal_padding: `padding` must be a pair of ints; received {padding!r}")
    return pad(x, ((0, 0), (int(padding[0]), int(padding[1])), (0, 0)))


def spatial_2d_padding(x, padding=((1, 1), (1, 1)), data_format=None):
    """Zero-pad the two spatial axes of a 4-D tensor.

    Args:
        x: tensor of rank 4.
        padding: ((top, bottom), (left, right)).
        data_format: 'channels_last' (default) or 'channels_first'.

    Example:
        >>> spatial_2d_padding(np.ones((1, 2, 2, 1))).shape
        (1, 4, 4, 1)
    """
    return _pad_spatial(x, padding, 4, "spatial_2d_padding", data_format)


def spatial_3d_padding(x, padding=((1, 1), (1, 1), (1, 1)), data_format=None):
    """Zero-pad the three spatial axes of a 5-D tensor.

    Args:
        x: tensor of rank 5.
        padding: three (before, after) pairs.
        data_format: 'channels_last' (default) or 'channels_first'.

    Example:
        >>> spatial_3d_padding(np.ones((1, 2, 2, 2, 1))).shape
        (1, 4, 4, 4, 1)
    """
    return _pad_spatial(x, padding, 5, "spatial_3d_padding", data_format)


@register("flip")
def reverse(x, axes):
    """Reverse the order of elements along `axes` (int or list).

    Example:
        >>> reverse(np.array([[1, 2, 3]]), axes=1).numpy()
        array([[3, 2, 1]])
    """
    xt, xa = tensor_and_array(x)
    ax = normalize_axis(axes, xa.ndim, "reverse")
    out = Tensor(np.flip(xa, axis=ax))
    if RECORDING and xt is not None:
        record((xt,), out, lambda g: (reverse(g, ax),))
    return out


def flip(x, axis=None):
    """Reverse along `axis` (None: every axis), numpy semantics.

    Example:
        >>> flip(np.array([1, 2, 3])).numpy()
        array([3, 2, 1])
    """
    _, xa = tensor_and_array(x)
    return reverse(x, tuple(range(xa.ndim)) if axis is None else axis)


# --------------------------------------------------------------------------- encodings and ranges
@register()
def one_hot(indices, num_classes):
    """One-hot encode integer `indices`: shape indices.shape + (num_classes,), floatx; ids outside
    [0, num_classes) give a row of zeros (as TensorFlow).

    Example:
        >>> one_hot(np.array([0, 2]), 3).numpy()
        array([[1., 0., 0.],
               [0., 0., 1.]], dtype=float32)
    """
    ia = _index_array(indices, "one_hot")
    n = int(num_classes)
    if n < 0:
        raise ValueError(f"one_hot: `num_classes` must be >= 0; received {num_classes}")
    return Tensor((ia[..., None] == np.arange(n)).astype(config.floatx()))


def arange(start, stop=None, step=1, dtype="int32"):
    """Evenly spaced values in [start, stop) (like np.arange; a single negative argument gives []).

    As in Keras, the default dtype int32 applies to integer bounds; float bounds give float32.

    Args:
        start: first value (or the stop when `stop` is None).
        stop: end (exclusive).
        step: spacing.
        dtype: output dtype (Keras default int32).

    Example:
        >>> arange(1, 7, 2).numpy()
        array([1, 3, 5], dtype=int32)
    """
    start, stop, step = (_scalar_value(v) for v in (start, stop, step))
    if stop is None:
        start, stop = 0, max(start, 0)
    if step == 0:
        raise ValueError("arange: `step` must not be zero")
    dtype = np.dtype(dtype)
    if dtype == np.int32 and any(isinstance(v, float) for v in (start, stop, step)):
        # Keras casts only to a dtype other than its default int32: float bounds keep tf.range's float32
        dtype = np.dtype(np.float32)
    return Tensor(np.arange(start, stop, step).astype(dtype))


def _scalar_value(v):
    if isinstance(v, Tensor):
        v = v.array
    if isinstance(v, np.ndarray) or isinstance(v, np.generic):
        return v.item()
    return v
