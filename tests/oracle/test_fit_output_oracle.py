"""Replay the fit-output oracle on kerasish: what `fit`/`evaluate`/`predict`/`summary` print and what the
callbacks do, against what tf_keras 2.21 did on the same random cases.

The corpus (tests/data/fit_output_oracle.json.gz) is recorded by `tools/make_fit_output_oracle.py`;
`fitkit.py` runs a case the same way on both sides. Compared:

- the printed text, line by line, as a terminal renders it (tf_keras redraws its bar with `\\r` and
  `\\b` even into a pipe; kerasish prints only the finished line there, see `utils/progbar.py`; on a
  terminal both redraw, and `test_case_on_a_terminal` replays the printing cases that way). Times
  (`0s 3ms/step`, `31ms/epoch`, ETAs) and the case's temporary folder are placeholders. Every other
  character must match, and every printed number must have the same form (`0.1234`, `1.2340e-04`,
  `0.10000000149011612`: the same notation and number of decimals) and agree with Keras's up to
  one unit of its last printed digit (both sides compute in float32 in different orders, so a value
  close to a rounding boundary may print either way);
- the hooks a callback receives, in order, with their argument, `logs` keys (in order) and values,
  `params`, the learning rate and `stop_training` at each epoch's end (less tf_keras's calls of
  `on_*_batch_begin` for the batch a generator turns out not to have, see `without_dangling_begins`);
- `model.history` after each `fit` (keys, values, `epoch`, `params`, and that `fit` returned it);
- the files callbacks wrote (names) and the text of CSV logs; the final weights (which epoch
  `restore_best_weights` restored); the type of an exception an op raised.

Values computed by training agree to float32 rounding compounded over a few epochs (the model
oracle, tests/oracle/test_oracle.py, measures it): rtol 1e-4, atol 1e-5.
"""
import gzip
import json
import os
import re
import shutil
import tempfile

import numpy as np
import pytest

import kerasish as keras
from kerasish.utils import progbar
from tests.oracle import fitkit

# Cases monitor missing keys, run out of data or train on NaN targets on purpose: tf_keras logs the same warnings.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

DATA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "fit_output_oracle.json.gz")
RTOL, ATOL = 1e-4, 1e-5

with gzip.open(DATA, "rt") as _f:
    CASES = json.load(_f)["cases"]

# Where kerasish deliberately differs: (op, the exception tf_keras raises) -> the one kerasish raises.
DIVERGENCES = {
    # summary(positions=[...]) with fewer column ends than the table has columns: tf_keras fails with a bare
    # IndexError from inside its row printer; kerasish says which argument is wrong (a ValueError), at the
    # same point (after the title lines, which both print).
    ("summary", "IndexError"): "ValueError",
}

_NUMBER = re.compile(r"(?<![\w.])-?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:e[+-]?[0-9]+)?|(?<![\w.])-?[0-9]+e[+-]?[0-9]+")


def _significant_digits(token):
    mantissa = token.lower().partition("e")[0].lstrip("-").replace(".", "")
    return len(mantissa.lstrip("0"))


def _is_float_repr(token):
    """Whether `token` is how Python prints a float32 value held as a float (`str(float(x))`: CSVLogger's
    values, learning rates): up to 17 digits, or fewer for a value that is exact in few (0.375)."""
    return _significant_digits(token) > 8 or token == repr(float(np.float32(float(token))))


def _shape(token):
    """A printed number's form: notation and decimals."""
    mantissa, _, exponent = token.lower().partition("e")
    return ("e" if exponent else "f", len(mantissa.partition(".")[2]))


def _same_form(got, want):
    """Same notation and decimals; or both whole float reprs (whose length depends on the value's last bits)."""
    if _shape(got) == _shape(want):
        return True
    if max(_significant_digits(got), _significant_digits(want)) > 8:
        return _is_float_repr(got) and _is_float_repr(want)
    return False


def _allowed(token):
    """How far a printed number may be from Keras's: one unit of its last printed digit, or float32 rounding
    compounded over a few epochs (RTOL)."""
    notation, decimals = _shape(token)
    value = float(token)
    if _significant_digits(token) > 8:
        return RTOL * abs(value) + ATOL
    unit = 10.0 ** -decimals
    return 1.01 * (unit * abs(value) if notation == "e" else unit) + RTOL * abs(value)


