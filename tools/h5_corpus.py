"""A corpus of real-world Keras `.h5` files (published in public repositories), loaded in kerasish and in tf.keras.

The files are not committed: `tools/h5_corpus_manifest.json` records where each came from (repository, commit,
path), its sha256, whether it is a whole model or weights only, and the Keras version that wrote it.
Weights-only files come with a builder in `tools/h5_corpus_builders.py`: the architecture from the
repository's own script, written for `keras` (the same code builds it in kerasish and in tf.keras).

    # 1. bring the files out of local git mirrors (`<mirror root>/<owner>+<name>/repo[/.git]`, as the
    #    project's fetch tool leaves them), checking each sha256:
    python tools/h5_corpus.py fetch /work/.mirror /tmp/h5_corpus
    # 2. compare kerasish with tf.keras on every file and print the table:
    PYTHONPATH=. python tools/h5_corpus.py run /tmp/h5_corpus --tf-python /tmp/tfenv/bin/python
    # to add files: list the .h5 files of mirrored repositories with their Keras version and sha256
    python tools/h5_corpus.py scan /work/.mirror owner/name ...

`run` does, for every file: in tf.keras (its own Python) load it (`load_model`, or build + `load_weights`),
predict on seeded random inputs (integers below the vocabulary where an Embedding reads an input), record
the optimizer's iteration count and state; then in kerasish the same, comparing predictions (largest
absolute difference), the optimizer (same iteration count; every state array of one found in the other),
and a re-save round trip (kerasish saves the loaded model; kerasish and tf.keras load that file and predict
the same). Lambda layers stored as bytecode are left refused (safe mode) on both sides: no code from these
files is executed. Where tf.keras refuses a file only for a custom metric or loss named in its training config,
the reference loads it with compile=False and the predictions are still compared (not the optimizer).
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
MANIFEST = os.path.join(HERE, "h5_corpus_manifest.json")
TOLERANCE = 1e-4


def load_manifest():
    with open(MANIFEST) as f:
        return json.load(f)["files"]


def _git_dir(mirror_root, repo):
    base = os.path.join(mirror_root, repo.replace("/", "+"), "repo")
    for candidate in (os.path.join(base, ".git"), base):
        if os.path.exists(os.path.join(candidate, "HEAD")):
            return candidate
    return None


def _blob(git_dir, commit, path):
    proc = subprocess.run(["git", "--git-dir", git_dir, "show", f"{commit}:{path}"], capture_output=True)
    return proc.stdout if proc.returncode == 0 else None


# --------------------------------------------------------------------------- fetch / scan
def fetch(mirror_root, out):
    os.makedirs(out, exist_ok=True)
    missing = 0
    for entry in load_manifest():
        git_dir = _git_dir(mirror_root, entry["repo"])
        data = _blob(git_dir, entry["commit"], entry["path"]) if git_dir else None
        if data is None:
            print(f"missing: {entry['id']} ({entry['repo']} {entry['commit'][:10]} {entry['path']})")
            missing += 1
            continue
        digest = hashlib.sha256(data).hexdigest()
        if digest != entry["sha256"]:
            print(f"checksum mismatch: {entry['id']} has {digest}, the manifest says {entry['sha256']}")
            missing += 1
            continue
        with open(os.path.join(out, entry["id"] + ".h5"), "wb") as f:
            f.write(data)
    print(f"{len(load_manifest()) - missing} files in {out}, {missing} missing")
    return 1 if missing else 0


def scan(mirror_root, repos):
    import io

    import h5py

    for repo in repos:
        git_dir = _git_dir(mirror_root, repo)
        if git_dir is None:
            print(f"{repo}: no mirror")
            continue
        commit = subprocess.run(["git", "--git-dir", git_dir, "rev-parse", "HEAD"], capture_output=True,
                                text=True).stdout.strip()
        listing = subprocess.run(["git", "--git-dir", git_dir, "ls-tree", "-r", "--name-only", commit],
                                 capture_output=True, text=True).stdout.splitlines()
        for path in listing:
            if not path.lower().endswith((".h5", ".hdf5")):
                continue
            data = _blob(git_dir, commit, path) or b""
            try:
                with h5py.File(io.BytesIO(data), "r") as f:
                    kind = "model" if "model_config" in f.attrs else "weights"
                    group = f["model_weights"] if "model_weights" in f else f
                    version = group.attrs.get("keras_version", f.attrs.get("keras_version"))
                    version = version.decode() if isinstance(version, bytes) else version
            except Exception as e:  # noqa: BLE001  (not HDF5: LFS pointer, empty file)
                kind, version = f"unreadable ({type(e).__name__})", None
            print(json.dumps({"repo": repo, "commit": commit, "path": path, "sha256": hashlib.sha256(data).hexdigest(),
                              "kind": kind, "keras_version": version or "1 (none stored)", "bytes": len(data)}))


# --------------------------------------------------------------------------- shared helpers
def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _short_error(e):
    text = f"{type(e).__name__}: {e}".replace("\n", " ")
    return text[:400]


def _has_bytecode(path):
    import h5py

    with h5py.File(path, "r") as f:
        config = f.attrs.get("model_config")
    config = config.decode() if isinstance(config, bytes) else config or ""
    return '"function_type": "lambda"' in config or '"output_shape_type": "lambda"' in config


def _custom_objects(keras, entry):
    """The custom layers a manifest entry names ("custom_objects"), written for this Keras in h5_corpus_builders."""
    if "custom_objects" not in entry:
        return None
    sys.path.insert(0, HERE)
    from h5_corpus_builders import CUSTOM_OBJECTS

    return CUSTOM_OBJECTS[entry["custom_objects"]](keras)


def _load(keras, entry, path, reference=False):
    """(model, how) in the given Keras: load_model for whole models, the builder + load_weights where the
    manifest names a builder (weights-only files, and Keras 1 model files whose configs Keras 2 cannot read)."""
    if "builder" not in entry:
        if reference and _has_bytecode(path):  # tf.keras's h5 loader would run it: refuse as kerasish does
            raise ValueError("not loaded: a Lambda layer stored as Python bytecode (running it would execute "
                             "code from the file)")
        return keras.models.load_model(path, custom_objects=_custom_objects(keras, entry)), "load_model"
    sys.path.insert(0, HERE)
    from h5_corpus_builders import BUILDERS

    model = BUILDERS[entry["builder"]](keras)
    model.load_weights(path)
    return model, "load_weights"


def _optimizer_state(model):
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not getattr(model, "_is_compiled", getattr(model, "compiled_loss", None) is not None):
        return None, []
    variables = optimizer.variables
    variables = variables() if callable(variables) else variables  # tf.keras's legacy optimizers: a method
    return int(np.asarray(optimizer.iterations.numpy())), [np.asarray(v.numpy()) for v in variables]


# --------------------------------------------------------------------------- tf.keras side
def _sample_inputs(keras, model, rng):
    vocabulary = {}
    for layer in model.layers:
        if isinstance(layer, keras.layers.Embedding):
            for t in _as_list(layer.input):
                vocabulary[id(t)] = min(vocabulary.get(id(t), layer.input_dim), layer.input_dim)
    arrays = []
    for t in model.inputs:
        shape = (4,) + tuple(10 if d is None else int(d) for d in t.shape[1:])
        if id(t) in vocabulary:
            arrays.append(rng.integers(0, vocabulary[id(t)], size=shape).astype("int32"))
        else:
            arrays.append(rng.normal(size=shape).astype("float32"))
    return arrays


def _is_unknown_training_object(e):
    return any(f"Unknown {kind}" in str(e) for kind in ("metric", "loss"))


def _is_keras3(entry):
    return str(entry["keras_version"]).startswith("3")


def reference(folder, flavour="tf_keras", resaved_only=False):
    """Runs in the reference Python: predictions and optimizer state of every file, into <folder>/reference/
    (`flavour` "tf_keras" for Keras 1 and 2 files, "keras3" for files Keras 3 wrote; with `resaved_only`: the
    files kerasish saved again, in tf.keras, into the same report)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import warnings

    if flavour == "keras3":
        import keras
    else:
        import tf_keras as keras

    warnings.simplefilter("ignore")
    out = os.path.join(folder, "reference")
    os.makedirs(out, exist_ok=True)
    report_path = os.path.join(out, f"report_{flavour}.json")
    if resaved_only:
        report = {}
        _reference_resaved(keras, folder, report)
        with open(os.path.join(out, "report_resaved.json"), "w") as f:
            json.dump(report, f, indent=1)
        return
    report = {"version": keras.__version__}
    for entry in load_manifest():
        if _is_keras3(entry) != (flavour == "keras3"):
            continue
        path = os.path.join(folder, entry["id"] + ".h5")
        info = {}
        report[entry["id"]] = info
        try:
            model, _ = _load(keras, entry, path, reference=True)
        except Exception as e:  # noqa: BLE001  (the table records it)
            info["error"] = _short_error(e)
            if "builder" in entry or not _is_unknown_training_object(e):
                continue
            # a custom metric or loss only the training config names: the model itself still compares
            model = keras.models.load_model(path, custom_objects=_custom_objects(keras, entry), compile=False)
            info["uncompiled"] = info.pop("error")
        rng = np.random.default_rng(16)
        xs = _sample_inputs(keras, model, rng)
        try:
            preds = _reference_predict(model, xs)
        except Exception as e:  # noqa: BLE001  (the table records it)
            info.pop("uncompiled", None)
            info["error"] = "predict: " + _short_error(e)
            continue
        iterations, state = _optimizer_state(model)
        info.update({"iterations": iterations, "n_state": len(state), "optimizer":
                     type(model.optimizer).__name__ if iterations is not None else None})
        np.savez(os.path.join(out, entry["id"] + ".npz"), **{f"x{i}": x for i, x in enumerate(xs)},
                 **{f"pred{i}": p for i, p in enumerate(preds)}, **{f"state{i}": s for i, s in enumerate(state)})
    with open(report_path, "w") as f:
        json.dump(report, f, indent=1)


