"""The training loops behind Model.compile/fit/evaluate/predict and their batch and generator forms.

Keras 2 semantics (see notes/keras_reference.md §3-4): the reported loss is the batch-size-weighted
mean over the epoch, batch logs are running means, `validation_split` takes the last fraction
before shuffling, `initial_epoch` counts epochs from where training stopped, callbacks run in
Keras's order. predict and evaluate build no graph at all.

Example:
    >>> import numpy as np
    >>> import kerasish as keras
    >>> model = keras.Sequential([keras.layers.Dense(1, input_shape=(3,))])
    >>> model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    >>> h = model.fit(np.ones((10, 3)), np.zeros((10, 1)), batch_size=5, epochs=2, verbose=0)
    >>> sorted(h.history)
    ['loss', 'mae']
"""
import re

import numpy as np

from ..backend import config
from ..backend.tape import GradientTape, no_recording
from ..backend.tensor import Tensor
from ..layers.layer import flatten
from ..utils.data_utils import pack_x_y_sample_weight
from ..utils.metric_logs import MetricLogs
from ..utils.serialization import model_class
from ..mixed_precision.policy import AUTOCAST_IN_USE
from . import compiled_step, data_adapter
from .data_adapter import ArrayBatches, GeneratorBatches, is_dataset_like, unpack_batch
from ..backend.user_warnings import warn
from ..backend.ops.parallel import TUNER


# --------------------------------------------------------------------------- compile
def compile_model(model, optimizer, loss, metrics, loss_weights, weighted_metrics, run_eagerly, kwargs):
    from .. import optimizers
    from .compile_utils import LossesContainer, LossTracker, MetricsContainer

    unknown = [k for k in kwargs if k not in ("sample_weight_mode", "target_tensors", "distribute",
                                              "pss_evaluation_shards")]
    if unknown:
        raise TypeError(f"Invalid keyword argument(s) in `compile()`: {unknown}. Valid keyword arguments include "
                        "optimizer, loss, metrics, loss_weights, weighted_metrics, run_eagerly.")
    if kwargs.get("target_tensors") is not None:  # TF 1 graph targets; tf_keras refuses them the same way
        raise ValueError("`target_tensors` argument is not supported when executing eagerly (kerasish always "
                         f"does): pass the targets to fit/train_on_batch as `y`. Received: {kwargs['target_tensors']!r}")
    opt = optimizers.get(optimizer)
    if AUTOCAST_IN_USE[0]:  # a "mixed_float16" model trains with loss scaling, as in Keras
        from ..mixed_precision.loss_scale_optimizer import wrap_for_policy

        opt = wrap_for_policy(model, opt)
    outputs_known = bool(getattr(model, "output_names", None))
    output_names = _output_names(model) if outputs_known else _provisional_output_names(loss, loss_weights)
    object.__setattr__(model, "_pseudo_output_names", None if outputs_known else output_names)
    object.__setattr__(model, "_outputs_unknown_at_compile", not outputs_known)
    object.__setattr__(model, "optimizer", opt)
    losses = LossesContainer(loss, loss_weights, output_names) if loss is not None else None
    object.__setattr__(model, "compiled_loss", losses)
    # compile() without a loss trains on the model's own losses (add_loss); fit still reports them as "loss"
    object.__setattr__(model, "_added_loss_tracker", LossTracker(name="loss") if loss is None else None)
    object.__setattr__(model, "compiled_metrics", MetricsContainer(
        metrics, weighted_metrics, output_names, losses.loss_fns if losses else None))
    object.__setattr__(model, "_is_compiled", True)
    object.__setattr__(model, "loss", loss or {})  # as tf_keras's `Model.compile` (user code and the sklearn wrappers read it)
    object.__setattr__(model, "_compile_args", {"optimizer": optimizer, "loss": loss, "metrics": metrics,
                                                "loss_weights": loss_weights, "weighted_metrics": weighted_metrics})
    if run_eagerly is not None:
        model._run_eagerly = bool(run_eagerly)
    object.__setattr__(model, "_train_state", None)
    object.__setattr__(model, "_metrics_cache", None)
    object.__setattr__(model, "_step_program", None)  # the next step runs in full and records anew


def _output_names(model):
    names = getattr(model, "output_names", None) or model.__dict__.get("_pseudo_output_names")
    if names:
        return list(names)
    return ["output_1"]


