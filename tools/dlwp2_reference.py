"""Deep Learning with Python (2nd ed.)'s Keras patterns, recorded with tf_keras for tests/models/test_dlwp2_patterns.py.

Run with a Python that has tensorflow and tf_keras (Keras 2), from the repository root:

    TF_USE_LEGACY_KERAS=1 /tmp/tfenv/bin/python tools/dlwp2_reference.py

`run_cases(keras, GradientTape, Dataset)` builds the book's patterns small, from the Keras API and
`keras.backend` only, so the same code runs on tf_keras and on kerasish: a `keras.Model` subclass that
overrides `train_step` and is called as `CustomModel(inputs, outputs)` (chapter 7), a VAE whose
`train_step` gets the images alone (chapter 12, with a fixed epsilon instead of a random draw), a GAN
trained from a Dataset of images (chapter 12, fixed latent vectors, no label noise), and a Transformer
encoder with a positional embedding, a masked MultiHeadAttention and a Sequential projection inside
custom layers (chapter 11). Every case starts from the same weights (`set_weights`), trains without
shuffling and records its logs, predictions and layer names into tests/fixtures/dlwp2_tf_keras.json.
"""
import json
import os

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "dlwp2_tf_keras.json")


def set_weights(model):
    """Weights drawn from seeds by position and name (no framework initializer involved)."""
    values = []
    for i, w in enumerate(model.weights):
        r, shape = np.random.RandomState(100 + i), tuple(w.shape)
        if "gamma" in w.name:
            values.append(r.uniform(0.5, 1.5, shape))
        elif "beta" in w.name or "bias" in w.name:
            values.append(r.uniform(-0.1, 0.1, shape))
        elif "embeddings" in w.name:
            values.append(r.uniform(-0.5, 0.5, shape))
        else:
            fan = np.prod(shape[:-1]) if len(shape) > 1 else shape[0]
            values.append(r.uniform(-1, 1, shape) * np.sqrt(3.0 / fan))
    model.set_weights([v.astype("float32") for v in values])


def _history(h):
    return {k: [float(v) for v in vs] for k, vs in h.history.items()}


def _values(a):
    return np.asarray(a, "float64").ravel()[:40].tolist()


def custom_step_case(keras, GradientTape, Dataset):
    """Chapter 7: `CustomModel(inputs, outputs)` whose train_step unpacks `inputs, targets = data`."""
    layers = keras.layers

    class CustomModel(keras.Model):
        def train_step(self, data):
            inputs, targets = data
            with GradientTape() as tape:
                predictions = self(inputs, training=True)
                loss = self.compiled_loss(targets, predictions)
            gradients = tape.gradient(loss, self.trainable_weights)
            self.optimizer.apply_gradients(zip(gradients, self.trainable_weights))
            self.compiled_metrics.update_state(targets, predictions)
            return {m.name: m.result() for m in self.metrics}

    rng = np.random.RandomState(0)
    x, y = rng.rand(48, 12).astype("float32"), rng.randint(0, 4, 48)
    inputs = keras.Input((12,))
    model = CustomModel(inputs, layers.Dense(4, activation="softmax")(layers.Dense(8, activation="relu")(inputs)))
    set_weights(model)
    model.compile(optimizer=keras.optimizers.RMSprop(), loss=keras.losses.SparseCategoricalCrossentropy(),
                  metrics=[keras.metrics.SparseCategoricalAccuracy()])
    h = model.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    return {"type": type(model).__name__, "name": model.name, "history": _history(h),
            "pred": _values(model.predict(x[:4], verbose=0))}


