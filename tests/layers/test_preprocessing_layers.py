"""Preprocessing layers inside models: string inputs through fit/predict, saved state in .h5 files and
Keras's asset protocol, training-only augmentation with gradients, and clear errors. Numbers against
tf_keras are in test_preprocessing_tf_keras.py."""
import numpy as np
import pytest

import kerasish as keras
from kerasish.testing import check_grads
from kerasish.utils import Dataset

TEXTS = np.array(["the cat sat on the mat", "a dog ran", "the dog sat", "cats and dogs", "a cat"])

@pytest.fixture(autouse=True)
def _fresh_layer_names():
    """Layers made here must not shift the automatic names other tests and doctests expect."""
    yield
    keras.backend.clear_session()



def _round_trip(model, tmp_path, name="m.h5"):
    path = str(tmp_path / name)
    model.save(path)
    with pytest.warns(UserWarning, match="not\\* compiled|compile"):
        return keras.models.load_model(path)


@pytest.mark.parametrize("output_mode", ["int", "multi_hot", "count", "tf_idf"])
def test_adapted_text_vectorization_keeps_its_vocabulary_in_h5(tmp_path, output_mode):
    kwargs = {"output_sequence_length": 5} if output_mode == "int" else {}
    layer = keras.layers.TextVectorization(max_tokens=9, output_mode=output_mode, **kwargs)
    layer.adapt(TEXTS)
    inputs = keras.Input((1,), dtype="string")
    model = keras.Model(inputs, layer(inputs))
    queries = np.array([["the cat ran far"], ["dogs"]])
    expected = model.predict(queries, verbose=0)
    again = _round_trip(model, tmp_path)
    np.testing.assert_array_equal(again.predict(queries, verbose=0), expected)
    assert again.layers[1].get_vocabulary() == layer.get_vocabulary()
    if output_mode == "tf_idf":  # the IDF weights are a weight of the layer, as tf_keras's Variable:0
        assert [w.shape for w in again.layers[1].weights] == [(9,)]


def test_lookups_and_discretization_keep_adapted_state_in_h5(tmp_path):
    words, numbers = keras.Input((2,), dtype="string"), keras.Input((2,))
    string_lookup = keras.layers.StringLookup(num_oov_indices=2, mask_token="")
    string_lookup.adapt(np.array([["x", "y"], ["y", "z"], ["y", ""]]))
    integer_lookup = keras.layers.IntegerLookup(output_mode="count")
    integer_lookup.adapt(np.array([3, 3, 7, 9]))
    discretization = keras.layers.Discretization(num_bins=4)
    discretization.adapt(np.random.RandomState(0).randn(200, 2))
    ints = keras.layers.Lambda(lambda t: keras.backend.cast(t, "int64"))(discretization(numbers))
    outputs = [string_lookup(words), integer_lookup(ints), discretization(numbers)]
    model = keras.Model([words, numbers], outputs)
    x = [np.array([["y", "q"], ["", "x"]]), np.array([[-1.0, 0.1], [2.0, 0.0]], "float32")]
    expected = model.predict(x, verbose=0)
    with keras.utils.custom_object_scope({}):
        path = str(tmp_path / "m.h5")
        model.save(path)
        again = keras.models.load_model(path, safe_mode=False)  # the Lambda layer needs safe_mode=False
    for got, want in zip(again.predict(x, verbose=0), expected):
        np.testing.assert_array_equal(got, want)


