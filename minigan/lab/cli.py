"""The ``minigan lab`` subcommand: the live lab in the browser.

    minigan lab                              WGAN-GP on the 8 Gaussians, a free port, the browser opens
    minigan lab --preset 09-clipping         lesson 9's scenario
    minigan lab --data swissroll --seed 3 --port 8765 --no-open

Prints one line, ``minigan lab: http://127.0.0.1:PORT/?token=TOKEN`` (a fresh token each start),
and serves until Ctrl-C (exit 0). Exit 2 for a bad option or a port that cannot be bound.
"""

from __future__ import annotations

import argparse
import sys
import threading
from typing import Any

from minigan.cli.common import EXIT_USAGE, non_negative_int

__all__ = ["add_parser", "run_command"]

SMALL_NETWORK = 256  # widths up to this run fastest on one BLAS thread (the lab's step is small)


def _port(text: str) -> int:
    value = non_negative_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"must be a port number 0 to 65535, got {text}")
    return value


def add_parser(subcommands: Any) -> argparse.ArgumentParser:
    from minigan.lab.presets import DEFAULT_PRESET, PRESETS
    from minigan.lab.session import LAB_DATASETS

    parser = subcommands.add_parser(
        "lab",
        help="the live lab: steer a GAN/WGAN in the browser while it trains",
        description="Start the live lab on 127.0.0.1: play, pause, step the critic or the generator, change λ, "
                    "c, n_critic, the rates, the batch size and the method while the run trains, next to the "
                    "exact W₁. Presets open a lesson's scenario.",
    )
    parser.add_argument("--preset", choices=tuple(PRESETS), default=DEFAULT_PRESET,
                        help=f"the scenario to open (default {DEFAULT_PRESET}); lessons: "
                             + ", ".join(name for name, p in PRESETS.items() if p.lesson is not None))
    parser.add_argument("--data", choices=LAB_DATASETS, default=None, help="data set (default: the preset's)")
    parser.add_argument("--seed", type=non_negative_int, default=None, help="random seed (default 0)")
    parser.add_argument("--port", type=_port, default=0, help="port on 127.0.0.1 (default 0: a free one)")
    parser.add_argument("--no-open", action="store_true", help="do not open the browser (default: open it)")
    parser.set_defaults(run=run_command)
    return parser


def wait_until_interrupted() -> None:
    """Block the main thread until Ctrl-C (KeyboardInterrupt); the lab runs in other threads."""
    threading.Event().wait()


def run_command(arguments: argparse.Namespace) -> int:
    """Run ``minigan lab`` until Ctrl-C; returns the exit status."""
    from minigan import backend
    from minigan.lab.server import LabServer
    from minigan.lab.session import LabCommandError, LabSession

    try:
        session = LabSession(arguments.preset, data=arguments.data, seed=arguments.seed)
    except (LabCommandError, ValueError) as error:
        print(f"minigan lab: {error}", file=sys.stderr)
        return EXIT_USAGE
    try:
        server = LabServer(session, port=arguments.port)
    except OSError as error:
        print(f"minigan lab: cannot listen on 127.0.0.1:{arguments.port}: {error.strerror or error}",
              file=sys.stderr)
        return EXIT_USAGE
    widths = (*session.config.generator_hidden, *session.config.critic_hidden)
    if max(widths) <= SMALL_NETWORK:
        backend.set_num_threads(1)  # small matrices: threads cost more than they give
    server.start()
    print(f"minigan lab: {server.url}", flush=True)
    if not arguments.no_open:
        import webbrowser

        threading.Thread(target=webbrowser.open, args=(server.url,), daemon=True).start()
    try:
        wait_until_interrupted()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0
