"""Run minigan on the student's code: ``minigan lesson N --with-exercises DIR``.

:func:`install` loads every exercise the student has written (a file whose functions no longer
raise ``NotImplementedError``) and puts its functions in place of minigan's — at their definition
and wherever another module imported them, and for the VJP exercises as the backward rules of the
engine's own primitives — so the lesson that runs next computes with the student's code and its
checks become the student's. Exercises not written yet fall back to minigan's; so do files that
do not load (a syntax error, a file that is not UTF-8, an error or a ``sys.exit`` at import), each
named with its reason. It prints which are used, and at exit how often each of the student's
functions ran.

When the lesson fails — a check does not hold, or an exception escapes — it says which of the
student's exercises to revisit: the one whose file the exception came from, else those that ran.
A ``sys.exit``/``os._exit`` in a student's function is an error naming the file and line, never a
lesson that silently ends with status 0.

The lesson subprocess calls :func:`install_from_environment` when the environment variable
``MINIGAN_EXERCISES`` names the workspace (see :mod:`minigan.lesson`); a folder that does not exist
is one line on stderr and exit status 2.
"""

from __future__ import annotations

import ast
import atexit
import functools
import importlib
import inspect
import os
import re
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from types import ModuleType, TracebackType
from typing import Any

from minigan.exercises import EXERCISES
from minigan.exercises._framework import CALLS, Exercise, Fatal, Patch
from minigan.exercises.checker import StudentExit, exit_message, load_student, read_source, student_exits

__all__ = ["install", "install_from_environment", "is_written", "ENVIRONMENT_VARIABLE", "StudentExitError"]

ENVIRONMENT_VARIABLE = "MINIGAN_EXERCISES"
_installed: set[str] = set()
#: The student's files now in use, and the exercise of each (to name it when the lesson fails).
_LOADED: dict[Path, Exercise] = {}
#: Each student function's name → its exercise (the labels counted in CALLS are these names).
_EXERCISE_OF: dict[str, Exercise] = {name: e for e in EXERCISES for name in e.functions}


class StudentExitError(RuntimeError):
    """The student's function called ``sys.exit``/``os._exit`` during a lesson."""


