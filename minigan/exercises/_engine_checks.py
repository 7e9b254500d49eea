"""Shared by the VJP exercises: wrap a student's VJP as an engine primitive and test it."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

import minigan as mg
from minigan.autodiff.gradcheck import GradcheckError
from minigan.autodiff.tensor import Primitive, Tensor
from minigan.exercises._framework import Result

DOUBLE = ("the VJP is not differentiable again: write it with Tensor operations (+, −, *, @, .sum, .reshape), "
          "never on .data or NumPy arrays, so that create_graph=True can record it")


def primitive(name: str, forward: Callable, student_vjp: Callable, tuple_result: bool) -> Primitive:
    """An engine primitive whose backward rule is the student's VJP (arguments that need no
    gradient get None, as the engine's own VJPs do)."""
    def vjp(g, out, *args):
        grads = student_vjp(g, out, *args)
        if not tuple_result:
            grads = (grads,)
        grads = tuple(grads)
        return tuple(grad if isinstance(arg, Tensor) and arg.requires_grad else None
                     for grad, arg in zip(grads, args))
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
