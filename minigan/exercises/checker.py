"""Run the checks of the student's exercises: ``minigan check [N ...] [--dir DIR]``.

Each exercise runs in a child process of its own (forked where the platform allows, so minigan
is imported once), with a time limit: an infinite loop, a crash or a syntax error in one file
costs that exercise one line and the others still run. Inside the child the student's file is
imported, its functions' signatures checked, and the exercise's tests run; a student's exception
is shown as the student's own traceback lines, not minigan's internals (a recursion's repeated
lines folded, a long message cut), and what the student's code prints is shown capped.

The student's code cannot end the check: ``sys.exit(…)`` and ``os._exit(…)`` (at import or in a
function) are reported as "your code called sys.exit(0) at 03_xy_game.py:12".
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import math
import multiprocessing
import os
import signal
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from minigan.exercises import EXERCISES
from minigan.exercises._framework import Exercise, Fatal, cap, check_signature

__all__ = ["Outcome", "StudentExit", "check_exercise", "check_workspace", "load_student", "student_exits",
           "validate_timeout", "DEFAULT_TIMEOUT", "MAX_TIMEOUT", "PRINT_LIMIT"]

DEFAULT_TIMEOUT = 30.0
MAX_TIMEOUT = 86400.0  # one day: longer is a typo, and too long for the OS's timers
PRINT_LIMIT = 4000  # characters of the student's own printing shown per exercise
MESSAGE_LIMIT = 2000  # characters of an exception's message shown
FRAME_LIMIT = 20  # traceback lines shown (after folding repeats)


@dataclass
class Outcome:
    """What checking one exercise gave: ``status`` is passed, failed, todo, error or timeout.

    ``printed`` is the start of what the student's code printed (at most :data:`PRINT_LIMIT`
    characters) and ``printed_total`` how many characters it printed in all (-1: unknown, the
    check was stopped)."""

    number: int
    name: str
    status: str
    lines: list[str] = field(default_factory=list)
    printed: str = ""
    printed_total: int = 0

    @property
    def passed(self) -> bool:
        return self.status == "passed"


def validate_timeout(seconds: float) -> float:
    """``seconds`` as a float if it is a usable time limit (finite, > 0, ≤ one day); ValueError otherwise."""
    try:
        value = float(seconds)
    except (TypeError, ValueError):
        raise ValueError(f"the time limit must be a number of seconds, got {seconds!r}") from None
    if not math.isfinite(value) or value <= 0 or value > MAX_TIMEOUT:
        raise ValueError(f"the time limit must be a number of seconds in (0, {MAX_TIMEOUT:g}], got {seconds!r}")
    return value


# ------------------------------------------------------------------------- the student's exits
class StudentExit(BaseException):
    """``os._exit(code)`` called by the student's code, caught before it ends the process."""

    def __init__(self, code: object):
        super().__init__(code)
        self.code = code


def _refuse_os_exit(code: object = 0) -> None:
    raise StudentExit(code)


@contextlib.contextmanager
def student_exits() -> Iterator[None]:
    """While inside, ``os._exit`` raises :class:`StudentExit` instead of ending the process (the
    student's code runs here; a ``sys.exit`` raises SystemExit, which the caller catches too)."""
    real = os._exit
    os._exit = _refuse_os_exit
    try:
        yield
    finally:
        os._exit = real


def _where(error: BaseException, path: Path | None) -> str:
    """``file:line`` of the innermost frame of the traceback in the student's file (else the innermost)."""
    frames = traceback.extract_tb(error.__traceback__)
    if path is not None:
        mine = [frame for frame in frames if _same(frame.filename, path)]
        frames = mine or frames
    if not frames:
        return "an unknown place"
    return f"{Path(frames[-1].filename).name}:{frames[-1].lineno}"


def exit_message(error: BaseException, path: Path | None) -> str:
    """"your code called sys.exit(0) at 03_xy_game.py:12" for a SystemExit or a :class:`StudentExit`."""
    function = "os._exit" if isinstance(error, StudentExit) else "sys.exit"
    code = error.code if isinstance(error, SystemExit | StudentExit) else None
    shown = "" if code is None and function == "sys.exit" else cap(repr(code), 60)
    return f"your code called {function}({shown}) at {_where(error, path)}: nothing can run after it (remove it)"


def _same(filename: str, path: Path) -> bool:
    try:
        return Path(filename).resolve() == path.resolve()
    except (OSError, RuntimeError):
        return False


