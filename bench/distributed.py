#!/usr/bin/env python
"""Data-parallel scaling of the shared benchmark's workloads: 1 process against N MPI processes.

    python bench/distributed.py                      # mlp and cnn (cnn once Conv2D exists), 1 and 2 processes
    python bench/distributed.py --workloads mlp --procs 1,2,4 --epochs 3

For each workload (builders and data from ../shared/bench/workloads.py) it launches
`mpiexec -n P python -m mpi4py bench/distributed.py --worker ...` for these configurations:

    procs x BLAS threads    global batch         what it shows
    1 x all cores           workload's batch     the usual single-process run (the baseline)
    1 x 1                   workload's batch     one core's throughput
    P x cores/P             workload's batch     strong scaling: the same training, each rank a 1/P slice
    P x cores/P             P x workload batch   weak scaling: each rank a full batch
    P x default             P x workload batch   the same with no thread variables set: kerasish's default

Each worker trains one warm-up epoch, then times every step of `--epochs` epochs of `fit` with
`DistributedOptimizer` over `DistributedSequence`. Columns: samples/s over all ranks (global batch /
median step time, the slowest rank's), speed-up against the baseline, the median step time, and the
median all-reduce time per step, both as seen inside training (including waiting for the slower
rank) and alone (the same buffer all-reduced 50 times between barriers). Configurations are run in
interleaved rounds and the best round counts; "other load" is how many cores other processes kept
busy meanwhile (a shared machine makes some rounds meaningless).
Requires the mpi extra (`pip install -e '.[mpi]'`).
"""
import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


# --------------------------------------------------------------------------- worker (runs under mpiexec)
def worker(args):
    sys.path.insert(0, os.path.abspath(args.shared))
    sys.path.insert(0, ROOT)
    import numpy as np
    import workloads

    import kerasish as keras
    from kerasish import distribute as hvd

    hvd.init()
    comm = hvd.communicator()
    from kerasish.backend.ops import parallel
    blas_threads = parallel._CONTROLS[0]() if parallel._CONTROLS is not None else args.threads
    keras.utils.set_random_seed(workloads.SEED)
    x, y = workloads.make_data(args.workload)
    model = workloads.build(keras, args.workload)
    optimizer = hvd.DistributedOptimizer(model.optimizer)  # the workload compiled the model; wrap its optimizer
    model.optimizer = optimizer
    per_rank = args.per_rank_batch
    seq = hvd.DistributedSequence(x, y, batch_size=per_rank, seed=workloads.SEED, drop_remainder=True)
    callbacks = [hvd.BroadcastGlobalVariablesCallback(0)]
    model.fit(seq, epochs=1, shuffle=False, verbose=0, callbacks=callbacks)  # warm-up
    stats = optimizer.allreduce_stats
    step_times, comm_times = [], []

    class StepTimer(keras.callbacks.Callback):
        """Per-step wall time and all-reduce time: medians shrug off bursts of load from other processes."""

        def on_epoch_begin(self, epoch, logs=None):
            self.last = None

        def on_train_batch_end(self, batch, logs=None):
            # end to end: one step is everything between two batch ends (data, forward, backward, all-reduce)
            now, seconds = time.perf_counter(), stats["allreduce_seconds"]
            if self.last is not None:
                step_times.append(now - self.last[0])
                comm_times.append(seconds - self.last[1])
            self.last = (now, seconds)

    calls0 = stats["allreduce_calls"]
    hvd.barrier()
    start = time.perf_counter()
    history = model.fit(seq, epochs=args.epochs, shuffle=False, verbose=0, callbacks=[StepTimer()])
    hvd.barrier()
    elapsed = time.perf_counter() - start
    step = float(hvd.allreduce(float(np.median(step_times)), op=hvd.Max))
    in_step = float(hvd.allreduce(float(np.median(comm_times)), op=hvd.Average))
    size = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    buffer = np.ones(size, dtype="float32")
    alone = []
    for _ in range(50):
        hvd.barrier()
        t0 = time.perf_counter()
        comm.allreduce_(buffer, hvd.Sum)
        alone.append(time.perf_counter() - t0)
    alone = float(hvd.allreduce(float(np.median(alone)), op=hvd.Max))
    if hvd.is_root():
        samples = len(seq) * seq.global_batch_size * args.epochs
        print("RESULT " + json.dumps({
            "workload": args.workload, "procs": comm.size, "threads": blas_threads,
            "threads_set": args.threads > 0, "per_rank_batch": per_rank,
            "global_batch": seq.global_batch_size, "samples_per_s": seq.global_batch_size / step,
            "epoch_samples_per_s": samples / elapsed, "step_ms": 1e3 * step, "allreduce_in_step_ms": 1e3 * in_step,
            "allreduce_alone_ms": 1e3 * alone if comm.size > 1 else 0.0, "gradient_mb": size * 4 / 2**20,
            "final_loss": float(history.history["loss"][-1]), "allreduce_calls": stats["allreduce_calls"] - calls0,
        }), flush=True)


