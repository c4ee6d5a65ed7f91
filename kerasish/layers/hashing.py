"""`Hashing`: strings or integers to `num_bins` buckets with the hash tf_keras uses.

Without a salt the bucket is `Fingerprint64(value) % bins` (FarmHash, TensorFlow's
`to_hash_bucket_fast`); with a salt it is SipHash-2-4 keyed by the salt (`to_hash_bucket_strong`).
Integers are hashed as their decimal strings, as TensorFlow's `as_string` writes them. With a
`mask_value`, that value goes to bin 0 and the others to `1 + hash % (num_bins - 1)`.

Example:
    >>> import numpy as np
    >>> from kerasish.layers import Hashing
    >>> Hashing(num_bins=3)(np.array([["A"], ["B"], ["C"], ["D"], ["E"]])).numpy().ravel().tolist()
    [1, 0, 1, 1, 2]
"""
import numpy as np

from ..backend.tensor import Tensor
from ..utils.hashing import fingerprint64, siphash24
from ..utils.serialization import register_builtin
from .base_preprocessing import texts_as_str
from .category_encoding import (COUNT, INT, MULTI_HOT, ONE_HOT, as_array, check_string_arg, default_output_dtype,
                                encode_categorical, encoded_shape)
from .layer import Layer

__all__ = ["Hashing"]


def _as_hash_input(values):
    """Bytes to hash for each value: UTF-8 text, or the decimal form of an integer."""
    array = as_array(values)
    if array.dtype.kind in "iub":
        return array, [str(int(v)).encode() for v in array.reshape(-1)]
    if array.dtype.kind == "f":
        raise ValueError(f"Hashing takes strings or integers; received floating-point values of dtype {array.dtype}")
    texts = texts_as_str(array)
    return texts, [t.encode("utf-8") for t in texts.reshape(-1)]


@register_builtin("layer")
class Hashing(Layer):
    """Hashes strings or integers into `num_bins` bins (tf_keras's FarmHash / salted SipHash buckets).

    Args:
        num_bins: the number of bins (bin 0 is the mask bin when `mask_value` is set).
        mask_value: a value that goes to bin 0 instead of being hashed.
        salt: an int or a pair of ints: use the keyed (strong) hash.
        output_mode: "int" (default), "one_hot", "multi_hot" or "count".

    Example:
        >>> import numpy as np
        >>> Hashing(num_bins=3, mask_value="")(np.array([["A"], [""]])).numpy().ravel().tolist()
        [1, 0]
    """

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False, **kwargs):
        if num_bins is None or num_bins <= 0:
            raise ValueError(f"The `num_bins` for `Hashing` cannot be `None` or non-positive values. Received: "
                             f"num_bins={num_bins}.")
        super().__init__(**default_output_dtype(kwargs, output_mode))
        check_string_arg(output_mode, (INT, ONE_HOT, MULTI_HOT, COUNT), "Hashing", "output_mode")
        if sparse:
            raise ValueError("Hashing: `sparse=True` is not supported (kerasish has no sparse tensors).")
        self.num_bins = int(num_bins)
        self.mask_value = mask_value
        self.strong_hash = salt is not None
        self.output_mode = output_mode
        self.sparse = False
        self.salt = None
        if salt is not None:
            if isinstance(salt, (tuple, list)) and len(salt) == 2:
                self.salt = list(salt)
            elif isinstance(salt, int):
                self.salt = [salt, salt]
            else:
                raise ValueError(f"The `salt` argument for `Hashing` can only be a tuple of size 2 integers, or a "
                                 f"single integer. Received: salt={salt}.")

    def _bins(self, values):
        keys, data = _as_hash_input(values)
        bins = self.num_bins
        mask = None
        if self.mask_value is not None and bins > 1:
            bins -= 1
            mask = keys == (self.mask_value if keys.dtype == object else np.asarray(self.mask_value).astype(keys.dtype))
        if self.strong_hash:
            hashes = [siphash24(self.salt, d) % bins for d in data]
        else:
            hashes = [fingerprint64(d) % bins for d in data]
        out = np.array(hashes, dtype=np.int64).reshape(keys.shape)
        if mask is not None:
            out = np.where(mask, 0, out + 1)
        return out

    def call(self, inputs):
        bins = self._bins(inputs)
        return Tensor(encode_categorical(bins, self.output_mode, self.num_bins, self.dtype))

    def compute_output_shape(self, input_shape):
        return encoded_shape(input_shape, self.output_mode, self.num_bins)

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"num_bins": self.num_bins, "salt": self.salt, "mask_value": self.mask_value,
                    "output_mode": self.output_mode, "sparse": self.sparse})
        return cfg
