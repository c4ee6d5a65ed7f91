"""TensorBoard callback: the event files read back with TensorBoard's own reader equal what tf_keras
writes for the same model, weights and data (tests/fixtures/tensorboard_tf_keras.json, made by
tools/tensorboard_reference.py with tf_keras 2.21)."""
import builtins
import io
import json
import os
import pathlib
import sys

import numpy as np
import pytest

pytest.importorskip("tensorboard")
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402
from tensorboard.util import tensor_util  # noqa: E402

import kerasish as keras  # noqa: E402
from kerasish.callbacks.tensorboard import histogram_buckets  # noqa: E402

FIXTURE = pathlib.Path(__file__).parent / "fixtures" / "tensorboard_tf_keras.json"
sys.path.insert(0, str(pathlib.Path(__file__).parents[1] / "tools"))
from tensorboard_reference import data_and_weights  # noqa: E402

@pytest.fixture(autouse=True)
def _fresh_layer_names():
    """Layers made here must not shift the automatic names other tests and doctests expect."""
    yield
    keras.backend.clear_session()



def _read_runs(log_dir):
    runs = {}
    for run in sorted(os.listdir(log_dir)):
        if not os.path.isdir(os.path.join(log_dir, run)):
            continue
        acc = EventAccumulator(os.path.join(log_dir, run), size_guidance={"tensors": 0})
        acc.Reload()
        runs[run] = {}
        for tag in acc.Tags()["tensors"]:
            events = acc.Tensors(tag)
            runs[run][tag] = {"plugin": acc.SummaryMetadata(tag).plugin_data.plugin_name,
                              "steps": [e.step for e in events],
                              "values": [tensor_util.make_ndarray(e.tensor_proto) for e in events]}
    return runs


def _png_pixels(data):
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(data)))


@pytest.fixture(scope="module")
def reference_and_ours(tmp_path_factory):
    x, y, weights = data_and_weights()
    keras.backend.clear_session()  # default names, as in the tf_keras run ("sequential")
    model = keras.Sequential([keras.layers.Dense(3, activation="relu", input_shape=(4,), name="d1"),
                              keras.layers.Dense(1, activation="sigmoid", name="d2")])
    model.set_weights(weights)
    schedule = keras.optimizers.schedules.ExponentialDecay(0.5, decay_steps=3, decay_rate=0.5)
    model.compile(keras.optimizers.SGD(schedule), "binary_crossentropy", metrics=["accuracy"])
    log_dir = tmp_path_factory.mktemp("tb")
    tensorboard = keras.callbacks.TensorBoard(str(log_dir), histogram_freq=1, write_images=True, update_freq=2,
                                              write_steps_per_second=True)
    model.fit(x, y, batch_size=8, epochs=2, validation_split=0.25, shuffle=False, verbose=0, callbacks=[tensorboard])
    return json.loads(FIXTURE.read_text())["runs"], _read_runs(log_dir)


def test_same_runs_tags_and_steps_as_tf_keras(reference_and_ours):
    reference, ours = reference_and_ours
    assert sorted(ours) == sorted(reference) == ["train", "validation"]
    for run in reference:
        assert sorted(ours[run]) == sorted(reference[run]), run
        for tag, expected in reference[run].items():
            assert ours[run][tag]["plugin"] == expected["plugin"], (run, tag)
            assert ours[run][tag]["steps"] == expected["steps"], (run, tag)


def test_scalar_values_match_tf_keras(reference_and_ours):
    reference, ours = reference_and_ours
    checked = 0
    for run in reference:
        for tag, expected in reference[run].items():
            if expected["plugin"] != "scalars" or "steps_per_second" in tag:
                continue  # timings differ by nature
            got = [float(v) for v in ours[run][tag]["values"]]
            np.testing.assert_allclose(got, expected["values"], rtol=1e-5, atol=1e-6, err_msg=f"{run}/{tag}")
            checked += 1
    assert checked == 9  # batch/epoch loss, accuracy, learning rate, validation and evaluation scalars