def vae_case(keras, GradientTape, Dataset):
    """Chapter 12: a VAE whose train_step gets the images alone (`fit(images)`), Adam, run_eagerly."""
    layers, K = keras.layers, keras.backend
    rng = np.random.RandomState(1)
    eps = rng.randn(8, 2).astype("float32")
    enc_in = keras.Input((8, 8, 1))
    x = layers.Conv2D(4, 3, activation="relu", strides=2, padding="same")(enc_in)
    x = layers.Dense(8, activation="relu")(layers.Flatten()(x))
    encoder = keras.Model(enc_in, [layers.Dense(2, name="z_mean")(x), layers.Dense(2, name="z_log_var")(x)])
    dec_in = keras.Input((2,))
    x = layers.Reshape((4, 4, 4))(layers.Dense(4 * 4 * 4, activation="relu")(dec_in))
    x = layers.Conv2DTranspose(4, 3, activation="relu", strides=2, padding="same")(x)
    decoder = keras.Model(dec_in, layers.Conv2D(1, 3, activation="sigmoid", padding="same")(x))
    set_weights(encoder)
    set_weights(decoder)

    class VAE(keras.Model):
        def __init__(self, encoder, decoder, **kwargs):
            super().__init__(**kwargs)
            self.encoder, self.decoder = encoder, decoder
            self.total_loss_tracker = keras.metrics.Mean(name="total_loss")
            self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")

        @property
        def metrics(self):
            return [self.total_loss_tracker, self.kl_loss_tracker]

        def train_step(self, data):
            with GradientTape() as tape:
                z_mean, z_log_var = self.encoder(data)
                reconstruction = self.decoder(z_mean + K.exp(0.5 * z_log_var) * eps)
                reconstruction_loss = K.mean(K.sum(keras.losses.binary_crossentropy(data, reconstruction), axis=(1, 2)))
                kl_loss = -0.5 * (1 + z_log_var - K.square(z_mean) - K.exp(z_log_var))
                total_loss = reconstruction_loss + K.mean(kl_loss)
            grads = tape.gradient(total_loss, self.trainable_weights)
            self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
            self.total_loss_tracker.update_state(total_loss)
            self.kl_loss_tracker.update_state(kl_loss)
            return {"total_loss": self.total_loss_tracker.result(), "kl_loss": self.kl_loss_tracker.result()}

    vae = VAE(encoder, decoder)
    vae.compile(optimizer=keras.optimizers.Adam(), run_eagerly=True)
    h = vae.fit(rng.rand(32, 8, 8, 1).astype("float32"), epochs=2, batch_size=8, shuffle=False, verbose=0)
    return {"history": _history(h), "pred": _values(vae.decoder.predict(np.array([[0.5, -0.5]]), verbose=0))}


def gan_case(keras, GradientTape, Dataset):
    """Chapter 12: a GAN with its own compile and a train_step on a Dataset of images alone."""
    layers, K = keras.layers, keras.backend
    rng = np.random.RandomState(2)
    latents = rng.randn(2, 8, 4).astype("float32")
    discriminator = keras.Sequential([keras.Input((8, 8, 3)), layers.Conv2D(4, 4, strides=2, padding="same"),
                                      layers.LeakyReLU(alpha=0.2), layers.Flatten(),
                                      layers.Dense(1, activation="sigmoid")])
    generator = keras.Sequential([keras.Input((4,)), layers.Dense(4 * 4 * 4), layers.Reshape((4, 4, 4)),
                                  layers.Conv2DTranspose(4, 4, strides=2, padding="same"), layers.LeakyReLU(alpha=0.2),
                                  layers.Conv2D(3, 5, padding="same", activation="sigmoid")])
    set_weights(discriminator)
    set_weights(generator)

    class GAN(keras.Model):
        def __init__(self, discriminator, generator):
            super().__init__()
            self.discriminator, self.generator = discriminator, generator
            self.d_loss_metric = keras.metrics.Mean(name="d_loss")
            self.g_loss_metric = keras.metrics.Mean(name="g_loss")

        def compile(self, d_optimizer, g_optimizer, loss_fn):
            super().compile()
            self.d_optimizer, self.g_optimizer, self.loss_fn = d_optimizer, g_optimizer, loss_fn

        @property
        def metrics(self):
            return [self.d_loss_metric, self.g_loss_metric]

        def train_step(self, real_images):
            ones = K.ones_like(real_images[:, 0, 0, :1])  # (batch, 1): tf_keras's K.ones makes a variable
            combined = K.concatenate([self.generator(latents[0]), real_images], axis=0)
            labels = K.concatenate([ones, K.zeros_like(ones)], axis=0)
            with GradientTape() as tape:
                d_loss = self.loss_fn(labels, self.discriminator(combined))
            grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
            self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_weights))
            with GradientTape() as tape:
                g_loss = self.loss_fn(K.zeros_like(ones), self.discriminator(self.generator(latents[1])))
            grads = tape.gradient(g_loss, self.generator.trainable_weights)
            self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_weights))
            self.d_loss_metric.update_state(d_loss)
            self.g_loss_metric.update_state(g_loss)
            return {"d_loss": self.d_loss_metric.result(), "g_loss": self.g_loss_metric.result()}

    gan = GAN(discriminator, generator)
    gan.compile(keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3), keras.losses.BinaryCrossentropy())
    images = Dataset.from_tensor_slices(rng.rand(16, 8, 8, 3).astype("float32")).batch(8)
    h = gan.fit(images, epochs=2, verbose=0)
    return {"history": _history(h), "generator_kernel": _values(generator.get_weights()[0])}


