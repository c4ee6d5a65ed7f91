"""Replay the backend oracle on kerasish: every numeric `K.*` function against real tf_keras 2.

The corpus (tests/data/backend_oracle.json.gz + .npz) is recorded by `tools/make_backend_oracle.py`
with tf_keras 2.21 (TensorFlow 2.21, CPU): random cases of every numeric function of
`tf_keras.backend` (its module docstring lists what is covered and what is skipped, and why), each
with its inputs, what tf_keras returned (values, dtypes, shapes, Python values such as shapes and
ranks) and the gradient of `sum_k sum(out_k * w_k)` with respect to every float input
(`backend_oracle_kit.weights` gives w), from `tf.GradientTape`.

Tolerances: rtol 1e-5, atol 1e-6, i.e. float32 rounding with room for a different summation order
(TensorFlow's oneDNN kernels against numpy's BLAS) and for libm's last-ulp differences in exp, log,
tanh. Wider only where named in `LOOSER`, with the reason. Integer and boolean results must be equal,
and every result's dtype and shape must be TensorFlow's.
"""
import gzip
import inspect
import json
import os

import numpy as np
import pytest

import kerasish  # noqa: F401  (loads the graph layer the symbolic K functions need)
from kerasish import backend as K
from kerasish.backend.tape import GradientTape
from kerasish.backend.tensor import Tensor
from tests.backend import backend_oracle_kit as kit

# BACKEND_ORACLE_DIR replays another recording (e.g. a bigger one: make_backend_oracle.py --scale 4 --out DIR)
DATA = os.environ.get("BACKEND_ORACLE_DIR") or os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                                            "data")
# the corpus computes log(0), means of empty tensors and inf * 0 on purpose (TensorFlow gives -inf/nan silently)
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")
RTOL, ATOL = 1e-5, 1e-6
# function -> (rtol, atol, atol as a fraction of the array's largest magnitude, why)
LOOSER = {
    "l2_normalize": (1e-5, 1e-5, 1e-6, "the gradient (r - y * sum(r * y)) / norm cancels to ~0 where r lines up "
                                       "with y: float32 rounding leaves an ulp or two of r / norm (4e-6 where every "
                                       "slice has one element; 3e-5 next to entries of 164 where a slice has one "
                                       "non-zero of 0.0038)"),
    "normalize_batch_in_training": (5e-5, 1e-6, 0.0, "the input gradient of a batch normalised over 2-3 samples is a "
                                                     "difference of terms ~1/std that cancel; float32 summation "
                                                     "order differs at 1.4e-5 relative (20,744-case run)"),
    "rnn": (1e-5, 5e-6, 0.0, "gradients through a chain of tanh steps accumulate rounding: 2e-6 absolute on values "
                             "of 0.01 (20,744-case run)"),
}


def tf_keras_wrong(case, arrays):
    """`{what: why}` for the results of `case` where tf_keras is wrong and kerasish keeps the right answer
    (`what`: an output path such as "out", or "grad <input>"); empty for almost every case."""
    fn, x = case["fn"], arrays.get("in0")
    if fn == "batch_flatten" and 0 in x.shape[1:]:
        return {"out": "tf_keras reshapes to (-1, prod(shape[1:])) = (-1, 0), and TensorFlow resolves the -1 of "
                       "an empty tensor to the product of the other axes: (1, 3, 2, 0) -> (6, 0). kerasish keeps "
                       "the batch axis: (1, 0)"}
    if fn == "batch_normalization" and x.ndim == 4:
        return {f"grad {n}": "tf_keras's 4-D path is TensorFlow's fused batch norm in inference mode, which has no "
                             "gradient for the mean and the variance; kerasish gives the true one"
                for n, g in case.get("grads", {}).items() if g is None}
    if fn == "batch_normalization" and x.ndim != 4 and case["kwargs"].get("axis", -1) % x.ndim != x.ndim - 1 \
            and arrays["in1"].ndim == 1:
        why = ("tf_keras ignores `axis` outside its 4-D path: tf.nn.batch_normalization broadcasts 1-D statistics "
               "along the last axis ((1, 2, 1) with axis=1 and (2,) statistics gives (1, 2, 2)); kerasish "
               "normalises along `axis`")
        return {"out": why, **{f"grad {n}": why for n in case.get("grads", {})}}
    if fn == "mean" and x.dtype.kind in "iu":
        return {"out": "TensorFlow's mean of an int32 tensor is int32, truncated (mean([1, 2, 4, 4]) = 2); kerasish "
                       "returns the floatx mean (2.75), as Keras 2 on Theano did: a truncated mean is a silent wrong "
                       "number"}
    if fn == "count_params" and x.ndim == 0:
        return {"out": "tf_keras returns np.prod([]) for a scalar: the float 1.0; kerasish the int 1"}
    if fn == "cumprod" and x.dtype.kind == "f" and not np.all(x):
        return {"grad in0": "TensorFlow's cumprod gradient divides by x with div_no_nan, so the gradient at a "
                            "zero element is 0 instead of the product of the others; kerasish's is exact "
                            "(test_math_ops checks it against finite differences)"}
    if fn == "switch" and arrays["in0"].ndim == 1 and arrays["in1"].ndim > 1:
        why = ("tf_keras hands a 1-D condition to TF 2's tf.where, which broadcasts it along the last axis "
               "(columns; a (4,) condition with (4, 1) branches gives (4, 4)); Keras 2's switch picks rows, as "
               "on TF 1 and Theano and as kerasish does")
        return {"out": why, "grad in1": why, "grad in2": why}
    return {}


