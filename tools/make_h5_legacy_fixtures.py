"""Write the fixtures of tests/test_saving_files.py with real tf.keras (tf_keras 2.x): old `.h5` layouts and
what tf.keras makes of them.

Run with a Python that has tensorflow and tf_keras (the project's reference environment):

    /tmp/tfenv/bin/python tools/make_h5_legacy_fixtures.py

It writes into tests/fixtures/h5_legacy/:

- `keras1_weights.npz`: weights in Keras 1's layouts (a channels_first Conv2D kernel as (filters, in, rows,
  cols), a 4D Conv1D kernel, LSTM/GRU as one array per gate, ...) for small models, each model's JSON
  (tf_keras's `to_json`), seeded inputs, and the predictions tf_keras gives after `load_weights` of a
  file holding those arrays without a `keras_version` attribute (as Keras 1 wrote weights). The test
  writes the same file and checks kerasish's predictions.
- `keras2_3_adam.h5` + `.npz`: a trained model whose optimizer state is rewritten in standalone Keras 2.3's
  layout (`Adam/iterations:0`, `m_i:0`, `v_i:0` and the AMSGrad `vhat_i:0` of shape (1,) that Keras 2.3
  always wrote, names and shapes as in a real Keras 2.3.1 file), plus the iteration count and the
  predictions tf_keras gives after loading it and training one more batch.
- `multi_input.h5`, `sparse_ce.h5`, `embedding.h5`: tf_keras models saved compiled (two inputs and two
  outputs; a sparse crossentropy; an Embedding that reads integer inputs) for examples/load_keras_h5.py.
"""
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import tf_keras as keras  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "h5_legacy")


def write_keras1_weights(path, layer_arrays):
    """A weights file as Keras 1 wrote it: `layer_names`, per layer `weight_names` (`<layer>_W`, ...), no
    `keras_version` or `backend` attribute."""
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = [name.encode() for name, _ in layer_arrays]
        for name, arrays in layer_arrays:
            g = f.create_group(name)
            names = [f"{name}_param_{i}".encode() for i in range(len(arrays))]
            g.attrs["weight_names"] = names
            for n, a in zip(names, arrays):
                g.create_dataset(n.decode(), data=a)


def keras1_cases():
    """(case name, model, [(layer name, [Keras 1 arrays])], input shape without batch)."""
    rng = np.random.default_rng(16)

    def r(*shape):
        return rng.normal(scale=0.5, size=shape).astype("float32")

    L = keras.layers
    cases = []
    m = keras.Sequential([L.Conv2D(3, (2, 3), data_format="channels_first", input_shape=(2, 5, 6), name="conv"),
                          L.Flatten(name="flat"), L.Dense(2, name="dense")])
    cases.append(("conv2d_channels_first", m, [("conv", [r(3, 2, 2, 3), r(3)]), ("dense", [r(3 * 4 * 4, 2), r(2)])],
                  (2, 5, 6)))
    m = keras.Sequential([L.Conv1D(3, 2, input_shape=(6, 4), name="conv")])
    cases.append(("conv1d", m, [("conv", [r(2, 1, 4, 3), r(3)])], (6, 4)))
    m = keras.Sequential([L.Conv1D(3, 2, input_shape=(6, 4), name="conv")])
    cases.append(("conv1d_keras1_1", m, [("conv", [r(3, 4, 2, 1), r(3)])], (6, 4)))
    m = keras.Sequential([L.Conv2DTranspose(3, (2, 2), input_shape=(4, 4, 2), name="deconv")])
    cases.append(("conv2d_transpose", m, [("deconv", [r(2, 2, 2, 3), r(3)])], (4, 4, 2)))
    m = keras.Sequential([L.Conv3D(3, (2, 2, 2), data_format="channels_first", input_shape=(2, 3, 3, 3),
                                   name="conv")])
    cases.append(("conv3d_channels_first", m, [("conv", [r(3, 2, 2, 2, 2), r(3)])], (2, 3, 3, 3)))
    m = keras.Sequential([L.LSTM(3, input_shape=(4, 2), name="lstm")])
    cases.append(("lstm", m, [("lstm", [a for _ in range(4) for a in (r(2, 3), r(3, 3), r(3))])], (4, 2)))
    m = keras.Sequential([L.GRU(3, reset_after=False, input_shape=(4, 2), name="gru")])
    cases.append(("gru", m, [("gru", [a for _ in range(3) for a in (r(2, 3), r(3, 3), r(3))])], (4, 2)))
    m = keras.Sequential([L.Bidirectional(L.LSTM(2), input_shape=(3, 2), name="bidi")])
    cases.append(("bidirectional_lstm", m, [("bidi", [a for _ in range(8) for a in (r(2, 2), r(2, 2), r(2))])],
                  (3, 2)))
    m = keras.Sequential([L.ConvLSTM2D(2, (2, 2), input_shape=(3, 4, 4, 2), name="convlstm")])
    cases.append(("conv_lstm2d", m, [("convlstm", [a for _ in range(4) for a in (r(2, 2, 2, 2), r(2, 2, 2, 2),
                                                                                   r(2))])], (3, 4, 4, 2)))
    m = keras.Sequential([L.Dense(4, input_shape=(3,), name="dense"), L.BatchNormalization(name="bn")])
    cases.append(("dense_batchnorm", m, [("dense", [r(3, 4), r(4)]),
                                         ("bn", [r(4), r(4), r(4), np.abs(r(4)) + 0.5])], (3,)))
    return cases


