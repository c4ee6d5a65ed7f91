"""The Keras 2 backend API (`from kerasish import backend as K`): variables, inspection, updates, names."""
import numpy as np
import pytest

import kerasish as keras
from kerasish import backend as K
from kerasish.backend import Tensor, Variable

X = np.array([[0.5, -1.0, 2.0], [3.0, -0.25, 1.5]], "float32")


def test_keras2_names_exist():
    names = ("abs all any arange argmax argmin batch_dot batch_flatten batch_get_value batch_set_value cast "
             "cast_to_floatx clear_session clip concatenate constant cos count_params cumprod cumsum dot dtype "
             "epsilon equal eval exp expand_dims eye flatten floatx foldl foldr function gather get_uid get_value "
             "gradients greater greater_equal image_data_format in_test_phase in_train_phase int_shape is_keras_tensor "
             "is_sparse learning_phase learning_phase_scope less less_equal log manual_variable_initialization map_fn "
             "max maximum mean min minimum moving_average_update name_scope ndim not_equal one_hot ones ones_like "
             "permute_dimensions placeholder pow print_tensor prod random_bernoulli random_binomial random_normal "
             "random_normal_variable random_uniform random_uniform_variable repeat repeat_elements reset_uids reshape "
             "resize_images resize_volumes reverse rnn round set_epsilon set_floatx set_image_data_format "
             "set_learning_phase set_value shape sign sin spatial_2d_padding spatial_3d_padding sqrt square squeeze "
             "stack std stop_gradient sum switch tanh temporal_padding tile to_dense transpose truncated_normal "
             "update update_add update_sub var variable zeros zeros_like").split()
    missing = [n for n in names if not callable(getattr(K, n, None))]
    assert not missing


def test_variable_defaults_to_floatx_and_reads_back_copies():
    v = K.variable([[1, 2], [3, 4]], name="w")
    assert isinstance(v, Variable) and v.dtype == np.float32 and v.name == "w"
    value = K.get_value(v)
    value[0, 0] = 100.0
    assert K.get_value(v)[0, 0] == 1.0
    assert K.variable(np.ones(2), dtype="float64").dtype == np.float64
    np.testing.assert_array_equal(K.eval(v), [[1, 2], [3, 4]])


def test_constant_dtype_and_shape_fill():
    assert K.constant([0, 2]).dtype == np.float32
    assert K.constant([0, 2], dtype="int32").dtype == np.int32
    np.testing.assert_array_equal(K.constant(3.0, shape=(2, 2)).numpy(), np.full((2, 2), 3.0))
    assert K.constant(np.arange(6), shape=(2, 3)).shape == (2, 3)
    with pytest.raises(ValueError, match="constant: a value of shape"):
        K.constant(np.arange(5), shape=(2, 3))


def test_set_value_and_batch_set_value():
    a, b = K.variable(np.zeros(2)), K.variable(np.zeros((2, 2)))
    K.batch_set_value([(a, [1.0, 2.0]), (b, np.eye(2))])
    va, vb = K.batch_get_value([a, b])
    np.testing.assert_array_equal(va, [1, 2])
    assert vb.dtype == np.float32
    with pytest.raises(ValueError, match=r"set_value: cannot assign a value of shape \(3,\) to variable"):
        K.set_value(a, np.ones(3))
    with pytest.raises(TypeError, match="set_value: expected a Variable"):
        K.set_value(K.constant([1.0]), [2.0])


def test_updates_modify_in_place_and_return_the_variable():
    v = K.variable(np.array([1.0, 2.0]))
    assert K.update(v, np.array([10.0, 20.0])) is v
    assert K.update_add(v, np.array([1.0, 1.0])) is v
    assert K.update_sub(v, np.array([5.0, 10.0])) is v
    np.testing.assert_allclose(K.get_value(v), [6, 11])
    x = K.variable(np.array([1.0, 2.0]))
    assert K.moving_average_update(x, K.constant([3.0, 4.0]), 0.9) is x
    np.testing.assert_allclose(K.get_value(x), [1.2, 2.2], rtol=1e-6)
    assert x.dtype == np.float32


def test_inspection_functions():
    v = K.variable(np.ones((2, 3)))
    assert K.int_shape(v) == (2, 3) and K.ndim(v) == 2 and K.dtype(v) == "float32"
    assert int(K.count_params(v)) == 6
    np.testing.assert_array_equal(K.shape(v).numpy(), [2, 3])
    assert K.int_shape(np.zeros((4, 1))) == (4, 1)
    assert K.dtype(K.constant([1], dtype="int32")) == "int32"
    assert not K.is_sparse(v) and K.to_dense(v) is v