def _provisional_output_names(loss, loss_weights):
    """Names for the outputs of a model compiled before its outputs are known (a subclassed model not yet
    called): as many as a list of losses or loss weights has, else one; tf_keras's `output_1`, `output_2`..."""
    counts = [len(v) for v in (loss, loss_weights) if isinstance(v, (list, tuple))]
    counts += [int(str(k)[len("output_"):]) for v in (loss, loss_weights) if isinstance(v, dict) for k in v
               if re.fullmatch(r"output_[1-9][0-9]*", str(k))]
    count = max(counts or [1])
    return [f"output_{i + 1}" for i in range(count)]


def _conform_compile_to_outputs(model, y_pred):
    """Spread what compile() got over the outputs a model returns the first time, when compile could not count
    them (a subclassed model): `loss="mse"` applies to each of two outputs, as in tf_keras, rather than to the
    first alone."""
    object.__setattr__(model, "_outputs_unknown_at_compile", False)
    count = len(y_pred) if isinstance(y_pred, (list, tuple)) else 1
    if count == len(model.compiled_loss.output_names):
        return
    from .compile_utils import LossesContainer, MetricsContainer

    names = [f"output_{i + 1}" for i in range(count)]
    args = model._compile_args
    losses = LossesContainer(args["loss"], args["loss_weights"], names)
    object.__setattr__(model, "_pseudo_output_names", names)
    object.__setattr__(model, "compiled_loss", losses)
    object.__setattr__(model, "compiled_metrics", MetricsContainer(
        args["metrics"], args["weighted_metrics"], names, losses.loss_fns))
    object.__setattr__(model, "_metrics_cache", None)


def _require_compiled(model, what):
    if not getattr(model, "_is_compiled", False):
        raise RuntimeError(f"You must compile your model before {what}. Call `model.compile(optimizer, loss)`.")


def model_metrics(model):
    """The loss tracker(s), the compiled metrics, then the metrics of every layer (attributes, `add_metric`)."""
    cached = model.__dict__.get("_metrics_cache")
    if cached is None:
        cached = []
        if getattr(model, "compiled_loss", None) is not None:
            cached.extend(model.compiled_loss.metrics)
        elif model.__dict__.get("_added_loss_tracker") is not None:
            cached.append(model._added_loss_tracker)
        if getattr(model, "compiled_metrics", None) is not None and model.compiled_metrics.built:
            cached.extend(model.compiled_metrics.metrics)
            object.__setattr__(model, "_metrics_cache", cached)  # complete now: compile() resets it
    layer_metrics = [m for layer in model._flatten_layers() for m in layer._metrics]
    return cached + layer_metrics if layer_metrics else cached


# --------------------------------------------------------------------------- steps
def _prepare_targets(model, y):
    """Targets as a list in output order (dicts keyed by output name are accepted)."""
    if y is None:
        return None
    names = _output_names(model)
    if isinstance(y, dict):
        missing = [n for n in names if n not in y]
        if missing and len(y) != len(names):
            raise ValueError(f"Found unexpected keys or missing targets for outputs {missing}: y has keys {sorted(y)}, "
                             f"the model's outputs are {names}")
        return [y.get(n) for n in names]
    if isinstance(y, (list, tuple)) and len(names) > 1:
        if len(y) != len(names):
            raise ValueError(f"The model has {len(names)} outputs ({names}) but {len(y)} target arrays were given.")
        return list(y)
    if len(names) > 1 and not isinstance(y, (list, tuple)):
        # one target for a model of several outputs applies to each of them (tf_keras's _conform_to_outputs)
        return [y] * len(names)
    return y


def _sample_weights_for_outputs(model, sw):
    if sw is None or not isinstance(sw, dict):
        return sw
    return [sw.get(n) for n in _output_names(model)]


def compute_loss(model, x, y, y_pred, sample_weight):
    if model.compiled_loss is None:
        losses = model.losses
        if not losses:
            raise ValueError("The model cannot be trained: it was compiled without a loss and has no added losses "
                             "(add_loss). Pass `loss=` to compile.")
        total = losses[0]
        for l in losses[1:]:
            total = total + l
        tracker = model.__dict__.get("_added_loss_tracker")
        if tracker is not None:
            first = flatten(y_pred)[0] if y_pred is not None else None
            batch = int(first.shape[0]) if getattr(first, "ndim", 0) else 1
            tracker.update_state(float(np.asarray(total.array if isinstance(total, Tensor) else total)),
                                 sample_weight=batch)
        return total
    if model.__dict__.get("_outputs_unknown_at_compile"):
        _conform_compile_to_outputs(model, y_pred)
    targets = _prepare_targets(model, y)
    if not model.compiled_loss.__dict__.get("_setup_checked"):
        _warn_about_loss_setup(model, targets, y_pred)
        model.compiled_loss._setup_checked = True
    return model.compiled_loss(targets, y_pred,
                               _sample_weights_for_outputs(model, sample_weight),
                               regularization_losses=model.losses)


