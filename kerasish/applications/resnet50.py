"""`keras.applications.resnet50`: ResNet50 with its `preprocess_input` and `decode_predictions`."""
from .resnet import ResNet50, decode_predictions, preprocess_input  # noqa: F401

__all__ = ["ResNet50", "preprocess_input", "decode_predictions"]
