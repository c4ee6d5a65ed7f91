"""Merge layers: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot, and their functions.

Example:
    >>> import numpy as np
    >>> from kerasish.layers import Add, Concatenate
    >>> a = np.ones((2, 3), "float32")
    >>> Add()([a, a]).numpy()[0].tolist()
    [2.0, 2.0, 2.0]
    >>> Concatenate()([a, a]).shape
    (2, 6)
"""
import numpy as np

from ..backend.ops import math as m
from ..backend.ops import shape as shape_ops
from ..backend.tensor import Tensor
from ..utils.serialization import register_builtin
from .layer import Layer


class _Merge(Layer):
    """Elementwise merge of a list of same-shaped (broadcastable) tensors."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def _check_inputs(self, inputs, min_count=2):
        if not isinstance(inputs, (list, tuple)) or (inputs and not isinstance(inputs[0], (list, tuple))
                                                     and not hasattr(inputs[0], "shape")):
            raise ValueError(f'A merge layer ("{self.name}") should be called on a list of inputs. '
                             f"Received: inputs={inputs!r} (not a list of tensors)")
        if len(inputs) < min_count:
            raise ValueError(f'A merge layer ("{self.name}") should be called on a list of at least {min_count} '
                             f"inputs. Got {len(inputs)} inputs.")

    def _check_mask_arguments(self, inputs, mask):
        """tf_keras's checks on `compute_mask`'s arguments: a list of masks, one per input."""
        if not isinstance(mask, (list, tuple)):
            raise ValueError(f'Layer "{self.name}": `mask` should be a list. Received: mask={mask!r}')
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f'Layer "{self.name}": `inputs` should be a list. Received: inputs={inputs!r}')
        if len(mask) != len(inputs):
            raise ValueError(f'Layer "{self.name}": the lists `inputs` and `mask` should have the same length. '
                             f"Received: {len(inputs)} inputs and {len(mask)} masks")

    def build(self, input_shape):
        self._check_inputs(input_shape)
        shapes = [tuple(s) for s in input_shape]
        out = shapes[0][1:]
        for s in shapes[1:]:
            out = self._merge_shapes(out, s[1:])
        self.built = True

    def _merge_shapes(self, a, b):
        # shapes of different ranks line up on their last axes (Keras's _compute_elemwise_op_output_shape)
        if len(a) < len(b):
            a, b = b, a
        out = list(a[:len(a) - len(b)])
        for x, y in zip(a[len(a) - len(b):], b):
            if x is None or y is None:
                out.append(None)
            elif x == 1 or y == 1 or x == y:
                out.append(max(x, y))
            else:
                raise ValueError(f'Layer "{self.name}": inputs have incompatible shapes. Received shapes '
                                 f"{a} and {b}")
        return tuple(out)

    def compute_output_shape(self, input_shape):
        self._check_inputs(input_shape)  # also for a built layer called again, which only asks for shapes
        out = tuple(input_shape[0][1:])
        for s in input_shape[1:]:
            out = self._merge_shapes(out, tuple(s[1:]))
        batch = [s[0] for s in input_shape if s[0] is not None]
        return (batch[0] if batch else None,) + out

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        self._check_mask_arguments(inputs, mask)
        if all(mk is None for mk in mask):
            return None
        masks = [mk.array if isinstance(mk, Tensor) else np.asarray(mk) for mk in mask if mk is not None]
        return Tensor(np.logical_and.reduce(masks))

    def call(self, inputs):
        self._check_inputs(inputs)
        inputs = list(inputs)
        ranks = [x.ndim for x in inputs]
        if len(set(ranks)) > 1:
            # Keras expands lower-rank inputs at axis 1 until the ranks match: (batch, 4) * (batch, 1, 4) is
            # (batch, 1, 4), not numpy's (batch, batch, 4) (Keras 2's mnist_acgan multiplies an input by an Embedding)
            top = max(ranks)
            for i, x in enumerate(inputs):
                for _ in range(top - x.ndim):
                    x = shape_ops.expand_dims(x, 1)
                inputs[i] = x
        return self._merge(inputs)


@register_builtin("layer")
class Add(_Merge):
    """Sum of a list of inputs."""

    def _merge(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = m.add(out, x)
        return out


@register_builtin("layer")
class Subtract(_Merge):
    """First input minus the second (exactly two inputs)."""

    def _check_inputs(self, inputs, min_count=2):
        super()._check_inputs(inputs, min_count)
        if len(inputs) != 2:
            raise ValueError(f'A `Subtract` layer ("{self.name}") should be called on exactly 2 inputs. '
                             f"Received: {len(inputs)} inputs")

    def _merge(self, inputs):
        return m.subtract(inputs[0], inputs[1])


@register_builtin("layer")
class Multiply(_Merge):
    """Elementwise product of a list of inputs."""

    def _merge(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = m.multiply(out, x)
        return out


@register_builtin("layer")
class Average(_Merge):
    """Elementwise mean of a list of inputs."""

    def _merge(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = m.add(out, x)
        return m.divide(out, float(len(inputs)))


@register_builtin("layer")
class Maximum(_Merge):
    """Elementwise maximum of a list of inputs."""

    def _merge(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = m.maximum(out, x)
        return out


@register_builtin("layer")
class Minimum(_Merge):
    """Elementwise minimum of a list of inputs."""

    def _merge(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = m.minimum(out, x)
        return out


@register_builtin("layer")
class Concatenate(_Merge):
    """Concatenates a list of inputs along `axis` (default -1)."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = int(axis)

    def build(self, input_shape):
        self._check_inputs(input_shape, 1)
        shapes = [tuple(s) for s in input_shape]
        ranks = {len(s) for s in shapes}
        if len(ranks) != 1:
            raise ValueError(f'A `Concatenate` layer ("{self.name}") requires inputs with matching shapes except '
                             f"for the concatenation axis. Received: input_shape={shapes}")
        rank = ranks.pop()
        axis = self.axis % rank
        for s in shapes[1:]:
            for i, (a, b) in enumerate(zip(shapes[0], s)):
                if i != axis and i != 0 and a is not None and b is not None and a != b:
                    raise ValueError(f'A `Concatenate` layer ("{self.name}") requires inputs with matching shapes '
                                     f"except for the concatenation axis. Received: input_shape={shapes}")
        self.built = True

    def call(self, inputs):
        self._check_inputs(inputs, 1)
        return shape_ops.concatenate(list(inputs), axis=self.axis)

    def compute_output_shape(self, input_shape):
        shapes = [list(s) for s in input_shape]
        axis = self.axis % len(shapes[0])
        out = list(shapes[0])
        for s in shapes[1:]:
            if out[axis] is None or s[axis] is None:
                out[axis] = None
            else:
                out[axis] += s[axis]
        return tuple(out)

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        self._check_mask_arguments(inputs, mask)
        if all(mk is None for mk in mask):
            return None
        full = []
        for x, mk in zip(inputs, mask):
            if mk is None:
                full.append(np.ones(x.shape[:-1] if self.axis in (-1, x.ndim - 1) else x.shape, dtype=bool))
            else:
                full.append(mk.array if isinstance(mk, Tensor) else np.asarray(mk))
        if self.axis in (-1, inputs[0].ndim - 1):
            return Tensor(np.logical_and.reduce(full))
        return Tensor(np.concatenate(full, axis=self.axis))

    def get_config(self):
        cfg = super().get_config()
        cfg["axis"] = self.axis
        return cfg


