"""Where minigan's WGAN-GP critic step spends its time, per primitive, at 1 and 2 threads.

Every primitive's forward rule is wrapped with two clocks: the wall clock and the
*calling thread's* CPU clock (``time.thread_time``). The optimizer's update is wrapped
the same way; everything else in the step (graph bookkeeping, the Primitive call path,
the backward loop) is "Python overhead" = step total − time inside the wrapped rules.
Each row is the median over the timed steps of that op's per-step total.

Why two clocks: the machine this was made on is shared, and wall times there are
inflated by other processes. The calling thread's CPU time is not (it counts only the
cycles this thread ran), so it is the robust measure of the single-threaded work —
element-wise NumPy, reductions, Python. It undercounts a multi-threaded op (the other
threads' cycles are not the caller's), which is exactly what we want for "how long does
the caller wait" on an idle machine; for matmul at 2 threads read the wall column
(inflated) next to the 1-thread CPU time.

The thread count is switched inside one process (``minigan.backend.set_num_threads``,
which sets BLAS's count through threadpoolctl), alternating 1 and 2 threads every step so
that machine noise hits both alike.

With ``--torch`` PyTorch's step is profiled too (``torch.profiler``: the self time of its
matrix products — aten::mm, addmm, bmm — against the rest of its step's wall time), and
the step time at 8 threads is estimated for both libraries (:func:`render_estimates`).

    python benchmarks/thread_profile.py --configs 64x64,128x256,512x256,1024x1024 --torch
"""

from __future__ import annotations

import argparse
import collections
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits
from timing import cpu_model
from wgan_gp_step import minigan_step_factory

import minigan as mg
from minigan import optim
from minigan.autodiff import primitives
from minigan.autodiff.tensor import Primitive

MATMUL = {"matmul", "matmul (in linear)"}
REDUCTIONS = {"sum"}
VIEWS = {"reshape", "transpose", "swap_last_axes", "broadcast_to", "getitem"}


