"""How Lipschitz is a critic? An upper bound from the weights and a lower bound from
gradients (lesson 08).

Upper bound. For D = W_L ∘ h ∘ W_(L−1) ∘ … ∘ h ∘ W_1 (biases do not matter) with an
activation h whose slope |h'| never exceeds 1, the chain rule gives
∇ₓD = W_1ᵀ H_1 W_2ᵀ H_2 ⋯ W_Lᵀ with diagonal H_i of entries in [−1, 1], so

    |D(x) − D(y)| ≤ ‖D‖_L·‖x − y‖,    ‖D‖_L ≤ ∏_i ‖W_i‖_s.

Lower bound. ‖D‖_L ≥ ‖∇ₓD(x)‖ at every point x; searching for a large gradient
(ascent on x ↦ ‖∇ₓD(x)‖) shows how loose the product is — for trained critics it is
often loose by orders of magnitude.
"""

from __future__ import annotations

import math
from typing import Any

from minigan import autodiff, backend
from minigan.autodiff import DTypeError, ShapeError, Tensor
from minigan.nn.layers import Linear, Sequential
from minigan.nn.module import Module
from minigan.nn.spectral_norm import power_iteration, spectral_normalized_weight

__all__ = ["lipschitz_upper_bound", "lipschitz_lower_bound", "layer_spectral_norms"]

_METHODS = ("svd", "power")


def _chain(module: Module, path: str) -> list[tuple[str, Module]]:
    """The modules D is a composition of, in order (Sequentials are flattened)."""
    if isinstance(module, Sequential):
        chain = []
        for name, child in module.named_children():
            chain.extend(_chain(child, f"{path}.{name}" if path else name))
        return chain
    return [(path or type(module).__name__, module)]


def _spectral_norm_of(weight: Any, method: str) -> float:
    if method == "power":
        return power_iteration(weight)[0]
    xp = backend.namespace_of(weight)
    return float(xp.linalg.svd(weight, compute_uv=False)[0])


def layer_spectral_norms(module: Module, method: str = "svd") -> list[tuple[str, float]]:
    """``(name, ‖W‖_s)`` for every Linear of a Sequential/MLP, in order; the effective
    weight W/σ for spectrally normalized layers. Checks the activations as
    :func:`lipschitz_upper_bound` does."""
    if method not in _METHODS:
        raise ValueError(f"unknown method {method!r}; choose 'svd' (exact) or 'power' (power iteration)")
    norms = []
    for name, layer in _chain(module, ""):
        if isinstance(layer, Linear):
            norms.append((name, _spectral_norm_of(spectral_normalized_weight(layer), method)))
            continue
        slope = getattr(layer, "max_slope", None)
        if slope is None:
            raise ValueError(
                f"cannot bound the Lipschitz constant through {name} ({type(layer).__name__}): only Linear "
                "layers and activations that declare max_slope = sup|h'| are understood"
            )
        if not slope <= 1.0:
            raise ValueError(
                f"{name} ({type(layer).__name__}) has slopes up to {slope:g} > 1, so ∏‖W_i‖_s is not a bound "
                "for this network; use an activation with sup|h'| ≤ 1 (tanh, relu, sigmoid, leaky_relu with "
                "|negative_slope| ≤ 1)"
            )
    return norms


def lipschitz_upper_bound(module: Module, method: str = "svd") -> float:
    """∏_i ‖W_i‖_s over the Linear layers of ``module`` (a Linear, Sequential or MLP).

    ``method="svd"`` takes each ‖W‖_s as the largest singular value (exact, so the
    result is a guaranteed bound up to the weights' round-off); ``"power"`` uses
    :func:`power_iteration` (to its default tolerance), which approaches ‖W‖_s from
    below — cheaper for big layers, but not a guaranteed bound.

    Spectrally normalized layers count with the weight they apply in eval mode,
    W/σ with the current u. Raises ValueError for a module the composition rule
    does not cover: an activation without ``max_slope``, or one with
    ``max_slope > 1``. Activations with slopes below 1 (sigmoid: 1/4) would allow a
    tighter bound; the product deliberately stays the textbook one.
    """
    return math.prod(norm for _, norm in layer_spectral_norms(module, method))


def lipschitz_lower_bound(module: Module, x: Any, steps: int = 20, lr: float = 0.05) -> float:
    """The largest ‖∇ₓD‖ found from the points ``x`` by ``steps`` steps of gradient ascent.

    Each point climbs x ← x + lr·d/‖d‖ with d = ∇ₓ‖∇ₓD(x)‖ (normalized steps of
    length ``lr``, so the search neither stalls on tiny gradients nor jumps on huge
    ones); ∇ₓD is computed with ``create_graph=True`` so that its norm can be
    differentiated once more. Every ‖∇ₓD‖ seen on the way counts, so the result is
    at least the largest gradient norm at the starting points, and at most ‖D‖_L.
    For piecewise linear (ReLU) critics ∇ₓD is piecewise constant and the ascent
    does not move: the result is then the maximum over the given points.

    ``module`` must give one number per point: output shape (n, 1) or (n,). For
    vector outputs the local Lipschitz constant is the spectral norm of the Jacobian,
    which this does not compute. The module runs in eval mode (a spectrally
    normalized critic keeps its u) and every submodule gets its previous mode back.
    """
    if not isinstance(steps, int) or steps < 0:
        raise ValueError(f"lipschitz_lower_bound: steps must be an integer ≥ 0, got {steps!r}")
    parameter = next(iter(module.parameters()), None)
    points = x.data if isinstance(x, Tensor) else x
    points = autodiff.tensor(points).data
    if points.ndim != 2:
        raise ShapeError(f"lipschitz_lower_bound: x must be a batch of points of shape (n, d), "
                         f"got {points.shape}")
    if parameter is not None and points.dtype != parameter.dtype:
        raise DTypeError(f"lipschitz_lower_bound: points of dtype {points.dtype} for a network of dtype "
                         f"{parameter.dtype}; convert one of them")
    xp = backend.namespace_of(points)
    tiny = backend.tiny(points.dtype)
    modes = [(layer, layer.training) for layer in module.modules()]
    module.eval()
    best = 0.0
    try:
        for step in range(steps + 1):
            inputs = Tensor(points, requires_grad=True)
            outputs = module(inputs)
            if outputs.shape not in ((points.shape[0],), (points.shape[0], 1)):
                raise ShapeError(
                    f"lipschitz_lower_bound needs one output per point (shape ({points.shape[0]}, 1)); "
                    f"the module gave shape {outputs.shape}. For vector outputs the local Lipschitz "
                    "constant is the spectral norm of the Jacobian, which this function does not compute"
                )
            (gradient,) = autodiff.grad(outputs.sum(), inputs, create_graph=True)
            squared = (gradient * gradient).sum(axis=1)
            best = max(best, math.sqrt(float(squared.data.max())))
            if step == steps or not squared.requires_grad:
                break  # last step, or ∇ₓD does not depend on x (a linear D): nothing to climb
            # eps=tiny keeps √ differentiable where the gradient vanishes (dead ReLUs)
            (ascent,) = autodiff.grad(autodiff.norm(gradient, axis=1, eps=tiny).sum(), inputs, allow_unused=True)
            if ascent is None:
                break
            lengths = xp.sqrt((ascent.data * ascent.data).sum(axis=1, keepdims=True))
            points = points + lr * ascent.data / xp.maximum(lengths, tiny)
    finally:
        for layer, training in modes:
            layer.training = training
    return best
