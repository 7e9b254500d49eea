"""Write a student workspace (or the worked solutions): ``minigan exercises DIR [--solutions]``."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from minigan.exercises import EXERCISES, exercise

__all__ = ["write_workspace", "workspace_readme"]


def workspace_readme(solutions: bool = False) -> str:
    """The workspace's README.md: how it works, the order, how to check."""
    rows = "\n".join(f"| {e.number} | `{e.filename}` | {e.title} | {e.lesson} |" for e in EXERCISES)
    kind = "worked solutions (for teachers)" if solutions else "your workspace"
    return f"""# minigan exercises — {kind}

Each file here is one exercise: a function (or a small class) with its signature and a docstring
that states the task, the formula and the lesson it belongs to. Replace the
`raise NotImplementedError` with your code (5 to 30 lines each). If you are stuck, unfold the
*Hints* region at the bottom of the file, and read the lesson (`minigan lesson N`).

## Checking

The `minigan` commands below need minigan's environment in your shell: run
`source .venv/bin/activate` in the minigan folder first (the line `scripts/tour.sh` prints last).

    minigan check 1            check exercise 1 (several: minigan check 1 2 3)
    minigan check --all        check every exercise (the default)
    minigan check --dir PATH   when this folder is not the current directory

Every test prints ✓ or ✗ with what was expected and what came back; a known mistake gets a
named hint. The check ends with "N / {len(EXERCISES)} exercises done" and exits 0 only when every
exercise it checked passed. Each exercise has 30 s (`--timeout`).

## Your code in the lessons

    minigan lesson 10 --with-exercises PATH

runs lesson 10 with minigan's functions replaced by the exercises you have written (the ones you
have not fall back to minigan's, and the lesson says which ran). The lesson's checks then check
your code; when one fails, or your code raises an error, the lesson names the exercise to
revisit. Exercises 7 (the critic loop) and 9 (the layer) are checked by `minigan check` only: the
lessons write those loops and layers out themselves.

## The exercises, in order

| # | file | exercise | lesson |
|---|---|---|---|
{rows}

Start again from scratch on one exercise: `minigan exercises PATH --force N` (the other files are
kept; nothing is ever overwritten without --force).
"""


def _folder(directory: str | Path) -> Path:
    """The workspace folder, created if needed: ValueError for an empty name, OSError (with a
    message naming the folder) when it is a file, lies under a file, or cannot be created."""
    if not str(directory).strip():
        raise ValueError("the workspace folder name is empty: give a folder, e.g. minigan exercises ~/wgan-course")
    folder = Path(directory).expanduser()
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(f"{folder} is a file, not a folder: choose another name for the workspace")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except NotADirectoryError:
        above = next((parent for parent in folder.parents if parent.is_file()), folder.parent)
        raise NotADirectoryError(f"cannot create {folder}: {above} is a file, not a folder") from None
    except OSError as error:
        raise OSError(error.errno, f"cannot create {folder}: {error.strerror or error}") from None
    return folder


def _write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder, renamed into place
    when complete: a full disk or an interruption leaves the old file (or none), never a part."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def write_workspace(directory: str | Path, solutions: bool = False,
                    force: Iterable[int | str] = ()) -> tuple[list[Path], list[Path]]:
    """Write README.md and one file per exercise into ``directory``; return ``(written, kept)``.

    Existing files are never overwritten, except those of the exercises named in ``force``
    (a number or a name) and empty ones (0 bytes: nothing of the student's is in them). Each file
    is written whole or not at all. Raises LookupError for an unknown exercise in ``force`` (before
    anything is created), ValueError for an empty folder name, and OSError — its message naming
    the folder — when the folder is a file, lies under a file, or cannot be written.
    """
    forced = {exercise(key).filename for key in force}
    folder = _folder(directory)
    files = [("README.md", workspace_readme(solutions))]
    files += [(e.filename, e.solution() if solutions else e.stub()) for e in EXERCISES]
    written, kept = [], []
    for name, text in files:
        path = folder / name
        if path.is_file() and path.stat().st_size > 0 and name not in forced:
            kept.append(path)
            continue
        if path.exists() and not path.is_file():
            raise IsADirectoryError(f"cannot write {path}: it is a folder")
        try:
            _write_atomically(path, text)
        except OSError as error:
            raise OSError(error.errno, f"cannot write {path}: {error.strerror or error}") from None
        written.append(path)
    return written, kept
