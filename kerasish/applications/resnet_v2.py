"""ResNet50V2/101V2/152V2 (He et al., "Identity Mappings in Deep Residual Networks", ECCV 2016), as
`tf.keras.applications.resnet_v2`. Inputs: `preprocess_input` (tf mode: pixels scaled to [-1, 1]).

Example:
    >>> from kerasish.applications.resnet_v2 import ResNet50V2
    >>> ResNet50V2(weights=None, include_top=False, input_shape=(32, 32, 3), pooling="avg").output_shape
    (None, 2048)
"""
from typing import Optional

from . import imagenet_utils
from .resnet import _DOC, ResNet, decode_predictions, stack2, stack_fn_for  # noqa: F401

__all__ = ["ResNet50V2", "ResNet101V2", "ResNet152V2", "preprocess_input", "decode_predictions"]


def ResNet50V2(include_top: bool = True, weights: Optional[str] = "imagenet", input_tensor=None, input_shape=None,
               pooling: Optional[str] = None, classes: int = 1000, classifier_activation="softmax"):
    return ResNet(stack_fn_for(stack2, (3, 4, 6, 3)), True, True, "resnet50v2", include_top, weights, input_tensor,
                  input_shape, pooling, classes, classifier_activation)


def ResNet101V2(include_top: bool = True, weights: Optional[str] = "imagenet", input_tensor=None, input_shape=None,
                pooling: Optional[str] = None, classes: int = 1000, classifier_activation="softmax"):
    return ResNet(stack_fn_for(stack2, (3, 4, 23, 3)), True, True, "resnet101v2", include_top, weights,
                  input_tensor, input_shape, pooling, classes, classifier_activation)


def ResNet152V2(include_top: bool = True, weights: Optional[str] = "imagenet", input_tensor=None, input_shape=None,
                pooling: Optional[str] = None, classes: int = 1000, classifier_activation="softmax"):
    return ResNet(stack_fn_for(stack2, (3, 8, 36, 3)), True, True, "resnet152v2", include_top, weights,
                  input_tensor, input_shape, pooling, classes, classifier_activation)


for _fn, _depth in ((ResNet50V2, 50), (ResNet101V2, 101), (ResNet152V2, 152)):
    _fn.__doc__ = (f"ResNet{_depth}V2 (pre-activation; default input 224x224; inputs through "
                   "`resnet_v2.preprocess_input`).\n" + _DOC)


def preprocess_input(x, data_format=None):
    """ImageNet preprocessing in tf mode (pixels scaled to [-1, 1])."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")