def test_is_keras_tensor():
    class FakeKerasTensor:
        _keras_history = ("layer", 0, 0)
        shape = (None, 3)

    assert K.is_keras_tensor(FakeKerasTensor())
    assert not K.is_keras_tensor(K.variable(np.ones(2)))
    with pytest.raises(ValueError, match="Expected a symbolic tensor instance"):
        K.is_keras_tensor(np.ones(2))
    assert K.int_shape(FakeKerasTensor()) == (None, 3)


def test_zeros_ones_eye_and_likes():
    z = K.zeros((2, 3))
    assert isinstance(z, Variable) and z.dtype == np.float32
    assert isinstance(K.ones((3, 2), dtype="float64"), Variable)
    assert not isinstance(K.zeros((0, 3)), Variable)
    np.testing.assert_array_equal(K.eye(3).numpy(), np.eye(3))
    np.testing.assert_array_equal(K.eye((2, 3)).numpy(), np.eye(2, 3))
    assert K.eye(2, dtype="float64").dtype == np.float64 and K.eye(2, dtype="int32").dtype == np.int32
    c = K.constant(X)
    assert K.zeros_like(c).dtype == np.float32 and K.ones_like(c, dtype="int32").dtype == np.int32
    np.testing.assert_array_equal(K.ones_like(c).numpy(), np.ones_like(X))


def test_cast_to_floatx_and_set_floatx():
    assert K.cast_to_floatx(np.array([1.0], "float64")).dtype == np.float32
    assert isinstance(K.cast_to_floatx(np.array([1])), np.ndarray)
    try:
        K.set_floatx("float64")
        assert K.cast_to_floatx([1, 2]).dtype == np.float64
        assert K.variable([1.0]).dtype == np.float64
    finally:
        K.set_floatx("float32")


def test_random_variables():
    v = K.random_uniform_variable((20, 30), low=-1.0, high=2.0, seed=3)
    assert isinstance(v, Variable) and v.dtype == np.float32
    assert K.get_value(v).min() >= -1.0 and K.get_value(v).max() < 2.0
    n = K.random_normal_variable((1000,), 1.0, 0.1, seed=3)
    assert abs(K.get_value(n).mean() - 1.0) < 0.02


def test_print_tensor_returns_its_input(capsys):
    c = K.constant([1.0, 2.0])
    assert K.print_tensor(c, message="value:") is c
    assert capsys.readouterr().out.strip() == "value: [1 2]"


def test_gradients_raises_in_eager_mode():
    with pytest.raises(RuntimeError, match="Use GradientTape instead"):
        K.gradients(K.constant(1.0), [K.variable([1.0])])


def test_stop_gradient_of_a_list():
    out = K.stop_gradient([K.constant(1.0), K.constant(2.0)])
    assert isinstance(out, list) and len(out) == 2


def test_symbolic_tensor_in_an_engine_op_gives_a_clear_error():
    # the public K namespace turns symbolic calls into graph nodes; the engine itself only computes values
    from kerasish.backend.ops import math as engine_math

    with pytest.raises(TypeError, match="symbolic Keras tensor"):
        engine_math.sum(keras.Input(shape=(2,)))
    with pytest.raises(TypeError, match="get_value: received a symbolic Keras tensor"):
        K.get_value(keras.Input(shape=(2,)))


def test_function_returns_numpy_and_checks_its_arguments():
    x = K.placeholder(shape=(None, 2))
    f = K.function([x], [x * 2.0, x + 1.0])
    a, b = f([np.array([[1.0, 2.0]])])
    np.testing.assert_array_equal(a, [[2.0, 4.0]])
    assert isinstance(a, np.ndarray) and b.dtype == np.float32
    single = K.function(x, x * 2.0)
    np.testing.assert_array_equal(single(np.array([[1.0, 0.0]])), [[2.0, 0.0]])
    with pytest.raises(ValueError, match="function: expected 1 input array"):
        f([np.ones((1, 2)), np.ones((1, 2))])
    with pytest.raises(TypeError, match="update 0 must be a"):
        K.function([x], [x], updates=[("v", 1)])
    with pytest.raises(ValueError, match=r"expected shape=\(None, 2\), found shape=\(1, 3\)"):
        f([np.ones((1, 3))])


def test_learning_phase_and_name_scope():
    assert K.learning_phase() == 0
    K.set_learning_phase(1)
    try:
        assert K.learning_phase() == 1
    finally:
        K.set_learning_phase(None)
    with K.name_scope("block"):
        pass


