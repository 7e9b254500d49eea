"""Input checks shared by the distance functions (host-side NumPy, float64).

Every public function in :mod:`minigan.distances` funnels its arguments through these helpers, so
that bad input fails early with a ``ValueError`` that names the argument, the problem and the
offending shape, instead of silently producing ``nan`` or a wrong number.

This module (like the whole package) deliberately imports nothing from the rest of ``minigan``:
the distances are the independent yardstick the engine is checked against.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__: list[str] = []

# Histograms given without normalize=True must sum to 1 within this relative tolerance; equal-total
# checks (w1_histogram with counts) use the same tolerance relative to the larger total.
SUM_RTOL = 1e-9


def _to_host(x: Any, name: str) -> np.ndarray:
    """Return ``x`` as a float64 NumPy array on the host.

    A minigan ``Tensor`` (anything with a callable ``.numpy()``) and a CuPy array (anything with
    ``.get()``) are moved to the host explicitly; everything else goes through ``np.asarray``.
    Complex input is refused rather than silently dropping the imaginary part.
    """
    return _to_host_owned(x, name)[0]


def _to_host_owned(x: Any, name: str) -> tuple[np.ndarray, bool]:
    """Like :func:`_to_host`, also telling whether the result is a fresh array nobody else holds
    (so it may be modified in place, e.g. sorted, without touching the caller's data)."""
    numpy_method = getattr(x, "numpy", None)
    get_method = getattr(x, "get", None)
    if callable(numpy_method) and type(x) is not np.ndarray:
        # a PyTorch tensor that requires grad (or lives on a GPU) refuses .numpy(): detach and
        # copy it to the host first, as a value is all a distance needs
        if getattr(x, "requires_grad", False) and callable(getattr(x, "detach", None)):
            x = x.detach()
        if callable(getattr(x, "cpu", None)):
            x = x.cpu()
        x = x.numpy()
    elif callable(get_method) and hasattr(x, "shape") and not isinstance(x, Mapping):
        try:  # CuPy (and minigan's "strict" arrays): .get() copies device -> host
            x = get_method()
        except TypeError:  # a .get(key) of some other container type; let asarray decide
            pass
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError) as exc:  # ragged nested lists and the like
        raise ValueError(f"{name} could not be converted to a numeric array: {exc}") from exc
    if np.iscomplexobj(arr):
        raise ValueError(f"{name} must be real, got complex values of shape {arr.shape}")
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
        raise ValueError(f"{name} must be numeric, got dtype {arr.dtype} with shape {arr.shape}")
    out = np.asarray(arr, dtype=np.float64)
    # Fresh only when asarray had to convert (dtype change, list input): then nothing else refers to it.
    owned = out is not arr and not np.may_share_memory(out, arr)
    return out, owned


def _check_finite(arr: np.ndarray, name: str) -> None:
    if not np.isfinite(arr).all():
        bad = "NaN" if np.isnan(arr).any() else "inf"
        raise ValueError(f"{name} contains {bad} (shape {arr.shape}); every value must be finite")


def _check_nonnegative(arr: np.ndarray, name: str) -> None:
    if arr.size and arr.min() < 0:
        raise ValueError(
            f"{name} has negative mass (min {arr.min():.6g}, shape {arr.shape}); masses, "
            "probabilities and weights must be >= 0"
        )


def _scalar(x: Any, name: str, positive: bool = False) -> float:
    """A finite real scalar (optionally > 0)."""
    arr = _to_host(x, name)
    if arr.shape not in ((), (1,)):
        raise ValueError(f"{name} must be a scalar, got shape {arr.shape}")
    value = float(arr.reshape(()))
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if positive and value <= 0:
        raise ValueError(f"{name} must be > 0 (a standard deviation / scale), got {value}")
    return value


def _interval(lo: Any, hi: Any) -> tuple[float, float]:
    """Integration limits: real, lo < hi, infinite ends allowed (quad handles them)."""
    values = []
    for value, name in ((lo, "lo"), (hi, "hi")):
        arr = _to_host(value, name)
        if arr.shape != ():
            raise ValueError(f"{name} must be a scalar, got shape {arr.shape}")
        v = float(arr)
        if math.isnan(v):
            raise ValueError(f"{name} is NaN")
        values.append(v)
    a, b = values
    if not a < b:
        raise ValueError(f"the interval needs lo < hi, got lo={a} and hi={b}")
    return a, b


