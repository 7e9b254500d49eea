"""The pieces every exercise is made of: its text, its checks' verdicts, its patches.

An exercise's source is written once, as the worked solution, with the student's part between
``# BEGIN SOLUTION`` and ``# END SOLUTION`` markers. The student's file (:meth:`Exercise.stub`)
replaces each marked part by ``raise NotImplementedError``; the teacher's file
(:meth:`Exercise.solution`) keeps it and drops the markers. Hints go in a region at the bottom
of the student's file that editors fold (``# region`` … ``# endregion``).

A check is a generator of :class:`Result` — one per test, ✓ or ✗ with what was expected and what
came back, and a named hint when the answer matches a known mistake (:func:`compare`). A problem
that makes further tests pointless (wrong shape, NaN, None) raises :class:`Fatal`, which the
checker reports as one line.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np

__all__ = ["Exercise", "Result", "Fatal", "Patch", "compare", "to_host", "check_signature"]

_SOLUTION = re.compile(r"^(?P<indent>[ \t]*)# BEGIN SOLUTION\n(?P<body>.*?)^[ \t]*# END SOLUTION\n",
                       re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class Result:
    """One test's verdict: ``passed``, what it checked, ``detail`` (expected vs got) and ``hint``."""

    name: str
    passed: bool
    detail: str = ""
    hint: str = ""


class Fatal(Exception):
    """A problem after which the exercise's remaining tests are pointless (one line is shown)."""


@dataclass(frozen=True)
class Patch:
    """Replace ``owner.attribute`` (a module given by name, or any object) by ``make(original)``.

    For a module attribute, every other module that imported the same object is patched too
    (see :func:`minigan.exercises.install.install`)."""

    owner: Any
    attribute: str
    make: Callable[[Any], Any]


#: How many times each student function ran in place of minigan's (read by ``install``'s summary).
CALLS: dict[str, int] = {}


def count_call(label: str) -> None:
    CALLS[label] = CALLS.get(label, 0) + 1


def delegate(student: Callable, label: str, when: Callable[..., bool], host: bool = False,
             adapt: Callable[..., tuple] | None = None) -> Callable[[Any], Any]:
    """A ``make`` for :class:`Patch`: a wrapper that calls ``student`` when ``when(*args, **kwargs)``
    holds (the call stays inside what the exercise asked for) and minigan's original otherwise.

    ``host=True`` copies Tensor/device-array arguments to NumPy first (the distance exercises work
    on host arrays, as ``minigan.distances`` does); ``adapt(*args, **kwargs) -> args`` rewrites the
    arguments for the student's signature."""
    import functools

    def make(original: Callable) -> Callable:
        @functools.wraps(original)
        def wrapper(*args, **kwargs):
            if not when(*args, **kwargs):
                return original(*args, **kwargs)
            count_call(label)
            if adapt is not None:
                args, kwargs = adapt(*args, **kwargs), {}
            if host:
                args = tuple(_host_argument(a) for a in args)
            return student(*args, **kwargs)

        return wrapper

    return make


def _host_argument(value: Any) -> Any:
    from minigan import backend
    from minigan.autodiff import Tensor

    if isinstance(value, Tensor):
        value = value.data
    return backend.to_host(value) if backend.is_array(value) else value


@dataclass(frozen=True)
class Exercise:
    """One exercise: where it sits in the course, the code, its checks and its patches.

    ``functions`` are the names the student writes (with their parameter lists, checked before
    the tests run); ``patches(module)`` returns the :class:`Patch` list that makes minigan use the
    student's ``module`` (empty when the lessons cannot use this exercise); ``error_hints`` name the
    usual cause of an exception the student's code raises (a ShapeError from misordered factors).
    """

    number: int
    name: str
    title: str
    lesson: int
    code: str
    hints: tuple[str, ...]
    functions: dict[str, tuple[str, ...]]
    checks: Callable[[ModuleType], Iterator[Result]]
    patches: Callable[[ModuleType], list[Patch]] = field(default=lambda module: [])
    error_hints: tuple[tuple[type, str], ...] = ()

    @property
    def filename(self) -> str:
        return f"{self.number:02d}_{self.name}.py"

    def solution(self) -> str:
        """The worked solution: the code with the markers removed."""
        return _SOLUTION.sub(lambda m: m.group("body"), self._text()).rstrip() + "\n"

    def stub(self) -> str:
        """The student's file: every marked part replaced by ``raise NotImplementedError``, hints folded."""
        def blank(match: re.Match) -> str:
            indent = match.group("indent")
            return f'{indent}# your code here ({_count_lines(match.group("body"))} lines or so)\n' \
                   f'{indent}raise NotImplementedError("not written yet: see the docstring")\n'

        lines = []
        for number, hint in enumerate(self.hints, 1):
            wrapped = textwrap.wrap(hint, 92)
            lines.append(f"# Hint {number}. {wrapped[0]}")
            lines += [f"#         {line}" for line in wrapped[1:]]
        hints = "\n".join(lines)
        folded = f"\n\n# region Hints (folded: open it only when stuck)\n{hints}\n# endregion\n"
        return _SOLUTION.sub(blank, self._text()).rstrip() + "\n" + folded

    def _text(self) -> str:
        return textwrap.dedent(self.code).lstrip("\n")


