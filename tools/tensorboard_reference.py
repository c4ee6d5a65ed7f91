"""Record what tf_keras's TensorBoard callback writes, for tests/test_callbacks_tensorboard.py.

Run with a Python that has tf_keras (Keras 2) and tensorboard, from the repository root:

    /tmp/tfenv/bin/python tools/tensorboard_reference.py

It trains a small model with fixed weights on fixed data (no shuffling) with TensorBoard logging
everything tf_keras can log without a profiler, reads the event files back with TensorBoard's
EventAccumulator and writes tests/fixtures/tensorboard_tf_keras.json: per run (train/validation)
and tag, the steps and the values (scalars, histogram buckets, decoded weight images).
"""
import io
import json
import os
import sys
import tempfile

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "tensorboard_tf_keras.json")


def data_and_weights():
    """The same arrays the test builds: inputs, targets and the initial weights of Dense(3) -> Dense(1)."""
    rs = np.random.RandomState(0)
    x = rs.rand(40, 4).astype("float32")
    y = (x.sum(axis=1) > 2).astype("float32").reshape(-1, 1)
    weights = [rs.uniform(-1, 1, (4, 3)).astype("float32"), np.array([0.1, -0.2, 0.3], "float32"),
               rs.uniform(-1, 1, (3, 1)).astype("float32"), np.array([0.05], "float32")]
    return x, y, weights


def read_runs(log_dir):
    from PIL import Image
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from tensorboard.util import tensor_util

    runs = {}
    for run in sorted(os.listdir(log_dir)):
        acc = EventAccumulator(os.path.join(log_dir, run), size_guidance={"tensors": 0})
        acc.Reload()
        tags = {}
        for tag in acc.Tags()["tensors"]:
            events = acc.Tensors(tag)
            plugin = acc.SummaryMetadata(tag).plugin_data.plugin_name
            values = []
            for e in events:
                arr = tensor_util.make_ndarray(e.tensor_proto)
                if plugin == "images":
                    values.append([np.asarray(Image.open(io.BytesIO(png))).tolist() for png in arr[2:]])
                elif plugin == "graph_keras_model":
                    values.append(json.loads(arr.item()))
                else:
                    values.append(arr.tolist())
            tags[tag] = {"plugin": plugin, "steps": [e.step for e in events], "values": values}
        runs[run] = tags
    return runs


def main():
    import tf_keras as keras

    x, y, weights = data_and_weights()
    model = keras.Sequential([keras.layers.Dense(3, activation="relu", input_shape=(4,), name="d1"),
                              keras.layers.Dense(1, activation="sigmoid", name="d2")])
    model.set_weights(weights)
    schedule = keras.optimizers.schedules.ExponentialDecay(0.5, decay_steps=3, decay_rate=0.5)
    model.compile(keras.optimizers.SGD(schedule), "binary_crossentropy", metrics=["accuracy"])
    log_dir = tempfile.mkdtemp()
    # write_steps_per_second switches tf_keras's batch hooks on, so batch_* scalars are written too
    tensorboard = keras.callbacks.TensorBoard(log_dir, histogram_freq=1, write_images=True, update_freq=2,
                                              write_steps_per_second=True)
    model.fit(x, y, batch_size=8, epochs=2, validation_split=0.25, shuffle=False, verbose=0,
              callbacks=[tensorboard])
    result = {"tf_keras_version": keras.__version__, "runs": read_runs(log_dir)}
    with open(OUT, "w") as f:
        json.dump(result, f, separators=(",", ":"))
    print("wrote", os.path.normpath(OUT), os.path.getsize(OUT), "bytes")


if __name__ == "__main__":
    sys.exit(main())
