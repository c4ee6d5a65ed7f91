"""The optimizer base class: gradient clipping, weight decay, EMA, slots, config and the in-place update loop.

This mirrors tf_keras 2.21's optimizer (the >= 2.11 implementation that `compile('adam')` builds):
the same constructor arguments, the same config keys, the same variable order for saving
(`iteration` first, then per model variable the optimizer's slots, e.g. Adam's `m`, `v`), the
same update formulas. Updates happen IN PLACE on each Variable's numpy array: the update loop
walks the flat arrays in cache-sized chunks with two small scratch buffers, so a 25M-parameter
Adam step allocates nothing large (and runs about twice as fast as whole-array numpy).

Writing your own optimizer works as in Keras: subclass `Optimizer`, create slots in `build`
with `add_variable_from_reference`, and implement `update_step(gradient, variable)`.

Example:
    >>> import numpy as np
    >>> from kerasish.backend import Variable
    >>> from kerasish import optimizers
    >>> w = Variable(np.array([1.0], dtype="float32"), name="w")
    >>> opt = optimizers.SGD(learning_rate=0.1)
    >>> _ = opt.apply_gradients([(np.array([0.5], dtype="float32"), w)])
    >>> w.numpy()
    array([0.95], dtype=float32)
    >>> [v.name for v in opt.variables]
    ['iteration:0', 'SGD/m/w:0']
"""
import re

import numpy as np

from ..backend import config
from ..backend.tape import GradientTape, no_recording
from ..backend.tensor import Tensor, Variable
from . import schedules as _schedules
from ..backend.user_warnings import warn

# Elements per chunk of the in-place update loop (256 KiB of float32 per array: the working set
# of an Adam chunk stays in cache, which roughly halves the time of a large update).
_CHUNK = 65536


class CallableList(list):
    """A list that can also be called (`opt.variables` and `opt.variables()` both work, as in tf_keras)."""

    def __call__(self):
        return self


def _variable_path(variable):
    """'d1/kernel' for a variable named 'd1/kernel:0' (slot names follow the full variable name, as in tf_keras)."""
    path = getattr(variable, "name", None) or getattr(variable, "_path", None) or "variable"
    return re.sub(r":\d+$", "", str(path))


def _grad_array(gradient, variable):
    """The gradient as a C-contiguous numpy array in the variable's dtype (no copy when already so)."""
    g = gradient.array if isinstance(gradient, Tensor) else np.asarray(gradient)
    target = variable.array
    if g.dtype == target.dtype and g.shape == target.shape and g.flags.c_contiguous:
        return g  # the usual case, without ascontiguousarray's overhead
    if g.shape != target.shape:
        try:
            g = np.broadcast_to(g, target.shape)
        except ValueError:
            raise ValueError(f"Gradient of shape {g.shape} does not match variable '{variable.name}' of shape "
                             f"{target.shape}") from None
    return np.ascontiguousarray(g, dtype=target.dtype)


