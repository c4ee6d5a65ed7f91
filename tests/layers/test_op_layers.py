"""Op layers: Keras 2 code computing on Keras tensors (backend ops, operators, slices, losses) as graph nodes.

Fixtures: tests/layers/data/tf_op_layers.json and tf_vae_add_loss.{h5,json}, made by tf.keras with
tools/make_op_layer_fixtures.py (configs with TFOpLambda/SlicingOpLambda layers, weights, inputs, outputs).
"""
import json
import os

import numpy as np
import pytest

import kerasish as keras
from kerasish import backend as K
from kerasish.layers.op_layers import SlicingOpLambda, TFOpLambda

DATA = os.path.join(os.path.dirname(__file__), "data")


def _fixture(name):
    with open(os.path.join(DATA, name)) as f:
        return json.load(f)


TF_CASES = _fixture("tf_op_layers.json")


@pytest.mark.parametrize("case", sorted(TF_CASES["cases"]))
def test_tf_keras_op_layer_models_load_and_compute_the_same(case):
    data = TF_CASES["cases"][case]
    x = np.asarray(TF_CASES["input"], dtype="float32")
    model = keras.models.model_from_json(json.dumps(data["config"]))
    assert [type(l).__name__ for l in model.layers] == data["layer_classes"]
    model.set_weights([np.asarray(w, dtype="float32") for w in data["weights"]])
    outputs = model.predict(x, verbose=0)
    outputs = outputs if isinstance(outputs, list) else [outputs]
    assert len(outputs) == len(data["outputs"])
    for i, (got, want) in enumerate(zip(outputs, data["outputs"])):
        np.testing.assert_allclose(np.asarray(got, "float64"), want, rtol=2e-5, atol=2e-6, err_msg=f"output {i}")
    # our own config of the loaded model (TF op names kept) rebuilds the same model
    again = keras.models.model_from_json(model.to_json())
    again.set_weights(model.get_weights())
    for got, want in zip(again.predict(x, verbose=0) if len(outputs) > 1 else [again.predict(x, verbose=0)],
                         outputs):
        np.testing.assert_array_equal(got, want)


def test_tf_keras_vae_with_add_loss_loads_evaluates_and_trains():
    data = _fixture("tf_vae_add_loss.json")
    x = np.asarray(data["x"], dtype="float32")
    vae = keras.models.load_model(os.path.join(DATA, "tf_vae_add_loss.h5"))  # saved without its optimizer
    vae.compile(optimizer=keras.optimizers.Adam(0.01))
    classes = [type(l).__name__ for l in vae.layers]
    assert classes.count("AddLoss") == 1 and classes[-1] == "AddMetric"
    np.testing.assert_allclose(vae.predict(x, verbose=0), data["predict"], rtol=1e-5, atol=1e-6)
    results = vae.evaluate(x, batch_size=8, verbose=0, return_dict=True)
    assert sorted(results) == sorted(data["evaluate"]) == ["kl", "loss"]
    for key, want in data["evaluate"].items():
        np.testing.assert_allclose(results[key], want, rtol=1e-5, err_msg=key)
    history = vae.fit(x, epochs=2, batch_size=8, verbose=0)
    assert sorted(history.history) == ["kl", "loss"] and history.history["loss"][1] < results["loss"]


def _vae(original_dim=12, latent_dim=2):
    """The classic Keras 2 variational autoencoder (examples/variational_autoencoder.py), small."""
    inputs = keras.Input(shape=(original_dim,), name="encoder_input")
    h = keras.layers.Dense(8, activation="relu")(inputs)
    z_mean = keras.layers.Dense(latent_dim, name="z_mean")(h)
    z_log_var = keras.layers.Dense(latent_dim, name="z_log_var")(h)

    def sampling(args):
        mean, log_var = args
        epsilon = K.random_normal(shape=(K.shape(mean)[0], K.int_shape(mean)[1]))
        return mean + K.exp(0.5 * log_var) * epsilon

    z = keras.layers.Lambda(sampling, output_shape=(latent_dim,), name="z")([z_mean, z_log_var])
    decoded = keras.layers.Dense(original_dim, activation="sigmoid")(keras.layers.Dense(8, activation="relu")(z))
    vae = keras.Model(inputs, decoded, name="vae")
    reconstruction_loss = keras.losses.binary_crossentropy(inputs, decoded) * original_dim
    kl_loss = 1 + z_log_var - K.square(z_mean) - K.exp(z_log_var)
    kl_loss = K.sum(kl_loss, axis=-1)
    kl_loss *= -0.5
    vae.add_loss(K.mean(reconstruction_loss + kl_loss))
    return vae, z_mean, z_log_var


