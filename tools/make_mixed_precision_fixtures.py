"""Reference numbers for kerasish.mixed_precision from real tf.keras (tf_keras 2.21, TensorFlow's CPU kernels).

    /tmp/tfenv/bin/python tools/make_mixed_precision_fixtures.py

Writes tests/fixtures/mixed_precision.npz (replayed by tests/mixed_precision/test_mixed_precision.py):
- `mlp_*`: a model built under `set_global_policy("mixed_float16")` (Dense relu, BatchNormalization, Dense,
  then `Activation("softmax", dtype="float32")`): its float32 weights, inputs, one-hot targets, its
  predictions, and after one `fit` step (SGD, so the update is the gradient itself, loss-scaled by the
  LossScaleOptimizer compile adds) its weights and the loss scale;
- `rnn_*`: the same for Embedding -> LSTM -> Dense(float32) under the same policy;
- `lso_*`: `LossScaleOptimizer(SGD(1.0), initial_scale=8, dynamic_growth_steps=2)` fed a fixed sequence of
  finite and non-finite gradients: the loss scale, the iteration count and the variable after each step.
"""
import os

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "mixed_precision.npz")
LSO_GRADS = [1.0, 2.0, np.inf, 0.5, np.nan, 1.0, 1.0, 1.0, 1.0]


def weights_of(model, prefix, out):
    for i, w in enumerate(model.get_weights()):
        out[f"{prefix}w{i}"] = w


def model_case(keras, build, x, y, prefix, out):
    keras.utils.set_random_seed(5)
    model = build(keras)
    weights_of(model, prefix + "before_", out)
    out[prefix + "x"], out[prefix + "y"] = x, y
    out[prefix + "pred"] = model.predict(x, verbose=0)
    model.compile(keras.optimizers.SGD(0.1), "categorical_crossentropy")
    out[prefix + "loss"] = np.float32(model.evaluate(x, y, verbose=0))
    model.fit(x, y, batch_size=len(x), epochs=1, verbose=0, shuffle=False)
    weights_of(model, prefix + "after_", out)
    out[prefix + "loss_scale"] = np.float32(model.optimizer.loss_scale.numpy())
    out[prefix + "optimizer"] = np.array(type(model.optimizer).__name__)


def mlp(keras):
    L = keras.layers
    inp = keras.Input((6,))
    h = L.Dense(8, activation="relu")(inp)
    h = L.BatchNormalization()(h)
    h = L.Dense(4)(h)
    return keras.Model(inp, L.Activation("softmax", dtype="float32")(h))


def rnn(keras):
    L = keras.layers
    inp = keras.Input((5,), dtype="int32")
    h = L.LSTM(4)(L.Embedding(12, 3)(inp))
    return keras.Model(inp, L.Dense(3, activation="softmax", dtype="float32")(h))


def main():
    import tf_keras as keras

    rng = np.random.default_rng(11)
    out = {}
    keras.mixed_precision.set_global_policy("mixed_float16")
    model_case(keras, mlp, rng.normal(size=(16, 6)).astype("float32"),
               np.eye(4, dtype="float32")[rng.integers(0, 4, 16)], "mlp_", out)
    model_case(keras, rnn, rng.integers(0, 12, (8, 5)).astype("int32"),
               np.eye(3, dtype="float32")[rng.integers(0, 3, 8)], "rnn_", out)
    keras.mixed_precision.set_global_policy("float32")

    import tensorflow as tf

    opt = keras.mixed_precision.LossScaleOptimizer(keras.optimizers.SGD(1.0), initial_scale=8.0,
                                                   dynamic_growth_steps=2)
    var = tf.Variable([0.0])
    scales, iterations, values = [], [], []
    for g in LSO_GRADS:
        opt.apply_gradients([(tf.constant([g], tf.float32), var)])
        scales.append(float(opt.loss_scale.numpy()))
        iterations.append(int(opt.iterations.numpy()))
        values.append(float(var.numpy()[0]))
    out["lso_grads"] = np.array(LSO_GRADS, dtype="float32")
    out["lso_scales"], out["lso_iterations"], out["lso_values"] = (np.array(scales), np.array(iterations),
                                                                   np.array(values))
    np.savez_compressed(OUT, **out)
    print("wrote", OUT, sorted(k for k in out if not k.startswith(("mlp_before", "mlp_after", "rnn_before",
                                                                    "rnn_after"))))


if __name__ == "__main__":
    main()
