"""Behaviours Keras 2 scripts rely on, written as those scripts write them: history keys of Keras 2.0-2.2,
RemoteMonitor, predict_classes/predict_proba, `lr=`/`decay=`, pickling, and the model behaviours of
issue 18 item 7."""
import copy
import http.server
import json
import os
import pickle
import threading
import urllib.parse
import warnings

import numpy as np
import pytest

import kerasish as keras
from kerasish import backend as K
from kerasish.backend.tensor import Variable

DATA = os.path.join(os.path.dirname(__file__), "data")
RNG = np.random.default_rng(0)
X = RNG.random((24, 4)).astype("float32")
Y3 = np.eye(3, dtype="float32")[RNG.integers(0, 3, 24)]


pytestmark = pytest.mark.usefixtures("fresh_layer_names")


def _classifier():
    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.layers.Dense(5, activation="relu", input_shape=(4,)),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile("adam", "categorical_crossentropy", metrics=["accuracy", "mae"])
    return model


# ---------------------------------------------------------------------------------- history keys
def test_history_answers_keras_2_0_names_without_listing_them_twice(tmp_path):
    csv_path = str(tmp_path / "log.csv")
    history = _classifier().fit(X, Y3, epochs=2, validation_split=0.25, verbose=0,
                                callbacks=[keras.callbacks.CSVLogger(csv_path)])
    h = history.history
    assert list(h) == ["loss", "accuracy", "mae", "val_loss", "val_accuracy", "val_mae"]
    assert h["acc"] is h["accuracy"] and h["val_acc"] is h["val_accuracy"]
    assert h["mean_absolute_error"] is h["mae"] and h["val_mean_absolute_error"] is h["val_mae"]
    assert "val_acc" in h and h.get("acc") == h["accuracy"] and h.get("val_nothing", 5) == 5
    with pytest.raises(KeyError):
        h["val_nothing"]
    assert json.loads(json.dumps(h)) == dict(h)  # serializes as a plain dict
    header = open(csv_path).readline().strip().split(",")
    assert header == ["epoch", "accuracy", "loss", "mae", "val_accuracy", "val_loss", "val_mae"]


