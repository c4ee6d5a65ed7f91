"""The `TensorBoard` callback: event files that TensorBoard opens, laid out as tf.keras 2.x writes them.

Runs and tags (checked against tf_keras 2.21's own event files):

- `log_dir/train`: `epoch_<metric>` at step = epoch (`epoch_loss`, `epoch_accuracy`, ...),
  `epoch_learning_rate` when the optimizer follows a `LearningRateSchedule` (its value at the end of
  the epoch), `epoch_steps_per_second` with `write_steps_per_second`; `batch_<metric>` (the running
  epoch means that `fit` reports) at step = global train step (1, 2, ...) when `update_freq` is an
  integer N and the step is a multiple of N; `<weight name>/histogram` (and `/image` with
  `write_images`) at step = epoch every `histogram_freq` epochs; the model's config under tag `keras`
  (TensorBoard's "conceptual graph") at step 0 when `write_graph`.
- `log_dir/validation`: `epoch_<metric>` at step = epoch (the `val_` prefix dropped), and
  `evaluation_<metric>_vs_iterations` at step = optimizer iterations after every evaluation.

Differences from tf_keras 2.21, on purpose: tf_keras 2.21 writes `batch_*` scalars only while it also
profiles or writes steps per second (its batch hooks are otherwise switched off), although its
documentation promises them for `update_freq="batch"`/N; kerasish writes them whenever
`update_freq` asks. No TensorFlow profiler and no TF op graph exist here: `profile_batch` other than
0 warns once and is ignored. Embeddings (`embeddings_freq`) are written as TSV files named in
`projector_config.pbtxt`, which TensorBoard's projector reads without a TensorFlow checkpoint.

Event files are written by TensorBoard's own writer (`pip install kerasish[tensorboard]`).

Example:
    >>> import numpy as np, tempfile
    >>> import kerasish as keras
    >>> model = keras.Sequential([keras.layers.Dense(1, input_shape=(2,))])
    >>> model.compile("sgd", "mse")
    >>> log_dir = tempfile.mkdtemp()
    >>> _ = model.fit(np.ones((8, 2)), np.ones((8, 1)), epochs=2, verbose=0,
    ...               callbacks=[keras.callbacks.TensorBoard(log_dir)])
    >>> import os; sorted(os.listdir(log_dir))
    ['train']
"""
import json
import os
import struct
import time
import warnings
import zlib

import numpy as np

from ..backend import config
from ..backend.tensor import Tensor
from .callback import Callback
from ..utils.serialization import register_builtin

_INSTALL_HINT = "TensorBoard callback needs the `tensorboard` package: pip install kerasish[tensorboard]"
_HISTOGRAM_BUCKETS = 30  # tf.summary.histogram's default
_IMAGE_MAX_OUTPUTS = 3  # tf.summary.image's default


def _tensorboard_modules():
    """TensorBoard's event writer and protos, or one clear ImportError."""
    try:
        from tensorboard.compat.proto import event_pb2, summary_pb2
        from tensorboard.plugins.histogram import metadata as histogram_metadata
        from tensorboard.plugins.image import metadata as image_metadata
        from tensorboard.plugins.scalar import metadata as scalar_metadata
        from tensorboard.summary.writer.event_file_writer import EventFileWriter
        from tensorboard.util import tensor_util
    except ImportError:
        raise ImportError(_INSTALL_HINT) from None
    return {"event_pb2": event_pb2, "summary_pb2": summary_pb2, "EventFileWriter": EventFileWriter,
            "tensor_util": tensor_util, "scalar": scalar_metadata, "histogram": histogram_metadata,
            "image": image_metadata}


def _as_float(value):
    if isinstance(value, Tensor):
        value = value.array
    return float(np.asarray(value))


