"""Keras 2.2-2.3's `keras.engine.saving`: saving and loading whole models and weights in the `.h5` format.

The functions live in `kerasish.saving` (and `kerasish.models`); this module keeps the old import path.

Example:
    >>> from kerasish.engine.saving import load_model, save_model
    >>> from kerasish.saving import load_model as current
    >>> load_model is current
    True
"""
from ..models import model_from_yaml  # noqa: F401
from ..saving import (  # noqa: F401
    HDF5_OBJECT_HEADER_LIMIT, load_model, load_weights_from_hdf5_group, load_weights_from_hdf5_group_by_name,
    model_from_config, model_from_json, preprocess_weights_for_loading, save_model, save_weights_to_hdf5_group)
from ..saving.hdf5_attrs import read_string_list as load_attributes_from_hdf5_group  # noqa: F401
from ..saving.hdf5_attrs import write_string_list as save_attributes_to_hdf5_group  # noqa: F401
