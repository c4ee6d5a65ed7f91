"""Pooling: values against naive loops (TensorFlow's padding and averaging rules), first-max gradient
routing on ties, finite-difference gradients (first and second order), global pooling and errors."""
import numpy as np
import pytest

from kerasish.backend import GradientTape, Tensor
from kerasish.backend.ops import math as m
from kerasish.backend.ops import pool as P
from tests.gradcheck import check_grads

RNG = np.random.RandomState(0)


def T(a):
    return Tensor(np.asarray(a, dtype=np.float64))


def cf(a):
    return np.ascontiguousarray(np.moveaxis(a, -1, 1))


def ref_pool(x, ksize, strides, padding, mode):
    """Loops over output positions; windows are clipped to the real input (TF: padding never counts)."""
    spatial = x.shape[1:-1]
    geo = []
    for n, k, s in zip(spatial, ksize, strides):
        if padding == "valid":
            geo.append(((n - k) // s + 1, 0))
        else:
            out = -(-n // s)
            geo.append((out, max((out - 1) * s + k - n, 0) // 2))
    out_sp = tuple(g[0] for g in geo)
    y = np.zeros((x.shape[0],) + out_sp + (x.shape[-1],))
    for idx in np.ndindex(*out_sp):
        sl = tuple(slice(max(i * s - b, 0), min(i * s - b + k, n))
                   for i, s, (_, b), k, n in zip(idx, strides, geo, ksize, spatial))
        win = x[(slice(None),) + sl + (slice(None),)]
        axes = tuple(range(1, x.ndim - 1))
        y[(slice(None),) + idx] = win.max(axis=axes) if mode == "max" else win.mean(axis=axes)
    return y


CASES = [  # x shape, pool_size, strides, padding
    ((2, 7, 3), (2,), (2,), "valid"),
    ((2, 7, 3), (3,), (2,), "same"),
    ((2, 6, 6, 3), (2, 2), (2, 2), "valid"),
    ((2, 7, 5, 2), (2, 2), (2, 2), "valid"),
    ((2, 7, 5, 2), (2, 2), (2, 2), "same"),
    ((1, 7, 6, 2), (3, 3), (2, 2), "valid"),
    ((1, 6, 7, 2), (3, 2), (2, 1), "same"),
    ((1, 5, 5, 1), (2, 3), (3, 4), "valid"),
    ((1, 4, 5, 3, 2), (2, 2, 2), (2, 2, 2), "same"),
    ((1, 4, 5, 4, 1), (3, 2, 2), (1, 2, 3), "valid"),
]


@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{c[1]}-{c[2]}-{c[3]}" for c in CASES])
def test_pool_values_and_gradients(case, mode):
    xs, ksize, strides, padding = case
    x = RNG.normal(size=xs)  # distinct values: no ties, so max pooling is differentiable
    out = P.pool(T(x), ksize, strides, padding, "channels_last", mode).numpy()
    np.testing.assert_allclose(out, ref_pool(x, ksize, strides, padding, mode), rtol=1e-12)
    out_cf = P.pool(T(cf(x)), ksize, strides, padding, "channels_first", mode).numpy()
    np.testing.assert_allclose(out_cf, cf(out), rtol=1e-12)
    check_grads(lambda t: P.pool(t, ksize, strides, padding, pool_mode=mode), x)
    check_grads(lambda t: P.pool(t, ksize, strides, padding, "channels_first", mode), cf(x))


def test_keras_backend_example():
    x = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
    mx = P.pool2d(x, (2, 2), strides=(2, 2), pool_mode="max")
    av = P.pool2d(x, (2, 2), strides=(2, 2), pool_mode="avg")
    np.testing.assert_array_equal(mx.numpy()[0, :, :, 0], [[5, 7], [13, 15]])
    np.testing.assert_array_equal(av.numpy()[0, :, :, 0], [[2.5, 4.5], [10.5, 12.5]])
    assert mx.dtype == av.dtype == np.float32


def test_avg_same_padding_divides_by_real_elements_only():
    out = P.pool2d(np.ones((1, 3, 3, 1), "float32"), (2, 2), strides=(1, 1), padding="same", pool_mode="avg")
    np.testing.assert_array_equal(out.numpy(), np.ones((1, 3, 3, 1)))
    x = np.arange(1.0, 6.0, dtype="float32").reshape(1, 5, 1)
    # windows (pad 1 before, 1 after): [_,1,2] [2,3,4] [4,5,_] -> means over the real values only
    np.testing.assert_allclose(P.pool1d(x, 3, 2, padding="same", pool_mode="avg").numpy().ravel(), [1.5, 3.0, 4.5])


def test_max_same_padding_never_picks_the_padding():
    x = -np.ones((1, 3, 3, 1), "float32")
    out = P.pool2d(x, (2, 2), strides=(2, 2), padding="same")
    np.testing.assert_array_equal(out.numpy(), -np.ones((1, 2, 2, 1)))


def _grad(fn, x):
    t = Tensor(np.asarray(x, dtype="float32"))
    with GradientTape() as tape:
        tape.watch(t)
        y = fn(t)
    return tape.gradient(y, t).numpy()


def test_max_gradient_goes_to_the_first_maximum_on_ties():
    g = _grad(lambda t: P.pool2d(t, (2, 2), strides=(2, 2)), np.zeros((1, 2, 4, 1)))
    np.testing.assert_array_equal(g[0, :, :, 0], [[1, 0, 1, 0], [0, 0, 0, 0]])
    x = np.array([[1.0, 3.0], [3.0, 3.0]]).reshape(1, 2, 2, 1)
    g = _grad(lambda t: P.pool2d(t, (2, 2), strides=(2, 2)), x)
    np.testing.assert_array_equal(g[0, :, :, 0], [[0, 1], [0, 0]])
    # overlapping windows: each window's tie goes to its own first maximum, contributions accumulate
    g = _grad(lambda t: P.pool1d(t, 2, 1), np.array([5.0, 5.0, 5.0, 1.0, 5.0]).reshape(1, 5, 1))
    np.testing.assert_array_equal(g.ravel(), [1, 1, 1, 0, 1])
    g = _grad(lambda t: P.pool1d(t, 3, 1), np.array([5.0, 5.0, 5.0, 1.0]).reshape(1, 4, 1))
    np.testing.assert_array_equal(g.ravel(), [1, 1, 0, 0])
    g = _grad(lambda t: P.pool2d(t, (3, 3), strides=(1, 1), padding="same"), np.zeros((1, 3, 3, 1)))
    np.testing.assert_array_equal(g[0, :, :, 0], [[4, 2, 0], [2, 1, 0], [0, 0, 0]])


def test_avg_gradient_spreads_evenly_and_drops_the_remainder():
    g = _grad(lambda t: P.pool2d(t, (2, 2), strides=(2, 2), pool_mode="avg"), np.ones((1, 5, 4, 1)))
    np.testing.assert_array_equal(g[0, :, :, 0], np.r_[np.full((4, 4), 0.25), np.zeros((1, 4))])


@pytest.mark.parametrize("mode", ["max", "avg"])
def test_second_derivatives_through_pooling(mode):
    x = RNG.normal(size=(1, 5, 4, 2))
    check_grads(lambda t: m.square(P.pool(t, (2, 2), (1, 2), "same", pool_mode=mode)), x, order=2)
    check_grads(lambda t: P.pool(m.multiply(t, t), (3, 2), (2, 2), "valid", pool_mode=mode), x, order=2)


def test_global_pool():
    x = RNG.normal(size=(2, 3, 4, 5))
    np.testing.assert_allclose(P.global_pool(T(x)).numpy(), x.mean(axis=(1, 2)), rtol=1e-12)
    np.testing.assert_allclose(P.global_pool(T(x), "max", "channels_first", keepdims=True).numpy(),
                               x.max(axis=(2, 3), keepdims=True), rtol=1e-12)
    check_grads(lambda t: P.global_pool(t, "avg"), x)
    check_grads(lambda t: P.global_pool(t, "max", "channels_first"), x)


def test_errors_name_the_op_and_the_shapes():
    x = np.ones((1, 4, 4, 1), "float32")
    with pytest.raises(ValueError, match=r"pool2d.*rank 4.*\(4, 4, 1\)"):
        P.pool2d(np.ones((4, 4, 1)), (2, 2))
    with pytest.raises(ValueError, match="pool2d.*pooling mode"):
        P.pool2d(x, (2, 2), pool_mode="sum")
    with pytest.raises(ValueError, match="pool2d.*padding"):
        P.pool2d(x, (2, 2), padding="causal")
    with pytest.raises(ValueError, match="pool2d.*pool_size"):
        P.pool2d(x, (2, 2, 2))
    with pytest.raises(ValueError, match=r"pool2d.*smaller"):
        P.pool2d(x, (5, 5))
    with pytest.raises(ValueError, match="global_pool.*mode"):
        P.global_pool(x, "sum")


def test_pool3d_and_dtype():
    x = RNG.normal(size=(1, 4, 4, 4, 2)).astype("float32")
    out = P.pool3d(x, (2, 2, 2), (2, 2, 2), pool_mode="avg")
    assert out.dtype == np.float32 and out.shape == (1, 2, 2, 2, 2)
    np.testing.assert_allclose(out.numpy(), ref_pool(x.astype(float), (2, 2, 2), (2, 2, 2), "valid", "avg"),
                               rtol=1e-5, atol=1e-7)
    assert _grad(lambda t: P.pool3d(t, (2, 2, 2), (2, 2, 2)), x).dtype == np.float32


def test_held_outputs_and_gradients_are_never_overwritten():
    x1, x2 = RNG.normal(size=(2, 4, 4, 3)), RNG.normal(size=(2, 4, 4, 3))
    y1 = P.pool2d(x1, (2, 2), (2, 2))
    before = y1.numpy().copy()
    y2 = P.pool2d(x2, (2, 2), (2, 2))
    np.testing.assert_array_equal(y1.numpy(), before)
    assert not np.shares_memory(y1.numpy(), y2.numpy())
    g1 = _grad(lambda t: P.pool2d(t, (2, 2), (2, 2)), x1)
    g2 = _grad(lambda t: P.pool2d(t, (2, 2), (2, 2)), x2)
    assert not np.shares_memory(g1, g2) and g1.sum() == g2.sum() == 2 * 2 * 2 * 3


# --------------------------------------------------------------------------- relu convolution -> max pooling
# Over non-overlapping windows the pooling hands its input gradient over unbuilt; a relu-fused convolution
# right below it asks for the relu-masked gradient directly (no exact gradient, no full-size relu mask).
# Every observable gradient must equal the plain path's: the same chain with an identity op in between.
def _chain_grads(x, w, b, pool_size, through_identity, watch_x, extra_use=False, keep_hidden=False):
    from kerasish.backend.ops import conv as C

    xt, wv, bv = Tensor(x), Tensor(w), Tensor(b)
    with GradientTape(persistent=True) as tape:
        tape.watch([wv, bv])
        if watch_x:
            tape.watch(xt)
        h = C.conv(xt, wv, bv, activation="relu")
        hp = m.multiply(h, 1.0) if through_identity else h
        out = P.pool(hp, pool_size, pool_size)
        loss = m.sum(m.multiply(out, Tensor(np.linspace(-1.0, 2.0, out.size).reshape(out.shape))))
        if extra_use:
            loss = m.add(loss, m.sum(m.multiply(h, h)))
    sources = [wv, bv] + ([xt] if watch_x else []) + ([h] if keep_hidden else [])
    return [g.numpy() for g in tape.gradient(loss, sources)]


RELU_POOL_CASES = [  # x shape, kernel shape, pool size
    ((3, 8, 8, 1), (3, 3, 1, 12), (2, 2)),   # covers the input exactly
    ((3, 8, 8, 1), (3, 3, 1, 4), (2, 2)),
    ((2, 9, 7, 2), (3, 2, 2, 16), (2, 2)),   # odd sizes: the last row/column is in no window
    ((2, 10, 9, 3), (2, 2, 3, 2), (3, 2)),
    ((2, 11, 3), (3, 3, 12), (2,)),          # 1-D
    ((1, 6, 5, 6, 2), (2, 2, 2, 2, 17), (2, 2, 2)),
    ((2, 6, 6, 4), (1, 1, 4, 6), (2, 2)),    # 1x1 convolution (its input is the im2col matrix)
]


@pytest.mark.parametrize("xs,ks,ps", RELU_POOL_CASES, ids=[str(c[:2]) for c in RELU_POOL_CASES])
@pytest.mark.parametrize("watch_x", [False, True], ids=["first_layer", "input_gradient"])
def test_relu_conv_then_max_pool_gradients_equal_the_plain_path(xs, ks, ps, watch_x, monkeypatch):
    calls = []
    original = P._PooledGrad.relu_masked
    monkeypatch.setattr(P._PooledGrad, "relu_masked", lambda self, *part: calls.append(1) or original(self, *part))
    rng = np.random.RandomState(7)
    x = rng.randint(-2, 3, size=xs).astype(np.float64)  # small integers: many ties and all-zero windows
    x[:, :2] = 0.0
    w = rng.randint(-2, 3, size=ks) * 0.5
    b = np.linspace(-1.0, 0.5, ks[-1])
    fast = _chain_grads(x, w, b, ps, False, watch_x)
    plain = _chain_grads(x, w, b, ps, True, watch_x)
    for got, want in zip(fast, plain):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    assert calls  # the fast run handed the pooled gradient over unbuilt (the plain run cannot)
    check_grads(lambda t: P.pool(C_relu(t, w, b), ps, ps), rng.normal(size=xs))


def C_relu(t, w, b):
    from kerasish.backend.ops import conv as C

    return C.conv(t, w, b, activation="relu")


def test_relu_conv_then_max_pool_float32_and_other_consumers():
    rng = np.random.RandomState(3)
    x = np.maximum(rng.randint(-1, 3, size=(4, 12, 12, 3)), 0).astype(np.float32)
    w = (rng.randint(-2, 3, size=(3, 3, 3, 8)) * 0.25).astype(np.float32)
    b = np.linspace(-0.5, 0.5, 8).astype(np.float32)
    for kwargs in (dict(), dict(extra_use=True), dict(keep_hidden=True), dict(extra_use=True, keep_hidden=True)):
        fast = _chain_grads(x, w, b, (2, 2), False, False, **kwargs)
        plain = _chain_grads(x, w, b, (2, 2), True, False, **kwargs)
        for got, want in zip(fast, plain):
            assert got.dtype == np.float32
            np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-5 * np.abs(want).max())


def test_gradient_asked_for_the_pooled_relu_output_is_exact():
    """The relu output's own gradient still sends each window's gradient to its first maximum, zero
    windows included (the relu mask only applies further down)."""
    x = np.zeros((1, 4, 4, 1), np.float32)
    x[0, 0, 1, 0] = 1.0
    w = np.ones((1, 1, 1, 1), np.float32)
    b = np.zeros(1, np.float32)
    gw, gb, gh = _chain_grads(x, w, b, (2, 2), False, False, keep_hidden=True)
    coef = np.linspace(-1.0, 2.0, 4).reshape(2, 2)
    want = np.zeros((4, 4))
    want[0, 1], want[0, 2], want[2, 0], want[2, 2] = coef[0, 0], coef[0, 1], coef[1, 0], coef[1, 1]
    np.testing.assert_array_equal(gh[0, :, :, 0], want)
    assert gw.ravel()[0] == coef[0, 0] and gb[0] == coef[0, 0]


def test_max_pooling_ties_follow_tensorflow():
    # TensorFlow's MaxPoolGrad (1-D, 2-D) gives a window's gradient to its first maximum; MaxPool3DGrad to
    # every maximum (tf_keras 2.21, oneDNN and its own kernel alike): [1, 2, 1] for overlapping windows of ones
    def grad(op, shape, size):
        x = Tensor(np.ones(shape, "float32"))
        with GradientTape() as tape:
            tape.watch(x)
            y = op(x, size, strides=(1,) * len(size))
        return tape.gradient(y, x).numpy().ravel()

    np.testing.assert_array_equal(grad(P.pool2d, (1, 3, 1, 1), (2, 1)), [1, 1, 0])
    np.testing.assert_array_equal(grad(P.pool3d, (1, 3, 1, 1, 1), (2, 1, 1)), [1, 2, 1])
