"""Core layers: contract (run_layer_test), values against plain numpy, gradients against finite differences."""
import numpy as np
import pytest

import kerasish as keras
from kerasish import layers
from kerasish.testing import check_layer_grads, run_layer_test

RNG = np.random.default_rng(0)


def _x(*shape):
    return RNG.standard_normal(shape).astype("float32")


def _np_act(name, z):
    if name == "relu":
        return np.maximum(z, 0)
    if name == "sigmoid":
        return 1 / (1 + np.exp(-z))
    if name == "tanh":
        return np.tanh(z)
    if name == "softmax":
        e = np.exp(z - z.max(-1, keepdims=True))
        return e / e.sum(-1, keepdims=True)
    if name == "elu":
        return np.where(z > 0, z, np.exp(z) - 1)
    return z


@pytest.mark.parametrize("activation", [None, "relu", "sigmoid", "tanh", "softmax", "elu"])
def test_dense_values_match_numpy(activation):
    layer = layers.Dense(5, activation=activation)
    x = _x(4, 3)
    out = np.asarray(layer(x))
    k, b = layer.get_weights()
    np.testing.assert_allclose(out, _np_act(activation, x @ k + b), rtol=1e-5, atol=1e-6)


def test_dense_contract_and_nd_input():
    out = run_layer_test(layers.Dense, {"units": 3, "activation": "relu"}, input_shape=(2, 5, 4),
                         expected_output_shape=(None, 5, 3), expected_num_trainable_weights=2)
    assert out.shape == (2, 5, 3)


@pytest.mark.parametrize("activation", ["linear", "relu", "sigmoid", "tanh", "softmax", "selu"])
def test_dense_gradients(activation):
    check_layer_grads(layers.Dense, {"units": 3, "activation": activation}, input_shape=(4, 5))


def test_dense_3d_input_gradients():
    check_layer_grads(layers.Dense, {"units": 2, "activation": "tanh"}, input_shape=(2, 3, 4))


def test_dense_rejects_bad_units_and_wrong_last_axis():
    with pytest.raises(ValueError, match="units"):
        layers.Dense(0)
    layer = layers.Dense(2)
    layer(np.ones((1, 4), "float32"))
    with pytest.raises(ValueError, match=r'"dense.*expected axis -1 of input shape to have value 4'):
        layer(np.ones((1, 5), "float32"))


def test_dense_kernel_regularizer_is_a_loss():
    layer = layers.Dense(2, kernel_regularizer=keras.regularizers.l2(0.5), kernel_initializer="ones")
    layer(np.ones((1, 3), "float32"))
    assert len(layer.losses) == 1
    np.testing.assert_allclose(float(np.asarray(layer.losses[0])), 0.5 * 6.0, rtol=1e-6)


def test_dense_config_round_trip_keeps_keras_keys():
    cfg = layers.Dense(4, activation="relu", name="d").get_config()
    for key in ("units", "activation", "use_bias", "kernel_initializer", "bias_initializer", "kernel_regularizer",
                "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint", "name",
                "trainable", "dtype"):
        assert key in cfg
    assert cfg["activation"] == "relu"
    assert cfg["kernel_initializer"]["class_name"] == "GlorotUniform"


def test_activation_layer_matches_numpy_and_grads():
    x = _x(3, 4)
    np.testing.assert_allclose(np.asarray(layers.Activation("tanh")(x)), np.tanh(x), rtol=1e-6)
    run_layer_test(layers.Activation, {"activation": "sigmoid"}, input_shape=(2, 3), run_training_check=False)
    check_layer_grads(layers.Activation, {"activation": "softplus"}, input_shape=(3, 4))


def test_dropout_training_only_and_scaling():
    layer = layers.Dropout(0.5, seed=1)
    x = np.ones((200, 10), "float32")
    np.testing.assert_array_equal(np.asarray(layer(x)), x)
    y = np.asarray(layer(x, training=True))
    assert set(np.unique(y)) <= {0.0, 2.0}
    assert 0.35 < (y == 0).mean() < 0.65
    with pytest.raises(ValueError, match="rate"):
        layers.Dropout(1.5)


def test_dropout_noise_shape_shares_mask_along_axis():
    layer = layers.Dropout(0.5, noise_shape=(None, 1, 4), seed=3)
    y = np.asarray(layer(np.ones((5, 6, 4), "float32"), training=True))
    assert np.all(y == y[:, :1, :])


def test_dropout_gradient_uses_the_same_mask():
    x = keras.backend.constant(np.ones((4, 5)))
    layer = layers.Dropout(0.5, seed=0)
    with keras.GradientTape() as tape:
        tape.watch(x)
        y = layer(x, training=True)
        total = keras.backend.sum(y)
    g = np.asarray(tape.gradient(total, x))
    np.testing.assert_array_equal(g, np.asarray(y))


