"""`keras.layers.experimental.preprocessing.*`: the same classes as `kerasish.layers.*`.

Example:
    >>> from kerasish.layers.experimental.preprocessing import TextVectorization
    >>> TextVectorization.__module__
    'kerasish.layers.text_vectorization'
"""
from ..base_preprocessing import PreprocessingLayer  # noqa: F401
from ..category_encoding import CategoryEncoding  # noqa: F401
from ..discretization import Discretization  # noqa: F401
from ..hashing import Hashing  # noqa: F401
from ..image_augmentation import (  # noqa: F401
    RandomContrast, RandomCrop, RandomFlip, RandomHeight, RandomRotation, RandomTranslation, RandomWidth, RandomZoom)
from ..lookup import IntegerLookup, StringLookup  # noqa: F401
from ..preprocessing import CenterCrop, Normalization, Rescaling, Resizing  # noqa: F401
from ..text_vectorization import TextVectorization  # noqa: F401
