"""The engine's hot element-wise kernels: several cores for large NumPy arrays, plain otherwise.

The forward rules of ``add``, ``sub``, ``mul``, ``neg`` and ``tanh`` in the primitives
table are these functions (``(xp, *arrays)`` like every forward rule). Each computes the
same numbers as its plain NumPy expression:

* a host NumPy operand of at least :data:`parallel.MIN_PARALLEL_SIZE` elements is cut
  into pieces evaluated on :func:`parallel.get_num_threads` threads
  (:func:`parallel.apply`);
* below that size (the default threshold is off, see minigan/backend/parallel.py for the
  measurement), and for CuPy and strict arrays, the plain expression runs — so the CuPy
  and strict backends never see a host NumPy call from here;
* ``add`` of a C- and an F-ordered matrix (the backward pass's gradient accumulation)
  goes in column strips that keep both in cache (:func:`_add_mixed_orders`).

``matmul`` applies the thread policy of minigan/backend/parallel.py to a matrix product: one
BLAS thread below :data:`parallel.BLAS_MIN_FLOPS` multiply-adds or on a busy machine, up to
:func:`parallel.get_num_threads` above it. (The primitives table's ``matmul`` and ``linear``
forward rules are meant to call it; until they do, their products run at BLAS's count between
products, :func:`parallel.baseline_blas_threads`: one thread unless the user chose a count.)

The VJPs in the primitives table stay Tensor expressions; only how an array is computed
lives here, as CuPy's own kernels do on a GPU. Profile and measurements:
benchmarks/results/thread_profile.md.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigan.backend import parallel

__all__ = ["add", "subtract", "multiply", "negative", "tanh", "matmul"]


_ndarray = np.ndarray


# Mixed memory orders: from this many elements, and this many rows, column strips win.
_MIXED_ORDER_MIN_SIZE = 1 << 16
_MIXED_ORDER_MIN_ROWS = 128
_STRIP_COLUMNS = 32


def _add_mixed_orders(a: np.ndarray, b: np.ndarray) -> np.ndarray | None:
    """a + b for two matrices of one shape and dtype, one C- and one F-ordered, or None.

    The backward pass adds such pairs when it accumulates a weight's gradients from two
    paths. NumPy computes the C-ordered result row by row, reading the F-ordered operand
    with a stride of a whole column — at 1024 × 1024 float32 a 4 KiB stride that keeps
    missing the cache: 4.2 ms instead of ~0.2 ms. Strips of 32 columns keep the strided
    operand's columns in cache: 1.5 ms (measured in benchmarks/results/thread_profile.md;
    below 2¹⁶ elements or 128 rows the strips cost more than they save). The same ufunc
    adds the same pairs of elements, so the result is NumPy's, in NumPy's (C) order."""
    if a.ndim != 2 or a.shape != b.shape or a.dtype != b.dtype or a.shape[0] < _MIXED_ORDER_MIN_ROWS:
        return None
    a_c, b_c = a.flags.c_contiguous, b.flags.c_contiguous
    if a_c == b_c or not (a_c or a.flags.f_contiguous) or not (b_c or b.flags.f_contiguous):
        return None
    out = np.empty(a.shape, dtype=a.dtype)
    for start in range(0, a.shape[1], _STRIP_COLUMNS):
        columns = slice(start, start + _STRIP_COLUMNS)
        np.add(a[:, columns], b[:, columns], out=out[:, columns])
    return out


def _on_threads(ufunc: Any, a: Any, b: Any = None) -> Any:
    """ufunc(a[, b]) on several threads when an operand is a host NumPy array of at least
    :data:`parallel.MIN_PARALLEL_SIZE` elements; None otherwise (or when the pool declines).
    Two fixed arguments, not ``*operands``: this runs on every element-wise call of a step."""
    if (type(a) is _ndarray and a.size >= parallel.MIN_PARALLEL_SIZE) or (
            type(b) is _ndarray and b.size >= parallel.MIN_PARALLEL_SIZE):
        return parallel.apply(ufunc, a) if b is None else parallel.apply(ufunc, a, b)
    return None


def add(xp: Any, a: Any, b: Any) -> Any:
    """a + b (``xp``: the operands' array module, as every forward rule takes it)."""
    if type(a) is _ndarray and type(b) is _ndarray and a.size >= _MIXED_ORDER_MIN_SIZE:
        out = _add_mixed_orders(a, b)
        if out is not None:
            return out
    out = _on_threads(np.add, a, b)
    return a + b if out is None else out


def subtract(xp: Any, a: Any, b: Any) -> Any:
    """a − b."""
    out = _on_threads(np.subtract, a, b)
    return a - b if out is None else out


def multiply(xp: Any, a: Any, b: Any) -> Any:
    """a · b."""
    out = _on_threads(np.multiply, a, b)
    return a * b if out is None else out


def negative(xp: Any, a: Any) -> Any:
    """−a."""
    out = _on_threads(np.negative, a)
    return -a if out is None else out


def tanh(xp: Any, a: Any) -> Any:
    """tanh a."""
    out = _on_threads(np.tanh, a)
    return xp.tanh(a) if out is None else out


def matmul(xp: Any, a: Any, b: Any) -> Any:
    """a @ b, with BLAS on as many threads as :func:`parallel.blas_threads_for` gives its size
    (host NumPy only; CuPy and strict arrays go straight to ``xp.matmul``). The count is set
    only when it changes (~1 µs), and BLAS is left at it: the next product sets its own."""
    if type(a) is _ndarray and type(b) is _ndarray and a.ndim >= 2 and b.ndim >= 2:
        batch = max(a.size // (a.shape[-1] * a.shape[-2] or 1), b.size // (b.shape[-1] * b.shape[-2] or 1), 1)
        parallel.use_blas_threads(parallel.blas_threads_for(batch * a.shape[-2] * a.shape[-1] * b.shape[-1]))
    return xp.matmul(a, b)
