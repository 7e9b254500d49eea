"""Sliced Wasserstein-1: exact 1-D W₁ averaged over random directions (lesson 14 "from toys to digits").

    SW₁(P, Q) = E_θ W₁(θ#P, θ#Q),    θ uniform on the unit sphere S^{d−1},  θ#P = law of ⟨θ, X⟩, X ~ P

Each projection is a 1-D problem that :func:`~minigan.distances.w1_samples` solves exactly in
O(n log n), so SW₁ stays cheap in 64 dimensions where the exact assignment W₁ (O(n³)) does not.
:func:`sliced_w1` estimates the expectation by a Monte Carlo mean over ``n_projections`` directions
and reports that mean's standard error.

Two facts the tests check:

* x ↦ ⟨θ, x⟩ is 1-Lipschitz for a unit θ, and pushing a coupling of P and Q forward gives a
  coupling of θ#P and θ#Q, so W₁(θ#P, θ#Q) ≤ W₁(P, Q) for **every** direction: SW₁ ≤ W₁.
* With the directions held fixed (same ``seed``), each term is a pseudo-metric on the samples, so
  the estimate itself is symmetric, zero on equal sets and obeys the triangle inequality exactly.
  (The expectation SW₁ is a metric on laws — Cramér–Wold — but a finite set of directions can
  miss a difference, so the estimate is only a pseudo-metric.)

For a translation, θ#(P + t) = θ#P + ⟨θ, t⟩, so SW₁(P, P + t) = ‖t‖·E|θ₁| with
E|θ₁| = Γ(d/2) / (√π·Γ((d+1)/2)) (= 1 in 1-D, 2/π in 2-D).
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from ._validation import _points_2d
from .wasserstein import w1_samples

__all__ = ["SlicedW1", "sliced_w1", "random_directions"]


class SlicedW1(NamedTuple):
    """The result of :func:`sliced_w1`: the Monte Carlo mean and its standard error.

    ``value`` = (1/K) Σₖ W₁(θₖ#P, θₖ#Q);  ``standard_error`` = s/√K with s the sample standard
    deviation (ddof = 1) of the K per-direction values — ``nan`` when K = 1 (one value has no
    spread to measure). Unpacks as ``value, se = sliced_w1(x, y)``.
    """

    value: float
    standard_error: float


def random_directions(n_projections: int, dim: int, seed: int | np.random.Generator = 0) -> np.ndarray:
    """``n_projections`` directions uniform on the unit sphere S^{dim−1}, shape (n_projections, dim).

    A standard normal vector divided by its norm is uniform on the sphere (the normal law is
    rotation invariant). In 1-D every direction is exactly +1 or −1.
    """
    if isinstance(n_projections, bool) or not isinstance(n_projections, int | np.integer) or n_projections < 1:
        raise ValueError(f"n_projections must be an int >= 1, got {n_projections!r}")
    if isinstance(dim, bool) or not isinstance(dim, int | np.integer) or dim < 1:
        # (dim 0 has no unit vector: the redraw below would never end)
        raise ValueError(f"dim must be an int >= 1 (the points' dimension), got {dim!r}")
    _check_size("n_projections × dim", int(n_projections) * int(dim))
    generator = _generator(seed)
    theta = generator.standard_normal((int(n_projections), dim))
    norms = np.linalg.norm(theta, axis=1, keepdims=True)
    # a zero normal vector has probability 0; redraw rather than divide by zero
    while np.any(norms == 0):
        bad = norms[:, 0] == 0
        theta[bad] = generator.standard_normal((int(bad.sum()), dim))
        norms = np.linalg.norm(theta, axis=1, keepdims=True)
    return theta / norms


# The largest array (in float64 elements) the sliced distance allocates without being asked twice:
# 2²⁸ elements are 2 GiB. Larger requests are refused with their size, before NumPy tries.
MAX_ELEMENTS = 1 << 28


def _check_size(what: str, elements: int) -> None:
    if elements > MAX_ELEMENTS:
        raise ValueError(f"{what} = {elements:,} float64 values ({elements * 8 / 2**30:.1f} GiB) is more than "
                         f"this function allocates ({MAX_ELEMENTS:,}); use fewer projections or points")


def _generator(seed: Any) -> np.random.Generator:
    """``seed`` as a generator: a Generator as it is, or a non-negative integer seed."""
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer or a numpy.random.Generator, got {seed!r}")
    return np.random.default_rng(int(seed))


def _weight_pair(weights: Any) -> tuple[Any, Any]:
    if weights is None:
        return None, None
    if not isinstance(weights, tuple | list) or len(weights) != 2:
        raise ValueError(
            "weights must be None or a pair (x_weights, y_weights), either of which may be None; "
            f"got {type(weights).__name__}"
            + (f" of length {len(weights)}" if isinstance(weights, tuple | list) else "")
        )
    return weights[0], weights[1]


def sliced_w1(
    x: Any,
    y: Any,
    n_projections: int = 128,
    seed: int | np.random.Generator = 0,
    weights: tuple[Any, Any] | None = None,
) -> SlicedW1:
    """Sliced W₁ between two samples in any dimension, with its Monte Carlo standard error (lesson 14).

        SW₁ ≈ (1/K) Σₖ W₁(⟨θₖ, X⟩, ⟨θₖ, Y⟩),   θ₁ … θ_K uniform on S^{d−1} (``random_directions``)

    Each term is exact (:func:`~minigan.distances.w1_samples` on the projected samples, any sizes);
    only the average over directions is random, and ``seed`` fixes it, so the same seed compares
    every pair of samples along the same directions. SW₁ ≤ W₁ (projections are 1-Lipschitz); in
    1-D every direction is ±1 and the result equals ``w1_samples(x, y)``.

    ``x``: shape (n, d) (or (n,) for points on a line); ``y``: shape (m, d); n and m may differ.
    ``weights``: ``None`` or a pair ``(x_weights, y_weights)`` (either may be ``None``), passed to
    ``w1_samples`` — one non-negative weight per point. Returns :class:`SlicedW1`
    ``(value, standard_error)``; the standard error is ``nan`` for ``n_projections=1``.
    Host NumPy in float64; minigan Tensors and CuPy arrays are copied to the host.
    """
    xa = _points_2d(x, "x")
    ya = _points_2d(y, "y")
    if xa.shape[1] != ya.shape[1]:
        raise ValueError(f"x and y must have the same dimension, got shapes {xa.shape} and {ya.shape}")
    x_weights, y_weights = _weight_pair(weights)
    if not isinstance(n_projections, bool) and isinstance(n_projections, int | np.integer):
        # the projections of both samples: (n + m) × K values, checked before anything is allocated
        _check_size("(n + m) × n_projections", (xa.shape[0] + ya.shape[0]) * int(n_projections))
    theta = random_directions(n_projections, xa.shape[1], seed)
    x_projected = xa @ theta.T  # (n, K): column k holds ⟨θₖ, xᵢ⟩
    y_projected = ya @ theta.T
    per_direction = np.array([
        w1_samples(x_projected[:, k], y_projected[:, k], x_weights, y_weights) for k in range(theta.shape[0])
    ])
    value = float(per_direction.mean())
    if per_direction.size == 1:
        return SlicedW1(value, math.nan)
    return SlicedW1(value, float(per_direction.std(ddof=1) / math.sqrt(per_direction.size)))
