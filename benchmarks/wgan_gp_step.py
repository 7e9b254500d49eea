"""One WGAN-GP critic update, timed for minigan, PyTorch eager and HIPS autograd.

The step (the inner loop of WGAN-GP's Algorithm 1):

    x̂ = ε·x_real + (1 − ε)·x_fake,  ε ~ U[0, 1] per sample
    L = E D(x_fake) − E D(x_real) + λ·E (‖∇ₓ̂ D(x̂)‖ − 1)²,  λ = 10
    one Adam(1e-4, β = (0.5, 0.9)) step on the critic's parameters

with the critic a tanh MLP 2 → H → H → H → 1 and batches of B points. All three
libraries run the same arithmetic on the same data with the same number of threads
(``--threads 1,2`` measures each count in turn, in one run: ``minigan.backend.set_num_threads``
and ``torch.set_num_threads`` get the same n; HIPS autograd runs on NumPy's BLAS, which
minigan's setting limits). The libraries take turns in blocks of a few steps, each
starting the other way round, so that machine noise hits them alike; a time is the median
over all the blocks' steps (the first step of each block, which meets the other
library's threads still spinning, is left out, and each block starts after a 0.2 s pause).

Also reported: the "matmul floor" — the time minigan's step spends in its matrix
products (the matmul and linear primitives' products, timed during the real step;
linear's bias addition is not counted) — and minigan's share of time outside BLAS,
1 − floor / minigan.

    python benchmarks/wgan_gp_step.py                # all configs, float32 and float64
    python benchmarks/wgan_gp_step.py --quick        # few repetitions (smoke test)
    python benchmarks/wgan_gp_step.py --threads 1,2 --dtypes float32 --peers torch
    python benchmarks/wgan_gp_step.py --backend cupy --configs 1024x1024,1024x4096,2048x8192
"""

from __future__ import annotations

import argparse
import functools
import importlib.metadata
import os
import platform
import statistics
import sys
import time
from pathlib import Path

# The thread pools start with every core (or BENCH_THREADS); --threads then limits them per run.
THREADS = os.environ.get("BENCH_THREADS", str(os.cpu_count() or 1))
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, THREADS)

import numpy as np  # noqa: E402
from timing import cpu_model, median_seconds  # noqa: E402

import minigan as mg  # noqa: E402

LAMBDA = 10.0
CONFIGS = [(64, 64), (128, 256), (512, 256), (1024, 1024)]


def initial_weights(hidden: int, seed: int = 0) -> list[np.ndarray]:
    """Torch-layout weights (out, in) and biases, PyTorch's default uniform init."""
    rng = np.random.default_rng(seed)
    sizes = [2, hidden, hidden, hidden, 1]
    weights = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = 1.0 / np.sqrt(fan_in)
        weights.append(rng.uniform(-bound, bound, (fan_out, fan_in)))
        weights.append(rng.uniform(-bound, bound, (fan_out,)))
    return weights


