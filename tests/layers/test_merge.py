"""Merge layers: values against numpy, shapes, masks, gradients, errors."""
import numpy as np
import pytest

import kerasish as keras
from kerasish import layers
from kerasish.backend.tensor import Tensor
from kerasish.testing import check_grads

RNG = np.random.default_rng(1)
A = RNG.standard_normal((3, 4)).astype("float32")
B = RNG.standard_normal((3, 4)).astype("float32")


@pytest.mark.parametrize("cls,expected", [
    (layers.Add, A + B), (layers.Subtract, A - B), (layers.Multiply, A * B), (layers.Average, (A + B) / 2),
    (layers.Maximum, np.maximum(A, B)), (layers.Minimum, np.minimum(A, B)),
])
def test_elementwise_merges_match_numpy(cls, expected):
    np.testing.assert_allclose(np.asarray(cls()([A, B])), expected, rtol=1e-6)


@pytest.mark.parametrize("cls", [layers.Add, layers.Subtract, layers.Multiply, layers.Average, layers.Maximum,
                                 layers.Minimum])
def test_elementwise_merge_gradients(cls):
    layer = cls()
    check_grads(lambda a, b: layer([a, b]), A, B + 0.01)  # offset avoids exact ties in max/min


def test_concatenate_and_dot_values_and_shapes():
    np.testing.assert_array_equal(np.asarray(layers.Concatenate(axis=1)([A, B])), np.concatenate([A, B], 1))
    d = layers.Dot(axes=1)([A, B])
    np.testing.assert_allclose(np.asarray(d), np.sum(A * B, axis=1, keepdims=True), rtol=1e-5)
    cos = layers.Dot(axes=1, normalize=True)([A, B])
    want = np.sum(A * B, 1) / np.linalg.norm(A, axis=1) / np.linalg.norm(B, axis=1)
    np.testing.assert_allclose(np.asarray(cos)[:, 0], want, rtol=1e-5)
    a, b = keras.Input(shape=(4,)), keras.Input(shape=(5,))
    assert layers.Concatenate()([a, b]).shape == (None, 9)
    assert layers.Dot(axes=1)([a, a]).shape == (None, 1)
    check_grads(lambda x, y: layers.Concatenate(axis=-1)([x, y]), A, B)
    check_grads(lambda x, y: layers.Dot(axes=1)([x, y]), A, B)


def test_functional_forms():
    a, b = keras.Input(shape=(4,)), keras.Input(shape=(4,))
    for fn in (layers.add, layers.subtract, layers.multiply, layers.average, layers.maximum, layers.minimum):
        assert fn([a, b]).shape == (None, 4)
    assert layers.concatenate([a, b]).shape == (None, 8)
    assert layers.dot([a, b], axes=1).shape == (None, 1)


def test_merge_errors_name_the_layer():
    with pytest.raises(ValueError, match="list of"):
        layers.Add()(A)
    with pytest.raises(ValueError, match="exactly 2"):
        layers.Subtract()([A, B, A])
    with pytest.raises(ValueError, match="Concatenate"):
        layers.Concatenate(axis=1)([keras.Input(shape=(2, 3)), keras.Input(shape=(4, 5))])


def test_concatenate_combines_masks():
    x = Tensor(np.ones((1, 3, 2), "float32"))
    x._keras_mask = Tensor(np.array([[True, False, True]]))
    y = Tensor(np.ones((1, 3, 2), "float32"))
    out = layers.Concatenate()([x, y])
    np.testing.assert_array_equal(np.asarray(out._keras_mask), [[True, False, True]])


def test_inputs_of_different_ranks_are_expanded_at_axis_1_as_keras_does():
    # Keras 2's ACGAN: multiply([latent (batch, 4), Embedding(...)(label) (batch, 1, 4)]) is (batch, 1, 4);
    # tf_keras 2.21 gives these shapes and values (numpy broadcasting alone would give (batch, batch, 4))
    c = RNG.standard_normal((3, 1, 4)).astype("float32")
    d = RNG.standard_normal((3, 2, 4)).astype("float32")
    np.testing.assert_allclose(np.asarray(layers.Multiply()([A, c])), A[:, None] * c, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(layers.Add()([d, A])), d + A[:, None], rtol=1e-6)
    latent, label = keras.Input(shape=(4,)), keras.Input(shape=(1,), dtype="int32")
    h = layers.multiply([latent, layers.Embedding(5, 4)(label)])
    assert h.shape == (None, 1, 4)
    assert layers.add([keras.Input(shape=(3, 4)), latent]).shape == (None, 3, 4)
    model = keras.Model([latent, label], layers.Flatten()(h))
    assert model.predict([A, np.array([[0], [1], [2]])], verbose=0).shape == (3, 4)
    with pytest.raises(ValueError, match="incompatible shapes"):
        layers.add([keras.Input(shape=(3,)), keras.Input(shape=(3, 4))])
    check_grads(lambda x, y: layers.Multiply()([x, y]), A, c)


# Found by Keras 2.3.1's own test suite; the expected errors are tf_keras 2.21's (same checks, same cases).
@pytest.mark.parametrize("cls", [layers.Add, layers.Subtract, layers.Concatenate])
def test_compute_mask_rejects_mismatched_arguments(cls):
    i1, i2 = keras.Input((4, 5)), keras.Input((4, 5))
    layer = cls()
    layer([i1, i2])
    with pytest.raises(ValueError, match="`mask` should be a list"):
        layer.compute_mask([i1, i2], np.ones((2, 4, 5)))
    with pytest.raises(ValueError, match="`inputs` should be a list"):
        layer.compute_mask(i1, [None, None])
    with pytest.raises(ValueError, match="same length"):
        layer.compute_mask([i1, i2], [None])
    assert layer.compute_mask([i1, i2], [None, None]) is None


def test_built_subtract_still_refuses_three_inputs():
    i1, i2, i3 = keras.Input((4,)), keras.Input((4,)), keras.Input((4,))
    sub = layers.Subtract()
    sub([i1, i2])
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        sub([i1, i2, i3])
