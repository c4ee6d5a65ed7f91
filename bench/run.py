#!/usr/bin/env python
"""Benchmark kerasish against the hand-written numpy loop (and tf.keras when a reference Python is given).

One command, one interleaved run of the shared workloads (../shared/bench), a table of medians and
ratios at the end:

    python bench/run.py                                  # kerasish vs hand-written numpy, all workloads
    python bench/run.py --workloads mlp,tiny --rounds 2
    python bench/run.py --ref-py ~/tfenv/bin/python      # adds tf.keras (a virtualenv with tensorflow-cpu
                                                         # and tf-keras; never a project dependency)
    python bench/run.py --neighbour 1                    # the same with one busy process beside it (a
                                                         # second notebook, a browser tab, a CI neighbour)

The report gives each cell's spread over trials and how many cores other processes used meanwhile
("foreign"): a figure taken while the machine was busy says so. With --neighbour N, N plain Python busy
loops run for the whole comparison, every implementation shares the machine with them alike, and the
harness's quiet threshold is raised by N (they are the load being measured, not noise).

Results (markdown table, raw JSON lines) go to bench/results/.
"""
import argparse
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", default=os.path.join(ROOT, "..", "shared", "bench"),
                    help="folder of the shared benchmark harness (default: ../shared/bench)")
    ap.add_argument("--ref-py", default=None, help="Python with tensorflow + tf_keras, to add tf.keras")
    ap.add_argument("--impls", default=None, help="override the implementation list (comma separated)")
    ap.add_argument("--workloads", default="all")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--out", default=None, help="results folder (default bench/results, or "
                    "bench/results-neighbour-N)")
    ap.add_argument("--neighbour", type=int, default=0, metavar="N",
                    help="run N busy processes (one core each) beside the whole comparison")
    args = ap.parse_args()
    if args.out is None:
        args.out = os.path.join(HERE, "results" + (f"-neighbour-{args.neighbour}" if args.neighbour else ""))

    compare = os.path.join(os.path.abspath(args.shared), "compare.py")
    if not os.path.exists(compare):
        sys.exit(f"bench: cannot find the shared harness at {compare}; pass --shared")
    impls = args.impls or ("kerasish,numpy-handwritten" + (",tf_keras" if args.ref_py else ""))
    env = dict(os.environ)
    env["KERASISH_PY"] = sys.executable
    env["REF_PY"] = args.ref_py or sys.executable
    env["PYTHONPATH"] = ROOT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    os.makedirs(args.out, exist_ok=True)
    cmd = [sys.executable, compare, "--rounds", str(args.rounds), "--repeats", str(args.repeats),
           "--impls", impls, "--workloads", args.workloads, "--out", args.out]
    if args.neighbour:
        cmd += ["--quiet", str(args.neighbour + 0.5), "--no-blas"]
    print("bench:", " ".join(cmd), flush=True)
    neighbours = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.neighbour)]
    try:
        if neighbours:
            print(f"bench: {len(neighbours)} busy neighbour process(es) running", flush=True)
            time.sleep(1.0)
        code = subprocess.call(cmd, env=env)
    finally:
        for proc in neighbours:
            proc.kill()
            proc.wait()
    report = os.path.join(args.out, "results.md")
    if os.path.exists(report):
        if args.neighbour:
            with open(report) as f:
                text = f.read()
            with open(report, "w") as f:
                f.write(f"**With {args.neighbour} busy neighbour process(es) running throughout.**\n\n" + text)
        with open(report) as f:
            print(f.read())
    return code


if __name__ == "__main__":
    sys.exit(main())
