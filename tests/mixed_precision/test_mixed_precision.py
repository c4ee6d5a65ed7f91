"""Mixed precision: policies, float16 computation with float32 variables, loss scaling, against tf.keras.

tests/fixtures/mixed_precision.npz comes from tf_keras 2.21 on TensorFlow's CPU kernels
(tools/make_mixed_precision_fixtures.py): models built under `set_global_policy("mixed_float16")` with their
weights, predictions, loss, and weights after one loss-scaled SGD step; and the loss scale, iterations and
variable of a `LossScaleOptimizer` fed finite and non-finite gradients.
"""
import os

import numpy as np
import pytest

import kerasish as keras
from kerasish import mixed_precision
from kerasish.backend import Variable

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "fixtures", "mixed_precision.npz")
L = keras.layers


@pytest.fixture(autouse=True)
def _float32_afterwards():
    yield
    mixed_precision.set_global_policy(None)


@pytest.fixture(scope="module")
def ref():
    return np.load(FIXTURE)


def _weights(ref, prefix):
    keys = sorted((k for k in ref.files if k.startswith(prefix)), key=lambda k: int(k[len(prefix):]))
    return [ref[k] for k in keys]


def _mlp():
    inp = keras.Input((6,))
    h = L.Dense(8, activation="relu")(inp)
    h = L.BatchNormalization()(h)
    h = L.Dense(4)(h)
    return keras.Model(inp, L.Activation("softmax", dtype="float32")(h))


def _rnn():
    inp = keras.Input((5,), dtype="int32")
    h = L.LSTM(4)(L.Embedding(12, 3)(inp))
    return keras.Model(inp, L.Dense(3, activation="softmax", dtype="float32")(h))


# ----------------------------------------------------------------------------- policies
def test_policy_names_and_dtypes():
    policy = mixed_precision.Policy("mixed_float16")
    assert (policy.name, policy.compute_dtype, policy.variable_dtype) == ("mixed_float16", "float16", "float32")
    assert repr(policy) == '<Policy "mixed_float16">'
    assert mixed_precision.Policy("float64").compute_dtype == "float64"
    assert mixed_precision.global_policy().name == "float32"
    with pytest.raises(ValueError, match="Cannot convert"):
        mixed_precision.Policy("float17")
    with pytest.raises(ValueError, match="floating-point"):
        mixed_precision.set_global_policy("int32")


@pytest.mark.parametrize("name", ["mixed_bfloat16", "bfloat16"])
def test_bfloat16_is_refused_and_says_why(name):
    with pytest.raises(ValueError, match="numpy does not have.*ml_dtypes"):
        mixed_precision.set_global_policy(name)
    with pytest.raises(ValueError, match="bfloat16"):
        L.Dense(2, dtype=name)


def test_global_policy_applies_to_new_layers_and_per_layer_dtype_overrides():
    mixed_precision.set_global_policy("mixed_float16")
    assert mixed_precision.global_policy().name == "mixed_float16"
    dense, last = L.Dense(2), L.Activation("softmax", dtype="float32")
    assert (dense.compute_dtype, dense.variable_dtype, dense.dtype) == ("float16", "float32", "float32")
    assert last.compute_dtype == "float32" and last.dtype_policy.name == "float32"
    mixed_precision.set_global_policy("float32")
    assert L.Dense(2).compute_dtype == "float32"
    assert L.Dense(2, dtype=mixed_precision.Policy("mixed_float16")).compute_dtype == "float16"
    assert L.Dense(2, dtype="mixed_float16").dtype_policy == mixed_precision.Policy("mixed_float16")
    half = L.Dense(2, dtype="float16")  # float32 inputs are cast (numpy would otherwise compute in float32)
    assert half(np.ones((1, 3), "float32")).dtype == np.float16 and half.kernel.dtype == np.float16
    assert half.get_config()["dtype"] == "float16"


def test_experimental_names():
    from kerasish.mixed_precision import experimental

    experimental.set_policy("mixed_float16")
    assert experimental.global_policy().name == "mixed_float16"
    fixed = experimental.LossScaleOptimizer(keras.optimizers.SGD(), loss_scale=64)
    assert not fixed.dynamic and float(fixed.loss_scale) == 64.0
    assert experimental.LossScaleOptimizer(keras.optimizers.SGD()).dynamic


