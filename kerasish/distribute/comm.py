"""The process group behind `kerasish.distribute`: MPI through mpi4py, or one process on its own.

`init()` picks the communicator once per process:

- launched by `mpiexec`/`mpirun`/`srun` (or with `mpi4py.MPI` already imported, as under
  `python -m mpi4py`), it wraps a duplicate of `MPI.COMM_WORLD`;
- otherwise (no launcher, or mpi4py not installed) it is a single-process communicator: rank 0 of
  1, every collective returns its input. The same training script therefore runs unchanged on a
  laptop, in plain CI and under `mpiexec -n 8`.

The environment variable `KERASISH_MPI` overrides the choice: `1` requires MPI (an ImportError
names the missing package), `0` forces the single-process communicator.

With more than one process, `init()` also installs a `sys.excepthook` that prints the traceback and
calls `MPI.COMM_WORLD.Abort(1)`: without it, one rank dying leaves the others blocked in an
all-reduce forever. `python -m mpi4py train.py` does the same for `sys.exit(n)` and Ctrl-C too.

The collectives below take and return numpy arrays (Tensors and Python numbers are accepted);
the uppercase, buffer-based mpi4py calls do the work, so no array is pickled.

Example:
    >>> from kerasish import distribute
    >>> distribute.init()
    >>> distribute.rank(), distribute.size()
    (0, 1)
    >>> distribute.allreduce([1.0, 3.0]).tolist()
    [1.0, 3.0]
"""
import os
import sys
import threading
import time

import numpy as np

from ..backend.ops.parallel import share_cores
from ..backend.tensor import Tensor

__all__ = ["Average", "Sum", "Min", "Max", "ReduceOp", "Communicator", "init", "shutdown", "is_initialized",
           "communicator", "rank", "size", "local_rank", "local_size", "is_root", "mpi_enabled", "allreduce",
           "allgather", "broadcast", "broadcast_object", "allgather_object", "broadcast_variables", "barrier",
           "abort"]

# Environment variables that an MPI launcher (Hydra/MPICH, Open MPI, PMIx, MVAPICH, Slurm's PMI) sets
# in every process it starts; the value is the job's size where the variable carries one.
_LAUNCHER_SIZE_VARS = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "MV2_COMM_WORLD_SIZE")
_LAUNCHER_FLAG_VARS = ("PMI_RANK", "PMIX_RANK", "OMPI_COMM_WORLD_RANK", "MPI_LOCALNRANKS")


class ReduceOp:
    """How `allreduce` combines the ranks' values: `Average`, `Sum`, `Min` or `Max`."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return f"kerasish.distribute.{self.name}"


Average = ReduceOp("Average")
Sum = ReduceOp("Sum")
Min = ReduceOp("Min")
Max = ReduceOp("Max")
_OPS = (Average, Sum, Min, Max)


def _check_op(op, where: str) -> ReduceOp:
    if not any(op is known for known in _OPS):
        raise ValueError(f"{where}: `op` must be one of kerasish.distribute.Average, Sum, Min or Max; "
                         f"received op={op!r}")
    return op


# --------------------------------------------------------------------------- communicators
class Communicator:
    """The collectives kerasish needs, on contiguous numpy arrays (base class: one process alone).

    Attributes:
        rank, size: this process's index in the group and the group's size.
        local_rank, local_size: the same within this machine (processes sharing memory).
        backend: "single-process" or "mpi".
    """

    backend = "single-process"

    def __init__(self):
        self.rank, self.size, self.local_rank, self.local_size = 0, 1, 0, 1

    def allreduce_(self, array: np.ndarray, op: ReduceOp) -> np.ndarray:
        """Combine `array` across ranks IN PLACE (Average divides by the size) and return it."""
        return array

    def broadcast_(self, array: np.ndarray, root: int) -> np.ndarray:
        """Overwrite `array` IN PLACE with root's copy and return it."""
        return array

    def allgather_array(self, array: np.ndarray) -> np.ndarray:
        """Every rank's `array` concatenated along axis 0, in rank order."""
        return np.array(array, copy=True)

    def broadcast_object(self, obj, root: int):
        """Root's picklable `obj` on every rank."""
        return obj

    def allgather_object(self, obj) -> list:
        """The list of every rank's picklable `obj`, in rank order."""
        return [obj]

    def barrier(self) -> None:
        """Return when every rank has called `barrier`."""

    def abort(self, code: int = 1) -> None:
        """End every process of the job at once with exit status `code`."""
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} rank={self.rank} size={self.size} backend={self.backend!r}>"


