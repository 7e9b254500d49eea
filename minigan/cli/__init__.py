"""The ``minigan`` command (also ``python -m minigan``).

Subcommands are thin: each lives in its own module of this package (train, tour, ...),
parses its arguments and calls the library.

    minigan --version
    minigan train --data 8gaussians --loss wgan --lipschitz gp --steps 2000 --out runs/NAME
    minigan lessons            list the lessons
    minigan lesson N           run lesson N
    minigan tour               run every lesson and write an index.html gallery
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import minigan


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="minigan",
        description="A from-scratch lab for Wasserstein GANs: train toy GANs, run the lessons.",
    )
    parser.add_argument("--version", action="version", version=f"minigan {minigan.__version__}")
    subcommands = parser.add_subparsers(dest="command", metavar="COMMAND")

    from minigan.cli import train as train_command

    train_command.add_parser(subcommands)

    from minigan.cli import tour

    tour.add_parsers(subcommands)
    from minigan.cli import exercises as exercises_command

    exercises_command.add_parsers(subcommands)  # exercises, check
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    arguments = parser.parse_args(argv)
    if arguments.command is None:
        parser.print_help()
        return 0
    return int(arguments.run(arguments) or 0)


if __name__ == "__main__":
    sys.exit(main())
