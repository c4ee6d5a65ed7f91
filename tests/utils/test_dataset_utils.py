"""Dataset helpers against tf_keras 2.21 on the same folder (tests/fixtures/datasets_tf_keras.npz, made
by tools/dataset_reference.py): same files in the same order, labels, class names and batches."""
import collections
import json
import os
import pathlib
import sys

import numpy as np
import pytest

import kerasish as keras
from kerasish.utils import Dataset

pytest.importorskip("PIL")
sys.path.insert(0, str(pathlib.Path(__file__).parents[2] / "tools"))
import dataset_reference as ref  # noqa: E402

FIXTURE = np.load(pathlib.Path(__file__).parents[1] / "fixtures" / "datasets_tf_keras.npz")
META = json.loads(str(FIXTURE["meta"]))
# Colour JPEG with 4:2:0 chroma: TensorFlow upsamples the chroma with libjpeg's smoothing filter, Pillow's
# fast-DCT mode does not (grayscale JPEG, decoded by both with the fast integer DCT, matches exactly).
JPEG_TOLERANCE = 6.0

@pytest.fixture(autouse=True)
def _fresh_layer_names():
    """Layers made here must not shift the automatic names other tests and doctests expect."""
    yield
    keras.backend.clear_session()



@pytest.fixture(scope="module")
def root(tmp_path_factory):
    root = tmp_path_factory.mktemp("folders")
    offsets = np.concatenate([[0], np.cumsum(FIXTURE["file_sizes"])])
    blob = FIXTURE["file_blob"].tobytes()
    files = {str(name): blob[offsets[i]:offsets[i + 1]] for i, name in enumerate(FIXTURE["file_names"])}
    ref.write_files(files, str(root))
    return root


def _expected(name):
    meta = META[name]
    return [tuple(FIXTURE[f"{name}/{i}/{j}"] for j in range(meta["n_parts"])) for i in range(meta["n_batches"])]


def _ours(ds):
    return [tuple(np.asarray(t) for t in (b if isinstance(b, tuple) else (b,))) for b in ds]


def _as_bytes(array):
    return array.astype("S") if array.dtype == object else array


def _compare_batches(ours, expected, jpeg_rows=(), batched=True):
    """Same batches, parts, shapes and dtypes; float parts within 1e-3 (a colour JPEG's rows within
    JPEG_TOLERANCE), everything else equal. `jpeg_rows` counts elements in order across batches."""
    assert len(ours) == len(expected)
    row = 0
    for got, want in zip(ours, expected):
        assert len(got) == len(want)
        rows = len(want[0]) if batched else 1
        for g, w in zip(got, want):
            g = _as_bytes(g)
            assert g.shape == w.shape and g.dtype == w.dtype, (g.shape, w.shape, g.dtype, w.dtype)
            if w.dtype.kind != "f":
                np.testing.assert_array_equal(g, w)
                continue
            for k in range(rows):
                tolerance = JPEG_TOLERANCE if row + k in jpeg_rows else 1e-3
                g_k, w_k = (g[k], w[k]) if batched else (g, w)
                np.testing.assert_allclose(g_k, w_k, atol=tolerance, rtol=0)
        row += rows


def _jpeg_rows(file_paths):
    return {i for i, p in enumerate(file_paths) if p.endswith("c4.jpg")}  # the colour JPEG


@pytest.mark.parametrize("name", sorted(ref.IMAGE_CASES))
def test_image_dataset_matches_tf_keras(root, name, capsys):
    kwargs = dict(ref.IMAGE_CASES[name])
    folder = root / kwargs.pop("root", "images")
    ds = keras.utils.image_dataset_from_directory(str(folder), **kwargs)
    meta = META[name]
    assert ds.class_names == meta["class_names"]
    assert [os.path.relpath(p, folder) for p in ds.file_paths] == meta["file_paths"]
    _compare_batches(_ours(ds), _expected(name), _jpeg_rows(meta["file_paths"]), kwargs["batch_size"] is not None)
    assert "Found" in capsys.readouterr().out


