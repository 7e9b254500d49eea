"""The ``minigan train`` subcommand: train a toy GAN from the shell, watch it, draw its figures.

    minigan train --out runs/NAME                                # quick preset: WGAN-GP on 8 Gaussians
    minigan train --out runs/NAME --snapshot-every 50            # + training.gif and training.html
    minigan train --out runs/NAME --preset paper --steps 2000    # the WGAN-GP toy script's settings
    minigan train --out runs/NAME --resume --steps 4000          # continue a run further

Writes into the out folder: ``checkpoint.npz``, ``history.csv``, ``history.json``,
``config.json`` (the preset and every resolved setting), and the figures ``samples.png``
(samples over the critic's contours), ``w1_curves.png`` (exact W₁, and the critic's estimate for a
WGAN), ``gradient_norms.png`` and, with weight clipping, ``critic_weights.png``. With
``--snapshot-every N``: ``frames/frame_<step>.png`` as training goes, then ``training.gif`` and
``training.html``. Options left out take the preset's values (see ``minigan.gan.config``).
Exit status: 0 done, 1 diverged, 2 bad arguments, an unusable folder or checkpoint, 130 Ctrl-C.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path
from typing import Any

from minigan.cli.common import (
    EXIT_DIVERGED,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    UsageError,
    non_negative_float,
    non_negative_int,
    os_error_message,
    positive_float,
    positive_int,
    prepare_out_folder,
)

__all__ = ["add_parser", "run_command", "config_from_arguments", "add_training_options", "FLAGS"]

FRAMES_FOLDER = "frames"

# The flag a user types for each TrainConfig field, so that an error names what was typed.
FLAGS = {
    "data": "--data", "loss": "--loss", "lipschitz": "--lipschitz", "steps": "--steps", "seed": "--seed",
    "backend": "--backend", "batch_size": "--batch-size", "n_critic": "--n-critic", "optimizer": "--optimizer",
    "lr": "--lr", "lr_schedule": "--lr-schedule", "generator_lr": "--generator-lr", "gp_weight": "--gp-weight",
    "clip_value": "--clip", "noise_dim": "--noise-dim", "log_every": "--log-every",
    "metric_samples": "--metric-samples", "checkpoint_every": "--checkpoint-every",
    "snapshot_every": "--snapshot-every", "generator_hidden": "--generator-hidden/--hidden",
    "critic_hidden": "--critic-hidden/--hidden", "generator_activation": "--activation",
    "critic_activation": "--activation", "preset": "--preset", "out": "--out", "resume": "--resume",
    "overwrite": "--overwrite",
}


def flag_message(message: str) -> str:
    """A library message with TrainConfig field names replaced by the flags that set them
    ("generator_activation must be ..." → "--activation must be ..."); "resume=True" → "--resume"."""
    message = re.sub(r"\b(resume|overwrite)=True\b", lambda m: f"--{m.group(1)}", message)
    message = re.sub(r"\((--resume|--overwrite)\) ", "", message)
    return re.sub(r"\b(" + "|".join(sorted(FLAGS, key=len, reverse=True)) + r")\b(?=:| must| entry| has)",
                  lambda m: FLAGS[m.group(1)], message)


def _widths(text: str) -> tuple[int, ...]:
    try:
        widths = tuple(int(part) for part in text.replace("x", ",").split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated layer widths like 64,64,64; got {text!r}"
        ) from None
    if not widths:
        raise argparse.ArgumentTypeError(f"expected at least one hidden layer width like 64,64,64; got {text!r}")
    if any(w < 1 for w in widths):
        raise argparse.ArgumentTypeError(f"layer widths must be positive, got {text!r}")
    return widths


def _preset_help(name: str, describe: Any) -> str:
    """" (quick: X; paper: Y)" for a field, from the presets' own table."""
    from minigan.gan.config import preset_values

    return f"(quick: {describe(preset_values('quick'), name)}; paper: {describe(preset_values('paper'), name)})"


