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

import numbers
import re
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

__all__ = ["Exercise", "Result", "Fatal", "Patch", "cap", "check_signature", "compare", "number_pattern",
           "raises_value_error", "to_host"]

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
        raise Fatal(f"returned {type(value).__name__} {cap(repr(value), 60)}, which is not a number or an array "
                    f"({error})") from None


def _show(value: np.ndarray) -> str:
    if value.ndim == 0:
        return f"{float(value):.6g}"
    if value.size <= 8:
        return np.array2string(value, precision=5, separator=", ", suppress_small=True).replace("\n", "")
    return f"array of shape {value.shape} (first entries {np.array2string(value.ravel()[:4], precision=4)} …)"


def _largest_difference(got: np.ndarray, expected: np.ndarray) -> str:
    """Where ``got`` and ``expected`` (same shape) differ most, with every digit of both values.

    Shown with a failed comparison: two arrays printed to 5 digits can look equal while they are
    not (Adam without its ε differs in the 9th digit)."""
    with np.errstate(invalid="ignore", over="ignore"):
        difference = np.abs(got - expected)
    same = (got == expected) | (np.isnan(got) & np.isnan(expected))
    difference = np.where(same, 0.0, np.where(np.isnan(difference), np.inf, difference))
    index = int(np.argmax(difference))
    if difference.ravel()[index] == 0:
        return ""
    if got.ndim == 0:
        where = ""
    elif got.ndim == 1:
        where = f" at index {index}"
    else:
        where = f" at index {tuple(int(i) for i in np.unravel_index(index, got.shape))}"
    g, e = float(got.ravel()[index]), float(expected.ravel()[index])
    return f"; largest difference {difference.ravel()[index]:.3g}{where}: expected {e!r}, got {g!r}"


def _close(a: np.ndarray, b: np.ndarray, rtol: float, atol: float) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True))


#: What a docstring's "Return a float / a Tensor / an array" accepts (``compare``'s ``expect``).
EXPECT = {"float": "a float", "tensor": "a Tensor", "array": "an array"}


def _type_problem(got: Any, expect: str) -> str:
    """Why ``got`` is not what ``expect`` names, or "" when it is."""
    from minigan import backend
    from minigan.autodiff import Tensor

    if expect == "float":
        ok = isinstance(got, numbers.Real) and not isinstance(got, bool | np.bool_)
        advice = "return float(...)"
    elif expect == "tensor":
        ok = isinstance(got, Tensor)
        advice = "write it with Tensor operations (+, −, *, @, .sum, .reshape) on the Tensors you were given"
    elif expect == "array":
        ok = isinstance(got, np.ndarray) or (backend.is_array(got) and not isinstance(got, Tensor))
        advice = "return an array (np.asarray(...), or arithmetic on the arrays you were given)"
    else:
        raise ValueError(f"expect must be one of {sorted(EXPECT)} or None, got {expect!r}")
    if ok:
        return ""
    kind = type(got).__module__.replace("builtins", "").replace("minigan.autodiff.tensor", "minigan")
    kind = f"{kind}.{type(got).__name__}".lstrip(".")
    return f"returned {kind} {cap(repr(got), 60)}, but the task asks for {EXPECT[expect]}: {advice}"


def compare(name: str, got: Any, expected: Any, rtol: float = 1e-7, atol: float = 1e-9,
            mistakes: dict[str, Any] | None = None, expect: str | None = None) -> Result:
    """✓ when ``got`` equals ``expected`` within atol + rtol·|expected| (entrywise, inf equals inf).

    Otherwise ✗ with both values, the largest difference with all its digits, and the hint of the
    first entry of ``mistakes`` (hint → the value that mistake produces) that ``got`` matches.
    Raises :class:`Fatal` for None, a wrong shape, a NaN that the expected value does not have,
    or — with ``expect`` ("float", "tensor" or "array": what the task's docstring asks the
    function to return) — a value of another type (a string "5.0" or a list [5.0] for a float).
    """
    expected_host = np.asarray(to_host(expected), dtype=float)
    if got is None:
        raise Fatal(f"{name}: returned None — is a `return` missing?")
    if expect is not None:
        problem = _type_problem(got, expect)
        if problem:
            raise Fatal(f"{name}: {problem}")
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
    detail += _largest_difference(got_host, expected_host)
    for hint, wrong in (mistakes or {}).items():
        try:
            wrong_host = np.asarray(to_host(wrong), dtype=float)
        except Fatal:
            continue
        if _close(got_host, wrong_host, max(rtol, 1e-6), max(atol, 1e-9)):
            return Result(name, False, detail, hint)
    return Result(name, False, detail)


def raises_value_error(name: str, call: Callable[[], Any], student: ModuleType, mentions: tuple[str, ...],
                       hint: str = "") -> Result:
    """✓ when ``call()`` raises ValueError *from a ``raise`` statement in the student's file*, with a
    message that names the bad input: every regular expression of ``mentions`` is found in it.

    NumPy's broadcast error or the engine's ShapeError is a ValueError too, raised from inside
    NumPy or minigan (or by a NumPy operation on the student's line): it does not count, since the
    task asks for an explicit check and a clear message."""
    import traceback

    mine = Path(getattr(student, "__file__", "") or "").resolve()
    try:
        call()
    except ValueError as error:
        message = str(error)
        frames = traceback.extract_tb(error.__traceback__)
        last = frames[-1] if frames else None
        if last is None or Path(last.filename).resolve() != mine or not _is_raise(mine, last.lineno):
            where = "an unknown place" if last is None else \
                f"{Path(last.filename).name}, line {last.lineno} ({cap((last.line or '').strip(), 80)})"
            return Result(name, False, f"the ValueError came from {where}, not from a `raise` of yours: "
                                       f"{cap(message, 200)}",
                          hint or "check the input yourself, first thing, and raise ValueError with a message "
                                  "that names the bad values")
        missing = [pattern for pattern in mentions if not re.search(pattern, message)]
        if missing:
            return Result(name, False, f"the message {cap(message, 200)!r} does not name the bad values",
                          hint or "say what was wrong in the message: name the bad values (e.g. both sizes)")
        return Result(name, True, f"ValueError: {cap(message, 200)}")
    return Result(name, False, "no error was raised", hint)


def _is_raise(path: Path, line: int | None) -> bool:
    """Whether ``line`` of the Python file ``path`` lies in a ``raise`` statement."""
    import ast

    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return False
    return line is not None and any(
        isinstance(node, ast.Raise) and node.lineno <= line <= (node.end_lineno or node.lineno)
        for node in ast.walk(tree))


def number_pattern(value: float) -> str:
    """A regular expression for ``value`` written as a number in a message: 3 matches "3", "3.0",
    "3.00" (not "13" or "0.3")."""
    text = f"{value:g}"
    whole = text.isdigit() or (text.startswith("-") and text[1:].isdigit())
    return rf"(?<![\d.]){re.escape(text)}" + (r"(\.0*)?" if whole else "") + r"(?!\d|\.\d)"


def cap(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, saying how many were cut."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit:,} more characters cut)"


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
