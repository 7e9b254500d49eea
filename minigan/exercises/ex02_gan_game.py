"""Exercise 2: the optimal discriminator D* and the GAN value (lesson 2)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from types import ModuleType

import numpy as np

from minigan import distances
from minigan.exercises._framework import Exercise, Patch, Result, _host_argument, compare, delegate

CODE = '''
"""Exercise 2 — the optimal discriminator D* and the value of the GAN game (lesson 2: the GAN game).

For a fixed generator, the discriminator D maximises

    L(G, D) = E_{x~p_r} ln D(x) + E_{x~p_g} ln(1 − D(x))
            = Σₓ [ p_r(x) ln D(x) + p_g(x) ln(1 − D(x)) ]        (histograms on the same bins)

Point by point, a·ln y + b·ln(1 − y) is largest at y = a/(a + b), so

    D*(x) = p_r(x) / (p_r(x) + p_g(x))      and      L(G, D*) = 2·JS(p_r‖p_g) − 2 ln 2.

Check your work:  minigan check 2
"""
import numpy as np
from scipy.special import xlogy


def optimal_discriminator(p_r, p_g):
    """D* = p_r / (p_r + p_g) at every point, as an array of the inputs' shape.

    Where p_r = p_g = 0 the value of D does not matter; return ½ there (the symmetric choice).
    """
    # BEGIN SOLUTION
    p_r, p_g = np.asarray(p_r, dtype=float), np.asarray(p_g, dtype=float)
    total = p_r + p_g
    return np.divide(p_r, total, out=np.full(total.shape, 0.5), where=total > 0)
    # END SOLUTION


def gan_value(p_r, p_g, D):
    """L(G, D) = Σ p_r·ln D + Σ p_g·ln(1 − D) in nats, for probability vectors p_r, p_g and
    discriminator values D in [0, 1] on the same bins. A bin with no mass adds 0 (0·ln 0 = 0).
    Return a float."""
    # BEGIN SOLUTION
    p_r, p_g, D = (np.asarray(a, dtype=float) for a in (p_r, p_g, D))
    return float(np.sum(xlogy(p_r, D)) + np.sum(xlogy(p_g, 1.0 - D)))
    # END SOLUTION
'''

HINTS = (
    "np.divide(a, b, out=np.full(b.shape, 0.5), where=b > 0) divides where b > 0 and leaves ½ elsewhere.",
    "scipy.special.xlogy(a, y) computes a·ln y with 0·ln 0 = 0, so empty bins cost nothing.",
    "At D = D*, your gan_value should give 2·JS(p_r‖p_g) − 2·ln 2 (exercise 1's js).",
)

LOG10 = "log₁₀ instead of ln: the game is played in nats, use the natural log (np.log / xlogy)"
SWAPPED = "D* is the probability that x is *real*: p_r / (p_r + p_g), not p_g / (p_r + p_g)"


def checks(student: ModuleType) -> Iterator[Result]:
    rng = np.random.default_rng(2)
    p_r, p_g = rng.dirichlet(np.ones(6)), rng.dirichlet(np.ones(6))
    yield compare("D* on six bins", student.optimal_discriminator(p_r, p_g), distances.optimal_discriminator(p_r, p_g),
                  mistakes={SWAPPED: p_g / (p_r + p_g)}, expect="array")
    yield compare("D* = ½ where p_r = p_g = 0", student.optimal_discriminator(np.array([0.0, 1.0]),
                                                                              np.array([0.0, 1.0])), [0.5, 0.5])
    yield compare("D* = ½ everywhere when p_g = p_r", student.optimal_discriminator(p_r, p_r), np.full(6, 0.5))
    d = rng.uniform(0.05, 0.95, 6)
    expected = distances.gan_value(p_r, p_g, d, 1.0)
    yield compare("L(G, D) for a random D", student.gan_value(p_r, p_g, d), expected,
                  mistakes={LOG10: expected / math.log(10)}, expect="float")
    d_star = distances.optimal_discriminator(p_r, p_g)
    expected = 2 * distances.js(p_r, p_g) - 2 * math.log(2)
    yield compare("L(G, D*) = 2·JS(p_r‖p_g) − 2 ln 2", student.gan_value(p_r, p_g, d_star), expected,
                  mistakes={LOG10: expected / math.log(10)})
    yield compare("at p_g = p_r, L(G, D*) = −2 ln 2", student.gan_value(p_r, p_r, np.full(6, 0.5)), -2 * math.log(2),
                  mistakes={LOG10: -2 * math.log10(2)})
    disjoint_r, disjoint_g = np.array([0.5, 0.5, 0.0, 0.0]), np.array([0.0, 0.0, 0.5, 0.5])
    yield compare("disjoint supports: L(G, D*) = 0 (empty bins add nothing)",
                  student.gan_value(disjoint_r, disjoint_g, np.array([1.0, 1.0, 0.0, 0.0])), 0.0, atol=1e-12)


def _scalar_cell(*args, **kwargs) -> bool:
    return len(args) == 4 and not kwargs and np.ndim(args[3]) == 0


def patches(student: ModuleType) -> list[Patch]:
    return [
        Patch("minigan.distances.critics", "optimal_discriminator",
              delegate(student.optimal_discriminator, "optimal_discriminator",
                       lambda *a, **k: len(a) == 2 and not k, host=True)),
        # Σ dx·[p_r ln D + p_g ln(1 − D)] = L(dx·p_r, dx·p_g, D): the grid version is the same sum
        Patch("minigan.distances.critics", "gan_value",
              delegate(student.gan_value, "gan_value", _scalar_cell, host=True,
                       adapt=lambda p_r, p_g, D, dx: (_times(p_r, dx), _times(p_g, dx), D))),
    ]


def _times(values, dx):
    return np.asarray(_host_argument(values), dtype=float) * float(dx)


EXERCISE = Exercise(
    number=2, name="gan_game", title="The optimal discriminator D* and the GAN value", lesson=2, code=CODE,
    hints=HINTS, functions={"optimal_discriminator": ("p_r", "p_g"), "gan_value": ("p_r", "p_g", "D")},
    checks=checks, patches=patches)
