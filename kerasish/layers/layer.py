"""Layer: the unit users subclass. Build on first call, track weights and sublayers, collect losses.

Example:
    >>> import numpy as np
    >>> from kerasish.layers import Layer
    >>> from kerasish import backend as K
    >>> class Scale(Layer):
    ...     def build(self, input_shape):
    ...         self.w = self.add_weight(name="w", shape=(input_shape[-1],), initializer="ones")
    ...     def call(self, inputs):
    ...         return inputs * self.w
    >>> layer = Scale()
    >>> layer(np.ones((2, 3), "float32")).numpy().tolist()
    [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]
    >>> [w.name for w in layer.weights]
    ['scale/w:0']
"""
import inspect
import re
import threading

import numpy as np

from ..backend import config
from ..backend.config import dtype_name, numpy_dtype  # noqa: F401  (layers name dtypes as Keras does)
from ..backend.tape import no_recording
from ..backend.tensor import Tensor, Variable, as_tensor
from ..backend.user_warnings import warn
from ..metrics import Mean, metric_of_result
from ..mixed_precision.autocast import autocast_call
from ..mixed_precision.policy import AUTOCAST_IN_USE, Policy, resolve_layer_dtype, serialize_policy
from ..utils.serialization import register_builtin
from ..utils.tensor_shape import as_tensor_shapes
from ..legacy import interfaces

_CONTEXT = threading.local()  # per-thread call context: training flag and call depth

# The symbolic side of a layer call (Keras tensors, Nodes, dry runs) lives in input_layer.py, which is built
# on Layer: it installs its entry points here when it loads (layers/__init__ loads it right after this module).
SYMBOLIC_CALLS = {}  # "call": symbolic_call(layer, inputs, args, kwargs); "output_shape": infer_output_shape


# Bumped whenever a layer gains a sublayer, so cached layer walks know to redo themselves.
_STRUCTURE_VERSION = [0]


def _context():
    ctx = _CONTEXT.__dict__
    if "depth" not in ctx:
        ctx["depth"] = 0
        ctx["training"] = None
        ctx["symbolic"] = False
        ctx["captures"] = None  # DryRunCaptures / CapturedValues while a call that uses outer Keras tensors runs
    return ctx


def to_snake_case(name):
    intermediate = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    insecure = re.sub("([a-z])([A-Z])", r"\1_\2", intermediate).lower()
    return insecure if insecure[0] != "_" else "private" + insecure


def unique_layer_name(base):
    """'dense', then 'dense_1', 'dense_2', ... (reset by `K.clear_session()`)."""
    n = config.get_uid(base) - 1
    return base if n == 0 else f"{base}_{n}"


def flatten(structure):
    """Flatten lists/tuples/dicts (dicts in sorted-key order) into a list."""
    if isinstance(structure, (list, tuple)):
        out = []
        for s in structure:
            out.extend(flatten(s))
        return out
    if isinstance(structure, dict):
        out = []
        for k in sorted(structure):
            out.extend(flatten(structure[k]))
        return out
    return [structure]


def map_structure(fn, structure):
    if isinstance(structure, list):
        return [map_structure(fn, s) for s in structure]
    if isinstance(structure, tuple):
        return tuple(map_structure(fn, s) for s in structure)
    if isinstance(structure, dict):
        return {k: map_structure(fn, v) for k, v in structure.items()}
    return fn(structure)


def is_symbolic(x):
    return hasattr(x, "_keras_history")


def any_symbolic(structure):
    return any(is_symbolic(x) for x in flatten(structure))


