"""Record the backend oracle: every numeric `K.*` function of tf_keras 2 on random cases, for
tests/backend/test_backend_oracle.py.

Run with an interpreter that has tf_keras 2.x (never a kerasish dependency):

    /tmp/tfenv/bin/python tools/make_backend_oracle.py            # all functions
    /tmp/tfenv/bin/python tools/make_backend_oracle.py --only conv2d,pool2d --out /tmp/o   # a few, elsewhere

It writes `tests/data/backend_oracle.json.gz` (the cases, the signatures of tf_keras.backend's public
functions, what each case returned) and `tests/data/backend_oracle.npz` (inputs, outputs and gradients
packed into one flat array per dtype, as tools/make_oracle.py packs the model oracle).

A case is a pure function of its seed (`--seed` + a per-function offset + the case's number): it draws
shapes (rank 0..5 where the function takes them, size-1 axes, empty axes where valid), arguments (axis:
None, negative, tuples; keepdims; data_format channels_first/last; padding; strides; dilation;
from_logits; alpha; max_value; threshold; ... every documented argument of the function) and inputs
(float32, float64 or int where the function takes them; float values exactly representable in float16,
so the store stays small). Some cases put inputs on purpose where the derivative has a kink or a tie:
abs/relu/sign at 0, relu at its threshold and max_value, clip at its bounds, sqrt and pow at 0, max/min
and pooling windows with equal values, in_top_k with tied scores at the k-th place, all-zero vectors
in l2_normalize.

What each case records: every leaf of what the function returns (arrays with dtype and shape, or the
Python value: a shape, a rank, a dtype name) and, when the case has float inputs and float outputs,
the gradient of `sum_k sum(out_k * w_k)` (w: `backend_oracle_kit.weights`, a fixed non-zero pattern)
with respect to every float input, from `tf.GradientTape` (None where TensorFlow gives none).

Covered: the public functions of `tf_keras.backend` that compute on tensors, plus the numeric functions
that tf_keras keeps in `tf_keras.src.backend` without exporting (logsumexp, identity, separable_conv1d,
conv3d_transpose, local_conv). Random functions (random_normal, random_uniform, truncated_normal,
random_binomial, random_bernoulli, dropout) are recorded for their shape and dtype only: TensorFlow's
random streams are not kerasish's, so their values cannot agree.

Skipped, with the reason:
- graph, session and symbolic machinery, which has no numbers to compare: placeholder, function,
  gradients, name_scope, learning_phase, learning_phase_scope, set_learning_phase, clear_session,
  manual_variable_initialization, get_uid, reset_uids, is_keras_tensor, is_sparse, to_dense (no sparse
  tensors as inputs), is_placeholder, backend, print_tensor (prints), stop_gradient is covered;
- configuration getters and setters: epsilon, set_epsilon, floatx, set_floatx, image_data_format,
  set_image_data_format (global state; every case passes its settings explicitly);
- variable management without arithmetic: variable, get_value, batch_get_value, set_value,
  batch_set_value, eval, random_uniform_variable, random_normal_variable (update, update_add,
  update_sub and moving_average_update, which compute, are covered);
- internal helpers of tf_keras.src.backend that are not part of Keras 2's API (dtype_numpy, the
  distribution, ragged, TPU and random-generator switches).

Cases that tf_keras itself refuses (an argument combination it rejects, e.g. strides > 1 with
dilation > 1 in a convolution) are dropped and listed in the log with the reason, and so are
convolutions and poolings where TensorFlow's float32 (oneDNN) and float64 (Eigen) kernels disagree
(`tf_disagrees_with_itself`). Where tf_keras is wrong the recorder steers
around it and says so: causal conv1d is drawn channels_last only (`conv1d_causal_bug`), depthwise and
separable convolutions never combine strides and dilation (`_no_strides_with_dilation`),
separable_conv1d runs with its data-format bug fixed (`separable_conv1d_nhwc`), an unrolled backward
masked rnn is recorded unrolled=False (`unrolled_rnn_workaround`), K.constant records no gradient, and
normalize_batch_in_training's fused path differentiates its first output only. What tf_keras gets
wrong in recorded cases is named in the replay (`tf_keras_wrong` in test_backend_oracle.py).

The committed corpus: `--seed 7000` at the default `--scale 2`: 6,919 cases of 122 functions (61
drawn cases dropped), ~0.9 MB.
"""
import argparse
import gzip
import inspect
import json
import os
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(os.path.dirname(ROOT), "tests", "backend"))
import backend_oracle_kit as kit  # noqa: E402
from make_oracle import Draw as _Draw, Packer, _last_line  # noqa: E402

DATA_DIR = os.path.join(os.path.dirname(ROOT), "tests", "data")
SKIPPED = {
    "placeholder", "function", "gradients", "name_scope", "learning_phase", "learning_phase_scope",
    "set_learning_phase", "clear_session", "manual_variable_initialization", "get_uid", "reset_uids",
    "is_keras_tensor", "is_sparse", "to_dense", "is_placeholder", "backend", "print_tensor", "epsilon",
    "set_epsilon", "floatx", "set_floatx", "image_data_format", "set_image_data_format", "variable",
    "get_value", "batch_get_value", "set_value", "batch_set_value", "eval", "random_uniform_variable",
    "random_normal_variable",
}
RANDOM = {"random_normal", "random_uniform", "truncated_normal", "random_binomial", "random_bernoulli", "dropout"}
UNEXPORTED = ["logsumexp", "identity", "separable_conv1d", "conv3d_transpose", "local_conv"]


class Var:
    """An input that the case makes into a variable (update ops change it in place)."""

    def __init__(self, array):
        self.array = array


class Fn:
    """A callable argument, by its name in `backend_oracle_kit.callables`."""

    def __init__(self, name):
        self.name = name


class Draw(_Draw):
    """The model oracle's seeded choices, plus shapes and inputs for backend functions."""

    def shape(self, rank, lo=1, hi=4, empty=False):
        dims = [1 if self.chance(0.15) else self.int(lo, hi) for _ in range(rank)]
        if empty and rank and self.chance(0.06):
            dims[self.int(0, rank - 1)] = 0
        return tuple(dims)

    def floats(self, shape, dtype="float32", scale=1.0, special=(), p_special=0.35):
        """Normal values (float16-exact); in some cases some entries set to the `special` values."""
        x = self.normal(shape, scale).astype(dtype)
        if special and x.size and self.chance(p_special):
            hit = self.rng.random(x.shape) < 0.4
            x[hit] = np.asarray(special, dtype=dtype)[self.rng.integers(0, len(special), int(hit.sum()))]
        return x

    def ties(self, shape, dtype="float32", levels=(-1.0, 0.0, 0.5, 1.0)):
        """Values from a few levels, so maxima, minima and sort orders have ties (an array, 0-d included)."""
        return np.asarray(np.asarray(levels, dtype=dtype)[self.rng.integers(0, len(levels), shape)])

    def maybe_ties(self, shape, dtype="float32", p=0.3, **kw):
        return self.ties(shape, dtype) if self.chance(p) else self.floats(shape, dtype, **kw)

    def fdtype(self, p64=0.15):
        return "float64" if self.chance(p64) else "float32"

    def axis(self, rank, negative=True):
        a = self.int(0, rank - 1)
        return a - rank if negative and self.chance(0.4) else a

    def axes(self, rank, allow_none=True, allow_tuple=True):
        """axis=None, an int (maybe negative) or a tuple/list of distinct axes."""
        if rank == 0 or (allow_none and self.chance(0.25)):
            return None
        if allow_tuple and rank > 1 and self.chance(0.35):
            picked = sorted(self.sample(list(range(rank)), self.int(1, rank)))
            picked = [a - rank if self.chance(0.3) else a for a in picked]
            return tuple(picked) if self.chance(0.5) else list(picked)
        return self.axis(rank)

    def data_format(self):
        return self.choice(["channels_last", "channels_first", None])

    def ints(self, shape, lo, hi, dtype="int32"):
        return self.rng.integers(lo, hi + 1, shape).astype(dtype)


