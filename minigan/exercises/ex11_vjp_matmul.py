"""Exercise 11: the VJP of matmul, as an engine primitive (lesson 11)."""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType

import numpy as np

import minigan as mg
from minigan.autodiff import primitives
from minigan.autodiff.tensor import Tensor
from minigan.exercises import _engine_checks as engine
from minigan.exercises._framework import Exercise, Fatal, Patch, Result, compare, count_call

CODE = '''
"""Exercise 11 — the backward rule (VJP) of matrix multiplication (lesson 11: gradient penalty).

    C = A @ B,   A: (m, k),  B: (k, n),  C: (m, n),   G = ∂L/∂C
    ∂L/∂A = G Bᵀ   (m, k)        ∂L/∂B = Aᵀ G   (k, n)

Each gradient has its input's shape: that is how to remember the order of the factors.
1-D operands follow NumPy: a vector on the left is a row (1, k), on the right a column (k, 1),
and that axis is dropped from the result.

    a (k,) @ B (k, n) → (n,):    ∂L/∂a = B g,            ∂L/∂B = a gᵀ   (outer product)
    A (m, k) @ b (k,) → (m,):    ∂L/∂A = g bᵀ,           ∂L/∂b = Aᵀ g
    a (k,) @ b (k,)   → ():      ∂L/∂a = g·b,            ∂L/∂b = g·a

The checker registers your VJP as an engine primitive and differentiates through it twice: use
Tensor operations (@, *, .T, .reshape) only.

Check your work:  minigan check 11
"""


def matmul_vjp(g, out, a, b):
    """(∂L/∂a, ∂L/∂b) for out = a @ b, where a and b are 1-D or 2-D Tensors. Return a pair of Tensors."""
    # BEGIN SOLUTION
    if a.ndim == 1 and b.ndim == 1:
        return g * b, g * a
    if a.ndim == 1:
        return b @ g, a.reshape((a.shape[0], 1)) @ g.reshape((1, g.shape[0]))
    if b.ndim == 1:
        return g.reshape((g.shape[0], 1)) @ b.reshape((1, b.shape[0])), a.T @ g
    return g @ b.T, a.T @ g
    # END SOLUTION
'''

HINTS = (
    "For matrices the whole answer is g @ b.T and a.T @ g.",
    "An outer product u vᵀ of two vectors is u.reshape((len, 1)) @ v.reshape((1, len)).",
)

ORDER = "∂L/∂A = G Bᵀ has A's shape (m, k) and ∂L/∂B = Aᵀ G has B's shape (k, n): check the order and the transposes"


def checks(student: ModuleType) -> Iterator[Result]:
    rng = np.random.default_rng(11)
    cases = (((3, 4), (4, 5)), ((4,), (4, 5)), ((3, 4), (4,)), ((4,), (4,)))
    for shape_a, shape_b in cases:
        a, b = rng.standard_normal(shape_a), rng.standard_normal(shape_b)
        out = a @ b
        g = rng.standard_normal(np.shape(out))
        if a.ndim == 2 and b.ndim == 2:
            expected = (g @ b.T, a.T @ g)
        elif a.ndim == 1 and b.ndim == 2:
            expected = (b @ g, np.outer(a, g))
        elif b.ndim == 1 and a.ndim == 2:
            expected = (np.outer(g, b), a.T @ g)
        else:
            expected = (g * b, g * a)
        tensors = [mg.tensor(v, dtype="float64") for v in (g, out, a, b)]
        result = student.matmul_vjp(*tensors)
        if not isinstance(result, tuple | list) or len(result) != 2:
            raise Fatal(f"matmul_vjp must return a pair (grad_a, grad_b), got {type(result).__name__}")
        for name, got, want in zip("ab", result, expected):
            label = f"∂L/∂{name} for {shape_a} @ {shape_b}"
            got_shape = tuple(getattr(got, "shape", ()))
            if got_shape != want.shape:
                yield Result(label, False, f"expected shape {want.shape}, got shape {got_shape}", ORDER)
            else:
                yield compare(label, got, want, rtol=1e-10, atol=1e-12, mistakes={ORDER: np.asarray(want).T},
                              expect="tensor")
    matmul = engine.primitive("your_matmul", lambda xp, p, q: xp.matmul(p, q), student.matmul_vjp, tuple_result=True,
                              label=("matmul_vjp", 11))
    for shape_a, shape_b in cases[:3]:
        p, q = engine.leaf(rng, shape_a), engine.leaf(rng, shape_b)
        yield from engine.gradient_checks(f"your matmul of {shape_a} and {shape_b}",
                                          lambda s, t: mg.tanh(matmul(s, t)), [p, q], ORDER)


def _matmul_vjp(student, original):
    def vjp(g, out, a, b):
        if not (isinstance(a, Tensor) and isinstance(b, Tensor) and a.ndim <= 2 and b.ndim <= 2):
            return original(g, out, a, b)  # batched matmuls stay minigan's
        count_call("matmul_vjp")
        grads = tuple(student.matmul_vjp(g, out, a, b))
        needs = [a.requires_grad, b.requires_grad]
        problem = engine.vjp_type_problem(grads, needs, "matmul_vjp", 11)
        if problem:
            raise engine.VJPTypeError(problem)
        return tuple(grad if need else None for grad, need in zip(grads, needs))
    return vjp


def patches(student: ModuleType) -> list[Patch]:
    return [Patch(primitives.matmul, "vjp", lambda original: _matmul_vjp(student, original))]


EXERCISE = Exercise(
    number=11, name="vjp_matmul", title="The VJP of matmul", lesson=11, code=CODE, hints=HINTS,
    functions={"matmul_vjp": ("g", "out", "a", "b")}, checks=checks, patches=patches,
    error_hints=((ValueError, ORDER),))
