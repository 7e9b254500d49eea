"""Exercise 6: weight clipping and its bound c·√(m·l) (lesson 9)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from types import ModuleType

import numpy as np

import minigan as mg
from minigan.exercises._framework import Exercise, Patch, Result, compare, delegate

CODE = '''
"""Exercise 6 — weight clipping and the bound it buys (lesson 9: weight clipping).

WGAN keeps its critic Lipschitz by clipping every parameter to [−c, c] after each update
(c = 0.01). For an m×l weight matrix with |Wᵢⱼ| ≤ c:

    ‖W‖_s ≤ ‖W‖_F = √(Σᵢⱼ Wᵢⱼ²) ≤ √(m·l·c²) = c·√(m·l)

(‖W‖_s, the largest singular value, is at most the root of the sum of all squared singular
values, ‖W‖_F). The bound is attained by W = c everywhere. Some texts state ‖W‖_s² ≤ c²·m·l²:
true, but looser by √l.

Check your work:  minigan check 6
"""
import math

import minigan as mg


def clip_weights(module, c):
    """Clip every parameter of `module` (weights and biases) to [−c, c], in place.

    module.parameters() lists the parameters; each one's .data is an array of the active backend:
    xp = mg.backend.namespace_of(parameter.data) is its array module (NumPy or CuPy).
    """
    # BEGIN SOLUTION
    for parameter in module.parameters():
        xp = mg.backend.namespace_of(parameter.data)
        parameter.data[...] = xp.clip(parameter.data, -c, c)
    # END SOLUTION


def clipping_bound(c, shape):
    """The bound on ‖W‖_s of an m×l matrix whose entries lie in [−c, c]; shape = (m, l). Return a float."""
    # BEGIN SOLUTION
    m, l = shape
    return c * math.sqrt(m * l)
    # END SOLUTION
'''

HINTS = (
    "xp.clip(array, -c, c) clips; assign with parameter.data[...] = … to change the array in place.",
    "Bound ‖W‖_s by the Frobenius norm: m·l entries, each squared at most c².",
)

CML = "a clipping bound of c·m·l is true but far too loose: ‖W‖_s ≤ ‖W‖_F ≤ √(m·l·c²) = c·√(m·l)"
SOURCE = "c·l·√m is the sources' loose bound (‖W‖_s² ≤ c²·m·l²): the Frobenius norm gives c·√(m·l)"


def checks(student: ModuleType) -> Iterator[Result]:
    mg.backend.manual_seed(6)
    critic = mg.nn.MLP([2, 16, 16, 1], activation="relu", dtype="float64")
    before = [parameter.numpy().copy() for parameter in critic.parameters()]
    c = 0.05
    student.clip_weights(critic, c)
    after = [parameter.numpy() for parameter in critic.parameters()]
    expected = [np.clip(values, -c, c) for values in before]
    yield compare("clip_weights clips every weight and bias of an MLP to [−0.05, 0.05]",
                  np.concatenate([a.ravel() for a in after]), np.concatenate([e.ravel() for e in expected]),
                  mistakes={"clip the biases too: Algorithm 1 clips all the critic's parameters":
                            np.concatenate([(e if v.ndim == 2 else b).ravel()
                                            for e, v, b in zip(expected, after, before)])})
    inside = np.abs(np.concatenate([b.ravel() for b in before])) < c
    yield Result("weights already inside [−c, c] are left alone", bool(np.array_equal(
        np.concatenate([a.ravel() for a in after])[inside], np.concatenate([b.ravel() for b in before])[inside])))
    for m, l in ((64, 2), (512, 512), (1, 30)):
        yield compare(f"clipping_bound(0.01, ({m}, {l})) = 0.01·√({m}·{l})", student.clipping_bound(0.01, (m, l)),
                      0.01 * math.sqrt(m * l), rtol=1e-12,
                      mistakes={CML: 0.01 * m * l, SOURCE: 0.01 * l * math.sqrt(m)} if l > 1 else {CML: 0.01 * m * l},
                      expect="float")
    rng = np.random.default_rng(6)
    worst = max(np.linalg.norm(rng.uniform(-0.01, 0.01, (20, 7)), 2) for _ in range(20))
    bound = float(student.clipping_bound(0.01, (20, 7)))
    yield Result("‖W‖_s ≤ bound for 20 random clipped 20×7 matrices", worst <= bound + 1e-15,
                 f"largest ‖W‖_s {worst:.6g}, bound {bound:.6g}")
    yield compare("W = c everywhere attains it: ‖W‖_s = c·√(m·l)", bound, np.linalg.norm(np.full((20, 7), 0.01), 2),
                  rtol=1e-12)


def patches(student: ModuleType) -> list[Patch]:
    plain = lambda *a, **k: len(a) == 2 and not k  # noqa: E731
    return [Patch("minigan.nn.clipping", "clip_weights", delegate(student.clip_weights, "clip_weights", plain)),
            Patch("minigan.nn.clipping", "clipping_bound", delegate(student.clipping_bound, "clipping_bound", plain))]


EXERCISE = Exercise(
    number=6, name="weight_clipping", title="Weight clipping and its bound c·√(m·l)", lesson=9, code=CODE,
    hints=HINTS, functions={"clip_weights": ("module", "c"), "clipping_bound": ("c", "shape")},
    checks=checks, patches=patches)