class Clock:
    """Per-op totals of wall and thread-CPU seconds for the current step."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = collections.defaultdict(float)
        self.cpu: dict[str, float] = collections.defaultdict(float)
        self.calls: dict[str, int] = collections.defaultdict(int)

    def reset(self) -> None:
        self.wall.clear()
        self.cpu.clear()
        self.calls.clear()

    def wrap(self, name: str, function):
        def timed(*args, **kwargs):
            wall, cpu = time.perf_counter(), time.thread_time()
            out = function(*args, **kwargs)
            self.cpu[name] += time.thread_time() - cpu
            self.wall[name] += time.perf_counter() - wall
            self.calls[name] += 1
            return out

        return timed


def instrument(clock: Clock):
    """Wrap every forward rule and optimizer update with ``clock``; returns the undo."""
    saved = [(value, value.forward) for value in vars(primitives).values() if isinstance(value, Primitive)]
    saved_updates = [(cls, cls._update) for cls in (optim.Adam, optim.RMSprop)]

    def restore() -> None:
        for value, forward in saved:
            value.forward = forward
        for cls, update in saved_updates:
            cls._update = update

    for value in vars(primitives).values():
        if isinstance(value, Primitive) and value.name != "linear":
            value.forward = clock.wrap(value.name, value.forward)
    # linear (x Wᵀ + b) is a matrix product and a bias addition: timed as two ops
    product = clock.wrap("matmul (in linear)", lambda xp, x, weight: primitives._linear_forward(xp, x, weight, None))
    bias_add = clock.wrap("add (linear's bias)", lambda y, bias: y.__iadd__(bias))

    def linear_forward(xp, x, weight, bias):
        y = product(xp, x, weight)
        return y if bias is None else bias_add(y, bias)

    primitives.linear.forward = linear_forward
    for cls in (optim.Adam, optim.RMSprop):
        cls._update = clock.wrap(f"{cls.__name__} update", cls._update)
    return restore


TORCH_MATMUL = {"aten::mm", "aten::addmm", "aten::bmm"}


def torch_breakdown(hidden: int, batch: int, steps: int, threads: list[int]) -> dict[int, dict[str, float]]:
    """PyTorch's step at each thread count, per step then the median: its time (CPU time of
    the calling thread at one thread, where PyTorch computes on that thread, so other
    processes do not count; wall time otherwise) and the time inside its matrix products
    (torch.profiler self time of aten::mm, addmm, bmm, profiling one step at a time so that
    a disturbed step does not spill into the others)."""
    import torch
    from torch.profiler import ProfilerActivity, profile
    from wgan_gp_step import torch_step_factory

    result = {}
    for n in threads:
        torch.set_num_threads(n)
        with threadpool_limits(n):
            step = torch_step_factory(hidden, batch, "float32")
            for _ in range(3):
                step()
            totals, products = [], []
            for _ in range(steps):  # first without the profiler: a step just after one is slower
                start, cpu = time.perf_counter(), time.thread_time()
                step()
                totals.append(time.thread_time() - cpu if n == 1 else time.perf_counter() - start)
            for _ in range(steps):
                with profile(activities=[ProfilerActivity.CPU]) as profiler:
                    step()
                products.append(sum(e.self_cpu_time_total for e in profiler.key_averages()
                                    if e.key in TORCH_MATMUL) * 1e-6)
        total, matmul = statistics.median(totals), statistics.median(products)
        result[n] = {"matmul": matmul, "rest": max(0.0, total - matmul), "step": total}
    return result


def matmul_speedup(one: float, two: float, threads: int) -> float:
    """Speed-up of the matrix products at ``threads`` threads by Amdahl's law,
    t(n) = t(1)·((1 − p) + p/n), with p fitted to the measured t(2)/t(1) = (1 − p) + p/2."""
    p = min(1.0, max(0.0, 2.0 * (1.0 - two / one)))
    return 1.0 / ((1.0 - p) + p / threads)


def category(name: str) -> str:
    if name in MATMUL:
        return "matmul"
    if name in REDUCTIONS:
        return "reductions"
    if name in VIEWS:
        return "views/indexing"
    if name.endswith("update"):
        return "optimizer update"
    return "element-wise"


def set_threads(n: int) -> None:
    setter = getattr(mg.backend, "set_num_threads", None)
    if setter is not None:
        setter(n)


def plain_walls(hidden: int, batch: int, steps: int, threads: list[int]) -> dict[int, tuple[float, float]]:
    """minigan's step (wall, calling thread's CPU) time at each thread count without the
    clocks (their own cost, ~1 µs per primitive call, would otherwise count as Python
    overhead)."""
    step = minigan_step_factory(hidden, batch, "float32")
    walls: dict[int, list[float]] = {n: [] for n in threads}
    cpus: dict[int, list[float]] = {n: [] for n in threads}
    for round_ in range(steps + 3):
        for n in threads:
            with threadpool_limits(n):
                set_threads(n)
                start, cpu = time.perf_counter(), time.thread_time()
                step()
                if round_ >= 3:
                    walls[n].append(time.perf_counter() - start)
                    cpus[n].append(time.thread_time() - cpu)
    return {n: (statistics.median(walls[n]), statistics.median(cpus[n])) for n in threads}


def profile(clock: Clock, hidden: int, batch: int, steps: int, threads: list[int]) -> dict[int, dict]:
    step = minigan_step_factory(hidden, batch, "float32")
    samples: dict[int, dict[str, list]] = {n: collections.defaultdict(list) for n in threads}
    for _ in range(3):
        for n in threads:
            with threadpool_limits(n):
                set_threads(n)
                step()
    for _ in range(steps):
        for n in threads:
            with threadpool_limits(n):
                set_threads(n)
                clock.reset()
                wall, cpu = time.perf_counter(), time.thread_time()
                step()
                total_cpu, total_wall = time.thread_time() - cpu, time.perf_counter() - wall
            record = samples[n]
            record["step cpu"].append(total_cpu)
            record["step wall"].append(total_wall)
            for name in set(clock.cpu) | set(record["names"]):
                record[f"cpu {name}"].append(clock.cpu.get(name, 0.0))
                record[f"wall {name}"].append(clock.wall.get(name, 0.0))
                record[f"calls {name}"].append(clock.calls.get(name, 0))
            record["names"] = sorted(set(record["names"]) | set(clock.cpu))
    result = {}
    for n, record in samples.items():
        names = record["names"]
        per_op = {name: (statistics.median(record[f"cpu {name}"]), statistics.median(record[f"wall {name}"]),
                         statistics.median(record[f"calls {name}"])) for name in names}
        result[n] = {"step cpu": statistics.median(record["step cpu"]),
                     "step wall": statistics.median(record["step wall"]), "ops": per_op}
    return result


def minigan_categories(by_threads: dict[int, dict], n: int) -> dict[str, float]:
    """Wall seconds per category of minigan's step at ``n`` threads, and the Python rest:
    the uninstrumented step time minus the categories."""
    groups: dict[str, float] = collections.defaultdict(float)
    for name, (_cpu, wall, _calls) in by_threads[n]["ops"].items():
        groups[category(name)] += wall
    groups["Python overhead"] = max(0.0, by_threads[n]["plain wall"] - sum(groups.values()))
    return dict(groups)


def render_estimates(results, torch_results, threads: int = 8) -> list[str]:
    lines = [f"## Estimated step time at {threads} threads", "",
             "Split of each step at 1 thread (ms, CPU time of the calling thread, which does all the work at one",
             "thread): matrix products (minigan: matmul and linear's product, clocked; PyTorch: aten::mm/addmm/bmm",
             "self time from torch.profiler) and the rest (step − products). Model:",
             "the products of both libraries speed up by the same factor s (Amdahl's law fitted to minigan's own",
             f"measured 1 → 2 thread speed-up of its products, extrapolated to {threads}); minigan's rest stays as at",
             "1 thread (its element-wise kernels run on one thread here: the threaded path is off, see",
             "thread_crossover.md); PyTorch's rest is bracketed between not scaling at all (its Python and dispatch",
             f"overhead) and scaling perfectly (÷{threads}: its element-wise kernels are OpenMP-parallel).",
             "", f"| (H, B) | minigan products / rest | PyTorch products / rest | s | minigan est. ms "
             f"| PyTorch est. ms | est. ratio at {threads} threads |", "|---|---|---|---|---|---|---|"]
    for key, by_threads in results.items():
        if key not in torch_results:
            continue
        m1, m2 = minigan_categories(by_threads, 1), minigan_categories(by_threads, 2)
        t1 = torch_results[key][1]
        speedup = matmul_speedup(m1["matmul"], m2["matmul"], threads)
        # one thread: everything runs on the calling thread, so its CPU times are the step's
        products_cpu = sum(cpu for name, (cpu, _wall, _calls) in by_threads[1]["ops"].items()
                           if category(name) == "matmul")
        minigan_products, minigan_rest = products_cpu, by_threads[1]["plain cpu"] - products_cpu
        torch_products, torch_rest = t1["matmul"], t1["rest"]
        minigan_estimate = minigan_products / speedup + minigan_rest
        torch_fast = torch_products / speedup + torch_rest / threads
        torch_slow = torch_products / speedup + torch_rest
        lines.append(f"| {key} | {minigan_products * 1e3:.1f} / {minigan_rest * 1e3:.1f} | {torch_products * 1e3:.1f}"
                     f" / {torch_rest * 1e3:.1f} | {speedup:.1f} | {minigan_estimate * 1e3:.1f} | "
                     f"{torch_fast * 1e3:.1f}–{torch_slow * 1e3:.1f} | "
                     f"{minigan_estimate / torch_slow:.2f}–{minigan_estimate / torch_fast:.2f}× |")
    return lines + [""]


def render(results: dict[tuple[int, int], dict[int, dict]], threads: list[int], steps: int) -> str:
    lines = [
        "# Where the WGAN-GP critic step's time goes (minigan, float32)",
        "",
        f"Machine: {cpu_model()}, 2 logical cores; NumPy {np.__version__} (OpenBLAS). "
        f"Median over {steps} steps per thread count ({max(5, steps // 3)} at (1024, 1024)), 1 and 2 threads "
        "alternating step by step in one process.",
        "",
        "CPU = the calling thread's CPU time (`time.thread_time`), robust to other processes on the machine;",
        "wall = `perf_counter`, inflated when the machine is shared. Both in ms per step.",
        "",
    ]
    for (hidden, batch), by_threads in results.items():
        lines += [f"## (H, B) = ({hidden}, {batch})", ""]
        header = "| op | calls |" + "".join(f" CPU ms ({n}t) | wall ms ({n}t) |" for n in threads)
        lines += [header, "|---|---|" + "---|---|" * len(threads)]
        names = sorted(by_threads[threads[0]]["ops"], key=lambda k: -by_threads[threads[0]]["ops"][k][0])
        groups: dict[str, dict[int, list[float]]] = collections.defaultdict(lambda: {n: [0.0, 0.0] for n in threads})
        for name in names:
            cells = ""
            for n in threads:
                cpu, wall, calls = by_threads[n]["ops"].get(name, (0.0, 0.0, 0))
                groups[category(name)][n][0] += cpu
                groups[category(name)][n][1] += wall
                cells += f" {cpu * 1e3:.2f} | {wall * 1e3:.2f} |"
            calls = by_threads[threads[0]]["ops"][name][2]
            lines.append(f"| {name} | {calls:g} |{cells}")
        lines += ["", "| category | " + " | ".join(f"CPU ms ({n}t) | wall ms ({n}t) | CPU share ({n}t)"
                                                     for n in threads) + " |",
                  "|---|" + "---|---|---|" * len(threads)]
        for group in ("matmul", "element-wise", "reductions", "views/indexing", "optimizer update"):
            cells = ""
            for n in threads:
                cpu, wall = groups[group][n]
                cells += f" {cpu * 1e3:.2f} | {wall * 1e3:.2f} | {cpu / by_threads[n]['step cpu']:.0%} |"
            lines.append(f"| {group} |{cells}")
        cells = ""
        for n in threads:
            inside_cpu = sum(v[n][0] for v in groups.values())
            inside_wall = sum(v[n][1] for v in groups.values())
            step_cpu, step_wall = by_threads[n]["step cpu"], by_threads[n]["step wall"]
            cells += (f" {(step_cpu - inside_cpu) * 1e3:.2f} | {(step_wall - inside_wall) * 1e3:.2f} |"
                      f" {(step_cpu - inside_cpu) / step_cpu:.0%} |")
        lines.append(f"| Python overhead (rest) |{cells}")
        cells = "".join(f" {by_threads[n]['step cpu'] * 1e3:.2f} | {by_threads[n]['step wall'] * 1e3:.2f} | 100% |"
                        for n in threads)
        lines.append(f"| **step** (clocked) |{cells}")
        cells = "".join(f" | {by_threads[n]['plain wall'] * 1e3:.2f} | |" for n in threads)
        lines += [f"| step without the clocks |{cells}", ""]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--configs", default="64x64,128x256,512x256,1024x1024")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--steps", type=int, default=15)
    parser.add_argument("--output", default=None)
    parser.add_argument("--torch", action="store_true", help="profile PyTorch too and estimate 8 threads")
    arguments = parser.parse_args()
    mg.backend.tune_malloc()
    threads = [int(n) for n in arguments.threads.split(",")]
    clock = Clock()
    results, torch_results = {}, {}
    for config in arguments.configs.split(","):
        hidden, batch = (int(v) for v in config.split("x"))
        steps = arguments.steps if hidden * batch < 1024 * 1024 else max(5, arguments.steps // 3)
        walls = plain_walls(hidden, batch, steps, threads)
        restore = instrument(clock)
        try:
            results[(hidden, batch)] = profile(clock, hidden, batch, steps, threads)
        finally:
            restore()
        for n in threads:
            results[(hidden, batch)][n]["plain wall"], results[(hidden, batch)][n]["plain cpu"] = walls[n]
        if arguments.torch:
            torch_results[(hidden, batch)] = torch_breakdown(hidden, batch, steps, threads)
        print(f"done {config}", file=sys.stderr, flush=True)
    table = render(results, threads, arguments.steps)
    if torch_results and 1 in threads and 2 in threads:
        table += "\n".join(render_estimates(results, torch_results))
    print(table)
    if arguments.output:
        Path(arguments.output).write_text(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
