"""The compiled train step (models/compiled_step.py) trains exactly like the full taped step.

Each case trains two copies of a model from the same weights and seed: one with `run_eagerly=True`
(always the full step) and one with the recorded program, and checks that the program really ran and
that weights, optimizer state, losses and metrics agree.
"""
import numpy as np
import pytest

import kerasish as keras
from kerasish import layers
from kerasish.models import compiled_step

RNG = np.random.default_rng(0)
X = RNG.standard_normal((48, 6)).astype("float32")
LABELS = RNG.integers(0, 3, 48)
ONE_HOT = np.eye(3, dtype="float32")[LABELS]
BINARY = (X[:, :1] > 0).astype("float32")
REGRESSION = (X @ RNG.standard_normal((6, 2))).astype("float32")


def _train(build, compile_kwargs, x, y, eager, epochs=3, batch_size=16, **fit_kwargs):
    keras.utils.set_random_seed(7)
    model = build()
    compile_kwargs = dict(compile_kwargs)
    optimizer = compile_kwargs.get("optimizer")
    if isinstance(optimizer, keras.optimizers.Optimizer):  # each copy gets its own optimizer state
        compile_kwargs["optimizer"] = type(optimizer).from_config(optimizer.get_config())
    model.compile(run_eagerly=eager, **compile_kwargs)
    history = model.fit(x, y, epochs=epochs, batch_size=batch_size, shuffle=False, verbose=0, **fit_kwargs)
    return model, history.history


def _assert_same_training(build, compile_kwargs, x, y, expect_program=True, **fit_kwargs):
    full, full_history = _train(build, compile_kwargs, x, y, eager=True, **fit_kwargs)
    replayed, replayed_history = _train(build, compile_kwargs, x, y, eager=False, **fit_kwargs)
    state = replayed.__dict__.get("_step_program")
    ran = state is not None and isinstance(state[1], compiled_step.StepProgram)
    assert ran == expect_program, "the program was (not) used, contrary to what the case expects"
    for a, b in zip(full.get_weights(), replayed.get_weights()):
        np.testing.assert_allclose(b, a, rtol=2e-5, atol=2e-6)
    for a, b in zip(full.optimizer.variables(), replayed.optimizer.variables()):
        np.testing.assert_allclose(np.asarray(b), np.asarray(a), rtol=2e-5, atol=2e-6)
    assert sorted(full_history) == sorted(replayed_history)
    for key in full_history:
        np.testing.assert_allclose(replayed_history[key], full_history[key], rtol=2e-5, atol=2e-6)
    return replayed


def _mlp(head_units, head_activation, hidden=(8,), extra=tuple):
    """A builder of Dense stacks; `extra()` makes the layers placed before the head."""
    def build():
        stack = [keras.Input(shape=(6,))]
        stack += [layers.Dense(h, activation="relu") for h in hidden]
        stack += list(extra())
        stack += [layers.Dense(head_units, activation=head_activation)]
        return keras.Sequential(stack)

    return build


@pytest.mark.parametrize("loss, head, y", [
    ("mse", (2, None), REGRESSION),
    ("mean_squared_error", (2, "tanh"), REGRESSION),
    (keras.losses.SparseCategoricalCrossentropy(), (3, "softmax"), LABELS),
    (keras.losses.SparseCategoricalCrossentropy(from_logits=True), (3, None), LABELS),
    ("sparse_categorical_crossentropy", (3, "softmax"), LABELS.astype("float32").reshape(-1, 1)),
    (keras.losses.CategoricalCrossentropy(), (3, "softmax"), ONE_HOT),
    (keras.losses.CategoricalCrossentropy(label_smoothing=0.2), (3, "softmax"), ONE_HOT),
    (keras.losses.CategoricalCrossentropy(from_logits=True), (3, None), ONE_HOT),
    (keras.losses.BinaryCrossentropy(), (1, "sigmoid"), BINARY),
    (keras.losses.BinaryCrossentropy(label_smoothing=0.1), (1, "sigmoid"), BINARY[:, 0]),
    (keras.losses.BinaryCrossentropy(from_logits=True), (1, None), BINARY),
])
def test_fused_losses_train_like_the_full_step(loss, head, y):
    _assert_same_training(_mlp(*head), dict(optimizer=keras.optimizers.Adam(0.01), loss=loss), X, y)


