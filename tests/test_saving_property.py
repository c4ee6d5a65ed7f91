"""Property test of saving: random models (tests/random_models.py) saved to `.h5` and loaded back give the same
predictions, the same compiled optimizer (class, hyper-parameters, state, iteration count), and train on
identically afterwards (also Nadam, whose momentum-schedule product tf_keras neither saves nor rebuilds, so a
tf_keras model resumes Nadam from a product of 1.0; kerasish rebuilds it from the iteration count).

The default run checks 56 seeds (every family with several optimizers, name styles and states); the slow run
(`pytest -m slow`) checks 344 more. tools/check_saved_in_tf_keras.py loads the same files in real tf.keras.
"""
import os
import sys

import numpy as np
import pytest

import kerasish as keras

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from random_models import random_case  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh_session():
    """Leave no layer-name counters behind: later doctests count on Keras's default names."""
    yield
    keras.backend.clear_session()


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _assert_same_outputs(a, b, context):
    for i, (u, v) in enumerate(zip(_as_list(a), _as_list(b))):
        np.testing.assert_array_equal(u, v, err_msg=f"{context}: output {i} differs")


def check_round_trip(seed, folder):
    """Save the model of `seed`, load it back, and compare everything a user would notice."""
    case = random_case(keras, seed)
    model, where = case.model, case.description
    path = os.path.join(folder, f"model_{seed}.h5")
    model.save(path)
    loaded = keras.models.load_model(path, compile=True)
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers], where
    _assert_same_outputs(loaded.predict(case.x, verbose=0), model.predict(case.x, verbose=0), where)
    for w0, w1 in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(w0, w1, err_msg=where)
    if case.y is None:
        assert loaded.optimizer is None, where
        return
    assert type(loaded.optimizer) is type(model.optimizer), where
    assert loaded.optimizer.get_config() == model.optimizer.get_config(), where
    assert int(loaded.optimizer.iterations.array) == int(model.optimizer.iterations.array), where
    state0, state1 = model.optimizer.get_weights(), loaded.optimizer.get_weights()
    if len(state0) > 1:  # trained: every slot restored
        assert len(state1) == len(state0), where
        for s0, s1 in zip(state0, state1):
            np.testing.assert_array_equal(s0, s1, err_msg=f"{where}: optimizer state")
    # one more step on the same batch, with the same dropout masks, moves both the same way
    for m in (model, loaded):
        keras.utils.set_random_seed(seed)
        m.train_on_batch(case.x, case.y)
    _assert_same_outputs(loaded.predict(case.x, verbose=0), model.predict(case.x, verbose=0),
                         f"{where}: after one more training step")


@pytest.mark.parametrize("seed", range(56))
def test_saved_models_load_back_identically(seed, tmp_path):
    check_round_trip(seed, str(tmp_path))


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(56, 400))
def test_saved_models_load_back_identically_many(seed, tmp_path):
    check_round_trip(seed, str(tmp_path))
