"""The ``minigan`` command (also ``python -m minigan``).

Subcommands are thin: each lives in its own module of this package (train, tour, ...),
parses its arguments and calls the library.

    minigan --version
    minigan lessons            list the lessons
    minigan lesson N           run lesson N
    minigan tour               run every lesson and write the course site (tour/index.html)
    minigan notebooks [N ...]  every lesson as an executed Jupyter notebook
    minigan train --out runs/NAME [--preset quick|paper] [--snapshot-every N]
    minigan compare --data 8gaussians --out runs/CMP     GAN, WGAN-clip, WGAN-SN, WGAN-GP side by side
    minigan exercises DIR      a student workspace (or worked solutions with --solutions)
    minigan check [N ...]      check the student's exercises, with named hints
    minigan lab [--preset P]   the live lab: steer a GAN in the browser while it trains

Every subcommand is registered in :func:`build_parser`, one block each; options of ``train`` and
``compare`` come from the table in :mod:`minigan.cli.train`.

Exit statuses: 0 done, 1 training diverged, 2 a usage or file-system problem (one line on
stderr, never a traceback), 130 interrupted by Ctrl-C.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

import minigan


class CommandParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line naming the flag, exit status 2 (argparse's own
    prints the whole usage first). Subcommand parsers inherit it."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = CommandParser(
        prog="minigan",
        description="A from-scratch lab for Wasserstein GANs: train toy GANs, run the lessons.",
    )
    parser.add_argument("--version", action="version", version=f"minigan {minigan.__version__}")
    subcommands = parser.add_subparsers(dest="command", metavar="COMMAND")

    # Every subcommand is registered here, one block each, in the order --help lists them.
    from minigan.cli import tour

    tour.add_lessons_parser(subcommands)
    tour.add_lesson_parser(subcommands)
    tour.add_tour_parser(subcommands)

    from minigan.cli import notebooks

    notebooks.add_parser(subcommands)

    from minigan.cli import train as train_command

    train_command.add_parser(subcommands)

    from minigan.cli import compare

    compare.add_parser(subcommands)

    from minigan.cli import exercises as exercises_command

    exercises_command.add_parsers(subcommands)  # exercises, check

    from minigan.lab import cli as lab_command

    lab_command.add_parser(subcommands)  # minigan lab: the live lab (minigan/lab/)
    return parser


def check_backend(name: str | None) -> str | None:
    """None when ``--backend name`` can be used here, else the one-line reason (CuPy missing, no GPU,
    an unknown name). The active backend is left as it was."""
    if name is None:
        return None
    from minigan import backend

    previous = backend.name()
    try:
        backend.use(name)
    except (backend.BackendUnavailableError, ValueError) as error:
        return f"--backend {name}: {error}"
    backend.use(previous)
    return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    arguments = parser.parse_args(argv)
    if arguments.command is None:
        parser.print_help()
        return 0
    problem = check_backend(getattr(arguments, "backend", None))  # every subcommand, before any work
    if problem is not None:
        print(f"minigan {arguments.command}: {problem}", file=sys.stderr)
        return 2
    from minigan.cli.common import apply_threads

    apply_threads(getattr(arguments, "threads", None))  # train, compare (lessons get it via their environment)
    return int(arguments.run(arguments) or 0)


if __name__ == "__main__":
    sys.exit(main())