def _channels(d, data_format, batch, spatial, channels):
    if data_format == "channels_first":
        return (batch, channels) + tuple(spatial)
    return (batch,) + tuple(spatial) + (channels,)


# --------------------------------------------------------------------------- elementwise
UNARY_SPECIAL = {
    "abs": (0.0,), "sign": (0.0,), "sqrt": (0.0, -1.0, 4.0), "square": (0.0,), "round": (0.5, -0.5, 1.5, 2.5, -2.5),
    "hard_sigmoid": (2.5, -2.5, 0.0), "relu": (0.0,), "softsign": (0.0,), "exp": (0.0,), "log": (0.0, 1.0),
    "sin": (0.0,), "cos": (0.0,), "tanh": (0.0,), "sigmoid": (0.0,), "softplus": (0.0, 30.0, -30.0),
}


def draw_unary(fn):
    def draw(d):
        rank = d.int(0, 5)
        shape = d.shape(rank, hi=3 if rank > 3 else 4, empty=True)
        dtype = d.fdtype()
        if fn in ("abs", "square", "sign") and d.chance(0.2):
            x = d.ints(shape, -3, 3)
        else:
            x = d.floats(shape, dtype, scale=2.0, special=UNARY_SPECIAL.get(fn, ()))
            if fn == "log":
                x = np.where(x < 0, -x, x) + x.dtype.type(0.125) * (x != 0)
        return [x], {}
    return draw


def draw_elu(d):
    rank = d.int(0, 4)
    x = d.floats(d.shape(rank, empty=True), d.fdtype(), 2.0, special=(0.0,))
    kw = {} if d.chance(0.3) else {"alpha": d.choice([1.0, 0.5, 2.0, 0.0, -1.0])}
    return [x], kw


def draw_relu(d):
    rank = d.int(0, 4)
    alpha = d.choice([0.0, 0.0, 0.1, 0.5, -0.5])
    max_value = d.choice([None, None, 1.0, 6.0, 0.5, 0.0])
    threshold = d.choice([0.0, 0.0, 0.5, -0.5, 1.0])
    special = (0.0, threshold) + (() if max_value is None else (max_value,))
    x = d.floats(d.shape(rank, empty=True), d.fdtype(), 2.0, special=special)
    kw = {}
    if alpha or d.chance(0.3):
        kw["alpha"] = alpha
    if max_value is not None:
        kw["max_value"] = max_value
    if threshold or d.chance(0.3):
        kw["threshold"] = threshold
    return [x], kw


def draw_softmax(d):
    rank = d.int(2, 4)  # tf_keras refuses 1-D
    x = d.maybe_ties(d.shape(rank), d.fdtype(), scale=2.0)
    return [x], ({} if d.chance(0.3) else {"axis": d.axis(rank)})


def draw_l2_normalize(d):
    rank = d.int(1, 4)
    x = d.floats(d.shape(rank), d.fdtype(), special=(0.0,), p_special=0.3)
    if d.chance(0.25):  # a whole slice of zeros: the epsilon inside the norm decides
        x[(slice(None),) * (rank - 1) + (0,)] = 0
    kw = {} if d.chance(0.2) else {"axis": d.axes(rank, allow_none=True)}
    return [x], kw


def draw_pow(d):
    rank = d.int(0, 4)
    a = d.choice([0, 1, 2, 3, -1, 0.5, 2.5, -2.0, 1.5])
    x = d.floats(d.shape(rank, empty=True), d.fdtype(), 1.5, special=(0.0, 1.0))
    if not float(a).is_integer():
        x = np.abs(x)
    if a < 0:
        x = np.where(x == 0, x.dtype.type(1.0), x)
    return [x], {"a": a}


def draw_clip(d):
    rank = d.int(0, 4)
    lo, hi = d.choice([(-0.5, 0.5), (0.0, 1.0), (-1.0, 2.0), (0.5, -0.5), (None, 1.0), (0.0, 0.0), (-1, 1)])
    special = tuple(v for v in (lo, hi) if v is not None)
    dtype = d.fdtype()
    if d.chance(0.15) and isinstance(lo, int):
        x = d.ints(d.shape(rank), -3, 3)
    else:
        x = d.floats(d.shape(rank, empty=True), dtype, 1.5, special=special)
    return [x, lo, hi], {}


def draw_cast(d):
    rank = d.int(0, 4)
    src = d.choice(["float32", "float64", "int32", "int64", "bool"])
    x = d.floats(d.shape(rank), "float32", 3.0, special=(0.5, -0.5, 1.5, -1.5))
    if src in ("int32", "int64"):
        x = d.ints(x.shape, -5, 5, src)
    elif src == "bool":
        x = d.rng.random(x.shape) < 0.5
    else:
        x = x.astype(src)
    return [x, d.choice(["float32", "float64", "int32", "int64", "bool", "float16"])], {}


def draw_cast_to_floatx(d):
    x = d.floats(d.shape(d.int(0, 3)), d.choice(["float32", "float64"]))
    return [x], {}


# --------------------------------------------------------------------------- reductions
def draw_reduce(fn):
    def draw(d):
        rank = d.int(0, 5)
        shape = d.shape(rank, hi=3 if rank > 3 else 4, empty=fn in ("sum", "mean", "prod", "max", "min", "any",
                                                                     "all", "logsumexp"))
        if fn in ("all", "any"):
            x = d.ties(shape, "float32", levels=(0.0, 0.0, 1.0, -2.0)) if d.chance(0.7) else \
                d.rng.random(shape) < 0.7
        elif fn == "prod":
            x = d.floats(shape, d.fdtype(), special=(0.0, 1.0, -1.0))
        elif fn in ("sum", "max", "min", "mean") and d.chance(0.15):
            x = d.ints(shape, -4, 4)
        else:
            x = d.maybe_ties(shape, d.fdtype(), p=0.35 if fn in ("max", "min", "logsumexp") else 0.15)
        kw = {}
        if d.chance(0.85):
            kw["axis"] = d.axes(rank)
        if d.chance(0.6):
            kw["keepdims"] = d.chance(0.5)
        return [x], kw
    return draw


def draw_arg(fn):
    def draw(d):
        rank = d.int(1, 4)
        x = d.maybe_ties(d.shape(rank), d.fdtype(), p=0.5)
        if d.chance(0.15):
            x = d.ints(x.shape, -2, 2)
        return [x], ({} if d.chance(0.3) else {"axis": d.axis(rank)})
    return draw


def draw_cum(fn):
    def draw(d):
        rank = d.int(1, 4)
        special = (0.0, 1.0) if fn == "cumprod" else ()
        x = d.floats(d.shape(rank, empty=True), d.fdtype(), special=special)
        if d.chance(0.15):
            x = d.ints(x.shape, -3, 3)
        return [x], ({} if d.chance(0.3) else {"axis": d.axis(rank)})
    return draw


# --------------------------------------------------------------------------- binary
def _broadcast_pair(d, rank):
    shape = d.shape(rank)
    other = list(shape)
    for i in range(rank):
        if d.chance(0.25):
            other[i] = 1
    other = tuple(other[d.int(0, rank):]) if rank and d.chance(0.3) else tuple(other)
    return (shape, other) if d.chance(0.5) else (other, shape)


def draw_binary(fn):
    def draw(d):
        rank = d.int(0, 4)
        sa, sb = _broadcast_pair(d, rank)
        dtype = d.fdtype()
        if d.chance(0.2):
            return [d.ints(sa, -2, 2), d.ints(sb, -2, 2)], {}
        if d.chance(0.15) and fn in ("maximum", "minimum", "equal", "greater", "less"):
            return [d.ties(sa, dtype), 0.5], {}
        if d.chance(0.08):  # two Python numbers: TensorFlow makes them float32 tensors
            return [d.choice([-1.0, 0.5, 2.0]), d.choice([0.5, 1.0])], {}
        return [d.ties(sa, dtype) if d.chance(0.5) else d.floats(sa, dtype),
                d.ties(sb, dtype) if d.chance(0.5) else d.floats(sb, dtype)], {}
    return draw


