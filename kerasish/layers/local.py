"""Locally connected layers (Keras 2's `keras.layers.local`): convolutions whose weights are not shared,
each output position has its own kernel.

Three implementations compute the same function with the weight layouts Keras uses, so saved weights
load into the matching `implementation`:

1. `kernel` (positions, window size * channels, filters): one product per output position
   (`K.local_conv`); only 'valid' padding. Keras 2's default.
2. `kernel` over (input spatial, channels, output spatial, filters) for channels_last, or (channels,
   input spatial, filters, output spatial) for channels_first, multiplied by a 0/1 mask of the
   connections and contracted with the input in one product; 'valid' or 'same'.
3. `kernel` holding only the connected weights, one vector in the order of the sorted (output,
   input) index pairs of tf.keras's sparse matrix; 'valid' or 'same'.

The bias has one value per output position and filter: (output_length, filters) or
(rows, cols, filters).

Example:
    >>> import numpy as np
    >>> from kerasish.layers import LocallyConnected1D
    >>> layer = LocallyConnected1D(4, 3, strides=2)
    >>> layer(np.ones((2, 9, 5), "float32")).shape, layer.kernel.shape, layer.bias.shape
    ((2, 4, 4), (4, 15, 4), (4, 4))
"""
import itertools

import numpy as np

from .. import activations, constraints, initializers, regularizers
from ..backend import config
from ..backend.ops import conv as conv_ops
from ..backend.ops import linalg
from ..backend.ops import local_conv as local_ops
from ..backend.ops import math as m
from ..backend.ops import nn
from ..backend.ops import shape as shape_ops
from ..utils.serialization import register_builtin
from .convolutional import _positive_filters, normalize_padding, normalize_tuple
from .layer import InputSpec, Layer
from ..legacy import interfaces

__all__ = ["LocallyConnected1D", "LocallyConnected2D"]


def connection_mask(input_shape, kernel_size, strides, padding):
    """Boolean (*input spatial, *output spatial): which input positions each output position sees.

    tf.keras's `conv_kernel_mask`: with 'same' padding an output's window is centred on its input
    position (the kernel's left half before it).

    Example:
        >>> connection_mask((4,), (2,), (2,), "valid").astype(int).tolist()
        [[1, 0], [1, 0], [0, 1], [0, 1]]
    """
    output_shape = tuple(conv_ops.conv_output_length(n, k, padding, s)
                         for n, k, s in zip(input_shape, kernel_size, strides))
    mask = np.zeros(tuple(input_shape) + output_shape, bool)
    for output_position in itertools.product(*(range(n) for n in output_shape)):
        ranges = []
        for n, k, s, p in zip(input_shape, kernel_size, strides, output_position):
            left = k // 2
            centre = p * s + (left if padding == "valid" else 0)
            ranges.append(slice(max(0, centre - left), min(n, centre + k - left)))
        mask[tuple(ranges) + output_position] = True
    return mask


