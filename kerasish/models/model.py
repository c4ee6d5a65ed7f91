"""Model: a Layer with training (compile/fit/evaluate/predict), saving and inspection.

`keras.Model(inputs, outputs)` builds a Functional model; subclassing `Model` and defining
`call` gives a subclassed model whose attribute layers are tracked.

Example:
    >>> import numpy as np
    >>> import kerasish as keras
    >>> class TwoLayer(keras.Model):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.hidden = keras.layers.Dense(4, activation="relu")
    ...         self.out = keras.layers.Dense(1)
    ...     def call(self, inputs, training=None):
    ...         return self.out(self.hidden(inputs))
    >>> model = TwoLayer()
    >>> model(np.ones((2, 3), "float32")).shape
    (2, 1)
    >>> len(model.trainable_weights)
    4
"""
import json

import numpy as np

from ..layers.layer import Layer
from ..utils.serialization import model_class, register_builtin
from . import training
from ..backend.user_warnings import warn
from ..legacy import interfaces


def _is_functional_init(args, kwargs) -> bool:
    """tf_keras's test for `Model.__init__` arguments that describe a graph network: inputs and outputs."""
    return (len(args) == 2 or (len(args) == 1 and "outputs" in kwargs)
            or ("inputs" in kwargs and "outputs" in kwargs))


def _inject_functional_class(cls, functional):
    """Rebase `cls` (a Model subclass) on `functional` in place of `Model`, as tf_keras does.

    tf_keras rewrites the class's bases, so `type(model) is CustomModel` still holds and later
    `CustomModel(inputs, outputs)` calls build functional models directly.
    """
    if cls is Model:
        return functional
    if not isinstance(cls, type) or not issubclass(cls, Model) or issubclass(cls, functional):
        return cls  # a mixin outside Keras, or already functional
    cls.__bases__ = tuple(_inject_functional_class(base, functional) for base in cls.__bases__)
    return cls


