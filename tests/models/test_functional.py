"""Functional and Sequential models: graph order, execution, config round trips, errors."""
import json

import numpy as np
import pytest

import kerasish as keras
from kerasish import layers

RNG = np.random.default_rng(2)


def _two_io():
    a = keras.Input(shape=(3,), name="in_a")
    b = keras.Input(shape=(2,), name="in_b")
    cat = layers.Concatenate(name="cat")([a, b])
    hid = layers.Dense(4, activation="relu", name="hid")(cat)
    out_bin = layers.Dense(1, activation="sigmoid", name="out_bin")(hid)
    out_reg = layers.Dense(2, name="out_reg")(hid)
    return keras.Model([a, b], [out_bin, out_reg], name="two_io")


def test_layer_order_matches_keras_depth_order():
    model = _two_io()
    assert [l.name for l in model.layers] == ["in_a", "in_b", "cat", "hid", "out_bin", "out_reg"]


def test_multi_io_outputs_match_manual_computation():
    model = _two_io()
    xa, xb = RNG.standard_normal((5, 3)).astype("float32"), RNG.standard_normal((5, 2)).astype("float32")
    out_bin, out_reg = model.predict([xa, xb], verbose=0)
    k, b = model.get_layer("hid").get_weights()
    h = np.maximum(np.concatenate([xa, xb], 1) @ k + b, 0)
    k2, b2 = model.get_layer("out_reg").get_weights()
    np.testing.assert_allclose(out_reg, h @ k2 + b2, rtol=1e-5, atol=1e-6)
    by_name = model.predict({"in_a": xa, "in_b": xb}, verbose=0)
    np.testing.assert_allclose(by_name[0], out_bin)


def test_config_round_trip_rebuilds_same_graph_and_numbers():
    model = _two_io()
    cfg = json.loads(json.dumps(model.get_config()))
    clone = keras.Model.from_config(cfg)
    clone.set_weights(model.get_weights())
    assert [l.name for l in clone.layers] == [l.name for l in model.layers]
    x = [np.ones((2, 3), "float32"), np.ones((2, 2), "float32")]
    for a, b in zip(model.predict(x, verbose=0), clone.predict(x, verbose=0)):
        np.testing.assert_allclose(a, b)
    assert cfg["layers"][2]["inbound_nodes"] == [[["in_a", 0, 0, {}], ["in_b", 0, 0, {}]]]


def test_shared_layer_nodes_and_config():
    shared = layers.Dense(3, name="shared")
    a, b = keras.Input(shape=(4,), name="a"), keras.Input(shape=(4,), name="b")
    out = layers.Subtract(name="diff")([shared(a), shared(b)])
    model = keras.Model([a, b], out)
    cfg = model.get_config()
    shared_cfg = [l for l in cfg["layers"] if l["name"] == "shared"][0]
    assert shared_cfg["inbound_nodes"] == [[["a", 0, 0, {}]], [["b", 0, 0, {}]]]
    diff_cfg = [l for l in cfg["layers"] if l["name"] == "diff"][0]
    assert diff_cfg["inbound_nodes"] == [[["shared", 0, 0, {}], ["shared", 1, 0, {}]]]
    clone = keras.Model.from_config(cfg)
    assert len(clone.weights) == 2


