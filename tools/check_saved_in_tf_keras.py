"""Load `.h5` files that kerasish saved in real tf.keras (tf_keras 2.x) and compare.

The random models of tests/random_models.py (the saving property test's) are built and saved by kerasish;
then tf_keras, in its own Python, loads each file and checks what a user would notice:

- the model loads (compiled when it was saved compiled);
- its predictions equal kerasish's (largest absolute difference reported);
- the optimizer: class, iteration count and every state array (tf_keras's variables in file order);
- one more `train_on_batch` on the same batch moves both the same way (trained models without Dropout,
  whose masks differ between the frameworks); where the difference has a known cause outside saving
  (tf_keras's Nadam; rounding noise scaled up by an adaptive optimizer) it is reported as a note.

Run:

    python tools/check_saved_in_tf_keras.py --seeds 0:200 --tf-python /tmp/tfenv/bin/python [--keep DIR]

(the first Python needs kerasish importable, e.g. PYTHONPATH=.; `--tf-python` has tensorflow + tf_keras).
Prints one line per failing model and a summary; exits 1 if any model fails.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
PRED_TOL = 1e-4  # float32 kernels of two frameworks
STATE_TOL = 1e-6


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


# --------------------------------------------------------------------------- kerasish side
def save_cases(seeds, folder):
    sys.path.insert(0, os.path.join(HERE, "..", "tests"))
    import kerasish as keras
    from random_models import random_case

    index = []
    for seed in seeds:
        case = random_case(keras, seed)
        model = case.model
        path = os.path.join(folder, f"model_{seed}.h5")
        model.save(path)
        arrays = {f"x{i}": x for i, x in enumerate(_as_list(case.x))}
        arrays.update({f"pred{i}": p for i, p in enumerate(_as_list(model.predict(case.x, verbose=0)))})
        info = {"seed": seed, "description": case.description, "compiled": case.y is not None,
                "dropout": any(type(layer).__name__ == "Dropout" for layer in model._flatten_layers()),
                "batchnorm": any(type(layer).__name__ == "BatchNormalization" for layer in model._flatten_layers()),
                "trained": case.y is not None and int(model.optimizer.iterations.array) > 0}
        if case.y is not None:
            arrays.update({f"y{i}": y for i, y in enumerate(_as_list(case.y))})
            arrays.update({f"state{i}": s for i, s in enumerate(model.optimizer.get_weights())})
            info["optimizer"] = type(model.optimizer).__name__
            info["iterations"] = int(model.optimizer.iterations.array)
            again = keras.models.load_model(path)
            again.train_on_batch(case.x, case.y)
            arrays.update({f"after{i}": p for i, p in enumerate(_as_list(again.predict(case.x, verbose=0)))})
        np.savez(os.path.join(folder, f"model_{seed}.npz"), **arrays)
        index.append(info)
    with open(os.path.join(folder, "index.json"), "w") as f:
        json.dump(index, f)


def _numbered(data, prefix):
    out = []
    while f"{prefix}{len(out)}" in data:
        out.append(data[f"{prefix}{len(out)}"])
    return out


# --------------------------------------------------------------------------- tf_keras side
def check_in_tf_keras(folder):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tf_keras as keras

    with open(os.path.join(folder, "index.json")) as f:
        index = json.load(f)
    results = []
    for info in index:
        seed = info["seed"]
        result = {"seed": seed, "description": info["description"], "problems": [], "notes": []}
        results.append(result)
        with np.load(os.path.join(folder, f"model_{seed}.npz")) as data:
            data = dict(data)
        xs = _numbered(data, "x")
        x = xs if len(xs) > 1 else xs[0]
        try:
            model = keras.models.load_model(os.path.join(folder, f"model_{seed}.h5"))
        except Exception as e:  # noqa: BLE001  (a report, not a crash)
            result["problems"].append(f"tf_keras cannot load it: {type(e).__name__}: {str(e)[:300]}")
            continue
        preds = _as_list(model.predict(x, verbose=0))
        diff = max(float(np.max(np.abs(p - q))) for p, q in zip(preds, _numbered(data, "pred")))
        result["prediction_diff"] = diff
        if diff > PRED_TOL:
            result["problems"].append(f"predictions differ by {diff:.2e}")
        if not info["compiled"]:
            if model.optimizer is not None:
                result["problems"].append("tf_keras compiled a model saved uncompiled")
            continue
        if model.optimizer is None:
            result["problems"].append("tf_keras did not compile it")
            continue
        name = type(model.optimizer).__name__
        if name != info["optimizer"]:
            result["problems"].append(f"optimizer {name}, kerasish saved {info['optimizer']}")
        if int(model.optimizer.iterations.numpy()) != info["iterations"]:
            result["problems"].append(f"iterations {int(model.optimizer.iterations.numpy())}, kerasish "
                                      f"{info['iterations']}")
        state = _numbered(data, "state")
        if len(state) > 1:
            tf_state = [np.asarray(v.numpy()) for v in model.optimizer.variables]
            if len(tf_state) != len(state):
                result["problems"].append(f"{len(tf_state)} optimizer variables, kerasish saved {len(state)}")
            else:
                worst = max(float(np.max(np.abs(a.astype("float64") - b.astype("float64")))) if a.size else 0.0
                            for a, b in zip(tf_state, state))
                result["state_diff"] = worst
                if worst > STATE_TOL:
                    result["problems"].append(f"optimizer state differs by {worst:.2e}")
        if info["trained"] and not info["dropout"]:
            ys = _numbered(data, "y")
            model.train_on_batch(x, ys if len(ys) > 1 else ys[0])
            after = _as_list(model.predict(x, verbose=0))
            step_diff = max(float(np.max(np.abs(p - q))) for p, q in zip(after, _numbered(data, "after")))
            result["step_diff"] = step_diff
            if step_diff > 1e-3:
                message = f"after one more training step, predictions differ by {step_diff:.2e}"
                if name == "Nadam":
                    result["notes"].append(f"{message} (tf_keras's Nadam under tf.function multiplies its "
                                           "schedule product once per variable, and restarts it at 1.0 on load)")
                elif info["batchnorm"]:
                    result["notes"].append(f"{message} (a bias before BatchNormalization has a gradient of "
                                           "rounding noise, which adaptive optimizers scale up)")
                else:
                    result["problems"].append(message)
    with open(os.path.join(folder, "results.json"), "w") as f:
        json.dump(results, f)


# --------------------------------------------------------------------------- driver
def _seeds(text):
    lo, _, hi = text.partition(":")
    return range(int(lo), int(hi)) if hi else [int(lo)]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", default="0:200", help="range lo:hi of random_models seeds")
    parser.add_argument("--tf-python", default="/tmp/tfenv/bin/python", help="a Python with tensorflow + tf_keras")
    parser.add_argument("--keep", help="folder to keep the files in (default: a temporary folder)")
    parser.add_argument("--tf-side", help=argparse.SUPPRESS)  # internal: run the tf_keras half on this folder
    args = parser.parse_args()
    if args.tf_side:
        check_in_tf_keras(args.tf_side)
        return 0
    folder = args.keep or tempfile.mkdtemp(prefix="kerasish_in_tf_keras_")
    os.makedirs(folder, exist_ok=True)
    save_cases(_seeds(args.seeds), folder)
    subprocess.run([args.tf_python, os.path.abspath(__file__), "--tf-side", folder], check=True)
    with open(os.path.join(folder, "results.json")) as f:
        results = json.load(f)
    failed = [r for r in results if r["problems"]]
    for r in failed:
        print(f"FAIL {r['description']}: {'; '.join(r['problems'])}")
    for r in results:
        if r["notes"] and not r["problems"]:
            print(f"note {r['description']}: {'; '.join(r['notes'])}")
    def worst(key):
        values = [r[key] for r in results if key in r]
        return f"{max(values):.2e} over {len(values)}" if values else "n/a"

    print(f"{len(results) - len(failed)}/{len(results)} kerasish-saved models load in tf_keras with the same "
          f"predictions and optimizer state. Largest differences: predictions {worst('prediction_diff')}, "
          f"optimizer state {worst('state_diff')}, after one more step {worst('step_diff')}. Files: {folder}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
