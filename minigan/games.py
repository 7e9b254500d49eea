"""Small differentiable games: why gradient descent on a minimax game need not converge (lesson 03).

The simplest two-player zero-sum game is the bilinear one,

    V(x, y) = x·y,     player x minimises V, player y maximises it,

whose only equilibrium (a saddle point) is x = y = 0. Each player follows its own gradient,
∂V/∂x = y and ∂V/∂y = x, computed here by the minigan engine (``mg.grad``) rather than by hand,
so the same functions accept any other value function ``value(x, y)`` made of Tensor operations.

**Simultaneous steps** (both players move from the same point, as in a naive GAN step)::

    x ← x − η·y,   y ← y + η·x        i.e. (x, y) ← M (x, y),   M = [[1, −η], [η, 1]]

M = √(1 + η²) · (a rotation by atan η): both eigenvalues 1 ± iη have modulus √(1 + η²) > 1, and
indeed x'² + y'² = (1 + η²)(x² + y²) exactly, so the iterates spiral *outwards* by the factor
√(1 + η²) per step, for every step size η > 0 (the sources' "x·y oscillates with growing amplitude").

**Alternating steps** (y answers the x that has already moved, as a GAN trainer does when it
updates the critic and then the generator)::

    x ← x − η·y,   y ← y + η·x_new    i.e. M = [[1, −η], [η, 1 − η²]],   det M = 1

det M = 1 means areas are preserved; for 0 < η < 2 the trace 2 − η² lies in (−2, 2), so the
eigenvalues are a complex pair on the unit circle and the iterates rotate forever around the
equilibrium without exploding *or* converging. The exact invariant is

    H(x, y) = x² + y² − η·x·y        (H(M(x, y)) = H(x, y); check it by expanding)

and since (1 − η/2)·r² ≤ H ≤ (1 + η/2)·r² (the eigenvalues of H's matrix [[1, −η/2], [−η/2, 1]]),
the radius r = √(x² + y²) stays between r₀·√((1 − η/2)/(1 + η/2)) and r₀·√((1 + η/2)/(1 − η/2)).

Library code: the trajectory is kept as minigan Tensors on the active backend (NumPy, CuPy or
strict) and copied to the host once, at the end, with ``Tensor.numpy()``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

from minigan.autodiff import Tensor, grad, stack, tensor

__all__ = [
    "Trajectory",
    "bilinear",
    "simultaneous_gradient_steps",
    "alternating_gradient_steps",
    "simultaneous_growth_factor",
    "alternating_invariant",
    "alternating_radius_bounds",
]

ValueFunction = Callable[[Tensor, Tensor], Tensor]


class Trajectory(NamedTuple):
    """The iterates of a two-player game: ``x[k]``, ``y[k]`` after k steps (k = 0 … steps).

    Host NumPy arrays of shape ``(steps + 1,) + shape of x0`` (float64). Unpacks as ``xs, ys``.
    """

    x: Any
    y: Any

    @property
    def radius(self) -> Any:
        """Distance from the origin (the bilinear game's equilibrium) after each step, √(x² + y²)
        (for vector players, the Euclidean norm over both players' coordinates)."""
        squares = self.x**2 + self.y**2
        if squares.ndim > 1:
            squares = squares.reshape(squares.shape[0], -1).sum(axis=1)
        return squares**0.5


def bilinear(x: Tensor, y: Tensor) -> Tensor:
    """V(x, y) = Σ x·y: the bilinear game (x minimises, y maximises); its equilibrium is (0, 0)."""
    return (x * y).sum()


def _start(value: Any) -> Tensor:
    # float64: the lesson checks the growth factor √(1 + η²) to ~1e-12, which float32 round-off
    # (1e-7 per step) would blur after a few hundred steps.
    return tensor(value, dtype="float64")


def _check(lr: float, steps: int) -> None:
    if not lr > 0:
        raise ValueError(f"lr must be > 0, got {lr}")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
        raise ValueError(f"steps must be a non-negative integer, got {steps!r}")


def _trajectory(xs: list[Tensor], ys: list[Tensor]) -> Trajectory:
    # One device → host copy for the whole trajectory.
    return Trajectory(stack(xs).numpy(), stack(ys).numpy())


def simultaneous_gradient_steps(x0: Any, y0: Any, lr: float = 0.1, steps: int = 100,
                                value: ValueFunction = bilinear) -> Trajectory:
    """Gradient descent for x and ascent for y, both from the same point (a simultaneous update).

        x_{k+1} = x_k − lr·∂V/∂x(x_k, y_k),   y_{k+1} = y_k + lr·∂V/∂y(x_k, y_k)

    Gradients come from ``mg.grad`` on ``value(x, y)`` (default :func:`bilinear`, V = x·y, for
    which the distance from the origin grows by exactly √(1 + lr²) per step). ``x0``, ``y0``:
    numbers or arrays (one coordinate per entry). Returns the :class:`Trajectory` of all
    ``steps + 1`` iterates as host arrays.
    """
    _check(lr, steps)
    x, y = _start(x0), _start(y0)
    xs, ys = [x], [y]
    for _ in range(steps):
        x_var, y_var = x.detach().requires_grad_(), y.detach().requires_grad_()
        grad_x, grad_y = grad(value(x_var, y_var), (x_var, y_var))
        x, y = x - lr * grad_x, y + lr * grad_y
        xs.append(x)
        ys.append(y)
    return _trajectory(xs, ys)


def alternating_gradient_steps(x0: Any, y0: Any, lr: float = 0.1, steps: int = 100,
                               value: ValueFunction = bilinear) -> Trajectory:
    """x takes its descent step first; y then ascends from the point x has moved to.

        x_{k+1} = x_k − lr·∂V/∂x(x_k, y_k),   y_{k+1} = y_k + lr·∂V/∂y(x_{k+1}, y_k)

    For V = x·y the update matrix has determinant 1 and the iterates circle the equilibrium on
    the ellipse H = x² + y² − lr·x·y = const (:func:`alternating_invariant`): bounded, but not
    convergent. Arguments and result as in :func:`simultaneous_gradient_steps`.
    """
    _check(lr, steps)
    x, y = _start(x0), _start(y0)
    xs, ys = [x], [y]
    for _ in range(steps):
        x_var = x.detach().requires_grad_()
        (grad_x,) = grad(value(x_var, y), x_var)
        x = x - lr * grad_x
        y_var = y.detach().requires_grad_()
        (grad_y,) = grad(value(x, y_var), y_var)
        y = y + lr * grad_y
        xs.append(x)
        ys.append(y)
    return _trajectory(xs, ys)


def simultaneous_growth_factor(lr: float) -> float:
    """|eigenvalue| of [[1, −lr], [lr, 1]] = √(1 + lr²): the radius multiplier per simultaneous step."""
    return math.sqrt(1.0 + lr * lr)


def alternating_invariant(x: Any, y: Any, lr: float) -> Any:
    """H(x, y) = x² + y² − lr·x·y, conserved exactly by alternating steps on V = x·y.

    Works on numbers and host arrays alike (elementwise)."""
    return x * x + y * y - lr * x * y


def alternating_radius_bounds(r0: float, lr: float) -> tuple[float, float]:
    """(smallest, largest) radius an alternating trajectory started at radius ``r0`` can reach.

    From (1 − lr/2)·r² ≤ H ≤ (1 + lr/2)·r² and H conserved; needs 0 < lr < 2.
    """
    if not 0 < lr < 2:
        raise ValueError(f"the bounds need 0 < lr < 2, got {lr}")
    ratio = math.sqrt((1.0 - lr / 2.0) / (1.0 + lr / 2.0))
    return r0 * ratio, r0 / ratio
