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
    """A new model with the same architecture and freshly initialized weights."""
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
