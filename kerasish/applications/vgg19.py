"""VGG19 (Simonyan & Zisserman, ICLR 2015), as `tf.keras.applications.vgg19`; built by `vgg16.vgg_constructor`.

Example:
    >>> import kerasish as keras
    >>> len(keras.applications.vgg19.VGG19(weights=None, include_top=False, input_shape=(32, 32, 3)).layers)
    22
    >>> keras.backend.clear_session()  # automatic layer names start again from "conv2d"
"""
from .vgg16 import decode_predictions, preprocess_input, vgg_constructor  # noqa: F401

__all__ = ["VGG19", "preprocess_input", "decode_predictions"]

VGG19 = vgg_constructor((2, 2, 4, 4, 4), "vgg19")