def test_every_public_function_has_a_docstring():
    undocumented = [n for n in dir(K) if not n.startswith("_") and callable(getattr(K, n))
                    and getattr(getattr(K, n), "__module__", "").startswith("kerasish.backend")
                    and not (getattr(K, n).__doc__ or "").strip()]
    assert not undocumented


def test_placeholder_is_a_symbolic_input():
    p = K.placeholder(shape=(None, 3))
    assert K.is_keras_tensor(p) and K.int_shape(p) == (None, 3) and K.dtype(p) == "float32"
    assert K.int_shape(K.placeholder(ndim=2, dtype="int32")) == (None, None)
    with pytest.raises(ValueError, match="placeholder: give either `shape` or `ndim`"):
        K.placeholder()


def test_keras3_ops_namespace_is_the_same_engine():
    from kerasish import ops
    from tests.gradcheck import check_grads

    x = np.arange(6.0, dtype="float32").reshape(2, 3)
    # one engine function behind both namespaces (each namespace names its symbolic graph nodes itself)
    assert ops.matmul.__wrapped__ is K.matmul.__wrapped__ and ops.einsum.__wrapped__ is K.einsum.__wrapped__
    assert isinstance(ops.convert_to_tensor(x), Tensor) and isinstance(ops.convert_to_numpy(ops.add(x, 1.0)), np.ndarray)
    assert ops.concatenate([x, x]).shape == (4, 3)  # Keras 3: axis 0
    np.testing.assert_array_equal(ops.repeat(np.array([1, 2]), 2).numpy(), [1, 1, 2, 2])
    assert int(ops.argmax(x)) == 5 and ops.argmax(x, axis=1, keepdims=True).shape == (2, 1)
    np.testing.assert_array_equal(ops.cumsum(x).numpy(), np.cumsum(x))
    assert ops.shape(x) == (2, 3) and ops.ndim(x) == 2 and ops.size(x) == 6
    np.testing.assert_array_equal(ops.where(x > 2, x, 0.0).numpy(), np.where(x > 2, x, 0))
    assert [t.numpy().tolist() for t in ops.where(x > 3)] == [[1, 1], [1, 2]]
    np.testing.assert_array_equal(ops.one_hot(np.array([1, 0]), 2, axis=0).numpy(), [[0, 1], [1, 0]])
    np.testing.assert_array_equal(ops.slice(x, (1, 1), (1, 2)).numpy(), [[4, 5]])
    assert ops.zeros((2,)).dtype == np.float32 and ops.full((2,), 3).dtype == np.int64
    assert ops.arange(0.0, 1.0, 0.5).dtype == np.float32 and ops.eye(2, 3).shape == (2, 3)
    assert ops.cond(True, lambda: 1, lambda: 2) == 1
    np.testing.assert_allclose(ops.softmax(np.zeros((1, 4), "float32")).numpy(), np.full((1, 4), 0.25))
    check_grads(lambda a, b: ops.outer(a, b), np.arange(3.0), np.arange(2.0))


def test_k_sqrt_clips_negative_inputs_at_zero():
    from tests.gradcheck import check_grads

    np.testing.assert_array_equal(K.sqrt(np.array([4.0, -1.0, 0.0], "float32")).numpy(), [2.0, 0.0, 0.0])
    check_grads(K.sqrt, np.array([0.5, 2.0, 3.0]))
    check_grads(lambda a, b: K.sqrt(K.square(a) + K.square(b)), np.array([1.0, -2.0]), np.array([0.5, 3.0]), order=2)


def test_keras3_ops_sorting_and_loops():
    from kerasish import ops
    from tests.gradcheck import check_grads

    x = np.array([[3.0, 1.0, 2.0], [0.5, 2.5, 1.5]])
    np.testing.assert_array_equal(ops.sort(x).numpy(), np.sort(x).astype("float32"))
    values, idx = ops.top_k(x, 2)
    np.testing.assert_array_equal(idx.numpy(), [[0, 2], [1, 2]])
    check_grads(lambda t: ops.top_k(t, 2)[0], x)
    check_grads(lambda t: ops.tril(t, 1) + ops.triu(t), np.arange(9.0).reshape(3, 3) + 1)
    assert ops.fori_loop(0, 4, lambda i, v: v * 2, 1) == 16
    carry, ys = ops.scan(lambda c, e: (c * e, c), 1.0, np.array([2.0, 3.0], "float32"))
    assert float(carry) == 6.0 and ys.numpy().tolist() == [1.0, 2.0]
    with pytest.raises(ValueError, match="top_k: k=4 is out of range"):
        ops.top_k(x, 4)
