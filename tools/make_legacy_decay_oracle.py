"""Trajectories of Keras 2's optimizers with the `decay=` argument, computed by tf_keras's legacy optimizers.

Keras 2.0-2.3 (and tf.keras's `optimizers.legacy`) divide the learning rate by
`1 + decay * iterations` before every update. This script runs each optimizer for six steps on fixed
gradients and writes the weights after every step to tests/data/legacy_decay_oracle.json, with each
optimizer's config. (Nadam is left out: tf_keras's legacy Nadam reads `decay` as its momentum
schedule's `schedule_decay`, and Keras 2.3 refused the argument.)

Usage (in an environment with tensorflow and tf_keras):
    python tools/make_legacy_decay_oracle.py
"""
import json
import os

import numpy as np
import tensorflow as tf
import tf_keras as keras

OUTPUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data",
                      "legacy_decay_oracle.json")
CASES = {
    "SGD": dict(learning_rate=0.1, momentum=0.9, decay=0.3),
    "SGD_nesterov": dict(learning_rate=0.1, momentum=0.9, nesterov=True, decay=0.05),
    "Adam": dict(learning_rate=0.05, decay=0.2),
    "RMSprop": dict(learning_rate=0.01, decay=0.1),
    "Adagrad": dict(learning_rate=0.1, decay=0.5),
    "Adadelta": dict(learning_rate=1.0, decay=0.2),
    "Adamax": dict(learning_rate=0.02, decay=0.1),
}


def main():
    rng = np.random.default_rng(5)
    w0 = np.round(rng.normal(size=(4,)), 2).astype("float32")
    grads = [np.round(rng.normal(size=(4,)), 2).astype("float32") for _ in range(6)]
    out = {"tf_keras": keras.__version__, "w0": w0.astype("float64").tolist(),
           "grads": [g.astype("float64").tolist() for g in grads], "cases": {}}
    for name, kwargs in CASES.items():
        class_name = name.split("_")[0]
        optimizer = getattr(keras.optimizers.legacy, class_name)(**kwargs)
        variable = tf.Variable(w0)
        trajectory = []
        for g in grads:
            optimizer.apply_gradients([(tf.constant(g), variable)])
            trajectory.append(np.round(variable.numpy().astype("float64"), 7).tolist())
        out["cases"][name] = {"class": class_name, "kwargs": kwargs, "trajectory": trajectory}
    with open(OUTPUT, "w") as f:
        json.dump(out, f)
    print(f"wrote {len(CASES)} optimizers to {OUTPUT}")


if __name__ == "__main__":
    main()
