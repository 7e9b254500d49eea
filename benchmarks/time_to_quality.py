"""Time to quality: how long the quick preset takes to learn the 8 Gaussians, minigan vs PyTorch.

"Learned" is the issue's criterion, checked every --check-every generator steps: exact W₁ between
1,000 generated and 1,000 real points ≤ 0.15 *and* all 8 modes covered (each holds ≥ 5 % of 2,000
generated points within 3σ of its centre). The clock counts training steps only — the checks are
the same host computation for both frameworks and are left out.

Both frameworks train the same model from the same initial weights and the same random numbers
(minigan's run draws them; the PyTorch loop draws the same stream in the same order): the quick
preset's WGAN-GP (ReLU 2→64→64→64→out, Adam 2e-3 with β = (0.5, 0.9) decayed linearly to 0 over
2,000 steps, batch 256, n_critic 5, λ = 0.1), one BLAS/OpenMP thread each, run one after the
other. Median over the seeds.

    python benchmarks/time_to_quality.py                       # seeds 0 1 2, both frameworks
    python benchmarks/time_to_quality.py --seeds 0 --frameworks minigan

Writes results/time_to_quality.md (table, machine, verdict) and results/raw/time_to_quality.json.
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):  # one thread each, set before
    os.environ[_name] = "1"                                                      # NumPy/torch load BLAS

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from timing import cpu_model  # noqa: E402

import minigan as mg  # noqa: E402
from minigan.distances import w1_assignment  # noqa: E402
from minigan.gan import Run, TrainConfig  # noqa: E402
from minigan.gan.config import learning_rate_factor  # noqa: E402
from minigan.gan.metrics import MODE_SAMPLES, metric_generator, modes_covered  # noqa: E402
from minigan.gan.trainer import TRAIN_STREAM  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
W1_TARGET = 0.15
MODES_TARGET = 8


def quick_config(seed: int, steps: int) -> TrainConfig:
    return TrainConfig(preset="quick", data="8gaussians", loss="wgan", lipschitz="gp", seed=seed, steps=steps,
                       checkpoint_every=None)


def quality(sample, config: TrainConfig, step: int) -> tuple[float, int]:
    """(exact W₁ on 1,000 points per side, modes covered by 2,000 points) for a host sampler
    noise → points; the same draws for both frameworks."""
    from minigan.gan import data as datasets

    data = datasets.get(config.data)
    rng = metric_generator(config.seed, step)
    real = data.host(config.metric_samples, rng)
    fake = sample(rng.standard_normal((config.metric_samples, config.noise_dim)))
    points = sample(rng.standard_normal((MODE_SAMPLES, config.noise_dim)))
    return w1_assignment(fake, real), modes_covered(points, data.mode_centres, data.mode_std)


def minigan_trainer(config: TrainConfig):
    run = Run.start(config)

    def sample(noise: np.ndarray) -> np.ndarray:
        with mg.no_grad():
            return run.generator(mg.tensor(noise.astype(np.float32))).numpy().astype(np.float64)

    initial = {"generator": run.generator.state_dict(), "critic": run.critic.state_dict()}
    return run._train_step, sample, initial


def torch_trainer(config: TrainConfig, initial: dict):
    """The same WGAN-GP step in PyTorch eager, from minigan's initial weights and random stream."""
    import torch
    from torch import nn

    from minigan.gan import data as datasets

    torch.set_num_threads(1)

    def mlp(sizes):
        layers = []
        for position, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(nn.Linear(fan_in, fan_out))
            if position < len(sizes) - 2:
                layers.append(nn.ReLU())
        return nn.Sequential(*layers)

    generator, critic = mlp(config.generator_sizes), mlp(config.critic_sizes)
    generator.load_state_dict({k: torch.from_numpy(v) for k, v in initial["generator"].items()})
    critic.load_state_dict({k: torch.from_numpy(v) for k, v in initial["critic"].items()})
    optimizer_g = torch.optim.Adam(generator.parameters(), lr=config.lr, betas=config.betas, eps=config.eps)
    optimizer_d = torch.optim.Adam(critic.parameters(), lr=config.lr, betas=config.betas, eps=config.eps)
    data = datasets.get(config.data)
    rng = np.random.default_rng([config.seed, TRAIN_STREAM])  # the stream minigan's trainer uses
    batch, noise_dim = config.batch_size, config.noise_dim

    def host(array):
        return torch.from_numpy(array.astype(np.float32))

    def step(k: int) -> None:
        rate = config.lr * learning_rate_factor(config.lr_schedule, k, config.steps)
        for optimizer in (optimizer_d, optimizer_g):
            for group in optimizer.param_groups:
                group["lr"] = rate
        for p in critic.parameters():
            p.requires_grad_(True)
        for _ in range(config.n_critic):
            real = host(data.host(batch, rng))
            noise = host(rng.standard_normal((batch, noise_dim)))
            with torch.no_grad():
                fake = generator(noise)
            optimizer_d.zero_grad()
            real_score = critic(real).mean()
            loss = critic(fake).mean() - real_score
            epsilon = host(rng.uniform(0.0, 1.0, (batch, 1)))
            x_hat = (epsilon * real + (1 - epsilon) * fake).requires_grad_(True)
            (gradient,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
            loss = loss + config.gp_weight * ((gradient.norm(2, dim=1) - config.gp_target) ** 2).mean()
            loss.backward()
            optimizer_d.step()
        for p in critic.parameters():
            p.requires_grad_(False)
        noise = host(rng.standard_normal((batch, noise_dim)))
        optimizer_g.zero_grad()
        (-critic(generator(noise)).mean()).backward()
        optimizer_g.step()

    def sample(noise: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return generator(host(noise)).numpy().astype(np.float64)

    return step, sample


def time_to_quality(step, sample, config: TrainConfig, check_every: int) -> dict:
    """Train until the criterion holds at a check (or the steps run out): wall seconds and CPU
    seconds of this process (the better measure on a shared machine) spent in training steps."""
    seconds, cpu, curve = 0.0, 0.0, []
    for k in range(1, config.steps + 1):
        started, started_cpu = time.perf_counter(), time.process_time()
        step(k)
        seconds += time.perf_counter() - started
        cpu += time.process_time() - started_cpu
        if k % check_every == 0 or k == config.steps:
            w1, modes = quality(sample, config, k)
            curve.append((k, round(float(w1), 4), int(modes), round(seconds, 2), round(cpu, 2)))
            if w1 <= W1_TARGET and modes >= MODES_TARGET:
                return {"reached": True, "step": k, "seconds": seconds, "cpu_seconds": cpu, "curve": curve}
    return {"reached": False, "step": None, "seconds": seconds, "cpu_seconds": cpu, "curve": curve}


def machine() -> dict:
    info = {"cpu": cpu_model(), "cores": os.cpu_count(), "numpy": np.__version__, "minigan": mg.__version__,
            "load_average_at_start": os.getloadavg()}
    try:
        import torch

        info["torch"] = torch.__version__
    except ImportError:
        pass
    return info


def report(results: dict, info: dict, options: argparse.Namespace) -> str:
    lines = ["# Time to quality: the quick preset on 8 Gaussians", "",
             f"Criterion: exact W₁ ≤ {W1_TARGET} (1,000 points per side) and {MODES_TARGET}/8 modes covered, "
             f"checked every {options.check_every} generator steps; seconds of training steps only (the checks "
             "are left out), wall and CPU time of the process, one thread "
             "per framework, same initial weights and random numbers. Quick preset WGAN-GP: ReLU 64×3, Adam 2e-3 "
             "(0.5, 0.9) decayed linearly over 2,000 steps, batch 256, n_critic 5, λ = 0.1.", "",
             "| framework | seed | reached at step | wall seconds of training | CPU seconds of training |",
             "|---|---:|---:|---:|---:|"]
    medians = {}
    for framework, runs in results.items():
        for seed, run in runs.items():
            reached = run["step"] if run["reached"] else "not within the steps"
            lines.append(f"| {framework} | {seed} | {reached} | {run['seconds']:.1f} | {run['cpu_seconds']:.1f} |")
        done = [(run["seconds"], run["cpu_seconds"]) for run in runs.values() if run["reached"]]
        medians[framework] = ((statistics.median(w for w, _ in done), statistics.median(c for _, c in done))
                              if len(done) == len(runs) else None)
    lines += ["", "| framework | median wall seconds to quality | median CPU seconds to quality |", "|---|---:|---:|"]
    for framework, median in medians.items():
        text = "– | –" if median is None else f"{median[0]:.1f} | {median[1]:.1f}"
        lines.append(f"| {framework} | {text} |")
    if medians.get("minigan") and medians.get("torch"):
        wall = medians["minigan"][0] / medians["torch"][0]
        cpu = medians["minigan"][1] / medians["torch"][1]
        lines += ["", f"minigan / PyTorch: {wall:.2f}× in wall time, {cpu:.2f}× in CPU time (target ≤ 1.0×; and "
                      f"≤ 60 s: minigan's median CPU time is {medians['minigan'][1]:.1f} s)."]
    lines += ["", "## Machine", "", f"- CPU: {info['cpu']}, {info['cores']} cores", f"- NumPy {info['numpy']}, "
              f"minigan {info['minigan']}" + (f", torch {info['torch']}" if "torch" in info else ""),
              f"- load average at the start: {', '.join(f'{v:.1f}' for v in info['load_average_at_start'])}",
              f"- {options.machine_note}", "",
              "Command: `python benchmarks/time_to_quality.py " + " ".join(options.argv) + "`", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    import sys

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="seeds (default 0 1 2)")
    parser.add_argument("--frameworks", nargs="+", default=["minigan", "torch"], choices=("minigan", "torch"))
    parser.add_argument("--check-every", type=int, default=50, help="steps between checks (default 50)")
    parser.add_argument("--steps", type=int, default=2000, help="the schedule's length and the limit (default 2000)")
    parser.add_argument("--machine-note", default="the machine was shared with other jobs (contended): "
                        "absolute seconds are inflated; the two frameworks ran alternately, seed by seed")
    parser.add_argument("--out", default=str(RESULTS / "time_to_quality.md"))
    options = parser.parse_args(argv)
    options.argv = list(sys.argv[1:] if argv is None else argv)
    info = machine()
    results: dict[str, dict] = {framework: {} for framework in options.frameworks}
    for seed in options.seeds:
        config = quick_config(seed, options.steps)
        step, sample, initial = minigan_trainer(config)
        for framework in options.frameworks:
            if framework == "torch":
                step, sample = torch_trainer(config, initial)
            elif seed != options.seeds[0] or framework != options.frameworks[0]:
                step, sample, initial = minigan_trainer(config)
            outcome = time_to_quality(step, sample, config, options.check_every)
            results[framework][seed] = outcome
            print(f"{framework} seed {seed}: reached={outcome['reached']} step={outcome['step']} "
                  f"seconds={outcome['seconds']:.1f} cpu={outcome['cpu_seconds']:.1f}", flush=True)
    out = Path(options.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report(results, info, options))
    raw = RESULTS / "raw" / "time_to_quality.json"
    raw.parent.mkdir(parents=True, exist_ok=True)
    raw.write_text(json.dumps({"machine": info, "results": results}, indent=1) + "\n")
    print(out.read_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