def _loss_kind(loss):
    """('binary'|'categorical'|'sparse'|None, from_logits) for a compiled loss object."""
    fn = getattr(loss, "fn", loss)
    name = getattr(fn, "__name__", "") or type(loss).__name__
    name = name.lower()
    from_logits = bool(getattr(loss, "from_logits", False) or getattr(loss, "_fn_kwargs", {}).get("from_logits"))
    for kind in ("sparse_categorical", "binary", "categorical"):
        if name.startswith(kind) or name.replace("_", "").startswith(kind.replace("_", "")):
            return ("sparse" if kind == "sparse_categorical" else kind), from_logits
    return None, from_logits


def _output_activation(model, index):
    outputs = getattr(model, "outputs", None)
    if not outputs or index >= len(outputs):
        return None
    layer = outputs[index]._keras_history[0]
    inner = layer
    # a wrapper's activation is its inner layer's: TimeDistributed(Dense(n, activation="softmax"))
    while getattr(inner, "activation", None) is None and getattr(inner, "layer", None) is not None:
        inner = inner.layer
    activation = getattr(inner, "activation", None)
    return getattr(activation, "__name__", None), layer.name


def _are_distributions(y_pred):
    """Whether every row of `y_pred` is a probability distribution (what a softmax we cannot see gives)."""
    values = y_pred.array if isinstance(y_pred, Tensor) else np.asarray(y_pred)
    return bool(np.all(values >= 0) and np.allclose(values.sum(axis=-1), 1.0, atol=1e-3))


def _warn_about_loss_setup(model, y_trues, y_preds):
    """One-line warnings for setups that train badly without an error, and a clear error for integer labels
    given to categorical_crossentropy (checked once per compile)."""
    y_trues = y_trues if isinstance(y_trues, (list, tuple)) else [y_trues]
    y_preds = y_preds if isinstance(y_preds, (list, tuple)) else [y_preds]
    for i, loss in enumerate(model.compiled_loss._loss_objs):
        if loss is None or i >= len(y_preds) or y_trues[i] is None:
            continue
        kind, from_logits = _loss_kind(loss)
        found = _output_activation(model, i)
        activation, layer_name = found if found else (None, None)
        units = y_preds[i].shape[-1] if y_preds[i].ndim else 1
        if kind == "binary" and activation == "softmax" and units > 1:
            warn(f'Output "{layer_name}" uses softmax but the loss is binary_crossentropy: use '
                 "categorical_crossentropy (one-hot targets) or sparse_categorical_crossentropy "
                 "(integer targets), or a sigmoid output for multi-label targets.", UserWarning)
        # from_logits=True on a softmax/sigmoid output: the crossentropy op warns, with Keras's message
        # an output layer with no `activation` (Lambda, a merge, a custom layer) may still end in a softmax
        if kind in ("categorical", "sparse") and not from_logits and layer_name is not None and units > 1 and (
                activation == "linear" or activation is None and not _are_distributions(y_preds[i])):
            warn(f'Output "{layer_name}" has no softmax, but the loss expects probabilities: add '
                 "activation='softmax' or pass from_logits=True to the loss.", UserWarning)
        y_true = np.asarray(y_trues[i]) if not isinstance(y_trues[i], Tensor) else y_trues[i].array
        if kind == "categorical" and units > 1 and y_true.ndim >= 1 and (
                y_true.ndim < y_preds[i].ndim or y_true.shape[-1] == 1) and y_true.dtype.kind in "iuf" and \
                np.all(np.equal(np.mod(y_true, 1), 0)):
            raise ValueError(f"categorical_crossentropy expects one-hot targets of shape (batch, {units}) but got "
                             f"integer labels of shape {y_true.shape}: use sparse_categorical_crossentropy, or "
                             "keras.utils.to_categorical on the labels.")


def _flatten_outputs(y_pred):
    if isinstance(y_pred, dict):
        return [y_pred[k] for k in y_pred]
    return y_pred


