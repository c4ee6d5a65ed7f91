"""`python -m kerasish`: train a small network on the bundled 8x8 digits, save, reload, report accuracy."""
import argparse
import os
import sys
import tempfile
import time

import numpy as np


def _parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m kerasish",
        description="kerasish demo: trains an MLP on the bundled 8x8 handwritten digits (no download), "
                    "saves it as a Keras 2 .h5 file, reloads it and checks the reloaded model predicts the same. "
                    "Exits with status 0 when test accuracy is above 0.95 and the reloaded model agrees.")
    parser.add_argument("--epochs", type=int, default=20, help="training epochs (default: 20)")
    parser.add_argument("--save", metavar="PATH", default=None,
                        help="also keep the trained model at PATH (.h5); by default it is saved to a "
                             "temporary folder and removed")
    parser.add_argument("--version", action="store_true", help="print the kerasish version and exit")
    return parser.parse_args(argv)


def main(argv=None):
    args = _parse_args(sys.argv[1:] if argv is None else argv)
    import kerasish as keras
    if args.version:
        print(f"kerasish {keras.__version__}")
        return 0
    from kerasish.datasets import digits

    keras.utils.set_random_seed(0)
    print(f"kerasish {keras.__version__}: training an MLP on the 8x8 handwritten digits (1,797 images)")
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    x_train = x_train.reshape(len(x_train), 64).astype("float32") / 16.0
    x_test = x_test.reshape(len(x_test), 64).astype("float32") / 16.0

    model = keras.Sequential([
        keras.layers.Dense(64, activation="relu", input_shape=(64,)),
        keras.layers.Dropout(0.1),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ], name="digits_mlp")
    model.summary()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    start = time.time()
    model.fit(x_train, y_train, batch_size=32, epochs=args.epochs, validation_split=0.1, verbose=2)
    print(f"trained in {time.time() - start:.1f} s")

    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "digits_mlp.h5")
        model.save(path)
        restored = keras.models.load_model(path)
        restored_loss, restored_accuracy = restored.evaluate(x_test, y_test, verbose=0)
        same = np.allclose(model.predict(x_test, verbose=0), restored.predict(x_test, verbose=0))
    if args.save:
        model.save(args.save)
        print(f"model saved to {os.path.abspath(args.save)}")
    print(f"test accuracy: {accuracy:.4f} (loss {loss:.4f})")
    print(f"saved to .h5 and reloaded: test accuracy {restored_accuracy:.4f}, identical predictions: {same}")
    return 0 if accuracy > 0.95 and same else 1


if __name__ == "__main__":
    sys.exit(main())