def compare_text(got, want):
    """None if `got` prints like `want` (same characters around the numbers; numbers of the same form, close)."""
    got_parts, want_parts = _NUMBER.split(got), _NUMBER.split(want)
    got_numbers, want_numbers = _NUMBER.findall(got), _NUMBER.findall(want)
    if got_parts != want_parts or len(got_numbers) != len(want_numbers):
        return "text differs"
    for g, w in zip(got_numbers, want_numbers):
        if not _same_form(g, w):
            return f"number printed as {g!r}, Keras prints {w!r}"
        if not abs(float(g) - float(w)) <= _allowed(w):
            return f"number {g} differs from Keras's {w}"
    return None


def _compare_lines(where, got, want, problems):
    for i in range(max(len(got), len(want))):
        g = got[i] if i < len(got) else "<missing>"
        w = want[i] if i < len(want) else "<missing>"
        why = compare_text(g, w)
        if why:
            problems.append(f"{where} line {i + 1}: {why}\n    kerasish: {g!r}\n    tf_keras: {w!r}")
            return


def _close(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return a.shape == b.shape and np.allclose(a, b, rtol=RTOL, atol=ATOL, equal_nan=True)


def _compare_values(where, got, want, problems):
    if isinstance(want, dict) or isinstance(got, dict):
        if got != want:
            problems.append(f"{where}: {got} != Keras {want}")
    elif not _close(got, want):
        problems.append(f"{where}: {got} != Keras {want}")


def without_dangling_begins(events):
    """`events` without the `on_*_batch_begin` calls no `on_*_batch_end` follows: tf_keras announces a batch
    before it asks the data for it, so the end of a generator shows as a batch that begins and never ends."""
    kept = []
    for i, event in enumerate(events):
        hook = event["hook"]
        if hook.endswith("_batch_begin"):
            following = events[i + 1]["hook"] if i + 1 < len(events) else None
            if following != hook.replace("_begin", "_end"):
                continue
        kept.append(event)
    return kept


def compare_events(got, want, problems):
    got, want = without_dangling_begins(got), without_dangling_begins(want)
    if len(got) != len(want):
        calls = lambda evs: [(e["hook"], e["arg"]) for e in evs]  # noqa: E731
        first = next((i for i, (g, w) in enumerate(zip(calls(got), calls(want))) if g != w), min(len(got), len(want)))
        problems.append(f"callbacks: {len(got)} hook calls, Keras makes {len(want)}; first difference at call {first}: "
                        f"{calls(got)[first:first + 3]} vs Keras {calls(want)[first:first + 3]}")
        return
    for i, (g, w) in enumerate(zip(got, want)):
        where = f"call {i} {w['hook']}({w['arg']})"
        if (g["hook"], g["arg"]) != (w["hook"], w["arg"]):
            problems.append(f"{where}: kerasish calls {g['hook']}({g['arg']})")
            return
        if g["keys"] != w["keys"]:
            problems.append(f"{where}: logs keys {g['keys']} != Keras {w['keys']}")
            return
        for k in w["keys"] or []:
            _compare_values(f"{where} logs[{k!r}]", g["values"][k], w["values"][k], problems)
        if g.get("params") != w.get("params"):
            problems.append(f"{where}: params {g.get('params')} != Keras {w.get('params')}")
        if "lr" in w and not np.isclose(g["lr"], w["lr"], rtol=1e-6, atol=0):
            problems.append(f"{where}: learning rate {g['lr']!r} != Keras {w['lr']!r}")
        if g.get("stop_training") != w.get("stop_training"):
            problems.append(f"{where}: stop_training {g.get('stop_training')} != Keras {w.get('stop_training')}")
        if len(problems) > 8:
            return


def differences(case, got):
    """Everything in `got` (kerasish's record of `case`) that differs from tf_keras's."""
    want, problems = case["expected"], []
    if DIVERGENCES.get((case["ops"][len(want["out"]) - 1][0], want.get("error"))) == got.get("error"):
        want = dict(want, error=got.get("error"))
    if got.get("error") != want.get("error"):
        problems.append(f"raises {got.get('error')}, Keras raises {want.get('error')}")
    for i, (g, w) in enumerate(zip(got["out"], want["out"])):
        _compare_lines(f"op {i} ({case['ops'][i][0]}) output", g, w, problems)
    if len(got["out"]) != len(want["out"]):
        problems.append(f"{len(got['out'])} ops ran, Keras ran {len(want['out'])}")
    compare_events(got["events"], want["events"], problems)
    if len(got["histories"]) != len(want["histories"]):
        problems.append(f"{len(got['histories'])} histories, Keras {len(want['histories'])}")
    for i, (g, w) in enumerate(zip(got["histories"], want["histories"])):
        for field in ("returned", "keys", "epoch", "params"):
            if g[field] != w[field]:
                problems.append(f"fit {i} history.{field}: {g[field]} != Keras {w[field]}")
        for k in w["keys"]:
            if k in g["values"]:
                _compare_values(f"fit {i} history[{k!r}]", g["values"][k], w["values"][k], problems)
    if "weights" in want:
        if len(got["weights"]) != len(want["weights"]):
            problems.append(f"{len(got['weights'])} weights, Keras {len(want['weights'])}")
        for j, (g, w) in enumerate(zip(got["weights"], want["weights"])):
            if not _close(g, w):
                problems.append(f"final weight {j}: max difference {np.max(np.abs(np.subtract(g, w))):.3g}")
    _compare_lines("files", got["files"], want["files"], problems)
    for name, text in want["texts"].items():
        _compare_lines(f"{name}", got["texts"].get(name, "<missing>").splitlines(), text.splitlines(), problems)
    return problems


def replay(case, interactive=False, monkeypatch=None):
    folder = tempfile.mkdtemp(prefix="fitcase-")
    try:
        if interactive:
            monkeypatch.setattr(progbar, "_stdout_is_interactive", lambda: True)
        return fitkit.run_case(keras, case, case.get("weights"), folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case_matches_keras(case):
    problems = differences(case, replay(case))
    assert not problems, f"{case['id']} differs from tf_keras:\n" + "\n".join(problems[:10])


PRINTING = [c for c in CASES if any(op != "summary" and kw.get("verbose", "auto") in (1, "auto")
                                    for op, kw, _ in c["ops"])][::4]


@pytest.mark.parametrize("case", PRINTING, ids=[c["id"] for c in PRINTING])
def test_case_on_a_terminal(case, monkeypatch):
    """On a terminal kerasish redraws the bar in place as tf_keras does: the screen shows the same lines."""
    got = replay(case, interactive=True, monkeypatch=monkeypatch)
    problems = []
    for i, (g, w) in enumerate(zip(got["out"], case["expected"]["out"])):
        _compare_lines(f"op {i} ({case['ops'][i][0]}) output", g, w, problems)
    assert not problems, f"{case['id']} differs from tf_keras on a terminal:\n" + "\n".join(problems)


def test_corpus_is_broad():
    """The corpus covers each family, each callback and each verbosity (a failed recording cannot pass silently)."""
    families = {c["family"] for c in CASES}
    callbacks = {spec["name"] for c in CASES for _, _, specs in c["ops"] for spec in specs}
    verbosities = {json.dumps(kw.get("verbose", "auto")) for c in CASES for op, kw, _ in c["ops"] if op != "summary"}
    assert len(CASES) >= 200
    assert families == {"fit", "callbacks", "summary"}
    assert callbacks == {"EarlyStopping", "ReduceLROnPlateau", "LearningRateScheduler", "ModelCheckpoint",
                         "CSVLogger", "TerminateOnNaN", "StopTraining", "History", "ProgbarLogger"}
    assert verbosities == {"0", "1", "2", '"auto"'}


def test_compare_text_catches_what_a_user_sees():
    """The comparison tolerates float32 rounding in the last printed digit, and nothing else."""
    want = "3/3 [====] - <time> - loss: 0.1234 - acc: 1.2340e-04"
    assert compare_text("3/3 [====] - <time> - loss: 0.1235 - acc: 1.2341e-04", want) is None
    assert compare_text("3/3 [====] - <time> - loss: 0.1237 - acc: 1.2340e-04", want)  # a wrong value
    assert compare_text("3/3 [====] - <time> - loss: 0.12340 - acc: 1.2340e-04", want)  # a wrong format
    assert compare_text("3/3 [====] - <time> - loss: 0.1234 - acc: 0.0001", want)
    assert compare_text("3/3 [====] - <time> - acc: 1.2340e-04 - loss: 0.1234", want)  # key order
    assert compare_text("3/3 [====] - <time> - loss: 0.1234 - acc: 1.2340e-04", want) is None
    assert compare_text("1;0.3750000298023224", "1;0.375") is None  # CSV: str() of float32 values
    assert compare_text("1;0.375", "1;0.3750000298023224") is None
    assert compare_text("1;0.3750", "1;0.3750000298023224")  # rounded for display: not what Keras writes
    assert compare_text("lr 0.009999999776482582.", "lr 0.01.")  # float32 of the value, not the value