def default_train_step(model, data):
    x, y, sample_weight = unpack_batch(data)
    program = compiled_step.program_for(model, x, y, sample_weight)
    if program is not None:  # the step recorded on an earlier batch, replayed on arrays
        program.run(x, y, sample_weight)
        return _results(model)
    with GradientTape() as tape:
        y_pred = model(x, training=True)
        loss = model.compute_loss(x, y, _flatten_outputs(y_pred), sample_weight)
    variables = model.trainable_weights  # after the forward pass: a deferred-build model has them only now
    if getattr(model.optimizer, "_scales_loss", False):  # a LossScaleOptimizer scales and unscales
        model.optimizer.apply_gradients(model.optimizer.compute_gradients(loss, variables, tape))
    else:
        grads = tape.gradient(loss, variables)
        model.optimizer.apply_gradients(zip(grads, variables))
    if model.compiled_metrics is not None and y is not None:  # no targets (fit(x) with add_loss): no metrics
        model.compiled_metrics.update_state(_prepare_targets(model, y), _flatten_outputs(y_pred),
                                            _sample_weights_for_outputs(model, sample_weight))
    compiled_step.full_step_done(model)
    return _results(model)


def default_test_step(model, data):
    x, y, sample_weight = unpack_batch(data)
    with no_recording():
        y_pred = model(x, training=False)
        model.compute_loss(x, y, _flatten_outputs(y_pred), sample_weight)
    if model.compiled_metrics is not None and y is not None:  # no targets (fit(x) with add_loss): no metrics
        model.compiled_metrics.update_state(_prepare_targets(model, y), _flatten_outputs(y_pred),
                                            _sample_weights_for_outputs(model, sample_weight))
    return _results(model)


def _results(model):
    logs = MetricLogs()
    for metric in model.metrics:
        value = metric.result()
        if isinstance(value, dict):
            logs.update({k: _to_float(v) for k, v in value.items()})
        else:
            logs[metric.name] = _to_float(value)
    return logs


def _to_float(v):
    if isinstance(v, Tensor):
        v = v.array
    v = np.asarray(v)
    return float(v) if v.ndim == 0 else v


# --------------------------------------------------------------------------- data
def _class_weight_to_sample_weight(y, class_weight, model):
    """Per-sample weights from `class_weight`: one array, or for a model of several outputs a list (None for an
    output without class weights)."""
    if class_weight is None:
        return None
    names = _output_names(model)
    if len(names) > 1:
        # Keras 2.3's per-output form, {output name: {class: weight}} or a list in output order (tf_keras refuses
        # class_weight for several outputs; a flat {class: weight} dict still gets its error)
        if isinstance(class_weight, dict) and class_weight and all(k in names for k in class_weight):
            per_output = [class_weight.get(n) for n in names]
        elif isinstance(class_weight, (list, tuple)) and len(class_weight) == len(names):
            per_output = list(class_weight)
        else:
            raise ValueError("`class_weight` is only supported for Models with a single output, or as a dict of "
                             f"per-output class weights keyed by output name ({names}).")
        ys = y if isinstance(y, list) else [y] * len(names)
        # keys are looked up as Keras 2.3 did (any class labels), not required to run from 0 as tf_keras's
        return [None if cw is None else _labels_to_weights(y_out, cw, keys_from_zero=False)
                for y_out, cw in zip(ys, per_output)]
    return _labels_to_weights(y[0] if isinstance(y, list) else y, class_weight)


def _labels_to_weights(y, class_weight, keys_from_zero=True):
    if not isinstance(class_weight, dict):
        raise ValueError(f"`class_weight` must be a dict mapping class indices to weights; received "
                         f"{type(class_weight).__name__}")
    keys = sorted(class_weight)
    if not all(isinstance(k, (int, np.integer)) for k in keys) or keys_from_zero and keys != list(range(len(keys))):
        raise ValueError(f"Expected `class_weight` to be a dict with keys from 0 to one less than the number of "
                         f"classes, found {class_weight}")
    y = np.asarray(y)
    if y.ndim > 2:
        raise ValueError(f"`class_weight` not supported for 3+ dimensional targets; received targets of shape "
                         f"{y.shape}")
    if y.ndim == 2 and y.shape[1] > 1:
        labels = np.argmax(y, axis=1)
    else:
        labels = np.round(y.reshape(-1)).astype(np.int64)  # binary targets: class = rounded label
    missing = sorted(set(labels.tolist()) - set(keys))
    if missing:  # Keras 2.3's check (tf.keras fails on the gather): weights for every class in y
        raise ValueError(f"`class_weight` must contain all classes in the data. The classes {set(missing)} exist in "
                         "the data but not in `class_weight`.")
    table = np.array([class_weight[k] for k in keys], dtype=config.floatx())
    return table[np.searchsorted(np.asarray(keys), labels)]  # keys sorted, every label among them