def transformer_case(keras, GradientTape, Dataset):
    """Chapter 11: PositionalEmbedding + TransformerEncoder (masked attention, Sequential projection)."""
    layers, K = keras.layers, keras.backend

    class PositionalEmbedding(layers.Layer):
        def __init__(self, sequence_length, input_dim, output_dim, **kwargs):
            super().__init__(**kwargs)
            self.token_embeddings = layers.Embedding(input_dim=input_dim, output_dim=output_dim)
            self.position_embeddings = layers.Embedding(input_dim=sequence_length, output_dim=output_dim)

        def call(self, inputs):
            positions = K.arange(0, K.shape(inputs)[-1])
            return self.token_embeddings(inputs) + self.position_embeddings(positions)

        def compute_mask(self, inputs, mask=None):
            return K.not_equal(inputs, 0)

    class TransformerEncoder(layers.Layer):
        def __init__(self, embed_dim, dense_dim, num_heads, **kwargs):
            super().__init__(**kwargs)
            self.attention = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
            self.dense_proj = keras.Sequential([layers.Dense(dense_dim, activation="relu"), layers.Dense(embed_dim)])
            self.layernorm_1 = layers.LayerNormalization()
            self.layernorm_2 = layers.LayerNormalization()

        def call(self, inputs, mask=None):
            if mask is not None:
                mask = mask[:, None, :]
            attention_output = self.attention(inputs, inputs, attention_mask=mask)
            proj_input = self.layernorm_1(inputs + attention_output)
            return self.layernorm_2(proj_input + self.dense_proj(proj_input))

    rng = np.random.RandomState(3)
    tokens = rng.randint(1, 30, (24, 10)).astype("int64")
    tokens[::3, 6:] = 0
    labels = rng.randint(0, 2, 24)
    inputs = keras.Input((None,), dtype="int64")
    x = TransformerEncoder(8, 16, 2)(PositionalEmbedding(10, 30, 8)(inputs))
    x = layers.Dropout(0.0)(layers.GlobalMaxPooling1D()(x))
    model = keras.Model(inputs, layers.Dense(1, activation="sigmoid")(x))
    set_weights(model)
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"])
    h = model.fit(tokens, labels, epochs=2, batch_size=8, shuffle=False, verbose=0)
    return {"layers": [layer.name for layer in model.layers], "history": _history(h),
            "pred": _values(model.predict(tokens[:6, :7], verbose=0))}


CASES = {"custom_step": custom_step_case, "vae": vae_case, "gan": gan_case, "transformer": transformer_case}


def run_case(name, keras, GradientTape, Dataset):
    keras.backend.clear_session()  # names count from scratch in every case
    return CASES[name](keras, GradientTape, Dataset)


def main():
    import tensorflow as tf
    import tf_keras as keras

    results = {name: run_case(name, keras, tf.GradientTape, tf.data.Dataset) for name in CASES}
    results["_versions"] = {"tensorflow": tf.__version__, "tf_keras": keras.__version__}
    with open(OUT, "w") as f:
        json.dump(results, f, indent=0)
    print("wrote", os.path.normpath(OUT))


if __name__ == "__main__":
    main()
