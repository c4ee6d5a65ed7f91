"""Convolution layers: Conv1D/2D/3D, Conv1D/2D/3DTranspose, SeparableConv1D/2D, DepthwiseConv1D/2D.

Arguments, defaults, weight names/shapes/order and `get_config` keys are those of tf_keras 2.21:
kernels are stored as Keras stores them (Conv: (*kernel_size, in // groups, filters); transposed:
(*kernel_size, filters, in); depthwise: (*kernel_size, in, depth_multiplier); separable adds a
pointwise kernel (*[1] * rank, in * depth_multiplier, filters)). Each call is one fused tape node
(`backend.ops.conv`): convolution + bias + relu together when the activation is relu; any other
activation is applied after a linear kernel. SeparableConv is two nodes (depthwise, then 1x1).

Example:
    >>> import numpy as np
    >>> from kerasish.layers import Conv2D
    >>> layer = Conv2D(4, 3, padding="same", activation="relu")
    >>> layer(np.ones((2, 8, 8, 3), "float32")).shape
    (2, 8, 8, 4)
    >>> [w.name for w in layer.weights]
    ['conv2d/kernel:0', 'conv2d/bias:0']
"""
from .. import activations, constraints, initializers, regularizers
from ..backend import config
from ..backend.ops import conv as conv_ops
from ..backend.ops import math as m
from ..backend.user_warnings import warn
from ..utils.serialization import register_builtin
from .layer import InputSpec, Layer
from .legacy_paths import lazy_reexports
from ..legacy import interfaces

__all__ = [
    "Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose",
    "SeparableConv1D", "SeparableConv2D", "DepthwiseConv1D", "DepthwiseConv2D",
    "Convolution1D", "Convolution2D", "Convolution3D", "Convolution1DTranspose", "Convolution2DTranspose",
    "Convolution3DTranspose", "SeparableConvolution1D", "SeparableConvolution2D",
    "Deconvolution2D", "Deconvolution3D", "AtrousConvolution1D", "AtrousConvolution2D",
]


# --------------------------------------------------------------------------- argument checks
def normalize_tuple(value, n, name, layer, allow_zero=False):
    """An int or n ints -> a tuple of n Python ints, each > 0 (>= 0 with `allow_zero`).

    Example:
        >>> normalize_tuple(3, 2, "kernel_size", "Conv2D"), normalize_tuple((1, 2), 2, "strides", "Conv2D")
        ((3, 3), (1, 2))
    """
    message = f"{layer}: the `{name}` argument must be an integer or a tuple of {n} integers. Received: {name}={value!r}"
    items = (value,) * n if _is_int(value) else value
    try:
        items = tuple(items)
    except TypeError:
        raise ValueError(message) from None
    if len(items) != n or not all(_is_int(v) for v in items):
        raise ValueError(message)
    out = tuple(int(v) for v in items)
    bad = [v for v in out if v < 0 or (v == 0 and not allow_zero)]
    if bad:
        raise ValueError(message + f", including {bad} that do(es) not satisfy the requirement "
                                   f"`{'>= 0' if allow_zero else '> 0'}`.")
    return out


def _is_int(v):
    if isinstance(v, bool):
        return False
    if isinstance(v, float):
        return v.is_integer()
    try:
        return int(v) == v and not isinstance(v, str)
    except (TypeError, ValueError):
        return False


def normalize_padding(value, layer, allowed=("valid", "same", "causal")):
    """'valid' / 'same' / 'causal' (case-insensitive), restricted to `allowed`."""
    padding = value.lower() if isinstance(value, str) else value
    if padding not in allowed:
        raise ValueError(f"{layer}: the `padding` argument must be one of {', '.join(map(repr, allowed))}. "
                         f"Received: padding={value!r}")
    return padding


def _positive_filters(value, layer):
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # tf_keras accepts filters=32.0
    if not _is_int(value):
        raise TypeError(f"{layer}: the `filters` argument must be a positive integer. Received: filters={value!r}")
    value = int(value)
    if value <= 0:
        raise ValueError(f"{layer}: invalid value for argument `filters`. Expected a strictly positive value. "
                         f"Received filters={value}.")
    return value