def test_nested_sequential_is_referenced_at_node_one():
    inner = keras.Sequential([layers.Dense(3, input_shape=(4,), name="inner_d")], name="inner")
    inp = keras.Input(shape=(4,), name="x")
    model = keras.Model(inp, layers.Dense(1, name="head")(inner(inp)))
    cfg = model.get_config()
    head = [l for l in cfg["layers"] if l["name"] == "head"][0]
    assert head["inbound_nodes"] == [[["inner", 1, 0, {}]]]
    clone = keras.Model.from_config(cfg)
    clone.set_weights(model.get_weights())
    x = RNG.standard_normal((2, 4)).astype("float32")
    np.testing.assert_allclose(clone.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_disconnected_graph_names_the_missing_input():
    a, b = keras.Input(shape=(2,), name="a"), keras.Input(shape=(2,), name="b")
    out = layers.Add()([a, b])
    with pytest.raises(ValueError, match="Graph disconnected"):
        keras.Model(a, out)


def test_duplicate_layer_names_are_rejected():
    a = keras.Input(shape=(2,))
    x = layers.Dense(2, name="same")(a)
    with pytest.raises(ValueError, match='"same" is used 2 times'):
        keras.Model(a, layers.Dense(2, name="same")(x))


def test_wrong_input_shape_names_model_and_shapes():
    model = _two_io()
    with pytest.raises(ValueError, match=r"expected shape=\(None, 3\), found shape=\(2, 5\)"):
        model.predict([np.ones((2, 5)), np.ones((2, 2))], verbose=0)
    with pytest.raises(ValueError, match="expects 2 input"):
        model(np.ones((2, 3), "float32"))


def test_intermediate_model_and_layer_attributes():
    model = _two_io()
    sub = keras.Model(model.inputs, model.get_layer("hid").output)
    assert sub.output_shape == (None, 4)
    assert model.get_layer("hid").input.shape == (None, 5)


def test_sequential_deferred_build_and_pop():
    model = keras.Sequential([layers.Dense(4), layers.Dense(2)])
    assert not model.built
    out = model(np.ones((3, 5), "float32"))
    assert out.shape == (3, 2) and model.input_shape == (None, 5)
    model.pop()
    assert model.output_shape == (None, 4)
    with pytest.raises(ValueError, match="unique names"):
        model.add(layers.Dense(1, name=model.layers[0].name))


def test_sequential_applies_one_layer_object_several_times(tmp_path):
    # tf_keras accepts the same layer object twice in a Sequential (handson-ml2 ch12 stacks one
    # ResidualBlock four times): its weights are shared and listed once
    shared = layers.Dense(3, name="shared")
    model = keras.Sequential([layers.Dense(3, input_shape=(3,), name="first"), shared, shared,
                              layers.Dense(1, name="last")])
    assert [l.name for l in model.layers] == ["first", "shared", "last"]
    assert len(model.weights) == 6 and model.count_params() == 28
    x = RNG.normal(size=(4, 3)).astype("float32")
    kernel, bias = shared.get_weights()
    hidden = model.layers[0](x).numpy()
    expected = model.layers[2]((hidden @ kernel + bias) @ kernel + bias).numpy()
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5)
    # saved and loaded, the layer is still applied twice with one set of weights (tf_keras 2.21 writes the
    # layer once and loads a different model; its loader refuses our config's repeated name instead)
    model.save(tmp_path / "shared.h5")
    loaded = keras.models.load_model(tmp_path / "shared.h5", compile=False)
    assert [l.name for l in loaded.layers] == ["first", "shared", "last"]
    np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, rtol=1e-5)
    # another layer under a name already taken is still refused
    with pytest.raises(ValueError, match="unique names"):
        model.add(layers.Dense(3, name="shared"))


def test_subclassed_model_tracks_layers_in_lists_and_dicts():
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.blocks = [layers.Dense(3), layers.Dense(3)]
            self.heads = {"a": layers.Dense(1)}

        def call(self, x, training=None):
            for block in self.blocks:
                x = block(x)
            return self.heads["a"](x)

    net = Net()
    assert net(np.ones((2, 4), "float32")).shape == (2, 1)
    assert len(net.trainable_weights) == 6
    net.trainable = False
    assert net.trainable_weights == [] and len(net.non_trainable_weights) == 6


def test_model_call_on_symbolic_input_is_a_layer():
    base = keras.Sequential([layers.Dense(2, input_shape=(3,))])
    inp = keras.Input(shape=(3,))
    big = keras.Model(inp, layers.Dense(1)(base(inp)))
    assert len(big.weights) == 4
    assert big.predict(np.ones((4, 3), "float32"), verbose=0).shape == (4, 1)


def test_summary_shows_connections_for_functional_models():
    lines = []
    _two_io().summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "Connected to" in text and "['in_a[0][0]'," in text
    assert "Total params: 39" in text


