"""Elementwise ops, comparisons and reductions: values against numpy, gradients against finite differences."""
import numpy as np
import pytest

from kerasish.backend import GradientTape, Tensor, Variable
from kerasish.backend.ops import math as m
from kerasish.backend.ops import reduce as r
from tests.gradcheck import check_grads

RNG = np.random.RandomState(0)
A = RNG.normal(size=(2, 3, 4))
POS = RNG.uniform(0.5, 2.0, size=(3, 4))
ROW = RNG.normal(size=(4,))
COL = RNG.normal(size=(3, 1))

BINARY = {
    "add": (m.add, np.add),
    "subtract": (m.subtract, np.subtract),
    "multiply": (m.multiply, np.multiply),
    "divide": (m.divide, np.divide),
    "maximum": (m.maximum, np.maximum),
    "minimum": (m.minimum, np.minimum),
    "power": (m.power, np.power),
}

UNARY = {
    "exp": (m.exp, np.exp, A),
    "log": (m.log, np.log, POS),
    "log1p": (m.log1p, np.log1p, POS),
    "expm1": (m.expm1, np.expm1, A),
    "sqrt": (m.sqrt, np.sqrt, POS),
    "rsqrt": (m.rsqrt, lambda a: 1 / np.sqrt(a), POS),
    "square": (m.square, np.square, A),
    "sin": (m.sin, np.sin, A),
    "cos": (m.cos, np.cos, A),
    "tan": (m.tan, np.tan, A * 0.3),
    "tanh": (m.tanh, np.tanh, A),
    "sinh": (m.sinh, np.sinh, A),
    "cosh": (m.cosh, np.cosh, A),
    "arcsin": (m.arcsin, np.arcsin, A * 0.3),
    "arccos": (m.arccos, np.arccos, A * 0.3),
    "arctan": (m.arctan, np.arctan, A),
    "reciprocal": (m.reciprocal, np.reciprocal, POS),
    "abs": (m.abs, np.abs, A),
    "negative": (m.negative, np.negative, A),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_values_and_gradients(name):
    op, ref, x = UNARY[name]
    np.testing.assert_allclose(op(x.astype("float32")).numpy(), ref(x.astype("float32")), rtol=1e-5, atol=1e-6)
    assert op(x.astype("float32")).dtype == np.float32
    check_grads(op, x)


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("shapes", [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 1), (1, 4)), ((2, 3, 4), (3, 1))])
def test_binary_broadcasting_values_and_gradients(name, shapes):
    op, ref = BINARY[name]
    x = RNG.uniform(0.5, 2.0, size=shapes[0])
    y = RNG.uniform(0.5, 2.0, size=shapes[1])
    np.testing.assert_allclose(op(x, y).numpy(), ref(x, y).astype("float32"), rtol=1e-5)
    check_grads(op, x, y)


def test_python_scalars_keep_float32():
    x = Tensor(np.ones(3, "float32"))
    for out in (x * 0.1, 0.1 * x, x / 3.0, x ** 2.0, m.maximum(x, 0.5), x - np.float64(0.5), m.clip(x, 0.1, 0.9)):
        assert out.dtype == np.float32


@pytest.mark.parametrize("exponent", [2, 2.0, 3])
def test_power_by_a_python_number_keeps_the_gradient_float32(exponent):
    # d(w ** 2)/dw of a float32 variable came back float64 (y - 1 became an int64 array)
    w = Variable(np.float32(5.0))
    with GradientTape(persistent=True) as tape:
        z = 3 * w ** exponent
        second = tape.gradient(z, w)
    grad = tape.gradient(z, w)
    assert grad.dtype == np.float32 and second.dtype == np.float32
    np.testing.assert_allclose(grad.numpy(), 3 * exponent * 5.0 ** (exponent - 1))