def _positive_int(value, name, layer):
    if not _is_int(value) or int(value) <= 0:
        raise ValueError(f"{layer}: the `{name}` argument must be a positive integer. Received: {name}={value!r}")
    return int(value)


def _fused_activation(fn):
    """Split an activation into what the fused kernel applies ('relu' or None) and what is left to apply."""
    name = getattr(fn, "__name__", None)
    if name in ("relu", "linear") and activations.get(name) is fn:
        return ("relu" if name == "relu" else None), None
    return None, fn


# --------------------------------------------------------------------------- the convolution family
class Conv(Layer):
    """Base of the N-d convolution layers (`rank` spatial axes); use Conv1D, Conv2D or Conv3D.

    Args:
        rank: number of spatial axes (1, 2 or 3).
        filters: number of output channels (positive int).
        kernel_size: int or tuple of `rank` ints.
        strides: int or tuple (default 1); strides > 1 cannot be combined with dilation_rate > 1.
        padding: 'valid', 'same' (TensorFlow's split: the extra pixel at the end) or 'causal' (1-D only).
        data_format: 'channels_last' (default from `image_data_format()`) or 'channels_first'.
        dilation_rate: int or tuple (default 1).
        groups: number of channel groups; input channels and filters must divide by it.
        activation: name or callable (default linear).
        use_bias, kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
        activity_regularizer, kernel_constraint, bias_constraint: as in Keras.
    """

    rank = None
    _causal_allowed = False
    _needs_filters = True

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 groups=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        cls = type(self).__name__
        self.rank = rank
        if filters is None and self._needs_filters:
            raise TypeError(f"{cls}: the `filters` argument is required (a positive integer). Received: filters=None")
        self.filters = None if filters is None else _positive_filters(filters, cls)
        self.groups = _positive_int(groups or 1, "groups", cls)
        self.kernel_size = normalize_tuple(kernel_size, rank, "kernel_size", cls)
        self.strides = normalize_tuple(strides, rank, "strides", cls, allow_zero=True)
        self.padding = normalize_padding(padding, cls)
        self.data_format = config.normalize_data_format(data_format)
        self.dilation_rate = normalize_tuple(dilation_rate, rank, "dilation_rate", cls)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=rank + 2)
        self._validate_init()
        self._set_activation()

    def _set_activation(self):
        self._fused, self._post_activation = _fused_activation(self.activation)

    def __setattr__(self, name, value):
        super().__setattr__(name, value)
        if name == "activation" and "_fused" in self.__dict__:  # users may swap `layer.activation` after init
            self._set_activation()

    def _validate_init(self):
        cls = type(self).__name__
        if self.filters is not None and self.filters % self.groups:
            raise ValueError(f"{cls}: the number of filters must be evenly divisible by the number of groups. "
                             f"Received: groups={self.groups}, filters={self.filters}")
        if not all(self.strides):
            raise ValueError(f"{cls}: the argument `strides` cannot contain 0(s). Received: strides={self.strides}")
        if self.padding == "causal" and not self._causal_allowed:
            raise ValueError(f"{cls}: causal padding is only supported for `Conv1D` and `SeparableConv1D`. "
                             "Received: padding='causal'")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{cls}: `strides > 1` not supported in conjunction with `dilation_rate > 1`. "
                             f"Received: strides={self.strides} and dilation_rate={self.dilation_rate}")

    # -- shapes --------------------------------------------------------------------------------
    def _channel_axis(self):
        return -1 - self.rank if self.data_format == "channels_first" else -1

    def _input_channels(self, input_shape):
        axis = self._channel_axis()
        channels = input_shape[axis]
        if channels is None:
            raise ValueError(f'Layer "{self.name}" ({type(self).__name__}): the channel dimension of the inputs '
                             f"should be defined. The input_shape received is {tuple(input_shape)}, where axis "
                             f"{axis} (0-based) is the channel dimension, which was found to be `None`.")
        return int(channels)

    def _spatial_axes(self, ndim):
        first = ndim - self.rank - (0 if self.data_format == "channels_first" else 1)
        return list(range(first, first + self.rank))

    def _spatial_output_shape(self, spatial):
        return [conv_ops.conv_output_length(n, k, self.padding, s, d)
                for n, k, s, d in zip(spatial, self.kernel_size, self.strides, self.dilation_rate)]

    def _output_channels(self, input_shape):
        return self.filters

    def compute_output_shape(self, input_shape):
        """Output shape with TensorFlow's rules (`conv_output_length`), leading batch axes kept.

        Example:
            >>> Conv2D(8, 3, strides=2, padding="same").compute_output_shape((None, 9, 10, 3))
            (None, 5, 5, 8)
        """
        shape = list(input_shape)
        if len(shape) < self.rank + 2:
            raise ValueError(f'Layer "{self.name}" ({type(self).__name__}) expects inputs of rank >= '
                             f"{self.rank + 2}; received input shape {tuple(input_shape)}")
        axes = self._spatial_axes(len(shape))
        spatial = self._spatial_output_shape([shape[a] for a in axes])
        if any(n is not None and n <= 0 for n in spatial):
            raise ValueError(f'One of the dimensions in the output is <= 0 due to downsampling in "{self.name}". '
                             f"Consider increasing the input size. Received input shape {tuple(input_shape)} "
                             f"which would produce output shape with a zero or negative value in a dimension.")
        for a, n in zip(axes, spatial):
            shape[a] = n
        shape[self._channel_axis()] = self._output_channels(input_shape)
        return tuple(shape)

    # -- weights -------------------------------------------------------------------------------
    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        if channels % self.groups:
            raise ValueError(f'Layer "{self.name}": the number of input channels must be evenly divisible by the '
                             f"number of groups. Received groups={self.groups}, but the input has {channels} "
                             f"channels (full input shape is {tuple(input_shape)}).")
        self.compute_output_shape(input_shape)
        self.kernel = self.add_weight("kernel", shape=self.kernel_size + (channels // self.groups, self.filters),
                                      initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, trainable=True)
        self.bias = self.add_weight("bias", shape=(self.filters,), initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                                    trainable=True) if self.use_bias else None
        self.input_spec = InputSpec(min_ndim=self.rank + 2, axes={self._channel_axis(): channels})
        self.built = True

    # -- computation ---------------------------------------------------------------------------
    def call(self, inputs):
        extra = inputs.ndim - (self.rank + 2)
        if extra > 0:  # Keras folds extra leading axes into the batch
            lead = tuple(inputs.shape[:extra + 1])
            flat = m.reshape(inputs, (-1,) + tuple(inputs.shape[extra + 1:]))
            out = self._convolve(flat)
            return m.reshape(out, lead + tuple(out.shape[1:]))
        return self._convolve(inputs)

    def _convolve(self, inputs):
        out = conv_ops.conv(inputs, self.kernel, self.bias, self.strides, self.padding, self.data_format,
                            self.dilation_rate, self.groups, activation=self._fused, name=self.name)
        return out if self._post_activation is None else self._post_activation(out)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({
            "filters": self.filters, "kernel_size": self.kernel_size, "strides": self.strides,
            "padding": self.padding, "data_format": self.data_format, "dilation_rate": self.dilation_rate,
            "groups": self.groups, "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint)})
        return cfg


@register_builtin("layer", "Convolution1D")
class Conv1D(Conv):
    """1-D convolution over (batch, steps, channels): kernel (kernel_size, channels // groups, filters).

    `padding="causal"` pads only the start, so output step t sees inputs up to t (WaveNet style).
    Other arguments as for `Conv` (the defaults of tf_keras: strides 1, 'valid', channels_last).

    Example:
        >>> import numpy as np
        >>> from kerasish.layers import Conv1D
        >>> Conv1D(2, 3, padding="causal", dilation_rate=2)(np.ones((1, 10, 4), "float32")).shape
        (1, 10, 2)
    """

    _causal_allowed = True

    @interfaces.legacy_conv1d_support
    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format="channels_last",
                 dilation_rate=1, groups=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(1, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, groups=groups, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
                         bias_constraint=bias_constraint, **kwargs)


@register_builtin("layer", "Convolution2D")
class Conv2D(Conv):
    """2-D convolution over (batch, rows, cols, channels): kernel (kh, kw, channels // groups, filters).

    Arguments as for `Conv`.

    Example:
        >>> import numpy as np
        >>> from kerasish.layers import Conv2D
        >>> layer = Conv2D(6, (3, 3), strides=2, padding="same", activation="relu")
        >>> layer(np.ones((2, 9, 9, 3), "float32")).shape, layer.kernel.shape
        ((2, 5, 5, 6), (3, 3, 3, 6))
    """

    @interfaces.legacy_conv2d_support
    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), groups=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(2, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, groups=groups, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
                         bias_constraint=bias_constraint, **kwargs)


@register_builtin("layer", "Convolution3D")
class Conv3D(Conv):
    """3-D convolution over (batch, depth, rows, cols, channels): kernel (kd, kh, kw, channels // groups, filters).

    Arguments as for `Conv`.

    Example:
        >>> import numpy as np
        >>> from kerasish.layers import Conv3D
        >>> Conv3D(2, 3, padding="same")(np.ones((1, 4, 4, 4, 1), "float32")).shape
        (1, 4, 4, 4, 2)
    """

    @interfaces.legacy_conv3d_support
    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1, 1), groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(3, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, groups=groups, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
                         bias_constraint=bias_constraint, **kwargs)


# --------------------------------------------------------------------------- transposed convolutions
class ConvTranspose(Conv):
    """Base of the transposed convolutions: kernel (*kernel_size, filters, in_channels).

    `output_padding` (int or tuple, each < the stride) adds rows/cols to one side of the output; None
    infers the output size (`deconv_output_length`). `groups` is accepted and stored but, as in
    tf_keras, does not change the computation.
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", output_padding=None, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(rank, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
                         bias_constraint=bias_constraint, **kwargs)
        cls = type(self).__name__
        if self.padding == "causal":
            raise ValueError(f"{cls}: the `padding` argument must be 'valid' or 'same'. Received: padding='causal'")
        self.output_padding = output_padding
        if output_padding is not None:
            self.output_padding = normalize_tuple(output_padding, rank, "output_padding", cls, allow_zero=True)
            if any(p >= s for p, s in zip(self.output_padding, self.strides)):
                raise ValueError(f"{cls}: strides must be greater than output padding. Received strides="
                                 f"{self.strides}, output_padding={self.output_padding}.")
        self.input_spec = InputSpec(ndim=rank + 2)

    def _op_dilation(self):
        return self.dilation_rate

    def _spatial_output_shape(self, spatial):
        pads = self.output_padding or (None,) * self.rank
        return [conv_ops.deconv_output_length(n, k, self.padding, p, s, d)
                for n, k, p, s, d in zip(spatial, self.kernel_size, pads, self.strides, self._op_dilation())]

    def compute_output_shape(self, input_shape):
        """Output shape (`deconv_output_length` per spatial axis).

        Example:
            >>> Conv2DTranspose(3, 3, strides=2, padding="same", output_padding=1).compute_output_shape((None, 4, 4, 2))
            (None, 8, 8, 3)
        """
        if len(input_shape) != self.rank + 2:
            raise ValueError(f'Layer "{self.name}" ({type(self).__name__}) expects inputs of rank {self.rank + 2}; '
                             f"received input shape {tuple(input_shape)}")
        return super().compute_output_shape(input_shape)

    def build(self, input_shape):
        if len(input_shape) != self.rank + 2:
            raise ValueError(f'Layer "{self.name}" ({type(self).__name__}) expects inputs of rank {self.rank + 2}; '
                             f"received input shape {tuple(input_shape)}")
        channels = self._input_channels(input_shape)
        self.kernel = self.add_weight("kernel", shape=self.kernel_size + (self.filters, channels),
                                      initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, trainable=True)
        self.bias = self.add_weight("bias", shape=(self.filters,), initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                                    trainable=True) if self.use_bias else None
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis(): channels})
        self.built = True

    def call(self, inputs):
        out = conv_ops.conv_transpose(inputs, self.kernel, self.bias, None, self.strides, self.padding,
                                      self.output_padding, self.data_format, self._op_dilation(),
                                      activation=self._fused, name=self.name)
        return out if self._post_activation is None else self._post_activation(out)

    def get_config(self):
        cfg = super().get_config()
        cfg["output_padding"] = self.output_padding
        return cfg


@register_builtin("layer", "Convolution1DTranspose")
class Conv1DTranspose(ConvTranspose):
    """1-D transposed convolution ("deconvolution"): kernel (kernel_size, filters, in_channels).

    Example:
        >>> import numpy as np
        >>> from kerasish.layers import Conv1DTranspose
        >>> Conv1DTranspose(2, 3, strides=2)(np.ones((1, 5, 4), "float32")).shape
        (1, 11, 2)
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(1, filters, kernel_size, strides=strides, padding=padding, output_padding=output_padding,
                         data_format=data_format, dilation_rate=dilation_rate, activation=activation,
                         use_bias=use_bias, kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
                         bias_constraint=bias_constraint, **kwargs)


@register_builtin("layer", "Convolution2DTranspose", "Deconvolution2D")
class Conv2DTranspose(ConvTranspose):
    """2-D transposed convolution: kernel (kh, kw, filters, in_channels).

    Example:
        >>> import numpy as np
        >>> from kerasish.layers import Conv2DTranspose
        >>> layer = Conv2DTranspose(4, 3, strides=2, padding="same")
        >>> layer(np.ones((1, 4, 4, 3), "float32")).shape, layer.kernel.shape
        ((1, 8, 8, 4), (3, 3, 4, 3))
    """

    @interfaces.legacy_deconv2d_support
    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", output_padding=None, data_format=None,
                 dilation_rate=(1, 1), activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(2, filters, kernel_size, strides=strides, padding=padding, output_padding=output_padding,
                         data_format=data_format, dilation_rate=dilation_rate, activation=activation,
                         use_bias=use_bias, kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
                         bias_constraint=bias_constraint, **kwargs)


@register_builtin("layer", "Convolution3DTranspose")
class Conv3DTranspose(ConvTranspose):
    """3-D transposed convolution: kernel (kd, kh, kw, filters, in_channels).

    As in tf_keras, `dilation_rate` is accepted but neither applied nor serialized: tf_keras's
    Conv3DTranspose never passes it to the op nor to the output-shape computation, and drops it from
    `get_config`.

    Example:
        >>> import numpy as np
        >>> from kerasish.layers import Conv3DTranspose
        >>> Conv3DTranspose(2, 2, strides=2)(np.ones((1, 2, 2, 2, 3), "float32")).shape
        (1, 4, 4, 4, 2)
    """

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid", output_padding=None,
                 data_format=None, dilation_rate=(1, 1, 1), activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(3, filters, kernel_size, strides=strides, padding=padding, output_padding=output_padding,
                         data_format=data_format, dilation_rate=dilation_rate, activation=activation,
                         use_bias=use_bias, kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
                         bias_constraint=bias_constraint, **kwargs)

    def _op_dilation(self):
        return (1, 1, 1)  # tf_keras quirk, see the class docstring

    def get_config(self):
        cfg = super().get_config()
        del cfg["dilation_rate"]  # tf_keras leaves it out of Conv3DTranspose's config
        return cfg


# --------------------------------------------------------------------------- depthwise convolutions
class DepthwiseConv(Conv):
    """Base of the depthwise convolutions: each input channel gets `depth_multiplier` own filters.

    Weights: `depthwise_kernel` (*kernel_size, channels, depth_multiplier) and `bias`
    (channels * depth_multiplier,). Output channel `c * depth_multiplier + m` comes from input channel c.
    `groups`, `kernel_*` arguments are accepted through **kwargs as tf_keras does; `groups` is unused.
    """

    _needs_filters = False

    def __init__(self, rank, kernel_size, strides=1, padding="valid", depth_multiplier=1, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(rank, None, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
                         bias_initializer=bias_initializer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, bias_constraint=bias_constraint, **kwargs)
        self.depth_multiplier = _positive_int(depth_multiplier, "depth_multiplier", type(self).__name__)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.input_spec = InputSpec(ndim=rank + 2)

    def _output_channels(self, input_shape):
        channels = input_shape[self._channel_axis()]
        return None if channels is None else channels * self.depth_multiplier

    def compute_output_shape(self, input_shape):
        """Output shape: spatial axes as for `Conv`, channels * depth_multiplier.

        Example:
            >>> DepthwiseConv2D(3, depth_multiplier=2, padding="same").compute_output_shape((None, 7, 7, 3))
            (None, 7, 7, 6)
        """
        if len(input_shape) != self.rank + 2:
            raise ValueError(f'Layer "{self.name}" ({type(self).__name__}) expects inputs of rank {self.rank + 2}; '
                             f"received input shape {tuple(input_shape)}")
        return super().compute_output_shape(input_shape)

    def build(self, input_shape):
        if len(input_shape) != self.rank + 2:
            raise ValueError(f'Layer "{self.name}" ({type(self).__name__}) expects inputs of rank {self.rank + 2}; '
                             f"received input shape {tuple(input_shape)}")
        channels = self._input_channels(input_shape)
        self.compute_output_shape(input_shape)
        self.depthwise_kernel = self.add_weight("depthwise_kernel",
                                                shape=self.kernel_size + (channels, self.depth_multiplier),
                                                initializer=self.depthwise_initializer,
                                                regularizer=self.depthwise_regularizer,
                                                constraint=self.depthwise_constraint)
        self.bias = self.add_weight("bias", shape=(channels * self.depth_multiplier,),
                                    initializer=self.bias_initializer, regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis(): channels})
        self.built = True

    def call(self, inputs):
        out = conv_ops.depthwise_conv(inputs, self.depthwise_kernel, self.bias, self.strides, self.padding,
                                      self.data_format, self.dilation_rate, activation=self._fused, name=self.name)
        return out if self._post_activation is None else self._post_activation(out)

    def get_config(self):
        cfg = super().get_config()
        for key in ("filters", "kernel_initializer", "kernel_regularizer", "kernel_constraint"):
            cfg.pop(key)
        cfg.update({
            "depth_multiplier": self.depth_multiplier,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint)})
        return cfg


