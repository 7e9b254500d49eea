"""Run a lesson cell by cell and record what each cell printed, checked and drew.

A lesson script is a notebook in the "percent" format: ``# %%`` opens a code cell and
``# %% [markdown]`` a markdown cell whose lines are comments (``# text``). The course site
(:mod:`minigan.cli.site`) shows each cell's output under its code, so the tour runs a lesson
here rather than as a plain script:

    python -m minigan.cli.cells LESSON.py RECORD.json [lesson options: --out DIR --full ...]

runs the code cells in order in one namespace — exactly what ``python LESSON.py`` does, with
the same ``__name__``, ``__file__``, ``sys.argv`` and ``sys.path[0]`` — and writes RECORD.json:
a list of cells, each code cell with its ``outputs`` in the order they happened:

    {"type": "text", "text": ...}                       what it printed (stdout and stderr)
    {"type": "check", "claim": ..., "passed": ..., "detail": ...}
    {"type": "figure", "file": "name.png", "title": ...}
    {"type": "error", "text": traceback}                it raised; later cells do not run

The record is rewritten after every cell, so a lesson killed by a timeout still shows how far
it got (its cell's ``status`` stays "running"). Each lesson runs in its own process
(:func:`run_lesson`), so lessons stay isolated from each other and from the tour.
"""

from __future__ import annotations

import builtins
import io
import json
import os
import re
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Cell", "LessonRun", "split_cells", "run_cells", "run_lesson"]

_CELL_MARKER = re.compile(r"^# %%(.*)$")
_MARKDOWN_TAG = re.compile(r"\[(markdown|md)\]")


@dataclass(frozen=True)
class Cell:
    """One cell of a lesson: ``kind`` "code" or "markdown", its text, and the file line it starts on.

    A markdown cell's ``source`` is its text without the leading ``# `` of each line.
    """

    kind: str
    source: str
    line: int


def split_cells(text: str) -> list[Cell]:
    """Split a percent-format script into cells (code before the first marker is a code cell).

    Blank lines around a cell are dropped; ``line`` (1-based) is where its first kept line is.
    """
    cells: list[Cell] = []
    kind, lines, start = "code", [], 1
    for number, line in enumerate(text.splitlines(), start=1):
        marker = _CELL_MARKER.match(line)
        if marker:
            _close_cell(cells, kind, lines, start)
            kind = "markdown" if _MARKDOWN_TAG.search(marker.group(1)) else "code"
            lines, start = [], number + 1
        else:
            lines.append(line)
    _close_cell(cells, kind, lines, start)
    return cells


def _close_cell(cells: list[Cell], kind: str, lines: list[str], start: int) -> None:
    if kind == "markdown":
        # Python runs any line that is not a comment, marker or no marker: from the first such line
        # on, the cell is code, so running the cells does what running the script does.
        code_from = next((i for i, line in enumerate(lines) if line.strip() and not line.lstrip().startswith("#")),
                         None)
        if code_from is not None:
            _close_cell(cells, "markdown", lines[:code_from], start)
            _close_cell(cells, "code", lines[code_from:], start + code_from)
            return
        lines = [line[2:] if line.startswith("# ") else line.removeprefix("#") for line in lines]
    while lines and not lines[0].strip():
        lines, start = lines[1:], start + 1
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    if lines:
        cells.append(Cell(kind, "\n".join(lines), start))


# ------------------------------------------------------------------------ the child process
class _Recorder:
    """Collects one cell's outputs in order: text as it is written, checks and figures as reported."""

    def __init__(self, terminal: Any):
        self.terminal = terminal  # the process's real stdout: the tour keeps it as output.txt
        self.outputs: list[dict[str, Any]] = []
        self._pending: list[str] = []

    def write_text(self, text: str) -> None:
        self._pending.append(text)

    def report(self, kind: str, record: dict[str, Any], line: str) -> None:
        """``minigan.lesson``'s reporter: file the check or figure here, print its line for the log."""
        self.flush()
        self.outputs.append({"type": kind, **record})
        self.terminal.write(line + "\n")

    def error(self, text: str) -> None:
        self.flush()
        self.outputs.append({"type": "error", "text": text})

    def flush(self) -> None:
        text = _settle_carriage_returns("".join(self._pending))
        self._pending = []
        if text.strip():
            self.outputs.append({"type": "text", "text": text.rstrip("\n")})