# ----------------------------------------------------------------------------- float16 computation
def test_layers_compute_in_float16_with_float32_variables():
    mixed_precision.set_global_policy("mixed_float16")
    model = _mlp()
    dense = model.layers[1]
    assert dense.kernel.dtype == np.float32 and dense.output.dtype == np.float16
    assert model.output.dtype == np.float32
    x = np.random.default_rng(0).normal(size=(4, 6)).astype("float32")
    hidden = keras.Model(model.input, dense.output)(x)
    assert hidden.dtype == np.float16
    assert model(x).dtype == np.float32 and model.predict(x, verbose=0).dtype == np.float32
    assert dense.kernel.dtype == np.float32  # the float16 copy lived for the call only


@pytest.mark.parametrize("case, build", [("mlp", _mlp), ("rnn", _rnn)])
def test_predictions_loss_and_a_loss_scaled_step_match_tf_keras(ref, case, build):
    mixed_precision.set_global_policy("mixed_float16")
    model = build()
    mixed_precision.set_global_policy(None)
    model.set_weights(_weights(ref, f"{case}_before_w"))
    x, y = ref[f"{case}_x"], ref[f"{case}_y"]
    pred = model.predict(x, verbose=0)
    # float16 hidden layers as TensorFlow computes them: the mlp under the float32 policy is off by 2.6e-4
    np.testing.assert_allclose(pred, ref[f"{case}_pred"], atol=2e-5)
    model.compile(keras.optimizers.SGD(0.1), "categorical_crossentropy")
    assert type(model.optimizer).__name__ == "LossScaleOptimizer"
    assert float(model.evaluate(x, y, verbose=0)) == pytest.approx(float(ref[f"{case}_loss"]), abs=2e-5)
    model.fit(x, y, batch_size=len(x), epochs=1, verbose=0, shuffle=False)
    for ours, theirs in zip(model.get_weights(), _weights(ref, f"{case}_after_w")):
        assert ours.dtype == theirs.dtype
        np.testing.assert_allclose(ours, theirs, atol=1e-4)
    assert float(model.optimizer.loss_scale) == float(ref[f"{case}_loss_scale"])


def test_float16_is_what_runs_not_float32(ref):
    """The same weights under float32 give visibly different hidden values than under mixed_float16."""
    mixed_precision.set_global_policy("mixed_float16")
    mixed = _mlp()
    mixed_precision.set_global_policy(None)
    plain = _mlp()
    for model in (mixed, plain):
        model.set_weights(_weights(ref, "mlp_before_w"))
    x = ref["mlp_x"] * 7.0
    a = keras.Model(mixed.input, mixed.layers[3].output).predict(x, verbose=0)
    b = keras.Model(plain.input, plain.layers[3].output).predict(x, verbose=0)
    assert a.dtype == np.float16 and b.dtype == np.float32
    np.testing.assert_array_equal(a, a.astype(np.float16))
    assert np.abs(a.astype(np.float32) - b).max() > 1e-4


def test_gradients_reach_float32_variables_through_the_float16_call():
    mixed_precision.set_global_policy("mixed_float16")
    dense = L.Dense(3)
    x = np.random.default_rng(1).normal(size=(5, 4)).astype("float32")
    dense(x)
    with keras.GradientTape() as tape:
        out = dense(x)
        loss = keras.backend.sum(keras.backend.cast(out, "float32"))
    grads = tape.gradient(loss, dense.trainable_weights)
    assert [g.dtype for g in grads] == [np.float32, np.float32]
    np.testing.assert_allclose(grads[0].numpy(), np.repeat(x.sum(0)[:, None], 3, 1), rtol=5e-3, atol=2e-3)


# ----------------------------------------------------------------------------- loss scaling
def test_dynamic_loss_scale_follows_tf_keras(ref):
    opt = mixed_precision.LossScaleOptimizer(keras.optimizers.SGD(1.0), initial_scale=8.0, dynamic_growth_steps=2)
    var = Variable(np.zeros(1, "float32"))
    scales, iterations, values = [], [], []
    for g in ref["lso_grads"]:
        opt.apply_gradients([(np.array([g], "float32"), var)])
        scales.append(float(opt.loss_scale))
        iterations.append(int(opt.iterations.numpy()))
        values.append(float(var.numpy()[0]))
    np.testing.assert_array_equal(scales, ref["lso_scales"])
    np.testing.assert_array_equal(iterations, ref["lso_iterations"])
    np.testing.assert_array_equal(values, ref["lso_values"])


