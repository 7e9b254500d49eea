"""What every lesson script shares: its command line, its checks, its figures.

A lesson states claims and checks them with numbers. ``Lesson.check`` prints each claim as
it is checked and remembers the verdict; ``Lesson.identity`` and ``Lesson.worked`` record the
checks that are not tests of the lesson's teaching (agreement with a theorem, a worked
computation), marked and counted apart; ``Lesson.finish`` writes a summary (``lesson.json``,
read by ``minigan tour`` to build the course site) and exits non-zero if any check failed, so a
lesson that runs to the end with status 0 is a lesson whose checks held on this run.

Usage inside ``lessons/NN_topic.py``::

    from minigan.lesson import Lesson
    lesson = Lesson("01_kl_and_js", "KL and JS divergences")
    lesson.check_close("KL(N(0,1)‖N(1,1)) = 0.5 nats", kl, 0.5, atol=1e-9)
    lesson.savefig(fig, "densities")
    lesson.finish()

The lesson is named by a string, not by ``__file__``, so the same cells run unchanged in a
Jupyter kernel (where ``__file__`` does not exist). There, ``argv`` is ignored (quick mode),
figures are shown inline as well as saved, and a failed claim does not end the kernel.
The check methods return None, so a cell ending in a check echoes nothing.

Command line of every lesson: ``--full`` (the longer version), ``--out DIR`` (where
figures go; default ``lesson_figures/NN_topic``), ``--backend NAME``, ``--seed S``.
A backend that cannot run here (``--backend cupy`` without CuPy or a GPU, or an unknown
name) is one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np  # print options only: how host numbers look in the lesson's output

from minigan import backend

__all__ = ["CHECK_KINDS", "Lesson", "LessonCheckFailed", "count_kinds", "set_reporter"]

# The three kinds of check a lesson makes, each with the mark it is printed and drawn with:
# a tested claim (could be false if the lesson taught wrongly), an identity (agreement with a
# theorem: fails only on a library bug) and a worked computation (shown, not tested).
CHECK_KINDS = {"claim": "✓", "identity": "≡", "worked": "∴"}


def count_kinds(checks: list[dict[str, Any]]) -> str:
    """"24 claims checked, 5 identities shown, 2 worked computations" for a lesson's checks."""
    counts = {kind: sum(1 for c in checks if c.get("kind", "claim") == kind) for kind in CHECK_KINDS}
    words = {"claim": ("claim checked", "claims checked"), "identity": ("identity shown", "identities shown"),
             "worked": ("worked computation", "worked computations")}
    parts = [f"{counts['claim']} {words['claim'][counts['claim'] != 1]}"]
    parts += [f"{counts[k]} {words[k][counts[k] != 1]}" for k in ("identity", "worked") if counts[k]]
    return ", ".join(parts)

# Who hears of each check and figure as it happens: None means "print the line"; the course-site
# runner (minigan.cli.cells) installs a function to file each one under the cell that made it.
Reporter = Callable[[str, dict[str, Any], str], None]
_reporter: Reporter | None = None


def set_reporter(reporter: Reporter | None) -> None:
    """Send every check and figure to ``reporter(kind, record, line)`` instead of printing ``line``.

    ``kind`` is "check" (record: claim, passed, detail) or "figure" (record: file, title).
    """
    global _reporter
    _reporter = reporter


def _in_notebook() -> bool:
    """True inside a Jupyter kernel (ipykernel), where argv belongs to the kernel and exit ends it."""
    return "ipykernel" in sys.modules


def _figure_title(figure: Any) -> str:
    """The figure's own words for a caption: its suptitle, else its axes' titles joined by " · "."""
    suptitle = getattr(figure, "_suptitle", None)
    if suptitle is not None and suptitle.get_text().strip():
        return suptitle.get_text().strip()
    titles = [axes.get_title().strip() for axes in figure.get_axes()]
    return " · ".join(title for title in titles if title)


class LessonCheckFailed(AssertionError):
    """Raised by ``Lesson.require`` when a claim later cells depend on does not hold."""


