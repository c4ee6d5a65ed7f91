"""Load a model saved by Keras 2 (`model.save("model.h5")`) and use it: summary, predictions, more training.

Run: python examples/load_keras_h5.py [path/to/model.h5] [--epochs N]

Without a path, the script builds a small model with kerasish, saves it to a temporary .h5 file in
Keras 2's format and loads that. If `inputs.npz` and `expected.npz` (arrays `in0`, `out0`, ...) lie
next to the .h5 file, the predictions are compared with the saved expected outputs.

Any model works: several inputs and outputs, integer inputs of an Embedding, any compiled loss. The
random inputs follow each input's shape (integers below the vocabulary size where an Embedding reads
the input), and the targets for more training are the model's own decisions in the form its loss
takes (class indices for a sparse crossentropy, one-hot rows for a categorical one, 0/1 for a binary
one, the predictions themselves for a regression).
"""
import argparse
import os
import tempfile

import numpy as np

import kerasish as keras


def build_and_save(folder):
    model = keras.Sequential([
        keras.layers.Dense(16, activation="relu", input_shape=(12,), name="dense"),
        keras.layers.Dropout(0.1),
        keras.layers.Dense(4, activation="softmax", name="out"),
    ], name="made_here")
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    path = os.path.join(folder, "model.h5")
    model.save(path)
    print(f"no .h5 given: saved a kerasish model to {path}")
    return path


def as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def compare_with_expected(model, path):
    folder = os.path.dirname(os.path.abspath(path))
    inputs_path, expected_path = os.path.join(folder, "inputs.npz"), os.path.join(folder, "expected.npz")
    if not (os.path.exists(inputs_path) and os.path.exists(expected_path)):
        return
    with np.load(inputs_path) as f:
        inputs = [f[k] for k in sorted(f.files)]
    with np.load(expected_path) as f:
        expected = [f[k] for k in sorted(f.files)]
    outputs = as_list(model.predict(inputs if len(inputs) > 1 else inputs[0], verbose=0))
    worst = max(float(np.max(np.abs(o - e))) for o, e in zip(outputs, expected))
    print(f"outputs vs. the expected.npz saved with the file: largest difference {worst:.2e}")


def embedding_sizes(model):
    """{id of a model input: vocabulary size} for the inputs an Embedding layer reads directly."""
    sizes = {}
    for layer in model.layers:
        if isinstance(layer, keras.layers.Embedding):
            for tensor in as_list(layer.input):
                sizes[id(tensor)] = min(sizes.get(id(tensor), layer.input_dim), layer.input_dim)
    return sizes


def sample_inputs(model, n, rng):
    """Random inputs for every model input: `n` rows, unknown dimensions of size 5."""
    vocabulary = embedding_sizes(model)
    arrays = []
    for tensor in model.inputs:
        shape = (n,) + tuple(5 if d is None else int(d) for d in tensor.shape[1:])
        if id(tensor) in vocabulary:
            arrays.append(rng.integers(0, vocabulary[id(tensor)], size=shape).astype("int32"))
        else:
            arrays.append(rng.normal(size=shape).astype("float32"))
    return arrays if len(arrays) > 1 else arrays[0]


def loss_per_output(model):
    """The compiled loss of each output, as a lower-case name ('' when not compiled with one)."""
    loss = getattr(model, "loss", None)
    names = list(model.output_names)
    if isinstance(loss, dict):
        losses = [loss.get(name) for name in names]
    elif isinstance(loss, (list, tuple)):
        losses = list(loss)
    else:
        losses = [loss] * len(names)
    return [(l if isinstance(l, str) else getattr(l, "__name__", type(l).__name__)).lower() if l else ""
            for l in losses]


def targets_from_predictions(model, predictions):
    """Targets the model's loss accepts, made from its own predictions (its decisions on the inputs)."""
    targets = []
    for y, loss in zip(as_list(predictions), loss_per_output(model)):
        if "sparse" in loss:
            targets.append(np.argmax(y, axis=-1))
        elif "categorical" in loss or "kl" in loss or "poisson" in loss:
            targets.append(np.eye(y.shape[-1], dtype="float32")[np.argmax(y, axis=-1)])
        elif "binary" in loss or "hinge" in loss:
            targets.append((y > 0.5).astype("float32"))
        else:
            targets.append(y)
    return targets if len(targets) > 1 else targets[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", nargs="?", help="a .h5 file saved by Keras 2 (model.save)")
    parser.add_argument("--epochs", type=int, default=int(os.environ.get("KERASISH_EXAMPLE_EPOCHS", 2)))
    args = parser.parse_args()
    keras.utils.set_random_seed(9)
    rng = np.random.default_rng(0)

    with tempfile.TemporaryDirectory() as folder:
        path = args.path or build_and_save(folder)
        model = keras.models.load_model(path)
        model.summary()
        compare_with_expected(model, path)

        x = sample_inputs(model, 8, rng)
        y = model.predict(x, verbose=0)
        first = as_list(y)[0]
        print("predictions for 8 random inputs:", np.round(first[:2].astype("float64"), 4).tolist(), "...")

        # Go on training it (compiled from the file when it was saved compiled).
        if model.optimizer is None:
            model.compile(optimizer="adam", loss="mse")
        model.fit(x, targets_from_predictions(model, y), epochs=args.epochs, verbose=2)

        resaved = os.path.join(folder, "resaved.h5")
        model.save(resaved)
        again = keras.models.load_model(resaved)
        same = all(np.allclose(a, b, atol=1e-6) for a, b in zip(as_list(model.predict(x, verbose=0)),
                                                                 as_list(again.predict(x, verbose=0))))
        print("saved again and reloaded, same predictions:", same)


if __name__ == "__main__":
    main()
