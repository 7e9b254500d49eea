"""The ``minigan compare`` subcommand: GAN, WGAN-clip, WGAN-SN and WGAN-GP side by side.

    minigan compare --data 8gaussians --out runs/compare                 # quick preset
    minigan compare --data 8gaussians --out runs/compare --preset paper --steps 2000

Trains the four methods from the same seed on the same data with the same preset, each into
``out/<method>/`` (checkpoint, history, config), then writes into ``out``:

    compare.gif      one panel per method, every panel at the same step (Pillow writer)
    compare.html     the same frames under one slider, with the four W₁ curves and a marker
    frames/          the grid frames as PNG
    w1_curves.png    the exact W₁ of all four against the generator step
    summary.md       final exact W₁, modes covered and wall time per method (also printed)

Exit status as ``minigan train``: 0 done, 1 a run diverged, 2 bad arguments or an unusable
folder, 130 Ctrl-C.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path
from typing import Any

from minigan.cli.common import (
    EXIT_DIVERGED,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    UsageError,
    os_error_message,
    prepare_out_folder,
)

__all__ = ["add_parser", "run_command", "METHODS", "summary_table"]



def _methods() -> dict[str, tuple[str, str]]:
    """name → (loss, Lipschitz method): the plain GAN, then the WGAN with every method of the
    table in minigan.gan.methods that has a column here."""
    from minigan.gan.methods import METHODS as LIPSCHITZ

    return {"GAN": ("gan", "none"),
            **{m.compare_label: ("wgan", m.name) for m in LIPSCHITZ.values() if m.compare_label is not None}}


METHODS = _methods()
FRAMES_PER_RUN = 20  # the default --snapshot-every is steps / FRAMES_PER_RUN


def add_parser(subcommands: Any) -> argparse.ArgumentParser:
    from minigan.cli.train import add_training_options

    parser = subcommands.add_parser(
        "compare",
        help="train GAN, WGAN-clip, WGAN-SN and WGAN-GP side by side and animate them",
        description="Train GAN, WGAN with weight clipping, WGAN with spectral normalisation and WGAN-GP from "
                    "the same seed on one data set; write compare.gif, compare.html, w1_curves.png and "
                    "summary.md to --out. Unset options take the preset's values (quick by default).",
    )
    parser.add_argument("--out", required=True, help="folder for the four runs and the comparison; required")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace the runs of an earlier compare in --out (default: refuse)")
    add_training_options(parser, method_options=False, snapshot_default=f"--steps / {FRAMES_PER_RUN}")
    parser.set_defaults(run=run_command)
    return parser


def _configs(arguments: argparse.Namespace, out: Path) -> dict[str, Any]:
    from minigan.cli.train import given_settings
    from minigan.gan.config import TrainConfig

    given = given_settings(arguments)
    given.setdefault("preset", "quick")
    configs = {}
    for name, (loss, lipschitz) in METHODS.items():
        config = TrainConfig(loss=loss, lipschitz=lipschitz, out=str(out / name.lower()), **given)
        if config.snapshot_every is None:
            config = config.replace(snapshot_every=max(config.steps // FRAMES_PER_RUN, 1))
        configs[name] = config
    return configs


def run_command(arguments: argparse.Namespace) -> int:
    """Run ``minigan compare``; returns the exit status."""
    from minigan import backend
    from minigan.backend import BackendUnavailableError
    from minigan.cli.train import clear_frames, error_message
    from minigan.gan import data as datasets
    from minigan.gan.methods import run_title
    from minigan.gan.trainer import CHECKPOINT_NAME, TrainingDiverged, prepare

    def fail(message: str) -> int:
        print(f"minigan compare: {message}", file=sys.stderr)
        return EXIT_USAGE

    try:
        configs = _configs(arguments, Path(arguments.out))  # before the folder is made: a bad option leaves no trace
        datasets.require(next(iter(configs.values())).data)  # a missing extra (digits: scikit-learn) said now
        earlier = [name for name, config in configs.items() if (Path(config.out) / CHECKPOINT_NAME).exists()]
        if earlier and not arguments.overwrite:
            raise UsageError(f"--out {arguments.out} holds the runs of an earlier compare ({', '.join(earlier)}); "
                             "pass --overwrite to replace them, or choose another --out")
        out = prepare_out_folder(arguments.out)
        configs = _configs(arguments, out)
    except UsageError as error:
        return fail(str(error))
    except ImportError as error:
        return fail(str(error).splitlines()[0])
    except (ValueError, BackendUnavailableError) as error:
        return fail(error_message(error))
    except OSError as error:
        return fail(f"cannot use --out {arguments.out}: {os_error_message(error)}")
    backend.tune_malloc()  # process-wide: only where a command asks for it
    runs: dict[str, Any] = {}
    seconds: dict[str, float] = {}
    current = None
    try:
        for name, config in configs.items():
            print(f"training {name} ({run_title(config)}, {config.steps} steps)", flush=True)
            folder = Path(config.out)
            folder.mkdir(parents=True, exist_ok=True)
            clear_frames(folder)
            current = prepare(config, overwrite=True)
            started = time.perf_counter()
            current.fit(progress=not arguments.no_progress)
            seconds[name] = time.perf_counter() - started
            runs[name] = current
    except TrainingDiverged as error:
        print(f"minigan compare: {name}: {error}", file=sys.stderr)
        return EXIT_DIVERGED
    except KeyboardInterrupt:
        step = current.step if current is not None else 0
        print(f"\nminigan compare: interrupted at step {step} of {name}; the finished runs are kept",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    except (ValueError, BackendUnavailableError) as error:
        return fail(error_message(error))
    except OSError as error:
        return fail(f"cannot write to --out {arguments.out}: {os_error_message(error)}")
    try:
        paths = write_comparison(out, runs)
        table = summary_table(runs, seconds)
        (out / "summary.md").write_text(table + "\n", encoding="utf-8")
    except OSError as error:
        return fail(f"cannot write to --out {arguments.out}: {os_error_message(error)}")
    print(table)
    for path in [*paths, out / "summary.md"]:
        print(f"wrote {path}")
    return 0


def write_comparison(out: Path, runs: dict[str, Any]) -> list[Path]:
    """compare.gif, grid frames, compare.html and w1_curves.png for finished runs (name → Run)."""
    from minigan.animation import record_grid, save_frames_gif
    from minigan.cli.pages import write_compare_page
    from minigan.plot import save_figure

    first = next(iter(runs.values()))
    data = first.data
    histories = {name: run.history for name, run in runs.items()}
    # the one recorder: each grid frame drawn once, for the PNGs, the GIF and the page alike
    frames = record_grid({name: run.snapshots for name, run in runs.items()}, plot_range=data.plot_range,
                         image_shape=data.image_shape, columns=len(runs), histories=histories)
    frames_folder = out / "frames"
    if frames_folder.is_dir():
        for old in frames_folder.glob("frame_*.png"):
            old.unlink()
    frames_folder.mkdir(parents=True, exist_ok=True)
    for frame in frames:
        (frames_folder / f"frame_{frame.step:06d}.png").write_bytes(frame.png)
    gif = save_frames_gif(frames, out / "compare.gif")
    page = write_compare_page(out / "compare.html", frames, histories,
                              f"{_names(runs)} on {first.config.data}")
    curves = save_figure(w1_comparison_figure(runs), out / "w1_curves.png")
    return [gif, page, curves]


def _names(runs: dict[str, Any]) -> str:
    names = list(runs)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def w1_comparison_figure(runs: dict[str, Any]) -> Any:
    """The exact W₁ of every run against the generator step, a point per log step."""
    from minigan.plot import new_figure

    figure, ax = new_figure(7.0, 4.0)
    for name, run in runs.items():
        ax.plot(run.history.column("step"), run.history.column("w1_exact"), "o-", ms=3, label=name)
    ax.set_xlabel("generator step")
    ax.set_ylabel("exact W₁ (samples)")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend()
    first = next(iter(runs.values())).config
    ax.set_title(f"{first.data}, preset {first.preset}, seed {first.seed}")
    return figure


def summary_table(runs: dict[str, Any], seconds: dict[str, float]) -> str:
    """A Markdown table: method, final exact W₁, modes covered, wall time."""
    digits = "w1_floor" in next(iter(runs.values())).history.last()
    if digits:  # the floor of real digits beside the exact W₁, the classifier's count as the modes
        lines = ["| method | final exact W₁ | real digits' W₁ (floor) | digits made | mean confidence "
                 "| wall time (s) |", "|---|---:|---:|---:|---:|---:|"]
    else:
        lines = ["| method | final exact W₁ | modes covered | wall time (s) |", "|---|---:|---:|---:|"]
    for name, run in runs.items():
        last = run.history.last()
        modes = last.get("modes_covered", math.nan)
        if digits:
            lines.append(f"| {name} | {last['w1_exact']:.3f} | {last['w1_floor']:.3f} | {int(modes)}/10 | "
                         f"{last['mean_confidence']:.2f} | {seconds[name]:.1f} |")
            continue
        total = "" if run.data.mode_centres is None else f"/{len(run.data.mode_centres)}"
        modes_text = "–" if math.isnan(modes) else f"{int(modes)}{total}"
        lines.append(f"| {name} | {last['w1_exact']:.3f} | {modes_text} | {seconds[name]:.1f} |")
    from minigan.cli.train import shortfall_note

    notes = [f"{name}: {note}" for name, run in runs.items() if (note := shortfall_note(run)) is not None]
    return "\n".join(lines + ([""] + notes if notes else []))