def test_calling_a_model_on_numpy_keeps_every_call_semantic():
    """model(x) on an array takes the inference plan directly; training flags, learning phase, nesting
    and shape checks still behave as in a full call."""
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(8, activation="relu"), layers.Dropout(0.5),
                              layers.Dense(3, activation="softmax")])
    x = np.random.default_rng(0).standard_normal((16, 4)).astype("float32")
    plain = model(x).numpy()
    np.testing.assert_array_equal(plain, model(x, training=False).numpy())
    np.testing.assert_allclose(plain, model(keras.backend.constant(x)).numpy(), rtol=1e-6)
    assert not np.allclose(plain, model(x, training=True).numpy())  # dropout active
    keras.backend.set_learning_phase(1)
    try:
        assert not np.allclose(plain, model(x).numpy())
    finally:
        keras.backend.set_learning_phase(None)
    outer = keras.Sequential([keras.Input(shape=(4,)), model])
    np.testing.assert_allclose(outer(x).numpy(), plain, rtol=1e-6)
    with pytest.raises(ValueError, match="expected shape=\\(None, 4\\), found shape=\\(16, 5\\)"):
        model(np.ones((16, 5), "float32"))
    assert model(x.astype("float64")).dtype == np.float32


@pytest.mark.parametrize("head", ["dense_softmax", "activation_layer"])
def test_model_call_outputs_keep_their_hidden_logits(head):
    """A huge logit: crossentropy from the output's hidden logits stays finite and exact (Keras's path);
    from clipped probabilities it would be capped near -log(1e-7) = 16.1."""
    last = [layers.Dense(3, activation="softmax")] if head == "dense_softmax" else \
        [layers.Dense(3), layers.Activation("softmax")]
    model = keras.Sequential([keras.Input(shape=(2,)), layers.Dense(4), layers.Reshape((4,))] + last)
    model.layers[0].kernel.assign(np.array([[1.0, 0, 0, 0], [0, 0, 0, 0]], "float32"))
    kernel = np.zeros((4, 3), "float32")
    kernel[0, 0] = 100.0  # logits (100, 0, 0) for x = (1, 0)
    model.layers[2].kernel.assign(kernel)
    x = np.array([[1.0, 0.0]], "float32")
    loss = keras.losses.sparse_categorical_crossentropy(np.array([1]), model(x)).numpy()
    np.testing.assert_allclose(loss, [100.0 * 1.0], rtol=1e-5)


def test_a_model_called_on_a_more_specific_input_gives_the_more_specific_shape():
    # Keras 2's babi_memnn: Sequential([Embedding(...)]) (built for (None, None)) called on Input((68,)), then
    # Permute and Concatenate, then an LSTM that needs its last axis; tf_keras 2.21 gives these shapes
    story, question = keras.Input((68,)), keras.Input((4,))
    encoder = keras.Sequential([layers.Embedding(22, 5), layers.Dropout(0.3)])
    encoded = encoder(story)
    assert encoded.shape == (None, 68, 5)
    q = keras.Sequential([layers.Embedding(22, 3, input_length=4)])(question)
    merged = layers.concatenate([layers.Permute((2, 1))(layers.Dense(4)(encoded)), q])
    assert merged.shape == (None, 4, 71)
    model = keras.Model([story, question], layers.LSTM(2)(merged))
    assert model.predict([np.ones((2, 68)), np.ones((2, 4))], verbose=0).shape == (2, 2)
    assert encoder.output_shape == (None, None, 5)  # the inner model keeps its own shapes
    two_outputs = keras.Model(encoder.inputs, [encoder.outputs[0], layers.GlobalAveragePooling1D()(encoder.outputs[0])])
    assert [t.shape for t in two_outputs(story)] == [(None, 68, 5), (None, 5)]


# Found by Keras 2.3.1's own test suite; expected behaviour checked in tf_keras 2.21.
def test_input_list_mutated_after_the_call_does_not_change_the_graph():
    # Keras 2.3.1's test_merge_concatenate: each concatenate sees the list as it was when it was called
    x_i = keras.Input(shape=(None, None))
    x_list, x = [x_i], x_i
    for _ in range(4):
        x_list.append(x)
        x = layers.concatenate(x_list, axis=1)
    out = keras.Model(x_i, x).predict(np.full((1, 1, 1), 0.5, "float32"), verbose=0)
    assert out.shape == (1, 16, 1)  # lengths 2, 4, 8, 16 (tf_keras 2.21 gives the same)
    np.testing.assert_array_equal(out, 0.5)