# --------------------------------------------------------------------------- driver
def _mpiexec():
    exe = shutil.which("mpiexec", path=os.path.dirname(sys.executable)) or shutil.which("mpiexec")
    if exe is None:
        sys.exit("bench/distributed.py: no mpiexec found; install the extra: pip install -e '.[mpi]'")
    version = subprocess.run([exe, "--version"], capture_output=True, text=True).stdout
    return [exe] + (["--allow-run-as-root", "--oversubscribe"] if "Open MPI" in version else [])


def _busy_seconds():
    """Machine-wide non-idle CPU seconds so far (Linux /proc/stat), or None."""
    try:
        with open("/proc/stat") as f:
            ticks = [int(v) for v in f.readline().split()[1:9]]
        return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, AttributeError):
        return None


def _children_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_config(args, workload, procs, threads, per_rank_batch):
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "KERASISH_THREADS"):
        env.pop(var, None)
        if threads:  # 0: kerasish's default (distribute.init gives each rank its share of the cores)
            env[var] = str(threads)
    env["PYTHONPATH"] = ROOT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    command = _mpiexec() + ["-n", str(procs), sys.executable, "-m", "mpi4py", os.path.abspath(__file__), "--worker",
                            "--workload", workload, "--threads", str(threads), "--per-rank-batch",
                            str(per_rank_batch), "--epochs", str(args.epochs), "--shared", args.shared]
    busy0, own0, wall0 = _busy_seconds(), _children_cpu_seconds(), time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, env=env, timeout=args.timeout)
    busy1, own1, wall1 = _busy_seconds(), _children_cpu_seconds(), time.perf_counter()
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            result = json.loads(line[len("RESULT "):])
            # cores other processes kept busy meanwhile: a loaded machine explains a bad number
            result["foreign_cores"] = (None if busy0 is None or busy1 is None else
                                       max(0.0, (busy1 - busy0 - (own1 - own0)) / (wall1 - wall0)))
            return result
    sys.exit(f"bench/distributed.py: {' '.join(command)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workloads", default="mlp,cnn")
    ap.add_argument("--procs", default="1,2", help="process counts to compare (comma separated)")
    ap.add_argument("--epochs", type=int, default=2, help="timed epochs per configuration")
    ap.add_argument("--rounds", type=int, default=2, help="repeat every configuration; the best round counts")
    ap.add_argument("--shared", default=os.path.join(ROOT, "..", "shared", "bench"),
                    help="folder of the shared benchmark (workloads.py)")
    ap.add_argument("--timeout", type=int, default=900)
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--workload", help=argparse.SUPPRESS)
    ap.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    ap.add_argument("--per-rank-batch", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        return worker(args)

    sys.path.insert(0, os.path.abspath(args.shared))
    sys.path.insert(0, ROOT)
    try:
        import workloads
    except ImportError:
        sys.exit(f"bench/distributed.py: cannot import workloads.py from {args.shared}; pass --shared")
    import kerasish as keras

    cores = os.cpu_count() or 1
    procs_list = [int(p) for p in args.procs.split(",")]
    plan = []
    for workload in args.workloads.split(","):
        if workload == "cnn" and not (hasattr(keras.layers, "Conv2D") and hasattr(keras.layers, "MaxPooling2D")):
            print("cnn: skipped (kerasish has no Conv2D/MaxPooling2D yet)", flush=True)
            continue
        batch = workloads.CONFIGS[workload]["batch"]
        plan += [(workload, 1, cores, batch, "baseline"), (workload, 1, 1, batch, "1 core")]
        for p in procs_list:
            if p > 1:
                plan += [(workload, p, max(1, cores // p), batch // p, "strong"),
                         (workload, p, max(1, cores // p), batch, "weak"),
                         (workload, p, 0, batch, "weak, default threads")]
    # Rounds are interleaved (every configuration once per round), so that load from other processes
    # hits all configurations alike; the best (quietest) round of each configuration counts.
    best = {}
    for _ in range(args.rounds):
        for key in plan:
            workload, procs, threads, per_rank, kind = key
            result = run_config(args, workload, procs, threads, per_rank)
            result["kind"] = kind
            print(json.dumps(result), flush=True)
            if key not in best or result["samples_per_s"] > best[key]["samples_per_s"]:
                best[key] = result
    rows = [best[key] for key in plan]

    print(f"\nmachine: {cores} cores; numbers: best of {args.rounds} rounds of {args.epochs} timed epochs\n")
    header = ("| workload | scaling | procs x threads | batch per rank / global | samples/s | speed-up | step ms "
              "| all-reduce ms/step in step (alone) | gradient MB | other load (cores) |")
    print(header)
    print("|" + "---|" * 10)
    baselines = {r["workload"]: r["samples_per_s"] for r in rows if r["kind"] == "baseline"}
    for r in rows:
        comm = (f"{r['allreduce_in_step_ms']:.2f} ({r['allreduce_alone_ms']:.2f})" if r["procs"] > 1 else "-")
        print(f"| {r['workload']} | {r['kind']} | {r['procs']} x {r['threads']} | {r['per_rank_batch']} / "
              f"{r['global_batch']} | {r['samples_per_s']:.0f} | {r['samples_per_s'] / baselines[r['workload']]:.2f} "
              f"| {r['step_ms']:.1f} | {comm} | {r['gradient_mb']:.2f} | "
              f"{'?' if r['foreign_cores'] is None else format(r['foreign_cores'], '.2f')} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