def _unwritten(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and node.exc is not None:
            target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(target, ast.Name) and target.id == "NotImplementedError":
                return True
    return False


def is_written(path: Path) -> bool:
    """Whether the student has written the exercise in ``path``: no function in it still raises
    ``NotImplementedError`` (the workspace's stubs do). False for a file that cannot be parsed."""
    try:
        return not _unwritten(ast.parse(read_source(path)))
    except (Fatal, SyntaxError, ValueError):
        return False


def _written(path: Path) -> bool:
    """Like :func:`is_written`, but a file that cannot be read or parsed is :class:`Fatal` (one line)."""
    try:
        tree = ast.parse(read_source(path))
    except SyntaxError as error:
        raise Fatal(f"syntax error in {path.name}, line {error.lineno}: {error.msg}") from None
    except ValueError as error:  # null bytes
        raise Fatal(f"{path.name} cannot be compiled: {error}") from None
    return not _unwritten(tree)


def _apply(patch: Patch) -> None:
    owner = importlib.import_module(patch.owner) if isinstance(patch.owner, str) else patch.owner
    original = getattr(owner, patch.attribute)
    replacement = patch.make(original)
    setattr(owner, patch.attribute, replacement)
    if isinstance(owner, ModuleType):
        # `from minigan.distances import kl` elsewhere (the lesson's own __main__ included) bound
        # the original object: rebind every such name.
        for module in list(sys.modules.values()):
            namespace = getattr(module, "__dict__", None)
            if not namespace or getattr(module, "__name__", "").startswith("minigan_student_"):
                continue
            for name, value in list(namespace.items()):
                if value is original:
                    namespace[name] = replacement


def _guard(function: Callable, exercise: Exercise, path: Path) -> Callable:
    """``function`` (the student's), but a ``sys.exit``/``os._exit`` inside it raises
    :class:`StudentExitError` naming the file, the line and the exercise."""
    @functools.wraps(function)
    def guarded(*args, **kwargs):
        try:
            with student_exits():
                return function(*args, **kwargs)
        except (SystemExit, StudentExit) as error:
            raise StudentExitError(f"{exit_message(error, path)} (exercise {exercise.number}, "
                                   f"{exercise.filename})") from None
    return guarded


def _guard_module(module: ModuleType, exercise: Exercise, path: Path) -> None:
    for name in exercise.functions:
        value = getattr(module, name, None)
        if inspect.isfunction(value):
            setattr(module, name, _guard(value, exercise, path))


def install(directory: str | Path, write: Callable[[str], Any] = print) -> tuple[list[Exercise], list[str]]:
    """Put the student's written exercises from ``directory`` in place of minigan's functions.

    Returns ``(used, fallbacks)``: the exercises now in use, and one line per exercise that falls
    back to minigan's (and why). Calling it twice with the same folder does nothing more.
    Raises FileNotFoundError when ``directory`` is not a folder.
    """
    folder = Path(directory).expanduser().resolve()
    if not folder.is_dir():
        raise FileNotFoundError(f"no exercise workspace at {folder} (write one with `minigan exercises {folder}`)")
    if str(folder) in _installed:
        return [], []
    _installed.add(str(folder))
    used, fallbacks, broken = [], [], []
    for exercise in EXERCISES:
        path = folder / exercise.filename
        label = f"{exercise.number} {exercise.name}"
        if not path.exists():
            fallbacks.append(f"{label} (no file)")
            continue
        try:
            if not _written(path):
                fallbacks.append(f"{label} (not written yet)")
                continue
            module = load_student(path, f"minigan_student_{exercise.name}")
            _guard_module(module, exercise, path)
            patches = exercise.patches(module)
        except (Fatal, AttributeError) as problem:
            reason = str(problem).splitlines()[0]
            fallbacks.append(f"{label} (does not load: see below)")
            broken.append(f"  ✗ {exercise.filename} does not load, so this lesson uses minigan's: {reason} "
                          f"(fix it, then: minigan check {exercise.number})")
            continue
        if not patches:
            fallbacks.append(f"{label} (checked by `minigan check` only: no lesson calls it)")
            continue
        for patch in patches:
            _apply(patch)
        _LOADED[path.resolve()] = exercise
        used.append(exercise)
    names = ", ".join(f"{e.number} {e.name}" for e in used) or "none"
    write(f"exercises from {folder}: using yours: {names}")
    if fallbacks:
        write(f"  minigan's: {'; '.join(fallbacks)}")
    for line in broken:
        write(line)
    if used:
        _watch_failures(write)
    atexit.register(_report, write)
    return used, fallbacks


def install_from_environment(write: Callable[[str], Any] = print) -> tuple[list[Exercise], list[str]]:
    """:func:`install` from the folder named by ``MINIGAN_EXERCISES`` (nothing when it is unset);
    a folder that does not exist is one line on stderr and exit status 2."""
    directory = os.environ.get(ENVIRONMENT_VARIABLE, "")
    if not directory:
        return [], []
    try:
        return install(directory, write)
    except FileNotFoundError as error:
        print(f"--with-exercises: {error}", file=sys.stderr)
        raise SystemExit(2) from None


# ------------------------------------------------------------------------ when the lesson fails
def _ran() -> list[Exercise]:
    """The student's exercises whose functions ran so far, in order."""
    chosen = {_EXERCISE_OF[label].number: _EXERCISE_OF[label] for label in CALLS if label in _EXERCISE_OF}
    return [chosen[number] for number in sorted(chosen)]


def revisit_message(error: BaseException | None = None) -> str:
    """Which exercise to revisit after a failure: the student's file the exception ``error`` came
    from (or that its message names), else every exercise of the student's that ran."""
    if error is not None:
        text = str(error)
        numbers = {int(n) for n in re.findall(r"\(exercise (\d+)[,)]", text)}
        named = [e for e in _LOADED.values() if e.number in numbers or e.filename in text]
        for frame in reversed(traceback.extract_tb(error.__traceback__) if not named else []):
            exercise = _LOADED.get(Path(frame.filename).resolve())
            if exercise is not None:
                return (f"the error above came from your exercise {exercise.number} ({exercise.filename}, "
                        f"line {frame.lineno}): revisit it, then check it with: minigan check {exercise.number}")
        if named:  # our own errors name the exercise and the place (an exit, a VJP's type)
            e = named[0]
            return (f"the error above is in your exercise {e.number} ({e.filename}): revisit it, then check it "
                    f"with: minigan check {e.number}")
    ran = _ran()
    if not ran:
        return "none of your exercises ran before this failure: it happened on minigan's own functions"
    names = ", ".join(f"{e.number} ({e.filename})" for e in ran)
    numbers = " ".join(str(e.number) for e in ran)
    return (f"this lesson failed while running your exercises {names}: revisit them — minigan check {numbers} — "
            "and compare with the lesson run without --with-exercises")


def _watch_failures(write: Callable[[str], Any]) -> None:
    """After a failed lesson (a ✗ check at ``finish``, or an exception), say which exercise to revisit."""
    from minigan import lesson as lesson_module

    finish = lesson_module.Lesson.finish

    @functools.wraps(finish)
    def finish_and_name(self) -> None:
        try:
            finish(self)
        finally:
            if self.failed:
                write(f"exercises: {revisit_message()}")

    lesson_module.Lesson.finish = finish_and_name
    previous = sys.excepthook

    def hook(kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
        previous(kind, error, trace)
        if not issubclass(kind, KeyboardInterrupt):
            print(f"exercises: {revisit_message(error)}", file=sys.stderr)

    sys.excepthook = hook


def _report(write: Callable[[str], Any]) -> None:
    if CALLS:
        ran = ", ".join(f"{name} ×{count}" for name, count in CALLS.items())
        write(f"your exercises ran in this lesson: {ran}")
    else:
        write("none of your exercises was called by this lesson")