def _load():
    with gzip.open(os.path.join(DATA, "backend_oracle.json.gz"), "rt") as f:
        corpus = json.load(f)
    with np.load(os.path.join(DATA, "backend_oracle.npz")) as store:
        packed = {k: store[k] for k in store.files}
    return corpus, packed


CORPUS, PACKED = _load()
BY_FN = {}
for _case in CORPUS["cases"]:
    BY_FN.setdefault(_case["fn"], []).append(_case)


def case_arrays(case):
    """The case's stored arrays by name, in their recorded dtypes."""
    out = {}
    for name, (stored, dtype, offset, shape) in case["arrays"].items():
        size = int(np.prod(shape, dtype=np.int64))
        out[name] = PACKED[stored][offset:offset + size].reshape(shape).astype(dtype, copy=False)
    return out


class KerasishSide:
    """kerasish's half of `backend_oracle_kit.run`."""

    K = K

    def tensor(self, a):
        return Tensor(np.array(a))

    def variable(self, a):
        return K.variable(a, dtype=a.dtype.name)

    def tape(self):
        return GradientTape()

    def watch(self, tape, t):
        tape.watch(t)

    def gradient(self, tape, target, sources):
        return tape.gradient(target, sources)

    def numpy(self, t):
        return np.asarray(t.array if isinstance(t, Tensor) else t)

    def is_float_tensor(self, leaf):
        return isinstance(leaf, Tensor) and leaf.array.dtype.kind == "f"

    def value(self, leaf):
        if isinstance(leaf, Tensor):
            return np.asarray(leaf.array)  # a 0-d result may hold a numpy scalar (TensorFlow's .numpy() too)
        if isinstance(leaf, (np.integer, np.floating, np.bool_)):
            return leaf.item()
        return leaf


SIDE = KerasishSide()


def _compare(where, got, want, rtol, atol, atol_of_max=0.0):
    """A message when `got` (kerasish) differs from `want` (tf_keras), else None."""
    got = np.asarray(got)
    if got.shape != want.shape:
        return f"{where}: shape {got.shape}, tf_keras {want.shape}"
    if got.dtype != want.dtype:
        return f"{where}: dtype {got.dtype}, tf_keras {want.dtype}"
    if want.dtype.kind not in "fc":
        if not np.array_equal(got, want):
            bad = np.argwhere(got != want)[0] if got.ndim else ()
            return f"{where}: {got[tuple(bad)]} at {tuple(bad)}, tf_keras {want[tuple(bad)]}"
        return None
    g, w = got.astype(np.float64), want.astype(np.float64)
    finite = np.abs(w[np.isfinite(w)])
    atol = max(atol, atol_of_max * float(finite.max(initial=0.0)))
    if np.allclose(g, w, rtol=rtol, atol=atol, equal_nan=True):
        return None
    err = np.where(np.isnan(g) & np.isnan(w), 0.0, np.abs(g - w))
    err = np.where(np.isnan(err), np.inf, err)
    worst = np.unravel_index(np.argmax(err - rtol * np.abs(np.nan_to_num(w))), err.shape) if err.ndim else ()
    return f"{where}: {g[worst]:.8g} at {worst}, tf_keras {w[worst]:.8g} (max abs err {err.max():.3g})"