class Lesson:
    """One lesson run: options, checks and figures.

    Args:
        name: the lesson's name (``"01_kl_and_js"``); a path to its file works too (its stem is used).
        title: a human title, shown on the course site.
        argv: command-line arguments (default ``sys.argv[1:]``; ignored inside Jupyter).
    """

    def __init__(self, name: str, title: str, argv: list[str] | None = None):
        self.name = Path(name).stem
        self.number = int(self.name.split("_", 1)[0]) if self.name[:2].isdigit() else 0
        self.title = title
        parser = argparse.ArgumentParser(prog=f"python lessons/{self.name}.py", description=title)
        parser.add_argument("--full", action="store_true", help="run the longer version")
        parser.add_argument("--out", default=None, help="folder for figures (default lesson_figures/NAME)")
        parser.add_argument("--backend", default=None, help="numpy, cupy or strict")
        parser.add_argument("--seed", type=int, default=0)
        if argv is None:
            argv = [] if _in_notebook() else sys.argv[1:]
        options = parser.parse_args(argv)
        self.full: bool = options.full
        self.seed: int = options.seed
        if options.backend:
            try:
                backend.use(options.backend)
            except (ValueError, backend.BackendUnavailableError) as error:
                if _in_notebook():
                    raise
                print(f"{parser.prog}: {error}", file=sys.stderr)
                raise SystemExit(2) from None
        if os.environ.get("MINIGAN_EXERCISES"):  # `minigan lesson N --with-exercises DIR` (issue 15)
            from minigan.exercises.install import install_from_environment

            install_from_environment()  # a folder that does not exist: one line, exit status 2
        backend.manual_seed(self.seed)
        # A check's detail or a printed list shows numbers as 2.0, not np.float64(2.0) (NumPy ≥ 2's repr).
        np.set_printoptions(legacy="1.25")
        self.figure_dir = Path(options.out or os.environ.get("MINIGAN_LESSON_OUT", "") or
                               Path("lesson_figures") / self.name)
        self.figure_dir.mkdir(parents=True, exist_ok=True)
        self.checks: list[dict[str, Any]] = []
        self.figures: list[str] = []
        self.figure_titles: dict[str, str] = {}
        self._started = time.perf_counter()
        mode = "full" if self.full else "quick"
        print(f"Lesson {self.number}: {title}  ({mode} mode, backend {backend.name()}, seed {self.seed})")
        print(f"figures go to {self.figure_dir.resolve()}")

    # ------------------------------------------------------------------ checks
    def check(self, claim: str, holds: bool, detail: str = "") -> None:
        """Record and print one claim. ``holds`` is the verdict (a bool)."""
        self._record(claim, holds, detail)

    def identity(self, claim: str, holds: bool, detail: str = "") -> None:
        """Record a consistency-with-a-theorem check: a computation that agrees with a theorem or an
        identity (say JS ≤ ln 2, or log₁₀ = ln / ln 10). It fails only on a bug in the library, not
        when the lesson's teaching is wrong, so it is marked ≡ and counted apart from tested claims."""
        self._record(claim, holds, detail, kind="identity")

    def worked(self, claim: str, holds: bool, detail: str = "") -> None:
        """Record a worked computation: a number the lesson computes and shows (a closed form
        evaluated, arithmetic on the lesson's own inputs). Marked ∴ and counted apart: it
        illustrates, it does not test a claim that could be false."""
        self._record(claim, holds, detail, kind="worked")

    def _record(self, claim: str, holds: bool, detail: str, kind: str = "claim") -> bool:
        if kind not in CHECK_KINDS:
            raise ValueError(f"kind must be one of {sorted(CHECK_KINDS)}, got {kind!r}")
        holds = bool(holds)
        mark = CHECK_KINDS[kind] if holds else "✗ FAILED"
        record = {"claim": claim, "passed": holds, "detail": detail, "kind": kind}
        self.checks.append(record)
        self._report("check", record, f"  {mark} {claim}" + (f"   [{detail}]" if detail else ""))
        return holds

    @staticmethod
    def _report(kind: str, record: dict[str, Any], line: str) -> None:
        if _reporter is None:
            print(line)
        else:
            _reporter(kind, record, line)

    def check_close(self, claim: str, actual: float, expected: float, rtol: float = 0.0,
                    atol: float = 1e-9, kind: str = "claim") -> None:
        """Claim that ``actual`` equals ``expected`` within atol + rtol·|expected| (inf equals inf).

        ``kind`` is "claim", "identity" or "worked" (see ``identity`` and ``worked``)."""
        actual, expected = float(actual), float(expected)
        if math.isinf(expected) or math.isinf(actual):
            holds = actual == expected
        else:
            holds = abs(actual - expected) <= atol + rtol * abs(expected)
        self._record(claim, holds, f"got {actual:.6g}, expected {expected:.6g}", kind=kind)

    def check_less(self, claim: str, smaller: float, larger: float, margin: float = 0.0,
                   kind: str = "claim") -> None:
        """Claim that ``smaller`` ≤ ``larger`` + margin."""
        smaller, larger = float(smaller), float(larger)
        self._record(claim, smaller <= larger + margin, f"{smaller:.6g} ≤ {larger:.6g}", kind=kind)

    def check_between(self, claim: str, value: float, low: float, high: float, kind: str = "claim") -> None:
        """Claim that low ≤ ``value`` ≤ high."""
        value = float(value)
        self._record(claim, low <= value <= high, f"{low:.6g} ≤ {value:.6g} ≤ {high:.6g}", kind=kind)

    def require(self, claim: str, holds: bool, detail: str = "") -> None:
        """Like ``check``, but stop the lesson at once if it fails (later cells rely on it)."""
        if not self._record(claim, holds, detail):
            self.finish()
            raise LessonCheckFailed(claim)

    # ----------------------------------------------------------------- figures
    def savefig(self, figure: Any, name: str) -> None:
        """Save a matplotlib figure as ``NAME.png`` in the lesson's folder, show it inline when in
        Jupyter, and close it. Its title (suptitle, else the axes' titles) becomes its caption."""
        path = self.figure_dir / f"{name}.png"
        figure.savefig(path, dpi=110, bbox_inches="tight")
        title = _figure_title(figure)
        import matplotlib.pyplot as plt

        plt.close(figure)
        self.figures.append(path.name)
        self.figure_titles[path.name] = title
        if _in_notebook():
            from IPython.display import Image, display

            display(Image(filename=str(path)))
        self._report("figure", {"file": path.name, "title": title}, f"  figure: {path}")

    # ------------------------------------------------------------------ finish
    @property
    def failed(self) -> list[str]:
        return [c["claim"] for c in self.checks if not c["passed"]]

    def finish(self) -> None:
        """Write ``lesson.json`` and exit with status 1 if any claim failed."""
        seconds = time.perf_counter() - self._started
        summary = {
            "number": self.number, "name": self.name, "title": self.title, "full": self.full,
            "backend": backend.name(), "seed": self.seed, "seconds": round(seconds, 2), "checks": self.checks,
            "figures": self.figures, "figure_titles": self.figure_titles,
        }
        (self.figure_dir / "lesson.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False))
        passed = len(self.checks) - len(self.failed)
        print(f"{passed}/{len(self.checks)} checks passed in {seconds:.1f} s ({count_kinds(self.checks)})")
        if self.failed:
            print("FAILED: " + "; ".join(self.failed))
            if not _in_notebook():
                sys.exit(1)