class InputSpec:
    """What a layer accepts: dtype, shape, ndim, max_ndim, min_ndim, axes ({axis: size})."""

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None, axes=None,
                 allow_last_axis_squeeze=False, name=None):
        self.dtype = dtype
        self.shape = tuple(shape) if shape is not None else None
        self.ndim = len(shape) if shape is not None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.axes = {int(k): v for k, v in (axes or {}).items()}
        self.name = name

    def __repr__(self):
        parts = [f"{k}={v}" for k, v in (("dtype", self.dtype), ("shape", self.shape), ("ndim", self.ndim),
                                         ("max_ndim", self.max_ndim), ("min_ndim", self.min_ndim),
                                         ("axes", self.axes or None)) if v is not None]
        return "InputSpec(" + ", ".join(parts) + ")"

    def get_config(self):
        return {"dtype": self.dtype, "shape": self.shape, "ndim": self.ndim, "max_ndim": self.max_ndim,
                "min_ndim": self.min_ndim, "axes": self.axes}


def check_input_spec(layer, inputs):
    """Raise a ValueError naming the layer when an input does not fit `layer.input_spec`."""
    spec = layer.input_spec
    if spec is None:
        return
    specs = spec if isinstance(spec, (list, tuple)) else [spec]
    flat = flatten(inputs)
    if len(flat) != len(specs) and len(specs) > 1:
        raise ValueError(f'Layer "{layer.name}" expects {len(specs)} input(s), but it received '
                         f"{len(flat)} input tensors.")
    for i, (x, s) in enumerate(zip(flat, specs)):
        if s is None:
            continue
        shape = tuple(x.shape)
        nd = len(shape)
        where = f'Input {i} of layer "{layer.name}" is incompatible with the layer: '
        if s.ndim is not None and nd != s.ndim:
            raise ValueError(where + f"expected ndim={s.ndim}, found ndim={nd}. Full shape received: {shape}")
        if s.max_ndim is not None and nd > s.max_ndim:
            raise ValueError(where + f"expected max_ndim={s.max_ndim}, found ndim={nd}. "
                                     f"Full shape received: {shape}")
        if s.min_ndim is not None and nd < s.min_ndim:
            raise ValueError(where + f"expected min_ndim={s.min_ndim}, found ndim={nd}. "
                                     f"Full shape received: {shape}")
        for axis, size in s.axes.items():
            if size is None:
                continue
            if not -nd <= axis < nd:
                raise ValueError(where + f"expected axis {axis} of input to exist, found shape {shape}")
            got = shape[axis]
            if got is not None and got != size:
                raise ValueError(where + f"expected axis {axis} of input shape to have value {size}, "
                                         f"but received input with shape {shape}")
        if s.shape is not None:
            for want, got in zip(s.shape, shape):
                if want is not None and got is not None and want != got:
                    raise ValueError(where + f"expected shape={s.shape}, found shape={shape}")


_AUTO_CONFIG_TYPES = (str, int, float, bool, type(None))


