"""Shape and layout ops: values against numpy, gradients against finite differences, clear errors."""
import numpy as np
import pytest

from kerasish.backend import GradientTape, Tensor
from kerasish.backend.ops import math as m
from kerasish.backend.ops import resize
from kerasish.backend.ops import shape as s
from tests.gradcheck import check_grads

RNG = np.random.RandomState(0)
X = RNG.normal(size=(2, 3, 4))


@pytest.mark.parametrize("axes", [None, (2, 0, 1), (0, -1, 1)])
def test_transpose(axes):
    np.testing.assert_array_equal(s.transpose(X, axes).numpy(), np.transpose(X.astype("float32"), axes))
    check_grads(lambda t: s.transpose(t, axes), X)


def test_permute_swapaxes_moveaxis():
    np.testing.assert_array_equal(s.permute_dimensions(X, (0, 2, 1)).numpy(), X.astype("float32").transpose(0, 2, 1))
    assert s.swapaxes(X, 0, -1).shape == (4, 3, 2)
    assert s.moveaxis(X, 0, -1).shape == np.moveaxis(X, 0, -1).shape
    assert s.moveaxis(X, (0, 1), (-1, 0)).shape == np.moveaxis(X, (0, 1), (-1, 0)).shape
    with pytest.raises(ValueError, match="transpose: `axes` must be a permutation"):
        s.transpose(X, (0, 0, 1))


@pytest.mark.parametrize("axis", [0, 1, 3, -1, -4])
def test_expand_dims_and_squeeze(axis):
    out = s.expand_dims(X, axis)
    assert out.shape == np.expand_dims(X, axis).shape
    check_grads(lambda t: s.squeeze(s.expand_dims(t, axis), axis), X)
    assert s.squeeze(np.ones((1, 3, 1))).shape == (3,)
    with pytest.raises(ValueError, match="squeeze: cannot squeeze axis 1 .* its length is 3"):
        s.squeeze(np.ones((1, 3)), 1)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_concatenate_values_and_gradients(axis):
    shapes = [list(X.shape), list(X.shape)]
    shapes[1][axis] = 2
    a, b = RNG.normal(size=shapes[0]), RNG.normal(size=shapes[1])
    np.testing.assert_array_equal(s.concatenate([a, b], axis).numpy(), np.concatenate([a, b], axis).astype("float32"))
    check_grads(lambda p, q: s.concatenate([p, q, p], axis), a, b)


def test_concatenate_with_a_constant_and_errors():
    check_grads(lambda p: s.concatenate([p, np.ones((2, 1))], axis=1), RNG.normal(size=(2, 3)))
    with pytest.raises(ValueError, match=r"concatenate: .* received shapes \[\(2, 3\), \(3, 3\)\]"):
        s.concatenate([np.ones((2, 3)), np.ones((3, 3))], axis=1)
    with pytest.raises(ValueError, match="concatenate: expected a non-empty list"):
        s.concatenate([])


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_stack_unstack_round_trip(axis):
    ts = [RNG.normal(size=(3, 4)) for _ in range(3)]
    stacked = s.stack(ts, axis)
    np.testing.assert_allclose(stacked.numpy(), np.stack(ts, axis), rtol=1e-6)
    pieces = s.unstack(stacked, axis)
    assert len(pieces) == 3
    for p, t in zip(pieces, ts):
        np.testing.assert_allclose(p.numpy(), t, rtol=1e-6)
    check_grads(lambda a, b: s.stack([a, b], axis), ts[0], ts[1])
    check_grads(lambda a: [p * float(i + 1) for i, p in enumerate(s.unstack(a, axis))], X)


def test_unstack_gradient_with_unused_and_reused_pieces():
    check_grads(lambda a: s.unstack(a, axis=1)[2], X)
    check_grads(lambda a: m.multiply(s.unstack(a, axis=2)[0], s.unstack(a, axis=2)[0]), X)
    check_grads(lambda a: m.multiply(s.unstack(a, 1)[0], s.unstack(a, 1)[1]), RNG.normal(size=(3, 4)), order=2)


def test_split():
    parts = s.split(X, 2, axis=2)
    assert [p.shape for p in parts] == [(2, 3, 2), (2, 3, 2)]
    check_grads(lambda a: s.split(a, [1, 3], axis=-1), X)
    with pytest.raises(ValueError, match="split: axis 2 of length 4 cannot be split into 3"):
        s.split(X, 3, axis=2)


@pytest.mark.parametrize("reps", [[1, 2], [2, 2], 3, [2, 1, 3]])
def test_tile(reps):
    x = RNG.normal(size=(3, 2))
    np.testing.assert_array_equal(s.tile(x, reps).numpy(), np.tile(x.astype("float32"), reps))
    check_grads(lambda t: s.tile(t, reps), x)


