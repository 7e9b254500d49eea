"""The lesson subcommands of the ``minigan`` command: ``lessons``, ``lesson N``, ``tour`` (and ``notebooks``).

    minigan lessons                   list the lessons: number, title, file
    minigan lesson 3 [--full] [--seed S]   run lessons/03_*.py (its output streams to the terminal)
    minigan tour [--out tour]         run every lesson in order, then write the course site under tour/
    minigan notebooks [--out DIR] [N ...]   executed .ipynb per lesson (see minigan.cli.notebooks)

``minigan lesson N`` runs the script as a subprocess with the same Python, exactly as
``python lessons/NN_topic.py`` would. The tour runs each lesson in its own process too, but cell by
cell (:mod:`minigan.cli.cells`), so it knows what each cell printed, checked and drew; then
:mod:`minigan.cli.site` writes the course map ``index.html`` and one page per lesson. The exit
status is non-zero when any lesson failed — a check did not hold, or the script crashed — so
``minigan tour`` works as a CI step.

The lessons folder is the repository's ``lessons/`` next to the installed package (an editable
install from a clone), or ``--lessons-dir``.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from minigan.cli.cells import run_lesson
from minigan.cli.site import write_site

__all__ = ["LessonFile", "default_lessons_dir", "find_lessons", "select_lesson", "lesson_title", "add_parsers",
           "run_tour", "lesson_environment"]

_LESSON_NAME = re.compile(r"^(\d\d)_\w+\.py$")
_TITLE_CONSTANT = re.compile(r"""^TITLE\s*=\s*(["'])(.+?)\1\s*$""", re.MULTILINE)
_LESSON_CALL = re.compile(r"""Lesson\(\s*(?:__file__|"[^"]*"|'[^']*')\s*,\s*(["'])(.+?)\1""")
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
    literal given to ``Lesson("NN_name", "...")``, else the first markdown heading (``# # Lesson 3 —
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


def select_lesson(lessons: list[LessonFile], wanted: str) -> LessonFile:
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


def _lesson_options(full: bool, backend: str | None, seed: int | None) -> list[str]:
    """The lesson's own command-line options (see :mod:`minigan.lesson`) for these choices."""
    options = ["--full"] if full else []
    if backend:
        options += ["--backend", backend]
    if seed is not None:
        options += ["--seed", str(seed)]
    return options


def lesson_environment(threads: int | None = None) -> dict[str, str]:
    """The environment a lesson runs in: ours, with one BLAS thread unless the user chose otherwise
    (``--threads N`` sets MINIGAN_NUM_THREADS and BLAS's variables to N).

    The lessons' networks are small (matrices of 64–512 rows); OpenBLAS's worker threads cost
    more than they give there, and on a busy machine they slow a lesson several times over.
    """
    environment = dict(os.environ)
    if threads is not None:
        for variable in ("MINIGAN_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            environment[variable] = str(threads)
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
        lesson = select_lesson(find_lessons(args.lessons_dir), args.number)
    except (FileNotFoundError, LookupError) as error:
        print(error, file=sys.stderr)
        return 2
    command = [sys.executable, str(lesson.path), *_lesson_options(args.full, args.backend, args.seed)]
    if args.out:
        command += ["--out", args.out]
    environment = lesson_environment(args.threads)
    if args.with_exercises:  # the student's exercises replace minigan's functions (issue 15)
        if not Path(args.with_exercises).expanduser().is_dir():
            print(f"minigan lesson: --with-exercises {args.with_exercises!r}: no such folder "
                  f"(write a workspace with: minigan exercises {args.with_exercises})", file=sys.stderr)
            return 2
        environment["MINIGAN_EXERCISES"] = str(Path(args.with_exercises).expanduser().resolve())
    # The lesson's own output (checks, figure paths) streams straight to this terminal.
    return subprocess.run(command, check=False, env=environment).returncode


def _run_tour(args: argparse.Namespace) -> int:
    try:
        lessons = find_lessons(args.lessons_dir)
        if args.only:
            lessons = [select_lesson(lessons, wanted) for wanted in args.only]
    except (FileNotFoundError, LookupError) as error:
        print(error, file=sys.stderr)
        return 2
    return run_tour(lessons, Path(args.out), full=args.full, backend=args.backend, timeout=args.timeout,
                    seed=args.seed, threads=args.threads)


def add_parsers(subcommands: Any) -> None:
    """Add ``lessons``, ``lesson``, ``tour`` and ``notebooks`` to the ``minigan`` command's subparsers."""
    from minigan.cli.common import add_threads_option

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
    single.add_argument("--seed", type=int, default=None, help="the lesson's random seed (default: the lesson's, 0)")
    single.add_argument("--lessons-dir", default=None, help=lessons_dir_help)
    add_threads_option(single)
    single.add_argument("--with-exercises", metavar="DIR", default=None,
                        help="run the lesson on your solved exercises from this workspace (minigan exercises DIR)")
    single.set_defaults(run=_run_lesson)

    tour = subcommands.add_parser(
        "tour", help="run every lesson and write the course site (OUT/index.html)",
        description="Run every lesson in order, cell by cell, each into OUT/NN_name/, and write the course site: "
                    "OUT/index.html (the course map) and OUT/NN_name.html (one page per lesson: text, folded code, "
                    "output, checks, figures). Exits non-zero if any lesson fails.")
    tour.add_argument("--out", default="tour", help="output folder (default: tour/)")
    tour.add_argument("--full", action="store_true", help="run the longer version of every lesson")
    tour.add_argument("--only", nargs="+", metavar="N", default=None, help="run only these lessons")
    tour.add_argument("--backend", default=None, help="numpy, strict or cupy (default: MINIGAN_BACKEND or numpy)")
    tour.add_argument("--seed", type=int, default=None, help="every lesson's random seed (default: the lesson's, 0)")
    tour.add_argument("--timeout", type=float, default=None, help="seconds allowed per lesson (default: none)")
    tour.add_argument("--lessons-dir", default=None, help=lessons_dir_help)
    add_threads_option(tour)
    tour.set_defaults(run=_run_tour)

    from minigan.cli import notebooks

    notebooks.add_parser(subcommands, lessons_dir_help)


# -------------------------------------------------------------------------------------- tour
def run_tour(lessons: list[LessonFile], out: Path, full: bool = False, backend: str | None = None,
             timeout: float | None = None, seed: int | None = None, threads: int | None = None) -> int:
    """Run ``lessons`` in order, cell by cell, into ``out/NN_name/``; write the course site; 0 only if all passed."""
    out.mkdir(parents=True, exist_ok=True)
    runs = []
    started = time.perf_counter()
    for lesson in lessons:
        print(f"lesson {lesson.number:2d}  {lesson.title} ...", flush=True)
        run = run_lesson(lesson.number, lesson.title, lesson.path, out / lesson.name,
                         _lesson_options(full, backend, seed), timeout=timeout,
                         environment=lesson_environment(threads))
        runs.append(run)
        checks = run.checks
        passed = sum(1 for check in checks if check.get("passed"))
        verdict = "ok" if run.passed else "FAILED"
        print(f"           {verdict}: {passed}/{len(checks)} checks, {run.seconds:.1f} s", flush=True)
        if not run.passed:
            for check in checks:
                if not check.get("passed"):
                    print(f"           ✗ {check.get('claim')}")
            if run.error:
                print("           " + run.error.replace("\n", "\n           "))
    total = time.perf_counter() - started
    index = write_site(runs, out, total, full)
    failed = [run for run in runs if not run.passed]
    print(f"{len(runs) - len(failed)}/{len(runs)} lessons passed in {total:.1f} s; course site: {index.resolve()}")
    return 1 if failed else 0
