"""Replay the differential-oracle corpus on kerasish: every case was run by real Keras 2.

The corpus (tests/oracle/data/shard_*.json.gz + .npz) is recorded by `tools/make_oracle.py` with
tf_keras 2.21: random cases over losses, metrics, optimizers, target shapes, weighting,
validation, several models per session, multi-output models and the layer families, each with
its starting weights, data, and what Keras reported: evaluate() logs at the starting weights,
fit() history (keys and values per epoch), predictions and final weights.

Tolerances (float32 everywhere), from what the corpus measures:
- evaluate() at the starting weights is one forward pass: the implementations differ only in
  summation order (BLAS blocking, TF's oneDNN kernels). Measured: median relative error 1e-9,
  worst 2e-6 (R2Score's cancellation). rtol 1e-5, atol 1e-6.
- fit() histories, train_on_batch logs, predictions after training and final weights compound
  that rounding through 2-3 epochs of updates. Measured: median 4e-8, 99% of values within 2e-6,
  all but a handful of cases within 1e-5. rtol 1e-4, atol 1e-5: ten times the worst ordinary case,
  and far below what a wrong epsilon, reduction, weighting or gradient does (the first run found
  differences from 1e-3 up).
- A few trajectories are chaotic (see `replay`): they amplify rounding itself past any fixed
  tolerance, so their tolerance is widened by their measured sensitivity.
"""
import glob
import gzip
import json
import os

import numpy as np
import pytest

import kerasish as keras
from tests.oracle import casekit

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
RTOL_EVAL, ATOL_EVAL = 1e-5, 1e-6
RTOL_TRAIN, ATOL_TRAIN = 1e-4, 1e-5


def _load():
    cases, stores = [], {}
    for path in sorted(glob.glob(os.path.join(DATA, "shard_*.json.gz"))):
        shard = os.path.basename(path)[len("shard_"):-len(".json.gz")]
        with gzip.open(path, "rt") as f:
            for case in json.load(f)["cases"]:
                cases.append((shard, case))
        stores[shard] = path[:-len(".json.gz")] + ".npz"
    return cases, stores


CASES, STORES = _load()
_OPEN = {}


def case_arrays(shard, case):
    """The case's arrays by name (float16-stored data back to its float32)."""
    if shard not in _OPEN:
        with np.load(STORES[shard]) as store:
            _OPEN[shard] = {k: store[k] for k in store.files}
    packed = _OPEN[shard]
    out = {}
    for name, (stored, dtype, offset, shape) in case["arrays"].items():
        size = int(np.prod(shape, dtype=np.int64))
        out[name] = packed[stored][offset:offset + size].reshape(shape).astype(dtype, copy=False)
    return out


def _close(got, want, rtol, atol):
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    if got.shape != want.shape:
        return f"shape {got.shape} != {want.shape}"
    if np.allclose(got, want, rtol=rtol, atol=atol, equal_nan=True):
        return None
    err = np.abs(got - want)
    worst = np.unravel_index(np.argmax(err - rtol * np.abs(want)), err.shape) if err.ndim else ()
    return f"got {got[worst] if got.ndim else got:.8g}, want {want[worst] if want.ndim else want:.8g}" \
           f" (max abs err {err.max():.3g})"


