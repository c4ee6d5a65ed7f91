"""CuDNNLSTM/CuDNNGRU: a model saved by tf_keras with them loads and computes what tf_keras's LSTM/GRU compute
with the converted weights (tools/make_cudnn_oracle.py); weights convert both ways as Keras 2 converts them."""
import json
import os

import numpy as np
import pytest

import kerasish as keras
from kerasish.layers import GRU, LSTM, Bidirectional, CuDNNGRU, CuDNNLSTM
from kerasish.layers.cudnn_recurrent import standard_kernel
from kerasish.testing import check_layer_grads

DATA = os.path.join(os.path.dirname(__file__), "..", "data")
ORACLE = json.load(open(os.path.join(DATA, "cudnn_oracle.json")))
FILE = os.path.join(DATA, "cudnn_tf_keras.h5")
X = np.array(ORACLE["x"], "float32")


pytestmark = pytest.mark.usefixtures("fresh_layer_names")


def _standard_model():
    return keras.Sequential([Bidirectional(LSTM(3, return_sequences=True), input_shape=(5, 2)),
                             GRU(2, reset_after=True, recurrent_activation="sigmoid")])


def _cudnn_model():
    return keras.Sequential([Bidirectional(CuDNNLSTM(3, return_sequences=True), input_shape=(5, 2)), CuDNNGRU(2)])


def test_a_tf_keras_cudnn_model_loads_and_computes_as_keras():
    model = keras.models.load_model(FILE, compile=False)
    assert [type(layer).__name__ for layer in model.layers] == ["Bidirectional", "CuDNNGRU"]
    assert [tuple(w.shape) for w in model.layers[1].weights] == [(6, 6), (2, 6), (12,)]
    np.testing.assert_allclose(model.predict(X, verbose=0), ORACLE["y"], rtol=1e-5, atol=1e-6)


def test_cudnn_weights_load_into_lstm_and_gru_as_keras_converts_them():
    model = _standard_model()
    model.load_weights(FILE)
    for got, expected in zip(model.get_weights(), ORACLE["converted_weights"]):
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(model.predict(X, verbose=0), ORACLE["y"], rtol=1e-5, atol=1e-6)


def test_lstm_and_gru_weights_load_into_the_cudnn_layers(tmp_path):
    standard = _standard_model()
    standard.load_weights(FILE)
    standard.save_weights(str(tmp_path / "standard.h5"))
    cudnn = _cudnn_model()
    cudnn.load_weights(str(tmp_path / "standard.h5"))
    np.testing.assert_allclose(cudnn.predict(X, verbose=0), ORACLE["y"], rtol=1e-5, atol=1e-6)


def test_the_cudnn_kernel_reads_each_gate_block_transposed():
    kernel = np.arange(2 * 3 * 4, dtype="float32").reshape(2, 12)  # (input 2, 4 gates x 3 units)
    converted = standard_kernel(keras.backend.constant(kernel), 4).numpy()
    for gate in range(4):
        block = kernel[:, gate * 3:(gate + 1) * 3]
        np.testing.assert_array_equal(converted[:, gate * 3:(gate + 1) * 3], block.reshape(3, 2).T)


def test_defaults_config_and_names():
    layer = CuDNNLSTM(2, return_state=True, name="cudnn")
    out, h, c = layer(np.ones((1, 3, 4), "float32"))
    assert out.shape == h.shape == c.shape == (1, 2)
    assert layer.bias.numpy().tolist() == [0.0] * 10 + [1.0] * 2 + [0.0] * 4  # the recurrent forget bias is 1
    assert [w.name for w in layer.weights] == ["cudnn/kernel:0", "cudnn/recurrent_kernel:0", "cudnn/bias:0"]
    assert CuDNNLSTM(1).name.startswith("cu_dnnlstm")  # Keras's snake case of the class name
    config = layer.get_config()
    assert config["units"] == 2 and config["unit_forget_bias"] and config["return_state"]
    clone = CuDNNLSTM.from_config(config)
    assert clone.get_config() == config
    with pytest.raises(TypeError):
        CuDNNGRU(2, dropout=0.5)


@pytest.mark.parametrize("layer_cls", [CuDNNLSTM, CuDNNGRU])
def test_gradients_match_finite_differences(layer_cls):
    check_layer_grads(layer_cls, {"units": 2, "return_sequences": True}, input_shape=(2, 3, 2))


def test_masking_is_refused_as_in_keras():
    layer = CuDNNGRU(2)
    with pytest.raises(TypeError, match="does not support masking"):
        layer.compute_mask(np.ones((1, 2, 3)), np.array([[True, False]]))
