"""minigan's default threads vs one thread vs PyTorch's default, on an idle and on a busy machine.

Issue 22: on a shared 2-core machine a student's ``minigan train`` was 10× slower with BLAS's
default threads than with ``OMP_NUM_THREADS=1``. This benchmark runs, each in a fresh process
with a clean environment (no ``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``, ``MKL_NUM_THREADS``
or ``MINIGAN_NUM_THREADS``, so every library takes its own default):

* the quick preset's WGAN-GP generator step (5 critic steps with the penalty, one generator
  step; 8 Gaussians, 64×3 ReLU nets, batch 256): the median of ``--step-repeats`` steps;
* a whole 200-step quick-preset run (``minigan.gan.train``, metrics included);

for three contestants: **minigan default** (its thread policy), **minigan 1 thread**
(``--threads 1``), **PyTorch default** (the same networks and step written in PyTorch, eager;
not the 200-step run, which is minigan's trainer) — first on the machine as it is, then with
**two busy processes** beside them (``python -c "while True: pass"``, started and stopped by
this script). Wall time and CPU time (all the process's threads) are reported, with the ratios
that matter: minigan default / minigan 1 thread (issue 22 wants ≤ 1.1 on a busy machine) and
minigan / PyTorch.

    python benchmarks/busy_machine.py --output benchmarks/results/busy_machine.md
    python benchmarks/busy_machine.py --torch-python /path/to/venv-with-torch/bin/python

PyTorch is looked for in this Python, else in ``--torch-python`` (another interpreter that has
it); without it that column is left out. Say in the results whether the "idle" machine was idle:
``/proc/loadavg`` is recorded before and after each phase.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "MINIGAN_NUM_THREADS")

# The child programs print one JSON line: {"wall": seconds, "cpu": seconds} for the timed part.
MINIGAN_STEP = r"""
import json, statistics, sys, time
import minigan as mg
from minigan.gan.config import TrainConfig
from minigan.gan.trainer import prepare
threads, repeats = sys.argv[1], int(sys.argv[2])
if threads != "default":
    mg.backend.set_num_threads(int(threads))
run = prepare(TrainConfig(preset="quick", data="8gaussians", steps=10**6, log_every=10**6,
                          checkpoint_every=None))
walls, cpus = [], []
for index in range(repeats + 3):
    w, c = time.perf_counter(), time.process_time()
    run._train_step(index + 1)  # one generator step (the trainer's own, metrics left out)
    if index >= 3:
        walls.append(time.perf_counter() - w); cpus.append(time.process_time() - c)
print(json.dumps({"wall": statistics.median(walls), "cpu": statistics.median(cpus)}))
"""

MINIGAN_RUN = r"""
import json, sys, time
import minigan as mg
from minigan.gan.config import TrainConfig
from minigan.gan.trainer import train
threads, steps = sys.argv[1], int(sys.argv[2])
if threads != "default":
    mg.backend.set_num_threads(int(threads))
config = TrainConfig(preset="quick", data="8gaussians", steps=steps, checkpoint_every=None)
w, c = time.perf_counter(), time.process_time()
run = train(config)
print(json.dumps({"wall": time.perf_counter() - w, "cpu": time.process_time() - c,
                  "w1": float(run.history.last()["w1_exact"])}))
"""

TORCH_STEP = r"""
import json, statistics, sys, time
import numpy as np
import torch
repeats = int(sys.argv[2])
torch.manual_seed(0)
def mlp(sizes):
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(torch.nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)
G, D = mlp([2, 64, 64, 64, 2]), mlp([2, 64, 64, 64, 1])
og = torch.optim.Adam(G.parameters(), lr=2e-3, betas=(0.5, 0.9))
od = torch.optim.Adam(D.parameters(), lr=2e-3, betas=(0.5, 0.9))
rng = np.random.default_rng(0)
centres = np.array([(1, 0), (-1, 0), (0, 1), (0, -1), (0.7071, 0.7071), (0.7071, -0.7071), (-0.7071, 0.7071),
                    (-0.7071, -0.7071)]) * 2
