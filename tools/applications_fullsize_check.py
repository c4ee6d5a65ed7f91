#!/usr/bin/env python
"""Full-size check of kerasish.applications against tf.keras: every architecture at its default size.

For each architecture, tf.keras (run with --ref-py) builds the model, sets the seeded recipe weights of
tools/applications_reference.py, saves them with `save_weights` (a Keras 2 .h5, as the published ImageNet files
are) and predicts two seeded images; kerasish then builds the same model with `weights=<that file>` (loading by
topology) and predicts the same images. Reported: the largest difference relative to the output's magnitude
(against tf.keras's float32 and float64 outputs) and tf.keras float32's own distance from its float64 output.
The recipe's random weights make some deep networks chaotic (float32 rounding amplified up to 100%): for those,
kerasish in float64 is compared with tf.keras in float64 as well.

    python tools/applications_fullsize_check.py --ref-py /tmp/tfenv/bin/python [--only resnet50,vgg16]
          [--scratch /tmp/apps-fullsize]

Run it with a Python that imports kerasish (the repository root is put on the path); weight files go to the
scratch folder and are deleted after each architecture.
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import applications_reference as reference  # noqa: E402

# every architecture at its default size, with its top giving logits (a softmax of the recipe's random weights
# saturates to exact 0s and 1s, which would compare equal whatever came before)
ARCHITECTURES = {key: (constructor, {"classifier_activation": None})
                 for key, (constructor, kwargs) in reference.MANIFEST_CONFIGS.items() if not kwargs}


def tf_side(key, scratch):
    """(in the tf.keras Python) save the recipe weights and the predictions of architecture `key`."""
    keras = reference._keras()
    constructor, kwargs = ARCHITECTURES[key]
    result = {}
    for floatx in ("float32", "float64"):
        keras.backend.set_floatx(floatx)
        keras.backend.clear_session()
        model = getattr(keras.applications, constructor)(weights=None, **kwargs)
        size = model.input_shape[1] or 224  # MobileNetV3 takes any size; its weights are for 224
        model.set_weights([w.astype(floatx) for w in reference.recipe_weights(reference.weight_specs(model))])
        x = reference.recipe_input(size, _input_range(constructor)).astype(floatx)
        start = time.perf_counter()
        result[floatx] = model.predict(x, verbose=0)
        result[floatx + "_seconds"] = time.perf_counter() - start
        if floatx == "float32":
            model.save_weights(os.path.join(scratch, key + ".h5"))
    keras.backend.set_floatx("float32")
    np.savez(os.path.join(scratch, key + ".npz"), **result)


def _input_range(constructor):
    scales_itself = constructor.startswith(("EfficientNet", "MobileNetV3"))
    return (0, 255) if scales_itself else (-1, 1)


def kerasish_side(key, scratch):
    sys.path.insert(0, os.path.dirname(HERE))
    import kerasish as keras

    constructor, kwargs = ARCHITECTURES[key]
    path = os.path.join(scratch, key + ".h5")
    keras.backend.clear_session()
    start = time.perf_counter()
    model = getattr(keras.applications, constructor)(weights=path, **kwargs)
    load_seconds = time.perf_counter() - start
    expected = reference.recipe_weights(reference.weight_specs(model))
    weights_equal = all(np.array_equal(a, b) for a, b in zip(model.get_weights(), expected))
    x = reference.recipe_input(model.input_shape[1] or 224, _input_range(constructor))
    start = time.perf_counter()
    got = model.predict(x, verbose=0)
    seconds = time.perf_counter() - start
    with np.load(os.path.join(scratch, key + ".npz")) as ref:
        tf32, tf64 = ref["float32"], ref["float64"]
        tf_seconds = float(ref["float32_seconds"])
    scale = float(np.abs(tf64).max())
    chaotic = float(np.abs(tf32 - tf64).max()) / scale > 1e-4
    exact_error = _float64_error(keras, constructor, kwargs, x, tf64) / scale if chaotic else None
    return {"key": key, "params": model.count_params(), "layers": len(model.layers),
            "weights_loaded_by_topology": weights_equal,
            "max_rel_error_vs_tf32": float(np.abs(got - tf32).max()) / scale,
            "max_rel_error_vs_tf64": float(np.abs(got - tf64).max()) / scale,
            "tf32_vs_tf64": float(np.abs(tf32 - tf64).max()) / scale,
            "float64_vs_tf64": exact_error,
            "top1_equal": bool((got.reshape(len(got), -1).argmax(1) == tf32.reshape(len(tf32), -1).argmax(1)).all()),
            "load_s": round(load_seconds, 2), "predict_2_images_s": round(seconds, 2),
            "tf_predict_2_images_s": round(tf_seconds, 2)}


def _round_constants_like_tf_float64(model):
    """tf.keras's preprocessing layers keep their constants in float32 even under floatx float64 (its Rescaling
    multiplies by float32(1 / 255): 6e-8 off): round kerasish's the same way for the float64 comparison."""
    def f32(value):
        return np.asarray(value, np.float32).astype(np.float64)

    for layer in model.layers:
        if type(layer).__name__ == "Rescaling":
            layer.scale, layer.offset = float(f32(layer.scale)), float(f32(layer.offset))
        elif type(layer).__name__ == "Normalization" and getattr(layer, "_fixed_mean", None) is not None:
            layer._fixed_mean, layer._fixed_variance = f32(layer._fixed_mean), f32(layer._fixed_variance)


