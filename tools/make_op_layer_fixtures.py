"""Generate the tf.keras op-layer fixtures replayed by tests/layers/test_op_layers.py.

Run with an environment that has tf_keras (Keras 2) installed, from the repository root:

    /path/to/python tools/make_op_layer_fixtures.py

Each case is a small Functional model written the way Keras 2 users write it (backend functions,
operators, slicing, losses on Keras tensors), which tf.keras records as TFOpLambda / SlicingOpLambda
layers. The fixture keeps the model's JSON config (what tf.keras writes into .h5 files), its weights,
an input batch and tf.keras's outputs. It also writes a tiny .h5 file: a variational autoencoder with
`add_loss`/`add_metric`, compiled and trained one step by tf.keras, with its evaluate() results.
"""
import json
import os

import numpy as np
import tensorflow as tf
import tf_keras as keras
from tf_keras import backend as K

OUT_DIR = os.path.join(os.path.dirname(__file__), "..", "tests", "layers", "data")


def dense(units, name, activation=None):
    return keras.layers.Dense(units, activation=activation, name=name,
                              kernel_initializer=keras.initializers.RandomNormal(stddev=0.5, seed=1),
                              bias_initializer=keras.initializers.RandomUniform(-0.1, 0.1, seed=2))


def operators(x):
    a = (x + 1.0) * 2.0 - x / 3.0
    b = 1.0 - x
    c = 2.0 / (x + 1.0) + x ** 2 + 2.0 ** x
    d = -x + abs(x - 0.5) + x // 0.3 + x % 0.3
    e = x @ tf.constant(np.linspace(-1.0, 1.0, 8).reshape(4, 2).astype("float32"))
    return [a, b, c, d, e]


def comparisons(x):
    return [K.cast(x > 0.5, "float32") + K.cast(x <= 0.3, "float32") * 2.0 + K.cast(x < 0.2, "float32") * 4.0
            + K.cast(x >= 0.7, "float32") * 8.0,
            K.cast(K.equal(K.round(x * 2.0), 1.0), "float32"), K.cast(K.not_equal(x, x), "float32")]


def slicing(x):
    return [x[:, 0], x[..., 1:3], x[:, None, ::2], x[:, -1], x[:, 1, 2:], x[:, ::-1, 0]]


def reductions(x):
    return [K.sum(x, axis=-1), K.mean(x, axis=1, keepdims=True), K.max(x, axis=1), K.min(x, axis=[1, 2]),
            K.prod(x, axis=-1), K.std(x, axis=1), K.var(x, axis=-1), K.mean(x), tf.reduce_logsumexp(x, axis=1),
            K.any(x > 0.9, axis=-1), K.all(x > 0.05, axis=-1)]


def elementwise(x):
    return [K.square(x), K.sqrt(x), K.exp(x), K.log(x), K.abs(x - 0.5), K.sign(x - 0.5), K.round(x * 3.0),
            K.clip(x, 0.2, 0.6), K.maximum(x, 0.5), K.minimum(x, 0.5), K.pow(x, 3), K.softplus(x), K.softsign(x),
            K.relu(x - 0.5), K.elu(x - 0.5), K.sigmoid(x), K.hard_sigmoid(x * 4.0 - 2.0), K.tanh(x), K.sin(x),
            K.cos(x), tf.nn.relu6(x * 10.0), tf.nn.leaky_relu(x - 0.5), tf.math.rsqrt(x), tf.math.log1p(x)]


def structure(x):
    flat = K.batch_flatten(x)
    return [K.concatenate([x, x * 2.0], axis=-1), K.stack([x, x], axis=1), K.reshape(x, (-1, 12)),
            K.expand_dims(x, 1), K.squeeze(K.expand_dims(x, 1), 1), K.permute_dimensions(x, (0, 2, 1)),
            K.tile(x, (1, 2, 1)), K.repeat(flat, 3), flat, K.reverse(x, 1), K.gather(x, [1, 0]),
            K.one_hot(K.cast(x[:, 0] * 3.0, "int32"), 3), K.l2_normalize(x, axis=-1), K.softmax(x),
            K.batch_dot(x, x, axes=2), K.cast(K.argmax(x, axis=-1), "float32"), K.cumsum(x, 1), K.zeros_like(x),
            K.ones_like(x) * x, K.switch(x > 0.5, x, -x), K.cast(K.shape(x), "float32"), tf.nn.softmax(x, axis=1),
            tf.transpose(x, perm=[0, 2, 1]), tf.concat([x[:, 0], x[:, 1]], axis=0)]


