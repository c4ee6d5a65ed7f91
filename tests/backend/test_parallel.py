"""Batch-parallel kernels: every part of the batch is computed exactly once, errors and BLAS's thread
count survive the hand-off, and conv / pool / dense give the same values and gradients split over
threads as in one piece (forced here with a zero work threshold, so it runs on any machine)."""
import os
import threading
import time

import numpy as np
import pytest

from kerasish.backend import GradientTape, Tensor
from kerasish.backend.ops import conv as C
from kerasish.backend.ops import fused as F
from kerasish.backend.ops import math as m
from kerasish.backend.ops import parallel
from kerasish.backend.ops import pool as P
from tests.gradcheck import check_grads


class FakeBlas:
    """Stands in for OpenBLAS's get/set_num_threads so the split runs even without OpenBLAS."""

    def __init__(self, threads):
        self.threads = threads

    def get(self):
        return self.threads

    def set(self, value):
        self.threads = value


def force_split(monkeypatch):
    """Make every kernel split its batch into up to 3 parts (the caller and two workers)."""
    blas = FakeBlas(3)
    monkeypatch.setattr(parallel, "_CONTROLS", (blas.get, blas.set))
    monkeypatch.setattr(parallel, "_CPUS", 3)
    monkeypatch.setattr(parallel, "TUNER", parallel.StepTuner(controls=(blas.get, blas.set), cpus=3))
    monkeypatch.setattr(parallel, "MIN_WORK_PER_THREAD", 1)
    monkeypatch.setattr(parallel, "_last_team_use", 0.0)
    monkeypatch.setattr(parallel, "BLAS_SPIN_S", 1e9)  # Dense kernels join the team too
    return blas


@pytest.fixture
def split(monkeypatch):
    return force_split(monkeypatch)


def test_parts_cover_the_batch_once_on_several_threads(split):
    seen, threads = [], set()
    lock = threading.Lock()

    def kernel(lo, hi):
        with lock:
            seen.extend(range(lo, hi))
            threads.add(threading.get_ident())
        time.sleep(0.05)  # long enough for a worker to take the next part

    assert parallel.over_batch(kernel, 10, work=10 ** 6) == 3
    assert sorted(seen) == list(range(10))
    assert len(threads) >= 2


def test_small_work_runs_in_one_piece_on_the_caller(split, monkeypatch):
    monkeypatch.setattr(parallel, "MIN_WORK_PER_THREAD", 1000)
    calls = []
    assert parallel.over_batch(lambda lo, hi: calls.append((lo, hi, threading.get_ident())), 8, work=999) == 1
    assert calls == [(0, 8, threading.get_ident())]


def test_blas_is_held_at_one_thread_inside_and_restored_after(split):
    inside = []
    parallel.over_batch(lambda lo, hi: inside.append(split.threads), 4, work=10 ** 6)
    assert set(inside) == {1}
    assert split.threads == 3


def test_blas_capped_at_one_thread_means_no_split(split):
    split.threads = 1
    calls = []
    assert parallel.over_batch(lambda lo, hi: calls.append((lo, hi)), 6, work=10 ** 6) == 1
    assert calls == [(0, 6)]


@pytest.mark.parametrize("failing_part", [0, 2])
def test_an_error_in_any_part_reaches_the_caller_and_restores_blas(split, failing_part):
    def kernel(lo, hi):
        if lo == [0, 2, 4][failing_part]:
            raise ValueError(f"part starting at {lo} failed")

    with pytest.raises(ValueError, match=f"part starting at {[0, 2, 4][failing_part]} failed"):
        parallel.over_batch(kernel, 6, work=10 ** 6)
    assert split.threads == 3
    calls = []  # the team still works afterwards
    parallel.over_batch(lambda lo, hi: calls.append(lo), 6, work=10 ** 6)
    assert sorted(calls) == [0, 2, 4]


def test_a_nested_or_concurrent_call_runs_in_one_piece(split):
    inner = []

    def outer(lo, hi):
        inner.append(parallel.over_batch(lambda a, b: None, 4, work=10 ** 6))

    parallel.over_batch(outer, 6, work=10 ** 6)
    assert inner == [1, 1, 1]


def test_dense_kernels_join_the_team_only_while_other_kernels_use_it(split, monkeypatch):
    monkeypatch.setattr(parallel, "BLAS_SPIN_S", 0.25)
    monkeypatch.setattr(parallel, "_last_team_use", -1e9)
    assert parallel.over_batch(lambda lo, hi: None, 6, work=10 ** 6, mostly_blas=True) == 1
    parallel.over_batch(lambda lo, hi: None, 6, work=10 ** 6)  # a convolution, say
    assert parallel.over_batch(lambda lo, hi: None, 6, work=10 ** 6, mostly_blas=True) == 3


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_starts_its_own_workers(split):
    parallel.over_batch(lambda lo, hi: None, 6, work=10 ** 6)  # workers exist in the parent
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: the parent's worker threads are gone; new ones must be started
        try:
            seen = []
            parallel.over_batch(lambda lo, hi: seen.extend(range(lo, hi)), 6, work=10 ** 6)
            os.write(write, b"ok" if sorted(seen) == list(range(6)) else b"bad")
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    assert os.read(read, 16) == b"ok"


def test_the_real_blas_controls_when_present():
    if parallel._CONTROLS is None:
        pytest.skip("numpy is not linked against an OpenBLAS whose thread count can be set")
    get, put = parallel._CONTROLS
    before = get()
    put(1)
    assert get() == 1
    put(before)
    assert get() == before


