"""Exercise 10: the VJPs of tanh and of a broadcasting multiply, as engine primitives (lesson 11)."""

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
"""Exercise 10 — backward rules (VJPs) for tanh and for a broadcasting multiply (lesson 11: gradient penalty).

Every primitive of minigan's engine has a forward rule and a VJP: given g = ∂L/∂out, return
∂L/∂(each input). The checker registers your VJPs as engine primitives and differentiates
through them twice (gradgradcheck), so write them with Tensor operations only.

    tanh:  out = tanh(x),   ∂L/∂x = g · (1 − out²)          (tanh' = 1 − tanh², reuse out)
    mul:   out = a · b,     ∂L/∂a = g · b,   ∂L/∂b = g · a    … summed back to each input's shape

With NumPy broadcasting, a of shape (4, 1) times b of shape (3,) gives out of shape (4, 3): each
a entry was used 3 times, so its gradient is the *sum* of those 3 contributions. To undo
broadcasting, sum g over the leading axes the input did not have and over the axes where the
input had length 1 (keeping them), then reshape to the input's shape.

Check your work:  minigan check 10
"""
import minigan as mg  # mg.tanh, mg.sum, … if you need them


def tanh_vjp(g, out, x):
    """∂L/∂x for out = tanh(x), given g = ∂L/∂out (Tensors of the same shape). Return a Tensor."""
    # BEGIN SOLUTION
    return g * (1.0 - out * out)
    # END SOLUTION


def unbroadcast(g, shape):
    """Sum the Tensor g down to `shape` (a tuple), undoing NumPy broadcasting. Return a Tensor."""
    # BEGIN SOLUTION
    leading = g.ndim - len(shape)
    axes = tuple(range(leading)) + tuple(leading + i for i, n in enumerate(shape)
                                         if n == 1 and g.shape[leading + i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g.reshape(shape)
    # END SOLUTION


def mul_vjp(g, out, a, b):
    """(∂L/∂a, ∂L/∂b) for out = a * b with broadcasting; each has its input's shape."""
    # BEGIN SOLUTION
    return unbroadcast(g * b, a.shape), unbroadcast(g * a, b.shape)
    # END SOLUTION
'''

HINTS = (
    "tanh_vjp is one line of Tensor arithmetic: g * (1.0 - out * out).",
    "unbroadcast: leading = g.ndim - len(shape) axes are extra; axis leading + i is stretched when "
    "shape[i] == 1 but g.shape[leading + i] != 1.",
    "Tensor.sum(axis=tuple_of_axes, keepdims=True) then .reshape(shape).",
)

BROADCAST = ("the VJP forgot to undo broadcasting: a gradient must have its input's shape; sum g·b over the "
             "axes along which a was stretched (the leading ones and those where a has length 1)")
FROM_X = "tanh' is 1 − tanh(x)² = 1 − out², not 1 − x²"


def checks(student: ModuleType) -> Iterator[Result]:
    rng = np.random.default_rng(10)
    x = engine.leaf(rng, (3, 4))
    g = mg.tensor(rng.standard_normal((3, 4)), dtype="float64")
    out = mg.tanh(x.detach())
    yield compare("tanh_vjp(g, tanh(x), x) = g·(1 − tanh(x)²)", student.tanh_vjp(g, out, x.detach()),
                  g.numpy() * (1 - np.tanh(x.numpy()) ** 2), rtol=1e-10,
                  mistakes={FROM_X: g.numpy() * (1 - x.numpy() ** 2)}, expect="tensor")
    tanh = engine.primitive("your_tanh", lambda xp, a: xp.tanh(a), student.tanh_vjp, tuple_result=False,
                            label=("tanh_vjp", 10))
    yield from engine.gradient_checks("your tanh in a function", lambda t: tanh(t * 1.5) * t, [x])

    a, b = engine.leaf(rng, (4, 1)), engine.leaf(rng, (3,))
    g = mg.tensor(rng.standard_normal((4, 3)), dtype="float64")
    result = student.mul_vjp(g, a.detach() * b.detach(), a.detach(), b.detach())
    if not isinstance(result, tuple | list) or len(result) != 2:
        raise Fatal(f"mul_vjp must return a pair (grad_a, grad_b), got {type(result).__name__}")
    grad_a, grad_b = result
    for name, got, expected, shape in (("a", grad_a, (g.numpy() * b.numpy()).sum(axis=1, keepdims=True), (4, 1)),
                                       ("b", grad_b, (g.numpy() * a.numpy()).sum(axis=0), (3,))):
        got_shape = tuple(getattr(got, "shape", ()))
        if got_shape != shape:
            yield Result(f"mul_vjp's gradient for {name} of shape {shape} (out: (4, 3))", False,
                         f"expected shape {shape}, got shape {got_shape}", BROADCAST)
        else:
            yield compare(f"mul_vjp's gradient for {name} of shape {shape} (out: (4, 3))", got, expected, rtol=1e-10,
                          expect="tensor")
    mul = engine.primitive("your_mul", lambda xp, p, q: p * q, student.mul_vjp, tuple_result=True,
                           label=("mul_vjp", 10))
    for shapes in (((3, 4), (3, 4)), ((2, 3, 4), (4,)), ((2, 1, 3), (5, 1))):
        p, q = engine.leaf(rng, shapes[0]), engine.leaf(rng, shapes[1])
        yield from engine.gradient_checks(f"your mul of shapes {shapes[0]} and {shapes[1]}",
                                          lambda s, t: mul(s, t) * mul(s, t), [p, q], BROADCAST)
    g = mg.tensor(rng.standard_normal((3, 4)), dtype="float64", requires_grad=True)
    with mg.enable_grad():
        recorded = engine.records_graph(student.tanh_vjp(g, out, x.detach()))
    yield Result("with recording on, tanh_vjp's result is part of a graph (double backprop can go through it)",
                 recorded, "", "" if recorded else engine.DOUBLE)


def _tanh_vjp(student):
    def vjp(g, out, a):
        count_call("tanh_vjp")
        grads = (student.tanh_vjp(g, out, a),)
        problem = engine.vjp_type_problem(grads, [True], "tanh_vjp", 10)
        if problem:
            raise engine.VJPTypeError(problem)
        return grads
    return vjp


def _mul_vjp(student):
    def vjp(g, out, a, b):
        count_call("mul_vjp")
        needs = [isinstance(t, Tensor) and t.requires_grad for t in (a, b)]
        xp = mg.backend.namespace_of(g.data)
        a_t, b_t = (t if isinstance(t, Tensor) else Tensor(xp.asarray(t, dtype=g.dtype)) for t in (a, b))
        grads = tuple(student.mul_vjp(g, out, a_t, b_t))
        problem = engine.vjp_type_problem(grads, needs, "mul_vjp", 10)
        if problem:
            raise engine.VJPTypeError(problem)
        return tuple(grad if need else None for grad, need in zip(grads, needs))
    return vjp


def patches(student: ModuleType) -> list[Patch]:
    return [Patch(primitives.tanh, "vjp", lambda original: _tanh_vjp(student)),
            Patch(primitives.mul, "vjp", lambda original: _mul_vjp(student))]


EXERCISE = Exercise(
    number=10, name="vjp_tanh_mul", title="The VJPs of tanh and of a broadcasting multiply", lesson=11, code=CODE,
    hints=HINTS, functions={"tanh_vjp": ("g", "out", "x"), "unbroadcast": ("g", "shape"),
                            "mul_vjp": ("g", "out", "a", "b")}, checks=checks, patches=patches,
    error_hints=((ValueError, BROADCAST),))