def draw_dot(d):
    rx, ry = d.int(1, 4) if d.chance(0.1) else d.int(2, 4), d.int(1, 4) if d.chance(0.1) else d.int(2, 4)
    k = d.int(1, 4)
    sx = d.shape(rx - 1) + (k,)
    sy = (d.shape(ry - 2) + (k,) + d.shape(1)) if ry >= 2 else (k,)
    dtype = d.fdtype()
    return [d.floats(sx, dtype), d.floats(sy, dtype)], {}


def draw_batch_dot(d):
    rx, ry = d.int(2, 4), d.int(2, 4)
    b = d.int(1, 3)
    sx = [b] + list(d.shape(rx - 1))
    sy = [b] + list(d.shape(ry - 1))
    ax, ay = d.int(1, rx - 1), d.int(1, ry - 1)
    mode = d.choice(["none", "int", "tuple", "list", "negative"])
    if mode == "none":
        ax, ay = rx - 1, (ry - 1 if ry == 2 else ry - 2)
        axes = None
    elif mode == "int":
        ay = ax = d.int(1, min(rx, ry) - 1)
        axes = ax
    elif mode == "negative":
        axes = [ax - rx, ay - ry]
    else:
        axes = (ax, ay) if mode == "tuple" else [ax, ay]
    sy[ay] = sx[ax]
    dtype = d.fdtype()
    kw = {} if axes is None and d.chance(0.5) else {"axes": axes}
    return [d.floats(tuple(sx), dtype), d.floats(tuple(sy), dtype)], kw


# --------------------------------------------------------------------------- shapes
def draw_reshape(d):
    shape = d.shape(d.int(0, 4))
    n = int(np.prod(shape))
    dims = []
    rest = n
    for _ in range(d.int(0, 3)):
        divs = [k for k in range(1, rest + 1) if rest % k == 0]
        k = d.choice(divs)
        dims.append(k)
        rest //= k
    dims.append(rest)
    if d.chance(0.4):
        dims[d.int(0, len(dims) - 1)] = -1
    return [d.floats(shape, d.fdtype()), tuple(dims) if d.chance(0.5) else dims], {}


def draw_permute_dimensions(d):
    rank = d.int(1, 5)
    pattern = [int(v) for v in d.rng.permutation(rank)]
    return [d.floats(d.shape(rank, hi=3), d.fdtype()), tuple(pattern) if d.chance(0.5) else pattern], {}


def draw_transpose(d):
    return [d.floats(d.shape(d.int(0, 4), hi=3), d.fdtype())], {}


def draw_expand_dims(d):
    rank = d.int(0, 4)
    kw = {} if d.chance(0.2) else {"axis": d.int(-rank - 1, rank)}
    return [d.floats(d.shape(rank), d.fdtype())], kw


def draw_squeeze(d):
    rank = d.int(1, 4)
    shape = list(d.shape(rank))
    a = d.int(0, rank - 1)
    shape[a] = 1
    return [d.floats(tuple(shape), d.fdtype()), a - rank if d.chance(0.4) else a], {}


def draw_flatten(d):
    return [d.floats(d.shape(d.int(0, 4), empty=True), d.fdtype())], {}


def draw_batch_flatten(d):
    return [d.floats(d.shape(d.int(1, 5), hi=3, empty=True), d.fdtype())], {}


def draw_concatenate(d):
    rank = d.int(1, 4)
    shape = list(d.shape(rank))
    axis = d.axis(rank)
    dtype = d.fdtype()
    parts = []
    for _ in range(d.int(1, 3)):
        s = list(shape)
        s[axis] = d.int(0, 3)
        parts.append(d.floats(tuple(s), dtype))
    return [parts], ({} if d.chance(0.2) and axis in (-1, rank - 1) else {"axis": axis})


def draw_stack(d):
    rank = d.int(0, 3)
    shape = d.shape(rank)
    dtype = d.fdtype()
    parts = [d.floats(shape, dtype) for _ in range(d.int(1, 3))]
    return [parts], ({} if d.chance(0.2) else {"axis": d.int(-rank - 1, rank)})


def draw_tile(d):
    rank = d.int(1, 4)
    reps = [d.int(0, 3) if d.chance(0.1) else d.int(1, 3) for _ in range(rank)]
    n = reps[0] if rank == 1 and d.chance(0.4) else (tuple(reps) if d.chance(0.5) else reps)
    return [d.floats(d.shape(rank, hi=3), d.fdtype()), n], {}


def draw_repeat(d):
    return [d.floats(d.shape(2), d.fdtype()), d.int(1, 4)], {}


def draw_repeat_elements(d):
    rank = d.int(1, 5)
    x = d.floats(d.shape(rank, hi=3), d.fdtype())
    return [x, d.int(1, 3), d.axis(rank)], {}


def draw_reverse(d):
    rank = d.int(1, 4)
    axes = d.axes(rank, allow_none=False)
    return [d.floats(d.shape(rank), d.fdtype()), axes], {}


def draw_gather(d):
    rank = d.int(1, 4)
    ref = d.floats(d.shape(rank), d.fdtype())
    idx_shape = d.shape(d.int(0, 2), lo=1, hi=5)
    idx = d.ints(idx_shape, 0, ref.shape[0] - 1, d.choice(["int32", "int64"]))
    if d.chance(0.2):
        idx = [int(v) for v in idx.reshape(-1)]
    return [ref, idx], {}


def draw_one_hot(d):
    n = d.int(1, 5)
    idx = d.ints(d.shape(d.int(1, 3)), 0, n - 1, d.choice(["int32", "int64"]))
    if d.chance(0.2):  # out of range: tf.one_hot gives a zero row
        idx.flat[0] = d.choice([-1, n])
    return [idx, n], {}


def draw_padding_nd(fn, nspatial):
    def draw(d):
        fmt = d.data_format()
        x = d.floats(_channels(d, fmt, d.int(1, 2), d.shape(nspatial, hi=3), d.int(1, 3)), d.fdtype())
        pads = tuple((d.int(0, 2), d.int(0, 2)) for _ in range(nspatial))
        if fn == "temporal_padding":
            return [d.floats((d.int(1, 2), d.int(1, 4), d.int(1, 3)), d.fdtype())], \
                ({} if d.chance(0.2) else {"padding": pads[0]})
        kw = {"padding": pads if d.chance(0.5) else [list(p) for p in pads]} if d.chance(0.8) else {}
        if fmt is not None or d.chance(0.5):
            kw["data_format"] = fmt
        return [x], kw
    return draw


def draw_resize_images(d):
    fmt = d.choice(["channels_last", "channels_first"])
    x = d.floats(_channels(d, fmt, d.int(1, 2), d.shape(2, hi=3), d.int(1, 2)), d.fdtype(0.1))
    interp = d.choice(["nearest", "nearest", "bilinear", "bilinear", "bicubic", "area", "gaussian", "lanczos3",
                       "lanczos5", "mitchellcubic"])
    kw = {} if interp == "nearest" and d.chance(0.5) else {"interpolation": interp}
    return [x, d.int(1, 3), d.int(1, 3), fmt], kw


def draw_resize_volumes(d):
    fmt = d.choice(["channels_last", "channels_first"])
    x = d.floats(_channels(d, fmt, 1, d.shape(3, hi=3), d.int(1, 2)), d.fdtype(0.1))
    return [x, d.int(1, 2), d.int(1, 3), d.int(1, 2), fmt], {}


def draw_arange(d):
    start = d.choice([0, 1, -2, 5, 0.5, 3])
    kw = {}
    args = [start]
    if d.chance(0.6):
        args.append(d.choice([4, 7, -1, 2.5, 10]))
        if d.chance(0.5):
            kw["step"] = d.choice([1, 2, 3, -1, 0.5])
    if d.chance(0.5):
        kw["dtype"] = d.choice(["int32", "int64", "float32", "float64"])
    return args, kw


