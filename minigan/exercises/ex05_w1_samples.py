"""Exercise 5: W₁ of two 1-D samples, by sorting (lesson 5)."""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType

import numpy as np

from minigan import distances
from minigan.exercises._framework import Exercise, Patch, Result, compare, delegate, number_pattern, raises_value_error

CODE = '''
"""Exercise 5 — W₁ of two samples on a line, by sorting (lesson 5: the earth mover's distance).

Two samples x₁ … xₙ and y₁ … yₙ of the same size are two piles of n grains of mass 1/n each.
On a line the cheapest plan never crosses: the smallest x goes to the smallest y, the second
smallest to the second smallest, and so on. With x₍₁₎ ≤ … ≤ x₍ₙ₎ the sorted sample,

    W₁ = (1/n) Σᵢ |x₍ᵢ₎ − y₍ᵢ₎|.

Check your work:  minigan check 5
"""
import numpy as np


def w1_samples(x, y):
    """W₁ between the empirical laws of two 1-D samples x and y of the same size n. Return a float.

    Raise ValueError when the sizes differ or a sample is not 1-D, with a message that names the
    sizes (or shapes) you were given.
    """
    # BEGIN SOLUTION
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.ndim != 1 or y.ndim != 1:
        raise ValueError(f"x and y must be 1-D samples, got shapes {x.shape} and {y.shape}")
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same size, got {x.shape} and {y.shape}")
    return float(np.mean(np.abs(np.sort(x) - np.sort(y))))
    # END SOLUTION
'''

HINTS = (
    "np.sort(x) sorts a copy; pair the sorted samples entry by entry.",
    "Unsorted pairs give a valid transport plan, but not the cheapest one: its cost is too large.",
)

UNSORTED = "unsorted samples: pairing xᵢ with yᵢ as given is a plan, not the cheapest; sort both samples first"
MEANS = "|mean x − mean y| is only a lower bound on W₁; pair the sorted samples"


def checks(student: ModuleType) -> Iterator[Result]:
    rng = np.random.default_rng(5)
    yield compare("W₁((0, 1, 2), (2, 1, 0)) = 0: the same sample in another order",
                  student.w1_samples(np.array([0.0, 1.0, 2.0]), np.array([2.0, 1.0, 0.0])), 0.0, atol=1e-12,
                  mistakes={UNSORTED: 4.0 / 3.0}, expect="float")
    for trial in range(3):
        x, y = rng.normal(0, 1, 50), rng.normal(0.5, 2, 50)
        yield compare(f"W₁ of two random samples of 50 #{trial + 1}", student.w1_samples(x, y),
                      distances.w1_samples(x, y), rtol=1e-9,
                      mistakes={UNSORTED: np.mean(np.abs(x - y)), MEANS: abs(x.mean() - y.mean())},
                      expect="float")
    x = rng.normal(0, 1, 200)
    yield compare("W₁(x, x + 3) = 3: a shift moves every grain by 3", student.w1_samples(x, rng.permutation(x) + 3.0),
                  3.0, rtol=1e-9, expect="float")
    yield raises_value_error("samples of sizes 3 and 4 raise ValueError naming both sizes",
                             lambda: student.w1_samples(np.zeros(3), np.zeros(4)), student,
                             (number_pattern(3), number_pattern(4)))
    yield raises_value_error("2-D samples of shape (3, 2) raise ValueError naming the shape",
                             lambda: student.w1_samples(np.zeros((3, 2)), np.zeros((3, 2))), student,
                             (number_pattern(3), number_pattern(2)))


def _plain_equal(*args, **kwargs) -> bool:
    if len(args) != 2 or kwargs:
        return False
    return np.ndim(args[0]) == 1 and getattr(args[0], "shape", (len(args[0]),)) == getattr(
        args[1], "shape", (len(args[1]),))


def patches(student: ModuleType) -> list[Patch]:
    return [Patch("minigan.distances.wasserstein", "w1_samples",
                  delegate(student.w1_samples, "w1_samples", _plain_equal, host=True))]


EXERCISE = Exercise(
    number=5, name="w1_samples", title="W₁ of two samples on a line: sorting", lesson=5, code=CODE, hints=HINTS,
    functions={"w1_samples": ("x", "y")}, checks=checks, patches=patches)