class _Tee(io.TextIOBase):
    """A text stream that writes through to ``stream`` and into the current cell's recorder."""

    def __init__(self, stream: Any, recorder_of: Any):
        self._stream = stream
        self._recorder_of = recorder_of

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self._stream, "encoding", None) or "utf-8"

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        return self._stream.fileno()

    def write(self, text: str) -> int:
        self._stream.write(text)
        recorder = self._recorder_of()
        if recorder is not None:
            recorder.write_text(text)
        return len(text)

    def flush(self) -> None:
        self._stream.flush()


def _settle_carriage_returns(text: str) -> str:
    """What a terminal would finally show: on each line, only the text after its last ``\\r``."""
    return "\n".join(line.rstrip("\r").rsplit("\r", 1)[-1] for line in text.split("\n"))


def run_cells(path: Path, record_path: Path, argv: list[str]) -> int:
    """Run the lesson at ``path`` cell by cell (in this process); write the record; return the exit status."""
    from minigan import lesson as lesson_module

    cells = split_cells(path.read_text(encoding="utf-8"))
    record: list[dict[str, Any]] = [
        {"kind": cell.kind, "source": cell.source, "line": cell.line}
        | ({"status": "not run", "outputs": []} if cell.kind == "code" else {})
        for cell in cells
    ]
    namespace: dict[str, Any] = {"__name__": "__main__", "__file__": str(path), "__builtins__": builtins}
    sys.argv = [str(path), *argv]
    sys.path.insert(0, str(path.parent))
    terminal_out, terminal_err = sys.stdout, sys.stderr
    current: list[_Recorder | None] = [None]
    sys.stdout = _Tee(terminal_out, lambda: current[0])
    sys.stderr = _Tee(terminal_err, lambda: current[0])
    status = 0
    try:
        for cell, entry in zip(cells, record):
            if cell.kind != "code":
                continue
            recorder = current[0] = _Recorder(terminal_out)
            lesson_module.set_reporter(recorder.report)
            entry["status"] = "running"
            _write(record_path, record)
            started = time.perf_counter()
            try:
                # Padding with blank lines keeps the file's line numbers in tracebacks.
                code = compile("\n" * (cell.line - 1) + cell.source + "\n", str(path), "exec")
                exec(code, namespace)
                entry["status"] = "ok"
            except SystemExit as stop:  # finish() after a failed claim, or a bad option
                status = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
                if isinstance(stop.code, str):
                    print(stop.code, file=sys.stderr)
                entry["status"] = "ok" if status == 0 else "exited"
            except Exception as error:  # the lesson crashed: show why in this cell, run nothing after it
                # Drop this runner's own frame; a SyntaxError has no frame of the lesson's to keep.
                frames = error.__traceback__.tb_next if not isinstance(error, SyntaxError) else None
                text = "".join(traceback.format_exception(type(error), error, frames))
                terminal_err.write(text)
                recorder.error(text.rstrip("\n"))
                entry["status"] = "error"
                status = 1
            recorder.flush()
            entry["outputs"] = recorder.outputs
            entry["seconds"] = round(time.perf_counter() - started, 3)
            _write(record_path, record)
            if status != 0:
                break
    finally:
        current[0] = None
        lesson_module.set_reporter(None)
        sys.stdout, sys.stderr = terminal_out, terminal_err
    return status