def histogram_buckets(data, bucket_count=_HISTOGRAM_BUCKETS):
    """(bucket_count, 3) float64 `[left, right, count]` rows, as `tf.summary.histogram` computes them.

    Same formula as TensorBoard's `histogram_pb` (equal-width buckets between min and max, the max
    counted in the last bucket), with a bincount instead of a (size, buckets) one-hot matrix.

    Example:
        >>> histogram_buckets(np.array([0.0, 1.0, 1.0, 2.0]), 2).tolist()
        [[0.0, 1.0, 1.0], [1.0, 2.0, 3.0]]
    """
    data = np.asarray(data, dtype=np.float64).ravel()
    if bucket_count == 0 or data.size == 0:
        return np.zeros((bucket_count, 3))
    low, high = data.min(), data.max()
    if high - low == 0:
        counts = np.zeros(bucket_count)
        counts[-1] = data.size
        return np.stack([np.full(bucket_count, low), np.full(bucket_count, low), counts], axis=1)
    width = (high - low) / bucket_count
    index = np.minimum(np.floor((data - low) / width).astype(np.int64), bucket_count - 1)
    counts = np.bincount(index, minlength=bucket_count).astype(np.float64)
    edges = np.linspace(low, high, bucket_count + 1)
    return np.stack([edges[:-1], edges[1:], counts], axis=1)


def encode_png_gray(image: np.ndarray) -> bytes:
    """A (height, width) uint8 array as an 8-bit grayscale PNG file (zlib only, no imaging library).

    Example:
        >>> encode_png_gray(np.zeros((2, 3), np.uint8))[:8]
        b'\\x89PNG\\r\\n\\x1a\\n'
    """
    image = np.ascontiguousarray(image, dtype=np.uint8)
    height, width = image.shape

    def chunk(kind, payload):
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    rows = np.concatenate([np.zeros((height, 1), np.uint8), image], axis=1)  # filter byte 0 per row
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows.tobytes()))
            + chunk(b"IEND", b""))


def weight_as_images(weight: np.ndarray):
    """The batch of images tf_keras's TensorBoard makes of a weight, or None when it makes none.

    Biases become one 1 x n image, Dense kernels one image with the longer side across, convolution
    kernels one image per output channel; values are mapped to pixels as `tf.image.convert_image_dtype`
    does (`value * 255.5`, clipped to [0, 255], truncated), so weights outside [0, 1] saturate.
    """
    w = np.squeeze(np.asarray(weight, dtype=np.float32))
    if w.ndim == 1:
        w = w.reshape(1, w.shape[0], 1, 1)
    elif w.ndim == 2:
        if w.shape[0] > w.shape[1]:
            w = w.T
        w = w.reshape(1, w.shape[0], w.shape[1], 1)
    elif w.ndim == 3:
        if config.image_data_format() == "channels_last":
            w = np.transpose(w, (2, 0, 1))
        w = w.reshape(w.shape[0], w.shape[1], w.shape[2], 1)
    if w.ndim != 4 or w.shape[-1] not in (1, 3, 4):
        return None
    return np.clip(w * np.float32(255.5), 0, 255).astype(np.uint8)