def test_image_split_selects_the_same_files_as_tf_keras(root):
    folder = root / "images"
    train, val = keras.utils.image_dataset_from_directory(str(folder), **ref.SPLIT_CASES["split_both"])
    for ds, name in ((train, "split_both0"), (val, "split_both1")):
        assert [os.path.relpath(p, folder) for p in ds.file_paths] == META[name]["file_paths"]
    # the validation part is not shuffled (as tf_keras): same batches
    _compare_batches(_ours(val), _expected("split_both1"), _jpeg_rows(META["split_both1"]["file_paths"]))
    # the training part goes through a shuffle buffer: same (label, image) pairs, same batch count
    got, want = _ours(train), _expected("split_both0")
    assert len(got) == len(want)
    labels_got = sorted(int(v) for b in got for v in b[1])
    assert labels_got == sorted(int(v) for b in want for v in b[1])
    train2 = keras.utils.image_dataset_from_directory(str(folder), **ref.SPLIT_CASES["split_training"])
    assert [os.path.relpath(p, folder) for p in train2.file_paths] == META["split_training0"]["file_paths"]


def test_text_dataset_matches_tf_keras(root):
    folder = str(root / "texts")
    ds = keras.utils.text_dataset_from_directory(folder, **ref.TEXT_CASES["text_binary"])
    assert ds.class_names == ["neg", "pos"]
    _compare_batches(_ours(ds), _expected("text_binary"))
    for name in ("text_training", "text_validation"):  # shuffled: the same texts and labels
        got = _ours(keras.utils.text_dataset_from_directory(folder, **ref.TEXT_CASES[name]))
        pairs = collections.Counter((bytes(t), int(lab)) for b in got for t, lab in zip(b[0], b[1]))
        expected = collections.Counter((bytes(t), int(lab)) for b in _expected(name) for t, lab in zip(*b))
        assert pairs == expected, name


def test_timeseries_matches_tf_keras():
    data, targets = ref.timeseries_data()
    for name in ("ts_targets", "ts_window"):
        kwargs = ref.TIMESERIES_CASES[name]
        ds = keras.utils.timeseries_dataset_from_array(data, targets, **kwargs)
        _compare_batches(_ours(ds), _expected(name), batched=kwargs["batch_size"] is not None)
    got = _ours(keras.utils.timeseries_dataset_from_array(data, targets, **ref.TIMESERIES_CASES["ts_shuffle"]))
    want = _expected("ts_shuffle")
    assert [len(b[0]) for b in got] == [len(b[0]) for b in want]
    key = sorted((tuple(w.ravel()), int(t)) for b in got for w, t in zip(*b))
    assert key == sorted((tuple(w.ravel()), int(t)) for b in want for w, t in zip(*b))


def test_split_dataset_matches_tf_keras():
    x, y = ref.split_data()
    left = keras.utils.split_dataset(x, left_size=0.75, shuffle=True, seed=3)[0]
    _compare_batches(_ours(left), _expected("split_arrays_left"), batched=False)
    left, right = keras.utils.split_dataset((x, y), right_size=6, shuffle=True, seed=9)
    _compare_batches(_ours(left), _expected("split_tuple_left"), batched=False)
    _compare_batches(_ours(right), _expected("split_tuple_right"), batched=False)
    left, right = keras.utils.split_dataset(Dataset.from_tensor_slices((x, y)).batch(4), left_size=13, right_size=5)
    _compare_batches(_ours(left), _expected("split_batched_left"))
    _compare_batches(_ours(right), _expected("split_batched_right"))