def _write(record_path: Path, record: list[dict[str, Any]]) -> None:
    temporary = record_path.with_suffix(".tmp")
    temporary.write_text(json.dumps(record, indent=1, ensure_ascii=False), encoding="utf-8")
    temporary.replace(record_path)


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    if len(arguments) < 2:
        print("usage: python -m minigan.cli.cells LESSON.py RECORD.json [lesson options ...]", file=sys.stderr)
        return 2
    return run_cells(Path(arguments[0]).resolve(), Path(arguments[1]), arguments[2:])


# ------------------------------------------------------------------------ the parent process
@dataclass
class LessonRun:
    """One lesson run for the course site: what it is, how it ended, and what its cells recorded."""

    number: int
    name: str
    title: str
    source: Path
    folder: Path
    returncode: int
    seconds: float
    summary: dict[str, Any] | None  # lesson.json, or None when the lesson died before writing it
    cells: list[dict[str, Any]] = field(default_factory=list)
    error: str = ""  # the end of the output when it crashed or timed out

    @property
    def checks(self) -> list[dict[str, Any]]:
        """Every check made, in order (from the cells, so a crashed lesson's checks count too)."""
        found = [output for cell in self.cells for output in cell.get("outputs", []) if output["type"] == "check"]
        if not found and self.summary:
            found = list(self.summary.get("checks", []))
        return found

    @property
    def passed(self) -> bool:
        if self.returncode != 0 or self.summary is None:
            return False
        return all(check.get("passed") for check in self.checks)

    def manifest_entry(self) -> dict[str, Any]:
        """What the site needs to be drawn again later without running anything (see ``from_manifest``)."""
        return {"number": self.number, "name": self.name, "title": self.title, "source": str(self.source),
                "folder": self.folder.name, "returncode": self.returncode, "seconds": round(self.seconds, 2),
                "error": self.error}

    @classmethod
    def from_manifest(cls, entry: dict[str, Any], out: Path) -> LessonRun:
        folder = out / entry["folder"]
        return cls(entry["number"], entry["name"], entry["title"], Path(entry["source"]), folder,
                   entry["returncode"], entry["seconds"], _read_json(folder / "lesson.json"),
                   _read_json(folder / "cells.json") or [], entry.get("error", ""))


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def run_lesson(number: int, title: str, source: Path, folder: Path, lesson_args: list[str],
               timeout: float | None = None, environment: dict[str, str] | None = None) -> LessonRun:
    """Run the lesson ``source`` cell by cell in a fresh Python process, its figures into ``folder``.

    ``folder`` receives lesson.json (the lesson's summary), cells.json (the cell record), output.txt
    (everything printed) and the figures. Stale records are removed first so they cannot pass for
    this run's.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for stale in ("lesson.json", "cells.json"):
        (folder / stale).unlink(missing_ok=True)
    command = [sys.executable, "-m", "minigan.cli.cells", str(source), str(folder / "cells.json"),
               "--out", str(folder), *lesson_args]
    started = time.perf_counter()
    try:
        completed = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False,
                                   env=environment if environment is not None else dict(os.environ))
        returncode, output = completed.returncode, completed.stdout + completed.stderr
    except subprocess.TimeoutExpired as expired:
        returncode = -1
        output = _text(expired.stdout) + _text(expired.stderr) + f"\n[timed out after {timeout:g} s]\n"
    seconds = time.perf_counter() - started
    (folder / "output.txt").write_text(output, encoding="utf-8")
    summary = _read_json(folder / "lesson.json")
    cells = _read_json(folder / "cells.json") or []
    run = LessonRun(number, source.stem, (summary or {}).get("title") or title, source, folder, returncode,
                    seconds, summary, cells)
    if returncode != 0 and all(check.get("passed") for check in run.checks):
        run.error = "\n".join(output.strip().splitlines()[-15:])  # it crashed: the output's end says why
    return run


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


if __name__ == "__main__":
    sys.exit(main())