def test_node_names_layers_as_tf_keras_does():
    a, b = keras.Input((3,)), keras.Input((3,))
    dense = layers.Dense(2)
    dense(a)
    merged = layers.Add()([a, b])
    input_node = a._keras_history[0]._inbound_nodes[0]
    assert input_node.outbound_layer is a._keras_history[0] and input_node.inbound_layers == []
    assert dense._inbound_nodes[0].outbound_layer is dense
    assert dense._inbound_nodes[0].inbound_layers is a._keras_history[0]  # one input: the layer itself
    assert merged._keras_history[0]._inbound_nodes[0].inbound_layers == [a._keras_history[0], b._keras_history[0]]
    # shapes as tf_keras 2.21 gives them: [(None, 3)] [(None, 3)] (None, 3) (None, 2) [(None, 3), (None, 3)]
    assert input_node.input_shapes == [(None, 3)] and input_node.output_shapes == [(None, 3)]
    assert dense._inbound_nodes[0].input_shapes == (None, 3) and dense._inbound_nodes[0].output_shapes == (None, 2)
    assert merged._keras_history[0]._inbound_nodes[0].input_shapes == [(None, 3), (None, 3)]


def test_compute_mask_gives_one_mask_per_output():
    e, f = keras.Input((4,)), keras.Input((4,))
    model = keras.Model([e, f], [layers.Dense(3)(e), layers.Dense(3)(f)])
    assert model.compute_mask([e, f], [None, None]) == [None, None]  # tf_keras 2.21: [None, None]


def test_sequential_propagates_a_mask_through_time_distributed():
    # Keras 2.3.1's test_sequential_as_downstream_of_masking_layer: fit used to raise "does not support masking"
    inner = keras.Sequential([layers.Dense(5, input_shape=(4,)), layers.Activation("relu")])
    x = np.ones((3, 4), "float32")
    mask = np.array([True, False, True])
    np.testing.assert_array_equal(np.asarray(inner.compute_mask(x, mask)), mask)  # tf_keras 2.21: the same
    assert keras.Sequential([layers.Dense(5, input_shape=(4,)), layers.Flatten()]).compute_mask(x, mask) is None
    inputs = keras.Input(shape=(3, 4))
    out = layers.TimeDistributed(inner)(layers.Masking(0.0)(inputs))
    model = keras.Model(inputs, out)
    model.compile("rmsprop", "mse")
    data = np.ones((6, 3, 4), "float32")
    data[0, 1:] = 0.0
    model.fit(data, np.zeros((6, 3, 5)), epochs=1, verbose=0)
    assert model.predict(data, verbose=0).shape == (6, 3, 5)


def test_updates_is_an_empty_list_with_tf_keras_warning():
    # Keras 2 code reads `model.updates` (K.function(..., updates=model.updates)); tf_keras 2.21 answers [] and
    # warns that updates are applied automatically; Keras 2.3.1's tests failed here with AttributeError
    model = keras.Sequential([layers.Dense(2, input_shape=(3,)), layers.BatchNormalization()])
    with pytest.warns(UserWarning, match="applied automatically"):
        assert model.updates == []
    with pytest.warns(UserWarning, match="applied automatically"):
        assert model.layers[1].updates == []


class _SwapLayer(layers.Layer):
    def call(self, inputs):
        return [inputs[1], inputs[0]]


class _Scale(layers.Layer):
    def __init__(self, k=2.0, **kwargs):
        super().__init__(**kwargs)
        self.k = k

    def call(self, x):
        return x * self.k

    def get_config(self):
        return {**super().get_config(), "k": self.k}


def test_clone_model_with_unregistered_custom_layers():
    # Keras 2.3.1's test_clone_functional_model_with_multi_outputs: tf_keras 2.21 clones each layer with its own
    # class's from_config, so custom layers need no registration; it predicts exactly these values
    inp = keras.Input(shape=(4,))
    x_a, x_b = layers.Lambda(lambda x: [x + 1, x], lambda s: [s, s])(inp)
    x_a, x_b = _SwapLayer()([x_a, _Scale(3.0)(x_b)])
    clone = keras.models.clone_model(keras.Model(inp, [x_a, x_b]))
    x = np.arange(8, dtype="float32").reshape(2, 4)
    pred_a, pred_b = clone.predict(x, verbose=0)
    np.testing.assert_array_equal(pred_a, x * 3)
    np.testing.assert_array_equal(pred_b, x + 1)
    assert [type(layer).__name__ for layer in clone.layers] == ["InputLayer", "Lambda", "_Scale", "_SwapLayer"]
    seq = keras.Sequential([layers.Dense(2, input_shape=(4,)), _Scale(0.5)])
    assert keras.models.clone_model(seq).layers[-1].k == 0.5


