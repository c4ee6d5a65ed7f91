"""The compiled train step: a model's training step recorded once, then replayed on numpy arrays.

`Model.train_step` records every op on a GradientTape, walks the tape backwards, and goes through the
loss container, the loss object, its reduction, the metric trackers and the optimizer's argument
checks: for a tiny model that is ~80 us of Python around ~10 us of math. For the common case, a chain
of built-in layers ending in a Dense layer with one compiled loss and no layer losses, `program_for`
records the step as a `StepProgram`, a list of layer kernels that work on numpy arrays, and `fit` and
`train_on_batch` replay it:

    forward:   x -> kernel 1 -> ... -> kernel n (the last Dense gives logits to a crossentropy)
    loss:      its value and d loss / d output in one pass, the reduction folded in
    backward:  the kernels in reverse, each giving its weight gradients and, where an earlier layer
               has weights, its input gradient
    update:    the optimizer's in-place update, without re-checking what recording checked

Dense and Flatten have kernels of their own (`dense_forward` / `dense_backward`, the same functions
the Dense op uses). Every other layer of the chain (convolutions, pooling, BatchNormalization, Dropout,
...) runs its own call under a private tape, and losses other than mean squared error and the
crossentropies run the loss object itself under a private tape: the numbers are those of the taped
step. The first step with a new loss, optimizer, model structure or set of trainable layers runs the
full step (its checks and warnings, the metrics' and optimizer's set-up) and records the program;
anything the program does not cover (several inputs or outputs, masks, custom layers, a subclassed
`train_step`, regularization losses, an enclosing GradientTape) always runs the full step.
`compile(run_eagerly=True)` turns the program off.

Example:
    >>> import numpy as np
    >>> import kerasish as keras
    >>> model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> x, y = np.ones((4, 3), "float32"), np.zeros((4, 1), "float32")
    >>> _ = model.train_on_batch(x, y)         # the full step, which records the program
    >>> type(program_for(model, x, y, None)).__name__
    'StepProgram'
"""
import numpy as np

from ..backend.ops import crossentropy as ce
from ..backend.ops import fused, nn
from ..backend.tape import RECORDING, GradientTape, no_recording
from ..backend.tensor import Tensor
from .. import layers as L
from ..layers import layer as layer_module
from .. import losses
from ..optimizers.optimizer import Optimizer, _grad_array
from ..utils.serialization import model_class
from .compile_utils import match_dtype_and_rank
from .plan_layers import PLAN_CALLS, is_mode_dependent

__all__ = ["program_for", "StepProgram"]


# --------------------------------------------------------------------------- layer kernels
# Every kernel has the same three methods:
#   variables()                  its trainable weights, in the layer's weight order
#   forward(x, need_x, keep)     -> (y, saved); `saved` only when `keep` (a layer at or after the first one
#                                with weights); `need_x`: an input gradient will be asked for
#   backward(g, saved, need_x)   -> (gx or None, [gradient per variable])
class _DenseKernel:
    """A Dense layer with a fusable activation; `logits=True` leaves the softmax/sigmoid to the loss."""

    def __init__(self, layer, logits=False):
        self.layer = layer
        self.logits_of = layer._fused if logits else None  # the activation left to the loss, if any
        self.activation = "linear" if logits else layer._fused

    def variables(self):
        return self.layer.trainable_weights

    def forward(self, x, need_x, keep):
        layer = self.layer
        ka = layer.kernel.array
        x2 = x if x.ndim == 2 else x.reshape(-1, ka.shape[0])
        if x2.dtype != ka.dtype:
            x2 = x2.astype(ka.dtype)
        y, _ = fused.dense_forward(x2, ka, layer.bias.array if layer.bias is not None else None, self.activation)
        out = y if x.ndim == 2 else y.reshape(x.shape[:-1] + (ka.shape[1],))
        return out, ((x.shape, x2, y) if keep else None)

    def backward(self, g, saved, need_x):
        x_shape, x2, y = saved
        layer = self.layer
        trainable = layer.trainable
        gx, gk, gb = fused.dense_backward(g.reshape(y.shape), x2, y, layer.kernel.array, self.activation, need_x,
                                          trainable, trainable and layer.bias is not None)
        if gx is not None and len(x_shape) != 2:
            gx = gx.reshape(x_shape)
        if not trainable:
            return gx, []
        return gx, [gk, gb] if layer.bias is not None else [gk]


