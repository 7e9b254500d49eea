"""Kullback–Leibler and Jensen–Shannon divergences (lesson 01 "KL and JS"; lesson 06 uses them too).

For histograms p, q (probability vectors over the same bins):

    KL(p‖q) = Σᵢ pᵢ · ln(pᵢ / qᵢ)          with 0 · ln(0 / q) = 0, and = +∞ if some qᵢ = 0 < pᵢ
    JS(p‖q) = ½ KL(p‖m) + ½ KL(q‖m),      m = ½ (p + q)

KL ≥ 0 (Gibbs), KL is not symmetric, and it is infinite as soon as p puts mass where q has none.
JS is symmetric, always finite and 0 ≤ JS ≤ ln 2 in nats (≤ 1 in bits, ``base=2``): the sources'
"JS is bounded by [0, 1]" is the statement in bits.

For 1-D densities the sums become integrals, computed by adaptive quadrature
(``scipy.integrate.quad``) with its error estimate checked: ``kl_density``, ``js_density``.
``kl_gaussian`` is the closed form KL(N(μ₁, σ₁²) ‖ N(μ₂, σ₂²)).

Implementation note: every sum is written as a sum of non-negative terms
(pᵢ ln(pᵢ/qᵢ) − pᵢ + qᵢ ≥ 0, ``scipy.special.kl_div``), whose extra −pᵢ + qᵢ parts cancel in the
total, so rounding can never make a divergence negative.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy import special

from ._quadrature import checked_quad
from ._validation import _interval, _probability_pair, _scalar

__all__ = ["kl", "js", "kl_gaussian", "kl_density", "js_density"]

LN2 = math.log(2.0)
DENSITY_HINT = "pass points= near where the densities concentrate, narrow [lo, hi], or raise limit"

#: Densities may be plain callables ``f(x) -> density`` or objects with ``.pdf`` (and, ideally,
#: ``.logpdf``), such as frozen ``scipy.stats`` distributions.
Density = Any

# Default accuracy demanded of quadrature; a larger error estimate warns (or raises with strict=True).
QUAD_EPSABS = 1e-10
QUAD_EPSREL = 1e-8

#: A density must integrate to 1 over [lo, hi] within this (plus 10× quad's own error estimate):
#: otherwise it is not a probability density there — scaled wrongly, or [lo, hi] misses its mass —
#: and the divergence would be of some other pair of functions (a "KL" of 0.5·N(0, 1) against
#: N(0, 1) is −0.35).
DENSITY_MASS_TOL = 1e-6


def _log_base(base: float | None) -> float:
    if base is None:
        return 1.0
    b = _scalar(base, "base")
    if b <= 0 or b == 1:
        raise ValueError(f"base must be > 0 and != 1, got {b}")
    return math.log(b)


def kl(p: Any, q: Any, base: float | None = None, normalize: bool = False) -> float:
    """KL(p‖q) = Σᵢ pᵢ ln(pᵢ/qᵢ) for two histograms over the same bins (lesson 01).

    Natural log (nats) by default; ``base=2`` gives bits. ``0 · ln(0/q) = 0``; the result is
    ``+inf`` when some bin has qᵢ = 0 < pᵢ (q cannot explain mass that p has there).

    ``p`` and ``q`` must be 1-D, of equal length, non-negative and finite. Each must sum to 1
    unless ``normalize=True``, which divides each by its own total (counts work then).
    Agrees with ``scipy.stats.entropy(p, q)``.
    """
    p_arr, q_arr = _probability_pair(p, q, normalize)
    scale = _log_base(base)
    return _kl_sum(p_arr, q_arr) / scale


def _kl_sum(p: np.ndarray, q: np.ndarray) -> float:
    """Σ [pᵢ ln(pᵢ/qᵢ) − pᵢ + qᵢ] (each term ≥ 0; the −p + q parts cancel for normalized p, q).

    ln(p/q) is taken as ln p − ln q where the ratio would overflow or underflow (q subnormal, say).
    """
    pos = p > 0
    if np.any(pos & (q == 0)):
        return math.inf
    pp, qq = p[pos], q[pos]
    with np.errstate(over="ignore", under="ignore", divide="ignore"):
        ratio = pp / qq
        log_ratio = np.log(ratio)
    extreme = (ratio < 1e-300) | (ratio > 1e300)
    if np.any(extreme):
        log_ratio[extreme] = np.log(pp[extreme]) - np.log(qq[extreme])
    terms = pp * log_ratio - pp + qq
    value = float(np.sum(terms)) + float(np.sum(q[~pos]))
    return max(value, 0.0)


def js(p: Any, q: Any, base: float | None = None, normalize: bool = False) -> float:
    """JS(p‖q) = ½ KL(p‖m) + ½ KL(q‖m), m = ½(p + q), for two histograms (lessons 01, 02, 06).

    Symmetric, always finite, 0 ≤ JS ≤ ln 2 nats (= 1 bit with ``base=2``); it equals ln 2 exactly
    when p and q have disjoint supports. Round-off just outside [0, ln 2] is moved onto the bound
    (nothing else is clipped). Input rules as for :func:`kl`. Equals
    ``scipy.spatial.distance.jensenshannon(p, q) ** 2`` (SciPy returns the square root).
    """
    p_arr, q_arr = _probability_pair(p, q, normalize)
    scale = _log_base(base)
    m = 0.5 * (p_arr + q_arr)
    value = 0.5 * float(np.sum(special.kl_div(p_arr, m))) + 0.5 * float(np.sum(special.kl_div(q_arr, m)))
    # a sum of 2k rounded terms, each at most ln 2, is off by at most ~2k·ε·ln 2
    round_off = max(JS_ROUND_OFF, 4.0 * p_arr.size * float(np.finfo(np.float64).eps))
    return _within_js_bounds(value, round_off, "js") / scale


def kl_gaussian(mu1: float, s1: float, mu2: float, s2: float) -> float:
    """Closed form KL(N(μ₁, σ₁²) ‖ N(μ₂, σ₂²)) in nats (lesson 01).

        KL = ln(σ₂/σ₁) + (σ₁² + (μ₁ − μ₂)²) / (2σ₂²) − ½

    ``s1``, ``s2`` are standard deviations (> 0). KL(N(0,1)‖N(1,1)) = KL(N(1,1)‖N(0,1)) = 0.5:
    with equal variances KL = (μ₁ − μ₂)²/(2σ²) happens to be symmetric.
    """
    m1 = _scalar(mu1, "mu1")
    m2 = _scalar(mu2, "mu2")
    a = _scalar(s1, "s1", positive=True)
    b = _scalar(s2, "s2", positive=True)
    return math.log(b / a) + (a * a + (m1 - m2) ** 2) / (2.0 * b * b) - 0.5


# ----------------------------------------------------------------------------------------------
# densities by quadrature


def _density_pair(f: Any, name: str) -> tuple[Callable[[float], float], Callable[[float], float] | None]:
    """(pdf, logpdf or None) from a callable or an object with .pdf/.logpdf."""
    pdf = getattr(f, "pdf", None)
    if callable(pdf):
        logpdf = getattr(f, "logpdf", None)
        return pdf, (logpdf if callable(logpdf) else None)
    if callable(f):
        return f, None
    raise ValueError(f"{name} must be a density: a callable x -> p(x) or an object with a .pdf method")


def _check_mass(pdf: Callable[[float], float], name: str, a: float, b: float,
                points: Sequence[float] | None, what: str) -> None:
    """Raise unless ∫_a^b pdf = 1 within DENSITY_MASS_TOL (plus quadrature error)."""
    mass, abserr = checked_quad(lambda x: _eval(pdf, x, name), a, b, what=f"{what} (mass of {name})",
                                hint=DENSITY_HINT, points=points, epsabs=QUAD_EPSABS, epsrel=QUAD_EPSREL,
                                limit=200)
    if not abs(mass - 1.0) <= DENSITY_MASS_TOL + 10.0 * abserr:
        raise ValueError(
            f"{what}: {name} integrates to {mass:.6g} over [{a}, {b}], not 1 (tolerance {DENSITY_MASS_TOL:g}): "
            "it is not a probability density there; normalize it, or widen [lo, hi] to hold its mass"
        )


def _eval(f: Callable[[float], float], x: float, name: str) -> float:
    v = float(np.asarray(f(x), dtype=np.float64).reshape(()))
    if not 0.0 <= v < math.inf:
        raise ValueError(f"{name}({x!r}) = {v}: a density must be finite and >= 0")
    return v


def kl_density(
    p: Density,
    q: Density,
    lo: float,
    hi: float,
    *,
    base: float | None = None,
    return_error: bool = False,
    points: Sequence[float] | None = None,
    epsabs: float = QUAD_EPSABS,
    epsrel: float = QUAD_EPSREL,
    limit: int = 200,
) -> float | tuple[float, float]:
    """KL(p‖q) = ∫ p(x) ln(p(x)/q(x)) dx over [lo, hi] for 1-D densities, by adaptive quadrature (lesson 01).

    ``p``, ``q``: callables x ↦ density, or objects with ``.pdf`` such as frozen ``scipy.stats``
    distributions — when both have ``.logpdf`` it is used, which avoids underflow in the tails.
    ``lo``/``hi`` may be ±inf. The result is ``+inf`` if the quadrature meets a point where
    q(x) = 0 < p(x). Beware: with plain pdf callables, p and q can both underflow far in the tails
    so that q rounds to 0 before p does — keep [lo, hi] where the densities are representable
    (e.g. ±20 for unit Gaussians) or pass frozen distributions.

    quad's error estimate is checked against ``max(epsabs, epsrel·|KL|)``; if it is more than 10×
    larger an ``IntegrationWarning`` is issued. ``return_error=True`` returns ``(value, abserr)``.
    ``points`` (finite intervals only) tells quad where to subdivide.
    """
    a, b = _interval(lo, hi)
    scale = _log_base(base)
    p_pdf, p_log = _density_pair(p, "p")
    q_pdf, q_log = _density_pair(q, "q")
    _check_mass(p_pdf, "p", a, b, points, "kl_density")
    _check_mass(q_pdf, "q", a, b, points, "kl_density")
    support_violation: list[float] = []

    if p_log is not None and q_log is not None:

        def integrand(x: float) -> float:
            lp = float(p_log(x))
            if lp == -math.inf:
                return 0.0
            lq = float(q_log(x))
            if math.isnan(lp) or math.isnan(lq):
                raise ValueError(f"log-density is NaN at x={x!r}")
            if lq == -math.inf:
                support_violation.append(x)
                return 0.0
            return math.exp(lp) * (lp - lq)

    else:

        def integrand(x: float) -> float:
            px = _eval(p_pdf, x, "p")
            if px == 0.0:
                return 0.0
            qx = _eval(q_pdf, x, "q")
            if qx == 0.0:
                support_violation.append(x)
                return 0.0
            return px * math.log(px / qx)

    value, abserr = checked_quad(integrand, a, b, what="kl_density", hint=DENSITY_HINT, points=points,
                                 epsabs=epsabs, epsrel=epsrel, limit=limit)
    if support_violation:
        value, abserr = math.inf, 0.0
    value /= scale
    abserr /= scale
    return (value, abserr) if return_error else value


def js_density(
    p: Density,
    q: Density,
    lo: float,
    hi: float,
    *,
    base: float | None = None,
    return_error: bool = False,
    points: Sequence[float] | None = None,
    epsabs: float = QUAD_EPSABS,
    epsrel: float = QUAD_EPSREL,
    limit: int = 200,
) -> float | tuple[float, float]:
    """JS(p‖q) = ½∫ p ln(2p/(p+q)) dx + ½∫ q ln(2q/(p+q)) dx over [lo, hi], by quadrature (lessons 01, 02).

    Always finite, 0 ≤ JS ≤ ln 2. The computed value is returned as it is, except that
    round-off just outside [0, ln 2] (by at most ``JS_ROUND_OFF`` plus 10× quad's error
    estimate) is moved onto the bound; a value further out raises, since it means the
    quadrature failed. Densities, limits, ``points``, error checking and ``return_error`` as in
    :func:`kl_density`; both densities must integrate to 1 over [lo, hi].
    """
    a, b = _interval(lo, hi)
    scale = _log_base(base)
    p_pdf, _ = _density_pair(p, "p")
    q_pdf, _ = _density_pair(q, "q")
    _check_mass(p_pdf, "p", a, b, points, "js_density")
    _check_mass(q_pdf, "q", a, b, points, "js_density")

    def integrand(x: float) -> float:
        px = _eval(p_pdf, x, "p")
        qx = _eval(q_pdf, x, "q")
        s = px + qx
        total = 0.0
        if px > 0.0:
            total += px * math.log(2.0 * px / s)
        if qx > 0.0:
            total += qx * math.log(2.0 * qx / s)
        return 0.5 * total

    value, abserr = checked_quad(integrand, a, b, what="js_density", hint=DENSITY_HINT, points=points,
                                 epsabs=epsabs, epsrel=epsrel, limit=limit)
    value = _within_js_bounds(value, JS_ROUND_OFF + 10.0 * abserr, "js_density") / scale
    abserr /= scale
    return (value, abserr) if return_error else value


#: How far outside [0, ln 2] a computed JS may fall by round-off alone (nats).
JS_ROUND_OFF = 1e-12


def _within_js_bounds(value: float, tolerance: float, what: str) -> float:
    """``value`` moved onto [0, ln 2] if it is outside by at most ``tolerance``; else an error."""
    if -tolerance <= value <= LN2 + tolerance:
        return min(max(value, 0.0), LN2)
    raise ValueError(
        f"{what}: computed JS = {value!r} nats lies outside [0, ln 2] by more than round-off ({tolerance:.3g}); "
        f"the quadrature failed — {DENSITY_HINT}"
    )
