"""Neural-network ops: values against plain numpy / TensorFlow's documented numbers, gradients against
finite differences (first and second order), dtypes, logits tags and error messages."""
import math
import warnings

import numpy as np
import pytest

from kerasish.backend import GradientTape, Tensor
from kerasish.backend.ops import math as m
from kerasish.backend.ops import nn
from tests.gradcheck import check_grads

RNG = np.random.RandomState(0)
# values kept away from the kinks of relu-like functions (0, thresholds, clip bounds)
SMOOTH = RNG.uniform(0.1, 2.5, size=(3, 4)) * RNG.choice([-1.0, 1.0], size=(3, 4))
WIDE = np.array([[-20.0, -3.0, -1.0, -0.3], [0.2, 1.0, 3.0, 20.0]])


def T(a):
    """A float64 tensor (raw float64 numpy input is cast to floatx by every op, by design)."""
    return Tensor(np.asarray(a, dtype=np.float64))


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _gelu(x):
    return 0.5 * x * (1.0 + np.vectorize(math.erf)(x / math.sqrt(2.0)))


SELU_A, SELU_S = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946

# name -> (op, numpy reference)
ELEMENTWISE = {
    "relu": (nn.relu, lambda x: np.maximum(x, 0)),
    "elu": (lambda x: nn.elu(x, 0.7), lambda x: np.where(x > 0, x, 0.7 * (np.exp(x) - 1))),
    "selu": (nn.selu, lambda x: SELU_S * np.where(x > 0, x, SELU_A * (np.exp(x) - 1))),
    "softplus": (nn.softplus, lambda x: np.log1p(np.exp(x))),
    "softsign": (nn.softsign, lambda x: x / (1 + np.abs(x))),
    "sigmoid": (nn.sigmoid, _sigmoid),
    "hard_sigmoid": (nn.hard_sigmoid, lambda x: np.clip(0.2 * x + 0.5, 0, 1)),
    "swish": (nn.swish, lambda x: x * _sigmoid(x)),
    "silu": (nn.silu, lambda x: x * _sigmoid(x)),
    "mish": (nn.mish, lambda x: x * np.tanh(np.log1p(np.exp(x)))),
    "gelu": (nn.gelu, _gelu),
    "gelu_tanh": (lambda x: nn.gelu(x, approximate=True),
                  lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))),
    "leaky_relu": (nn.leaky_relu, lambda x: np.where(x > 0, x, 0.2 * x)),
    "relu6": (nn.relu6, lambda x: np.clip(x, 0, 6)),
}
SMOOTH_OPS = ["elu", "selu", "softplus", "softsign", "sigmoid", "swish", "mish", "gelu", "gelu_tanh"]


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_elementwise_values_and_dtype(name):
    op, ref = ELEMENTWISE[name]
    for dtype in ("float32", "float64"):
        x = WIDE.astype(dtype)
        out = op(Tensor(x))
        assert out.dtype == dtype, f"{name} changed {dtype} to {out.dtype}"
        np.testing.assert_allclose(out.numpy(), ref(WIDE), rtol=1e-5 if dtype == "float32" else 1e-12,
                                   atol=1e-7 if dtype == "float32" else 1e-14)


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_elementwise_gradients(name):
    op = ELEMENTWISE[name][0]
    check_grads(op, SMOOTH * 2.0 if name == "relu6" else SMOOTH)


@pytest.mark.parametrize("name", SMOOTH_OPS)
def test_elementwise_second_derivatives(name):
    check_grads(ELEMENTWISE[name][0], SMOOTH, order=2)


def test_values_match_tf_keras_documentation():
    """The numbers printed in tf_keras 2.x's activation docstrings."""
    a = np.array([-20, -1.0, 0.0, 1.0, 20], dtype="float32")
    np.testing.assert_allclose(nn.softplus(a).numpy(), [2.0611537e-09, 3.1326166e-01, 6.9314718e-01,
                                                        1.3132616e+00, 2.0000000e+01], rtol=1e-6)
    np.testing.assert_allclose(nn.sigmoid(a).numpy(), [2.0611537e-09, 2.6894143e-01, 5.0e-01, 7.3105860e-01, 1.0],
                               rtol=1e-6)
    np.testing.assert_allclose(nn.swish(a).numpy(), [-4.1223075e-08, -2.6894143e-01, 0.0, 7.3105860e-01, 20.0],
                               rtol=1e-6)
    b = np.array([-3.0, -1.0, 0.0, 1.0, 3.0], dtype="float32")
    np.testing.assert_allclose(nn.hard_sigmoid(b).numpy(), [0.0, 0.3, 0.5, 0.7, 1.0], rtol=1e-6)
    # TF's own float32 erf loses ~5e-5 relative at -3; ours is exact to float32 rounding
    np.testing.assert_allclose(nn.gelu(b).numpy(), [-0.00404951, -0.15865529, 0.0, 0.8413447, 2.9959507],
                               rtol=1e-4)
    np.testing.assert_allclose(nn.gelu(b, approximate=True).numpy(),
                               [-0.00363752, -0.15880796, 0.0, 0.841192, 2.9963627], rtol=1e-4)
    np.testing.assert_allclose(nn.mish(b[:4]).numpy(), [-0.14564745, -0.30340144, 0.0, 0.86509836], rtol=1e-6)