def add_training_options(parser: argparse.ArgumentParser, *, method_options: bool = True,
                         snapshot_default: str = "none") -> None:
    """The options ``train`` and ``compare`` share. Their defaults are None so that a resumed run
    can tell what was typed; the help says what None becomes."""
    from minigan.gan.config import ACTIVATION_NAMES, LIPSCHITZ_METHODS, LOSSES, LR_SCHEDULES, OPTIMIZERS, PRESETS
    from minigan.gan.data import available

    def value(values: dict, name: str) -> str:
        item = values[name]
        return ",".join(map(str, item)) if isinstance(item, tuple) else str(item)

    def rates(values: dict, name: str) -> str:
        from minigan.gan.config import _PAPER_LR, _QUICK_LR

        table = _QUICK_LR if values["lr_schedule"] == "linear" else _PAPER_LR
        return f"Adam {table['adam']:g}, RMSprop {table['rmsprop']:g}"

    parser.add_argument("--preset", choices=PRESETS, default=None,
                        help="where unset options take their values: quick (small networks, a decaying "
                             "rate; the default of a fresh run) or paper (the WGAN-GP toy script / WGAN "
                             "paper settings)")
    parser.add_argument("--data", default=None, choices=available(), help="data set (default 8gaussians)")
    if method_options:
        parser.add_argument("--loss", default=None, choices=LOSSES, help="gan, gan-ns or wgan (default wgan)")
        parser.add_argument("--lipschitz", default=None, choices=LIPSCHITZ_METHODS,
                            help="none, clip (weight clipping), sn (spectral norm) or gp (gradient penalty); "
                                 "default: gp for --loss wgan, none for the GAN losses")
        parser.add_argument("--optimizer", choices=OPTIMIZERS, default=None,
                            help="default: rmsprop with --lipschitz clip, adam otherwise")
    parser.add_argument("--steps", type=non_negative_int, default=None,
                        help=f"generator steps {_preset_help('steps', value)}")
    parser.add_argument("--seed", type=non_negative_int, default=None, help="random seed (default 0)")
    parser.add_argument("--backend", choices=("numpy", "strict", "cupy"), default=None,
                        help="array backend (default: MINIGAN_BACKEND or numpy)")
    parser.add_argument("--batch-size", type=positive_int, default=None,
                        help="points per batch (quick: 256; paper: 256, or 64 with clipping or off the 2-D "
                             "toy sets)")
    parser.add_argument("--n-critic", type=positive_int, default=None,
                        help="critic steps per generator step (default: 5 for wgan, 1 for the GAN losses)")
    parser.add_argument("--lr", type=positive_float, default=None,
                        help=f"learning rate of both networks {_preset_help('lr', rates)}")
    parser.add_argument("--lr-schedule", choices=LR_SCHEDULES, default=None,
                        help=f"constant, or linear decay to 0 over --steps {_preset_help('lr_schedule', value)}")
    parser.add_argument("--generator-lr", type=positive_float, default=None,
                        help="the generator's rate (default: --lr)")
    parser.add_argument("--gp-weight", type=non_negative_float, default=None,
                        help="λ of the gradient penalty (default: 0.1 for data of dimension ≤ 2, 10 above)")
    parser.add_argument("--clip", type=positive_float, default=None, dest="clip_value",
                        help="c of weight clipping (default 0.01)")
    parser.add_argument("--hidden", type=_widths, default=None,
                        help=f"hidden widths of both networks {_preset_help('critic_hidden', value)}")
    parser.add_argument("--generator-hidden", type=_widths, default=None, help="the generator's (default: --hidden)")
    parser.add_argument("--critic-hidden", type=_widths, default=None, help="the critic's (default: --hidden)")
    parser.add_argument("--activation", default=None, choices=ACTIVATION_NAMES,
                        help="activation of both networks (default relu)")
    parser.add_argument("--noise-dim", type=positive_int, default=None,
                        help="dimension of z (default 2; 16 for the digits)")
    parser.add_argument("--log-every", type=positive_int, default=None,
                        help=f"a history row and exact W₁ every N steps {_preset_help('log_every', value)}")
    parser.add_argument("--metric-samples", type=positive_int, default=None,
                        help="points per side for the exact W₁ (default 1000; 500 for data of dimension > 2)")
    parser.add_argument("--checkpoint-every", type=non_negative_int, default=None,
                        help="a checkpoint every N steps, 0 only at the end (default 500)")
    parser.add_argument("--snapshot-every", type=positive_int, default=None,
                        help=f"a frame every N steps: frames/ and the animations (default: {snapshot_default})")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar (default: shown)")
    from minigan.cli.common import add_threads_option

    add_threads_option(parser)


def add_parser(subcommands: Any) -> argparse.ArgumentParser:
    """Add ``train`` to an argparse sub-parser collection; its ``run`` default is :func:`run_command`."""
    parser = subcommands.add_parser(
        "train",
        help="train a GAN/WGAN on toy data; watch it with --snapshot-every",
        description="Train a GAN or WGAN on a toy data set; write checkpoint, history and figures to --out. "
                    "Unset options take the preset's values (quick by default) for the chosen loss and "
                    "Lipschitz method; options given explicitly win.",
    )
    parser.add_argument("--out", required=True, help="run folder (checkpoint, history, figures); required")
    parser.add_argument("--resume", action="store_true",
                        help="continue the run saved in --out with its saved settings (default: off)")
    parser.add_argument("--overwrite", action="store_true",
                        help="start afresh even if --out holds a checkpoint (default: off)")
    add_training_options(parser)
    parser.add_argument("--no-figures", action="store_true", help="skip the figures (default: drawn)")
    parser.set_defaults(run=run_command)
    return parser