def test_maximum_and_minimum_ties_send_the_gradient_to_x():
    x, y = Tensor(np.array([1.0, 2.0], "float32")), Tensor(np.array([1.0, 3.0], "float32"))
    with GradientTape(persistent=True) as tape:
        tape.watch([x, y])
        hi, lo = m.maximum(x, y), m.minimum(x, y)
    np.testing.assert_array_equal(tape.gradient(hi, x).numpy(), [1.0, 0.0])
    np.testing.assert_array_equal(tape.gradient(hi, y).numpy(), [0.0, 1.0])
    np.testing.assert_array_equal(tape.gradient(lo, x).numpy(), [1.0, 1.0])


@pytest.mark.parametrize("axis,keepdims", [(None, False), (0, False), (-1, True), ((0, 2), False), ((1, -1), True)])
@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "prod", "var", "std", "logsumexp"])
def test_reductions_values_and_gradients(name, axis, keepdims):
    op = getattr(m, name, None) or getattr(r, name)
    if name == "logsumexp":
        def ref(a, axis, keepdims):
            return np.log(np.sum(np.exp(a), axis=axis, keepdims=keepdims))
    else:
        ref = getattr(np, name)
    x = A.astype("float32")
    out = op(x, axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(out.numpy(), ref(x, axis=axis, keepdims=keepdims), rtol=1e-5, atol=1e-6)
    assert out.dtype == np.float32
    check_grads(lambda t: op(t, axis=axis, keepdims=keepdims), A)


def test_max_ties_share_the_gradient_equally():
    x = Tensor(np.array([[3.0, 1.0, 3.0, 3.0], [0.0, 2.0, 2.0, -1.0]], "float32"))
    with GradientTape() as tape:
        tape.watch(x)
        y = m.max(x, axis=1)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [[1 / 3, 0, 1 / 3, 1 / 3], [0, 0.5, 0.5, 0]])
    # a two-way tie is exactly what central differences see
    check_grads(lambda t: m.min(t, axis=0), np.array([[1.0, 2.0], [1.0, 3.0]]))


def test_prod_gradient_with_zeros_is_exact():
    x = np.array([[2.0, 0.0, 3.0], [0.0, 0.0, 5.0], [1.0, 2.0, 4.0]])
    check_grads(lambda t: r.prod(t, axis=1), x)
    check_grads(lambda t: r.prod(t), x)
    check_grads(lambda t: r.prod(t, axis=0), x, order=2)


@pytest.mark.parametrize("op,ref", [(r.cumsum, np.cumsum), (r.cumprod, np.cumprod)])
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_scans_values_and_gradients(op, ref, axis):
    x = RNG.uniform(-1.5, 1.5, size=(3, 4))
    np.testing.assert_allclose(op(x.astype("float32"), axis=axis).numpy(), ref(x.astype("float32"), axis=axis),
                               rtol=1e-5)
    check_grads(lambda t: op(t, axis=axis), x)
    check_grads(lambda t: op(t, axis=axis, reverse=True), x)


def test_cumprod_gradient_with_zeros():
    x = np.array([[1.5, 0.0, 2.0, 0.0], [0.5, -2.0, 0.0, 3.0]])
    check_grads(lambda t: r.cumprod(t, axis=1), x)
    check_grads(lambda t: r.cumprod(t, axis=1), x, order=2)


def test_cumsum_and_cumprod_default_to_axis_0():
    x = np.arange(1.0, 7.0, dtype="float32").reshape(2, 3)
    np.testing.assert_array_equal(r.cumsum(x).numpy(), np.cumsum(x, axis=0))
    np.testing.assert_array_equal(r.cumprod(x).numpy(), np.cumprod(x, axis=0))


@pytest.mark.parametrize("ord_,axis", [(None, None), (2, 1), (1, 0), (3, -1), (np.inf, 1), (-np.inf, 1),
                                       ("fro", (0, 1)), (0, 1)])
