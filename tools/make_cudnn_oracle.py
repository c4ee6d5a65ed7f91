"""A Keras 2 model with CuDNNLSTM/CuDNNGRU layers saved by tf_keras, and what it computes.

tf_keras still builds and saves the cuDNN layers (tf.compat.v1.keras.layers) on a machine without a
GPU, though it cannot run them there; Keras 2 runs their weights on the CPU by loading them into
LSTM / GRU(reset_after=True, recurrent_activation="sigmoid"), converting them on the way. This
script writes:

- tests/data/cudnn_tf_keras.h5: Bidirectional(CuDNNLSTM(3, return_sequences=True)) -> CuDNNGRU(2)
  with random weights, saved by tf_keras;
- tests/data/cudnn_oracle.json: a random input and the output of the same model built from LSTM/GRU
  into which tf_keras loaded the file's weights.

Usage (in an environment with tensorflow and tf_keras):
    python tools/make_cudnn_oracle.py
"""
import json
import os

import numpy as np
import tf_keras as keras
from tf_keras.api._v1 import keras as keras_v1

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data")


def main():
    rng = np.random.default_rng(3)
    cudnn = keras_v1.Sequential([
        keras_v1.layers.Bidirectional(keras_v1.layers.CuDNNLSTM(3, return_sequences=True), input_shape=(5, 2)),
        keras_v1.layers.CuDNNGRU(2)])
    cudnn.set_weights([np.round(rng.normal(scale=0.5, size=w.shape), 2).astype("float32")
                       for w in cudnn.get_weights()])
    path = os.path.join(DATA, "cudnn_tf_keras.h5")
    cudnn.save(path)

    standard = keras.Sequential([
        keras.layers.Bidirectional(keras.layers.LSTM(3, return_sequences=True), input_shape=(5, 2)),
        keras.layers.GRU(2, reset_after=True, recurrent_activation="sigmoid")])
    standard.load_weights(path)  # tf_keras converts the cuDNN weights here
    x = np.round(rng.normal(size=(3, 5, 2)), 2).astype("float32")
    with open(os.path.join(DATA, "cudnn_oracle.json"), "w") as f:
        json.dump({"tf_keras": keras.__version__, "x": x.astype("float64").tolist(),
                   "y": np.round(standard.predict(x, verbose=0).astype("float64"), 7).tolist(),
                   "converted_weights": [np.round(w.astype("float64"), 7).tolist()
                                         for w in standard.get_weights()]}, f)
    print(f"wrote {path} ({os.path.getsize(path)} bytes) and cudnn_oracle.json")


if __name__ == "__main__":
    main()
