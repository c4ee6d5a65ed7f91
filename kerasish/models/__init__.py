"""Models: Model (Functional and subclassed), Sequential, loading and cloning."""
from ..layers.input_layer import Input, InputLayer  # noqa: F401  (Keras 2 imported them here)
from .model import Model  # noqa: F401
from .functional import Functional  # noqa: F401
from .sequential import Sequential  # noqa: F401
from . import symbolic_backend  # noqa: F401  (K.function, K.gradients, K.placeholder: see backend/dispatch.py)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True, options=None):
    """Load a model saved with `model.save` (Keras 2 `.h5`, or a `.keras` archive of Keras 3 or tf.keras) — see
    `kerasish.saving.load_model`."""
    from .. import saving

    return saving.load_model(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)


def save_model(model, filepath, overwrite=True, include_optimizer=True, save_format=None, **kwargs):
    """Save a model to Keras 2's `.h5` format or (for `*.keras`) a `.keras` archive — see `kerasish.saving.save_model`."""
    from .. import saving

    return saving.save_model(model, filepath, overwrite=overwrite, include_optimizer=include_optimizer,
                             save_format=save_format, **kwargs)


def model_from_json(json_string, custom_objects=None, safe_mode=True):
    """Rebuild a model from `model.to_json()` output."""
    from .. import saving

    return saving.model_from_json(json_string, custom_objects=custom_objects, safe_mode=safe_mode)


def model_from_yaml(yaml_string, custom_objects=None):
    """Removed from tf.keras (2.6) for the security risk of YAML loading; raises RuntimeError, as tf.keras does.

    Example:
        >>> try:
        ...     model_from_yaml("")
        ... except RuntimeError as e:
        ...     print(str(e)[:43])
        Method `model_from_yaml()` has been removed
    """
    raise RuntimeError("Method `model_from_yaml()` has been removed due to security risk of arbitrary code "
                       "execution. Please use `Model.to_json()` and `model_from_json()` instead.")


def model_from_config(config, custom_objects=None, safe_mode=True):
    """Rebuild a model from a `{"class_name", "config"}` dict."""
    from .. import saving

    return saving.model_from_config(config, custom_objects=custom_objects, safe_mode=safe_mode)


def clone_model(model, input_tensors=None, clone_function=None):
    """A new model with the same architecture and freshly initialized weights.

    Args:
        model: a Functional or Sequential model.
        input_tensors: Keras tensors (from `Input`) to build the clone on, instead of new inputs.
        clone_function: called on each layer (not the inputs) to make its copy; by default
            `layer.__class__.from_config(layer.get_config())`. A shared layer is copied once.

    Example:
        >>> import kerasish as keras
        >>> model = keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])
        >>> clone = keras.models.clone_model(model, input_tensors=keras.Input((3,), batch_size=4))
        >>> clone.input_shape
        (4, 3)
    """
    if input_tensors is not None or clone_function is not None:
        return _clone_by_calls(model, input_tensors, clone_function)
    from ..layers import deserialize, serialize
    from ..utils.safe_mode import safe_mode_scope
    from ..utils.serialization import get_registered_name

    config = serialize(model)
    # the model's own classes rebuild their layers, registered or not (tf_keras clones a layer with
    # `layer.__class__.from_config(layer.get_config())`)
    own_classes = {get_registered_name(type(layer)): type(layer) for layer in model._flatten_layers(include_self=True)
                   if not type(layer).__module__.startswith("kerasish.")}
    with safe_mode_scope(False):  # the config comes from memory, not from a file: Lambdas may be rebuilt
        return deserialize(config, custom_objects=own_classes)


def _clone_by_calls(model, input_tensors, clone_function):
    """tf_keras's clone for `input_tensors`/`clone_function`: each layer copied by `clone_function` and called,
    as in the original graph, on the copies of its inputs."""
    from ..layers.layer import flatten, is_symbolic, map_structure

    if clone_function is None:
        def clone_function(layer):
            return layer.__class__.from_config(layer.get_config())
    given = None
    if input_tensors is not None:
        given = list(input_tensors) if isinstance(input_tensors, (list, tuple)) else [input_tensors]
        if not all(is_symbolic(t) for t in given):
            raise ValueError("clone_model: `input_tensors` must be Keras tensors (from `keras.Input`); received "
                             f"{[type(t).__name__ for t in given]}")
    if isinstance(model, Sequential):
        layers = [clone_function(layer) for layer in model.layers]
        if given is not None:
            return Sequential(given[:1] + layers, name=model.name)
        if getattr(model, "inputs", None) and getattr(layers[0], "_batch_input_shape", None) is None:
            first = model.inputs[0]
            layers = [Input(batch_shape=tuple(first.shape), dtype=first.dtype)] + layers
        return Sequential(layers, name=model.name)
    if not isinstance(model, Functional) or not getattr(model, "_is_graph_network", False):
        raise ValueError(f"clone_model expects a Functional or Sequential model; received {type(model).__name__} "
                         "(a subclassed model has no graph to copy)")
    if given is None:
        given = [Input(batch_shape=tuple(t.shape), dtype=t.dtype, name=t._keras_history[0].name)
                 for t in model.inputs]
    if len(given) != len(model.inputs):
        raise ValueError(f"clone_model: the model has {len(model.inputs)} inputs, but {len(given)} input tensors "
                         "were given")
    values = {id(old): new for old, new in zip(model.inputs, given)}
    copies = {}

    def swap(t):
        return values[id(t)] if is_symbolic(t) else t

    for node in model._execution_order:
        if node.captures:
            raise ValueError(f'clone_model with `input_tensors`/`clone_function`: layer "{node.layer.name}" uses '
                             "Keras tensors it was not called on; clone the model without those arguments")
        if id(node.layer) not in copies:
            copies[id(node.layer)] = clone_function(node.layer)
        outputs = copies[id(node.layer)](*map_structure(swap, node.call_args), **map_structure(swap, node.call_kwargs))
        for old, new in zip(flatten(node.outputs), flatten(outputs)):
            values[id(old)] = new
    inputs = given if len(given) > 1 or isinstance(model._nested_inputs, list) else given[0]
    return Functional(inputs, map_structure(swap, model._nested_outputs), name=model.name)
