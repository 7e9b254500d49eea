"""WGAN-GP on 8 Gaussians: minigan against the same model in PyTorch — sample quality and wall time.

The WGAN-GP authors' toy setting (gan_toy.py): ReLU MLPs 2→512→512→512→out (He init), batch 256,
n_critic = 5, Adam(1e-4, β = (0.5, 0.9)), λ = 0.1, 2,000 generator steps. Also weight clipping
(RMSprop 5e-5, c = 0.01) and spectral normalisation (Adam as for GP) for their curves.

Fair by construction:

* both frameworks start from the *same* weights (minigan's initial state dict loaded into
  ``torch.nn.Sequential``, spectral-norm vectors u, v included);
* both consume the *same* random numbers: batches, noise and ε are drawn on the host from one
  ``numpy`` generator per run, in the same order (real batch, noise, ε per critic step; noise per
  generator step), so the two runs differ only by floating-point round-off (which a GAN amplifies);
* the metric is the same: exact W₁ between 1,000 generated and 1,000 real points
  (``w1_assignment``), every 250 generator steps, on points drawn from the same metric generator;
* wall time counts training steps only (not the metric), with the same number of threads for
  NumPy's BLAS and for PyTorch (``--threads``), and both check every loss for NaN on the host.

Usage (torch is optional and never a minigan dependency: ``pip install torch``):

    python benchmarks/toy_quality.py                       # full: 2,000 steps, 3 seeds, gp/clip/sn
    python benchmarks/toy_quality.py --steps 250 --seeds 1 --methods gp   # a quick look

Writes ``benchmarks/results/toy_quality.md`` (table and machine description), ``.json`` (curves)
and ``.png`` (figure) unless ``--out`` says otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

# Threads must be fixed before NumPy loads its BLAS.
if __name__ == "__main__":
    _threads = "2"
    for _i, _a in enumerate(sys.argv):
        if _a == "--threads" and _i + 1 < len(sys.argv):
            _threads = sys.argv[_i + 1]
        elif _a.startswith("--threads="):
            _threads = _a.split("=", 1)[1]
    for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_name] = _threads

import numpy as np
from timing import cpu_model

import minigan as mg
from minigan.distances import w1_assignment
from minigan.gan import Run, TrainConfig
from minigan.gan.metrics import metric_generator
from minigan.gan.trainer import TRAIN_STREAM

METHODS = {
    "gp": dict(loss="wgan", lipschitz="gp"),
    "clip": dict(loss="wgan", lipschitz="clip"),
    "sn": dict(loss="wgan", lipschitz="sn"),
}


def config_for(method: str, seed: int, steps: int, eval_every: int, metric_samples: int) -> TrainConfig:
    return TrainConfig.for_method(data="8gaussians", seed=seed, steps=steps, log_every=eval_every,
                                  metric_samples=metric_samples, checkpoint_every=None,
                                  batch_size=256,  # the toy script's, in both modes (the paper preset's clip uses 64)
                                  **METHODS[method])


# ------------------------------------------------------------------------------------- minigan
def run_minigan(config: TrainConfig) -> dict:
    run = Run.start(config)
    initial = {"generator": run.generator.state_dict(), "critic": run.critic.state_dict()}
    run.fit()
    return {
        "steps": run.history.column("step").astype(int).tolist(),
        "w1": run.history.column("w1_exact").tolist(),
        "train_seconds": float(run.history.column("train_time")[-1]),
        "initial": initial,
    }


# ------------------------------------------------------------------------------------- PyTorch
def torch_trainer(config: TrainConfig, initial: dict):
    """(step(k), evaluate(k)) for the same WGAN in PyTorch, starting from minigan's initial weights and
    drawing the same random numbers as minigan's trainer, in the same order."""
    import torch
    from torch import nn

    from minigan.gan import data as datasets

    def mlp(sizes, spectral=False):
        layers = []
        for position, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            linear = nn.Linear(fan_in, fan_out)
            if spectral:
                linear = nn.utils.spectral_norm(linear, n_power_iterations=config.sn_power_iterations)
            layers.append(linear)
            if position < len(sizes) - 2:
                layers.append(nn.ReLU())
        return nn.Sequential(*layers)

    generator = mlp(config.generator_sizes)
    critic = mlp(config.critic_sizes, spectral=config.lipschitz == "sn")
    generator.load_state_dict({k: torch.from_numpy(v) for k, v in initial["generator"].items()})
    critic.load_state_dict({k: torch.from_numpy(v) for k, v in initial["critic"].items()})
    if config.optimizer == "adam":
        make = lambda params: torch.optim.Adam(params, lr=config.lr, betas=config.betas, eps=config.eps)
    else:
        make = lambda params: torch.optim.RMSprop(params, lr=config.lr, alpha=config.rmsprop_alpha,
                                                  eps=config.eps)
    optimizer_g, optimizer_d = make(generator.parameters()), make(critic.parameters())
    data = datasets.get(config.data)
    rng = np.random.default_rng([config.seed, TRAIN_STREAM])  # the stream minigan's trainer uses
    batch, noise_dim = config.batch_size, config.noise_dim

    def host(array):
        return torch.from_numpy(array.astype(np.float32))

    def evaluate(step):
        metric_rng = metric_generator(config.seed, step)
        real = data.host(config.metric_samples, metric_rng)
        noise = host(metric_rng.standard_normal((config.metric_samples, noise_dim)))
        with torch.no_grad():
            fake = generator(noise).numpy().astype(np.float64)
        return w1_assignment(fake, real)

    def step(k):
        for p in critic.parameters():
            p.requires_grad_(True)
        for _ in range(config.n_critic):
            real = host(data.host(batch, rng))
            noise = host(rng.standard_normal((batch, noise_dim)))
            with torch.no_grad():
                fake = generator(noise)
            optimizer_d.zero_grad()
            real_score = critic(real).mean()  # D(real) before D(fake), as minigan: SN iterates per call
            loss = critic(fake).mean() - real_score
            if config.lipschitz == "gp":
                epsilon = host(rng.uniform(0.0, 1.0, (batch, 1)))
                x_hat = (epsilon * real + (1 - epsilon) * fake).requires_grad_(True)
                (gradient,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
                loss = loss + config.gp_weight * ((gradient.norm(2, dim=1) - config.gp_target) ** 2).mean()
            if not np.isfinite(loss.item()):
                raise FloatingPointError(f"torch critic loss diverged at step {k}")
            loss.backward()
            optimizer_d.step()
            if config.lipschitz == "clip":
                with torch.no_grad():
                    for p in critic.parameters():
                        p.clamp_(-config.clip_value, config.clip_value)
        for p in critic.parameters():
            p.requires_grad_(False)
        noise = host(rng.standard_normal((batch, noise_dim)))
        optimizer_g.zero_grad()
        loss = -critic(generator(noise)).mean()
        if not np.isfinite(loss.item()):
            raise FloatingPointError(f"torch generator loss diverged at step {k}")
        loss.backward()
        optimizer_g.step()

    return step, evaluate


def run_torch(config: TrainConfig, initial: dict) -> dict:
    step, evaluate = torch_trainer(config, initial)
    steps, w1, seconds = [0], [evaluate(0)], 0.0
    for k in range(1, config.steps + 1):
        started = time.perf_counter()
        step(k)
        seconds += time.perf_counter() - started
        if k % config.log_every == 0 or k == config.steps:
            steps.append(k)
            w1.append(evaluate(k))
    return {"steps": steps, "w1": w1, "train_seconds": seconds}


def paired_timing(config: TrainConfig, blocks: int, block_steps: int) -> dict:
    """Seconds per generator step of both frameworks, measured in alternating blocks (minigan,
    torch, torch, minigan, ...) so that both see the same machine load on average."""
    run = Run.start(config)
    initial = {"generator": run.generator.state_dict(), "critic": run.critic.state_dict()}
    torch_step, _ = torch_trainer(config, initial)
    steppers = {"minigan": run._train_step, "torch": torch_step}
    times: dict[str, list[float]] = {"minigan": [], "torch": []}
    done = {"minigan": 0, "torch": 0}
    for name in ("minigan", "torch"):  # one warm-up step each (allocations, thread pools)
        done[name] += 1
        steppers[name](done[name])
    for block in range(blocks):
        for name in (("minigan", "torch") if block % 2 == 0 else ("torch", "minigan")):
            started = time.perf_counter()
            for _ in range(block_steps):
                done[name] += 1
                steppers[name](done[name])
            times[name].append((time.perf_counter() - started) / block_steps)
    return times


# ---------------------------------------------------------------------------------- reporting
def machine() -> dict:
    info = {"cpu": cpu_model(), "cores": os.cpu_count(), "python": platform.python_version(), "numpy": np.__version__,
            "minigan": mg.__version__, "os": platform.platform()}
    try:
        import torch

        info["torch"] = torch.__version__
    except ImportError:
        pass
    try:
        info["blas"] = np.show_config(mode="dicts")["Build Dependencies"]["blas"]["name"]
    except Exception:  # only informative
        pass
    return info


def summarise(results: dict, frameworks: list[str]) -> list[str]:
    lines = []
    for method, by_framework in results.items():
        reference = by_framework.get("torch")
        for framework in frameworks:
            runs = by_framework.get(framework)
            if not runs:
                continue
            final = np.array([r["w1"][-1] for r in runs])
            seconds = np.array([r["train_seconds"] for r in runs])
            curve = np.mean([r["w1"] for r in runs], axis=0)
            row = (f"| {method} | {framework} | {len(runs)} | {curve[0]:.3f} | "
                   + " ".join(f"{v:.3f}" for v in curve[1:])
                   + f" | **{final.mean():.3f}** ± {final.std():.3f} | {seconds.mean():.0f} |")
            if framework == "minigan" and reference:
                ref_final = np.mean([r["w1"][-1] for r in reference])
                ref_seconds = np.mean([r["train_seconds"] for r in reference])
                row += f" {final.mean() / ref_final:.2f}× | {seconds.mean() / ref_seconds:.2f}× |"
            else:
                row += " | |"
            lines.append(row)
    return lines


def timing_table(timing: list[dict]) -> list[str]:
    if not timing:
        return []
    lines = [
        "Paired timing (the long runs above share the machine with other jobs, so their seconds are noisy): "
        "both frameworks train the same model from the same weights in alternating blocks of "
        f"{timing[0]['block_steps']} generator steps (minigan, torch, torch, minigan, ...); median over blocks.",
        "",
        "| method | threads | minigan ms/step | torch ms/step | minigan / torch |",
        "|---|---|---|---|---|",
    ]
    for entry in timing:
        mine, theirs = np.median(entry["minigan"]), np.median(entry["torch"])
        lines.append(f"| {entry['method']} | {entry['threads']} | {1e3 * mine:.0f} | {1e3 * theirs:.0f} | "
                     f"{mine / theirs:.2f}× |")
    return lines + [""]


def verdict(results: dict, walls: list[dict]) -> list[str]:
    """The GP targets, computed from the results (never typed in)."""
    gp = results.get("gp", {})
    if not gp.get("minigan") or not gp.get("torch"):
        return []
    ratio = np.mean([r["w1"][-1] for r in gp["minigan"]]) / np.mean([r["w1"][-1] for r in gp["torch"]])
    lines = ["", f"- GP final W₁, minigan / PyTorch: **{ratio:.2f}×** over {len(gp['minigan'])} seeds "
                 f"({'met' if ratio <= 1.25 else 'missed'})."]
    for wall in walls:
        if wall["method"] == "gp":
            time_ratio = wall["minigan"]["train_seconds"] / wall["torch"]["train_seconds"]
            lines.append(f"- GP whole-run wall time ({wall['steps']} steps, {wall['threads']} threads each, machine "
                         f"otherwise idle), minigan / PyTorch: **{time_ratio:.2f}×** "
                         f"({'met' if time_ratio <= 1.3 else 'missed'}).")
    return lines


def wall_table(walls: list[dict]) -> list[str]:
    if not walls:
        return []
    lines = [
        "Whole runs alone on the otherwise idle machine (training steps only, metric excluded; the same "
        "model, weights and random numbers in both frameworks):",
        "",
        "| method | seed | steps | threads | minigan s | torch s | minigan / torch |",
        "|---|---|---|---|---|---|---|",
    ]
    for wall in walls:
        mine, theirs = wall["minigan"]["train_seconds"], wall["torch"]["train_seconds"]
        lines.append(f"| {wall['method']} | {wall['seed']} | {wall['steps']} | {wall['threads']} | {mine:.0f} | "
                     f"{theirs:.0f} | {mine / theirs:.2f}× |")
    return lines + [""]


def write_report(results: dict, options: argparse.Namespace, out: Path, floor: float) -> None:
    frameworks = ["minigan", "torch"]
    info = machine()
    any_method = next(iter(results.values()))
    steps = next(iter(any_method.values()))[0]["steps"]
    reduced = options.steps != 2000 or len(options.seed_list) < 3
    lines = [
        "# Toy quality: WGAN on 8 Gaussians, minigan vs PyTorch",
        "",
        ("**Reduced run** — " if reduced else "") +
        f"{options.steps} generator steps, seeds {options.seed_list}, exact W₁ between "
        f"{options.metric_samples} generated and {options.metric_samples} real points every "
        f"{options.eval_every} steps. Architecture and hyperparameters of the WGAN-GP authors' toy script "
        "(ReLU MLPs "
        "2→512→512→512→out, He init, batch 256, n_critic 5; GP: Adam(1e-4, β=(0.5, 0.9)), λ = 0.1; clip: "
        "RMSprop(5e-5), c = 0.01; SN: Adam as GP, one power iteration per forward). Both frameworks start "
        "from the same weights and consume the same random numbers (see benchmarks/toy_quality.py).",
        "",
        f"Sampling floor: exact W₁ between two independent {options.metric_samples}-point samples of the "
        f"data = {floor:.3f} (what a perfect generator would score).",
        "",
        f"| method | framework | seeds | W₁ step 0 | W₁ at steps {', '.join(str(s) for s in steps[1:])} "
        "(mean over seeds) | final W₁ mean ± sd | train s † | W₁ vs torch | time vs torch † |",
        "|---|---|---|---|---|---|---|---|---|",
        *summarise(results, frameworks),
        "",
        "† seconds of the curve runs above, which ran two at a time on the 2 cores and some beside other "
        "heavy jobs: noisy. The wall-time comparison is the paired timing and the whole runs made alone, below.",
        "",
        "Targets (GP): minigan's final W₁ within 1.25× of PyTorch's (mean over seeds), wall time ≤ 1.3×.",
        *verdict(results, getattr(options, "wall", [])),
        "",
        *timing_table(getattr(options, "timing", [])),
        *wall_table(getattr(options, "wall", [])),
        "Machine: " + ", ".join(f"{k} {v}" for k, v in info.items())
        + f"; threads per framework {options.threads}.",
        "The machine was shared with other work while this ran, so absolute times carry noise; minigan and "
        "PyTorch runs of one seed ran back to back.",
        "",
        f"![W1 curves]({out.stem}.png)",
    ]
    (out.with_suffix(".md")).write_text("\n".join(lines) + "\n")


def plot(results: dict, out: Path, floor: float) -> None:
    from minigan.plot import new_figure, save_figure

    figure, ax = new_figure(8, 4.5)
    colours = {"gp": "#4c78a8", "clip": "#e45756", "sn": "#54a24b"}
    for method, by_framework in results.items():
        for framework, style in (("minigan", "-"), ("torch", "--")):
            runs = by_framework.get(framework)
            if not runs:
                continue
            steps = runs[0]["steps"]
            curves = np.array([r["w1"] for r in runs])
            ax.plot(steps, curves.mean(axis=0), style, color=colours[method], label=f"{method}, {framework}")
            if len(runs) > 1:
                ax.fill_between(steps, curves.min(axis=0), curves.max(axis=0), color=colours[method],
                                alpha=0.1)
    ax.axhline(floor, color="gray", ls=":", label="sampling floor")
    ax.set_xlabel("generator step")
    ax.set_ylabel("exact W₁ (1,000 vs 1,000 points)")
    ax.set_yscale("log")
    ax.grid(alpha=0.3)
    ax.legend(ncol=2, fontsize="small")
    ax.set_title("WGAN on 8 Gaussians: minigan (solid) vs PyTorch (dashed), mean and range over seeds")
    save_figure(figure, out.with_suffix(".png"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--seeds", type=int, default=3, help="number of seeds (FIRST, FIRST + 1, ...)")
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--methods", default="gp,clip,sn")
    parser.add_argument("--torch-methods", default="gp,clip,sn", help="methods to run in PyTorch too")
    parser.add_argument("--eval-every", type=int, default=250)
    parser.add_argument("--metric-samples", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=2, help="BLAS / torch threads (same for both)")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "toy_quality"))
    parser.add_argument("--raw", default=None, help="where the raw curves go (default: OUT.json)")
    parser.add_argument("--timing-only", action="store_true",
                        help="only time both frameworks in alternating blocks (no curves); needs --raw")
    parser.add_argument("--timing-blocks", type=int, default=6)
    parser.add_argument("--timing-block-steps", type=int, default=10)
    parser.add_argument("--report-from", default=None,
                        help="comma-separated raw .json files of earlier runs: merge them, write the report")
    parser.add_argument("--wall-from", default=None,
                        help="with --report-from: raw .json files of whole runs made alone on a quiet machine, "
                             "reported as the wall-time comparison")
    options = parser.parse_args(argv)
    options.seed_list = list(range(options.first_seed, options.first_seed + options.seeds))
    out = Path(options.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if options.report_from:
        return report_only(options, out)
    if options.timing_only:
        return timing_only(options)
    try:
        import torch

        torch.set_num_threads(options.threads)
        have_torch = True
    except ImportError:
        print("PyTorch is not installed: running minigan only (pip install torch to compare)")
        have_torch = False
    torch_methods = set(options.torch_methods.split(",")) if have_torch else set()
    raw_path = Path(options.raw) if options.raw else out.with_suffix(".json")
    results: dict = {}
    for method in options.methods.split(","):
        results.setdefault(method, {})
        for seed in options.seed_list:
            config = config_for(method, seed, options.steps, options.eval_every, options.metric_samples)
            mine = run_minigan(config)
            initial = mine.pop("initial")
            results[method].setdefault("minigan", []).append({"seed": seed, **mine})
            print(f"{method} seed {seed} minigan: W1 {mine['w1'][0]:.3f} → {mine['w1'][-1]:.3f} "
                  f"in {mine['train_seconds']:.0f} s", flush=True)
            if method in torch_methods:
                theirs = run_torch(config, initial)
                results[method].setdefault("torch", []).append({"seed": seed, **theirs})
                print(f"{method} seed {seed} torch:   W1 {theirs['w1'][0]:.3f} → {theirs['w1'][-1]:.3f} "
                      f"in {theirs['train_seconds']:.0f} s", flush=True)
            raw_path.write_text(json.dumps({"options": {k: v for k, v in vars(options).items()},
                                            "machine": machine(), "results": results}, indent=1))
    if options.raw is None:
        finish(results, options, out)
    return 0


def finish(results: dict, options: argparse.Namespace, out: Path) -> None:
    from minigan.gan import data
    from minigan.gan.metrics import sampling_floor

    floor = sampling_floor(data.get("8gaussians"), options.metric_samples)
    write_report(results, options, out, floor)
    plot(results, out, floor)
    print(out.with_suffix(".md").read_text())


def timing_only(options: argparse.Namespace) -> int:
    """Paired timing of both frameworks for each method, written to --raw."""
    if options.raw is None:
        raise SystemExit("--timing-only needs --raw FILE")
    timing = []
    for method in options.methods.split(","):
        config = config_for(method, 0, 10**6, 10**6, options.metric_samples)
        times = paired_timing(config, options.timing_blocks, options.timing_block_steps)
        timing.append({"method": method, "threads": options.threads, "block_steps": options.timing_block_steps,
                       **times})
        ratio = np.median(times["minigan"]) / np.median(times["torch"])
        print(f"{method}, {options.threads} thread(s): minigan {1e3 * np.median(times['minigan']):.0f} ms/step, "
              f"torch {1e3 * np.median(times['torch']):.0f} ms/step, ratio {ratio:.2f}", flush=True)
    Path(options.raw).write_text(json.dumps({"options": vars(options), "machine": machine(), "timing": timing},
                                            indent=1))
    return 0


def report_only(options: argparse.Namespace, out: Path) -> int:
    """Merge the raw results of several runs (e.g. methods run in parallel processes) into one report."""
    results: dict = {}
    options.timing = []
    for path in options.report_from.split(","):
        saved = json.loads(Path(path).read_text())
        if "timing" in saved:
            options.timing += saved["timing"]
            continue
        for key in ("steps", "threads", "metric_samples", "eval_every"):
            setattr(options, key, saved["options"][key])
        for method, by_framework in saved["results"].items():
            for framework, runs in by_framework.items():
                merged = results.setdefault(method, {}).setdefault(framework, [])
                merged.extend(runs)
                merged.sort(key=lambda r: r["seed"])
    options.wall = []
    for path in (options.wall_from.split(",") if options.wall_from else []):
        saved = json.loads(Path(path).read_text())
        for method, by_framework in saved["results"].items():
            for mine, theirs in zip(by_framework["minigan"], by_framework["torch"]):
                options.wall.append({"method": method, "seed": mine["seed"], "steps": saved["options"]["steps"],
                                     "threads": saved["options"]["threads"], "minigan": mine, "torch": theirs})
    # a run stopped early holds fewer seeds than it was asked for: report the seeds actually run
    options.seed_list = sorted({r["seed"] for by in results.values() for runs in by.values() for r in runs})
    finish(results, options, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
