#!/usr/bin/env python
"""Reference data for `kerasish.applications`, generated with real tf.keras (tf_keras, Keras 2).

Run with a Python that has tensorflow + tf_keras (never a kerasish dependency):

    python tools/applications_reference.py manifests     # tests/applications/manifests/*.json.gz
    python tools/applications_reference.py predictions   # tests/applications/reference_predictions.npz (+ .json)
    python tools/applications_reference.py files         # a small tf.keras-saved .h5 weight file (gzipped)

`manifests`: for each architecture configuration, the layers of the tf.keras model in order (name, class,
output shape, weights: name, shape, trainable) and the weight file tf.keras asks `get_file` for with
`weights="imagenet"` (name, URL, hash, cache folder): the download is intercepted, nothing is fetched.

`predictions`: reduced-size models whose weights come from `recipe_weights` (below: plain numpy, seeded per
weight, so kerasish sets the very same values through `set_weights`) and their outputs on seeded inputs,
plus `preprocess_input` outputs of every mode.

`recipe_weights`, `recipe_input` and `PREDICTION_CONFIGS` are imported by the tests; they need only numpy.
"""
import argparse
import gzip
import json
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "tests", "applications")
MANIFESTS = os.path.join(DATA, "manifests")

# key -> (constructor, keyword arguments); every architecture at its defaults, plus variants whose layers differ
MANIFEST_CONFIGS = {
    "vgg16": ("VGG16", {}), "vgg19": ("VGG19", {}),
    "resnet50": ("ResNet50", {}), "resnet101": ("ResNet101", {}), "resnet152": ("ResNet152", {}),
    "resnet50v2": ("ResNet50V2", {}), "resnet101v2": ("ResNet101V2", {}), "resnet152v2": ("ResNet152V2", {}),
    "inception_v3": ("InceptionV3", {}), "inception_resnet_v2": ("InceptionResNetV2", {}),
    "xception": ("Xception", {}),
    "mobilenet": ("MobileNet", {}), "mobilenet_050_160": ("MobileNet", {"alpha": 0.5, "input_shape": (160, 160, 3)}),
    "mobilenet_v2": ("MobileNetV2", {}), "mobilenet_v2_140": ("MobileNetV2", {"alpha": 1.4}),
    "mobilenet_v2_035_96": ("MobileNetV2", {"alpha": 0.35, "input_shape": (96, 96, 3)}),
    "mobilenet_v3_small": ("MobileNetV3Small", {}), "mobilenet_v3_large": ("MobileNetV3Large", {}),
    "mobilenet_v3_small_minimalistic": ("MobileNetV3Small", {"minimalistic": True}),
    "mobilenet_v3_large_075": ("MobileNetV3Large", {"alpha": 0.75}),
    "densenet121": ("DenseNet121", {}), "densenet169": ("DenseNet169", {}), "densenet201": ("DenseNet201", {}),
    **{f"efficientnetb{i}": (f"EfficientNetB{i}", {}) for i in range(8)},
    **{f"efficientnetv2b{i}": (f"EfficientNetV2B{i}", {}) for i in range(4)},
    "efficientnetv2s": ("EfficientNetV2S", {}), "efficientnetv2m": ("EfficientNetV2M", {}),
    "efficientnetv2l": ("EfficientNetV2L", {}),
    "nasnet_mobile": ("NASNetMobile", {}), "nasnet_large": ("NASNetLarge", {}),
    # headless variants (other pooling layers, and the weight files without the top)
    "resnet50_notop_avg": ("ResNet50", {"include_top": False, "pooling": "avg"}),
    "densenet121_notop_max": ("DenseNet121", {"include_top": False, "pooling": "max"}),
    "efficientnetb0_notop": ("EfficientNetB0", {"include_top": False}),
    "mobilenet_v3_small_notop_avg": ("MobileNetV3Small", {"include_top": False, "pooling": "avg"}),
    "vgg16_notop_max": ("VGG16", {"include_top": False, "pooling": "max"}),
}