# ------------------------------------------------------------------------------- loading a file
def read_source(path: Path) -> str:
    """The student's file as text (UTF-8, or the encoding its coding line names): :class:`Fatal`
    with the place of the first bad byte for a file that is not."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise Fatal(f"{path.name} cannot be read: {error.strerror or error}") from None
    try:
        return importlib.util.decode_source(data)
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise Fatal(f"{path.name} is not UTF-8 text: byte 0x{data[error.start]:02x} at line {line}, column "
                    f"{column} cannot be read (save the file as UTF-8)") from None
    except SyntaxError as error:  # an unknown encoding in a coding line
        raise Fatal(f"{path.name} cannot be read: {error.msg if hasattr(error, 'msg') else error}") from None


def load_student(path: Path, module_name: str) -> ModuleType:
    """Import the student's file: :class:`Fatal` (one line) for a missing or unreadable file, a
    syntax error, an error at import time, or a ``sys.exit``/``os._exit`` at import time."""
    if not path.exists():
        raise Fatal(f"{path.name} is missing (write the workspace with: minigan exercises {path.parent})")
    if path.is_dir():
        raise Fatal(f"{path.name} is a folder, not a file")
    source = read_source(path)
    try:
        code = compile(source, str(path), "exec")
    except SyntaxError as error:
        raise Fatal(f"syntax error in {path.name}, line {error.lineno}: {error.msg}") from None
    except ValueError as error:  # "source code string cannot contain null bytes"
        raise Fatal(f"{path.name} cannot be compiled: {error}") from None
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        with student_exits():
            exec(code, module.__dict__)
    except (SystemExit, StudentExit) as error:
        sys.modules.pop(module_name, None)
        raise Fatal(f"{path.name} stops when imported: {exit_message(error, path)}") from None
    except Exception as error:  # the student's module failed at import
        sys.modules.pop(module_name, None)
        raise Fatal(f"{path.name} fails when imported: " + _student_error(error, path).replace("\n", "\n    ")) \
            from None
    return module


def _fold(lines: list[str]) -> list[str]:
    """Runs of identical lines (a recursion's frames) folded into one line and a count."""
    folded: list[str] = []
    index = 0
    while index < len(lines):
        end = index
        while end + 1 < len(lines) and lines[end + 1] == lines[index]:
            end += 1
        folded.append(lines[index])
        if end > index:
            folded.append(f"[the line above repeated {end - index} more times]")
        index = end + 1
    if len(folded) > FRAME_LIMIT:
        folded = [f"[{len(folded) - FRAME_LIMIT} earlier lines cut]"] + folded[-FRAME_LIMIT:]
    return folded


def _student_error(error: BaseException, path: Path) -> str:
    """The exception as the student's own traceback lines (frames in their file, repeats folded)
    and its message (cut to :data:`MESSAGE_LIMIT` characters)."""
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if _same(frame.filename, path)]
    lines = [f"{Path(frame.filename).name}, line {frame.lineno}, in {frame.name}: {(frame.line or '').strip()}"
             for frame in frames]
    try:
        text = str(error)
    except Exception:  # noqa: BLE001 - a student's exception whose __str__ fails
        text = "(its message cannot be shown)"
    message = f"{type(error).__name__}: {cap(text, MESSAGE_LIMIT)}".strip()
    return "\n".join(_fold(lines) + [message])


def _format(result) -> list[str]:
    mark = "✓" if result.passed else "✗"
    detail = cap(result.detail, MESSAGE_LIMIT)
    lines = [f"  {mark} {result.name}" + (f"  ({detail})" if detail and not result.passed else "")]
    if result.hint and not result.passed:
        lines.append(f"      hint: {result.hint}")
    return lines


# ------------------------------------------------------------------------- the student's printing
class _Printed(io.TextIOBase):
    """A text stream that keeps the first ``limit`` characters written to it (and copies them to
    ``mirror``, if given, as they come) and counts the rest."""

    def __init__(self, limit: int, mirror: io.TextIOBase | None = None):
        super().__init__()
        self.limit, self.mirror = limit, mirror
        self.head: list[str] = []
        self.total = 0

    @property
    def encoding(self) -> str:
        return "utf-8"

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        text = str(text)
        room = self.limit - self.total
        if room > 0:
            part = text[:room]
            self.head.append(part)
            if self.mirror is not None:
                self.mirror.write(part)
                self.mirror.flush()
        self.total += len(text)
        return len(text)

    def text(self) -> str:
        return "".join(self.head)


def printed_lines(printed: str, total: int) -> list[str]:
    """The lines that show what the student's code printed, and how much of it was cut
    (``total`` < 0: unknown, the check was stopped before it could count)."""
    if not printed and total <= 0:
        return []
    lines = ["  your code printed:"] + [f"    | {line}" for line in printed.rstrip("\n").split("\n")]
    if total > len(printed):
        lines.append(f"    … {total - len(printed):,} more characters of your printing cut "
                     f"({total:,} printed in all; the first {len(printed):,} shown)")
    elif total < 0 and len(printed) >= PRINT_LIMIT:
        lines.append(f"    … (the first {len(printed):,} characters shown; the check was stopped before the "
                     "rest could be counted)")
    return lines