def _combine_weights(sample_weight, class_sw, model=None):
    if isinstance(class_sw, list):  # one per output: a dict by output name, as a per-output sample_weight
        names = _output_names(model)
        if isinstance(sample_weight, dict):
            sample_weight = [sample_weight.get(n) for n in names]
        elif not isinstance(sample_weight, (list, tuple)):
            sample_weight = [sample_weight] * len(names)
        combined = {n: _combine_weights(sw, cw) for n, sw, cw in zip(names, sample_weight, class_sw)}
        return {n: w for n, w in combined.items() if w is not None} or None
    if class_sw is None:
        return sample_weight
    if sample_weight is None:
        return class_sw
    return np.asarray(sample_weight, dtype=config.floatx()) * class_sw


def _check_batch_size(batch_size, name="batch_size"):
    if batch_size is None:
        return None
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
        raise ValueError(f"`{name}` must be a positive integer; received {name}={batch_size!r}")
    return int(batch_size)


def _make_batches(x, y=None, sample_weight=None, batch_size=None, shuffle=False, steps=None, workers=1,
                  use_multiprocessing=False, max_queue_size=10, model=None):
    if is_dataset_like(x):
        if y is not None:
            raise ValueError("`y` argument is not supported when using a generator or Sequence as input: the "
                             "generator yields (x, y) batches itself.")
        if sample_weight is not None:
            raise ValueError("`sample_weight` argument is not supported when using a generator or Sequence as input.")
        return GeneratorBatches(x, steps=steps, shuffle=bool(shuffle), workers=workers,
                                use_multiprocessing=use_multiprocessing, max_queue_size=max_queue_size)
    if x is None:
        raise ValueError("No input data: pass `x` (numpy arrays, a list/dict of arrays, a generator or a Sequence).")
    return ArrayBatches(x, y, sample_weight, batch_size=batch_size, shuffle=shuffle, steps=steps)


# --------------------------------------------------------------------------- callbacks
def _callback_list(model, callbacks, verbose, epochs, steps, add_history=True):
    from .. import callbacks as cbks

    callbacks = list(callbacks or [])
    for cb in callbacks:
        if not isinstance(cb, cbks.Callback):
            raise TypeError(f"Every callback must be a kerasish.callbacks.Callback; received {type(cb).__name__}")
    history = None
    if add_history:
        history = next((c for c in callbacks if isinstance(c, cbks.History)), None)
        if history is None:
            history = cbks.History()
            callbacks.append(history)
    if verbose and not any(isinstance(c, cbks.ProgbarLogger) for c in callbacks):
        callbacks.append(cbks.ProgbarLogger(count_mode="steps"))
    cb_list = cbks.CallbackList(callbacks)
    cb_list.set_model(model)
    cb_list.set_params({"verbose": verbose, "epochs": epochs, "steps": steps})
    return cb_list, history


def _give_callbacks_validation_arrays(cb_list, val_batches):
    """Keras 2.0-2.3 set `callback.validation_data` to the validation inputs, targets and sample weights (ones
    when none were given); custom callbacks of that time read it (tf.keras leaves it None)."""
    weights = val_batches.sw_flat or [np.ones((val_batches.n,), config.floatx())] * len(val_batches.y_flat)
    arrays = list(val_batches.x_flat) + list(val_batches.y_flat) + list(weights)
    for callback in cb_list:
        callback.validation_data = arrays


def _resolve_verbose(verbose):
    if verbose == "auto":
        return 1
    return int(verbose)


