"""Finite-difference checks of first and second derivatives, in float64.

``gradcheck(fn, inputs)`` compares the engine's vector–Jacobian product
vᵀ ∂fn/∂x (one backward pass, random v) with the central difference

    ∂/∂xᵢ ⟨v, fn(x)⟩ ≈ (⟨v, fn(x + h eᵢ)⟩ − ⟨v, fn(x − h eᵢ)⟩) / 2h

for every entry xᵢ of every input. ``gradgradcheck`` does the same for the function
x ↦ ⟨w, vᵀ ∂fn/∂x⟩ built with ``create_graph=True``: the derivative of a derivative,
exactly what the gradient penalty differentiates. Both raise ``GradcheckError``
naming the worst entry (input, index, analytic, numeric) when they disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from minigan import backend
from minigan.autodiff.engine import grad
from minigan.autodiff.tensor import Tensor

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(AssertionError):
    """Analytic and numerical derivatives disagree."""


def _as_float64_inputs(inputs: Sequence[Tensor]) -> list[Tensor]:
    prepared = []
    for t in inputs:
        if not isinstance(t, Tensor):
            raise TypeError(f"gradcheck inputs must be Tensors, got {type(t).__name__}")
        if t.dtype != "float64":
            raise TypeError(f"gradcheck needs float64 inputs (got {t.dtype}): finite differences in float32 "
                            "are too coarse to tell a right gradient from a wrong one")
        prepared.append(Tensor(t.data.copy(), requires_grad=True))
    return prepared


def _projected(fn: Callable[..., Tensor], projections: list) -> Callable[..., Tensor]:
    """x ↦ Σ ⟨v, fn(x)⟩ over fn's outputs: a scalar whose gradient is the VJP with v."""

    def scalar(*xs: Tensor) -> Tensor:
        outputs = fn(*xs)
        outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
        while len(projections) < len(outputs):
            shape = outputs[len(projections)].shape
            projections.append(backend.asarray(backend.rng().standard_normal(shape), dtype="float64",
                                               backend=backend.backend_of(outputs[0].data)))
        total = None
        for output, v in zip(outputs, projections):
            term = (output * v).sum()
            total = term if total is None else total + term
        return total

    return scalar


def _check(scalar: Callable[..., Tensor], inputs: list[Tensor], eps: float, atol: float, rtol: float,
           what: str) -> bool:
    value = scalar(*inputs)
    # An output that does not depend on the inputs through the graph has zero analytic
    # gradient; the finite differences then show whether that is true.
    analytic = grad(value, inputs, allow_unused=True) if value.requires_grad else [None] * len(inputs)
    worst = None
    for position, x in enumerate(inputs):
        flat = x.data.reshape(-1)  # a view: perturbing it perturbs x
        analytic_flat = None if analytic[position] is None else backend.to_host(analytic[position].data).reshape(-1)
        for i in range(flat.size):
            original = float(flat[i])
            # Evaluated with recording on: gradgradcheck's scalar itself calls grad().
            flat[i] = original + eps
            plus = float(scalar(*inputs).data)
            flat[i] = original - eps
            minus = float(scalar(*inputs).data)
            flat[i] = original
            numeric = (plus - minus) / (2 * eps)
            value = 0.0 if analytic_flat is None else float(analytic_flat[i])
            error = abs(value - numeric)
            allowed = atol + rtol * abs(numeric)
            if error > allowed and (worst is None or error - allowed > worst[0]):
                index = tuple(int(j) for j in _unravel(i, x.shape))
                worst = (error - allowed, position, index, value, numeric, error)
    if worst is not None:
        _, position, index, value, numeric, error = worst
        raise GradcheckError(
            f"{what}: input {position} at index {index}: analytic {value:.10g} vs numeric {numeric:.10g} "
            f"(|difference| {error:.3g} > atol {atol:g} + rtol {rtol:g}·|numeric|)"
        )
    return True


def _unravel(i: int, shape: tuple[int, ...]) -> list[int]:
    index = []
    for n in reversed(shape):
        index.append(i % n)
        i //= n
    return list(reversed(index))


def gradcheck(fn: Callable[..., Tensor], inputs: Sequence[Tensor], eps: float = 1e-6,
              atol: float = 1e-5, rtol: float = 1e-4) -> bool:
    """Check first derivatives of ``fn`` at float64 ``inputs``; True or GradcheckError."""
    inputs = _as_float64_inputs(inputs)
    return _check(_projected(fn, []), inputs, eps, atol, rtol, "gradcheck")


def gradgradcheck(fn: Callable[..., Tensor], inputs: Sequence[Tensor], eps: float = 1e-6,
                  atol: float = 1e-5, rtol: float = 1e-4) -> bool:
    """Check second derivatives: the gradient of x ↦ ⟨w, ∇ₓ⟨v, fn(x)⟩⟩ (double backprop)."""
    inputs = _as_float64_inputs(inputs)
    first = _projected(fn, [])
    weights: list = []

    def first_derivative(*xs: Tensor):
        value = first(*xs)
        gradients = grad(value, list(xs), create_graph=True, allow_unused=True)
        # An unused input has gradient zero, which does not depend on x.
        return [value * 0.0 if g is None else g for g in gradients]

    scalar = _projected(first_derivative, weights)
    return _check(scalar, inputs, eps, atol, rtol, "gradgradcheck")
