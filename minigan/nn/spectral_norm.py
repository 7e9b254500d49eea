"""The spectral norm ‖W‖_s = σ_max(W) by power iteration, and spectral normalization
of a layer (lesson 10, Miyato et al. 2018).

Power iteration, for any (even non-square) W of shape (m, n), from a unit u ∈ ℝᵐ:

    v ← Wᵀu / ‖Wᵀu‖,    u ← W v / ‖W v‖,    σ = uᵀ W v  (= ‖W v‖ after the u step)

This is power iteration on WᵀW (v) and WWᵀ (u) at once; σ rises to σ_max from below,
and after k iterations the relative error of σ shrinks like (σ₂/σ₁)^(4k), the angle
of u and v to the singular vectors like (σ₂/σ₁)^(2k) (lesson 10 plots both). The naive
x ↦ Wx/‖Wx‖ finds the top *eigenvalue* instead: its ‖Wx‖ tends to ‖W‖_s only for normal W
(WWᵀ = WᵀW), its Rayleigh quotient xᵀWx only for symmetric positive semi-definite W.

Spectral normalization replaces a layer's weight by W̄ = W / σ(W) in the forward pass,
so ‖W̄‖_s ≈ 1. As in PyTorch, u and v are treated as constants when differentiating:
σ = uᵀWv is a Tensor expression of W, so the gradient flows through σ:

    ∂⟨G, W/σ⟩/∂W = G/σ − (⟨G, W⟩/σ²)·u vᵀ

and u is remembered between steps (a warm start), so one iteration per training step
keeps σ accurate while W changes slowly.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from minigan import backend
from minigan.autodiff import ShapeError, Tensor, maximum, no_grad
from minigan.nn.module import Module, Parameter

__all__ = ["power_iteration", "spectral_norm", "spectral_norm_all", "remove_spectral_norm",
           "spectral_normalized_weight", "is_spectral_normalized"]


def _normalize(xp: Any, x: Any, eps: float) -> Any:
    # x / max(‖x‖, eps), as torch.nn.functional.normalize: a zero vector stays zero, no NaN.
    return x / xp.maximum(xp.linalg.norm(x), eps)


def _power_steps(W: Any, u: Any, iterations: int, eps: float) -> tuple[Any, Any]:
    """``iterations`` rounds of v ← Wᵀu/‖Wᵀu‖, u ← Wv/‖Wv‖ on raw arrays; no host sync."""
    xp = backend.namespace_of(W)
    v = None
    for _ in range(iterations):
        v = _normalize(xp, W.T @ u, eps)
        u = _normalize(xp, W @ v, eps)
    return u, v


def _matrix(W: Any, what: str) -> Any:
    data = W.data if isinstance(W, Tensor) else W
    if not backend.is_array(data):
        raise TypeError(f"{what}: W must be a Tensor or an array, got {type(W).__name__}")
    if data.ndim != 2:
        raise ShapeError(f"{what}: W must be a matrix (2 dimensions), got shape {data.shape}")
    if data.dtype.kind != "f":
        raise TypeError(f"{what}: W must be floating point, got dtype {data.dtype}")
    return data


def _random_unit(length: int, like: Any, eps: float) -> Any:
    # Drawn on the host generator (mg.manual_seed reproduces it), moved to W's backend.
    draw = backend.rng().standard_normal(length)
    vector = backend.asarray(draw, dtype=like.dtype, backend=backend.backend_of(like))
    return _normalize(backend.namespace_of(like), vector, eps)


def power_iteration(W: Any, u: Any = None, tol: float | None = None, max_iter: int = 1000,
                    eps: float = 1e-12) -> tuple[float, Any, Any, int]:
    """σ_max(W) by power iteration: returns ``(sigma, u, v, iterations)``.

    Args:
        W: an (m, n) Tensor or array of any backend, finite (NaN or inf raises); the
            iteration runs with W's own array module (on a GPU array it runs on the GPU)
            and dtype.
        u: the starting left vector (m,), e.g. the u returned last time (a warm
            start); None draws a random one from ``mg.backend.rng()``. A zero (or
            non-finite) u raises.
        tol: stop after the first iteration k with |σ_k − σ_(k−1)| ≤ tol·σ_k, where
            σ_0 = ‖Wᵀu₀‖ is the estimate of the starting vector. None picks
            max(1e-10, 8·machine epsilon of W's dtype): 1e-10 in float64, about 1e-6
            in float32 (tighter is below float32 round-off and would never stop).
        max_iter: at most this many iterations (a RuntimeWarning says when it was hit).
        eps: the floor of a vector's length when a random start vector is normalised
            (x / max(‖x‖, eps), as ``torch.nn.functional.normalize``); the iteration
            itself uses the relative test above, not eps.

    Returns:
        sigma: σ = uᵀWv as a Python float (each iteration reads it back to test tol);
        u, v: unit left/right singular-vector estimates, arrays of W's backend;
        iterations: how many iterations ran (a warm start that has already converged
        takes 1).

    Scale invariance: the iteration runs on W/2ᵏ with 2ᵏ the power of two at the size of
    W's largest entry (an exact rescaling), so 1e-13·I and 1e155·I give σ = 1e-13 and
    1e155 like I gives 1: no tolerance is absolute and no norm overflows. If the
    iterate collapses (Wᵀu = 0 to round-off: u orthogonal to every left singular
    vector with σ > 0, e.g. W = e₁e₁ᵀ and u = e₂) it restarts from a random vector.
    A u orthogonal to the top singular vector alone still converges to the largest σ it
    is not orthogonal to, as in exact arithmetic: pass u=None when in doubt.
    σ approaches ‖W‖_s from below: for a guaranteed upper bound use an SVD.
    """
    W = _matrix(W, "power_iteration")
    xp = backend.namespace_of(W)
    if not isinstance(max_iter, int) or max_iter < 1:
        raise ValueError(f"power_iteration: max_iter must be a positive integer, got {max_iter!r}")
    if tol is None:
        tol = max(1e-10, 8.0 * float(xp.finfo(W.dtype).eps))
    if tol < 0:
        raise ValueError(f"power_iteration: tol must be ≥ 0, got {tol}")
    u = None if u is None else _start_vector(u, W)
    largest = float(xp.abs(W).max()) if W.size else 0.0
    if not math.isfinite(largest):
        raise ValueError(f"power_iteration: W (shape {W.shape}) contains NaN or inf")
    if largest == 0.0:  # W = 0: σ = 0 exactly, any unit vectors are singular vectors
        u = _random_unit(W.shape[0], W, eps) if u is None else u
        return 0.0, u, _random_unit(W.shape[1], W, eps), 1
    unit = math.ldexp(1.0, math.frexp(largest)[1])  # W/unit: exact, largest entry in [1/2, 1), so σ ≥ 1/2
    W = W / unit
    collapsed = 16.0 * float(xp.finfo(W.dtype).eps)  # ‖Wᵀu‖ this small (σ ≥ 1/2) is round-off
    u = _random_unit(W.shape[0], W, eps) if u is None else u
    Wt_u = W.T @ u
    previous = float(xp.linalg.norm(Wt_u))
    sigma, v, change = previous, None, 0.0
    for iteration in range(1, max_iter + 1):
        if previous <= collapsed:  # u has no component along any singular vector: start afresh
            u = _random_unit(W.shape[0], W, eps)
            Wt_u = W.T @ u
            previous = float(xp.linalg.norm(Wt_u))
            continue
        v = Wt_u / xp.linalg.norm(Wt_u)
        Wv = W @ v
        length = xp.linalg.norm(Wv)  # > 0, since uᵀWv = ‖Wᵀu‖ > 0
        u = Wv / length
        sigma = float(length)  # = uᵀWv, since u = Wv/‖Wv‖
        change = abs(sigma - previous)
        if change <= tol * sigma:
            return sigma * unit, u, v, iteration
        previous = sigma
        Wt_u = W.T @ u
    if v is None:
        raise RuntimeError(f"power_iteration: the iterate collapsed in all {max_iter} iterations")
    warnings.warn(f"power_iteration did not reach tol={tol:g} in {max_iter} iterations "
                  f"(last relative change {change / sigma:.3g})",
                  RuntimeWarning, stacklevel=2)
    return sigma * unit, u, v, max_iter


def _start_vector(u: Any, W: Any) -> Any:
    """A given start vector, checked and made a unit vector of W's backend and dtype."""
    u = u.data if isinstance(u, Tensor) else u
    if not backend.is_array(u) or tuple(u.shape) != (W.shape[0],):
        raise ShapeError(f"power_iteration: u must have shape ({W.shape[0]},) for W of shape {W.shape}, "
                         f"got {getattr(u, 'shape', type(u).__name__)}")
    if backend.backend_of(u) != backend.backend_of(W):
        raise backend.BackendMismatchError(
            f"power_iteration: u is a {backend.backend_of(u)} array but W is {backend.backend_of(W)}")
    xp = backend.namespace_of(W)
    u = u.astype(W.dtype)
    largest = float(xp.abs(u).max())
    if not math.isfinite(largest) or largest == 0.0:
        raise ValueError(f"power_iteration: the start vector u must be finite and non-zero, "
                         f"got max |u| = {largest}")
    u = u / largest  # before the norm, so that a huge u does not overflow it
    return u / xp.linalg.norm(u)


class _SpectralNorm:
    """The forward pre-hook that sets ``module.<name> = <name>_orig / σ`` before each forward."""

    def __init__(self, name: str, n_power_iterations: int, eps: float):
        self.name = name
        self.n_power_iterations = n_power_iterations
        self.eps = eps

    def compute(self, module: Module, update: bool) -> tuple[Tensor, Tensor]:
        """(W/σ as a Tensor of W_orig's graph, σ). With ``update``, first advance u and v
        by ``n_power_iterations`` steps from their remembered values (a warm start)."""
        weight = getattr(module, self.name + "_orig")
        u_buffer = getattr(module, self.name + "_u")
        v_buffer = getattr(module, self.name + "_v")
        if update and self.n_power_iterations > 0:
            u, v = _power_steps(weight.data, u_buffer.data, self.n_power_iterations, self.eps)
            u_buffer.data[...] = u
            v_buffer.data[...] = v
        else:
            u, v = u_buffer.data.copy(), v_buffer.data.copy()
        # Fresh arrays in the graph: later in-place updates of the buffers must not change
        # what backward sees. u and v are constants here (no requires_grad), as in PyTorch.
        sigma = Tensor(u) @ (weight @ Tensor(v))
        # W·(1/σ) rather than W/σ: the same value to an ulp, and its backward makes two fewer
        # passes over W-sized arrays (the share of a training step it costs matters, see
        # benchmarks/results/spectral_norm.md). σ is floored at eps: an all-zero W (σ = 0)
        # stays the zero map instead of 0·∞ = NaN; above eps the floor changes nothing.
        return weight * (1.0 / maximum(sigma, self.eps)), sigma

    def __call__(self, module: Module, args: tuple) -> None:
        weight, sigma = self.compute(module, update=module.training)
        setattr(module, self.name, weight)
        setattr(module, self.name + "_sigma", sigma.detach())


def _hooks(module: Module) -> dict[str, tuple[int, _SpectralNorm]]:
    return module.__dict__.setdefault("_spectral_norm_hooks", {})


def is_spectral_normalized(module: Module, name: str = "weight") -> bool:
    return name in module.__dict__.get("_spectral_norm_hooks", {})


def spectral_norm(module: Module, n_power_iterations: int = 1, eps: float = 1e-12, name: str = "weight",
                  warmup_iterations: int = 15) -> Module:
    """Make ``module`` use W̄ = W/σ(W) for its parameter ``name`` (a Linear's weight); returns it.

    Follows ``torch.nn.utils.spectral_norm``: the trained parameter becomes
    ``<name>_orig``; buffers ``<name>_u`` (m,) and ``<name>_v`` (n,) hold the power
    iteration's vectors; before every forward ``module.<name>`` is recomputed as
    W/σ with σ = uᵀWv, differentiable with respect to W (u, v constant). In training
    mode u and v first take ``n_power_iterations`` steps from their last values (the
    warm start); in eval mode they are left alone, so evaluation is deterministic.
    The σ of the last forward is ``module.<name>_sigma`` (a 0-d Tensor).

    Differences from PyTorch: u and v start from ``warmup_iterations`` (15) power steps
    on the initial W — what ``torch.nn.utils.parametrizations.spectral_norm`` does —
    rather than from random vectors, so σ is already accurate before the first
    training step. State-dict keys are the classic ``weight_orig/weight_u/weight_v``.
    """
    if not isinstance(module, Module):
        raise TypeError(f"spectral_norm expects a Module, got {type(module).__name__}")
    if is_spectral_normalized(module, name):
        raise ValueError(f"spectral_norm: {type(module).__name__}.{name} is already spectrally normalized")
    weight = module._parameters.get(name)
    if weight is None:
        raise ValueError(f"spectral_norm: {type(module).__name__} has no parameter {name!r}")
    _matrix(weight, "spectral_norm")
    if not backend.to_host(backend.namespace_of(weight.data).any(weight.data != 0)):
        # σ(0) = 0: W/σ is 0/0 (PyTorch returns NaN with warnings); say so once, here
        raise ValueError(f"spectral_norm: {type(module).__name__}.{name} is all zeros (shape {tuple(weight.shape)}), "
                         "so σ(W) = 0 and W/σ(W) is undefined; initialise the weight first")
    if not isinstance(n_power_iterations, int) or n_power_iterations < 0:
        raise ValueError(f"spectral_norm: n_power_iterations must be an integer ≥ 0, "
                         f"got {n_power_iterations!r}")
    del module._parameters[name]
    module.register_parameter(name + "_orig", weight)
    u = _random_unit(weight.shape[0], weight.data, eps)
    v = _random_unit(weight.shape[1], weight.data, eps)
    if warmup_iterations > 0:
        u, v = _power_steps(weight.data, u, warmup_iterations, eps)
    module.register_buffer(name + "_u", Tensor(u))
    module.register_buffer(name + "_v", Tensor(v))
    hook = _SpectralNorm(name, n_power_iterations, eps)
    handle = module.register_forward_pre_hook(hook)
    _hooks(module)[name] = (handle, hook)
    with no_grad():  # so that module.<name> exists before the first forward
        normalized, sigma = hook.compute(module, update=False)
    setattr(module, name, normalized)
    setattr(module, name + "_sigma", sigma)
    return module


def spectral_normalized_weight(module: Module, name: str = "weight") -> Any:
    """The weight array the layer applies now in eval mode, W/σ with the current u, v
    (used by ``lipschitz_upper_bound``); for a plain layer, its weight array."""
    if not is_spectral_normalized(module, name):
        return getattr(module, name).data
    _, hook = _hooks(module)[name]
    with no_grad():
        weight, _ = hook.compute(module, update=False)
    return weight.data


def remove_spectral_norm(module: Module, name: str = "weight") -> Module:
    """Undo :func:`spectral_norm`: ``<name>`` becomes a plain Parameter holding W/σ (as now in eval mode)."""
    if not is_spectral_normalized(module, name):
        raise ValueError(f"remove_spectral_norm: {type(module).__name__}.{name} is not spectrally normalized")
    weight = spectral_normalized_weight(module, name)
    handle, _ = _hooks(module).pop(name)
    module.remove_forward_pre_hook(handle)
    for suffix in ("_orig", "_u", "_v"):
        delattr(module, name + suffix)
    module.__dict__.pop(name, None)
    module.__dict__.pop(name + "_sigma", None)
    module.register_parameter(name, Parameter(weight))
    return module


def spectral_norm_all(module: Module, n_power_iterations: int = 1, eps: float = 1e-12) -> Module:
    """Apply :func:`spectral_norm` to every layer with a 2-D ``weight`` parameter in ``module``
    (each ``Linear`` of the SN-GAN critic); returns it.

    ``MLP(..., spectral_norm=True)`` calls this. Layers already normalized are skipped.
    """
    for layer in list(module.modules()):
        weight = layer._parameters.get("weight")
        if weight is not None and weight.ndim == 2 and not is_spectral_normalized(layer):
            spectral_norm(layer, n_power_iterations=n_power_iterations, eps=eps)
    return module
