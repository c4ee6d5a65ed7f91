"""GradientTape: records differentiable ops while active and runs them backwards.

The tape is a plain list of nodes in execution order; `gradient` walks it in
reverse (a valid topological order, so no sort is needed). Each node is a tuple
`(inputs, output, vjp)` where `vjp(g)` returns one gradient (or None) per input.

Second derivatives: primitive ops write their vjp with engine ops, so while an
outer tape records, the backward pass of an inner tape is itself recorded.

Example:
    >>> import numpy as np
    >>> from kerasish.backend import Variable, GradientTape
    >>> w = Variable(np.array([3.0], dtype="float32"))
    >>> with GradientTape() as tape:
    ...     y = w * w
    >>> tape.gradient(y, w).numpy()
    array([6.], dtype=float32)
"""
import numpy as np

from .tensor import Tensor, Variable

# Tapes currently recording, innermost last. Ops check `if RECORDING:` before doing any bookkeeping.
RECORDING = []

# While a vjp runs: NEEDS[i] tells whether input i needs a gradient at all. Fused kernels read it
# to skip work (no input gradient for a model's first layer); primitive ops may ignore it.
NEEDS = []


class GradientTape:
    """Records operations on watched tensors for automatic differentiation.

    Args:
        persistent: allow several calls to `gradient`.
        watch_accessed_variables: watch every trainable `Variable` an op touches.
    """

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True):
        self.persistent = bool(persistent)
        self.watch_accessed_variables = bool(watch_accessed_variables)
        self._nodes = []
        self._tracked = {}  # id(tensor) -> tensor (kept alive so ids stay unique)
        self._used = False

    # -- context management -------------------------------------------------------------
    def __enter__(self):
        RECORDING.append(self)
        return self

    def __exit__(self, *exc):
        if self in RECORDING:
            RECORDING.remove(self)
        return False

    def stop_recording(self):
        """Context manager that pauses this tape (ops inside are not recorded)."""
        return _Paused(self)

    def reset(self):
        """Forget everything recorded so far."""
        self._nodes = []
        self._tracked = {}

    def watch(self, tensor):
        """Ensure gradients can be taken with respect to `tensor` (or a nested structure of them)."""
        for t in _flatten(tensor):
            if not hasattr(t, "array"):
                raise TypeError(
                    f"GradientTape.watch expects a kerasish Tensor or Variable; received {type(t).__name__}. "
                    "Wrap numpy data with `K.constant(x)` first.")
            self._tracked[id(t)] = t

    def watched_variables(self):
        """Variables watched by this tape, in the order they were first used."""
        return [t for t in self._tracked.values() if isinstance(t, Variable)]

    # -- recording (called by ops) ------------------------------------------------------
    def _tracks(self, x) -> bool:
        if id(x) in self._tracked:
            return True
        if self.watch_accessed_variables and getattr(x, "trainable", False) and hasattr(x, "assign"):
            self._tracked[id(x)] = x
            return True
        return False

    def _record(self, inputs, output, vjp):
        hit = False
        for x in inputs:  # no early exit: every trainable Variable among the inputs must get watched
            if x is not None and self._tracks(x):
                hit = True
        if hit:
            self._nodes.append((inputs, output, vjp))
            self._tracked[id(output)] = output

    # -- differentiation ----------------------------------------------------------------
    def gradient(self, target, sources, output_gradients=None, unconnected_gradients="none"):
        """Gradients of `target` (a tensor or list of tensors, summed) with respect to `sources`.

        `sources` may be a single tensor, a list, or a nested list/tuple/dict; the result has
        the same structure, with None for a source that `target` does not depend on
        (zeros when `unconnected_gradients="zero"`).
        """
        if self._used and not self.persistent:
            raise RuntimeError(
                "A non-persistent GradientTape can only be used to compute one set of gradients; "
                "create it with GradientTape(persistent=True) to call gradient() several times.")
        self._used = True
        was_recording = self in RECORDING
        if was_recording:
            RECORDING.remove(self)  # never record the backward pass onto the tape being walked
        try:
            grads = self._backward(target, output_gradients, self._depending_on(sources))
        finally:
            if was_recording:
                RECORDING.append(self)
        def lookup(src):
            g = grads.get(id(src))
            if g is None:
                if str(unconnected_gradients).lower() == "zero":
                    return Tensor(np.zeros(src.shape, dtype=src.dtype))
                return None
            return g if isinstance(g, Tensor) else Tensor(np.asarray(g, dtype=src.dtype))

        return _map_structure(lookup, sources)

    def _depending_on(self, sources):
        """Ids of the sources and of every recorded tensor computed from them: only these need gradients (a
        frozen network under a new classifier records its ops, but nothing flows back into it)."""
        depending = {id(s) for s in _flatten(sources)}
        for inputs, output, _ in self._nodes:
            for x in inputs:
                if x is not None and id(x) in depending:
                    depending.add(id(output))
                    break
        return depending

    def _backward(self, target, output_gradients, depending):
        targets = list(_flatten(target))
        if output_gradients is None:
            seeds = [np.ones(t.shape, dtype=t.dtype) for t in targets]
        else:
            seeds = [g.array if isinstance(g, Tensor) else np.asarray(g) for g in _flatten(output_gradients)]
        grads = {}
        for t, s in zip(targets, seeds):
            grads[id(t)] = s if id(t) not in grads else grads[id(t)] + s
        for inputs, output, vjp in reversed(self._nodes):
            if id(output) not in depending:
                continue
            g = grads.get(id(output))
            if g is None:
                continue
            NEEDS[:] = [x is not None and id(x) in depending for x in inputs]
            input_grads = vjp(g)
            for x, gx in zip(inputs, input_grads):
                if gx is None or x is None or id(x) not in depending:
                    continue
                key = id(x)
                prev = grads.get(key)
                grads[key] = gx if prev is None else prev + gx
        return grads


class _Paused:
    def __init__(self, tape):
        self.tape = tape
        self.was_recording = False

    def __enter__(self):
        self.was_recording = self.tape in RECORDING
        if self.was_recording:
            RECORDING.remove(self.tape)
        return self

    def __exit__(self, *exc):
        if self.was_recording:
            RECORDING.append(self.tape)
        return False


class no_recording:
    """Context manager that pauses every active tape (used for predict, dry runs and updates)."""

    def __enter__(self):
        self.saved = RECORDING[:]
        del RECORDING[:]
        return self

    def __exit__(self, *exc):
        RECORDING[:] = self.saved
        return False


def record(inputs, output, vjp):
    """Attach `output = op(*inputs)` with its vector-Jacobian product to every recording tape."""
    for tape in RECORDING:
        tape._record(inputs, output, vjp)
    return output


def _flatten(structure):
    if isinstance(structure, (list, tuple)):
        for item in structure:
            yield from _flatten(item)
    elif isinstance(structure, dict):
        for key in sorted(structure):
            yield from _flatten(structure[key])
    else:
        yield structure


def _map_structure(fn, structure):
    if isinstance(structure, list):
        return [_map_structure(fn, s) for s in structure]
    if isinstance(structure, tuple):
        return tuple(_map_structure(fn, s) for s in structure)
    if isinstance(structure, dict):
        return {k: _map_structure(fn, v) for k, v in structure.items()}
    return fn(structure)
