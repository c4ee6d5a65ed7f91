"""How a backend-oracle case calls `K.<function>`: shared by the recorder (tf_keras) and the replay (kerasish).

A case is `{"fn": name, "args": [...], "kwargs": {...}}` in an encoding JSON can hold:
`{"a": name}` is an input array (a constant tensor on either side), `{"v": name}` a variable made from
one, `{"t": [...]}` a tuple, `{"f": name}` one of the callables below (step functions for `K.rnn`,
`K.map_fn`, `K.foldl`, ...); everything else is a plain JSON value. Both sides decode a case the same
way, call the function, flatten what it returns into leaves and, for the float leaves, take the
gradient of `sum_k sum(leaf_k * weights(leaf_k.shape))` with respect to each float input (over the
leaves `case["grad_leaves"]` names, when it names some).

`weights(shape)` is deterministic (no random state to share): ((7 i + 3) mod 11 - 5.5) / 4 over the
flat index i, values +-0.125 .. +-1.375, never 0, exact in float16, so every output element counts.
"""
import numpy as np


def weights(shape, dtype):
    """The fixed cotangent multiplying an output of `shape` in the projected gradient."""
    n = int(np.prod(shape, dtype=np.int64))
    return (((np.arange(n) * 7 + 3) % 11 - 5.5) / 4).reshape(shape).astype(dtype)


def callables(K):
    """The step functions and mapped functions cases may name, written against backend `K`."""

    def rnn_tanh(x, states):
        out = K.tanh(x + 0.5 * states[0])
        return out, [out]

    def rnn_two_states(x, states):
        out = x * states[1] + states[0]
        return out, [K.tanh(out), states[1] * 0.5 + x]

    def rnn_constant(x, states):
        # states = [h, c]: the constant arrives after the states, as Keras passes it
        out = K.tanh(x * states[1] + states[0])
        return out, [out]

    return {
        "rnn_tanh": rnn_tanh,
        "rnn_two_states": rnn_two_states,
        "rnn_constant": rnn_constant,
        "map_square_sum": lambda x: K.sum(K.square(x)),
        "map_tanh": lambda x: K.tanh(x) * 2.0,
        "fold_add_square": lambda acc, x: acc + x * x,
        "fold_decay": lambda acc, x: acc * 0.5 + x,
        "fold_max": lambda acc, x: K.maximum(acc, x),
    }


def decode(value, arrays, side, made):
    """The call argument `value` encodes, with tensors from `side` (remembered in `made` by name)."""
    if isinstance(value, list):
        return [decode(v, arrays, side, made) for v in value]
    if isinstance(value, dict):
        if "a" in value:
            made[value["a"]] = side.tensor(arrays[value["a"]])
            return made[value["a"]]
        if "v" in value:
            made[value["v"]] = side.variable(arrays[value["v"]])
            return made[value["v"]]
        if "t" in value:
            return tuple(decode(v, arrays, side, made) for v in value["t"])
        if "f" in value:
            return callables(side.K)[value["f"]]
        return {k: decode(v, arrays, side, made) for k, v in value.items()}
    return value


def leaves(result, side, path="out"):
    """`(path, leaf)` pairs of a returned structure; a sparse triple gives its indices, values and shape."""
    if hasattr(result, "dense_shape") and hasattr(result, "indices"):
        return [(f"{path}.indices", result.indices), (f"{path}.values", result.values),
                (f"{path}.dense_shape", result.dense_shape)]
    if isinstance(result, (list, tuple)):
        out = []
        for i, r in enumerate(result):
            out.extend(leaves(r, side, f"{path}.{i}"))
        return out
    return [(path, result)]


def run(case, arrays, side, with_grads=True):
    """Call the case's function on `side`; returns `(outputs, grads)`: outputs maps leaf paths to numpy arrays
    (or plain Python values: ints, strings, shapes), grads maps input names to numpy arrays (None where the
    tape gives none); grads is None when the case has no float input or no float output."""
    made = {}
    wrt = case.get("wrt", []) if with_grads else []
    with side.tape() as tape:
        args = decode(case["args"], arrays, side, made)
        kwargs = {k: decode(v, arrays, side, made) for k, v in case.get("kwargs", {}).items()}
        for name in wrt:
            side.watch(tape, made[name])
        result = getattr(side.K, case["fn"])(*args, **kwargs)
        if isinstance(result, map):  # tf_keras's stop_gradient of a list returns a lazy map
            result = list(result)
        pairs = leaves(result, side)
        total = None
        for path, leaf in pairs:
            if side.is_float_tensor(leaf) and path in case.get("grad_leaves", [path]):
                shape = side.numpy(leaf).shape
                term = side.K.sum(leaf * side.tensor(weights(shape, side.numpy(leaf).dtype)))
                total = term if total is None else total + term
    outputs = {path: side.value(leaf) for path, leaf in pairs}
    grads = None
    if wrt and total is not None:
        got = side.gradient(tape, total, [made[n] for n in wrt])
        grads = {n: (None if g is None else side.numpy(g)) for n, g in zip(wrt, got)}
    return outputs, grads
