"""The array module minigan computes with: NumPy, CuPy, or "strict" NumPy.

Everything in minigan that touches tensor data goes through the module returned by
:func:`xp` (or the module of the arrays at hand, :func:`namespace_of`). This is the only
file of the engine that imports NumPy for tensor data; `distances/` and `plot.py` work
on host arrays by design and move data there explicitly with :func:`to_host`.

Three backends:

* ``"numpy"``  — the default; arrays live in host memory.
* ``"cupy"``   — arrays live on an NVIDIA GPU. Needs the ``cupy`` package (the
  ``gpu`` extra) and a visible GPU; asking for it without either raises
  :class:`BackendUnavailableError` saying which is missing.
* ``"strict"`` — NumPy underneath, but its arrays refuse implicit conversion to host
  NumPy exactly where CuPy's do (``np.asarray(x)``, mixing with plain NumPy arrays,
  ``float()`` of a non-scalar). The test suite runs on it so that code which would
  break on a GPU fails on any laptop.

Choose with ``minigan.backend.use(name)`` or the environment variable
``MINIGAN_BACKEND``.

Threads (:mod:`minigan.backend.parallel`): on NumPy an operation runs on one thread below its
measured crossover, or while other programs keep the cores busy, and on up to
:func:`get_num_threads` threads above it; set that count with :func:`set_num_threads` (like
``torch.set_num_threads``), ``minigan … --threads N`` or ``MINIGAN_NUM_THREADS`` (then
``OMP_NUM_THREADS``). Between minigan's own products BLAS is left at one thread unless a count
was chosen.

Random numbers: every backend draws from one host generator (NumPy's PCG64) seeded by
:func:`manual_seed` and moves the draw to the device. A seeded run therefore sees the
*same* random numbers on NumPy, strict and CuPy; only floating-point round-off of the
arithmetic differs between CPU and GPU. The generator's state is plain integers, so it
goes into checkpoints without pickling. Toy GAN batches are small, so the host draw
costs microseconds next to a training step.
"""

from __future__ import annotations

import os
import sys
from types import ModuleType
from typing import Any

import numpy as np

from minigan.backend import strict as _strict
from minigan.backend.jitter import get_jitter, jitter_host, reseed_jitter, set_jitter
from minigan.backend.parallel import get_num_threads, set_num_threads

__all__ = [
    "BackendUnavailableError",
    "BackendMismatchError",
    "use",
    "xp",
    "name",
    "namespace_of",
    "backend_of",
    "is_array",
    "is_host_scalar",
    "to_host",
    "asarray",
    "manual_seed",
    "rng",
    "get_jitter",
    "set_jitter",
    "jitter_host",
    "get_rng_state",
    "set_rng_state",
    "random_normal",
    "random_uniform",
    "random_integers",
    "scatter_add",
    "ignore_float_errors",
    "tiny",
    "gpu_available",
    "tune_malloc",
    "get_num_threads",
    "set_num_threads",
]

BACKENDS = ("numpy", "cupy", "strict")


class BackendUnavailableError(RuntimeError):
    """The requested backend cannot run here (package missing or no GPU)."""


class BackendMismatchError(TypeError):
    """Arrays from two different backends met in one operation."""


_cupy: ModuleType | None = None
_active_name = "numpy"
_active_module: ModuleType | Any = np
_host_rng = np.random.default_rng(0)

# type(array) -> (backend name, array module). Filled lazily so that CuPy is only
# imported when it is asked for.
_NAMESPACE_BY_TYPE: dict[type, tuple[str, Any]] = {
    np.ndarray: ("numpy", np),
    _strict.StrictArray: ("strict", _strict.namespace),
}