def test_relu_keras_variants():
    foo = np.array([-10, -5, 0.0, 5, 10], dtype="float32")
    np.testing.assert_array_equal(nn.relu(foo).numpy(), [0, 0, 0, 5, 10])
    np.testing.assert_array_equal(nn.relu(foo, alpha=0.5).numpy(), [-5, -2.5, 0, 5, 10])
    np.testing.assert_array_equal(nn.relu(foo, max_value=5.0).numpy(), [0, 0, 0, 5, 5])
    thr = nn.relu(foo, threshold=5.0).numpy()
    np.testing.assert_array_equal(thr, [0, 0, 0, 0, 10])
    assert np.signbit(thr[:2]).all(), "x * cast(x > threshold) gives -0. for negative x, as tf_keras"
    np.testing.assert_allclose(nn.relu(np.array([-2.0, -0.5, 0.0, 3.0, 10.0], "float32"), alpha=0.1,
                                       max_value=6.0).numpy(), [-0.2, -0.05, 0.0, 3.0, 6.0], rtol=1e-6)
    # a negative threshold without max_value lets x in (threshold, 0) through unchanged
    np.testing.assert_allclose(nn.relu(np.array([-2.0, -0.5, 1.0]), threshold=-1.0).numpy(), [0.0, -0.5, 1.0])


@pytest.mark.parametrize("kwargs", [dict(alpha=0.3), dict(max_value=1.5), dict(alpha=0.2, max_value=6.0),
                                    dict(threshold=0.5), dict(alpha=0.1, threshold=-0.5, max_value=2.0),
                                    dict(alpha=0.25, threshold=1.0)])
def test_relu_variant_gradients(kwargs):
    x = np.array([[-2.3, -1.1, -0.7, -0.2], [0.3, 0.8, 1.7, 2.9]])
    check_grads(lambda t: nn.relu(t, **kwargs), x)


def test_relu_gradient_at_zero_is_zero_like_tf():
    x = Tensor(np.array([-1.0, 0.0, 2.0], "float32"))
    with GradientTape() as tape:
        tape.watch(x)
        y = nn.relu(x)
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [0.0, 0.0, 1.0])


def test_hard_sigmoid_gradient_is_0_2_inside_and_0_outside():
    x = Tensor(np.array([-3.0, -1.0, 0.0, 2.0, 3.0], "float32"))
    with GradientTape() as tape:
        tape.watch(x)
        y = nn.hard_sigmoid(x)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [0.0, 0.2, 0.2, 0.2, 0.0])


def test_sigmoid_and_softplus_are_stable_for_large_inputs():
    x = np.array([-1000.0, -100.0, 100.0, 1000.0], dtype="float32")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = nn.sigmoid(x).numpy()
        sp = nn.softplus(x).numpy()
    np.testing.assert_allclose(s, [0.0, 3.7200760e-44, 1.0, 1.0], atol=1e-45)
    np.testing.assert_allclose(sp, [0.0, 3.7200760e-44, 100.0, 1000.0], atol=1e-45)


def test_erf_matches_math_erf():
    x = np.concatenate([np.linspace(-7, 7, 2001), [1.9999999, 2.0, -2.0, 1e-9, 40.0]])
    np.testing.assert_allclose(nn._erf_array(x), [math.erf(v) for v in x], rtol=0, atol=5e-15)


def test_sigmoid_and_softmax_outputs_carry_their_logits():
    x = Tensor(np.array([[1.0, 2.0]], "float32"))
    assert nn.sigmoid(x)._keras_logits is x
    assert nn.softmax(x)._keras_logits is x
    raw = np.array([[0.5, -0.5]], "float32")
    np.testing.assert_array_equal(nn.softmax(raw)._keras_logits.numpy(), raw)
    assert nn.relu(x)._keras_logits is None
    assert x._keras_logits is None, "only the returned tensor is tagged"


