"""The ``minigan train`` subcommand: train a toy GAN from the shell, then draw its figures.

    minigan train --data 8gaussians --loss wgan --lipschitz gp --steps 2000 --out runs/NAME
    minigan train --out runs/NAME --resume --steps 4000        # continue a run further

Writes into the out folder: ``checkpoint.npz``, ``history.csv``, ``history.json``,
``config.json``, and the figures ``samples.png`` (samples over the critic's contours),
``w1_curves.png`` (critic estimate vs exact W₁), ``gradient_norms.png`` and
``critic_weights.png`` (the pile-up at ±c under clipping). Settings left out take the papers'
defaults (see ``minigan.gan.config``). Exit status: 0 done, 1 diverged, 2 bad arguments or an
unusable checkpoint.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

__all__ = ["add_parser", "run_command", "config_from_arguments"]


def _widths(text: str) -> tuple[int, ...]:
    try:
        widths = tuple(int(part) for part in text.replace("x", ",").split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated layer widths like 512,512,512; got {text!r}"
        ) from None
    if any(w < 1 for w in widths):
        raise argparse.ArgumentTypeError(f"layer widths must be positive, got {text!r}")
    return widths


def add_parser(subcommands: Any) -> argparse.ArgumentParser:
    """Add ``train`` to an argparse sub-parser collection; its ``run`` default is :func:`run_command`."""
    from minigan.gan.config import LIPSCHITZ_METHODS, LOSSES, OPTIMIZERS
    from minigan.gan.data import available

    parser = subcommands.add_parser(
        "train",
        help="train a GAN/WGAN on toy data and draw its figures",
        description="Train a GAN or WGAN on a toy data set; write checkpoint, history and figures to --out. "
                    "Unset options take the papers' defaults for the chosen loss and Lipschitz method.",
    )
    # Defaults are None so that --resume can tell what was given: a resumed run keeps its saved settings.
    parser.add_argument("--data", default=None, choices=available(), help="default 8gaussians")
    parser.add_argument("--loss", default=None, choices=LOSSES, help="default wgan")
    parser.add_argument("--lipschitz", default=None, choices=LIPSCHITZ_METHODS,
                        help="none, clip (weight clipping), sn (spectral norm) or gp "
                             "(gradient penalty, the default)")
    parser.add_argument("--steps", type=int, default=None, help="generator steps (default 2000)")
    parser.add_argument("--out", required=True, help="run folder (checkpoint, history, figures)")
    parser.add_argument("--resume", action="store_true", help="continue the run saved in --out")
    parser.add_argument("--overwrite", action="store_true",
                        help="start afresh even if --out holds a checkpoint")
    parser.add_argument("--backend", choices=("numpy", "strict", "cupy"), default=None)
    parser.add_argument("--seed", type=int, default=None, help="default 0")
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--n-critic", type=int, default=None)
    parser.add_argument("--optimizer", choices=OPTIMIZERS, default=None)
    parser.add_argument("--lr", type=float, default=None)
    parser.add_argument("--generator-lr", type=float, default=None, help="the generator's rate (default: --lr)")
    parser.add_argument("--gp-weight", type=float, default=None, help="λ of the gradient penalty")
    parser.add_argument("--clip", type=float, default=None, dest="clip_value", help="c of weight clipping")
    parser.add_argument("--hidden", type=_widths, default=None,
                        help="hidden widths of both networks, e.g. 512,512,512")
    parser.add_argument("--generator-hidden", type=_widths, default=None)
    parser.add_argument("--critic-hidden", type=_widths, default=None)
    parser.add_argument("--activation", default=None, help="activation of both networks (relu, tanh, ...)")
    parser.add_argument("--noise-dim", type=int, default=None)
    parser.add_argument("--log-every", type=int, default=None)
    parser.add_argument("--metric-samples", type=int, default=None, help="points per side for the exact W₁")
    parser.add_argument("--checkpoint-every", type=int, default=None)
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--no-figures", action="store_true", help="skip the figures")
    parser.set_defaults(run=run_command)
    return parser


def config_from_arguments(arguments: argparse.Namespace) -> Any:
    """The TrainConfig the command line asks for.

    A fresh run: the options given, TrainConfig's defaults for the rest. With ``--resume``: the
    config saved in the run folder's checkpoint, with the options given on top (so
    ``--resume --steps 4000`` just trains further; changing the architecture is refused later).
    """
    from pathlib import Path

    from minigan.gan import checkpoint
    from minigan.gan.config import TrainConfig
    from minigan.gan.trainer import CHECKPOINT_NAME

    given = {
        "data": arguments.data, "loss": arguments.loss, "lipschitz": arguments.lipschitz,
        "steps": arguments.steps, "seed": arguments.seed, "backend": arguments.backend,
        "batch_size": arguments.batch_size, "n_critic": arguments.n_critic, "optimizer": arguments.optimizer,
        "lr": arguments.lr, "generator_lr": arguments.generator_lr, "gp_weight": arguments.gp_weight,
        "clip_value": arguments.clip_value,
        "noise_dim": arguments.noise_dim, "log_every": arguments.log_every,
        "metric_samples": arguments.metric_samples, "checkpoint_every": arguments.checkpoint_every,
        "generator_hidden": arguments.generator_hidden or arguments.hidden,
        "critic_hidden": arguments.critic_hidden or arguments.hidden,
        "generator_activation": arguments.activation, "critic_activation": arguments.activation,
    }
    given = {name: value for name, value in given.items() if value is not None}
    given["out"] = arguments.out
    if arguments.resume:
        saved = checkpoint.load(Path(arguments.out) / CHECKPOINT_NAME).config
        return TrainConfig.from_dict({**saved, **given})
    return TrainConfig(**given)


def run_command(arguments: argparse.Namespace) -> int:
    """Run ``minigan train``; returns the exit status."""
    from minigan.backend import BackendUnavailableError
    from minigan.gan.checkpoint import CheckpointError
    from minigan.gan.trainer import TrainingDiverged, train

    try:
        config = config_from_arguments(arguments)
        run = train(config, resume=arguments.resume, overwrite=arguments.overwrite,
                    progress=not arguments.no_progress)
    except TrainingDiverged as error:
        print(f"minigan train: {error}", file=sys.stderr)
        return 1
    except (CheckpointError, FileExistsError, ValueError, BackendUnavailableError) as error:
        print(f"minigan train: {error}", file=sys.stderr)
        return 2
    last = run.history.last()
    print(f"step {run.step}: exact W1 {last['w1_exact']:.4f}, critic estimate {last['w1_critic']:.4f}, "
          f"{last['wall_time']:.1f} s")
    if not arguments.no_figures:
        from minigan.plot import save_run_figures

        for path in save_run_figures(run):
            print(f"figure: {path}")
    print(f"run folder: {run.out}")
    return 0