def _reference_predict(model, xs):
    try:
        return _as_list(model.predict(xs if len(xs) > 1 else xs[0], verbose=0))
    except Exception as e:  # noqa: BLE001
        if "invalid characters" not in str(e):
            raise
    # TensorFlow takes the model's name into its graph node names and refuses some ("v0.2.0>x>"); the name
    # changes no number
    model._name, model.predict_function = "renamed_model", None
    return _as_list(model.predict(xs if len(xs) > 1 else xs[0], verbose=0))


def _reference_resaved(keras, folder, report):
    resaved = os.path.join(folder, "resaved")
    entries = {entry["id"]: entry for entry in load_manifest()}
    for name in sorted(os.listdir(resaved)):
        key = name[:-3]
        try:
            model = keras.models.load_model(os.path.join(resaved, name), compile=False,
                                            custom_objects=_custom_objects(keras, entries.get(key, {})))
            with np.load(os.path.join(folder, "reference", key + ".npz")) as data:
                xs, preds = _numbered(data, "x"), _numbered(data, "pred")
            report[key] = {"resaved_diff": _scaled_diff(_reference_predict(model, xs), preds)}
        except Exception as e:  # noqa: BLE001  (the table records it)
            report[key] = {"resaved_error": _short_error(e)}


def _reports(folder):
    """The tf.keras and Keras 3 reports merged: {file id: info, "_versions": {flavour: version}}."""
    merged = {"_versions": {}}
    for flavour in ("tf_keras", "keras3"):
        path = os.path.join(folder, "reference", f"report_{flavour}.json")
        if os.path.exists(path):
            with open(path) as f:
                report = json.load(f)
            merged["_versions"][flavour] = report.pop("version")
            merged.update(report)
    path = os.path.join(folder, "reference", "report_resaved.json")
    if os.path.exists(path):
        with open(path) as f:
            for key, info in json.load(f).items():
                merged.setdefault(key, {}).update(info)
    return merged


