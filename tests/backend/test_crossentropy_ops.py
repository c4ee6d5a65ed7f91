"""Crossentropy kernels: Keras 2's exact numbers (clipping, double epsilon, renormalisation), the
hidden-logits path, one-node fused kernels, gradients against finite differences (first and second
order, float64) and error messages."""
import warnings

import numpy as np
import pytest

from kerasish.backend import GradientTape, Tensor, Variable
from kerasish.backend.ops import crossentropy as ce
from kerasish.backend.ops import math as m
from kerasish.backend.ops import nn
from tests.gradcheck import check_grads

RNG = np.random.RandomState(0)
LOGITS = RNG.normal(size=(4, 3)) * 2.0
ONE_HOT = np.eye(3)[[0, 2, 1, 2]]
SOFT = RNG.uniform(0.1, 1.0, size=(4, 3))  # non-normalised soft targets
DIST = SOFT / SOFT.sum(axis=1, keepdims=True)  # soft targets that are distributions (along axis 1, or 0)
DIST0 = SOFT / SOFT.sum(axis=0, keepdims=True)
PROBS = np.exp(LOGITS) / np.exp(LOGITS).sum(axis=1, keepdims=True)
BIN_T = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.3], [0.0, 0.0, 1.0], [1.0, 1.0, 0.0]])


def T(a):
    return Tensor(np.asarray(a, dtype=np.float64))


def f32(a):
    return np.asarray(a, dtype=np.float32)


def np_bce_probs(t, p, eps=1e-7):
    """Keras 2's probability formula, in float32: clip, then eps added again inside the logs."""
    t, p = f32(t), f32(p)
    p = np.clip(p, np.float32(eps), np.float32(1 - eps))
    return -(t * np.log(p + np.float32(eps)) + (1 - t) * np.log(1 - p + np.float32(eps)))


# --------------------------------------------------------------------------- verified numbers
def test_binary_crossentropy_of_completely_wrong_probabilities_matches_keras():
    out = ce.binary_crossentropy(f32([0, 0, 1, 1]), f32([1, 1, 0, 0])).numpy()
    np.testing.assert_allclose(out, [15.333239, 15.333239, 15.424949, 15.424949], rtol=1e-6)
    np.testing.assert_allclose(out.mean(), 15.379094, rtol=1e-6)
    assert out.dtype == np.float32


def test_binary_crossentropy_probabilities_follow_the_double_epsilon_formula():
    t, p = BIN_T, RNG.uniform(0.0, 1.0, size=(4, 3))
    p[0, 0], p[1, 1] = 0.0, 1.0
    np.testing.assert_allclose(ce.binary_crossentropy(f32(t), f32(p)).numpy(), np_bce_probs(t, p), rtol=1e-6)


def test_binary_crossentropy_from_logits_is_the_stable_formula():
    out = ce.binary_crossentropy(f32([[0.0], [1.0]]), f32([[-1.0], [2.0]]), from_logits=True).numpy()
    np.testing.assert_allclose(out.mean(), 0.22009484, rtol=1e-6)
    big = ce.binary_crossentropy(f32([0.0, 1.0]), f32([100.0, -100.0]), from_logits=True).numpy()
    np.testing.assert_allclose(big, [100.0, 100.0], rtol=1e-6)
    assert np.all(np.isfinite(big))


def test_categorical_crossentropy_renormalises_then_clips():
    out = ce.categorical_crossentropy(f32([[0, 1, 0]]), f32([[0.4, 0.6, 1.0]])).numpy()
    np.testing.assert_allclose(out, [1.2039728], rtol=1e-6)  # -log(0.6 / 2.0)
    zero = ce.categorical_crossentropy(f32([[1, 0]]), f32([[0.0, 1.0]])).numpy()
    np.testing.assert_allclose(zero, [16.118095], rtol=1e-6)  # -log(1e-7)


def test_sparse_categorical_crossentropy_clips_and_renormalises():
    zero = ce.sparse_categorical_crossentropy(np.array([0]), f32([[0.0, 1.0]])).numpy()
    np.testing.assert_allclose(zero, [16.118095], rtol=1e-6)
    p = f32([[0.2, 0.7, 0.1], [0.5, 0.25, 0.25]])
    np.testing.assert_allclose(ce.sparse_categorical_crossentropy(np.array([1, 0]), p).numpy(),
                               -np.log([0.7, 0.5]), rtol=1e-6)
    unnormalised = f32([[0.4, 0.6, 1.0]])
    np.testing.assert_allclose(ce.sparse_categorical_crossentropy(np.array([1]), unnormalised).numpy(),
                               [1.2039728], rtol=1e-6)