@register_builtin("layer")
@register_builtin("model")
class Model(Layer):
    """Groups layers into an object with training and inference features."""

    _keras_module = "keras.models"
    _autocast_inputs = False  # under a mixed precision policy each layer casts its own inputs

    def __new__(cls, *args, **kwargs):
        if cls is Model and (args or {"inputs", "outputs", "input", "output"} & set(kwargs)):  # Keras 1: input=
            functional = model_class("Functional")  # a subclass, defined in functional.py (which imports this)
            return functional.__new__(functional)
        return super().__new__(cls)

    def __init__(self, *args, **kwargs):
        functional = model_class("Functional")
        if _is_functional_init(args, kwargs) and not isinstance(self, functional):
            # `class CustomModel(keras.Model)` called as `CustomModel(inputs, outputs)`: tf_keras makes that class a
            # Functional subclass (its own train_step etc. over a graph network), as here
            _inject_functional_class(type(self), functional)
            functional.__init__(self, *args, **kwargs)
            return
        if args or "inputs" in kwargs:
            if type(self) is not Model and not hasattr(self, "_init_graph_network"):
                raise TypeError("Subclassed models do not take `inputs`/`outputs`")
        name = kwargs.pop("name", None)
        trainable = kwargs.pop("trainable", True)
        allowed = {"dtype", "dynamic", "autocast"}
        extra = {k: v for k, v in kwargs.items() if k not in allowed}
        if extra and type(self).__name__ not in ("Functional", "Sequential"):
            # Subclass constructors pass their own kwargs through; Keras raises on unknown ones.
            bad = [k for k in extra if k not in ("input_shape", "batch_input_shape", "input_dim")]
            if bad:
                raise TypeError(f"Keyword argument(s) not understood by Model: {bad}")
        super().__init__(name=name, trainable=trainable,
                         **{k: v for k, v in kwargs.items() if k in ("dtype", "dynamic")})
        self._is_graph_network = False
        self.optimizer = None
        self.compiled_loss = None
        self.compiled_metrics = None
        self._is_compiled = False
        self.stop_training = False
        self.history = None
        self._run_eagerly = False
        self._train_state = None
        self.inputs = None
        self.outputs = None

    @property
    def weights(self):
        """Every layer's weights in layer order (each layer's trainable then non-trainable), then the model's own.

        This is tf_keras's `Model.weights` order (what `get_weights`/`set_weights` use); a plain Layer lists all
        trainable weights before all non-trainable ones instead.
        """
        from ..layers.layer import _dedup

        out = []
        for layer in self._layers:
            out.extend(layer.weights)
        out.extend(self._trainable_weights)
        out.extend(self._non_trainable_weights)
        return _dedup(out)

    variables = weights

    # -- layers ------------------------------------------------------------------------------
    @property
    def layers(self):
        return [l for l in self._layers if not _is_input_layer_of_sequential(self, l)]

    def get_layer(self, name=None, index=None):
        """A layer by `name` or by `index` in `model.layers`."""
        if index is not None and name is not None:
            raise ValueError(f"Provide only a layer name or a layer index. Received: index={index}, name={name}.")
        if index is not None:
            if len(self.layers) <= index:
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only has "
                                 f"{len(self.layers)} layers.")
            return self.layers[index]
        if name is not None:
            for layer in self.layers:
                if layer.name == name:
                    return layer
            raise ValueError(f"No such layer: {name}. Existing layers are: {[l.name for l in self.layers]}.")
        raise ValueError("Provide either a layer name or layer index at `get_layer`.")

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False, show_trainable=False,
                layer_range=None):
        """Print a table of the layers, their output shapes and parameter counts (Keras 2 layout)."""
        from ..utils.layer_utils import print_summary

        if not self.built:
            raise ValueError("This model has not yet been built. Build the model first by calling `build()` or by "
                             "calling the model on a batch of data.")
        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                      expand_nested=expand_nested, show_trainable=show_trainable)

    def build(self, input_shape=None):
        """Build a subclassed model by calling it on zeros of `input_shape` (batch axis may be None)."""
        if self._is_graph_network or input_shape is None:
            self.built = True
            return
        from ..backend.tape import no_recording

        self.built = True  # the call below must not come back here
        shapes = input_shape
        if isinstance(shapes, (list, tuple)) and shapes and isinstance(shapes[0], (list, tuple)):
            x = [np.zeros([1 if d is None else d for d in s], dtype="float32") for s in shapes]
        else:
            x = np.zeros([1 if d is None else d for d in shapes], dtype="float32")
        with no_recording():
            self(x, training=False)
        self.built = True

    def _maybe_build(self, inputs):
        if self.built:
            return
        if type(self).build is Model.build:
            self.built = True  # sublayers build themselves on the first call
            return
        super()._maybe_build(inputs)

    def call(self, inputs, training=None, mask=None):
        raise NotImplementedError(f"Model {self.name}: subclassed models must implement `call`.")

    # -- training API (implemented in training.py) ---------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None, weighted_metrics=None,
                run_eagerly=None, steps_per_execution=None, jit_compile=None, **kwargs):
        """Configure the model for training: optimizer, loss(es), metrics."""
        training.compile_model(self, optimizer, loss, metrics, loss_weights, weighted_metrics, run_eagerly,
                               kwargs)

    @interfaces.legacy_fit_support
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None, validation_split=0.0,
            validation_data=None, shuffle=True, class_weight=None, sample_weight=None, initial_epoch=0,
            steps_per_epoch=None, validation_steps=None, validation_batch_size=None, validation_freq=1,
            max_queue_size=10, workers=1, use_multiprocessing=False):
        """Train the model; returns a `History`."""
        return training.fit(
            self, x=x, y=y, batch_size=batch_size, epochs=epochs, verbose=verbose, callbacks=callbacks,
            validation_split=validation_split, validation_data=validation_data, shuffle=shuffle,
            class_weight=class_weight, sample_weight=sample_weight, initial_epoch=initial_epoch,
            steps_per_epoch=steps_per_epoch, validation_steps=validation_steps,
            validation_batch_size=validation_batch_size, validation_freq=validation_freq,
            max_queue_size=max_queue_size, workers=workers, use_multiprocessing=use_multiprocessing)

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None,
                 callbacks=None, max_queue_size=10, workers=1, use_multiprocessing=False, return_dict=False,
                 **kwargs):
        """Loss and metrics on the given data (a scalar, a list, or a dict with `return_dict`)."""
        # Keras 2 accepts and ignores other keyword arguments here
        return training.evaluate(
            self, x=x, y=y, batch_size=batch_size, verbose=verbose, sample_weight=sample_weight, steps=steps,
            callbacks=callbacks, max_queue_size=max_queue_size, workers=workers,
            use_multiprocessing=use_multiprocessing, return_dict=return_dict)

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None, max_queue_size=10, workers=1,
                use_multiprocessing=False):
        """Outputs for the input samples as numpy arrays (a list for several outputs)."""
        return training.predict(
            self, x, batch_size=batch_size, verbose=verbose, steps=steps, callbacks=callbacks,
            max_queue_size=max_queue_size, workers=workers, use_multiprocessing=use_multiprocessing)

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, reset_metrics=True,
                       return_dict=False):
        """One gradient update on one batch; returns the loss (and metrics)."""
        return training.train_on_batch(self, x, y, sample_weight, class_weight, reset_metrics, return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, reset_metrics=True, return_dict=False):
        """Loss (and metrics) on one batch."""
        return training.test_on_batch(self, x, y, sample_weight, reset_metrics, return_dict)

    def predict_on_batch(self, x):
        """Outputs for one batch, as numpy."""
        return training.predict_on_batch(self, x)

    @interfaces.legacy_generator_methods_support
    def fit_generator(self, generator, steps_per_epoch=None, epochs=1, verbose=1, callbacks=None,
                      validation_data=None, validation_steps=None, validation_freq=1, class_weight=None,
                      max_queue_size=10, workers=1, use_multiprocessing=False, shuffle=True, initial_epoch=0):
        """Deprecated Keras 2 alias of `fit` for generators."""
        warn("`Model.fit_generator` is deprecated and will be removed in a future version. "
             "Please use `Model.fit`, which supports generators.", UserWarning)
        return self.fit(generator, steps_per_epoch=steps_per_epoch, epochs=epochs, verbose=verbose,
                        callbacks=callbacks, validation_data=validation_data, validation_steps=validation_steps,
                        validation_freq=validation_freq, class_weight=class_weight, max_queue_size=max_queue_size,
                        workers=workers, use_multiprocessing=use_multiprocessing, shuffle=shuffle,
                        initial_epoch=initial_epoch)

    @interfaces.legacy_generator_methods_support
    def evaluate_generator(self, generator, steps=None, callbacks=None, max_queue_size=10, workers=1,
                           use_multiprocessing=False, verbose=0):
        """Deprecated Keras 2 alias of `evaluate` for generators."""
        warn("`Model.evaluate_generator` is deprecated and will be removed in a future version. "
             "Please use `Model.evaluate`, which supports generators.", UserWarning)
        return self.evaluate(generator, steps=steps, callbacks=callbacks, max_queue_size=max_queue_size,
                             workers=workers, use_multiprocessing=use_multiprocessing, verbose=verbose)

    @interfaces.legacy_generator_methods_support
    def predict_generator(self, generator, steps=None, callbacks=None, max_queue_size=10, workers=1,
                          use_multiprocessing=False, verbose=0):
        """Deprecated Keras 2 alias of `predict` for generators."""
        warn("`Model.predict_generator` is deprecated and will be removed in a future version. "
             "Please use `Model.predict`, which supports generators.", UserWarning)
        return self.predict(generator, steps=steps, callbacks=callbacks, max_queue_size=max_queue_size,
                            workers=workers, use_multiprocessing=use_multiprocessing, verbose=verbose)

    def train_step(self, data):
        """One training step on `data` = (x, y, sample_weight); override to customise `fit`."""
        return training.default_train_step(self, data)

    def test_step(self, data):
        """One evaluation step; override to customise `evaluate`."""
        return training.default_test_step(self, data)

    def predict_step(self, data):
        """One prediction step; override to customise `predict`."""
        x = data[0] if isinstance(data, tuple) else data
        return self(x, training=False)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None):
        """The compiled loss plus the model's own losses."""
        return training.compute_loss(self, x, y, y_pred, sample_weight)

    @property
    def metrics(self):
        """The loss tracker and compiled metrics (once the model has been trained or evaluated)."""
        return training.model_metrics(self)

    @property
    def metrics_names(self):
        return [m.name for m in self.metrics]

    def reset_metrics(self):
        for m in self.metrics:
            m.reset_state()

    @property
    def run_eagerly(self):
        return self._run_eagerly

    @run_eagerly.setter
    def run_eagerly(self, value):
        self._run_eagerly = bool(value)

    @property
    def distribute_strategy(self):
        return None

    # -- saving (implemented in saving.py) -------------------------------------------------------
    def save(self, filepath, overwrite=True, include_optimizer=True, save_format=None, signatures=None,
             options=None, save_traces=True, **kwargs):
        """Save the whole model (architecture, weights, optimizer state): Keras 2's `.h5` format, or for a path
        ending in `.keras` the zip archive of Keras 3 (`dialect="keras3"`, default) or tf.keras 2.13+
        (`dialect="tf_keras"`)."""
        from .. import saving

        saving.save_model(self, filepath, overwrite=overwrite, include_optimizer=include_optimizer,
                          save_format=save_format, **kwargs)

    def export(self, filepath, format="tf_saved_model", **kwargs):  # noqa: A002 (Keras's argument name)
        """Keras's `model.export` writes a TensorFlow SavedModel for serving, which kerasish cannot write.

        Raises NotImplementedError with what to use instead: `model.save("model.h5")`, then, where a
        SavedModel is needed, `tf_keras.models.load_model("model.h5").export(path)` in TensorFlow.
        """
        raise NotImplementedError(
            f"model.export({filepath!r}) writes a TensorFlow SavedModel ({format}), which needs TensorFlow; kerasish "
            "has no SavedModel writer. Save the model with model.save('model.h5') (Keras 2's format): kerasish, "
            "tf.keras and Keras 2 load it, and in TensorFlow `tf_keras.models.load_model('model.h5').export(path)` "
            "turns it into a SavedModel for serving.")

    def save_weights(self, filepath, overwrite=True, save_format=None, options=None, dialect=None):
        """Save the weights (atomically): Keras 2's `.h5` layout, or for a path ending in `.weights.h5` the
        saving_lib layout of tf_keras (default) or Keras 3 (`dialect="keras3"`)."""
        from .. import saving

        saving.save_weights(self, filepath, overwrite=overwrite, save_format=save_format, dialect=dialect)

    def load_weights(self, filepath, by_name=False, skip_mismatch=False, options=None):
        """Load weights from an `.h5` file (Keras 2 or kerasish, by layer order or by layer name), a `.weights.h5`
        file or a `.keras` archive (tf_keras's or Keras 3's layout)."""
        from .. import saving

        return saving.load_weights(self, filepath, by_name=by_name, skip_mismatch=skip_mismatch)

    def to_json(self, **kwargs):
        """The model's architecture as a JSON string (Keras 2 format)."""
        from ..layers import serialize

        config = serialize(self)
        return json.dumps({"class_name": config["class_name"], "config": config["config"],
                           "keras_version": "2.21.0", "backend": "tensorflow"}, default=_json_default, **kwargs)

    def to_yaml(self, **kwargs):
        """Removed from tf.keras (2.6) with `model_from_yaml`; raises RuntimeError as tf.keras does."""
        raise RuntimeError("Method `model.to_yaml()` has been removed due to security risk of arbitrary code "
                           "execution. Please use `model.to_json()` instead.")

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Functional configs (with `layers`/`input_layers`) rebuild a graph; others call the constructor."""
        if "layers" in config and "input_layers" in config:
            functional = model_class("Functional")
            target = cls if issubclass(cls, functional) else functional
            return functional.from_config.__func__(target, config, custom_objects)
        return super().from_config(config, custom_objects)

    def get_config(self):
        # A subclassed model has no serializable architecture unless it overrides get_config.
        return {"name": self.name, "trainable": self.trainable}

    def _get_compile_args(self):
        return getattr(self, "_compile_args", None)

    def _pickles_as_h5(self):
        return getattr(self, "_is_graph_network", False) and self.built

    def __reduce_ex__(self, protocol):
        """Pickling: a built Sequential/Functional model travels as its Keras 2 `.h5` bytes (weights, compile
        settings and optimizer state), as in Keras 2.3 (see `kerasish.saving.pickle_utils`); other models
        pickle their attributes."""
        if self._pickles_as_h5():
            from ..saving import pickle_utils

            return pickle_utils.deserialize_model_from_bytes, (
                pickle_utils.serialize_model_as_bytes(self), pickle_utils.custom_classes(self, importable_only=True))
        return super().__reduce_ex__(protocol)

    def __deepcopy__(self, memo):
        import copy

        if self._pickles_as_h5():
            from ..saving import pickle_utils

            return pickle_utils.deserialize_model_from_bytes(pickle_utils.serialize_model_as_bytes(self),
                                                             pickle_utils.custom_classes(self))
        return copy._reconstruct(self, memo, *self.__reduce_ex__(4))


def _json_default(obj):
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.dtype):
        return obj.name
    if isinstance(obj, tuple):
        return list(obj)
    raise TypeError(f"Not JSON serializable: {obj!r}")


def _is_input_layer_of_sequential(model, layer):
    from ..layers.input_layer import InputLayer

    return isinstance(layer, InputLayer) and getattr(model, "_hide_input_layer", False)

