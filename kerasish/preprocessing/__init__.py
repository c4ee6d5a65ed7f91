"""Keras 2's data preprocessing helpers: `sequence`, `text` and `image`.

Old scripts import them as `from keras.preprocessing.sequence import pad_sequences`,
`from keras.preprocessing.text import Tokenizer` and
`from keras.preprocessing.image import ImageDataGenerator`; with `import kerasish as keras` the same
lines work as `from kerasish.preprocessing.sequence import pad_sequences`, and so on.

Example:
    >>> from kerasish.preprocessing import sequence
    >>> sequence.pad_sequences([[1, 2], [3]], maxlen=3).tolist()
    [[0, 1, 2], [0, 0, 3]]
"""
from . import image, sequence, text  # noqa: F401
from ..utils.dataset_utils import (  # noqa: F401  (tf_keras exports them here too)
    image_dataset_from_directory, text_dataset_from_directory, timeseries_dataset_from_array)