def test_histograms_and_images_match_tf_keras(reference_and_ours):
    reference, ours = reference_and_ours
    for tag, expected in reference["train"].items():
        if expected["plugin"] == "histograms":
            for got, want in zip(ours["train"][tag]["values"], expected["values"]):
                assert got.shape == (30, 3)
                np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6, err_msg=tag)
        elif expected["plugin"] == "images":
            for got, want in zip(ours["train"][tag]["values"], expected["values"]):
                assert [int(got[0]), int(got[1])] == [len(want[0][0]), len(want[0])]  # width, height
                pixels = [_png_pixels(png) for png in got[2:]]
                assert len(pixels) == len(want)
                for p, w in zip(pixels, want):
                    assert np.abs(p.astype(int) - np.asarray(w)).max() <= 1, tag  # truncation at the edges


def test_keras_graph_opens_in_tensorboards_graph_plugin(reference_and_ours):
    from tensorboard.plugins.graph import keras_util

    reference, ours = reference_and_ours
    ours_config = json.loads(ours["train"]["keras"]["values"][0].item())
    theirs = keras_util.keras_model_to_graph_def(reference["train"]["keras"]["values"][0])
    mine = keras_util.keras_model_to_graph_def(ours_config)
    assert [(n.name, list(n.input), n.attr["keras_class"].s) for n in mine.node] == \
        [(n.name, list(n.input), n.attr["keras_class"].s) for n in theirs.node]


def test_histogram_buckets_equal_tensorboards_histogram_pb():
    from tensorboard.plugins.histogram.summary_v2 import histogram_pb

    rs = np.random.RandomState(3)
    for data in (rs.randn(257), rs.rand(5, 7).astype("float32"), np.full(4, 2.5), np.array([]), np.arange(30.0)):
        expected = tensor_util.make_ndarray(histogram_pb("h", data).value[0].tensor)
        np.testing.assert_array_equal(histogram_buckets(data), expected)


def test_epoch_update_freq_writes_only_epoch_scalars(tmp_path):
    model = keras.Sequential([keras.layers.Dense(1, input_shape=(2,))])
    model.compile("adam", "mse")
    model.fit(np.ones((8, 2)), np.ones((8, 1)), batch_size=2, epochs=2, verbose=0,
              callbacks=[keras.callbacks.TensorBoard(str(tmp_path), write_graph=False)])
    runs = _read_runs(tmp_path)
    assert sorted(runs) == ["train"]
    assert sorted(runs["train"]) == ["epoch_loss"]  # a constant learning rate is not written (as tf_keras)
    assert runs["train"]["epoch_loss"]["steps"] == [0, 1]


def test_embeddings_for_the_projector(tmp_path):
    from google.protobuf import text_format
    from tensorboard.plugins.projector.projector_config_pb2 import ProjectorConfig
    from tensorboard.plugins.projector.projector_plugin import _read_tensor_tsv_file

    model = keras.Sequential([keras.layers.Embedding(5, 3, input_length=2, name="emb"), keras.layers.Flatten(),
                              keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    model.fit(np.array([[1, 2], [3, 4]]), np.ones((2, 1)), epochs=1, verbose=0,
              callbacks=[keras.callbacks.TensorBoard(str(tmp_path), embeddings_freq=1,
                                                     embeddings_metadata={"emb": "words.tsv"})])
    config = text_format.Parse((tmp_path / "projector_config.pbtxt").read_text(), ProjectorConfig())
    (embedding,) = config.embeddings
    assert embedding.tensor_name == "emb/embeddings" and embedding.metadata_path == "words.tsv"
    table = np.array(_read_tensor_tsv_file(str(tmp_path / embedding.tensor_path)), dtype=np.float32)
    np.testing.assert_allclose(table, model.layers[0].get_weights()[0], rtol=1e-6)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="update_freq"):
        keras.callbacks.TensorBoard(update_freq="sometimes")
    with pytest.raises(ValueError, match="Unrecognized arguments"):
        keras.callbacks.TensorBoard(histogram_frequency=1)
    with pytest.raises(ValueError, match="profile_batch"):
        keras.callbacks.TensorBoard(profile_batch=(5, 2))
    with pytest.warns(UserWarning, match="profiler"):
        keras.callbacks.TensorBoard(profile_batch=2)


def test_without_tensorboard_one_line_says_what_to_install(monkeypatch):
    real_import = builtins.__import__

    def no_tensorboard(name, *args, **kwargs):
        if name.startswith("tensorboard"):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tensorboard)
    with pytest.raises(ImportError) as info:
        keras.callbacks.TensorBoard("logs")
    assert "pip install kerasish[tensorboard]" in str(info.value) and "\n" not in str(info.value)
