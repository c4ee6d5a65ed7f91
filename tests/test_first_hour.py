"""What a new user trips on in the first hour: messages that say what to do, warnings that point at the
user's own line, and missing features that name what to use instead."""
import warnings

import numpy as np
import pytest

import kerasish as keras
from kerasish import layers


def _caught(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn()
    return caught


def _softmax_model(loss="sparse_categorical_crossentropy"):
    model = keras.Sequential([layers.Dense(10, activation="softmax", input_shape=(4,))])
    model.compile("sgd", loss)
    return model


def test_one_hot_targets_with_the_sparse_loss_say_which_loss_to_use():
    model = _softmax_model()
    one_hot = np.eye(10, dtype="float32")[np.arange(32) % 10]
    with pytest.raises(ValueError, match=r"\(32, 10\).*one-hot.*categorical_crossentropy.*argmax"):
        model.fit(np.ones((32, 4), "float32"), one_hot, verbose=0)


def test_get_weights_of_a_sequential_without_input_shape_raises_as_keras_does():
    model = keras.Sequential([layers.Dense(3)])
    with pytest.raises(ValueError, match="Weights for model 'sequential.*have not yet been created"):
        model.get_weights()
    model.build((None, 5))
    assert [w.shape for w in model.get_weights()] == [(5, 3), (3,)]


def test_a_generator_that_runs_out_reports_the_batches_it_needed():
    model = _softmax_model()

    def three_batches():
        for _ in range(3):
            yield np.ones((4, 4), "float32"), np.zeros(4)

    caught = _caught(lambda: model.fit(three_batches(), epochs=2, verbose=0))
    messages = [str(w.message) for w in caught if "ran out of data" in str(w.message)]
    assert len(messages) == 1
    assert "in this case, 6 batches" in messages[0]  # 3 batches an epoch, 2 epochs (tf.keras's figure)


def test_warnings_point_at_the_users_line_not_inside_kerasish():
    model = keras.Sequential([layers.Dense(10, input_shape=(4,))])  # no softmax
    model.compile("sgd", "sparse_categorical_crossentropy")
    caught = _caught(lambda: model.fit(np.ones((8, 4), "float32"), np.zeros(8), verbose=0))
    ours = [w for w in caught if "has no softmax" in str(w.message)]
    assert ours and all(w.filename == __file__ for w in ours), [(w.filename, w.lineno) for w in ours]
    stopper = keras.callbacks.EarlyStopping(monitor="val_nothing")
    caught = _caught(lambda: model.fit(np.ones((8, 4), "float32"), np.zeros(8), verbose=0, callbacks=[stopper]))
    early = [w for w in caught if "val_nothing" in str(w.message)]
    assert early and early[0].filename == __file__


def test_nan_in_the_training_data_is_named_once_per_fit():
    model = keras.Sequential([layers.Dense(1, input_shape=(3,))])
    model.compile("sgd", "mse")
    x = np.ones((40, 3), "float32")
    x[17, 2] = np.nan
    x[30, 0] = np.inf
    caught = _caught(lambda: model.fit(x, np.zeros(40), epochs=2, batch_size=8, verbose=0))
    found = [str(w.message) for w in caught if "training data" in str(w.message)]
    assert len(found) == 1
    assert "`x`" in found[0] and "NaN and infinite" in found[0] and "2 of 40 samples" in found[0]
    assert "sample 17" in found[0]
    y = np.zeros(40)
    y[5] = np.nan
    caught = _caught(lambda: model.fit(np.ones((40, 3), "float32"), y, verbose=0))
    assert any("`y`" in str(w.message) and "sample 5" in str(w.message) for w in caught)


def test_clean_data_raises_no_nan_warning():
    model = keras.Sequential([layers.Dense(1, input_shape=(3,))])
    model.compile("sgd", "mse")
    x = np.full((8, 3), 3e38, "float32")  # large but finite
    caught = _caught(lambda: model.fit(x, np.zeros(8), verbose=0))
    assert not [w for w in caught if "training data" in str(w.message)]


def test_export_names_what_to_use_instead():
    model = keras.Sequential([layers.Dense(1, input_shape=(3,))])
    with pytest.raises(NotImplementedError, match=r"SavedModel.*model.save\('model.h5'\)"):
        model.export("serving_dir")