@pytest.mark.parametrize("loss, head, y", [
    ("huber", (2, None), REGRESSION),
    ("mae", (2, "relu"), REGRESSION),
    (lambda t, p: keras.backend.mean(keras.backend.abs(t - p) ** 3, axis=-1), (2, None), REGRESSION),
    ("categorical_crossentropy", (3, "relu"), ONE_HOT),   # probabilities without softmax: Keras clips them
    ("mse", (3, "softmax"), ONE_HOT),                     # a softmax head under a non-crossentropy loss
    (keras.losses.CategoricalFocalCrossentropy(), (3, "softmax"), ONE_HOT),  # hidden logits, taped
    (keras.losses.MeanSquaredError(reduction="sum"), (2, None), REGRESSION),
    ("binary_crossentropy", (1, "sigmoid"), BINARY[:, 0]),
])
def test_other_losses_run_taped_inside_the_program(loss, head, y):
    _assert_same_training(_mlp(*head), dict(optimizer="sgd", loss=loss), X, y)


def test_sample_and_class_weights():
    weights = RNG.uniform(0.1, 2.0, len(X)).astype("float32")
    compile_kwargs = dict(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    _assert_same_training(_mlp(3, "softmax"), compile_kwargs, X, LABELS, sample_weight=weights)
    _assert_same_training(_mlp(3, "softmax"), compile_kwargs, X, LABELS, class_weight={0: 1.0, 1: 3.0, 2: 0.5})
    # weights with unit-axis-free labels: the taped loss inside the program (Keras weights the mean loss)
    _assert_same_training(_mlp(1, "sigmoid"), dict(optimizer="sgd", loss="binary_crossentropy"), X, BINARY[:, 0],
                          sample_weight=weights)


def test_metrics_and_loss_weights():
    compile_kwargs = dict(optimizer=keras.optimizers.SGD(0.1, momentum=0.9), loss="categorical_crossentropy",
                          loss_weights=0.5, metrics=["accuracy", "categorical_crossentropy", "mse"])
    _assert_same_training(_mlp(3, "softmax"), compile_kwargs, X, ONE_HOT, validation_split=0.25)


def test_dropout_batchnorm_and_noise_layers():
    def extra():
        return layers.BatchNormalization(), layers.Dropout(0.3), layers.GaussianNoise(0.1)

    model = _assert_same_training(_mlp(3, "softmax", extra=extra), dict(optimizer="adam",
                                  loss="sparse_categorical_crossentropy"), X, LABELS)
    assert not np.allclose(model.layers[1].moving_mean.numpy(), 0.0)  # the training call updated them


def test_convolution_pooling_and_flatten():
    images = RNG.random((24, 8, 8, 2)).astype("float32")

    def build():
        return keras.Sequential([keras.Input(shape=(8, 8, 2)), layers.Conv2D(4, 3, activation="relu"),
                                 layers.MaxPooling2D(2), layers.Conv2D(3, 2, padding="same"), layers.Flatten(),
                                 layers.Dense(3, activation="softmax")])

    _assert_same_training(build, dict(optimizer="adam", loss="sparse_categorical_crossentropy"), images,
                          LABELS[:24], batch_size=8)


def test_frozen_layers_and_constraints():
    def build():
        model = _mlp(2, None, hidden=(8, 8))()
        model.layers[0].trainable = False
        model.layers[1].kernel_constraint = keras.constraints.MaxNorm(0.5)
        model.layers[1].kernel.constraint = model.layers[1].kernel_constraint
        return model

    model = _assert_same_training(build, dict(optimizer=keras.optimizers.Adam(0.05, clipnorm=0.1), loss="mse"),
                                  X, REGRESSION)
    assert np.all(np.linalg.norm(model.layers[1].kernel.numpy(), axis=0) <= 0.5 + 1e-6)


def test_functional_chain_and_dense_over_sequences():
    def build():
        inp = keras.Input(shape=(4, 6))
        h = layers.Dense(5, activation="relu")(inp)
        h = layers.Flatten()(h)
        return keras.Model(inp, layers.Dense(2)(h))

    _assert_same_training(build, dict(optimizer="rmsprop", loss="mse"), X.reshape(12, 4, 6), REGRESSION[:12],
                          batch_size=4)


def test_changing_trainable_records_a_new_program():
    model = _mlp(2, None)()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(X, REGRESSION, epochs=2, verbose=0)
    first = model._step_program[1]
    assert isinstance(first, compiled_step.StepProgram)
    model.layers[0].trainable = False
    frozen = model.layers[0].get_weights()
    model.fit(X, REGRESSION, epochs=2, verbose=0)
    assert model._step_program[1] is not first
    for a, b in zip(frozen, model.layers[0].get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("case", ["run_eagerly", "regularizer", "two_outputs", "custom_train_step",
                                  "custom_layer_last"])
def test_steps_outside_the_program_run_the_full_step(case):
    class Scaled(layers.Layer):
        def call(self, x):
            return x * 2.0

    compile_kwargs = dict(optimizer="sgd", loss="mse")
    if case == "run_eagerly":
        build = _mlp(2, None)
        _train(build, compile_kwargs, X, REGRESSION, eager=True)
        model = None
    elif case == "regularizer":
        def build():
            return keras.Sequential([keras.Input(shape=(6,)), layers.Dense(2, kernel_regularizer="l2")])
    elif case == "two_outputs":
        def build():
            inp = keras.Input(shape=(6,))
            return keras.Model(inp, [layers.Dense(2)(inp), layers.Dense(2)(inp)])
    elif case == "custom_train_step":
        class Custom(keras.Sequential):
            def train_step(self, data):
                return super().train_step(data)

        def build():
            return Custom([keras.Input(shape=(6,)), layers.Dense(2)])
    else:
        def build():
            return keras.Sequential([keras.Input(shape=(6,)), layers.Dense(2), Scaled()])
    if case != "run_eagerly":
        y = [REGRESSION, REGRESSION] if case == "two_outputs" else REGRESSION
        model, _ = _train(build, compile_kwargs, X, y, eager=False)
    state = model.__dict__.get("_step_program") if model is not None else None
    assert state is None or not isinstance(state[1], compiled_step.StepProgram)


def test_errors_in_a_replayed_step_are_the_full_steps_errors():
    model = _mlp(3, "softmax")()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    model.fit(X, LABELS, epochs=2, verbose=0)
    assert isinstance(model._step_program[1], compiled_step.StepProgram)
    before = model.get_weights()
    with pytest.raises(ValueError, match="label value of 5 which is outside the valid range of \\[0, 3\\)"):
        model.train_on_batch(X[:4], np.array([0, 1, 5, 2]))
    with pytest.raises(ValueError, match="expected shape=\\(None, 6\\), found shape=\\(4, 5\\)"):
        model.train_on_batch(X[:4, :5], LABELS[:4])
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kernel, out_shape, y", [
    (compiled_step._MeanSquaredErrorLoss(), (5, 3), RNG.standard_normal((5, 3))),
    (compiled_step._SparseCrossentropyLoss(), (5, 4), np.array([0, 3, 1, 1, 2])),
    (compiled_step._CategoricalCrossentropyLoss(0.1), (5, 4), np.eye(4)[[0, 3, 1, 1, 2]]),
    (compiled_step._BinaryCrossentropyLoss(0.2), (5, 2), RNG.integers(0, 2, (5, 2)).astype(float)),
])
@pytest.mark.parametrize("weighted", [False, True])
def test_loss_kernel_gradients_match_finite_differences(kernel, out_shape, y, weighted):
    out = RNG.standard_normal(out_shape)
    sw = RNG.uniform(0.2, 2.0, out_shape[0]) if weighted else None
    _, grad = kernel(out.copy(), y, sw)
    eps = 1e-6
    numeric = np.zeros_like(out)
    for index in np.ndindex(out.shape):
        up, down = out.copy(), out.copy()
        up[index] += eps
        down[index] -= eps
        numeric[index] = (kernel(up, y, sw)[0] - kernel(down, y, sw)[0]) / (2 * eps)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8)


