"""Shared by the VJP exercises: wrap a student's VJP as an engine primitive and test it."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

import minigan as mg
from minigan.autodiff.gradcheck import GradcheckError
from minigan.autodiff.tensor import Primitive, Tensor
from minigan.exercises._framework import Fatal, Result

DOUBLE = ("the VJP is not differentiable again: write it with Tensor operations (+, −, *, @, .sum, .reshape), "
          "never on .data or NumPy arrays, so that create_graph=True can record it")


class VJPTypeError(TypeError):
    """A student's VJP returned something other than a Tensor (a NumPy array, a number): the
    engine cannot use it, so say so by name instead of failing deep inside the engine."""


def vjp_type_problem(grads: tuple, needed: list[bool], function: str, exercise: int) -> str:
    """"your tanh_vjp (exercise 10) returned a numpy.ndarray; return a Tensor …", or "" when every
    needed gradient is a Tensor."""
    for grad, need in zip(grads, needed):
        if need and not isinstance(grad, Tensor):
            kind = f"{type(grad).__module__}.{type(grad).__name__}".replace("builtins.", "")
            return (f"your {function} (exercise {exercise}) returned a {kind}; return a Tensor: write the VJP "
                    "with Tensor operations on the Tensors it is given (g, out and the inputs), never on .data "
                    "or NumPy arrays")
    return ""


def primitive(name: str, forward: Callable, student_vjp: Callable, tuple_result: bool,
              label: tuple[str, int] | None = None) -> Primitive:
    """An engine primitive whose backward rule is the student's VJP (arguments that need no
    gradient get None, as the engine's own VJPs do). ``label`` = (function name, exercise number):
    a gradient that is not a Tensor then stops the check with one line naming them."""
    def vjp(g, out, *args):
        grads = student_vjp(g, out, *args)
        if not tuple_result:
            grads = (grads,)
        grads = tuple(grads)
        needed = [isinstance(arg, Tensor) and arg.requires_grad for arg in args]
        if label is not None:
            problem = vjp_type_problem(grads, needed, *label)
            if problem:
                raise Fatal(problem)
        return tuple(grad if need else None for grad, need in zip(grads, needed))
    return Primitive(name, forward, vjp)


def leaf(rng: np.random.Generator, shape: tuple[int, ...]) -> Tensor:
    return mg.tensor(rng.standard_normal(shape), dtype="float64", requires_grad=True)


def gradient_checks(label: str, fn: Callable, inputs: list[Tensor], shape_hint: str = "") -> list[Result]:
    """First and second derivatives of ``fn`` at ``inputs`` against finite differences."""
    results = []
    for checker, order in ((mg.gradcheck, "first"), (mg.gradgradcheck, "second")):
        try:
            checker(fn, inputs)
            results.append(Result(f"{label}: {order} derivatives match finite differences", True))
        except GradcheckError as error:
            hint = DOUBLE if order == "second" else ""
            results.append(Result(f"{label}: {order} derivatives match finite differences", False,
                                  str(error).splitlines()[0], hint))
        except AssertionError as error:  # the engine's shape guard: a gradient of the wrong shape
            results.append(Result(f"{label}: {order} derivatives match finite differences", False, str(error),
                                  shape_hint))
            break
    return results


def records_graph(vjp_result) -> bool:
    items = vjp_result if isinstance(vjp_result, tuple | list) else (vjp_result,)
    return all(isinstance(item, Tensor) and item.requires_grad for item in items)
