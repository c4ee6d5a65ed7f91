"""Every user mistake gets a clear ValueError/TypeError naming what was expected and what was received.

One row per mistake: (id, code that makes it, exception type, regex the message must match).
"""
import numpy as np
import pytest

import kerasish as keras
from kerasish import backend as K
from kerasish import layers


def _mlp():
    model = keras.Sequential([layers.Dense(4, activation="relu", input_shape=(3,), name="hidden"),
                              layers.Dense(2, name="out")])
    model.compile(optimizer="sgd", loss="mse")
    return model


def _two_inputs():
    a, b = keras.Input(shape=(3,), name="a"), keras.Input(shape=(2,), name="b")
    return keras.Model([a, b], layers.Dense(1)(layers.Concatenate()([a, b])))


X, Y = np.ones((8, 3), "float32"), np.ones((8, 2), "float32")

CASES = [
    # layer constructors
    ("dense_units_zero", lambda: layers.Dense(0), ValueError, r"units.*positive.*0"),
    ("dense_units_string", lambda: layers.Dense("ten"), TypeError, r"units.*'ten'"),
    ("dropout_rate", lambda: layers.Dropout(1.5), ValueError, r"rate.*1\.5"),
    ("unknown_activation", lambda: layers.Dense(2, activation="relux"), ValueError, r"relux"),
    ("unknown_initializer", lambda: layers.Dense(2, kernel_initializer="glorot_unicorn"), ValueError,
     r"glorot_unicorn"),
    ("unknown_regularizer", lambda: layers.Dense(2, kernel_regularizer="l3"), ValueError, r"l3"),
    ("bad_input_shape", lambda: layers.Dense(2, input_shape=(0,)), ValueError, r"input_shape.*\(0,\)"),
    ("unknown_kwarg", lambda: layers.Dense(2, unitz=3), TypeError, r"unitz"),
    ("reshape_two_unknown", lambda: layers.Reshape((-1, -1)), ValueError, r"-1"),
    ("permute_bad_dims", lambda: layers.Permute((0, 1)), ValueError, r"dims"),
    # calling layers and models
    ("dense_wrong_last_axis", lambda: _mlp()(np.ones((2, 5), "float32")), ValueError,
     r"expected shape=\(None, 3\), found shape=\(2, 5\)"),
    ("layer_wrong_last_axis", lambda: (lambda l: (l(np.ones((1, 3), "float32")), l(np.ones((1, 4), "float32"))))(
        layers.Dense(2, name="d7")), ValueError, r'"d7".*axis -1.*value 3.*\(1, 4\)'),
    # (2, 3, 1) would be squeezed to (2, 3), as tf_keras conforms an extra trailing axis of size 1
    ("wrong_rank", lambda: _mlp().predict(np.ones((2, 3, 2)), verbose=0), ValueError, r"ndim=2, found ndim=3"),
    ("wrong_input_count", lambda: _two_inputs()(np.ones((1, 3), "float32")), ValueError, r"expects 2 input"),
    ("dict_keys_mismatch", lambda: _two_inputs().predict({"a": np.ones((1, 3)), "c": np.ones((1, 2))}, verbose=0),
     ValueError, r'"b".*keys'),
    ("merge_not_list", lambda: layers.Add()(np.ones((2, 2), "float32")), ValueError, r"list"),
    ("embedding_out_of_range", lambda: layers.Embedding(5, 2, name="emb")(np.array([[1, 7]])), ValueError,
     r'"emb".*7.*input_dim'),
    # compile / fit / evaluate / predict
    ("unknown_loss", lambda: _mlp().compile(optimizer="sgd", loss="mse2"), ValueError, r"mse2"),
    ("unknown_metric", lambda: _mlp().compile(optimizer="sgd", loss="mse", metrics=["acuracy"]), ValueError,
     r"acuracy"),
    ("unknown_optimizer", lambda: _mlp().compile(optimizer="adamm", loss="mse"), ValueError, r"adamm"),
    ("fit_before_compile", lambda: keras.Sequential([layers.Dense(1, input_shape=(3,))]).fit(X, Y[:, :1], verbose=0),
     RuntimeError, r"compile"),
    ("sample_count_mismatch", lambda: _mlp().fit(X, Y[:5], verbose=0), ValueError, r"(?s)x sizes: 8.*y sizes: 5"),
    ("batch_size_zero", lambda: _mlp().fit(X, Y, batch_size=0, verbose=0), ValueError, r"batch_size.*0"),
    ("batch_size_float", lambda: _mlp().fit(X, Y, batch_size=2.5, verbose=0), ValueError, r"batch_size.*2\.5"),
    ("validation_split_one", lambda: _mlp().fit(X, Y, validation_split=1.0, verbose=0), ValueError,
     r"validation_split.*1\.0"),
    ("class_weight_not_dict", lambda: _mlp().fit(X, Y, class_weight=[1, 2], verbose=0), ValueError,
     r"class_weight.*dict"),
    ("sample_weight_shape", lambda: _mlp().fit(X, Y, sample_weight=np.ones((8, 5)), verbose=0), ValueError,
     r"sample_weight"),
    ("empty_input", lambda: _mlp().fit(np.ones((0, 3)), np.ones((0, 2)), verbose=0), ValueError, r"empty"),
    ("generator_bad_structure", lambda: _mlp().fit((b for b in [(X, Y, Y, Y)]), steps_per_epoch=1, verbose=0),
     ValueError, r"\(x, y, sample_weight\).*length 4"),
    ("validation_data_shape", lambda: _mlp().fit(X, Y, validation_data=(X,), verbose=0), ValueError,
     r"validation_data"),
    ("predict_no_data", lambda: _mlp().predict(np.ones((0, 3)), verbose=0), ValueError, r"empty"),
    # weights
    ("set_weights_count", lambda: _mlp().set_weights([np.ones((3, 4))]), ValueError, r"length 1.*expecting 4"),
    ("set_weights_shape", lambda: _mlp().get_layer("hidden").set_weights([np.ones((2, 4)), np.ones(4)]),
     ValueError, r'"hidden".*\(3, 4\).*\(2, 4\)'),
    ("load_weights_missing_file", lambda: _mlp().load_weights("/nonexistent/w.h5"), (FileNotFoundError, OSError),
     r"/nonexistent/w\.h5"),
    # functional API
    ("disconnected_graph", lambda: (lambda a, b: keras.Model(a, layers.Add()([a, b])))(
        keras.Input(shape=(2,), name="ia"), keras.Input(shape=(2,), name="ib")), ValueError, r"Graph disconnected"),
    ("duplicate_names", lambda: (lambda a: keras.Model(a, layers.Dense(1, name="x")(layers.Dense(1, name="x")(a))))(
        keras.Input(shape=(2,))), ValueError, r'"x" is used 2 times'),
    ("not_a_graph_tensor", lambda: keras.Model(np.ones((1, 2)), np.ones((1, 2))), ValueError, r"keras\.Input"),
    ("sequential_add_non_layer", lambda: keras.Sequential().add("dense"), TypeError, r"Layer.*'dense'"),
    ("get_layer_missing", lambda: _mlp().get_layer("nope"), ValueError, r"nope.*hidden"),
    # backend ops
    ("op_broadcast", lambda: K.constant(np.ones((2, 3))) + K.constant(np.ones((4, 5))), ValueError,
     r"add.*\(2, 3\).*\(4, 5\)"),
    ("op_bad_axis", lambda: K.sum(K.constant(np.ones((2, 3))), axis=5), ValueError, r"sum.*axis 5.*rank 2"),
    ("op_reshape", lambda: K.reshape(K.constant(np.ones((2, 3))), (4, 2)), ValueError, r"reshape.*\(2, 3\).*\(4, 2\)"),
    ("op_dot", lambda: K.dot(K.constant(np.ones((2, 3))), K.constant(np.ones((4, 5)))), ValueError,
     r"dot.*\(2, 3\).*\(4, 5\)"),
    ("op_symbolic_value", lambda: np.asarray(keras.Input(shape=(2,))), TypeError, r"symbolic"),
]


@pytest.mark.parametrize("name,make,exc,pattern", CASES, ids=[c[0] for c in CASES])
def test_mistake_gives_a_clear_error(name, make, exc, pattern):
    with pytest.raises(exc, match=pattern):
        make()


def test_failed_fit_leaves_weights_and_model_usable():
    model = _mlp()
    before = model.get_weights()
    for bad in (lambda: model.fit(X, Y[:5], verbose=0), lambda: model.fit(np.ones((8, 4)), Y, verbose=0)):
        with pytest.raises(ValueError):
            bad()
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    history = model.fit(X, Y, epochs=1, verbose=0)
    assert len(history.history["loss"]) == 1