def random_values_plausible(case, arrays, got):
    """What a random function's values must satisfy whatever the generator (their values cannot match
    TensorFlow's stream): dropout keeps x / (1 - level) or 0, binomial draws are 0/1 (all p for p in {0, 1}),
    uniform draws lie in [minval, maxval), every draw is finite."""
    kw = case["kwargs"]
    if not np.all(np.isfinite(got)):
        return False
    if case["fn"] == "dropout":
        x, level = arrays["in0"], case["args"][1]
        kept = np.isclose(got, x / (1.0 - level), rtol=1e-6, atol=0)
        return bool(np.all(kept | (got == 0))) and (level > 0 or bool(np.all(kept)))
    if case["fn"] in ("random_binomial", "random_bernoulli"):
        p = kw.get("p", 0.0)
        return bool(np.all(got == p)) if p in (0.0, 1.0) else bool(np.all((got == 0) | (got == 1)))
    if case["fn"] == "random_uniform":
        return bool(np.all((got >= kw.get("minval", 0.0)) & (got < kw.get("maxval", 1.0))))
    return True


def replay(case):
    """Differences between kerasish and tf_keras for one case (an empty list when they agree)."""
    arrays = case_arrays(case)
    want_grads = "grads" in case and "grad_refused" not in case
    try:
        outputs, grads = kit.run(case, arrays, SIDE, with_grads=want_grads)
    except Exception as e:  # noqa: BLE001  (reported as the difference)
        return [f"raised {type(e).__name__}: {e}"]
    rtol, atol, atol_of_max = LOOSER.get(case["fn"], (RTOL, ATOL, 0.0))[:3]
    known = tf_keras_wrong(case, arrays)
    problems = []
    expected = case["expected"]
    if sorted(outputs) != sorted(expected):
        return [f"returned leaves {sorted(outputs)}, tf_keras {sorted(expected)}"]
    for path, spec in expected.items():
        if path in known:
            continue
        got = outputs[path]
        if case.get("check") == "shape_dtype":
            got = np.asarray(got)
            if list(got.shape) != spec["shape"] or got.dtype.name != spec["dtype"]:
                problems.append(f"{path}: {got.dtype}{got.shape}, tf_keras {spec['dtype']}{tuple(spec['shape'])}")
            elif not random_values_plausible(case, arrays, got):
                problems.append(f"{path}: values outside what {case['fn']} can draw: {got.ravel()[:6]}")
            continue
        if "array" in spec:
            if not isinstance(got, np.ndarray):
                problems.append(f"{path}: returned {type(got).__name__}, tf_keras a tensor")
                continue
            msg = _compare(path, got, arrays[spec["array"]], rtol, atol, atol_of_max)
        elif "tuple" in spec:
            msg = None if list(got) == spec["tuple"] else f"{path}: {got}, tf_keras {spec['tuple']}"
        else:
            msg = None if got == spec["value"] and type(got) is type(spec["value"]) else \
                f"{path}: {got!r}, tf_keras {spec['value']!r}"
        if msg:
            problems.append(msg)
    if want_grads:
        for name, stored in case["grads"].items():
            if f"grad {name}" in known:
                continue
            got = None if grads is None else grads.get(name)
            if stored is None:
                if got is not None and np.any(got):
                    problems.append(f"grad {name}: nonzero, tf_keras none")
                continue
            want = arrays[stored]
            if got is None:
                got = np.zeros_like(want)  # no gradient path: zeros, what TensorFlow's tape gives as well
            msg = _compare(f"grad {name}", got, want, rtol, atol, atol_of_max)
            if msg:
                problems.append(msg)
    return problems


@pytest.mark.parametrize("fn", sorted(BY_FN))
def test_function_matches_tf_keras(fn):
    failures = []
    for case in BY_FN[fn]:
        problems = replay(case)
        if problems:
            failures.append(f"{case['id']} {json.dumps(case['kwargs'])}: " + "; ".join(problems))
    assert not failures, f"{len(failures)} of {len(BY_FN[fn])} cases differ:\n" + "\n".join(failures[:10])


@pytest.mark.parametrize("fn", sorted(CORPUS["signatures"]))
def test_function_takes_tf_keras_argument_names(fn):
    """Every parameter name of tf_keras's function is accepted (users pass them as keywords)."""
    params = inspect.signature(getattr(K, fn)).parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    missing = [name for name in CORPUS["signatures"][fn] if name not in params and not takes_any]
    assert not missing, f"K.{fn} does not take {missing} (tf_keras: {CORPUS['signatures'][fn]})"


def test_corpus_covers_every_recorded_function():
    """Every function the recorder draws kept cases (none was refused by tf_keras throughout)."""
    assert set(BY_FN) == set(CORPUS["signatures"])
    assert len(CORPUS["cases"]) > 2000
