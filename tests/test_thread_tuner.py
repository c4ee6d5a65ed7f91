"""The thread tuner (backend/ops/parallel.StepTuner) picks the thread count that makes steps fastest on
the machine as it is now: on simulated machines (fake BLAS controls, step times from a cost table), so no
test depends on this machine's load or speed."""
import math
import os
import subprocess
import sys

import numpy as np
import pytest

from kerasish.backend.ops import parallel
from kerasish.backend.ops.parallel import StepTuner


class FakeBlas:
    """BLAS's thread-count controls, recording each change."""

    def __init__(self, threads):
        self.threads = threads
        self.changes = []

    def get(self):
        return self.threads

    def set(self, threads):
        self.threads = threads
        self.changes.append(threads)


def run_steps(tuner, blas, cost, steps, key=("fit", 32)):
    """`steps` steps whose time is `cost[threads]` (a dict, or a function of threads) at BLAS's current count;
    returns the thread counts the steps ran on."""
    used = []
    for _ in range(steps):
        threads = blas.threads
        used.append(threads)
        tuner.record(cost(threads) if callable(cost) else cost[threads], key)
    return used


def trial_steps(step_s):
    """Steps one candidate of a trial takes at this step time."""
    return StepTuner.WARMUP + max(StepTuner.SAMPLES, math.ceil(StepTuner.MIN_TRIAL_S / step_s))


def make(threads=2, cpus=2, free=None):
    blas = FakeBlas(threads)
    return StepTuner(controls=(blas.get, blas.set), cpus=cpus, free_cores=lambda: free), blas


def test_busy_neighbour_moves_training_to_one_thread():
    # two threads waiting for a core they do not get: 10 ms a step, one thread 2 ms
    tuner, blas = make()
    used = run_steps(tuner, blas, {2: 10e-3, 1: 2e-3}, 100)
    # now and then a step or two look again at two threads (the neighbour may have left)
    assert used[-60:].count(1) >= 55
    assert tuner.ceiling == 2  # the split of batches into parts still follows the user's limit


def test_quiet_machine_keeps_all_cores():
    tuner, blas = make()
    used = run_steps(tuner, blas, {2: 5e-3, 1: 9e-3}, 200)
    # trials of one thread are rare once two stay better: the hold doubles each time the choice stands
    assert used.count(1) <= 3 * trial_steps(9e-3)
    assert used[-1] == 2


def test_a_small_gain_does_not_switch():
    tuner, blas = make()
    used = run_steps(tuner, blas, {2: 5e-3, 1: 4.9e-3}, 100)
    assert used.count(1) <= 3 * trial_steps(4.9e-3)  # trials only


def test_follows_a_neighbour_that_comes_and_goes():
    tuner, blas = make()
    quiet, busy = {2: 5e-3, 1: 9e-3}, {2: 30e-3, 1: 10e-3}
    used = run_steps(tuner, blas, quiet, 100)
    assert used[-50:].count(2) >= 40
    # the neighbour starts: steps slow down, which starts a trial at once
    used = run_steps(tuner, blas, busy, 60)
    assert used[-40:].count(1) >= 38
    # the neighbour leaves: one thread is not slower than before, so the tuner looks again when its hold ends
    used = run_steps(tuner, blas, quiet, 4 * StepTuner.MAX_HOLD)
    assert used[-StepTuner.MAX_HOLD:].count(2) >= StepTuner.MAX_HOLD - 40  # a trial of one thread at most


def test_free_cores_is_a_candidate():
    tuner, blas = make(threads=4, cpus=4, free=2)
    used = run_steps(tuner, blas, {4: 20e-3, 2: 6e-3, 1: 10e-3}, 300)
    assert used[-150:].count(2) >= 120  # trials of 4 and 1 now and then
    assert {4, 2, 1} <= set(used)


def test_short_steps_are_left_alone():
    tuner, blas = make()
    run_steps(tuner, blas, {2: 1e-4, 1: 1e-5}, 500)
    assert blas.changes == []


def test_an_odd_batch_does_not_disturb_a_trial():
    tuner, blas = make()
    used = []
    for step in range(60):
        last_of_epoch = step % 9 == 8  # a smaller last batch, much faster: not compared with the others
        used.append(blas.threads)
        tuner.record(0.1e-3 if last_of_epoch else {2: 10e-3, 1: 2e-3}[blas.threads],
                     ("fit", 8 if last_of_epoch else 32))
    assert used[-30:].count(1) >= 25


def test_user_change_of_blas_threads_restarts_from_the_new_limit():
    tuner, blas = make()
    run_steps(tuner, blas, {2: 10e-3, 1: 2e-3}, 40)
    blas.threads = 2  # threadpoolctl or the user's own call, meanwhile
    tuner.record(10e-3, ("fit", 32))
    assert tuner.ceiling == 2


def test_set_num_threads_pins_and_unpins():
    if parallel._CONTROLS is None:
        pytest.skip("no controllable BLAS here")
    get = parallel._CONTROLS[0]
    try:
        parallel.set_num_threads(1)
        assert parallel.TUNER.start() is None  # pinned: nothing is timed
        assert get() == 1 and parallel.max_threads() == 1
    finally:
        parallel.set_num_threads(None)
    assert get() == parallel._STARTING_BLAS_THREADS
    assert parallel.TUNER.start() is not None


@pytest.mark.parametrize("bad", [0, -2])
def test_set_num_threads_rejects_non_positive(bad):
    with pytest.raises(ValueError, match="set_num_threads: expected a positive thread count"):
        parallel.set_num_threads(bad)


def test_environment_variable_pins_at_import():
    code = ("from kerasish.backend.ops import parallel as p; "
            "print(p.TUNER.pinned, p.TUNER.start() is None)")
    env = dict(os.environ, KERASISH_THREADS="1")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True"]


def test_fit_results_do_not_depend_on_the_tuners_choice():
    """The tuner changes thread counts during fit: the batches are split the same way whatever it chooses
    (max_threads reports the ceiling), so results stay within float32 rounding of a pinned run."""
    import kerasish as keras

    if parallel._CONTROLS is None or parallel._CPUS < 2:
        pytest.skip("needs a controllable BLAS and two cores")
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((256, 64)).astype("float32"), rng.integers(0, 3, 256)

    def train():
        keras.utils.set_random_seed(1)
        model = keras.Sequential([keras.layers.Dense(64, activation="relu", input_shape=(64,)),
                                  keras.layers.Dense(3, activation="softmax")])
        model.compile("adam", "sparse_categorical_crossentropy")
        model.fit(x, y, batch_size=32, epochs=2, verbose=0)
        return model.get_weights()

    try:
        parallel.set_num_threads(2)
        pinned = train()
        parallel.set_num_threads(None)
        parallel.TUNER._begin()
        parallel.TUNER._set(1)  # as after a busy neighbour: one thread, the user's two as the ceiling
        assert parallel.max_threads() == 2
        tuned = train()
    finally:
        parallel.set_num_threads(None)
    for a, b in zip(pinned, tuned):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_a_quiet_machine_is_not_tried_with_fewer_threads():
    """When other processes leave every core free, trials only re-time all the cores (no step is spent on
    fewer threads, which cost a quiet 2-core machine ~10% of a CNN's speed)."""
    tuner, blas = make(free=2)
    used = run_steps(tuner, blas, {2: 5e-3, 1: 9e-3}, 300)
    assert used == [2] * 300