def _mass_vector(p: Any, name: str) -> np.ndarray:
    """A non-empty 1-D vector of finite, non-negative masses with a positive total."""
    arr = _to_host(p, name)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D (a histogram), got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}); a histogram needs at least one bin")
    _check_finite(arr, name)
    _check_nonnegative(arr, name)
    if not arr.max() > 0:
        raise ValueError(f"{name} sums to zero (shape {arr.shape}); it carries no mass to compare")
    return arr


def _normalized(arr: np.ndarray) -> np.ndarray:
    """``arr / arr.sum()`` for finite non-negative masses with a positive total, also when the
    total overflows float64 (counts near 1e308): then the masses are divided by their maximum
    first, which changes no ratio."""
    with np.errstate(over="ignore"):
        total = float(arr.sum())
    if not math.isfinite(total):
        arr = arr / arr.max()
        total = float(arr.sum())
    return arr / total


def _sum_tolerance(x: Any) -> float:
    """The rounding a histogram's total may carry from its own dtype: each mass is rounded to
    within one ε of that dtype (float32: 1.2e-7), so n masses sum to 1 within n·ε. 0 for float64
    and for input without a floating dtype (SUM_RTOL applies then)."""
    dtype = getattr(x, "dtype", None)
    if dtype is None:
        return 0.0
    try:
        dtype = np.dtype(str(dtype).removeprefix("torch."))
    except TypeError:
        return 0.0
    return float(np.finfo(dtype).eps) if dtype.kind == "f" and dtype.itemsize < 8 else 0.0


def _probability_pair(p: Any, q: Any, normalize: bool) -> tuple[np.ndarray, np.ndarray]:
    """Two histograms of equal length, each summing to 1.

    With ``normalize=False`` each must already sum to 1 (within ``SUM_RTOL``; the tiny rounding
    difference is then divided out); with ``normalize=True`` each is divided by its own total.
    """
    tolerances = {"p": _sum_tolerance(p), "q": _sum_tolerance(q)}
    p_arr = _mass_vector(p, "p")
    q_arr = _mass_vector(q, "q")
    if p_arr.shape != q_arr.shape:
        raise ValueError(
            f"p and q must have the same length (one mass per bin), got shapes {p_arr.shape} and {q_arr.shape}"
        )
    out = []
    for arr, name in ((p_arr, "p"), (q_arr, "q")):
        if not normalize:
            with np.errstate(over="ignore"):
                total = float(arr.sum())
            if abs(total - 1.0) > max(SUM_RTOL, arr.size * tolerances[name]):
                raise ValueError(
                    f"{name} sums to {total:.12g}, not 1 (shape {arr.shape}); pass normalize=True to divide "
                    "each histogram by its total"
                )
        out.append(_normalized(arr))
    return out[0], out[1]


def _samples_1d(x: Any, name: str) -> np.ndarray:
    """A non-empty vector of finite 1-D sample values; a column of shape (n, 1) is accepted."""
    return _samples_1d_owned(x, name)[0]


def _samples_1d_owned(x: Any, name: str) -> tuple[np.ndarray, bool]:
    """:func:`_samples_1d`, also telling whether the array may be modified in place."""
    arr, owned = _to_host_owned(x, name)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(
            f"{name} must be 1-D samples of shape (n,) or (n, 1), got shape {arr.shape}; "
            "use w1_assignment for samples in more than one dimension"
        )
    if arr.size == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}); an empirical measure needs at least one sample")
    _check_finite(arr, name)
    return arr, owned


def _weights(w: Any, n: int, name: str, sample_name: str) -> np.ndarray:
    """Non-negative finite weights, one per sample, with a positive total."""
    arr = _to_host(w, name)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1 or arr.shape[0] != n:
        raise ValueError(
            f"{name} must hold one weight per sample of {sample_name}: expected shape ({n},), got shape {arr.shape}"
        )
    _check_finite(arr, name)
    _check_nonnegative(arr, name)
    if not arr.max() > 0:
        raise ValueError(f"{name} sums to zero (shape {arr.shape}); the weights must have a positive total")
    return arr


def _points_2d(X: Any, name: str) -> np.ndarray:
    """Samples as an (n, d) matrix; a 1-D vector is read as n points on the line."""
    arr = _to_host(X, name)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ValueError(f"{name} must have shape (n, d) (or (n,) for 1-D points), got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}); an empirical measure needs at least one sample")
    if arr.shape[1] == 0:
        raise ValueError(f"{name} has zero dimensions (shape {arr.shape})")
    _check_finite(arr, name)
    return arr