def test_softmax_cross_entropy_with_logits_matches_log_softmax():
    expected = -np.sum(ONE_HOT * (LOGITS - np.log(np.exp(LOGITS).sum(1, keepdims=True))), axis=1)
    out = ce.categorical_crossentropy(f32(ONE_HOT), f32(LOGITS), from_logits=True).numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-5)
    huge = ce.categorical_crossentropy(f32([[1, 0]]), f32([[1000.0, -1000.0]]), from_logits=True).numpy()
    np.testing.assert_allclose(huge, [0.0], atol=1e-6)


def test_sparse_and_dense_agree_and_accept_a_trailing_label_axis():
    labels = np.array([0, 2, 1, 2])
    dense = ce.categorical_crossentropy(f32(ONE_HOT), f32(LOGITS), from_logits=True).numpy()
    for target in (labels, labels[:, None], labels.astype("float32")):
        sparse = ce.sparse_categorical_crossentropy(target, f32(LOGITS), from_logits=True).numpy()
        assert sparse.shape == (4,)
        np.testing.assert_allclose(sparse, dense, rtol=1e-6)


def test_sparse_crossentropy_over_a_sequence_and_a_middle_axis():
    logits = RNG.normal(size=(2, 5, 3)).astype("float32")
    labels = RNG.randint(0, 3, size=(2, 5))
    out = ce.sparse_categorical_crossentropy(labels, logits, from_logits=True).numpy()
    lse = np.log(np.exp(logits).sum(-1))
    expected = lse - np.take_along_axis(logits, labels[..., None], -1)[..., 0]
    np.testing.assert_allclose(out, expected, rtol=1e-5)
    channels_first = np.moveaxis(logits, -1, 1)
    out1 = ce.sparse_categorical_crossentropy(labels, channels_first, from_logits=True, axis=1).numpy()
    np.testing.assert_allclose(out1, expected, rtol=1e-5)


def test_ignore_class_zeroes_the_loss_and_sets_a_mask():
    out = ce.sparse_categorical_crossentropy(np.array([0, -1, 2]), f32(LOGITS[:3]), from_logits=True,
                                             ignore_class=-1)
    full = ce.sparse_categorical_crossentropy(np.array([0, 0, 2]), f32(LOGITS[:3]), from_logits=True).numpy()
    np.testing.assert_allclose(out.numpy(), [full[0], 0.0, full[2]], rtol=1e-6)
    np.testing.assert_array_equal(np.asarray(out._keras_mask.numpy()), [True, False, True])


def test_focal_crossentropies_match_their_formulas():
    t, p = BIN_T, RNG.uniform(0.05, 0.95, size=(4, 3))
    p_t = t * p + (1 - t) * (1 - p)
    bce = np_bce_probs(t, p)
    out = ce.binary_focal_crossentropy(f32(t), f32(p), gamma=2.0).numpy()
    np.testing.assert_allclose(out, (1 - p_t) ** 2 * bce, rtol=1e-5)
    balanced = ce.binary_focal_crossentropy(f32(t), f32(p), apply_class_balancing=True, alpha=0.25).numpy()
    np.testing.assert_allclose(balanced, (t * 0.25 + (1 - t) * 0.75) * (1 - p_t) ** 2 * bce, rtol=1e-5)
    pc = PROBS
    cat = ce.categorical_focal_crossentropy(f32(ONE_HOT), f32(pc), alpha=0.25, gamma=2.0).numpy()
    np.testing.assert_allclose(cat, np.sum(0.25 * (1 - pc) ** 2 * -ONE_HOT * np.log(pc), axis=1), rtol=1e-5)
    cat_logits = ce.categorical_focal_crossentropy(f32(ONE_HOT), f32(LOGITS), from_logits=True).numpy()
    np.testing.assert_allclose(cat_logits, cat, rtol=1e-5)


def test_float64_inputs_stay_float64():
    out = ce.categorical_crossentropy(T(ONE_HOT), T(LOGITS), from_logits=True)
    assert out.dtype == np.float64
    assert ce.binary_crossentropy(T(BIN_T), T(PROBS)).dtype == np.float64
    assert ce.sparse_categorical_crossentropy(np.array([0, 1, 2, 0]), T(PROBS)).dtype == np.float64


