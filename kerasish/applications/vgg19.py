"""VGG19 (Simonyan & Zisserman, ICLR 2015), as `tf.keras.applications.vgg19`; built by `vgg16.vgg`.

Example:
    >>> from kerasish.applications.vgg19 import VGG19
    >>> len(VGG19(weights=None, include_top=False, input_shape=(32, 32, 3)).layers)
    22
"""
from typing import Optional

from .vgg16 import decode_predictions, preprocess_input, vgg  # noqa: F401

__all__ = ["VGG19", "preprocess_input", "decode_predictions"]


def VGG19(include_top: bool = True, weights: Optional[str] = "imagenet", input_tensor=None, input_shape=None,
          pooling: Optional[str] = None, classes: int = 1000, classifier_activation="softmax"):
    """VGG19: 16 convolutions in five blocks and three fully connected layers (default input 224x224).

    Arguments as `VGG16`. Returns a `keras.Model` named "vgg19".
    """
    return vgg((2, 2, 4, 4, 4), "vgg19", include_top, weights, input_tensor, input_shape, pooling, classes,
               classifier_activation)
