"""Element-wise NumPy work on several cores: a small thread pool and the thread-count setting.

NumPy's ufuncs release the GIL while they loop, but each call runs on the calling thread
only; BLAS (matrix products) already uses every core. :func:`apply` cuts one ufunc
evaluation into contiguous pieces along the result's slowest axis and evaluates the pieces
on :func:`get_num_threads` threads at once, each with ``out=`` into its slice of one result
array. Every element is computed by the same ufunc from the same operands as in the
one-thread call, so the results are the same numbers.

When it pays: handing a piece to another thread has a fixed cost, so only arrays of at
least :data:`MIN_PARALLEL_SIZE` elements go this way (callers run the plain expression
otherwise, as do the CuPy and strict backends: this module is host NumPy only). On the
2-vCPU virtual machine of benchmarks/results/thread_profile.md that cost is 70–250 µs
(waking an idle virtual CPU; OpenBLAS's threads spinning on the other core after each
matrix product) — as much as a whole 1M-element float32 operation — and no size up to 4M
elements came out faster on two threads, so the threshold is off by default. Where thread
hand-over is cheap (bare-metal laptops) measure the crossover with
``python benchmarks/thread_crossover.py`` and set the environment variable
``MINIGAN_PARALLEL_MIN_SIZE`` (elements) or :data:`MIN_PARALLEL_SIZE`.

The thread count follows the user's settings, as PyTorch's does:
``OMP_NUM_THREADS``/``OPENBLAS_NUM_THREADS`` at start-up, ``threadpoolctl.threadpool_limits``
around a block, and :func:`set_num_threads` (like ``torch.set_num_threads``, it sets BLAS's
count too). With threadpoolctl installed the count is read from BLAS at each call, so there
is one setting for matrix products and element-wise work alike.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = ["get_num_threads", "set_num_threads", "apply", "apply_blocks", "MIN_PARALLEL_SIZE"]


def _threshold_from_environment() -> int:
    value = os.environ.get("MINIGAN_PARALLEL_MIN_SIZE", "").strip()
    if not value:
        return sys.maxsize  # off: no crossover was found on the machine it was measured on
    if not value.isdigit():
        raise ValueError(f"MINIGAN_PARALLEL_MIN_SIZE must be a number of elements, got {value!r}")
    return int(value)


# Arrays with fewer elements are computed on the calling thread (see the module docstring).
MIN_PARALLEL_SIZE = _threshold_from_environment()

_explicit: int | None = None  # set_num_threads' value, used where BLAS cannot be asked


# ------------------------------------------------------------------ thread count
class _Blas:
    """BLAS's thread-count controls, found once through threadpoolctl (None without it)."""

    controllers: list | None = None
    searched = False


def _blas_controllers() -> list | None:
    if not _Blas.searched:
        _Blas.searched = True
        try:
            import threadpoolctl
        except ImportError:
            return None
        controllers = threadpoolctl.ThreadpoolController().select(user_api="blas").lib_controllers
        _Blas.controllers = list(controllers) or None
    return _Blas.controllers


def _from_environment() -> int:
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        value = os.environ.get(variable, "").split(",")[0].strip()
        if value.isdigit() and int(value) > 0:
            return int(value)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def get_num_threads() -> int:
    """The number of threads minigan's NumPy kernels use (like ``torch.get_num_threads``).

    With threadpoolctl installed: BLAS's current thread count, so ``OMP_NUM_THREADS``,
    ``threadpoolctl.threadpool_limits(n)`` and :func:`set_num_threads` all apply. Without
    it: the value given to :func:`set_num_threads`, else ``OMP_NUM_THREADS`` (or
    ``OPENBLAS_NUM_THREADS``, ``MKL_NUM_THREADS``), else the CPUs this process may use."""
    controllers = _blas_controllers()
    if controllers is not None:
        return max(1, min(controller.get_num_threads() or 1 for controller in controllers))
    return _explicit if _explicit is not None else _from_environment()


def set_num_threads(n: int) -> None:
    """Use ``n`` threads for matrix products (BLAS, through threadpoolctl) and minigan's
    element-wise kernels, like ``torch.set_num_threads(n)``."""
    global _explicit
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"set_num_threads needs a positive integer, got {n!r}")
    _explicit = int(n)
    for controller in _blas_controllers() or ():
        controller.set_num_threads(int(n))


# ------------------------------------------------------------------ the pool
class _Worker:
    """A thread that waits for a piece of work, runs it and says it is done. Two locks
    used as semaphores are the cheapest hand-over CPython has (one futex each way)."""

    def __init__(self) -> None:
        self.start = threading.Lock()
        self.start.acquire()
        self.done = threading.Lock()
        self.done.acquire()
        self.job: Callable[[], None] | None = None
        self.error: BaseException | None = None
        threading.Thread(target=self._loop, name="minigan-elementwise", daemon=True).start()

    def _loop(self) -> None:
        while True:
            self.start.acquire()
            try:
                self.job()
            except BaseException as error:  # re-raised on the calling thread
                self.error = error
            self.job = None
            self.done.release()


class _Pool:
    workers: list[_Worker] = []
    busy = threading.Lock()  # one parallel evaluation at a time; another caller runs alone