def test_clone_model_uses_input_tensors_and_clone_function():
    # both arguments were silently ignored; the expected shapes are what tf_keras 2.21 gives for this script
    a, b = keras.Input((4,), name="a"), keras.Input((4,), name="b")
    shared = layers.Dense(3, name="shared")
    out = _Scale(2.0)(layers.Dense(2, name="head")(layers.concatenate([shared(a), shared(b)])))
    model = keras.Model([a, b], out)
    clone = keras.models.clone_model(model, input_tensors=[keras.Input((4,), batch_size=5) for _ in range(2)])
    assert clone.input_shape == [(5, 4), (5, 4)]
    assert [type(layer).__name__ for layer in clone.layers] == ["InputLayer", "InputLayer", "Dense", "Concatenate",
                                                                 "Dense", "_Scale"]  # the shared Dense copied once
    clone.set_weights(model.get_weights())
    x = [RNG.standard_normal((5, 4)).astype("float32") for _ in range(2)]
    np.testing.assert_allclose(clone.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)

    def wider_head(layer):
        config = layer.get_config()
        if layer.name == "head":
            config["units"] = 4
        return layer.__class__.from_config(config)

    assert keras.models.clone_model(model, clone_function=wider_head).output_shape == (None, 4)
    seq = keras.Sequential([layers.Dense(2, input_shape=(3,)), _Scale(0.5)])
    seq_clone = keras.models.clone_model(seq, input_tensors=keras.Input((3,), batch_size=4))
    assert isinstance(seq_clone, keras.Sequential) and seq_clone.input_shape == (4, 3)
    assert seq_clone.output_shape == (4, 2) and seq_clone.layers[-1].k == 0.5
    with pytest.raises(ValueError, match="Keras tensors"):
        keras.models.clone_model(model, input_tensors=[np.ones((5, 4)), np.ones((5, 4))])


def test_summary_positions_too_few_for_the_columns_is_a_clear_error():
    """tf_keras fails with a bare IndexError; kerasish names the argument (after the same title lines)."""
    lines = []
    positions = [0.4, 0.7, 1.0]
    with pytest.raises(ValueError, match="`positions` gives 3 column ends but this model's table has 4 columns"):
        _two_io().summary(positions=positions, print_fn=lines.append)
    assert lines[0].startswith('Model: "') and len(lines) == 2
    assert positions == [0.4, 0.7, 1.0]


def test_model_subclass_called_with_inputs_and_outputs_is_functional():
    # Deep Learning with Python ch. 7: `class CustomModel(keras.Model)` overrides only train_step and is
    # built as `CustomModel(inputs, outputs)`; tf_keras 2.21 rebases the class on Functional (same
    # type, named "custom_model") and fit runs the overridden step over the graph network.
    steps = []

    class CustomModel(keras.Model):
        def train_step(self, data):
            steps.append(1)
            return super().train_step(data)

    class Scaled(keras.Model):
        def __init__(self, inputs, outputs, scale=2.0, **kwargs):
            super().__init__(inputs, outputs, **kwargs)
            self.scale = scale

    inputs = keras.Input((3,))
    outputs = layers.Dense(1, kernel_initializer="ones")(inputs)
    model = CustomModel(inputs, outputs)
    assert type(model) is CustomModel and model.name.startswith("custom_model")
    assert [layer.name for layer in model.layers][1:] == [outputs._keras_history[0].name]
    x = np.arange(12, dtype="float32").reshape(4, 3)
    np.testing.assert_allclose(model.predict(x, verbose=0)[:, 0], x.sum(1))
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, np.zeros((4, 1)), batch_size=2, epochs=1, verbose=0)
    assert len(steps) == 2
    scaled = Scaled(inputs=inputs, outputs=outputs, name="s")
    assert (scaled.name, scaled.scale, len(scaled.weights)) == ("s", 2.0, 2)


