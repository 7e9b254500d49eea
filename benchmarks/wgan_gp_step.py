"""One WGAN-GP critic update, timed for minigan, PyTorch eager and HIPS autograd.

The step (the inner loop of WGAN-GP's Algorithm 1):

    x̂ = ε·x_real + (1 − ε)·x_fake,  ε ~ U[0, 1] per sample
    L = E D(x_fake) − E D(x_real) + λ·E (‖∇ₓ̂ D(x̂)‖ − 1)²,  λ = 10
    one Adam(1e-4, β = (0.5, 0.9)) step on the critic's parameters

with the critic a tanh MLP 2 → H → H → H → 1 and batches of B points. All three
libraries run the same arithmetic on the same data with the same number of BLAS
threads; each time is the median of many repetitions after a warm-up.

Also reported: the "matmul floor" — the time minigan's step spends in its matrix
products (the matmul and linear primitives' forward rules, timed during the real
step) — and minigan's share of time outside BLAS, 1 − floor / minigan.

    python benchmarks/wgan_gp_step.py                # all configs, float32 and float64
    python benchmarks/wgan_gp_step.py --quick        # few repetitions (smoke test)
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

THREADS = os.environ.get("BENCH_THREADS", str(os.cpu_count() or 1))
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, THREADS)

import numpy as np  # noqa: E402
from timing import cpu_model, median_seconds  # noqa: E402

import minigan as mg  # noqa: E402

LAMBDA = 10.0
CONFIGS = [(64, 64), (512, 256), (1024, 1024)]


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

    torch.set_num_threads(int(THREADS))
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
    the forward rules of the matmul and linear (x Wᵀ + b) primitives while the real step
    runs. No engine can do the step faster than this on this machine with this BLAS."""
    from minigan.autodiff import primitives

    timed_primitives = [primitives.matmul, primitives.linear]
    originals = [p.forward for p in timed_primitives]
    spent = [0.0]

    def timed(original):
        def forward(xp, *arrays):
            start = time.perf_counter()
            out = original(xp, *arrays)
            spent[0] += time.perf_counter() - start
            return out

        return forward

    for primitive, original in zip(timed_primitives, originals):
        primitive.forward = timed(original)
    try:
        for _ in range(3):
            step()
        per_step = []
        for _ in range(repeats):
            spent[0] = 0.0
            step()
            per_step.append(spent[0])
    finally:
        for primitive, original in zip(timed_primitives, originals):
            primitive.forward = original
    return statistics.median(per_step)


def time_step(step, repeats: int, warmup: int) -> float:
    return median_seconds(step, repeats, warmup)


def machine_description() -> str:
    cpu = cpu_model()
    versions = [f"Python {platform.python_version()}", f"NumPy {np.__version__}"]
    for name in ("torch", "autograd"):
        try:
            module = __import__(name)
            versions.append(f"{name} {getattr(module, '__version__', None) or importlib.metadata.version(name)}")
        except ImportError:
            versions.append(f"{name} not installed")
    return f"{cpu}, {os.cpu_count()} logical cores, {THREADS} BLAS/torch threads; " + ", ".join(versions)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="3 repetitions, for a smoke test")
    parser.add_argument("--repeats", type=int, default=25)
    parser.add_argument("--dtypes", default="float32,float64")
    parser.add_argument("--configs", default=",".join(f"{h}x{b}" for h, b in CONFIGS))
    parser.add_argument("--backend", default="numpy", help="minigan backend (cupy: compares with torch CUDA)")
    parser.add_argument("--peers", default="torch,autograd")
    parser.add_argument("--output", default=None, help="markdown file for the results table")
    arguments = parser.parse_args()
    mg.backend.use(arguments.backend)
    mg.backend.tune_malloc()  # as training does: freed step temporaries stay mapped
    repeats = 3 if arguments.quick else arguments.repeats
    configs = [tuple(int(v) for v in c.split("x")) for c in arguments.configs.split(",")]
    peers = [p for p in arguments.peers.split(",") if p]
    device = "cuda" if arguments.backend == "cupy" else "cpu"

    rows = []
    for dtype in arguments.dtypes.split(","):
        for hidden, batch in configs:
            results: dict[str, float] = {}
            # many repetitions for the small config; fewer where a step takes long
            n = repeats if hidden * batch < 1024 * 1024 else max(5, repeats // 2)
            factories = {"minigan": functools.partial(minigan_step_factory, hidden, batch, dtype)}
            if "torch" in peers:
                factories["torch"] = functools.partial(torch_step_factory, hidden, batch, dtype, device)
            if "autograd" in peers and arguments.backend != "cupy":
                factories["autograd"] = functools.partial(autograd_step_factory, hidden, batch, dtype)
            for name, factory in factories.items():
                try:
                    step = factory()
                except ImportError as error:
                    print(f"  {name}: skipped ({error})", file=sys.stderr)
                    continue
                results[name] = time_step(step, n, warmup=3)
            # interleave: time minigan again after the peers, keep the better median, so that
            # machine noise does not favour whichever ran first
            second_step = factories["minigan"]()
            results["minigan"] = min(results["minigan"], time_step(second_step, n, warmup=3))
            if arguments.backend != "cupy":
                results["matmul floor"] = matmul_floor(second_step, n)
            row = {"dtype": dtype, "H": hidden, "B": batch, **results}
            rows.append(row)
            ratios = ", ".join(f"{k} {results['minigan'] / v:.2f}×" for k, v in results.items() if k != "minigan")
            print(f"{dtype} H={hidden} B={batch}: minigan {results['minigan'] * 1e3:.2f} ms; minigan/peer: {ratios}",
                  flush=True)

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
        f"Median of {arguments.repeats if not arguments.quick else 3} timed steps after 3 warm-up steps "
        "(half as many at H·B ≥ 1024²).",
        "Ratios are minigan's time divided by the peer's (below 1: minigan is faster).",
        "",
        "| dtype | H | B | minigan ms | torch ms | autograd ms | matmul floor ms | minigan/torch | minigan/autograd "
        "| autograd/minigan | share outside BLAS |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]

    def ms(v):
        return "—" if v is None else f"{v * 1e3:.2f}"

    for r in rows:
        m, t, a, f = r["minigan"], r.get("torch"), r.get("autograd"), r.get("matmul floor")
        lines.append(
            f"| {r['dtype']} | {r['H']} | {r['B']} | {ms(m)} | {ms(t)} | {ms(a)} | {ms(f)} | "
            f"{'—' if t is None else f'{m / t:.2f}×'} | {'—' if a is None else f'{m / a:.2f}×'} | "
            f"{'—' if a is None else f'{a / m:.1f}×'} | {'—' if f is None else f'{max(0.0, 1 - f / m):.0%}'} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
