"""Reference outputs of tf_keras's LocallyConnected1D/2D for kerasish's tests.

For every implementation (1, 2, 3), data format, padding and a few sizes, builds the tf_keras layer,
gives it random weights, and records the weights (in tf_keras's layout) with the output on a random
input. tests/layers/test_local.py loads the same weights into kerasish's layer and compares.

Usage (in an environment with tensorflow and tf_keras):
    python tools/make_locally_connected_oracle.py
"""
import json
import os

import numpy as np
import tf_keras as keras

OUTPUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data",
                      "locally_connected_oracle.json")


def short(values):
    """float32 values with 2 decimals: exactly what the JSON file holds, and short in it."""
    return np.round(values, 2).astype("float32")


def main():
    rng = np.random.default_rng(7)
    cases = []
    settings = [
        ("LocallyConnected1D", (7, 2), 3, 2, 1), ("LocallyConnected1D", (5, 2), 2, 1, 2),
        ("LocallyConnected2D", (4, 5, 2), (2, 3), (2, 1), 2), ("LocallyConnected2D", (3, 3, 1), 2, 1, 2),
    ]
    for name, shape, kernel_size, strides, filters in settings:
        for implementation in (1, 2, 3):
            for data_format in ("channels_last", "channels_first"):
                for padding in ("valid", "same") if implementation > 1 else ("valid",):
                    layer = getattr(keras.layers, name)(filters, kernel_size, strides=strides, padding=padding,
                                                        data_format=data_format, implementation=implementation,
                                                        activation="tanh")
                    input_shape = shape if data_format == "channels_last" else (shape[-1],) + shape[:-1]
                    x = short(rng.normal(size=(2,) + input_shape))
                    layer.build((None,) + input_shape)
                    weights = [short(rng.normal(size=w.shape)) for w in layer.get_weights()]
                    layer.set_weights(weights)
                    y = layer(x).numpy()
                    cases.append({"layer": name, "filters": filters, "kernel_size": kernel_size, "strides": strides,
                                  "padding": padding, "data_format": data_format, "implementation": implementation,
                                  "x": np.round(x.astype("float64"), 2).tolist(),
                                  "weights": [np.round(w.astype("float64"), 2).tolist() for w in weights],
                                  "y": np.round(y.astype("float64"), 6).tolist(),
                                  "config": layer.get_config()})
    with open(OUTPUT, "w") as f:
        json.dump({"tf_keras": keras.__version__, "cases": cases}, f)
    print(f"wrote {len(cases)} cases to {OUTPUT}")


if __name__ == "__main__":
    main()