def test_norm_values_and_gradients(ord_, axis):
    x = RNG.uniform(0.5, 2.0, size=(3, 4)) * RNG.choice([-1, 1], size=(3, 4))
    ref = np.linalg.norm(x.astype("float32"), ord=ord_, axis=axis) if axis is not None else np.linalg.norm(x.ravel())
    np.testing.assert_allclose(r.norm(x.astype("float32"), ord=ord_, axis=axis).numpy(), ref, rtol=1e-5)
    if ord_ != 0:
        check_grads(lambda t: r.norm(t, ord=ord_, axis=axis), x)


def test_logsumexp_is_stable_for_large_values():
    x = np.array([[1000.0, 1000.0], [-1000.0, -1000.0]], "float32")
    np.testing.assert_allclose(r.logsumexp(x, axis=1).numpy(), [1000 + np.log(2), -1000 + np.log(2)], rtol=1e-6)


def test_argmax_argmin_any_all():
    x = np.array([[0.5, -1.0, 2.0], [3.0, -0.25, 1.5]], "float32")
    np.testing.assert_array_equal(r.argmax(x).numpy(), [2, 0])
    np.testing.assert_array_equal(r.argmin(x, axis=0).numpy(), [0, 0, 1])
    assert r.argmax(x).dtype.kind == "i"
    assert int(r.argmax(x, axis=None)) == 3
    b = np.array([[0.0, 1.0], [0.0, 0.0]])
    np.testing.assert_array_equal(r.any(b, axis=1).numpy(), [True, False])
    np.testing.assert_array_equal(r.all(b + 1, axis=1).numpy(), [True, True])
    assert r.any(b).numpy().dtype == bool and r.all(b, keepdims=True).shape == (1, 1)


def test_var_and_std_are_biased():
    x = np.array([1.0, 2.0, 3.0, 4.0], "float32")
    assert float(r.var(x)) == pytest.approx(1.25)
    assert float(r.std(x)) == pytest.approx(np.sqrt(1.25))


def test_round_is_half_to_even_and_has_no_gradient():
    np.testing.assert_array_equal(m.round(np.array([0.5, 1.5, 2.5, -0.5], "float32")).numpy(), [0, 2, 2, -0])
    x = Tensor(np.array([1.2], "float32"))
    with GradientTape() as tape:
        tape.watch(x)
        y = m.round(x) + m.sign(x) + m.floor(x)
    assert tape.gradient(y, x) is None


def test_comparisons_return_booleans():
    a, b = np.array([1.0, 2.0, 3.0]), np.array([2.0, 2.0, 2.0])
    for name, ref in [("equal", np.equal), ("not_equal", np.not_equal), ("greater", np.greater),
                      ("greater_equal", np.greater_equal), ("less", np.less), ("less_equal", np.less_equal)]:
        out = getattr(m, name)(a, b)
        assert out.dtype == bool
        np.testing.assert_array_equal(out.numpy(), ref(a, b))


def test_where_clip_and_getitem_gradients():
    x, y = RNG.normal(size=(3, 4)), RNG.normal(size=(4,))
    cond = x > 0
    check_grads(lambda a, b: m.where(cond, a, b), x, y)
    check_grads(lambda a: m.clip(a, -0.5, 0.5), x)
    check_grads(lambda a: a[1:, ::2], x)
    check_grads(lambda a: a[np.array([0, 0, 2])], x)  # repeated indices accumulate
    check_grads(lambda a: m.reshape(a, (2, 6)), x)
    check_grads(lambda a: m.cast(a, "float64"), x)


@pytest.mark.parametrize("fn", [
    lambda a, b: m.sqrt(m.add(m.square(a), m.square(b))),
    lambda a, b: m.multiply(m.exp(a), m.sin(b)),
    lambda a, b: m.divide(m.tanh(a), m.add(m.square(b), 1.0)),
    lambda a, b: m.power(m.add(m.square(a), 1.0), b),
    lambda a, b: r.logsumexp(m.multiply(a, b), axis=1),
    lambda a, b: r.std(m.multiply(a, b), axis=0),
])
def test_second_derivatives(fn):
    check_grads(fn, RNG.normal(size=(2, 3)), RNG.normal(size=(2, 3)), order=2)