def _import_cupy() -> ModuleType:
    """Import CuPy and check that a GPU is visible; explain precisely what is missing."""
    global _cupy
    if _cupy is not None:
        return _cupy
    try:
        import cupy
    except ImportError as error:
        raise BackendUnavailableError(
            "backend 'cupy' needs the CuPy package, which is not installed: "
            "pip install 'minigan[gpu]' (CUDA 12) or 'minigan[gpu-cuda13]' (CUDA 13)"
        ) from error
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as error:  # CUDA driver missing or broken
        raise BackendUnavailableError(
            f"backend 'cupy': CuPy is installed but no usable GPU was found ({error})"
        ) from error
    if count < 1:
        raise BackendUnavailableError("backend 'cupy': CuPy is installed but no GPU is visible")
    _cupy = cupy
    _NAMESPACE_BY_TYPE[cupy.ndarray] = ("cupy", cupy)
    return cupy


def gpu_available() -> bool:
    """True when CuPy imports and sees at least one GPU (used by tests to skip cleanly)."""
    try:
        _import_cupy()
    except BackendUnavailableError:
        return False
    return True


def use(backend: str) -> None:
    """Make ``backend`` ("numpy", "cupy" or "strict") the active array module.

    New tensors are created on the active backend. Tensors already made keep their
    arrays; an operation mixing two backends raises :class:`BackendMismatchError`.
    """
    global _active_name, _active_module, _unavailable
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    if backend == "cupy":
        _active_module = _import_cupy()
    elif backend == "strict":
        _active_module = _strict.namespace
    else:
        _active_module = np
    _active_name = backend
    _unavailable = None


def xp() -> Any:
    """The active array module (``numpy``, ``cupy`` or the strict namespace)."""
    if _unavailable is not None:
        raise _unavailable
    return _active_module


def name() -> str:
    """The active backend's name."""
    return _active_name


def is_array(value: Any) -> bool:
    """True for an array of any backend (not for Python scalars)."""
    return type(value) in _NAMESPACE_BY_TYPE or isinstance(value, np.ndarray | np.generic)


def is_host_scalar(value: Any) -> bool:
    """True for a NumPy scalar (``np.float64(2.0)``, ``np.int64(3)``)."""
    return isinstance(value, np.generic)


def backend_of(array: Any) -> str:
    """The backend name an array belongs to ("numpy", "cupy" or "strict")."""
    return namespace_entry(array)[0]


def namespace_of(array: Any) -> Any:
    """The array module that computes on ``array``."""
    return namespace_entry(array)[1]


def namespace_entry(array: Any) -> tuple[str, Any]:
    entry = _NAMESPACE_BY_TYPE.get(type(array))
    if entry is not None:
        return entry
    if isinstance(array, np.generic):
        return ("numpy", np)
    if type(array).__module__.startswith("cupy"):
        _import_cupy()
        return _NAMESPACE_BY_TYPE[type(array)]
    raise TypeError(f"expected an array, got {type(array).__name__}")


def to_host(array: Any) -> np.ndarray:
    """Copy an array of any backend to a host NumPy array (explicit transfer)."""
    kind = type(array)
    if kind is np.ndarray:
        return array
    if kind is _strict.StrictArray:
        return array.get()
    if isinstance(array, np.generic):
        return np.asarray(array)
    if hasattr(array, "get"):  # cupy.ndarray
        return array.get()
    return np.asarray(array)


def asarray(data: Any, dtype: Any = None, backend: str | None = None) -> Any:
    """Put ``data`` (nested lists, scalars, any backend's array) on a backend.

    Host → device copies happen here and only here, explicitly.
    """
    module = xp() if backend is None else _module_for(backend)
    if module is np:
        if type(data) is _strict.StrictArray:
            data = data.get()
        elif hasattr(data, "get") and not isinstance(data, np.ndarray):  # cupy → host
            data = data.get()
        return np.asarray(data, dtype=dtype)
    if module is _strict.namespace:
        if hasattr(data, "get") and type(data) is not _strict.StrictArray:
            data = data.get()
        return _strict.namespace.asarray(data, dtype=dtype)
    if type(data) is _strict.StrictArray:
        data = data.get()
    return module.asarray(data, dtype=dtype)


def _module_for(backend: str) -> Any:
    if backend == "numpy":
        return np
    if backend == "strict":
        return _strict.namespace
    if backend == "cupy":
        return _import_cupy()
    raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")