class MPICommunicator(Communicator):
    """Collectives on an mpi4py communicator (buffer-based `Allreduce(MPI.IN_PLACE, ...)`, `Bcast`, ...)."""

    backend = "mpi"

    def __init__(self, comm):
        from mpi4py import MPI

        super().__init__()
        self.MPI = MPI
        self.comm = comm
        self.rank, self.size = comm.Get_rank(), comm.Get_size()
        local = comm.Split_type(MPI.COMM_TYPE_SHARED, key=self.rank)
        self.local_rank, self.local_size = local.Get_rank(), local.Get_size()
        local.Free()
        self._mpi_ops = {"Sum": MPI.SUM, "Average": MPI.SUM, "Min": MPI.MIN, "Max": MPI.MAX}
        self._float16_sum = None

    def _half_sum_op(self):
        # MPI has no half-precision type: float16 travels as 16-bit integers (so MPI never splits an
        # element) and a user-defined, commutative op adds them as float16.
        if self._float16_sum is None:
            def add_float16(inbuf, inoutbuf, datatype):
                acc = np.frombuffer(inoutbuf, dtype=np.float16)
                acc += np.frombuffer(inbuf, dtype=np.float16)

            self._float16_sum = self.MPI.Op.Create(add_float16, commute=True)
        return self._float16_sum

    def allreduce_(self, array, op):
        if array.size == 0:
            return array
        if array.dtype == np.float16:
            if op is Min or op is Max:
                raise ValueError(f"allreduce: op={op!r} is not supported for float16 arrays (only Sum and Average)")
            self.comm.Allreduce(self.MPI.IN_PLACE, [array.view(np.int16), self.MPI.SHORT], op=self._half_sum_op())
        else:
            self.comm.Allreduce(self.MPI.IN_PLACE, array, op=self._mpi_ops[op.name])
        if op is Average:
            np.divide(array, self.size, out=array)  # a Python int keeps float32 float32
        return array

    def broadcast_(self, array, root):
        if array.size:
            buffer = array.view(np.int16) if array.dtype == np.float16 else array
            self.comm.Bcast(buffer, root=root)
        return array

    def allgather_array(self, array):
        array = np.ascontiguousarray(array)
        shapes = self.comm.allgather((array.shape, array.dtype.str))
        tails = {(s[1:], d) for s, d in shapes}
        if len(tails) != 1 or any(len(s) == 0 for s, _ in shapes):
            raise ValueError("allgather: every rank must pass an array with the same dtype and the same shape "
                             f"after axis 0; received (shape, dtype) by rank: {shapes}")
        counts = [int(np.prod(s)) for s, _ in shapes]
        out = np.empty((sum(s[0] for s, _ in shapes),) + array.shape[1:], dtype=array.dtype)
        self.comm.Allgatherv(array.view(np.uint8).reshape(-1),
                             [out.view(np.uint8).reshape(-1), [c * array.itemsize for c in counts]])
        return out

    def broadcast_object(self, obj, root):
        return self.comm.bcast(obj, root=root)

    def allgather_object(self, obj):
        return self.comm.allgather(obj)

    def barrier(self):
        self.comm.Barrier()

    def abort(self, code=1):
        sys.stdout.flush()
        sys.stderr.flush()
        # the launcher forwards each rank's output through a pipe and an abort tears the job down at
        # once: without a moment to drain it, the error message was lost in about 1 run in 30 under load
        time.sleep(ABORT_GRACE_S)
        self.MPI.COMM_WORLD.Abort(code)


# --------------------------------------------------------------------------- init
ABORT_GRACE_S = 0.25  # seconds for the launcher to forward the last output before an abort
_LOCK = threading.Lock()
_COMM = None


def _launched_by_mpi() -> bool:
    return any(v in os.environ for v in _LAUNCHER_SIZE_VARS + _LAUNCHER_FLAG_VARS)


def _launcher_size():
    for var in _LAUNCHER_SIZE_VARS:
        value = os.environ.get(var, "")
        if value.isdigit():
            return int(value)
    return None


def _import_mpi(required: bool):
    try:
        from mpi4py import MPI
    except ImportError as e:
        if required:
            raise ImportError("kerasish.distribute: this process needs MPI but mpi4py could not be imported "
                              f"({e}). Install the extra: pip install 'kerasish[mpi]' (mpi4py and an MPI "
                              "runtime such as the `mpich` wheel).") from e
        return None
    return MPI


def _world_communicator():
    mode = os.environ.get("KERASISH_MPI", "auto").strip().lower()
    if mode in ("0", "off", "false", "no"):
        return Communicator()
    if mode not in ("1", "on", "true", "yes", "auto", ""):
        raise ValueError(f"KERASISH_MPI must be 1 (use MPI), 0 (one process) or unset (detect); received {mode!r}")
    forced = mode in ("1", "on", "true", "yes")
    launched = _launched_by_mpi()
    if not (forced or launched or "mpi4py.MPI" in sys.modules):
        return Communicator()
    launcher_size = _launcher_size()
    MPI = _import_mpi(required=forced or (launcher_size or 1) > 1)
    if MPI is None:
        return Communicator()
    return MPICommunicator(MPI.COMM_WORLD.Dup())