def _scaled_diff(ours, theirs):
    """Largest |a - b| over all outputs, relative to the output's scale (at least 1): float32 rounding of a
    regression output of 1e5 is ~1e-2 absolute."""
    return max(float(np.max(np.abs(a - b)) / max(1.0, float(np.max(np.abs(b))))) for a, b in zip(ours, theirs))


def _numbered(data, prefix):
    out = []
    while f"{prefix}{len(out)}" in data:
        out.append(np.asarray(data[f"{prefix}{len(out)}"]))
    return out


# --------------------------------------------------------------------------- kerasish side
def _state_match(ours, theirs):
    """How many of our state arrays have an equal (allclose) array of the same shape in theirs."""
    unused = list(range(len(theirs)))
    matched = 0
    for a in ours:
        for j in unused:
            b = theirs[j]
            if a.shape == b.shape and np.allclose(a.astype("float64"), b.astype("float64"), rtol=1e-6, atol=1e-7):
                unused.remove(j)
                matched += 1
                break
    return matched


def compare(folder):
    import warnings

    # one BLAS thread count throughout: OpenBLAS rounds differently at different counts (kerasish's tuner
    # changes it between calls), and the re-save check asks for the very same numbers
    os.environ.setdefault("KERASISH_THREADS", "1")
    import kerasish as keras

    warnings.simplefilter("ignore")
    report = _reports(folder)
    resaved = os.path.join(folder, "resaved")
    os.makedirs(resaved, exist_ok=True)
    rows = []
    for entry in load_manifest():
        ref = report.get(entry["id"], {})
        row = {"entry": entry, "tf": "error" if "error" in ref else "loads", "tf_error": ref.get("error")}
        rows.append(row)
        path = os.path.join(folder, entry["id"] + ".h5")
        try:
            model, how = _load(keras, entry, path)
        except Exception as e:  # noqa: BLE001
            row["ks"], row["ks_error"] = "error", _short_error(e)
            continue
        row["ks"] = "loads"
        if "error" in ref:
            continue
        with np.load(os.path.join(folder, "reference", entry["id"] + ".npz")) as data:
            xs, preds, state = _numbered(data, "x"), _numbered(data, "pred"), _numbered(data, "state")
        ours = _as_list(model.predict(xs if len(xs) > 1 else xs[0], verbose=0))
        row["diff"] = _scaled_diff(ours, preds)
        iterations, our_state = _optimizer_state(model)
        if "uncompiled" not in ref and (ref.get("iterations") is not None or iterations is not None):
            # every array of the reference's state found in ours (Keras 3 keeps its learning rate as a scalar
            # variable, which kerasish takes from the config)
            theirs = [a for i, a in enumerate(state) if i == 0 or np.ndim(a)]
            matched = _state_match(theirs, our_state)
            row["optimizer"] = (f"{ref.get('optimizer')} it {ref.get('iterations')}/{iterations}, "
                                f"{matched}/{len(theirs)} arrays")
            row["optimizer_ok"] = ref.get("iterations") == iterations and matched == len(theirs)
            if not row["optimizer_ok"] and ref.get("iterations") == 0 and iterations and \
                    not any(np.any(s) for s in state[1:] if np.ndim(s)):
                row["optimizer_ok"] = True  # tf.keras started afresh where kerasish restored the saved state
                row["optimizer"] += " (tf.keras: fresh; kerasish: restored)"
        try:
            again_path = os.path.join(resaved, entry["id"] + ".h5")
            model.save(again_path)
            # a builder's Lambda is this script's own code, written by this Python: safe to load back
            again = keras.models.load_model(again_path, compile=False, safe_mode="builder" not in entry,
                                            custom_objects=_custom_objects(keras, entry))
            got = _as_list(again.predict(xs if len(xs) > 1 else xs[0], verbose=0))
            row["resave_ks"] = max(float(np.max(np.abs(a - b))) for a, b in zip(got, ours))
        except Exception as e:  # noqa: BLE001
            row["resave_error"] = _short_error(e)
    with open(os.path.join(folder, "rows.json"), "w") as f:
        json.dump(rows, f, indent=1)


