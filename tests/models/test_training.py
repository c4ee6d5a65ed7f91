"""compile/fit/evaluate/predict semantics that Keras users rely on (keras_reference.md §3-4)."""
import numpy as np
import pytest

import kerasish as keras
from kerasish import layers


def _linear_model(units=1, input_dim=2, kernel=1.0):
    model = keras.Sequential([layers.Dense(units, input_shape=(input_dim,), kernel_initializer="zeros",
                                           bias_initializer="zeros")])
    model.set_weights([np.full((input_dim, units), kernel, "float32"), np.zeros(units, "float32")])
    return model


def test_epoch_loss_is_batch_size_weighted_mean():
    # batch of 4 with loss 1.0 and a batch of 1 with loss 9.0 -> 2.6, not 5.0 (Keras 2)
    model = _linear_model(kernel=0.0)
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    x = np.zeros((5, 2), "float32")
    y = np.array([[1], [1], [1], [1], [3]], "float32")
    hist = model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    np.testing.assert_allclose(hist.history["loss"], [2.6], rtol=1e-6)
    np.testing.assert_allclose(model.evaluate(x, y, batch_size=4, verbose=0), 2.6, rtol=1e-6)


def test_batch_logs_are_running_means():
    seen = []
    model = _linear_model(kernel=0.0)
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    cb = keras.callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: seen.append(logs["loss"]))
    x = np.zeros((5, 2), "float32")
    y = np.array([[1], [1], [1], [1], [3]], "float32")
    model.fit(x, y, batch_size=4, shuffle=False, verbose=0, callbacks=[cb])
    np.testing.assert_allclose(seen, [1.0, 2.6], rtol=1e-6)


def test_sample_weight_divides_by_element_count_not_weight_sum():
    model = _linear_model(kernel=0.0)
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    x = np.zeros((4, 2), "float32")
    y = np.array([[1], [2], [3], [4]], "float32")
    loss = model.evaluate(x, y, sample_weight=np.array([1, 0, 0, 0], "float32"), verbose=0)
    np.testing.assert_allclose(loss, 0.25, rtol=1e-6)


def test_class_weight_multiplies_sample_weight():
    model = _linear_model(kernel=0.0)
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    x = np.zeros((5, 2), "float32")
    y = np.array([[0], [1], [1], [1], [1]], "float32")
    # class 0 has zero error, so only class-1 samples count: errors 1 each, weights cw[1]=1 x sw
    hist = model.fit(x, y, sample_weight=np.array([3, 1, 1, 1, 1], "float32"), class_weight={0: 2, 1: 1},
                     batch_size=5, verbose=0, shuffle=False)
    np.testing.assert_allclose(hist.history["loss"], [0.8], rtol=1e-6)


def test_hidden_logits_path_matches_keras():
    # logit 40 with target 0: Keras computes the loss from the logits (40.0), not from clipped probabilities
    model = keras.Sequential([layers.Dense(1, activation="sigmoid", input_shape=(1,), kernel_initializer="ones",
                                           bias_initializer="zeros")])
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    np.testing.assert_allclose(model.evaluate(np.array([[40.0]]), np.array([[0.0]]), verbose=0), 40.0, rtol=1e-5)


def test_validation_split_takes_last_fraction_before_shuffling():
    seen = []

    class Spy(keras.callbacks.Callback):
        def on_test_batch_begin(self, batch, logs=None):
            seen.append(batch)

    model = _linear_model()
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mae")
    x = np.arange(10, dtype="float32").reshape(10, 1).repeat(2, axis=1)
    y = np.zeros((10, 1), "float32")
    hist = model.fit(x, y, validation_split=0.3, batch_size=10, epochs=1, verbose=0, callbacks=[Spy()])
    # val rows are 7, 8, 9 -> mae of 2x = mean(14, 16, 18) = 16
    np.testing.assert_allclose(hist.history["val_loss"], [16.0], rtol=1e-6)


