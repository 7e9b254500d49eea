"""The parallel-lines example of the WGAN paper (lesson 06 "parallel lines").

P is uniform on the segment {0} × [0, 1], Q_θ uniform on {θ} × [0, 1]:

    θ ≠ 0:  KL(P‖Q) = KL(Q‖P) = +∞,   JS(P‖Q) = ln 2,   W₁(P, Q) = |θ|
    θ = 0:  all four are 0

KL and JS jump as θ → 0 — they give a generator no gradient — while W₁ shrinks continuously.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._validation import _scalar
from .wasserstein import w1_assignment

__all__ = ["parallel_lines", "parallel_lines_samples"]


def parallel_lines(theta: float) -> dict[str, float]:
    """Analytic divergences between P = U({0} × [0,1]) and Q = U({θ} × [0,1]) (lesson 06).

    Returns ``{"kl_pq", "kl_qp", "js", "w1"}``: (+∞, +∞, ln 2, |θ|) for θ ≠ 0 — the supports are
    disjoint, so each KL is infinite and JS saturates at ln 2 (nats), while the cheapest transport
    slides every point sideways by |θ| — and all zeros at θ = 0.
    """
    t = _scalar(theta, "theta")
    if t == 0.0:
        return {"kl_pq": 0.0, "kl_qp": 0.0, "js": 0.0, "w1": 0.0}
    return {"kl_pq": math.inf, "kl_qp": math.inf, "js": math.log(2.0), "w1": abs(t)}


def parallel_lines_samples(theta: float, n: int, seed: Any = None, common_y: bool = True) -> float:
    """W₁ between n samples of P and n samples of Q_θ, by exact assignment (lesson 06).

    With ``common_y=True`` (default, common random numbers) both samples share their heights
    yᵢ ~ U(0, 1); every pairing costs at least |θ| per point and matching equal heights costs
    exactly |θ|, so the result is |θ| up to rounding — a check that the assignment solver finds it.
    With ``common_y=False`` the heights are drawn independently; the sample W₁ then lies in
    [|θ|, |θ| + W₁(y, y′)] (y, y′ the two height samples) and tends to |θ| as n grows.

    ``seed`` goes to ``numpy.random.default_rng``.
    """
    t = _scalar(theta, "theta")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer number of samples, got {n!r}")
    rng = np.random.default_rng(seed)
    y_p = rng.uniform(0.0, 1.0, size=n)
    y_q = y_p if common_y else rng.uniform(0.0, 1.0, size=n)
    P = np.column_stack((np.zeros(n), y_p))
    Q = np.column_stack((np.full(n, t), y_q))
    return float(w1_assignment(P, Q))