def test_classic_vae_trains_saves_and_loads(tmp_path):
    vae, z_mean, z_log_var = _vae()
    assert vae.output_shape == (None, 12) and len(vae.losses) == 1 and K.is_keras_tensor(vae.losses[0])
    vae.compile(optimizer="adam")
    x = (np.random.RandomState(0).rand(64, 12) > 0.5).astype("float32")
    before = [w.copy() for w in vae.get_weights()]
    history = vae.fit(x, epochs=3, batch_size=16, verbose=0)
    assert list(history.history) == ["loss"] and np.isfinite(history.history["loss"]).all()
    assert all(not np.allclose(a, b) for a, b in zip(before, vae.get_weights()))  # every weight trained
    # the reported loss is the add_loss formula on the model's own tensors (same noise: same seed)
    K.set_random_seed(11)
    mean, log_var, decoded = K.function([vae.input], [z_mean, z_log_var, vae.output])([x[:8]])
    K.set_random_seed(11)
    reported = vae.evaluate(x[:8], batch_size=8, verbose=0)
    p = np.clip(decoded.astype("float64"), 1e-7, 1 - 1e-7)
    rec = -np.mean(x[:8] * np.log(p) + (1 - x[:8]) * np.log(1 - p), axis=-1) * 12
    kl = -0.5 * np.sum(1 + log_var - mean ** 2 - np.exp(log_var), axis=-1)
    np.testing.assert_allclose(reported, np.mean(rec + kl), rtol=1e-5)
    path = str(tmp_path / "vae.h5")
    vae.save(path)
    with pytest.raises(ValueError, match="safe_mode"):  # the sampling Lambda is bytecode: refused by default
        keras.models.load_model(path)
    loaded = keras.models.load_model(path, safe_mode=False)
    assert [l.name for l in loaded.layers] == [l.name for l in vae.layers]
    assert type(loaded.layers[-1]).__name__ == "AddLoss"
    K.set_random_seed(5)
    before = vae.evaluate(x, batch_size=64, verbose=0)
    K.set_random_seed(5)
    assert loaded.evaluate(x, batch_size=64, verbose=0) == before
    assert loaded.fit(x, epochs=1, batch_size=16, verbose=0).history["loss"][0] > 0


def test_vae_without_sampling_round_trips_exactly(tmp_path):
    inputs = keras.Input(shape=(6,), name="x")
    h = keras.layers.Dense(4, activation="relu")(inputs)
    z_mean = keras.layers.Dense(2)(h)
    z_log_var = keras.layers.Dense(2)(h)
    decoded = keras.layers.Dense(6, activation="sigmoid")(K.concatenate([z_mean, z_log_var]))
    vae = keras.Model(inputs, decoded)
    kl = -0.5 * K.sum(1 + z_log_var - K.square(z_mean) - K.exp(z_log_var), axis=-1)
    vae.add_loss(K.mean(keras.losses.binary_crossentropy(inputs, decoded) + kl))
    vae.add_metric(K.mean(kl), name="kl")
    vae.compile(optimizer="adam")
    x = np.random.RandomState(1).rand(16, 6).astype("float32")
    vae.fit(x, epochs=1, batch_size=8, verbose=0)
    path = str(tmp_path / "vae.h5")
    vae.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), vae.predict(x, verbose=0))
    assert loaded.evaluate(x, verbose=0, return_dict=True) == vae.evaluate(x, verbose=0, return_dict=True)
    config = json.loads(vae.to_json())["config"]["layers"]
    functions = [l["config"].get("function") for l in config if l["class_name"] == "TFOpLambda"]
    assert "keras.backend.sum" in functions and "math.multiply" in functions and "__operators__.add" in functions
    # Keras 2's order: the add_loss subgraph, then the add_metric one (K.mean(kl), AddMetric)
    assert [l["class_name"] for l in config][-3:] == ["AddLoss", "TFOpLambda", "AddMetric"]


def test_operators_and_slices_record_tf_keras_names_and_infer_shapes():
    x = keras.Input(shape=(3, 4), name="x")
    cases = [(x + 1.0, "__operators__.add", (None, 3, 4)), (2.0 - x, "math.subtract", (None, 3, 4)),
             (x * x, "math.multiply", (None, 3, 4)), (x / 2.0, "math.truediv", (None, 3, 4)),
             (x ** 2, "math.pow", (None, 3, 4)), (-x, "math.negative", (None, 3, 4)),
             (x > 0.5, "math.greater", (None, 3, 4)), (x @ np.ones((4, 2), "float32"), "linalg.matmul", (None, 3, 2)),
             (x[:, 0], "__operators__.getitem", (None, 4)), (x[..., 1:3], "__operators__.getitem", (None, 3, 2)),
             (x[:, None, ::2], "__operators__.getitem", (None, 1, 2, 4)),
             (K.sum(x, axis=-1), "keras.backend.sum", (None, 3)), (K.reshape(x, (-1, 12)), "keras.backend.reshape",
                                                                   (None, 12)),
             (keras.ops.mean(x, axis=1), "keras.ops.mean", (None, 4))]
    for tensor, function, shape in cases:
        layer = tensor._keras_history[0]
        assert layer.get_config()["function"] == function and tensor.shape == shape, (function, tensor.shape)
    assert isinstance(x[:, 0]._keras_history[0], SlicingOpLambda) and (x > 0.5).dtype == np.bool_
    # a numpy array on the left hands the operation to the Keras tensor too
    assert (np.ones((3, 4), "float32") * x).shape == (None, 3, 4)
    assert (K.constant(np.ones((3, 4))) - x)._keras_history[0].get_config()["function"] == "math.subtract"