def test_initial_epoch_and_history():
    model = _linear_model()
    model.compile(optimizer="sgd", loss="mse")
    hist = model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=5, initial_epoch=3, verbose=0)
    assert hist.epoch == [3, 4]
    assert hist.params["epochs"] == 5 and hist.params["steps"] == 1


def test_metrics_names_and_evaluate_forms():
    model = keras.Sequential([layers.Dense(3, activation="softmax", input_shape=(4,))])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy", "acc"])
    x, y = np.random.default_rng(0).standard_normal((8, 4)), np.arange(8) % 3
    result = model.evaluate(x, y, verbose=0)
    assert model.metrics_names == ["loss", "accuracy", "acc"]
    assert isinstance(result, list) and len(result) == 3
    as_dict = model.evaluate(x, y, verbose=0, return_dict=True)
    assert list(as_dict) == ["loss", "accuracy", "acc"]


def test_multi_output_loss_names_and_weights():
    inp = keras.Input(shape=(3,))
    h = layers.Dense(4)(inp)
    model = keras.Model(inp, [layers.Dense(1, name="a")(h), layers.Dense(2, name="b")(h)])
    model.compile(optimizer="sgd", loss={"a": "mse", "b": "mae"}, loss_weights={"a": 1.0, "b": 0.5},
                  metrics={"a": ["mae"]})
    x = np.ones((4, 3), "float32")
    ya, yb = np.zeros((4, 1), "float32"), np.zeros((4, 2), "float32")
    hist = model.fit(x, {"a": ya, "b": yb}, epochs=1, verbose=0)
    assert list(hist.history) == ["loss", "a_loss", "b_loss", "a_mae"]
    logs = model.evaluate(x, [ya, yb], verbose=0, return_dict=True)
    np.testing.assert_allclose(logs["loss"], logs["a_loss"] + 0.5 * logs["b_loss"], rtol=1e-5)


class _TwoHeads(keras.Model):
    """A subclassed model whose two outputs compile() cannot see (handson-ml2 ch10's WideAndDeepModel)."""

    def __init__(self):
        super().__init__()
        self.hidden = layers.Dense(4, activation="relu")
        self.main = layers.Dense(1)
        self.aux = layers.Dense(1)

    def call(self, inputs):
        wide, deep = inputs
        hidden = self.hidden(deep)
        return self.main(layers.concatenate([wide, hidden])), self.aux(hidden)


@pytest.mark.parametrize("compile_kwargs,weights", [
    ({"loss": "mse"}, (1.0, 1.0)),
    ({"loss": "mse", "loss_weights": [0.9, 0.1]}, (0.9, 0.1)),
    ({"loss": "mse", "loss_weights": {"output_1": 0.9, "output_2": 0.1}}, (0.9, 0.1)),
    ({"loss": ["mse", "mse"], "loss_weights": [0.9, 0.1]}, (0.9, 0.1)),
])
def test_subclassed_model_compiled_before_its_outputs_are_known(compile_kwargs, weights):
    # compile() saw no outputs: "mse" applies to each output once the model runs, named output_1/output_2
    # as in tf_keras (we computed the first output's loss alone, and refused two loss weights)
    rng = np.random.default_rng(5)
    x_wide, x_deep, y = rng.normal(size=(8, 2)), rng.normal(size=(8, 3)), rng.normal(size=(8, 1))
    model = _TwoHeads()
    model.compile(optimizer="sgd", metrics=["mae"], **compile_kwargs)
    total, main_loss, aux_loss, main_mae, aux_mae = model.evaluate((x_wide, x_deep), (y, y), verbose=0)
    main, aux = (p.numpy() for p in model((x_wide.astype("float32"), x_deep.astype("float32"))))
    assert model.metrics_names == ["loss", "output_1_loss", "output_2_loss", "output_1_mae", "output_2_mae"]
    np.testing.assert_allclose([main_loss, aux_loss, main_mae, aux_mae],
                               [np.mean((main - y) ** 2), np.mean((aux - y) ** 2),
                                np.mean(np.abs(main - y)), np.mean(np.abs(aux - y))], rtol=1e-5)
    np.testing.assert_allclose(total, weights[0] * main_loss + weights[1] * aux_loss, rtol=1e-5)
    history = model.fit((x_wide, x_deep), (y, y), epochs=1, verbose=0)
    assert sorted(history.history) == sorted(model.metrics_names)


