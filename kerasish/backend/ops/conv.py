"""Convolutions: conv1d/2d/3d (grouped, dilated, strided), transposed, depthwise and separable.

How they are computed (channels last, kernels HWIO as Keras stores them):
  forward   the input windows are copied into one im2col buffer (N, *out, K, C): a single copy from a
            strided view when a window row is contiguous in the input (last axis stride-1 and
            undilated, enough channels), else one slice copy per kernel offset; one GEMM
            `col (M, K*C+1) @ [kernel; bias]` gives the output (the bias rides in the GEMM as a column
            of ones) and a fused relu runs in place (against a row of zeros: numpy's maximum with a
            scalar takes a slow path).
  backward  dW (and db) is one GEMM `col.T @ g` on the buffer kept from the forward; dX is one GEMM
            per kernel offset, each followed by a slice `+=` into the input gradient (never np.add.at).
            A relu-fused convolution followed by a max pooling over non-overlapping windows takes the
            relu-masked gradient straight from the pooling (pool._PooledGrad): no full-size mask pass.
  depthwise elementwise multiply-accumulate per kernel offset (no GEMM).
channels_first inputs are viewed as channels last (a transposed view) and the output is transposed
back. 'same' padding puts the extra pixel at the end (bottom/right), as TensorFlow does.

Each op is ONE tape node for input, kernel and bias (plus an optional fused relu). The backward is
raw numpy: a second derivative through a convolution raises NotImplementedError. An input whose
gradient nobody needs (a model's first layer) gets no dX computation at all.

Example:
    >>> import numpy as np
    >>> from kerasish.backend.ops.conv import conv2d
    >>> x = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
    >>> k = np.array([[1.0, 0.0], [0.0, -1.0]], "float32").reshape(2, 2, 1, 1)
    >>> conv2d(x, k).numpy()[0, :, :, 0]
    array([[-5., -5., -5.],
           [-5., -5., -5.],
           [-5., -5., -5.]], dtype=float32)
"""
import itertools
import threading

import numpy as np

from .. import config
from .. import tape as _tape
from .core import RECORDING, Tensor, record, register, tensor_and_array
from .parallel import over_batch, sum_over_batch
from .recycle import reusable

__all__ = [
    "conv1d", "conv2d", "conv3d", "conv1d_transpose", "conv2d_transpose", "conv3d_transpose",
    "depthwise_conv1d", "depthwise_conv2d", "separable_conv1d", "separable_conv2d",
    "conv", "conv_transpose", "depthwise_conv", "separable_conv", "conv_output_length", "deconv_output_length",
]

_FUSED_ACTIVATIONS = (None, "linear", "relu")


# --------------------------------------------------------------------------- small helpers
def _int_tuple(value, n, op, arg):
    if isinstance(value, (int, np.integer)):
        out = (int(value),) * n
    else:
        try:
            out = tuple(int(v) for v in value)
        except TypeError:
            raise ValueError(f"{op}: `{arg}` must be an int or a tuple of {n} ints; received {value!r}") from None
        if len(out) != n:
            raise ValueError(f"{op}: `{arg}` must be an int or a tuple of {n} ints; received {value!r}")
    if any(v < 1 for v in out):
        raise ValueError(f"{op}: every entry of `{arg}` must be >= 1; received {value!r}")
    return out


def _padding_mode(op, padding, nd):
    mode = str(padding).lower()
    allowed = ("valid", "same", "causal") if nd == 1 else ("valid", "same")
    if mode not in allowed:
        raise ValueError(f"{op}: `padding` must be one of {allowed}; received {padding!r}")
    return mode


def conv_output_length(input_length, filter_size, padding, stride, dilation=1):
    """Output length of a convolution along one axis (Keras `conv_utils.conv_output_length`).

    Example:
        >>> conv_output_length(28, 3, "valid", 1), conv_output_length(28, 3, "same", 2)
        (26, 14)
    """
    if input_length is None:
        return None
    eff = (filter_size - 1) * dilation + 1
    if padding in ("same", "causal"):
        length = input_length
    elif padding == "valid":
        length = input_length - eff + 1
    elif padding == "full":
        length = input_length + eff - 1
    else:
        raise ValueError(f"conv_output_length: unknown padding {padding!r}")
    return (length + stride - 1) // stride


