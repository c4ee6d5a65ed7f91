"""Fused layer kernels: one tape node per layer call, with a hand-written numpy backward.

`dense(x, kernel, bias, activation)` is matmul + bias + activation in one node. Its backward
uses the activation's derivative expressed through the *output* (relu: y > 0, sigmoid:
y(1-y), tanh: 1-y², softmax: y(g - Σgy)), so nothing but the output is kept.

When an outer tape records during the backward pass (a second derivative), the vjp replays
the same computation with primitive ops under a fresh tape (`replay_vjp`), so higher-order
gradients stay exact at no cost to the first-order path.

Example:
    >>> import numpy as np
    >>> from kerasish.backend.ops.fused import dense
    >>> x = np.ones((2, 3), "float32"); w = np.ones((3, 4), "float32"); b = np.zeros(4, "float32")
    >>> dense(x, w, b, "relu").numpy().tolist()[0]
    [3.0, 3.0, 3.0, 3.0]
"""
import numpy as np

from ..tape import NEEDS, GradientTape
from .core import RECORDING, Tensor, record, register, tensor_and_array
from .conv import _relu_inplace
from .parallel import over_batch, sum_over_batch, too_small
from . import math as m
from . import nn

FUSABLE_ACTIVATIONS = ("linear", "relu", "sigmoid", "tanh", "softmax")


def _sigmoid(z):
    # 0.5 * tanh(0.5 z) + 0.5 never overflows and costs one transcendental (Chainer's trick)
    out = np.multiply(z, 0.5, out=z if z.flags.writeable else None)
    np.tanh(out, out=out)
    out *= 0.5
    out += 0.5
    return out


def _softmax(z):
    z -= z.max(axis=-1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=-1, keepdims=True)
    return z


def apply_activation_inplace(z, activation):
    """Apply a fusable activation to a fresh array `z` in place and return it."""
    if activation == "linear" or activation is None:
        return z
    if activation == "relu":
        return _relu_inplace(z)  # vectorised in place (numpy's maximum against a scalar is slow)
    if activation == "sigmoid":
        return _sigmoid(z)
    if activation == "tanh":
        return np.tanh(z, out=z)
    if activation == "softmax":
        return _softmax(z)
    raise ValueError(f"Unknown fused activation {activation!r}; expected one of {FUSABLE_ACTIVATIONS}")


def activation_grad_from_output(g, y, activation):
    """dL/dz given dL/dy = g and y = act(z), for the fusable activations."""
    if activation == "linear" or activation is None:
        return g
    if activation == "relu":
        return g * (y > 0)
    if activation == "sigmoid":
        return g * (y * (1.0 - y))
    if activation == "tanh":
        return g * (1.0 - y * y)
    if activation == "softmax":
        gy = g * y
        return gy - y * gy.sum(axis=-1, keepdims=True)
    raise ValueError(f"Unknown fused activation {activation!r}")


def _primitive_activation(z, activation):
    if activation == "linear" or activation is None:
        return z
    if activation == "relu":
        return m.maximum(z, 0.0)
    if activation == "sigmoid":
        return m.divide(1.0, m.add(1.0, m.exp(m.negative(z))))
    if activation == "tanh":
        return m.tanh(z)
    if activation == "softmax":
        e = m.exp(m.subtract(z, m.stop_gradient(m.max(z, axis=-1, keepdims=True))))
        return m.divide(e, m.sum(e, axis=-1, keepdims=True))
    raise ValueError(f"Unknown fused activation {activation!r}")


def replay_vjp(primitive_forward, inputs, g):
    """Gradients of `primitive_forward(*inputs)` against `inputs` for output gradient `g`,
    computed with primitive ops so an outer recording tape sees (and can differentiate) them."""
    live = [x for x in inputs if x is not None]
    with GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(live)
        out = primitive_forward(*inputs)
        # differentiate <out, g> with g as a tensor, so g's own dependence on the inputs is kept
        total = m.sum(m.multiply(out, g))
    grads = tape.gradient(total, live)
    it = iter(grads)
    return tuple(next(it) if x is not None else None for x in inputs)


