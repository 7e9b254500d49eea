"""``checked_quad``: ``scipy.integrate.quad`` whose error estimate is checked and reported by name.

Used by the quadrature-based distances: ``kl_density`` and ``js_density`` (lessons 01, 02) and
``w1_cdf`` (lesson 03).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from scipy import integrate


def checked_quad(
    integrand: Callable[[float], float],
    lo: float,
    hi: float,
    *,
    what: str,
    hint: str,
    points: Sequence[float] | None,
    epsabs: float,
    epsrel: float,
    limit: int,
) -> tuple[float, float]:
    """(∫ integrand over [lo, hi], quad's error estimate).

    quad's own IntegrationWarning is replaced by one that names the quantity (``what``) and says
    what to try (``hint``): it is issued when the error estimate exceeds 10·max(epsabs, epsrel·|value|).
    ``points`` (finite intervals only) tells quad where to subdivide.
    """
    options: dict[str, Any] = {"epsabs": epsabs, "epsrel": epsrel, "limit": limit}
    if points is not None:
        if math.isinf(lo) or math.isinf(hi):
            raise ValueError("points can only be given for a finite interval [lo, hi]")
        options["points"] = list(points)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", integrate.IntegrationWarning)
        value, abserr = integrate.quad(integrand, lo, hi, **options)
    tolerance = max(epsabs, epsrel * abs(value))
    if not abserr <= 10.0 * tolerance:
        warnings.warn(
            f"{what}: quadrature error estimate {abserr:.3g} exceeds the requested accuracy "
            f"{tolerance:.3g} (value {value:.10g}); {hint}",
            integrate.IntegrationWarning,
            stacklevel=3,  # the caller of kl_density / js_density / w1_cdf
        )
    return value, abserr