# key -> (constructor, keyword arguments, input size, input range): reduced models checked number by number
# key -> (constructor, keyword arguments, input size, input range, recipe options): reduced models checked number
# by number. The recipe options keep a network well conditioned (its float32 outputs within 2e-5 of float64,
# checked when generating) while its output still depends on the image.
PREDICTION_CONFIGS = {
    "mobilenet_025": ("MobileNet", {"alpha": 0.25, "input_shape": (64, 64, 3), "classes": 10,
                                    "classifier_activation": None}, 64, (-1, 1), {}),
    "efficientnetb0_notop": ("EfficientNetB0", {"include_top": False, "input_shape": (64, 64, 3)}, 64, (0, 255),
                             {}),
    "resnet50_32": ("ResNet50", {"input_shape": (32, 32, 3), "classes": 10, "classifier_activation": None}, 32,
                    (-1, 1), {}),
    "mobilenet_v3_small": ("MobileNetV3Small", {"input_shape": (64, 64, 3), "classes": 10,
                                                "classifier_activation": None}, 64, (0, 255), {}),
    "mobilenet_v2_035": ("MobileNetV2", {"alpha": 0.35, "input_shape": (64, 64, 3), "classes": 10,
                                         "classifier_activation": None}, 64, (-1, 1), {}),
    "efficientnetv2b0_notop": ("EfficientNetV2B0", {"include_top": False, "input_shape": (64, 64, 3)}, 64,
                               (0, 255), {"gamma": (0.5, 1.2)}),
    "resnet50v2_32": ("ResNet50V2", {"include_top": False, "input_shape": (32, 32, 3), "pooling": "avg"}, 32,
                      (-1, 1), {}),
    "mobilenet_v3_large_minimalistic": ("MobileNetV3Large", {"minimalistic": True, "include_top": False,
                                                             "input_shape": (64, 64, 3), "pooling": "avg"}, 64,
                                        (0, 255), {}),
    "densenet121_32": ("DenseNet121", {"include_top": False, "input_shape": (32, 32, 3), "pooling": "max"}, 32,
                       (-1, 1), {}),
    "vgg16_32": ("VGG16", {"include_top": False, "input_shape": (32, 32, 3), "pooling": "avg"}, 32, (-1, 1), {}),
    "xception_71": ("Xception", {"include_top": False, "input_shape": (71, 71, 3), "pooling": "avg"}, 71, (-1, 1),
                    {}),
    "inception_v3_75": ("InceptionV3", {"include_top": False, "input_shape": (75, 75, 3), "pooling": "avg"}, 75,
                        (-1, 1), {}),
    "inception_resnet_v2_75": ("InceptionResNetV2", {"include_top": False, "input_shape": (75, 75, 3),
                                                     "pooling": "avg"}, 75, (-1, 1), {}),
    "efficientnetv2s_notop": ("EfficientNetV2S", {"include_top": False, "input_shape": (32, 32, 3),
                                                  "pooling": "avg"}, 32, (0, 255), {"gamma": (0.5, 1.2)}),
    "nasnet_mobile_32": ("NASNetMobile", {"include_top": False, "input_shape": (32, 32, 3), "pooling": "avg"}, 32,
                         (-1, 1), {}),
}
# the EfficientNet path taken only with weights="imagenet" (an extra scaling after Normalization): tf.keras loads
# the recipe weights through an intercepted get_file
IMAGENET_PATH_CONFIG = ("EfficientNetB0", {"include_top": False, "input_shape": (64, 64, 3)}, 64, (0, 255), {})
# key -> (constructor, keyword arguments, input size, input range, batch, labels or None): the loss and the
# gradients of one training-mode step (batch norm on batch statistics). With labels: sparse softmax crossentropy
# of the logits; without: the mean of the outputs times `recipe_projection`. Stored per weight as the gradient's
# norm and its projection on `recipe_projection` (small, and sensitive to every element), computed in float64,
# with tf.keras float32's distance from them (batch norm over few values amplifies rounding: the tests allow a
# few times what tf.keras itself gets in float32).
GRADIENT_CONFIGS = {
    "mobilenet_v3_small": ("MobileNetV3Small", {"input_shape": (64, 64, 3), "classes": 5, "dropout_rate": 0.0,
                                                "classifier_activation": None}, 64, (0, 255), 4, [0, 1, 2, 3]),
    "efficientnetb0_notop": ("EfficientNetB0", {"include_top": False, "pooling": "avg", "input_shape": (64, 64, 3),
                                                "drop_connect_rate": 0.0}, 64, (0, 255), 4, None),
    "inception_resnet_v2_107": ("InceptionResNetV2", {"include_top": False, "pooling": "avg",
                                                      "input_shape": (107, 107, 3)}, 107, (-1, 1), 8, None),
}
RECIPE_SEED = 19
BATCH = 2


