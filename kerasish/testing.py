"""Test helpers used by kerasish's own tests (and usable for users' custom layers).

`run_layer_test` checks a layer the same way every time: eager and symbolic output shapes agree,
`get_config`/`from_config` round trip gives the same outputs, weight counts are as expected, and
one training step runs. `check_grads` compares tape gradients with central finite differences in
float64.

Example:
    >>> import numpy as np
    >>> from kerasish import layers
    >>> from kerasish.testing import run_layer_test, check_layer_grads
    >>> out = run_layer_test(layers.Dense, {"units": 3}, input_shape=(2, 4), expected_output_shape=(None, 3),
    ...                      expected_num_trainable_weights=2)
    >>> out.shape
    (2, 3)
    >>> check_layer_grads(layers.Dense, {"units": 2, "activation": "tanh"}, input_shape=(3, 4))
"""
import contextlib

import numpy as np

from .backend import config
from .backend.tape import GradientTape
from .backend.tensor import Tensor, Variable
from . import layers as layers_module
from .models import Model


@contextlib.contextmanager
def float64():
    """Run the block with floatx = float64 (for finite-difference checks)."""
    old = config.floatx()
    config.set_floatx("float64")
    try:
        yield
    finally:
        config.set_floatx(old)


def _random_input(shape, dtype, seed):
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind in "iu":
        return rng.integers(0, 5, size=shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def run_layer_test(layer_cls, kwargs=None, input_shape=None, input_dtype="float32", input_data=None,
                   expected_output_shape=None, expected_output=None, expected_num_trainable_weights=None,
                   expected_num_non_trainable_weights=None, supports_masking=None, run_training_check=True,
                   rtol=1e-5, atol=1e-6):
    """Build `layer_cls(**kwargs)`, call it eagerly and symbolically, round-trip its config, train one step.

    Returns the eager output as a numpy array.
    """
    kwargs = dict(kwargs or {})
    if input_data is None:
        input_data = _random_input(input_shape, input_dtype, 0)
    input_data = np.asarray(input_data)
    layer = layer_cls(**kwargs)
    out = layer(input_data)
    out_np = np.asarray(out)
    if expected_output_shape is not None:
        want = tuple(expected_output_shape)
        got = out_np.shape
        assert len(want) == len(got) and all(w is None or w == g for w, g in zip(want, got)), \
            f"{layer_cls.__name__}: eager output shape {got} does not match {want}"
    if expected_output is not None:
        np.testing.assert_allclose(out_np, expected_output, rtol=rtol, atol=atol)
    if expected_num_trainable_weights is not None:
        assert len(layer.trainable_weights) == expected_num_trainable_weights, \
            f"{layer_cls.__name__}: {len(layer.trainable_weights)} trainable weights, " \
            f"expected {expected_num_trainable_weights}"
    if expected_num_non_trainable_weights is not None:
        assert len(layer.non_trainable_weights) == expected_num_non_trainable_weights
    if supports_masking is not None:
        assert layer.supports_masking == supports_masking

    # symbolic call: shape inference agrees with the eager result (batch axis unknown)
    sym_in = layers_module.Input(shape=input_data.shape[1:], dtype=str(input_data.dtype))
    sym_out = layer(sym_in)
    assert tuple(sym_out.shape)[1:] == out_np.shape[1:] or any(d is None for d in sym_out.shape[1:]), \
        f"{layer_cls.__name__}: symbolic shape {sym_out.shape} vs eager {out_np.shape}"

    # config round trip: same class, same outputs with the same weights
    cfg = layer.get_config()
    clone = layer_cls.from_config(cfg)
    clone(input_data)
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(np.asarray(clone(input_data)), out_np, rtol=rtol, atol=atol)
    assert clone.get_config() == cfg, f"{layer_cls.__name__}: config changed in a round trip"

    # a model around it trains for one step
    if run_training_check and layer.trainable_weights and np.issubdtype(out_np.dtype, np.floating):
        model = Model(sym_in, sym_out)
        model.compile(optimizer="sgd", loss="mse")
        target = np.zeros_like(out_np)
        model.train_on_batch(input_data, target)
    return out_np


def numeric_grad(fn, arrays, index, eps=1e-6):
    """Central finite differences of sum(fn(*arrays) * weights) w.r.t. arrays[index]; float64."""
    base = [np.array(a, dtype=np.float64, order="C") for a in arrays]
    target = base[index]
    grad = np.zeros_like(target)
    flat = target.reshape(-1)
    gflat = grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        plus = float(np.sum(np.asarray(fn(*base))))
        flat[i] = old - eps
        minus = float(np.sum(np.asarray(fn(*base))))
        flat[i] = old
        gflat[i] = (plus - minus) / (2 * eps)
    return grad


def check_grads(fn, *arrays, eps=1e-6, rtol=1e-4, atol=1e-6, wrt=None):
    """Assert that tape gradients of `sum(fn(*tensors) * w)` match finite differences, in float64.

    A fixed random weighting `w` makes the check sensitive to every output element.
    """
    arrays = [np.asarray(a, dtype=np.float64) for a in arrays]
    wrt = range(len(arrays)) if wrt is None else wrt
    with float64():
        probe = np.asarray(fn(*[Tensor(a) for a in arrays]))
        weights = np.random.default_rng(123).standard_normal(probe.shape)

        def weighted(*xs):
            return np.asarray(fn(*[Tensor(x) for x in xs])) * weights

        tensors = [Tensor(a) for a in arrays]
        with GradientTape() as tape:
            for t in tensors:
                tape.watch(t)
            out = fn(*tensors)
            from .backend.ops import math as m

            loss = m.sum(m.multiply(out, weights))
        grads = tape.gradient(loss, tensors)
        for i in wrt:
            expected = numeric_grad(weighted, arrays, i, eps)
            got = np.zeros_like(arrays[i]) if grads[i] is None else np.asarray(grads[i])
            np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol,
                                       err_msg=f"gradient w.r.t. argument {i} differs from finite differences")


