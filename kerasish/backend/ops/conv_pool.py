"""Convolution + relu + max pooling as one tape node, the convolution's output never stored whole.

`Conv2D(..., activation="relu")` followed by `MaxPooling2D(2)` is the most common block of a CNN. Run
as two ops, the convolution writes its whole output (5.5 MB for 64 MNIST images and 32 filters), the
pooling reads it again in a second parallel region, and the backward pass hands a gradient of that size
back. Here each thread runs im2col, one GEMM, relu, the pooling and its first-max masks on its share of
the batch in one go, into a per-thread scratch buffer; the backward pass rebuilds each share's
relu-masked gradient from the small pooled arrays and feeds it straight to the weight and input
gradients, and no full-size output or gradient buffer is kept. Outputs no pooling window reads (the
last row and column of an odd size) are not computed at all, and relu runs after the pooling, on a
quarter of the data. (Measured on the CNN of ../shared/bench, interleaved in one process: 13-14% faster
than the two ops; 1-4% from the fusion itself, ~8% from the skipped outputs, ~3% from the late relu.
Smaller, cache-sized slices helped by 2% on one thread but cost 5-10% on two: more numpy calls, more
contention for the GIL; slices only bound the scratch memory for large batches.)

Values and gradients are those of `conv(..., activation="relu")` then `pool(..., pool_mode="max")`
(each window's gradient to its first maximum; nothing where the maximum is 0). Functional models use
it for such pairs when the convolution's output has no other consumer (models/functional.py).

Example:
    >>> import numpy as np
    >>> from kerasish.backend.ops.conv_pool import conv_relu_max_pool
    >>> x = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
    >>> conv_relu_max_pool(x, np.ones((1, 1, 1, 1), "float32"), None, (2, 2)).numpy()[0, :, :, 0]
    array([[ 5.,  7.],
           [13., 15.]], dtype=float32)
"""
import numpy as np

from .conv import (_check_bias, _forbid_second_order, _geometry, _im2col, _input_grad, _int_tuple, _interior,
                   _needed, _offsets, _operands, _pad_buffer, _padded_shape, _padding_mode, _relu_inplace, _scratch,
                   _window)
from .core import RECORDING, Tensor, record, register, tensor_and_array
from .parallel import over_batch, sum_over_batch
from .recycle import reusable
from .pool import _first_max_hits, all_ties_share, relu_masked_spread

__all__ = ["conv_relu_max_pool"]

SLICE_BYTES = 1 << 22  # at most this much convolution output per slice: bounds the scratch memory


