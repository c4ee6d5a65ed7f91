"""Pickling models (`pickle.dumps(model)`, `copy.deepcopy(model)`), as Keras 2.3 did: through the `.h5` format.

A Sequential or Functional model pickles as the bytes of its Keras 2 `.h5` file (architecture,
weights, and, once compiled, the compile settings with the optimizer's state), made in memory.
Unpickling rebuilds it from those bytes. Custom layer classes defined at module level travel by
reference, as pickle refers to classes; others (and custom losses or metrics) must be registered
(`register_keras_serializable`) or in a `custom_object_scope` while unpickling, as in Keras 2.
`copy.deepcopy` finds every class from the model itself. Lambda layers load as well: unpickling runs
code anyway, so the model is loaded with `safe_mode=False` — unpickle only data you trust.

Example:
    >>> import pickle
    >>> import numpy as np
    >>> import kerasish as keras
    >>> model = keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])
    >>> model.compile("adam", "mse")
    >>> copy = pickle.loads(pickle.dumps(model))
    >>> np.array_equal(copy.predict(np.ones((1, 3)), verbose=0), model.predict(np.ones((1, 3)), verbose=0))
    True
"""
import io

import h5py


def custom_classes(model, importable_only: bool = False) -> dict:
    """{name: class} of the model's layer classes that configs cannot find by name (neither built in nor
    registered), so a copy can rebuild them; `importable_only` keeps the ones pickle can refer to by name."""
    from ..utils.serialization import builtin_objects, get_registered_object

    found = {}
    for layer in model._flatten_layers(include_self=False):
        cls = type(layer)
        name = cls.__name__
        if builtin_objects("layer").get(name) is cls or get_registered_object(name) is cls:
            continue
        if importable_only and "<locals>" in cls.__qualname__:
            continue
        found[name] = cls
    return found


def serialize_model_as_bytes(model) -> bytes:
    """The `.h5` file of `model` (with its optimizer) as bytes."""
    from .hdf5_model import save_model_to_hdf5_group

    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        save_model_to_hdf5_group(model, f, include_optimizer=True)
    return buffer.getvalue()


def deserialize_model_from_bytes(data: bytes, classes=None):
    """The model stored in `data` (from `serialize_model_as_bytes`), compiled if it was; `classes` are custom
    layer classes to find by name (besides the registered ones and the active custom_object_scope)."""
    from .hdf5_model import load_model_from_hdf5_group

    with h5py.File(io.BytesIO(data), "r") as f:
        return load_model_from_hdf5_group(f, custom_objects=classes, safe_mode=False, source="a pickled model")
