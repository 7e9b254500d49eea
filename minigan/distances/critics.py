"""Optimal critics and discriminators (lessons 02 "the GAN game" and 07 "Kantorovich duality").

Kantorovich–Rubinstein duality:

    W₁(P, Q) = sup over 1-Lipschitz f of  E_P f − E_Q f

In 1-D the supremum is attained by f* with f*'(t) = sign(F_Q(t) − F_P(t)): since
E_P f − E_Q f = −∫ f'(t)·(F_P(t) − F_Q(t)) dt (integration by parts), this f* makes the integrand
|F_P − F_Q| everywhere, so E_P f* − E_Q f* = ∫|F_P − F_Q| = W₁. :func:`optimal_critic_1d` builds it.

The original GAN game L(G, D) = E_r ln D(x) + E_g ln(1 − D(x)) is maximised pointwise by
D*(x) = p_r(x) / (p_r(x) + p_g(x)), and then

    max_D L(G, D) = L(G, D*) = 2·JS(p_r‖p_g) − 2 ln 2

(with an optimal discriminator the generator minimises JS, not KL). At p_g = p_r, D* = ½ and
L = −2 ln 2. :func:`optimal_discriminator`, :func:`gan_value`, :func:`max_discriminator_value`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special

from ._validation import _check_finite, _check_nonnegative, _samples_1d, _to_host, _weights

__all__ = [
    "OptimalCritic1D",
    "optimal_critic_1d",
    "optimal_discriminator",
    "gan_value",
    "max_discriminator_value",
]


@dataclass(frozen=True)
class OptimalCritic1D:
    """The Kantorovich potential f* of two 1-D empirical measures (lesson 07).

    f* is piecewise linear with slope ±1 (or 0 where F_P = F_Q) and kinks only at the data, so
    ``knots``/``knot_values`` describe it exactly and ``critic(t)`` evaluates it anywhere
    (constant outside the data). The additive constant is fixed by f*(smallest data point) = 0.
    ``grid``/``values`` are a sampling for plots; ``grid, values = critic`` unpacks them.
    ``w1`` is E_P f* − E_Q f*, which equals W₁(P, Q).
    """

    grid: np.ndarray
    values: np.ndarray
    knots: np.ndarray
    knot_values: np.ndarray
    w1: float

    def __call__(self, t: Any) -> np.ndarray:
        return np.interp(_to_host(t, "t"), self.knots, self.knot_values)

    def __iter__(self) -> Iterator[np.ndarray]:
        yield self.grid
        yield self.values


def _cdf_numerators(
    values: np.ndarray, weights: np.ndarray | None, knots: np.ndarray
) -> tuple[np.ndarray, float | int]:
    """(F(knots)·total, total): counts (exact integers) without weights, weight sums with them."""
    if weights is None:
        return np.searchsorted(np.sort(values), knots, side="right"), values.shape[0]
    order = np.argsort(values, kind="stable")
    cumulative = np.concatenate(([0.0], np.cumsum(weights[order])))
    idx = np.searchsorted(values[order], knots, side="right")
    return cumulative[idx], float(cumulative[-1])


def optimal_critic_1d(
    x: Any,
    y: Any,
    grid: Any = None,
    x_weights: Any = None,
    y_weights: Any = None,
    num: int = 1001,
) -> OptimalCritic1D:
    """The optimal 1-Lipschitz critic f* for W₁ between 1-D empirical measures P (of x), Q (of y) (lesson 07).

        f*'(t) = sign(F_Q(t) − F_P(t)),   f*(t) = ∫_{t₀}^t f*'(s) ds,   E_P f* − E_Q f* = W₁(P, Q)

    So f* climbs (slope +1) where P lags behind Q — where P has more mass further right — and the
    critic scores P's samples higher than Q's by exactly the earth mover's distance.

    ``grid``: where to sample f* for ``.grid``/``.values`` (default ``num`` points covering the
    data plus 10 % on each side). Weights as in :func:`w1_samples`. Returns an
    :class:`OptimalCritic1D`; it also unpacks as ``grid, values``.
    """
    xa = _samples_1d(x, "x")
    ya = _samples_1d(y, "y")
    wx = None if x_weights is None else _weights(x_weights, xa.shape[0], "x_weights", "x")
    wy = None if y_weights is None else _weights(y_weights, ya.shape[0], "y_weights", "y")
    # only ratios of weights matter: in units of the largest, totals near 1e308 stay finite
    wx = None if wx is None else wx / wx.max()
    wy = None if wy is None else wy / wy.max()
    knots = np.unique(np.concatenate((xa, ya)))
    fp, p_total = _cdf_numerators(xa, wx, knots)
    fq, q_total = _cdf_numerators(ya, wy, knots)
    if wx is None and wy is None:  # exact integers: sign(F_Q − F_P) = sign(count_Q·n − count_P·m)
        slopes = np.sign(fq[:-1] * p_total - fp[:-1] * q_total).astype(np.float64)
    else:  # normalize first: weights may be tiny, and products of them underflow
        slopes = np.sign(fq[:-1] / q_total - fp[:-1] / p_total)
    knot_values = np.concatenate(([0.0], np.cumsum(slopes * np.diff(knots))))

    if grid is None:
        if num < 2:
            raise ValueError(f"num must be >= 2 grid points, got {num}")
        lo, hi = float(knots[0]), float(knots[-1])
        pad = 0.1 * (hi - lo) if hi > lo else 1.0
        grid_arr = np.linspace(lo - pad, hi + pad, num)
    else:
        grid_arr = _to_host(grid, "grid")
        _check_finite(grid_arr, "grid")
    values = np.interp(grid_arr, knots, knot_values)

    f_x = np.interp(xa, knots, knot_values)
    f_y = np.interp(ya, knots, knot_values)
    e_p = float(np.mean(f_x)) if wx is None else float(np.dot(wx, f_x) / wx.sum())
    e_q = float(np.mean(f_y)) if wy is None else float(np.dot(wy, f_y) / wy.sum())
    return OptimalCritic1D(grid=grid_arr, values=values, knots=knots, knot_values=knot_values, w1=e_p - e_q)


def _density_values(p: Any, name: str) -> np.ndarray:
    arr = _to_host(p, name)
    _check_finite(arr, name)
    _check_nonnegative(arr, name)
    return arr


def _same_shape(a: np.ndarray, b: np.ndarray, what: str) -> None:
    if a.shape != b.shape:
        raise ValueError(f"{what} must have the same shape (values on one grid), got shapes {a.shape} and {b.shape}")


def _cell_sizes(dx: Any, shape: tuple[int, ...]) -> np.ndarray:
    cell = _to_host(dx, "dx")
    if cell.shape not in ((), shape):
        raise ValueError(f"dx must be a scalar or have the grid's shape {shape}, got shape {cell.shape}")
    _check_finite(cell, "dx")
    if cell.size and cell.min() <= 0:
        raise ValueError("dx must be > 0 (the grid's cell size)")
    return cell


def optimal_discriminator(p_r: Any, p_g: Any) -> np.ndarray | float:
    """D*(x) = p_r(x) / (p_r(x) + p_g(x)), the discriminator that maximises the GAN game (lesson 02).

    ``p_r``, ``p_g``: density (or probability) values of the real and generated laws at the same
    points, non-negative and finite. Where both are 0 the value of D does not affect L, and we
    define D* = ½ there — the choice symmetric in r and g, and the value D* takes when p_g = p_r.
    Returns an array of the input shape (a float for scalar input).
    """
    r = _density_values(p_r, "p_r")
    g = _density_values(p_g, "p_g")
    _same_shape(r, g, "p_r and p_g")
    s = r + g
    d = np.divide(r, s, out=np.full(r.shape, 0.5), where=s > 0)
    return float(d) if d.ndim == 0 else d


def gan_value(p_r: Any, p_g: Any, D: Any, dx: Any) -> float:
    """L(G, D) = E_r ln D(x) + E_g ln(1 − D(x)) ≈ Σ dx·[p_r ln D + p_g ln(1 − D)] on a grid (lesson 02).

    ``p_r``, ``p_g``, ``D``: values on the same grid (any shape), D in [0, 1]; ``dx``: the cell
    size (scalar) or an array of cell sizes of the same shape. 0·ln 0 = 0, and the value is −inf
    if D = 0 where p_r > 0 or D = 1 where p_g > 0. For probability vectors use dx = 1.
    """
    r = _density_values(p_r, "p_r")
    g = _density_values(p_g, "p_g")
    d = _to_host(D, "D")
    _same_shape(r, g, "p_r and p_g")
    _same_shape(r, d, "p_r and D")
    _check_finite(d, "D")
    if d.size and (d.min() < 0 or d.max() > 1):
        raise ValueError(f"D must take values in [0, 1] (a probability), got range [{d.min():.6g}, {d.max():.6g}]")
    cell = _cell_sizes(dx, r.shape)
    terms = special.xlogy(r, d) + special.xlog1py(g, -d)
    return float(np.sum(terms * cell))


def max_discriminator_value(p_r: Any, p_g: Any, dx: Any) -> float:
    """max_D L(G, D) = L(G, D*), which equals 2·JS(p_r‖p_g) − 2 ln 2 (lesson 02).

    :func:`gan_value` at D* = :func:`optimal_discriminator` (with 1 − D* computed as p_g/(p_r + p_g),
    not by subtraction, so it keeps its precision where p_g ≪ p_r); for densities on
    a grid that each integrate to 1 (Σ p·dx = 1) it equals
    ``2 * js(p_r * dx, p_g * dx) - 2 * ln 2`` to rounding, ranging from −2 ln 2 (p_g = p_r) to 0
    (disjoint supports).
    """
    r = _density_values(p_r, "p_r")
    g = _density_values(p_g, "p_g")
    _same_shape(r, g, "p_r and p_g")
    d_star = optimal_discriminator(r, g)
    cell = _cell_sizes(dx, r.shape)
    # 1 − D* = p_g/(p_r + p_g), computed as such: 1 − D* in floating point loses it when p_g ≪ p_r
    s = r + g
    one_minus = np.divide(g, s, out=np.full(r.shape, 0.5), where=s > 0)
    terms = special.xlogy(r, d_star) + special.xlogy(g, one_minus)
    return float(np.sum(terms * cell))