def test_train_on_batch_and_predict_on_batch():
    model = _linear_model()
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    before = model.get_weights()[0].copy()
    out = model.train_on_batch(np.ones((2, 2)), np.zeros((2, 1)))
    assert isinstance(out, list) and len(out) == 2
    assert not np.allclose(before, model.get_weights()[0])
    assert model.predict_on_batch(np.ones((3, 2))).shape == (3, 1)


def test_generator_and_sequence_inputs():
    def gen():
        while True:
            yield np.ones((4, 2), "float32"), np.zeros((4, 1), "float32")

    class Seq(keras.utils.Sequence):
        def __init__(self):
            self.epochs_ended = 0

        def __len__(self):
            return 3

        def __getitem__(self, i):
            return np.full((2, 2), i, "float32"), np.zeros((2, 1), "float32")

        def on_epoch_end(self):
            self.epochs_ended += 1

    model = _linear_model()
    model.compile(optimizer="sgd", loss="mse")
    hist = model.fit(gen(), steps_per_epoch=3, epochs=2, verbose=0)
    assert len(hist.history["loss"]) == 2
    seq = Seq()
    model.fit(seq, epochs=2, verbose=0, workers=2)
    assert seq.epochs_ended == 2
    assert model.predict(seq, verbose=0).shape == (6, 1)


def test_finite_generator_without_steps_warns_on_second_epoch():
    def finite():
        for _ in range(3):
            yield np.ones((2, 2), "float32"), np.zeros((2, 1), "float32")

    model = _linear_model()
    model.compile(optimizer="sgd", loss="mse")
    with pytest.warns(UserWarning, match="ran out of data"):
        hist = model.fit(finite(), epochs=3, verbose=0)
    assert len(hist.history["loss"]) == 1


def test_bad_input_errors_are_clear_and_leave_model_usable():
    model = _linear_model()
    with pytest.raises(RuntimeError, match="compile"):
        model.fit(np.ones((2, 2)), np.ones((2, 1)), verbose=0)
    model.compile(optimizer="sgd", loss="mse")
    before = model.get_weights()
    with pytest.raises(ValueError, match="x sizes: 3.*\n.*y sizes: 2|Data cardinality"):
        model.fit(np.ones((3, 2)), np.ones((2, 1)), verbose=0)
    with pytest.raises(ValueError, match="batch_size"):
        model.fit(np.ones((2, 2)), np.ones((2, 1)), batch_size=0, verbose=0)
    with pytest.raises(ValueError, match="validation_split"):
        model.fit(np.ones((2, 2)), np.ones((2, 1)), validation_split=1.5, verbose=0)
    with pytest.raises(ValueError, match="expected shape=\\(None, 2\\)"):
        model.fit(np.ones((2, 3)), np.ones((2, 1)), verbose=0)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    model.fit(np.ones((2, 2)), np.ones((2, 1)), verbose=0)


def test_unknown_names_in_compile_are_named():
    model = _linear_model()
    with pytest.raises(ValueError, match="nope_loss"):
        model.compile(optimizer="sgd", loss="nope_loss")
    with pytest.raises(ValueError, match="nope_opt"):
        model.compile(optimizer="nope_opt", loss="mse")