def test_tile_accepts_a_shape_tensor():
    state = np.arange(5, dtype="float32").reshape(5, 1)
    assert s.tile(state, Tensor(np.array([1, 64], "int32"))).shape == (5, 64)
    with pytest.raises(TypeError, match="tile: `n` must be an integer or a list of integers"):
        s.tile(state, [1.5, 2])


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_repeat_elements(axis):
    np.testing.assert_array_equal(s.repeat_elements(X, 2, axis).numpy(), np.repeat(X, 2, axis).astype("float32"))
    check_grads(lambda t: s.repeat_elements(t, 3, axis), X)


def test_repeat_flatten_batch_flatten():
    x = RNG.normal(size=(2, 3))
    r = s.repeat(x, 4)
    assert r.shape == (2, 4, 3)
    np.testing.assert_allclose(r.numpy(), np.repeat(x[:, None, :], 4, axis=1), rtol=1e-6)
    check_grads(lambda t: s.repeat(t, 4), x)
    assert s.flatten(X).shape == (24,)
    assert s.batch_flatten(X).shape == (2, 12)
    check_grads(s.batch_flatten, X)
    with pytest.raises(ValueError, match=r"repeat: expected a 2-D tensor \(batch, dim\); received shape \(2, 3, 4\)"):
        s.repeat(X, 2)


def test_gather_is_a_row_lookup():
    table = np.arange(20, dtype="float32").reshape(5, 4)
    np.testing.assert_array_equal(s.gather(table, [0, 3, 2, 1]).numpy(), table[[0, 3, 2, 1]])
    assert s.gather(table, np.array([[0, 1], [4, 4]])).shape == (2, 2, 4)
    check_grads(lambda t: s.gather(t, np.array([[0, 1], [4, 1]])), RNG.normal(size=(5, 4)))
    check_grads(lambda t: s.gather(m.square(t), [1, 1, 3]), RNG.normal(size=(5, 2)), order=2)


def test_gather_rejects_bad_indices():
    with pytest.raises(IndexError, match=r"gather: index 5 is out of range \[0, 5\)"):
        s.gather(np.ones((5, 2)), [0, 5])
    with pytest.raises(IndexError, match=r"gather: index -1 is out of range"):
        s.gather(np.ones((5, 2)), [-1])
    with pytest.raises(TypeError, match="gather: indices must be integers; received dtype float32"):
        s.gather(np.ones((5, 2)), np.array([0.5], "float32"))


def test_take_and_take_along_axis():
    np.testing.assert_array_equal(s.take(X, [0, -1], axis=2).numpy(), np.take(X, [0, -1], axis=2).astype("float32"))
    assert float(s.take(X, 5)) == pytest.approx(X.ravel()[5])
    check_grads(lambda t: s.take(t, np.array([[0, -1], [2, 2]]), axis=1), X)
    idx = np.array([[[0], [3], [1]], [[2], [2], [2]]])
    np.testing.assert_array_equal(s.take_along_axis(X, idx, axis=2).numpy(),
                                  np.take_along_axis(X, idx, axis=2).astype("float32"))
    check_grads(lambda t: s.take_along_axis(t, idx, axis=2), X)
    with pytest.raises(IndexError, match="take: index 4 is out of range for axis 2 of length 4"):
        s.take(X, [4], axis=2)


@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "symmetric", "wrap", "REFLECT"])
def test_pad_modes(mode):
    pads = ((0, 0), (1, 2), (2, 1))
    np.testing.assert_array_equal(s.pad(X, pads, mode=mode).numpy(), np.pad(X, pads, mode=mode.lower())
                                  .astype("float32"))
    check_grads(lambda t: s.pad(t, pads, mode=mode), X)


def test_pad_constant_value_and_errors():
    np.testing.assert_array_equal(s.pad(np.ones(2), ((1, 1),), constant_values=5.0).numpy(), [5, 1, 1, 5])
    with pytest.raises(ValueError, match="pad: unknown mode 'mirror'"):
        s.pad(X, 1, mode="mirror")
    with pytest.raises(ValueError, match="pad: `pad_width` must be a"):
        s.pad(X, ((1, 1), (1, 1)))


def test_keras_padding_helpers():
    t = s.temporal_padding(np.ones((1, 2, 3)), (1, 2)).numpy()
    assert t.shape == (1, 5, 3)
    np.testing.assert_array_equal(t[0, :, 0], [0, 1, 1, 0, 0])
    assert s.spatial_2d_padding(np.ones((1, 2, 2, 1)), ((1, 2), (0, 1))).shape == (1, 5, 3, 1)
    assert s.spatial_2d_padding(np.ones((1, 1, 2, 2)), data_format="channels_first").shape == (1, 1, 4, 4)
    assert s.spatial_3d_padding(np.ones((1, 2, 2, 2, 1))).shape == (1, 4, 4, 4, 1)
    check_grads(lambda a: s.spatial_2d_padding(a, ((1, 0), (0, 2))), RNG.normal(size=(1, 2, 3, 2)))
    with pytest.raises(ValueError, match="temporal_padding: expected a tensor of rank 3"):
        s.temporal_padding(np.ones((2, 2)))
    with pytest.raises(ValueError, match="spatial_2d_padding: `padding` must be 2 pairs"):
        s.spatial_2d_padding(np.ones((1, 2, 2, 1)), (1, 1))


