"""One generator step on the 8×8 digits (lesson 14's networks), minigan vs PyTorch eager, CPU.

A *generator step* is what lesson 14 repeats 2,000 times per method: ``n_critic`` critic updates,
then one generator update, with

    generator  z ∈ ℝ¹⁶ → 128 → 128 → 64   (ReLU, final tanh)
    critic     64 → 128 → 128 → 1         (ReLU)
    batch 64, float32, Adam(3e-4, β = (0.5, 0.9)) for both networks

    "gp":  n_critic = 5, L_D = E D(G(z)) − E D(x) + 10·E(‖∇D(x̂)‖ − 1)²  (double backprop)
    "gan": n_critic = 1, L_D = −E logσ(D(x)) − E logσ(−D(G(z))), generator −E logσ(D(G(z)))

Both frameworks start from the same weights and consume the same pre-drawn batches, noise and ε
(cycled), so they do the same arithmetic. Each framework gets one thread (``torch.set_num_threads``
and the BLAS thread variables). Timing alternates between the two in blocks of ``--block`` steps
and reports each framework's median step time, so a burst of load from other processes on a
shared machine hits both alike.

    BENCH_THREADS=1 python benchmarks/digits_step.py --output benchmarks/results/digits_step.md
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

THREADS = os.environ.get("BENCH_THREADS", "1")
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, THREADS)

import numpy as np  # noqa: E402
from timing import cpu_model  # noqa: E402

import minigan as mg  # noqa: E402

NOISE, HIDDEN, BATCH, LAMBDA = 16, 128, 64, 10.0
N_CRITIC = {"gp": 5, "gan": 1}
POOL = 16  # pre-drawn batches, cycled


def pool(seed: int = 0) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """POOL tuples (real batch, critic noise, ε, generator noise), float32, from the digits."""
    train = mg.gan.data.digits().train
    rng = np.random.default_rng(seed)
    return [(train[rng.integers(0, train.shape[0], BATCH)].astype(np.float32),
             rng.standard_normal((BATCH, NOISE)).astype(np.float32),
             rng.uniform(0.0, 1.0, (BATCH, 1)).astype(np.float32),
             rng.standard_normal((BATCH, NOISE)).astype(np.float32)) for _ in range(POOL)]


def initial_state() -> tuple[dict, dict]:
    """minigan's He-initialised networks' state dicts (torch layout: weight is (out, in))."""
    mg.manual_seed(0)
    generator = mg.nn.MLP([NOISE, HIDDEN, HIDDEN, 64], activation="relu", final_activation="tanh", init="he")
    critic = mg.nn.MLP([64, HIDDEN, HIDDEN, 1], activation="relu", init="he")
    return generator.state_dict(), critic.state_dict()


# ---------------------------------------------------------------------------- minigan
def minigan_stepper(method: str, batches):
    from minigan import nn, optim
    from minigan.gan import losses

    generator_state, critic_state = initial_state()
    generator = nn.MLP([NOISE, HIDDEN, HIDDEN, 64], activation="relu", final_activation="tanh")
    critic = nn.MLP([64, HIDDEN, HIDDEN, 1], activation="relu")
    generator.load_state_dict(generator_state)
    critic.load_state_dict(critic_state)
    g_params, d_params = list(generator.parameters()), list(critic.parameters())
    g_opt = optim.Adam(g_params, lr=3e-4, betas=(0.5, 0.9))
    d_opt = optim.Adam(d_params, lr=3e-4, betas=(0.5, 0.9))
    device = [tuple(mg.tensor(a) for a in b) for b in batches]
    counter = [0]

    def update(optimizer, loss, params):
        for p, g in zip(params, mg.grad(loss, params)):
            p.grad = g
        optimizer.step()
        optimizer.zero_grad()

    def step():
        for _ in range(N_CRITIC[method]):
            real, z, epsilon, _ = device[counter[0] % POOL]
            counter[0] += 1
            with mg.no_grad():
                fake = generator(z)
            if method == "gan":
                loss = losses.gan_discriminator_loss(critic(real), critic(fake))
            else:
                loss = losses.wgan_critic_loss(critic(real), critic(fake))
                x_hat = (epsilon * real + (1.0 - epsilon) * fake).requires_grad_()
                (gradient,) = mg.grad(critic(x_hat).sum(), x_hat, create_graph=True)
                loss = loss + LAMBDA * ((mg.norm(gradient, axis=1) - 1.0) ** 2).mean()
            update(d_opt, loss, d_params)
        scores = critic(generator(device[counter[0] % POOL][3]))
        g_loss = losses.gan_generator_loss_nonsaturating(scores) if method == "gan" else -scores.mean()
        update(g_opt, g_loss, g_params)

    step.generator_state = generator.state_dict
    return step


# ---------------------------------------------------------------------------- PyTorch
def torch_stepper(method: str, batches):
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(int(THREADS))
    generator_state, critic_state = initial_state()

    def mlp(sizes, final_tanh):
        layers = []
        for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(torch.nn.Linear(fan_in, fan_out))
            if i < len(sizes) - 2:
                layers.append(torch.nn.ReLU())
        if final_tanh:
            layers.append(torch.nn.Tanh())
        return torch.nn.Sequential(*layers)

    generator = mlp([NOISE, HIDDEN, HIDDEN, 64], True)
    critic = mlp([64, HIDDEN, HIDDEN, 1], False)
    generator.load_state_dict({k: torch.as_tensor(v) for k, v in generator_state.items()})
    critic.load_state_dict({k: torch.as_tensor(v) for k, v in critic_state.items()})
    g_params = list(generator.parameters())
    g_opt = torch.optim.Adam(g_params, lr=3e-4, betas=(0.5, 0.9))
    d_opt = torch.optim.Adam(critic.parameters(), lr=3e-4, betas=(0.5, 0.9))
    device = [tuple(torch.as_tensor(a) for a in b) for b in batches]
    counter = [0]

    def step():
        for _ in range(N_CRITIC[method]):
            real, z, epsilon, _ = device[counter[0] % POOL]
            counter[0] += 1
            with torch.no_grad():
                fake = generator(z)
            if method == "gan":
                loss = -F.logsigmoid(critic(real)).mean() - F.logsigmoid(-critic(fake)).mean()
            else:
                loss = critic(fake).mean() - critic(real).mean()
                x_hat = (epsilon * real + (1.0 - epsilon) * fake).requires_grad_(True)
                (gradient,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
                loss = loss + LAMBDA * ((gradient.norm(2, dim=1) - 1.0) ** 2).mean()
            d_opt.zero_grad()
            loss.backward()
            d_opt.step()
        scores = critic(generator(device[counter[0] % POOL][3]))
        g_loss = -F.logsigmoid(scores).mean() if method == "gan" else -scores.mean()
        # gradients for the generator only, as minigan's grad(loss, generator parameters): the same work
        for p, g in zip(g_params, torch.autograd.grad(g_loss, g_params)):
            p.grad = g
        g_opt.step()

    step.generator_state = lambda: {k: v.detach().numpy() for k, v in generator.state_dict().items()}
    return step


def same_arithmetic(method: str, batches, steps: int = 5) -> float:
    """Largest |difference| between the two frameworks' generator weights after ``steps`` steps from
    the same start: small (float32 round-off) when both do the same arithmetic."""
    mine, theirs = minigan_stepper(method, batches), torch_stepper(method, batches)
    for _ in range(steps):
        mine()
        theirs()
    a, b = mine.generator_state(), theirs.generator_state()
    return max(float(np.abs(np.asarray(a[k]) - b[k]).max()) for k in a)


def alternate(steppers: dict, blocks: int, block: int, warmup: int = 5) -> dict[str, dict[str, float]]:
    """Median CPU and wall seconds per step of each stepper, timed in alternating blocks.

    CPU time (``time.process_time``) is the measure on a shared machine: it counts only the cycles
    this process got, so waiting for the core while other jobs run does not inflate it (one
    thread per framework, so CPU time is not summed over parallel threads either)."""
    for step in steppers.values():
        for _ in range(warmup):
            step()
    cpu: dict[str, list[float]] = {name: [] for name in steppers}
    wall: dict[str, list[float]] = {name: [] for name in steppers}
    for _ in range(blocks):
        for name, step in steppers.items():
            for _ in range(block):
                start_cpu, start_wall = time.process_time(), time.perf_counter()
                step()
                cpu[name].append(time.process_time() - start_cpu)
                wall[name].append(time.perf_counter() - start_wall)
    return {name: {"cpu": statistics.median(cpu[name]), "wall": statistics.median(wall[name])} for name in steppers}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--methods", default="gp,gan")
    parser.add_argument("--blocks", type=int, default=20)
    parser.add_argument("--block", type=int, default=10)
    parser.add_argument("--output", default=None, help="markdown file for the results table")
    arguments = parser.parse_args()
    import torch

    batches = pool()
    rows = []
    for method in arguments.methods.split(","):
        medians = alternate({"minigan": minigan_stepper(method, batches), "torch": torch_stepper(method, batches)},
                            arguments.blocks, arguments.block)
        medians["minigan"]["difference"] = same_arithmetic(method, batches)
        rows.append((method, medians["minigan"], medians["torch"]))
        mine, theirs = medians["minigan"]["cpu"], medians["torch"]["cpu"]
        print(f"{method}: CPU minigan {mine * 1e3:.2f} ms, torch {theirs * 1e3:.2f} ms, ratio {mine / theirs:.2f}×",
              flush=True)
    load = os.getloadavg()
    lines = [
        "# One generator step on the 8×8 digits: minigan vs PyTorch eager (CPU)",
        "",
        f"Machine: {cpu_model()}, {os.cpu_count()} logical cores, {THREADS} thread(s) per framework; "
        f"NumPy {np.__version__}, torch {torch.__version__}. Load average at the end "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1 / 5 / 15 min).",
        f"Median over {arguments.blocks} alternating blocks of {arguments.block} steps per framework, after "
        "5 warm-up steps; CPU time (process_time) is the measure on this shared machine, wall time is "
        "shown for reference. A generator step = n_critic critic updates + one generator update (lesson 14's "
        "networks: G 16→128→128→64, D 64→128→128→1, batch 64, float32, Adam). The last column checks "
        "that both do the same arithmetic: the generators' weights after 5 steps from the same start.",
        "",
        "| method | n_critic | minigan CPU ms / step | torch CPU ms / step | minigan / torch (CPU) "
        "| minigan wall ms | torch wall ms | minigan / torch (wall) | max weight difference after 5 steps |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for method, mine, theirs in rows:
        lines.append(f"| {method} | {N_CRITIC[method]} | {mine['cpu'] * 1e3:.2f} | {theirs['cpu'] * 1e3:.2f} "
                     f"| {mine['cpu'] / theirs['cpu']:.2f}× | {mine['wall'] * 1e3:.2f} | {theirs['wall'] * 1e3:.2f} "
                     f"| {mine['wall'] / theirs['wall']:.2f}× | {mine['difference']:.1e} |")
    table = "\n".join(lines) + "\n"
    print(table)
    if arguments.output:
        Path(arguments.output).write_text(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