# --------------------------------------------------------------------------- hidden logits
def test_sigmoid_output_uses_its_hidden_logits():
    logits = Tensor(f32([[40.0], [-3.0]]))
    probs = nn.sigmoid(logits)
    out = ce.binary_crossentropy(f32([[0.0], [0.0]]), probs).numpy()
    np.testing.assert_allclose(out[:, 0], [40.0, np.log1p(np.exp(-3.0))], rtol=1e-5)
    plain = ce.binary_crossentropy(f32([[0.0]]), Tensor(probs.numpy()[:1])).numpy()
    np.testing.assert_allclose(plain, [[15.333239]], rtol=1e-6)  # clipped probability path


def test_softmax_output_uses_its_hidden_logits():
    probs = nn.softmax(Tensor(f32([[30.0, -30.0, 0.0]])))
    out = ce.categorical_crossentropy(f32([[0, 1, 0]]), probs).numpy()
    np.testing.assert_allclose(out, [60.0], rtol=1e-5)
    sparse = ce.sparse_categorical_crossentropy(np.array([1]), probs).numpy()
    np.testing.assert_allclose(sparse, [60.0], rtol=1e-5)
    clipped = ce.categorical_crossentropy(f32([[0, 1, 0]]), Tensor(probs.numpy())).numpy()
    np.testing.assert_allclose(clipped, [16.118095], rtol=1e-6)


def test_hidden_logits_with_from_logits_true_warns():
    probs = nn.sigmoid(Tensor(f32([0.5])))
    with pytest.warns(UserWarning, match="from_logits=True"):
        ce.binary_crossentropy(f32([1.0]), probs, from_logits=True)


def test_hidden_logits_gradient_reaches_the_pre_activation():
    x = Variable(f32([[40.0], [-2.0]]))
    with GradientTape() as tape:
        loss = m.sum(ce.binary_crossentropy(f32([[0.0], [1.0]]), nn.sigmoid(x)))
    grad = tape.gradient(loss, x).numpy()
    s = 1 / (1 + np.exp(-np.array([[40.0], [-2.0]])))
    np.testing.assert_allclose(grad, s - [[0.0], [1.0]], rtol=1e-6)


# --------------------------------------------------------------------------- fused kernels
def _nodes_recorded(fn, *tensors):
    with GradientTape() as tape:
        for t in tensors:
            tape.watch(t)
        fn(*tensors)
    return len(tape._nodes)


def test_logits_kernels_are_one_tape_node():
    x = T(LOGITS)
    assert _nodes_recorded(lambda x: ce.categorical_crossentropy(ONE_HOT, x, from_logits=True), x) == 1
    assert _nodes_recorded(lambda x: ce.sparse_categorical_crossentropy(np.array([0, 2, 1, 2]), x,
                                                                        from_logits=True), x) == 1
    assert _nodes_recorded(lambda x: ce.binary_crossentropy(BIN_T, x, from_logits=True), x) == 1


def test_softmax_crossentropy_gradient_is_softmax_minus_onehot():
    x = T(LOGITS)
    with GradientTape() as tape:
        tape.watch(x)
        loss = m.sum(ce.categorical_crossentropy(ONE_HOT, x, from_logits=True))
    np.testing.assert_allclose(tape.gradient(loss, x).numpy(), PROBS - ONE_HOT, rtol=1e-12, atol=1e-14)
    with GradientTape() as tape:
        tape.watch(x)
        loss = m.sum(ce.sparse_categorical_crossentropy(np.array([0, 2, 1, 2]), x, from_logits=True))
    np.testing.assert_allclose(tape.gradient(loss, x).numpy(), PROBS - ONE_HOT, rtol=1e-12, atol=1e-14)


def test_softmax_logits_gradient_is_tensorflows_for_targets_not_summing_to_one():
    """TensorFlow's softmax_cross_entropy_with_logits backpropagates `softmax(x) - t` whatever `t` sums to, and
    tf_keras trains multi-hot or unnormalised targets that way (the exact derivative is softmax(x)*sum(t) - t)."""
    x = T(LOGITS)
    with GradientTape() as tape:
        tape.watch(x)
        loss = m.sum(ce.categorical_crossentropy(SOFT, x, from_logits=True))
    np.testing.assert_allclose(tape.gradient(loss, x).numpy(), PROBS - SOFT, rtol=1e-5, atol=1e-7)


def test_persistent_tape_gives_the_same_gradient_twice():
    x = T(LOGITS)
    with GradientTape(persistent=True) as tape:
        tape.watch(x)
        loss = m.sum(ce.categorical_crossentropy(SOFT, x, from_logits=True))
    first = tape.gradient(loss, x).numpy().copy()
    np.testing.assert_array_equal(tape.gradient(loss, x).numpy(), first)


