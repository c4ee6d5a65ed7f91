"""Locally connected (unshared-weight) convolutions, as Keras's `K.local_conv1d` / `K.local_conv2d`.

Each output position has its own kernel: `kernel[p]` of shape (features, filters) multiplies the
window of the input that position p sees, flattened in Keras's order (kernel offsets then channels
for channels_last, channels then offsets for channels_first). Only 'valid' windows, as Keras's
implementation 1.

The op is one tape node: the forward gathers every window at once and multiplies per position; its
backward is raw numpy (a loop over kernel offsets adds the window gradients back), so a second
derivative through it raises NotImplementedError, as for the other convolutions.

Example:
    >>> import numpy as np
    >>> x = np.arange(5.0, dtype="float32").reshape(1, 5, 1)
    >>> kernel = np.ones((2, 3, 1), "float32")  # 2 output positions, windows of 3, stride 2
    >>> local_conv1d(x, kernel, kernel_size=(3,), strides=(2,)).numpy().ravel().tolist()
    [3.0, 9.0]
"""
import numpy as np

from .. import config
from .conv import _forbid_second_order
from .core import RECORDING, Tensor, record, register, tensor_and_array


def _window_starts(output_shape, strides):
    return [np.arange(size) * stride for size, stride in zip(output_shape, strides)]


def _gather_windows(xa, kernel_size, strides, output_shape, channels_first):
    """(batch, positions, features) windows of a channels-last or channels-first input."""
    rank = len(kernel_size)
    x = np.moveaxis(xa, 1, -1) if channels_first else xa  # (batch, *spatial, channels)
    index = []
    for d, (starts, k) in enumerate(zip(_window_starts(output_shape, strides), kernel_size)):
        shape = [1] * (2 * rank)  # this axis's output positions at d, its kernel offsets at rank + d
        shape[d], shape[rank + d] = len(starts), k
        index.append((starts[:, None] + np.arange(k)[None, :]).reshape(shape))
    windows = x[(slice(None),) + tuple(index)]  # (batch, *out, *kernel, channels)
    if channels_first:  # Keras flattens a channels-first window channel-major
        windows = np.moveaxis(windows, -1, 1 + rank)
    batch, positions = xa.shape[0], int(np.prod(output_shape))
    return windows.reshape(batch, positions, -1)


def _scatter_windows(grad_windows, input_shape, kernel_size, strides, output_shape, channels_first):
    """The input gradient: window gradients (batch, positions, features) added back where they came from."""
    rank = len(kernel_size)
    batch = input_shape[0]
    channels = input_shape[1] if channels_first else input_shape[-1]
    spatial = tuple(input_shape[2:]) if channels_first else tuple(input_shape[1:-1])
    if channels_first:
        g = grad_windows.reshape((batch,) + tuple(output_shape) + (channels,) + tuple(kernel_size))
        g = np.moveaxis(g, 1 + rank, -1)
    else:
        g = grad_windows.reshape((batch,) + tuple(output_shape) + tuple(kernel_size) + (channels,))
    dx = np.zeros((batch,) + spatial + (channels,), dtype=grad_windows.dtype)
    for offset in np.ndindex(*kernel_size):
        target = tuple(slice(o, o + s * (n - 1) + 1, s) for o, s, n in zip(offset, strides, output_shape))
        dx[(slice(None),) + target] += g[(slice(None),) + (slice(None),) * rank + offset]
    return np.moveaxis(dx, -1, 1) if channels_first else dx


@register()
def local_conv(inputs, kernel, kernel_size, strides, output_shape, data_format=None) -> Tensor:
    """Unshared-weight convolution: `kernel` (positions, features, filters) for the output spatial `output_shape`.

    Returns (batch, *output_shape, filters), or (batch, filters, *output_shape) for channels_first.
    """
    data_format = config.normalize_data_format(data_format)
    channels_first = data_format == "channels_first"
    xt, xa = tensor_and_array(inputs)
    kt, ka = tensor_and_array(kernel)
    kernel_size, strides, output_shape = tuple(kernel_size), tuple(strides), tuple(int(d) for d in output_shape)
    rank = len(kernel_size)
    if xa.ndim != rank + 2 or len(strides) != rank or len(output_shape) != rank:
        raise ValueError(f"local_conv: expected a {rank + 2}D input with {rank} kernel sizes, strides and output "
                         f"sizes; received input shape {xa.shape}, kernel_size={kernel_size}, strides={strides}, "
                         f"output_shape={output_shape}")
    spatial = xa.shape[2:] if channels_first else xa.shape[1:-1]
    channels = xa.shape[1] if channels_first else xa.shape[-1]
    positions = int(np.prod(output_shape))
    features = int(np.prod(kernel_size)) * channels
    if ka.ndim != 3 or ka.shape[:2] != (positions, features):
        raise ValueError(f"local_conv: the kernel must have shape ({positions}, {features}, filters) for {positions} "
                         f"output positions and windows of {kernel_size} x {channels} channels; received "
                         f"{ka.shape}")
    if any((n - 1) * s + k > size for n, s, k, size in zip(output_shape, strides, kernel_size, spatial)):
        raise ValueError(f"local_conv: windows of {kernel_size} at strides {strides} for {output_shape} outputs do "
                         f"not fit the input's spatial shape {tuple(spatial)}")
    windows = _gather_windows(xa, kernel_size, strides, output_shape, channels_first)
    out = np.einsum("bpf,pfo->bpo", windows, ka, optimize=True)  # (batch, positions, filters)
    out = out.reshape((xa.shape[0],) + output_shape + (ka.shape[-1],))
    if channels_first:
        out = np.moveaxis(out, -1, 1)
    result = Tensor(np.ascontiguousarray(out))
    if RECORDING and (xt is not None or kt is not None):
        def vjp(g):
            _forbid_second_order("local_conv", g, xt, kt)
            ga = g.array if isinstance(g, Tensor) else np.asarray(g)
            if channels_first:
                ga = np.moveaxis(ga, 1, -1)
            ga = ga.reshape(xa.shape[0], positions, ka.shape[-1])
            dk = np.einsum("bpf,bpo->pfo", windows, ga, optimize=True) if kt is not None else None
            dx = None
            if xt is not None:
                dwindows = np.einsum("bpo,pfo->bpf", ga, ka, optimize=True)
                dx = _scatter_windows(dwindows, xa.shape, kernel_size, strides, output_shape, channels_first)
            return dx, dk

        record((xt, kt), result, vjp)
    return result


def local_conv1d(inputs, kernel, kernel_size, strides, data_format=None) -> Tensor:
    """Keras 2's `K.local_conv1d`: kernel (output_length, kernel_size * channels, filters)."""
    output_length = tensor_and_array(kernel)[1].shape[0]
    return local_conv(inputs, kernel, tuple(kernel_size), tuple(strides), (output_length,), data_format)


def local_conv2d(inputs, kernel, kernel_size, strides, output_shape, data_format=None) -> Tensor:
    """Keras 2's `K.local_conv2d`: kernel (rows * cols, kernel_rows * kernel_cols * channels, filters)."""
    return local_conv(inputs, kernel, tuple(kernel_size), tuple(strides), tuple(output_shape), data_format)
