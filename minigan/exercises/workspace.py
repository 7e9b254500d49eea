"""Write a student workspace (or the worked solutions): ``minigan exercises DIR [--solutions]``."""

from __future__ import annotations

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
your code. Exercises 7 (the critic loop) and 9 (the layer) are checked by `minigan check` only:
the lessons write those loops and layers out themselves.

## The exercises, in order

| # | file | exercise | lesson |
|---|---|---|---|
{rows}

Start again from scratch on one exercise: `minigan exercises PATH --force N` (the other files are
kept; nothing is ever overwritten without --force).
"""


def write_workspace(directory: str | Path, solutions: bool = False,
                    force: Iterable[int | str] = ()) -> tuple[list[Path], list[Path]]:
    """Write README.md and one file per exercise into ``directory``; return ``(written, kept)``.

    Existing files are never overwritten, except those of the exercises named in ``force``
    (a number or a name)."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    forced = {exercise(key).filename for key in force}
    files = [("README.md", workspace_readme(solutions))]
    files += [(e.filename, e.solution() if solutions else e.stub()) for e in EXERCISES]
    written, kept = [], []
    for name, text in files:
        path = folder / name
        if path.exists() and name not in forced:
            kept.append(path)
            continue
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written, kept
