"""The `.keras` format in both dialects, against files real Keras 3 and tf.keras wrote.

tests/fixtures/keras_format/<dialect>/NAME.keras were written by `model.save` in Keras 3.15.1 (`keras3`)
and tf_keras 2.21 (`tf_keras`), NAME.npz holds the inputs, the library's predictions and, for compiled
models, the batch and predictions after one more `train_on_batch` there (tools/make_keras_format_fixtures.py
writes them). A loaded model must predict the same and, trained one more step, land on the same numbers:
that needs the optimizer's class, hyper-parameters, iteration count and slots from the file. That kerasish's
own files load in real Keras is checked by tools/check_keras_format_writes.py (needs tensorflow).
"""
import io
import json
import os
import sys
import warnings
import zipfile

import h5py
import numpy as np
import pytest

import kerasish as keras
from kerasish.saving import keras_archive, keras_weights_h5

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures", "keras_format")
DIALECTS = ("keras3", "tf_keras")
MODELS = ("mlp", "cnn", "rnn", "nested_shared", "custom", "attention", "lambda_layer")
L = keras.layers


# ----------------------------------------------------------------------------- the fixtures' custom objects
@keras.utils.register_keras_serializable(package="kerasish_fixtures")
class ScaleShift(L.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.scale = self.add_weight(name="scale", shape=(input_shape[-1],), initializer="ones")
        self.shift = self.add_weight(name="shift", shape=(input_shape[-1],), initializer="zeros", trainable=False)

    def call(self, inputs):
        return inputs * self.scale * self.factor + self.shift

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


@keras.utils.register_keras_serializable(package="kerasish_fixtures")
def scaled_tanh(x):
    return 1.5 * keras.backend.tanh(x)


@keras.utils.register_keras_serializable(package="kerasish_fixtures")
def half_mse(y_true, y_pred):
    return 0.5 * keras.backend.mean(keras.backend.square(y_true - y_pred), axis=-1)


def _fixture(dialect, name):
    return os.path.join(FIXTURES, dialect, name + ".keras")


def _data(dialect, name):
    d = np.load(os.path.join(FIXTURES, dialect, name + ".npz"))

    def get(prefix):
        keys = sorted((k for k in d.files if k.startswith(prefix)), key=lambda k: int(k[len(prefix):]))
        values = [d[k] for k in keys]
        return None if not values else values if len(values) > 1 else values[0]

    return {k: get(k) for k in ("x", "pred", "y", "after")}


def _as_list(v):
    return list(v) if isinstance(v, (list, tuple)) else [v]


def _close(a, b, atol):
    for p, q in zip(_as_list(a), _as_list(b)):
        np.testing.assert_allclose(p, q, rtol=0, atol=atol)


def _load(path, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return keras.models.load_model(path, **kwargs)


def _same_python_as_fixtures(dialect):
    with open(os.path.join(FIXTURES, dialect, "manifest.json")) as f:
        version = json.load(f)["python"]
    return tuple(int(p) for p in version.split(".")[:2]) == sys.version_info[:2]


# ----------------------------------------------------------------------------- loading real files
# Keras 3 updates BatchNormalization's moving variance with the biased batch variance on 4-D inputs, tf_keras
# (and kerasish) with TF's fused kernel's unbiased one: one more training step differs by ~1e-5 there.
AFTER_STEP_TOLERANCE = {("keras3", "cnn"): 1e-4}


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("name", [m for m in MODELS if m != "lambda_layer"])
def test_real_archives_load_with_the_same_predictions_and_training_state(dialect, name):
    data = _data(dialect, name)
    model = _load(_fixture(dialect, name))
    _close(model.predict(data["x"], verbose=0), data["pred"], 1e-5)
    if data["after"] is None:
        return
    model.train_on_batch(data["x"], data["y"])  # needs the optimizer's slots, iterations and settings
    _close(model.predict(data["x"], verbose=0), data["after"], AFTER_STEP_TOLERANCE.get((dialect, name), 1e-5))


@pytest.mark.parametrize("dialect", DIALECTS)
def test_compile_config_is_restored(dialect):
    mlp = _load(_fixture(dialect, "mlp"))
    assert type(mlp.optimizer).__name__ == "Adam"
    assert np.isclose(float(mlp.optimizer.learning_rate.numpy()), 0.01)
    assert int(mlp.optimizer.iterations.numpy()) == 8  # 32 samples, batches of 8, two epochs
    assert mlp.metrics_names == ["loss", "accuracy"]
    assert mlp.compiled_loss._loss_objs[0] is not None
    custom = _load(_fixture(dialect, "custom"))
    assert type(custom.optimizer).__name__ == "AdamW" and custom.optimizer.weight_decay == pytest.approx(0.01)
    nested = _load(_fixture(dialect, "nested_shared"))
    assert nested._compile_args["loss_weights"] == [1.0, 0.5]
    assert not getattr(_load(_fixture(dialect, "attention")), "_is_compiled", False)
    assert not getattr(_load(_fixture(dialect, "mlp"), compile=False), "_is_compiled", False)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_nested_and_shared_models_keep_sharing(dialect):
    model = _load(_fixture(dialect, "nested_shared"))
    inner = model.get_layer("inner_seq")
    assert len(inner._inbound_nodes) >= 2  # one model called on both inputs
    before = [w.copy() for w in model.get_weights()]
    inner.layers[0].kernel.assign(inner.layers[0].kernel.numpy() + 1.0)
    data = _data(dialect, "nested_shared")
    out = model.predict(data["x"], verbose=0)
    assert not np.allclose(out[0], data["pred"][0])  # the change reaches both branches through the one model
    model.set_weights(before)
    _close(model.predict(data["x"], verbose=0), data["pred"], 1e-5)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_lambda_bytecode_needs_safe_mode_false(dialect):
    with pytest.raises(ValueError, match="safe_mode"):
        _load(_fixture(dialect, "lambda_layer"))
    if not _same_python_as_fixtures(dialect):
        pytest.skip("Python bytecode only loads in the Python version that wrote it")
    data = _data(dialect, "lambda_layer")
    model = _load(_fixture(dialect, "lambda_layer"), safe_mode=False)
    _close(model.predict(data["x"], verbose=0), data["pred"], 1e-6)


def test_unregistered_custom_class_is_named_and_no_module_is_imported(tmp_path):
    with zipfile.ZipFile(_fixture("keras3", "custom")) as z:
        config = json.loads(z.read("config.json"))
        weights = z.read("model.weights.h5")
    for layer in config["config"]["layers"]:
        if layer["class_name"] == "ScaleShift":
            layer.update(registered_name="elsewhere>ScaleShift", module="os")
    path = str(tmp_path / "custom.keras")
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("metadata.json", json.dumps({"keras_version": "3.15.1"}))
        z.writestr("config.json", json.dumps(config))
        z.writestr("model.weights.h5", weights)
    with pytest.raises(ValueError, match="ScaleShift"):
        _load(path)
    assert _load(path, custom_objects={"elsewhere>ScaleShift": ScaleShift}).get_layer("scale_shift").factor == 0.5


# ----------------------------------------------------------------------------- writing
def _tree(data):
    """`{path: shape}` of the datasets and the set of group paths of an h5 file (bytes or path)."""
    out, groups = {}, set()
    with h5py.File(io.BytesIO(data) if isinstance(data, bytes) else data, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                out[name] = obj.shape
            else:
                groups.add(name)
        f.visititems(visit)
    return out, groups


def _archive_weights(path):
    with zipfile.ZipFile(path) as z:
        return z.read("model.weights.h5")


SLOW = pytest.mark.slow


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("name", [pytest.param("mlp", marks=SLOW), pytest.param("rnn", marks=SLOW), "nested_shared",
                                  "attention"])
def test_written_weights_have_the_librarys_own_layout(tmp_path, dialect, name):
    """A model loaded from a library's archive and saved again in that dialect gives that library's tree."""
    model = _load(_fixture(dialect, name))
    path = str(tmp_path / "again.keras")
    model.save(path, dialect=dialect)
    theirs, their_groups = _tree(_archive_weights(_fixture(dialect, name)))
    ours, our_groups = _tree(_archive_weights(path))
    assert ours == theirs
    assert our_groups == their_groups
    if dialect == "keras3":  # Keras 3 names each object's vars group
        with h5py.File(io.BytesIO(_archive_weights(path)), "r") as f:
            assert f["layers"][next(iter(f["layers"]))]["vars"].attrs["name"]


@pytest.mark.parametrize("source, target", [("keras3", "tf_keras"), ("tf_keras", "keras3"), ("keras3", "h5"),
                                            ("tf_keras", "h5"), pytest.param("keras3", "keras3", marks=SLOW),
                                            pytest.param("tf_keras", "tf_keras", marks=SLOW)])
def test_conversion_between_dialects_and_h5_keeps_predictions_and_optimizer(tmp_path, source, target):
    data = _data(source, "nested_shared")
    model = _load(_fixture(source, "nested_shared"))
    path = str(tmp_path / ("converted.h5" if target == "h5" else "converted.keras"))
    if target == "h5":
        model.save(path)
    else:
        model.save(path, dialect=target)
    again = _load(path)
    _close(again.predict(data["x"], verbose=0), data["pred"], 1e-5)
    for a, b in zip(model.optimizer.variables, again.optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_dialects_write_their_own_configs_and_metadata(tmp_path):
    model = _load(_fixture("tf_keras", "mlp"))
    model.save(str(tmp_path / "k3.keras"))
    model.save(str(tmp_path / "tfk.keras"), dialect="tf_keras")
    with zipfile.ZipFile(str(tmp_path / "k3.keras")) as z:
        assert sorted(z.namelist()) == ["config.json", "metadata.json", "model.weights.h5"]
        k3, meta = json.loads(z.read("config.json")), json.loads(z.read("metadata.json"))
    assert meta["keras_version"].startswith("3.")
    first, dense = k3["config"]["layers"][:2]
    assert first["config"]["batch_shape"] == [None, 8] and "batch_input_shape" not in first["config"]
    assert dense["config"]["dtype"]["class_name"] == "DTypePolicy"
    assert k3["compile_config"]["optimizer"]["class_name"] == "Adam"
    assert "is_legacy_optimizer" not in k3["compile_config"]["optimizer"]["config"]
    with zipfile.ZipFile(str(tmp_path / "tfk.keras")) as z:
        tfk, meta = json.loads(z.read("config.json")), json.loads(z.read("metadata.json"))
    assert meta["keras_version"].startswith("2.")
    assert tfk["config"]["layers"][0]["config"]["batch_input_shape"] == [None, 8]
    assert tfk["config"]["layers"][1]["config"]["dtype"] == "float32"


def test_functional_nodes_in_keras3_form(tmp_path):
    model = _load(_fixture("tf_keras", "nested_shared"))
    path = str(tmp_path / "m.keras")
    model.save(path)
    with zipfile.ZipFile(path) as z:
        config = json.loads(z.read("config.json"))
    layers = {entry["name"]: entry for entry in config["config"]["layers"]}
    node = layers["add"]["inbound_nodes"][0]
    refs = [t["config"]["keras_history"] for t in node["args"][0]]
    assert refs == [["shared", 0, 0], ["shared", 1, 0]]
    # Keras 3 numbers a nested model's calls from 0 (Keras 2 from 1: its own node comes first)
    assert layers["shared"]["inbound_nodes"][1]["args"][0]["config"]["keras_history"] == ["inner_seq", 1, 0]
    assert config["config"]["input_layers"] == [["a", 0, 0], ["b", 0, 0]]


def test_include_optimizer_false_and_uncompiled_models(tmp_path):
    model = _load(_fixture("keras3", "mlp"))
    path = str(tmp_path / "m.keras")
    model.save(path, include_optimizer=False)
    with zipfile.ZipFile(path) as z:
        assert "compile_config" not in json.loads(z.read("config.json"))
    assert "optimizer" not in _tree(_archive_weights(path))[1]
    assert not getattr(_load(path), "_is_compiled", False)


def test_save_refuses_what_it_cannot_write(tmp_path):
    class Sub(keras.Model):
        def __init__(self):
            super().__init__()
            self.d = L.Dense(1)

        def call(self, x):
            return self.d(x)

    sub = Sub()
    sub(np.ones((1, 2), "float32"))
    with pytest.raises(NotImplementedError, match="subclassed"):
        sub.save(str(tmp_path / "s.keras"))
    model = keras.Sequential([keras.Input((2,)), L.Dense(1)])
    with pytest.raises(ValueError, match=r"\.keras"):
        model.save(str(tmp_path / "m.zip"), save_format="keras")
    with pytest.raises(ValueError, match="dialect"):
        model.save(str(tmp_path / "m.keras"), dialect="keras4")
    path = str(tmp_path / "m.keras")
    model.save(path)
    with pytest.raises(FileExistsError):
        model.save(path, overwrite=False)
    assert not [n for n in os.listdir(tmp_path) if n.endswith(".kerasish-tmp")]


# ----------------------------------------------------------------------------- `.weights.h5` in both dialects
@pytest.mark.parametrize("dialect", DIALECTS)
def test_weights_h5_of_either_library_loads_whatever_the_dialect_written(tmp_path, dialect):
    path = str(tmp_path / "theirs.weights.h5")
    with open(path, "wb") as f:
        f.write(_archive_weights(_fixture(dialect, "attention")))  # what their save_weights writes (same walk)
    data = _data(dialect, "attention")
    model = _load(_fixture(dialect, "attention"))
    model.set_weights([np.zeros_like(w) for w in model.get_weights()])
    model.load_weights(path)
    _close(model.predict(data["x"], verbose=0), data["pred"], 1e-5)
    model.set_weights([np.zeros_like(w) for w in model.get_weights()])
    model.load_weights(_fixture(dialect, "attention"))  # the weights of a whole archive
    _close(model.predict(data["x"], verbose=0), data["pred"], 1e-5)
    ours = str(tmp_path / "ours.weights.h5")
    model.save_weights(ours, dialect=dialect)
    assert _tree(open(ours, "rb").read()) == _tree(open(path, "rb").read())


def test_keras3_optimizer_layout_round_trips_for_special_optimizers(tmp_path):
    x = np.random.default_rng(0).normal(size=(8, 3)).astype("float32")
    y = np.ones((8, 2), "float32")
    for optimizer in (keras.optimizers.Nadam(0.01), keras.optimizers.Adafactor(0.1),
                      keras.optimizers.Adam(keras.optimizers.schedules.ExponentialDecay(0.1, 2, 0.5))):
        model = keras.Sequential([keras.Input((3,)), L.Dense(4), L.Dense(2)])
        model.compile(optimizer, "mse")
        model.fit(x, y, batch_size=4, epochs=2, verbose=0)
        path = str(tmp_path / f"{type(optimizer).__name__}.keras")
        model.save(path)
        again = _load(path)
        for a, b in zip(model.optimizer.variables, again.optimizer.variables):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
        model.train_on_batch(x, y)
        again.train_on_batch(x, y)
        _close(again.predict(x, verbose=0), model.predict(x, verbose=0), 1e-6)


# ----------------------------------------------------------------------------- safety
def _rewrite(source, target, replace):
    with zipfile.ZipFile(source) as z:
        members = {n: z.read(n) for n in z.namelist()}
    members.update(replace)
    with zipfile.ZipFile(target, "w") as z:
        for n, data in members.items():
            z.writestr(n, data)


def test_links_in_the_weights_and_escaping_assets_are_refused(tmp_path):
    model = keras.Sequential([keras.Input((2,)), L.Dense(1)])
    path = str(tmp_path / "m.keras")
    model.save(path)
    buffer = io.BytesIO(_archive_weights(path))
    with h5py.File(buffer, "a") as f:
        del f["layers/dense/vars/0"]
        f["layers/dense/vars/0"] = h5py.SoftLink("/layers/dense/vars/1")
    linked = str(tmp_path / "linked.keras")
    _rewrite(path, linked, {"model.weights.h5": buffer.getvalue()})
    with pytest.raises(ValueError, match="link"):
        _load(linked)

    class WithAssets(L.Layer):
        def load_assets(self, folder):
            raise AssertionError("must not be reached")

    assets_model = keras.Sequential([keras.Input((2,)), WithAssets(name="with_assets")])
    escaping = str(tmp_path / "escaping.keras")
    assets_model.save(str(tmp_path / "plain.keras"))
    _rewrite(str(tmp_path / "plain.keras"), escaping, {"assets/layers/with_assets/../../../evil.txt": b"x"})
    with pytest.raises(ValueError, match="outside"):
        keras_archive.load_model(escaping, custom_objects={"WithAssets": WithAssets})


def test_decompression_bombs_and_broken_archives_are_refused(tmp_path, monkeypatch):
    model = keras.Sequential([keras.Input((2,)), L.Dense(1)])
    path = str(tmp_path / "m.keras")
    model.save(path)
    bomb = str(tmp_path / "bomb.keras")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for n in src.namelist():
            dst.writestr(n, src.read(n) + (b" " * 200_000 if n == "config.json" else b""))
    monkeypatch.setattr(keras_archive, "_BOMB_FLOOR_BYTES", 100_000)
    with pytest.raises(ValueError, match="decompression bomb"):
        _load(bomb)
    no_config = str(tmp_path / "no_config.keras")
    with zipfile.ZipFile(no_config, "w") as z:
        z.writestr("metadata.json", "{}")
    with pytest.raises(ValueError, match="config.json"):
        _load(no_config)
    no_weights = str(tmp_path / "no_weights.keras")
    _rewrite(path, no_weights, {})
    with zipfile.ZipFile(no_weights) as z:
        members = {n: z.read(n) for n in z.namelist() if n != "model.weights.h5"}
    with zipfile.ZipFile(no_weights, "w") as z:
        for n, data in members.items():
            z.writestr(n, data)
    with pytest.raises(ValueError, match="model.weights.h5"):
        _load(no_weights)


# ----------------------------------------------------------------------------- per-object state hooks
class Vocabulary(L.Layer):
    """A layer with state outside its weights: a vocabulary (as an asset file) and counts (as extra vars)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.vocabulary = []
        self.counts = np.zeros(0, "int64")

    def call(self, inputs):
        return inputs

    def save_own_variables(self, store):
        store["0"] = self.counts

    def load_own_variables(self, store):
        self.counts = store["0"]

    def save_assets(self, folder):
        with open(os.path.join(folder, "vocabulary.txt"), "w") as f:
            f.write("\n".join(self.vocabulary))

    def load_assets(self, folder):
        with open(os.path.join(folder, "vocabulary.txt")) as f:
            self.vocabulary = f.read().split("\n")


@pytest.mark.parametrize("dialect", DIALECTS)
def test_layers_save_extra_state_through_keras3_hooks(tmp_path, dialect):
    model = keras.Sequential([keras.Input((2,)), Vocabulary(name="vocab"), L.Dense(1)])
    model.layers[0].vocabulary = ["[UNK]", "cat", "dog"]
    model.layers[0].counts = np.array([5, 2, 1])
    path = str(tmp_path / "m.keras")
    model.save(path, dialect=dialect)
    with zipfile.ZipFile(path) as z:
        assert "assets/layers/vocabulary/vocabulary.txt" in z.namelist()
    again = keras_archive.load_model(path, custom_objects={"Vocabulary": Vocabulary})
    assert again.layers[0].vocabulary == ["[UNK]", "cat", "dog"]
    np.testing.assert_array_equal(again.layers[0].counts, [5, 2, 1])
    weights = str(tmp_path / "w.weights.h5")
    model.save_weights(weights, dialect=dialect)
    again.layers[0].counts = None
    again.load_weights(weights)
    np.testing.assert_array_equal(again.layers[0].counts, [5, 2, 1])


def test_walk_names_follow_each_dialect():
    model = _load(_fixture("keras3", "attention"))
    keras3 = {p for p, _ in keras_weights_h5.walk(model, "keras3")}
    tf_keras = {p for p, _ in keras_weights_h5.walk(model, "tf_keras")}
    assert "layers/multi_head_attention/query_dense" in keras3 and "layers/multi_head_attention/_query_dense" in tf_keras
    assert not any(p.startswith("metrics") for p in keras3)


def test_a_model_with_keras_2_op_layers_is_saved_in_tf_keras_dialect_by_default(tmp_path):
    # DLwP2 ch11: ModelCheckpoint("x.keras") on a model using one_hot on a Keras tensor. Keras 3 has no class
    # for Keras 2's op layers, so (as tf_keras itself writes such models) the file takes tf_keras's dialect;
    # tf_keras 2.21 loads it with the same predictions (checked by hand: 3e-8), Keras 3 cannot
    inputs = keras.Input((5,), dtype="int32")
    x = keras.layers.LSTM(3)(keras.backend.one_hot(inputs, 7))
    model = keras.Model(inputs, L.Dense(1, activation="sigmoid")(x))
    model.compile("rmsprop", "binary_crossentropy")
    data = np.random.RandomState(0).randint(0, 7, (4, 5)).astype("int32")
    model.fit(data, np.ones((4, 1)), verbose=0)
    path = str(tmp_path / "m.keras")
    with pytest.warns(UserWarning, match="tf.keras's `.keras` dialect"):
        model.save(path)
    with zipfile.ZipFile(path) as archive:
        assert json.loads(archive.read("metadata.json"))["kerasish_dialect"] == "tf_keras"
    loaded = keras.models.load_model(path)
    np.testing.assert_array_equal(loaded.predict(data, verbose=0), model.predict(data, verbose=0))
    assert loaded.optimizer.iterations.numpy() == model.optimizer.iterations.numpy()
    with pytest.raises(ValueError, match="TensorFlow-op layer of Keras 2"):
        model.save(path, dialect="keras3")
