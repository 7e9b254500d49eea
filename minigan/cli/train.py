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
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
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

__all__ = ["add_parser", "run_command", "config_from_arguments", "add_training_options", "given_settings",
           "error_message", "Option", "OPTIONS", "FLAGS"]

FRAMES_FOLDER = "frames"

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


@dataclass(frozen=True)
class Option:
    """One option of ``train`` (and ``compare``): its flag, the TrainConfig fields it sets and the
    argparse settings. ``help`` may be a function (called when the parser is built: the presets'
    values are looked up then). ``method=True``: it chooses the method, so ``compare`` (which runs
    every method) does not offer it. A flag that sets two fields (--hidden, --activation) is
    overridden by a flag that sets one of them (--critic-hidden)."""

    flag: str
    fields: tuple[str, ...]
    settings: dict[str, Any]
    help: str | Callable[[], str]
    method: bool = False

    @property
    def dest(self) -> str:
        return self.settings.get("dest", self.flag.lstrip("-").replace("-", "_"))


def _value(values: dict, name: str) -> str:
    item = values[name]
    return ",".join(map(str, item)) if isinstance(item, tuple) else str(item)


def _rates(values: dict, name: str) -> str:
    from minigan.gan.config import PRESET_RATES

    table = PRESET_RATES["quick" if values["lr_schedule"] == "linear" else "paper"]
    return f"Adam {table['adam']:g}, RMSprop {table['rmsprop']:g}"


def _choices(name: str) -> Callable[[], tuple[str, ...]]:
    def choices() -> tuple[str, ...]:
        from minigan.gan import config
        from minigan.gan.data import available

        return available() if name == "data" else getattr(config, name)
    return choices


# Every option that sets a TrainConfig field, once: the parser, the settings a command line gives
# (given_settings) and the flag an error names (FLAGS) are all built from this table.
OPTIONS: tuple[Option, ...] = (
    Option("--preset", ("preset",), {"choices": _choices("PRESETS")},
           "where unset options take their values: quick (small networks, a decaying rate; the default of "
           "a fresh run) or paper (the WGAN-GP toy script / WGAN paper settings)"),
    Option("--data", ("data",), {"choices": _choices("data")}, "data set (default 8gaussians)"),
    Option("--loss", ("loss",), {"choices": _choices("LOSSES")}, "gan, gan-ns or wgan (default wgan)", method=True),
    Option("--lipschitz", ("lipschitz",), {"choices": _choices("LIPSCHITZ_METHODS")},
           lambda: ", ".join(f"{m.name} ({m.description})" for m in _methods().values())
           + "; default: gp for --loss wgan, none for the GAN losses", method=True),
    Option("--optimizer", ("optimizer",), {"choices": _choices("OPTIMIZERS")},
           lambda: "default: " + ", ".join(f"{m.optimizer} with --lipschitz {m.name}" for m in _methods().values()
                                           if m.optimizer != "adam") + ", adam otherwise", method=True),
    Option("--steps", ("steps",), {"type": non_negative_int},
           lambda: f"generator steps {_preset_help('steps', _value)}"),
    Option("--seed", ("seed",), {"type": non_negative_int}, "random seed (default 0)"),
    Option("--backend", ("backend",), {"choices": ("numpy", "strict", "cupy")},
           "array backend (default: MINIGAN_BACKEND or numpy)"),
    Option("--batch-size", ("batch_size",), {"type": positive_int},
           "points per batch (quick: 256; paper: 256, or 64 with clipping or off the 2-D toy sets)"),
    Option("--n-critic", ("n_critic",), {"type": positive_int},
           "critic steps per generator step (default: 5 for wgan, 1 for the GAN losses)"),
    Option("--lr", ("lr",), {"type": positive_float},
           lambda: f"learning rate of both networks {_preset_help('lr', _rates)}"),
    Option("--lr-schedule", ("lr_schedule",), {"choices": _choices("LR_SCHEDULES")},
           lambda: "constant, or linear decay over --steps to 1/steps of the rate at the last step "
                   f"{_preset_help('lr_schedule', _value)}"),
    Option("--generator-lr", ("generator_lr",), {"type": positive_float}, "the generator's rate (default: --lr)"),
    Option("--gp-weight", ("gp_weight",), {"type": non_negative_float},
           "λ of the gradient penalty (default: 0.1 for data of dimension ≤ 2, 10 above)"),
    Option("--clip", ("clip_value",), {"type": positive_float, "dest": "clip_value"},
           "c of weight clipping (default 0.01)"),
    Option("--hidden", ("generator_hidden", "critic_hidden"), {"type": _widths},
           lambda: f"hidden widths of both networks {_preset_help('critic_hidden', _value)}"),
    Option("--generator-hidden", ("generator_hidden",), {"type": _widths}, "the generator's (default: --hidden)"),
    Option("--critic-hidden", ("critic_hidden",), {"type": _widths}, "the critic's (default: --hidden)"),
    Option("--activation", ("generator_activation", "critic_activation"), {"choices": _choices("ACTIVATION_NAMES")},
           "activation of both networks (default relu)"),
    Option("--noise-dim", ("noise_dim",), {"type": positive_int}, "dimension of z (default 2)"),
    Option("--log-every", ("log_every",), {"type": positive_int},
           lambda: f"a history row and exact W₁ every N steps {_preset_help('log_every', _value)}"),
    Option("--metric-samples", ("metric_samples",), {"type": positive_int},
           "points per side for the exact W₁ (default 1000; 500 for data of dimension > 2)"),
    Option("--checkpoint-every", ("checkpoint_every",), {"type": non_negative_int},
           "a checkpoint every N steps, 0 only at the end (default 500)"),
    Option("--snapshot-every", ("snapshot_every",), {"type": positive_int},
           "a frame every N steps: frames/ and the animations (default: {snapshot_default})"),
)