# ----------------------------------------------------------------------------------- checking
def check_exercise(exercise: Exercise, directory: Path, mirror: io.TextIOBase | None = None) -> Outcome:
    """Check one exercise in this process (see :func:`check_workspace` for the isolated version).

    What the student's code prints is captured (``mirror`` gets a copy as it comes) and shown
    first, capped at :data:`PRINT_LIMIT` characters."""
    path = directory / exercise.filename
    outcome = Outcome(exercise.number, exercise.name, "passed")
    printed = _Printed(PRINT_LIMIT, mirror)
    try:
        with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed), student_exits():
            _run_checks(exercise, path, outcome)
    except (SystemExit, StudentExit) as error:
        outcome.status = "error"
        outcome.lines.append(f"  ✗ {exit_message(error, path)}")
    outcome.printed, outcome.printed_total = printed.text(), printed.total
    if outcome.status == "passed" and not outcome.lines:
        outcome.status = "failed"
        outcome.lines.append("  ✗ no test ran")
    outcome.lines = printed_lines(outcome.printed, outcome.printed_total) + outcome.lines
    return outcome


def _run_checks(exercise: Exercise, path: Path, outcome: Outcome) -> None:
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
        outcome.lines.append(f"  ✗ {cap(str(problem), MESSAGE_LIMIT)}")
    except NotImplementedError as error:
        frames = [f for f in traceback.extract_tb(error.__traceback__) if _same(f.filename, path)]
        if frames:
            outcome.status = "todo"
            outcome.lines = [f"  · not written yet: {frames[-1].name} (line {frames[-1].lineno}) raises "
                             "NotImplementedError"]
        else:
            outcome.status = "error"
            outcome.lines.append("  ✗ " + _student_error(error, path).replace("\n", "\n    "))
    except Exception as error:  # the student's code raised: show their traceback, not ours
        outcome.status = "error"
        shown = _student_error(error, path).replace("\n", "\n    ")
        outcome.lines.append(f"  ✗ your code raised an error:\n    {shown}")
        outcome.lines += [f"      hint: {hint}" for kind, hint in exercise.error_hints if isinstance(error, kind)][:1]


def _child(exercise_number: int, directory: str, mirror_path: str, connection) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops this process
    exercise = next(e for e in EXERCISES if e.number == exercise_number)
    try:
        with open(mirror_path, "w", encoding="utf-8", errors="replace") as mirror:
            outcome = check_exercise(exercise, Path(directory), mirror)
    except BaseException as error:  # noqa: BLE001 - whatever happens, the parent gets one line
        outcome = Outcome(exercise.number, exercise.name, "error",
                          [f"  ✗ stopped: {type(error).__name__}: {cap(str(error), MESSAGE_LIMIT)}"])
    with contextlib.suppress(BrokenPipeError, OSError):
        connection.send(outcome)
        connection.close()


def _context():
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def _stopped(exercise: Exercise, mirror_path: str, status: str, line: str) -> Outcome:
    """An outcome for a check that did not report back: what it printed before, then ``line``."""
    try:
        printed = Path(mirror_path).read_text(encoding="utf-8", errors="replace")[:PRINT_LIMIT]
    except OSError:
        printed = ""
    lines = printed_lines(printed, -1) + [line]
    return Outcome(exercise.number, exercise.name, status, lines, printed, -1)


def _isolated(exercise: Exercise, directory: Path, timeout: float) -> Outcome:
    context = _context()
    receiver, sender = context.Pipe(duplex=False)
    handle, mirror_path = tempfile.mkstemp(prefix="minigan-check-", suffix=".txt")
    os.close(handle)
    process = context.Process(target=_child, args=(exercise.number, str(directory), mirror_path, sender),
                              daemon=True)
    process.start()
    sender.close()
    try:
        if receiver.poll(timeout):
            try:
                return receiver.recv()
            except EOFError:
                process.join(5)
                return _stopped(exercise, mirror_path, "error",
                                f"  ✗ the check stopped without a result (exit code {process.exitcode}): "
                                "did the code crash the interpreter?")
        return _stopped(exercise, mirror_path, "timeout",
                        f"  ✗ stopped after {timeout:g} s: an infinite loop? (raise the limit with --timeout)")
    finally:
        receiver.close()
        if process.is_alive():
            process.kill()
        process.join(5)
        with contextlib.suppress(OSError):
            os.unlink(mirror_path)


def check_workspace(directory: str | Path, selection: Sequence[Exercise] | None = None,
                    timeout: float = DEFAULT_TIMEOUT, isolate: bool = True,
                    write: Callable[[str], None] = print) -> list[Outcome]:
    """Check ``selection`` (default all) in ``directory``, printing as it goes; return the outcomes.

    ``timeout`` (seconds per exercise, isolated runs only) must be finite, > 0 and ≤ one day."""
    timeout = validate_timeout(timeout)
    folder = Path(directory)
    chosen = list(selection) if selection else list(EXERCISES)
    outcomes = []
    for exercise in chosen:
        write(f"{exercise.number:2d}. {exercise.title} ({exercise.filename}, lesson {exercise.lesson})")
        with contextlib.suppress(OSError, ValueError):  # a closed pipe is the writer's to handle
            sys.stdout.flush()
        outcome = _isolated(exercise, folder, timeout) if isolate else check_exercise(exercise, folder)
        for line in outcome.lines:
            write(line)
        outcomes.append(outcome)
    return outcomes
