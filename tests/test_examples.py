"""Every script in examples/ runs to completion in quick mode.

The contract for an example (anyone adding one to examples/ must keep it):

* run with no arguments, from any working directory, and write only below that directory;
* honour ``MINIGAN_QUICK=1`` by finishing within seconds (small sizes, few steps);
* when something optional is missing — a GPU/CuPy, torch, a checkpoint made by another example —
  print what is missing and exit with status 0;
* use the backend from ``MINIGAN_BACKEND`` unless the example is about a specific one.

Each example is one test, named after the file, run as a subprocess in a fresh temporary folder
with a time limit.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import BACKEND

EXAMPLES_DIR = Path(__file__).resolve().parents[1] / "examples"
EXAMPLE_FILES = sorted(EXAMPLES_DIR.glob("*.py"))
TIME_LIMIT_S = 300  # a hang guard; in quick mode an example should take seconds


def example_environment() -> dict[str, str]:
    environment = {**os.environ, "MINIGAN_QUICK": "1", "MINIGAN_BACKEND": BACKEND, "MPLBACKEND": "Agg"}
    # One BLAS thread per process: the suite runs tests in parallel, and OpenBLAS threads
    # competing for the same cores slow the small matrix products of toy networks ~10×.
    environment.setdefault("OPENBLAS_NUM_THREADS", "1")
    environment.setdefault("OMP_NUM_THREADS", "1")
    return environment


def test_there_are_examples():
    names = {path.name for path in EXAMPLE_FILES}
    assert {"parallel_lines_figure.py", "dirt_pile_table.py"} <= names


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=[path.stem for path in EXAMPLE_FILES])
def test_example_runs_in_quick_mode(path, tmp_path):
    completed = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=TIME_LIMIT_S,
                               env=example_environment(), cwd=tmp_path)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, f"{path.name} exited with {completed.returncode}:\n{output[-4000:]}"
    assert completed.stdout.strip(), f"{path.name} printed nothing: an example says what it did"


def test_dirt_pile_table_prints_the_deltas_and_w(tmp_path):
    completed = subprocess.run([sys.executable, str(EXAMPLES_DIR / "dirt_pile_table.py")], capture_output=True,
                               text=True, timeout=TIME_LIMIT_S, env=example_environment(), cwd=tmp_path, check=True)
    assert "W = Σ|δ| = 0 + 2 + 2 + 1 + 0 = 5" in completed.stdout
    assert "minimum cost 5" in completed.stdout
    assert (tmp_path / "figures" / "dirt_pile_table" / "dirt_piles.png").stat().st_size > 5000
    refused = subprocess.run([sys.executable, str(EXAMPLES_DIR / "dirt_pile_table.py"), "--p", "1", "2", "--q", "2",
                              "2"], capture_output=True, text=True, env=example_environment(), cwd=tmp_path)
    assert refused.returncode != 0 and "same total" in refused.stderr


def test_parallel_lines_figure_reproduces_w1_equals_theta(tmp_path):
    completed = subprocess.run([sys.executable, str(EXAMPLES_DIR / "parallel_lines_figure.py"), "--points", "5"],
                               capture_output=True, text=True, timeout=TIME_LIMIT_S, env=example_environment(),
                               cwd=tmp_path, check=True)
    rows = [line.split() for line in completed.stdout.splitlines() if line.strip().startswith(("+", "-"))]
    assert len(rows) == 5
    for theta, kl, js, w1_exact, w1_samples in rows:
        theta = float(theta)
        assert float(w1_exact) == pytest.approx(abs(theta), abs=1e-12)
        # independent heights: the sample W₁ is at least |θ| and close to it
        assert abs(theta) - 1e-9 <= float(w1_samples) <= abs(theta) + 0.1
        assert (kl, js) == (("inf", "0.6931") if theta != 0 else ("0", "0.0000"))
    assert (tmp_path / "figures" / "parallel_lines" / "parallel_lines.png").stat().st_size > 5000


@pytest.mark.parametrize("arguments, needle", [
    (["load_checkpoint_and_sample.py", "missing.npz"], "no such file"),
    (["load_checkpoint_and_sample.py", "-n", "0"], "-n"),
    (["train_wgan_gp_8gaussians.py", "--steps", "-5"], "--steps"),
    (["train_wgan_gp_8gaussians.py", "--backend", "tpu"], "--backend"),
])
def test_examples_reject_bad_arguments_in_one_line(tmp_path, arguments, needle):
    script, *rest = arguments
    completed = subprocess.run([sys.executable, str(EXAMPLES_DIR / script), *rest], capture_output=True, text=True,
                               timeout=TIME_LIMIT_S, env=example_environment(), cwd=tmp_path)
    assert completed.returncode == 2, completed.stderr
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and "Traceback" not in completed.stderr, completed.stderr