def deconv_output_length(input_length, filter_size, padding, output_padding=None, stride=1, dilation=1):
    """Output length of a transposed convolution along one axis (Keras `conv_utils.deconv_output_length`).

    Example:
        >>> deconv_output_length(5, 3, "valid", stride=2), deconv_output_length(5, 3, "same", stride=2)
        (11, 10)
    """
    if input_length is None:
        return None
    eff = filter_size + (filter_size - 1) * (dilation - 1)
    if output_padding is None:
        if padding == "valid":
            return input_length * stride + max(eff - stride, 0)
        if padding == "full":
            return input_length * stride - (stride + eff - 2)
        if padding == "same":
            return input_length * stride
        raise ValueError(f"deconv_output_length: unknown padding {padding!r}")
    pad = {"same": eff // 2, "valid": 0, "full": eff - 1}.get(padding)
    if pad is None:
        raise ValueError(f"deconv_output_length: unknown padding {padding!r}")
    return (input_length - 1) * stride + eff - 2 * pad + output_padding


def _geometry(op, spatial, ksize, strides, dilation, padding):
    """Output sizes and (before, after) pads of a forward convolution, TensorFlow's rules."""
    out, pads = [], []
    for length, k, s, d in zip(spatial, ksize, strides, dilation):
        eff = (k - 1) * d + 1
        if padding == "valid":
            if length < eff:
                raise ValueError(f"{op}: the input's spatial shape {tuple(spatial)} is smaller than the "
                                 f"(dilated) kernel {tuple((kk - 1) * dd + 1 for kk, dd in zip(ksize, dilation))} "
                                 "with padding='valid'")
            out.append((length - eff) // s + 1)
            pads.append((0, 0))
        elif padding == "same":
            n = -(-length // s)
            total = max((n - 1) * s + eff - length, 0)
            out.append(n)
            pads.append((total // 2, total - total // 2))
        else:  # causal: left padding by the dilated kernel extent
            out.append((length - 1) // s + 1)
            pads.append((eff - 1, 0))
    return tuple(out), tuple(pads)


def _offsets(ksize):
    return list(itertools.product(*[range(k) for k in ksize]))


def _window(offset, dilation, strides, out_sp):
    """Slices picking, for one kernel offset, the input pixel under it for every output position."""
    return (slice(None),) + tuple(slice(o * d, o * d + s * (n - 1) + 1, s)
                                  for o, d, s, n in zip(offset, dilation, strides, out_sp)) + (slice(None),)


_SCRATCH = threading.local()


def _scratch(tag, shape, dtype, fill=None):
    """A reusable work buffer (never returned to callers nor kept by a tape node).

    With `fill`, the buffer starts filled with that value; callers that only ever overwrite the same
    interior region (padded copies) may rely on the border keeping it.
    """
    cache = getattr(_SCRATCH, "buffers", None)
    if cache is None:
        cache = _SCRATCH.buffers = {}
    key = (tag, shape, np.dtype(dtype).str, fill)
    buf = cache.pop(key, None)  # re-inserted below: the dict's order is least recently used first
    if buf is None:
        if len(cache) >= 48:
            cache.pop(next(iter(cache)))
        buf = np.empty(shape, dtype) if fill is None else np.full(shape, fill, dtype)
    cache[key] = buf
    return buf


def _pad(xa, pads, reuse, fill=0.0):
    """x with its spatial axes padded by `fill`; `reuse` allows a cached buffer (not to be kept)."""
    if not any(b or a for b, a in pads):
        return xa
    shape = _padded_shape(xa.shape, pads)
    if reuse:
        xp = _scratch(("pad", pads), shape, xa.dtype, fill=float(fill))
    else:
        xp = np.full(shape, fill, dtype=xa.dtype)
    xp[_interior(pads, xa.shape)] = xa
    return xp


def _pad_buffer(xa, pads):
    """A cached zero-bordered buffer for x padded by `pads` (its interior not yet written), or `xa` itself
    when nothing is padded: the caller copies the interior, part by part."""
    if not any(b or a for b, a in pads):
        return xa
    return _scratch(("pad", pads), _padded_shape(xa.shape, pads), xa.dtype, fill=0.0)


def _padded_shape(shape, pads):
    """A channels-last (batch, *spatial, channels) shape with `pads` added to its spatial axes."""
    return (shape[0],) + tuple(n + b + a for n, (b, a) in zip(shape[1:-1], pads)) + (shape[-1],)


def _interior(pads, shape):
    return (slice(None),) + tuple(slice(b, b + n) for (b, _), n in zip(pads, shape[1:-1])) + (slice(None),)


def _view_as(a, shape):
    """`a` reshaped without copying, or None where only a copy could have that shape."""
    try:
        return a.reshape(shape, copy=False)
    except TypeError:  # numpy < 2.1: no `copy` argument
        view = a.view()
        try:
            view.shape = shape
        except AttributeError:
            return None
        return view
    except ValueError:
        return None


def _im2col(xp, ksize, strides, dilation, out_sp, out=None):
    """(N, *out, K, C) windows of the (padded) input.

    When a window row (the kernel offsets along the last spatial axis, times the channels) is one
    contiguous run of the input, a single copy from a strided view fills the whole buffer (runs of
    k*C elements); otherwise one slice copy per kernel offset (runs of C elements).
    """
    n, c = xp.shape[0], xp.shape[-1]
    k = int(np.prod(ksize))
    col = np.empty((n,) + out_sp + (k, c), xp.dtype) if out is None else out
    st = xp.strides
    if dilation[-1] == 1 and c * ksize[-1] >= 16 and st[-1] == xp.itemsize and st[-2] == c * xp.itemsize:
        nd = len(ksize)
        shape = (n,) + out_sp + tuple(ksize[:-1]) + (ksize[-1] * c,)
        src = np.lib.stride_tricks.as_strided(
            xp, shape, (st[0],) + tuple(st[1 + i] * strides[i] for i in range(nd))
            + tuple(st[1 + i] * dilation[i] for i in range(nd - 1)) + (st[-1],), writeable=False)
        dst = _view_as(col, shape)
        if dst is not None:
            np.copyto(dst, src)
            return col
    for i, offset in enumerate(_offsets(ksize)):
        col[..., i, :] = xp[_window(offset, dilation, strides, out_sp)]
    return col


def _col2im(dcol, dxp, ksize, strides, dilation, out_sp):
    """Sum (N, *out, K, C) window gradients back onto the (padded) input buffer `dxp`: one slice `+=`
    per kernel offset (never np.add.at)."""
    dxp.fill(0)
    for i, offset in enumerate(_offsets(ksize)):
        dxp[_window(offset, dilation, strides, out_sp)] += dcol[..., i, :]
    return dxp


def _input_grad(g2d, w2d, dxp, ksize, strides, dilation, out_sp):
    """dX of a convolution into the padded buffer `dxp`: per kernel offset one GEMM `g @ W[offset].T`
    into a contiguous block, then a slice `+=` (faster than one GEMM into a strided col2im buffer).

    With unit strides the first offset's window is the leading block of `dxp`: it is copied rather
    than added, and only the trailing rows/columns beyond it are zeroed first.
    """
    channels = dxp.shape[-1]
    dense_first = all(s == 1 for s in strides)
    if dense_first:
        for axis, n in enumerate(out_sp, start=1):
            if n < dxp.shape[axis]:
                dxp[(slice(None),) * axis + (slice(n, None),)] = 0
    else:
        dxp.fill(0)
    block = _scratch("dx_block", (g2d.shape[0], channels), g2d.dtype)
    block_view = block.reshape((dxp.shape[0],) + out_sp + (channels,))
    for i, offset in enumerate(_offsets(ksize)):
        np.matmul(g2d, w2d[i * channels:(i + 1) * channels].T, out=block)
        if i == 0 and dense_first:
            np.copyto(dxp[_window(offset, dilation, strides, out_sp)], block_view)
        else:
            dxp[_window(offset, dilation, strides, out_sp)] += block_view
    return dxp


def _needed(n):
    """Which of a node's n inputs the running backward pass wants (tape.NEEDS; all when unknown)."""
    needs = getattr(_tape, "NEEDS", None)
    if needs is not None and len(needs) == n:
        return list(needs)
    return [True] * n


def _forbid_second_order(op, g, *inputs):
    """A recording tape that tracks the gradient or an input wants this backward differentiated."""
    if not RECORDING:
        return
    for tape in RECORDING:
        tracks = getattr(tape, "_tracks", None)
        for t in (g,) + inputs:
            if isinstance(t, Tensor) and (tracks is None or tracks(t)):
                raise NotImplementedError(
                    f"{op}: second derivatives through a convolution are not supported (its backward pass is "
                    "a fused numpy kernel). Take the gradient of a model without convolutions, or compute "
                    "the inner gradient outside the outer GradientTape.")


def _to_channels_last(xa, data_format):
    return np.moveaxis(xa, 1, -1) if data_format == "channels_first" else xa


def _from_channels_last(ya, data_format):
    return np.ascontiguousarray(np.moveaxis(ya, -1, 1)) if data_format == "channels_first" else ya


def _grad_channels_last(g, data_format):
    ga = g.array if isinstance(g, Tensor) else np.asarray(g)
    return np.moveaxis(ga, 1, -1) if data_format == "channels_first" else ga


def _operands(op, x, kernel, bias, nd, data_format):
    """Validate and unpack (x, kernel, bias) for an nd-spatial convolution."""
    xt, xa = tensor_and_array(x)
    kt, ka = tensor_and_array(kernel)
    bt, ba = tensor_and_array(bias) if bias is not None else (None, None)
    if ka.ndim != nd + 2:
        raise ValueError(f"{op}: expected a kernel of rank {nd + 2} (*kernel_size, in, out); received shape {ka.shape}")
    if xa.ndim != nd + 2:
        layout = "(batch, channels, *spatial)" if data_format == "channels_first" else "(batch, *spatial, channels)"
        raise ValueError(f"{op}: expected an input of rank {nd + 2} {layout} for data_format={data_format!r}; "
                         f"received shape {xa.shape}")
    if ka.dtype.kind != "f":
        ka = ka.astype(config.floatx())
    if xa.dtype != ka.dtype:
        xa = xa.astype(ka.dtype)
        xt = xt if xt is not None and xt.array.dtype == ka.dtype else None
    if ba is not None and ba.dtype != ka.dtype:
        ba = ba.astype(ka.dtype)
    return xt, xa, kt, ka, bt, ba


def _check_bias(op, ba, channels):
    if ba is not None and ba.shape != (channels,):
        raise ValueError(f"{op}: expected a bias of shape ({channels},); received shape {ba.shape}")


def _check_activation(op, activation):
    if activation not in _FUSED_ACTIVATIONS:
        raise ValueError(f"{op}: the fused activation must be one of {_FUSED_ACTIVATIONS}; received {activation!r}")
    return None if activation == "linear" else activation


# --------------------------------------------------------------------------- convolution
@register()
def conv(x, kernel, bias=None, strides=1, padding="valid", data_format=None, dilation_rate=1, groups=1,
         activation=None, name="conv"):
    """N-d convolution (cross-correlation) with optional bias and fused relu: one tape node.

    Args:
        x: (batch, *spatial, channels) or channels_first (batch, channels, *spatial).
        kernel: (*kernel_size, channels // groups, filters) (HWIO).
        bias: (filters,) or None.
        strides, dilation_rate: int or tuple per spatial axis.
        padding: 'valid', 'same' (TF's split: extra at the end) or 'causal' (1-D only).
        data_format: 'channels_last' / 'channels_first' (None: the global default).
        groups: grouped convolution (channels and filters divisible by it).
        activation: None, 'linear' or 'relu', fused into the node.
        name: the op name used in error messages.

    Example:
        >>> import numpy as np
        >>> conv(np.ones((1, 5, 1), "float32"), np.ones((3, 1, 2), "float32"), padding="same").numpy()[0, :, 0]
        array([2., 3., 3., 3., 2.], dtype=float32)
    """
    data_format = config.normalize_data_format(data_format)
    _, ka0 = tensor_and_array(kernel)
    nd = ka0.ndim - 2
    if nd not in (1, 2, 3):
        raise ValueError(f"{name}: expected a kernel of rank 3, 4 or 5 (*kernel_size, in, out); "
                         f"received shape {ka0.shape}")
    xt, xa, kt, ka, bt, ba = _operands(name, x, kernel, bias, nd, data_format)
    activation = _check_activation(name, activation)
    strides = _int_tuple(strides, nd, name, "strides")
    dilation = _int_tuple(dilation_rate, nd, name, "dilation_rate")
    mode = _padding_mode(name, padding, nd)
    groups = int(groups)
    ksize, cin_g, filters = ka.shape[:-2], ka.shape[-2], ka.shape[-1]
    xcl = _to_channels_last(xa, data_format)
    channels = xcl.shape[-1]
    if groups < 1 or channels != cin_g * groups or filters % groups:
        raise ValueError(f"{name}: the kernel {ka.shape} with groups={groups} expects {cin_g * groups} input "
                         f"channels and filters divisible by {groups}; the input has {channels} channels "
                         f"(input shape {xa.shape}, {data_format})")
    _check_bias(name, ba, filters)
    out_sp, pads = _geometry(name, xcl.shape[1:-1], ksize, strides, dilation, mode)
    n = xcl.shape[0]
    k = int(np.prod(ksize))
    rows = n * int(np.prod(out_sp))
    recording = bool(RECORDING) and any(t is not None for t in (xt, kt, bt))
    keep_col = recording and kt is not None

    direct = k == 1 and all(s == 1 for s in strides) and not any(b or a for b, a in pads) \
        and xcl.flags.c_contiguous
    # groups == 1: the bias rides in the GEMM as a column of ones in the im2col matrix, so the forward
    # needs no separate bias pass and the backward gets dW and db from one GEMM
    fold = ba is not None and groups == 1 and not direct
    w2d = ka.reshape(k * cin_g, filters)
    if direct:  # 1x1, stride 1: the input already is the im2col matrix
        buf = None
        col2d = xcl.reshape(rows, channels)
    else:
        width = k * channels + fold
        shape = (n,) + out_sp + (width,)
        buf = reusable("col", shape, ka.dtype) if keep_col else _scratch("col", shape, ka.dtype)
        col2d = buf.reshape(rows, width)
    if fold:
        w_mat = np.empty((k * channels + 1, filters), ka.dtype)
        w_mat[:-1] = w2d
        w_mat[-1] = ba
    else:
        w_mat = w2d
    xp = _pad_buffer(xcl, pads) if buf is not None else None
    out2d = reusable("out", (rows, filters), ka.dtype)
    per_sample = rows // n if n else 0

    def forward(lo, hi):  # samples [lo, hi): im2col, one GEMM, bias and relu (see parallel.over_batch)
        r0, r1 = lo * per_sample, hi * per_sample
        if buf is not None:
            part = buf[lo:hi]
            if fold:
                part[..., -1] = 1.0
            if xp is not xcl:
                xp[lo:hi][_interior(pads, xcl.shape)] = xcl[lo:hi]
            _im2col(xp[lo:hi], ksize, strides, dilation, out_sp,
                    out=part[..., :k * channels].reshape((hi - lo,) + out_sp + (k, channels)))
        o = out2d[r0:r1]
        _grouped_matmul(col2d[r0:r1], w_mat, groups, k, cin_g, out=o)
        if ba is not None and not fold:
            o += ba
        if activation == "relu":
            _relu_inplace(o)

    over_batch(forward, n, work=rows * (col2d.shape[1] + filters))
    out_cl = out2d.reshape((n,) + out_sp + (filters,))
    out = Tensor(_from_channels_last(out_cl, data_format))

    if recording:
        x_shape = xcl.shape
        out_array = out.array
        padded = _padded_shape(x_shape, pads)

        def vjp(g):
            _forbid_second_order(name, g, xt, kt, bt)
            need_x, need_k, need_b = _needed(3)
            need_x = xt is not None and need_x
            need_k = kt is not None and need_k
            need_b = bt is not None and need_b
            # a max pooling right after this relu hands over its gradient unbuilt (see pool._PooledGrad)
            pooled = activation == "relu" and getattr(g, "pooled_from", None) is out_array
            if pooled:
                masked = _scratch("relu_grad", out_array.shape, g.dtype)
            else:
                ga = _grad_channels_last(g, data_format).reshape(rows, filters)
            if need_x:
                if direct:
                    gx2d = np.empty((rows, channels), ka.dtype)
                else:
                    dxp = reusable("col2im", padded, ka.dtype)

            def backward(lo, hi):  # samples [lo, hi); returns this slice's weight gradients
                r0, r1 = lo * per_sample, hi * per_sample
                if pooled:
                    g2d = g.relu_masked(masked[lo:hi], lo, hi).reshape(r1 - r0, filters)
                else:
                    g2d = ga[r0:r1]
                    if activation == "relu":
                        g2d = _relu_mask(g2d, out2d[r0:r1])
                col_part = col2d[r0:r1]
                if fold and need_k:
                    weight_grads = (col_part.T @ g2d, None)
                else:
                    weight_grads = (_grouped_matmul_tn(col_part, g2d, groups, k, cin_g) if need_k else None,
                                    _sum_rows(g2d) if need_b else None)
                if need_x:
                    if direct:
                        _grouped_matmul_nt(g2d, w2d, groups, k, cin_g, out=gx2d[r0:r1])
                    elif groups == 1:
                        _input_grad(g2d, w2d, dxp[lo:hi], ksize, strides, dilation, out_sp)
                    else:
                        dcol = _scratch("dcol", (r1 - r0, k * channels), g2d.dtype)
                        _grouped_matmul_nt(g2d, w2d, groups, k, cin_g, out=dcol)
                        _col2im(dcol.reshape((hi - lo,) + out_sp + (k, channels)), dxp[lo:hi], ksize, strides,
                                dilation, out_sp)
                return weight_grads

            gk, gb = sum_over_batch(backward, n,
                                    work=rows * (col2d.shape[1] + 2 * filters + (k * channels if need_x else 0)))
            gx = None
            if fold and gk is not None:  # the bias row of the folded GEMM is the bias gradient
                gk, gb = gk[:-1], (gk[-1].copy() if need_b else None)
            if gk is not None:
                gk = gk.reshape(ka.shape)
            if need_x:
                if direct:
                    gx = gx2d.reshape(x_shape)
                else:
                    gx = dxp[_interior(pads, x_shape)] if any(b or a for b, a in pads) else dxp
                if data_format == "channels_first":
                    gx = np.moveaxis(gx, -1, 1)
            return gx, gk, gb

        record((xt, kt, bt), out, vjp)
    return out


_ZERO_ROWS = {}


def _relu_inplace(a):
    """max(a, 0) in place for a contiguous array. numpy's maximum against a scalar takes a slow path;
    against a (cached, never written) row of zeros it runs vectorised, several times faster."""
    if a.size < 1024 or not a.flags.c_contiguous:  # small: the scalar path is quicker than the set-up
        return np.maximum(a, 0, out=a)
    zeros = _ZERO_ROWS.get(a.dtype)
    if zeros is None:
        zeros = _ZERO_ROWS[a.dtype] = np.zeros(2048, a.dtype)
    flat = a.reshape(-1)
    whole = flat.size - flat.size % zeros.size
    if whole:
        body = flat[:whole].reshape(-1, zeros.size)
        np.maximum(body, zeros, out=body)
    if whole < flat.size:
        np.maximum(flat[whole:], zeros[:flat.size - whole], out=flat[whole:])
    return a


def _relu_mask(g2d, y):
    """g * (y > 0) into scratch buffers (the result is consumed inside the vjp)."""
    keep = np.greater(y, 0, out=_scratch("relu_keep", y.shape, bool))
    return np.multiply(g2d, keep, out=_scratch("relu_grad", g2d.shape, g2d.dtype))


def _sum_rows(g2d):
    """Column sums of a tall matrix; a BLAS matrix-vector product beats ndarray.sum(axis=0) here."""
    return np.ones(g2d.shape[0], g2d.dtype) @ g2d


def _grouped_matmul(col2d, w2d, groups, k, cin_g, out=None):
    """col (M, K*C) @ kernel (K*Cg, F), block-diagonal over groups (into `out` when given)."""
    if groups == 1:
        return np.matmul(col2d, w2d, out=out)
    rows = col2d.shape[0]
    filters = w2d.shape[1]
    cg = col2d.reshape(rows, k, groups, cin_g).transpose(2, 0, 1, 3).reshape(groups, rows, k * cin_g)
    wg = w2d.reshape(k * cin_g, groups, filters // groups).transpose(1, 0, 2)
    res = np.matmul(cg, wg).transpose(1, 0, 2).reshape(rows, filters)
    if out is None:
        return res
    out[...] = res
    return out


def _grouped_matmul_tn(col2d, g2d, groups, k, cin_g):
    """Kernel gradient col.T @ g, per group, as (K*Cg, F)."""
    if groups == 1:
        return col2d.T @ g2d
    rows, filters = g2d.shape
    cg = col2d.reshape(rows, k, groups, cin_g).transpose(2, 0, 1, 3).reshape(groups, rows, k * cin_g)
    gg = g2d.reshape(rows, groups, filters // groups).transpose(1, 0, 2)
    return np.matmul(cg.transpose(0, 2, 1), gg).transpose(1, 0, 2).reshape(k * cin_g, filters)


def _grouped_matmul_nt(g2d, w2d, groups, k, cin_g, out):
    """Window gradients g @ kernel.T into `out` (M, K*C), per group."""
    if groups == 1:
        return np.matmul(g2d, w2d.T, out=out)
    rows, filters = g2d.shape
    gg = g2d.reshape(rows, groups, filters // groups).transpose(1, 0, 2)
    wg = w2d.reshape(k * cin_g, groups, filters // groups).transpose(1, 2, 0)
    res = np.matmul(gg, wg)  # (G, M, K*Cg)
    out.reshape(rows, k, groups, cin_g)[...] = res.reshape(groups, rows, k, cin_g).transpose(1, 2, 0, 3)
    return out


def conv1d(x, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """1-D convolution (`K.conv1d`); padding 'valid', 'same' or 'causal'.

    Example:
        >>> import numpy as np
        >>> conv1d(np.arange(5, dtype="float32").reshape(1, 5, 1), np.ones((2, 1, 1), "float32")).numpy().ravel()
        array([1., 3., 5., 7.], dtype=float32)
    """
    return _check_rank_and_conv("conv1d", 1, x, kernel, strides, padding, data_format, dilation_rate)


def conv2d(x, kernel, strides=(1, 1), padding="valid", data_format=None, dilation_rate=(1, 1)):
    """2-D convolution (`K.conv2d`); kernel (rows, cols, in, out).

    Example:
        >>> import numpy as np
        >>> y = conv2d(np.ones((1, 3, 3, 1), "float32"), np.ones((3, 3, 1, 1), "float32"), padding="same")
        >>> y.numpy()[0, :, :, 0]
        array([[4., 6., 4.],
               [6., 9., 6.],
               [4., 6., 4.]], dtype=float32)
    """
    return _check_rank_and_conv("conv2d", 2, x, kernel, strides, padding, data_format, dilation_rate)


def conv3d(x, kernel, strides=(1, 1, 1), padding="valid", data_format=None, dilation_rate=(1, 1, 1)):
    """3-D convolution (`K.conv3d`); kernel (depth, rows, cols, in, out).

    Example:
        >>> import numpy as np
        >>> conv3d(np.ones((1, 2, 2, 2, 1), "float32"), np.ones((2, 2, 2, 1, 1), "float32")).numpy().ravel()
        array([8.], dtype=float32)
    """
    return _check_rank_and_conv("conv3d", 3, x, kernel, strides, padding, data_format, dilation_rate)


def _check_rank_and_conv(op, nd, x, kernel, strides, padding, data_format, dilation_rate):
    _, ka = tensor_and_array(kernel)
    if ka.ndim != nd + 2:
        raise ValueError(f"{op}: expected a kernel of rank {nd + 2} (*kernel_size, in, out); received shape {ka.shape}")
    return conv(x, kernel, None, strides, padding, data_format, dilation_rate, name=op)


# --------------------------------------------------------------------------- transposed convolution
def _transpose_geometry(op, in_sp, out_sp, ksize, strides, dilation, padding):
    """Pads of the forward convolution mapping `out_sp` back to `in_sp`; checks they agree."""
    pads, padded = [], []
    for li, lo, k, s, d in zip(in_sp, out_sp, ksize, strides, dilation):
        eff = (k - 1) * d + 1
        if padding == "same":
            expect = -(-lo // s)
            total = max((li - 1) * s + eff - lo, 0)
            pads.append((total // 2, total - total // 2))
            padded.append(lo + total)
        else:
            expect = (lo - eff) // s + 1 if lo >= eff else 0
            pads.append((0, 0))
            padded.append(lo)
        if expect != li:
            raise ValueError(f"{op}: the requested output spatial shape {tuple(out_sp)} does not match the input "
                             f"spatial shape {tuple(in_sp)}: a {padding!r} convolution with kernel {tuple(ksize)}, "
                             f"strides {tuple(strides)} and dilation {tuple(dilation)} of that output has spatial "
                             f"size {expect} where the input has {li}")
    return tuple(pads), tuple(padded)


@register()
def conv_transpose(x, kernel, bias=None, output_size=None, strides=1, padding="valid", output_padding=None,
                   data_format=None, dilation_rate=1, activation=None, name="conv_transpose"):
    """N-d transposed convolution (the gradient of `conv` with respect to its input): one tape node.

    Args:
        x: (batch, *spatial, in_channels) (or channels_first).
        kernel: (*kernel_size, filters, in_channels) — Keras's Conv*DTranspose layout.
        bias: (filters,) or None.
        output_size: the output's spatial shape; None derives it with `deconv_output_length`.
        strides, dilation_rate: int or tuple per spatial axis.
        padding: 'valid' or 'same'.
        output_padding: int/tuple, used only when output_size is None.
        data_format: 'channels_last' / 'channels_first'.
        activation: None, 'linear' or 'relu', fused into the node.

    Example:
        >>> import numpy as np
        >>> conv_transpose(np.ones((1, 2, 1), "float32"), np.ones((3, 1, 1), "float32"), strides=2).numpy().ravel()
        array([1., 1., 2., 1., 1.], dtype=float32)
    """
    data_format = config.normalize_data_format(data_format)
    _, ka0 = tensor_and_array(kernel)
    nd = ka0.ndim - 2
    if nd not in (1, 2, 3):
        raise ValueError(f"{name}: expected a kernel of rank 3, 4 or 5 (*kernel_size, out, in); "
                         f"received shape {ka0.shape}")
    xt, xa, kt, ka, bt, ba = _operands(name, x, kernel, bias, nd, data_format)
    activation = _check_activation(name, activation)
    strides = _int_tuple(strides, nd, name, "strides")
    dilation = _int_tuple(dilation_rate, nd, name, "dilation_rate")
    mode = _padding_mode(name, padding, 2)
    ksize, filters, cin = ka.shape[:-2], ka.shape[-2], ka.shape[-1]
    xcl = _to_channels_last(xa, data_format)
    if xcl.shape[-1] != cin:
        raise ValueError(f"{name}: the kernel {ka.shape} expects {cin} input channels (its last axis); the input "
                         f"has {xcl.shape[-1]} (input shape {xa.shape}, {data_format})")
    _check_bias(name, ba, filters)
    in_sp = xcl.shape[1:-1]
    if output_size is None:
        opad = [None] * nd if output_padding is None else _int_tuple_allow_zero(output_padding, nd, name)
        output_size = tuple(deconv_output_length(L, k_, mode, op_, s, d)
                            for L, k_, op_, s, d in zip(in_sp, ksize, opad, strides, dilation))
    else:
        output_size = tuple(int(v) for v in output_size)
        if len(output_size) != nd:
            raise ValueError(f"{name}: expected an output spatial shape of length {nd}; received {output_size}")
    pads, padded_sp = _transpose_geometry(name, in_sp, output_size, ksize, strides, dilation, mode)
    n = xcl.shape[0]
    k = int(np.prod(ksize))
    rows = n * int(np.prod(in_sp))
    x2d = xcl.reshape(rows, cin)
    w2d = ka.reshape(k * filters, cin)
    dcol = _scratch("tcol", (rows, k * filters), ka.dtype)
    np.matmul(x2d, w2d.T, out=dcol)
    padded_shape = (n,) + padded_sp + (filters,)
    y = _col2im(dcol.reshape((n,) + in_sp + (k, filters)), reusable("col2im", padded_shape, ka.dtype), ksize,
                strides, dilation, in_sp)
    if any(b or a for b, a in pads):
        y = y[_interior(pads, (n,) + output_size + (filters,))]
    if ba is not None or activation == "relu" or not y.flags.c_contiguous:
        y = np.ascontiguousarray(y)
        if ba is not None:
            y += ba
        if activation == "relu":
            np.maximum(y, 0, out=y)
    out = Tensor(_from_channels_last(y, data_format))

    if bool(RECORDING) and any(t is not None for t in (xt, kt, bt)):
        def vjp(g):
            _forbid_second_order(name, g, xt, kt, bt)
            need_x, need_k, need_b = _needed(3)
            gcl = _grad_channels_last(g, data_format)
            if activation == "relu":
                gcl = gcl * (y > 0)
            gb = gcl.reshape(-1, filters).sum(axis=0) if (bt is not None and need_b) else None
            gx = gk = None
            if (xt is not None and need_x) or (kt is not None and need_k):
                gp = _pad(gcl, pads, reuse=True) if any(b or a for b, a in pads) else gcl
                colg = _im2col(gp, ksize, strides, dilation, in_sp,
                               out=_scratch("tcolg", (n,) + in_sp + (k, filters), gcl.dtype)).reshape(rows, k * filters)
                if xt is not None and need_x:
                    gx = (colg @ w2d).reshape(xcl.shape)
                    if data_format == "channels_first":
                        gx = np.moveaxis(gx, -1, 1)
                if kt is not None and need_k:
                    gk = (colg.T @ x2d).reshape(ka.shape)
            return gx, gk, gb

        record((xt, kt, bt), out, vjp)
    return out


def _int_tuple_allow_zero(value, n, op):
    vals = (int(value),) * n if isinstance(value, (int, np.integer)) else tuple(int(v) for v in value)
    if len(vals) != n or any(v < 0 for v in vals):
        raise ValueError(f"{op}: `output_padding` must be a non-negative int or a tuple of {n}; received {value!r}")
    return vals


def _transpose_wrapper(op, nd, x, kernel, output_shape, strides, padding, data_format, dilation_rate):
    data_format = config.normalize_data_format(data_format)
    _, ka = tensor_and_array(kernel)
    if ka.ndim != nd + 2:
        raise ValueError(f"{op}: expected a kernel of rank {nd + 2} (*kernel_size, out, in); received shape {ka.shape}")
    output_shape = tuple(output_shape.array.tolist() if isinstance(output_shape, Tensor) else output_shape)
    if len(output_shape) != nd + 2:
        raise ValueError(f"{op}: `output_shape` must have {nd + 2} entries (batch, *spatial, channels in "
                         f"{data_format} order); received {output_shape}")
    _, xa = tensor_and_array(x)
    if data_format == "channels_first":
        channels, spatial = output_shape[1], output_shape[2:]
    else:
        channels, spatial = output_shape[-1], output_shape[1:-1]
    if channels is not None and int(channels) != ka.shape[-2]:
        raise ValueError(f"{op}: `output_shape` asks for {channels} channels but the kernel {ka.shape} produces "
                         f"{ka.shape[-2]}")
    if output_shape[0] is not None and xa.ndim and int(output_shape[0]) != xa.shape[0]:
        raise ValueError(f"{op}: `output_shape` has batch size {output_shape[0]} but the input has {xa.shape[0]}")
    return conv_transpose(x, kernel, None, tuple(int(s) for s in spatial), strides, padding, None, data_format,
                          dilation_rate, name=op)


def conv1d_transpose(x, kernel, output_shape, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """1-D transposed convolution; kernel (length, out, in); `output_shape` (batch, length, out).

    Example:
        >>> import numpy as np
        >>> conv1d_transpose(np.ones((1, 2, 1), "float32"), np.ones((2, 1, 1), "float32"), (1, 4, 1),
        ...                  strides=2).numpy().ravel()
        array([1., 1., 1., 1.], dtype=float32)
    """
    return _transpose_wrapper("conv1d_transpose", 1, x, kernel, output_shape, strides, padding, data_format,
                              dilation_rate)


def conv2d_transpose(x, kernel, output_shape, strides=(1, 1), padding="valid", data_format=None,
                     dilation_rate=(1, 1)):
    """2-D transposed convolution (`K.conv2d_transpose`); kernel (rows, cols, out, in).

    Example:
        >>> import numpy as np
        >>> y = conv2d_transpose(np.ones((1, 2, 2, 1), "float32"), np.ones((2, 2, 3, 1), "float32"), (1, 4, 4, 3),
        ...                      strides=(2, 2))
        >>> y.shape, float(y.numpy().sum())
        ((1, 4, 4, 3), 48.0)
    """
    return _transpose_wrapper("conv2d_transpose", 2, x, kernel, output_shape, strides, padding, data_format,
                              dilation_rate)


def conv3d_transpose(x, kernel, output_shape, strides=(1, 1, 1), padding="valid", data_format=None,
                     dilation_rate=(1, 1, 1)):
    """3-D transposed convolution; kernel (depth, rows, cols, out, in).

    Example:
        >>> import numpy as np
        >>> conv3d_transpose(np.ones((1, 1, 1, 1, 1), "float32"), np.ones((2, 2, 2, 1, 1), "float32"),
        ...                  (1, 2, 2, 2, 1)).shape
        (1, 2, 2, 2, 1)
    """
    return _transpose_wrapper("conv3d_transpose", 3, x, kernel, output_shape, strides, padding, data_format,
                              dilation_rate)


# --------------------------------------------------------------------------- depthwise and separable
def _letters(nd):
    return "n" + "xyz"[:nd]  # einsum subscripts for batch + spatial axes (c, m are channels, multiplier)


@register()
def depthwise_conv(x, depthwise_kernel, bias=None, strides=1, padding="valid", data_format=None,
                   dilation_rate=1, activation=None, name="depthwise_conv"):
    """N-d depthwise convolution: each input channel has its own `depth_multiplier` filters.

    Computed by elementwise multiply-accumulate per kernel offset (no GEMM). Output channel
    `c * depth_multiplier + m` comes from input channel c and filter m (TensorFlow's order).

    Args:
        x: (batch, *spatial, channels) (or channels_first).
        depthwise_kernel: (*kernel_size, channels, depth_multiplier).
        bias: (channels * depth_multiplier,) or None.
        strides, padding, data_format, dilation_rate, activation, name: as for `conv`.

    Example:
        >>> import numpy as np
        >>> kernel = np.arange(1.0, 9.0, dtype="float32").reshape(2, 2, 2)  # (length, channels, multiplier)
        >>> depthwise_conv(np.ones((1, 3, 2), "float32"), kernel).numpy()[0, 0]
        array([ 6.,  8., 10., 12.], dtype=float32)
    """
    data_format = config.normalize_data_format(data_format)
    _, ka0 = tensor_and_array(depthwise_kernel)
    nd = ka0.ndim - 2
    if nd not in (1, 2, 3):
        raise ValueError(f"{name}: expected a depthwise kernel of rank 3, 4 or 5 (*kernel_size, channels, "
                         f"depth_multiplier); received shape {ka0.shape}")
    xt, xa, kt, ka, bt, ba = _operands(name, x, depthwise_kernel, bias, nd, data_format)
    activation = _check_activation(name, activation)
    strides = _int_tuple(strides, nd, name, "strides")
    dilation = _int_tuple(dilation_rate, nd, name, "dilation_rate")
    mode = _padding_mode(name, padding, nd)
    ksize, channels, mult = ka.shape[:-2], ka.shape[-2], ka.shape[-1]
    xcl = _to_channels_last(xa, data_format)
    if xcl.shape[-1] != channels:
        raise ValueError(f"{name}: the depthwise kernel {ka.shape} expects {channels} input channels; the input "
                         f"has {xcl.shape[-1]} (input shape {xa.shape}, {data_format})")
    _check_bias(name, ba, channels * mult)
    out_sp, pads = _geometry(name, xcl.shape[1:-1], ksize, strides, dilation, mode)
    n = xcl.shape[0]
    recording = bool(RECORDING) and any(t is not None for t in (xt, kt, bt))
    xp = _pad(xcl, pads, reuse=not recording)
    offsets = _offsets(ksize)
    acc_shape = (n,) + out_sp + (channels, mult)
    acc = np.empty(acc_shape, ka.dtype)
    tmp = _scratch("dwtmp", acc_shape, ka.dtype)
    for i, offset in enumerate(offsets):
        xs = xp[_window(offset, dilation, strides, out_sp)][..., None]
        if i == 0:
            np.multiply(xs, ka[offset], out=acc)
        else:
            np.multiply(xs, ka[offset], out=tmp)
            acc += tmp
    y = acc.reshape((n,) + out_sp + (channels * mult,))
    if ba is not None:
        y += ba
    if activation == "relu":
        np.maximum(y, 0, out=y)
    out = Tensor(_from_channels_last(y, data_format))

    if recording:
        sub = _letters(nd)

        def vjp(g):
            _forbid_second_order(name, g, xt, kt, bt)
            need_x, need_k, need_b = _needed(3)
            gcl = _grad_channels_last(g, data_format)
            if activation == "relu":
                gcl = gcl * (y > 0)
            gb = gcl.reshape(-1, channels * mult).sum(axis=0) if (bt is not None and need_b) else None
            g5 = gcl.reshape(acc_shape)
            gk = np.empty(ka.shape, ka.dtype) if (kt is not None and need_k) else None
            dxp = np.zeros(xp.shape, ka.dtype) if (xt is not None and need_x) else None
            for offset in offsets:
                win = _window(offset, dilation, strides, out_sp)
                if gk is not None:
                    gk[offset] = np.einsum(f"{sub}c,{sub}cm->cm", xp[win], g5)
                if dxp is not None:
                    dxp[win] += np.einsum(f"{sub}cm,cm->{sub}c", g5, ka[offset])
            gx = None
            if dxp is not None:
                gx = dxp[_interior(pads, xcl.shape)] if any(b or a for b, a in pads) else dxp
                if data_format == "channels_first":
                    gx = np.moveaxis(gx, -1, 1)
            return gx, gk, gb

        record((xt, kt, bt), out, vjp)
    return out


def depthwise_conv1d(x, depthwise_kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """1-D depthwise convolution; kernel (length, channels, depth_multiplier).

    Example:
        >>> import numpy as np
        >>> depthwise_conv1d(np.ones((1, 3, 1), "float32"), np.ones((2, 1, 1), "float32")).numpy().ravel()
        array([2., 2.], dtype=float32)
    """
    return _depthwise_rank("depthwise_conv1d", 1, x, depthwise_kernel, strides, padding, data_format, dilation_rate)


def depthwise_conv2d(x, depthwise_kernel, strides=(1, 1), padding="valid", data_format=None, dilation_rate=(1, 1)):
    """2-D depthwise convolution (`K.depthwise_conv2d`); kernel (rows, cols, channels, depth_multiplier).

    Example:
        >>> import numpy as np
        >>> depthwise_conv2d(np.ones((1, 3, 3, 2), "float32"), np.ones((3, 3, 2, 1), "float32")).numpy().ravel()
        array([9., 9.], dtype=float32)
    """
    return _depthwise_rank("depthwise_conv2d", 2, x, depthwise_kernel, strides, padding, data_format, dilation_rate)


def _depthwise_rank(op, nd, x, kernel, strides, padding, data_format, dilation_rate):
    _, ka = tensor_and_array(kernel)
    if ka.ndim != nd + 2:
        raise ValueError(f"{op}: expected a depthwise kernel of rank {nd + 2}; received shape {ka.shape}")
    return depthwise_conv(x, kernel, None, strides, padding, data_format, dilation_rate, name=op)


@register()
def separable_conv(x, depthwise_kernel, pointwise_kernel, bias=None, strides=1, padding="valid", data_format=None,
                   dilation_rate=1, activation=None, name="separable_conv"):
    """Depthwise convolution followed by a 1x1 (pointwise) convolution, with optional bias and relu.

    Args:
        depthwise_kernel: (*kernel_size, channels, depth_multiplier).
        pointwise_kernel: (*[1]*nd, channels * depth_multiplier, filters).
        Other arguments as for `conv` (strides, padding and dilation apply to the depthwise step).

    Example:
        >>> import numpy as np
        >>> separable_conv(np.ones((1, 3, 2), "float32"), np.ones((3, 2, 1), "float32"),
        ...                np.ones((1, 2, 4), "float32")).numpy()
        array([[[6., 6., 6., 6.]]], dtype=float32)
    """
    _, dk = tensor_and_array(depthwise_kernel)
    _, pk = tensor_and_array(pointwise_kernel)
    nd = dk.ndim - 2
    if pk.ndim != nd + 2 or pk.shape[:nd] != (1,) * nd or pk.shape[-2] != dk.shape[-2] * dk.shape[-1]:
        raise ValueError(f"{name}: expected a pointwise kernel of shape {(1,) * nd + (dk.shape[-2] * dk.shape[-1],)}"
                         f" + (filters,) for the depthwise kernel {dk.shape}; received shape {pk.shape}")
    mid = depthwise_conv(x, depthwise_kernel, None, strides, padding, data_format, dilation_rate, name=name)
    return conv(mid, pointwise_kernel, bias, 1, "valid", data_format, 1, activation=activation, name=name)


def separable_conv1d(x, depthwise_kernel, pointwise_kernel, strides=1, padding="valid", data_format=None,
                     dilation_rate=1):
    """1-D separable convolution; kernels (length, in, multiplier) and (1, in*multiplier, out).

    Example:
        >>> import numpy as np
        >>> separable_conv1d(np.ones((1, 2, 1), "float32"), np.ones((2, 1, 1), "float32"),
        ...                  np.ones((1, 1, 3), "float32")).numpy()
        array([[[2., 2., 2.]]], dtype=float32)
    """
    return _separable_rank("separable_conv1d", 1, x, depthwise_kernel, pointwise_kernel, strides, padding,
                           data_format, dilation_rate)


def separable_conv2d(x, depthwise_kernel, pointwise_kernel, strides=(1, 1), padding="valid", data_format=None,
                     dilation_rate=(1, 1)):
    """2-D separable convolution (`K.separable_conv2d`).

    Example:
        >>> import numpy as np
        >>> separable_conv2d(np.ones((1, 2, 2, 1), "float32"), np.ones((2, 2, 1, 1), "float32"),
        ...                  np.ones((1, 1, 1, 2), "float32")).numpy().ravel()
        array([4., 4.], dtype=float32)
    """
    return _separable_rank("separable_conv2d", 2, x, depthwise_kernel, pointwise_kernel, strides, padding,
                           data_format, dilation_rate)


def _separable_rank(op, nd, x, dk, pk, strides, padding, data_format, dilation_rate):
    _, dka = tensor_and_array(dk)
    if dka.ndim != nd + 2:
        raise ValueError(f"{op}: expected a depthwise kernel of rank {nd + 2}; received shape {dka.shape}")
    return separable_conv(x, dk, pk, None, strides, padding, data_format, dilation_rate, name=op)