class _FlattenKernel:
    """Flatten (channels last): a reshape each way."""

    def __init__(self, layer):
        self.layer = layer

    def variables(self):
        return []

    def forward(self, x, need_x, keep):
        return x.reshape(x.shape[0], -1) if x.ndim != 1 else x.reshape(x.shape[0], 1), x.shape

    def backward(self, g, x_shape, need_x):
        return g.reshape(x_shape), []


class _TapedKernel:
    """Any other layer (or fused conv-pool pair) of the chain: its own call under a private tape."""

    def __init__(self, layers, call):
        self.layers = layers
        self.call = call

    def variables(self):
        return [v for layer in self.layers for v in layer.trainable_weights]

    def forward(self, x, need_x, keep):
        xt = Tensor(x)
        weights = self.variables() if keep else []
        if not weights and not (keep and need_x):
            with no_recording():
                return self.call(xt).array, None
        with GradientTape(watch_accessed_variables=False) as tape:
            tape.watch(weights + [xt] if need_x else weights)
            y = self.call(xt)
        return y.array, (tape, xt, y, weights)

    def backward(self, g, saved, need_x):
        tape, xt, y, weights = saved
        grads = tape.gradient(y, weights + [xt] if need_x else weights, output_gradients=g)
        if need_x:
            gx = grads.pop()
            return (gx.array if gx is not None else np.zeros(xt.shape, xt.dtype)), [
                gw.array if gw is not None else None for gw in grads]
        return None, [gw.array if gw is not None else None for gw in grads]


def _kernel_for(layer, step, is_last):
    """The kernel replaying one entry of the model's layer plan (see functional._build_inference_plan)."""
    if isinstance(layer, tuple):  # a Conv(relu) -> MaxPooling pair run as one op
        return _TapedKernel(layer, lambda x: step(layer, x))
    if is_mode_dependent(layer):
        return _TapedKernel((layer,), lambda x: layer.call(x, training=True))
    if type(layer) is L.Dense and layer._fused is not None:
        return _DenseKernel(layer, logits=is_last and layer._fused in ("softmax", "sigmoid"))
    if type(layer) is L.Flatten and layer.data_format == "channels_last":
        return _FlattenKernel(layer)
    return _TapedKernel((layer,), lambda x: step(layer, x))


# --------------------------------------------------------------------------- loss kernels
_SCALES = {}  # (n, dtype) -> 1 / n as a 0-d array: batch sizes repeat step after step


def _sample_scale(sw, n, dtype):
    """d loss / d per-sample loss under the 'sum_over_batch_size' reduction: weight / n per sample (read-only)."""
    scale = _SCALES.get((n, dtype))
    if scale is None:
        if len(_SCALES) > 64:
            _SCALES.clear()
        scale = _SCALES[n, dtype] = np.ones((), dtype) / float(n)  # float32 like the taped step's seed
    return scale if sw is None else sw * scale


def _reduce(per_sample, sw):
    """Keras 2's 'sum_over_batch_size': sum(weight * loss) / number of losses (not / sum of weights)."""
    if sw is not None:
        per_sample = per_sample * sw
    return np.add.reduce(per_sample, axis=None) / float(per_sample.size)  # np.sum's own reduction, called directly


class _MeanSquaredErrorLoss:
    """mean((y_pred - y)**2, axis=-1), reduced: the same operations, in the same order, as the taped loss, with
    fewer numpy calls (this runs once per step; a tiny model's step is ~30 us in all)."""

    def __call__(self, out, y, sw):
        if y.dtype != out.dtype:
            y = y.astype(out.dtype)
        diff = np.subtract(out, y)
        n, units = diff.shape
        squares = np.square(diff)
        # the mean over one unit is the square itself: the division by 1 is exact
        per_sample = squares.reshape(n) if units == 1 else np.divide(np.add.reduce(squares, axis=-1), units)
        value = _reduce(per_sample, sw)
        grad = np.multiply(diff, 2.0 / units, out=diff)
        grad *= _sample_scale(sw, n, out.dtype)[..., None]
        return value, grad

    @staticmethod
    def fits(out, y, sw):
        return y.shape == out.shape and y.dtype.kind in "fiub"


