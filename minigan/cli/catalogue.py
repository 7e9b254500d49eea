"""The lesson catalogue: which lesson scripts there are, their numbers and titles, and the
environment a lesson runs in. Shared by ``minigan lessons``, ``lesson``, ``tour`` (tour.py) and
``notebooks`` (notebooks.py), so that neither command module imports the other.

The lessons folder is the repository's ``lessons/`` next to the installed package (an editable
install from a clone), or ``--lessons-dir``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["LessonFile", "default_lessons_dir", "find_lessons", "select_lesson", "lesson_title",
           "lesson_options", "lesson_environment", "LESSONS_DIR_HELP"]

LESSONS_DIR_HELP = "folder holding the NN_*.py lessons (default: lessons/ next to the package)"

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


def lesson_options(full: bool, backend: str | None, seed: int | None) -> list[str]:
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