def test_softmax_values_axes_and_errors():
    x = RNG.normal(size=(2, 3, 4))
    for axis in (-1, 1, 0):
        e = np.exp(x - x.max(axis=axis, keepdims=True))
        np.testing.assert_allclose(nn.softmax(T(x), axis=axis).numpy(), e / e.sum(axis=axis, keepdims=True), rtol=1e-12)
    e = np.exp(x - x.max(axis=(1, 2), keepdims=True))
    np.testing.assert_allclose(nn.softmax(T(x), axis=(1, 2)).numpy(), e / e.sum(axis=(1, 2), keepdims=True), rtol=1e-12)
    big = np.array([[1000.0, 1000.0]], "float32")
    np.testing.assert_allclose(nn.softmax(big).numpy(), [[0.5, 0.5]])
    with pytest.raises(ValueError, match="softmax.*1D"):
        nn.softmax(np.ones(3))
    lsm = nn.log_softmax(T(x), axis=1).numpy()
    np.testing.assert_allclose(lsm, np.log(nn.softmax(T(x), axis=1).numpy()), rtol=1e-12)


@pytest.mark.parametrize("axis", [-1, 1, (1, 2)])
def test_softmax_gradients(axis):
    x = RNG.normal(size=(2, 3, 4))
    check_grads(lambda t: nn.softmax(t, axis=axis), x)
    check_grads(lambda t: nn.log_softmax(t, axis=axis), x)
    check_grads(lambda t: nn.softmax(t, axis=axis), x, order=2)
    check_grads(lambda t: nn.log_softmax(t, axis=axis), x, order=2)


def test_bias_add_layouts_and_gradients():
    x = RNG.normal(size=(2, 3, 4, 5))
    b = RNG.normal(size=(5,))
    np.testing.assert_allclose(nn.bias_add(T(x), T(b)).numpy(), x + b)
    bc = RNG.normal(size=(3,))
    np.testing.assert_allclose(nn.bias_add(T(x), T(bc), data_format="channels_first").numpy(), x + bc[:, None, None])
    b3 = RNG.normal(size=(3, 4, 5))
    np.testing.assert_allclose(nn.bias_add(T(x), T(b3)).numpy(), x + b3)
    np.testing.assert_allclose(nn.bias_add(T(x), T(b3.reshape(4, 5, 3)), data_format="channels_first").numpy(),
                               x + b3.reshape(4, 5, 3).reshape(1, 3, 4, 5))
    check_grads(lambda t, u: nn.bias_add(t, u), x, b)
    check_grads(lambda t, u: nn.bias_add(t, u, data_format="channels_first"), x, bc)
    check_grads(lambda t, u: nn.bias_add(t, u), x, b3)
    out = nn.bias_add(np.ones((2, 3), "float32"), np.ones(3, "float32"))
    assert out.dtype == np.float32


def test_bias_add_errors_name_the_op_and_shapes():
    with pytest.raises(ValueError, match=r"bias_add.*4.*3"):
        nn.bias_add(np.ones((2, 3)), np.ones(4))
    with pytest.raises(ValueError, match="bias_add"):
        nn.bias_add(np.ones((2, 3, 4)), np.ones((2, 2, 2, 2)))
    with pytest.raises(ValueError, match="data_format"):
        nn.bias_add(np.ones((2, 3)), np.ones(3), data_format="NHWC")


def test_dropout_masks_scales_and_gradient():
    data = np.ones((200, 50), dtype="float32")
    x = Tensor(data)
    with GradientTape() as tape:
        tape.watch(x)
        y = nn.dropout(x, 0.4, seed=3)
    out = y.numpy()
    assert out.dtype == np.float32
    kept = np.float32(1.0) / np.float32(0.6)
    assert set(np.unique(out).tolist()) <= {0.0, float(np.float32(1.0) * np.float32(1 / 0.6))}
    assert 0.35 < np.mean(out == 0) < 0.45
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), out, rtol=1e-6)
    np.testing.assert_array_equal(nn.dropout(data, 0.4, seed=3).numpy(), out)  # a seed repeats the mask
    assert float(kept) == pytest.approx(out.max(), rel=1e-6)


def test_dropout_noise_shape_shares_decisions_and_edge_rates():
    out = nn.dropout(np.ones((6, 5, 4), "float32"), 0.5, noise_shape=(None, 1, 4), seed=0).numpy()
    assert (out == out[:, :1, :]).all(), "one decision per (batch, channel), shared along axis 1"
    x = Tensor(np.arange(4.0, dtype="float32"))
    assert nn.dropout(x, 0.0) is x
    for bad in (1.0, -0.1):
        with pytest.raises(ValueError, match="dropout.*level"):
            nn.dropout(x, bad)
    with pytest.raises(ValueError, match="noise_shape"):
        nn.dropout(np.ones((2, 3)), 0.5, noise_shape=(2, 2))


