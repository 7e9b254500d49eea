"""Exercise 4: W₁ of two 1-D histograms, the dirt piles (lesson 5)."""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType

import numpy as np

from minigan import distances
from minigan.exercises._framework import Exercise, Patch, Result, compare, delegate, number_pattern, raises_value_error

CODE = '''
"""Exercise 4 — W₁ of two histograms on a line: moving piles of dirt (lesson 5: the earth mover's distance).

P and Q are piles of dirt at the positions 0, 1, …, k−1 with the same total. Walk from left to
right carrying dirt: δᵢ is what you carry from position i−1 to position i,

    δ₀ = 0,    δᵢ₊₁ = δᵢ + Pᵢ − Qᵢ,    W₁ = Σᵢ |δᵢ|

(take what P has in excess at pile i, drop what Q lacks). Example: P = (3, 2, 1, 4),
Q = (1, 2, 4, 3) gives δ = (0, 2, 2, −1, 0) and W₁ = 5.

Check your work:  minigan check 4
"""
import numpy as np


def w1_histogram(p, q):
    """W₁ between the histograms p and q (same length, same total) on the positions 0, 1, …, k−1.

    Return a float. Raise ValueError when the totals differ by more than 1e-9 (relative): there is
    then no way to move P onto Q. Its message names both totals.
    """
    # BEGIN SOLUTION
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    if abs(p.sum() - q.sum()) > 1e-9 * max(p.sum(), q.sum()):
        raise ValueError(f"the piles must have the same total, got {p.sum()} and {q.sum()}")
    carried = np.cumsum(p - q)  # δ₁ … δₖ (δₖ = 0: the totals are equal)
    return float(np.sum(np.abs(carried)))
    # END SOLUTION
'''

HINTS = (
    "δ is a running total: np.cumsum(p - q) gives δ₁, δ₂, …, δₖ.",
    "The dirt carried past a pile is not the difference at that pile: Σ|pᵢ − qᵢ| counts how much "
    "dirt moves, but not how far it goes.",
)

NO_CUMSUM = ("W₁ of histograms without the cumulative sum: Σ|Pᵢ − Qᵢ| says how much dirt moves, not how far; "
             "carry the running total δᵢ₊₁ = δᵢ + Pᵢ − Qᵢ")


def checks(student: ModuleType) -> Iterator[Result]:
    p, q = np.array([3.0, 2.0, 1.0, 4.0]), np.array([1.0, 2.0, 4.0, 3.0])
    yield compare("the dirt piles P = (3, 2, 1, 4), Q = (1, 2, 4, 3): W₁ = 5", student.w1_histogram(p, q), 5.0,
                  mistakes={NO_CUMSUM: 6.0, NO_CUMSUM + " (halved)": 3.0}, expect="float")
    yield compare("W₁ of a pile moved 3 steps: (1, 0, 0, 0) → (0, 0, 0, 1)",
                  student.w1_histogram([1.0, 0, 0, 0], [0, 0, 0, 1.0]), 3.0, mistakes={NO_CUMSUM: 2.0},
                  expect="float")
    rng = np.random.default_rng(4)
    for trial in range(3):
        a, b = rng.dirichlet(np.ones(10)), rng.dirichlet(np.ones(10))
        yield compare(f"W₁ of random histograms on 10 bins #{trial + 1}", student.w1_histogram(a, b),
                      distances.w1_histogram(a, b), mistakes={NO_CUMSUM: np.abs(a - b).sum()}, expect="float")
    yield compare("W₁(p, p) = 0", student.w1_histogram(p, p), 0.0, atol=1e-12, expect="float")
    yield raises_value_error("piles of different totals (3 and 2) raise ValueError naming both totals",
                             lambda: student.w1_histogram([1.0, 2.0], [1.0, 1.0]), student,
                             (number_pattern(3), number_pattern(2)))


def patches(student: ModuleType) -> list[Patch]:
    return [Patch("minigan.distances.wasserstein", "w1_histogram",
                  delegate(student.w1_histogram, "w1_histogram", lambda *a, **k: len(a) == 2 and not k, host=True))]


EXERCISE = Exercise(
    number=4, name="w1_histogram", title="W₁ of two histograms: the dirt piles", lesson=5, code=CODE, hints=HINTS,
    functions={"w1_histogram": ("p", "q")}, checks=checks, patches=patches)