class Optimizer:
    """Base class of optimizers.

    Args:
        name: the optimizer's name (prefix of its slot variables, e.g. `Adam/m/dense/kernel:0`).
        weight_decay: if set, decoupled weight decay `w -= w * weight_decay * lr` before each update.
        clipnorm: clip each gradient to this L2 norm.
        clipvalue: clip each gradient element to `[-clipvalue, clipvalue]`.
        global_clipnorm: clip all gradients together to this global L2 norm.
        use_ema: keep an exponential moving average of the weights.
        ema_momentum: the EMA's momentum.
        ema_overwrite_frequency: every this many steps, overwrite the weights with their EMA.
        jit_compile: accepted for compatibility (there is no XLA here; stored as False, as tf_keras does
            on a machine without GPU).
        **kwargs: legacy arguments: `lr` (alias of `learning_rate`) and `decay` (the pre-2.11 time-based
            decay `lr / (1 + decay * iterations)`).
    """

    _keras_module = "keras.optimizers"

    def __init__(self, name=None, weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None, jit_compile=True, **kwargs):
        self.name = name or type(self).__name__
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.global_clipnorm = global_clipnorm
        self.clipvalue = clipvalue
        self.use_ema = use_ema
        self.jit_compile = False
        if use_ema:
            if ema_momentum > 1 or ema_momentum < 0:
                raise ValueError(f"`ema_momentum` must be in the range [0, 1]. Received: ema_momentum={ema_momentum}")
            if ema_overwrite_frequency and (not isinstance(ema_overwrite_frequency, int)
                                            or ema_overwrite_frequency < 1):
                raise ValueError("`ema_overwrite_frequency` must be an integer > 1 or None. Received: "
                                 f"ema_overwrite_frequency={ema_overwrite_frequency}")
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        if clipnorm is not None and global_clipnorm is not None:
            raise ValueError("At most one of `clipnorm` and `global_clipnorm` can be set. Received: "
                             f"clipnorm={clipnorm}, global_clipnorm={global_clipnorm}.")
        self._variables = []
        self._index_dict = {}
        self._trainable_variables = []
        self._scratch_buffers = {}
        self._iterations = Variable(np.array(0, dtype=np.int64), dtype="int64", name="iteration:0", trainable=False)
        self._variables.append(self._iterations)
        self._process_kwargs(kwargs)

    def _process_kwargs(self, kwargs):
        kwargs.pop("is_legacy_optimizer", None)
        self._lr_override = kwargs.pop("lr", None)
        decay = kwargs.pop("decay", 0.0)
        self.decay = float(decay) if decay else 0.0
        if self.decay < 0:
            raise ValueError(f"`decay` cannot be less than 0. Received: decay={decay}")
        for key in ("loss_scale_factor", "gradient_accumulation_steps"):  # Keras 3 configs
            if kwargs.get(key, 0) is None:
                kwargs.pop(key)
        for key in kwargs:
            if key in ("gradient_aggregator", "gradient_transformers"):
                raise ValueError(f"{key} is deprecated in the new Keras optimizer and not supported by kerasish; "
                                 "please check the docstring for valid arguments.")
            raise TypeError(f"{key} is not a valid argument for {type(self).__name__}; kwargs should be empty "
                            "(besides the legacy `lr` and `decay`).")

    # -- learning rate --------------------------------------------------------------------
    def _build_learning_rate(self, learning_rate):
        """A float32 Variable holding the rate, or the schedule itself (its current value kept aside)."""
        if self._lr_override is not None:
            learning_rate = self._lr_override
        if isinstance(learning_rate, _schedules.LearningRateSchedule):
            self._current_learning_rate = Variable(
                np.asarray(learning_rate(self._iterations)), name="current_learning_rate", trainable=False)
            return learning_rate
        return Variable(np.asarray(self._learning_rate_value(learning_rate), dtype=config.floatx()),
                        name="learning_rate", trainable=False)

    @staticmethod
    def _learning_rate_value(learning_rate):
        if isinstance(learning_rate, Tensor):
            learning_rate = learning_rate.array
        try:
            return float(learning_rate)
        except (TypeError, ValueError):
            raise TypeError("`learning_rate` must be a float or a `keras.optimizers.schedules.LearningRateSchedule`;"
                            f" received {learning_rate!r}") from None

    @property
    def learning_rate(self):
        """The learning rate as a scalar float32 Variable (for a schedule: its value at the last step)."""
        lr = getattr(self, "_learning_rate", None)
        if lr is None:
            raise ValueError("Missing learning rate, please set self.learning_rate at optimizer creation time.")
        if isinstance(lr, _schedules.LearningRateSchedule):
            return self._current_learning_rate
        return lr

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        if isinstance(learning_rate, _schedules.LearningRateSchedule):
            self._learning_rate = learning_rate
            self._current_learning_rate = Variable(np.asarray(learning_rate(self._iterations)),
                                                   name="current_learning_rate", trainable=False)
            return
        current = getattr(self, "_learning_rate", None)
        if isinstance(current, _schedules.LearningRateSchedule):
            raise TypeError("This optimizer was created with a `LearningRateSchedule` object as its `learning_rate` "
                            "constructor argument, hence its learning rate is not settable. If you need the learning "
                            "rate to be settable, you should instantiate the optimizer with a float `learning_rate` "
                            "argument.")
        if current is None:
            self._learning_rate = Variable(np.asarray(self._learning_rate_value(learning_rate),
                                                      dtype=config.floatx()), name="learning_rate", trainable=False)
        else:
            current.assign(self._learning_rate_value(learning_rate))

    @property
    def lr(self):
        """Alias of `learning_rate` (Keras 2 code uses `K.set_value(opt.lr, 0.01)`)."""
        return self.learning_rate

    @lr.setter
    def lr(self, learning_rate):
        self.learning_rate = learning_rate

    def _compute_current_learning_rate(self):
        if isinstance(self._learning_rate, _schedules.LearningRateSchedule):
            value = np.asarray(self._learning_rate(self._iterations))
            if value.dtype.kind != "f":
                value = value.astype(config.floatx())
            if getattr(self, "_current_learning_rate", None) is None or \
                    self._current_learning_rate.array.dtype != value.dtype:
                self._current_learning_rate = Variable(value, name="current_learning_rate", trainable=False)
            else:
                self._current_learning_rate.array[...] = value

    def _lr(self, dtype):
        """The rate for this step as a numpy scalar of `dtype` (legacy `decay` applied)."""
        lr = np.asarray(self.learning_rate.array, dtype=dtype)[()]
        if self.decay:
            lr = lr / (dtype.type(1) + dtype.type(self.decay) * dtype.type(int(self._iterations.array)))
        return lr

    def _local_step(self, dtype):
        return dtype.type(int(self._iterations.array) + 1)

    @property
    def iterations(self):
        """The number of steps taken (an int64 Variable)."""
        return self._iterations

    @iterations.setter
    def iterations(self, variable):
        if getattr(self, "_built", False):
            raise RuntimeError("Cannot set `iterations` to a new Variable after the Optimizer weights have been "
                               "created. Please set `iterations` before calling `apply_gradients()`.")
        if not isinstance(variable, Variable):
            variable = Variable(np.asarray(int(np.asarray(variable)), dtype=np.int64), dtype="int64",
                                name="iteration:0", trainable=False)
        self._variables[0] = variable
        self._iterations = variable

    # -- variables ------------------------------------------------------------------------
    @property
    def variables(self):
        """The optimizer's variables in save order: iteration, then per model variable its slots."""
        return CallableList(self._variables)

    @property
    def weights(self):
        return CallableList(self._variables)

    def get_weights(self):
        """Copies of the variable values, in `variables` order."""
        return [v.array.copy() for v in self._variables]

    def set_weights(self, weights):
        """Assign `weights` (numpy arrays in `variables` order); the optimizer must be built."""
        if not getattr(self, "_built", False):
            raise ValueError("You are calling `set_weights()` on an optimizer that has not yet been built. Please "
                             "call `optimizer.build(trainable_variables)` to create the optimizer weights before "
                             "calling `set_weights()`.")
        weights = list(weights)
        if len(weights) != len(self._variables):
            raise ValueError(f"Optimizer '{self.name}' has {len(self._variables)} variables; received "
                             f"{len(weights)} values for `set_weights()`")
        for variable, weight in zip(self._variables, weights):
            weight = np.asarray(weight.array if isinstance(weight, Tensor) else weight)
            if variable.array.shape != weight.shape:
                raise ValueError(f"Optimizer variable {variable.name} has shape {variable.array.shape} not "
                                 f"compatible with provided weight shape {weight.shape}.")
            variable.assign(weight)

    def save_own_variables(self, store):
        """Write the variables into `store` under '0', '1', ... (Keras v3 format)."""
        for i, variable in enumerate(self._variables):
            store[str(i)] = variable.array.copy()

    def load_own_variables(self, store):
        """Read the variables back from `store`; a count mismatch skips loading with a warning."""
        if len(store.keys()) != len(self._variables):
            warn(f"Skipping variable loading for optimizer '{self.name}', because it has "
                 f"{len(self._variables)} variables whereas the saved optimizer has {len(store.keys())} "
                 "variables.")
            return
        for i, variable in enumerate(self._variables):
            variable.assign(store[str(i)])

    def _var_key(self, variable):
        return id(variable)

    def __setstate__(self, state):
        # slots are found by the ids of the variables, which change when the optimizer is unpickled
        self.__dict__.update(state)
        self._index_dict = {self._var_key(v): i for i, v in enumerate(self._trainable_variables)}

    def add_variable(self, shape, dtype=None, initializer="zeros", name=None):
        """Create an optimizer variable (appended to `variables`)."""
        dtype = np.dtype(dtype or config.floatx())
        shape = tuple(shape or ())
        if initializer in ("zeros", None):
            value = np.zeros(shape, dtype=dtype)
        elif initializer == "ones":
            value = np.ones(shape, dtype=dtype)
        else:
            from .. import initializers

            init = initializers.get(initializer) if isinstance(initializer, (str, dict)) else initializer
            value = np.asarray(init(shape, dtype=dtype.name), dtype=dtype)
        variable = Variable(value, dtype=dtype, name=f"{self.name}/{name or 'variable'}:0", trainable=False)
        self._variables.append(variable)
        return variable

    def add_variable_from_reference(self, model_variable, variable_name, shape=None, initial_value=None):
        """A slot variable shaped like `model_variable` (zeros unless `initial_value`), named
        `<optimizer>/<variable_name>/<variable path>:0` and appended to `variables`."""
        dtype = model_variable.array.dtype
        if initial_value is None:
            value = np.zeros(model_variable.array.shape if shape is None else tuple(shape), dtype=dtype)
        else:
            value = np.array(initial_value.array if isinstance(initial_value, Tensor) else initial_value,
                             dtype=dtype, copy=True)
        variable = Variable(value, dtype=dtype, name=f"{self.name}/{variable_name}/{_variable_path(model_variable)}:0",
                            trainable=False)
        self._variables.append(variable)
        return variable

    def build(self, var_list):
        """Create the optimizer's state for `var_list` (called by `apply_gradients`; safe to call again)."""
        new = [v for v in var_list if self._var_key(v) not in self._index_dict]
        if not new:
            return
        for v in new:
            if not isinstance(v, Variable):
                raise TypeError(f"Optimizers update Variables; received {type(v).__name__} {v!r:.60}")
            self._index_dict[self._var_key(v)] = len(self._trainable_variables)
            self._trainable_variables.append(v)
        if self.use_ema:
            if not hasattr(self, "_model_variables_moving_average"):
                self._model_variables_moving_average = []
            for v in new:
                self._model_variables_moving_average.append(
                    self.add_variable_from_reference(v, "average", initial_value=v.array))
        if type(self)._build_slots is not Optimizer._build_slots:
            self._build_slots(new)
            self._built = True

    def _build_slots(self, var_list):
        """Built-in optimizers create their slots here (for newly seen variables only)."""

    def _slot(self, slots, variable):
        return slots[self._index_dict[self._var_key(variable)]].array

    # -- gradients ------------------------------------------------------------------------
    def compute_gradients(self, loss, var_list, tape=None):
        """`[(gradient, variable), ...]` of `loss` (a zero-argument callable, or a Tensor recorded on `tape`)."""
        if not callable(loss) and tape is None:
            raise ValueError(f"`tape` is required when a `Tensor` loss is passed. Received: loss={loss!r:.60}, "
                             f"tape={tape}.")
        if tape is None:
            tape = GradientTape()
        if callable(loss):
            with tape:
                if not callable(var_list):
                    tape.watch(list(var_list))
                loss = loss()
                if callable(var_list):
                    var_list = var_list()
        var_list = list(var_list)
        grads = tape.gradient(loss, var_list)
        return list(zip(grads, var_list))

    def minimize(self, loss, var_list, tape=None):
        """Compute the gradients of `loss` with respect to `var_list` and apply them.

        Example:
            >>> import numpy as np
            >>> from kerasish.backend import Variable
            >>> from kerasish import optimizers
            >>> v = Variable(np.array(1.0, dtype="float32"))
            >>> optimizers.SGD(0.1).minimize(lambda: 3 * v * v, var_list=[v])
            >>> round(float(v.numpy()), 4)
            0.4
        """
        self.apply_gradients(self.compute_gradients(loss, var_list, tape))

    def _clip_gradients(self, grads):
        if self.clipnorm and self.clipnorm > 0:
            clipped = []
            for g in grads:
                dtype = g.dtype.type
                flat = g.reshape(-1)
                l2norm = np.sqrt(dtype(np.dot(flat, flat)))
                clip = dtype(self.clipnorm)
                clipped.append((g * clip) / np.maximum(l2norm, clip))
            return clipped
        if self.global_clipnorm and self.global_clipnorm > 0:
            dtype = grads[0].dtype.type
            total = sum(float(np.dot(g.reshape(-1), g.reshape(-1))) for g in grads)
            global_norm = dtype(np.sqrt(dtype(total)))
            clip = dtype(self.global_clipnorm)
            with np.errstate(divide="ignore"):
                scale = clip * np.minimum(dtype(1) / global_norm, dtype(1) / clip)
            return grads if scale == 1 else [g * g.dtype.type(scale) for g in grads]
        if self.clipvalue and self.clipvalue > 0:
            return [np.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        return grads

    # -- applying -------------------------------------------------------------------------
    def apply_gradients(self, grads_and_vars, name=None, skip_gradients_aggregation=False, **kwargs):
        """Apply `(gradient, variable)` pairs (gradients: Tensors, arrays or None, which are skipped).

        Returns:
            The `iterations` Variable.
        """
        pairs = []
        for pair in grads_and_vars:
            try:
                if isinstance(pair, Tensor):
                    raise TypeError
                g, v = pair
            except (TypeError, ValueError):
                raise TypeError("apply_gradients expects (gradient, variable) pairs, e.g. "
                                f"zip(grads, model.trainable_weights); received {pair!r:.80}") from None
            if not hasattr(v, "assign") or not hasattr(v, "array"):
                raise TypeError(f"apply_gradients: the second item of each pair must be a Variable; received "
                                f"{type(v).__name__}")
            pairs.append((g, v))
        if not pairs:
            return self._iterations
        self.build([v for _, v in pairs])
        present = [(g, v) for g, v in pairs if g is not None]
        if not present:
            raise ValueError(f"No gradients provided for any variable: {[v.name for _, v in pairs]}.")
        if len(present) < len(pairs):
            missing = [v.name for g, v in pairs if g is None]
            warn(f"Gradients do not exist for variables {missing} when minimizing the loss. If you're "
                 "using `model.compile()`, did you forget to provide a `loss` argument?")
        variables = [v for _, v in present]
        for v in variables:
            if self._var_key(v) not in self._index_dict:
                raise KeyError(f"The optimizer cannot recognize variable {v.name}. Please call "
                               "`optimizer.build(variables)` with the full list of trainable variables.")
        return self._apply_arrays([_grad_array(g, v) for g, v in present], variables)

    def _apply_arrays(self, grads, variables):
        """The update itself, for checked inputs: `grads` are C-contiguous arrays in the dtypes and shapes of
        `variables`, which this optimizer has built slots for (the compiled train step calls this)."""
        self._compute_current_learning_rate()
        with no_recording():
            grads = self._clip_gradients(grads)
            self._apply_weight_decay(variables)
            custom_step = type(self).update_step is not Optimizer.update_step
            for g, v in zip(grads, variables):
                if custom_step:
                    self.update_step(Tensor(g), v)
                else:
                    self._apply_dense(g, v)
            if self.use_ema:
                self._update_model_variables_moving_average(variables)
                if self.ema_overwrite_frequency and \
                        (int(self._iterations.array) + 1) % self.ema_overwrite_frequency == 0:
                    self._overwrite_model_variables_with_average_value(variables)
            self._iterations.array += 1
            for v in variables:
                if getattr(v, "constraint", None) is not None:
                    v.assign(v.constraint(v))
        return self._iterations

    def update_step(self, gradient, variable):
        """Update `variable` from `gradient` (override this in a custom optimizer)."""
        self._apply_dense(_grad_array(gradient, variable), variable)

    def _apply_dense(self, gradient, variable):
        raise NotImplementedError(f"{type(self).__name__} must implement `update_step(gradient, variable)`.")

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Exclude variables (or variables whose name matches a regex in `var_names`) from weight decay."""
        if getattr(self, "_built", False):
            raise ValueError("`exclude_from_weight_decay()` can only be configured before the optimizer is built.")
        self._exclude_from_weight_decay = [self._var_key(v) for v in (var_list or [])]
        self._exclude_from_weight_decay_names = list(var_names or [])

    def _use_weight_decay(self, variable):
        if self._var_key(variable) in getattr(self, "_exclude_from_weight_decay", []):
            return False
        return not any(re.search(name, variable.name) is not None
                       for name in getattr(self, "_exclude_from_weight_decay_names", []))

    def _apply_weight_decay(self, variables):
        if self.weight_decay is None:
            return
        for variable in variables:
            if self._use_weight_decay(variable):
                dtype = variable.array.dtype
                lr, wd = self._lr(dtype), dtype.type(self.weight_decay)

                def kernel(w, s1, s2):
                    np.multiply(w, wd, out=s1)
                    s1 *= lr
                    w -= s1

                self._chunked(kernel, variable)

    def _update_model_variables_moving_average(self, variables):
        momentum = self.ema_momentum
        for v in variables:
            average = self._slot(self._model_variables_moving_average, v)

            def kernel(a, w, s1, s2):
                a *= momentum
                np.multiply(w, 1 - momentum, out=s1)
                a += s1

            self._chunked(kernel, average, v.array)

    def _overwrite_model_variables_with_average_value(self, variables):
        for v in variables:
            v.assign(self._slot(self._model_variables_moving_average, v))

    def finalize_variable_values(self, var_list):
        """With `use_ema=True`, overwrite `var_list` with their moving averages (fit calls this at the end)."""
        if self.use_ema:
            self._overwrite_model_variables_with_average_value(var_list)

    def _chunked(self, kernel, target, *others):
        """Run `kernel(target_chunk, *other_chunks, scratch1, scratch2)` over aligned flat chunks, in place.

        `target` is a Variable (or array) updated in place; `others` are arrays of the same size.
        """
        out = target.array if isinstance(target, Variable) else target
        contiguous = out.flags.c_contiguous
        work = out if contiguous else np.ascontiguousarray(out)
        dtype = work.dtype
        buffers = self._scratch_buffers.get(dtype)
        if buffers is None:
            buffers = self._scratch_buffers[dtype] = (np.empty(_CHUNK, dtype), np.empty(_CHUNK, dtype))
        s1, s2 = buffers
        n = work.size
        if n <= _CHUNK and contiguous:  # one chunk: no slicing loop (the usual case for small weights)
            flat = [work.reshape(-1)]
            for a in others:
                if not a.flags.c_contiguous:
                    break
                flat.append(a.reshape(-1))
            else:
                flat += (s1[:n], s2[:n])
                kernel(*flat)
                return
        arrays = [work.reshape(-1)] + [np.ascontiguousarray(a).reshape(-1) for a in others]
        for start in range(0, n, _CHUNK):
            stop = min(start + _CHUNK, n)
            k = stop - start
            kernel(*(a[start:stop] for a in arrays), s1[:k], s2[:k])
        if work is not out:
            out[...] = work

    # -- config ---------------------------------------------------------------------------
    def _serialize_hyperparameter(self, hyperparameter):
        if isinstance(hyperparameter, _schedules.LearningRateSchedule):
            return _schedules.serialize(hyperparameter)
        if isinstance(hyperparameter, Tensor):
            return float(hyperparameter.array)
        if callable(hyperparameter):
            return hyperparameter()
        return hyperparameter

    def get_config(self):
        """The constructor arguments, with tf_keras's keys (learning rate rounded to float32)."""
        config = {"name": self.name, "weight_decay": self.weight_decay, "clipnorm": self.clipnorm,
                  "global_clipnorm": self.global_clipnorm, "clipvalue": self.clipvalue, "use_ema": self.use_ema,
                  "ema_momentum": self.ema_momentum, "ema_overwrite_frequency": self.ema_overwrite_frequency,
                  "jit_compile": self.jit_compile, "is_legacy_optimizer": False}
        if self.decay:
            config["decay"] = self.decay
        return config

    # --- saving with the pre-2.11 `decay`
    # tf_keras's current optimizers refuse `decay`, so a file with it would not load there; an optimizer
    # with it is saved as tf_keras's legacy class instead where that class has the same update rule (RMSprop and
    # Adagrad: but for where epsilon goes): the legacy class's hyperparameters, and its state order (iteration,
    # then each slot kind for every variable). Nadam's legacy class keeps other state: it stays as it is.
    _legacy_config_keys = None   # the legacy class's hyperparameters (None: no legacy class with this rule)
    _legacy_slot_lists = ()      # this class's slot lists, in the legacy class's slot order

    def saved_as_legacy(self) -> bool:
        """Whether files get this optimizer as tf_keras's legacy class (`decay` set, and nothing the legacy
        class lacks: weight_decay, EMA)."""
        return bool(self.decay) and self._legacy_config_keys is not None and self.weight_decay is None \
            and not self.use_ema

    def legacy_config(self):
        """The config tf_keras's legacy class writes and takes."""
        config = self.get_config()
        legacy = {"name": config["name"], "decay": self.decay}
        legacy.update({key: config[key] for key in self._legacy_config_keys})
        legacy.update({key: config[key] for key in ("clipnorm", "clipvalue", "global_clipnorm")
                       if config.get(key) is not None})
        return legacy  # (no `is_legacy_optimizer` key: tf_keras's legacy classes refuse it; absent means legacy)

    def legacy_variables(self):
        """The variables in the legacy class's order: iteration, then every variable's first slot, ..."""
        return [self._iterations] + [slot for name in self._legacy_slot_lists for slot in getattr(self, name)]

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Create an optimizer from `get_config()` output (also Keras 2 legacy configs with `lr`/`decay`)."""
        config = dict(config)
        if "lr" in config and "learning_rate" not in config:
            config["learning_rate"] = config.pop("lr")
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = _schedules.deserialize(config["learning_rate"], custom_objects=custom_objects)
        return cls(**config)

    def __repr__(self):
        return f"<kerasish.optimizers.{type(self).__name__} name={self.name!r}>"
