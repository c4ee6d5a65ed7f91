"""Layers' losses and metrics in Keras 2's symbolic style: add_loss / add_metric in `call` and on models,
custom layers using Keras tensors captured from outside, activity-regularizer losses after building,
and `RNN.get_initial_state` on a Keras tensor."""
import numpy as np
import pytest

import kerasish as keras
from kerasish import backend as K


def test_custom_loss_layer_using_captured_keras_tensors_trains():
    # Keras 2.0's variational autoencoder: the loss layer reads z_mean / z_log_var from the enclosing scope
    original_dim = 6
    x = keras.Input(shape=(original_dim,))
    h = keras.layers.Dense(4, activation="relu")(x)
    z_mean = keras.layers.Dense(2)(h)
    z_log_var = keras.layers.Dense(2)(h)
    x_decoded_mean = keras.layers.Dense(original_dim, activation="sigmoid")(keras.layers.Dense(4)(z_mean))

    class CustomVariationalLayer(keras.layers.Layer):
        def vae_loss(self, x, x_decoded_mean):
            xent_loss = original_dim * keras.metrics.binary_crossentropy(x, x_decoded_mean)
            kl_loss = - 0.5 * K.sum(1 + z_log_var - K.square(z_mean) - K.exp(z_log_var), axis=-1)
            return K.mean(xent_loss + kl_loss)

        def call(self, inputs):
            x = inputs[0]
            x_decoded_mean = inputs[1]
            loss = self.vae_loss(x, x_decoded_mean)
            self.add_loss(loss, inputs=inputs)
            return x

    y = CustomVariationalLayer()([x, x_decoded_mean])
    vae = keras.Model(x, y)
    assert y._keras_history[0]._inbound_nodes[0].captures == [z_log_var, z_mean]
    vae.compile(optimizer="rmsprop", loss=None)
    data = np.random.RandomState(0).rand(16, original_dim).astype("float32")
    history = vae.fit(data, epochs=2, batch_size=8, verbose=0)
    # the loss is the formula on the model's own tensors
    mean, log_var, decoded = K.function([x], [z_mean, z_log_var, x_decoded_mean])([data])
    p = np.clip(decoded.astype("float64"), 1e-7, 1 - 1e-7)
    xent = -np.mean(data * np.log(p) + (1 - data) * np.log(1 - p), axis=-1) * original_dim
    kl = -0.5 * np.sum(1 + log_var - mean ** 2 - np.exp(log_var), axis=-1)
    np.testing.assert_allclose(vae.evaluate(data, batch_size=16, verbose=0), np.mean(xent + kl), rtol=1e-5)
    assert history.history["loss"][0] > 0


