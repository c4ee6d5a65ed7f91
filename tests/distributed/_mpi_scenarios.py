"""Run under `mpiexec -n 2 python -m mpi4py _mpi_scenarios.py SCENARIO OUT_DIR` by test_distribute_mpi.py.

Scenarios:
    train   fit with DistributedSequence + DistributedOptimizer + callbacks, a custom GradientTape loop,
            fp16 compression and the collectives; each rank writes OUT_DIR/rank<r>.npz.
    crash   rank 1 raises during training while rank 0 waits in the all-reduce; the job must end.
"""
import os
import sys
import time

import numpy as np


def make_data(n=64, d=5, k=3, seed=3):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d)).astype("float32")
    y = (x @ rng.standard_normal((d, k)) + 0.1 * rng.standard_normal((n, k))).astype("float32")
    return x, y


def make_model(keras, d=5, k=3):
    return keras.Sequential([keras.layers.Dense(8, activation="tanh", input_shape=(d,)), keras.layers.Dense(k)])


def fit_run(keras, hvd, batch_size, epochs=3, initial_weights=None):
    """Fit on DistributedSequence; returns (initial weights after broadcast, final weights, loss history)."""
    x, y = make_data()
    model = make_model(keras)
    if initial_weights is not None:
        model.set_weights(initial_weights)
    opt = hvd.DistributedOptimizer(keras.optimizers.SGD(learning_rate=0.05, momentum=0.9))
    model.compile(optimizer=opt, loss="mse", metrics=["mae"])
    seen = {}

    class Snapshot(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            seen["initial"] = [w.copy() for w in self.model.get_weights()]

    seq = hvd.DistributedSequence(x, y, batch_size=batch_size, shuffle=True, seed=7)
    history = model.fit(seq, epochs=epochs, shuffle=False, verbose=0,
                        callbacks=[hvd.MetricAverageCallback(), hvd.BroadcastGlobalVariablesCallback(0), Snapshot()])
    return seen["initial"], model.get_weights(), history.history


def custom_loop_run(keras, hvd, compression=None, steps=5, initial_weights=None):
    """A GradientTape loop with Adam: each rank takes x[rank::size] of every batch of 8.

    Returns (initial weights after the broadcast, final weights, the optimizer)."""
    x, y = make_data()
    model = make_model(keras)
    model.build((None, 5))
    if initial_weights is not None:
        model.set_weights(initial_weights)
    hvd.broadcast_variables(model.weights, root_rank=0)
    initial = [w.copy() for w in model.get_weights()]
    opt = hvd.DistributedOptimizer(keras.optimizers.Adam(learning_rate=0.01), compression=compression)
    loss_fn = keras.losses.MeanSquaredError()
    for step in range(steps):
        xb, yb = x[step * 8:(step + 1) * 8], y[step * 8:(step + 1) * 8]
        xb, yb = xb[hvd.rank()::hvd.size()], yb[hvd.rank()::hvd.size()]
        with keras.GradientTape() as tape:
            loss = loss_fn(yb, model(xb, training=True))
        grads = tape.gradient(loss, model.trainable_weights)
        opt.apply_gradients(zip(grads, model.trainable_weights))
    return initial, model.get_weights(), opt


def scenario_train(out_dir):
    import kerasish as keras
    from kerasish import distribute as hvd

    hvd.init()
    rank, size = hvd.rank(), hvd.size()
    assert size == 2 and hvd.mpi_enabled(), (size, hvd.communicator())
    assert hvd.local_size() == 2 and hvd.local_rank() == rank
    from kerasish.backend.ops import parallel
    blas_threads = parallel._CONTROLS[0]() if parallel._CONTROLS is not None else -1
    keras.utils.set_random_seed(100 + rank)  # different initial weights on each rank: broadcast must fix them

    # collectives
    assert hvd.allreduce(np.float32(rank), op=hvd.Sum) == 1.0
    assert hvd.allreduce(np.array([rank, 4.0])).tolist() == [0.5, 4.0]
    assert hvd.allreduce(np.array([rank]), op=hvd.Max).tolist() == [1]
    assert hvd.allgather(np.full((rank + 1, 2), rank)).tolist() == [[0, 0], [1, 1], [1, 1]]
    assert hvd.broadcast(np.array([rank + 10.0]), root_rank=1).tolist() == [11.0]
    assert hvd.broadcast_object({"r": rank}, root_rank=1) == {"r": 1}
    assert hvd.allgather_object(rank) == [0, 1]
    half = hvd.allreduce(np.array([rank + 1.0], dtype=np.float16), op=hvd.Sum)
    assert half.dtype == np.float16 and half.tolist() == [3.0]

    initial, fitted, history = fit_run(keras, hvd, batch_size=8)
    keras.utils.set_random_seed(200 + rank)
    loop_initial, loop, opt = custom_loop_run(keras, hvd)
    stats = opt.allreduce_stats
    keras.utils.set_random_seed(300 + rank)
    loop16_initial, loop16, _ = custom_loop_run(keras, hvd, compression=hvd.Compression.fp16)

    # a layout mismatch between ranks is an error on every rank, not a silent mix of numbers
    w = keras.backend.Variable(np.zeros(2 + rank, "float32"), name=f"mismatch_{rank}")
    try:
        hvd.DistributedOptimizer(keras.optimizers.SGD(0.1)).apply_gradients([(np.ones(2 + rank, "float32"), w)])
        mismatch_error = ""
    except ValueError as e:
        mismatch_error = str(e)

    arrays = {f"initial_{i}": a for i, a in enumerate(initial)}
    arrays.update({f"fit_{i}": a for i, a in enumerate(fitted)})
    arrays.update({f"loop_initial_{i}": a for i, a in enumerate(loop_initial)})
    arrays.update({f"loop_{i}": a for i, a in enumerate(loop)})
    arrays.update({f"loop16_initial_{i}": a for i, a in enumerate(loop16_initial)})
    arrays.update({f"loop16_{i}": a for i, a in enumerate(loop16)})
    arrays.update({f"history_{k}": np.asarray(v) for k, v in history.items()})
    arrays["allreduce_calls"] = np.asarray(stats["allreduce_calls"])
    arrays["mismatch_error"] = np.asarray(mismatch_error)
    arrays["blas_threads"] = np.asarray(blas_threads)
    np.savez(os.path.join(out_dir, f"rank{rank}.npz"), **arrays)


def scenario_crash(out_dir):
    import kerasish as keras
    from kerasish import distribute as hvd

    hvd.init()
    x, y = make_data()
    model = make_model(keras)
    model.compile(optimizer=hvd.DistributedOptimizer(keras.optimizers.SGD(0.01)), loss="mse")

    class Explode(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            if hvd.rank() == 1 and batch == 2:
                with open(os.path.join(out_dir, "crashed_at"), "w") as f:
                    f.write(repr(time.time()))
                raise RuntimeError("rank 1 fails on purpose")

    # rank 0 would wait forever in the all-reduce of batch 2 unless the job is aborted
    model.fit(*hvd.shard(x, y), batch_size=4, epochs=1000, verbose=0, callbacks=[Explode()])
    with open(os.path.join(out_dir, f"finished{hvd.rank()}"), "w") as f:  # must never happen
        f.write("finished")


if __name__ == "__main__":
    scenario, out = sys.argv[1], sys.argv[2]
    {"train": scenario_train, "crash": scenario_crash}[scenario](out)