def make_keras1(folder):
    arrays = {}
    rng = np.random.default_rng(1)
    for name, model, layer_arrays, shape in keras1_cases():
        path = os.path.join(folder, f"_{name}.h5")
        write_keras1_weights(path, layer_arrays)
        model.load_weights(path)
        os.remove(path)
        x = rng.normal(size=(2,) + shape).astype("float32")
        arrays[f"{name}/json"] = np.array(model.to_json())
        arrays[f"{name}/x"] = x
        arrays[f"{name}/y"] = model.predict(x, verbose=0)
        arrays[f"{name}/layers"] = np.array([layer for layer, _ in layer_arrays])
        for layer, values in layer_arrays:
            for i, v in enumerate(values):
                arrays[f"{name}/w/{layer}/{i}"] = v
        print(f"keras1 {name}: tf_keras predictions {arrays[f'{name}/y'].shape}")
    np.savez_compressed(os.path.join(folder, "keras1_weights.npz"), **arrays)


def make_keras2_3_adam(folder):
    keras.utils.set_random_seed(23)
    model = keras.Sequential([keras.layers.Dense(4, activation="relu", input_shape=(3,), name="dense"),
                              keras.layers.Dense(1, name="out")])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    rng = np.random.default_rng(23)
    x, y = rng.normal(size=(32, 3)).astype("float32"), rng.normal(size=(32, 1)).astype("float32")
    model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    path = os.path.join(folder, "keras2_3_adam.h5")
    model.save(path)
    values = [v.numpy() for v in model.optimizer.variables]  # iteration, then m, v per variable
    n = len(model.trainable_weights)
    with h5py.File(path, "r+") as f:
        f.attrs["keras_version"] = b"2.3.1"
        f["model_weights"].attrs["keras_version"] = b"2.3.1"
        train = json.loads(f.attrs["training_config"])
        train["optimizer_config"] = {"class_name": "Adam", "config": {
            "learning_rate": 0.009999999776482582, "beta_1": 0.8999999761581421, "beta_2": 0.9990000128746033,
            "decay": 0.0, "epsilon": 1e-07, "amsgrad": False}}
        train["sample_weight_mode"] = None
        f.attrs["training_config"] = json.dumps(train).encode()
        del f["optimizer_weights"]
        g = f.create_group("optimizer_weights")
        names = (["Adam/iterations:0"] + [f"m_{i}:0" for i in range(n)] + [f"v_{i}:0" for i in range(n)]
                 + [f"vhat_{i}:0" for i in range(n)])
        data = ([values[0]] + [values[1 + 2 * i] for i in range(n)] + [values[2 + 2 * i] for i in range(n)]
                + [np.zeros(1, "float32") for _ in range(n)])
        g.attrs["weight_names"] = [s.encode() for s in names]
        for name, value in zip(names, data):
            g.create_dataset(name, data=value)
    loaded = keras.models.load_model(path)
    xb, yb = x[:8], y[:8]
    loaded.train_on_batch(xb, yb)
    np.savez(os.path.join(folder, "keras2_3_adam.npz"), iterations=np.int64(values[0]), x=xb, y=yb,
             predictions_after_step=loaded.predict(x, verbose=0), x_all=x)
    print(f"keras2_3_adam: {type(loaded.optimizer).__module__}.{type(loaded.optimizer).__name__}, "
          f"iterations {int(values[0])}")


def make_example_models(folder):
    keras.utils.set_random_seed(6)
    L = keras.layers
    a, b = keras.Input((4,), name="a"), keras.Input((3,), name="b")
    h = L.Dense(5, activation="relu", name="h")(L.Concatenate(name="cat")([a, b]))
    model = keras.Model([a, b], [L.Dense(3, activation="softmax", name="cls")(h), L.Dense(1, name="reg")(h)])
    model.compile("adam", loss=["categorical_crossentropy", "mse"], metrics=["accuracy"])
    model.save(os.path.join(folder, "multi_input.h5"))
    model = keras.Sequential([L.Dense(6, activation="relu", input_shape=(5,), name="d"),
                              L.Dense(4, activation="softmax", name="out")])
    model.compile("rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.save(os.path.join(folder, "sparse_ce.h5"))
    model = keras.Sequential([L.Embedding(20, 4, input_length=6, name="emb"), L.GlobalAveragePooling1D(name="gap"),
                              L.Dense(1, activation="sigmoid", name="out")])
    model.compile("adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.save(os.path.join(folder, "embedding.h5"))
    print("example models: multi_input.h5, sparse_ce.h5, embedding.h5")


def main():
    os.makedirs(OUT, exist_ok=True)
    make_keras1(OUT)
    make_keras2_3_adam(OUT)
    make_example_models(OUT)
    with open(os.path.join(OUT, "versions.json"), "w") as f:
        import tensorflow as tf

        json.dump({"tf_keras": keras.__version__, "tensorflow": tf.__version__, "h5py": h5py.__version__}, f,
                  indent=1)


if __name__ == "__main__":
    main()
