"""Run minigan on the student's code: ``minigan lesson N --with-exercises DIR``.

:func:`install` loads every exercise the student has written (a file whose functions no longer
raise ``NotImplementedError``) and puts its functions in place of minigan's — at their definition
and wherever another module imported them, and for the VJP exercises as the backward rules of the
engine's own primitives — so the lesson that runs next computes with the student's code and its
checks become the student's. Exercises not written yet (or that fail to import) fall back to
minigan's. It prints which are used, and at exit how often each of the student's functions ran.

The lesson subprocess calls it when the environment variable ``MINIGAN_EXERCISES`` names the
workspace (see :mod:`minigan.lesson`).
"""

from __future__ import annotations

import ast
import atexit
import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from minigan.exercises import EXERCISES
from minigan.exercises._framework import CALLS, Exercise, Fatal, Patch
from minigan.exercises.checker import load_student

__all__ = ["install", "is_written", "ENVIRONMENT_VARIABLE"]

ENVIRONMENT_VARIABLE = "MINIGAN_EXERCISES"
_installed: set[str] = set()


def is_written(path: Path) -> bool:
    """Whether the student has written the exercise in ``path``: no function in it still raises
    ``NotImplementedError`` (the workspace's stubs do)."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and node.exc is not None:
            target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(target, ast.Name) and target.id == "NotImplementedError":
                return False
    return True


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


def install(directory: str | Path, write: Callable[[str], Any] = print) -> tuple[list[Exercise], list[str]]:
    """Put the student's written exercises from ``directory`` in place of minigan's functions.

    Returns ``(used, fallbacks)``: the exercises now in use, and one line per exercise that falls
    back to minigan's (and why). Calling it twice with the same folder does nothing more.
    """
    folder = Path(directory).expanduser().resolve()
    if str(folder) in _installed:
        return [], []
    _installed.add(str(folder))
    if not folder.is_dir():
        write(f"exercises: no workspace at {folder} (write one with `minigan exercises {folder}`); "
              "running on minigan's own functions")
        return [], [f"{e.number} {e.name} (no workspace)" for e in EXERCISES]
    used, fallbacks = [], []
    for exercise in EXERCISES:
        path = folder / exercise.filename
        label = f"{exercise.number} {exercise.name}"
        if not path.exists():
            fallbacks.append(f"{label} (no file)")
            continue
        if not is_written(path):
            fallbacks.append(f"{label} (not written yet)")
            continue
        try:
            module = load_student(path, f"minigan_student_{exercise.name}")
            patches = exercise.patches(module)
        except (Fatal, AttributeError) as problem:
            fallbacks.append(f"{label} (does not load: {str(problem).splitlines()[0]})")
            continue
        if not patches:
            fallbacks.append(f"{label} (checked by `minigan check` only: no lesson calls it)")
            continue
        for patch in patches:
            _apply(patch)
        used.append(exercise)
    names = ", ".join(f"{e.number} {e.name}" for e in used) or "none"
    write(f"exercises from {folder}: using yours: {names}")
    if fallbacks:
        write(f"  minigan's: {'; '.join(fallbacks)}")
    atexit.register(_report, write)
    return used, fallbacks


def _report(write: Callable[[str], Any]) -> None:
    if CALLS:
        ran = ", ".join(f"{name} ×{count}" for name, count in CALLS.items())
        write(f"your exercises ran in this lesson: {ran}")
    else:
        write("none of your exercises was called by this lesson")