def test_fit_is_repeatable_with_the_same_seed():
    def run():
        keras.utils.set_random_seed(42)
        model = keras.Sequential([layers.Dense(4, activation="relu", input_shape=(3,)), layers.Dropout(0.5),
                                  layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        x = np.random.default_rng(0).standard_normal((32, 3)).astype("float32")
        model.fit(x, x[:, :1], epochs=2, batch_size=8, verbose=0)
        return model.get_weights()

    for a, b in zip(run(), run()):
        np.testing.assert_array_equal(a, b)


def test_progress_bar_formats(capsys):
    model = _linear_model()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((64, 2)), np.ones((64, 1)), epochs=2, verbose=2)
    out = capsys.readouterr().out
    import re

    assert "Epoch 1/2" in out and "loss: " in out
    assert re.search(r"^2/2 - \d+s - loss: \d\.\d{4} - \d+(ms|us)/epoch - \d+(ms|us)/step$", out, re.M)


def test_flat_metric_list_applies_to_every_output_and_weighted_prefix_only_on_clash():
    inp = keras.Input(shape=(3,))
    model = keras.Model(inp, [layers.Dense(1, name="a")(inp), layers.Dense(1, name="b")(inp)])
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"], weighted_metrics=["mae", "mse"])
    logs = model.evaluate(np.ones((4, 3)), [np.zeros((4, 1)), np.zeros((4, 1))], verbose=0, return_dict=True)
    assert {"a_mae", "b_mae", "a_weighted_mae", "b_weighted_mae", "a_mse", "b_mse"} <= set(logs)


def test_default_layer_names_follow_keras_snake_case():
    keras.backend.clear_session()
    assert layers.Conv2DTranspose(2, 3).name == "conv2d_transpose"
    if hasattr(layers, "ConvLSTM2D"):
        assert layers.ConvLSTM2D(2, 3).name == "conv_lstm2d"


@pytest.mark.parametrize("activation,units,loss,targets,message", [
    ("softmax", 3, "binary_crossentropy", np.eye(3)[[0, 1, 2, 0]], "softmax but the loss is binary_crossentropy"),
    ("softmax", 3, keras.losses.CategoricalCrossentropy(from_logits=True), np.eye(3)[[0, 1, 2, 0]],
     "received `from_logits=True`"),
    (None, 3, "sparse_categorical_crossentropy", np.array([0, 1, 2, 0]), "has no softmax"),
])
def test_mismatched_activation_and_loss_warn_once(activation, units, loss, targets, message):
    model = keras.Sequential([layers.Dense(units, activation=activation, input_shape=(2,), name="head")])
    model.compile(optimizer="sgd", loss=loss)
    with pytest.warns(UserWarning, match=message):
        model.fit(np.ones((4, 2)), targets, verbose=0)


def test_integer_labels_for_categorical_crossentropy_name_the_fix():
    model = keras.Sequential([layers.Dense(3, activation="softmax", input_shape=(2,))])
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    with pytest.raises(ValueError, match="integer labels of shape .4, 1.: use sparse_categorical_crossentropy"):
        model.fit(np.ones((4, 2)), np.array([[0], [1], [2], [0]]), verbose=0)


def test_matched_setups_do_not_warn(recwarn):
    model = keras.Sequential([layers.Dense(3, activation="softmax", input_shape=(2,))])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    model.fit(np.ones((4, 2)), np.array([0, 1, 2, 0]), verbose=0)
    assert not [w for w in recwarn if issubclass(w.category, UserWarning)]


@pytest.mark.parametrize("head", [
    lambda: layers.TimeDistributed(layers.Dense(3, activation="softmax")),   # Keras 2's addition_rnn example
    lambda: layers.Lambda(lambda t: keras.backend.softmax(t)),
])
def test_a_softmax_inside_a_wrapper_or_lambda_does_not_warn(recwarn, head):
    model = keras.Sequential([layers.Dense(3, input_shape=(4, 2)), head()])
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    model.fit(np.ones((4, 4, 2)), np.eye(3)[np.zeros((4, 4), int)], verbose=0)
    assert not [w for w in recwarn if "has no softmax" in str(w.message)]


def test_a_linear_lambda_output_still_warns():
    model = keras.Sequential([layers.Dense(3, input_shape=(2,)), layers.Lambda(lambda t: t * 2.0)])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    with pytest.warns(UserWarning, match="has no softmax"):
        model.fit(np.ones((4, 2)), np.array([0, 1, 2, 0]), verbose=0)


def test_a_deferred_build_model_trains_on_its_first_batch():
    model = keras.Sequential([layers.Dense(4, activation="relu"), layers.Dense(1)])  # no input shape yet
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(0).standard_normal((8, 3)).astype("float32")
    model.train_on_batch(x, np.ones((8, 1), "float32"))
    assert int(model.optimizer.iterations.numpy()) == 1
    assert len(model.optimizer.variables()) > 1  # slots were made for the weights built during the step


def test_two_outputs_of_one_nested_model_get_their_own_names_and_losses():
    # Keras 2's mnist_acgan: `fake, aux = discriminator(image)`, then Model(..., [fake, aux]) compiled with two
    # losses; tf_keras 2.21 names the outputs "disc" and "disc_1" and reports each output's own loss
    inp = keras.Input((4,))
    hidden = layers.Dense(3)(inp)
    disc = keras.Model(inp, [layers.Dense(1, activation="sigmoid")(hidden),
                             layers.Dense(5, activation="softmax")(hidden)], name="disc")
    x = keras.Input((4,))
    fake, aux = disc(x)
    combined = keras.Model(x, [fake, aux])
    combined.compile(optimizer="sgd", loss=["binary_crossentropy", "sparse_categorical_crossentropy"])
    assert combined.output_names == ["disc", "disc_1"]
    assert combined.metrics_names == ["loss", "disc_loss", "disc_1_loss"]
    data = np.random.default_rng(0).standard_normal((6, 4)).astype("float32")
    real, labels = np.array([[1], [0], [1], [1], [0], [1]], "float32"), np.array([0, 1, 2, 3, 4, 0])
    total, bce, sce = combined.evaluate(data, [real, labels], verbose=0)
    p_fake, p_aux = combined.predict(data, verbose=0)
    np.testing.assert_allclose(bce, float(np.mean(keras.losses.binary_crossentropy(real, p_fake))), rtol=1e-5)
    np.testing.assert_allclose(sce, float(np.mean(keras.losses.sparse_categorical_crossentropy(labels, p_aux))),
                               rtol=1e-5)
    np.testing.assert_allclose(total, bce + sce, rtol=1e-5)


def test_one_target_for_several_outputs_applies_to_each():
    # Keras 2.3.1's test_model_with_partial_loss crashed (IndexError): a loss for one of two outputs and one
    # target array. tf_keras 2.21 applies the target to every output (_conform_to_outputs) and gives exactly
    # these numbers (the expected values here are numpy's mse/mae of the Dense output)
    a = keras.Input(shape=(3,), name="input_a")
    dense = keras.layers.Dense(4, name="dense_1")
    h = dense(a)
    model = keras.Model(a, [h, keras.layers.Dropout(0.5, name="dropout")(h)])
    model.compile("sgd", {"dropout": "mse"}, metrics=["mae"])
    kernel = np.arange(12, dtype="float32").reshape(3, 4) / 10 - 0.5
    bias = np.array([0.1, 0.0, -0.1, 0.2], "float32")
    dense.set_weights([kernel, bias])
    x = np.linspace(-1, 1, 15, dtype="float32").reshape(5, 3)
    y = np.linspace(0, 1, 20, dtype="float32").reshape(5, 4)
    out = model.test_on_batch(x, y, return_dict=True)
    pred = x @ kernel + bias
    assert sorted(out) == ["dense_1_mae", "dropout_loss", "dropout_mae", "loss"]
    np.testing.assert_allclose(out["loss"], np.mean((pred - y) ** 2), rtol=1e-5)
    np.testing.assert_allclose(out["dense_1_mae"], np.mean(np.abs(pred - y)), rtol=1e-5)
    np.testing.assert_allclose(out["dropout_mae"], np.mean(np.abs(pred - y)), rtol=1e-5)
    model.train_on_batch(x, y)
    model.fit(x, y, epochs=1, verbose=0)


def _two_output_model():
    x1, x2 = keras.Input((1,)), keras.Input((1,))
    outs = [layers.Dense(1, use_bias=False, kernel_initializer=keras.initializers.Constant(3.0), trainable=False,
                         name=name)(x) for name, x in (("output_1", x1), ("output_2", x2))]
    model = keras.Model([x1, x2], outs)
    model.compile("sgd", "mse", weighted_metrics=["mse"])
    return model


def test_per_output_class_weight_as_keras_2_3():
    # Keras 2.3.1 accepted class_weight={output name: {class: weight}} (its metrics_correctness_test); tf_keras
    # refuses class_weight for several outputs. The weights must act as the per-output sample_weight they stand
    # for: tf_keras 2.21 gives exactly these numbers for sample_weight={"output_1": [2, 3, 4, 5],
    # "output_2": [3.5, 2.5, 1.5, 0.5]} (and Keras 2.3.1's test derives them by hand: 130/4, 140/4, 130/14)
    x = np.array([[1.0], [2.0], [3.0], [4.0]], "float32")
    y1, y2 = 2 * x, x.copy()
    cw = {"output_1": {2: 2.0, 4: 3.0, 6: 4.0, 8: 5.0}, "output_2": {1: 3.5, 2: 2.5, 3: 1.5, 4: 0.5}}
    h = _two_output_model().fit([x, x], [y1, y2], class_weight=cw, batch_size=2, epochs=1, shuffle=False, verbose=0)
    expected = {"loss": 67.5, "output_1_loss": 32.5, "output_2_loss": 35.0, "output_1_mse": 9.2857, "output_2_mse": 17.5}
    for name, value in expected.items():
        np.testing.assert_allclose(h.history[name][-1], value, rtol=1e-4)
    # one output's class weights only (tf_keras 2.21 with sample_weight={"output_2": ...}: 42.5, 7.5, 35)
    out = _two_output_model().train_on_batch([x, x], [y1, y2], class_weight={"output_2": cw["output_2"]},
                                             return_dict=True)
    np.testing.assert_allclose([out["loss"], out["output_1_loss"], out["output_2_loss"]], [42.5, 7.5, 35.0],
                               rtol=1e-5)
    # a flat {class: weight} dict for several outputs keeps tf_keras's error
    with pytest.raises(ValueError, match="single output"):
        _two_output_model().fit([x, x], [y1, y2], class_weight={0: 1.0, 1: 2.0}, verbose=0)


def test_target_tensors_refused_at_compile():
    # Keras 2.3.1's test_target_tensors (TF 1 graph targets): tf_keras 2.21 raises ValueError at compile
    # ("`target_tensors` argument is not supported when executing eagerly"); kerasish accepted it and failed
    # later with "No gradients provided"
    model = keras.Sequential([layers.Dense(4, input_shape=(4,))])
    with pytest.raises(ValueError, match="target_tensors"):
        model.compile("rmsprop", "mse", target_tensors=[keras.backend.variable(np.ones((10, 4)))])
    model.compile("rmsprop", "mse", target_tensors=None)


def _batches_seen(steps_per_epoch, epochs, initial_epoch=0):
    """The rows of `arange(10)` each training step of an unshuffled fit receives (batch size 3)."""
    x = np.arange(10, dtype="float32").reshape(10, 1)
    model = keras.Sequential([keras.Input((1,)), layers.Dense(1, use_bias=False)])
    model.compile(keras.optimizers.SGD(0.001), "mae")
    seen, step = [], model.train_step

    def recording_step(data):
        seen.append(np.asarray(data[0]).ravel().astype(int).tolist())
        return step(data)

    model.train_step = recording_step
    history = model.fit(x, x, batch_size=3, epochs=epochs, steps_per_epoch=steps_per_epoch, initial_epoch=initial_epoch,
                        shuffle=False, verbose=0)
    return seen, history.epoch


def test_steps_per_epoch_reads_arrays_as_one_stream_across_epochs():
    """tf_keras 2.21 (recorded with run_eagerly=True): an epoch of `steps_per_epoch` batches starts where the last
    one stopped, each pass over the arrays ending with its partial batch, so every sample is reached; the stream
    holds one pass per epoch to run, and training stops with a warning when it runs out."""
    stream = [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9], [0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    assert _batches_seen(2, 3) == (stream[:6], [0, 1, 2])
    assert _batches_seen(3, 3, initial_epoch=1) == (stream[:6], [1, 2])
    with pytest.warns(UserWarning, match="ran out of data"):
        assert _batches_seen(5, 2) == (stream, [0, 1])


def test_steps_without_batch_size_sizes_batches_to_cover_the_data():
    """tf_keras 2.21: with `steps` and no batch size, arrays are cut into batches of ceil(n / steps) (not 32), and
    predict with `steps` returns only those steps' rows."""
    x = np.arange(40, dtype="float32").reshape(40, 1)
    model = keras.Sequential([keras.Input((1,)), layers.Dense(1)])
    model.compile("sgd", "mse")
    sizes = []

    class BatchSizes(keras.callbacks.Callback):
        def on_predict_batch_end(self, batch, logs=None):
            sizes.append(len(logs["outputs"]))

    assert model.predict(x, steps=2, verbose=0, callbacks=[BatchSizes()]).shape == (40, 1)
    assert sizes == [20, 20]
    assert model.predict(x, steps=2, batch_size=8, verbose=0).shape == (16, 1)


def test_custom_steps_receive_packed_batches_as_tf_keras():
    # A custom train_step unpacks `inputs, targets = data` (Deep Learning with Python ch. 7) or takes the
    # images alone (ch. 12's VAE and GAN): tf_keras 2.21 passes `(x, y)`, `x`, or `(x, y, sample_weight)`
    # (keras.utils.pack_x_y_sample_weight), never a padded triple, and predict_step gets `x`.
    seen = []

    def kind(data):
        return f"tuple{len(data)}" if isinstance(data, tuple) else "x"

    class Recording(keras.Model):
        def train_step(self, data):
            seen.append(("train", kind(data)))
            return super().train_step(data)

        def test_step(self, data):
            seen.append(("test", kind(data)))
            return super().test_step(data)

        def predict_step(self, data):
            seen.append(("predict", kind(data)))
            return self(data)

    inputs = keras.Input((3,))
    model = Recording(inputs, keras.layers.Dense(1)(inputs))
    model.compile("sgd", "mse")
    x, y = np.ones((4, 3), "float32"), np.ones((4, 1), "float32")
    model.fit(x, y, batch_size=4, verbose=0)
    model.fit(x, y, sample_weight=np.ones(4), batch_size=4, verbose=0)
    model.evaluate(x, y, batch_size=4, verbose=0)
    assert model.predict(x, batch_size=4, verbose=0).shape == (4, 1)
    model.train_on_batch(x, y)
    assert seen == [("train", "tuple2"), ("train", "tuple3"), ("test", "tuple2"), ("predict", "x"),
                    ("train", "tuple2")]
    seen.clear()
    model.compile("sgd", loss=None)
    model.add_loss(lambda: 0.0 * keras.backend.sum(model.weights[0]))
    model.fit(x, batch_size=4, verbose=0)
    assert seen == [("train", "x")]