class _SparseCrossentropyLoss:
    """Softmax crossentropy from the logits and integer labels (Keras's hidden-logits path)."""

    def __call__(self, logits, y, sw):
        n, classes = logits.shape
        labels = ce._labels_array(y, (n,), logits.shape, classes)  # the taped op's checks and messages
        rows = np.arange(n)
        per_sample, e, se = ce.sparse_softmax_xent_arrays(logits, labels, rows)
        grad = e / se
        grad[rows, labels] -= 1.0
        grad *= _sample_scale(sw, n, logits.dtype)[..., None]
        return _reduce(per_sample, sw), grad

    @staticmethod
    def fits(out, y, sw):
        return y.shape in ((out.shape[0],), (out.shape[0], 1)) and y.dtype.kind in "iuf"


class _CategoricalCrossentropyLoss:
    """Softmax crossentropy from the logits and one-hot (or soft, or smoothed) targets."""

    def __init__(self, label_smoothing=0.0):
        self.label_smoothing = float(label_smoothing)

    def __call__(self, logits, y, sw):
        t = y.astype(logits.dtype, copy=False)
        if self.label_smoothing:
            t = t * (1.0 - self.label_smoothing) + self.label_smoothing / float(t.shape[-1])
        per_sample, _, e, se = ce.softmax_xent_arrays(logits, t, -1)
        grad = e / se  # TensorFlow's softmax - t (see crossentropy.softmax_cross_entropy_with_logits)
        grad -= t
        grad *= _sample_scale(sw, logits.shape[0], logits.dtype)[..., None]
        return _reduce(per_sample, sw), grad

    @staticmethod
    def fits(out, y, sw):
        return y.shape == out.shape and y.dtype.kind in "fiub"


class _BinaryCrossentropyLoss:
    """Sigmoid crossentropy from the logits, averaged over the last axis (Keras's hidden-logits path)."""

    def __init__(self, label_smoothing=0.0):
        self.label_smoothing = float(label_smoothing)

    def __call__(self, logits, y, sw):
        t = y.astype(logits.dtype, copy=False).reshape(logits.shape)
        if self.label_smoothing:
            t = t * (1.0 - self.label_smoothing) + 0.5 * self.label_smoothing
        elementwise, e = ce.sigmoid_xent_arrays(logits, t)
        units = logits.shape[-1]
        grad = ce._stable_sigmoid_from(logits, e)
        grad -= t
        grad *= (_sample_scale(sw, logits.shape[0], logits.dtype) / float(units))[..., None]
        return _reduce(np.mean(elementwise, axis=-1), sw), grad

    @staticmethod
    def fits(out, y, sw):
        # labels without the trailing unit axis: the same per-sample losses, unless weighted (the taped
        # step then squeezes the predictions and weights the mean loss, as Keras does)
        return y.dtype.kind in "fiub" and (
            y.shape == out.shape or (sw is None and y.shape == out.shape[:-1] and out.shape[-1] == 1))


class _TapedLoss:
    """Any other compiled loss: the loss object itself under a private tape (logits restored to the
    probabilities the way the Dense op's softmax/sigmoid does, so hidden-logits losses see them)."""

    def __init__(self, loss_obj, logits_of):
        self.loss_obj = loss_obj
        self.logits_of = logits_of  # "softmax"/"sigmoid" when the last kernel gave the head's logits

    def __call__(self, out, y, sw):
        source = Tensor(out)
        with GradientTape(watch_accessed_variables=False) as tape:
            tape.watch(source)
            value = self.loss_obj(y, _head(source, self.logits_of), sample_weight=sw)
        grad = tape.gradient(value, source)
        return value.array, (grad.array if grad is not None else None)


def _head(t, logits_of):
    """The model's output from the last kernel's: the head's softmax/sigmoid applied to its logits (the
    result carries them as hidden logits, as the Dense op's does), or `t` itself."""
    if logits_of == "softmax":
        return nn.softmax(t)
    return nn.sigmoid(t) if logits_of == "sigmoid" else t