def test_shape_values_flow_through_symbolic_ops():
    z = keras.Input(shape=(2,))
    noise = K.random_normal(shape=(K.shape(z)[0], 2))
    assert noise.shape == (None, 2)
    y = z + noise * 0.0
    out = keras.Model(z, y).predict(np.ones((5, 2), "float32"), verbose=0)
    np.testing.assert_array_equal(out, np.ones((5, 2)))
    # the shape argument (a tensor inside a tuple) survives the config
    rebuilt = keras.models.model_from_json(keras.Model(z, y).to_json())
    np.testing.assert_array_equal(rebuilt.predict(np.ones((3, 2), "float32"), verbose=0), np.ones((3, 2)))


def test_op_layers_on_layer_outputs_train_like_lambda_layers():
    inp = keras.Input(shape=(4,))
    h = keras.layers.Dense(3)(inp)
    out = K.sum(K.square(h), axis=-1, keepdims=True) * 0.5
    model = keras.Model(inp, out)
    same = keras.Model(inp, keras.layers.Lambda(lambda t: K.sum(K.square(t), axis=-1, keepdims=True) * 0.5)(h))
    x = np.random.RandomState(0).rand(8, 4).astype("float32")
    np.testing.assert_array_equal(model.predict(x, verbose=0), same.predict(x, verbose=0))
    model.compile("sgd", "mse")
    before = model.get_weights()[0].copy()
    model.fit(x, np.zeros((8, 1)), verbose=0)
    assert not np.allclose(before, model.get_weights()[0])


def test_unknown_op_name_in_a_file_is_refused_without_running_code():
    config = {"class_name": "TFOpLambda", "config": {"name": "tf.evil", "trainable": True, "dtype": "float32",
                                                     "function": "os.system"}}
    with pytest.raises(ValueError, match="Unknown op 'os.system'"):
        keras.layers.deserialize(config)


def test_unsaveable_op_arguments_give_a_clear_error():
    x = keras.Input(shape=(3,))
    fancy = x[:, [0, 2]]
    with pytest.raises(ValueError, match="indexing with a list"):
        keras.Model(x, fancy).to_json()
    assert fancy.shape == (None, 2)


def test_bad_symbolic_op_names_the_op_and_shapes():
    a, b = keras.Input(shape=(3,)), keras.Input(shape=(4,))
    with pytest.raises(ValueError, match=r"keras.backend.dot.*\(2, 3\), \(2, 4\)"):
        K.dot(a, b)


def test_tfoplambda_is_called_eagerly_on_values():
    layer = TFOpLambda("keras.backend.sum")
    assert float(layer(np.ones((2, 3), "float32"), axis=None)) == 6.0
    assert layer.name.startswith("tf.keras.backend.sum")
    assert layer.get_config() == {"name": layer.name, "trainable": True, "dtype": "float32",
                                  "function": "keras.backend.sum"}


def test_every_public_op_function_builds_graph_nodes():
    # a function added to a namespace after its dispatch line would silently refuse Keras tensors
    import inspect

    from kerasish import activations, losses, metrics, ops
    from kerasish.utils.serialization import builtin_objects

    not_ops = K._NOT_OPS
    unwrapped = [f"K.{n}" for n, v in vars(K).items() if inspect.isfunction(v) and not n.startswith("_")
                 and n not in not_ops and v.__module__.startswith("kerasish.backend")
                 and not hasattr(v, "_keras_api_name")]
    unwrapped += [f"ops.{n}" for n, v in vars(ops).items() if inspect.isfunction(v) and not n.startswith("_")
                  and n not in ("convert_to_numpy", "is_tensor", "shape", "ndim", "size")
                  and not hasattr(v, "_keras_api_name")]
    for kind, module in (("loss", losses), ("metric", metrics), ("activation", activations)):
        unwrapped += [f"{kind} {n}" for n, v in builtin_objects(kind).items()
                      if inspect.isfunction(v) and not hasattr(v, "_keras_api_name")]
    assert not unwrapped
    x = keras.Input(shape=(3,))
    assert K.is_keras_tensor(keras.activations.get("relu")(x)) and K.is_keras_tensor(losses.get("mse")(x, x))