@pytest.mark.parametrize("name,fn,args", [
    ("sigmoid_logits", lambda t, x: ce.binary_crossentropy(t, x, from_logits=True), (BIN_T, LOGITS)),
    ("softmax_logits_soft_targets", lambda t, x: ce.categorical_crossentropy(t, x, from_logits=True), (DIST, LOGITS)),
    ("softmax_logits_axis0", lambda t, x: ce.categorical_crossentropy(t, x, from_logits=True, axis=0),
     (DIST0, LOGITS)),
    ("bce_probs", lambda t, p: ce.binary_crossentropy(t, p), (BIN_T, RNG.uniform(0.05, 0.95, (4, 3)))),
    ("cce_probs", lambda t, p: ce.categorical_crossentropy(t, p), (SOFT, RNG.uniform(0.05, 0.95, (4, 3)))),
    ("binary_focal", lambda t, p: ce.binary_focal_crossentropy(t, p, apply_class_balancing=True),
     (BIN_T, RNG.uniform(0.05, 0.95, (4, 3)))),
    ("binary_focal_logits", lambda t, x: ce.binary_focal_crossentropy(t, x, from_logits=True), (BIN_T, LOGITS)),
    ("categorical_focal", lambda t, p: ce.categorical_focal_crossentropy(t, p), (SOFT, PROBS)),
    ("categorical_focal_logits", lambda t, x: ce.categorical_focal_crossentropy(t, x, from_logits=True),
     (ONE_HOT, LOGITS)),
])
def test_gradients_match_finite_differences(name, fn, args):
    check_grads(fn, *args, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("from_logits,output", [(True, LOGITS), (False, PROBS)])
def test_sparse_gradients_match_finite_differences(from_logits, output):
    labels = np.array([0, 2, 1, 2])
    check_grads(lambda x: ce.sparse_categorical_crossentropy(labels, x, from_logits=from_logits), output,
                rtol=1e-5, atol=1e-7)
    labels3 = RNG.randint(0, 4, size=(2, 3))
    x3 = RNG.normal(size=(2, 4, 3))
    check_grads(lambda x: ce.sparse_categorical_crossentropy(labels3, x, from_logits=True, axis=1), x3,
                rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("fn,args", [
    (lambda t, x: ce.binary_crossentropy(t, x, from_logits=True), (BIN_T, LOGITS)),
    (lambda t, x: ce.categorical_crossentropy(t, x, from_logits=True), (DIST, LOGITS)),
    (lambda x: ce.sparse_categorical_crossentropy(np.array([0, 2, 1, 2]), x, from_logits=True), (LOGITS,)),
])
def test_second_derivatives_through_fused_kernels(fn, args):
    check_grads(fn, *args, order=2, rtol=1e-4, atol=1e-6)


# --------------------------------------------------------------------------- errors
def test_shape_mismatch_errors_name_both_shapes():
    with pytest.raises(ValueError, match=r"categorical_crossentropy.*\(2, 3\).*\(2, 4\)"):
        ce.categorical_crossentropy(np.zeros((2, 3)), np.ones((2, 4)))
    with pytest.raises(ValueError, match=r"sigmoid_cross_entropy_with_logits.*\(4,\).*\(4, 1\)"):
        ce.binary_crossentropy(np.zeros(4), np.zeros((4, 1)), from_logits=True)
    with pytest.raises(ValueError, match=r"target.*\(3,\).*output shape \(2, 4\)"):
        ce.sparse_categorical_crossentropy(np.array([0, 1, 2]), np.ones((2, 4)))


def test_out_of_range_label_is_reported():
    with pytest.raises(ValueError, match=r"label value of 3 .*\[0, 3\)"):
        ce.sparse_categorical_crossentropy(np.array([0, 3]), np.ones((2, 3)), from_logits=True)


def test_boolean_axis_is_rejected():
    with pytest.raises(ValueError, match="axis"):
        ce.categorical_crossentropy(ONE_HOT, PROBS, axis=True)


def test_no_warning_for_plain_outputs():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ce.binary_crossentropy(f32([1.0]), Tensor(f32([0.3])), from_logits=True)


def test_sparse_categorical_crossentropy_of_one_unbatched_prediction_is_shaped_like_its_target():
    from kerasish import backend as K
    p = np.array([0.2, 0.7, 0.1], "float32")
    assert K.sparse_categorical_crossentropy(np.array([1]), p).shape == (1,)  # tf_keras: (1,), not ()
    assert K.sparse_categorical_crossentropy(np.array(1), p).shape == ()