def table(folder):
    with open(os.path.join(folder, "rows.json")) as f:
        rows = json.load(f)
    report = _reports(folder)
    print(f"reference: tf_keras {report['_versions'].get('tf_keras')} (Keras 1 and 2 files), keras "
          f"{report['_versions'].get('keras3')} (files Keras 3 wrote)\n")
    print("| # | file (repository: path) | Keras | kind | reference | kerasish | max diff | optimizer "
          "(reference it/kerasish it, reference arrays found) | re-save: ks / tf |")
    print("|---|---|---|---|---|---|---|---|---|")
    problems = 0
    for i, row in enumerate(rows, 1):
        e = row["entry"]
        ref = report.get(e["id"], {})
        diff = row.get("diff")
        resave = "-"
        if "resave_ks" in row or "resave_error" in row:
            tf_part = (f"{ref['resaved_diff']:.1e}" if "resaved_diff" in ref else
                       "error" if "resaved_error" in ref else "?")
            ks_part = f"{row['resave_ks']:.1e}" if "resave_ks" in row else "error"
            resave = f"{ks_part} / {tf_part}"
        ok = (row["tf"] == "error" or (row["ks"] == "loads" and diff is not None and diff <= TOLERANCE and
                                       row.get("optimizer_ok", True) and row.get("resave_ks") == 0 and
                                       ref.get("resaved_diff", 1.0) <= TOLERANCE))
        problems += not ok
        ks = row["ks"] if row["ks"] == "loads" else f"error: {row.get('ks_error', '')[:90]}"
        tf = row["tf"] if row["tf"] == "loads" else f"error: {(row.get('tf_error') or '')[:90]}"
        if "uncompiled" in ref:
            tf = f"loads with compile=False ({ref['uncompiled'][:90]})"
        print(f"| {i}{'' if ok else ' **!**'} | {e['repo']}: {e['path']} | {e['keras_version']} | {e['kind']} | {tf} | "
              f"{ks} | {'-' if diff is None else f'{diff:.1e}'} | {row.get('optimizer', '-')} | {resave} |")
    print(f"\n{len(rows)} files; {problems} where a file tf.keras loads does not load in kerasish with the same "
          "predictions, optimizer state and re-save round trip.")
    return 1 if problems else 0