def test_loss_kernel_values_match_the_keras_losses():
    logits = RNG.standard_normal((6, 4)).astype("float32")
    labels = np.array([0, 3, 1, 1, 2, 0])
    sw = RNG.uniform(0.2, 2.0, 6).astype("float32")
    probs = keras.activations.softmax(keras.backend.constant(logits))
    expected = keras.losses.SparseCategoricalCrossentropy()(labels, probs, sample_weight=sw)
    value, _ = compiled_step._SparseCrossentropyLoss()(logits, labels, sw)
    np.testing.assert_allclose(value, expected.numpy(), rtol=1e-6)
    targets = RNG.standard_normal((6, 4)).astype("float32")
    expected = keras.losses.MeanSquaredError()(targets, logits, sample_weight=sw)
    np.testing.assert_allclose(compiled_step._MeanSquaredErrorLoss()(logits, targets, sw)[0], expected.numpy(),
                               rtol=1e-6)


def test_a_fully_frozen_model_takes_no_steps():
    model = _mlp(2, None)()
    model.trainable = False
    model.compile(optimizer="sgd", loss="mse")
    before = model.get_weights()
    model.fit(X, REGRESSION, epochs=2, verbose=0)
    assert int(model.optimizer.iterations.numpy()) == 0
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_recompiling_records_a_new_program():
    def train(eager):
        keras.utils.set_random_seed(3)
        model = _mlp(3, "softmax")()
        model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", run_eagerly=eager)
        model.fit(X, LABELS, epochs=2, verbose=0, shuffle=False)
        first = model.__dict__.get("_step_program")
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                      run_eagerly=eager)
        history = model.fit(X, LABELS, epochs=2, verbose=0, shuffle=False).history
        return model, first, history

    full, _, full_history = train(eager=True)
    replayed, first, history = train(eager=False)
    assert isinstance(replayed._step_program[1], compiled_step.StepProgram)
    assert replayed._step_program[1] is not first[1]
    for a, b in zip(full.get_weights() + full.optimizer.variables(),
                    replayed.get_weights() + replayed.optimizer.variables()):
        np.testing.assert_allclose(np.asarray(b), np.asarray(a), rtol=2e-5, atol=2e-6)
    np.testing.assert_allclose(history["accuracy"], full_history["accuracy"])


