"""Check that a kerasish .h5 model with adapted preprocessing layers loads in tf_keras with the same predictions.

Two steps, two Pythons (from the repository root):

    PYTHONPATH=. python tools/preprocessing_h5_in_tf_keras.py write /tmp/pp    # kerasish writes model + data
    /tmp/tfenv/bin/python tools/preprocessing_h5_in_tf_keras.py check /tmp/pp  # tf_keras loads and compares

The model adapts TextVectorization ("int" and "tf_idf"), StringLookup (mask token, two OOV indices),
IntegerLookup and Discretization, and uses Hashing, CategoryEncoding and augmentation layers (identity in
inference); it ends in a Dense layer.
"""
import os
import sys

import numpy as np

TEXTS = np.array(["The cat sat.", "A dog, a cat!", "dogs ran far", "the end", "cat cat dog"])


def write(directory):
    import kerasish as keras

    os.makedirs(directory, exist_ok=True)
    rs = np.random.RandomState(0)
    text = keras.Input((1,), dtype="string", name="text")
    tokens = keras.Input((3,), dtype="string", name="tokens")
    ints = keras.Input((3,), dtype="int64", name="ints")
    numbers = keras.Input((2,), name="numbers")
    image = keras.Input((6, 6, 1), name="image")
    sequence = keras.layers.TextVectorization(max_tokens=12, output_sequence_length=5)
    sequence.adapt(TEXTS)
    tf_idf = keras.layers.TextVectorization(output_mode="tf_idf")
    tf_idf.adapt(TEXTS)
    lookup = keras.layers.StringLookup(mask_token="", num_oov_indices=2, output_mode="count")
    lookup.adapt(np.array([["x", "y", ""], ["y", "z", "y"]]))
    integer = keras.layers.IntegerLookup(output_mode="multi_hot")
    integer.adapt(np.array([[3, 1, 4], [1, 5, 9]]))
    bins = keras.layers.Discretization(num_bins=4)
    bins.adapt(rs.randn(300, 2))
    augmented = keras.layers.RandomRotation(0.2)(keras.layers.RandomFlip()(image))
    features = keras.layers.concatenate([
        keras.layers.Flatten()(keras.layers.Embedding(12, 2)(sequence(text))), tf_idf(text), lookup(tokens),
        integer(ints), keras.layers.CategoryEncoding(4, output_mode="count")(bins(numbers)),
        keras.layers.Hashing(5, output_mode="multi_hot")(tokens), keras.layers.Flatten()(augmented)])
    model = keras.Model([text, tokens, ints, numbers, image], keras.layers.Dense(3)(features))
    x = [TEXTS[:, None], np.array([["x", "q", ""], ["z", "z", "y"]] * 2 + [["", "", ""]]),
         np.array([[3, 3, 7]] * 5), rs.randn(5, 2).astype("float32"), rs.rand(5, 6, 6, 1).astype("float32")]
    model.save(os.path.join(directory, "model.h5"))
    np.savez(os.path.join(directory, "io.npz"), **{f"x{i}": v for i, v in enumerate(x)},
             prediction=model.predict(x, verbose=0))
    print("wrote", directory)


def check(directory):
    import tf_keras as keras

    data = np.load(os.path.join(directory, "io.npz"))
    x = [data[f"x{i}"] for i in range(5)]
    x[0], x[1] = x[0].astype(object), x[1].astype(object)
    model = keras.models.load_model(os.path.join(directory, "model.h5"))
    error = np.abs(model.predict(x, verbose=0) - data["prediction"]).max()
    print(f"tf_keras {keras.__version__} loaded the kerasish model: max abs difference {error:.3g}")
    return 0 if error < 1e-4 else 1


if __name__ == "__main__":
    mode, folder = sys.argv[1], sys.argv[2]
    sys.exit(write(folder) if mode == "write" else check(folder))
