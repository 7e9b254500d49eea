"""What every lesson script shares: its command line, its checks, its figures.

A lesson states claims and proves them with numbers. ``Lesson.check`` prints each
claim as it is checked and remembers the verdict; ``Lesson.finish`` writes a summary
(``lesson.json``, read by ``minigan tour`` to build the gallery) and exits non-zero if
any claim failed, so a lesson that runs to the end with status 0 is a lesson that holds.

Usage inside ``lessons/NN_topic.py``::

    from minigan.lesson import Lesson
    lesson = Lesson(__file__, "KL and JS divergences")
    lesson.check_close("KL(N(0,1)‖N(1,1)) = 0.5 nats", kl, 0.5, atol=1e-9)
    lesson.savefig(fig, "densities")
    lesson.finish()

Command line of every lesson: ``--full`` (the longer version), ``--out DIR`` (where
figures go; default ``lesson_figures/NN_topic``), ``--backend NAME``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Any

from minigan import backend

__all__ = ["Lesson", "LessonCheckFailed"]


class LessonCheckFailed(AssertionError):
    """Raised by ``Lesson.require`` when a claim later cells depend on does not hold."""


class Lesson:
    """One lesson run: options, checks and figures.

    Args:
        script: the lesson's ``__file__``; its stem (``01_kl_js``) names the lesson.
        title: a human title, shown in the gallery.
        argv: command-line arguments (default ``sys.argv[1:]``; ignored inside Jupyter).
    """

    def __init__(self, script: str, title: str, argv: list[str] | None = None):
        self.name = Path(script).stem
        self.number = int(self.name.split("_", 1)[0]) if self.name[:2].isdigit() else 0
        self.title = title
        parser = argparse.ArgumentParser(prog=f"python lessons/{self.name}.py", description=title)
        parser.add_argument("--full", action="store_true", help="run the longer version")
        parser.add_argument("--out", default=None, help="folder for figures (default lesson_figures/NAME)")
        parser.add_argument("--backend", default=None, help="numpy, cupy or strict")
        parser.add_argument("--seed", type=int, default=0)
        if argv is None:
            argv = [] if "ipykernel" in sys.modules else sys.argv[1:]
        options = parser.parse_args(argv)
        self.full: bool = options.full
        self.seed: int = options.seed
        if options.backend:
            backend.use(options.backend)
        if os.environ.get("MINIGAN_EXERCISES"):  # `minigan lesson N --with-exercises DIR` (issue 15)
            from minigan.exercises.install import install

            install(os.environ["MINIGAN_EXERCISES"])
        backend.manual_seed(self.seed)
        self.figure_dir = Path(options.out or os.environ.get("MINIGAN_LESSON_OUT", "") or
                               Path("lesson_figures") / self.name)
        self.figure_dir.mkdir(parents=True, exist_ok=True)
        self.checks: list[dict[str, Any]] = []
        self.figures: list[str] = []
        self._started = time.perf_counter()
        mode = "full" if self.full else "quick"
        print(f"Lesson {self.number}: {title}  ({mode} mode, backend {backend.name()})")
        print(f"figures go to {self.figure_dir.resolve()}")

    # ------------------------------------------------------------------ checks
    def check(self, claim: str, holds: bool, detail: str = "") -> bool:
        """Record and print one claim. ``holds`` is the verdict (a bool)."""
        holds = bool(holds)
        mark = "✓" if holds else "✗ FAILED"
        print(f"  {mark} {claim}" + (f"   [{detail}]" if detail else ""))
        self.checks.append({"claim": claim, "passed": holds, "detail": detail})
        return holds

    def check_close(self, claim: str, actual: float, expected: float, rtol: float = 0.0,
                    atol: float = 1e-9) -> bool:
        """Claim that ``actual`` equals ``expected`` within atol + rtol·|expected| (inf equals inf)."""
        actual, expected = float(actual), float(expected)
        if math.isinf(expected) or math.isinf(actual):
            holds = actual == expected
        else:
            holds = abs(actual - expected) <= atol + rtol * abs(expected)
        return self.check(claim, holds, f"got {actual:.6g}, expected {expected:.6g}")

    def check_less(self, claim: str, smaller: float, larger: float, margin: float = 0.0) -> bool:
        """Claim that ``smaller`` ≤ ``larger`` + margin."""
        smaller, larger = float(smaller), float(larger)
        return self.check(claim, smaller <= larger + margin, f"{smaller:.6g} ≤ {larger:.6g}")

    def check_between(self, claim: str, value: float, low: float, high: float) -> bool:
        """Claim that low ≤ ``value`` ≤ high."""
        value = float(value)
        return self.check(claim, low <= value <= high, f"{low:.6g} ≤ {value:.6g} ≤ {high:.6g}")

    def require(self, claim: str, holds: bool, detail: str = "") -> None:
        """Like ``check``, but stop the lesson at once if it fails (later cells rely on it)."""
        if not self.check(claim, holds, detail):
            self.finish()
            raise LessonCheckFailed(claim)

    # ----------------------------------------------------------------- figures
    def savefig(self, figure: Any, name: str) -> Path:
        """Save a matplotlib figure as PNG in the lesson's folder and close it."""
        path = self.figure_dir / f"{name}.png"
        figure.savefig(path, dpi=110, bbox_inches="tight")
        import matplotlib.pyplot as plt

        plt.close(figure)
        self.figures.append(path.name)
        print(f"  figure: {path}")
        return path

    # ------------------------------------------------------------------ finish
    @property
    def failed(self) -> list[str]:
        return [c["claim"] for c in self.checks if not c["passed"]]

    def finish(self) -> None:
        """Write ``lesson.json`` and exit with status 1 if any claim failed."""
        seconds = time.perf_counter() - self._started
        summary = {
            "number": self.number, "name": self.name, "title": self.title, "full": self.full,
            "backend": backend.name(), "seconds": round(seconds, 2), "checks": self.checks, "figures": self.figures,
        }
        (self.figure_dir / "lesson.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False))
        passed = len(self.checks) - len(self.failed)
        print(f"{passed}/{len(self.checks)} checks passed in {seconds:.1f} s")
        if self.failed:
            print("FAILED: " + "; ".join(self.failed))
            if "ipykernel" not in sys.modules:
                sys.exit(1)
