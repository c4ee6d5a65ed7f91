"""Sequential: a linear stack of layers, built on the Functional graph once an input shape is known.

Example:
    >>> import numpy as np
    >>> import kerasish as keras
    >>> model = keras.Sequential([keras.layers.Dense(4, input_shape=(3,)), keras.layers.Dense(1)])
    >>> model.output_shape
    (None, 1)
    >>> model.predict(np.ones((2, 3), "float32"), verbose=0).shape
    (2, 1)
"""
import numpy as np

from ..backend.user_warnings import warn

from ..layers.input_layer import Input, InputLayer
from ..layers import layer as layer_module
from ..layers.layer import Layer, is_symbolic
from ..utils.serialization import register_builtin
from .functional import Functional, _OwnNode, map_graph_network
from .model import Model
from .plan_layers import PLAN_CALLS


@register_builtin("layer")
@register_builtin("model")
class Sequential(Functional):
    """A model whose layers each have one input and one output, applied in order.

    Args:
        layers: optional list of layers to add.
        name: the model's name.
    """

    def __init__(self, layers=None, name=None, **kwargs):
        Model.__init__(self, name=name, **kwargs)
        self._hide_input_layer = True
        self._seq_layers = []
        self._graph_built = False
        self._has_explicit_input = False
        self._input_tensor = None
        self._is_graph_network = False
        self.built = False
        for layer in layers or []:
            self.add(layer)

    @property
    def layers(self):
        return _unique(self._seq_layers)

    def add(self, layer):
        """Append a layer (or an `Input` tensor to fix the input shape)."""
        if is_symbolic(layer) and isinstance(layer._keras_history[0], InputLayer):
            layer = layer._keras_history[0]
        if not isinstance(layer, Layer):
            raise TypeError(f"The added layer must be an instance of class Layer. Received: layer={layer!r} "
                            f"of type {type(layer).__name__}.")
        if isinstance(layer, InputLayer):
            if self._seq_layers or self._graph_built:
                raise ValueError("An InputLayer can only be added as the first layer of a Sequential model.")
            self._input_tensor = layer._inbound_nodes[0].outputs[0]
            self._has_explicit_input = True
            self._start_graph()
            return
        # the same layer object may come back (its weights shared, as tf_keras allows); another layer
        # under a name already taken may not
        if any(l.name == layer.name and l is not layer for l in self._seq_layers):
            raise ValueError(f"All layers added to a Sequential model should have unique names. Name "
                             f"\"{layer.name}\" is already the name of a layer in this model. Update the `name` "
                             "argument to pass a unique name.")
        self._seq_layers.append(layer)
        self._layers_changed()
        if self._graph_built:
            self._extend_graph(layer)
        elif len(self._seq_layers) == 1:
            batch_shape, dtype = _input_shape_and_dtype(layer)
            if batch_shape is not None:
                self._input_tensor = Input(batch_shape=batch_shape, dtype=dtype, name=f"{layer.name}_input")
                self._has_explicit_input = True
                self._start_graph()

    def pop(self):
        """Remove the last layer."""
        if not self._seq_layers:
            raise TypeError("There are no layers in the model.")
        self._seq_layers.pop()
        self._layers_changed()
        if self._graph_built:
            self._graph_built = False
            self._start_graph()

    def _layers_changed(self):
        self._tracking = False
        self._layers = ([self._input_tensor._keras_history[0]] if self._input_tensor is not None else []) + \
            _unique(self._seq_layers)
        self._tracking = True
        layer_module._STRUCTURE_VERSION[0] += 1

    def _start_graph(self):
        # A Sequential first called inside a custom layer's call builds its own graph there, while that call
        # runs on values (a dry run): its layers must record nodes on its Input, not compute on values.
        ctx = layer_module._context()
        saved_captures, ctx["captures"] = ctx["captures"], None
        try:
            x = self._input_tensor
            self._graph_built = True
            self._outputs_tensor = x
            for layer in self._seq_layers:
                self._call_symbolic(layer)
            self._finish_graph()
        finally:
            ctx["captures"] = saved_captures

    def _extend_graph(self, layer):
        self._call_symbolic(layer)
        self._finish_graph()

    def _call_symbolic(self, layer):
        out = layer(self._outputs_tensor)
        if isinstance(out, (list, tuple)):
            raise ValueError("All layers in a Sequential model should have a single output tensor. For "
                             "multi-output layers, use the functional API.")
        self._outputs_tensor = out

    def _finish_graph(self):
        inp, out = self._input_tensor, self._outputs_tensor
        self.inputs = [inp]
        self.outputs = [out]
        self._nested_inputs = inp
        self._nested_outputs = out
        self._input_layers = [inp._keras_history[0]]
        self._output_layers = [out._keras_history[0]]
        self.input_names = [self._input_layers[0].name]
        self.output_names = [self._output_layers[0].name]
        if out is inp:
            self._network_nodes = {f"{inp._keras_history[0].name}_ib-0"}
            self._execution_order = []
        else:
            self._network_nodes, nodes_by_depth, _, _ = map_graph_network([inp], [out])
            self._execution_order = [n for d in sorted(nodes_by_depth, reverse=True)
                                     for n in nodes_by_depth[d] if not n.is_input]
        self._layers_changed()
        self._is_graph_network = True
        self.built = True
        if self.__dict__.get("_ancillary_outputs"):  # add_loss / add_metric nodes stay in the rebuilt graph
            self._insert_ancillary([])
        if self._inbound_nodes and type(self._inbound_nodes[0]).__name__ == "_OwnNode":
            self._inbound_nodes[0].call_args = (inp,)
            self._inbound_nodes[0].outputs = out
        elif not self._inbound_nodes:
            _OwnNode(self, inp, out)

    def _maybe_build(self, inputs):
        if not self._graph_built:
            first = inputs[0] if isinstance(inputs, (list, tuple)) else inputs
            shape = (None,) + tuple(first.shape[1:])
            dtype = first.dtype if np.dtype(first.dtype).kind in "iu" else None
            self._input_tensor = Input(batch_shape=shape, dtype=dtype,
                                       name=f"{self._seq_layers[0].name}_input" if self._seq_layers else None)
            self._inferred_input_shape = shape
            self._start_graph()
        self.built = True

    def build(self, input_shape=None):
        """Build the graph for inputs of `input_shape` (including the batch axis)."""
        if self._graph_built:
            return
        if input_shape is None:
            raise ValueError("You must provide an `input_shape` argument.")
        self._input_tensor = Input(batch_shape=tuple(input_shape), name=(
            f"{self._seq_layers[0].name}_input" if self._seq_layers else None))
        self._inferred_input_shape = tuple(input_shape)
        self._start_graph()

    def call(self, inputs, training=None, mask=None):
        if not self._graph_built:
            if not self._seq_layers:
                raise ValueError(f"Sequential model {self.name} has no layers; add layers before calling it.")
            first = inputs[0] if isinstance(inputs, (list, tuple)) else inputs
            shape = (None,) + tuple(np.shape(first)[1:])
            dtype = getattr(first, "dtype", np.asarray(first).dtype)
            dtype = dtype if np.dtype(dtype).kind in "iu" else None
            self._input_tensor = Input(batch_shape=shape, dtype=dtype, name=f"{self._seq_layers[0].name}_input")
            self._inferred_input_shape = shape
            self._start_graph()
        else:
            self._relax_inferred_shape(inputs)
        return Functional.call(self, inputs, training=training, mask=mask)

    _inferred_input_shape = None  # the input shape the graph was built for when no Input fixed it

    def __call__(self, inputs, *args, **kwargs):
        if self._inferred_input_shape is not None and self._graph_built:
            self._relax_inferred_shape(inputs)  # before the inference plan checks the shape
        return super().__call__(inputs, *args, **kwargs)

    def _relax_inferred_shape(self, inputs):
        """Rebuild the graph with None for the dimensions where `inputs` differ from the inferred shape.

        As tf_keras: a Sequential without an explicit Input, first called on (3, 2, 4) then on (1, 3, 4), is
        rebuilt for (None, None, 4); an explicit Input's shape stays a contract (checked on call).
        """
        old = self._inferred_input_shape
        if old is None:
            return
        first = inputs[0] if isinstance(inputs, (list, tuple)) else inputs
        new = tuple(first.shape) if hasattr(first, "shape") else np.shape(first)
        if len(new) != len(old):
            return
        relaxed = (None,) + tuple(o if o == n else None for o, n in zip(old[1:], new[1:]))
        if relaxed == tuple(old):
            return
        self._input_tensor = Input(batch_shape=relaxed, dtype=self._input_tensor.dtype,
                                   name=self._input_tensor._keras_history[0].name)
        self._inferred_input_shape = relaxed
        self._start_graph()

    @property
    def input_spec(self):
        return None

    @input_spec.setter
    def input_spec(self, value):
        pass

    @property
    def input(self):
        self._require_graph("input")
        return self._input_tensor

    @property
    def output(self):
        self._require_graph("output")
        return self._outputs_tensor

    @property
    def input_shape(self):
        if not self._graph_built:
            if self._seq_layers and self._seq_layers[0]._batch_input_shape is not None:
                return self._seq_layers[0]._batch_input_shape
            raise AttributeError(f"The Sequential model {self.name} has not been built yet, so it has no input "
                                 "shape. Pass `input_shape` to its first layer or call it on data.")
        return self._input_tensor.shape

    @property
    def output_shape(self):
        self._require_graph("output_shape")
        return self._outputs_tensor.shape

    def _require_graph(self, what):
        if not self._graph_built:
            raise AttributeError(f"The Sequential model {self.name} has not been built yet, so it has no {what}. "
                                 "Pass `input_shape` to its first layer or call it on data.")

    def get_weights(self):
        """The weights as numpy arrays; raises, as Keras does, before the model knows its input shape."""
        if not self.built:
            raise ValueError(f"Weights for model '{self.name}' have not yet been created. Weights are created when "
                             "the model is first called on inputs or `build()` is called with an `input_shape`.")
        return super().get_weights()

    # Keras 2's Sequential-only prediction helpers (removed in TF 2.6; most Keras 2 tutorials use them)
    def predict_proba(self, x, batch_size=32, verbose=0):
        """`predict(x)`, warning when the outputs are not probabilities (deprecated: use `predict`).

        Example:
            >>> import warnings
            >>> from kerasish.layers import Dense
            >>> model = Sequential([Dense(2, activation="softmax", input_shape=(3,))])
            >>> with warnings.catch_warnings():
            ...     warnings.simplefilter("ignore")
            ...     model.predict_proba(np.ones((4, 3))).shape
            (4, 2)
        """
        warn("`model.predict_proba()` is deprecated and was removed from Keras after 2021-01-01. Please "
                      "use `model.predict()` instead.", DeprecationWarning)
        predictions = self.predict(x, batch_size=batch_size, verbose=verbose)
        if predictions.min() < 0.0 or predictions.max() > 1.0:
            warn("Network returning invalid probability values. The last layer might not normalize "
                 "predictions into probabilities (like softmax or sigmoid would).")
        return predictions

    def predict_classes(self, x, batch_size=32, verbose=0):
        """Class indices: the argmax of the outputs, or `output > 0.5` (int32, shape (n, 1)) for a single unit.

        Deprecated, as in Keras: use `np.argmax(model.predict(x), axis=-1)` for multi-class models and
        `(model.predict(x) > 0.5).astype("int32")` for binary ones.
        """
        warn("`model.predict_classes()` is deprecated and was removed from Keras after 2021-01-01. Please "
                      "use instead: `np.argmax(model.predict(x), axis=-1)` if your model does multi-class "
                      "classification (e.g. if it uses a `softmax` last-layer activation), or "
                      "`(model.predict(x) > 0.5).astype(\"int32\")` if your model does binary classification "
                      "(e.g. if it uses a `sigmoid` last-layer activation).", DeprecationWarning)
        probabilities = self.predict(x, batch_size=batch_size, verbose=verbose)
        if probabilities.shape[-1] > 1:
            return probabilities.argmax(axis=-1)
        return (probabilities > 0.5).astype("int32")

    def get_config(self):
        layer_configs = []
        from ..layers import serialize

        if self._graph_built:
            layer_configs.append(serialize(self._input_tensor._keras_history[0]))
        for layer in self._seq_layers:
            layer_configs.append(serialize(layer))
        return {"name": self.name, "layers": layer_configs}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ..layers import deserialize

        layer_configs = config["layers"] if isinstance(config, dict) else config
        model = cls(name=config.get("name") if isinstance(config, dict) else None)
        made = {}  # a layer listed twice (one object added twice) is rebuilt once, so it stays shared
        for conf in layer_configs:
            name = conf.get("config", {}).get("name") if isinstance(conf, dict) else None
            if name in made and made[name][0] == conf:
                layer = made[name][1]
            else:
                layer = deserialize(conf, custom_objects=custom_objects)
                made[name] = (conf, layer)
            model.add(layer)
        return model


def _unique(layers):
    """The layers in order, each object once (a Sequential may apply one layer several times)."""
    seen = set()
    return [l for l in layers if not (id(l) in seen or seen.add(id(l)))]


def _input_shape_and_dtype(layer):
    """The batch input shape (and dtype) a first layer declares; a nested model's is its first layer's, as
    tf_keras's `get_input_shape_and_dtype` finds it."""
    while getattr(layer, "_is_graph_network", False) or isinstance(layer, Sequential):
        if not layer.layers:
            raise ValueError("An empty Model cannot be used as a Layer.")
        layer = layer.layers[0]
    shape = getattr(layer, "_batch_input_shape", None)
    return (shape, layer.dtype) if shape is not None else (None, None)


PLAN_CALLS.append(Sequential.call)  # a built Sequential's call is the Functional one