def scatter_add(target: Any, index: Any, values: Any) -> None:
    """``target[index] += values`` with repeated indices accumulated (the VJP of indexing)."""
    module = namespace_of(target)
    if module is np:
        np.add.at(target, index, values)
    elif module is _strict.namespace:
        _strict.namespace.add_at(target, index, values)
    else:
        import cupyx

        cupyx.scatter_add(target, index, values)


def tiny(dtype: Any) -> float:
    """The smallest positive normal number of a floating dtype (``finfo(dtype).tiny``)."""
    return float(np.finfo(dtype).tiny)


def ignore_float_errors() -> Any:
    """Context manager: no warnings for NaN/inf produced on purpose (NumPy's errstate;
    CuPy never warns)."""
    return np.errstate(invalid="ignore", divide="ignore", over="ignore")


# ---------------------------------------------------------------- random numbers


def manual_seed(seed: int) -> None:
    """Seed minigan's generator (same numbers on every backend), like ``torch.manual_seed``."""
    global _host_rng
    _host_rng = np.random.default_rng(seed)
    reseed_jitter(seed)


def rng() -> np.random.Generator:
    """The host generator every backend draws from."""
    return _host_rng


def get_rng_state() -> dict:
    """The generator's state as a dict of plain ints (checkpointable without pickle)."""
    return _host_rng.bit_generator.state


def set_rng_state(state: dict) -> None:
    _host_rng.bit_generator.state = state


def _on_device(host: np.ndarray, dtype: Any) -> Any:
    return asarray(host.astype(dtype, copy=False))


def random_normal(shape: tuple[int, ...], dtype: Any = "float32", generator: np.random.Generator | None = None):
    """Standard normal draws of ``shape`` on the active backend."""
    gen = _host_rng if generator is None else generator
    return _on_device(jitter_host(gen.standard_normal(shape)), dtype)


def random_uniform(
    shape: tuple[int, ...],
    low: float = 0.0,
    high: float = 1.0,
    dtype: Any = "float32",
    generator: np.random.Generator | None = None,
):
    """Uniform draws on [low, high) of ``shape`` on the active backend."""
    gen = _host_rng if generator is None else generator
    return _on_device(jitter_host(gen.uniform(low, high, shape)), dtype)


def random_integers(low: int, high: int, shape: tuple[int, ...], generator: np.random.Generator | None = None):
    """Integers in [low, high) on the active backend."""
    gen = _host_rng if generator is None else generator
    return asarray(gen.integers(low, high, shape))


def tune_malloc() -> bool:
    """Ask glibc to keep freed large blocks instead of returning them to the system.

    Opt-in, because it changes memory behaviour for the whole process: ``train`` and the
    benchmarks call it; a library user may. Each training step allocates and frees the
    same few multi-megabyte temporaries; by default glibc maps them fresh every time, and
    the page faults cost more than the arithmetic (profiled: spectral normalization 26 %
    → 8 % of a Linear layer's step). PyTorch gets the same effect from its caching
    allocator. Returns whether the setting took effect (False off glibc, or with the
    environment variable MINIGAN_MALLOPT=0)."""
    if os.environ.get("MINIGAN_MALLOPT", "1") == "0" or not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_mmap_threshold = -1, -3
        return bool(libc.mallopt(m_mmap_threshold, 256 * 1024 * 1024)) and bool(
            libc.mallopt(m_trim_threshold, 512 * 1024 * 1024))
    except (OSError, AttributeError):
        return False


# MINIGAN_BACKEND chooses the backend at import. If it asks for CuPy where CuPy cannot
# run, importing still works (so tests can skip and tools can report), and the first use
# of the array module raises the explanation.
_unavailable: BackendUnavailableError | None = None
_env_backend = os.environ.get("MINIGAN_BACKEND", "").strip().lower()
if _env_backend:
    try:
        use(_env_backend)
    except BackendUnavailableError as error:
        _unavailable = BackendUnavailableError(f"MINIGAN_BACKEND={_env_backend}: {error}")