def test_add_metric_in_call_is_reported_by_fit_and_evaluate():
    class Probe(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.mean_in = keras.metrics.Mean(name="mean_in")

        def call(self, inputs):
            self.add_metric(self.mean_in(inputs), name="mean_in")  # a metric's result: reported as it is
            self.add_metric(K.sum(inputs), name="sum_in", aggregation="mean")  # a tensor: averaged
            return inputs

    inp = keras.Input(shape=(3,))
    model = keras.Model(inp, Probe()(keras.layers.Dense(2, kernel_initializer="ones")(inp)))
    model.compile("sgd", "mse")
    x = np.arange(12, dtype="float32").reshape(4, 3) / 10
    history = model.fit(x, np.zeros((4, 2)), batch_size=2, epochs=1, verbose=0, shuffle=False)
    assert list(history.history) == ["loss", "mean_in", "sum_in"]
    results = model.evaluate(x, np.zeros((4, 2)), batch_size=2, verbose=0, return_dict=True)
    out = model.predict(x, verbose=0)
    np.testing.assert_allclose(results["mean_in"], out.mean(), rtol=1e-6)
    np.testing.assert_allclose(results["sum_in"], np.mean([out[:2].sum(), out[2:].sum()]), rtol=1e-6)
    assert model.metrics_names == ["loss", "mean_in", "sum_in"]


def test_duplicate_metric_names_are_rejected_as_keras_does():
    class TwoMeans(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.mean = keras.metrics.Mean(name="metric_1")
            self.mean2 = keras.metrics.Mean(name="metric_1")

        def call(self, inputs):
            self.add_metric(self.mean(inputs), name="metric_1")
            return inputs

    with pytest.raises(ValueError, match='We found 2 metrics with the name: "metric_1"'):
        TwoMeans()(np.ones((2, 2), "float32"))

    class NoName(keras.layers.Layer):
        def call(self, inputs):
            self.add_metric(K.sum(inputs))
            return inputs

    with pytest.raises(ValueError, match="Please provide a name for your metric"):
        NoName()(keras.Input(shape=(2,)))


def test_model_add_metric_and_add_loss_with_keras_tensors():
    inp = keras.Input(shape=(3,))
    hidden = keras.layers.Dense(4, kernel_initializer="ones")(inp)
    out = keras.layers.Dense(1, kernel_initializer="ones")(hidden)
    model = keras.Model(inp, out)
    model.add_loss(0.01 * K.mean(K.square(hidden)))
    model.add_metric(K.mean(hidden), name="hidden_mean")
    with pytest.raises(ValueError, match="Please provide a name"):
        model.add_metric(K.mean(hidden))
    assert [type(l).__name__ for l in model.layers][-2:] == ["TFOpLambda", "AddMetric"]
    model.compile("sgd", "mse")
    x, y = np.ones((4, 3), "float32"), np.zeros((4, 1), "float32")
    results = model.evaluate(x, y, verbose=0, return_dict=True)
    assert results["hidden_mean"] == pytest.approx(3.0)
    assert results["loss"] == pytest.approx(12.0 ** 2 + 0.01 * 9.0)  # mse + the added loss
    with pytest.raises(ValueError, match="Graph disconnected"):
        model.add_loss(K.mean(keras.Input(shape=(3,))))


def test_activity_regularizer_losses_are_listed_after_building():
    inp = keras.Input(shape=(3,))
    dense = keras.layers.Dense(3, activity_regularizer="l2", kernel_regularizer="l1")
    model = keras.Model(inp, dense(dense(inp)))
    assert len(model.losses) == 3  # one activity loss per call of the layer, then the kernel's
    assert [K.is_keras_tensor(l) for l in model.losses] == [True, True, False]
    x = np.random.RandomState(0).rand(2, 3).astype("float32")
    first, second = K.function([inp], model.losses[:2])([x])
    h = model.layers[1](x)
    np.testing.assert_allclose(first, 0.01 * np.sum(h.numpy() ** 2) / 2, rtol=1e-6)
    model(x)
    assert len(model.losses) == 3 and not any(K.is_keras_tensor(l) for l in model.losses)
    np.testing.assert_allclose(model.losses[0].numpy(), first, rtol=1e-6)


def test_rnn_initial_state_of_a_keras_tensor():
    inp = keras.Input(shape=(5, 3))
    lstm = keras.layers.LSTM(4, return_state=True)
    states = lstm.get_initial_state(inp)
    assert [s.shape for s in states] == [(None, 4), (None, 4)]
    model = keras.Model(inp, lstm(inp, initial_state=states))
    x = np.random.RandomState(1).rand(2, 5, 3).astype("float32")
    expected = keras.Model(inp, lstm(inp))
    for got, want in zip(model.predict(x, verbose=0), expected.predict(x, verbose=0)):
        np.testing.assert_allclose(got, want, rtol=1e-6)
    rebuilt = keras.models.model_from_json(model.to_json())
    assert [type(l).__name__ for l in rebuilt.layers][1:4] == ["TFOpLambda", "SlicingOpLambda", "TFOpLambda"]


def test_sequential_add_loss_and_add_metric_survive_adding_layers():
    model = keras.Sequential([keras.layers.Dense(2, input_shape=(3,), kernel_initializer="ones"),
                              keras.layers.Dense(1, kernel_initializer="ones")])
    model.add_loss(0.1 * K.mean(K.square(model.layers[0].output)))
    model.add_metric(K.mean(model.layers[0].output), name="hidden")
    model.add(keras.layers.Dense(1, kernel_initializer="ones", use_bias=False))
    model.compile("sgd", "mse")
    results = model.evaluate(np.ones((4, 3)), np.ones((4, 1)), verbose=0, return_dict=True)
    assert results == pytest.approx({"loss": 5.0 ** 2 + 0.1 * 9.0, "hidden": 3.0})
    assert [l.name for l in model.layers] == [l.name for l in model.layers if type(l).__name__ == "Dense"]