class _SummaryWriter:
    """One run directory's event file, written by TensorBoard's `EventFileWriter`."""

    def __init__(self, modules, logdir):
        self._m = modules
        os.makedirs(logdir, exist_ok=True)
        # ".v2" as tf.summary's writer names its files; TensorBoard reads either
        self._writer = modules["EventFileWriter"](logdir, filename_suffix=".v2")

    def _write(self, tag, tensor_proto, metadata, step):
        summary = self._m["summary_pb2"].Summary()
        summary.value.add(tag=tag, metadata=metadata, tensor=tensor_proto)
        self._writer.add_event(self._m["event_pb2"].Event(wall_time=time.time(), step=int(step), summary=summary))

    def scalar(self, tag, value, step):
        tensor = self._m["tensor_util"].make_tensor_proto(np.asarray(value, dtype=np.float32))
        self._write(tag, tensor, self._m["scalar"].create_summary_metadata(display_name=None, description=None),
                    step)

    def histogram(self, tag, values, step):
        tensor = self._m["tensor_util"].make_tensor_proto(histogram_buckets(values), dtype=np.float64)
        self._write(tag, tensor, self._m["histogram"].create_summary_metadata(display_name=None,
                                                                             description=None), step)

    def images(self, tag, batch, step):
        """`batch`: (n, height, width, 1) uint8; the first 3 images are kept, as tf.summary.image."""
        pngs = [encode_png_gray(img[:, :, 0]) for img in batch[:_IMAGE_MAX_OUTPUTS]]
        data = np.array([str(batch.shape[2]).encode(), str(batch.shape[1]).encode()] + pngs, dtype=object)
        tensor = self._m["tensor_util"].make_tensor_proto(data)
        self._write(tag, tensor, self._m["image"].create_summary_metadata(display_name=None, description=None),
                    step)

    def keras_model(self, tag, model_json, step):
        metadata = self._m["summary_pb2"].SummaryMetadata()
        metadata.plugin_data.plugin_name = "graph_keras_model"  # TensorBoard's conceptual-graph plugin
        metadata.plugin_data.content = b"1"
        tensor = self._m["tensor_util"].make_tensor_proto(np.array(model_json.encode(), dtype=object))
        self._write(tag, tensor, metadata, step)

    def flush(self):
        self._writer.flush()

    def close(self):
        self._writer.close()


def _check_profile_batch(profile_batch):
    """(start, stop) as tf_keras validates them."""
    message = ("profile_batch must be a non-negative integer or 2-tuple of positive integers. A pair of positive "
               f"integers signifies a range of batches to profile. Found: {profile_batch}")
    try:
        if isinstance(profile_batch, str):
            profile_batch = [int(p) for p in profile_batch.split(",")]
        if isinstance(profile_batch, (int, np.integer)) and not isinstance(profile_batch, bool):
            start = stop = int(profile_batch)
        elif isinstance(profile_batch, (tuple, list)) and len(profile_batch) == 2:
            start, stop = (int(p) for p in profile_batch)
        else:
            raise ValueError(message)
    except (TypeError, ValueError):
        raise ValueError(message) from None
    if start < 0 or stop < start:
        raise ValueError(message)
    return start, stop


_V1_KWARGS = ("write_grads", "embeddings_layer_names", "embeddings_data", "batch_size")


