"""ResNet50V2/101V2/152V2 (He et al., "Identity Mappings in Deep Residual Networks", ECCV 2016), as
`tf.keras.applications.resnet_v2`. Inputs: `preprocess_input` (tf mode: pixels scaled to [-1, 1]).

Example:
    >>> import kerasish as keras
    >>> keras.applications.resnet_v2.ResNet50V2(weights=None, include_top=False, input_shape=(32, 32, 3),
    ...                                         pooling="avg").output_shape
    (None, 2048)
    >>> keras.backend.clear_session()  # automatic layer names start again from "conv2d"
"""
from . import _common, imagenet_utils
from .resnet import resnet_constructor, stack2

__all__ = ["ResNet50V2", "ResNet101V2", "ResNet152V2", "preprocess_input", "decode_predictions"]

ResNet50V2 = resnet_constructor(stack2, (3, 4, 6, 3), "resnet50v2")
ResNet101V2 = resnet_constructor(stack2, (3, 4, 23, 3), "resnet101v2")
ResNet152V2 = resnet_constructor(stack2, (3, 8, 36, 3), "resnet152v2")
preprocess_input = _common.preprocess_for("tf")
decode_predictions = imagenet_utils.decode_predictions
