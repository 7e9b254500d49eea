"""The lesson subcommands of the ``minigan`` command: ``lessons``, ``lesson N`` and ``tour``.

    minigan lessons                   list the lessons: number, title, file
    minigan lesson 3 [--full]         run lessons/03_*.py (its output streams to the terminal)
    minigan tour [--out tour]         run every lesson in order, then write tour/index.html

Each lesson is a script (``lessons/NN_topic.py``) run as a subprocess with the same Python, so a
lesson in the tour behaves exactly as it does on its own: ``python lessons/NN_topic.py --out DIR``.
A lesson records its checks and figures in ``DIR/lesson.json`` (see :mod:`minigan.lesson`); the tour
reads those files and writes a single gallery page, ``index.html``, with every lesson's title,
checks (passed or failed), figures and run time. The exit status is non-zero when any lesson
failed — a check did not hold, or the script crashed — so ``minigan tour`` works as a CI step.

The lessons folder is the repository's ``lessons/`` next to the installed package (an editable
install from a clone), or ``--lessons-dir``.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["LessonFile", "default_lessons_dir", "find_lessons", "lesson_title", "add_parsers", "run_tour",
           "write_index"]

_LESSON_NAME = re.compile(r"^(\d\d)_\w+\.py$")
_TITLE_CONSTANT = re.compile(r"""^TITLE\s*=\s*(["'])(.+?)\1\s*$""", re.MULTILINE)
_LESSON_CALL = re.compile(r"""Lesson\(\s*__file__\s*,\s*(["'])(.+?)\1""")
_MARKDOWN_HEADING = re.compile(r"^#\s+#+\s+(.+?)\s*$")
_LESSON_PREFIX = re.compile(r"^Lesson\s+\d+\s*[—–:.-]\s*")  # "Lesson 8 — Lipschitz…" → "Lipschitz…"


@dataclass(frozen=True)
class LessonFile:
    """One lesson script: its number (from the ``NN_`` prefix), file and title."""

    number: int
    path: Path
    title: str

    @property
    def name(self) -> str:
        return self.path.stem


def default_lessons_dir() -> Path:
    """``lessons/`` next to the package: where an editable install from a clone finds them."""
    import minigan

    return Path(minigan.__file__).resolve().parents[1] / "lessons"


def lesson_title(path: Path) -> str:
    """A lesson's title, as the gallery shows it: its ``TITLE = "..."`` constant, else the string
    literal given to ``Lesson(__file__, "...")``, else the first markdown heading (``# # Lesson 3 —
    ...``, without the "Lesson 3 —"), else the file name."""
    text = path.read_text(encoding="utf-8")
    for pattern in (_TITLE_CONSTANT, _LESSON_CALL):
        found = pattern.search(text)
        if found:
            return found.group(2)
    for line in text.splitlines():
        heading = _MARKDOWN_HEADING.match(line)
        if heading:
            return _LESSON_PREFIX.sub("", heading.group(1))
    return path.stem


def find_lessons(lessons_dir: str | os.PathLike | None = None) -> list[LessonFile]:
    """The lesson scripts ``NN_*.py`` in ``lessons_dir`` (default :func:`default_lessons_dir`), in order."""
    folder = Path(lessons_dir) if lessons_dir is not None else default_lessons_dir()
    if not folder.is_dir():
        raise FileNotFoundError(
            f"no lessons folder at {folder}: the lessons ship with the repository (lessons/ next to minigan/); "
            "pass --lessons-dir PATH"
        )
    lessons = [
        LessonFile(int(match.group(1)), path, lesson_title(path))
        for path in sorted(folder.iterdir())
        if (match := _LESSON_NAME.match(path.name)) and path.is_file()
    ]
    return sorted(lessons, key=lambda lesson: (lesson.number, lesson.name))


def _select(lessons: list[LessonFile], wanted: str) -> LessonFile:
    """The lesson named by ``wanted``: a number ("3", "03") or a file stem ("03_why_...")."""
    for lesson in lessons:
        if wanted == lesson.name or wanted.removesuffix(".py") == lesson.name:
            return lesson
    if wanted.isdigit():
        matches = [lesson for lesson in lessons if lesson.number == int(wanted)]
        if matches:
            return matches[0]
    available = ", ".join(str(lesson.number) for lesson in lessons)
    raise LookupError(f"no lesson {wanted!r}; available: {available}")


def _lesson_command(lesson: LessonFile, full: bool, out: Path | None, backend: str | None) -> list[str]:
    command = [sys.executable, str(lesson.path)]
    if full:
        command.append("--full")
    if out is not None:
        command += ["--out", str(out)]
    if backend:
        command += ["--backend", backend]
    return command


def _lesson_environment() -> dict[str, str]:
    """The environment a lesson runs in: ours, with one BLAS thread unless the user chose otherwise.

    The lessons' networks are small (matrices of 64–512 rows); OpenBLAS's worker threads cost
    more than they give there, and on a busy machine they slow a lesson several times over.
    """
    environment = dict(os.environ)
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        environment.setdefault(variable, "1")
    return environment


# ---------------------------------------------------------------------------------- commands
def _list_lessons(args: argparse.Namespace) -> int:
    try:
        lessons = find_lessons(args.lessons_dir)
    except FileNotFoundError as error:
        print(error, file=sys.stderr)
        return 2
    width = max((len(lesson.title) for lesson in lessons), default=0)
    for lesson in lessons:
        print(f"{lesson.number:3d}  {lesson.title:<{width}}  ({lesson.path.name})")
    return 0


def _run_lesson(args: argparse.Namespace) -> int:
    try:
        lesson = _select(find_lessons(args.lessons_dir), args.number)
    except (FileNotFoundError, LookupError) as error:
        print(error, file=sys.stderr)
        return 2
    command = _lesson_command(lesson, args.full, Path(args.out) if args.out else None, args.backend)
    environment = _lesson_environment()
    if args.with_exercises:  # the student's exercises replace minigan's functions (issue 15)
        environment["MINIGAN_EXERCISES"] = str(Path(args.with_exercises).resolve())
    # The lesson's own output (checks, figure paths) streams straight to this terminal.
    return subprocess.run(command, check=False, env=environment).returncode


def _run_tour(args: argparse.Namespace) -> int:
    try:
        lessons = find_lessons(args.lessons_dir)
        if args.only:
            lessons = [_select(lessons, wanted) for wanted in args.only]
    except (FileNotFoundError, LookupError) as error:
        print(error, file=sys.stderr)
        return 2
    return run_tour(lessons, Path(args.out), full=args.full, backend=args.backend, timeout=args.timeout)


def add_parsers(subcommands: Any) -> None:
    """Add ``lessons``, ``lesson`` and ``tour`` to the ``minigan`` command's subparsers."""
    lessons_dir_help = "folder holding the NN_*.py lessons (default: lessons/ next to the package)"

    listing = subcommands.add_parser("lessons", help="list the lessons", description="List the lessons in order.")
    listing.add_argument("--lessons-dir", default=None, help=lessons_dir_help)
    listing.set_defaults(run=_list_lessons)

    single = subcommands.add_parser("lesson", help="run one lesson",
                                    description="Run one lesson; its exit status is the lesson's.")
    single.add_argument("number", help="lesson number (3 or 03) or file name")
    single.add_argument("--full", action="store_true", help="the longer version of the lesson")
    single.add_argument("--out", default=None, help="folder for the figures (default lesson_figures/NN_name)")
    single.add_argument("--backend", default=None, help="numpy, strict or cupy (default: MINIGAN_BACKEND or numpy)")
    single.add_argument("--lessons-dir", default=None, help=lessons_dir_help)
    single.add_argument("--with-exercises", metavar="DIR", default=None,
                        help="run the lesson on your solved exercises from this workspace (minigan exercises DIR)")
    single.set_defaults(run=_run_lesson)

    tour = subcommands.add_parser(
        "tour", help="run every lesson and write an index.html gallery",
        description="Run every lesson in order, each into OUT/NN_name/, and write OUT/index.html. "
                    "Exits non-zero if any lesson fails.")
    tour.add_argument("--out", default="tour", help="output folder (default: tour/)")
    tour.add_argument("--full", action="store_true", help="run the longer version of every lesson")
    tour.add_argument("--only", nargs="+", metavar="N", default=None, help="run only these lessons")
    tour.add_argument("--backend", default=None, help="numpy, strict or cupy (default: MINIGAN_BACKEND or numpy)")
    tour.add_argument("--timeout", type=float, default=None, help="seconds allowed per lesson (default: none)")
    tour.add_argument("--lessons-dir", default=None, help=lessons_dir_help)
    tour.set_defaults(run=_run_tour)


# -------------------------------------------------------------------------------------- tour
@dataclass
class LessonResult:
    """What one lesson of the tour produced."""

    lesson: LessonFile
    folder: Path
    returncode: int
    seconds: float
    summary: dict[str, Any] | None  # lesson.json, or None when the lesson died before writing it
    error: str = ""

    @property
    def passed(self) -> bool:
        if self.returncode != 0 or self.summary is None:
            return False
        return all(check.get("passed") for check in self.summary.get("checks", []))


def _run_one(lesson: LessonFile, out: Path, full: bool, backend: str | None, timeout: float | None) -> LessonResult:
    folder = out / lesson.name
    folder.mkdir(parents=True, exist_ok=True)
    summary_path = folder / "lesson.json"
    if summary_path.exists():
        summary_path.unlink()  # a stale summary must not pass for this run's
    started = time.perf_counter()
    try:
        completed = subprocess.run(_lesson_command(lesson, full, folder, backend), capture_output=True, text=True,
                                   timeout=timeout, check=False, env=_lesson_environment())
        returncode, output = completed.returncode, completed.stdout + completed.stderr
    except subprocess.TimeoutExpired as expired:
        returncode = -1
        output = _text(expired.stdout) + _text(expired.stderr) + f"\n[timed out after {timeout:g} s]\n"
    seconds = time.perf_counter() - started
    (folder / "output.txt").write_text(output, encoding="utf-8")
    summary = None
    if summary_path.exists():
        try:
            summary = json.loads(summary_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            summary = None
    error = ""
    if returncode != 0 and (summary is None or all(c.get("passed") for c in summary.get("checks", []))):
        error = "\n".join(output.strip().splitlines()[-15:])  # it crashed: the traceback's end says why
    return LessonResult(lesson, folder, returncode, seconds, summary, error)


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def run_tour(lessons: list[LessonFile], out: Path, full: bool = False, backend: str | None = None,
             timeout: float | None = None) -> int:
    """Run ``lessons`` in order into ``out/NN_name/``, write ``out/index.html``; 0 only if all passed."""
    out.mkdir(parents=True, exist_ok=True)
    results = []
    started = time.perf_counter()
    for lesson in lessons:
        print(f"lesson {lesson.number:2d}  {lesson.title} ...", flush=True)
        result = _run_one(lesson, out, full, backend, timeout)
        results.append(result)
        checks = result.summary.get("checks", []) if result.summary else []
        passed = sum(1 for check in checks if check.get("passed"))
        verdict = "ok" if result.passed else "FAILED"
        print(f"           {verdict}: {passed}/{len(checks)} checks, {result.seconds:.1f} s", flush=True)
        if not result.passed:
            for check in checks:
                if not check.get("passed"):
                    print(f"           ✗ {check.get('claim')}")
            if result.error:
                print("           " + result.error.replace("\n", "\n           "))
    total = time.perf_counter() - started
    index = write_index(results, out, total, full)
    failed = [result for result in results if not result.passed]
    print(f"{len(results) - len(failed)}/{len(results)} lessons passed in {total:.1f} s; gallery: {index.resolve()}")
    return 1 if failed else 0


_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; }
h1 { margin-bottom: 0.2em; }
.summary { color: #555; margin-bottom: 2em; }
nav a { margin-right: 0.8em; white-space: nowrap; }
section { border-top: 1px solid #ddd; padding: 1em 0; }
h2 .status { font-size: 0.7em; padding: 0.15em 0.5em; border-radius: 0.3em; margin-left: 0.5em;
             vertical-align: middle; }
.ok { background: #d8f5d8; color: #145214; } .failed { background: #fbd9d9; color: #7a1010; }
ul.checks { list-style: none; padding-left: 0; } ul.checks li { margin: 0.15em 0; }
li.pass::before { content: "\\2713  "; color: #1a7f1a; font-weight: bold; }
li.fail::before { content: "\\2717  "; color: #b01515; font-weight: bold; }
li.fail { color: #b01515; } .detail { color: #777; font-size: 0.9em; }
.figures img { max-width: 100%; border: 1px solid #eee; margin: 0.5em 0; }
pre { background: #f6f6f6; padding: 0.8em; overflow-x: auto; }
.meta { color: #666; font-size: 0.9em; }
"""


def write_index(results: list[LessonResult], out: Path, total_seconds: float, full: bool = False) -> Path:
    """Write ``out/index.html``: one page, styles inline, figures linked by relative paths."""
    escape = html.escape
    passed_lessons = sum(1 for result in results if result.passed)
    total_checks = sum(len(result.summary.get("checks", [])) for result in results if result.summary)
    passed_checks = sum(
        sum(1 for check in result.summary.get("checks", []) if check.get("passed"))
        for result in results if result.summary
    )
    mode = "full" if full else "quick"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>minigan lessons tour</title>",
        f"<style>{_STYLE}</style></head><body>",
        "<h1>minigan lessons tour</h1>",
        f'<p class="summary">{passed_lessons}/{len(results)} lessons passed, {passed_checks}/{total_checks} checks, '
        f"{mode} mode, total time {total_seconds:.1f} s.</p>",
        "<nav>" + "".join(
            f'<a href="#{escape(result.lesson.name)}">{result.lesson.number:02d}'
            f'{"" if result.passed else " ✗"}</a>' for result in results) + "</nav>",
    ]
    for result in results:
        lesson, summary = result.lesson, result.summary or {}
        status = '<span class="status ok">passed</span>' if result.passed else \
            '<span class="status failed">FAILED</span>'
        folder = result.folder.relative_to(out).as_posix()
        backend = summary.get("backend", "?")
        parts.append(f'<section id="{escape(lesson.name)}">')
        parts.append(f"<h2>{lesson.number:02d} · {escape(summary.get('title') or lesson.title)}{status}</h2>")
        parts.append(f'<p class="meta">{escape(lesson.path.name)} · {result.seconds:.1f} s · backend {escape(backend)}'
                     f' · exit status {result.returncode} · <a href="{escape(folder)}/output.txt">output</a></p>')
        checks = summary.get("checks", [])
        if checks:
            parts.append('<ul class="checks">')
            for check in checks:
                css = "pass" if check.get("passed") else "fail"
                detail = check.get("detail") or ""
                detail_html = f' <span class="detail">[{escape(detail)}]</span>' if detail else ""
                parts.append(f'<li class="{css}">{escape(str(check.get("claim", "")))}{detail_html}</li>')
            parts.append("</ul>")
        if result.error:
            parts.append(f"<pre>{escape(result.error)}</pre>")
        figures = summary.get("figures", [])
        if figures:
            parts.append('<div class="figures">')
            for figure in figures:
                source = escape(f"{folder}/{figure}")
                parts.append(f'<a href="{source}"><img src="{source}" alt="{escape(figure)}" loading="lazy"></a>')
            parts.append("</div>")
        parts.append("</section>")
    parts.append("</body></html>")
    index = out / "index.html"
    index.write_text("\n".join(parts) + "\n", encoding="utf-8")
    return index