def test_fit_evaluate_predict_take_an_image_dataset(root):
    folder = str(root / "images")
    train, val = keras.utils.image_dataset_from_directory(folder, image_size=(4, 4), batch_size=4, seed=1,
                                                          validation_split=0.3, subset="both")
    model = keras.Sequential([keras.layers.Rescaling(1 / 255.0, input_shape=(4, 4, 3)), keras.layers.Flatten(),
                              keras.layers.Dense(len(train.class_names), activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(train.cache().prefetch(keras.utils.dataset.AUTOTUNE), validation_data=val, epochs=2,
                        verbose=0)
    assert len(history.history["loss"]) == 2 and len(history.history["val_loss"]) == 2
    assert model.predict(val, verbose=0).shape == (3, 3)
    assert len(model.evaluate(val, verbose=0)) == 2
    images, labels = next(iter(train.take(1)))
    assert images.numpy().dtype == np.float32 and train.class_names[labels[0]] in train.class_names


def test_dataset_methods_tutorials_use():
    ds = Dataset.from_tensor_slices((np.arange(10), np.arange(10) % 2)).shuffle(10, seed=1).batch(3)
    assert len(ds) == 4 and sum(1 for _ in ds.take(2)) == 2
    first, second = [b[0].tolist() for b in ds.as_numpy_iterator()], [b[0].tolist() for b in ds.as_numpy_iterator()]
    assert sorted(sum(first, [])) == list(range(10)) and first != second  # reshuffled every pass
    doubled = ds.map(lambda x, y: (x * 2, y)).unbatch()
    assert sorted(int(x) for x, _ in doubled.as_numpy_iterator()) == list(range(0, 20, 2))
    assert [int(v) for v in Dataset.range(5).skip(3).repeat(2).as_numpy_iterator()] == [3, 4, 3, 4]
    assert Dataset.range(3).repeat().cardinality() == -1


def test_bad_arguments_are_named(root):
    folder = str(root / "images")
    with pytest.raises(ValueError, match="seed"):
        keras.utils.image_dataset_from_directory(folder, validation_split=0.2, subset="training")
    with pytest.raises(ValueError, match="color_mode"):
        keras.utils.image_dataset_from_directory(folder, color_mode="cmyk")
    with pytest.raises(ValueError, match="label_mode"):
        keras.utils.text_dataset_from_directory(str(root / "texts"), label_mode="onehot")
    with pytest.raises(ValueError, match="Could not find directory"):
        keras.utils.image_dataset_from_directory(str(root / "missing"))
    with pytest.raises(ValueError, match="sampling_rate"):
        keras.utils.timeseries_dataset_from_array(np.arange(5), None, 2, sampling_rate=0)
    with pytest.raises(ValueError, match="left_size"):
        keras.utils.split_dataset(np.arange(5), left_size=7)


def test_reiterables_are_batches_but_array_likes_are_data():
    class Batches:  # any iterable that is not an iterator is read afresh every epoch, like a Dataset
        def __iter__(self):
            yield np.ones((4, 2), "float32"), np.ones((4, 1), "float32")

    model = keras.Sequential([keras.layers.Dense(1, input_shape=(2,))])
    model.compile("sgd", "mse")
    assert len(model.fit(Batches(), epochs=3, verbose=0).history["loss"]) == 3
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(np.ones((6, 2)))  # has __iter__ too, but it is an array
    assert model.predict(frame, verbose=0).shape == (6, 1)
    model.fit(frame, pd.Series(np.ones(6)), epochs=1, verbose=0)


def test_from_tensor_slices_reads_python_lists_as_tensors():
    # tf.data converts a Python list to one tensor (tuples and dicts are structure): Deep Learning with
    # Python ch. 11 slices `(english_texts, spanish_texts)`, two lists of str. Structures checked
    # against tensorflow 2.21 (which also gives bytes for str and 32-bit numbers; we keep str and numpy's).
    pairs = Dataset.from_tensor_slices((["a b", "c", "d"], ["x", "y z", "w"]))
    assert pairs.cardinality() == 3
    assert [(a.tolist(), b.tolist()) for a, b in pairs.batch(2).as_numpy_iterator()] == \
        [(["a b", "c"], ["x", "y z"]), (["d"], ["w"])]
    assert [int(v) for v in Dataset.from_tensor_slices([1, 2, 3]).as_numpy_iterator()] == [1, 2, 3]
    rows = list(Dataset.from_tensor_slices({"t": ["p", "q"], "n": [[1, 2], [3, 4]]}).as_numpy_iterator())
    assert [(r["t"].item(), r["n"].tolist()) for r in rows] == [("p", [1, 2]), ("q", [3, 4])]
