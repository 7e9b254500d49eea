"""The public functions of the engine, in one place: ``minigan.autodiff`` and ``minigan``
re-export this module's ``__all__`` wholesale.

Some are primitives of the table (``primitives.py``) under their public names; the rest
are composites built from primitives, so their gradients of every order come for free
(each states its formula).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from minigan.autodiff import primitives as P
from minigan.autodiff._helpers import expand_dims, mean
from minigan.autodiff.engine import backward, grad, graph_nodes
from minigan.autodiff.gradcheck import GradcheckError, gradcheck, gradgradcheck
from minigan.autodiff.tensor import (
    DTypeError,
    ShapeError,
    Tensor,
    enable_grad,
    get_default_dtype,
    is_grad_enabled,
    no_grad,
    set_default_dtype,
    tensor,
)

__all__ = [
    # tensors, recording and differentiation
    "Tensor", "tensor", "grad", "backward", "graph_nodes", "no_grad", "enable_grad", "is_grad_enabled",
    "set_default_dtype", "get_default_dtype", "ShapeError", "DTypeError",
    "gradcheck", "gradgradcheck", "GradcheckError",
    # primitives under their public names
    "exp", "log", "tanh", "sigmoid", "softplus", "sqrt", "relu", "abs", "maximum", "minimum", "matmul",
    # thin wrappers of primitives and composites
    "sum", "mean", "reshape", "transpose", "leaky_relu", "concatenate", "stack", "where",
    "logsigmoid", "square", "norm",
]

exp, log, tanh, sigmoid, softplus, sqrt, relu, abs = P.exp, P.log, P.tanh, P.sigmoid, P.softplus, P.sqrt, P.relu, P.abs
maximum, minimum, matmul = P.maximum, P.minimum, P.matmul


def sum(x: Tensor, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
    """Σ over ``axis`` (all axes by default)."""
    return P.sum(x, axis=axis, keepdims=keepdims)


def reshape(x: Tensor, shape: Sequence[int]) -> Tensor:
    return P.reshape(x, shape=tuple(shape))


def transpose(x: Tensor, axes: Sequence[int] | None = None) -> Tensor:
    return P.transpose(x, axes=None if axes is None else tuple(axes))


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x for x > 0, negative_slope·x otherwise (PyTorch's default slope 0.01)."""
    return P.leaky_relu(x, negative_slope=negative_slope)


def concatenate(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis (``numpy.concatenate`` / ``torch.cat``)."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("concatenate needs at least one tensor")
    return P.concatenate(*tensors, axis=axis)


def stack(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Join equal-shape tensors along a new axis (a reshape of each, then concatenate)."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("stack needs at least one tensor")
    shapes = {t.shape for t in tensors}
    if len(shapes) != 1:
        raise ValueError(f"stack needs tensors of one shape, got shapes {sorted(shapes)}")
    return concatenate([expand_dims(t, axis) for t in tensors], axis=axis)


def where(condition: Any, a: Tensor | float, b: Tensor | float) -> Tensor:
    """Elementwise ``a`` where ``condition`` holds, else ``b``; the condition gets no gradient."""
    if isinstance(condition, Tensor):
        condition = condition.data
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError("where needs a Tensor for a or b")
    return P.where(condition, a, b)


def logsigmoid(x: Tensor) -> Tensor:
    """log σ(x) = −softplus(−x): exact for any x (no log of an underflowed σ)."""
    return -P.softplus(-x)


def square(x: Tensor) -> Tensor:
    """x² = x·x."""
    return x * x


def norm(x: Tensor, axis: int | Sequence[int] | None = None, keepdims: bool = False, eps: float = 0.0) -> Tensor:
    """Euclidean norm √(Σ x² + eps) over ``axis``.

    At x = 0 the norm is not differentiable; with eps = 0 its gradient there is NaN
    (0/0), which PyTorch hides by returning 0. Where zeros can occur, pass
    ``eps=minigan.backend.tiny(x.dtype)`` (the dtype's smallest normal number): the
    gradient at 0 becomes 0/√tiny = 0, and any norm above √tiny·10⁴ keeps its value to
    within a relative 10⁻⁸. That is the package's one guard against √0
    (``gradient_norms`` of WGAN-GP, ``lipschitz_lower_bound``).
    """
    return P.sqrt(P.sum(x * x, axis=axis, keepdims=keepdims) + eps)
