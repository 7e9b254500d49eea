"""The lesson subcommands of the ``minigan`` command: ``lessons``, ``lesson N``, ``tour``.

    minigan lessons                   list the lessons: number, title, file
    minigan lesson 3 [--full] [--seed S]   run lessons/03_*.py (its output streams to the terminal)
    minigan tour [--out tour] [--jobs N]   run every lesson (N side by side), then write the course site under tour/

``minigan lesson N`` runs the script as a subprocess with the same Python, exactly as
``python lessons/NN_topic.py`` would. The tour runs each lesson in its own process too, but cell by
cell (:mod:`minigan.cli.cells`), so it knows what each cell printed, checked and drew; then
:mod:`minigan.cli.site` writes the course map ``index.html`` and one page per lesson. The exit
status is non-zero when any lesson failed — a check did not hold, or the script crashed — so
``minigan tour`` works as a CI step.

Which lessons there are comes from :mod:`minigan.cli.catalogue` (shared with ``notebooks``).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from minigan.backend.parallel import available_cpus
from minigan.cli.catalogue import (  # noqa: F401  (LessonFile, default_lessons_dir, lesson_title: kept here too)
    LESSONS_DIR_HELP,
    LessonFile,
    default_lessons_dir,
    find_lessons,
    lesson_environment,
    lesson_options,
    lesson_title,
    select_lesson,
)
from minigan.cli.cells import run_lesson
from minigan.cli.common import (
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    UsageError,
    add_threads_option,
    os_error_message,
    positive_int,
    prepare_out_folder,
)
from minigan.cli.site import write_site

__all__ = ["add_lessons_parser", "add_lesson_parser", "add_tour_parser", "add_parsers", "run_tour",
           # the catalogue's names, where they were before minigan.cli.catalogue
           "LessonFile", "default_lessons_dir", "find_lessons", "select_lesson", "lesson_title", "lesson_environment"]

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
    command = [sys.executable, str(lesson.path), *lesson_options(args.full, args.backend, args.seed)]
    if args.out is not None:
        try:
            prepare_out_folder(args.out)  # an unusable --out is one line here, not the lesson's traceback
        except UsageError as error:
            print(f"minigan lesson: {error}", file=sys.stderr)
            return EXIT_USAGE
        command += ["--out", args.out]
    environment = lesson_environment(args.threads)
    if args.with_exercises:  # the student's exercises replace minigan's functions (issue 15)
        if not Path(args.with_exercises).expanduser().is_dir():
            print(f"minigan lesson: --with-exercises {args.with_exercises!r}: no such folder "
                  f"(write a workspace with: minigan exercises {args.with_exercises})", file=sys.stderr)
            return 2
        environment["MINIGAN_EXERCISES"] = str(Path(args.with_exercises).expanduser().resolve())
    # The lesson's own output (checks, figure paths) streams straight to this terminal.
    try:
        return subprocess.run(command, check=False, env=environment).returncode
    except KeyboardInterrupt:  # the lesson got the Ctrl-C too and has stopped
        print(f"\nminigan lesson: interrupted ({lesson.name})", file=sys.stderr)
        return EXIT_INTERRUPTED


def _run_tour(args: argparse.Namespace) -> int:
    try:
        lessons = find_lessons(args.lessons_dir)
        if args.only:
            lessons = [select_lesson(lessons, wanted) for wanted in args.only]
    except (FileNotFoundError, LookupError) as error:
        print(error, file=sys.stderr)
        return 2
    try:
        out = prepare_out_folder(args.out)
    except UsageError as error:
        print(f"minigan tour: {error}", file=sys.stderr)
        return EXIT_USAGE
    try:
        jobs = args.jobs if args.jobs is not None else min(available_cpus(), len(lessons))
        return run_tour(lessons, out, full=args.full, backend=args.backend, timeout=args.timeout, seed=args.seed,
                        threads=args.threads, jobs=max(1, jobs))
    except KeyboardInterrupt:
        print(f"\nminigan tour: interrupted; the lessons finished so far are in {out}/ (no course site written)",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as error:
        print(f"minigan tour: cannot write to --out {args.out}: {os_error_message(error)}", file=sys.stderr)
        return EXIT_USAGE


def add_lessons_parser(subcommands: Any) -> None:
    """``minigan lessons``."""
    listing = subcommands.add_parser("lessons", help="list the lessons", description="List the lessons in order.")
    listing.add_argument("--lessons-dir", default=None, help=LESSONS_DIR_HELP)
    listing.set_defaults(run=_list_lessons)


def add_lesson_parser(subcommands: Any) -> None:
    """``minigan lesson N``."""
    single = subcommands.add_parser("lesson", help="run one lesson",
                                    description="Run one lesson; its exit status is the lesson's.")
    single.add_argument("number", help="lesson number (3 or 03) or file name")
    single.add_argument("--full", action="store_true", help="the longer version of the lesson")
    single.add_argument("--out", default=None, help="folder for the figures (default lesson_figures/NN_name)")
    single.add_argument("--backend", default=None, help="numpy, strict or cupy (default: MINIGAN_BACKEND or numpy)")
    single.add_argument("--seed", type=int, default=None, help="the lesson's random seed (default: the lesson's, 0)")
    single.add_argument("--lessons-dir", default=None, help=LESSONS_DIR_HELP)
    add_threads_option(single)
    single.add_argument("--with-exercises", metavar="DIR", default=None,
                        help="run the lesson on your solved exercises from this workspace (minigan exercises DIR)")
    single.set_defaults(run=_run_lesson)


def add_tour_parser(subcommands: Any) -> None:
    """``minigan tour``."""
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
    tour.add_argument("--lessons-dir", default=None, help=LESSONS_DIR_HELP)
    add_threads_option(tour)
    tour.add_argument("--jobs", type=positive_int, default=None, metavar="N",
                      help="lessons run side by side (default: this machine's CPUs; each lesson uses one BLAS "
                           "thread unless --threads, so on a busy machine they share the CPUs fairly)")
    tour.set_defaults(run=_run_tour)


def add_parsers(subcommands: Any) -> None:
    """``lessons``, ``lesson`` and ``tour`` at once (for callers of the earlier registration; the
    ``minigan`` command registers each subcommand itself, in ``minigan.cli.build_parser``)."""
    add_lessons_parser(subcommands)
    add_lesson_parser(subcommands)
    add_tour_parser(subcommands)


# -------------------------------------------------------------------------------------- tour
def run_tour(lessons: list[LessonFile], out: Path, full: bool = False, backend: str | None = None,
             timeout: float | None = None, seed: int | None = None, threads: int | None = None,
             jobs: int = 1) -> int:
    """Run ``lessons`` cell by cell into ``out/NN_name/``, ``jobs`` at a time; write the course site;
    0 only if all passed.

    Each lesson is its own process with one BLAS thread (unless ``threads``), so on a machine with
    two free cores two lessons side by side take about half the wall time of one after the other.
    Results are printed in lesson order whatever order the lessons finish in.
    """
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()

    def run_one(lesson: LessonFile) -> Any:
        return run_lesson(lesson.number, lesson.title, lesson.path, out / lesson.name,
                          lesson_options(full, backend, seed), timeout=timeout,
                          environment=lesson_environment(threads))

    pool = ThreadPoolExecutor(max_workers=max(1, jobs))  # threads only wait on the lessons' processes
    try:
        futures = [pool.submit(run_one, lesson) for lesson in lessons]
        runs = []
        for lesson, future in zip(lessons, futures, strict=True):
            print(f"lesson {lesson.number:2d}  {lesson.title} ...", flush=True)
            run = future.result()
            runs.append(run)
            _print_verdict(run)
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)  # Ctrl-C reached the running lessons too
        raise
    pool.shutdown()
    total = time.perf_counter() - started
    index = write_site(runs, out, total, full)
    failed = [run for run in runs if not run.passed]
    print(f"{len(runs) - len(failed)}/{len(runs)} lessons passed in {total:.1f} s"
          f"{f' ({jobs} at a time)' if jobs > 1 else ''}; course site: {index.resolve()}")
    return 1 if failed else 0


def _print_verdict(run: Any) -> None:
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