def draw_like(d):
    x = d.floats(d.shape(d.int(0, 3), empty=True), d.fdtype())
    return [x], ({} if d.chance(0.5) else {"dtype": d.choice(["float32", "int32", "float64", "bool"])})


def draw_identity(d):
    return [d.floats(d.shape(d.int(0, 4)), d.fdtype())], {}


def draw_stop_gradient(d):
    x = d.floats(d.shape(d.int(0, 3)), d.fdtype())
    return [[x, x * 2] if d.chance(0.3) else x], {}


def draw_eye(d):
    size = d.int(1, 4) if d.chance(0.5) else (d.int(1, 4), d.int(1, 4))
    return [size], ({} if d.chance(0.4) else {"dtype": d.choice(["float32", "float64", "int32"])})


def draw_filled(d):
    shape = d.shape(d.int(0, 3), empty=True)
    return [shape], ({} if d.chance(0.4) else {"dtype": d.choice(["float32", "float64", "int32"])})


def draw_constant(d):
    kind = d.choice(["scalar", "list", "array"])
    kw = {}
    if kind == "scalar":
        value = d.choice([0.5, 2, -1.25, True])
        if d.chance(0.6):
            kw["shape"] = d.shape(d.int(1, 3))
    elif kind == "list":
        value = [[1, 2, 3], [4, 5, 6]]
        if d.chance(0.4):
            kw["shape"] = d.choice([(3, 2), (6,), (1, 6)])
    else:
        value = d.floats(d.shape(d.int(1, 3)), "float32")
    if d.chance(0.5):
        kw["dtype"] = d.choice(["float32", "float64", "int32"])
    return [value], kw


def draw_inspect(d):
    rank = d.int(0, 4)
    x = d.floats(d.shape(rank, empty=True), d.choice(["float32", "float64", "int32"]))
    return [x], {}


# --------------------------------------------------------------------------- nn
def draw_bias_add(d):
    rank = d.int(2, 5)
    fmt = d.data_format()
    c = d.int(1, 3)
    shape = _channels(d, fmt, d.int(1, 2), d.shape(rank - 2, hi=3), c)
    dtype = d.fdtype()
    if d.chance(0.2) and rank > 2:  # a bias per position: Keras takes it channels last in both formats
        bias = d.floats(shape[2:] + (c,) if fmt == "channels_first" else shape[1:], dtype)
    else:
        bias = d.floats((c,), dtype)
    kw = {} if fmt is None and d.chance(0.5) else {"data_format": fmt}
    return [d.floats(shape, dtype), bias], kw


def draw_batch_normalization(d):
    rank = d.int(2, 4)
    shape = d.shape(rank)
    axis = d.choice([-1, -1, 1, rank - 1])
    c = shape[axis]
    dtype = d.fdtype(0.1)
    if d.chance(0.2):
        stat = tuple(c if i == axis % rank else 1 for i in range(rank))
    else:
        stat = (c,)
    mean = d.floats(stat, dtype)
    var = np.abs(d.floats(stat, dtype)) + dtype_cast(0.25, dtype)
    beta = None if d.chance(0.15) else d.floats(stat, dtype)
    gamma = None if d.chance(0.15) else d.floats(stat, dtype)
    kw = {}
    if axis != -1 or d.chance(0.5):
        kw["axis"] = axis
    if d.chance(0.5):
        kw["epsilon"] = d.choice([1e-3, 1e-5, 0.1])
    return [d.floats(shape, dtype), mean, var, beta, gamma], kw


def dtype_cast(value, dtype):
    return np.dtype(dtype).type(value)


def draw_normalize_batch_in_training(d):
    rank = d.int(2, 4)
    shape = list(d.shape(rank))
    shape[0] = d.int(2, 4)
    if d.chance(0.5):
        reduction_axes = list(range(rank - 1))
        c_axis = rank - 1
    else:
        c_axis = 1
        reduction_axes = [0] + list(range(2, rank))
    c = shape[c_axis]
    dtype = "float32"
    x = d.floats(tuple(shape), dtype)
    gamma = None if d.chance(0.1) else d.floats((c,), dtype)
    beta = None if d.chance(0.1) else d.floats((c,), dtype)
    kw = {} if d.chance(0.5) else {"epsilon": d.choice([1e-3, 1e-5, 0.1])}
    return [x, gamma, beta, reduction_axes], kw


def draw_in_top_k(d):
    b, n = d.int(1, 4), d.int(1, 6)
    preds = d.ties((b, n), levels=(0.0, 0.5, 1.0)) if d.chance(0.5) else d.floats((b, n))
    targets = d.ints((b,), 0, n - 1, d.choice(["int32", "int64"]))
    return [preds, targets, d.int(1, n)], {}


def _probs(d, shape, dtype, exact=0.2):
    p = d.f16(d.rng.uniform(0.01, 0.99, shape)).astype(dtype)
    if p.size and d.chance(exact):
        hit = d.rng.random(shape) < 0.3
        p[hit] = d.choice([0.0, 1.0])
    return p


def draw_binary_crossentropy(d):
    shape = d.shape(d.int(1, 3))
    dtype = d.fdtype(0.1)
    target = d.ties(shape, dtype, levels=(0.0, 1.0)) if d.chance(0.6) else _probs(d, shape, dtype, 0)
    logits = d.chance(0.4)
    output = d.floats(shape, dtype, 2.0, special=(0.0,)) if logits else _probs(d, shape, dtype)
    kw = {"from_logits": True} if logits else ({} if d.chance(0.5) else {"from_logits": False})
    return [target, output], kw


def draw_focal(d, categorical):
    rank = d.int(1, 3)
    shape = d.shape(rank)
    if categorical and shape[-1] == 1 and d.chance(0.7):
        shape = shape[:-1] + (3,)
    dtype = "float32"
    target = d.ties(shape, dtype, levels=(0.0, 1.0))
    logits = d.chance(0.4)
    output = d.floats(shape, dtype, 2.0) if logits else _probs(d, shape, dtype)
    kw = {}
    if logits or d.chance(0.3):
        kw["from_logits"] = logits
    if d.chance(0.5):
        kw["alpha"] = d.choice([0.25, 0.5, 1.0, 0.0])
    if d.chance(0.5):
        kw["gamma"] = d.choice([2.0, 0.0, 1.0, 3.5])
    if not categorical and d.chance(0.5):
        kw["apply_class_balancing"] = d.chance(0.5)
    if categorical and rank > 1 and d.chance(0.3):
        kw["axis"] = d.axis(rank)
    return [target, output], kw


def _class_axis(d, p_last):
    """rank, shape and class axis of a crossentropy's output (the class axis last with probability p_last)."""
    rank = d.int(1, 3)
    shape = list(d.shape(rank))
    axis = -1 if d.chance(p_last) else d.axis(rank)
    shape[axis] = d.int(1, 5)
    return rank, tuple(shape), axis


def draw_categorical_crossentropy(d):
    rank, shape, axis = _class_axis(d, 0.6)
    dtype = d.fdtype(0.1)
    cls = d.ints(tuple(s for i, s in enumerate(shape) if i != axis % rank), 0, shape[axis] - 1)
    target = np.moveaxis(np.eye(shape[axis], dtype=dtype)[cls], -1, axis % rank)
    if d.chance(0.2):
        target = _probs(d, shape, dtype, 0)  # soft targets that need not sum to 1
    logits = d.chance(0.45)
    if logits:
        output = d.floats(shape, dtype, 2.0)
    else:  # not normalised: Keras divides by the sum
        output = _probs(d, shape, dtype, 0.1)
        if d.chance(0.5):
            output = (output / output.sum(axis=axis % rank, keepdims=True).clip(1e-3)).astype(dtype)
    kw = {}
    if logits or d.chance(0.3):
        kw["from_logits"] = logits
    if axis != -1 or d.chance(0.2):
        kw["axis"] = axis
    return [target, output], kw


