"""Fused recurrent kernels: a whole LSTM, GRU or SimpleRNN sequence as ONE tape node.

Each kernel follows Keras 2 (tf_keras 2.21) exactly: gate orders i, f, c, o (LSTM) and z, r, h (GRU,
with `reset_after` True (bias (2, 3u)) or False (bias (3u,))); masked steps carry the previous state
and repeat the previous output (zeros with `zero_output_for_mask`); `go_backwards` walks the sequence
from its end and returns outputs in that walking order.

How they are fast:
  * the input projection of the whole sequence is ONE matmul before the time loop ((T*B, in) rows
    against every gate at once, so BLAS can use every core), written gate-major (gate, time, batch,
    units): every gate block of a step is contiguous for the elementwise ops;
  * one recurrent matmul per step, `h @ U` for all gates at once (`_FUSED_STEPS`; see `_Recurrent`);
  * with tanh/sigmoid, every gate of an LSTM step is activated by ONE `tanh` call: the sigmoid
    columns of the weights are pre-scaled by 0.5 and sigmoid(x) = 0.5 * tanh(x / 2) + 0.5, finished
    by one multiply-add over the three sigmoid gates, stored side by side (internal LSTM gate order
    i, f, o, c; the cell state sits next to the candidate, so (i, f) * (g, c_prev) is one multiply);
  * the backward pass precomputes per-step derivative factors for the whole sequence, then walks the
    steps in reverse writing dZ straight into a (time, batch, gates*units) row layout (only
    `dh_prev = dZ @ U.T` is a matmul in the loop), then ONE matmul each for dKernel,
    dRecurrentKernel and dInputs (the input gradient lands in the caller's layout after one small
    transposing copy);
  * large scratch buffers are reused across calls (`_Pool`), and arrays that escape (input
    gradients, sequence outputs) are recycled once nothing references them (`recycle.reusable`):
    fresh multi-megabyte arrays cost page faults that were measured at ~45% of an LSTM training step.

Gradients are raw numpy (fast). When an outer tape records the backward pass (second derivatives),
the vjp replays the sequence with primitive engine ops (`*_cell_step` + `control.rnn`) so
higher-order gradients stay exact. Activations other than tanh/sigmoid/relu/hard_sigmoid/linear
(any callable) take that primitive path directly.

Dropout: `dropout_mask` is (batch, input_dim) (one mask shared by all gates, Keras
`implementation=2`) or (gates, batch, input_dim) (one per gate, `implementation=1`);
`recurrent_dropout_mask` likewise with `units`. Masks are fixed across time steps, as in Keras cells.

Example:
    >>> import numpy as np
    >>> from kerasish.backend.ops.rnn import lstm_sequence
    >>> x = np.ones((2, 5, 3), "float32")
    >>> k = np.full((3, 8), 0.1, "float32"); r = np.zeros((2, 8), "float32"); b = np.zeros(8, "float32")
    >>> out, (h, c) = lstm_sequence(x, None, None, k, r, b)
    >>> out.shape, h.shape, c.shape
    ((2, 2), (2, 2), (2, 2))
"""
import threading
import weakref

import numpy as np

from ..tape import NEEDS
from .core import RECORDING, Tensor, record, register, tensor_and_array
from .recycle import reusable
from . import math as m
from . import nn
from . import shape as shp
from . import control
from ..tape import GradientTape

FAST_ACTIVATIONS = ("tanh", "sigmoid", "relu", "hard_sigmoid", "linear")
_LSTM_FWD = (0, 1, 3, 2)  # forward slots of the LSTM gates (Keras order i, f, c, o): i, f, o, c
_GRU_SLOTS = (2, 0, 1)    # slots of the GRU input-projection gradients (Keras order z, r, h): h, z, r
# How a step's recurrent matmul runs (the choice is fixed per process, so runs repeat bit for bit):
# True: one (B, u) @ (u, G*u) matmul; OpenBLAS splits it over two threads: measured 2-13% faster
# training steps (LSTM and GRU, batch 64, 64 units; paired runs) on an idle 2-core machine, but 25%
# slower when another process keeps the second core busy (a two-thread split of a tiny GEMM waits
# for a descheduled thread). False: one (B, u) @ (u, u) matmul per gate in one batched call, small enough
# that OpenBLAS keeps each on one thread. Per-gate recurrent dropout masks always use False.
_FUSED_STEPS = True


# ----------------------------------------------------------------------------- activations
def activation_name(fn):
    """The fast-path name for `fn` (a name in FAST_ACTIVATIONS or None), else None (a callable).

    Layers pass built-in activations by name; any callable takes the primitive-op path.
    """
    if fn is None:
        return "linear"
    if isinstance(fn, str):
        return fn if fn in FAST_ACTIVATIONS else None
    return None


def _activate(z, name):
    """Apply a fast activation to `z` (an array or a view) in place."""
    if name == "tanh":
        np.tanh(z, out=z)
    elif name == "sigmoid":
        z *= 0.5
        np.tanh(z, out=z)
        z *= 0.5
        z += 0.5
    elif name == "relu":
        np.maximum(z, 0.0, out=z)
    elif name == "hard_sigmoid":
        z *= 0.2
        z += 0.5
        np.clip(z, 0.0, 1.0, out=z)
    elif name != "linear":
        raise ValueError(f"Unknown fast activation {name!r}")
    return z


def _derivative_into(out, y, name):
    """out = act'(z) written through the activation's output y = act(z)."""
    if name == "tanh":
        np.multiply(y, y, out=out)
        np.subtract(1.0, out, out=out)
    elif name == "sigmoid":
        np.subtract(1.0, y, out=out)
        out *= y
    elif name == "relu":
        np.greater(y, 0.0, out=out, casting="unsafe")
    elif name == "hard_sigmoid":
        np.greater(y, 0.0, out=out, casting="unsafe")
        out *= (y < 1.0)
        out *= 0.2
    elif name == "linear":
        out[...] = 1.0
    else:
        raise ValueError(f"Unknown fast activation {name!r}")
    return out


def _engine_activation(act):
    """An engine-op callable for an activation given by fast name or callable."""
    if callable(act):
        return act
    return {"tanh": m.tanh, "sigmoid": nn.sigmoid, "relu": nn.relu, "hard_sigmoid": nn.hard_sigmoid,
            "linear": lambda x: x}[act]


# ----------------------------------------------------------------------------- scratch buffers
class _Pool:
    """Free lists of large scratch arrays, reused across calls.

    Fresh multi-megabyte arrays cost page faults on first touch (measured: about 45% of an LSTM
    training step); reusing them avoids that. A forward pass's buffers go back to the pool when its
    tape node dies (or at once when nothing records), the backward pass's at the end of the vjp.
    Nothing that escapes to the caller (outputs, gradients) ever comes from here.
    """

    MAX_PER_KEY = 4
    MAX_BYTES = 512 * 2 ** 20  # never hold on to more than this between calls

    def __init__(self):
        self.free = {}
        self.held = 0
        self.lock = threading.Lock()

    def take(self, shape, dtype):
        key = (tuple(shape), np.dtype(dtype).str)
        with self.lock:
            stack = self.free.get(key)
            if stack:
                a = stack.pop()
                self.held -= a.nbytes
                return a
        return np.empty(shape, dtype)

    def give(self, arrays):
        with self.lock:
            for a in arrays:
                stack = self.free.setdefault((a.shape, a.dtype.str), [])
                if len(stack) < self.MAX_PER_KEY and self.held + a.nbytes <= self.MAX_BYTES:
                    stack.append(a)
                    self.held += a.nbytes

    def clear(self):
        """Drop every pooled buffer (their memory goes back to the allocator)."""
        with self.lock:
            self.free.clear()
            self.held = 0


