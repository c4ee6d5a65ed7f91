"""LocallyConnected1D/2D: all three implementations against tf_keras (tools/make_locally_connected_oracle.py),
with Keras's weight layouts; gradients by finite differences; configs and saved files."""
import json
import os

import numpy as np
import pytest

import kerasish as keras
from kerasish import backend as K
from kerasish.layers import LocallyConnected1D, LocallyConnected2D
from kerasish.layers.local import connection_mask
from kerasish.testing import check_layer_grads, run_layer_test
from tests.gradcheck import check_grads

ORACLE = json.load(open(os.path.join(os.path.dirname(__file__), "..", "data", "locally_connected_oracle.json")))


pytestmark = pytest.mark.usefixtures("fresh_layer_names")


def _layer(case, **extra):
    return getattr(keras.layers, case["layer"])(case["filters"], case["kernel_size"], strides=case["strides"],
                                                padding=case["padding"], data_format=case["data_format"],
                                                implementation=case["implementation"], activation="tanh", **extra)


@pytest.mark.parametrize("index", range(len(ORACLE["cases"])),
                         ids=[f"{c['layer'][-2:]}-impl{c['implementation']}-{c['data_format'][9:]}-{c['padding']}"
                              for c in ORACLE["cases"]])
def test_outputs_weights_and_config_match_tf_keras(index):
    case = ORACLE["cases"][index]
    x = np.array(case["x"], "float32")
    layer = _layer(case)
    layer.build(x.shape)
    weights = [np.array(w, "float32") for w in case["weights"]]
    assert [tuple(w.shape) for w in layer.weights] == [w.shape for w in weights]  # Keras's layout
    layer.set_weights(weights)
    np.testing.assert_allclose(layer(x).numpy(), case["y"], rtol=1e-5, atol=2e-6)
    config = layer.get_config()
    for key, value in case["config"].items():
        if key != "name":
            assert config[key] == (tuple(value) if isinstance(value, list) else value), key


def test_backend_local_conv_matches_the_layer():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 6, 5, 3)).astype("float32")
    layer = LocallyConnected2D(4, (3, 2), strides=(2, 1), use_bias=False)
    out = layer(x)
    direct = K.local_conv2d(x, layer.kernel, (3, 2), (2, 1), (2, 4), "channels_last")
    np.testing.assert_allclose(direct.numpy(), out.numpy(), rtol=1e-6)
    kernel_1d = rng.normal(size=(3, 2 * 3, 2)).astype("float32")
    out_1d = K.local_conv1d(x[:, :, 0, :], kernel_1d, (2,), (2,))
    assert out_1d.shape == (2, 3, 2)


@pytest.mark.parametrize("implementation", [1, 2, 3])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_gradients_match_finite_differences(implementation, data_format):
    padding = "same" if implementation > 1 else "valid"
    shape = (2, 5, 2) if data_format == "channels_last" else (2, 2, 5)
    check_layer_grads(LocallyConnected1D, {"filters": 2, "kernel_size": 3, "strides": 2, "padding": padding,
                                           "implementation": implementation, "data_format": data_format,
                                           "activation": "tanh"}, input_shape=shape)
    check_layer_grads(LocallyConnected2D, {"filters": 2, "kernel_size": (2, 2), "strides": (1, 2),
                                           "implementation": implementation, "data_format": data_format},
                      input_shape=(1, 3, 4, 2) if data_format == "channels_last" else (1, 2, 3, 4))


def test_implementations_compute_the_same_function():
    """Weights moved between the layouts give the same outputs (the masks hold exactly the window's weights)."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 6, 2)).astype("float32")
    dense_like = LocallyConnected1D(2, 3, implementation=1)
    dense_like.build(x.shape)
    kernel = rng.normal(size=dense_like.kernel.shape).astype("float32")  # (positions, 3 * 2, filters)
    dense_like.set_weights([kernel, np.zeros((4, 2), "float32")])
    masked = LocallyConnected1D(2, 3, implementation=2)
    masked.build(x.shape)
    big = np.zeros(masked.kernel.shape, "float32")  # (in length, channels, out length, filters)
    for p in range(4):
        big[p:p + 3, :, p, :] = kernel[p].reshape(3, 2, 2)
    masked.set_weights([big, np.zeros((4, 2), "float32")])
    np.testing.assert_allclose(masked(x).numpy(), dense_like(x).numpy(), rtol=1e-5, atol=1e-6)


def test_connection_mask_same_padding_centres_windows():
    mask = connection_mask((5,), (3,), (1,), "same")
    assert mask.astype(int).T.tolist() == [[1, 1, 0, 0, 0], [1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1],
                                           [0, 0, 0, 1, 1]]


def test_layer_test_and_saving(tmp_path):
    run_layer_test(LocallyConnected2D, {"filters": 3, "kernel_size": 2, "implementation": 2},
                   input_shape=(2, 4, 4, 2), expected_output_shape=(None, 3, 3, 3))
    model = keras.Sequential([LocallyConnected1D(3, 2, input_shape=(6, 2), implementation=3),
                              keras.layers.Flatten(), keras.layers.Dense(1)])
    model.compile("adam", "mse")
    x = np.random.rand(8, 6, 2).astype("float32")
    model.fit(x, np.random.rand(8, 1), verbose=0)
    path = str(tmp_path / "local.h5")
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="only \"valid\" is supported if implementation is 1"):
        LocallyConnected1D(2, 3, padding="same")
    with pytest.raises(ValueError, match="implementation"):
        LocallyConnected2D(2, 3, implementation=4)
    with pytest.raises(ValueError, match="fully defined"):
        keras.Sequential([LocallyConnected1D(2, 3, input_shape=(None, 2))])
    with pytest.raises(ValueError, match="kernel must have shape"):
        K.local_conv1d(np.ones((1, 5, 2), "float32"), np.ones((3, 5, 1), "float32"), (3,), (1,))


def test_second_derivatives_are_refused_with_the_op_named():
    x = np.random.rand(1, 4, 1)
    with pytest.raises(NotImplementedError, match="local_conv"):
        check_grads(lambda k: K.local_conv1d(x, k, (2,), (1,)), np.random.rand(3, 2, 1), order=2)