def draw_sparse_categorical_crossentropy(d):
    rank, shape, axis = _class_axis(d, 0.7)
    n = shape[axis]
    dtype = d.fdtype(0.1)
    tshape = tuple(s for i, s in enumerate(shape) if i != axis % rank)
    target = d.ints(tshape, 0, n - 1, d.choice(["int32", "int64"]))
    if d.chance(0.2) and axis in (-1, rank - 1):
        target = target.reshape(tshape + (1,))
    if d.chance(0.2):
        target = target.astype(dtype)  # float labels, as Keras losses pass them
    logits = d.chance(0.5)
    output = d.floats(shape, dtype, 2.0) if logits else _probs(d, shape, dtype, 0.1)
    kw = {}
    if logits or d.chance(0.3):
        kw["from_logits"] = logits
    if axis != -1 or d.chance(0.2):
        kw["axis"] = axis
    if d.chance(0.25):
        kw["ignore_class"] = d.choice([0, -1, n - 1])
        if kw["ignore_class"] == -1 and target.size:
            target.flat[0] = -1
    return [target, output], kw


# --------------------------------------------------------------------------- convolution and pooling
def _conv_args(d, nspatial, transpose=False):
    kw = {}
    strides = tuple(d.choice([1, 1, 2, 3]) for _ in range(nspatial))
    dilation = tuple(d.choice([1, 1, 2]) for _ in range(nspatial)) if d.chance(0.35) else (1,) * nspatial
    if any(s > 1 for s in strides) and d.chance(0.8):
        dilation = (1,) * nspatial  # TensorFlow refuses both > 1
    padding = d.choice(["valid", "same"] + (["causal"] if nspatial == 1 and not transpose else []))
    return strides, dilation, padding, kw


def conv1d_causal_bug(padding, data_format):
    """tf_keras's conv1d pads a causal convolution with `temporal_padding` before it moves the channels
    last, so channels_first inputs get their *channel* axis padded (a wrong result or an error); kerasish
    pads the time axis. Such cases are not recorded (test_conv_ops.py checks causal channels_first)."""
    return padding == "causal" and data_format == "channels_first"


def _as_arg(d, values, nspatial):
    if nspatial == 1 and d.chance(0.5):
        return values[0]
    return tuple(values) if d.chance(0.7) else list(values)


def draw_conv(nspatial):
    def draw(d):
        fmt = d.data_format()
        strides, dilation, padding, _ = _conv_args(d, nspatial)
        if conv1d_causal_bug(padding, fmt):
            fmt = "channels_last"
        ks = tuple(d.int(1, 3) for _ in range(nspatial))
        span = [(k - 1) * r + 1 for k, r in zip(ks, dilation)]
        spatial = tuple(s + d.int(0, 4 if nspatial < 3 else 2) for s in span)
        cin, cout = d.int(1, 3), d.int(1, 3)
        dtype = d.fdtype(0.1)
        x = d.maybe_ties(_channels(d, fmt, d.int(1, 2), spatial, cin), dtype, p=0.15)
        kernel = d.floats(ks + (cin, cout), dtype)
        kw = {}
        if strides != (1,) * nspatial or d.chance(0.3):
            kw["strides"] = _as_arg(d, strides, nspatial)
        if padding != "valid" or d.chance(0.3):
            kw["padding"] = padding
        if fmt is not None or d.chance(0.3):
            kw["data_format"] = fmt
        if dilation != (1,) * nspatial or d.chance(0.2):
            # a causal conv1d takes only an int rate in tf_keras (it multiplies the kernel size by it)
            kw["dilation_rate"] = dilation[0] if padding == "causal" else _as_arg(d, dilation, nspatial)
        return [x, kernel], kw
    return draw


def _transpose_size(d, n_in, k, s, r, padding):
    span = (k - 1) * r + 1
    if padding == "valid":
        lo = (n_in - 1) * s + span
        return d.int(lo, lo + s - 1)
    return d.int((n_in - 1) * s + 1, n_in * s)


def draw_conv_transpose(nspatial):
    def draw(d):
        fmt = d.choice(["channels_last", "channels_first"])
        strides, dilation, padding, _ = _conv_args(d, nspatial, transpose=True)
        if nspatial == 3 or any(s > 1 for s in strides):
            dilation = (1,) * nspatial
        if dilation != (1,) * nspatial:
            dilation = (dilation[0],) * nspatial  # tf_keras takes only equal rates here
        ks = tuple(d.int(1, 3) for _ in range(nspatial))
        n_in = tuple(d.int(1, 3) for _ in range(nspatial))
        out_sp = tuple(_transpose_size(d, n, k, s, r, padding) for n, k, s, r in zip(n_in, ks, strides, dilation))
        b, cin, cout = d.int(1, 2), d.int(1, 3), d.int(1, 3)
        dtype = "float32"
        x = d.floats(_channels(d, fmt, b, n_in, cin), dtype)
        kernel = d.floats(ks + (cout, cin), dtype)
        out_shape = _channels(d, fmt, b, out_sp, cout)
        kw = {"data_format": fmt}
        if strides != (1,) * nspatial or d.chance(0.3):
            kw["strides"] = tuple(strides)
        if padding != "valid" or d.chance(0.3):
            kw["padding"] = padding
        if dilation != (1,) * nspatial:
            kw["dilation_rate"] = tuple(dilation)
        return [x, kernel, tuple(out_shape) if d.chance(0.6) else list(out_shape)], kw
    return draw


def _no_strides_with_dilation(strides, dilation):
    """TensorFlow's depthwise convolution warns that strides > 1 with dilation > 1 is invalid and then
    computes something else than a strided dilated convolution: not recorded."""
    return (1,) * len(dilation) if any(s > 1 for s in strides) else dilation


def draw_depthwise(d):
    fmt = d.data_format()
    strides, dilation, padding, _ = _conv_args(d, 2)
    dilation = _no_strides_with_dilation(strides, dilation)
    if strides[0] != strides[1]:
        strides = (strides[0], strides[0])
    ks = (d.int(1, 3), d.int(1, 3))
    spatial = tuple((k - 1) * r + 1 + d.int(0, 3) for k, r in zip(ks, dilation))
    cin, mult = d.int(1, 3), d.int(1, 2)
    x = d.floats(_channels(d, fmt, d.int(1, 2), spatial, cin), "float32")
    kw = {"padding": padding, "data_format": fmt}
    if strides != (1, 1):
        kw["strides"] = strides
    if dilation != (1, 1):
        kw["dilation_rate"] = dilation
    return [x, d.floats(ks + (cin, mult), "float32")], kw


def draw_separable(nspatial):
    def draw(d):
        fmt = d.data_format()
        strides, dilation, padding, _ = _conv_args(d, nspatial)
        if padding == "causal":
            padding = "valid"
        if nspatial == 2 and strides[0] != strides[1]:
            strides = (strides[0], strides[0])
        dilation = _no_strides_with_dilation(strides, dilation)
        ks = tuple(d.int(1, 3) for _ in range(nspatial))
        spatial = tuple((k - 1) * r + 1 + d.int(0, 3) for k, r in zip(ks, dilation))
        cin, mult, cout = d.int(1, 3), d.int(1, 2), d.int(1, 3)
        x = d.floats(_channels(d, fmt, d.int(1, 2), spatial, cin), "float32")
        dk = d.floats(ks + (cin, mult), "float32")
        pk = d.floats((1,) * nspatial + (cin * mult, cout), "float32")
        kw = {"padding": padding, "data_format": fmt}
        if strides != (1,) * nspatial:
            kw["strides"] = strides  # tf_keras's separable_conv1d takes a tuple only
        if dilation != (1,) * nspatial:
            kw["dilation_rate"] = dilation[0] if nspatial == 1 else dilation
        return [x, dk, pk], kw
    return draw


