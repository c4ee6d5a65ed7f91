"""conv_relu_max_pool (one node for Conv(relu) -> MaxPooling) against the two separate ops and finite
differences, and the Functional models that use it: which layer pairs qualify, same training results."""
import numpy as np
import pytest

import kerasish as keras
from kerasish.backend import GradientTape, Tensor
from kerasish.backend.ops import conv as C
from kerasish.backend.ops import math as m
from kerasish.backend.ops import pool as P
from kerasish.backend.ops.conv_pool import conv_relu_max_pool
from kerasish.models import functional
from tests.backend.test_parallel import force_split
from tests.gradcheck import check_grads

CASES = [  # x shape, kernel shape, pool size, conv kwargs
    ((3, 9, 8, 2), (3, 3, 2, 5), (2, 2), {}),
    ((2, 11, 10, 3), (3, 3, 3, 4), (2, 2), dict(padding="same", strides=2)),   # odd: uncovered rows
    ((2, 12, 12, 2), (3, 2, 2, 3), (3, 2), dict(dilation_rate=2)),
    ((3, 13, 2), (3, 2, 6), (2,), dict(padding="causal")),                       # 1-D
    ((1, 6, 7, 6, 2), (2, 2, 2, 2, 3), (2, 2, 2), {}),                          # 3-D
]


def _grads(fn, x, w, b, weights):
    ts = [Tensor(a) if a is not None else None for a in (x, w, b)]
    with GradientTape() as tape:
        tape.watch([t for t in ts if t is not None])
        y = fn(*ts)
        loss = m.sum(m.multiply(y, Tensor(weights)))
    return [y.numpy()] + [g.numpy() for g in tape.gradient(loss, [t for t in ts if t is not None])]


def _separate(x, w, b, ps, kwargs):
    return P.pool(C.conv(x, w, b, activation="relu", **kwargs), ps, ps)


@pytest.mark.parametrize("with_bias", [True, False], ids=["bias", "no_bias"])
@pytest.mark.parametrize("xs,ks,ps,kwargs", CASES, ids=[str(c[:3]) for c in CASES])
def test_values_and_gradients_equal_conv_then_pool(xs, ks, ps, kwargs, with_bias, monkeypatch):
    rng = np.random.RandomState(0)
    x = rng.randint(-2, 3, size=xs).astype(np.float64)  # small integers: ties and all-zero windows
    w = rng.randint(-2, 3, size=ks) * 0.5
    b = np.linspace(-1.0, 0.5, ks[-1]) if with_bias else None
    out_shape = _separate(x, w, b, ps, kwargs).shape
    weights = rng.normal(size=out_shape)
    want = _grads(lambda *t: _separate(*t, ps, kwargs), x, w, b, weights)
    got = _grads(lambda *t: conv_relu_max_pool(*t, ps, **kwargs), x, w, b, weights)
    for g, e in zip(got, want):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12)
    force_split(monkeypatch)  # the same, split over threads
    for g, e in zip(_grads(lambda *t: conv_relu_max_pool(*t, ps, **kwargs), x, w, b, weights), want):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12)


def test_matches_finite_differences():
    rng = np.random.RandomState(1)
    check_grads(lambda t, k, c: conv_relu_max_pool(t, k, c, (2, 2), padding="same"),
                rng.normal(size=(2, 7, 6, 2)), rng.normal(size=(3, 3, 2, 3)), rng.normal(size=3))