def test_callbacks_that_change_weights_and_learning_rate_between_epochs():
    class Shrink(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            self.model.set_weights([w * 0.5 for w in self.model.get_weights()])

    callbacks = [Shrink(), keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5)]
    _assert_same_training(_mlp(2, None), dict(optimizer=keras.optimizers.SGD(0.05, momentum=0.5), loss="mse"),
                          X, REGRESSION, callbacks=callbacks)


@pytest.mark.parametrize("mask_zero", [False, True])
def test_text_classifier_with_an_embedding(mask_zero):
    ids = RNG.integers(0, 30, (40, 7)).astype("int32")
    ids[:5, -3:] = 0
    labels = (ids.sum(axis=1) % 2).astype("float32")

    def build():
        return keras.Sequential([keras.Input(shape=(7,), dtype="int32"), layers.Embedding(30, 5, mask_zero=mask_zero),
                                 layers.GlobalAveragePooling1D(), layers.Dense(6, activation="relu"),
                                 layers.Dense(1, activation="sigmoid")])

    model = _assert_same_training(build, dict(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"]),
                                  ids, labels, expect_program=not mask_zero, batch_size=8)
    np.testing.assert_allclose(model.predict(ids, verbose=0), model._run_graph(ids).numpy(), rtol=1e-6)


@pytest.mark.parametrize("rnn", ["lstm", "gru_dropout", "simple_rnn_sequences"])
def test_recurrent_models(rnn):
    ids = RNG.integers(1, 20, (24, 6)).astype("int32")
    labels = (ids[:, 0] > 10).astype("float32")[:, None]

    def build():
        recurrent = {"lstm": lambda: layers.LSTM(5),
                     "gru_dropout": lambda: layers.GRU(5, dropout=0.2, recurrent_dropout=0.1),
                     "simple_rnn_sequences": lambda: layers.SimpleRNN(4, return_sequences=True)}[rnn]()
        stack = [keras.Input(shape=(6,), dtype="int32"), layers.Embedding(20, 3), recurrent]
        if rnn == "simple_rnn_sequences":
            stack.append(layers.Flatten())
        return keras.Sequential(stack + [layers.Dense(1, activation="sigmoid")])

    model = _assert_same_training(build, dict(optimizer="adam", loss="binary_crossentropy"), ids, labels,
                                  batch_size=8)
    np.testing.assert_allclose(model.predict(ids, verbose=0), model._run_graph(ids).numpy(), rtol=1e-5,
                               atol=1e-7)


def test_a_stateful_rnn_keeps_the_full_step():
    def build():
        return keras.Sequential([keras.Input(batch_shape=(8, 6, 2)), layers.LSTM(3, stateful=True), layers.Dense(1)])

    _assert_same_training(build, dict(optimizer="sgd", loss="mse"), RNG.standard_normal((24, 6, 2)).astype("float32"),
                          REGRESSION[:24, :1], expect_program=False, batch_size=8)