def _plain_values(value):
    if isinstance(value, dict):
        return all(_plain_values(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return all(_plain_values(v) for v in value)
    return isinstance(value, _AUTO_CONFIG_TYPES)


def _constructor_arguments(cls, args, kwargs):
    """The arguments a layer was constructed with, by name, when all are plain JSON values (tf_keras's
    `Layer.__new__` rule: str, int, float, bool, None, nested in lists, tuples and dicts); None otherwise."""
    try:
        names = inspect.getfullargspec(cls.__init__).args[1:]
    except TypeError:
        return None
    values = dict(kwargs)
    values.update(zip(names, args))
    return values if len(args) <= len(names) and _plain_values(values) else None


def _with_constructor_arguments(layer, config_dict):
    """tf_keras's default get_config for a user's layer: the base config updated with the constructor's
    arguments; base keys the constructor does not take are dropped unless it has **kwargs."""
    import copy

    arguments = layer.__dict__["_auto_config"]
    if arguments is None:
        cls = type(layer).__name__
        raise NotImplementedError(
            f"Layer {cls} was created by passing non-serializable argument values in `__init__()`, and therefore "
            "the layer must override `get_config()` in order to be serializable. Please implement "
            f"`get_config()`: return `{{**super().get_config(), \"arg1\": self.arg1, ...}}` with every "
            f"argument of {cls}.__init__.")
    base_keys = set(config_dict)
    config_dict.update(copy.deepcopy(arguments))
    spec = inspect.getfullargspec(type(layer).__init__)
    if spec.varkw is None:
        for key in base_keys - set(spec.args[1:]):
            config_dict.pop(key, None)
    return config_dict


class Layer:
    """Base class of all layers.

    Args:
        trainable: whether the layer's weights are updated by training.
        name: unique name; by default derived from the class name (`dense`, `dense_1`, ...).
        dtype: the layer's float type, or its dtype policy: a `mixed_precision.Policy` or its name
            ("mixed_float16": computations in float16, variables in float32). Default: the global policy
            (`mixed_precision.set_global_policy`), else floatx.
        input_shape / batch_input_shape / input_dim / batch_size: declare the expected input
            (used by `Sequential` to build the model up front).
        activity_regularizer: a regularizer applied to the layer's output.
    """

    _keras_module = "keras.layers"
    _autocast_inputs = True  # models do not cast their inputs: their layers do (Keras's rule)

    def __new__(cls, *args, **kwargs):
        instance = super().__new__(cls)
        if cls.get_config is Layer.get_config and not cls.__module__.startswith("kerasish."):
            # tf_keras 2.x: a user's layer without get_config() gets its constructor's arguments as its config
            object.__setattr__(instance, "_auto_config", _constructor_arguments(cls, args, kwargs))
        return instance

    def __init__(self, trainable=True, name=None, dtype=None, dynamic=False, **kwargs):
        allowed = {"input_shape", "batch_input_shape", "batch_size", "input_dim", "weights",
                   "activity_regularizer", "autocast", "implementation", "batch_shape", "input_length",
                   "input_dtype"}  # input_dtype: Keras 1's dtype, as Keras 2.x still took it
        for k in kwargs:
            if k not in allowed:
                raise TypeError(f"Keyword argument not understood: {k!r} (passed to {type(self).__name__})")
        object.__setattr__(self, "_tracking", False)
        self._trainable_weights = []
        self._non_trainable_weights = []
        self._layers = []
        self._callable_losses = []
        self._call_losses = []
        self._metrics = []  # metric objects: attributes of this layer and those made by add_metric
        self._inbound_nodes = []
        self._outbound_nodes = []
        self._trainable = bool(trainable)
        self.built = False
        self.supports_masking = getattr(self, "supports_masking", False)
        self.input_spec = None
        self.stateful = False
        self.dynamic = dynamic
        # a dtype, a Policy, or a serialized policy (tf.keras's Policy, Keras 3's DTypePolicy)
        dtype = dtype if dtype is not None else kwargs.get("input_dtype")
        self._dtype_policy, self._dtype = resolve_layer_dtype(dtype)
        self._autocast_active = self._dtype_policy is not None and self._autocast_inputs
        self._name = name if name is not None else unique_layer_name(to_snake_case(type(self).__name__))
        if not isinstance(self._name, str):
            raise TypeError(f"Layer name must be a string; received {self._name!r}")
        batch_input_shape = kwargs.get("batch_input_shape", kwargs.get("batch_shape"))
        if batch_input_shape is None:
            if "input_shape" in kwargs and kwargs["input_shape"] is not None:
                shape = kwargs["input_shape"]
                shape = (shape,) if isinstance(shape, int) else tuple(shape)
                batch_input_shape = (kwargs.get("batch_size"),) + shape
            elif kwargs.get("input_dim") is not None:
                shape = (kwargs["input_dim"],)
                if kwargs.get("input_length") is not None:
                    shape = (kwargs["input_length"],) + shape
                batch_input_shape = (kwargs.get("batch_size"), kwargs["input_dim"])
        if batch_input_shape is not None:
            batch_input_shape = tuple(None if d is None else int(d) for d in batch_input_shape)
            for d in batch_input_shape[1:]:
                if d is not None and d <= 0:
                    raise ValueError(f"Layer {self._name}: input_shape must contain positive integers or None; "
                                     f"received {batch_input_shape[1:]}")
        self._batch_input_shape = batch_input_shape
        self._initial_weights = kwargs.get("weights")
        from .. import regularizers

        self.activity_regularizer = regularizers.get(kwargs.get("activity_regularizer"))
        sig = inspect.signature(self.call)
        params = sig.parameters
        self._call_accepts_training = "training" in params or any(
            p.kind == p.VAR_KEYWORD for p in params.values())
        self._call_accepts_mask = "mask" in params or any(p.kind == p.VAR_KEYWORD for p in params.values())
        self._expects_training_arg = "training" in params
        self._expects_mask_arg = "mask" in params
        self._tracking = True

    # -- attribute tracking -----------------------------------------------------------------
    def __setattr__(self, name, value):
        if getattr(self, "_tracking", False) and not name.startswith("_"):
            self._track(value)
        object.__setattr__(self, name, value)

    def _track(self, value):
        if isinstance(value, Layer):
            if value is not self and not any(value is l for l in self._layers):
                self._layers.append(value)
                _STRUCTURE_VERSION[0] += 1
        elif isinstance(value, Variable):
            if not any(value is w for w in self._trainable_weights + self._non_trainable_weights):
                (self._trainable_weights if value.trainable else self._non_trainable_weights).append(value)
        elif _is_metric(value):
            if not any(value is m for m in self._metrics):
                self._metrics.append(value)
        elif isinstance(value, (list, tuple)):
            for v in value:
                self._track(v)
        elif isinstance(value, dict):
            for v in value.values():
                self._track(v)

    # -- naming and flags -------------------------------------------------------------------
    @property
    def name(self):
        return self._name

    @property
    def dtype(self):
        """The dtype of the layer's variables (as in Keras 2)."""
        return self._dtype

    @property
    def dtype_policy(self):
        """The layer's `mixed_precision.Policy`."""
        return self._dtype_policy if self._dtype_policy is not None else Policy(self._dtype)

    @property
    def compute_dtype(self):
        """The dtype the layer computes in (float16 under "mixed_float16")."""
        return self._dtype_policy.compute_dtype if self._dtype_policy is not None else self._dtype

    @property
    def variable_dtype(self):
        return self._dtype

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        value = bool(value)
        for layer in self._flatten_layers(include_self=True):
            layer._trainable = value

    def _flatten_layers(self, include_self=True):
        """This layer and every nested layer, depth first, each once (cached until the structure changes)."""
        cache = self.__dict__.get("_flat_cache")
        if cache is not None and cache[0] == _STRUCTURE_VERSION[0]:
            flat = cache[1]
        else:
            seen = set()
            flat = []

            def visit(layer):
                if id(layer) in seen:
                    return
                seen.add(id(layer))
                flat.append(layer)
                for sub in layer._layers:
                    visit(sub)

            visit(self)
            object.__setattr__(self, "_flat_cache", (_STRUCTURE_VERSION[0], flat))
        return list(flat) if include_self else flat[1:]

    @property
    def submodules(self):
        return self._flatten_layers(include_self=False)

    # -- weights ----------------------------------------------------------------------------
    @interfaces.legacy_add_weight_support
    def add_weight(self, name=None, shape=None, dtype=None, initializer=None, regularizer=None, trainable=None,
                   constraint=None, use_resource=None, synchronization=None, aggregation=None, **kwargs):
        """Create a weight variable, track it, and register its regularization loss.

        `initializer` defaults to glorot_uniform for floats and zeros otherwise.
        """
        from .. import constraints, initializers, regularizers

        shape = () if shape is None else tuple(int(d) for d in shape)
        if any(d < 0 for d in shape):
            raise ValueError(f"Layer {self.name}: weight {name!r} needs a non-negative shape; received {shape}")
        dtype = np.dtype(dtype or self._dtype)
        if initializer is None:
            initializer = "glorot_uniform" if dtype.kind == "f" else "zeros"
        init = initializers.get(initializer)
        trainable = True if trainable is None else bool(trainable)
        if kwargs.get("getter") is not None:
            raise TypeError("add_weight: `getter` is not supported")
        value = init(shape, dtype=dtype) if not isinstance(init, np.ndarray) else init
        value = np.asarray(value, dtype=dtype).reshape(shape)
        name = name or "Variable"
        var = Variable(value, dtype=dtype, name=f"{self.name}/{name}:0", trainable=trainable,
                       constraint=constraints.get(constraint))
        var._path = name
        (self._trainable_weights if trainable else self._non_trainable_weights).append(var)
        reg = regularizers.get(regularizer)
        if reg is not None:
            self._callable_losses.append(lambda: reg(var))
        return var

    add_variable = add_weight

    @property
    def trainable_weights(self):
        if not self._trainable:
            return []
        out = list(self._trainable_weights)
        for sub in self._layers:
            out.extend(sub.trainable_weights)
        return _dedup(out)

    @property
    def non_trainable_weights(self):
        if self._trainable:
            out = list(self._non_trainable_weights)
            for sub in self._layers:
                out.extend(sub.non_trainable_weights)
        else:
            out = self._trainable_weights + self._non_trainable_weights
            for sub in self._layers:
                out.extend(sub.weights)
        return _dedup(out)

    @property
    def weights(self):
        return _dedup(self.trainable_weights + self.non_trainable_weights)

    variables = weights

    @property
    def trainable_variables(self):
        return self.trainable_weights

    @property
    def non_trainable_variables(self):
        return self.non_trainable_weights

    def get_weights(self):
        """The weights as a list of numpy arrays (copies), in `weights` order."""
        return [np.array(w.array, copy=True) for w in self.weights]

    def set_weights(self, weights):
        """Set the weights from a list of arrays, checking the count and every shape."""
        params = self.weights
        weights = list(weights)
        if len(params) != len(weights):
            raise ValueError(
                f'You called `set_weights(weights)` on layer "{self.name}" with a weight list of length '
                f"{len(weights)}, but the layer was expecting {len(params)} weights. "
                f"Provided weights: {_short(weights)}")
        for p, w in zip(params, weights):
            w = np.asarray(w)
            if tuple(p.shape) != tuple(w.shape):
                raise ValueError(
                    f'Layer "{self.name}" weight shape {tuple(p.shape)} is not compatible with provided weight '
                    f"shape {tuple(w.shape)} (weight {p.name}).")
        for p, w in zip(params, weights):
            p.array[...] = np.asarray(w, dtype=p.dtype)

    def count_params(self):
        """Total number of scalars in the layer's weights."""
        if not self.built and not self.weights:
            raise ValueError(f"You tried to call `count_params` on layer {self.name}, but the layer isn't built. "
                             f"You can build it manually via: `{self.name}.build(batch_input_shape)`.")
        return int(sum(int(np.prod(w.shape)) for w in self.weights))

    # -- losses -----------------------------------------------------------------------------
    def add_loss(self, losses, inputs=None):
        """Add a loss tensor (recomputed each call) or a zero-argument callable (evaluated on access)."""
        for loss in (losses if isinstance(losses, (list, tuple)) else [losses]):
            if loss is None:
                continue
            if callable(loss) and not isinstance(loss, Tensor):
                self._callable_losses.append(loss)
            elif is_symbolic(loss):
                self._add_symbolic_loss(loss)
            else:
                self._call_losses.append(loss if isinstance(loss, Tensor) else as_tensor(loss))

    def _add_symbolic_loss(self, loss):
        raise ValueError(f"Layer {self.name}: a symbolic loss can only be added to a functional Model "
                         "(model.add_loss(tensor) where tensor comes from the model's inputs).")

    @property
    def updates(self):
        """Always [] with tf_keras's deprecation warning: state updates (BatchNormalization's moving statistics)
        happen inside the call, so Keras 2 code passing `model.updates` to `K.function` loses nothing."""
        warn("`layer.updates` will be removed in a future version. This property should not be used in "
             "TensorFlow 2.0, as `updates` are applied automatically.")
        return []

    @property
    def losses(self):
        """Losses from the last call (add_loss, activity regularizers) plus weight regularization, nested."""
        out = []
        for layer in self._flatten_layers(include_self=True):
            out.extend(layer._call_losses)
            for fn in layer._callable_losses:
                v = fn()
                if v is not None:
                    out.append(v if isinstance(v, Tensor) else as_tensor(v))
        return out

    def _clear_losses(self):
        for layer in self._flatten_layers(include_self=True):
            if layer._call_losses:
                layer._call_losses = []

    def add_metric(self, value, name=None, aggregation=None, **kwargs):
        """Report `value` as a metric named `name` in fit/evaluate logs (Keras 2 semantics).

        Inside `call`: a tensor is averaged over the epoch by a `Mean` metric named `name`; the result of
        calling a metric object (`self.add_metric(self.acc(y), name="acc")`) reports that metric as it is.
        On a Functional model, a Keras tensor of its graph becomes an `AddMetric` node (`name` required).

        Example:
            >>> import numpy as np
            >>> class Probe(Layer):
            ...     def call(self, inputs):
            ...         self.add_metric(inputs * 2.0, name="twice")
            ...         return inputs
            >>> probe = Probe()
            >>> _ = probe(np.array([1.0, 2.0], "float32"))
            >>> [(m.name, float(m.result())) for m in probe._metrics]
            [('twice', 3.0)]
        """
        if kwargs:
            raise TypeError(f"add_metric: unknown keyword arguments {sorted(kwargs)}; expected `aggregation`")
        if aggregation not in (None, "mean"):
            raise ValueError(f"We currently support only `mean` sample-wise metric aggregation. You provided "
                             f"aggregation=`{aggregation}`")
        if is_symbolic(value):
            if not getattr(self, "_is_graph_network", False):
                raise ValueError(f"Layer {self.name}: add_metric with a Keras tensor outside `call` needs a functional "
                                 f"Model (model.add_metric(tensor, name=...)); received {value!r}")
            if name is None:
                raise ValueError("Please provide a name for your metric like "
                                 "`self.add_metric(tf.reduce_sum(inputs), name='mean_activation')`")
            self._graph_network_add_metric(value, "mean", name)
            return
        from_metric = metric_of_result(value)
        if from_metric is None and name is None:
            raise ValueError("Please provide a name for your metric like "
                             "`self.add_metric(tf.reduce_sum(inputs), name='mean_activation')`")
        if _context()["depth"] == 0:
            raise ValueError(f"Expected a symbolic Tensor for the metric value, received: {value!r:.200}")
        name = from_metric.name if from_metric is not None else name
        metric = self._get_existing_metric(name)
        if metric is None:
            metric = from_metric if from_metric is not None else Mean(name=name, dtype=getattr(value, "dtype", None))
            self._metrics.append(metric)
        if from_metric is None:  # a metric's own result is reported as it is, not averaged again
            metric(value)

    def _get_existing_metric(self, name):
        match = [m for m in self._metrics if m.name == name]
        if len(match) > 1:
            raise ValueError(f"Please provide different names for the metrics you have added. We found {len(match)} "
                             f'metrics with the name: "{name}"')
        return match[0] if match else None

    def add_update(self, updates):
        """Keras 2 compatibility: updates run eagerly here, so this does nothing."""
        return None

    # -- building and calling ----------------------------------------------------------------
    def build(self, input_shape):
        """Create the layer's weights; called once, on the first call, with the input's shape."""
        self.built = True

    def call(self, inputs, *args, **kwargs):
        """The layer's computation; override it."""
        return inputs

    def _maybe_build(self, inputs):
        if self.built:
            return
        if self.input_spec is not None:
            check_input_spec(self, inputs)
        self.build(as_tensor_shapes(map_structure(lambda x: tuple(x.shape), inputs)))
        self.built = True
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    def __call__(self, inputs, *args, **kwargs):
        if type(inputs) is Tensor:  # the common case, checked without walking a structure
            input_shape = inputs.array.shape
        else:
            if any_symbolic(inputs):
                return SYMBOLIC_CALLS["call"](self, inputs, args, kwargs)
            inputs = _to_tensors(inputs)
            input_shape = None
        ctx = _context()
        top = ctx["depth"] == 0
        if not self.built:
            self._maybe_build(inputs)
        elif self.input_spec is not None and (input_shape is None or input_shape != self._checked_shape):
            check_input_spec(self, inputs)
            self._checked_shape = input_shape  # same shape next time: no need to check again
        training = kwargs.get("training", None)
        if training is None:
            training = ctx["training"]
            if training is None:
                training = config.global_learning_phase()
        if self._call_accepts_training:
            kwargs["training"] = training
        elif "training" in kwargs:
            del kwargs["training"]
        mask = kwargs.get("mask")
        if mask is None:
            mask = inputs._keras_mask if input_shape is not None else _collect_masks(inputs)
        if self._call_accepts_mask:
            if mask is not None:
                kwargs["mask"] = mask
        elif "mask" in kwargs:
            del kwargs["mask"]
        if top:
            self._clear_losses()
        saved_training = ctx["training"]
        ctx["depth"] += 1
        ctx["training"] = training
        try:
            if AUTOCAST_IN_USE[0] and self._autocast_inputs:  # some layer has a mixed precision policy
                outputs = autocast_call(self, inputs, args, kwargs)
            else:
                outputs = self.call(inputs, *args, **kwargs)
        finally:
            ctx["depth"] -= 1
            ctx["training"] = saved_training
        if self.activity_regularizer is not None:
            for o in flatten(outputs):
                self._call_losses.append(
                    as_tensor(self.activity_regularizer(o)) / float(o.shape[0] if o.ndim else 1))
        if mask is not None or self._computes_own_mask:
            self._set_output_masks(inputs, outputs, mask)
        return outputs

    _checked_shape = None

    @property
    def _computes_own_mask(self):
        return type(self).compute_mask is not Layer.compute_mask

    def _set_output_masks(self, inputs, outputs, mask):
        if type(self).compute_mask is Layer.compute_mask and (mask is None or not self.supports_masking):
            return  # a layer without masking support drops the mask, as tf_keras's _set_mask_metadata
        out_mask = self.compute_mask(inputs, mask)
        if out_mask is None:
            return
        outs = flatten(outputs)
        masks = flatten(out_mask) if isinstance(out_mask, (list, tuple)) else [out_mask] * len(outs)
        for o, m in zip(outs, masks):
            if isinstance(o, Tensor) and m is not None:
                o._keras_mask = m

    def compute_mask(self, inputs, mask=None):
        """The output mask: the input mask when `supports_masking`; None for a layer without masking support.

        Raises:
            TypeError: a mask given to a layer without masking support (as Keras does).
        """
        if not self.supports_masking:
            if mask is not None and any(m is not None for m in flatten(mask)):
                raise TypeError(f"Layer {self.name} does not support masking, but was passed an input_mask: {mask}")
            return None
        return mask

    def compute_output_shape(self, input_shape):
        """Output shape for `input_shape` (with None for unknown sizes), found by a dry run."""
        return SYMBOLIC_CALLS["output_shape"](self, input_shape)

    # -- graph attributes --------------------------------------------------------------------
    def _node_attr(self, attr, what):
        if not self._inbound_nodes:
            raise AttributeError(f'Layer "{self.name}" is not connected, no {what} to return.')
        return getattr(self._inbound_nodes[0], attr + "_tensors")

    @property
    def input(self):
        """The symbolic input tensor(s) of the layer's first call in a graph."""
        return self._node_attr("input", "input")

    @property
    def output(self):
        """The symbolic output tensor(s) of the layer's first call in a graph."""
        return self._node_attr("output", "output")

    @property
    def input_shape(self):
        if not self._inbound_nodes:
            if self._batch_input_shape is not None:
                return self._batch_input_shape
            raise AttributeError(f'The layer "{self.name}" has never been called and thus has no defined '
                                 "input shape.")
        return map_structure(lambda t: tuple(t.shape), self.input)

    @property
    def output_shape(self):
        if not self._inbound_nodes:
            raise AttributeError(f'The layer "{self.name}" has never been called and thus has no defined '
                                 "output shape.")
        return map_structure(lambda t: tuple(t.shape), self.output)

    def get_input_at(self, node_index):
        return self._inbound_nodes[node_index].input_tensors

    def get_output_at(self, node_index):
        return self._inbound_nodes[node_index].output_tensors

    def get_input_shape_at(self, node_index):
        return map_structure(lambda t: tuple(t.shape), self.get_input_at(node_index))

    def get_output_shape_at(self, node_index):
        return map_structure(lambda t: tuple(t.shape), self.get_output_at(node_index))

    @property
    def inbound_nodes(self):
        return self._inbound_nodes

    @property
    def outbound_nodes(self):
        return self._outbound_nodes

    # -- config ------------------------------------------------------------------------------
    def get_config(self):
        """The constructor arguments as a JSON-friendly dict (Keras 2 layout)."""
        config_dict = {"name": self.name, "trainable": self.trainable}
        if self._batch_input_shape is not None:
            config_dict["batch_input_shape"] = list(self._batch_input_shape)
        config_dict["dtype"] = serialize_policy(self._dtype_policy, self._dtype)
        if self.activity_regularizer is not None and type(self).get_config is Layer.get_config:
            from .. import regularizers

            config_dict["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        if type(self).get_config is Layer.get_config and "_auto_config" in self.__dict__:
            return _with_constructor_arguments(self, config_dict)
        return config_dict

    @classmethod
    def from_config(cls, config_dict, custom_objects=None):
        """Create a layer from `get_config()` output."""
        try:
            return cls(**config_dict)
        except TypeError as e:
            raise TypeError(f"Error when deserializing class '{cls.__name__}' using config={config_dict}.\n\n"
                            f"Exception encountered: {e}") from e

    def get_build_config(self):
        if self._build_input_shape is not None:
            return {"input_shape": self._build_input_shape}
        return None

    _build_input_shape = None

    def __repr__(self):
        return f"<{type(self).__module__.split('.')[0]}.layers.{type(self).__name__} name={self.name}, built={self.built}>"

    def reset_states(self):
        """Reset the state of every stateful layer inside this one (stateful layers override this)."""
        for layer in self._flatten_layers(include_self=False):
            if getattr(layer, "stateful", False) and type(layer).reset_states is not Layer.reset_states:
                layer.reset_states()


def _is_metric(value):
    """A metric object (duck-typed: metrics are not layers and live above this module)."""
    return not isinstance(value, Layer) and all(hasattr(value, a) for a in ("update_state", "result", "reset_state"))


def _dedup(weights):
    seen = set()
    out = []
    for w in weights:
        if id(w) not in seen:
            seen.add(id(w))
            out.append(w)
    return out


def _short(weights):
    return str([np.shape(w) for w in weights])[:500]


def _to_tensors(inputs):
    if isinstance(inputs, Tensor):
        return inputs
    if isinstance(inputs, np.ndarray):
        return as_tensor(inputs)
    if isinstance(inputs, (list, tuple)):
        return type(inputs)(_to_tensors(x) for x in inputs)
    if isinstance(inputs, dict):
        return {k: _to_tensors(v) for k, v in inputs.items()}
    if inputs is None:
        return None
    return as_tensor(inputs)


def _collect_masks(inputs):
    if isinstance(inputs, Tensor):
        return inputs._keras_mask
    if isinstance(inputs, (list, tuple)):
        masks = [getattr(x, "_keras_mask", None) for x in inputs]
        return masks if any(m is not None for m in masks) else None
    return None


register_builtin("layer")(Layer)