def checks(case, results, arrays):
    """What to compare: `(where, kerasish's value, Keras's value, rtol, atol)` for every logged number,
    prediction and final weight, and a list of structural differences (keys, counts)."""
    items, problems = [], []
    for r, (expected, got) in enumerate(zip(case["expected"], results)):
        trained = False
        for i, (want, have) in enumerate(zip(expected["ops"], got["ops"])):
            op = case["runs"][r]["ops"][i][0]
            trained = trained or op in ("fit", "train_on_batch")
            rtol, atol = (RTOL_TRAIN, ATOL_TRAIN) if trained else (RTOL_EVAL, ATOL_EVAL)
            where = f"run {r} op {i} ({op})"
            if "predict" in want:
                if len(have) != want["predict"]:
                    problems.append(f"{where}: {len(have)} outputs, Keras has {want['predict']}")
                for j in range(min(want["predict"], len(have))):
                    items.append((f"{where} output {j}", have[j], arrays[f"r{r}/expect_op{i}_{j}"], rtol, atol))
                continue
            if have["keys"] != want["keys"]:
                problems.append(f"{where}: keys {have['keys']} != Keras {want['keys']}")
            for key in want["keys"]:
                if key in have["values"]:
                    items.append((f"{where} {key!r}", have["values"][key], want["values"][key], rtol, atol))
        if len(got["weights"]) != expected["n_weights"]:
            problems.append(f"run {r}: {len(got['weights'])} weights, Keras has {expected['n_weights']}")
            continue
        for j, w in enumerate(got["weights"]):
            want = arrays[f"r{r}/expect_w{j}"]
            items.append((f"run {r} final weight {j} {want.shape}", w, want, RTOL_TRAIN, ATOL_TRAIN))
    return items, problems


def _perturbed(weights, seed):
    """The weights moved by a few float32 ulps (relative 4 * 2**-23, random signs)."""
    rng = np.random.default_rng(seed)
    return [w * (1 + 4 * 2.0 ** -23 * rng.choice([-1.0, 1.0], w.shape)).astype(w.dtype)
            if w.dtype.kind == "f" else w for w in weights]


def replay(shard, case, sensitivity=True):
    """Run a corpus case on kerasish; returns the list of differences from Keras.

    When values differ, the case runs once more from starting weights moved by a few float32 ulps.
    A trajectory that is chaotic (a large step size with momentum, a near-tie in max pooling, a
    layer normalised over 2 features) amplifies such a perturbation the way it amplifies the two
    implementations' different rounding: a value then passes if its difference from Keras is
    within 10 times the perturbation's own effect on it. A wrong formula shows from the first step
    and stays far outside that.
    """
    arrays = case_arrays(shard, case)
    data = {k: v for k, v in arrays.items() if "/expect_" not in k and "/init_w" not in k}

    def initial(r, count):
        return [arrays[f"r{r}/init_w{j}"] for j in range(count) if f"r{r}/init_w{j}" in arrays]

    results = casekit.run_case(keras, case, data, lambda r, model: initial(r, len(model.get_weights())))
    items, problems = checks(case, results, arrays)
    failing = [(where, got, want, rtol, atol) for where, got, want, rtol, atol in items
               if _close(got, want, rtol, atol)]
    if failing and sensitivity:
        moved = casekit.run_case(keras, case, data,
                                 lambda r, model: _perturbed(initial(r, len(model.get_weights())), r))
        spread = {where: np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64)), initial=0.0)
                  for (where, a, _, _, _), (_, b, _, _, _) in zip(items, checks(case, moved, arrays)[0])}
        failing = [(where, got, want, rtol, atol + 10 * spread.get(where, 0.0))
                   for where, got, want, rtol, atol in failing]
    return problems + [f"{where}: {msg}" for where, got, want, rtol, atol in failing
                       if (msg := _close(got, want, rtol, atol))]


def _params():
    """Every case, in the default run: the whole corpus replays in ~12 s."""
    return [pytest.param(shard, case, id=case["id"]) for shard, case in CASES]


@pytest.mark.parametrize("shard,case", _params())
def test_case_matches_keras(shard, case):
    diffs = replay(shard, case)
    assert not diffs, f"{case['id']} ({case['family']}) differs from tf_keras:\n" + "\n".join(diffs[:12])


def test_corpus_is_broad():
    """The corpus holds at least 1,000 cases over every family (so a failed recording cannot pass silently)."""
    families = {c["family"] for _, c in CASES}
    assert len(CASES) >= 1000
    assert {"loss", "metric", "metric_fn", "optimizer", "dense", "conv", "pooling", "normalization", "recurrent",
            "embedding", "attention", "merge", "multi_output", "session", "custom", "pinned"} <= families