def _methods() -> dict:
    from minigan.gan.methods import METHODS

    return METHODS


def _flags() -> dict[str, str]:
    """TrainConfig field → the flag(s) that set it, the specific one first ("--critic-hidden/--hidden")."""
    flags: dict[str, list[str]] = {}
    for option in sorted(OPTIONS, key=lambda o: len(o.fields)):
        for name in option.fields:
            flags.setdefault(name, []).append(option.flag)
    return {name: "/".join(names) for name, names in flags.items()}


# The flag a user types for each TrainConfig field, so that an error names what was typed.
FLAGS = {**_flags(), "out": "--out"}


def add_training_options(parser: argparse.ArgumentParser, *, method_options: bool = True,
                         snapshot_default: str = "none") -> None:
    """The options ``train`` and ``compare`` share (:data:`OPTIONS`). Their defaults are None so
    that a resumed run can tell what was typed; the help says what None becomes."""
    for option in OPTIONS:
        if option.method and not method_options:
            continue
        settings = dict(option.settings)
        if callable(settings.get("choices")):
            settings["choices"] = settings["choices"]()
        text = option.help() if callable(option.help) else option.help
        parser.add_argument(option.flag, default=None, help=text.replace("{snapshot_default}", snapshot_default),
                            **settings)
    parser.add_argument("--no-progress", action="store_true", help="no progress bar (default: shown)")
    from minigan.cli.common import add_threads_option

    add_threads_option(parser)


def given_settings(arguments: argparse.Namespace) -> dict[str, Any]:
    """The TrainConfig fields the command line sets explicitly (None-valued options left out);
    a flag that sets one field wins over one that sets several."""
    given: dict[str, Any] = {}
    for option in sorted(OPTIONS, key=lambda o: -len(o.fields)):
        value = getattr(arguments, option.dest, None)
        if value is not None:
            given.update(dict.fromkeys(option.fields, value))
    return given