def test_l2_normalize_values_and_gradients():
    x = RNG.normal(size=(3, 4))
    np.testing.assert_allclose(nn.l2_normalize(T(x), axis=1).numpy(), x / np.linalg.norm(x, axis=1, keepdims=True))
    np.testing.assert_allclose(nn.l2_normalize(T(x)).numpy(), x / np.linalg.norm(x))
    np.testing.assert_array_equal(nn.l2_normalize(np.zeros((2, 2))).numpy(), np.zeros((2, 2)))
    check_grads(lambda t: nn.l2_normalize(t, axis=1), x)
    check_grads(lambda t: nn.l2_normalize(t, axis=0), x, order=2)


def test_batch_normalization_formula_and_gradients():
    x = RNG.normal(size=(4, 3))
    mean, var = RNG.normal(size=3), RNG.uniform(0.5, 2, size=3)
    beta, gamma = RNG.normal(size=3), RNG.normal(size=3)
    out = nn.batch_normalization(T(x), T(mean), T(var), T(beta), T(gamma), epsilon=1e-3).numpy()
    np.testing.assert_allclose(out, (x - mean) / np.sqrt(var + 1e-3) * gamma + beta, rtol=1e-12)
    np.testing.assert_allclose(nn.batch_normalization(T(x), T(mean), T(var), None, None).numpy(),
                               (x - mean) / np.sqrt(var + 1e-3), rtol=1e-12)
    check_grads(lambda *a: nn.batch_normalization(*a, epsilon=1e-3), x, mean, var, beta, gamma)
    x4 = RNG.normal(size=(2, 3, 2, 2))  # channels on axis 1
    out4 = nn.batch_normalization(T(x4), T(mean), T(var), T(beta), T(gamma), axis=1).numpy()
    r = (slice(None), None, None)
    np.testing.assert_allclose(out4, (x4 - mean[r]) / np.sqrt(var[r] + 1e-3) * gamma[r] + beta[r], rtol=1e-12)
    check_grads(lambda *a: nn.batch_normalization(*a, axis=1), x4, mean, var, beta, gamma)
    with pytest.raises(ValueError, match=r"batch_normalization.*gamma.*4.*3"):
        nn.batch_normalization(x4, mean, var, beta, np.ones(4), axis=1)


def _bn_reference(x, gamma, beta, axes, eps):
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    y = (x - mean) / np.sqrt(var + eps)
    if gamma is not None:
        y = y * gamma
    if beta is not None:
        y = y + beta
    return y, mean, var


def test_normalize_batch_in_training_values():
    data = np.arange(6, dtype="float32").reshape(3, 2)
    normed, mean, var = nn.normalize_batch_in_training(data, np.ones(2, "float32"), np.zeros(2, "float32"), [0])
    np.testing.assert_allclose(mean.numpy(), data.mean(0))
    np.testing.assert_allclose(var.numpy(), data.var(0))  # biased
    np.testing.assert_allclose(normed.numpy(), (data - data.mean(0)) / np.sqrt(data.var(0) + 1e-3), rtol=1e-6)
    assert normed.dtype == mean.dtype == var.dtype == np.float32
    x = RNG.normal(size=(2, 3, 4, 5))
    gamma, beta = RNG.normal(size=3), RNG.normal(size=3)
    normed, mean, var = nn.normalize_batch_in_training(T(x), T(gamma), T(beta), [0, 2, 3], epsilon=1e-2)
    ref, rmean, rvar = _bn_reference(x, gamma[:, None, None], beta[:, None, None], (0, 2, 3), 1e-2)
    np.testing.assert_allclose(normed.numpy(), ref, rtol=1e-10)
    assert mean.shape == var.shape == (3,)
    np.testing.assert_allclose(var.numpy(), rvar.ravel(), rtol=1e-10)


@pytest.mark.parametrize("axes,shape", [([0], (5, 3)), ([0, 1, 2], (2, 3, 2, 3)), ([0, 2, 3], (2, 3, 2, 2))])
def test_normalize_batch_in_training_gradients_of_all_outputs(axes, shape):
    x = RNG.normal(size=shape)
    c = [n for i, n in enumerate(shape) if i not in axes]
    gamma, beta = RNG.uniform(0.5, 1.5, size=c), RNG.normal(size=c)
    check_grads(lambda t, g, b: nn.normalize_batch_in_training(t, g, b, axes, epsilon=1e-3), x, gamma, beta)
    check_grads(lambda t: nn.normalize_batch_in_training(t, None, None, axes), x)