class LocallyConnected(Layer):
    """Base of LocallyConnected1D/2D (`rank` spatial axes).

    Args:
        rank: 1 or 2.
        filters: number of output channels.
        kernel_size, strides: an int or `rank` ints.
        padding: 'valid' ('same' too with implementation 2 or 3).
        data_format: 'channels_last' (default from `image_data_format()`) or 'channels_first'.
        activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint: as for Dense.
        implementation: 1, 2 or 3 (see the module's description).
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, implementation=1, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        cls = type(self).__name__
        self.rank = rank
        self.filters = _positive_filters(filters, cls)
        self.kernel_size = normalize_tuple(kernel_size, rank, "kernel_size", cls)
        self.strides = normalize_tuple(strides, rank, "strides", cls)
        self.padding = normalize_padding(padding, cls, allowed=("valid", "same"))
        if implementation not in (1, 2, 3):
            raise ValueError(f"{cls}: `implementation` must be 1, 2 or 3; received implementation={implementation!r}")
        if self.padding != "valid" and implementation == 1:
            raise ValueError(f'Invalid border mode for {cls} (only "valid" is supported if implementation is 1). '
                             f"Received: padding={padding!r}")
        self.implementation = implementation
        self.data_format = config.normalize_data_format(data_format)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(ndim=rank + 2)

    # -- shapes --------------------------------------------------------------------------------
    def _split(self, input_shape):
        """(channels, spatial sizes) of an input shape."""
        shape = tuple(input_shape)
        if self.data_format == "channels_first":
            return shape[1], shape[2:]
        return shape[-1], shape[1:-1]

    def _output_spatial(self, spatial):
        return tuple(conv_ops.conv_output_length(n, k, self.padding, s)
                     for n, k, s in zip(spatial, self.kernel_size, self.strides))

    def compute_output_shape(self, input_shape):
        """(batch, *output spatial, filters), or (batch, filters, *output spatial) for channels_first."""
        if len(tuple(input_shape)) != self.rank + 2:
            raise ValueError(f'Layer "{self.name}" ({type(self).__name__}) expects inputs of rank {self.rank + 2}; '
                             f"received input shape {tuple(input_shape)}")
        _, spatial = self._split(input_shape)
        out = self._output_spatial(spatial)
        if self.data_format == "channels_first":
            return (tuple(input_shape)[0], self.filters) + out
        return (tuple(input_shape)[0],) + out + (self.filters,)

    # -- weights -------------------------------------------------------------------------------
    def build(self, input_shape):
        cls = type(self).__name__
        channels, spatial = self._split(input_shape)
        if channels is None or any(n is None for n in spatial):
            raise ValueError(f'Layer "{self.name}" ({cls}) needs fully defined spatial and channel dimensions (its '
                             f"weights depend on them); received input shape {tuple(input_shape)}")
        output = self._output_spatial(spatial)
        if any(n <= 0 for n in output):
            raise ValueError(f'One of the dimensions in the output is <= 0 due to downsampling in "{self.name}". '
                             f"Consider increasing the input size. Received input shape {tuple(input_shape)}.")
        self._input_spatial, self._output_spatial_shape, self._channels = tuple(spatial), output, int(channels)
        positions = int(np.prod(output))
        if self.implementation == 1:
            kernel_shape = (positions, int(np.prod(self.kernel_size)) * channels, self.filters)
        elif self.implementation == 2:
            if self.data_format == "channels_first":
                kernel_shape = (channels,) + tuple(spatial) + (self.filters,) + output
            else:
                kernel_shape = tuple(spatial) + (channels,) + output + (self.filters,)
            self._kernel_mask = self._implementation_2_mask()
        else:
            self._dense_index, count = self._implementation_3_index()
            kernel_shape = (count,)
        self.kernel = self.add_weight("kernel", shape=kernel_shape, initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.bias = self.add_weight("bias", shape=output + (self.filters,), initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        axis = 1 if self.data_format == "channels_first" else -1
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={axis: channels})
        self.built = True

    def _implementation_2_mask(self):
        mask = connection_mask(self._input_spatial, self.kernel_size, self.strides, self.padding)
        rank = self.rank
        if self.data_format == "channels_first":  # (1, *in, 1, *out)
            mask = np.expand_dims(np.expand_dims(mask, 0), rank + 1)
        else:  # (*in, 1, *out, 1)
            mask = np.expand_dims(np.expand_dims(mask, rank), -1)
        return mask.astype(self.dtype)

    def _implementation_3_index(self):
        """For every entry of the dense (output size, input size) matrix, its kernel index (or the count: zero)."""
        mask = connection_mask(self._input_spatial, self.kernel_size, self.strides, self.padding)
        rank, channels, filters = self.rank, self._channels, self.filters
        connected = np.transpose(mask, tuple(range(rank, 2 * rank)) + tuple(range(rank)))  # (*out, *in)
        out_spatial, in_spatial = connected.shape[:rank], connected.shape[rank:]
        if self.data_format == "channels_first":  # outputs flattened over (filters, *out), inputs (channels, *in)
            connected = connected.reshape((1,) + out_spatial + (1,) + in_spatial)
            shape = (filters,) + out_spatial + (channels,) + in_spatial
        else:  # outputs over (*out, filters), inputs over (*in, channels)
            connected = connected.reshape(out_spatial + (1,) + in_spatial + (1,))
            shape = out_spatial + (filters,) + in_spatial + (channels,)
        dense = np.broadcast_to(connected, shape)
        dense = dense.reshape(int(np.prod(dense.shape[:rank + 1])), -1)
        rows, cols = np.nonzero(dense)  # row-major: tf.keras's sorted (output, input) pairs
        index = np.full(dense.shape, len(rows), np.int64)  # unconnected entries read an appended zero
        index[rows, cols] = np.arange(len(rows))
        return index, len(rows)

    # -- computation ---------------------------------------------------------------------------
    def call(self, inputs):
        if self.implementation == 1:
            output = local_ops.local_conv(inputs, self.kernel, self.kernel_size, self.strides,
                                         self._output_spatial_shape, self.data_format)
        elif self.implementation == 2:
            rank = self.rank + 1
            output = linalg.tensordot(inputs, m.multiply(self.kernel, self._kernel_mask),
                                      axes=(list(range(1, rank + 1)), list(range(rank))))
        else:
            weights = shape_ops.concatenate([self.kernel, np.zeros((1,), self.kernel.dtype)], axis=0)
            dense = shape_ops.take(weights, self._dense_index, axis=0)  # (output size, input size)
            flat = m.reshape(inputs, (inputs.shape[0], -1))
            output = m.reshape(m.matmul(flat, shape_ops.transpose(dense)),
                               (inputs.shape[0],) + self.compute_output_shape(inputs.shape)[1:])
        if self.use_bias:
            output = nn.bias_add(output, self.bias, data_format=self.data_format)
        return self.activation(output)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({
            "filters": self.filters, "kernel_size": self.kernel_size, "strides": self.strides,
            "padding": self.padding, "data_format": self.data_format,
            "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "implementation": self.implementation})
        return cfg


@register_builtin("layer")
class LocallyConnected1D(LocallyConnected):
    """Locally connected layer over (batch, steps, channels): a Conv1D whose windows have their own weights.

    Arguments as for `LocallyConnected` (strides default 1, padding 'valid', implementation 1).

    Example:
        >>> import numpy as np
        >>> LocallyConnected1D(2, 3, implementation=2)(np.ones((1, 5, 4), "float32")).shape
        (1, 3, 2)
    """

    @interfaces.legacy_conv1d_support
    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, implementation=1, **kwargs):
        super().__init__(1, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                         bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                         implementation=implementation, **kwargs)


@register_builtin("layer")
class LocallyConnected2D(LocallyConnected):
    """Locally connected layer over (batch, rows, cols, channels): a Conv2D whose windows have their own weights.

    Arguments as for `LocallyConnected` (strides default (1, 1), padding 'valid', implementation 1).

    Example:
        >>> import numpy as np
        >>> layer = LocallyConnected2D(3, (2, 2))
        >>> layer(np.ones((1, 4, 5, 2), "float32")).shape, layer.kernel.shape
        ((1, 3, 4, 3), (12, 8, 3))
    """

    @interfaces.legacy_conv2d_support
    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, implementation=1, **kwargs):
        super().__init__(2, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                         bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                         implementation=implementation, **kwargs)
