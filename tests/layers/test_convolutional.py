"""Convolution layers: the layer contract (run_layer_test), values against naive numpy loops,
gradients against finite differences (float64), tf_keras configs/weights/shapes, and errors."""
import numpy as np
import pytest

import kerasish as keras
from kerasish import layers
from kerasish.testing import check_layer_grads, run_layer_test

RNG = np.random.default_rng(0)


def _x(*shape):
    return RNG.standard_normal(shape).astype("float32")


# --------------------------------------------------------------------------- naive references
def _pads(length, k, stride, dilation, padding):
    """(output length, pad before, pad after) by TensorFlow's rules, written out longhand."""
    span = dilation * (k - 1) + 1
    if padding == "valid":
        return (length - span) // stride + 1, 0, 0
    if padding == "causal":
        return (length - 1) // stride + 1, span - 1, 0
    out = -(-length // stride)
    total = max(0, (out - 1) * stride + span - length)
    return out, total // 2, total - total // 2


def naive_conv(x, w, strides, padding, dilation, groups=1):
    """Channels-last cross-correlation: loops over output pixels, kernel taps and groups."""
    nd = x.ndim - 2
    ksize = w.shape[:nd]
    geo = [_pads(n, k, s, d, padding) for n, k, s, d in zip(x.shape[1:-1], ksize, strides, dilation)]
    xp = np.pad(x.astype(np.float64), [(0, 0)] + [(b, a) for _, b, a in geo] + [(0, 0)])
    cin_g, filters = w.shape[-2], w.shape[-1]
    f_g = filters // groups
    out = np.zeros((x.shape[0],) + tuple(g[0] for g in geo) + (filters,))
    for pos in np.ndindex(*out.shape[1:-1]):
        for tap in np.ndindex(*ksize):
            src = tuple(p * s + t * d for p, s, t, d in zip(pos, strides, tap, dilation))
            pixel = xp[(slice(None),) + src]
            for g in range(groups):
                out[(slice(None),) + pos + (slice(g * f_g, (g + 1) * f_g),)] += \
                    pixel[:, g * cin_g:(g + 1) * cin_g] @ w[tap][:, g * f_g:(g + 1) * f_g]
    return out


def naive_conv_transpose(x, w, out_len, strides, padding, dilation):
    """Transposed convolution: every input pixel scatters `x @ W[tap].T` onto the output, shifted by
    TF's 'same' pad of the forward convolution that maps the output back to the input."""
    nd = x.ndim - 2
    ksize = w.shape[:nd]
    before = [(_pads(lo, k, s, d, padding)[1] if padding == "same" else 0)
              for lo, k, s, d in zip(out_len, ksize, strides, dilation)]
    out = np.zeros((x.shape[0],) + tuple(out_len) + (w.shape[-2],))
    for pos in np.ndindex(*x.shape[1:-1]):
        for tap in np.ndindex(*ksize):
            dst = tuple(p * s + t * d - b for p, s, t, d, b in zip(pos, strides, tap, dilation, before))
            if all(0 <= v < n for v, n in zip(dst, out_len)):
                out[(slice(None),) + dst] += x[(slice(None),) + pos].astype(np.float64) @ w[tap].T
    return out


def naive_depthwise(x, w, strides, padding, dilation):
    """Depthwise as a grouped convolution with one group per input channel."""
    nd = x.ndim - 2
    channels, mult = w.shape[-2], w.shape[-1]
    full = np.zeros(w.shape[:nd] + (1, channels * mult))
    for c in range(channels):
        full[..., 0, c * mult:(c + 1) * mult] = w[..., c, :]
    return naive_conv(x, full, strides, padding, dilation, groups=channels)


def to_cf(a):
    return np.ascontiguousarray(np.moveaxis(a, -1, 1))


def relu(a):
    return np.maximum(a, 0)


# --------------------------------------------------------------------------- layer contract
CONV_CONFIGS = [  # (class, kwargs, input shape, expected output shape)
    (layers.Conv1D, {"filters": 3, "kernel_size": 3}, (2, 7, 2), (None, 5, 3)),
    (layers.Conv1D, {"filters": 2, "kernel_size": 2, "strides": 2, "padding": "same"}, (2, 7, 3), (None, 4, 2)),
    (layers.Conv1D, {"filters": 2, "kernel_size": 3, "padding": "causal", "dilation_rate": 2, "activation": "relu"},
     (2, 6, 2), (None, 6, 2)),
    (layers.Conv1D, {"filters": 4, "kernel_size": 2, "groups": 2, "data_format": "channels_first"}, (2, 4, 5),
     (None, 4, 4)),
    (layers.Conv2D, {"filters": 3, "kernel_size": 3, "activation": "relu"}, (2, 5, 6, 2), (None, 3, 4, 3)),
    (layers.Conv2D, {"filters": 2, "kernel_size": (2, 3), "strides": (2, 1), "padding": "same", "use_bias": False},
     (2, 5, 4, 3), (None, 3, 4, 2)),
    (layers.Conv2D, {"filters": 2, "kernel_size": 2, "dilation_rate": 2, "activation": "tanh"}, (1, 5, 5, 2),
     (None, 3, 3, 2)),
    (layers.Conv2D, {"filters": 4, "kernel_size": 3, "padding": "same", "groups": 2}, (1, 4, 4, 4), (None, 4, 4, 4)),
    (layers.Conv2D, {"filters": 3, "kernel_size": 2, "strides": 2, "data_format": "channels_first",
                     "activation": "relu"}, (2, 2, 5, 4), (None, 3, 2, 2)),
    (layers.Conv3D, {"filters": 2, "kernel_size": 2}, (1, 3, 4, 3, 2), (None, 2, 3, 2, 2)),
    (layers.Conv3D, {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same",
                     "data_format": "channels_first"}, (1, 2, 4, 3, 5), (None, 2, 2, 2, 3)),
]


@pytest.mark.parametrize("cls,kwargs,shape,expected", CONV_CONFIGS)
def test_conv_contract_and_values(cls, kwargs, shape, expected):
    out = run_layer_test(cls, kwargs, input_shape=shape, expected_output_shape=expected,
                         expected_num_trainable_weights=1 + kwargs.get("use_bias", True))
    # the same layer again, checked against the naive loops
    layer = cls(**kwargs)
    x = _x(*shape)
    y = np.asarray(layer(x))
    nd = len(shape) - 2
    cf = kwargs.get("data_format") == "channels_first"
    xl = np.moveaxis(x, 1, -1) if cf else x
    k = layer.kernel.numpy()
    ref = naive_conv(xl, k, layer.strides, layer.padding, layer.dilation_rate, layer.groups)
    if layer.use_bias:
        ref = ref + layer.bias.numpy()
    ref = {"relu": relu, "tanh": np.tanh}.get(kwargs.get("activation"), lambda a: a)(ref)
    np.testing.assert_allclose(y, to_cf(ref) if cf else ref, rtol=1e-5, atol=1e-5)
    assert y.dtype == np.float32 and out.shape[1:] == y.shape[1:] and k.shape[:nd] == layer.kernel_size


@pytest.mark.parametrize("cls,kwargs,shape,expected", [c for c in CONV_CONFIGS if c[0] is not layers.Conv3D])
def test_conv_gradients(cls, kwargs, shape, expected):
    check_layer_grads(cls, kwargs, input_shape=shape)


def test_conv_weights_names_shapes_and_order():
    keras.backend.clear_session()
    conv = layers.Conv2D(4, 3)
    conv(np.zeros((1, 5, 5, 2), "float32"))
    assert [w.name for w in conv.weights] == ["conv2d/kernel:0", "conv2d/bias:0"]
    assert [tuple(w.shape) for w in conv.weights] == [(3, 3, 2, 4), (4,)]
    grouped = layers.Conv1D(6, 2, groups=3)
    grouped(np.zeros((1, 4, 3), "float32"))
    assert grouped.kernel.shape == (2, 1, 6) and grouped.name == "conv1d"


def test_conv_default_config_is_tf_keras():
    cfg = layers.Conv2D(4, 3, name="c").get_config()
    assert list(cfg) == ["name", "trainable", "dtype", "filters", "kernel_size", "strides", "padding", "data_format",
                         "dilation_rate", "groups", "activation", "use_bias", "kernel_initializer", "bias_initializer",
                         "kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint",
                         "bias_constraint"]
    assert cfg["kernel_size"] == (3, 3) and cfg["strides"] == (1, 1) and cfg["dilation_rate"] == (1, 1)
    assert cfg["padding"] == "valid" and cfg["data_format"] == "channels_last" and cfg["activation"] == "linear"
    assert cfg["kernel_initializer"]["class_name"] == "GlorotUniform"
    assert cfg["bias_initializer"]["class_name"] == "Zeros"
    assert layers.Conv1D(2, 3).get_config()["kernel_size"] == (3,)


def test_conv_on_symbolic_input_in_a_model():
    inp = keras.Input(shape=(9, 10, 2))
    out = layers.Conv2D(4, 3, strides=2, padding="same")(inp)
    assert out.shape == (None, 5, 5, 4)
    model = keras.Model(inp, layers.Conv2D(2, (2, 3), strides=(2, 1), padding="same")(out))
    assert model.output_shape == (None, 3, 5, 2)
    assert model.predict(_x(3, 9, 10, 2), verbose=0).shape == (3, 3, 5, 2)


def test_conv_folds_extra_leading_axes_into_the_batch():
    layer = layers.Conv1D(2, 2)
    x = _x(2, 3, 5, 4)
    y = np.asarray(layer(x))
    assert y.shape == (2, 3, 4, 2)
    np.testing.assert_allclose(y[1], np.asarray(layer(x[1])), rtol=1e-6)
    assert layer.compute_output_shape((None, 3, 5, 4)) == (None, 3, 4, 2)


@pytest.mark.parametrize("cls,shape,kwargs,expected", [
    (layers.Conv2D, (None, 28, 28, 1), {"filters": 32, "kernel_size": 3}, (None, 26, 26, 32)),
    (layers.Conv2D, (None, 9, 10, 3), {"filters": 8, "kernel_size": 3, "strides": 2, "padding": "same"},
     (None, 5, 5, 8)),
    (layers.Conv2D, (None, 9, None, 3), {"filters": 8, "kernel_size": 3, "dilation_rate": 3}, (None, 3, None, 8)),
    (layers.Conv1D, (4, 10, 3), {"filters": 2, "kernel_size": 4, "strides": 3}, (4, 3, 2)),
    (layers.Conv1D, (None, 10, 3), {"filters": 2, "kernel_size": 4, "padding": "causal", "strides": 3},
     (None, 4, 2)),
    (layers.Conv3D, (None, 3, 7, 6, 5), {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same",
                                         "data_format": "channels_first"}, (None, 2, 4, 3, 3)),
])
def test_conv_compute_output_shape(cls, shape, kwargs, expected):
    assert cls(**kwargs).compute_output_shape(shape) == expected


# --------------------------------------------------------------------------- transposed convolutions
TRANSPOSE_CONFIGS = [
    (layers.Conv1DTranspose, {"filters": 2, "kernel_size": 3, "strides": 2}, (2, 4, 3), (None, 9, 2)),
    (layers.Conv1DTranspose, {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same",
                              "output_padding": 1}, (2, 4, 3), (None, 8, 2)),
    (layers.Conv1DTranspose, {"filters": 2, "kernel_size": 2, "dilation_rate": 2, "activation": "relu"},
     (1, 4, 2), (None, 6, 2)),
    (layers.Conv2DTranspose, {"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same",
                              "activation": "relu"}, (2, 3, 4, 2), (None, 6, 8, 3)),
    (layers.Conv2DTranspose, {"filters": 2, "kernel_size": (2, 3), "strides": (2, 3), "output_padding": (1, 2)},
     (1, 3, 2, 2), (None, 7, 8, 2)),
    (layers.Conv2DTranspose, {"filters": 2, "kernel_size": 4, "strides": 2, "padding": "same",
                              "data_format": "channels_first", "use_bias": False}, (1, 3, 3, 2), (None, 2, 6, 4)),
    (layers.Conv3DTranspose, {"filters": 2, "kernel_size": 2, "strides": 2}, (1, 2, 2, 3, 2), (None, 4, 4, 6, 2)),
    (layers.Conv3DTranspose, {"filters": 1, "kernel_size": 3, "strides": (1, 2, 1), "padding": "same",
                              "output_padding": (0, 1, 0)}, (1, 2, 3, 2, 2), (None, 2, 6, 2, 1)),
]


@pytest.mark.parametrize("cls,kwargs,shape,expected", TRANSPOSE_CONFIGS)
def test_conv_transpose_contract_and_values(cls, kwargs, shape, expected):
    run_layer_test(cls, kwargs, input_shape=shape, expected_output_shape=expected,
                   expected_num_trainable_weights=1 + kwargs.get("use_bias", True))
    layer = cls(**kwargs)
    x = _x(*shape)
    y = np.asarray(layer(x))
    cf = kwargs.get("data_format") == "channels_first"
    xl = np.moveaxis(x, 1, -1) if cf else x
    out_len = np.moveaxis(y, 1, -1).shape[1:-1] if cf else y.shape[1:-1]
    ref = naive_conv_transpose(xl, layer.kernel.numpy(), out_len, layer.strides, layer.padding,
                               layer.dilation_rate)
    if layer.use_bias:
        ref = ref + layer.bias.numpy()
    if kwargs.get("activation") == "relu":
        ref = relu(ref)
    np.testing.assert_allclose(y, to_cf(ref) if cf else ref, rtol=1e-5, atol=1e-5)
    assert layer.kernel.shape[-2:] == (layer.filters, xl.shape[-1])


@pytest.mark.parametrize("cls,kwargs,shape,expected", TRANSPOSE_CONFIGS[:6])
def test_conv_transpose_gradients(cls, kwargs, shape, expected):
    check_layer_grads(cls, kwargs, input_shape=shape)


def test_conv_transpose_config_and_shapes():
    layer = layers.Conv2DTranspose(4, 3, strides=2, padding="same", output_padding=1)
    cfg = layer.get_config()
    assert cfg["output_padding"] == (1, 1) and cfg["groups"] == 1 and list(cfg)[-1] == "output_padding"
    assert layers.Conv2DTranspose(2, 2).get_config()["output_padding"] is None
    assert layer.compute_output_shape((None, 4, 5, 3)) == (None, 8, 10, 4)
    assert layers.Conv2DTranspose(2, 3, strides=2).compute_output_shape((None, 5, None, 3)) == (None, 11, None, 2)
    assert layers.Conv1DTranspose(2, 5, padding="same").compute_output_shape((3, 7, 1)) == (3, 7, 2)
    with pytest.raises(ValueError, match="output padding"):
        layers.Conv2DTranspose(2, 3, strides=2, output_padding=2)
    with pytest.raises(ValueError, match="padding"):
        layers.Conv1DTranspose(2, 3, padding="causal")
    with pytest.raises(ValueError, match=r'conv2d_transpose.*expected ndim=4, found ndim=3'):
        layers.Conv2DTranspose(2, 3, name="conv2d_transpose")(np.zeros((1, 4, 4), "float32"))


def test_conv3d_transpose_ignores_dilation_like_tf_keras():
    layer = layers.Conv3DTranspose(1, 2, dilation_rate=2)
    assert np.asarray(layer(np.ones((1, 2, 2, 2, 1), "float32"))).shape == (1, 3, 3, 3, 1)
    assert "dilation_rate" not in layer.get_config()


# --------------------------------------------------------------------------- depthwise and separable
DEPTHWISE_CONFIGS = [
    (layers.DepthwiseConv1D, {"kernel_size": 3, "depth_multiplier": 2}, (2, 6, 2), (None, 4, 4)),
    (layers.DepthwiseConv1D, {"kernel_size": 2, "strides": 2, "padding": "same", "activation": "relu",
                              "data_format": "channels_first"}, (2, 3, 5), (None, 3, 3)),
    (layers.DepthwiseConv2D, {"kernel_size": 3, "depth_multiplier": 2, "padding": "same"}, (2, 4, 5, 3),
     (None, 4, 5, 6)),
    (layers.DepthwiseConv2D, {"kernel_size": (2, 2), "strides": 2, "use_bias": False}, (1, 5, 4, 2),
     (None, 2, 2, 2)),
    (layers.DepthwiseConv2D, {"kernel_size": 2, "dilation_rate": 2, "activation": "relu"}, (1, 5, 5, 2),
     (None, 3, 3, 2)),
]


@pytest.mark.parametrize("cls,kwargs,shape,expected", DEPTHWISE_CONFIGS)
def test_depthwise_contract_values_and_gradients(cls, kwargs, shape, expected):
    run_layer_test(cls, kwargs, input_shape=shape, expected_output_shape=expected,
                   expected_num_trainable_weights=1 + kwargs.get("use_bias", True))
    layer = cls(**kwargs)
    x = _x(*shape)
    y = np.asarray(layer(x))
    cf = kwargs.get("data_format") == "channels_first"
    xl = np.moveaxis(x, 1, -1) if cf else x
    ref = naive_depthwise(xl, layer.depthwise_kernel.numpy(), layer.strides, layer.padding, layer.dilation_rate)
    if layer.use_bias:
        ref = ref + layer.bias.numpy()
    if kwargs.get("activation") == "relu":
        ref = relu(ref)
    np.testing.assert_allclose(y, to_cf(ref) if cf else ref, rtol=1e-5, atol=1e-5)
    check_layer_grads(cls, kwargs, input_shape=shape)


SEPARABLE_CONFIGS = [
    (layers.SeparableConv1D, {"filters": 3, "kernel_size": 3, "depth_multiplier": 2}, (2, 6, 2), (None, 4, 3)),
    (layers.SeparableConv1D, {"filters": 2, "kernel_size": 2, "padding": "causal", "dilation_rate": 2,
                              "activation": "relu"}, (1, 5, 3), (None, 5, 2)),
    (layers.SeparableConv2D, {"filters": 4, "kernel_size": 3, "depth_multiplier": 2, "padding": "same",
                              "activation": "relu"}, (1, 4, 4, 3), (None, 4, 4, 4)),
    (layers.SeparableConv2D, {"filters": 2, "kernel_size": 3, "strides": 2, "data_format": "channels_first"},
     (2, 2, 5, 6), (None, 2, 2, 2)),
]


@pytest.mark.parametrize("cls,kwargs,shape,expected", SEPARABLE_CONFIGS)
def test_separable_contract_values_and_gradients(cls, kwargs, shape, expected):
    run_layer_test(cls, kwargs, input_shape=shape, expected_output_shape=expected,
                   expected_num_trainable_weights=3)
    layer = cls(**kwargs)
    x = _x(*shape)
    y = np.asarray(layer(x))
    cf = kwargs.get("data_format") == "channels_first"
    xl = np.moveaxis(x, 1, -1) if cf else x
    mid = naive_depthwise(xl, layer.depthwise_kernel.numpy(), layer.strides, layer.padding, layer.dilation_rate)
    ref = mid @ layer.pointwise_kernel.numpy().reshape(mid.shape[-1], -1) + layer.bias.numpy()
    if kwargs.get("activation") == "relu":
        ref = relu(ref)
    np.testing.assert_allclose(y, to_cf(ref) if cf else ref, rtol=1e-5, atol=1e-5)
    check_layer_grads(cls, kwargs, input_shape=shape)


def test_depthwise_and_separable_weights_and_configs_match_tf_keras():
    keras.backend.clear_session()
    dw = layers.DepthwiseConv2D(3, depth_multiplier=2, padding="same")
    dw(np.zeros((1, 7, 7, 3), "float32"))
    assert [(w.name, tuple(w.shape)) for w in dw.weights] == [
        ("depthwise_conv2d/depthwise_kernel:0", (3, 3, 3, 2)), ("depthwise_conv2d/bias:0", (6,))]
    assert list(dw.get_config()) == [
        "name", "trainable", "dtype", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "groups",
        "activation", "use_bias", "bias_initializer", "bias_regularizer", "activity_regularizer", "bias_constraint",
        "depth_multiplier", "depthwise_initializer", "depthwise_regularizer", "depthwise_constraint"]
    sep = layers.SeparableConv2D(4, 3, depth_multiplier=2)
    sep(np.zeros((1, 8, 8, 3), "float32"))
    assert [(w.name, tuple(w.shape)) for w in sep.weights] == [
        ("separable_conv2d/depthwise_kernel:0", (3, 3, 3, 2)), ("separable_conv2d/pointwise_kernel:0", (1, 1, 6, 4)),
        ("separable_conv2d/bias:0", (4,))]
    cfg = sep.get_config()
    assert list(cfg)[-7:] == ["depth_multiplier", "depthwise_initializer", "pointwise_initializer",
                              "depthwise_regularizer", "pointwise_regularizer", "depthwise_constraint",
                              "pointwise_constraint"]
    assert cfg["kernel_initializer"]["class_name"] == "GlorotUniform" and cfg["groups"] == 1
    assert layers.SeparableConv2D.from_config(cfg).get_config() == cfg


# --------------------------------------------------------------------------- errors, aliases, registry
@pytest.mark.parametrize("kwargs,match", [
    ({"filters": 0, "kernel_size": 3}, "filters"),
    ({"filters": -2, "kernel_size": 3}, "filters"),
    ({"filters": 2, "kernel_size": (3, 3, 3)}, "kernel_size"),
    ({"filters": 2, "kernel_size": 0}, "kernel_size"),
    ({"filters": 2, "kernel_size": 3, "strides": 0}, "strides"),
    ({"filters": 2, "kernel_size": 3, "strides": (1, "a")}, "strides"),
    ({"filters": 2, "kernel_size": 3, "padding": "full"}, "padding"),
    ({"filters": 2, "kernel_size": 3, "padding": "causal"}, "causal"),
    ({"filters": 2, "kernel_size": 3, "strides": 2, "dilation_rate": 2}, "dilation_rate"),
    ({"filters": 3, "kernel_size": 3, "groups": 2}, "groups"),
    ({"filters": 2, "kernel_size": 3, "data_format": "NHWC"}, "data_format"),
])
def test_conv2d_argument_errors_name_the_argument(kwargs, match):
    with pytest.raises(ValueError, match=match):
        layers.Conv2D(**kwargs)


def test_filters_of_the_wrong_type_is_a_type_error():
    with pytest.raises(TypeError, match="filters"):
        layers.Conv2D("8", 3)
    with pytest.raises(TypeError, match="filters"):
        layers.Conv1D(None, 3)
    assert layers.Conv2D(8.0, 3).filters == 8


def test_wrong_input_rank_and_channels_name_the_layer():
    layer = layers.Conv2D(2, 3, name="my_conv")
    with pytest.raises(ValueError, match=r'"my_conv".*expected min_ndim=4, found ndim=3. Full shape received: '
                                         r"\(2, 5, 5\)"):
        layer(np.zeros((2, 5, 5), "float32"))
    layer(np.zeros((1, 5, 5, 3), "float32"))
    with pytest.raises(ValueError, match=r'"my_conv".*axis -1.*value 3'):
        layer(np.zeros((1, 5, 5, 4), "float32"))
    with pytest.raises(ValueError, match=r'"dw".*expected ndim=4'):
        layers.DepthwiseConv2D(3, name="dw")(np.zeros((1, 2, 5, 5, 3), "float32"))
    with pytest.raises(ValueError, match="groups"):
        layers.Conv2D(4, 3, groups=2)(np.zeros((1, 5, 5, 3), "float32"))
    with pytest.raises(ValueError, match=r'<= 0.*"small"'):
        layers.Conv2D(2, 5, name="small")(keras.Input(shape=(3, 3, 1)))
    with pytest.raises(ValueError, match="causal"):
        layers.DepthwiseConv1D(3, padding="causal")


def test_aliases_and_registry():
    assert layers.Convolution1D is layers.Conv1D and layers.Convolution2DTranspose is layers.Conv2DTranspose
    assert layers.Convolution1DTranspose is layers.Conv1DTranspose
    assert layers.Convolution3DTranspose is layers.Conv3DTranspose
    assert layers.SeparableConvolution1D is layers.SeparableConv1D
    # Keras 1's names read three positional integers as kernel sides (tests/test_keras1_interface.py), and make
    # and match the Keras 2 class as the aliases they were in Keras 2.x
    for old, new in ((layers.Convolution2D, layers.Conv2D), (layers.Convolution3D, layers.Conv3D),
                     (layers.SeparableConvolution2D, layers.SeparableConv2D)):
        assert type(old(2, 3)) is new and isinstance(new(2, 3), old) and issubclass(new, old)
    restored = layers.deserialize({"class_name": "Convolution2D", "config": layers.Conv2D(2, 3).get_config()})
    assert type(restored) is layers.Conv2D and restored.kernel_size == (3, 3)


def test_relu_layer_is_one_tape_node_with_bias():
    from kerasish.backend.tape import GradientTape
    from kerasish.backend.tensor import Tensor

    for layer in (layers.Conv2D(2, 3, activation="relu"), layers.Conv2DTranspose(2, 3, activation="relu"),
                  layers.DepthwiseConv2D(3, activation="relu")):
        xt = Tensor(_x(1, 5, 5, 2))
        layer(xt)
        with GradientTape() as tape:
            tape.watch(xt)
            y = layer(xt)
        assert len(tape._nodes) == 1, type(layer).__name__
        assert all(g is not None for g in tape.gradient(y, [xt] + layer.trainable_weights))


def test_float64_layers_compute_in_float64():
    layer = layers.Conv1D(2, 2, dtype="float64")
    assert np.asarray(layer(np.ones((1, 4, 1)))).dtype == np.float64
    assert np.asarray(layers.Conv1D(2, 2)(np.ones((1, 4, 1)))).dtype == np.float32


def test_conv_model_trains_and_saves(tmp_path):
    model = keras.Sequential([keras.Input(shape=(6, 6, 2)), layers.Conv2D(3, 3, activation="relu"),
                              layers.SeparableConv2D(2, 2), layers.Conv2DTranspose(2, 2, strides=2),
                              layers.DepthwiseConv2D(2), layers.Flatten(), layers.Dense(2)])
    model.compile("sgd", "mse")
    x, y = _x(8, 6, 6, 2), _x(8, 2)
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=3, verbose=0)
    assert model.evaluate(x, y, verbose=0) < before
    path = str(tmp_path / "m.h5")
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
