"""The exercise subcommands of the ``minigan`` command: ``exercises`` and ``check``.

    minigan exercises DIR [--solutions] [--force N ...]    write a student workspace (or the solutions)
    minigan check [N ...|--all] [--dir DIR] [--timeout S]  check the student's exercises, with named hints

``check`` ends with "N / 14 exercises done" and exits 0 only when every exercise it checked
passed (1 otherwise, 2 for a bad command line or folder, 130 when interrupted by Ctrl-C).
Problems are one line on stderr, never a traceback; output piped into ``head`` ends quietly.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

__all__ = ["add_parsers"]


class _Output:
    """Print to stdout; once the reader has gone (``minigan check | head``), print nowhere and go on."""

    def __init__(self) -> None:
        self.closed = False

    def __call__(self, line: str = "") -> None:
        if self.closed:
            return
        try:
            print(line, flush=True)
        except BrokenPipeError:
            self.closed = True
            try:  # later writes, and Python's own flush at exit, go nowhere instead of raising again
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
                os.close(devnull)
            except (OSError, ValueError, AttributeError):
                pass


def _problem(command: str, error: BaseException) -> int:
    text = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
    print(f"minigan {command}: {text}", file=sys.stderr)
    return 2


def _write(args: argparse.Namespace) -> int:
    from minigan.exercises import EXERCISES
    from minigan.exercises.workspace import write_workspace

    try:
        written, kept = write_workspace(args.directory, solutions=args.solutions, force=args.force or ())
    except (LookupError, ValueError, OSError) as error:
        return _problem("exercises", error)
    out = _Output()
    folder = Path(args.directory).expanduser()
    kind = "worked solutions" if args.solutions else "exercises"
    out(f"{folder}: {len(written)} file(s) written ({kind}), {len(kept)} kept")
    for path in written:
        out(f"  wrote {path.name}")
    for path in kept:
        out(f"  kept  {path.name} (it exists: never overwritten; --force N resets exercise N)")
    if not args.solutions:
        out(f"\nOpen {folder / EXERCISES[0].filename} and start; check with: minigan check --dir {folder}")
    return 0


def _check(args: argparse.Namespace) -> int:
    from minigan.exercises import EXERCISES, exercise
    from minigan.exercises.checker import check_workspace

    try:
        selection = [exercise(key) for key in args.numbers] if args.numbers and not args.all else list(EXERCISES)
    except LookupError as error:
        return _problem("check", error)
    if not str(args.dir).strip():
        return _problem("check", ValueError("--dir '' is empty: give the workspace folder (default: .)"))
    folder = Path(args.dir).expanduser()
    if not folder.is_dir():
        what = "it is a file, not a folder" if folder.exists() else \
            f"it does not exist (write one with: minigan exercises {folder})"
        return _problem("check", ValueError(f"no workspace at {folder}: {what}"))
    out = _Output()
    try:
        outcomes = check_workspace(folder, selection, timeout=args.timeout, write=out)
    except KeyboardInterrupt:
        print("\nminigan check: interrupted (Ctrl-C)", file=sys.stderr)
        return 130
    done = sum(outcome.passed for outcome in outcomes)
    checked = "" if len(selection) == len(EXERCISES) else \
        f" (checked here: {', '.join(str(e.number) for e in selection)}; minigan check --all for every one)"
    out(f"\n{done} / {len(EXERCISES)} exercises done{checked}")
    return 0 if done == len(selection) else 1


def _seconds(text: str) -> float:
    """``--timeout``: a finite number of seconds in (0, one day]."""
    from minigan.exercises.checker import validate_timeout

    try:
        return validate_timeout(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def add_parsers(subcommands: Any) -> None:
    """Add ``exercises`` and ``check`` to the ``minigan`` command's subparsers."""
    writer = subcommands.add_parser(
        "exercises", help="write a student workspace of exercises",
        description="Write DIR/README.md and one file per exercise (a function to write, its task, formula, "
                    "lesson and folded hints). Existing files are never overwritten.")
    writer.add_argument("directory", metavar="DIR", help="the workspace folder (created if needed)")
    writer.add_argument("--solutions", action="store_true", help="write the worked solutions (for teachers)")
    writer.add_argument("--force", nargs="+", metavar="N", default=None,
                        help="overwrite these exercises' files (number or name) to start them again")
    writer.set_defaults(run=_write)

    checker = subcommands.add_parser(
        "check", help="check the student's exercises, with named hints",
        description="Run each exercise's tests against the student's code: ✓/✗ per test with expected vs got, "
                    "a named hint for typical mistakes. Exits 0 only when every checked exercise passes.")
    checker.add_argument("numbers", nargs="*", metavar="N", help="exercises to check (number or name; default all)")
    checker.add_argument("--all", action="store_true", help="check every exercise (the default)")
    checker.add_argument("--dir", default=".", help="the workspace folder (default: the current directory)")
    checker.add_argument("--timeout", type=_seconds, default=30.0,
                         help="seconds allowed per exercise, more than 0 and at most 86400 (default: 30)")
    checker.set_defaults(run=_check)