def test_sequential_without_input_relaxes_its_inferred_shape():
    # tf_keras 2.21: a Sequential built from its first call's shape (3, 2, 4) and then called on (1, 3, 4)
    # is rebuilt for (None, None, 4); the last axis still has to match the Dense kernel.
    seq = keras.Sequential([layers.Dense(2, kernel_initializer="ones")])
    assert seq(np.ones((3, 2, 4), "float32")).shape == (3, 2, 2)
    np.testing.assert_allclose(np.asarray(seq(np.ones((1, 3, 4), "float32"))), np.full((1, 3, 2), 4.0))
    assert tuple(seq.inputs[0].shape) == (None, None, 4)
    with pytest.raises(ValueError, match="4"):
        seq(np.ones((1, 3, 5), "float32"))


def test_sequential_first_called_inside_a_custom_layer_on_a_variable_length_input():
    # Deep Learning with Python ch. 11's TransformerEncoder: a Sequential projection inside a layer applied
    # to Input(shape=(None,)) embeddings; tf_keras builds it then, for (None, None, 4) inputs.
    class Encoder(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.proj = keras.Sequential([layers.Dense(8, activation="relu"), layers.Dense(4)])

        def call(self, inputs):
            return inputs + self.proj(inputs)

    inputs = keras.Input((None,), dtype="int64")
    model = keras.Model(inputs, Encoder()(layers.Embedding(50, 4)(inputs)))
    for length in (3, 5):
        assert model(np.arange(length)[None]).shape == (1, length, 4)


def test_layers_made_while_a_model_is_built_count_names_apart():
    # tf_keras 2.21 builds a layer called on Keras tensors inside a graph with its own name counters
    # (see the next test): MultiHeadAttention's Dropout/Softmax and a Dense made in a custom build() are "dropout",
    # "softmax", "dense" there, and the user's own next Dropout()/Dense() are "dropout"/"dense" too
    # (names checked against tf_keras 2.21; DLwP2 ch11's summary shows "dropout" after a TransformerEncoder).
    keras.backend.clear_session()

    class Lazy(layers.Layer):
        def build(self, input_shape):
            self.inner = layers.Dense(3)

        def call(self, inputs):
            return self.inner(inputs)

    inputs = keras.Input((5, 4))
    attention = layers.MultiHeadAttention(num_heads=2, key_dim=4)
    lazy = Lazy()
    x = lazy(attention(inputs, inputs))
    model = keras.Model(inputs, layers.Dense(2)(layers.Dropout(0.1)(x)))
    assert [layer.name for layer in model.layers] == [
        "input_1", "multi_head_attention", "lazy", "dropout", "dense"]
    assert (attention._dropout_layer.name, attention._softmax.name, lazy.inner.name) == ("dropout", "softmax", "dense")
    eager = Lazy()
    eager(np.ones((1, 4), "float32"))  # built on values: the process's counters
    assert (eager.inner.name, layers.Dense(1).name, layers.Softmax().name) == ("dense_1", "dense_2", "softmax")


def test_each_call_on_keras_tensors_counts_the_names_it_makes_afresh():
    # tf_keras builds each call on Keras tensors in a new scratch graph: the Dropout and Dense a custom
    # layer makes in build() are "dropout" and "dense" in every instance, while the user's own layers go on
    # counting (names checked against tf_keras 2.21)
    keras.backend.clear_session()

    class Block(layers.Layer):
        def build(self, input_shape):
            self.drop, self.dense = layers.Dropout(0.1), layers.Dense(4)

        def call(self, inputs):
            return self.drop(self.dense(inputs))

    names = []
    for _ in range(2):
        inputs = keras.Input((3, 4))
        first, second = Block(), Block()
        model = keras.Model(inputs, layers.Dropout(0.1)(second(first(inputs))))
        names.append([layer.name for layer in model.layers])
        assert [(b.drop.name, b.dense.name) for b in (first, second)] == [("dropout", "dense")] * 2
    assert names == [["input_1", "block", "block_1", "dropout"], ["input_2", "block_2", "block_3", "dropout_1"]]
    assert layers.Dropout(0.2).name == "dropout_2"
