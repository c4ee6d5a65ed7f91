"""Write the `.keras` fixtures of tests/saving/test_keras_archive.py with real Keras 3 and real tf.keras.

Run with a Python that has tensorflow, keras 3 and tf_keras (the project's reference environment):

    /tmp/tfenv/bin/python tools/make_keras_format_fixtures.py            # both dialects
    /tmp/tfenv/bin/python tools/make_keras_format_fixtures.py keras3     # one of them

Each dialect runs in its own process (Keras 3 and tf_keras register different classes under the same
names). For every model below it writes `tests/fixtures/keras_format/<dialect>/<name>.keras` (what
`model.save(path)` writes) and `<name>.npz` with the inputs, the model's predictions, and for compiled
models the batch of one more `train_on_batch` and the predictions after it (so a test can check that
the optimizer's state and hyper-parameters were restored, not only the weights). `manifest.json`
records the library versions. The same architectures, written against `keras`/`tf_keras`, are in
`MODELS`; the tests rebuild none of them: they only load the files.
"""
import json
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "fixtures", "keras_format")
DIALECTS = ("keras3", "tf_keras")
PACKAGE = "kerasish_fixtures"  # registration package of the custom objects (the tests register the same names)


def import_keras(dialect):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if dialect == "keras3":
        import keras

        assert keras.__version__.startswith("3."), keras.__version__
        return keras
    import tf_keras

    return tf_keras