def test_callbacks_monitor_and_format_keras_2_0_names(tmp_path):
    path = str(tmp_path / "weights.{epoch:02d}-{val_acc:.2f}.h5")
    seen = []
    stopper = keras.callbacks.EarlyStopping(monitor="val_acc", patience=0, mode="max")
    checkpoint = keras.callbacks.ModelCheckpoint(path, monitor="val_acc", save_best_only=False)
    spy = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(logs["val_acc"]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "metric val_acc is not available" warnings
        history = _classifier().fit(X, Y3, epochs=3, validation_split=0.25, verbose=0,
                                    callbacks=[stopper, checkpoint, spy])
    assert seen == history.history["val_accuracy"]
    names = sorted(os.listdir(tmp_path))
    assert names[0] == f"weights.01-{history.history['val_accuracy'][0]:.2f}.h5"
    assert len(names) == len(seen)


def test_callbacks_see_the_validation_arrays_as_in_keras_2():
    """Keras 2 era callbacks computed their own validation scores from `self.validation_data`."""
    scores = []

    class ValidationF1(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            x_val, y_val, weights = self.validation_data
            predicted = self.model.predict(x_val, verbose=0).argmax(-1)
            scores.append((np.mean(predicted == y_val.argmax(-1)), weights.tolist()))

    history = _classifier().fit(X, Y3, epochs=2, validation_data=(X[:6], Y3[:6]), verbose=0,
                                callbacks=[ValidationF1()])
    assert [s[0] for s in scores] == pytest.approx(history.history["val_accuracy"])
    assert scores[0][1] == [1.0] * 6  # sample weights: ones when none were given, as Keras 2 passed them


# ---------------------------------------------------------------------------------- RemoteMonitor
class _Recorder(http.server.BaseHTTPRequestHandler):
    received = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.path, self.headers.get("Content-Type"), self.headers.get("X-Run"), body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture()
def http_server():
    _Recorder.received = []
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Recorder.received
    server.shutdown()
    server.server_close()


def test_remote_monitor_posts_each_epoch(http_server):
    root, received = http_server
    model = _classifier()
    history = model.fit(X, Y3, epochs=2, verbose=0, callbacks=[
        keras.callbacks.RemoteMonitor(root=root, headers={"X-Run": "a"}),
        keras.callbacks.RemoteMonitor(root=root, path="/json", send_as_json=True)])
    assert [r[0] for r in received] == ["/publish/epoch/end/", "/json"] * 2
    path, content_type, run, body = received[2]
    assert content_type == "application/x-www-form-urlencoded" and run == "a"
    sent = json.loads(urllib.parse.parse_qs(body.decode())["data"][0])
    assert sent == {"epoch": 1, "loss": history.history["loss"][1], "accuracy": history.history["accuracy"][1],
                    "mae": history.history["mae"][1]}
    assert received[3][1] == "application/json" and json.loads(received[3][3])["epoch"] == 1


def test_remote_monitor_warns_when_the_server_is_unreachable(http_server):
    root, _ = http_server
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monitor = keras.callbacks.RemoteMonitor(root=f"http://127.0.0.1:{port}")
    with pytest.warns(UserWarning, match="could not reach RemoteMonitor root server"):
        monitor.on_epoch_end(0, {"loss": 1.0})


# ------------------------------------------------------------------------ predict_classes / proba
def test_predict_classes_and_proba_as_keras_2_3():
    model = _classifier()
    with pytest.warns(DeprecationWarning, match="predict_classes"):
        classes = model.predict_classes(X, verbose=0)
    np.testing.assert_array_equal(classes, model.predict(X, verbose=0).argmax(-1))
    with pytest.warns(DeprecationWarning, match="predict_proba"):
        np.testing.assert_array_equal(model.predict_proba(X), model.predict(X, verbose=0))
    binary = keras.Sequential([keras.layers.Dense(1, activation="sigmoid", input_shape=(4,))])
    with pytest.warns(DeprecationWarning):
        labels = binary.predict_classes(X)
    probabilities = binary.predict(X, verbose=0)
    assert labels.shape == (24, 1) and labels.dtype == np.int32
    np.testing.assert_array_equal(labels, (probabilities > 0.5).astype("int32"))
    linear = keras.Sequential([keras.layers.Dense(1, input_shape=(4,), kernel_initializer="ones")])
    with pytest.warns(UserWarning, match="invalid probability values"):
        linear.predict_proba(X + 1.0)


# ------------------------------------------------------------------------------ lr= and decay=
DECAY = json.load(open(os.path.join(DATA, "legacy_decay_oracle.json")))


@pytest.mark.parametrize("name", sorted(DECAY["cases"]))
def test_decay_matches_keras_2_legacy_optimizers(name):
    case = DECAY["cases"][name]
    kwargs = dict(case["kwargs"])
    kwargs["lr"] = kwargs.pop("learning_rate")  # the Keras 2.0 spelling
    optimizer = getattr(keras.optimizers, case["class"])(**kwargs)
    variable = Variable(np.array(DECAY["w0"], "float32"))
    for gradient, expected in zip(DECAY["grads"], case["trajectory"]):
        optimizer.apply_gradients([(np.array(gradient, "float32"), variable)])
        np.testing.assert_allclose(variable.numpy(), expected, rtol=2e-6, atol=2e-6)


def test_lr_and_decay_survive_saved_configs(tmp_path):
    model = keras.Sequential([keras.layers.Dense(1, input_shape=(4,))])
    model.compile(keras.optimizers.SGD(lr=0.1, decay=0.25), "mse")
    model.fit(X, X[:, :1], epochs=1, batch_size=8, verbose=0)
    path = str(tmp_path / "m.h5")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.optimizer.decay == 0.25 and float(loaded.optimizer.lr) == pytest.approx(0.1)
    assert int(loaded.optimizer.iterations.numpy()) == 3
    model.fit(X, X[:, :1], epochs=1, batch_size=8, verbose=0, shuffle=False)
    loaded.fit(X, X[:, :1], epochs=1, batch_size=8, verbose=0, shuffle=False)
    np.testing.assert_allclose(loaded.get_weights()[0], model.get_weights()[0], rtol=1e-6)
    # the configs Keras 2.0-2.2 wrote: "lr", and "decay"
    old = keras.optimizers.deserialize({"class_name": "Adam", "config": {"lr": 0.003, "decay": 0.01, "beta_1": 0.8,
                                                                         "beta_2": 0.99, "epsilon": 1e-7,
                                                                         "amsgrad": False}})
    assert float(old.learning_rate) == pytest.approx(0.003) and old.decay == 0.01 and old.get_config()["decay"]


# ------------------------------------------------------------------------------------- pickling
def test_models_pickle_with_weights_compile_and_optimizer_state():
    model = _classifier()
    model.fit(X, Y3, epochs=2, verbose=0)
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict(X, verbose=0), model.predict(X, verbose=0))
    assert int(restored.optimizer.iterations.numpy()) == int(model.optimizer.iterations.numpy()) == 2
    for a, b in zip(restored.optimizer.variables(), model.optimizer.variables()):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    keras.utils.set_random_seed(1)
    h1 = model.fit(X, Y3, epochs=1, verbose=0, shuffle=False).history
    h2 = restored.fit(X, Y3, epochs=1, verbose=0, shuffle=False).history
    assert h1 == h2 and list(h2) == ["loss", "accuracy", "mae"]


class Doubler(keras.layers.Layer):
    def call(self, x):
        return x * 2.0


def test_functional_models_with_lambdas_and_custom_layers_pickle():
    class LocalDoubler(Doubler):
        pass

    inp = keras.Input((4,))
    hidden = LocalDoubler()(Doubler()(keras.layers.Lambda(lambda t: t + 1.0)(inp)))
    model = keras.Model(inp, keras.layers.Dense(2)(hidden))
    data = pickle.dumps(model)  # Doubler travels by reference; a class local to a function cannot
    with pytest.raises(ValueError, match="LocalDoubler"):
        pickle.loads(data)  # as in Keras 2: then it must be known when unpickling
    with keras.utils.custom_object_scope({"LocalDoubler": LocalDoubler}):
        restored = pickle.loads(data)
    np.testing.assert_allclose(restored.predict(X, verbose=0), model.predict(X, verbose=0), rtol=1e-6)
    clone = copy.deepcopy(model)  # deepcopy knows every class from the model
    assert clone.layers[-1].kernel is not model.layers[-1].kernel
    np.testing.assert_allclose(clone.predict(X, verbose=0), model.predict(X, verbose=0), rtol=1e-6)


class _Net(keras.Model):
    def __init__(self):
        super().__init__()
        self.hidden, self.out = keras.layers.Dense(3), keras.layers.Dense(1)

    def call(self, x):
        return self.out(self.hidden(x))


def test_subclassed_models_and_layers_pickle():
    net = _Net()
    net.compile("adam", "mse")
    net.fit(X, X[:, :1], epochs=1, verbose=0)
    restored = pickle.loads(pickle.dumps(net))
    np.testing.assert_array_equal(restored.predict(X, verbose=0), net.predict(X, verbose=0))
    h1 = net.fit(X, X[:, :1], epochs=1, verbose=0, shuffle=False).history
    h2 = restored.fit(X, X[:, :1], epochs=1, verbose=0, shuffle=False).history  # Adam slots found again
    assert h1 == h2
    twin = copy.deepcopy(net)
    np.testing.assert_array_equal(twin.predict(X, verbose=0), net.predict(X, verbose=0))
    layer = keras.layers.Dense(2)
    layer(X)
    copied = pickle.loads(pickle.dumps(layer))
    np.testing.assert_array_equal(copied(X).numpy(), layer(X).numpy())


# ------------------------------------------------------------------------------ item 7 behaviours
def test_a_metric_instance_applies_to_each_output_with_keras_names():
    """Keras 2.3's metrics_correctness_test: the numbers worked out by hand in its comments."""
    inp_1, inp_2 = keras.Input((1,), name="input_1"), keras.Input((1,), name="input_2")
    shared = keras.layers.Dense(3, kernel_initializer="ones", trainable=False)
    out_1 = keras.layers.Dense(1, kernel_initializer="ones", name="output_1", trainable=False)(shared(inp_1))
    out_2 = keras.layers.Dense(1, kernel_initializer="ones", name="output_2", trainable=False)(shared(inp_2))
    model = keras.Model([inp_1, inp_2], [out_1, out_2])
    mse = keras.metrics.MeanSquaredError(name="mean_squared_error")
    model.compile("rmsprop", keras.losses.MeanSquaredError(), metrics=[mse],
                  weighted_metrics=[keras.metrics.MeanSquaredError(name="mean_squared_error_2")])
    x = np.array([[1.0], [2.0], [3.0], [4.0]])
    history = model.fit([x, x], [2 * x, x], batch_size=2, epochs=1, shuffle=False, verbose=0,
                        sample_weight={"output_1": np.array([2.0, 3.0, 4.0, 5.0]),
                                       "output_2": np.array([3.5, 2.5, 1.5, 0.5])}).history
    expected = {"loss": 67.5, "output_1_loss": 32.5, "output_2_loss": 35.0, "output_1_mean_squared_error": 7.5,
                "output_1_mean_squared_error_2": 9.286, "output_2_mean_squared_error": 30.0,
                "output_2_mean_squared_error_2": 17.5}
    assert list(history) == list(expected)
    for key, value in expected.items():
        assert history[key][0] == pytest.approx(value, rel=1e-3), key
    assert mse.name == "mean_squared_error" and float(mse.count.numpy()) == 0  # the user's instance: copied


@pytest.mark.skipif(not hasattr(__import__("kerasish.models.compile_utils").models.compile_utils,
                                "match_dtype_and_rank"),
                    reason="1-D targets of a one-unit output: issue 15's match_dtype_and_rank (i15 branch) fixes it")
@pytest.mark.parametrize("metric", ["SparseCategoricalAccuracy", "SparseTopKCategoricalAccuracy",
                                    "SparseCategoricalCrossentropy"])
def test_sparse_metrics_on_1d_targets_of_a_one_unit_output(metric):
    model = keras.Sequential([keras.layers.Dense(1, input_shape=(4,))])
    model.compile("rmsprop", "mse", metrics=[getattr(keras.metrics, metric)()])
    model.fit(X, RNG.random(24), verbose=0)
    values = model.evaluate(X, RNG.random(24), verbose=0)
    assert values[1] == {"SparseCategoricalAccuracy": 0.0, "SparseTopKCategoricalAccuracy": 1.0,
                         "SparseCategoricalCrossentropy": 0.0}[metric]  # tf.keras's values


def test_a_one_element_output_list_is_a_single_output():
    inp = keras.Input((4,))
    model = keras.Model([inp], [keras.layers.Dense(2)(inp)])
    assert isinstance(model.predict(X, verbose=0), np.ndarray) and model(X).shape == (24, 2)
    nested = keras.Model(inp, model(inp))
    assert isinstance(nested.predict(X, verbose=0), np.ndarray)
    assert model.get_config()["output_layers"] == [[model.layers[-1].name, 0, 0]]


def test_trainable_false_then_true_on_a_nested_model_restores_its_weights():
    inner = keras.Sequential([keras.layers.Dense(2, input_shape=(4,)), keras.layers.Dense(2)])
    outer = keras.Sequential([inner, keras.layers.Dense(1)])
    assert outer.built and len(outer.trainable_weights) == 6
    inner.trainable = False
    assert len(outer.trainable_weights) == 2 and len(outer.non_trainable_weights) == 4
    inner.trainable = True
    assert len(outer.trainable_weights) == 6 and all(layer.trainable for layer in inner.layers)
    outer.compile("sgd", "mse")
    before = inner.get_weights()
    outer.fit(X, X[:, :1], epochs=1, verbose=0)
    assert all(not np.array_equal(a, b) for a, b in zip(before, inner.get_weights()))


def test_pandas_inputs_are_arrays():
    pd = pytest.importorskip("pandas")
    frame, series = pd.DataFrame(X, columns=list("abcd")), pd.Series(X[:, 0])

    def train(x, y):
        keras.utils.set_random_seed(2)
        model = keras.Sequential([keras.layers.Dense(1, input_shape=(4,))])
        model.compile("sgd", "mse")
        model.fit(x, y, batch_size=8, epochs=2, verbose=0)
        return model.predict(x, verbose=0), model.evaluate(x, y, verbose=0)

    (p1, e1), (p2, e2) = train(frame, series), train(X, X[:, 0])
    np.testing.assert_allclose(p1, p2, rtol=1e-6)
    assert e1 == pytest.approx(e2, rel=1e-6)


def test_class_weight_must_cover_the_classes_in_y():
    model = _classifier()
    y = Y3.argmax(-1)
    model.compile("sgd", "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=r"classes \{2\} exist in the data but not in `class_weight`"):
        model.fit(X, y, class_weight={0: 1.0, 1: 2.0}, verbose=0)
    with pytest.raises(ValueError, match="keys from 0 to one less than the number of classes"):
        model.fit(X, y, class_weight={0: 1.0, 2: 2.0}, verbose=0)
    model.fit(X, y, class_weight={0: 1.0, 1: 2.0, 2: 0.5}, verbose=0)


def test_compute_mask_of_a_layer_without_masking_support_raises_type_error():
    conv = keras.layers.Conv2D(1, 2, input_shape=(3, 3, 1))
    keras.Sequential([conv])
    assert conv.compute_mask([np.ones((1, 3, 3, 1))], [None]) is None
    with pytest.raises(TypeError, match="does not support masking"):
        conv.compute_mask([np.ones((1, 3, 3, 1))], np.array([[0.0, 1.0]]))
    dense = keras.layers.Dense(1)
    assert dense.compute_mask(None, [0.0, 1.0]) == [0.0, 1.0]


def test_masks_flow_through_a_custom_layer_returning_a_list():
    class Split(keras.layers.Layer):
        def call(self, inputs, mask=None):
            return [inputs * 1.0, inputs * 2.0]

        def compute_mask(self, inputs, mask=None):
            return [mask, mask]

        def compute_output_shape(self, input_shape):  # Keras 2.3 style: super() was the identity there
            shape = super().compute_output_shape(input_shape)
            return [shape, shape]

    tokens = keras.Input((None,), dtype="int32")
    first, second = Split()(keras.layers.Embedding(10, 4, mask_zero=True)(tokens))
    merged = keras.layers.Add()([first, second])
    lstm = keras.layers.LSTM(3, kernel_initializer="ones", recurrent_initializer="ones")
    model = keras.Model(tokens, [lstm(merged), keras.layers.LSTM(2)(second)])
    padded, bare = model.predict(np.array([[1, 2, 0, 0, 0]]), verbose=0), model.predict(np.array([[1, 2]]), verbose=0)
    for a, b in zip(padded, bare):  # the padding is masked on both outputs of the custom layer
        np.testing.assert_allclose(a, b, rtol=1e-5)
    assert K.int_shape(merged) == (None, None, 4)


# ------------------------------------------------------------------------------- backend names
def test_k_pow_takes_keras_2_argument_name_and_objectives_are_losses():
    np.testing.assert_allclose(K.pow(np.array([2.0, 3.0], "float32"), a=3).numpy(), [8.0, 27.0])
    from kerasish import objectives

    assert objectives.mean_squared_error is keras.losses.mean_squared_error
    assert keras.losses.cosine_proximity is keras.losses.cosine_similarity
    inp = keras.Input((3, 5))
    assert inp._keras_shape == (None, 3, 5) and keras.layers.Dense(2)(inp)._keras_shape == (None, 3, 2)
