"""Write tests/fixtures/h5_legacy/keras2_1_gru.{h5,npz}: a GRU model file as Keras 2.0-2.1.4 wrote it, with
the predictions real tf.keras gives for the same weights.

Keras added GRU's `reset_after` argument in 2.1.5; earlier files (and Keras 1's) have no `reset_after` key in
the GRU config, and their GRU applied the reset gate before the recurrent matmul (what `reset_after=False`
computes, with a bias of 3 * units). tf.keras reads the missing key as its default True and refuses such a
file (snolot/keras-train-test's sentiment_model.h5, Keras 2.1.4, in tools/h5_corpus_manifest.json).

This script builds the model in tf_keras with `reset_after=False` (a GRU and a Bidirectional GRU, the Keras 2
default `hard_sigmoid` recurrent activation), saves it, records tf_keras's predictions, then rewrites the
file's config as Keras 2.1.4 had it: no `reset_after` keys, keras_version "2.1.4".

    /tmp/tfenv/bin/python tools/make_gru_keras2_1_fixture.py
"""
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import tf_keras as keras  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "h5_legacy")


def _strip_reset_after(obj):
    if isinstance(obj, dict):
        obj.pop("reset_after", None)
        for value in obj.values():
            _strip_reset_after(value)
    elif isinstance(obj, list):
        for value in obj:
            _strip_reset_after(value)


def main():
    keras.utils.set_random_seed(21)
    gru = dict(reset_after=False, recurrent_activation="hard_sigmoid")
    model = keras.Sequential([
        keras.layers.Embedding(7, 3, input_length=6, input_shape=(6,)),
        keras.layers.Bidirectional(keras.layers.GRU(4, return_sequences=True, **gru)),
        keras.layers.GRU(5, **gru),
        keras.layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy")
    x = np.random.default_rng(21).integers(0, 7, size=(8, 6)).astype("int32")
    # bias of a trained model, not zeros: the reset-gate placement must show in the numbers
    for layer in model.layers:
        layer.set_weights([w + np.random.default_rng(1).normal(0, 0.3, w.shape).astype(w.dtype)
                           for w in layer.get_weights()])
    path = os.path.join(OUT, "keras2_1_gru.h5")
    model.save(path, include_optimizer=False)
    np.savez(os.path.join(OUT, "keras2_1_gru.npz"), x=x, y=model.predict(x, verbose=0))
    with h5py.File(path, "r+") as f:
        config = json.loads(f.attrs["model_config"])
        _strip_reset_after(config)
        f.attrs["model_config"] = json.dumps(config).encode()
        f.attrs["keras_version"] = b"2.1.4"
        f["model_weights"].attrs["keras_version"] = b"2.1.4"
    try:
        keras.models.load_model(path)
        print("tf_keras loads the file written as Keras 2.1.4 wrote it")
    except ValueError as e:
        print(f"tf_keras refuses the file written as Keras 2.1.4 wrote it: {str(e)[:120]}")


if __name__ == "__main__":
    main()
