#!/usr/bin/env python
"""Applications workload: kerasish against tf.keras on the ImageNet architectures, in one interleaved run.

For each model (random weights, 224x224x3 inputs): the latency of one image (`model(x)` and `model.predict(x)`),
the throughput of `predict` on a batch, and fine-tuning steps (`train_on_batch`, all layers trainable, SGD,
sparse crossentropy on a 10-class top). Every trial runs in a fresh process; implementations alternate within
each round, so a busy machine slows both alike. The table gives the median and the spread (min-max) over rounds.

    python bench/applications.py --ref-py /tmp/tfenv/bin/python                   # kerasish and tf.keras
    python bench/applications.py --models MobileNetV2 --rounds 2                   # kerasish only
    python bench/applications.py --ref-py /tmp/tfenv/bin/python --blas1           # + kerasish, BLAS on 1 thread
    python bench/applications.py --worker kerasish --models ResNet50             # one trial, JSON lines

Results (markdown table and raw JSON lines) go to bench/results/applications.md and applications.jsonl.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MODELS = "ResNet50,MobileNetV2,EfficientNetB0"
METRICS = [("call_b1_ms", "model(x), 1 image (ms)", "lower"),
           ("predict_b1_ms", "predict, 1 image (ms)", "lower"),
           ("predict_images_per_s", "predict, batch (images/s)", "higher"),
           ("train_step_s", "train_on_batch step (s)", "lower")]


def _import_keras(impl):
    if impl == "tf_keras":
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        import tf_keras as keras
    else:
        sys.path.insert(0, ROOT)
        import kerasish as keras
    return keras


def _median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run_worker(impl, models, batch, train_batch, train_steps, repeats):
    """One trial of every model with one implementation; prints one JSON line per measurement."""
    import numpy as np

    keras = _import_keras(impl)
    rng = np.random.default_rng(0)
    image = rng.uniform(-1, 1, (1, 224, 224, 3)).astype("float32")
    images = rng.uniform(-1, 1, (batch, 224, 224, 3)).astype("float32")
    train_x = rng.uniform(-1, 1, (train_batch, 224, 224, 3)).astype("float32")
    train_y = rng.integers(0, 10, train_batch).astype("int32")
    for name in models:
        keras.backend.clear_session()
        model = getattr(keras.applications, name)(weights=None)
        model(image)  # warm-up (tf.function tracing, kerasish buffers)
        results = {"call_b1_ms": 1000 * _median_time(lambda: model(image), repeats)}
        model.predict(image, verbose=0)
        results["predict_b1_ms"] = 1000 * _median_time(lambda: model.predict(image, verbose=0), repeats)
        model.predict(images, batch_size=batch, verbose=0)
        seconds = _median_time(lambda: model.predict(images, batch_size=batch, verbose=0), 2)
        results["predict_images_per_s"] = batch / seconds
        keras.backend.clear_session()
        tuned = getattr(keras.applications, name)(weights=None, classes=10)
        tuned.compile(optimizer=keras.optimizers.SGD(learning_rate=1e-3), loss="sparse_categorical_crossentropy")
        tuned.train_on_batch(train_x, train_y)  # warm-up
        results["train_step_s"] = _median_time(lambda: tuned.train_on_batch(train_x, train_y), train_steps)
        for metric, value in results.items():
            print(json.dumps({"impl": impl, "model": name, "metric": metric, "value": value,
                              "loadavg": os.getloadavg()[0]}), flush=True)


def _table(rows, impls, models):
    """Medians with their spread, and each kerasish variant's speed relative to tf.keras (>1: faster)."""
    ours = [i for i in impls if i != "tf_keras"] if "tf_keras" in impls else []
    lines = ["| model | measure | " + " | ".join(f"{i} median (min-max)" for i in impls) + " | "
             + " | ".join(f"{i} vs tf_keras" for i in ours) + (" |" if ours else ""),
             "|---|---|" + "---|" * (len(impls) + len(ours))]
    for model in models:
        for metric, label, better in METRICS:
            cells, medians = [], {}
            for impl in impls:
                values = [r["value"] for r in rows if (r["impl"], r["model"], r["metric"]) == (impl, model, metric)]
                if not values:
                    cells.append("-")
                    continue
                medians[impl] = statistics.median(values)
                cells.append(f"{medians[impl]:.4g} ({min(values):.4g}-{max(values):.4g})")
            for impl in ours:
                if impl in medians and "tf_keras" in medians:
                    mine, ref = medians[impl], medians["tf_keras"]
                    cells.append(f"{(ref / mine if better == 'lower' else mine / ref):.2f}x")
                else:
                    cells.append("-")
            lines.append(f"| {model} | {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ref-py", default=None, help="Python with tensorflow + tf_keras, to add tf.keras")
    parser.add_argument("--models", default=MODELS)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=32, help="predict batch")
    parser.add_argument("--train-batch", type=int, default=8)
    parser.add_argument("--train-steps", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=10, help="timed calls per single-image measure")
    parser.add_argument("--blas1", action="store_true",
                        help="add kerasish with OpenBLAS held at one thread (OPENBLAS_NUM_THREADS=1)")
    parser.add_argument("--worker", choices=["kerasish", "tf_keras"], help=argparse.SUPPRESS)
    parser.add_argument("--out", default=os.path.join(HERE, "results"))
    args = parser.parse_args()
    models = args.models.split(",")
    if args.worker:
        return run_worker(args.worker, models, args.batch, args.train_batch, args.train_steps, args.repeats)
    impls = ["kerasish"] + (["tf_keras"] if args.ref_py else []) + (["kerasish-blas1"] if args.blas1 else [])
    rows = []
    for round_index in range(args.rounds):
        for impl in impls:
            python = args.ref_py if impl == "tf_keras" else sys.executable
            env = dict(os.environ, OPENBLAS_NUM_THREADS="1") if impl == "kerasish-blas1" else None
            cmd = [python, os.path.abspath(__file__), "--worker", impl.split("-")[0], "--models", args.models,
                   "--batch", str(args.batch), "--train-batch", str(args.train_batch), "--train-steps",
                   str(args.train_steps), "--repeats", str(args.repeats)]
            print(f"round {round_index + 1}/{args.rounds}: {impl}", flush=True)
            out = subprocess.run(cmd, capture_output=True, text=True, env=env)
            if out.returncode:
                sys.exit(f"{impl} failed:\n{out.stderr[-3000:]}")
            rows += [dict(json.loads(line), impl=impl) for line in out.stdout.splitlines() if line.startswith("{")]
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "applications.jsonl"), "w") as f:
        f.writelines(json.dumps(r) + "\n" for r in rows)
    loads = [r["loadavg"] for r in rows]
    report = (f"{_table(rows, impls, models)}\n\n{args.rounds} rounds; predict batch {args.batch}, train batch "
              f"{args.train_batch}; 1-minute load average during the run {min(loads):.1f}-{max(loads):.1f} "
              f"on {os.cpu_count()} CPUs\n")
    with open(os.path.join(args.out, "applications.md"), "w") as f:
        f.write(report)
    print(report)


if __name__ == "__main__":
    sys.exit(main())