def _float64_error(keras, constructor, kwargs, x, tf64):
    """Where float32 rounding is amplified (tf.keras's own float32 output is off its float64 one), both
    frameworks in float64 must still agree: the largest difference of kerasish's float64 output."""
    keras.backend.set_floatx("float64")
    keras.backend.clear_session()
    try:
        model = getattr(keras.applications, constructor)(weights=None, **kwargs)
        model.set_weights([w.astype("float64") for w in reference.recipe_weights(reference.weight_specs(model))])
        _round_constants_like_tf_float64(model)
        return float(np.abs(model.predict(x.astype("float64"), verbose=0) - tf64).max())
    finally:
        keras.backend.set_floatx("float32")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ref-py", help="Python with tensorflow + tf_keras")
    parser.add_argument("--only", default=None, help="comma-separated architecture keys")
    parser.add_argument("--scratch", default="/tmp/kerasish-applications-fullsize")
    parser.add_argument("--tf-side", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.makedirs(args.scratch, exist_ok=True)
    if args.tf_side:
        return tf_side(args.tf_side, args.scratch)
    if not args.ref_py:
        sys.exit("pass --ref-py <python with tensorflow + tf_keras>")
    keys = args.only.split(",") if args.only else list(ARCHITECTURES)
    rows = []
    for key in keys:
        done = subprocess.run([args.ref_py, os.path.abspath(__file__), "--tf-side", key, "--scratch", args.scratch],
                              capture_output=True, text=True)
        if done.returncode:
            sys.exit(f"tf.keras side of {key} failed:\n{done.stderr[-3000:]}")
        row = kerasish_side(key, args.scratch)
        rows.append(row)
        print(json.dumps(row), flush=True)
        for suffix in (".h5", ".npz"):
            os.remove(os.path.join(args.scratch, key + suffix))
    stable = [r for r in rows if r["float64_vs_tf64"] is None]
    worst = max((r["max_rel_error_vs_tf64"] / max(r["tf32_vs_tf64"], 1e-7) for r in stable), default=0.0)
    worst64 = max((r["float64_vs_tf64"] for r in rows if r["float64_vs_tf64"] is not None), default=0.0)
    print(f"{len(rows)} architectures; all weights loaded by topology: "
          f"{all(r['weights_loaded_by_topology'] for r in rows)}; well-conditioned ones: kerasish float32 off "
          f"float64 at most {worst:.2f}x tf.keras float32's distance; the others, float64 against float64: "
          f"at most {worst64:.1e} relative")


if __name__ == "__main__":
    sys.exit(main())