def real(n):
    return torch.tensor((centres[rng.integers(0, 8, n)] + 0.02 * rng.standard_normal((n, 2))) / 1.414,
                        dtype=torch.float32)
def step():
    for _ in range(5):
        x, z = real(256), torch.randn(256, 2)
        fake = G(z).detach()
        eps = torch.rand(256, 1)
        xh = (eps * x + (1 - eps) * fake).requires_grad_(True)
        g, = torch.autograd.grad(D(xh).sum(), xh, create_graph=True)
        loss = D(fake).mean() - D(x).mean() + 0.1 * ((g.norm(dim=1) - 1) ** 2).mean()
        od.zero_grad(); loss.backward(); od.step()
    loss = -D(G(torch.randn(256, 2))).mean()
    og.zero_grad(); loss.backward(); og.step()
walls, cpus = [], []
for index in range(repeats + 3):
    w, c = time.perf_counter(), time.process_time()
    step()
    if index >= 3:
        walls.append(time.perf_counter() - w); cpus.append(time.process_time() - c)
print(json.dumps({"wall": statistics.median(walls), "cpu": statistics.median(cpus)}))
"""


def clean_environment() -> dict[str, str]:
    """Our environment without any thread-count variable: every library takes its own default."""
    environment = {k: v for k, v in os.environ.items() if k not in THREAD_VARIABLES}
    environment["PYTHONPATH"] = str(ROOT) + os.pathsep + environment.get("PYTHONPATH", "")
    environment["MPLBACKEND"] = "Agg"
    return environment


def run_child(program: str, arguments: list[str], python: str = sys.executable, timeout: float = 1800,
              extra_environment: dict[str, str] | None = None) -> dict:
    """Run a child program in a fresh process with the clean environment (plus ``extra_environment``);
    its JSON line."""
    done = subprocess.run([python, "-c", program, *arguments], capture_output=True, text=True,
                          env={**clean_environment(), **(extra_environment or {})}, timeout=timeout, cwd=ROOT)
    if done.returncode != 0:
        raise RuntimeError(f"child failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def minigan_run_seconds(threads: str, steps: int, extra_environment: dict[str, str] | None = None) -> dict:
    """A ``steps``-step quick-preset run of minigan in a fresh process: {"wall", "cpu", "w1"}."""
    return run_child(MINIGAN_RUN, [threads, str(steps)], extra_environment=extra_environment)


@contextlib.contextmanager
def busy_processes(count: int = 2) -> Iterator[list[subprocess.Popen]]:
    """``count`` processes spinning on a core each (a ``while`` loop), stopped on exit."""
    # Each spins until its parent is gone, so a killed benchmark or test leaves none behind.
    program = "import os\nparent = os.getppid()\nwhile os.getppid() == parent:\n    pass\n"
    spinners = [subprocess.Popen([sys.executable, "-c", program]) for _ in range(count)]
    try:
        time.sleep(0.5)  # let them reach the run queue
        yield spinners
    finally:
        for spinner in spinners:
            spinner.kill()
        for spinner in spinners:
            spinner.wait()


def load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:4])
    except OSError:
        return "n/a"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=200, help="steps of the whole run (default 200)")
    parser.add_argument("--step-repeats", type=int, default=30, help="timed generator steps (default 30)")
    parser.add_argument("--rounds", type=int, default=3, help="fresh processes per contestant and phase")
    parser.add_argument("--torch-python", default=None, help="a Python with torch, if this one has none")
    parser.add_argument("--output", default=None, help="write the Markdown results here")
    arguments = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from timing import cpu_model

    torch_python = None
    for candidate in (sys.executable, arguments.torch_python):
        if candidate and subprocess.run([candidate, "-c", "import torch"], capture_output=True).returncode == 0:
            torch_python = candidate
            break
    contestants = [("minigan default", "default"), ("minigan 1 thread", "1")]
    results: dict[tuple[str, str, str], dict] = {}
    loads = {}
    for phase in ("as found", "two busy processes"):
        context = busy_processes(2) if phase != "as found" else contextlib.nullcontext()
        with context:
            loads[phase] = [load()]
            for round_ in range(arguments.rounds):
                order = contestants if round_ % 2 == 0 else contestants[::-1]
                for name, threads in order:
                    print(f"[{phase}] round {round_ + 1}: {name}", flush=True)
                    step = run_child(MINIGAN_STEP, [threads, str(arguments.step_repeats)])
                    whole = minigan_run_seconds(threads, arguments.steps)
                    results.setdefault((phase, name, "step"), []).append(step)
                    results.setdefault((phase, name, "run"), []).append(whole)
                if torch_python:
                    print(f"[{phase}] round {round_ + 1}: PyTorch default", flush=True)
                    step = run_child(TORCH_STEP, ["default", str(arguments.step_repeats)], python=torch_python)
                    results.setdefault((phase, "PyTorch default", "step"), []).append(step)
            loads[phase].append(load())

    def med(phase: str, name: str, kind: str, key: str) -> float:
        values = results.get((phase, name, kind))
        return statistics.median(v[key] for v in values) if values else float("nan")

    lines = ["# minigan's default threads on an idle and a busy machine (issue 22)", "",
             f"Machine: {cpu_model()}, {os.cpu_count()} logical CPUs; Python {sys.version.split()[0]}. "
             f"Each number is the median over {arguments.rounds} fresh processes (clean environment: no "
             "OMP/OPENBLAS/MKL/MINIGAN thread variables), the contestants alternating. /proc/loadavg "
             "(1, 5, 15 min, runnable/total) before and after each phase: "
             + "; ".join(f"{phase}: {' → '.join(values)}" for phase, values in loads.items()) + ".", "",
             f"Step: the quick preset's WGAN-GP generator step (5 critic steps + 1 generator step), median of "
             f"{arguments.step_repeats}, in ms. Run: a {arguments.steps}-step quick-preset run "
             "(minigan.gan.train, metrics included), in s. CPU = all the process's threads.", "",
             "| phase | contestant | step wall ms | step CPU ms | run wall s | run CPU s |",
             "|---|---|---:|---:|---:|---:|"]
    names = [name for name, _ in contestants] + (["PyTorch default"] if torch_python else [])
    for phase in loads:
        for name in names:
            lines.append(f"| {phase} | {name} | {1e3 * med(phase, name, 'step', 'wall'):.1f} | "
                         f"{1e3 * med(phase, name, 'step', 'cpu'):.1f} | {med(phase, name, 'run', 'wall'):.1f} | "
                         f"{med(phase, name, 'run', 'cpu'):.1f} |")
    lines += ["", "| phase | ratio | step wall | run wall | run CPU |", "|---|---|---:|---:|---:|"]
    for phase in loads:
        one = "minigan 1 thread"
        lines.append(f"| {phase} | minigan default / minigan 1 thread | "
                     f"{med(phase, 'minigan default', 'step', 'wall') / med(phase, one, 'step', 'wall'):.2f} | "
                     f"{med(phase, 'minigan default', 'run', 'wall') / med(phase, one, 'run', 'wall'):.2f} | "
                     f"{med(phase, 'minigan default', 'run', 'cpu') / med(phase, one, 'run', 'cpu'):.2f} |")
        if torch_python:
            ratio = med(phase, "minigan default", "step", "wall") / med(phase, "PyTorch default", "step", "wall")
            lines.append(f"| {phase} | minigan default / PyTorch default | {ratio:.2f} | | |")
    text = "\n".join(lines) + "\n"
    print(text)
    if arguments.output:
        Path(arguments.output).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