def batches(batch: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    real = rng.standard_normal((batch, 2)) + 2.0
    fake = rng.standard_normal((batch, 2))
    epsilon = rng.uniform(0.0, 1.0, (batch, 1))
    return real, fake, epsilon


# ---------------------------------------------------------------------------- minigan
def minigan_step_factory(hidden: int, batch: int, dtype: str):
    from minigan import nn, optim

    mg.manual_seed(0)
    critic = nn.MLP([2, hidden, hidden, hidden, 1], activation="tanh", dtype=dtype)
    critic.load_state_dict({k: v.astype(dtype) for k, v in zip(critic.state_dict(), initial_weights(hidden))})
    optimizer = optim.Adam(critic.parameters(), lr=1e-4, betas=(0.5, 0.9))
    real_host, fake_host, epsilon_host = batches(batch)
    real, fake = mg.tensor(real_host, dtype=dtype), mg.tensor(fake_host, dtype=dtype)
    epsilon = mg.tensor(epsilon_host, dtype=dtype)

    def step():
        interpolated = (epsilon * real + (1.0 - epsilon) * fake).detach().requires_grad_()
        (gradient,) = mg.grad(critic(interpolated).sum(), interpolated, create_graph=True)
        penalty = ((mg.norm(gradient, axis=1) - 1.0) ** 2).mean()
        loss = critic(fake).mean() - critic(real).mean() + LAMBDA * penalty
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss

    return step


# ---------------------------------------------------------------------------- PyTorch
def torch_step_factory(hidden: int, batch: int, dtype: str, device: str = "cpu"):
    import torch

    torch_dtype = getattr(torch, dtype)
    layers = []
    sizes = [2, hidden, hidden, hidden, 1]
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(torch.nn.Linear(fan_in, fan_out))
        if i < 3:
            layers.append(torch.nn.Tanh())
    critic = torch.nn.Sequential(*layers).to(device=device, dtype=torch_dtype)
    with torch.no_grad():
        for parameter, value in zip(critic.parameters(), initial_weights(hidden)):
            parameter.copy_(torch.as_tensor(value, dtype=torch_dtype))
    optimizer = torch.optim.Adam(critic.parameters(), lr=1e-4, betas=(0.5, 0.9))
    real, fake, epsilon = (torch.as_tensor(a, dtype=torch_dtype, device=device) for a in batches(batch))

    def step():
        interpolated = (epsilon * real + (1.0 - epsilon) * fake).requires_grad_(True)
        (gradient,) = torch.autograd.grad(critic(interpolated).sum(), interpolated, create_graph=True)
        penalty = ((gradient.norm(2, dim=1) - 1.0) ** 2).mean()
        loss = critic(fake).mean() - critic(real).mean() + LAMBDA * penalty
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if device != "cpu":
            torch.cuda.synchronize()
        return loss

    return step


# ------------------------------------------------------------------------ HIPS autograd
def autograd_step_factory(hidden: int, batch: int, dtype: str):
    import autograd.numpy as anp
    from autograd import elementwise_grad
    from autograd import grad as agrad

    params = [w.astype(dtype) for w in initial_weights(hidden)]
    real, fake, epsilon = (a.astype(dtype) for a in batches(batch))

    def critic(weights, x):
        for i in range(0, len(weights), 2):
            x = anp.dot(x, weights[i].T) + weights[i + 1]
            if i < len(weights) - 2:
                x = anp.tanh(x)
        return x

    def loss(weights):
        interpolated = epsilon * real + (1.0 - epsilon) * fake
        gradient = elementwise_grad(lambda x: critic(weights, x))(interpolated)
        penalty = anp.mean((anp.sqrt(anp.sum(gradient**2, axis=1)) - 1.0) ** 2)
        return anp.mean(critic(weights, fake)) - anp.mean(critic(weights, real)) + LAMBDA * penalty

    loss_grad = agrad(loss)
    state = {"t": 0, "m": [np.zeros_like(p) for p in params], "v": [np.zeros_like(p) for p in params]}
    beta1, beta2, lr, eps = 0.5, 0.9, 1e-4, 1e-8

    def step():
        grads = loss_grad(params)
        state["t"] += 1
        t = state["t"]
        for i, g in enumerate(grads):
            state["m"][i] = beta1 * state["m"][i] + (1 - beta1) * g
            state["v"][i] = beta2 * state["v"][i] + (1 - beta2) * g * g
            m_hat = state["m"][i] / (1 - beta1**t)
            v_hat = state["v"][i] / (1 - beta2**t)
            params[i] = params[i] - lr * m_hat / (np.sqrt(v_hat) + eps)

    return step


# ------------------------------------------------------------------------ matmul floor
def matmul_floor(step, repeats: int) -> float:
    """The time minigan's step spends inside matrix products (BLAS), measured by timing
    the products of the matmul and linear primitives' forward rules while the real step
    runs (linear's bias addition is not counted). No engine can do the step faster than
    this on this machine with this BLAS."""
    from minigan.autodiff import primitives

    originals = primitives.matmul.forward, primitives.linear.forward
    spent = [0.0]

    def timed_matmul(xp, a, b):
        start = time.perf_counter()
        out = originals[0](xp, a, b)
        spent[0] += time.perf_counter() - start
        return out

    def timed_linear(xp, x, weight, bias):
        start = time.perf_counter()
        out = originals[1](xp, x, weight, None)
        spent[0] += time.perf_counter() - start
        if bias is not None:
            out += bias
        return out

    primitives.matmul.forward, primitives.linear.forward = timed_matmul, timed_linear
    try:
        for _ in range(3):
            step()
        per_step = []
        for _ in range(repeats):
            spent[0] = 0.0
            step()
            per_step.append(spent[0])
    finally:
        primitives.matmul.forward, primitives.linear.forward = originals
    return statistics.median(per_step)


def time_step(step, repeats: int, warmup: int) -> float:
    return median_seconds(step, repeats, warmup)


def set_threads(n: int) -> None:
    """The same thread count for every library: minigan's (and NumPy's BLAS, which HIPS
    autograd uses too) and PyTorch's intra-op pool."""
    mg.backend.set_num_threads(n)
    try:
        import torch
    except ImportError:
        return
    torch.set_num_threads(n)


def time_in_turns(steps: dict, blocks: int, block: int) -> dict[str, list[float]]:
    """Seconds per step of each library, the libraries taking turns in blocks of ``block``
    steps (the order reversed every block); the first step of each block is not kept."""
    times: dict[str, list[float]] = {name: [] for name in steps}
    names = list(steps)
    for b in range(blocks):
        for name in names if b % 2 == 0 else names[::-1]:
            # let the other library's idle threads stop spinning first (OpenBLAS's spin up to
            # ~0.1 s after a product and would share a core with this library's threads)
            time.sleep(0.2)
            step = steps[name]
            for k in range(block + 1):
                start = time.perf_counter()
                step()
                elapsed = time.perf_counter() - start
                if k:
                    times[name].append(elapsed)
    return times


def machine_description() -> str:
    cpu = cpu_model()
    versions = [f"Python {platform.python_version()}", f"NumPy {np.__version__}"]
    for name in ("torch", "autograd"):
        try:
            module = __import__(name)
            versions.append(f"{name} {getattr(module, '__version__', None) or importlib.metadata.version(name)}")
        except ImportError:
            versions.append(f"{name} not installed")
    return f"{cpu}, {os.cpu_count()} logical cores; " + ", ".join(versions)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="few repetitions, for a smoke test")
    parser.add_argument("--repeats", type=int, default=24, help="timed steps per library (fewer at H·B ≥ 1024²)")
    parser.add_argument("--threads", default=THREADS, help="thread counts to measure, e.g. 1,2")
    parser.add_argument("--dtypes", default="float32,float64")
    parser.add_argument("--configs", default=",".join(f"{h}x{b}" for h, b in CONFIGS))
    parser.add_argument("--backend", default="numpy", help="minigan backend (cupy: compares with torch CUDA)")
    parser.add_argument("--peers", default="torch,autograd")
    parser.add_argument("--output", default=None, help="markdown file for the results table")
    arguments = parser.parse_args()
    mg.backend.use(arguments.backend)
    mg.backend.tune_malloc()  # as training does: freed step temporaries stay mapped
    repeats = 4 if arguments.quick else arguments.repeats
    configs = [tuple(int(v) for v in c.split("x")) for c in arguments.configs.split(",")]
    thread_counts = [int(n) for n in str(arguments.threads).split(",")]
    try:
        import threadpoolctl  # noqa: F401  (how set_num_threads reaches NumPy's BLAS)
    except ImportError:
        if thread_counts != [int(THREADS)]:
            parser.error("--threads other than the start-up count needs threadpoolctl to limit NumPy's BLAS "
                         "(pip install threadpoolctl), or set BENCH_THREADS=n for a single count")
    peers = [p for p in arguments.peers.split(",") if p]
    device = "cuda" if arguments.backend == "cupy" else "cpu"

    rows = []
    for dtype in arguments.dtypes.split(","):
        for hidden, batch in configs:
            n = repeats if hidden * batch < 1024 * 1024 else max(4, repeats // 3)
            block = 2 if arguments.quick else 4
            for threads in thread_counts:
                set_threads(threads)
                factories = {"minigan": functools.partial(minigan_step_factory, hidden, batch, dtype)}
                if "torch" in peers:
                    factories["torch"] = functools.partial(torch_step_factory, hidden, batch, dtype, device)
                if "autograd" in peers and arguments.backend != "cupy":
                    factories["autograd"] = functools.partial(autograd_step_factory, hidden, batch, dtype)
                steps = {}
                for name, factory in factories.items():
                    try:
                        steps[name] = factory()
                    except ImportError as error:
                        print(f"  {name}: skipped ({error})", file=sys.stderr)
                        continue
                    for _ in range(3):  # warm-up
                        steps[name]()
                times = time_in_turns(steps, blocks=max(2, -(-n // block)), block=block)
                results: dict[str, float] = {name: statistics.median(t) for name, t in times.items()}
                if arguments.backend != "cupy":
                    results["matmul floor"] = matmul_floor(steps["minigan"], n)
                row = {"dtype": dtype, "H": hidden, "B": batch, "threads": threads, **results}
                rows.append(row)
                ratios = ", ".join(f"{k} {results['minigan'] / v:.2f}×" for k, v in results.items() if k != "minigan")
                print(f"{dtype} H={hidden} B={batch} threads={threads}: minigan {results['minigan'] * 1e3:.2f} ms; "
                      f"minigan/peer: {ratios}", flush=True)

    table = render(rows, machine_description(), arguments)
    print(table)
    if arguments.output:
        Path(arguments.output).write_text(table)
    return 0


def render(rows, machine: str, arguments) -> str:
    lines = [
        f"# WGAN-GP critic step: minigan ({arguments.backend}) vs peers",
        "",
        f"Machine: {machine}.",
        f"Median of {4 if arguments.quick else arguments.repeats} timed steps per library after 3 warm-up steps "
        "(a third as many at H·B ≥ 1024²), the libraries taking turns in blocks of steps.",
        "Ratios are minigan's time divided by the peer's (below 1: minigan is faster).",
        "",
        "| dtype | H | B | threads | minigan ms | torch ms | autograd ms | matmul floor ms | minigan/torch "
        "| minigan/autograd | autograd/minigan | share outside BLAS |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]

    def ms(v):
        return "—" if v is None else f"{v * 1e3:.2f}"

    for r in rows:
        m, t, a, f = r["minigan"], r.get("torch"), r.get("autograd"), r.get("matmul floor")
        lines.append(
            f"| {r['dtype']} | {r['H']} | {r['B']} | {r['threads']} | {ms(m)} | {ms(t)} | {ms(a)} | {ms(f)} | "
            f"{'—' if t is None else f'{m / t:.2f}×'} | {'—' if a is None else f'{m / a:.2f}×'} | "
            f"{'—' if a is None else f'{a / m:.1f}×'} | {'—' if f is None else f'{max(0.0, 1 - f / m):.0%}'} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
