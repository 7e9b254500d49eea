"""How many threads minigan computes on: the thread policy, and a small pool for element-wise work.

**The policy** (the default, ``MINIGAN_NUM_THREADS`` unset): a matrix product or element-wise
operation smaller than its measured crossover runs on **one thread**; a larger one on up to
:func:`get_num_threads` threads, but never on more cores than the machine has free at that
moment (the runnable-process count of ``/proc/loadavg``, read at most every 0.25 s on Linux).
Why: handing work to a second thread costs 70–250 µs on a virtual machine, and a toy GAN's
products (256 × 64 × 64) take far less; worse, on a busy machine (a browser, another job)
OpenBLAS's helper threads wait for a core and every product waits for them — measured on a
shared 2-core machine, a quick-preset WGAN-GP step took 612 ms with BLAS's default threads and
26 ms with one (issue 22, benchmarks/results/busy_machine.md). Above the crossovers and on idle
cores, several threads still pay (2 threads: 1.9× faster products at 512 × 512).

* :func:`set_num_threads` (like ``torch.set_num_threads``), ``minigan train/compare/lesson
  --threads N`` and the environment variable ``MINIGAN_NUM_THREADS=N`` set the most threads
  minigan uses (one setting, three spellings); ``N = 1`` is one thread for everything.
  ``OMP_NUM_THREADS``/``OPENBLAS_NUM_THREADS``/``MKL_NUM_THREADS`` count too when minigan's own
  are unset.
* Matrix products: :func:`blas_threads_for` is the policy, :func:`use_blas_threads` sets BLAS's
  count through threadpoolctl (only when it changes: ~1 µs). Between minigan's products BLAS is
  left at :func:`baseline_blas_threads`: one thread by default, N after an explicit setting.
* Element-wise work: :func:`apply` cuts one ufunc evaluation into contiguous pieces along the
  result's slowest axis, evaluated on :func:`elementwise_threads_for` threads with ``out=`` into
  its slice of one result array — the same ufunc on the same operands, so the same numbers.
  Only arrays of at least :data:`MIN_PARALLEL_SIZE` elements go this way; on the 2-vCPU machine
  of benchmarks/results/thread_crossover.md no size up to 4M elements was faster on two threads,
  so that crossover is off by default. Where thread hand-over is cheap (bare-metal laptops)
  measure it with ``python benchmarks/thread_crossover.py`` and set ``MINIGAN_PARALLEL_MIN_SIZE``.

A bad value in one of these environment variables never stops ``import minigan``: one line on
stderr names it and the default is used.
"""

from __future__ import annotations

import math
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = ["get_num_threads", "set_num_threads", "apply", "apply_blocks", "MIN_PARALLEL_SIZE",
           "BLAS_MIN_FLOPS", "blas_threads_for", "elementwise_threads_for", "use_blas_threads",
           "free_cores", "baseline_blas_threads", "MAX_THREADS"]

# The most threads set_num_threads accepts: four per CPU is already far past any gain.
MAX_THREADS = 4 * (os.cpu_count() or 1)


_REPORTED: set[tuple[str, str]] = set()  # bad environment values already reported (once each)


def _environment_integer(variable: str, what: str, maximum: int = sys.maxsize) -> int | None:
    """A whole number ≥ 1 from the environment ("1e6" reads as 1000000), None when unset.

    A value that is not one is ignored with one line on stderr (never a traceback at import)."""
    text = os.environ.get(variable, "").strip()
    if not text or (variable, text) in _REPORTED:
        return None
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if not (math.isfinite(number) and number == int(number) and 1 <= number <= maximum):
        limit = "" if maximum == sys.maxsize else f" and ≤ {maximum}"
        _REPORTED.add((variable, text))
        print(f"minigan: ignoring {variable}={text!r}: expected a whole number of {what} ≥ 1{limit}",
              file=sys.stderr)
        return None
    return int(number)


def _threshold_from_environment() -> int:
    value = _environment_integer("MINIGAN_PARALLEL_MIN_SIZE", "elements")
    return sys.maxsize if value is None else value  # off: no crossover was found where it was measured


# Arrays with fewer elements are computed on the calling thread (see the module docstring).
MIN_PARALLEL_SIZE = _threshold_from_environment()

# Matrix products of fewer multiply-adds (m·k·n) run on one BLAS thread. On the idle 2-vCPU
# machine (benchmarks/results/thread_profile.md) 2 threads made the (H, B) = (128, 256) products
# (4.2M multiply-adds) 1.6× faster and did nothing at (64, 64) (0.26M); on the same machine
# shared with other jobs, 2 threads made every product from 1M to 67M multiply-adds 2.4–24×
# *slower* (benchmarks/results/thread_crossover_blas_busy.md). So: one thread below 4M — the
# quick preset's 256 × 64 × 64 products included — and above it only on cores free right now.
BLAS_MIN_FLOPS = 1 << 22

_explicit: int | None = None  # set_num_threads' value


# ------------------------------------------------------------------ thread count
class _Blas:
    """BLAS's thread-count controls, found once through threadpoolctl (None without it), and
    the count minigan last gave BLAS."""

    controllers: list | None = None
    searched = False
    current: int | None = None


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