def _install_abort_hook(comm: Communicator) -> None:
    previous = sys.excepthook
    if getattr(previous, "_kerasish_aborts", False):
        return

    def abort_all_ranks(exc_type, exc, tb):
        try:
            # the error itself goes first and is flushed: the abort may cut the traceback short
            sys.stderr.write(f"kerasish.distribute: rank {comm.rank} of {comm.size} raised "
                             f"{exc_type.__name__}: {exc}; aborting all ranks\n")
            sys.stderr.flush()
            previous(exc_type, exc, tb)
            sys.stderr.flush()
        finally:
            comm.abort(1)

    abort_all_ranks._kerasish_aborts = True
    sys.excepthook = abort_all_ranks


def init(comm=None, abort_on_exception: bool = True) -> None:
    """Set up the process group (safe to call again: later calls without `comm` do nothing).

    Args:
        comm: an mpi4py communicator to train over (default: a duplicate of `MPI.COMM_WORLD` when the
            script was started by an MPI launcher, else a single-process group), or a `Communicator`.
        abort_on_exception: with more than one process, install a `sys.excepthook` that aborts every
            rank when one rank dies of an uncaught exception (the others would otherwise wait forever).

    Example:
        >>> from kerasish import distribute
        >>> distribute.init()
        >>> distribute.is_root()
        True
    """
    global _COMM
    with _LOCK:
        if comm is None:
            if _COMM is not None:
                return
            new = _world_communicator()
        elif isinstance(comm, Communicator):
            new = comm
        elif hasattr(comm, "Allreduce") and hasattr(comm, "Get_rank"):
            new = MPICommunicator(comm)
        else:
            raise TypeError("init: `comm` must be an mpi4py communicator (e.g. MPI.COMM_WORLD) or a "
                            f"kerasish.distribute.Communicator; received {type(comm).__name__}")
        _COMM = new
    if new.local_size > 1:
        share_cores(new.local_size)  # ranks on one machine split its cores instead of oversubscribing them
    if abort_on_exception and new.size > 1:
        _install_abort_hook(new)


def shutdown() -> None:
    """Forget the communicator (MPI itself stays initialized); the next call re-runs `init()`."""
    global _COMM
    with _LOCK:
        _COMM = None


def is_initialized() -> bool:
    """Whether `init()` has run in this process."""
    return _COMM is not None


def communicator() -> Communicator:
    """The process group (calls `init()` first if needed)."""
    if _COMM is None:
        init()
    return _COMM


def rank() -> int:
    """This process's index in the job, 0 .. size()-1."""
    return communicator().rank


def size() -> int:
    """The number of processes training together."""
    return communicator().size


def local_rank() -> int:
    """This process's index among the processes of its machine."""
    return communicator().local_rank


def local_size() -> int:
    """The number of processes on this machine."""
    return communicator().local_size


def is_root(root_rank: int = 0) -> bool:
    """Whether this process is `root_rank` (rank 0 by default): the one that prints and saves.

    Example:
        >>> from kerasish import distribute
        >>> verbose = 1 if distribute.is_root() else 0
        >>> verbose
        1
    """
    return communicator().rank == root_rank


def mpi_enabled() -> bool:
    """Whether the process group runs over MPI (False for the single-process fallback)."""
    return communicator().backend == "mpi"


# --------------------------------------------------------------------------- collectives
def _as_array(value, where: str) -> np.ndarray:
    if isinstance(value, Tensor):
        value = value.array
    array = np.array(value, copy=True, order="C")
    if array.dtype == object:
        raise TypeError(f"{where}: expected a numeric array, Tensor or number; received {type(value).__name__}")
    return array


def _check_root(root_rank, where: str) -> int:
    n = size()
    if isinstance(root_rank, bool) or not isinstance(root_rank, (int, np.integer)) or not 0 <= root_rank < n:
        raise ValueError(f"{where}: `root_rank` must be an integer in [0, {n}) for a job of {n} process(es); "
                         f"received root_rank={root_rank!r}")
    return int(root_rank)


def allreduce(value, op: ReduceOp = Average, name: str = None) -> np.ndarray:
    """`value` combined over all ranks (a new numpy array of the same shape and dtype).

    Args:
        value: array, Tensor or number (same shape and dtype on every rank).
        op: `Average` (default), `Sum`, `Min` or `Max`. Average needs a floating-point value.
        name: accepted for Horovod compatibility; unused.

    Example:
        >>> from kerasish import distribute
        >>> float(distribute.allreduce(2.5, op=distribute.Sum))
        2.5
    """
    op = _check_op(op, "allreduce")
    array = _as_array(value, "allreduce")
    if op is Average and array.dtype.kind not in "fc":
        raise TypeError(f"allreduce: op=Average needs a floating-point value; received dtype {array.dtype} "
                        "(use op=Sum, or cast to float)")
    return communicator().allreduce_(array, op)


