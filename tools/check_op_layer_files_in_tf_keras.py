"""Check that .h5 files with op layers written by kerasish load in tf.keras and compute the same.

Two steps, two interpreters (kerasish's environment, then one with tf_keras):

    PYTHONPATH=. python tools/check_op_layer_files_in_tf_keras.py save /tmp/oplayers
    /path/to/tf_keras/python tools/check_op_layer_files_in_tf_keras.py check /tmp/oplayers

`save` builds small Functional models the way Keras 2 code does (operators, slicing, K.* backend functions,
losses and metrics on Keras tensors, an LSTM with `get_initial_state`, a VAE with add_loss/add_metric),
writes them as .h5 with kerasish's outputs; `check` loads each with tf_keras and prints the largest
difference from kerasish's outputs (or the error).
"""
import json
import os
import sys

import numpy as np


def _ops(keras, K, x):
    return [(x + 1.0) * 2.0 - x / 3.0, 1.0 - x, 2.0 / (x + 1.0) + x ** 2, -x + abs(x - 0.5), x // 0.3, x % 0.3,
            K.cast(x > 0.5, "float32"), x[:, 0], x[..., 1:3], x[:, None, ::2], x[:, -1],
            x @ np.ones((4, 2), "float32")]


def _backend(keras, K, x):
    return [K.sum(x, axis=-1), K.mean(x, axis=1, keepdims=True), K.max(x, axis=1), K.square(x), K.sqrt(x), K.exp(x),
            K.log(x), K.abs(x), K.clip(x, 0.2, 0.6), K.softmax(x), K.relu(x - 0.5), K.sigmoid(x), K.tanh(x),
            K.concatenate([x, x], axis=-1), K.reshape(x, (-1, 12)), K.expand_dims(x, 1),
            K.permute_dimensions(x, (0, 2, 1)), K.batch_flatten(x), K.l2_normalize(x, axis=-1), K.std(x, axis=1),
            K.pow(x, 2), K.maximum(x, 0.5), K.stack([x, x], axis=1), K.tile(x, (1, 2, 1)), K.batch_dot(x, x, axes=2),
            K.cumsum(x, axis=1), K.prod(x, axis=-1), K.var(x, axis=-1), K.one_hot(K.cast(x[:, 0] * 3.0, "int32"), 3)]


def _losses(keras, K, x):
    p, t = K.softmax(x[:, 0]), K.softmax(x[:, 1] * 3.0)
    return [keras.losses.binary_crossentropy(K.cast(x[:, 2] > 0.5, "float32"), K.sigmoid(x[:, 0])),
            keras.losses.mean_squared_error(t, p), keras.losses.categorical_crossentropy(t, p),
            keras.losses.kl_divergence(t, p), keras.metrics.categorical_accuracy(t, p),
            keras.activations.relu(x), keras.activations.softmax(x)]


def save(folder):
    import kerasish as keras
    from kerasish import backend as K

    os.makedirs(folder, exist_ok=True)
    rng = np.random.RandomState(0)
    data = {"x": (rng.rand(2, 3, 4) * 0.9 + 0.05).astype("float32"), "seq": rng.rand(2, 5, 3).astype("float32"),
            "vae": rng.rand(8, 6).astype("float32")}
    expected = {}
    for name, build in (("ops", _ops), ("backend", _backend), ("losses", _losses)):
        inp = keras.Input((3, 4), name="x")
        model = keras.Model(inp, build(keras, K, inp), name=name)
        model.save(os.path.join(folder, f"{name}.h5"))
        expected[name] = ["x", [o.tolist() for o in model.predict(data["x"], verbose=0)]]
    seq = keras.Input((5, 3), name="seq")
    lstm = keras.layers.LSTM(4, return_state=True)
    model = keras.Model(seq, lstm(seq, initial_state=lstm.get_initial_state(seq)), name="rnn")
    model.save(os.path.join(folder, "rnn.h5"))
    expected["rnn"] = ["seq", [o.tolist() for o in model.predict(data["seq"], verbose=0)]]
    inputs = keras.Input((6,), name="x6")
    h = keras.layers.Dense(4, activation="relu")(inputs)
    z_mean, z_log_var = keras.layers.Dense(2)(h), keras.layers.Dense(2)(h)
    decoded = keras.layers.Dense(6, activation="sigmoid")(z_mean)
    vae = keras.Model(inputs, decoded, name="vae")
    kl = -0.5 * K.sum(1 + z_log_var - K.square(z_mean) - K.exp(z_log_var), axis=-1)
    vae.add_loss(K.mean(keras.losses.binary_crossentropy(inputs, decoded) * 6 + kl))
    vae.add_metric(K.mean(kl), name="kl")
    vae.compile(optimizer="adam")
    vae.fit(data["vae"], epochs=1, verbose=0)
    vae.save(os.path.join(folder, "vae.h5"))
    expected["vae"] = ["vae", vae.evaluate(data["vae"], verbose=0, return_dict=True)]
    np.savez(os.path.join(folder, "inputs.npz"), **data)
    with open(os.path.join(folder, "expected.json"), "w") as f:
        json.dump(expected, f)
    print(f"wrote {len(expected)} models to {folder}")


def check(folder):
    import tf_keras as keras

    data = np.load(os.path.join(folder, "inputs.npz"))
    with open(os.path.join(folder, "expected.json")) as f:
        expected = json.load(f)
    for name, (data_key, want) in expected.items():
        try:
            model = keras.models.load_model(os.path.join(folder, f"{name}.h5"), compile=name == "vae")
            if name == "vae":
                got = model.evaluate(data[data_key], verbose=0, return_dict=True)
                diff = max(abs(got[k] - want[k]) for k in want)
            else:
                outputs = model.predict(data[data_key], verbose=0)
                outputs = outputs if isinstance(outputs, list) else [outputs]
                diff = max(float(np.abs(np.asarray(a, "float64") - np.asarray(b)).max())
                           for a, b in zip(outputs, want))
            print(f"{name}: loaded by tf_keras {keras.__version__}; largest difference {diff:.3g}")
        except Exception as e:  # report every model, not just the first failure
            print(f"{name}: FAILED {type(e).__name__}: {str(e)[:300]}")


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("save", "check"):
        sys.exit(__doc__)
    (save if sys.argv[1] == "save" else check)(sys.argv[2])