def test_batch_norm_train_fused_kernel():
    x = RNG.normal(size=(6, 4))
    gamma, beta = RNG.uniform(0.5, 1.5, size=4), RNG.normal(size=4)
    y, mean, var = nn.batch_norm_train(T(x), T(gamma), T(beta), axis=-1, epsilon=1e-3)
    ref, rmean, rvar = _bn_reference(x, gamma, beta, (0,), 1e-3)
    np.testing.assert_allclose(y.numpy(), ref, rtol=1e-10)
    np.testing.assert_allclose(mean.numpy(), rmean.ravel())
    np.testing.assert_allclose(var.numpy(), rvar.ravel())
    check_grads(lambda t, g, b: nn.batch_norm_train(t, g, b)[0], x, gamma, beta)
    check_grads(lambda t, g, b: nn.batch_norm_train(t, g, b)[0], x, gamma, beta, order=2)
    x4 = RNG.normal(size=(2, 3, 2, 2))
    check_grads(lambda t, g, b: nn.batch_norm_train(t, g, b, axis=1)[0], x4, gamma[:3], beta[:3])
    check_grads(lambda t: nn.batch_norm_train(t, axis=[1, 3])[0], x4)
    with pytest.raises(ValueError, match=r"batch_norm_train.*gamma.*\(4,\)"):
        nn.batch_norm_train(x4, np.ones(4), None, axis=1)


def test_batch_norm_train_keeps_float32_and_skips_untracked_input():
    x = Tensor(RNG.normal(size=(8, 3)).astype("float32"))
    gamma = Tensor(np.ones(3, "float32"))
    with GradientTape() as tape:
        tape.watch(gamma)
        y, mean, var = nn.batch_norm_train(x, gamma, None)
        loss = m.sum(m.square(y))
    (g,) = tape.gradient(loss, [gamma])
    assert y.dtype == mean.dtype == g.dtype == np.float32


def test_in_top_k():
    preds = np.array([[0.1, 0.5, 0.4], [0.8, 0.05, 0.15], [0.2, 0.3, 0.5]], "float32")
    targets = np.array([2, 1, 0], "int32")
    np.testing.assert_array_equal(nn.in_top_k(preds, targets, 2).numpy(), [True, False, False])
    np.testing.assert_array_equal(nn.in_top_k(preds, Tensor(targets), 1).numpy(), [False, False, False])
    ties = np.array([[0.3, 0.3, 0.3, 0.1]], "float32")
    np.testing.assert_array_equal(nn.in_top_k(ties, [2], 1).numpy(), [True])  # ties straddling k count
    np.testing.assert_array_equal(nn.in_top_k(np.array([[np.nan, 1.0]]), [0], 2).numpy(), [False])
    np.testing.assert_array_equal(nn.in_top_k(preds, [5, 0, -1], 3).numpy(), [False, True, False])
    with pytest.raises(ValueError, match=r"in_top_k.*\(3,\)"):
        nn.in_top_k(preds, [1, 2], 1)


def test_integer_inputs_become_floatx():
    out = nn.relu(np.array([-1, 2]))
    assert out.dtype == np.float32
    assert nn.softmax(np.array([[1, 1]])).dtype == np.float32


def test_gradients_stay_float32():
    x = Tensor(SMOOTH.astype("float32"))
    for name, (op, _) in sorted(ELEMENTWISE.items()):
        with GradientTape() as tape:
            tape.watch(x)
            y = op(x)
        assert tape.gradient(y, x).dtype == np.float32, name
    for op in (nn.softmax, nn.log_softmax, lambda t: nn.l2_normalize(t, 1)):
        with GradientTape() as tape:
            tape.watch(x)
            y = op(x)
        assert y.dtype == tape.gradient(y, x).dtype == np.float32


def test_normalize_batch_in_training_variance_follows_tf_keras_paths():
    from kerasish import backend as K
    x = np.random.RandomState(3).normal(size=(2, 3, 2, 4)).astype("float32")
    _, _, var = K.normalize_batch_in_training(x, None, None, [0, 1, 2])  # tf_keras's fused path: unbiased
    np.testing.assert_allclose(var.numpy(), x.var(axis=(0, 1, 2), ddof=1), rtol=1e-5)
    _, _, var = K.normalize_batch_in_training(x, None, None, [0, 2, 3])  # tf.nn.moments: biased
    np.testing.assert_allclose(var.numpy(), x.var(axis=(0, 2, 3)), rtol=1e-5)
