"""The engine's hot element-wise kernels: several cores for large NumPy arrays, plain otherwise.

The forward rules of ``add``, ``sub``, ``mul``, ``neg`` and ``tanh`` in the primitives
table are these functions (``(xp, *arrays)`` like every forward rule). Each computes the
same numbers as its plain NumPy expression:

* a host NumPy operand of at least :data:`parallel.MIN_PARALLEL_SIZE` elements is cut
  into pieces evaluated on :func:`parallel.get_num_threads` threads
  (:func:`parallel.apply`);
* below that size (the default threshold is off, see minigan/backend/parallel.py for the
  measurement), and for CuPy and strict arrays, the plain expression runs — so the CuPy
  and strict backends never see a host NumPy call from here.

The VJPs in the primitives table stay Tensor expressions; only how an array is computed
lives here, as CuPy's own kernels do on a GPU. Profile and measurements:
benchmarks/results/thread_profile.md.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigan.backend import parallel

__all__ = ["add", "subtract", "multiply", "negative", "tanh"]


_ndarray = np.ndarray


def add(xp: Any, a: Any, b: Any) -> Any:
    """a + b (``xp``: the operands' array module, as every forward rule takes it)."""
    if (type(a) is _ndarray and a.size >= parallel.MIN_PARALLEL_SIZE) or (
            type(b) is _ndarray and b.size >= parallel.MIN_PARALLEL_SIZE):
        out = parallel.apply(np.add, a, b)
        if out is not None:
            return out
    return a + b


def subtract(xp: Any, a: Any, b: Any) -> Any:
    """a − b."""
    if (type(a) is _ndarray and a.size >= parallel.MIN_PARALLEL_SIZE) or (
            type(b) is _ndarray and b.size >= parallel.MIN_PARALLEL_SIZE):
        out = parallel.apply(np.subtract, a, b)
        if out is not None:
            return out
    return a - b


def multiply(xp: Any, a: Any, b: Any) -> Any:
    """a · b."""
    if (type(a) is _ndarray and a.size >= parallel.MIN_PARALLEL_SIZE) or (
            type(b) is _ndarray and b.size >= parallel.MIN_PARALLEL_SIZE):
        out = parallel.apply(np.multiply, a, b)
        if out is not None:
            return out
    return a * b


def negative(xp: Any, a: Any) -> Any:
    """−a."""
    if type(a) is _ndarray and a.size >= parallel.MIN_PARALLEL_SIZE:
        out = parallel.apply(np.negative, a)
        if out is not None:
            return out
    return -a


def tanh(xp: Any, a: Any) -> Any:
    """tanh a."""
    if type(a) is _ndarray and a.size >= parallel.MIN_PARALLEL_SIZE:
        out = parallel.apply(np.tanh, a)
        if out is not None:
            return out
    return xp.tanh(a)