def check_layer_grads(layer_cls, kwargs, input_shape, input_data=None, training=False, rtol=1e-4, atol=1e-6,
                      check_input=True, eps=1e-6):
    """Check a layer's gradients (input and every trainable weight) against finite differences in float64."""
    with float64():
        layer = layer_cls(**kwargs)
        x = np.asarray(input_data if input_data is not None else _random_input(input_shape, "float64", 1),
                       dtype=np.float64)
        layer(x)
        weights = layer.trainable_weights

        probe = np.asarray(layer(x, training=training))
        wts = np.random.default_rng(7).standard_normal(probe.shape)
        xt = Tensor(x)
        with GradientTape() as tape:
            tape.watch(xt)
            from .backend.ops import math as m

            loss = m.sum(m.multiply(layer(xt, training=training), wts))
        grads = tape.gradient(loss, [xt] + list(weights))

        def f_x(xv):
            return np.asarray(layer(xv, training=training)) * wts

        if check_input and np.issubdtype(x.dtype, np.floating):
            expected = numeric_grad(f_x, [x], 0, eps)
            np.testing.assert_allclose(np.asarray(grads[0]) if grads[0] is not None else np.zeros_like(x), expected,
                                       rtol=rtol, atol=atol, err_msg=f"{layer_cls.__name__}: input gradient")
        for k, w in enumerate(weights):
            original = w.array.copy()

            def f_w(wv, w=w):
                w.array = wv
                return np.asarray(layer(x, training=training)) * wts

            expected = numeric_grad(f_w, [original], 0, eps)
            w.array = original
            got = grads[k + 1]
            np.testing.assert_allclose(np.asarray(got) if got is not None else np.zeros_like(original), expected,
                                       rtol=rtol, atol=atol, err_msg=f"{layer_cls.__name__}: gradient of {w.name}")