def test_flatten_reshape_permute_repeat_values():
    x = _x(2, 3, 4)
    np.testing.assert_array_equal(np.asarray(layers.Flatten()(x)), x.reshape(2, 12))
    np.testing.assert_array_equal(np.asarray(layers.Reshape((4, -1))(x)), x.reshape(2, 4, 3))
    np.testing.assert_array_equal(np.asarray(layers.Permute((2, 1))(x)), x.transpose(0, 2, 1))
    v = _x(2, 3)
    np.testing.assert_array_equal(np.asarray(layers.RepeatVector(4)(v)), np.repeat(v[:, None], 4, axis=1))


@pytest.mark.parametrize("cls,kwargs,shape,expected", [
    (layers.Flatten, {}, (2, 3, 4), (None, 12)),
    (layers.Reshape, {"target_shape": (6, 2)}, (2, 3, 4), (None, 6, 2)),
    (layers.Permute, {"dims": (2, 1)}, (2, 3, 4), (None, 4, 3)),
    (layers.RepeatVector, {"n": 3}, (2, 4), (None, 3, 4)),
    (layers.Identity, {}, (2, 4), (None, 4)),
    (layers.ActivityRegularization, {"l1": 0.1}, (2, 4), (None, 4)),
])
def test_shape_layers_contract_and_grads(cls, kwargs, shape, expected):
    run_layer_test(cls, kwargs, input_shape=shape, expected_output_shape=expected, run_training_check=False)
    check_layer_grads(cls, kwargs, input_shape=shape)


def test_reshape_error_names_layer_and_sizes():
    with pytest.raises(ValueError, match="total size"):
        layers.Reshape((5,))(np.ones((2, 3, 4), "float32"))


def test_activity_regularization_adds_loss():
    layer = layers.ActivityRegularization(l1=0.1, l2=0.0)
    layer(np.full((2, 3), -2.0, "float32"))
    # Keras divides the activity penalty by the batch size
    np.testing.assert_allclose(float(np.asarray(layer.losses[0])), 0.1 * 12 / 2, rtol=1e-6)


def test_masking_sets_mask_and_zeroes_masked_steps():
    x = np.array([[[1.0, 2.0], [0.0, 0.0], [3.0, 0.0]]], "float32")
    out = layers.Masking(0.0)(x)
    np.testing.assert_array_equal(np.asarray(out._keras_mask), [[True, False, True]])
    np.testing.assert_array_equal(np.asarray(out), x)


def test_lambda_values_shapes_and_arguments():
    layer = layers.Lambda(lambda t, k: t * k, arguments={"k": 2.0})
    np.testing.assert_allclose(np.asarray(layer(np.ones((1, 2), "float32"))), [[2.0, 2.0]])
    inp = keras.Input(shape=(3,))
    assert layers.Lambda(lambda t: keras.backend.concatenate([t, t]))(inp).shape == (None, 6)
    assert layers.Lambda(lambda t: t, output_shape=(7,))(inp).shape == (None, 7)
    check_layer_grads(layers.Lambda, {"function": lambda t: t * t}, input_shape=(2, 3))


def test_lambda_config_refuses_bytecode_unless_unsafe():
    layer = layers.Lambda(lambda t: t + 1.0)
    cfg = layer.get_config()
    assert cfg["function_type"] == "lambda"
    with pytest.raises(ValueError, match="safe_mode=False"):
        layers.Lambda.from_config(cfg)
    clone = layers.Lambda.from_config(cfg, safe_mode=False)
    np.testing.assert_allclose(np.asarray(clone(np.zeros((1, 2), "float32"))), [[1.0, 1.0]])


def test_symbolic_operators_build_layers():
    inp = keras.Input(shape=(3,))
    out = (inp / 2.0 + 1.0) * inp
    model = keras.Model(inp, out)
    x = _x(2, 3)
    np.testing.assert_allclose(model.predict(x, verbose=0), (x / 2 + 1) * x, rtol=1e-6)


def test_dense_second_derivatives_through_the_fused_kernel():
    from kerasish.backend.ops import fused
    from tests.gradcheck import check_grads

    rng = np.random.default_rng(5)
    x, k, b = rng.standard_normal((3, 4)), rng.standard_normal((4, 2)), rng.standard_normal(2)
    for act in ("tanh", "sigmoid", "softmax", "relu"):
        check_grads(lambda a, w, c: fused.dense(a, w, c, act), x, k, b, order=2)


def test_lambda_without_output_shape_infers_it():
    # tf_keras 2.21 runs the function to answer: Lambda(lambda x: x + 1).compute_output_shape((3, 2)) == (3, 2)
    assert tuple(layers.Lambda(lambda x: x + 1).compute_output_shape((3, 2))) == (3, 2)
    mean = layers.Lambda(lambda x: keras.backend.mean(x, axis=-1))
    assert tuple(mean.compute_output_shape((None, 2, 4))) == (None, 2)
    # the graph still takes the output dtype from the run: argmax gives integers
    y = layers.Lambda(lambda x: keras.backend.argmax(x))(keras.Input((3, 4)))
    assert y.shape == (None, 3) and np.dtype(y.dtype).kind == "i"
