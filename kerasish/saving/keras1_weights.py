"""Keras 1 weight layouts, converted for Keras 2 layers as tf_keras's legacy loader converts them.

Keras 1 wrote no `keras_version` attribute on a weights group (the root of a `save_weights` file,
or `/model_weights` of a whole-model file); tf_keras then treats the weights as Keras 1's and, in
`hdf5_format.preprocess_weights_for_loading`, converts by the layer's class name:

- Conv1D: Keras 1's 4D kernel `(filter_length, 1, input_dim, filters)` (or Keras 1.1's
  `(filters, input_dim, filter_length, 1)`, transposed first) loses its unit axis;
- Conv2D / Conv3D with channels_first: `(filters, in, *kernel)` becomes `(*kernel, in, filters)`;
- Conv2DTranspose: `(rows, cols, in, filters)` (channels_last) or `(filters, in, rows, cols)`
  (channels_first) becomes `(rows, cols, filters, in)`;
- GRU: 9 arrays (W, U, b per gate z, r, h) are concatenated per kind;
- LSTM and ConvLSTM2D: 12 arrays with gates in Keras 1's order i, c, f, o are concatenated in
  Keras 2's order i, f, c, o.

For every Keras version, a convolution kernel whose shape differs from the layer's is transposed
with axes (3, 2, 0, 1), as tf_keras does (`transpose_mismatched_kernel`); a kernel that still does
not fit is then reported as a shape mismatch. (Standalone Keras 2 also flipped kernels saved with
the Theano backend; tf_keras does not, and neither does kerasish.)

Example:
    >>> import numpy as np
    >>> import kerasish as keras
    >>> layer = keras.layers.Conv2D(4, 3, data_format="channels_first")
    >>> layer.build((None, 2, 8, 8))
    >>> old = [np.zeros((4, 2, 3, 3), "float32"), np.zeros(4, "float32")]  # Keras 1, 'th' ordering
    >>> [w.shape for w in convert_keras1_weights(layer, old)]
    [(3, 3, 2, 4), (4,)]
"""
import numpy as np

_CONV_CLASSES = ("Conv1D", "Conv2D", "Conv3D", "Conv2DTranspose", "ConvLSTM2D")


def _concat_gates(weights, order, per_gate):
    """Keras 1 stored one array per gate and kind; Keras 2 concatenates each kind's gates on the last axis."""
    return [np.concatenate([weights[g * per_gate + kind] for g in order], axis=-1) for kind in range(per_gate)]


def _convert_conv1d(layer, weights):
    kernel = weights[0]
    if kernel.ndim != 4:
        return weights
    if kernel.shape[:2] != (layer.kernel_size[0], 1) or kernel.shape[3] != layer.filters:
        if kernel.shape[0] != layer.filters or kernel.shape[2:] != (layer.kernel_size[0], 1):
            raise ValueError(f'Layer "{layer.name}" (Conv1D): the Keras 1 kernel in the file has shape '
                             f"{kernel.shape}; expected (filter_length, 1, input_dim, filters) = "
                             f"({layer.kernel_size[0]}, 1, ?, {layer.filters}) or Keras 1.1's (filters, input_dim, "
                             f"filter_length, 1) = ({layer.filters}, ?, {layer.kernel_size[0]}, 1).")
        kernel = np.transpose(kernel, (2, 3, 1, 0))
    return [kernel[:, 0, :, :]] + list(weights[1:])


def convert_keras1_weights(layer, weights):
    """`weights` as saved by Keras 1 for `layer`, converted to the layer's Keras 2 layout (a new list)."""
    weights = list(weights)
    cls = type(layer).__name__
    channels_first = getattr(layer, "data_format", None) == "channels_first"
    if cls == "Conv1D":
        return _convert_conv1d(layer, weights)
    if cls == "Conv2D" and channels_first:
        weights[0] = np.transpose(weights[0], (2, 3, 1, 0))
    elif cls == "Conv2DTranspose":
        weights[0] = np.transpose(weights[0], (2, 3, 0, 1) if channels_first else (0, 1, 3, 2))
    elif cls == "Conv3D" and channels_first:
        weights[0] = np.transpose(weights[0], (2, 3, 4, 1, 0))
    elif cls == "GRU" and len(weights) == 9:
        weights = _concat_gates(weights, (0, 1, 2), 3)
    elif cls == "LSTM" and len(weights) == 12:
        weights = _concat_gates(weights, (0, 2, 1, 3), 3)  # Keras 1's gates are i, c, f, o
    elif cls == "ConvLSTM2D" and len(weights) == 12:
        weights = _concat_gates(weights, (0, 2, 1, 3), 3)
        if channels_first:
            weights[0] = np.transpose(weights[0], (2, 3, 1, 0))
            weights[1] = np.transpose(weights[1], (2, 3, 1, 0))
    return weights


def transpose_mismatched_kernel(layer, weights):
    """tf_keras's rule for every file: a Conv1D/2D/3D, Conv2DTranspose or ConvLSTM2D kernel whose shape differs
    from the layer's is transposed with axes (3, 2, 0, 1) (the recurrent kernel of ConvLSTM2D too)."""
    cls = type(layer).__name__
    if cls not in _CONV_CLASSES or not weights or not getattr(layer, "weights", None):
        return weights
    if tuple(layer.weights[0].array.shape) == tuple(np.shape(weights[0])) or np.ndim(weights[0]) != 4:
        return weights
    weights = list(weights)
    weights[0] = np.transpose(weights[0], (3, 2, 0, 1))
    if cls == "ConvLSTM2D" and len(weights) > 1 and np.ndim(weights[1]) == 4:
        weights[1] = np.transpose(weights[1], (3, 2, 0, 1))
    return weights


__all__ = ["convert_keras1_weights", "transpose_mismatched_kernel"]