def test_float32_slices_and_only_weight_gradients(monkeypatch):
    from kerasish.backend.ops import conv_pool

    monkeypatch.setattr(conv_pool, "SLICE_BYTES", 1)  # one sample per slice
    rng = np.random.RandomState(2)
    x = rng.rand(5, 10, 10, 3).astype(np.float32)
    w = (rng.randint(-2, 3, size=(3, 3, 3, 4)) * 0.25).astype(np.float32)
    b = np.linspace(-0.5, 0.5, 4).astype(np.float32)
    wt, bt = Tensor(w), Tensor(b)
    with GradientTape() as tape:  # x is a constant: no input gradient is computed
        tape.watch([wt, bt])
        y = conv_relu_max_pool(x, wt, bt, 2)
        loss = m.sum(y)
    gw, gb = tape.gradient(loss, [wt, bt])
    assert y.numpy().dtype == np.float32
    np.testing.assert_allclose(y.numpy(), _separate(x, w, b, (2, 2), {}).numpy(), rtol=1e-6)
    with GradientTape() as tape:
        tape.watch([wt, bt])
        loss2 = m.sum(_separate(x, wt, bt, (2, 2), {}))
    want_w, want_b = tape.gradient(loss2, [wt, bt])
    np.testing.assert_allclose(gw.numpy(), want_w.numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(gb.numpy(), want_b.numpy(), rtol=1e-5, atol=1e-5)


def test_bad_kernel_rank_names_the_op():
    with pytest.raises(ValueError, match="conv_relu_max_pool: expected a kernel of rank 3, 4 or 5"):
        conv_relu_max_pool(np.ones((1, 4, 4, 1)), np.ones((3, 1)), None, 2)


# --------------------------------------------------------------------------- in models
L = keras.layers


def _pairs(model):
    return [(node.layer.name) for node in functional._conv_pool_pairs(model).values()]


def test_which_layer_pairs_run_fused():
    inp = keras.Input((12, 12, 1))
    a = L.MaxPooling2D(2, name="fused_pool")(L.Conv2D(4, 3, activation="relu")(inp))
    b = L.MaxPooling2D(2, name="linear_conv")(L.Conv2D(4, 3)(inp))
    c = L.MaxPooling2D(2, strides=1, name="overlapping")(L.Conv2D(4, 3, activation="relu")(inp))
    d = L.MaxPooling2D(2, padding="same", name="same_padding")(L.Conv2D(4, 3, activation="relu")(inp))
    shared = L.Conv2D(4, 3, activation="relu")(inp)
    e = L.MaxPooling2D(2, name="second_consumer")(shared)
    f = L.AveragePooling2D(2, name="average")(L.Conv2D(4, 3, activation="relu")(inp))
    model = keras.Model(inp, [a, b, c, d, e, L.Flatten()(shared), f])
    assert _pairs(model) == ["fused_pool"]


def test_a_convolution_that_is_also_a_model_output_is_not_fused():
    inp = keras.Input((8, 8, 1))
    conv = L.Conv2D(2, 3, activation="relu")(inp)
    model = keras.Model(inp, [conv, L.MaxPooling2D(2)(conv)])
    assert _pairs(model) == []


def test_training_with_the_fused_pairs_equals_the_separate_layers(monkeypatch):
    def train():
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((14, 14, 1)), L.Conv2D(4, 3, activation="relu"), L.MaxPooling2D(2),
                                  L.Conv2D(6, 3, activation="relu", padding="same"), L.MaxPooling2D(2),
                                  L.Flatten(), L.Dense(3, activation="softmax")])
        model.compile("adam", "sparse_categorical_crossentropy")
        x = np.random.RandomState(0).rand(24, 14, 14, 1).astype("float32")
        y = np.arange(24) % 3
        history = model.fit(x, y, batch_size=8, epochs=3, verbose=0, shuffle=False)
        return model, model.get_weights(), history.history["loss"], model.predict(x, verbose=0)

    calls = []
    original = functional._fused_conv_pool
    monkeypatch.setattr(functional, "_fused_conv_pool", lambda *a: calls.append(1) or original(*a))
    model, fused_w, fused_loss, fused_p = train()
    assert len(_pairs(model)) == 2 and calls  # the pairs did run fused
    monkeypatch.setattr(functional, "_fused_conv_pool", lambda *a: None)
    _, plain_w, plain_loss, plain_p = train()
    np.testing.assert_allclose(fused_loss, plain_loss, rtol=1e-5)
    for got, want in zip(fused_w, plain_w):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(fused_p, plain_p, rtol=1e-5, atol=1e-6)


def test_predict_runs_the_pairs_fused_with_the_same_outputs(monkeypatch):
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((15, 13, 2)), L.Conv2D(5, 3, activation="relu"), L.MaxPooling2D(2),
                              L.Conv2D(4, 2, activation="relu"), L.MaxPooling2D(2), L.Flatten(), L.Dense(3)])
    x = np.random.RandomState(3).normal(size=(9, 15, 13, 2)).astype("float32")
    separate = x
    for layer in model.layers:
        separate = layer(separate)
    steps = [step for _, step in model._inference_plan()]
    assert steps.count(functional._conv_pool_step) == 2
    np.testing.assert_allclose(model.predict(x, verbose=0), separate.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model(x).numpy(), separate.numpy(), rtol=1e-5, atol=1e-6)