def losses_and_metrics(x):
    logits = dense(4, "logits")(x[:, 0])
    probs = keras.layers.Softmax()(logits)
    target = K.softmax(x[:, 1] * 3.0)
    binary = K.cast(x[:, 2] > 0.5, "float32")
    return [keras.losses.binary_crossentropy(binary, K.sigmoid(logits)), keras.losses.mean_squared_error(target, probs),
            keras.losses.categorical_crossentropy(target, probs), keras.losses.kl_divergence(target, probs),
            keras.losses.mean_absolute_error(target, probs), keras.losses.categorical_crossentropy(target, logits,
                                                                                               from_logits=True),
            keras.metrics.binary_accuracy(binary, K.sigmoid(logits)), keras.metrics.categorical_accuracy(target, probs),
            keras.activations.relu(logits), keras.activations.softmax(logits)]


CASES = {"operators": operators, "comparisons": comparisons, "slicing": slicing, "reductions": reductions,
         "elementwise": elementwise, "structure": structure, "losses_and_metrics": losses_and_metrics}


def make_case(name, build, x):
    K.clear_session()
    inp = keras.Input(shape=(3, 4), name="x")
    outputs = build(inp)
    model = keras.Model(inp, outputs, name=name)
    predictions = model.predict(x, verbose=0)
    predictions = predictions if isinstance(predictions, list) else [predictions]
    return {"config": json.loads(model.to_json()), "weights": [w.tolist() for w in model.get_weights()],
            "outputs": [np.asarray(p).astype("float64").tolist() for p in predictions],
            "layer_classes": [type(layer).__name__ for layer in model.layers]}


def make_vae(path, x):
    """The classic VAE: KL divergence from K ops on the encoder's tensors, add_loss, compile without a loss."""
    K.clear_session()
    inputs = keras.Input(shape=(12,), name="encoder_input")
    h = dense(8, "hidden", "relu")(inputs)
    z_mean = dense(2, "z_mean")(h)
    z_log_var = dense(2, "z_log_var")(h)
    decoded = dense(12, "decoded", "sigmoid")(dense(8, "decoder_hidden", "relu")(z_mean))
    reconstruction = keras.losses.binary_crossentropy(inputs, decoded) * 12
    kl = -0.5 * K.sum(1 + z_log_var - K.square(z_mean) - K.exp(z_log_var), axis=-1)
    vae = keras.Model(inputs, decoded, name="vae")
    vae.add_loss(K.mean(reconstruction + kl))
    vae.add_metric(K.mean(kl), name="kl")
    vae.compile(optimizer=keras.optimizers.Adam(0.01))
    vae.fit(x, epochs=1, batch_size=8, verbose=0, shuffle=False)
    vae.save(path, include_optimizer=False)  # small: the optimizer is rebuilt from the training config
    results = vae.evaluate(x, batch_size=8, verbose=0, return_dict=True)
    return {"x": x.tolist(), "evaluate": results, "predict": vae.predict(x, verbose=0).astype("float64").tolist()}


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    rng = np.random.RandomState(7)
    x = (rng.rand(2, 3, 4) * 0.9 + 0.05).astype("float32")
    cases = {name: make_case(name, build, x) for name, build in CASES.items()}
    with open(os.path.join(OUT_DIR, "tf_op_layers.json"), "w") as f:
        json.dump({"keras_version": keras.__version__, "input": x.tolist(), "cases": cases}, f)
    vae_x = (np.random.RandomState(3).rand(16, 12) > 0.5).astype("float32")
    vae = make_vae(os.path.join(OUT_DIR, "tf_vae_add_loss.h5"), vae_x)
    with open(os.path.join(OUT_DIR, "tf_vae_add_loss.json"), "w") as f:
        json.dump(vae, f)


if __name__ == "__main__":
    main()