def given_settings(arguments: argparse.Namespace) -> dict[str, Any]:
    """The TrainConfig fields the command line sets explicitly (None-valued options left out)."""
    names = ("preset", "data", "loss", "lipschitz", "steps", "seed", "backend", "batch_size", "n_critic",
             "optimizer", "lr", "lr_schedule", "generator_lr", "gp_weight", "clip_value", "noise_dim", "log_every",
             "metric_samples", "checkpoint_every", "snapshot_every")
    given = {name: getattr(arguments, name, None) for name in names}
    given["generator_hidden"] = arguments.generator_hidden or arguments.hidden
    given["critic_hidden"] = arguments.critic_hidden or arguments.hidden
    given["generator_activation"] = given["critic_activation"] = arguments.activation
    return {name: value for name, value in given.items() if value is not None}


def config_from_arguments(arguments: argparse.Namespace) -> Any:
    """The TrainConfig the command line asks for.

    A fresh run: the options given, the preset's values (quick unless --preset) for the rest. With
    ``--resume``: the config saved in the run folder's checkpoint, with the options given on top
    (so ``--resume --steps 4000`` just trains further; changing the architecture is refused later).
    """
    from minigan.gan import checkpoint
    from minigan.gan.config import TrainConfig
    from minigan.gan.trainer import CHECKPOINT_NAME

    given = given_settings(arguments)
    given["out"] = arguments.out
    if arguments.resume:
        saved = checkpoint.load(Path(arguments.out) / CHECKPOINT_NAME).config
        return TrainConfig.from_dict({**saved, **given})
    given.setdefault("preset", "quick")
    return TrainConfig(**given)


def run_command(arguments: argparse.Namespace) -> int:
    """Run ``minigan train``; returns the exit status."""
    from minigan.backend import BackendUnavailableError
    from minigan.gan.checkpoint import CheckpointError
    from minigan.gan.trainer import TrainingDiverged, prepare

    def fail(message: str) -> int:
        print(f"minigan train: {flag_message(message)}", file=sys.stderr)
        return EXIT_USAGE

    try:
        if arguments.resume and arguments.overwrite:
            raise UsageError("--resume and --overwrite contradict each other: choose one")
        config = config_from_arguments(arguments)  # before the folder is made: a bad option leaves no trace
        require_data(config.data)
        out = prepare_out_folder(arguments.out)
        run = prepare(config, resume=arguments.resume, overwrite=arguments.overwrite)
        if arguments.resume and config.steps <= run.step:
            raise UsageError(f"--steps {config.steps}: the run in {out} has already done {run.step} steps; "
                             f"ask for more than {run.step} to continue it")
        if not arguments.resume:
            clear_frames(out)
    except UsageError as error:
        return fail(str(error))
    except (CheckpointError, FileExistsError, ValueError, BackendUnavailableError, ImportError) as error:
        return fail(str(error))
    except OSError as error:
        return fail(f"cannot use --out {arguments.out}: {os_error_message(error)}")
    watcher = FrameWriter(out, run) if config.snapshot_every else None
    try:
        run.fit(progress=not arguments.no_progress, on_snapshot=watcher)
    except TrainingDiverged as error:
        print(f"minigan train: {error}", file=sys.stderr)
        return EXIT_DIVERGED
    except KeyboardInterrupt:
        kept = (f"last checkpoint at step {run.last_checkpoint_step} kept" if run.last_checkpoint_step is not None
                else "no checkpoint had been written")
        print(f"\nminigan train: interrupted at step {run.step}; {kept}", file=sys.stderr)
        if watcher is not None:
            watcher.finish(quiet=True)
        return EXIT_INTERRUPTED
    except OSError as error:
        return fail(f"cannot write to --out {arguments.out}: {os_error_message(error)}")
    print(summary_line(run))
    note = shortfall_note(run)
    if note is not None:
        print(note)
    try:
        if watcher is not None:
            for path in watcher.finish():
                print(f"animation: {path}")
        if not arguments.no_figures:
            from minigan.plot import save_run_figures

            for path in save_run_figures(run):
                print(f"figure: {path}")
    except OSError as error:
        return fail(f"cannot write to --out {arguments.out}: {os_error_message(error)}")
    except KeyboardInterrupt:
        print(f"\nminigan train: interrupted while drawing; the run is complete at step {run.step} "
              "(checkpoint and history written)", file=sys.stderr)
        return EXIT_INTERRUPTED
    print(f"run folder: {run.out}")
    return 0


