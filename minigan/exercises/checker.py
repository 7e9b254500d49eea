"""Run the checks of the student's exercises: ``minigan check [N ...] [--dir DIR]``.

Each exercise runs in a child process of its own (forked where the platform allows, so minigan
is imported once), with a time limit: an infinite loop, a crash or a syntax error in one file
costs that exercise one line and the others still run. Inside the child the student's file is
imported, its functions' signatures checked, and the exercise's tests run; a student's exception
is shown as the student's own traceback lines, not minigan's internals.
"""

from __future__ import annotations

import importlib.util
import multiprocessing
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from minigan.exercises import EXERCISES
from minigan.exercises._framework import Exercise, Fatal, check_signature

__all__ = ["Outcome", "check_exercise", "check_workspace", "load_student"]

DEFAULT_TIMEOUT = 30.0


@dataclass
class Outcome:
    """What checking one exercise gave: ``status`` is passed, failed, todo, error or timeout."""

    number: int
    name: str
    status: str
    lines: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.status == "passed"


def load_student(path: Path, module_name: str) -> ModuleType:
    """Import the student's file; a syntax error or an error at import time becomes one line."""
    if not path.exists():
        raise Fatal(f"{path.name} is missing (write the workspace with: minigan exercises {path.parent})")
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    try:
        source = path.read_text(encoding="utf-8")
        compile(source, str(path), "exec")
    except SyntaxError as error:
        raise Fatal(f"syntax error in {path.name}, line {error.lineno}: {error.msg}") from None
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as error:  # the student's module failed at import
        raise Fatal(f"{path.name} fails when imported: " + _student_error(error, path).replace("\n", "\n    ")) \
            from None
    return module


def _student_error(error: BaseException, path: Path) -> str:
    """The exception as the student's own traceback lines (frames in their file) and its message."""
    frames = [frame for frame in traceback.extract_tb(error.__traceback__)
              if Path(frame.filename).resolve() == path.resolve()]
    lines = [f"{Path(frame.filename).name}, line {frame.lineno}, in {frame.name}: {(frame.line or '').strip()}"
             for frame in frames]
    message = f"{type(error).__name__}: {error}".strip()
    return "\n".join(lines + [message])


def _format(result) -> list[str]:
    mark = "✓" if result.passed else "✗"
    lines = [f"  {mark} {result.name}" + (f"  ({result.detail})" if result.detail and not result.passed else "")]
    if result.hint and not result.passed:
        lines.append(f"      hint: {result.hint}")
    return lines


def check_exercise(exercise: Exercise, directory: Path) -> Outcome:
    """Check one exercise in this process (see :func:`check_workspace` for the isolated version)."""
    path = directory / exercise.filename
    outcome = Outcome(exercise.number, exercise.name, "passed")
    try:
        module = load_student(path, f"minigan_student_{exercise.name}")
        for function, parameters in exercise.functions.items():
            check_signature(module, function, parameters, exercise.filename)
        for result in exercise.checks(module):
            outcome.lines += _format(result)
            if not result.passed:
                outcome.status = "failed"
    except Fatal as problem:
        outcome.status = "error"
        outcome.lines.append(f"  ✗ {problem}")
    except NotImplementedError as error:
        if any(Path(f.filename).resolve() == path.resolve() for f in traceback.extract_tb(error.__traceback__)):
            outcome.status = "todo"
            frame = [f for f in traceback.extract_tb(error.__traceback__)
                     if Path(f.filename).resolve() == path.resolve()][-1]
            outcome.lines = [f"  · not written yet: {frame.name} (line {frame.lineno}) raises NotImplementedError"]
        else:
            outcome.status = "error"
            outcome.lines.append("  ✗ " + _student_error(error, path).replace("\n", "\n    "))
    except Exception as error:  # the student's code raised: show their traceback, not ours
        outcome.status = "error"
        shown = _student_error(error, path).replace("\n", "\n    ")
        outcome.lines.append(f"  ✗ your code raised an error:\n    {shown}")
        outcome.lines += [f"      hint: {hint}" for kind, hint in exercise.error_hints if isinstance(error, kind)][:1]
    if outcome.status == "passed" and not outcome.lines:
        outcome.status = "failed"
        outcome.lines.append("  ✗ no test ran")
    return outcome


def _child(exercise_number: int, directory: str, connection) -> None:
    exercise = next(e for e in EXERCISES if e.number == exercise_number)
    try:
        outcome = check_exercise(exercise, Path(directory))
    except BaseException as error:  # SystemExit, KeyboardInterrupt from the student's code
        outcome = Outcome(exercise.number, exercise.name, "error", [f"  ✗ stopped: {type(error).__name__}: {error}"])
    sys.stdout.flush()
    connection.send(outcome)
    connection.close()


def _context():
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def _isolated(exercise: Exercise, directory: Path, timeout: float) -> Outcome:
    context = _context()
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(exercise.number, str(directory), sender), daemon=True)
    process.start()
    sender.close()
    try:
        if receiver.poll(timeout):
            try:
                return receiver.recv()
            except EOFError:
                process.join(5)
                return Outcome(exercise.number, exercise.name, "error",
                               [f"  ✗ the check stopped without a result (exit code {process.exitcode}): "
                                "did the code call os._exit or crash the interpreter?"])
        return Outcome(exercise.number, exercise.name, "timeout",
                       [f"  ✗ stopped after {timeout:g} s: an infinite loop? (raise the limit with --timeout)"])
    finally:
        receiver.close()
        if process.is_alive():
            process.kill()
        process.join(5)


def check_workspace(directory: str | Path, selection: Sequence[Exercise] | None = None,
                    timeout: float = DEFAULT_TIMEOUT, isolate: bool = True,
                    write: Callable[[str], None] = print) -> list[Outcome]:
    """Check ``selection`` (default all) in ``directory``, printing as it goes; return the outcomes."""
    folder = Path(directory)
    chosen = list(selection) if selection else list(EXERCISES)
    outcomes = []
    for exercise in chosen:
        write(f"{exercise.number:2d}. {exercise.title} ({exercise.filename}, lesson {exercise.lesson})")
        sys.stdout.flush()
        outcome = _isolated(exercise, folder, timeout) if isolate else check_exercise(exercise, folder)
        for line in outcome.lines:
            write(line)
        outcomes.append(outcome)
    return outcomes