# loss function -> (its kernel, the output activation whose logits the kernel takes instead of probabilities);
# looked up by identity (a user's loss callable need not be hashable)
_FUSED_LOSSES = {losses.mean_squared_error: (_MeanSquaredErrorLoss, None),
                 losses.sparse_categorical_crossentropy: (_SparseCrossentropyLoss, "softmax"),
                 losses.categorical_crossentropy: (_CategoricalCrossentropyLoss, "softmax"),
                 losses.binary_crossentropy: (_BinaryCrossentropyLoss, "sigmoid")}


def _fused_loss(loss_obj, logits_of):
    """The kernel computing `loss_obj` here, or None (the taped loss). `logits_of`: the activation of the
    model's softmax/sigmoid head, whose logits the last kernel hands over (None: the output as it is)."""
    if not isinstance(loss_obj, losses.LossFunctionWrapper) or type(loss_obj).call is not \
            losses.LossFunctionWrapper.call or loss_obj._get_reduction() != losses.Reduction.SUM_OVER_BATCH_SIZE:
        return None
    kernel, takes_logits_of = next((v for fn, v in _FUSED_LOSSES.items() if fn is loss_obj.fn), (None, None))
    kwargs = dict(loss_obj._fn_kwargs)
    if kernel is None or kwargs.pop("axis", -1) != -1 or kwargs.pop("ignore_class", None) is not None:
        return None
    # the kernel wants the head's logits; with from_logits=True the output already is them (and a softmax or
    # sigmoid head under from_logits=True stays taped: that step warns, as Keras does); probabilities from any
    # other head are clipped the Keras way by the taped loss
    if kwargs.pop("from_logits", False):
        takes_logits_of = None
    if logits_of != takes_logits_of:
        return None
    options = {k: kwargs.pop(k) for k in ("label_smoothing",) if k in kwargs}
    return None if kwargs else kernel(**options)


# --------------------------------------------------------------------------- the program
class StepProgram:
    """One model's recorded train step (see the module docstring): `run(x, y, sample_weight)` trains on one
    batch and updates the loss tracker and metrics, as `Model.train_step` does."""

    def __init__(self, model, kernels, loss_obj, loss_weight):
        self.model = model
        self.kernels = kernels
        self.logits_of = kernels[-1].logits_of
        self.fused_loss = _fused_loss(loss_obj, self.logits_of)
        self.taped_loss = _TapedLoss(loss_obj, self.logits_of)
        self.loss_weight = loss_weight
        self.input_dtype = model.inputs[0].dtype
        self.checked_shapes = set()
        optimizer = model.optimizer
        self.plain_optimizer = type(optimizer).apply_gradients is Optimizer.apply_gradients and \
            "apply_gradients" not in optimizer.__dict__
        self.metrics = model.compiled_metrics if model.compiled_metrics is not None and \
            model.compiled_metrics.metrics else None

    def run(self, x, y, sw):
        model = self.model
        if x.shape not in self.checked_shapes:
            model._check_and_cast_input(0, x)  # raises the model's own error for a wrong shape
            self.checked_shapes.add(x.shape)
        if x.ndim != len(model.inputs[0].shape):  # one axis of size 1 more or less, as the model call allows
            x = x.reshape(x.shape + (1,)) if x.ndim < len(model.inputs[0].shape) else x.reshape(x.shape[:-1])
        if x.dtype != self.input_dtype and (x.dtype.kind == "f" or self.input_dtype.kind == "f"):
            x = x.astype(self.input_dtype)
        kernels = self.kernels
        weights = [k.variables() for k in kernels]
        first = next((i for i, w in enumerate(weights) if w), len(kernels) - 1)
        # forward: each kernel keeps what its backward needs from the first layer with weights on
        saved = []
        h = x
        for i, kernel in enumerate(kernels):
            h, keep = kernel.forward(h, i > first, i >= first)
            saved.append(keep)
        y, _, sw = match_dtype_and_rank(y, h, sw)
        value, g = self._loss(h, y, sw)
        variables = [v for w in weights for v in w]
        if g is None:  # the loss does not depend on the output: the optimizer's "no gradients" error
            return self._apply([None] * len(variables), variables)
        # backward: no input gradient for the first layer with weights, nothing at all before it
        grads = [None] * len(kernels)
        for i in range(len(kernels) - 1, first - 1, -1):
            g, grads[i] = kernels[i].backward(g, saved[i], i > first)
        self._apply([gw for gs in grads if gs is not None for gw in gs], variables)
        model.compiled_loss.loss_tracker.update_state(float(value), sample_weight=h.shape[0] if h.ndim else 1)
        if self.metrics is not None:
            self.metrics.update_state(y, _head(Tensor(h), self.logits_of), sw)

    def _loss(self, out, y, sw):
        """(value, d value / d out) with the loss weight applied."""
        kernel = self.fused_loss
        if kernel is not None and out.ndim == 2 and (sw is None or sw.shape == (out.shape[0], 1)) and \
                kernel.fits(out, y, sw):
            value, g = kernel(out, y, sw[:, 0] if sw is not None else None)
        else:
            value, g = self.taped_loss(out, y, sw)
        if self.loss_weight != 1.0:
            value = value * self.loss_weight
            g = g * self.loss_weight if g is not None else None
        return value, g

    def _apply(self, grads, variables):
        optimizer = self.model.optimizer
        if not variables:
            return  # nothing trainable: apply_gradients would do nothing either (not even count the step)
        if self.plain_optimizer and all(g is not None for g in grads):
            optimizer._apply_arrays([_grad_array(g, v) for g, v in zip(grads, variables)], variables)
        else:  # a DistributedOptimizer (all-reduce) or a missing gradient (the warning): the public path
            optimizer.apply_gradients(zip(grads, variables))