@register_builtin("layer")
class Dot(_Merge):
    """Dot product of two inputs along `axes` (per sample); `normalize=True` gives cosine similarity."""

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axes, int):
            axes = (axes, axes)
        self.axes = tuple(int(a) for a in axes)
        self.normalize = bool(normalize)
        self.supports_masking = True

    def _check_inputs(self, inputs, min_count=2):
        super()._check_inputs(inputs, min_count)
        if len(inputs) != 2:
            raise ValueError(f'A `Dot` layer ("{self.name}") should be called on a list of 2 inputs. '
                             f"Received: {len(inputs)} inputs.")

    def build(self, input_shape):
        self._check_inputs(input_shape)
        a, b = (tuple(s) for s in input_shape)
        ax = [self.axes[0] % len(a), self.axes[1] % len(b)]
        if a[ax[0]] is not None and b[ax[1]] is not None and a[ax[0]] != b[ax[1]]:
            raise ValueError(f'Layer "{self.name}": incompatible input shapes for Dot along axes {self.axes}: '
                             f"{a} and {b}")
        self.built = True

    def call(self, inputs):
        self._check_inputs(inputs)
        from ..backend.ops import linalg, nn

        x, y = inputs
        ax = (self.axes[0] % x.ndim, self.axes[1] % y.ndim)
        if self.normalize:
            x = nn.l2_normalize(x, axis=ax[0])
            y = nn.l2_normalize(y, axis=ax[1])
        return linalg.batch_dot(x, y, axes=ax)

    def compute_output_shape(self, input_shape):
        a, b = (list(s) for s in input_shape)
        ax0, ax1 = self.axes[0] % len(a), self.axes[1] % len(b)
        a.pop(ax0)
        b.pop(ax1)
        b.pop(0)
        out = a + b
        if len(out) == 1:
            out += [1]
        return tuple(out)

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        cfg = super().get_config()
        cfg.update({"axes": list(self.axes) if self.axes[0] != self.axes[1] else self.axes[0],
                    "normalize": self.normalize})
        return cfg


def add(inputs, **kwargs):
    """Functional form of `Add`."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """Functional form of `Subtract`."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """Functional form of `Multiply`."""
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """Functional form of `Average`."""
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """Functional form of `Maximum`."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """Functional form of `Minimum`."""
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    """Functional form of `Concatenate`."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes, normalize=False, **kwargs):
    """Functional form of `Dot`."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
