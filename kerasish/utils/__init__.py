"""Utilities: serialization registry, data helpers, progress bar."""
from .serialization import (  # noqa: F401
    CustomObjectScope, custom_object_scope, deserialize_keras_object, get_custom_objects, get_registered_name,
    get_registered_object, register_keras_serializable, serialize_keras_object)
from .data_utils import PyDataset, Sequence  # noqa: F401
from .np_utils import normalize, to_categorical  # noqa: F401
from . import np_utils  # noqa: F401
from ..backend.config import set_random_seed  # noqa: F401

from .progbar import Progbar  # noqa: F401
from .file_utils import get_file, validate_file  # noqa: F401
from .vis_utils import model_to_dot, plot_history, plot_model  # noqa: F401
from .layer_utils import count_params, print_summary  # noqa: F401
from . import file_utils, layer_utils, vis_utils  # noqa: F401
from .dataset import Dataset  # noqa: F401
from .dataset_utils import (  # noqa: F401
    image_dataset_from_directory, split_dataset, text_dataset_from_directory, timeseries_dataset_from_array)


def __getattr__(name):
    # preprocessing and engine import this package, so their helpers are resolved on first use
    if name in ("array_to_img", "img_to_array", "load_img", "save_img"):
        from ..preprocessing import image

        return getattr(image, name)
    if name == "pad_sequences":
        from ..preprocessing.sequence import pad_sequences

        return pad_sequences
    if name == "get_source_inputs":
        from ..engine.topology import get_source_inputs

        return get_source_inputs
    raise AttributeError(f"module 'kerasish.utils' has no attribute {name!r}")
