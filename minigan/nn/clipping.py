"""Weight clipping, the original WGAN's way to keep the critic Lipschitz (lesson 09).

After every critic update each parameter entry is clipped to [−c, c] (c = 0.01 in
the WGAN paper). The bound this buys, for an m×l weight matrix W with |W_ij| ≤ c:

    ‖W‖_s ≤ ‖W‖_F = √(Σ_ij W_ij²) ≤ √(m·l·c²) = c·√(m·l)

(the spectral norm is the largest singular value, the Frobenius norm the root of the
sum of all their squares). Row by row: ‖Wx‖² = Σ_i (w_i·x)² ≤ Σ_i ‖w_i‖²‖x‖² ≤ m·l·c²·‖x‖²
by Cauchy–Schwarz. The source texts state ‖W‖_s² ≤ c²·m·l², i.e. ‖W‖_s ≤ c·l·√m:
true, but looser by the factor √l, because it bounds each row's |w_i·x| by
‖w_i‖₁·‖x‖_∞ ≤ c·l·‖x‖ instead of ‖w_i‖·‖x‖ ≤ c·√l·‖x‖. c·√(m·l) is attained
(W = c everywhere has ‖W‖_s = c·√(m·l)); the looser bound only when l = 1.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from minigan import backend
from minigan.nn.module import Module

__all__ = ["clip_weights", "clipping_bound"]


def clip_weights(module: Module, c: float) -> None:
    """Clip every parameter of ``module`` (weights *and* biases) to [−c, c], in place.

    Biases are clipped too because the WGAN reference code clips all of the critic's
    parameters (``p.data.clamp_(-c, c) for p in netD.parameters()``); biases do not
    affect the Lipschitz constant, so clipping them only restricts the critic further.
    For a spectrally normalized layer the trained ``weight_orig`` is what gets clipped.
    """
    if not isinstance(module, Module):
        raise TypeError(f"clip_weights expects a Module, got {type(module).__name__}")
    c = float(c)
    if not c > 0 or not math.isfinite(c):
        raise ValueError(f"clip_weights: the clipping bound c must be a positive finite number, got {c}")
    for parameter in module.parameters():
        xp = backend.namespace_of(parameter.data)
        parameter.data[...] = xp.clip(parameter.data, -c, c)


def clipping_bound(c: float, shape: Sequence[int]) -> float:
    """The bound c·√(m·l) on ‖W‖_s for an m×l matrix whose entries lie in [−c, c].

    See the module docstring for why this, and not the sources' c·l·√m, is the bound
    to use.
    """
    shape = tuple(shape)
    if len(shape) != 2 or any(not isinstance(n, int) or n < 1 for n in shape):
        raise ValueError(f"clipping_bound: shape must be a matrix shape (m, l) of positive integers, "
                         f"got {shape}")
    c = float(c)
    if not c >= 0 or not math.isfinite(c):
        raise ValueError(f"clipping_bound: c must be a finite number ≥ 0, got {c}")
    m, l = shape
    return c * math.sqrt(m * l)