def recipe_weights(specs, seed=RECIPE_SEED, gamma=(0.5, 1.5)):
    """Deterministic weights for a model's `(weight name, shape)` list, in order (numpy only).

    Kernels ~ N(0, 2 / fan_in); batch-norm scales ~ U(gamma); (moving) variances ~ U(0.5, 1.5); offsets, means
    and biases ~ N(0, 0.1); counters 0. Weight i draws from `default_rng([seed, i])`.
    """
    values = []
    for i, (name, shape) in enumerate(specs):
        rng = np.random.default_rng([seed, i])
        base = name.split("/")[-1].split(":")[0]
        shape = tuple(shape)
        if base == "gamma":
            value = rng.uniform(*gamma, shape)
        elif base in ("moving_variance", "variance"):
            value = rng.uniform(0.5, 1.5, shape)
        elif base in ("beta", "bias", "moving_mean", "mean"):
            value = rng.normal(0.0, 0.1, shape)
        elif base == "count":
            value = np.zeros(shape)
        else:
            fan_in = int(np.prod(shape[:2])) if base == "depthwise_kernel" else int(np.prod(shape[:-1]))
            value = rng.normal(0.0, 1.0, shape) * np.sqrt(2.0 / max(fan_in, 1))
        values.append(value.astype("float32"))
    return values


def recipe_input(size, value_range, seed=RECIPE_SEED, batch=BATCH):
    """A seeded float32 batch of images of `size`x`size`x3 with values uniform in `value_range`."""
    rng = np.random.default_rng([seed, 999])
    low, high = value_range
    return rng.uniform(low, high, (batch, size, size, 3)).astype("float32")


def recipe_projection(shape, index, seed=RECIPE_SEED):
    """A fixed random direction (standard normal, float64) for the `index`-th gradient or output."""
    return np.random.default_rng([seed, 5000 + index]).standard_normal(tuple(shape))


def gradient_summary(gradients):
    """(norm, projection on `recipe_projection`) of each gradient, as a float64 array of shape (n, 2)."""
    return np.array([[np.linalg.norm(np.asarray(g, np.float64)),
                      float(np.sum(np.asarray(g, np.float64) * recipe_projection(np.shape(g), i)))]
                     for i, g in enumerate(gradients)])


def weight_specs(model):
    """(name, shape) of every weight, in `get_weights()` order."""
    return [(w.name, tuple(w.shape)) for w in model.weights]


# ----------------------------------------------------------------------------------------------- tf.keras side
def _keras():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tf_keras as keras

    return keras


class _Intercepted(Exception):
    pass


def _requested_file(keras, constructor, kwargs):
    """What tf.keras asks get_file for with weights="imagenet" (the download is intercepted)."""
    from tf_keras.src.utils import data_utils

    seen = {}
    original = data_utils.get_file

    def fake_get_file(fname=None, origin=None, **kw):
        seen.update({"fname": fname, "origin": origin, "file_hash": kw.get("file_hash"),
                     "cache_subdir": kw.get("cache_subdir")})
        raise _Intercepted()

    data_utils.get_file = fake_get_file
    try:
        keras.backend.clear_session()
        getattr(keras.applications, constructor)(weights="imagenet", **kwargs)
    except _Intercepted:
        return seen
    finally:
        data_utils.get_file = original
    raise RuntimeError(f"{constructor}({kwargs}) with imagenet weights did not ask for a file")


def _layer_entry(layer):
    shape = layer.output_shape
    shape = [list(s) for s in shape] if isinstance(shape, list) else list(shape)
    weights = [[w.name, list(w.shape), bool(w.trainable)] for w in layer.weights]
    return [layer.name, type(layer).__name__, shape, weights]