def test_reverse_and_flip():
    np.testing.assert_array_equal(s.reverse(X, axes=1).numpy(), X[:, ::-1].astype("float32"))
    np.testing.assert_array_equal(s.reverse(X, axes=[0, 2]).numpy(), X[::-1, :, ::-1].astype("float32"))
    np.testing.assert_array_equal(s.flip(X).numpy(), np.flip(X).astype("float32"))
    check_grads(lambda t: s.reverse(t, [0, -1]), X)


def test_one_hot_and_arange():
    oh = s.one_hot(np.array([[0, 2], [1, 5]]), 3)
    assert oh.dtype == np.float32 and oh.shape == (2, 2, 3)
    np.testing.assert_array_equal(oh.numpy()[1], [[0, 1, 0], [0, 0, 0]])  # out of range: a zero row
    a = s.arange(1, 7, 2)
    assert a.dtype == np.int32
    np.testing.assert_array_equal(a.numpy(), [1, 3, 5])
    np.testing.assert_array_equal(s.arange(4).numpy(), [0, 1, 2, 3])
    assert s.arange(-3).shape == (0,)
    assert s.arange(0, 1, 0.25, dtype="float32").dtype == np.float32
    # float bounds with the default dtype: tf.range's float32 (Keras casts only to a non-default dtype)
    np.testing.assert_array_equal(s.arange(0.5, 2.5).numpy(), np.array([0.5, 1.5], "float32"))
    assert s.arange(0, 2.5).dtype == np.float32


def test_resize_images_nearest_and_bilinear():
    img = np.arange(4, dtype="float32").reshape(1, 2, 2, 1)
    out = resize.resize_images(img, 2, 2, "channels_last").numpy()
    np.testing.assert_array_equal(out[0, :, :, 0], np.kron(img[0, :, :, 0], np.ones((2, 2))))
    cf = resize.resize_images(img.transpose(0, 3, 1, 2), 2, 3, "channels_first")
    assert cf.shape == (1, 1, 4, 6)
    row = np.array([0.0, 4.0], "float32").reshape(1, 1, 2, 1)
    bil = resize.resize_images(row, 1, 2, "channels_last", interpolation="bilinear").numpy().ravel()
    np.testing.assert_allclose(bil, [0.0, 1.0, 3.0, 4.0])  # tf.image.resize, half-pixel centres
    check_grads(lambda t: resize.resize_images(t, 2, 3, "channels_last", "bilinear"), RNG.normal(size=(1, 2, 3, 2)))
    check_grads(lambda t: resize.resize_images(t, 2, 1, "channels_first"), RNG.normal(size=(1, 2, 3, 2)))
    with pytest.raises(ValueError, match="resize_images: `interpolation` should be one of"):
        resize.resize_images(img, 2, 2, "channels_last", interpolation="cubic")


@pytest.mark.parametrize("method", ["bicubic", "lanczos3", "lanczos5", "gaussian", "mitchellcubic", "area"])
def test_resize_images_takes_every_tf_keras_interpolation(method):
    # values: the backend oracle (tf.image.resize); here the gradients in float64, and gaussian/mitchellcubic
    # smoothing an axis whose factor is 1, as TensorFlow does
    check_grads(lambda t: resize.resize_images(t, 1, 2, "channels_first", method), RNG.normal(size=(1, 2, 3, 2)))
    flat = resize.resize_images(np.array([[[[0.0], [3.0], [0.0]]]], "float32"), 1, 1, "channels_last", method)
    assert (flat.numpy().ravel()[1] < 3.0) == (method in ("gaussian", "mitchellcubic"))
    assert resize.resize_images(np.ones((1, 2, 2, 1)), 2, 2, "channels_last", method).dtype == np.float32


def test_resize_volumes():
    vol = RNG.normal(size=(1, 2, 1, 2, 3))
    out = resize.resize_volumes(vol, 2, 3, 1, "channels_last")
    np.testing.assert_allclose(out.numpy(), np.repeat(np.repeat(vol, 2, 1), 3, 2), rtol=1e-6)
    check_grads(lambda t: resize.resize_volumes(t, 1, 2, 2, "channels_first"), vol)


def test_identity_copies_and_passes_gradients():
    x = Tensor(np.ones(3, "float32"))
    with GradientTape() as tape:
        tape.watch(x)
        y = s.identity(x) * 2.0
    assert not np.shares_memory(s.identity(x).numpy(), x.numpy())
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [2, 2, 2])


def test_axis_errors_name_the_op():
    with pytest.raises(ValueError, match="expand_dims: axis 4 is out of range"):
        s.expand_dims(X, 4)
    with pytest.raises(ValueError, match="stack: all inputs must have the same shape"):
        s.stack([np.ones(2), np.ones(3)])
    with pytest.raises(ValueError, match="unstack: expected 3 pieces"):
        s.unstack(X, num=3)
    with pytest.raises(ValueError, match="repeat_elements: axis 3 is out of range"):
        s.repeat_elements(X, 2, 3)
