"""Utilities: serialization registry, data helpers, progress bar."""
from .serialization import (  # noqa: F401
    CustomObjectScope, custom_object_scope, deserialize_keras_object, get_custom_objects, get_registered_name,
    get_registered_object, register_keras_serializable, serialize_keras_object)
from .data_utils import (  # noqa: F401
    GeneratorEnqueuer, OrderedEnqueuer, PyDataset, Sequence, SequenceEnqueuer, pack_x_y_sample_weight,
    unpack_x_y_sample_weight)
from .io_utils import HDF5Matrix  # noqa: F401
from .multi_gpu_utils import multi_gpu_model  # noqa: F401
from .np_utils import normalize, to_categorical, to_ordinal  # noqa: F401
from . import np_utils  # noqa: F401
from ..backend.config import set_random_seed  # noqa: F401

from .progbar import (  # noqa: F401
    Progbar, disable_interactive_logging, enable_interactive_logging, is_interactive_logging_enabled)
from .file_utils import get_file, validate_file  # noqa: F401
from .vis_utils import model_to_dot, plot_history, plot_model  # noqa: F401
from .layer_utils import (  # noqa: F401
    convert_all_kernels_in_model, count_params, get_source_inputs, print_summary)
from . import conv_utils, data_utils, file_utils, generic_utils, image_utils, io_utils, layer_utils, legacy  # noqa: F401
from . import sequence_utils, vis_utils  # noqa: F401
from .dataset import Dataset  # noqa: F401
from .image_utils import array_to_img, img_to_array, load_img, save_img  # noqa: F401
from .sequence_utils import pad_sequences  # noqa: F401
from .dataset_utils import (  # noqa: F401
    image_dataset_from_directory, split_dataset, text_dataset_from_directory, timeseries_dataset_from_array)


def __getattr__(name):
    # late import (plugin): keras.utils also names Keras 2's helper modules losses_utils and
    # test_utils, which re-export losses, metrics and the layer test (floors above utils); they load on first use
    if name in ("losses_utils", "test_utils"):
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'kerasish.utils' has no attribute {name!r}")