def test_loss_scale_defaults_and_custom_loop_api():
    opt = mixed_precision.LossScaleOptimizer(keras.optimizers.SGD(0.5))
    assert (float(opt.loss_scale), opt.dynamic_growth_steps, opt.initial_scale) == (2.0 ** 15, 2000, 2.0 ** 15)
    var = Variable(np.array([2.0], "float32"))
    with keras.GradientTape() as tape:
        loss = keras.backend.sum(var * var)
        scaled = opt.get_scaled_loss(loss)
    assert float(scaled.numpy()) == pytest.approx(4.0 * 2 ** 15)
    grads = opt.get_unscaled_gradients(tape.gradient(scaled, [var]))
    np.testing.assert_allclose(grads[0].numpy(), [4.0])
    opt.apply_gradients(zip(grads, [var]))
    np.testing.assert_allclose(var.numpy(), [0.0])
    with pytest.raises(ValueError, match="initial_scale"):
        mixed_precision.LossScaleOptimizer(keras.optimizers.SGD(), dynamic=False)
    with pytest.raises(TypeError, match="inner_optimizer"):
        mixed_precision.LossScaleOptimizer("sgd")


def test_an_overflowing_step_is_skipped_in_fit():
    mixed_precision.set_global_policy("mixed_float16")
    model = keras.Sequential([keras.Input((2,)), L.Dense(1)])  # float16 output, loss and backward pass
    model.compile(keras.optimizers.SGD(0.1), "mse")
    assert float(model.optimizer.loss_scale) == 2.0 ** 15
    model.optimizer.loss_scale.assign(2.0 ** 20)  # beyond float16's range (65504)
    before = [w.copy() for w in model.get_weights()]
    model.fit(np.ones((4, 2), "float32"), np.zeros((4, 1), "float32"), batch_size=4, verbose=0)
    # the scaled float16 gradient overflows: the step is skipped and the scale halved
    assert float(model.optimizer.loss_scale) == 2.0 ** 19
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


# ----------------------------------------------------------------------------- saving
@pytest.mark.parametrize("suffix", [".h5", ".keras"])
def test_policies_and_loss_scaling_survive_saving(tmp_path, suffix):
    mixed_precision.set_global_policy("mixed_float16")
    model = _mlp()
    mixed_precision.set_global_policy(None)
    model.compile(keras.optimizers.SGD(0.1), "categorical_crossentropy")
    x = np.random.default_rng(2).normal(size=(8, 6)).astype("float32")
    y = np.eye(4, dtype="float32")[np.arange(8) % 4]
    model.fit(x, y, verbose=0)
    path = str(tmp_path / f"m{suffix}")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.layers[1].compute_dtype == "float16" and loaded.layers[-1].compute_dtype == "float32"
    assert type(loaded.optimizer).__name__ == "LossScaleOptimizer"
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_keras3_dialect_writes_dtype_policies(tmp_path):
    import json
    import zipfile

    model = keras.Sequential([keras.Input((3,)), L.Dense(2, dtype="mixed_float16"), L.Dense(1, dtype="float32")])
    path = str(tmp_path / "m.keras")
    model.save(path)
    with zipfile.ZipFile(path) as z:
        layers = json.loads(z.read("config.json"))["config"]["layers"]
    assert layers[1]["config"]["dtype"] == {"module": "keras", "class_name": "DTypePolicy",
                                            "config": {"name": "mixed_float16"}, "registered_name": None}
    assert layers[2]["config"]["dtype"]["config"]["name"] == "float32"


def test_float32_models_keep_their_fast_paths():
    model = keras.Sequential([keras.Input((3,)), L.Dense(2)])
    assert model._inference_plan() is not None
    mixed_model = keras.Sequential([keras.Input((3,)), L.Dense(2, dtype="mixed_float16")])
    assert mixed_model._inference_plan() is None  # its layer's own call casts
    assert keras.Sequential([keras.Input((3,)), L.Dense(2)])._inference_plan() is not None