@register()
def dense(x, kernel, bias=None, activation="linear"):
    """activation(x @ kernel + bias) over the last axis of x, as one tape node.

    Args:
        x: (..., in) tensor.
        kernel: (in, units).
        bias: (units,) or None.
        activation: one of FUSABLE_ACTIVATIONS.
    """
    if RECORDING and activation in ("softmax", "sigmoid"):
        # Keep the logits as their own node: a crossentropy loss finds them on the output
        # (`_keras_logits`, Keras's hidden-logits path) and backpropagates from there.
        logits = dense(x, kernel, bias, "linear")
        return nn.softmax(logits) if activation == "softmax" else nn.sigmoid(logits)
    xt, xa = tensor_and_array(x)
    kt, ka = tensor_and_array(kernel)
    bt, ba = tensor_and_array(bias) if bias is not None else (None, None)
    in_dim = ka.shape[0]
    if xa.shape[-1:] != (in_dim,):
        raise ValueError(f"dense: expected the last axis of the input to be {in_dim}, got input shape {xa.shape}")
    lead = xa.shape[:-1]
    x2 = xa.reshape(-1, in_dim) if xa.ndim != 2 else xa
    if x2.dtype != ka.dtype:
        x2 = x2.astype(ka.dtype)
    y, logits = dense_forward(x2, ka, ba, activation, keep_logits=activation in ("softmax", "sigmoid"))
    out = Tensor(y.reshape(lead + (ka.shape[1],)) if xa.ndim != 2 else y)
    if logits is not None:  # evaluate/predict: no tape, but losses still see the logits
        out._keras_logits = Tensor(logits.reshape(out.shape))
    if RECORDING:
        def vjp(g):
            if RECORDING:  # an outer tape wants the backward pass itself differentiable
                def forward(x_, k_, b_):
                    z_ = m.matmul(x_, k_)
                    if b_ is not None:
                        z_ = m.add(z_, b_)
                    return _primitive_activation(z_, activation)

                return replay_vjp(forward, (xt if xt is not None else Tensor(xa), kt, bt), g)
            need_x, need_k, need_b = (NEEDS + [False, False, False])[:3]
            ga = g.array if isinstance(g, Tensor) else g
            gx, gk, gb = dense_backward(ga.reshape(-1, ga.shape[-1]), x2, y, ka, activation, need_x, need_k,
                                        need_b and bt is not None)
            if gx is not None:
                gx = gx.reshape(xa.shape)
            return gx, gk, gb

        record((xt, kt, bt), out, vjp)
    return out


def dense_forward(x2, ka, ba, activation, keep_logits=False):
    """The dense forward pass on arrays: `(y, logits)` for `x2` of shape (rows, in); `logits` (a copy of the
    pre-activation values) only with `keep_logits`. Batch-parallel where the work repays it."""
    rows, in_dim, units = x2.shape[0], ka.shape[0], ka.shape[1]
    work = rows * in_dim * units // 16 + 3 * rows * units
    if too_small(rows, work):  # the usual small call (predict of a few samples): no closure, no slices
        z = x2 @ ka
        if ba is not None:
            z += ba
        logits = z.copy() if keep_logits else None
        return apply_activation_inplace(z, activation), logits
    y = np.empty((rows, units), ka.dtype)
    logits = np.empty_like(y) if keep_logits else None

    def forward(lo, hi):  # rows [lo, hi): the same steps on a slice (see parallel.over_batch)
        z_part = np.matmul(x2[lo:hi], ka, out=y[lo:hi])
        if ba is not None:
            z_part += ba
        if keep_logits:
            logits[lo:hi] = z_part
        apply_activation_inplace(z_part, activation)

    over_batch(forward, rows, work=work, mostly_blas=True)
    return y, logits


def dense_backward(g2, x2, y, ka, activation, need_x, need_k, need_b):
    """The dense backward pass on arrays: `(gx, gk, gb)` from the output gradient `g2` (rows, units), the
    input `x2` and output `y` of `dense_forward`; None for what is not needed."""
    rows, in_dim, units = x2.shape[0], ka.shape[0], ka.shape[1]
    gx = np.empty(x2.shape, ka.dtype) if need_x else None

    def backward(lo, hi):  # rows [lo, hi): gx rows; returns the slice's kernel and bias gradients
        gz = activation_grad_from_output(g2[lo:hi], y[lo:hi], activation)
        if need_x:
            np.matmul(gz, ka.T, out=gx[lo:hi])
        return (x2[lo:hi].T @ gz if need_k else None, gz.sum(axis=0) if need_b else None)

    gk, gb = sum_over_batch(backward, rows, work=2 * rows * in_dim * units // 16 + 3 * rows * units,
                            mostly_blas=True)
    return gx, gk, gb