def shortfall_note(run: Any) -> str | None:
    """One line saying why a run left modes uncovered and how to do better, or None (issue 22).

    The quick preset's 2,000 steps are short for some methods and data: weight clipping at
    c = 0.01 leaves the critic too weak and slow to separate the modes (lesson 09), and the 25
    Gaussians need more than 64-wide networks and 2,000 steps to place 25 modes (lesson 11)."""
    import math

    last, config = run.history.last(), run.config
    modes = last.get("modes_covered", math.nan)
    centres = run.data.mode_centres
    if math.isnan(modes) or centres is None or modes >= len(centres):
        return None
    covered = f"{int(modes)}/{len(centres)} modes after {run.step} steps"
    if config.lipschitz == "clip":
        reason = ("weight clipping at c = 0.01 keeps the critic too weak and too slow to tell the modes apart "
                  "(lesson 09, python lessons/09_weight_clipping.py)")
    elif config.data == "25gaussians":
        reason = ("25 modes need wider networks and more steps than the quick preset gives "
                  "(lesson 11, python lessons/11_gradient_penalty.py)")
    else:
        reason = "the run is short for this method and data (lesson 12, python lessons/12_meaningful_loss_curves.py)"
    return f"note: {covered}: {reason}; for better coverage train longer (--steps 10000) or with --preset paper"


def require_data(name: str) -> None:
    """Load a data set that needs an optional extra (the digits: scikit-learn) before anything is
    written, so that a missing extra is one line naming it and leaves no run folder behind."""
    if name == "digits":
        from minigan.gan.data import digits

        digits()


def summary_line(run: Any) -> str:
    """The last history row in words: the discriminator's numbers for a GAN, the critic's for a WGAN."""
    import math

    last, config = run.history.last(), run.config
    text = f"step {run.step}: exact W1 {last['w1_exact']:.4f}"
    if "w1_floor" in last:  # the digits: the floor of real digits, and the classifier's count
        text += (f" (held-out real digits: {last['w1_floor']:.4f}), digits made {int(last['modes_covered'])}/10, "
                 f"mean classifier confidence {last['mean_confidence']:.2f}")
    modes = last.get("modes_covered", math.nan)
    if not math.isnan(modes) and run.data.mode_centres is not None:
        text += f", modes covered {int(modes)}/{len(run.data.mode_centres)}"
    if config.loss == "wgan":
        text += f", critic estimate {last['w1_critic']:.4f}"
        if config.lipschitz == "gp":
            text += f", mean gradient norm {last['grad_norm_mean']:.3f} (the penalty's target is 1)"
    else:
        text += (f", D loss {last['critic_loss']:.4f}, mean D(real) {last['d_real_mean']:.3f}, "
                 f"mean D(fake) {last['d_fake_mean']:.3f} (½ and ½ at equilibrium)")
    return text + f", {last['wall_time']:.1f} s"


def clear_frames(out: Path) -> None:
    """A fresh run in a reused folder: drop the old run's frames and snapshots."""
    from minigan.gan.snapshots import SNAPSHOT_FOLDER

    for name in (FRAMES_FOLDER, SNAPSHOT_FOLDER):
        if (out / name).is_dir():
            shutil.rmtree(out / name)


class FrameWriter:
    """The snapshot callback of ``minigan train``: the library's one recorder
    (:class:`minigan.animation.Recorder`) draws each snapshot once — ``frames/frame_<step>.png`` as
    training goes — and at the end ``training.gif`` and ``training.html`` come from those same frames."""

    def __init__(self, out: Path, run: Any):
        from minigan.animation import Recorder

        self.out, self.run = out, run
        self.recorder = Recorder.for_run(run, out)

    def title(self) -> str:
        return self.recorder.title or ""

    def __call__(self, run: Any, snapshot: dict) -> None:
        self.recorder(run, snapshot)

    def finish(self, quiet: bool = False) -> list[Path]:
        """training.gif and training.html (earlier sessions' snapshots of a resumed run included)."""
        from minigan.cli.pages import write_training_page
        from minigan.gan.snapshots import SNAPSHOT_FOLDER, load_snapshots

        recorder, run = self.recorder, self.run
        recorder.add_earlier(load_snapshots(self.out / SNAPSHOT_FOLDER), run.history)
        if not recorder.frames:
            return []
        gif = recorder.save_gif(self.out / "training.gif")
        page = write_training_page(self.out / "training.html", recorder.ordered(), run.history, self.title())
        return [] if quiet else [gif, page]
