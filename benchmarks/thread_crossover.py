"""The array size above which minigan's threaded element-wise kernels beat one thread here.

Each round runs, for arrays of B × H float32 elements, what a tanh layer's step does
between matrix products: y = x Wᵀ (BLAS, on the same number of threads), then tanh y,
1 − y², (1 − y²)·x and a sum with y through minigan's kernels — once on one thread (the
plain NumPy path) and once on ``--threads`` threads, alternating which goes first. The
element-wise part is timed; its median per operation is reported for both, with the
ratio. The crossover is the smallest size from which the threaded path stays faster:
use it as ``MINIGAN_PARALLEL_MIN_SIZE``.

    python benchmarks/thread_crossover.py --threads 2

With ``--blas`` it measures matrix products instead: (B × H) @ (H × H) float32 for the (H, B)
of the presets, on one BLAS thread and on ``--threads``, alternating; the crossover, in
multiply-adds B·H·H, is minigan.backend.parallel.BLAS_MIN_FLOPS.

    python benchmarks/thread_crossover.py --blas --threads 2
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from timing import cpu_model

import minigan as mg
from minigan.backend import kernels, parallel


def per_op_seconds(size: int, threads: int, rounds: int) -> tuple[float, float]:
    rng = np.random.default_rng(0)
    hidden = int(np.sqrt(size))
    batch = size // hidden
    weight = rng.standard_normal((hidden, hidden)).astype("float32")
    inputs = [rng.standard_normal((batch, hidden)).astype("float32") for _ in range(6)]
    times: dict[str, list[float]] = {"one": [], "many": []}
    for round_ in range(rounds):
        for variant in ("one", "many") if round_ % 2 else ("many", "one"):
            parallel.MIN_PARALLEL_SIZE = sys.maxsize if variant == "one" else 1
            elementwise = 0.0
            for x in inputs:
                y = x @ weight.T
                start = time.perf_counter()
                h = kernels.tanh(np, y)
                slope = kernels.subtract(np, 1.0, kernels.multiply(np, h, h))
                kernels.add(np, kernels.multiply(np, slope, x), h)
                elementwise += time.perf_counter() - start
            times[variant].append(elementwise / (len(inputs) * 5))
    return statistics.median(times["one"]), statistics.median(times["many"])


def matmul_seconds(batch: int, hidden: int, threads: int, rounds: int) -> tuple[float, float]:
    """Median seconds of one (batch × hidden) @ (hidden × hidden) product on 1 and ``threads`` BLAS threads."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, hidden)).astype("float32")
    w = rng.standard_normal((hidden, hidden)).astype("float32")
    repeats = max(3, int(2e8 // (batch * hidden * hidden + 1)))
    times: dict[int, list[float]] = {1: [], threads: []}
    for round_ in range(rounds):
        for n in (1, threads) if round_ % 2 else (threads, 1):
            parallel.use_blas_threads(n)
            np.matmul(x, w)
            start = time.perf_counter()
            for _ in range(repeats):
                np.matmul(x, w)
            times[n].append((time.perf_counter() - start) / repeats)
    return statistics.median(times[1]), statistics.median(times[threads])


def blas_main(arguments: argparse.Namespace) -> int:
    lines = [f"# BLAS matrix products: {arguments.threads} threads vs 1", "",
             f"Machine: {cpu_model()}; NumPy {np.__version__}; median of {arguments.rounds} alternating rounds.", "",
             "| B × H @ H × H | multiply-adds | 1 thread µs | threaded µs | threaded / 1 thread |",
             "|---|---:|---:|---:|---:|"]
    faster = []
    for shape in arguments.shapes.split(","):
        batch, hidden = (int(v) for v in shape.split("x"))
        one, many = matmul_seconds(batch, hidden, arguments.threads, arguments.rounds)
        flops = batch * hidden * hidden
        faster.append((flops, many < 0.9 * one))
        lines.append(f"| {batch} × {hidden} | {flops:,} | {one * 1e6:.1f} | {many * 1e6:.1f} | {many / one:.2f} |")
        print(lines[-1], flush=True)
    faster.sort()
    crossover = next((f for i, (f, _) in enumerate(faster) if all(ok for _, ok in faster[i:])), None)
    lines += ["", "Crossover (threaded ≥ 10 % faster from here on): " + (
        f"{crossover:,} multiply-adds." if crossover else "none in this range.")]
    text = "\n".join(lines) + "\n"
    print(lines[-1])
    if arguments.output:
        Path(arguments.output).write_text(text)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--sizes", default="65536,131072,262144,524288,1048576,2097152,4194304")
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--output", default=None)
    parser.add_argument("--blas", action="store_true", help="measure matrix products instead")
    parser.add_argument("--shapes", default="64x64,256x64,64x128,256x128,256x256,1024x128,256x512,1024x512",
                        help="B x H pairs for --blas")
    arguments = parser.parse_args()
    mg.backend.tune_malloc()
    if arguments.blas:
        return blas_main(arguments)
    mg.backend.set_num_threads(arguments.threads)
    threshold = parallel.MIN_PARALLEL_SIZE
    lines = [f"# Threaded element-wise kernels: {arguments.threads} threads vs 1", "",
             f"Machine: {cpu_model()}; NumPy {np.__version__}; median of {arguments.rounds} alternating rounds.", "",
             "| elements | 1 thread µs/op | threaded µs/op | threaded / 1 thread |", "|---|---|---|---|"]
    faster = []
    try:
        for size in (int(s) for s in arguments.sizes.split(",")):
            one, many = per_op_seconds(size, arguments.threads, arguments.rounds)
            faster.append((size, many < one))
            lines.append(f"| {size} | {one * 1e6:.1f} | {many * 1e6:.1f} | {many / one:.2f} |")
            print(lines[-1], flush=True)
    finally:
        parallel.MIN_PARALLEL_SIZE = threshold
    crossover = next((size for i, (size, _) in enumerate(faster) if all(f for _, f in faster[i:])), None)
    lines += ["", "Crossover: " + (f"{crossover} elements (MINIGAN_PARALLEL_MIN_SIZE={crossover})." if crossover
                                    else "none in this range: leave MINIGAN_PARALLEL_MIN_SIZE unset (off).")]
    text = "\n".join(lines) + "\n"
    print(lines[-1])
    if arguments.output:
        Path(arguments.output).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