def _record(model):
    """A StepProgram for `model` as it is now, or None when its step is outside what programs cover."""
    model_cls = model_class("Model")  # functional.py and model.py import this module's users: found by name
    cls = type(model)
    if not isinstance(model, model_class("Functional")) or cls.train_step is not model_cls.train_step or \
            cls.compute_loss is not model_cls.compute_loss or cls.call not in PLAN_CALLS:
        return None
    plan = model._inference_plan()
    compiled_loss = model.compiled_loss
    if not plan or compiled_loss is None or len(compiled_loss._loss_objs) != 1 or \
            compiled_loss._loss_objs[0] is None or model.losses or \
            getattr(compiled_loss._loss_objs[0], "reduction", None) == "none":
        return None
    kernels = [_kernel_for(layer, step, i == len(plan) - 1) for i, (layer, step) in enumerate(plan)]
    if not isinstance(kernels[-1], _DenseKernel):
        return None  # its output could carry hidden logits the program does not track
    variables = [v for k in kernels for v in k.variables()]
    if [id(v) for v in variables] != [id(v) for v in model.trainable_weights]:
        return None
    model.optimizer.build(variables)  # as apply_gradients does: slots for variables it has not seen
    return StepProgram(model, kernels, compiled_loss._loss_objs[0], compiled_loss.loss_weights[0])


def _key(model):
    """What a program depends on: the model's structure, loss, optimizer and which layers are trainable."""
    # the objects themselves, not their ids: a new optimizer could reuse a collected one's id
    return (layer_module._STRUCTURE_VERSION[0], model.compiled_loss, model.optimizer,
            tuple(layer._trainable for layer in model._flatten_layers()))


def program_for(model, x, y, sample_weight):
    """The recorded program to run this batch with, or None for the full step.

    A program is recorded after a full step has succeeded with the same model structure, loss, optimizer
    and trainable layers (that step built the optimizer's slots and the metrics), and is dropped when any
    of them changes.
    """
    if RECORDING or model._run_eagerly or type(x) is not np.ndarray or type(y) is not np.ndarray or not (
            sample_weight is None or type(sample_weight) is np.ndarray):
        return None
    state = model.__dict__.get("_step_program")
    if state is None:
        return None
    key = _key(model)
    if state[0] != key:
        return None
    program = state[1]
    if program is None:
        program = _record(model) or False  # False: this model's step is not covered
        object.__setattr__(model, "_step_program", (key, program))
    return program or None


def full_step_done(model):
    """Note that a full train step succeeded: the next batch may record (or replay) the program."""
    key = _key(model)
    state = model.__dict__.get("_step_program")
    if state is None or state[0] != key:
        object.__setattr__(model, "_step_program", (key, None))