def error_message(error: BaseException) -> str:
    """A library error in the command's words: the setting it names (carried as data by the
    exception) replaced by the flag that sets it."""
    from minigan.gan.checkpoint import CheckpointMismatchError
    from minigan.gan.config import ConfigError
    from minigan.gan.trainer import RunExistsError

    if isinstance(error, ConfigError):
        return f"{FLAGS.get(error.field, error.field)} {error.problem}"
    if isinstance(error, CheckpointMismatchError) and error.differences:
        return (f"checkpoint {error.path} belongs to a different run; it cannot be resumed with these options: "
                + "; ".join(f"{FLAGS.get(name, name)}: {saved!r} in the checkpoint vs {now!r} now"
                            for name, saved, now in error.differences))
    if isinstance(error, RunExistsError):
        return (f"{error.path} already holds a checkpoint; pass --resume to continue that run, --overwrite to "
                "start afresh, or choose another --out")
    return str(error)


def flag_message(message: str | BaseException) -> str:
    """Kept for callers of the earlier name: :func:`error_message` of an exception (a plain
    message is returned as it is)."""
    return error_message(message) if isinstance(message, BaseException) else message


def unused_options(config: Any, given: dict[str, Any]) -> list[str]:
    """The flags given that the run's Lipschitz method does not use (--clip with --lipschitz gp)."""
    from minigan.gan.methods import METHODS

    mine = set(METHODS[config.lipschitz].options)
    return [FLAGS[name] for method in METHODS.values() for name in method.options
            if name in given and name not in mine]


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
    from minigan import backend
    from minigan.backend import BackendUnavailableError
    from minigan.gan import data as datasets
    from minigan.gan.checkpoint import CheckpointError
    from minigan.gan.trainer import TrainingDiverged, prepare

    def fail(message: str) -> int:
        print(f"minigan train: {message}", file=sys.stderr)
        return EXIT_USAGE

    try:
        if arguments.resume and arguments.overwrite:
            raise UsageError("--resume and --overwrite contradict each other: choose one")
        config = config_from_arguments(arguments)  # before the folder is made: a bad option leaves no trace
        datasets.require(config.data)  # a missing extra (digits: scikit-learn): one line, before any file
        unused = unused_options(config, given_settings(arguments))
        if unused:
            raise UsageError(f"{', '.join(unused)} do(es) not apply to --lipschitz {config.lipschitz}: leave it out "
                             "or choose the method it belongs to")
        out = prepare_out_folder(arguments.out)
        run = prepare(config, resume=arguments.resume, overwrite=arguments.overwrite)
        if arguments.resume and config.steps < run.step:
            raise UsageError(f"--steps {config.steps}: the run in {out} has already done {run.step} steps; "
                             f"ask for {run.step} or more")
        if not arguments.resume:
            clear_frames(out)
    except UsageError as error:
        return fail(str(error))
    except ImportError as error:  # a data set whose extra is not installed (digits: scikit-learn)
        return fail(str(error).splitlines()[0])
    except (CheckpointError, FileExistsError, ValueError, BackendUnavailableError) as error:
        return fail(error_message(error))
    except OSError as error:
        return fail(f"cannot use --out {arguments.out}: {os_error_message(error)}")
    # the malloc setting only where the command asks for it (it is process-wide): see backend.tune_malloc
    backend.tune_malloc()
    watcher = FrameWriter(out, run) if config.snapshot_every else None
    try:
        # a finished run (--resume without more --steps) trains no further: what follows writes
        # whatever a kill after its last checkpoint left unwritten (animations, figures)
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

    from minigan.gan.methods import METHODS

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
        if "gradient_target" in METHODS[config.lipschitz].figures:
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
        # frames of steps beyond the run's last (a killed session resumed with fewer --steps) are not its own
        earlier = [s for s in load_snapshots(self.out / SNAPSHOT_FOLDER) if s["step"] <= run.step]
        recorder.add_earlier(earlier, run.history)
        if not recorder.frames:
            return []
        gif = recorder.save_gif(self.out / "training.gif")
        page = write_training_page(self.out / "training.html", recorder.ordered(), run.history, self.title())
        return [] if quiet else [gif, page]