# --------------------------------------------------------------------------- kernels split vs whole
def _conv_grads(x, w, b, **kwargs):
    xt, wt, bt = Tensor(x), Tensor(w), Tensor(b)
    with GradientTape() as tape:
        tape.watch([xt, wt, bt])
        y = C.conv(xt, wt, bt, **kwargs)
        loss = m.sum(m.multiply(y, y))
    return [y.numpy()] + [g.numpy() for g in tape.gradient(loss, [xt, wt, bt])]


CONV_CASES = [
    dict(activation="relu"),
    dict(padding="same", strides=2),
    dict(padding="same", dilation_rate=2, activation="relu"),
    dict(groups=2),
    dict(data_format="channels_first"),
]


@pytest.mark.parametrize("kwargs", CONV_CASES, ids=[str(k) for k in CONV_CASES])
def test_conv_split_over_threads_equals_one_piece(kwargs, monkeypatch):
    rng = np.random.RandomState(1)
    x = rng.normal(size=(7, 9, 8, 4))
    if kwargs.get("data_format") == "channels_first":
        x = x.transpose(0, 3, 1, 2)
    w = rng.normal(size=(3, 3, 4 // kwargs.get("groups", 1), 6))
    b = rng.normal(size=6)
    whole = _conv_grads(x, w, b, **kwargs)
    force_split(monkeypatch)
    parts = _conv_grads(x, w, b, **kwargs)
    for got, want in zip(parts, whole):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_conv_1x1_split_equals_one_piece(monkeypatch):
    rng = np.random.RandomState(2)
    x, w, b = rng.normal(size=(5, 4, 4, 3)), rng.normal(size=(1, 1, 3, 2)), rng.normal(size=2)
    whole = _conv_grads(x, w, b)
    force_split(monkeypatch)
    for got, want in zip(_conv_grads(x, w, b), whole):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_split_conv_and_pool_match_finite_differences(split):
    rng = np.random.RandomState(3)
    w, b = rng.normal(size=(3, 3, 2, 3)), rng.normal(size=3)
    check_grads(lambda t, k, c: P.pool(C.conv(t, k, c, activation="relu"), (2, 2), (2, 2)),
                rng.normal(size=(5, 9, 8, 2)), w, b)
    check_grads(lambda t: P.pool(t, (3, 3), (2, 2), padding="same", pool_mode="avg"), rng.normal(size=(4, 7, 7, 2)))


def _relu_pool_grads(x, w, b, exact):
    """Gradients of conv(relu) -> max pool: `exact` builds the pooling's full input gradient (another
    consumer of the convolution's output forces it), else the relu-masked hand-over is used."""
    xt, wt, bt = Tensor(x), Tensor(w), Tensor(b)
    with GradientTape() as tape:
        tape.watch([xt, wt, bt])
        y = C.conv(xt, wt, bt, activation="relu")
        loss = m.sum(m.multiply(P.pool(y, (2, 2), (2, 2)), 3.0))
        if exact:
            loss = m.add(loss, m.multiply(m.sum(y), 0.0))
    return [g.numpy() for g in tape.gradient(loss, [xt, wt, bt])]


@pytest.mark.parametrize("exact", [False, True], ids=["relu_masked", "exact"])
def test_pool_hand_over_split_equals_one_piece(exact, monkeypatch):
    rng = np.random.RandomState(4)
    x = rng.randint(-2, 3, size=(6, 11, 10, 2)).astype(np.float64)  # ties and all-zero windows
    w = rng.randint(-2, 3, size=(3, 3, 2, 5)) * 0.5
    b = np.linspace(-1.0, 0.5, 5)
    whole = _relu_pool_grads(x, w, b, exact)
    force_split(monkeypatch)
    for got, want in zip(_relu_pool_grads(x, w, b, exact), whole):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("activation", F.FUSABLE_ACTIVATIONS)
def test_dense_split_equals_one_piece_and_finite_differences(activation, monkeypatch):
    rng = np.random.RandomState(5)
    x, w, b = rng.normal(size=(9, 5)), rng.normal(size=(5, 4)), rng.normal(size=4)

    def grads():
        xt, wt, bt = Tensor(x), Tensor(w), Tensor(b)
        with GradientTape() as tape:
            tape.watch([xt, wt, bt])
            y = F.dense(xt, wt, bt, activation)
            loss = m.sum(m.multiply(y, Tensor(np.linspace(-1.0, 1.0, 4))))
        return [y.numpy()] + [g.numpy() for g in tape.gradient(loss, [xt, wt, bt])]

    whole = grads()
    force_split(monkeypatch)
    for got, want in zip(grads(), whole):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    check_grads(lambda t, k, c: F.dense(t, k, c, activation), x, w, b)


def test_float32_model_training_matches_with_and_without_the_split(monkeypatch):
    import kerasish as keras

    def train():
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((12, 12, 1)), keras.layers.Conv2D(4, 3, activation="relu"),
                                  keras.layers.MaxPooling2D(2), keras.layers.Flatten(),
                                  keras.layers.Dense(8, activation="relu"),
                                  keras.layers.Dense(3, activation="softmax")])
        model.compile("adam", "sparse_categorical_crossentropy")
        x = np.random.RandomState(0).rand(32, 12, 12, 1).astype("float32")
        y = np.arange(32) % 3
        model.fit(x, y, batch_size=16, epochs=2, verbose=0, shuffle=False)
        return model.get_weights(), model.predict(x, verbose=0)

    whole_w, whole_p = train()
    force_split(monkeypatch)
    split_w, split_p = train()
    for got, want in zip(split_w, whole_w):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(split_p, whole_p, rtol=1e-4, atol=1e-5)