_POOL = _Pool()


class _Scratch:
    """The pooled arrays one kernel call owns."""

    def __init__(self):
        self.owned = []

    def take(self, shape, dtype):
        a = _POOL.take(shape, dtype)
        self.owned.append(a)
        return a

    def release(self):
        owned, self.owned = self.owned, []
        _POOL.give(owned)


def _release_with(vjp, scratch):
    """Give the forward buffers back when the tape node holding `vjp` is gone."""
    weakref.finalize(vjp, scratch.release)


# ----------------------------------------------------------------------------- validation / setup
class _Setup:
    """Validated arrays of one kernel call, in time-major processing order."""


def _as_array(value, dtype):
    t, a = tensor_and_array(value)
    if a.dtype != dtype:
        a = a.astype(dtype)
    return t, a


def _setup(name, gates, inputs, states, kernel, recurrent_kernel, bias, bias_shapes, mask, time_major,
           go_backwards, dropout_mask, recurrent_dropout_mask, scratch):
    s = _Setup()
    s.kt, s.ka = tensor_and_array(kernel)
    dtype = s.ka.dtype
    s.dtype = dtype
    s.go_backwards = go_backwards
    s.rt, s.ra = _as_array(recurrent_kernel, dtype)
    xt, xa = tensor_and_array(inputs)
    if xa.ndim != 3:
        raise ValueError(f'Input 0 of layer "{name}" is incompatible with the layer: expected ndim=3, found '
                         f"ndim={xa.ndim}. Full shape received: {tuple(xa.shape)}")
    if xa.dtype != dtype:
        xa = xa.astype(dtype)
    s.xt, s.xa = xt, xa
    if s.ka.ndim != 2 or s.ra.ndim != 2 or s.ka.shape[1] % gates or s.ra.shape[1] != s.ka.shape[1] \
            or s.ra.shape[0] * gates != s.ra.shape[1]:
        raise ValueError(f"{name}: kernel {s.ka.shape} and recurrent_kernel {s.ra.shape} are not a valid pair "
                         f"for {gates} gate(s): expected (input_dim, {gates}*units) and (units, {gates}*units)")
    units = s.ra.shape[0]
    s.units = units
    in_dim = s.ka.shape[0]
    if xa.shape[2] != in_dim:
        raise ValueError(f'Input 0 of layer "{name}" is incompatible with the layer: expected axis -1 of input '
                         f"shape to have value {in_dim}, but received input with shape {tuple(xa.shape)}")
    batch, steps = (xa.shape[1], xa.shape[0]) if time_major else (xa.shape[0], xa.shape[1])
    if steps == 0:
        raise ValueError(f'Layer "{name}" received an input with no time steps: shape {tuple(xa.shape)}')
    s.B, s.T = batch, steps
    s.bt, s.ba = (None, None)
    if bias is not None:
        s.bt, s.ba = _as_array(bias, dtype)
        if s.ba.shape not in bias_shapes(units):
            raise ValueError(f"{name}: bias has shape {s.ba.shape}; expected one of {bias_shapes(units)}")
    s.state_t, s.state_a = [], []
    for k, st in enumerate(states):
        if st is None:
            s.state_t.append(None)
            s.state_a.append(np.zeros((batch, units), dtype))
            continue
        t, a = _as_array(st, dtype)
        if a.shape != (batch, units):
            raise ValueError(f'Layer "{name}": initial state {k} should have shape {(batch, units)} '
                             f"(batch, units); received {tuple(a.shape)}")
        s.state_t.append(t)
        s.state_a.append(a)
    xtm = xa if time_major else xa.transpose(1, 0, 2)
    if go_backwards:
        xtm = xtm[::-1]
    s.X = xtm  # (T, B, in) in processing order, a view (the projection makes the one copy it needs)
    s.mask = None
    if mask is not None:
        ma = np.asarray(mask.array if isinstance(mask, Tensor) else mask).astype(bool)
        if ma.ndim == 3 and ma.shape[-1] == 1:
            ma = ma[..., 0]
        want = (steps, batch) if time_major else (batch, steps)
        if ma.shape != want:
            raise ValueError(f'Layer "{name}": the mask should have shape {want}; received {tuple(ma.shape)}')
        mtm = ma if time_major else ma.T
        if go_backwards:
            mtm = mtm[::-1]
        if not mtm.all():
            s.mask = np.ascontiguousarray(mtm)[:, :, None]  # (T, B, 1) bool
    s.dmask = _dropout_mask(name, "dropout_mask", dropout_mask, gates, batch, in_dim, dtype)
    s.rmask = _dropout_mask(name, "recurrent_dropout_mask", recurrent_dropout_mask, gates, batch, units, dtype)
    return s


def _dropout_mask(name, what, value, gates, batch, dim, dtype):
    if value is None:
        return None
    a = np.asarray(value.array if isinstance(value, Tensor) else value, dtype=dtype)
    if a.shape == (batch, dim):
        return a
    if a.shape == (gates, batch, dim):
        return a if gates > 1 else a[0]
    raise ValueError(f"{name}: {what} should have shape {(batch, dim)} or {(gates, batch, dim)}; "
                     f"received {a.shape}")


