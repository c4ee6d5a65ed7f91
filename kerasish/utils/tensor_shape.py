"""TensorShape: the shape a layer's `build` and `compute_output_shape` receive, as in tf.keras.

tf.keras hands a user layer's `build(input_shape)` and `compute_output_shape(input_shape)` a `tf.TensorShape`,
and code written for it calls `input_shape.as_list()` or reads `input_shape.rank`. Ours is a tuple (so every
tuple use keeps working: indexing gives ints or None, equality with tuples, unpacking) with those methods.

Example:
    >>> shape = TensorShape((None, 28, 28))
    >>> shape.as_list()[:-1] + [10]
    [None, 28, 10]
    >>> shape[-1], shape.rank, shape == (None, 28, 28)
    (28, 3, True)
    >>> shape[1:].as_list()
    [28, 28]
"""
from typing import Iterable, Optional

import numpy as np


class TensorShape(tuple):
    """A shape (a tuple of ints and None) with tf.TensorShape's methods.

    Args:
        dims: the sizes, None where unknown.
    """

    def __new__(cls, dims: Iterable[Optional[int]]):
        return super().__new__(cls, (None if d is None else int(d) for d in dims))

    def __getitem__(self, key):
        item = super().__getitem__(key)
        return TensorShape(item) if isinstance(key, slice) else item

    def __add__(self, other):
        return self.concatenate(other)

    def __radd__(self, other):
        return TensorShape(tuple(other) + tuple(self))

    @property
    def rank(self) -> int:
        """The number of dimensions."""
        return len(self)

    ndims = rank

    @property
    def dims(self) -> list:
        """The sizes as a list (tf.TensorShape's `dims` in TF 2)."""
        return list(self)

    def as_list(self) -> list:
        """The sizes as a list of ints and None."""
        return list(self)

    def concatenate(self, other) -> "TensorShape":
        """This shape followed by `other` (a shape, tuple or list)."""
        return TensorShape(tuple(self) + tuple(other))

    def num_elements(self) -> Optional[int]:
        """The product of the sizes, or None when one is unknown."""
        if any(d is None for d in self):
            return None
        total = 1
        for d in self:
            total *= d
        return total

    def is_fully_defined(self) -> bool:
        """Whether every size is known."""
        return all(d is not None for d in self)


def as_tensor_shapes(shapes):
    """Each flat shape (a tuple of ints and None) in a structure of shapes as a TensorShape."""
    if isinstance(shapes, tuple) and all(d is None or isinstance(d, (int, np.integer)) for d in shapes):
        return TensorShape(shapes)
    if isinstance(shapes, (list, tuple)):
        return type(shapes)(as_tensor_shapes(s) for s in shapes)
    if isinstance(shapes, dict):
        return {k: as_tensor_shapes(s) for k, s in shapes.items()}
    return shapes
