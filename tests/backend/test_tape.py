"""GradientTape: watching, automatic variable tracking, persistence, nesting (second derivatives)."""
import numpy as np
import pytest

from kerasish import backend as K
from kerasish.backend import GradientTape
from tests.gradcheck import check_grads

A = np.array([[1.0, -2.0], [0.5, 3.0]], "float32")
B = np.array([[2.0, 1.0], [-1.0, 4.0]], "float32")


def test_watch_a_constant():
    a, b = K.constant(A), K.constant(B)
    with GradientTape() as tape:
        tape.watch(a)
        c = K.sqrt(K.square(a) + K.square(b))
    np.testing.assert_allclose(tape.gradient(c, a).numpy(), A / np.sqrt(A ** 2 + B ** 2), rtol=1e-6)
    with pytest.raises(TypeError, match="GradientTape.watch expects a kerasish Tensor"):
        GradientTape().watch(np.ones(2))


def test_unwatched_constant_has_no_gradient():
    a = K.constant(A)
    with GradientTape() as tape:
        c = K.sum(a * a)
    assert tape.gradient(c, a) is None
    with GradientTape() as tape:
        c = K.sum(a * a)
    assert tape.gradient(c, a, unconnected_gradients="zero").numpy().tolist() == [[0, 0], [0, 0]]


def test_every_variable_of_one_op_is_tracked():
    """A trainable variable is watched even when an earlier input of the same op is already tracked."""
    w, b = K.variable(np.ones((2, 1))), K.variable(np.zeros((1,)))
    x = K.constant(np.ones((3, 2)))
    with GradientTape() as tape:
        loss = K.mean(K.square(K.dot(x, w) + b))
    dw, db = tape.gradient(loss, [w, b])
    np.testing.assert_allclose(dw.numpy(), [[4.0], [4.0]])
    np.testing.assert_allclose(db.numpy(), [4.0])


def test_non_trainable_variables_are_not_tracked_automatically():
    v = K.variable(A)
    v.trainable = False
    with GradientTape() as tape:
        y = K.sum(v * 2.0)
    assert tape.gradient(y, v) is None


def test_persistent_tape_and_single_use_error():
    x = K.variable(np.array([3.0]))
    with GradientTape(persistent=True) as tape:
        y = x * x
        z = y * x
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [6.0])
    np.testing.assert_allclose(tape.gradient(z, x).numpy(), [27.0])
    with GradientTape() as once:
        y = x * x
    once.gradient(y, x)
    with pytest.raises(RuntimeError, match="non-persistent GradientTape"):
        once.gradient(y, x)


def test_stop_recording_and_stop_gradient():
    x = K.variable(np.array([1.0, 2.0, 3.0]))
    with GradientTape() as tape:
        with tape.stop_recording():
            hidden = x * 10.0
        y = K.sum(K.stop_gradient(x) * x + hidden)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [1.0, 2.0, 3.0])


def test_nested_tapes_second_derivative_of_hypot():
    a, b = K.variable(A), K.constant(B)
    with GradientTape() as outer:
        with GradientTape() as inner:
            c = K.sqrt(K.square(a) + K.square(b))
        dc_da = inner.gradient(c, a)
    d2 = outer.gradient(dc_da, a)
    np.testing.assert_allclose(d2.numpy(), B ** 2 / (A ** 2 + B ** 2) ** 1.5, rtol=1e-5)


def test_second_derivative_of_cube_and_of_a_dense_layer():
    x = K.variable(np.array([2.0, -1.0]))
    with GradientTape() as outer:
        with GradientTape() as inner:
            y = K.sum(K.pow(x, 3))
        g = inner.gradient(y, x)
    np.testing.assert_allclose(outer.gradient(g, x).numpy(), [12.0, -6.0])
    rng = np.random.RandomState(0)

    def dense_tanh(xv, wv):
        return K.tanh(K.dot(xv, wv))

    check_grads(dense_tanh, rng.normal(size=(3, 2)), rng.normal(size=(2, 4)), order=2)


def test_gradient_of_a_list_of_targets_and_output_gradients():
    x = K.variable(np.array([1.0, 2.0]))
    with GradientTape(persistent=True) as tape:
        y1, y2 = x * 2.0, x * x
    np.testing.assert_allclose(tape.gradient([y1, y2], x).numpy(), [4.0, 6.0])
    np.testing.assert_allclose(tape.gradient(y2, x, output_gradients=np.array([1.0, 0.5], "float32")).numpy(),
                               [2.0, 2.0])


def test_gradients_keep_float32():
    w = K.variable(np.ones((3, 2)))
    with GradientTape() as tape:
        loss = K.mean(K.square(K.dot(np.ones((4, 3), "float32"), w) - 0.5))
    assert tape.gradient(loss, w).dtype == np.float32


def test_gradient_runs_only_the_backward_steps_that_reach_the_sources():
    """A frozen network under a new classifier records its ops, but asking for the classifier's gradients
    must not run their vector-Jacobian products (tf.keras does not either)."""
    from kerasish.backend.tape import record
    from kerasish.backend.tensor import Tensor

    frozen, head = K.variable(A), K.variable(B)
    calls = []

    def traced_double(x):
        out = Tensor(x.array * 2.0)
        record((x,), out, lambda g: calls.append("vjp") or (g * 2.0,))
        return out

    with GradientTape(persistent=True) as tape:
        features = traced_double(K.square(frozen))
        loss = K.sum(K.dot(features, head))
    grad_head = tape.gradient(loss, head)
    assert calls == []  # nothing reaches `head` through the frozen part
    np.testing.assert_allclose(grad_head.numpy(), (2 * A ** 2).T @ np.ones((2, 2)), rtol=1e-6)
    grad_frozen = tape.gradient(loss, frozen)
    assert calls == ["vjp"]
    np.testing.assert_allclose(grad_frozen.numpy(), 4 * A * (np.ones((2, 2)) @ B.T), rtol=1e-6)