# --------------------------------------------------------------------------- fit
def fit(model, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None, validation_split=0.0,
        validation_data=None, shuffle=True, class_weight=None, sample_weight=None, initial_epoch=0,
        steps_per_epoch=None, validation_steps=None, validation_batch_size=None, validation_freq=1,
        max_queue_size=10, workers=1, use_multiprocessing=False):
    _require_compiled(model, "training/testing")
    verbose = _resolve_verbose(verbose)
    batch_size = _check_batch_size(batch_size)
    validation_batch_size = _check_batch_size(validation_batch_size, "validation_batch_size")
    if not isinstance(validation_split, (int, float)) or not 0.0 <= validation_split < 1.0:
        raise ValueError(f"`validation_split` must be a float in [0, 1); received validation_split={validation_split!r}")
    if int(epochs) < 0:
        raise ValueError(f"`epochs` must be a non-negative integer; received epochs={epochs!r}")
    if steps_per_epoch is not None and int(steps_per_epoch) <= 0:
        raise ValueError(f"`steps_per_epoch` must be a positive integer or None; received {steps_per_epoch!r}")

    y = _prepare_targets(model, y)
    if validation_split and validation_data is None:
        if is_dataset_like(x):
            raise ValueError("`validation_split` is only supported for Tensors or NumPy arrays, found following "
                             f"types in the input: {type(x)}")
        x_flat, rebuild_x = data_adapter.flatten_arrays(x)
        y_flat, rebuild_y = data_adapter.flatten_arrays(y)
        sw_flat, rebuild_sw = data_adapter.flatten_arrays(sample_weight)
        data_adapter.check_sample_counts(x_flat, y_flat, sw_flat)
        train, val = data_adapter.train_validation_split(x_flat + y_flat + sw_flat, validation_split)
        nx, ny = len(x_flat), len(y_flat)
        x, y = rebuild_x(train[:nx]), rebuild_y(train[nx:nx + ny])
        sample_weight = rebuild_sw(train[nx + ny:]) if sw_flat else None
        validation_data = (rebuild_x(val[:nx]), rebuild_y(val[nx:nx + ny])) + (
            (rebuild_sw(val[nx + ny:]),) if sw_flat else ())

    if class_weight is not None and not is_dataset_like(x):
        sample_weight = _combine_weights(sample_weight, _class_weight_to_sample_weight(y, class_weight, model), model)
    batches = _make_batches(x, y, sample_weight, batch_size, shuffle, steps_per_epoch, workers,
                            use_multiprocessing, max_queue_size, model)
    if isinstance(batches, ArrayBatches):
        if batches.n == 0:
            raise ValueError("Expected input data to be non-empty.")
        batches.warn_if_not_finite()

    val_batches = None
    if validation_data is not None:
        if is_dataset_like(validation_data):
            val_batches = GeneratorBatches(validation_data, steps=validation_steps, workers=workers,
                                           use_multiprocessing=use_multiprocessing, max_queue_size=max_queue_size)
        else:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
                raise ValueError("`validation_data` should be a tuple `(x_val, y_val, val_sample_weight)` or "
                                 f"`(x_val, y_val)`. Received: validation_data={type(validation_data).__name__}")
            vx, vy = validation_data[0], _prepare_targets(model, validation_data[1])
            vsw = validation_data[2] if len(validation_data) == 3 else None
            val_batches = ArrayBatches(vx, vy, vsw, batch_size=validation_batch_size or batch_size,
                                       shuffle=False, steps=validation_steps)

    epochs = int(epochs)
    steps = len(batches) if batches.steps is not None else None
    cb_list, history = _callback_list(model, callbacks, verbose, epochs, steps)
    if isinstance(val_batches, ArrayBatches):
        _give_callbacks_validation_arrays(cb_list, val_batches)
    model.stop_training = False
    train_step = model.train_step
    logs = {}
    epoch_logs = {}
    cb_list.on_train_begin()
    initial_epoch = int(getattr(model, "_initial_epoch_override", None) or initial_epoch)
    skip_steps = int(getattr(model, "_initial_step_override", None) or 0)
    model.__dict__["_initial_epoch_override"] = None
    model.__dict__["_initial_step_override"] = None
    if isinstance(batches, ArrayBatches):
        batches.passes = epochs - initial_epoch  # tf.keras's stream holds one pass per epoch to run
    interrupt = _DeferredInterrupt().install()
    try:
        for epoch in range(initial_epoch, epochs):
            model.reset_metrics()
            cb_list.on_epoch_begin(epoch)
            logs = {}
            count = 0
            for step, data in enumerate(batches.epoch()):
                if skip_steps:  # BackupAndRestore resumed inside this epoch: these steps already ran
                    skip_steps -= 1
                    count += 1
                    continue
                cb_list.on_train_batch_begin(step)
                interrupt.in_step = True  # a Ctrl-C now waits until the weights are consistent
                logs = _timed_step(train_step, pack_x_y_sample_weight(*data), "fit")
                interrupt.in_step = False
                interrupt.check()
                count += 1
                cb_list.on_train_batch_end(step, logs)
                if model.stop_training:
                    break
            insufficient = False
            if isinstance(batches, ArrayBatches) and batches.exhausted:
                data_adapter.warn_ran_out(batches.steps, epochs)
                insufficient = True
            if isinstance(batches, GeneratorBatches):
                batches.end_epoch()
                if not batches.is_sequence:
                    if count == 0 or (batches.exhausted and steps_per_epoch is not None and count < steps_per_epoch):
                        data_adapter.warn_ran_out(steps_per_epoch or batches.steps or count, epochs)
                        insufficient = True
                    elif batches.steps is None:
                        batches.steps = count
                if count == 0:
                    break
            epoch_logs = MetricLogs(logs)
            if val_batches is not None and _should_validate(epoch, validation_freq):
                val_logs = _evaluate_loop(model, val_batches, cb_list, verbose=0, in_fit=True)
                epoch_logs.update({"val_" + k: v for k, v in val_logs.items()})
            cb_list.on_epoch_end(epoch, epoch_logs)
            if model.stop_training or insufficient:
                break
        if epochs > 0 and hasattr(model.optimizer, "finalize_variable_values"):
            model.optimizer.finalize_variable_values(model.trainable_weights)  # use_ema: the averages win
    except BaseException:
        # leave the model usable: metrics reset, no stale training state
        model.stop_training = False
        raise
    finally:
        interrupt.uninstall()
    cb_list.on_train_end(epoch_logs)
    model.history = history
    return history


