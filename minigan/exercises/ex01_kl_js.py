"""Exercise 1: KL and JS divergences of two histograms, in nats (lesson 1)."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator
from types import ModuleType

import numpy as np

from minigan import distances
from minigan.exercises._framework import Exercise, Patch, Result, compare, delegate

CODE = '''
"""Exercise 1 — KL and JS divergences of two histograms, in nats (lesson 1: KL and JS).

    KL(p‖q) = Σᵢ pᵢ · ln(pᵢ / qᵢ)           0·ln(0/q) = 0;  +∞ when some qᵢ = 0 < pᵢ
    JS(p‖q) = ½ KL(p‖m) + ½ KL(q‖m),       m = ½ (p + q)

KL is not symmetric: p, the first argument, weighs the log-ratio. JS is symmetric, always
finite and at most ln 2 ≈ 0.693 nats (that is 1 bit: the GAN game uses the natural log).

Check your work:  minigan check 1
"""
import math

import numpy as np


def kl(p, q):
    """KL(p‖q) in nats, for two probability vectors p and q of equal length (each sums to 1).

    Return a Python float. Use the natural logarithm. A bin with pᵢ = 0 adds nothing, whatever
    qᵢ is (0·ln 0 = 0); a bin with qᵢ = 0 < pᵢ makes KL infinite: return math.inf.
    """
    # BEGIN SOLUTION
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    mass = p > 0
    if np.any(q[mass] == 0):
        return math.inf
    return float(np.sum(p[mass] * np.log(p[mass] / q[mass])))
    # END SOLUTION


def js(p, q):
    """JS(p‖q) in nats: the mean of KL(p‖m) and KL(q‖m), where m = (p + q) / 2. Return a float."""
    # BEGIN SOLUTION
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    m = 0.5 * (p + q)
    return 0.5 * kl(p, m) + 0.5 * kl(q, m)
    # END SOLUTION
'''

HINTS = (
    "Turn the inputs into arrays first: p = np.asarray(p, dtype=float).",
    "Select the bins that carry mass, mass = p > 0, and sum p[mass] * np.log(p[mass] / q[mass]); "
    "np.log is the natural log (np.log10 would give bans, np.log2 bits).",
    "JS needs the mixture m = 0.5 * (p + q); m > 0 wherever p or q is, so both KLs are finite.",
)

SWAPPED = "KL with the arguments swapped: KL(p‖q) = Σ pᵢ ln(pᵢ/qᵢ) weighs by p, the first argument"
LOG10 = "log₁₀ instead of ln: use np.log (natural log, nats), not np.log10"
BITS_KL = "this is KL in bits (log₂): use the natural log, np.log"
BITS_JS = "JS in bits: the GAN game works in nats, where JS ≤ ln 2 (1 bit = ln 2 nats); use np.log"
NAN = "0·ln 0 gave NaN: skip the bins where pᵢ = 0 (they add 0)"
BOTH_EMPTY = ("a bin where pᵢ = qᵢ = 0 adds 0 (pᵢ = 0: 0·ln(0/0) is taken as 0): KL is +∞ only where "
              "qᵢ = 0 < pᵢ, so test q on the bins where p has mass, q[p > 0]")


def _random_pair(rng: np.random.Generator, k: int) -> tuple[np.ndarray, np.ndarray]:
    return rng.dirichlet(np.ones(k)), rng.dirichlet(np.ones(k))


def _kl_case(name: str, got, expected: float, mistakes: dict[str, float] | None = None) -> Result:
    """compare, but a NaN (0·ln 0 or 0·ln(0/0) computed as is) is a ✗ with its hint, not a stop."""
    if isinstance(got, numbers.Real) and math.isnan(got):
        return Result(name, False, f"expected {expected:.6g}, got nan", NAN)
    return compare(name, got, expected, mistakes=mistakes, expect="float")


def checks(student: ModuleType) -> Iterator[Result]:
    rng = np.random.default_rng(1)
    p, q = np.array([0.1, 0.4, 0.5]), np.array([0.8, 0.15, 0.05])
    expected = distances.kl(p, q)
    yield compare("kl((0.1, 0.4, 0.5), (0.8, 0.15, 0.05))", student.kl(p, q), expected, mistakes={
        SWAPPED: distances.kl(q, p), LOG10: expected / math.log(10), BITS_KL: expected / math.log(2)},
        expect="float")
    for trial in range(3):
        a, b = _random_pair(rng, 6)
        yield compare(f"kl of random histograms #{trial + 1}", student.kl(a, b), distances.kl(a, b),
                      mistakes={SWAPPED: distances.kl(b, a), LOG10: distances.kl(a, b) / math.log(10)},
                      expect="float")
    yield _kl_case("kl with an empty bin in p is ln 2",
                   student.kl(np.array([0.5, 0.5, 0.0]), np.array([0.25, 0.25, 0.5])), math.log(2))
    yield _kl_case("kl is +inf where q has no mass but p has",
                   student.kl(np.array([0.5, 0.5]), np.array([1.0, 0.0])), math.inf)
    both, other = np.array([0.5, 0.5, 0.0]), np.array([0.25, 0.75, 0.0])
    yield _kl_case("kl is finite where pᵢ = qᵢ = 0: kl((0.5, 0.5, 0), (0.25, 0.75, 0))", student.kl(both, other),
                   distances.kl(both, other), mistakes={BOTH_EMPTY: math.inf})
    yield compare("kl(p, p) = 0", student.kl(p, p), 0.0, atol=1e-12, expect="float")

    expected = distances.js(p, q)
    yield compare("js((0.1, 0.4, 0.5), (0.8, 0.15, 0.05))", student.js(p, q), expected, mistakes={
        BITS_JS: expected / math.log(2), LOG10: expected / math.log(10),
        "JS is not the symmetrised KL: compare p and q with the mixture m = (p + q)/2":
            0.5 * (distances.kl(p, q) + distances.kl(q, p))}, expect="float")
    yield compare("js of disjoint histograms = ln 2 (its maximum)",
                  student.js(np.array([1.0, 0.0]), np.array([0.0, 1.0])), math.log(2),
                  mistakes={BITS_JS: 1.0, LOG10: math.log10(2)}, expect="float")
    yield _kl_case("js where both have an empty bin: js((0.5, 0.5, 0), (0.25, 0.75, 0))", student.js(both, other),
                   distances.js(both, other), mistakes={BOTH_EMPTY: math.inf})
    a, b = _random_pair(rng, 8)
    yield compare("js is symmetric: js(p, q) = js(q, p)", student.js(b, a), distances.js(a, b), expect="float")


def patches(student: ModuleType) -> list[Patch]:
    plain = lambda *args, **kwargs: not kwargs and len(args) == 2  # noqa: E731
    return [Patch("minigan.distances.divergences", "kl", delegate(student.kl, "kl", plain, host=True)),
            Patch("minigan.distances.divergences", "js", delegate(student.js, "js", plain, host=True))]


EXERCISE = Exercise(
    number=1, name="kl_js", title="KL and JS divergences of two histograms", lesson=1, code=CODE, hints=HINTS,
    functions={"kl": ("p", "q"), "js": ("p", "q")}, checks=checks, patches=patches)