def run(folder, tf_python):
    here = os.path.abspath(__file__)
    for flavour in ("tf_keras", "keras3"):
        subprocess.run([tf_python, here, "_reference", folder, "--flavour", flavour], check=True)
    compare(folder)
    subprocess.run([tf_python, here, "_reference", folder, "--flavour", "tf_keras", "--resaved"], check=True)
    return table(folder)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("fetch", help="copy the manifest's files out of local git mirrors")
    p.add_argument("mirror_root")
    p.add_argument("out")
    p = sub.add_parser("run", help="compare kerasish with tf.keras on the fetched files")
    p.add_argument("folder")
    p.add_argument("--tf-python", default="/tmp/tfenv/bin/python")
    p = sub.add_parser("scan", help="list the .h5 files of mirrored repositories")
    p.add_argument("mirror_root")
    p.add_argument("repos", nargs="+")
    p = sub.add_parser("_reference")  # internal: the tf.keras half
    p.add_argument("folder")
    p.add_argument("--flavour", default="tf_keras", choices=("tf_keras", "keras3"))
    p.add_argument("--resaved", action="store_true")
    args = parser.parse_args()
    if args.command == "fetch":
        return fetch(args.mirror_root, args.out)
    if args.command == "scan":
        return scan(args.mirror_root, args.repos)
    if args.command == "_reference":
        return reference(args.folder, args.flavour, args.resaved)
    return run(args.folder, args.tf_python)


if __name__ == "__main__":
    sys.exit(main())