class _DeferredInterrupt:
    """Hold a Ctrl-C (SIGINT) that arrives during a training step until the step has finished.

    Installed once per `fit`; a Ctrl-C between steps, or a second one during a step, interrupts at
    once. Only the main thread can install signal handlers; elsewhere this does nothing.
    """

    def __init__(self):
        self.in_step = False
        self.pending = False
        self.previous = None

    def _handler(self, signum, frame):
        if self.in_step and not self.pending:
            self.pending = True
            return
        raise KeyboardInterrupt

    def install(self):
        import signal
        import threading

        if threading.current_thread() is threading.main_thread():
            try:
                self.previous = signal.signal(signal.SIGINT, self._handler)
            except (ValueError, TypeError):
                self.previous = None
        return self

    def uninstall(self):
        if self.previous is not None:
            import signal

            signal.signal(signal.SIGINT, self.previous)
            self.previous = None

    def check(self):
        if self.pending:
            self.pending = False
            raise KeyboardInterrupt


def _should_validate(epoch, validation_freq):
    if isinstance(validation_freq, int):
        if validation_freq < 1:
            raise ValueError(f"`validation_freq` can not be less than 1; received {validation_freq}")
        return (epoch + 1) % validation_freq == 0
    return epoch + 1 in validation_freq


# --------------------------------------------------------------------------- evaluate
def _evaluate_loop(model, batches, cb_list, verbose, in_fit=False):
    model.reset_metrics()
    cb_list.on_test_begin()
    logs = {}
    test_step = model.test_step
    for step, data in enumerate(batches.epoch()):
        cb_list.on_test_batch_begin(step)
        logs = _timed_step(test_step, pack_x_y_sample_weight(*data), "evaluate")
        cb_list.on_test_batch_end(step, logs)
    if not logs:
        logs = _results(model)
    cb_list.on_test_end(logs)
    return logs


def evaluate(model, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None, callbacks=None,
             max_queue_size=10, workers=1, use_multiprocessing=False, return_dict=False):
    _require_compiled(model, "training/testing")
    verbose = _resolve_verbose(verbose)
    batch_size = _check_batch_size(batch_size)
    y = _prepare_targets(model, y)
    batches = _make_batches(x, y, sample_weight, batch_size, False, steps, workers, use_multiprocessing,
                            max_queue_size, model)
    cb_list, _ = _callback_list(model, callbacks, verbose, 1, batches.steps, add_history=False)
    logs = _evaluate_loop(model, batches, cb_list, verbose)
    return _format_logs(model, logs, return_dict)


def _format_logs(model, logs, return_dict):
    if return_dict:
        return dict(logs)
    values = [logs[name] for name in model.metrics_names if name in logs]
    if not values:
        values = list(logs.values())
    return values[0] if len(values) == 1 else values


# --------------------------------------------------------------------------- predict
def predict(model, x, batch_size=None, verbose="auto", steps=None, callbacks=None, max_queue_size=10, workers=1,
            use_multiprocessing=False):
    verbose = _resolve_verbose(verbose)
    batch_size = _check_batch_size(batch_size)
    if (not callbacks and verbose == 0 and steps is None and not is_dataset_like(x)
            and type(model).predict_step is _base_predict_step()):
        return _fast_predict(model, x, batch_size or 32)
    batches = _make_batches(x, None, None, batch_size, False, steps, workers, use_multiprocessing,
                            max_queue_size, model)
    cb_list, _ = _callback_list(model, callbacks, verbose, 1, batches.steps, add_history=False)
    cb_list.on_predict_begin()
    outputs = []
    with no_recording():
        for step, data in enumerate(batches.epoch()):
            cb_list.on_predict_batch_begin(step)
            out = _timed_step(model.predict_step, pack_x_y_sample_weight(data[0]), "predict")
            out_np = _to_numpy_structure(out)
            outputs.append(out_np)
            cb_list.on_predict_batch_end(step, {"outputs": out_np})
    cb_list.on_predict_end()
    if not outputs:
        raise ValueError("Unexpected result of `predict_function` (Empty batch_outputs). Please use "
                         "`Model.compile(..., run_eagerly=True)`, or `tf.config.run_functions_eagerly(True)` for "
                         "more information of where went wrong, or file a issue/bug to `tf.keras`.")
    return _concat_outputs(outputs)