def draw_pool(nspatial):
    def draw(d):
        fmt = d.data_format()
        pool = tuple(d.int(1, 3) for _ in range(nspatial))
        strides = tuple(d.int(1, 3) for _ in range(nspatial))
        padding = d.choice(["valid", "same"])
        spatial = tuple(p + d.int(0, 3 if nspatial == 2 else 2) for p in pool)
        x = d.maybe_ties(_channels(d, fmt, d.int(1, 2), spatial, d.int(1, 2)), d.fdtype(0.1), p=0.4)
        kw = {"padding": padding}
        if d.chance(0.8):
            kw["strides"] = strides
        if fmt is not None or d.chance(0.5):
            kw["data_format"] = fmt
        if d.chance(0.85):
            kw["pool_mode"] = d.choice(["max", "avg"])
        return [x, pool], kw  # tf_keras takes a tuple only
    return draw


def draw_local_conv1d(d):
    fmt = d.choice(["channels_last", "channels_first", None])
    k, s = d.int(1, 3), d.int(1, 2)
    steps = k + d.int(0, 4)
    out = (steps - k) // s + 1
    cin, filters = d.int(1, 3), d.int(1, 3)
    x = d.floats(_channels(d, fmt, d.int(1, 2), (steps,), cin), "float32")
    kernel = d.floats((out, k * cin, filters), "float32")
    kw = {} if fmt is None else {"data_format": fmt}
    return [x, kernel, (k,), (s,)], kw