@register_builtin("callback")
class TensorBoard(Callback):
    """Write training curves, weight histograms and the model graph for TensorBoard.

    Args:
        log_dir: where to write; runs go to `log_dir/train` and `log_dir/validation`.
        histogram_freq: write weight histograms every this many epochs (0: never).
        write_graph: write the model's config, shown as TensorBoard's conceptual graph.
        write_images: also write weights as images (with `histogram_freq`).
        write_steps_per_second: also write training steps per second.
        update_freq: 'epoch', 'batch' (= 1) or an integer N: write `batch_*` scalars every N steps.
        profile_batch: accepted for compatibility; kerasish has no profiler (0 disables it, as in tf_keras).
        embeddings_freq: write Embedding layers' tables for the projector every this many epochs.
        embeddings_metadata: a metadata file for all Embedding layers, or `{layer name: file}`.

    Example:
        >>> import numpy as np, tempfile
        >>> import kerasish as keras
        >>> model = keras.Sequential([keras.layers.Dense(1, input_shape=(3,))])
        >>> model.compile("adam", "mse")
        >>> tensorboard = keras.callbacks.TensorBoard(tempfile.mkdtemp(), histogram_freq=1)
        >>> history = model.fit(np.ones((16, 3)), np.zeros((16, 1)), epochs=1, verbose=0,
        ...                     validation_split=0.25, callbacks=[tensorboard])
    """

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0, embeddings_freq=0,
                 embeddings_metadata=None, **kwargs):
        super().__init__()
        unknown = set(kwargs) - set(_V1_KWARGS)
        if unknown:
            raise ValueError(f"Unrecognized arguments in `TensorBoard` Callback: {unknown}. Supported kwargs are: "
                             f"{set(_V1_KWARGS)}")
        for name in kwargs:
            if kwargs[name]:
                warnings.warn(f"TensorBoard: `{name}` is a TensorFlow 1 argument and is ignored.", stacklevel=2)
        self._modules = _tensorboard_modules()
        self.log_dir = os.fspath(log_dir)
        if update_freq == "batch":
            update_freq = 1
        if update_freq != "epoch" and (isinstance(update_freq, bool) or not isinstance(update_freq, (int, np.integer))
                                       or update_freq <= 0):
            raise ValueError(f"TensorBoard: `update_freq` must be 'epoch', 'batch' or a positive integer; received "
                             f"update_freq={update_freq!r}")
        self.update_freq = update_freq
        self.histogram_freq = int(histogram_freq or 0)
        self.write_graph = bool(write_graph)
        self.write_images = bool(write_images)
        self.write_steps_per_second = bool(write_steps_per_second)
        self.embeddings_freq = int(embeddings_freq or 0)
        self.embeddings_metadata = embeddings_metadata
        self._start_batch, self._stop_batch = _check_profile_batch(profile_batch)
        if self._stop_batch > 0:
            warnings.warn("TensorBoard: kerasish has no TensorFlow profiler; `profile_batch` is ignored.",
                          stacklevel=2)
        self._writers = {}
        self._global_train_batch = 0
        self._epoch_start_time = None
        self._epoch_start_iterations = 0
        self._batch_start_time = None

    # -- writers -------------------------------------------------------------------------------
    def _writer(self, run):
        if run not in self._writers:
            self._writers[run] = _SummaryWriter(self._modules, os.path.join(self.log_dir, run))
        return self._writers[run]

    def _close_writers(self):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    def _iterations(self):
        optimizer = getattr(self.model, "optimizer", None)
        iterations = getattr(optimizer, "iterations", None)
        return None if iterations is None else int(_as_float(iterations))

    # -- hooks ---------------------------------------------------------------------------------
    def set_model(self, model):
        self.model = model
        self._close_writers()  # a new model starts new event files, as tf_keras does
        if self.write_graph and (getattr(model, "_is_graph_network", False) or type(model).__name__ == "Sequential"):
            try:
                model_json = model.to_json()
            except (NotImplementedError, TypeError, ValueError) as e:  # a layer without get_config
                warnings.warn(f"TensorBoard: the model graph was not written ({e}).", stacklevel=2)
            else:
                self._writer("train").keras_model("keras", model_json, step=0)
        if self.embeddings_freq:
            self._configure_embeddings()

    def _implements_train_batch_hooks(self):
        return self.update_freq != "epoch" or self.write_steps_per_second

    def on_train_begin(self, logs=None):
        self._global_train_batch = 0

    def on_train_batch_begin(self, batch, logs=None):
        if self.write_steps_per_second:
            self._batch_start_time = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self._global_train_batch += 1
        step = self._global_train_batch
        if self.update_freq == "epoch" or step % self.update_freq:
            return
        writer = self._writer("train")
        if self.write_steps_per_second and self._batch_start_time is not None:
            elapsed = time.perf_counter() - self._batch_start_time
            if elapsed > 0:
                writer.scalar("batch_steps_per_second", 1.0 / elapsed, step)
        for name, value in (logs or {}).items():
            if np.ndim(value.array if isinstance(value, Tensor) else value) == 0:
                writer.scalar("batch_" + name, _as_float(value), step)

    def on_epoch_begin(self, epoch, logs=None):
        if self.write_steps_per_second:
            self._epoch_start_time = time.perf_counter()
            self._epoch_start_iterations = self._iterations() or 0

    def on_test_end(self, logs=None):
        iterations = self._iterations()
        if iterations is None or not logs:
            return
        writer = self._writer("validation")
        for name, value in logs.items():
            writer.scalar(f"evaluation_{name}_vs_iterations", _as_float(value), iterations)
        writer.flush()

    def on_epoch_end(self, epoch, logs=None):
        self._log_epoch_metrics(epoch, logs or {})
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)
        if self.embeddings_freq and epoch % self.embeddings_freq == 0:
            self._log_embeddings()
        for writer in self._writers.values():
            writer.flush()

    def on_train_end(self, logs=None):
        self._close_writers()

    # -- what an epoch writes ------------------------------------------------------------------
    def _learning_rate(self):
        """The schedule's value at the optimizer's step, when the learning rate is a schedule (as tf_keras)."""
        from ..optimizers import schedules

        optimizer = getattr(self.model, "optimizer", None)
        schedule = getattr(optimizer, "_learning_rate", None)
        if isinstance(schedule, schedules.LearningRateSchedule):
            return _as_float(schedule(optimizer.iterations))
        return None

    def _log_epoch_metrics(self, epoch, logs):
        if not logs:
            return
        train_logs = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val_logs = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        learning_rate = self._learning_rate()
        if learning_rate is not None:
            train_logs["learning_rate"] = learning_rate
        if self.write_steps_per_second and self._epoch_start_time is not None:
            elapsed = time.perf_counter() - self._epoch_start_time
            steps = (self._iterations() or 0) - self._epoch_start_iterations
            if elapsed > 0:
                train_logs["steps_per_second"] = steps / elapsed
        for run, run_logs in (("train", train_logs), ("validation", val_logs)):
            if run_logs:
                writer = self._writer(run)
                for name, value in run_logs.items():
                    writer.scalar("epoch_" + name, _as_float(value), epoch)

    def _log_weights(self, epoch):
        writer = self._writer("train")
        for layer in self.model.layers:
            for weight in layer.weights:
                name = weight.name.replace(":", "_")
                values = weight.array if isinstance(weight, Tensor) else np.asarray(weight)
                writer.histogram(name + "/histogram", values, epoch)
                if self.write_images:
                    images = weight_as_images(values)
                    if images is not None:
                        writer.images(name + "/image", images, epoch)

    # -- embeddings ----------------------------------------------------------------------------
    def _embedding_layers(self):
        from ..layers.embedding import Embedding

        return [layer for layer in self.model.layers if isinstance(layer, Embedding)]

    def _configure_embeddings(self):
        """`log_dir/projector_config.pbtxt` naming one TSV file per Embedding layer."""
        layers = self._embedding_layers()
        metadata = self.embeddings_metadata
        if isinstance(metadata, dict):
            unknown = set(metadata) - {layer.name for layer in layers}
            if unknown:
                raise ValueError("Unrecognized `Embedding` layer names passed to `keras.callbacks.TensorBoard` "
                                 f"`embeddings_metadata` argument: {sorted(unknown)}")
        lines = []
        for layer in layers:
            path = metadata if isinstance(metadata, str) else (metadata or {}).get(layer.name)
            lines.append("embeddings {")
            lines.append(f"  tensor_name: {json.dumps(layer.name + '/embeddings')}")
            lines.append(f"  tensor_path: {json.dumps(self._embedding_file(layer))}")
            if path:
                lines.append(f"  metadata_path: {json.dumps(os.fspath(path))}")
            lines.append("}")
        os.makedirs(self.log_dir, exist_ok=True)
        with open(os.path.join(self.log_dir, "projector_config.pbtxt"), "w") as f:
            f.write("\n".join(lines) + "\n")

    @staticmethod
    def _embedding_file(layer):
        return f"{layer.name}_embeddings.tsv"

    def _log_embeddings(self):
        for layer in self._embedding_layers():
            table = layer.embeddings.array if isinstance(layer.embeddings, Tensor) else np.asarray(layer.embeddings)
            final = os.path.join(self.log_dir, self._embedding_file(layer))
            tmp = final + ".tmp"
            np.savetxt(tmp, table, delimiter="\t", fmt="%.8g")
            os.replace(tmp, final)  # the projector never reads a half-written table