def make_manifests(only=None):
    keras = _keras()
    os.makedirs(MANIFESTS, exist_ok=True)
    for key, (constructor, kwargs) in MANIFEST_CONFIGS.items():
        if only and key not in only:
            continue
        keras.backend.clear_session()
        model = getattr(keras.applications, constructor)(weights=None, **kwargs)
        manifest = {
            "constructor": constructor, "kwargs": kwargs, "name": model.name,
            "input_shape": list(model.input_shape), "output_shape": list(model.output_shape),
            "count_params": int(model.count_params()),
            "layers": [_layer_entry(layer) for layer in model.layers],
            "weights": [w.name for w in model.weights],
            "imagenet_file": _requested_file(keras, constructor, kwargs),
        }
        path = os.path.join(MANIFESTS, key + ".json.gz")
        with gzip.open(path, "wt") as f:
            json.dump(manifest, f, separators=(",", ":"))
        print(f"{key}: {len(manifest['layers'])} layers, {os.path.getsize(path)} bytes", flush=True)


def _set_recipe(model, **options):
    model.set_weights(recipe_weights(weight_specs(model), **options))


def _predict(keras, constructor, kwargs, x, floatx="float32", **options):
    keras.backend.set_floatx(floatx)
    keras.backend.clear_session()
    try:
        model = getattr(keras.applications, constructor)(weights=None, **kwargs)
        model.set_weights([w.astype(floatx) for w in recipe_weights(weight_specs(model), **options)])
        return model.predict(x.astype(floatx), verbose=0)
    finally:
        keras.backend.set_floatx("float32")


def _preprocess_references(keras):
    """preprocess_input of every mode, data format, rank and input type (numpy float, numpy uint8, tensor)."""
    import tensorflow as tf

    from tf_keras.src.applications import imagenet_utils

    rng = np.random.default_rng([RECIPE_SEED, 7])
    image_last = rng.uniform(0, 255, (2, 3, 4, 3)).astype("float32")
    out = {"preprocess/input_last": image_last}
    for mode in ("caffe", "tf", "torch"):
        for fmt in ("channels_last", "channels_first"):
            x4 = image_last if fmt == "channels_last" else np.ascontiguousarray(image_last.transpose(0, 3, 1, 2))
            out[f"preprocess/{mode}/{fmt}/4d"] = imagenet_utils.preprocess_input(x4.copy(), fmt, mode)
            out[f"preprocess/{mode}/{fmt}/3d"] = imagenet_utils.preprocess_input(x4[0].copy(), fmt, mode)
            out[f"preprocess/{mode}/{fmt}/tensor"] = imagenet_utils.preprocess_input(
                tf.constant(x4), fmt, mode).numpy()
        out[f"preprocess/{mode}/uint8"] = imagenet_utils.preprocess_input(
            image_last.astype("uint8"), "channels_last", mode)
    return out


def make_predictions():
    keras = _keras()
    results = {}
    meta = {}
    for key, (constructor, kwargs, size, value_range, options) in PREDICTION_CONFIGS.items():
        x = recipe_input(size, value_range)
        y = _predict(keras, constructor, kwargs, x, **options)
        exact = _predict(keras, constructor, kwargs, x, "float64", **options)
        scale = float(np.abs(exact).max())
        meta[key] = {"float32_vs_float64": float(np.abs(y - exact).max()) / scale, "abs_max": scale,
                     "std_over_batch": float(np.std(exact, axis=0).mean()) / scale}
        print(key, y.shape, meta[key], flush=True)
        if meta[key]["float32_vs_float64"] > 2e-5:
            raise SystemExit(f"{key}: ill-conditioned with this recipe (float32 {meta[key]} off float64)")
        results[key] = y
    results["imagenet_path"] = _imagenet_path_prediction(keras)
    for key, (constructor, kwargs) in FILE_CONFIGS.items():
        x = recipe_input(kwargs["input_shape"][0], (0, 255))
        results["file/" + key] = _predict(keras, constructor, kwargs, x)
    results.update(_gradient_references(keras))
    results.update(_preprocess_references(keras))
    np.savez_compressed(os.path.join(DATA, "reference_predictions.npz"), **results)
    with open(os.path.join(DATA, "reference_predictions.json"), "w") as f:
        json.dump(meta, f, indent=1, sort_keys=True)