def allgather(value, name: str = None) -> np.ndarray:
    """Every rank's `value` concatenated along axis 0 in rank order (axis-0 lengths may differ).

    Example:
        >>> from kerasish import distribute
        >>> distribute.allgather([[1, 2]]).shape
        (1, 2)
    """
    array = _as_array(value, "allgather")
    if array.ndim == 0:
        array = array.reshape(1)
    return communicator().allgather_array(array)


def broadcast(value, root_rank: int = 0, name: str = None) -> np.ndarray:
    """Root's `value` on every rank (a new numpy array; same shape and dtype on every rank).

    Example:
        >>> from kerasish import distribute
        >>> distribute.broadcast([1.0, 2.0], root_rank=0).tolist()
        [1.0, 2.0]
    """
    root = _check_root(root_rank, "broadcast")
    return communicator().broadcast_(_as_array(value, "broadcast"), root)


def broadcast_object(obj, root_rank: int = 0):
    """Root's picklable `obj` on every rank.

    Example:
        >>> from kerasish import distribute
        >>> distribute.broadcast_object({"epoch": 3})
        {'epoch': 3}
    """
    return communicator().broadcast_object(obj, _check_root(root_rank, "broadcast_object"))


def allgather_object(obj) -> list:
    """A list of every rank's picklable `obj`, in rank order.

    Example:
        >>> from kerasish import distribute
        >>> distribute.allgather_object("ready")
        ['ready']
    """
    return communicator().allgather_object(obj)


def broadcast_variables(variables, root_rank: int = 0) -> None:
    """Overwrite `variables` (kerasish Variables or numpy arrays) in place with root's values.

    Every rank must pass variables of the same shapes and dtypes in the same order; this is checked
    (one small exchange) and a mismatch raises a ValueError naming the first differing variable.

    Example:
        >>> import numpy as np
        >>> from kerasish import distribute
        >>> from kerasish.backend import Variable
        >>> v = Variable(np.ones(3, "float32"))
        >>> distribute.broadcast_variables([v])
        >>> v.numpy().tolist()
        [1.0, 1.0, 1.0]
    """
    root = _check_root(root_rank, "broadcast_variables")
    arrays = [v.array if isinstance(v, Tensor) else v for v in variables]
    for i, a in enumerate(arrays):
        if not isinstance(a, np.ndarray):
            raise TypeError(f"broadcast_variables: item {i} must be a Variable or numpy array; received "
                            f"{type(a).__name__}")
    comm = communicator()
    if comm.size == 1:
        return
    _check_same_layout([(a.shape, a.dtype.str) for a in arrays], "broadcast_variables",
                       [getattr(v, "name", f"item {i}") for i, v in enumerate(variables)])
    # One contiguous buffer per dtype: one Bcast per dtype, however many variables there are.
    by_dtype = {}
    for a in arrays:
        by_dtype.setdefault(a.dtype, []).append(a)
    for dtype, group in by_dtype.items():
        flat = np.empty(sum(a.size for a in group), dtype=dtype)
        offset = 0
        for a in group:
            flat[offset:offset + a.size] = a.reshape(-1)
            offset += a.size
        comm.broadcast_(flat, root)
        offset = 0
        for a in group:
            a[...] = flat[offset:offset + a.size].reshape(a.shape)
            offset += a.size


def _check_same_layout(layout, where: str, names=None) -> None:
    """Raise a ValueError on every rank when the ranks' `layout` lists (picklable) differ."""
    comm = communicator()
    if comm.size == 1:
        return
    layouts = comm.allgather_object(layout)
    reference = layouts[0]
    for other_rank, other in enumerate(layouts[1:], start=1):
        if other == reference:
            continue
        if len(other) != len(reference):
            raise ValueError(f"{where}: rank 0 has {len(reference)} items but rank {other_rank} has {len(other)}; "
                             "every rank must run the same model and optimizer")
        i = next(k for k, (a, b) in enumerate(zip(reference, other)) if a != b)
        label = names[i] if names and i < len(names) else f"item {i}"
        raise ValueError(f"{where}: {label} differs between ranks: rank 0 has {reference[i]}, rank {other_rank} "
                         f"has {other[i]}")


def barrier() -> None:
    """Wait until every rank gets here."""
    communicator().barrier()


def abort(code: int = 1) -> None:
    """End every process of the job now with exit status `code` (`MPI.COMM_WORLD.Abort`)."""
    communicator().abort(code)
