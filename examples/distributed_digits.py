#!/usr/bin/env python
"""Data-parallel training of an MLP on the bundled 8x8 digits with kerasish.distribute.

Run: python examples/distributed_digits.py [--epochs N]   (or set KERASISH_EXAMPLE_EPOCHS); one process
     mpiexec -n 2 python -m mpi4py examples/distributed_digits.py       two processes (pip install -e '.[mpi]')

Each rank trains on its own slice of every global batch (DistributedSequence), gradients are
averaged across ranks before each step (DistributedOptimizer), rank 0's initial weights are copied
to all ranks (BroadcastGlobalVariablesCallback), the epoch metrics are averaged across ranks
(MetricAverageCallback), the learning rate is scaled by the number of ranks and warmed up
(LearningRateWarmupCallback), and only rank 0 prints and writes the checkpoint.
"""
import argparse
import os
import sys

import numpy as np

import kerasish as keras
from kerasish import distribute as hvd
from kerasish.datasets import digits


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=int(os.environ.get("KERASISH_EXAMPLE_EPOCHS", 12)))
    parser.add_argument("--batch-size", type=int, default=32, help="samples per rank per step")
    parser.add_argument("--lr", type=float, default=0.05, help="learning rate of a single process")
    parser.add_argument("--checkpoint", default="distributed_digits.h5",
                        help="where rank 0 keeps the best model (default: distributed_digits.h5 in the "
                             "current folder)")
    args = parser.parse_args(argv)

    hvd.init()
    root = hvd.is_root()
    keras.utils.set_random_seed(1234 + hvd.rank())  # ranks differ; the broadcast aligns their weights

    (x_train, y_train), (x_test, y_test) = digits.load_data()
    x_train = x_train.reshape(-1, 64).astype("float32") / 16.0
    x_test = x_test.reshape(-1, 64).astype("float32") / 16.0
    train = hvd.DistributedSequence(x_train, y_train, batch_size=args.batch_size, seed=42)
    x_val, y_val = hvd.shard(x_test, y_test)  # each rank validates on its share; the callback averages

    model = keras.Sequential([
        keras.layers.Dense(64, activation="relu", input_shape=(64,)),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    scaled_lr = args.lr * hvd.size()  # the global batch is size() times larger
    optimizer = hvd.DistributedOptimizer(keras.optimizers.SGD(learning_rate=scaled_lr, momentum=0.9))
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])

    callbacks = [
        hvd.MetricAverageCallback(),  # first, so the callbacks below see averaged metrics
        hvd.BroadcastGlobalVariablesCallback(root_rank=0),
        hvd.LearningRateWarmupCallback(initial_lr=scaled_lr, warmup_epochs=3, verbose=1),
    ]
    if root:
        callbacks.append(keras.callbacks.ModelCheckpoint(args.checkpoint, monitor="val_accuracy",
                                                         save_best_only=True))
    if root:
        print(f"{hvd.size()} process(es) ({'MPI' if hvd.mpi_enabled() else 'no MPI'}), "
              f"{train.batch_size} samples per rank per step, global batch {train.global_batch_size}, "
              f"learning rate {scaled_lr:g}; best model goes to {os.path.abspath(args.checkpoint)}", flush=True)
    model.fit(train, epochs=args.epochs, shuffle=False, validation_data=(x_val, y_val), callbacks=callbacks,
              verbose=2 if root else 0)

    _, local_accuracy = model.evaluate(x_val, y_val, verbose=0)
    accuracy = float(hvd.allreduce(local_accuracy))
    weights_agree = np.allclose(hvd.broadcast(model.get_weights()[0], root_rank=0), model.get_weights()[0], rtol=0,
                                atol=0)
    all_agree = bool(hvd.allreduce(np.float64(weights_agree), op=hvd.Min))
    if root:
        print(f"test accuracy (averaged over ranks): {accuracy:.4f}; ranks hold identical weights: {all_agree}; "
              f"best model saved to {os.path.abspath(args.checkpoint)}")
        print(f"all-reduce: {optimizer.allreduce_stats['allreduce_calls']} calls, "
              f"{optimizer.allreduce_stats['allreduce_seconds']:.3f} s", flush=True)
    return 0 if all_agree else 1


if __name__ == "__main__":
    sys.exit(main())