def draw_local_conv2d(d, fn="local_conv2d"):
    fmt = d.choice(["channels_last", "channels_first"])
    ks = (d.int(1, 2), d.int(1, 3))
    st = (d.int(1, 2), d.int(1, 2))
    sp = tuple(k + d.int(0, 3) for k in ks)
    out = tuple((n - k) // s + 1 for n, k, s in zip(sp, ks, st))
    cin, filters = d.int(1, 2), d.int(1, 3)
    x = d.floats(_channels(d, fmt, d.int(1, 2), sp, cin), "float32")
    kernel = d.floats((out[0] * out[1], ks[0] * ks[1] * cin, filters), "float32")
    return [x, kernel, ks, st, out], {"data_format": fmt}


# --------------------------------------------------------------------------- control flow
def draw_switch(d):
    rank = d.int(0, 3)
    shape = d.shape(rank)
    dtype = d.fdtype(0.1)
    then, other = d.floats(shape, dtype), d.floats(shape, dtype)
    cond_rank = d.int(0, rank)
    cond = d.rng.random(shape[:cond_rank]) < 0.5
    if cond_rank == 0:
        cond = np.asarray(d.chance(0.5))
    return [cond, then, other], {}


def draw_in_phase(d):
    shape = d.shape(d.int(1, 3))
    x, alt = d.floats(shape, "float32"), d.floats(shape, "float32")
    return [x, alt], {"training": d.choice([0, 1, True, False])}


def draw_rnn(d):
    b, t, f = d.int(1, 3), d.int(1, 4), d.int(1, 3)
    step = d.choice(["rnn_tanh", "rnn_two_states", "rnn_constant"])
    time_major = d.chance(0.2)
    x = d.floats((t, b, f) if time_major else (b, t, f), "float32")
    states = [d.floats((b, f), "float32")]
    kw = {}
    if step == "rnn_two_states":
        states.append(d.floats((b, f), "float32"))
    if step == "rnn_constant":
        kw["constants"] = [d.floats((b, f), "float32")]
    if d.chance(0.35):
        mask = d.rng.random((b, t)) < 0.6
        if d.chance(0.5):
            mask[:, 0] = True
        if time_major:  # tf_keras takes the mask in the inputs' layout
            mask = np.ascontiguousarray(mask.T)
        kw["mask"] = mask
        if d.chance(0.6):
            kw["zero_output_for_mask"] = d.chance(0.5)
    for name, p in (("go_backwards", 0.4), ("unroll", 0.3), ("return_all_outputs", 0.2)):
        if d.chance(p):
            kw[name] = d.chance(0.5) if name != "return_all_outputs" else False
    if time_major:
        kw["time_major"] = True
    if d.chance(0.2):
        kw["input_length"] = t
    return [Fn(step), x, states], kw


def draw_map_fn(d):
    elems = d.floats(d.shape(d.int(1, 3)), "float32")
    return [Fn(d.choice(["map_square_sum", "map_tanh"])), elems], {}


def draw_fold(d):
    shape = d.shape(d.int(1, 3))
    elems = d.floats(shape, "float32")
    kw = {}
    if d.chance(0.6):
        kw["initializer"] = d.floats(shape[1:], "float32")
    return [Fn(d.choice(["fold_add_square", "fold_decay", "fold_max"])), elems], kw


# --------------------------------------------------------------------------- ctc
def _softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return (e / e.sum(axis=-1, keepdims=True)).astype(np.float32)


def draw_ctc_batch_cost(d):
    b, t, c = d.int(1, 3), d.int(2, 6), d.int(2, 5)
    max_label = d.int(1, max(1, t // 2))
    y_pred = _softmax(d.normal((b, t, c), 1.5))
    label_len = d.ints((b, 1), 1, max_label)
    input_len = np.array([[d.int(min(t, 2 * int(n) + 1), t)] for n in label_len[:, 0]], dtype="int32")
    y_true = d.ints((b, max_label), 0, c - 2)
    return [y_true, y_pred, input_len, label_len], {}


def draw_ctc_decode(d):
    b, t, c = d.int(1, 3), d.int(1, 6), d.int(2, 5)
    y_pred = _softmax(d.normal((b, t, c), 2.0))
    input_len = d.ints((b,), 1, t)
    kw = {}
    if d.chance(0.4):
        kw["greedy"] = False
        kw["beam_width"] = d.int(1, 6)
        kw["top_paths"] = d.int(1, min(2, kw["beam_width"]))
    return [y_pred, input_len], kw


def draw_ctc_label_dense_to_sparse(d):
    b, n = d.int(1, 3), d.int(1, 4)
    labels = d.ints((b, n), 1, 5)
    return [labels, d.ints((b,), 0, n)], {}


# --------------------------------------------------------------------------- variables and random
def draw_update(d):
    x = d.floats(d.shape(d.int(0, 3)), "float32")
    return [Var(x), d.floats(x.shape, "float32")], {}


def draw_moving_average_update(d):
    x = d.floats(d.shape(d.int(0, 3)), "float32")
    return [Var(x), d.floats(x.shape, "float32"), d.choice([0.9, 0.99, 0.5, 0.0])], {}


def draw_random(fn):
    def draw(d):
        shape = d.shape(d.int(1, 3))
        kw = {"seed": d.int(0, 1000)}
        if d.chance(0.4):
            kw["dtype"] = d.choice(["float32", "float64"])
        if fn in ("random_binomial", "random_bernoulli"):
            kw["p"] = d.choice([0.0, 0.5, 1.0])
        if fn == "dropout":
            return [d.floats(shape, "float32"), d.choice([0.0, 0.25, 0.5])], {"seed": kw["seed"]}
        return [shape], kw
    return draw


DRAWERS = {}
for _fn in ("abs", "exp", "log", "sqrt", "square", "sign", "sin", "cos", "tanh", "sigmoid", "hard_sigmoid",
            "softplus", "softsign", "round"):
    DRAWERS[_fn] = (draw_unary(_fn), 30)
for _fn in ("sum", "mean", "max", "min", "prod", "std", "var", "logsumexp", "all", "any"):
    DRAWERS[_fn] = (draw_reduce(_fn), 50)
for _fn in ("argmax", "argmin"):
    DRAWERS[_fn] = (draw_arg(_fn), 30)
for _fn in ("cumsum", "cumprod"):
    DRAWERS[_fn] = (draw_cum(_fn), 30)
for _fn in ("maximum", "minimum", "equal", "not_equal", "greater", "greater_equal", "less", "less_equal"):
    DRAWERS[_fn] = (draw_binary(_fn), 25)
for _fn, _n in (("spatial_2d_padding", 2), ("spatial_3d_padding", 3), ("temporal_padding", 1)):
    DRAWERS[_fn] = (draw_padding_nd(_fn, _n), 25)
for _fn in ("zeros_like", "ones_like"):
    DRAWERS[_fn] = (draw_like, 15)
for _fn in ("ones", "zeros"):
    DRAWERS[_fn] = (draw_filled, 12)
for _fn in ("shape", "int_shape", "ndim", "dtype", "count_params"):
    DRAWERS[_fn] = (draw_inspect, 8)
for _fn in ("update", "update_add", "update_sub"):
    DRAWERS[_fn] = (draw_update, 8)
for _fn in RANDOM:
    DRAWERS[_fn] = (draw_random(_fn), 10)
DRAWERS.update({
    "elu": (draw_elu, 30), "relu": (draw_relu, 60), "softmax": (draw_softmax, 30),
    "l2_normalize": (draw_l2_normalize, 40), "pow": (draw_pow, 40), "clip": (draw_clip, 40),
    "cast": (draw_cast, 30), "cast_to_floatx": (draw_cast_to_floatx, 6),
    "dot": (draw_dot, 40), "batch_dot": (draw_batch_dot, 60),
    "reshape": (draw_reshape, 25), "permute_dimensions": (draw_permute_dimensions, 25),
    "transpose": (draw_transpose, 15), "expand_dims": (draw_expand_dims, 20), "squeeze": (draw_squeeze, 20),
    "flatten": (draw_flatten, 15), "batch_flatten": (draw_batch_flatten, 15),
    "concatenate": (draw_concatenate, 30), "stack": (draw_stack, 25), "tile": (draw_tile, 25),
    "repeat": (draw_repeat, 12), "repeat_elements": (draw_repeat_elements, 30), "reverse": (draw_reverse, 25),
    "gather": (draw_gather, 30), "one_hot": (draw_one_hot, 20),
    "resize_images": (draw_resize_images, 60), "resize_volumes": (draw_resize_volumes, 20),
    "arange": (draw_arange, 20), "identity": (draw_identity, 8), "stop_gradient": (draw_stop_gradient, 8),
    "eye": (draw_eye, 12), "constant": (draw_constant, 15),
    "bias_add": (draw_bias_add, 40), "batch_normalization": (draw_batch_normalization, 40),
    "normalize_batch_in_training": (draw_normalize_batch_in_training, 40), "in_top_k": (draw_in_top_k, 40),
    "binary_crossentropy": (draw_binary_crossentropy, 50),
    "categorical_crossentropy": (draw_categorical_crossentropy, 60),
    "sparse_categorical_crossentropy": (draw_sparse_categorical_crossentropy, 60),
    "binary_focal_crossentropy": (lambda d: draw_focal(d, False), 40),
    "categorical_focal_crossentropy": (lambda d: draw_focal(d, True), 40),
    "conv1d": (draw_conv(1), 60), "conv2d": (draw_conv(2), 80), "conv3d": (draw_conv(3), 30),
    "conv2d_transpose": (draw_conv_transpose(2), 60), "conv3d_transpose": (draw_conv_transpose(3), 20),
    "depthwise_conv2d": (draw_depthwise, 40), "separable_conv1d": (draw_separable(1), 30),
    "separable_conv2d": (draw_separable(2), 40), "pool2d": (draw_pool(2), 80), "pool3d": (draw_pool(3), 30),
    "local_conv1d": (draw_local_conv1d, 20), "local_conv2d": (draw_local_conv2d, 20),
    "local_conv": (draw_local_conv2d, 10),
    "switch": (draw_switch, 30), "in_train_phase": (draw_in_phase, 8), "in_test_phase": (draw_in_phase, 8),
    "rnn": (draw_rnn, 60), "map_fn": (draw_map_fn, 10), "foldl": (draw_fold, 15), "foldr": (draw_fold, 15),
    "ctc_batch_cost": (draw_ctc_batch_cost, 25), "ctc_decode": (draw_ctc_decode, 25),
    "ctc_label_dense_to_sparse": (draw_ctc_label_dense_to_sparse, 10),
    "moving_average_update": (draw_moving_average_update, 10),
})


# --------------------------------------------------------------------------- encoding and recording
def encode(value, arrays, counter):
    """The JSON form of a drawn argument (see backend_oracle_kit); arrays go to `arrays` by name."""
    if isinstance(value, (np.ndarray, Var)):
        array = value.array if isinstance(value, Var) else value
        name = f"in{len(counter)}"
        counter.append(name)
        arrays[name] = array
        return {"v": name} if isinstance(value, Var) else {"a": name}
    if isinstance(value, Fn):
        return {"f": value.name}
    if isinstance(value, tuple):
        return {"t": [encode(v, arrays, counter) for v in value]}
    if isinstance(value, list):
        return [encode(v, arrays, counter) for v in value]
    if isinstance(value, dict):
        return {k: encode(v, arrays, counter) for k, v in value.items()}
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    return value


def draw_case(fn, index, seed):
    """Case `index` of function `fn`: its JSON spec and input arrays (a pure function of the seed)."""
    draw, _ = DRAWERS[fn]
    d = Draw(seed)
    args, kwargs = draw(d)
    arrays, counter = {}, []
    case = {"id": f"{fn}-{index:03d}", "seed": seed, "fn": fn,
            "args": encode(list(args), arrays, counter), "kwargs": encode(kwargs, arrays, counter)}
    wrt = [n for n in counter if arrays[n].dtype.kind == "f" and f'{{"a": "{n}"}}' in json.dumps(case)]
    # K.constant(tensor) passes gradients in TensorFlow only because tf.constant returns an eager tensor
    # argument as it is; a constant that carries gradients is an accident, not an API (kerasish: none)
    if wrt and fn not in RANDOM and fn != "constant":
        case["wrt"] = wrt
    if fn in RANDOM:
        case["check"] = "shape_dtype"
    if fn == "normalize_batch_in_training" and args[0].ndim == 4 and list(args[3]) == [0, 1, 2]:
        # TensorFlow's fused batch norm (tf_keras's path here) has a gradient for the normalised output
        # only: it drops whatever flows back into the returned mean and variance
        case["grad_leaves"] = ["out.0"]
    return case, arrays


class TFSide:
    """tf_keras's half of `backend_oracle_kit.run`."""

    def __init__(self, tf, K):
        self.tf, self.K = tf, K

    def tensor(self, a):
        return self.tf.constant(a)

    def variable(self, a):
        return self.tf.Variable(a)

    def tape(self):
        return self.tf.GradientTape()

    def watch(self, tape, t):
        tape.watch(t)

    def gradient(self, tape, target, sources):
        # gather's gradient is a tf.IndexedSlices: densify (duplicate indices summed)
        return [None if g is None else self.tf.convert_to_tensor(g) for g in tape.gradient(target, sources)]

    def numpy(self, t):
        return np.asarray(t)

    def is_float_tensor(self, leaf):
        return isinstance(leaf, (self.tf.Tensor, self.tf.Variable)) and leaf.dtype.is_floating

    def value(self, leaf):
        if isinstance(leaf, (self.tf.Tensor, self.tf.Variable)):
            return np.asarray(leaf)
        if isinstance(leaf, self.tf.TensorShape):
            return tuple(leaf.as_list())
        if isinstance(leaf, self.tf.DType):
            return leaf.name
        if isinstance(leaf, np.ndarray):
            return leaf
        if isinstance(leaf, (np.integer, np.floating)):
            return leaf.item()
        return leaf


KERNEL_FAMILY = {"conv1d", "conv2d", "conv3d", "conv2d_transpose", "conv3d_transpose", "depthwise_conv2d",
                 "separable_conv1d", "separable_conv2d", "pool2d", "pool3d"}


def tf_disagrees_with_itself(case, arrays, side, outputs, grads):
    """For convolutions and pooling: the reason when TensorFlow gives other numbers in the other float
    precision (the inputs are float16-exact, so either cast is exact). TensorFlow runs float32 on oneDNN
    and float64 on Eigen, and each has a bug the other lacks (both checked against a direct sum, which
    kerasish matches): oneDNN's float32 conv2d with strides (1, 2) reads the wrong rows (conv2d-010 of
    seed 7000), Eigen's conv3d with "same" padding and a kernel smaller than the stride starts at the
    wrong offset. A case where the two disagree is dropped."""
    floats = {a.dtype for a in arrays.values() if a.dtype.kind == "f"}
    if case["fn"] not in KERNEL_FAMILY or len(floats) != 1:
        return None
    other = np.float64 if floats == {np.dtype(np.float32)} else np.float32
    wide = {k: a.astype(other) if a.dtype.kind == "f" else a for k, a in arrays.items()}
    try:
        out64, grads64 = kit.run(case, wide, side, with_grads=grads is not None)
    except Exception:  # noqa: BLE001  (no float64 kernel, e.g. MaxPool3D: nothing to cross-check)
        return None
    pairs = [(outputs[p], out64[p]) for p in outputs] + \
        [(grads[n], grads64[n]) for n in (grads or {}) if grads[n] is not None]
    for a, b in pairs:
        if not np.allclose(a, b, rtol=1e-3, atol=1e-3 * max(1.0, float(np.abs(b).max(initial=0)))):
            return f"TensorFlow's float32 and float64 kernels disagree (max diff {np.abs(a - b).max():.3g})"
    return None


def unrolled_rnn_workaround(case):
    """The case to run on tf_keras instead, or None: tf_keras's unrolled `K.rnn` with go_backwards and
    zero_output_for_mask zeroes the outputs with the mask in forward order while they are in backward
    order (the model oracle's `bidirectional_unroll_workaround`). Unrolling changes nothing else, so the
    expected values come from unroll=False; the replay still runs kerasish with unroll=True."""
    kw = case["kwargs"]
    if case["fn"] == "rnn" and kw.get("unroll") and kw.get("go_backwards") and kw.get("zero_output_for_mask") \
            and "mask" in kw:
        return {**case, "kwargs": {**kw, "unroll": False}}
    return None


def record(case, arrays, side):
    """Run the case on tf_keras: the expected leaves (JSON) and the arrays to store."""
    run_case = unrolled_rnn_workaround(case) or case
    if run_case is not case:
        case["recorded_with"] = {"unroll": False}
    try:
        outputs, grads = kit.run(run_case, arrays, side)
    except Exception as e:
        if "wrt" not in case:
            raise
        outputs, grads = kit.run(run_case, arrays, side, with_grads=False)  # the values alone pass: keep them
        case["grad_refused"] = f"{type(e).__name__}: {_last_line(e)}"
    reason = tf_disagrees_with_itself(case, arrays, side, outputs, grads)
    if reason:
        raise ValueError(reason)
    expected, out_arrays = {}, {}
    for path, value in outputs.items():
        if isinstance(value, np.ndarray):
            name = f"expect_{path}"
            if case.get("check") == "shape_dtype":
                expected[path] = {"shape": list(value.shape), "dtype": value.dtype.name}
                if case["fn"] == "dropout":
                    out_arrays[name] = value
                    expected[path]["array"] = name
                continue
            out_arrays[name] = value
            expected[path] = {"array": name}
        elif isinstance(value, tuple):
            expected[path] = {"tuple": [None if v is None else int(v) for v in value]}
        else:
            expected[path] = {"value": value}
    case["expected"] = expected
    if grads is not None:
        case["grads"] = {}
        for name, g in grads.items():
            if g is None:
                case["grads"][name] = None
            else:
                out_arrays[f"expect_grad_{name}"] = g
                case["grads"][name] = f"expect_grad_{name}"
    return out_arrays


def signatures(K, KS):
    """Parameter names of every recorded function, for the replay's signature check."""
    out = {}
    for fn in sorted(DRAWERS):
        f = getattr(K, fn, None) or getattr(KS, fn)
        out[fn] = list(inspect.signature(f).parameters)
    return out


def separable_conv1d_nhwc(tf, KS):
    """tf_keras's separable_conv1d with its one bug fixed: it hands TensorFlow's 2-D separable convolution
    the 1-D format names "NWC"/"NCW", which TensorFlow 2.21 refuses for every input. This is the same
    function (same input moves, strides and dilations) with "NHWC", so the corpus records what tf_keras
    means; its SeparableConv1D layer does the same (it calls tf.nn.separable_conv2d with NHWC itself)."""

    def separable_conv1d(x, depthwise_kernel, pointwise_kernel, strides=1, padding="valid", data_format=None,
                         dilation_rate=1):
        data_format = KS.image_data_format() if data_format is None else data_format
        strides = (strides,) if isinstance(strides, int) else tuple(strides)
        dilation_rate = (dilation_rate,) if isinstance(dilation_rate, int) else tuple(dilation_rate)
        if data_format == "channels_first":
            x = tf.transpose(x, (0, 2, 1))  # what _preprocess_conv1d_input does on a CPU
        x = tf.nn.separable_conv2d(tf.expand_dims(x, 1), tf.expand_dims(depthwise_kernel, 0),
                                   tf.expand_dims(pointwise_kernel, 0), strides=(1,) + strides * 2 + (1,),
                                   padding=padding.upper(), dilations=(1,) + dilation_rate, data_format="NHWC")
        x = tf.squeeze(x, [1])
        return tf.transpose(x, (0, 2, 1)) if data_format == "channels_first" else x

    return separable_conv1d


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=7000)
    parser.add_argument("--only", default="", help="comma-separated function names (default: all)")
    parser.add_argument("--out", default=DATA_DIR)
    parser.add_argument("--scale", type=float, default=2.0, help="multiply every function's case count")
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf
    import tf_keras
    from tf_keras import backend as K
    import tf_keras.src.backend as KS

    tf.get_logger().setLevel("ERROR")
    for fn in UNEXPORTED:  # numeric functions tf_keras keeps unexported: call them through the same name
        setattr(K, fn, getattr(KS, fn))
    K.separable_conv1d = separable_conv1d_nhwc(tf, KS)
    public = {n for n in dir(K) if not n.startswith("_") and callable(getattr(K, n))
              and not inspect.isclass(getattr(K, n)) and not inspect.ismodule(getattr(K, n))}
    missing = sorted(public - set(DRAWERS) - SKIPPED)
    if missing:
        raise SystemExit(f"functions neither drawn nor skipped: {missing}")
    only = [f for f in args.only.split(",") if f] or sorted(DRAWERS)
    side = TFSide(tf, K)
    cases, packer, dropped = [], Packer(), []
    start = time.time()
    for fn in only:
        offset = sorted(DRAWERS).index(fn) * 1000
        for i in range(max(1, int(DRAWERS[fn][1] * args.scale))):
            case, arrays = draw_case(fn, i, args.seed * 1000 + offset + i)
            try:
                out_arrays = record(case, arrays, side)
            except Exception as e:  # tf_keras refuses the case: drop it, say why
                msg = f"{type(e).__name__}: {_last_line(e)}"
                dropped.append({"id": case["id"], "error": msg})
                print(f"dropped {case['id']} {json.dumps(case['kwargs'])[:120]}: {msg}", flush=True)
                continue
            case["arrays"] = {k: packer.add(k, v) for k, v in {**arrays, **out_arrays}.items()}
            cases.append(case)
    os.makedirs(args.out, exist_ok=True)
    text = json.dumps({"generator": "tools/make_backend_oracle.py", "tf_keras": tf_keras.__version__,
                       "tensorflow": tf.__version__, "signatures": signatures(K, KS), "skipped": sorted(SKIPPED),
                       "dropped": dropped, "cases": cases}, separators=(",", ":"))
    with open(os.path.join(args.out, "backend_oracle.json.gz"), "wb") as f:  # mtime=0: same corpus, same bytes
        with gzip.GzipFile(fileobj=f, mode="wb", mtime=0, filename="") as z:
            z.write(text.encode())
    np.savez_compressed(os.path.join(args.out, "backend_oracle.npz"), **packer.arrays())
    print(f"{len(cases)} cases of {len(only)} functions kept, {len(dropped)} dropped, {time.time() - start:.0f} s")


if __name__ == "__main__":
    main()