def test_string_model_trains_with_fit_and_a_text_dataset():
    vectorize = keras.layers.TextVectorization(max_tokens=20, output_sequence_length=6)
    vectorize.adapt(Dataset.from_tensor_slices(TEXTS).batch(2))  # adapt takes a Dataset of batches too
    inputs = keras.Input((1,), dtype="string")
    x = keras.layers.Embedding(20, 4)(vectorize(inputs))
    outputs = keras.layers.Dense(1, activation="sigmoid")(keras.layers.GlobalAveragePooling1D()(x))
    model = keras.Model(inputs, outputs)
    model.compile("adam", "binary_crossentropy")
    labels = np.array([1, 0, 1, 0, 1], "float32")
    history = model.fit(TEXTS[:, None], labels, epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    ds = Dataset.from_tensor_slices((TEXTS.astype(object)[:, None], labels)).batch(2)
    model.fit(ds, epochs=1, verbose=0)
    assert model.predict(TEXTS[:, None], verbose=0).shape == (5, 1)


def test_keras_asset_protocol_round_trip(tmp_path):
    layer = keras.layers.StringLookup(output_mode="tf_idf")
    layer.adapt([["a", "b"], ["a", "c"]])
    store = {}
    layer.save_own_variables(store)
    layer.save_assets(str(tmp_path))
    assert (tmp_path / "vocabulary.txt").read_text().split("\n") == layer.get_vocabulary()
    other = keras.layers.StringLookup(output_mode="tf_idf")
    other.load_assets(str(tmp_path))
    other.load_own_variables(store)
    query = np.array([["a", "c", "q"]])
    np.testing.assert_array_equal(other(query).numpy(), layer(query).numpy())


def test_vocabulary_file_and_set_vocabulary(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("[UNK]\nred\ngreen\n")
    layer = keras.layers.StringLookup(vocabulary=str(path))
    assert layer.get_vocabulary() == ["[UNK]", "red", "green"]
    assert layer.get_config()["vocabulary"] == str(path)  # as tf_keras: the path, not its contents
    layer.set_vocabulary(["blue"])
    assert layer(np.array(["blue", "red"])).numpy().tolist() == [1, 0]


def test_bad_inputs_name_the_layer_and_the_argument():
    with pytest.raises(ValueError, match="num_tokens"):
        keras.layers.CategoryEncoding(num_tokens=3)(np.array([[0, 3]]))
    with pytest.raises(ValueError, match="output_mode"):
        keras.layers.StringLookup(output_mode="onehot")
    with pytest.raises(ValueError, match="num_oov_indices=0"):
        keras.layers.StringLookup(vocabulary=["a"], num_oov_indices=0)(np.array(["b"]))
    with pytest.raises(ValueError, match="split"):
        keras.layers.TextVectorization(split="comma")
    with pytest.raises(ValueError, match="Hashing"):
        keras.layers.Hashing(4)(np.array([1.5]))
    with pytest.raises(ValueError, match="sparse"):
        keras.layers.IntegerLookup(output_mode="multi_hot", sparse=True)
    with pytest.raises(ValueError, match="repeated"):
        keras.layers.StringLookup(vocabulary=["a", "a"])
    with pytest.raises(RuntimeError, match="vocabulary"):
        keras.layers.StringLookup(output_mode="multi_hot")(np.array([["a"]]))
    with pytest.raises(NotImplementedError, match="fill_mode"):  # tf_keras's exception type
        keras.layers.RandomRotation(0.1, fill_mode="mirror")


# ----------------------------------------------------------------------------- augmentation
AUGMENTATIONS = [
    (keras.layers.RandomFlip, {}, {"horizontal": np.array([True, False]), "vertical": np.array([True, True])}),
    (keras.layers.RandomRotation, {"factor": 0.1}, {"angles": np.array([0.3, -0.7])}),
    (keras.layers.RandomZoom, {"height_factor": 0.2}, {"zooms": np.array([[0.8, 1.1], [1.3, 0.7]])}),
    (keras.layers.RandomTranslation, {"height_factor": 0.1, "width_factor": 0.1, "fill_mode": "constant"},
     {"translations": np.array([[0.6, -1.3], [-2.2, 0.4]])}),
    (keras.layers.RandomContrast, {"factor": 0.5}, {"factor": np.float32(1.3)}),
    (keras.layers.RandomCrop, {"height": 3, "width": 4}, {"offset": (1, 2)}),
    (keras.layers.RandomHeight, {"factor": 0.3}, {"factor": np.float32(1.25)}),
    (keras.layers.RandomWidth, {"factor": 0.3, "interpolation": "bicubic"}, {"factor": np.float32(0.75)}),
    (keras.layers.RandomBrightness, {"factor": 0.2}, {"delta": np.array([0.1, -0.15])}),
]


@pytest.mark.parametrize("cls,kwargs,draws", AUGMENTATIONS, ids=[a[0].__name__ for a in AUGMENTATIONS])
def test_augmentation_gradients_match_finite_differences(cls, kwargs, draws):
    layer = cls(**kwargs, dtype="float64")
    images = np.random.RandomState(1).uniform(1, 200, (2, 5, 6, 2))
    # interpolation weights and flips are fixed by the draws: the output is linear in the images
    check_grads(lambda x: layer._augment(x, draws), images)


@pytest.mark.parametrize("cls,kwargs,draws", AUGMENTATIONS, ids=[a[0].__name__ for a in AUGMENTATIONS])
def test_augmentation_only_in_training_and_reproducible_with_a_seed(cls, kwargs, draws):
    images = np.random.RandomState(2).uniform(0, 255, (4, 6, 7, 3)).astype("float32")
    inputs = keras.Input((6, 7, 3))
    model = keras.Model(inputs, cls(**kwargs, seed=5)(inputs))
    inference = model.predict(images, verbose=0)
    if cls is keras.layers.RandomCrop:
        assert inference.shape == (4, 3, 4, 3)  # resized to the output size, as tf_keras
    else:
        np.testing.assert_array_equal(inference, images)
    first = cls(**kwargs, seed=5)(images, training=True).numpy()
    again = cls(**kwargs, seed=5)(images, training=True).numpy()
    np.testing.assert_array_equal(first, again)
    if cls not in (keras.layers.RandomHeight, keras.layers.RandomWidth):  # those resize one side
        assert first.shape == inference.shape
    assert first.shape != images.shape or not np.array_equal(first, inference if cls is keras.layers.RandomCrop
                                                              else images)
    single = cls(**kwargs, seed=5)(images[0], training=True)  # an unbatched image keeps its rank
    assert single.shape == first.shape[1:]
    config = cls(**kwargs, seed=5).get_config()
    assert type(cls.from_config(config)).__name__ == cls.__name__


def test_random_flip_flips_about_half_of_the_images():
    images = np.arange(2 * 3, dtype="float32").reshape(1, 2, 3, 1).repeat(400, axis=0)
    out = keras.layers.RandomFlip("horizontal", seed=0)(images, training=True).numpy()
    flipped = np.all(out == images[:, :, ::-1], axis=(1, 2, 3))
    assert 150 < flipped.sum() < 250 and np.all(flipped | np.all(out == images, axis=(1, 2, 3)))


def test_augmentation_in_a_trained_cnn():
    model = keras.Sequential([keras.layers.RandomFlip("horizontal", input_shape=(8, 8, 1), seed=1),
                              keras.layers.RandomRotation(0.05, seed=2), keras.layers.RandomZoom(0.1, seed=3),
                              keras.layers.Conv2D(2, 3), keras.layers.Flatten(), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    x = np.random.RandomState(0).rand(8, 8, 8, 1).astype("float32")
    history = model.fit(x, np.ones((8, 1)), epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    np.testing.assert_array_equal(model.predict(x, verbose=0), model.predict(x, verbose=0))  # no randomness


def test_one_dimensional_data_fits_an_input_of_shape_1_as_in_tf_keras():
    # tf_keras conforms a batch with one axis of size 1 fewer (or more) than the Input: texts of shape
    # (n,) feed `Input(shape=(1,), dtype="string")`, as text_dataset_from_directory batches do
    vectorize = keras.layers.TextVectorization(max_tokens=12, output_sequence_length=4)
    vectorize.adapt(TEXTS)
    model = keras.Sequential([keras.Input(shape=(1,), dtype="string"), vectorize, keras.layers.Embedding(12, 2),
                              keras.layers.Flatten(), keras.layers.Dense(1)])
    model.compile("adam", "mse")
    model.fit(TEXTS, np.ones(5), epochs=2, verbose=0)
    np.testing.assert_array_equal(model.predict(TEXTS, verbose=0), model.predict(TEXTS[:, None], verbose=0))
    dense = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(1)])
    dense.compile("sgd", "mse")
    history = dense.fit(np.arange(8.0), np.arange(8.0), epochs=3, verbose=0)  # the compiled step conforms too
    assert len(history.history["loss"]) == 3 and dense.predict(np.arange(3.0), verbose=0).shape == (3, 1)


@pytest.mark.parametrize("mode, kwargs, width", [("int", {}, 7), ("int", {"output_sequence_length": 5}, 5),
                                                 ("multi_hot", {}, 11), ("count", {"ngrams": 2}, 19),
                                                 (None, {}, 7)])
def test_text_vectorization_of_one_string_is_one_row(mode, kwargs, width):
    # Deep Learning with Python ch. 11 encodes one sentence, `text_vectorization(test_sentence)`, and
    # iterates `int(i) for i in encoded`: tf_keras 2.21 returns that text's row (rank 1; widths checked
    # there for this vocabulary), the same values as row 0 of a batch of one.
    layer = keras.layers.TextVectorization(output_mode=mode, **kwargs)
    layer.adapt(["I write, erase, rewrite", "Erase again, and then", "A poppy blooms."])
    sentence = "I write, rewrite, and still rewrite again"
    batch = np.asarray(layer(np.array([sentence], dtype=object)))
    for one in (sentence, np.array(sentence, dtype=object)):
        out = np.asarray(layer(one))
        assert out.shape == (width,)
        np.testing.assert_array_equal(out, batch[0])
    if mode == "int" and not kwargs:
        assert [int(i) for i in layer(sentence)] == [7, 3, 5, 9, 1, 5, 10]
