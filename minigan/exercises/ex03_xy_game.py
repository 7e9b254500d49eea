"""Exercise 3: the x·y game, simultaneous and alternating gradient steps (lesson 3)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from types import ModuleType

import numpy as np

from minigan import games
from minigan.exercises._framework import Exercise, Patch, Result, compare, delegate

CODE = '''
"""Exercise 3 — the x·y game: simultaneous and alternating gradient steps (lesson 3: why equilibrium is hard).

Player x minimises V(x, y) = x·y, player y maximises it; the only equilibrium is (0, 0).
∂V/∂x = y and ∂V/∂y = x, so with step size η:

    simultaneous:  x' = x − η·y,   y' = y + η·x       (both from the old point)
    alternating:   x' = x − η·y,   y' = y + η·x'      (y answers the x that has already moved)

Simultaneous steps spiral outwards: the radius √(x² + y²) grows by √(1 + η²) every step.
Alternating steps circle for ever: H = x² + y² − η·x·y stays exactly the same.

Check your work:  minigan check 3
"""
import numpy as np


def simultaneous_step(x, y, lr):
    """One simultaneous gradient step on V = x·y with step size lr; return (x', y')."""
    # BEGIN SOLUTION
    return x - lr * y, y + lr * x
    # END SOLUTION


def alternating_step(x, y, lr):
    """One alternating gradient step on V = x·y: x moves first, then y answers the new x; return (x', y')."""
    # BEGIN SOLUTION
    x_new = x - lr * y
    return x_new, y + lr * x_new
    # END SOLUTION


def trajectory(step, x0, y0, lr, steps):
    """Run `step` (one of the two functions above) `steps` times from (x0, y0).

    Return a NumPy array of shape (steps + 1, 2): row k holds (x, y) after k steps (row 0 the start).
    """
    # BEGIN SOLUTION
    points = [(x0, y0)]
    x, y = x0, y0
    for _ in range(steps):
        x, y = step(x, y, lr)
        points.append((x, y))
    return np.array(points, dtype=float)
    # END SOLUTION
'''

HINTS = (
    "x descends: subtract η·∂V/∂x = η·y. y ascends: add η·∂V/∂y = η·x.",
    "In alternating_step compute x' first and use it in y's update.",
    "trajectory: start a list with (x0, y0), append after every step, and finish with np.array(list).",
)

SIGN = "x must descend (x − η·y) and y ascend (y + η·x): a sign is flipped"
STALE = "alternating: y must answer the x that has already moved, y' = y + η·x' (you used the old x)"


def checks(student: ModuleType) -> Iterator[Result]:
    x, y, lr = 1.0, 0.5, 0.1
    yield compare("simultaneous_step(1, 0.5, 0.1)", student.simultaneous_step(x, y, lr), [x - lr * y, y + lr * x],
                  mistakes={SIGN: [x + lr * y, y - lr * x]})
    x_new = x - lr * y
    yield compare("alternating_step(1, 0.5, 0.1)", student.alternating_step(x, y, lr), [x_new, y + lr * x_new],
                  mistakes={STALE: [x - lr * y, y + lr * x], SIGN: [x + lr * y, y - lr * (x + lr * y)]})
    path = student.trajectory(student.simultaneous_step, 1.0, 0.0, 0.1, 100)
    reference = games.simultaneous_gradient_steps(1.0, 0.0, lr=0.1, steps=100)
    yield compare("simultaneous trajectory: 101 points from (1, 0)", path,
                  np.stack([reference.x, reference.y], axis=1), rtol=1e-9, expect="array")
    radius = np.hypot(path[:, 0], path[:, 1])
    yield compare("the radius grows by √(1 + η²) per simultaneous step (after 100 steps: (1 + η²)^50)",
                  radius[-1], math.sqrt(1 + 0.01) ** 100, rtol=1e-9)
    path = student.trajectory(student.alternating_step, 1.0, 0.0, 0.1, 100)
    invariant = path[:, 0] ** 2 + path[:, 1] ** 2 - 0.1 * path[:, 0] * path[:, 1]
    yield compare("alternating steps conserve H = x² + y² − η·x·y", invariant, np.ones(101), rtol=1e-9,
                  mistakes={STALE: reference.x ** 2 + reference.y ** 2 - 0.1 * reference.x * reference.y})
    smallest, largest = games.alternating_radius_bounds(1.0, 0.1)
    radius = np.hypot(path[:, 0], path[:, 1])
    yield Result("alternating radius stays within the bounds from H", bool(
        np.all(radius >= smallest - 1e-9) and np.all(radius <= largest + 1e-9)),
        f"radius in [{radius.min():.4f}, {radius.max():.4f}], bounds [{smallest:.4f}, {largest:.4f}]")


def _bilinear_scalars(x0, y0, lr=0.1, steps=100, value=games.bilinear) -> bool:
    return value is games.bilinear and np.ndim(x0) == 0 and np.ndim(y0) == 0


def patches(student: ModuleType) -> list[Patch]:
    def runner(step):
        def run(x0, y0, lr=0.1, steps=100, value=games.bilinear):
            path = np.asarray(student.trajectory(step, float(x0), float(y0), lr, steps), dtype=float)
            return games.Trajectory(path[:, 0].copy(), path[:, 1].copy())
        return run

    return [Patch("minigan.games", "simultaneous_gradient_steps",
                  delegate(runner(student.simultaneous_step), "simultaneous_step", _bilinear_scalars)),
            Patch("minigan.games", "alternating_gradient_steps",
                  delegate(runner(student.alternating_step), "alternating_step", _bilinear_scalars))]


EXERCISE = Exercise(
    number=3, name="xy_game", title="The x·y game: simultaneous and alternating steps", lesson=3, code=CODE,
    hints=HINTS, functions={"simultaneous_step": ("x", "y", "lr"), "alternating_step": ("x", "y", "lr"),
                            "trajectory": ("step", "x0", "y0", "lr", "steps")},
    checks=checks, patches=patches)