@register_builtin("layer")
class DepthwiseConv1D(DepthwiseConv):
    """1-D depthwise convolution over (batch, steps, channels).

    Example:
        >>> import numpy as np
        >>> from kerasish.layers import DepthwiseConv1D
        >>> DepthwiseConv1D(3, depth_multiplier=2)(np.ones((1, 8, 3), "float32")).shape
        (1, 6, 6)
    """

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(1, kernel_size, strides=strides, padding=padding, depth_multiplier=depth_multiplier,
                         data_format=data_format, dilation_rate=dilation_rate, activation=activation,
                         use_bias=use_bias, depthwise_initializer=depthwise_initializer,
                         bias_initializer=bias_initializer, depthwise_regularizer=depthwise_regularizer,
                         bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
                         depthwise_constraint=depthwise_constraint, bias_constraint=bias_constraint, **kwargs)


@register_builtin("layer")
class DepthwiseConv2D(DepthwiseConv):
    """2-D depthwise convolution: depthwise_kernel (kh, kw, channels, depth_multiplier).

    Example:
        >>> import numpy as np
        >>> from kerasish.layers import DepthwiseConv2D
        >>> layer = DepthwiseConv2D(3, depth_multiplier=2, padding="same")
        >>> layer(np.ones((1, 7, 7, 3), "float32")).shape, [tuple(w.shape) for w in layer.weights]
        ((1, 7, 7, 6), [(3, 3, 3, 2), (6,)])
    """

    def __init__(self, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1, data_format=None,
                 dilation_rate=(1, 1), activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(2, kernel_size, strides=strides, padding=padding, depth_multiplier=depth_multiplier,
                         data_format=data_format, dilation_rate=dilation_rate, activation=activation,
                         use_bias=use_bias, depthwise_initializer=depthwise_initializer,
                         bias_initializer=bias_initializer, depthwise_regularizer=depthwise_regularizer,
                         bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
                         depthwise_constraint=depthwise_constraint, bias_constraint=bias_constraint, **kwargs)


# --------------------------------------------------------------------------- separable convolutions
class SeparableConv(Conv):
    """Base of the separable convolutions: a depthwise convolution, then a 1x1 convolution to `filters`.

    Weights in order: `depthwise_kernel` (*kernel_size, channels, depth_multiplier), `pointwise_kernel`
    (*[1] * rank, channels * depth_multiplier, filters), `bias` (filters,). Strides, padding and dilation
    apply to the depthwise step. `groups`, `kernel_*` arguments are accepted (and serialized) as in
    tf_keras, which stores but does not use them.
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 depth_multiplier=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(rank, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
                         bias_initializer=bias_initializer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, bias_constraint=bias_constraint, **kwargs)
        self.depth_multiplier = _positive_int(depth_multiplier, "depth_multiplier", type(self).__name__)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.pointwise_constraint = constraints.get(pointwise_constraint)
        self.input_spec = InputSpec(ndim=rank + 2)

    def compute_output_shape(self, input_shape):
        """Output shape as for `Conv` (the pointwise step keeps the spatial shape).

        Example:
            >>> SeparableConv2D(2, 3, strides=2).compute_output_shape((None, 8, 8, 4))
            (None, 3, 3, 2)
        """
        if len(input_shape) != self.rank + 2:
            raise ValueError(f'Layer "{self.name}" ({type(self).__name__}) expects inputs of rank {self.rank + 2}; '
                             f"received input shape {tuple(input_shape)}")
        return super().compute_output_shape(input_shape)

    def build(self, input_shape):
        if len(input_shape) != self.rank + 2:
            raise ValueError(f'Layer "{self.name}" ({type(self).__name__}) expects inputs of rank {self.rank + 2}; '
                             f"received input shape {tuple(input_shape)}")
        channels = self._input_channels(input_shape)
        self.compute_output_shape(input_shape)
        self.depthwise_kernel = self.add_weight("depthwise_kernel",
                                                shape=self.kernel_size + (channels, self.depth_multiplier),
                                                initializer=self.depthwise_initializer,
                                                regularizer=self.depthwise_regularizer,
                                                constraint=self.depthwise_constraint, trainable=True)
        self.pointwise_kernel = self.add_weight("pointwise_kernel",
                                                shape=(1,) * self.rank + (channels * self.depth_multiplier,
                                                                          self.filters),
                                                initializer=self.pointwise_initializer,
                                                regularizer=self.pointwise_regularizer,
                                                constraint=self.pointwise_constraint, trainable=True)
        self.bias = self.add_weight("bias", shape=(self.filters,), initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                                    trainable=True) if self.use_bias else None
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis(): channels})
        self.built = True

    def call(self, inputs):
        out = conv_ops.separable_conv(inputs, self.depthwise_kernel, self.pointwise_kernel, self.bias, self.strides,
                                      self.padding, self.data_format, self.dilation_rate, activation=self._fused,
                                      name=self.name)
        return out if self._post_activation is None else self._post_activation(out)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({
            "depth_multiplier": self.depth_multiplier,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "pointwise_regularizer": regularizers.serialize(self.pointwise_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
            "pointwise_constraint": constraints.serialize(self.pointwise_constraint)})
        return cfg


@register_builtin("layer", "SeparableConvolution1D")
class SeparableConv1D(SeparableConv):
    """1-D separable convolution over (batch, steps, channels); padding may be 'causal'.

    Example:
        >>> import numpy as np
        >>> from kerasish.layers import SeparableConv1D
        >>> SeparableConv1D(4, 3, padding="causal")(np.ones((2, 6, 3), "float32")).shape
        (2, 6, 4)
    """

    _causal_allowed = True

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 depth_multiplier=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(1, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, depth_multiplier=depth_multiplier, activation=activation,
                         use_bias=use_bias, depthwise_initializer=depthwise_initializer,
                         pointwise_initializer=pointwise_initializer, bias_initializer=bias_initializer,
                         depthwise_regularizer=depthwise_regularizer, pointwise_regularizer=pointwise_regularizer,
                         bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
                         depthwise_constraint=depthwise_constraint, pointwise_constraint=pointwise_constraint,
                         bias_constraint=bias_constraint, **kwargs)


@register_builtin("layer", "SeparableConvolution2D")
class SeparableConv2D(SeparableConv):
    """2-D separable convolution: a per-channel (depthwise) conv, then a 1x1 conv mixing channels.

    Example:
        >>> import numpy as np
        >>> from kerasish.layers import SeparableConv2D
        >>> layer = SeparableConv2D(4, 3, depth_multiplier=2, padding="same", activation="relu")
        >>> layer(np.ones((1, 8, 8, 3), "float32")).shape, [tuple(w.shape) for w in layer.weights]
        ((1, 8, 8, 4), [(3, 3, 3, 2), (1, 1, 6, 4), (4,)])
    """

    @interfaces.legacy_separable_conv2d_support
    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(2, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, depth_multiplier=depth_multiplier, activation=activation,
                         use_bias=use_bias, depthwise_initializer=depthwise_initializer,
                         pointwise_initializer=pointwise_initializer, bias_initializer=bias_initializer,
                         depthwise_regularizer=depthwise_regularizer, pointwise_regularizer=pointwise_regularizer,
                         bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
                         depthwise_constraint=depthwise_constraint, pointwise_constraint=pointwise_constraint,
                         bias_constraint=bias_constraint, **kwargs)


Convolution1D = Conv1D
# Keras 1's names read `Convolution2D(32, 3, 3)` as a 3x3 kernel (Keras 1's nb_row, nb_col); `Conv2D(32, 3, 3)`
# keeps tf.keras's strides=3
Convolution2D = interfaces.keras1_name("Convolution2D", Conv2D, interfaces.conv2d_args_preprocessor)
Convolution3D = interfaces.keras1_name("Convolution3D", Conv3D, interfaces.conv3d_args_preprocessor)
Convolution1DTranspose = Conv1DTranspose
Convolution2DTranspose = Conv2DTranspose
Convolution3DTranspose = Conv3DTranspose
SeparableConvolution1D = SeparableConv1D
SeparableConvolution2D = interfaces.keras1_name("SeparableConvolution2D", SeparableConv2D,
                                                interfaces.separable_conv2d_args_preprocessor)


# Keras 2's names in this module: its aliases of the transposed convolutions, and the layers it
# re-exported from its neighbours (`from keras.layers.convolutional import MaxPooling2D, ZeroPadding2D`)
Deconv2D = Conv2DTranspose
Deconvolution2D = interfaces.keras1_name("Deconvolution2D", Conv2DTranspose, interfaces.deconv2d_args_preprocessor)
Deconvolution3D = Deconv3D = Conv3DTranspose


def _atrous(conv, name, args, kwargs):
    kwargs["dilation_rate"] = kwargs.pop("atrous_rate", 1)
    warn(f"The `{name}` layer  has been deprecated. Use instead the `{getattr(conv, '_keras2_class', conv).__name__}` layer with the "
         "`dilation_rate` argument.")
    return conv(*args, **kwargs)


@register_builtin("layer", "AtrousConv1D")
class AtrousConvolution1D(Conv1D):
    """Keras 1's dilated 1-D convolution: `AtrousConvolution1D(..., atrous_rate=r)` makes the `Conv1D` with
    `dilation_rate=r` (and warns), as Keras 2.x did; Keras 1 model configs naming it load the same way.

    Example:
        >>> import warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     layer = AtrousConvolution1D(4, 3, atrous_rate=2)
        >>> type(layer).__name__, layer.dilation_rate
        ('Conv1D', (2,))
    """

    def __new__(cls, *args, **kwargs):
        return _atrous(Conv1D, "AtrousConvolution1D", args, kwargs)


@register_builtin("layer", "AtrousConv2D")
class AtrousConvolution2D(Conv2D):
    """Keras 1's dilated 2-D convolution: makes the `Conv2D` with `dilation_rate=atrous_rate` (and warns).

    Example:
        >>> import warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     layer = AtrousConvolution2D(4, 3, 3, atrous_rate=(2, 2))
        >>> type(layer).__name__, layer.kernel_size, layer.dilation_rate
        ('Conv2D', (3, 3), (2, 2))
    """

    def __new__(cls, *args, **kwargs):
        return _atrous(Convolution2D, "AtrousConvolution2D", args, kwargs)  # Keras 1's kernel sides


AtrousConv1D = AtrousConvolution1D
AtrousConv2D = AtrousConvolution2D

__getattr__ = lazy_reexports(__name__, {
    "pooling": ("MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D",
                "AveragePooling3D"),
    "reshaping": ("UpSampling1D", "UpSampling2D", "UpSampling3D", "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D",
                  "Cropping1D", "Cropping2D", "Cropping3D"),
})
