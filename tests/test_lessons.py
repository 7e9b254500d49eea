"""Every lesson runs in quick mode, on the suite's backend, and every claim it states holds.

Each lesson file is one test (named after it), run as a subprocess exactly as a student runs it:
``python lessons/NN_name.py --out DIR``. The lesson exits non-zero if any check fails; we also
read its ``lesson.json`` to name the failed claims and to check that every figure it lists was
written. ``MINIGAN_BACKEND`` is passed on, so on the strict backend this also proves the lessons
move data between host and device explicitly.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import BACKEND

LESSONS_DIR = Path(__file__).resolve().parents[1] / "lessons"
LESSON_FILES = sorted(LESSONS_DIR.glob("[0-9][0-9]_*.py"))
QUICK_MODE_LIMIT_S = 300  # a hang guard; the lessons' own budget is ≤ 10 s each (see the README)


def test_the_lessons_are_all_there():
    numbers = [int(path.name[:2]) for path in LESSON_FILES]
    assert numbers == list(range(1, 15)), f"lesson numbers found: {numbers}"


@pytest.mark.parametrize("path", LESSON_FILES, ids=[path.stem for path in LESSON_FILES])
def test_lesson_is_a_notebook_style_script(path):
    source = path.read_text(encoding="utf-8")
    assert source.startswith("# %% [markdown]\n"), "a lesson opens with a markdown cell explaining the idea"
    assert re.search(r"^# # ", source, re.MULTILINE), "the first markdown cell has a heading"
    assert "lesson.finish()" in source
    agg = source.find('matplotlib.use("Agg")')
    pyplot = source.find("import matplotlib.pyplot")
    if pyplot != -1:
        assert 0 <= agg < pyplot, "matplotlib.use('Agg') must come before importing pyplot"


@pytest.mark.parametrize("path", LESSON_FILES, ids=[path.stem for path in LESSON_FILES])
def test_lesson_runs_and_all_its_checks_pass(path, tmp_path):
    out = tmp_path / path.stem
    environment = {**os.environ, "MINIGAN_BACKEND": BACKEND, "MPLBACKEND": "Agg"}
    # One BLAS thread per process: the suite runs tests in parallel, and OpenBLAS threads
    # competing for the same cores slow the small matrix products of toy networks ~10×.
    environment.setdefault("OPENBLAS_NUM_THREADS", "1")
    environment.setdefault("OMP_NUM_THREADS", "1")
    completed = subprocess.run([sys.executable, str(path), "--out", str(out)], capture_output=True, text=True,
                               timeout=QUICK_MODE_LIMIT_S, env=environment, cwd=tmp_path)
    output = completed.stdout + completed.stderr
    summary_path = out / "lesson.json"
    assert summary_path.exists(), f"{path.name} wrote no lesson.json:\n{output[-4000:]}"
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    failed = [check["claim"] for check in summary["checks"] if not check["passed"]]
    assert not failed, f"{path.name}: failed checks {failed}\n{output[-4000:]}"
    assert completed.returncode == 0, f"{path.name} exited with {completed.returncode}:\n{output[-4000:]}"
    assert summary["checks"], "a lesson states at least one checked claim"
    assert summary["backend"] == BACKEND and summary["full"] is False
    assert summary["figures"], "a lesson draws at least one figure"
    for figure in summary["figures"]:
        assert (out / figure).stat().st_size > 5000, f"{figure} is missing or empty"