def _gate_major(w, gates, order=None):
    """(d, G*u) weights as (G, d, u): one contiguous block per gate, optionally reordered (slot k = gate order[k])."""
    d = w.shape[0]
    g4 = w.reshape(d, gates, w.shape[1] // gates).transpose(1, 0, 2)
    if order is not None:
        g4 = g4[list(order)]
    return np.ascontiguousarray(g4)


def _unpermute_cols(w, order):
    """Columns of `w` (d, G*u) given in slot order (slot k = gate order[k]) back in gate order."""
    if order is None:
        return w
    G = len(order)
    u = w.shape[1] // G
    out = np.empty_like(w)
    for k, g in enumerate(order):
        out[:, g * u:(g + 1) * u] = w[:, k * u:(k + 1) * u]
    return out


def _permute_cols(w, order):
    """Columns of `w` (d, G*u) rearranged into slot order (slot k = gate order[k])."""
    if order is None:
        return w
    u = w.shape[1] // len(order)
    return np.ascontiguousarray(np.concatenate([w[:, g * u:(g + 1) * u] for g in order], axis=1))


def _gate_view(row, gates):
    """(T, G, B, u) view of row-layout (T, B, G*u) gradients: one strided (G, B, u) block per step."""
    T, B, C = row.shape
    return row.reshape(T, B, gates, C // gates).transpose(0, 2, 1, 3)


class _Projection:
    """The input projection of the whole sequence, gate-major: out[k, t] = X[t] @ W_g + b_g for the gate
    g = order[k] of slot k, written into `out` (G, T, B, u) (a view whose (T, B, u) blocks are contiguous).

    One matmul for the whole sequence (T*B rows per gate, so BLAS can use every core). `W_fwd`/`b_fwd`
    may be column-scaled copies used by the forward pass only; gradients use `W`.
    Dropout masks: None, one (B, in) mask, or one per gate (G, B, in) (in Keras gate order).
    """

    def __init__(self, X, W, W_fwd, b_fwd, dmask, gates, out, scratch, order=None):
        self.X, self.W, self.dmask, self.gates = X, W, dmask, gates
        T, B, n_in = X.shape
        u = W.shape[1] // gates
        self.u = u
        order = list(range(gates)) if order is None else list(order)
        W4 = _gate_major(W_fwd, gates, order)
        out3 = out.reshape(gates, T * B, u)
        if dmask is None or dmask.ndim == 2:
            if dmask is None and X.flags.c_contiguous:
                self.Xm = X
            else:
                self.Xm = scratch.take((T, B, n_in), X.dtype)  # time-major (masked) copy
                if dmask is None:
                    np.copyto(self.Xm, X)
                else:
                    np.multiply(X, dmask, out=self.Xm)
            np.matmul(self.Xm.reshape(T * B, n_in), W4, out=out3)
        else:
            xg = scratch.take((T, B, n_in), X.dtype)
            for k, g in enumerate(order):
                np.multiply(X, dmask[g], out=xg)
                np.matmul(xg.reshape(T * B, n_in), W4[k], out=out3[k])
        if b_fwd is not None:
            out += b_fwd.reshape(gates, u)[order].reshape(gates, 1, 1, u)

    def backward(self, dZ, s, time_major, need_x, need_w, need_b=False, order=None):
        """(dX in the input's own layout, dW, column sums of dZ or None) from dZ: row-layout gradients
        (T, B, G*u) in processing order (possibly a column range of a wider buffer), column block
        k = gate order[k]. The column sums (the bias gradient, in dZ's column order) come when need_b."""
        T, B, C = dZ.shape
        G, u = self.gates, self.u
        n_in = self.X.shape[2]
        d2 = dZ.reshape(T * B, C)
        dX = dW = None
        if self.dmask is None or self.dmask.ndim == 2:
            if need_w:
                dW = _unpermute_cols(self.Xm.reshape(T * B, n_in).T @ d2, order)
            if need_x:
                dX = _work_array((T, B, n_in), self.X.dtype)
                np.matmul(d2, _permute_cols(self.W, order).T, out=dX.reshape(T * B, n_in))
                if self.dmask is not None:
                    dX *= self.dmask
                dX = _to_input_layout(dX, s, time_major)
        else:
            order_ = list(range(G)) if order is None else list(order)
            if need_w:
                dW = np.empty_like(self.W)
                xg = np.empty(self.X.shape, self.X.dtype)
                for k, g in enumerate(order_):
                    np.multiply(self.X, self.dmask[g], out=xg)
                    dW[:, g * u:(g + 1) * u] = xg.reshape(T * B, n_in).T @ d2[:, k * u:(k + 1) * u]
            if need_x:
                dX = np.zeros((T, B, n_in), self.X.dtype)
                for k, g in enumerate(order_):
                    part = (d2[:, k * u:(k + 1) * u] @ self.W[:, g * u:(g + 1) * u].T).reshape(T, B, n_in)
                    part *= self.dmask[g]
                    dX += part
                dX = _to_input_layout(dX, s, time_major)
        return dX, dW, (np.add.reduce(d2, axis=0) if need_b else None)


def _work_array(shape, dtype):
    return reusable("rnn_work", shape, dtype)


def _to_input_layout(dX, s, time_major):
    """The input gradient in the caller's layout and time order from (T, B, in) in processing order:
    a fresh (recycled) array, one transposing copy."""
    T, B, n_in = dX.shape
    src = dX[::-1] if s.go_backwards else dX
    if time_major:
        out = reusable("rnn_input_grad", (T, B, n_in), dX.dtype)
        np.copyto(out, src)
    else:
        out = reusable("rnn_input_grad", (B, T, n_in), dX.dtype)
        np.copyto(out, src.transpose(1, 0, 2))
    return out


class _Recurrent:
    """The recurrent projection h @ U of one step, with optional recurrent dropout masks (one (B, u) mask
    or one per gate (G, B, u), in Keras gate order).

    The forward pass may use reordered gates (slot k = gate order[k]) and scaled weights `U_fwd`; the
    backward pass takes gradients with column blocks in `bwd_order`.
    Two ways to run a step: `fused` (one (B, u) @ (u, G*u) matmul; OpenBLAS splits it over two threads,
    fastest on an idle machine) or per gate ((B, u) @ (u, u) each, one batched call: small enough that
    OpenBLAS keeps each on one thread). Both give the same numbers up to float rounding; the choice is
    fixed per process (`_FUSED_STEPS`), so runs repeat bit for bit.
    """

    def __init__(self, U_fwd, U, rmask, gates, order=None, bwd_order=None):
        self.U, self.rmask, self.gates = U, rmask, gates
        self.u = U.shape[1] // gates
        self.bwd_order = bwd_order
        self.per_gate = rmask is not None and rmask.ndim == 3
        self.fused = _FUSED_STEPS and not self.per_gate and gates > 1
        self.rmask_fwd = self.rmask_bwd = rmask
        if self.fused:
            self.Uf = _permute_cols(U_fwd, order)                       # (u_in, G*u), slot order
            self.UTf = np.ascontiguousarray(_permute_cols(U, bwd_order).T)  # (G*u, u_in)
        else:
            self.U4 = _gate_major(U_fwd, gates, order)                                     # (G, u_in, u)
            self.UT4 = np.ascontiguousarray(_gate_major(U, gates, bwd_order).transpose(0, 2, 1))  # (G, u, u_in)
            if self.per_gate:
                self.rmask_fwd = rmask if order is None else np.ascontiguousarray(rmask[list(order)])
                self.rmask_bwd = rmask if bwd_order is None else np.ascontiguousarray(rmask[list(bwd_order)])
        self.parts = None

    def forward(self, h, row, gates_view):
        """h @ U written into `row` (B, G*u) (slot order), whose (G, B, u) gate view is `gates_view`."""
        hm = h if self.rmask is None else h * self.rmask_fwd  # per gate: (G, B, u) masked copies
        if self.fused:
            np.matmul(hm, self.Uf, out=row)
        else:
            np.matmul(hm, self.U4, out=gates_view)
        return gates_view

    def backward(self, dz, dz_row, dh):
        """dh = gradient of sum(dz * (h @ U)) with respect to h, written into `dh`; dz gate-major (G, B, u),
        `dz_row` the same as a (B, G*u) row-layout view."""
        if self.fused:
            np.matmul(dz_row, self.UTf, out=dh)
        else:
            parts = self.parts
            if parts is None or parts.shape != dz.shape:
                parts = self.parts = np.empty(dz.shape, dz.dtype)
            np.matmul(dz, self.UT4, out=parts)  # (G, B, u_in)
            if self.per_gate:
                parts *= self.rmask_bwd
            if self.gates == 1:
                np.copyto(dh, parts[0])
            else:
                np.add.reduce(parts, axis=0, out=dh)
        if self.rmask is not None and not self.per_gate:
            dh *= self.rmask
        return dh

    def weight_grad(self, Hprev, dZ):
        """dU = sum over steps of (masked h_prev).T @ dz; Hprev (T, B, u), dZ row-layout (T, B, G*u)
        (possibly a column range of a wider buffer) with column blocks in `bwd_order`."""
        T, B, u_in = Hprev.shape
        d2 = dZ.reshape(T * B, dZ.shape[-1])
        if not self.per_gate:
            Hm = Hprev if self.rmask is None else Hprev * self.rmask
            return _unpermute_cols(Hm.reshape(T * B, u_in).T @ d2, self.bwd_order)
        u = self.u
        dU = np.empty((u_in, d2.shape[1]), d2.dtype)
        for k in range(self.gates):
            dU[:, k * u:(k + 1) * u] = (Hprev * self.rmask_bwd[k]).reshape(T * B, u_in).T @ d2[:, k * u:(k + 1) * u]
        return _unpermute_cols(dU, self.bwd_order)


def _output_grads(g, s, n_states, return_sequences, return_state, time_major):
    """Split the node's output gradient into (per-step output grads (T, B, u) view or None,
    last-output grad or None, [state grads or None])."""
    ga = g.array if isinstance(g, Tensor) else np.asarray(g)
    if ga.dtype != s.dtype:
        ga = ga.astype(s.dtype)
    state_grads = [None] * n_states
    if return_state:
        n_out = s.T if return_sequences else 1
        state_grads = [ga[:, n_out + k] for k in range(n_states)]
        gout = ga[:, :n_out]
        if return_sequences:
            return gout.transpose(1, 0, 2), None, state_grads
        return None, gout[:, 0], state_grads
    if return_sequences:
        return (ga if time_major else ga.transpose(1, 0, 2)), None, state_grads
    return None, ga, state_grads


def _pack_outputs(Y_tm, last, states, return_sequences, return_state, time_major):
    """The node's single output array (always a fresh array): the output alone, or
    (B, n_out + n_states, u) when the final states are differentiable outputs too."""
    if not return_state:
        if return_sequences:
            T, B, u = Y_tm.shape
            out = reusable("rnn_sequence", (T, B, u) if time_major else (B, T, u), Y_tm.dtype)
            np.copyto(out, Y_tm if time_major else Y_tm.transpose(1, 0, 2))
            return out
        return np.array(last)
    T = Y_tm.shape[0] if return_sequences else 1
    B, u = last.shape
    packed = np.empty((B, T + len(states), u), last.dtype)
    if return_sequences:
        packed[:, :T] = Y_tm.transpose(1, 0, 2)
    else:
        packed[:, 0] = last
    for k, st in enumerate(states):
        packed[:, T + k] = st
    return packed


def _unpack(out_t, n_states, T, return_sequences, return_state, time_major, final_states):
    """(output tensor, [state tensors]) from the node output."""
    if not return_state:
        return out_t, [Tensor(st) for st in final_states]
    n_out = T if return_sequences else 1
    if return_sequences:
        output = m.getitem(out_t, (slice(None), slice(0, n_out)))
        if time_major:
            output = shp.swapaxes(output, 0, 1)
    else:
        output = m.getitem(out_t, (slice(None), 0))
    states = [m.getitem(out_t, (slice(None), n_out + k)) for k in range(n_states)]
    return output, states


def replay_vjp(primitive_forward, inputs, g):
    """Second-order path: gradients of sum(primitive_forward(*inputs) * g) built from primitive ops.

    Differentiating the scalar <out, g> (rather than seeding the backward pass with g) keeps the
    dependence of the result on g itself visible to the recording outer tape.
    """
    live = [x for x in inputs if x is not None]
    with GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(live)
        out = primitive_forward(*inputs)
        target = m.sum(m.multiply(out, g))
    grads = iter(tape.gradient(target, live))
    return tuple(next(grads) if x is not None else None for x in inputs)


def _masked_merge(dst, new, prev, mt):
    """dst = where(mt, new, prev) with mt (B, 1) bool."""
    np.copyto(dst, prev)
    np.copyto(dst, new, where=mt)


class _MaskedOutputs:
    """Keras's masked output rule: a masked step repeats the previous output (zeros before the first
    unmasked step), or outputs zeros with `zero_output_for_mask`."""

    def __init__(self, T, B, u, dtype, return_sequences, zero_output):
        self.Y = np.zeros((T, B, u), dtype) if return_sequences else None
        self.last = np.zeros((B, u), dtype)
        self.zero_output = zero_output

    def step(self, t, hn, mt):
        if self.zero_output:
            self.last = np.where(mt, hn, 0.0)
        else:
            y = np.empty_like(self.last)
            _masked_merge(y, hn, self.last, mt)
            self.last = y
        if self.Y is not None:
            self.Y[t] = self.last


class _MaskedGrads:
    """Backward of the masked state/output rules: splits the incoming gradients of step t between the
    new values (where the mask is on) and the carried-over previous ones."""

    def __init__(self, mask, dtype, B, u, zero_output):
        self.mf = mask.astype(dtype)
        self.inv = 1.0 - self.mf
        self.gy = np.zeros((B, u), dtype)
        self.zero_output = zero_output

    def step(self, t, dstates, gseq, glast, last_step):
        """Turn the gradients of step t's (masked) states into gradients of its new values, in place;
        returns the parts that flow straight to the previous states."""
        if gseq is not None:
            self.gy += gseq[t]
        elif last_step and glast is not None:
            self.gy += glast
        keep = [d * self.inv[t] for d in dstates]
        dstates[0] += self.gy
        for d in dstates:
            d *= self.mf[t]
        if self.zero_output:
            self.gy[...] = 0.0
        else:
            self.gy *= self.inv[t]
        return keep


def _add_output_grad(dh, t, gseq, glast, last_step):
    if gseq is not None:
        dh += gseq[t]
    elif last_step and glast is not None:
        dh += glast


# ----------------------------------------------------------------------------- engine-op cell steps
def _split_cols(w, gates, g):
    u = w.shape[-1] // gates
    return m.getitem(w, (Ellipsis, slice(g * u, (g + 1) * u)))


def _gated_matmul(x, w, mask, gates):
    """x @ w with x masked by `mask`: None, one (B, d) mask, or (gates, B, d) per gate."""
    if mask is None:
        return m.matmul(x, w)
    _, ma = tensor_and_array(mask)
    if ma.ndim == 2:
        return m.matmul(m.multiply(x, ma), w)
    parts = [m.matmul(m.multiply(x, ma[g]), _split_cols(w, gates, g)) for g in range(gates)]
    return shp.concatenate(parts, axis=-1)


def lstm_cell_step(x, h, c, kernel, recurrent_kernel, bias=None, activation="tanh",
                   recurrent_activation="sigmoid", dropout_mask=None, recurrent_dropout_mask=None):
    """One LSTM step with primitive engine ops (differentiable to any order).

    Returns (h_new, c_new). Gate order i, f, c, o as in Keras.

    Example:
        >>> import numpy as np
        >>> h, c = lstm_cell_step(np.ones((1, 2), "float32"), np.zeros((1, 1), "float32"),
        ...                       np.zeros((1, 1), "float32"), np.zeros((2, 4), "float32"),
        ...                       np.zeros((1, 4), "float32"))
        >>> h.numpy().tolist()
        [[0.0]]
    """
    act, rec = _engine_activation(activation), _engine_activation(recurrent_activation)
    z = m.add(_gated_matmul(x, kernel, dropout_mask, 4), _gated_matmul(h, recurrent_kernel,
                                                                        recurrent_dropout_mask, 4))
    if bias is not None:
        z = m.add(z, bias)
    i = rec(_split_cols(z, 4, 0))
    f = rec(_split_cols(z, 4, 1))
    g = act(_split_cols(z, 4, 2))
    o = rec(_split_cols(z, 4, 3))
    c_new = m.add(m.multiply(f, c), m.multiply(i, g))
    h_new = m.multiply(o, act(c_new))
    return h_new, c_new


def gru_cell_step(x, h, kernel, recurrent_kernel, bias=None, reset_after=True, activation="tanh",
                  recurrent_activation="sigmoid", dropout_mask=None, recurrent_dropout_mask=None):
    """One GRU step with primitive engine ops; gate order z, r, h as in Keras.

    `reset_after=True`: bias (2, 3u) (input row, recurrent row), r applied after the recurrent matmul;
    `reset_after=False`: bias (3u,), r applied to h before the candidate's matmul.

    Example:
        >>> import numpy as np
        >>> gru_cell_step(np.ones((1, 2), "float32"), np.ones((1, 1), "float32"), np.zeros((2, 3), "float32"),
        ...               np.zeros((1, 3), "float32")).numpy().tolist()
        [[0.5]]
    """
    act, rec = _engine_activation(activation), _engine_activation(recurrent_activation)
    _, ba = tensor_and_array(bias) if bias is not None else (None, None)
    in_bias = rec_bias = None
    if bias is not None:
        if ba.ndim == 2:
            in_bias, rec_bias = m.getitem(bias, 0), m.getitem(bias, 1)
        else:
            in_bias = bias
    xz = _gated_matmul(x, kernel, dropout_mask, 3)
    if in_bias is not None:
        xz = m.add(xz, in_bias)
    rmask = recurrent_dropout_mask
    rma = None if rmask is None else tensor_and_array(rmask)[1]
    if reset_after:
        inner = _gated_matmul(h, recurrent_kernel, rmask, 3)
        if rec_bias is not None:
            inner = m.add(inner, rec_bias)
        z = rec(m.add(_split_cols(xz, 3, 0), _split_cols(inner, 3, 0)))
        r = rec(m.add(_split_cols(xz, 3, 1), _split_cols(inner, 3, 1)))
        hh = act(m.add(_split_cols(xz, 3, 2), m.multiply(r, _split_cols(inner, 3, 2))))
    else:
        u_zr = m.getitem(recurrent_kernel, (Ellipsis, slice(0, 2 * recurrent_kernel.shape[0])))
        u_h = m.getitem(recurrent_kernel, (Ellipsis, slice(2 * recurrent_kernel.shape[0], None)))
        if rma is not None and rma.ndim == 3:
            inner = _gated_matmul(h, u_zr, rma[:2], 2)
            h_for_h = m.multiply(h, rma[2])
        else:
            inner = _gated_matmul(h, u_zr, rma, 2)
            h_for_h = h if rma is None else m.multiply(h, rma)
        z = rec(m.add(_split_cols(xz, 3, 0), _split_cols(inner, 2, 0)))
        r = rec(m.add(_split_cols(xz, 3, 1), _split_cols(inner, 2, 1)))
        hh = act(m.add(_split_cols(xz, 3, 2), m.matmul(m.multiply(r, h_for_h), u_h)))
    # h = z * h_prev + (1 - z) * hh
    return m.add(hh, m.multiply(z, m.subtract(h, hh)))


def simple_rnn_cell_step(x, h, kernel, recurrent_kernel, bias=None, activation="tanh", dropout_mask=None,
                         recurrent_dropout_mask=None):
    """One SimpleRNN step with primitive engine ops: act(x @ W + b + h @ U).

    Example:
        >>> import numpy as np
        >>> simple_rnn_cell_step(np.ones((1, 2), "float32"), np.zeros((1, 1), "float32"),
        ...                      np.ones((2, 1), "float32"), np.ones((1, 1), "float32"), activation="relu").numpy()
        array([[2.]], dtype=float32)
    """
    act = _engine_activation(activation)
    z = _gated_matmul(x, kernel, dropout_mask, 1)
    if bias is not None:
        z = m.add(z, bias)
    return act(m.add(z, _gated_matmul(h, recurrent_kernel, recurrent_dropout_mask, 1)))


def _engine_sequence(step, x, init_states, mask, go_backwards, return_sequences, return_state,
                     zero_output_for_mask, time_major):
    """Run `step(x_t, states) -> (output, states)` with `control.rnn` and build the same output
    structure as the fused kernels."""
    last, outputs, states = control.rnn(step, x, list(init_states), go_backwards=go_backwards, mask=mask,
                                        time_major=time_major, zero_output_for_mask=zero_output_for_mask,
                                        return_all_outputs=True)
    if not return_state:
        return outputs if return_sequences else last
    if return_sequences:
        out3 = shp.swapaxes(outputs, 0, 1) if time_major else outputs
    else:
        out3 = shp.expand_dims(last, 1)
    return shp.concatenate([out3] + [shp.expand_dims(st, 1) for st in states], axis=1)


# ----------------------------------------------------------------------------- LSTM
def _lstm_bias_shapes(u):
    return [(4 * u,)]


@register()
def lstm_sequence(inputs, h0=None, c0=None, kernel=None, recurrent_kernel=None, bias=None, mask=None,
                  go_backwards=False, return_sequences=False, return_state=False, zero_output_for_mask=False,
                  time_major=False, activation="tanh", recurrent_activation="sigmoid", dropout_mask=None,
                  recurrent_dropout_mask=None, name="lstm"):
    """A whole LSTM sequence (Keras gate order i, f, c, o) as one tape node.

    Args:
        inputs: (batch, time, input_dim) (or (time, batch, input_dim) with `time_major`).
        h0, c0: initial states (batch, units), or None for zeros.
        kernel (input_dim, 4u), recurrent_kernel (u, 4u), bias (4u,) or None.
        mask: (batch, time) booleans; False steps carry the state over.
        go_backwards: process the sequence from its end (outputs stay in processing order).
        return_sequences: output every step (batch, time, u) instead of the last output (batch, u).
        return_state: make the final states differentiable outputs as well.
        zero_output_for_mask: masked steps output zeros instead of the previous output.
        activation, recurrent_activation: a name in FAST_ACTIVATIONS or any engine-op callable.
        dropout_mask, recurrent_dropout_mask: see the module docstring.
        name: the layer name used in error messages.

    Returns:
        (output, [h_T, c_T]).
    """
    scratch = _Scratch()
    s = _setup(name, 4, inputs, [h0, c0], kernel, recurrent_kernel, bias, _lstm_bias_shapes, mask, time_major,
               go_backwards, dropout_mask, recurrent_dropout_mask, scratch)
    act, rec = activation_name(activation), activation_name(recurrent_activation)
    engine_inputs = (s.xt if s.xt is not None else Tensor(s.xa), s.state_t[0], s.state_t[1], s.kt, s.rt, s.bt)

    def make_step(k_, r_, b_):
        def step(x_t, states):
            h_new, c_new = lstm_cell_step(x_t, states[0], states[1], k_, r_, b_, activation, recurrent_activation,
                                          dropout_mask, recurrent_dropout_mask)
            return h_new, [h_new, c_new]

        return step

    def engine_forward(x_, h_, c_, k_, r_, b_):
        h_ = h_ if h_ is not None else Tensor(s.state_a[0])
        c_ = c_ if c_ is not None else Tensor(s.state_a[1])
        k_, r_, b_ = _or_const(k_, s.ka), _or_const(r_, s.ra), _or_const(b_, s.ba)
        return _engine_sequence(make_step(k_, r_, b_), x_, [h_, c_], mask, go_backwards, return_sequences,
                                return_state, zero_output_for_mask, time_major)

    if act is None or rec is None:  # a user activation: primitive ops all the way
        scratch.release()
        return _engine_direct(make_step(kernel, recurrent_kernel, bias), inputs, [_state(h0, s, 0), _state(c0, s, 1)],
                              mask, go_backwards, return_sequences, zero_output_for_mask, time_major)

    T, B, u, dt = s.T, s.B, s.units, s.dtype
    fast = act == "tanh" and rec == "sigmoid"
    W, U, b = s.ka, s.ra, s.ba
    if fast:
        # sigmoid(x) = 0.5 tanh(x/2) + 0.5: pre-scale the sigmoid columns so one tanh activates all gates
        col_scale = np.full(4 * u, 0.5, dt)
        col_scale[2 * u:3 * u] = 1.0
        W_fwd, U_fwd = W * col_scale, U * col_scale
        b_fwd = b * col_scale if b is not None else None
    else:
        W_fwd, U_fwd, b_fwd = W, U, b
    # Forward buffer, gate-major: slots i, f, o, g (the three sigmoid gates adjacent, so one call
    # finishes them) for steps 0..T-1, and slot 4 = c_{t-1} at step t (c_T at T). Keeping c next to g
    # makes (i, f) * (g, c_prev) one multiply.
    A = scratch.take((5, T + 1, B, u), dt)
    proj = _Projection(s.X, W, W_fwd, b_fwd, s.dmask, 4, A[:4, :T], scratch, order=_LSTM_FWD)
    recur = _Recurrent(U_fwd, U, s.rmask, 4, order=_LSTM_FWD)
    H = scratch.take((T + 1, B, u), dt)
    TC = scratch.take((T, B, u), dt)  # act(c_t) (of the new cell value, before any mask)
    H[0] = s.state_a[0]
    A[4, 0] = s.state_a[1]
    zrow = np.empty((B, 4 * u), dt)  # the recurrent projection of one step
    zgates = zrow.reshape(B, 4, u).transpose(1, 0, 2)
    prod = np.empty((2, B, u), dt)
    masked = s.mask is not None
    if masked:
        cn = np.empty((B, u), dt)
        hn = np.empty((B, u), dt)
        outs = _MaskedOutputs(T, B, u, dt, return_sequences, zero_output_for_mask)
    add, mul, tanh = np.add, np.multiply, np.tanh
    for t in range(T):
        z = A[:4, t]
        add(z, recur.forward(H[t], zrow, zgates), out=z)
        if fast:
            tanh(z, out=z)
            sg = z[:3]
            mul(sg, 0.5, out=sg)
            add(sg, 0.5, out=sg)
        else:
            _activate(z[:3], rec)
            _activate(z[3], act)
        mul(A[:2, t], A[3:, t], out=prod)  # i * g, f * c_prev
        c_dst = cn if masked else A[4, t + 1]
        add(prod[0], prod[1], out=c_dst)
        tc = TC[t]
        if act == "tanh":
            tanh(c_dst, out=tc)
        else:
            np.copyto(tc, c_dst)
            _activate(tc, act)
        if not masked:
            mul(z[2], tc, out=H[t + 1])
            continue
        mul(z[2], tc, out=hn)
        mt = s.mask[t]
        _masked_merge(A[4, t + 1], cn, A[4, t], mt)
        _masked_merge(H[t + 1], hn, H[t], mt)
        outs.step(t, hn, mt)
    Y_tm, last = (outs.Y, outs.last) if masked else (H[1:], H[T])
    final = [H[T].copy(), A[4, T].copy()]
    out_t = Tensor(_pack_outputs(Y_tm, last, final, return_sequences, return_state, time_major))
    if not RECORDING:
        scratch.release()
        return _unpack(out_t, 2, T, return_sequences, return_state, time_major, final)

    def vjp(gr):
        if RECORDING:  # second order: replay with primitive ops
            return replay_vjp(engine_forward, engine_inputs, gr)
        need_x, need_h, need_c, need_k, need_r, need_b = (NEEDS + [False] * 6)[:6]
        gseq, glast, gstates = _output_grads(gr, s, 2, return_sequences, return_state, time_major)
        work = _Scratch()
        gi, gf, go, gg, cprev = A[0, :T], A[1, :T], A[2, :T], A[3, :T], A[4, :T]
        # K, in Keras gate order (i, f, c, o): per-step factors so that dz_i,f,c = dc * K and dz_o = dh * K
        K = work.take((4, T, B, u), dt)
        if fast:
            np.subtract(1.0, A[:2, :T], out=K[:2])
            K[:2] *= A[:2, :T]                       # sigmoid' = a (1 - a) for i, f ...
            np.subtract(1.0, go, out=K[3])
            K[3] *= go                               # ... and o
            np.multiply(gg, gg, out=K[2])
            np.subtract(1.0, K[2], out=K[2])         # tanh' = 1 - g^2 for the candidate
        else:
            _derivative_into(K[:2], A[:2, :T], rec)
            _derivative_into(K[3], go, rec)
            _derivative_into(K[2], gg, act)
        K[0] *= gg      # di = dc * g * i'
        K[1] *= cprev   # df = dc * c_prev * f'
        K[2] *= gi      # dg = dc * i * g'
        K[3] *= TC      # do = dh * act(c) * o'
        OD = work.take((T, B, u), dt)
        _derivative_into(OD, TC, act)
        OD *= go        # dc += dh * o * act'(c)
        dZ = work.take((T, B, 4 * u), dt)  # row layout (weights' column order), written gate by gate
        dZg = _gate_view(dZ, 4)
        dh = np.zeros((B, u), dt) if gstates[0] is None else np.array(gstates[0], dt)
        dc = np.zeros((B, u), dt) if gstates[1] is None else np.array(gstates[1], dt)
        e = np.empty((B, u), dt)
        mg = _MaskedGrads(s.mask, dt, B, u, zero_output_for_mask) if masked else None
        seq_grads = gseq is not None
        for t in range(T - 1, -1, -1):
            if masked:
                keep_h, keep_c = mg.step(t, [dh, dc], gseq, glast, t == T - 1)
            elif seq_grads:
                dh += gseq[t]
            elif t == T - 1 and glast is not None:
                dh += glast
            mul(dh, OD[t], out=e)
            dc += e
            dz = dZg[t]
            mul(K[:3, t], dc, out=dz[:3])
            mul(K[3, t], dh, out=dz[3])
            dc *= gf[t]
            recur.backward(dz, dZ[t], dh)
            if masked:
                dh += keep_h
                dc += keep_c
        gx, dW, db = proj.backward(dZ, s, time_major, need_x, need_k, need_b and s.bt is not None)
        dU = recur.weight_grad(H[:-1], dZ) if need_r else None
        work.release()
        return gx, dh if need_h else None, dc if need_c else None, dW, dU, db

    record(engine_inputs, out_t, vjp)
    _release_with(vjp, scratch)
    return _unpack(out_t, 2, T, return_sequences, return_state, time_major, final)


def _or_const(tensor, array):
    """In a replay, an input that was a plain array (no Tensor) is a constant."""
    return tensor if tensor is not None else array


def _state(given, s, k):
    return given if given is not None else Tensor(s.state_a[k])


def _engine_direct(step, x, init_states, mask, go_backwards, return_sequences, zero_output_for_mask,
                   time_major):
    """(output, final states) of a sequence run step by step with primitive ops (user activations)."""
    last, outputs, states = control.rnn(step, x, list(init_states), go_backwards=go_backwards, mask=mask,
                                        time_major=time_major, zero_output_for_mask=zero_output_for_mask,
                                        return_all_outputs=return_sequences)
    return (outputs if return_sequences else last), list(states)


# ----------------------------------------------------------------------------- GRU
def _gru_bias_shapes(u):
    return [(3 * u,), (2, 3 * u)]


@register()
def gru_sequence(inputs, h0=None, kernel=None, recurrent_kernel=None, bias=None, mask=None, reset_after=True,
                 go_backwards=False, return_sequences=False, return_state=False, zero_output_for_mask=False,
                 time_major=False, activation="tanh", recurrent_activation="sigmoid", dropout_mask=None,
                 recurrent_dropout_mask=None, name="gru"):
    """A whole GRU sequence (Keras gate order z, r, h) as one tape node.

    `reset_after=True` (Keras default): bias (2, 3u) = (input bias, recurrent bias), the reset gate
    multiplies the recurrent projection. `reset_after=False`: bias (3u,), the reset gate multiplies
    h before the candidate's matmul. Other arguments as in `lstm_sequence`.

    Returns:
        (output, [h_T]).
    """
    scratch = _Scratch()
    s = _setup(name, 3, inputs, [h0], kernel, recurrent_kernel, bias, _gru_bias_shapes, mask, time_major,
               go_backwards, dropout_mask, recurrent_dropout_mask, scratch)
    T, B, u, dt = s.T, s.B, s.units, s.dtype
    if s.ba is not None:
        want = (2, 3 * u) if reset_after else (3 * u,)
        if s.ba.shape != want:
            scratch.release()
            raise ValueError(f"{name}: with reset_after={bool(reset_after)} the bias must have shape {want}; "
                             f"received {s.ba.shape}")
    act, rec = activation_name(activation), activation_name(recurrent_activation)
    engine_inputs = (s.xt if s.xt is not None else Tensor(s.xa), s.state_t[0], s.kt, s.rt, s.bt)

    def make_step(k_, r_, b_):
        def step(x_t, states):
            h_new = gru_cell_step(x_t, states[0], k_, r_, b_, reset_after, activation, recurrent_activation,
                                  dropout_mask, recurrent_dropout_mask)
            return h_new, [h_new]

        return step

    def engine_forward(x_, h_, k_, r_, b_):
        h_ = h_ if h_ is not None else Tensor(s.state_a[0])
        k_, r_, b_ = _or_const(k_, s.ka), _or_const(r_, s.ra), _or_const(b_, s.ba)
        return _engine_sequence(make_step(k_, r_, b_), x_, [h_], mask, go_backwards, return_sequences,
                                return_state, zero_output_for_mask, time_major)

    if act is None or rec is None:
        scratch.release()
        return _engine_direct(make_step(kernel, recurrent_kernel, bias), inputs, [_state(h0, s, 0)], mask,
                              go_backwards, return_sequences, zero_output_for_mask, time_major)

    W, U = s.ka, s.ra
    b_in = b_rec = None
    if s.ba is not None:
        b_in, b_rec = (s.ba[0], s.ba[1]) if reset_after else (s.ba, None)
    sig = rec == "sigmoid"
    if sig:  # z and r (the first 2u columns) activated by one tanh of half the pre-activation
        col_scale = np.ones(3 * u, dt)
        col_scale[:2 * u] = 0.5
        W_fwd, U_fwd = W * col_scale, U * col_scale
        b_in_fwd = b_in * col_scale if b_in is not None else None
        b_rec_fwd = b_rec * col_scale if b_rec is not None else None
    else:
        W_fwd, U_fwd, b_in_fwd, b_rec_fwd = W, U, b_in, b_rec
    b_h_rec = None
    if b_rec_fwd is not None:
        # the recurrent biases of z and r are summed with the input projection: fold them into its bias;
        # the candidate's recurrent bias stays inside r * (h @ U_h + b_h)
        b_proj = np.zeros(3 * u, dt) if b_in_fwd is None else b_in_fwd.copy()
        b_proj[:2 * u] += b_rec_fwd[:2 * u]
        b_h_rec = np.ascontiguousarray(b_rec_fwd[2 * u:])
    else:
        b_proj = b_in_fwd
    P = scratch.take((3, T, B, u), dt)  # projections; z, r and the candidate are activated in place
    proj = _Projection(s.X, W, W_fwd, b_proj, s.dmask, 3, P, scratch)
    rm = s.rmask
    rm_h = None
    if reset_after:
        recur = _Recurrent(U_fwd, U, rm, 3)
        R = scratch.take((T, B, 3 * u), dt)  # recurrent projections of every step (candidate's with its bias)
        Rgates = _gate_view(R, 3)
    else:
        rm_zr = None if rm is None else (rm[:2] if rm.ndim == 3 else rm)
        rm_h = None if rm is None else (rm[2] if rm.ndim == 3 else rm)
        recur = _Recurrent(U_fwd[:, :2 * u], U[:, :2 * u], rm_zr, 2)
        U_h = np.ascontiguousarray(U[:, 2 * u:])
        RHP = scratch.take((T, B, u), dt)  # r * h_prev (recurrent-dropped) of every step
        rrow = np.empty((B, 2 * u), dt)
        rgates = rrow.reshape(B, 2, u).transpose(1, 0, 2)
    H = scratch.take((T + 1, B, u), dt)
    H[0] = s.state_a[0]
    tmp = np.empty((B, u), dt)
    masked = s.mask is not None
    if masked:
        hn = np.empty((B, u), dt)
        outs = _MaskedOutputs(T, B, u, dt, return_sequences, zero_output_for_mask)
    add, mul, tanh = np.add, np.multiply, np.tanh
    for t in range(T):
        h_prev = H[t]
        zr = P[:2, t]
        if reset_after:
            Rt = recur.forward(h_prev, R[t], Rgates[t])
            add(zr, Rt[:2], out=zr)
        else:
            add(zr, recur.forward(h_prev, rrow, rgates), out=zr)
        if sig:
            tanh(zr, out=zr)
            mul(zr, 0.5, out=zr)
            add(zr, 0.5, out=zr)
        else:
            _activate(zr, rec)
        z, r = zr
        hh = P[2, t]
        if reset_after:
            rh = Rt[2]
            if b_h_rec is not None:
                add(rh, b_h_rec, out=rh)
            mul(r, rh, out=tmp)
        else:
            rh = RHP[t]
            mul(r, h_prev, out=rh)
            if rm_h is not None:
                rh *= rm_h
            np.matmul(rh, U_h, out=tmp)
        add(hh, tmp, out=hh)
        if act == "tanh":
            tanh(hh, out=hh)
        else:
            _activate(hh, act)
        np.subtract(h_prev, hh, out=tmp)  # h = hh + z * (h_prev - hh)
        mul(tmp, z, out=tmp)
        if not masked:
            add(hh, tmp, out=H[t + 1])
            continue
        add(hh, tmp, out=hn)
        mt = s.mask[t]
        _masked_merge(H[t + 1], hn, h_prev, mt)
        outs.step(t, hn, mt)
    Y_tm, last = (outs.Y, outs.last) if masked else (H[1:], H[T])
    final = [H[T].copy()]
    out_t = Tensor(_pack_outputs(Y_tm, last, final, return_sequences, return_state, time_major))
    if not RECORDING:
        scratch.release()
        return _unpack(out_t, 1, T, return_sequences, return_state, time_major, final)

    def vjp(gr):
        if RECORDING:
            return replay_vjp(engine_forward, engine_inputs, gr)
        need_x, need_h, need_k, need_r, need_b = (NEEDS + [False] * 5)[:5]
        gseq, glast, gstates = _output_grads(gr, s, 1, return_sequences, return_state, time_major)
        work = _Scratch()
        Z, Rg, HH = P[0], P[1], P[2]
        Hp = H[:-1]
        # KH = (Kh, Kz): dah = dh * Kh, daz = dh * Kz, adjacent so one multiply makes both
        KH = work.take((2, T, B, u), dt)
        Kh, Kz = KH[0], KH[1]
        _derivative_into(Kz, Z, rec)
        tmp_seq = work.take((T, B, u), dt)
        np.subtract(Hp, HH, out=tmp_seq)
        Kz *= tmp_seq                        # daz = dh * (h_prev - hh) * z'
        _derivative_into(Kh, HH, act)
        np.subtract(1.0, Z, out=tmp_seq)
        Kh *= tmp_seq                        # dah = dh * (1 - z) * act'(hh)
        if reset_after:
            KR = work.take((2, T, B, u), dt)  # (Kr, r): dar = dah * Kr and the recurrent candidate's dah * r
            Kr = KR[0]
        else:
            Kr = tmp_seq
        _derivative_into(Kr, Rg, rec)
        # D: row-layout gradients of the pre-activations, column blocks (h, z, r[, candidate's recurrent
        # part]): columns [0, 3u) are the input projection's (gate slots _GRU_SLOTS), [u, 4u) the
        # recurrent projection's (Keras order z, r, h) with reset_after, [u, 3u) (z, r) without
        if reset_after:
            Kr *= R[:, :, 2 * u:]            # dar = dah * (h_prev @ U_h + b_h) * r'
            np.copyto(KR[1], Rg)
            D = work.take((T, B, 4 * u), dt)
            Dg = _gate_view(D, 4)
        else:
            Kr *= Hp                         # dar = (dah @ U_h.T) * h_prev * r'
            if rm_h is not None:
                Kr *= rm_h
            U_hT = np.ascontiguousarray(U_h.T)
            drh = np.empty((B, u), dt)
            D = work.take((T, B, 3 * u), dt)
            Dg = _gate_view(D, 3)
        dh = np.zeros((B, u), dt) if gstates[0] is None else np.array(gstates[0], dt)
        e = np.empty((B, u), dt)
        mg = _MaskedGrads(s.mask, dt, B, u, zero_output_for_mask) if masked else None
        seq_grads = gseq is not None
        for t in range(T - 1, -1, -1):
            if masked:
                (keep_h,) = mg.step(t, [dh], gseq, glast, t == T - 1)
            elif seq_grads:
                dh += gseq[t]
            elif t == T - 1 and glast is not None:
                dh += glast
            d = Dg[t]
            mul(KH[:, t], dh, out=d[:2])     # dah, daz
            mul(dh, Z[t], out=e)             # direct path h_prev -> h
            if reset_after:
                mul(KR[:, t], d[0], out=d[2:])   # dar, dah * r
                recur.backward(d[1:], D[t, :, u:], dh)
                dh += e
            else:
                np.matmul(d[0], U_hT, out=drh)
                mul(drh, Kr[t], out=d[2])
                recur.backward(d[1:], D[t, :, u:], dh)
                dh += e
                drh *= Rg[t]
                if rm_h is not None:
                    drh *= rm_h
                dh += drh
            if masked:
                dh += keep_h
        dP = D[:, :, :3 * u]
        want_b = need_b and s.bt is not None
        gx, dW, sums = proj.backward(dP, s, time_major, need_x, need_k, want_b, _GRU_SLOTS)
        dU = None
        if need_r:
            if reset_after:
                dU = recur.weight_grad(Hp, D[:, :, u:])
            else:
                dU = np.empty_like(U)
                dU[:, :2 * u] = recur.weight_grad(Hp, D[:, :, u:])
                dU[:, 2 * u:] = RHP.reshape(T * B, u).T @ D[:, :, :u].reshape(T * B, u)
        db = None
        if want_b:
            sums = sums.reshape(3, u)  # column sums of dP, slots (h, z, r)
            db_in = sums[[1, 2, 0]].reshape(3 * u)
            if reset_after:
                db_rec = np.concatenate([sums[1], sums[2], np.add.reduce(D[:, :, 3 * u:].reshape(T * B, u), axis=0)])
                db = np.stack([db_in, db_rec])
            else:
                db = db_in
        work.release()
        return gx, dh if need_h else None, dW, dU, db

    record(engine_inputs, out_t, vjp)
    _release_with(vjp, scratch)
    return _unpack(out_t, 1, T, return_sequences, return_state, time_major, final)


# ----------------------------------------------------------------------------- SimpleRNN
def _simple_bias_shapes(u):
    return [(u,)]


@register()
def simple_rnn_sequence(inputs, h0=None, kernel=None, recurrent_kernel=None, bias=None, mask=None,
                        go_backwards=False, return_sequences=False, return_state=False, zero_output_for_mask=False,
                        time_major=False, activation="tanh", dropout_mask=None, recurrent_dropout_mask=None,
                        name="simple_rnn"):
    """A whole SimpleRNN sequence, h_t = act(x_t @ W + b + h_{t-1} @ U), as one tape node.

    Arguments as in `lstm_sequence`. Returns (output, [h_T]).
    """
    scratch = _Scratch()
    s = _setup(name, 1, inputs, [h0], kernel, recurrent_kernel, bias, _simple_bias_shapes, mask, time_major,
               go_backwards, dropout_mask, recurrent_dropout_mask, scratch)
    T, B, u, dt = s.T, s.B, s.units, s.dtype
    act = activation_name(activation)
    engine_inputs = (s.xt if s.xt is not None else Tensor(s.xa), s.state_t[0], s.kt, s.rt, s.bt)

    def make_step(k_, r_, b_):
        def step(x_t, states):
            h_new = simple_rnn_cell_step(x_t, states[0], k_, r_, b_, activation, dropout_mask,
                                         recurrent_dropout_mask)
            return h_new, [h_new]

        return step

    def engine_forward(x_, h_, k_, r_, b_):
        h_ = h_ if h_ is not None else Tensor(s.state_a[0])
        k_, r_, b_ = _or_const(k_, s.ka), _or_const(r_, s.ra), _or_const(b_, s.ba)
        return _engine_sequence(make_step(k_, r_, b_), x_, [h_], mask, go_backwards, return_sequences,
                                return_state, zero_output_for_mask, time_major)

    if act is None:
        scratch.release()
        return _engine_direct(make_step(kernel, recurrent_kernel, bias), inputs, [_state(h0, s, 0)], mask,
                              go_backwards, return_sequences, zero_output_for_mask, time_major)

    P = scratch.take((1, T, B, u), dt)
    proj = _Projection(s.X, s.ka, s.ka, s.ba, s.dmask, 1, P, scratch)
    recur = _Recurrent(s.ra, s.ra, s.rmask, 1)
    H = scratch.take((T + 1, B, u), dt)
    H[0] = s.state_a[0]
    masked = s.mask is not None
    HN = scratch.take((T, B, u), dt) if masked else None  # the raw new states (masked case)
    rrow = np.empty((B, u), dt)
    rgates = rrow.reshape(1, B, u)
    if masked:
        outs = _MaskedOutputs(T, B, u, dt, return_sequences, zero_output_for_mask)
    for t in range(T):
        recur.forward(H[t], rrow, rgates)
        dst = HN[t] if masked else H[t + 1]
        np.add(P[0, t], rrow, out=dst)
        _activate(dst, act)
        if not masked:
            continue
        mt = s.mask[t]
        _masked_merge(H[t + 1], dst, H[t], mt)
        outs.step(t, dst, mt)
    Y_tm, last = (outs.Y, outs.last) if masked else (H[1:], H[T])
    final = [H[T].copy()]
    out_t = Tensor(_pack_outputs(Y_tm, last, final, return_sequences, return_state, time_major))
    if not RECORDING:
        scratch.release()
        return _unpack(out_t, 1, T, return_sequences, return_state, time_major, final)

    def vjp(gr):
        if RECORDING:
            return replay_vjp(engine_forward, engine_inputs, gr)
        need_x, need_h, need_k, need_r, need_b = (NEEDS + [False] * 5)[:5]
        gseq, glast, gstates = _output_grads(gr, s, 1, return_sequences, return_state, time_major)
        work = _Scratch()
        D = _derivative_into(work.take((T, B, u), dt), HN if masked else H[1:], act)
        dZ = work.take((T, B, u), dt)
        dh = np.zeros((B, u), dt) if gstates[0] is None else np.array(gstates[0], dt)
        mg = _MaskedGrads(s.mask, dt, B, u, zero_output_for_mask) if masked else None
        for t in range(T - 1, -1, -1):
            if masked:
                (keep_h,) = mg.step(t, [dh], gseq, glast, t == T - 1)
            else:
                _add_output_grad(dh, t, gseq, glast, t == T - 1)
            np.multiply(dh, D[t], out=dZ[t])
            recur.backward(dZ[t:t + 1], dZ[t], dh)
            if masked:
                dh += keep_h
        gx, dW, db = proj.backward(dZ, s, time_major, need_x, need_k, need_b and s.bt is not None)
        dU = recur.weight_grad(H[:-1], dZ) if need_r else None
        work.release()
        return gx, dh if need_h else None, dW, dU, db

    record(engine_inputs, out_t, vjp)
    _release_with(vjp, scratch)
    return _unpack(out_t, 1, T, return_sequences, return_state, time_major, final)