def _count_lines(body: str) -> int:
    return sum(1 for line in body.splitlines() if line.strip() and not line.strip().startswith("#"))


# ----------------------------------------------------------------------------------- comparing
def to_host(value: Any) -> Any:
    """A Tensor, CuPy/strict array or number as a NumPy float array (None stays None)."""
    from minigan import backend
    from minigan.autodiff import Tensor

    if value is None:
        return None
    if isinstance(value, Tensor):
        value = value.data
    if backend.is_array(value):
        value = backend.to_host(value)
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError) as error:
        raise Fatal(f"returned {type(value).__name__} {value!r:.60}, which is not a number or an array "
                    f"({error})") from None


def _show(value: np.ndarray) -> str:
    if value.ndim == 0:
        return f"{float(value):.6g}"
    if value.size <= 8:
        return np.array2string(value, precision=5, separator=", ", suppress_small=True)
    return f"array of shape {value.shape} (first entries {np.array2string(value.ravel()[:4], precision=4)} …)"


def _close(a: np.ndarray, b: np.ndarray, rtol: float, atol: float) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True))


def compare(name: str, got: Any, expected: Any, rtol: float = 1e-7, atol: float = 1e-9,
            mistakes: dict[str, Any] | None = None) -> Result:
    """✓ when ``got`` equals ``expected`` within atol + rtol·|expected| (entrywise, inf equals inf).

    Otherwise ✗ with both values, and the hint of the first entry of ``mistakes`` (hint → the
    value that mistake produces) that ``got`` matches. Raises :class:`Fatal` for None, a wrong
    shape or a NaN that the expected value does not have.
    """
    expected_host = np.asarray(to_host(expected), dtype=float)
    if got is None:
        raise Fatal(f"{name}: returned None — is a `return` missing?")
    got_host = to_host(got)
    if got_host.shape != expected_host.shape and got_host.size == expected_host.size == 1:
        got_host = got_host.reshape(expected_host.shape)  # a 1-element array for a number is fine
    if got_host.shape != expected_host.shape:
        raise Fatal(f"{name}: returned shape {got_host.shape}, expected shape {expected_host.shape}")
    if np.isnan(got_host).any() and not np.isnan(expected_host).any():
        raise Fatal(f"{name}: returned NaN ({_show(got_host)}), expected {_show(expected_host)}")
    detail = f"expected {_show(expected_host)}, got {_show(got_host)}"
    if _close(got_host, expected_host, rtol, atol):
        return Result(name, True, detail)
    for hint, wrong in (mistakes or {}).items():
        try:
            wrong_host = np.asarray(to_host(wrong), dtype=float)
        except Fatal:
            continue
        if _close(got_host, wrong_host, max(rtol, 1e-6), max(atol, 1e-9)):
            return Result(name, False, detail, hint)
    return Result(name, False, detail)


def check_signature(module: ModuleType, function: str, parameters: tuple[str, ...], filename: str) -> Any:
    """The student's ``function`` from ``module``, after checking it exists with these parameters."""
    import inspect

    found = getattr(module, function, None)
    if found is None:
        raise Fatal(f"{filename} defines no {function} (it should be {function}({', '.join(parameters)}))")
    if not callable(found):
        raise Fatal(f"{filename}: {function} is a {type(found).__name__}, not a function or class")
    target = found.__init__ if isinstance(found, type) else found
    try:
        names = tuple(inspect.signature(target).parameters)
    except (TypeError, ValueError):
        return found
    if isinstance(found, type):
        names = names[1:]  # self
    if names[: len(parameters)] != parameters or any(
            inspect.signature(target).parameters[n].default is inspect.Parameter.empty
            for n in names[len(parameters):]):
        raise Fatal(f"{filename}: {function}({', '.join(names)}) has the wrong signature; "
                    f"expected {function}({', '.join(parameters)})")
    return found
