"""Record tf_keras 2.21's `model.summary()` text for a few models into tests/data/summary_reference.json.

Run with an environment that has tf_keras (Keras 2): `TF_USE_LEGACY_KERAS=1 python tools/make_summary_reference.py`.
tests/utils/test_summary_reference.py builds the same models in kerasish and compares the text line by line.
"""
import json
import os
import sys

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")


def build_models(keras):
    """The models, by name; kerasish and tf_keras build them from the same code (explicit layer names)."""
    layers = keras.layers
    wide = keras.Input(shape=[5], name="wide_input")
    deep = keras.Input(shape=[6], name="deep_input")
    hidden1 = layers.Dense(30, activation="relu", name="hidden1")(deep)
    hidden2 = layers.Dense(30, activation="relu", name="hidden2")(hidden1)
    concat = layers.concatenate([wide, hidden2], name="concat")
    main = layers.Dense(1, name="main_output")(concat)
    aux = layers.Dense(1, name="aux_output")(hidden2)
    wide_and_deep = keras.Model([wide, deep], [main, aux], name="wide_and_deep")
    mlp = keras.Sequential([layers.Flatten(input_shape=[28, 28], name="flatten"),
                            layers.Dense(300, activation="relu", name="hidden1"),
                            layers.BatchNormalization(name="bn"),
                            layers.Dense(10, activation="softmax", name="output")], name="mlp")
    return {"wide_and_deep": wide_and_deep, "mlp": mlp}


def summary_lines(model, **kwargs):
    lines = []
    model.summary(print_fn=lines.append, **kwargs)
    return lines


def main():
    import tensorflow as tf

    keras = tf.keras
    out = {"tf_keras_version": keras.__version__ if hasattr(keras, "__version__") else tf.__version__}
    for name, model in build_models(keras).items():
        out[name] = summary_lines(model)
        out[name + "_show_trainable"] = summary_lines(model, show_trainable=True)
    path = os.path.join(os.path.dirname(__file__), "..", "tests", "data", "summary_reference.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
    print("wrote", os.path.normpath(path), file=sys.stderr)


if __name__ == "__main__":
    main()
