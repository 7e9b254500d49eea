"""Issue 22: on a busy machine minigan's default thread count is no slower than one thread.

Two processes spin on the cores (``while True: pass``); a 50-step quick-preset run is made in
fresh processes with a clean environment (no thread variables: minigan's default policy), and
with ``set_num_threads(1)``, alternating, three of each. The default must be within 1.1× of one
thread in CPU time (all the process's threads: OpenBLAS's helper threads spinning for work is
how the default lost, 80 s of CPU against 3.9 s in the issue) and must not be grossly slower in
wall time. Medians over the three, so one unlucky slice of a shared CI machine cannot decide it.
Before the policy (BLAS's own default of one thread per core) the CPU ratio on this project's
2-core machine was 2–20×; forcing 2 threads (``MINIGAN_NUM_THREADS=2``) still fails this test.
"""

from __future__ import annotations

import importlib.util
import statistics
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _busy_machine():
    spec = importlib.util.spec_from_file_location("busy_machine", ROOT / "benchmarks" / "busy_machine.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
@pytest.mark.numpy_only
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the policy's load check reads /proc/loadavg")
def test_default_threads_within_ten_percent_of_one_thread_on_a_busy_machine():
    pytest.importorskip("threadpoolctl")
    bench = _busy_machine()
    runs: dict[str, list[dict]] = {"default": [], "1": []}
    with bench.busy_processes(2):
        for round_ in range(3):
            for threads in ("default", "1") if round_ % 2 == 0 else ("1", "default"):
                runs[threads].append(bench.minigan_run_seconds(threads, 50))
    cpu = {k: statistics.median(r["cpu"] for r in v) for k, v in runs.items()}
    wall = {k: statistics.median(r["wall"] for r in v) for k, v in runs.items()}
    assert all(r["w1"] == runs["1"][0]["w1"] for r in runs["default"] + runs["1"])  # the same run every time
    assert cpu["default"] <= 1.1 * cpu["1"], f"CPU s: default {cpu['default']:.2f} vs one thread {cpu['1']:.2f}"
    assert wall["default"] <= 1.5 * wall["1"], f"wall s: default {wall['default']:.2f} vs one thread {wall['1']:.2f}"