def _base_predict_step():
    return model_class("Model").predict_step  # model.py imports this module: the class is found by name


def _fast_predict(model, x, batch_size):
    """predict for in-memory data with no callbacks and no progress bar: slices and forward passes only."""
    if type(x) is np.ndarray and x.ndim and 0 < len(x) <= batch_size and x.dtype != object:
        with no_recording():  # one batch of one array: straight through (the single-sample latency path)
            return _to_numpy_structure(model(x, training=False))
    x_flat, rebuild = data_adapter.flatten_arrays(x)
    n = data_adapter.check_sample_counts(x_flat, [], [])
    if n == 0:
        raise ValueError("Expected input data to be non-empty.")
    outputs = []
    with no_recording():
        for start in range(0, n, batch_size):
            xb = rebuild([a[start:start + batch_size] for a in x_flat])
            outputs.append(_to_numpy_structure(_timed_step(lambda batch: model(batch, training=False), xb, "predict")))
    return _concat_outputs(outputs)


def _timed_step(step, data, kind):
    """`step(data)`, timed for the thread tuner (see backend/ops/parallel.StepTuner): steps repeat, so it
    can compare thread counts on them."""
    started = TUNER.start()
    logs = step(data)
    if started is not None:
        TUNER.finish(started, (kind, _batch_length(data)))
    return logs


def _batch_length(data):
    """The number of samples in a batch (the first array's length), or None."""
    while isinstance(data, (list, tuple)) and data:
        data = data[0]
    if isinstance(data, dict) and data:
        return _batch_length(next(iter(data.values())))
    shape = getattr(data, "shape", None)
    return shape[0] if shape else None


def _to_numpy_structure(out):
    if isinstance(out, Tensor):
        return out.array
    if isinstance(out, (list, tuple)):
        return [_to_numpy_structure(o) for o in out]
    if isinstance(out, dict):
        return {k: _to_numpy_structure(v) for k, v in out.items()}
    return np.asarray(out)


def _concat_outputs(outputs):
    first = outputs[0]
    if len(outputs) == 1:
        return first
    if isinstance(first, list):
        return [np.concatenate([o[i] for o in outputs], axis=0) for i in range(len(first))]
    if isinstance(first, dict):
        return {k: np.concatenate([o[k] for o in outputs], axis=0) for k in first}
    return np.concatenate(outputs, axis=0)


# --------------------------------------------------------------------------- *_on_batch
def train_on_batch(model, x, y=None, sample_weight=None, class_weight=None, reset_metrics=True, return_dict=False):
    _require_compiled(model, "training/testing")
    y = _prepare_targets(model, y)
    if class_weight is not None:
        sample_weight = _combine_weights(sample_weight, _class_weight_to_sample_weight(y, class_weight, model), model)
    if reset_metrics:
        model.reset_metrics()
    logs = _timed_step(model.train_step, pack_x_y_sample_weight(_as_batch_input(x), _as_batch_input(y), sample_weight),
                       "train_on_batch")
    return _format_logs(model, logs, return_dict)


def test_on_batch(model, x, y=None, sample_weight=None, reset_metrics=True, return_dict=False):
    _require_compiled(model, "training/testing")
    y = _prepare_targets(model, y)
    if reset_metrics:
        model.reset_metrics()
    logs = model.test_step(pack_x_y_sample_weight(_as_batch_input(x), _as_batch_input(y), sample_weight))
    return _format_logs(model, logs, return_dict)


def predict_on_batch(model, x):
    with no_recording():
        return _to_numpy_structure(model(_as_batch_input(x), training=False))


def _as_batch_input(x):
    if x is None or isinstance(x, (np.ndarray, Tensor, dict)):
        return x
    if isinstance(x, (list, tuple)):
        if x and (isinstance(x[0], (np.ndarray, Tensor)) or hasattr(x[0], "__array__")):
            return [np.asarray(v) if not isinstance(v, Tensor) else v for v in x]
        return np.asarray(x)
    return np.asarray(x)
