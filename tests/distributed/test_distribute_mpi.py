"""Two real MPI processes (`mpiexec -n 2 python -m mpi4py ...`) against one process doing the same work.

Skipped, with the reason, when mpi4py or an `mpiexec` is not installed (`pip install -e '.[mpi]'`).
"""
import functools
import os
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SCENARIOS = os.path.join(HERE, "_mpi_scenarios.py")
ROOT = os.path.dirname(os.path.dirname(HERE))


@functools.lru_cache(maxsize=None)
def _mpiexec():
    """[mpiexec, flags...] (the one next to this Python first: it matches mpi4py's MPI), or a skip reason."""
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return None, "mpi4py is not installed (pip install -e '.[mpi]')"
    here = os.path.dirname(sys.executable)
    exe = shutil.which("mpiexec", path=here) or shutil.which("mpiexec")
    if exe is None:
        return None, "no mpiexec on PATH or next to the Python executable (pip install -e '.[mpi]' adds mpich's)"
    try:
        version = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, f"{exe} --version failed: {e}"
    flags = ["--allow-run-as-root", "--oversubscribe"] if "Open MPI" in version or "OpenRTE" in version else []
    return [exe] + flags, None


def _launch(args, timeout, with_mpi4py_runner=True, script=SCENARIOS):
    command, reason = _mpiexec()
    if command is None:
        pytest.skip(reason)
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("OMP_NUM_THREADS", "1")
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    python = [sys.executable, "-m", "mpi4py"] if with_mpi4py_runner else [sys.executable]
    start = time.perf_counter()
    proc = subprocess.run(command + ["-n", "2"] + python + [script] + args, capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=ROOT)
    return proc, time.perf_counter() - start


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Both ranks' results of the 'train' scenario."""
    out = tmp_path_factory.mktemp("mpi_train")
    proc, _ = _launch(["train", str(out)], timeout=120)
    assert proc.returncode == 0, f"mpiexec failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return [dict(np.load(out / f"rank{r}.npz")) for r in (0, 1)]


def _weights(result, prefix):
    return [result[f"{prefix}_{i}"] for i in range(4)]


@pytest.fixture(scope="module")
def scenarios():
    sys.path.insert(0, HERE)
    try:
        import _mpi_scenarios
    finally:
        sys.path.remove(HERE)
    return _mpi_scenarios


@pytest.fixture
def single_process():
    """The reference runs here, in one process, on the single-process communicator."""
    import kerasish as keras
    from kerasish import distribute

    distribute.init(distribute.Communicator())
    yield keras, distribute
    distribute.shutdown()


def test_ranks_end_bit_identical(trained):
    rank0, rank1 = trained
    for key in rank0:
        if key != "mismatch_error":
            np.testing.assert_array_equal(rank0[key], rank1[key], err_msg=key)
    assert int(rank0["allreduce_calls"]) == 5  # one fused all-reduce per step, not one per variable


def test_two_ranks_on_one_machine_split_its_cores(trained):
    """Each rank's BLAS gets half the cores (two ranks with all the cores each oversubscribe them)."""
    if int(trained[0]["blas_threads"]) == -1 or os.environ.get("OPENBLAS_NUM_THREADS") \
            or os.environ.get("OMP_NUM_THREADS"):
        pytest.skip("BLAS threads not controllable here, or set by the environment")
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    for rank in trained:
        assert int(rank["blas_threads"]) == max(1, cpus // 2)


def test_two_ranks_on_half_batches_match_one_process_on_whole_batches(trained, scenarios, single_process):
    keras, hvd = single_process
    rank0 = trained[0]
    initial, fitted, history = scenarios.fit_run(keras, hvd, batch_size=16, initial_weights=_weights(rank0, "initial"))
    for got, want in zip(_weights(rank0, "fit"), fitted):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    # MetricAverageCallback: the averaged per-rank epoch losses are the whole-batch losses
    np.testing.assert_allclose(rank0["history_loss"], history["loss"], rtol=1e-5)
    np.testing.assert_allclose(rank0["history_mae"], history["mae"], rtol=1e-5)


def test_custom_loop_matches_one_process(trained, scenarios, single_process):
    keras, hvd = single_process
    rank0 = trained[0]
    _, want, _ = scenarios.custom_loop_run(keras, hvd, initial_weights=_weights(rank0, "loop_initial"))
    for got, expected in zip(_weights(rank0, "loop"), want):
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
    _, want16, _ = scenarios.custom_loop_run(keras, hvd, initial_weights=_weights(rank0, "loop16_initial"))
    for got, expected in zip(_weights(rank0, "loop16"), want16):
        np.testing.assert_allclose(got, expected, atol=1e-3)  # float16 on the wire


def test_layout_mismatch_between_ranks_is_a_clear_error(trained):
    message = str(trained[0]["mismatch_error"])
    assert "differs between ranks" in message and "(2,)" in message and "(3,)" in message


@pytest.mark.parametrize("runner", ["python -m mpi4py", "python (kerasish excepthook)"])
def test_exception_on_one_rank_ends_the_job_promptly(tmp_path, runner):
    proc, _ = _launch(["crash", str(tmp_path)], timeout=60, with_mpi4py_runner=runner.endswith("mpi4py"))
    ended = time.time()
    output = f"return code {proc.returncode}\nstdout:\n{proc.stdout[-3000:]}\nstderr:\n{proc.stderr[-3000:]}"
    assert proc.returncode != 0, output
    assert "rank 1 fails on purpose" in proc.stderr + proc.stdout, output
    assert not list(tmp_path.glob("finished*")), output
    delay = ended - float((tmp_path / "crashed_at").read_text())
    assert delay < 10, f"the job took {delay:.1f} s to end after rank 1 failed"


def test_distributed_digits_example_runs_on_two_processes(tmp_path):
    checkpoint = tmp_path / "best.h5"
    proc, _ = _launch(["--epochs", "2", "--checkpoint", str(checkpoint)], timeout=120,
                      script=os.path.join(ROOT, "examples", "distributed_digits.py"))
    assert proc.returncode == 0, f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    assert "2 process(es) (MPI)" in proc.stdout and "ranks hold identical weights: True" in proc.stdout
    assert proc.stdout.count("Epoch 2/2") == 1  # only rank 0 prints
    assert checkpoint.exists()