def _gradients(keras, constructor, kwargs, x, labels, floatx):
    import tensorflow as tf

    keras.backend.set_floatx(floatx)
    keras.backend.clear_session()
    try:
        model = getattr(keras.applications, constructor)(weights=None, **kwargs)
        model.set_weights([w.astype(floatx) for w in recipe_weights(weight_specs(model))])
        with tf.GradientTape() as tape:
            y = model(x.astype(floatx), training=True)
            if labels is None:
                loss = tf.reduce_mean(y * recipe_projection(y.shape[1:], -1).astype(floatx))
            else:
                loss = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(
                    np.array(labels), y, from_logits=True))
        grads = tape.gradient(loss, model.trainable_weights)
        return float(loss), gradient_summary([g.numpy() for g in grads])
    finally:
        keras.backend.set_floatx("float32")


def _gradient_references(keras):
    out = {}
    for key, (constructor, kwargs, size, value_range, batch, labels) in GRADIENT_CONFIGS.items():
        x = recipe_input(size, value_range, batch=batch)
        loss32, summary32 = _gradients(keras, constructor, kwargs, x, labels, "float32")
        loss64, summary64 = _gradients(keras, constructor, kwargs, x, labels, "float64")
        out[f"gradients/{key}/loss"] = np.array(loss64)
        out[f"gradients/{key}/loss_float32_error"] = np.array(abs(loss32 - loss64))
        out[f"gradients/{key}/summary"] = summary64
        out[f"gradients/{key}/float32_error"] = np.abs(summary32 - summary64)
        median = float(np.median(np.abs(summary32[:, 0] - summary64[:, 0]) / summary64[:, 0].max()))
        print("gradients", key, loss64, len(summary64), f"float32 off float64 (median, of the largest norm) "
              f"{median:.1e}", flush=True)
    return out


def _imagenet_path_prediction(keras):
    import tempfile

    from tf_keras.src.utils import data_utils

    constructor, kwargs, size, value_range, _ = IMAGENET_PATH_CONFIG
    keras.backend.clear_session()
    source = getattr(keras.applications, constructor)(weights=None, **kwargs)
    _set_recipe(source)
    path = os.path.join(tempfile.mkdtemp(), "weights.h5")
    source.save_weights(path)
    original = data_utils.get_file
    data_utils.get_file = lambda *a, **k: path
    try:
        keras.backend.clear_session()
        model = getattr(keras.applications, constructor)(weights="imagenet", **kwargs)
    finally:
        data_utils.get_file = original
    return model.predict(recipe_input(size, value_range), verbose=0)


# key -> (constructor, keyword arguments): weight files saved by tf.keras and committed (small, gzipped)
FILE_CONFIGS = {
    "mobilenet_v3_small_min_010_notop": ("MobileNetV3Small", {"alpha": 0.1, "minimalistic": True,
                                                              "include_top": False, "input_shape": (32, 32, 3)}),
}


def make_files():
    keras = _keras()
    for key, (constructor, kwargs) in FILE_CONFIGS.items():
        keras.backend.clear_session()
        model = getattr(keras.applications, constructor)(weights=None, **kwargs)
        _set_recipe(model)
        path = os.path.join(DATA, key + ".h5")
        model.save_weights(path)
        with open(path, "rb") as f, gzip.open(path + ".gz", "wb") as out:  # HDF5's padding compresses well
            out.write(f.read())
        os.remove(path)
        print(key, model.count_params(), "params,", os.path.getsize(path + ".gz"), "bytes compressed")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["manifests", "predictions", "files", "all"])
    parser.add_argument("--only", nargs="*", help="manifest keys to regenerate")
    args = parser.parse_args()
    if args.what in ("manifests", "all"):
        make_manifests(args.only)
    if args.what in ("predictions", "all"):
        make_predictions()
    if args.what in ("files", "all"):
        make_files()


if __name__ == "__main__":
    sys.exit(main())