def available_cpus() -> int:
    """The CPUs this process may run on (its affinity mask on Linux, else os.cpu_count())."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _from_environment() -> int:
    value = _environment_integer("MINIGAN_NUM_THREADS", "threads", MAX_THREADS)
    if value is not None:
        return value
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        text = os.environ.get(variable, "").split(",")[0].strip()
        if text.isdigit() and int(text) > 0:
            return int(text)
    return available_cpus()


def _user_chose() -> bool:
    """True when the user set a thread count (set_num_threads or an environment variable)."""
    if _explicit is not None or _environment_integer("MINIGAN_NUM_THREADS", "threads", MAX_THREADS) is not None:
        return True
    return any(os.environ.get(v, "").split(",")[0].strip().isdigit() for v in
               ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"))


def get_num_threads() -> int:
    """The most threads minigan's products and element-wise kernels use (like
    ``torch.get_num_threads``): the value given to :func:`set_num_threads`, else
    ``MINIGAN_NUM_THREADS``, else ``OMP_NUM_THREADS`` (or ``OPENBLAS_NUM_THREADS``,
    ``MKL_NUM_THREADS``), else the CPUs this process may use. Operations below their
    crossover use one thread whatever this says (see the module docstring)."""
    return _explicit if _explicit is not None else _from_environment()


def set_num_threads(n: int) -> None:
    """Use at most ``n`` threads for matrix products (BLAS, through threadpoolctl) and minigan's
    element-wise kernels, like ``torch.set_num_threads(n)``; 1 is one thread for everything.
    ``minigan … --threads N`` and ``MINIGAN_NUM_THREADS=N`` are the same setting."""
    global _explicit
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"set_num_threads needs a positive integer, got {n!r}")
    if n > MAX_THREADS:
        raise ValueError(f"set_num_threads({n}): at most {MAX_THREADS} threads (4 per CPU of this machine's "
                         f"{os.cpu_count()}); more only adds hand-over costs")
    _explicit = int(n)
    use_blas_threads(_explicit)


def baseline_blas_threads() -> int:
    """BLAS's count between minigan's own products: one by default (a product that goes through
    :func:`minigan.backend.kernels.matmul` gets its own count), N after an explicit setting."""
    return get_num_threads() if _user_chose() else 1


def use_blas_threads(n: int) -> None:
    """Set BLAS's thread count to ``n`` (through threadpoolctl; nothing without it), skipping
    the call when minigan set that count last."""
    if n != _Blas.current:
        for controller in _blas_controllers() or ():
            controller.set_num_threads(n)
        _Blas.current = n


class _Load:
    checked = -1.0
    others = 0


_LOAD_INTERVAL = 0.25  # seconds between two looks at /proc/loadavg


def free_cores() -> int:
    """CPUs this process may use that no other process is running on right now (≥ 1).

    Linux: the CPUs of our affinity mask minus the other runnable tasks of ``/proc/loadavg``
    (its 4th field counts runnable tasks at this instant, ours included; we take off our
    BLAS threads as counted by the last setting). Read at most every 0.25 s (~15 µs a read).
    Elsewhere: all the CPUs (no cheap instantaneous load is available)."""
    now = time.monotonic()
    if now - _Load.checked >= _LOAD_INTERVAL:
        _Load.checked = now
        try:
            with open("/proc/loadavg", encoding="ascii") as handle:
                running = int(handle.read().split()[3].split("/")[0])
            _Load.others = max(0, running - max(_Blas.current or 1, 1))
        except (OSError, ValueError, IndexError):
            _Load.others = 0
    return max(1, available_cpus() - _Load.others)


def blas_threads_for(multiply_adds: int) -> int:
    """The threads for a matrix product of ``multiply_adds`` (m·k·n) multiply-adds: one below
    :data:`BLAS_MIN_FLOPS`, else :func:`get_num_threads` capped by :func:`free_cores`."""
    return _threads_above(multiply_adds, BLAS_MIN_FLOPS)


def elementwise_threads_for(size: int) -> int:
    """The threads for an element-wise operation on ``size`` elements: one below
    :data:`MIN_PARALLEL_SIZE`, else :func:`get_num_threads` capped by :func:`free_cores`."""
    return _threads_above(size, MIN_PARALLEL_SIZE)


def _threads_above(size: int, crossover: int) -> int:
    # the one rule both kinds of operation follow: one thread below the measured crossover, else
    # the chosen count, but never more threads than there are free cores right now
    if size < crossover:
        return 1
    wanted = get_num_threads()
    return 1 if wanted == 1 else min(wanted, free_cores())


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

    ``threads`` None: :func:`elementwise_threads_for` decides.

    Returns the outputs, or None where this path does not apply (one thread, mixed or
    non-floating dtypes, no contiguous operand of the result's shape, fewer than
    :data:`MIN_PARALLEL_SIZE` elements); the caller then evaluates the plain expression.
    """
    dtype = _common_dtype(operands)
    if dtype is None:
        return None
    shape = np.broadcast_shapes(*[np.shape(o) for o in operands])
    size = 1
    for n in shape:
        size *= n
    if size < MIN_PARALLEL_SIZE or len(shape) == 0 or shape[0] == 0:
        return None
    threads = elementwise_threads_for(size) if threads is None else threads
    if threads < 2:
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


def _start() -> None:
    """At import: BLAS at :func:`baseline_blas_threads` (one thread unless the user chose a count)."""
    try:
        use_blas_threads(baseline_blas_threads())
    except Exception as error:  # threadpoolctl could not talk to this BLAS: leave it as it is
        print(f"minigan: could not set BLAS's thread count ({error}); it keeps its own", file=sys.stderr)


_start()