def test_bad_axis_and_shapes_raise_clear_errors():
    with pytest.raises(ValueError, match="sum: axis 3 is out of range"):
        m.sum(np.ones((2, 2)), axis=3)
    with pytest.raises(ValueError, match="prod: axis"):
        r.prod(np.ones((2, 2)), axis=-3)
    with pytest.raises(ValueError, match=r"add: operands could not be broadcast together: shapes \(2, 3\) and \(4,\)"):
        m.add(np.ones((2, 3)), np.ones(4))
    with pytest.raises(TypeError, match="cumsum: `axis` must be a single integer"):
        r.cumsum(np.ones((2, 2)), axis=(0, 1))
    with pytest.raises(ValueError, match="norm: unsupported ord"):
        r.norm(np.ones(3), ord=-2)
    with pytest.raises(ValueError, match="argmax: cannot reduce an empty tensor"):
        r.argmax(np.ones((0,)))


def test_integer_input_to_float_functions_gives_floatx_not_float64():
    ints = np.array([1, 4, 9], "int32")
    for op in (m.sqrt, m.exp, m.log, m.sin, m.tanh, m.reciprocal):
        assert op(ints).dtype == np.float32
    assert m.square(ints).dtype == np.int32
    np.testing.assert_array_equal(m.sqrt(ints).numpy(), [1, 2, 3])


@pytest.mark.parametrize("op", [m.sum, r.prod, r.cumsum, r.cumprod])
def test_integer_sums_and_products_keep_int32(op):
    # TensorFlow keeps int32 (numpy alone would widen to int64, and a later int32 op would then mismatch)
    x = np.array([[1, -2], [3, 4]], "int32")
    assert op(x, axis=0).dtype == np.int32


def test_sqrt_gradient_is_zero_where_keras_clips_negative_inputs():
    # K.sqrt is sqrt(maximum(x, 0)); sqrt's gradient at 0 is inf, and the side maximum did not pick must get
    # 0 (TensorFlow selects), not inf * 0 = NaN
    from kerasish import backend as K
    x = Tensor(np.array([-1.0, 0.0, 4.0], "float32"))
    with GradientTape() as tape:
        tape.watch(x)
        y = K.sum(K.sqrt(x))
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [0.0, np.inf, 0.25])


def test_two_python_numbers_give_a_floatx_tensor():
    # TensorFlow makes Python floats floatx tensors; numpy alone would answer float64
    assert m.maximum(-1.0, 0.5).dtype == np.float32
    assert m.add(1, 2).dtype == np.int32
    assert m.add(2**40, 1).numpy() == 2**40 + 1


@pytest.mark.parametrize("a", [2, 0, -1, 2.5])
def test_pow_gradient_stays_float32(a):
    x = Tensor(np.array([1.5, 2.0], "float32"))
    with GradientTape() as tape:
        tape.watch(x)
        y = m.sum(m.power(x, a))
    g = tape.gradient(y, x)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g.numpy(), a * np.array([1.5, 2.0]) ** (a - 1), rtol=1e-6)


def test_reductions_over_an_empty_axis_give_tensorflows_identities():
    # tf.reduce_max/min/logsumexp over an empty axis: -inf / inf / -inf (the dtype's extremes for ints)
    empty = np.ones((2, 0), "float32")
    np.testing.assert_array_equal(m.max(empty, axis=1).numpy(), [-np.inf, -np.inf])
    np.testing.assert_array_equal(m.min(empty, axis=1).numpy(), [np.inf, np.inf])
    assert float(r.logsumexp(np.ones((0,), "float32"))) == -np.inf
    assert int(m.max(np.ones((0,), "int32"))) == np.iinfo(np.int32).min
