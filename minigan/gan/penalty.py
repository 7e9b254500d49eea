"""The WGAN-GP gradient penalty (Gulrajani et al. 2017), built on double backprop (lesson 11).

    x̂ = ε·x_real + (1 − ε)·x_fake,          ε ~ U[0, 1], one draw per sample
    penalty = E_x̂ (‖∇ₓ̂ D(x̂)‖₂ − target)²    (target 1 in the paper)

The critic loss of WGAN-GP is E D(x_fake) − E D(x_real) + λ·penalty. The gradient ∇ₓ̂ D(x̂) is
computed with ``grad(..., create_graph=True)``, so the penalty is itself differentiable with
respect to the critic's parameters: that second derivative is the whole point.

x̂ is treated as data (a fresh leaf), as in the paper's Algorithm 1 and the authors' code: the
penalty acts on the critic only, never on the generator that produced x_fake.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np  # the type of the optional host generator, nothing else

from minigan import backend
from minigan.autodiff import Tensor, grad, no_grad, norm

__all__ = ["gradient_penalty", "interpolate", "gradient_norms"]


def _check_batch(real: Tensor, fake: Tensor) -> None:
    for name, value in (("real", real), ("fake", fake)):
        if not isinstance(value, Tensor):
            raise TypeError(f"{name} must be a Tensor, got {type(value).__name__}")
        if value.ndim < 2 or value.shape[0] == 0:
            raise ValueError(f"{name} must be a non-empty batch of shape (n, d, ...), got {value.shape}")
    if real.shape != fake.shape:
        raise ValueError(f"real and fake batches must have the same shape, got {real.shape} and {fake.shape}")


def interpolate(real: Tensor, fake: Tensor, epsilon: Tensor | None = None,
                generator: np.random.Generator | None = None) -> Tensor:
    """x̂ = ε·real + (1 − ε)·fake with ε ~ U[0, 1] per sample, as a new leaf that requires grad.

    ``epsilon`` (shape (n, 1, ...) broadcastable to the batch) fixes ε instead of drawing it from
    ``generator`` (default ``minigan.backend.rng()``).
    """
    _check_batch(real, fake)
    n = real.shape[0]
    if epsilon is None:
        shape = (n,) + (1,) * (real.ndim - 1)
        epsilon = Tensor(backend.random_uniform(shape, 0.0, 1.0, dtype=real.dtype, generator=generator))
    elif not isinstance(epsilon, Tensor):
        raise TypeError(f"epsilon must be a Tensor, got {type(epsilon).__name__}")
    elif epsilon.ndim != real.ndim or epsilon.shape[0] != n or any(s != 1 for s in epsilon.shape[1:]):
        raise ValueError(f"epsilon must have shape {(n,) + (1,) * (real.ndim - 1)} (one ε per sample), "
                         f"got {epsilon.shape}")
    with no_grad():
        mixed = epsilon * real + (1.0 - epsilon) * fake
    return Tensor(mixed.data, requires_grad=True)


def gradient_norms(critic: Callable[[Tensor], Tensor], points: Tensor, create_graph: bool = False) -> Tensor:
    """‖∇ₓ D(x)‖₂ for every point of the batch, shape (n,).

    ``points`` must require grad. Summing D over the batch before differentiating is exact
    because D(xᵢ) depends on xᵢ alone (no batch-coupling layers in a critic). Where the gradient
    is exactly 0 (a dead ReLU region) the norm's derivative is 0, as in PyTorch, instead of the
    0/0 = NaN of √ at 0: the norm is √(‖∇ₓ D‖² + tiny) (``norm``'s eps, the package's one guard
    against √0), which leaves every other value as it is. A NaN gradient gives a NaN norm.
    """
    scores = critic(points)
    if not isinstance(scores, Tensor):
        raise TypeError(f"the critic must return a Tensor, got {type(scores).__name__}")
    if scores.size != points.shape[0]:
        raise ValueError(f"the critic must return one score per point: {points.shape[0]} points gave "
                         f"scores of shape {scores.shape}")
    if not scores.requires_grad:
        raise RuntimeError("the critic's output does not depend on its input (nothing requires grad); "
                           "the gradient penalty needs a differentiable critic")
    (gradient,) = grad(scores.sum(), points, create_graph=create_graph)
    return norm(gradient, axis=tuple(range(1, gradient.ndim)), eps=backend.tiny(gradient.dtype))


def gradient_penalty(
    critic: Callable[[Tensor], Tensor],
    real: Tensor,
    fake: Tensor,
    target: float = 1.0,
    *,
    return_norms: bool = False,
    epsilon: Tensor | None = None,
    generator: np.random.Generator | None = None,
) -> Tensor | tuple[Tensor, Tensor]:
    """E_x̂ (‖∇ₓ̂ D(x̂)‖₂ − target)² at x̂ = ε·real + (1 − ε)·fake, ε ~ U[0, 1] per sample (lesson 11).

    Returns the penalty as a scalar Tensor that the critic's parameters can be differentiated
    through (multiply by λ yourself: λ = 10 in the paper, 0.1 in its toy script). With
    ``return_norms=True`` returns ``(penalty, norms)``, ``norms`` being the detached per-sample
    gradient norms (for metrics). ``epsilon`` fixes ε (shape (n, 1)); otherwise it is drawn from
    ``generator`` (default ``minigan.backend.rng()``). For a linear critic D(x) = w·x + b the
    penalty is exactly (‖w‖ − target)².
    """
    if not isinstance(target, int | float) or isinstance(target, bool) or not math.isfinite(target):
        raise ValueError(f"target must be a finite number, got {target!r}")
    x_hat = interpolate(real, fake, epsilon=epsilon, generator=generator)
    norms = gradient_norms(critic, x_hat, create_graph=True)
    deviation = norms - float(target)
    penalty = (deviation * deviation).mean()
    if return_norms:
        return penalty, norms.detach()
    return penalty