@register()
def conv_relu_max_pool(x, kernel, bias, pool_size, strides=1, padding="valid", dilation_rate=1,
                       name="conv_relu_max_pool"):
    """max_pool(relu(conv(x, kernel) + bias)) with non-overlapping pooling windows, channels last.

    Args:
        x: (batch, *spatial, channels).
        kernel: (*kernel_size, channels, filters).
        bias: (filters,) or None.
        pool_size: int or tuple; the pooling strides equal it and its padding is 'valid'.
        strides, padding, dilation_rate: the convolution's, as for `conv.conv`.
        name: the op name used in error messages.
    """
    nd = tensor_and_array(kernel)[1].ndim - 2
    if nd not in (1, 2, 3):
        raise ValueError(f"{name}: expected a kernel of rank 3, 4 or 5 (*kernel_size, in, out); "
                         f"received shape {tensor_and_array(kernel)[1].shape}")
    xt, xa, kt, ka, bt, ba = _operands(name, x, kernel, bias, nd, "channels_last")
    strides = _int_tuple(strides, nd, name, "strides")
    dilation = _int_tuple(dilation_rate, nd, name, "dilation_rate")
    psize = _int_tuple(pool_size, nd, name, "pool_size")
    ksize, channels, filters = ka.shape[:-2], ka.shape[-2], ka.shape[-1]
    if xa.shape[-1] != channels:
        raise ValueError(f"{name}: the kernel {ka.shape} expects {channels} input channels; received input "
                         f"shape {xa.shape}")
    _check_bias(name, ba, filters)
    out_sp, pads = _geometry(name, xa.shape[1:-1], ksize, strides, dilation, _padding_mode(name, padding, nd))
    pooled_sp = tuple(o // p for o, p in zip(out_sp, psize))
    # only the outputs some pooling window reads are computed: the trailing rows/columns an odd size leaves
    # out (conv2 of the benchmark CNN: 11x11 -> 10x10, 17% of its GEMM work) never reach the loss
    out_sp = tuple(p * s for p, s in zip(pooled_sp, psize))
    n, k = xa.shape[0], int(np.prod(ksize))
    per_sample = int(np.prod(out_sp))
    width = k * channels + (ba is not None)  # the bias rides in the GEMM as a column of ones
    recording = bool(RECORDING) and any(t is not None for t in (xt, kt, bt))
    keep_col = recording and kt is not None

    w_mat = np.empty((width, filters), ka.dtype)
    w_mat[:k * channels] = ka.reshape(k * channels, filters)
    if ba is not None:
        w_mat[-1] = ba
    xp = _pad_buffer(xa, pads)
    col = reusable("col", (n,) + out_sp + (width,), ka.dtype) if keep_col else None
    y = reusable("pool_out", (n,) + pooled_sp + (filters,), ka.dtype)
    hits = reusable("pool_hits", (len(_offsets(psize)),) + y.shape, bool) if recording else None
    windows = [_window(offset, (1,) * nd, psize, pooled_sp) for offset in _offsets(psize)]
    step = max(1, SLICE_BYTES // max(1, per_sample * filters * ka.itemsize))

    def slices(lo, hi):
        return ((a, min(a + step, hi)) for a in range(lo, hi, step))

    def forward(lo, hi):  # samples [lo, hi), a slice at a time (see parallel.over_batch)
        for a, b in slices(lo, hi):
            c = col[a:b] if col is not None else _scratch("col", (b - a,) + out_sp + (width,), ka.dtype)
            if ba is not None:
                c[..., -1] = 1.0
            if xp is not xa:
                xp[a:b][_interior(pads, xa.shape)] = xa[a:b]
            _im2col(xp[a:b], ksize, strides, dilation, out_sp,
                    out=c[..., :k * channels].reshape((b - a,) + out_sp + (k, channels)))
            out = _scratch("conv_out", ((b - a) * per_sample, filters), ka.dtype)
            np.matmul(c.reshape(-1, width), w_mat, out=out)
            conv_out, y_part = out.reshape((b - a,) + out_sp + (filters,)), y[a:b]
            for i, win in enumerate(windows):
                if i == 0:
                    np.copyto(y_part, conv_out[win])
                else:
                    np.maximum(y_part, conv_out[win], out=y_part)
            if hits is not None:
                _first_max_hits(conv_out, y_part, windows, hits[:, a:b], not all_ties_share(nd))
            # relu after pooling, on a quarter of the data: max(relu(.)) == relu(max(.)), and where the
            # maximum is positive the first maximum is the same with or without relu (elsewhere the
            # gradient is zero)
            _relu_inplace(y_part)

    over_batch(forward, n, work=n * per_sample * (width + 3 * filters))
    out = Tensor(y)

    if recording:
        x_shape = xa.shape
        padded = _padded_shape(x_shape, pads)
        w2d = w_mat[:k * channels]

        def vjp(g):
            _forbid_second_order(name, g, xt, kt, bt)
            need_x, need_k, need_b = _needed(3)
            need_x, need_k, need_b = xt is not None and need_x, kt is not None and need_k, bt is not None and need_b
            ga = g.array if isinstance(g, Tensor) else np.asarray(g)
            dxp = reusable("col2im", padded, ka.dtype) if need_x else None

            def backward(lo, hi):  # samples [lo, hi), a slice at a time; returns their weight gradients
                total = None
                for a, b in slices(lo, hi):
                    masked = _scratch("relu_grad", (b - a,) + out_sp + (filters,), ka.dtype)
                    relu_masked_spread(masked, ga[a:b], y[a:b], hits[:, a:b], windows)
                    g2d = masked.reshape(-1, filters)
                    if need_k or need_b:
                        part = col[a:b].reshape(-1, width).T @ g2d if need_k else \
                            np.ones(g2d.shape[0], g2d.dtype) @ g2d
                        if total is None:
                            total = part
                        else:
                            total += part
                    if need_x:
                        _input_grad(g2d, w2d, dxp[a:b], ksize, strides, dilation, out_sp)
                return (total,)

            total, = sum_over_batch(backward, n,
                                    work=n * per_sample * (width + 3 * filters + (k * channels if need_x else 0)))
            gk = gb = gx = None
            if total is not None:
                if need_k:
                    gk = total[:k * channels].reshape(ka.shape)
                    if need_b:
                        gb = total[-1].copy()
                else:
                    gb = total
            if need_x:
                gx = dxp[_interior(pads, x_shape)] if any(b or a for b, a in pads) else dxp
            return gx, gk, gb

        record((xt, kt, bt), out, vjp)
    return out