def custom_objects(keras, dialect):
    """A registered layer with a trainable and a non-trainable weight, a registered activation and loss
    (`dialect`: 'keras3', 'tf_keras', or 'kerasish' for the same objects in kerasish)."""
    register = keras.saving.register_keras_serializable
    if dialect == "keras3":
        ops = keras.ops
        tanh, mean, square = ops.tanh, ops.mean, ops.square
    elif dialect == "kerasish":  # tools/check_keras_format_writes.py builds the same objects in kerasish
        K = keras.backend
        tanh, mean, square = K.tanh, K.mean, K.square
    else:
        import tensorflow as tf

        tanh, mean, square = tf.tanh, tf.reduce_mean, tf.square

    @register(package=PACKAGE)
    class ScaleShift(keras.layers.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def build(self, input_shape):
            self.scale = self.add_weight(name="scale", shape=(input_shape[-1],), initializer="ones")
            self.shift = self.add_weight(name="shift", shape=(input_shape[-1],), initializer="zeros",
                                         trainable=False)

        def call(self, inputs):
            return inputs * self.scale * self.factor + self.shift

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    @register(package=PACKAGE)
    def scaled_tanh(x):
        return 1.5 * tanh(x)

    @register(package=PACKAGE)
    def half_mse(y_true, y_pred):
        return 0.5 * mean(square(y_true - y_pred), axis=-1)

    return ScaleShift, scaled_tanh, half_mse


# --------------------------------------------------------------------------- the models
def mlp(keras, rng, dialect):
    L = keras.layers
    model = keras.Sequential([keras.Input((8,)), L.Dense(16, activation="relu"), L.BatchNormalization(),
                              L.Dense(8, activation="tanh"), L.Dense(3, activation="softmax")], name="mlp")
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    x = rng.normal(size=(32, 8)).astype("float32")
    y = rng.integers(0, 3, size=(32,))
    return model, x, y


def cnn(keras, rng, dialect):
    L = keras.layers
    model = keras.Sequential([keras.Input((8, 8, 3)), L.Conv2D(4, 3, activation="relu"), L.MaxPooling2D(),
                              L.Conv2D(4, 3, padding="same"), L.BatchNormalization(), L.Activation("relu"),
                              L.GlobalAveragePooling2D(), L.Dense(2)], name="cnn")
    model.compile(optimizer=keras.optimizers.SGD(0.05, momentum=0.9), loss="mse", metrics=["mae"])
    x = rng.normal(size=(16, 8, 8, 3)).astype("float32")
    y = rng.normal(size=(16, 2)).astype("float32")
    return model, x, y


def rnn(keras, rng, dialect):
    L = keras.layers
    tokens = keras.Input((6,), dtype="int32", name="tokens")
    h = L.Embedding(20, 4, trainable=False)(tokens)  # frozen: no sparse update (Keras 3 and tf_keras differ there)
    h = L.Bidirectional(L.LSTM(3, return_sequences=True))(h)
    h = L.GRU(3, return_sequences=True)(h)
    h = L.TimeDistributed(L.Dense(2))(h)
    h = L.SimpleRNN(2)(h)
    out = L.Dense(1, name="score")(h)
    model = keras.Model(tokens, out, name="rnn")
    model.compile(optimizer=keras.optimizers.RMSprop(0.01), loss="mse")
    x = rng.integers(0, 20, size=(16, 6)).astype("int32")
    y = rng.normal(size=(16, 1)).astype("float32")
    return model, x, y


def nested_shared(keras, rng, dialect):
    L = keras.layers
    inner_seq = keras.Sequential([keras.Input((4,)), L.Dense(4, activation="relu"), L.Dense(3)], name="inner_seq")
    i = keras.Input((3,))
    inner_func = keras.Model(i, L.Dense(2, name="f_dense")(i), name="inner_func")
    a = keras.Input((4,), name="a")
    b = keras.Input((4,), name="b")
    ea, eb = inner_seq(a), inner_seq(b)           # a nested model called twice (shared weights)
    shared = L.Dense(3, activation="tanh", name="shared")
    sa, sb = shared(ea), shared(eb)                # a layer called twice
    cat = L.Concatenate()([inner_func(sa), sb])
    out1 = L.Dense(1, name="out1")(cat)
    out2 = L.Dense(2, activation="softmax", name="out2")(L.Add()([sa, sb]))
    model = keras.Model([a, b], [out1, out2], name="nested_shared")
    model.compile(optimizer=keras.optimizers.Adagrad(0.1), loss=["mse", "categorical_crossentropy"],
                  loss_weights=[1.0, 0.5])
    x = [rng.normal(size=(16, 4)).astype("float32"), rng.normal(size=(16, 4)).astype("float32")]
    y = [rng.normal(size=(16, 1)).astype("float32"), np.eye(2, dtype="float32")[rng.integers(0, 2, 16)]]
    return model, x, y


def custom(keras, rng, dialect):
    L = keras.layers
    ScaleShift, scaled_tanh, half_mse = custom_objects(keras, dialect)
    inp = keras.Input((5,))
    h = L.Dense(4, activation=scaled_tanh)(inp)
    h = ScaleShift(factor=0.5)(h)
    model = keras.Model(inp, L.Dense(2)(h), name="custom")
    model.compile(optimizer=keras.optimizers.AdamW(0.01, weight_decay=0.01), loss=half_mse)
    x = rng.normal(size=(16, 5)).astype("float32")
    y = rng.normal(size=(16, 2)).astype("float32")
    return model, x, y


def attention(keras, rng, dialect):
    L = keras.layers
    inp = keras.Input((6, 4))
    att = L.MultiHeadAttention(num_heads=2, key_dim=3)(inp, inp)
    h = L.LayerNormalization()(L.Add()([inp, att]))
    h = L.Conv1D(3, 2, activation="relu")(h)
    h = L.MaxPooling1D(2)(h)
    h = L.Dropout(0.3)(L.Flatten()(h))
    model = keras.Model(inp, L.Dense(2)(h), name="attention")  # not compiled
    x = rng.normal(size=(8, 6, 4)).astype("float32")
    return model, x, None


def lambda_layer(keras, rng, dialect):
    L = keras.layers
    inp = keras.Input((3,))
    h = L.Lambda(lambda t: t * 2.0 + 1.0)(inp)
    model = keras.Model(inp, L.Dense(2)(h), name="lambda_layer")
    x = rng.normal(size=(4, 3)).astype("float32")
    return model, x, None


MODELS = {"mlp": mlp, "cnn": cnn, "rnn": rnn, "nested_shared": nested_shared, "custom": custom,
          "attention": attention, "lambda_layer": lambda_layer}


def _arrays(prefix, value):
    if isinstance(value, (list, tuple)):
        return {f"{prefix}{i}": np.asarray(v) for i, v in enumerate(value)}
    return {f"{prefix}0": np.asarray(value)}


def make(dialect):
    keras = import_keras(dialect)
    folder = os.path.join(OUT, dialect)
    os.makedirs(folder, exist_ok=True)
    for name, build in MODELS.items():
        keras.utils.set_random_seed(1)
        rng = np.random.default_rng(7)
        model, x, y = build(keras, rng, dialect)
        arrays = _arrays("x", x)
        if y is not None:  # trained a little, so the optimizer and BatchNormalization hold state
            model.fit(x, y, batch_size=8, epochs=2, verbose=0, shuffle=False)
        arrays.update(_arrays("pred", model.predict(x, verbose=0)))
        model.save(os.path.join(folder, f"{name}.keras"))
        if y is not None:  # one more step after saving: what a restored optimizer must reproduce
            arrays.update(_arrays("y", y))
            model.train_on_batch(x, y)
            arrays.update(_arrays("after", model.predict(x, verbose=0)))
        np.savez_compressed(os.path.join(folder, f"{name}.npz"), **arrays)
        print(dialect, name, "ok")
    import tensorflow as tf

    with open(os.path.join(folder, "manifest.json"), "w") as f:
        json.dump({"library": "keras" if dialect == "keras3" else "tf_keras", "version": keras.__version__,
                   "tensorflow": tf.__version__, "python": sys.version.split()[0],
                   "models": sorted(MODELS)}, f, indent=1)


def main(argv):
    wanted = argv or list(DIALECTS)
    if len(wanted) == 1:
        make(wanted[0])
        return
    for dialect in wanted:  # one process each
        subprocess.run([sys.executable, os.path.abspath(__file__), dialect], check=True)


if __name__ == "__main__":
    main(sys.argv[1:])