def _reset_after_fork() -> None:
    # A forked child has none of the parent's threads: start afresh when asked.
    _Pool.workers = []
    _Pool.busy = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)


def _run(jobs: Sequence[Callable[[], None]]) -> None:
    """Run ``jobs[0]`` here and the others on pool threads; return when all are done."""
    while len(_Pool.workers) < len(jobs) - 1:
        _Pool.workers.append(_Worker())
    started = []
    try:
        for worker, job in zip(_Pool.workers, jobs[1:]):
            worker.job = job
            worker.start.release()
            started.append(worker)
        jobs[0]()
    finally:
        error = None
        for worker in started:
            worker.done.acquire()
            if worker.error is not None:
                error, worker.error = worker.error, None
        if error is not None:
            raise error


# ------------------------------------------------------------------ evaluation
def _layout(shape: tuple[int, ...], operands: Sequence[Any]) -> str | None:
    """"C" or "F": the memory order NumPy gives the result (order="K"): F when every
    operand of the result's full shape is F-contiguous, C when they are contiguous in
    mixed orders or all C; None when one is not contiguous at all (left to NumPy)."""
    full = [o for o in operands if type(o) is np.ndarray and o.shape == shape]
    if not full or not all(o.flags.c_contiguous or o.flags.f_contiguous for o in full):
        return None
    return "F" if all(o.flags.f_contiguous for o in full) and not all(o.flags.c_contiguous for o in full) else "C"


def _common_dtype(operands: Sequence[Any]) -> np.dtype | None:
    """The one floating dtype of the array operands (Python numbers take it, as in NumPy);
    None when they differ or are not floating, which the parallel path leaves to NumPy."""
    dtype = None
    for operand in operands:
        if type(operand) is np.ndarray:
            if operand.dtype.kind != "f" or (dtype is not None and operand.dtype != dtype):
                return None
            dtype = operand.dtype
        elif type(operand) not in (float, int):
            return None
    return dtype


def apply_blocks(
    kernel: Callable[..., None],
    operands: Sequence[Any],
    outputs: Sequence[np.ndarray] | None = None,
    threads: int | None = None,
) -> list[np.ndarray] | None:
    """Evaluate ``kernel(out_pieces, *operand_pieces)`` piece by piece on several threads.

    ``operands`` are NumPy arrays (broadcast together) and Python numbers; ``outputs`` are
    arrays of the broadcast shape to write into (one is allocated, in the memory order
    NumPy would give the result, when None). The kernel is a short sequence of ufunc calls
    with ``out=`` that computes an element from the same element of every operand — never
    from its neighbours — so any cut gives the same numbers. Each of ``threads`` threads
    (the caller included) takes one contiguous range of the result's slowest axis.

    Returns the outputs, or None where this path does not apply (one thread, mixed or
    non-floating dtypes, no contiguous operand of the result's shape, fewer than
    :data:`MIN_PARALLEL_SIZE` elements); the caller then evaluates the plain expression.
    """
    threads = get_num_threads() if threads is None else threads
    if threads < 2:
        return None
    dtype = _common_dtype(operands)
    if dtype is None:
        return None
    shape = np.broadcast_shapes(*[np.shape(o) for o in operands])
    size = 1
    for n in shape:
        size *= n
    if size < MIN_PARALLEL_SIZE or len(shape) == 0 or shape[0] == 0:
        return None
    order = _layout(shape, [*outputs, *operands] if outputs else operands)
    if order is None:
        return None
    if outputs is None:
        outputs = [np.empty(shape, dtype=dtype, order=order)]
    elif any(o.shape != shape or o.dtype != dtype or not o.flags[f"{order}_CONTIGUOUS"] for o in outputs):
        return None
    # Work in the result's memory order: for an F-ordered result every operand is transposed,
    # so that axis 0 below is always the slowest-varying axis of the result.
    flip = order == "F"
    views = [(np.broadcast_to(o, shape).T if flip else np.broadcast_to(o, shape)) if type(o) is np.ndarray else o
             for o in operands]
    targets = [o.T for o in outputs] if flip else list(outputs)
    rows = targets[0].shape[0]
    pieces = min(threads, rows)
    if pieces < 2:
        return None
    bounds = [rows * i // pieces for i in range(pieces + 1)]
    sliced = [type(v) is np.ndarray for v in views]

    def job(first: int, last: int) -> Callable[[], None]:
        def run() -> None:
            kernel([t[first:last] for t in targets], *[v[first:last] if s else v for v, s in zip(views, sliced)])
        return run

    jobs = [job(bounds[i], bounds[i + 1]) for i in range(pieces)]
    if not _Pool.busy.acquire(blocking=False):  # another thread is using the pool: run alone
        for j in jobs:
            j()
        return list(outputs)
    try:
        _run(jobs)
    finally:
        _Pool.busy.release()
    return list(outputs)


def apply(ufunc: np.ufunc, *operands: Any, threads: int | None = None) -> np.ndarray | None:
    """``ufunc(*operands)`` evaluated on several threads (see :func:`apply_blocks`), or None
    where the plain call should be used instead."""

    def kernel(out, *pieces):
        ufunc(*pieces, out=out[0])

    result = apply_blocks(kernel, operands, threads=threads)
    return None if result is None else result[0]
