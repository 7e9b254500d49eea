"""What the training subcommands (``train``, ``compare``) share: argument types that name the flag
in their errors, the run folder check, and the one-line error that exits with status 2.

Exit statuses of the ``minigan`` command: 0 done, 1 training diverged, 2 a usage or file-system
problem (a bad option, an unwritable or full ``--out``, an unusable checkpoint), 130 interrupted
(Ctrl-C).
"""

from __future__ import annotations

import argparse
import errno
import os
from pathlib import Path

__all__ = ["UsageError", "thread_count", "add_threads_option", "apply_threads",
           "positive_int", "non_negative_int", "positive_float", "non_negative_float",
           "prepare_out_folder", "os_error_message", "EXIT_DIVERGED", "EXIT_USAGE", "EXIT_INTERRUPTED"]

EXIT_DIVERGED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what a shell reports for a Ctrl-C'd program


class UsageError(Exception):
    """A mistake in the command line or an unusable folder: printed as one line, exit status 2."""


def _number(text: str, kind: type, minimum: float, strict: bool) -> int | float:
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {'an integer' if kind is int else 'a number'}, "
                                         f"got {text!r}") from None
    if kind is float and not value == value or value in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    if value < minimum or (strict and value == minimum):
        raise argparse.ArgumentTypeError(f"must be {'>' if strict else '≥'} {minimum:g}, got {text}")
    return value


def positive_int(text: str) -> int:
    """argparse type: an integer ≥ 1."""
    return int(_number(text, int, 1, strict=False))


def non_negative_int(text: str) -> int:
    """argparse type: an integer ≥ 0."""
    return int(_number(text, int, 0, strict=False))


def positive_float(text: str) -> float:
    """argparse type: a finite number > 0."""
    return float(_number(text, float, 0, strict=True))


def non_negative_float(text: str) -> float:
    """argparse type: a finite number ≥ 0."""
    return float(_number(text, float, 0, strict=False))


def thread_count(text: str) -> int:
    """argparse type of ``--threads``: an integer from 1 to minigan.backend.parallel.MAX_THREADS."""
    from minigan.backend.parallel import MAX_THREADS

    value = int(_number(text, int, 1, strict=False))
    if value > MAX_THREADS:
        raise argparse.ArgumentTypeError(f"at most {MAX_THREADS} (4 per CPU of this machine), got {text}")
    return value


def add_threads_option(parser: argparse.ArgumentParser) -> None:
    """``--threads N``: the same setting as MINIGAN_NUM_THREADS and minigan.backend.set_num_threads."""
    parser.add_argument("--threads", type=thread_count, default=None,
                        help="most threads for matrix products and element-wise work (default: "
                             "MINIGAN_NUM_THREADS, else the CPUs; operations below the measured crossover, "
                             "and all of them while other programs keep the cores busy, use one)")


def apply_threads(threads: int | None) -> None:
    """Make ``--threads N`` minigan's thread count (no-op for None)."""
    if threads is not None:
        from minigan.backend import set_num_threads

        set_num_threads(threads)


def os_error_message(error: OSError) -> str:
    """``strerror`` of an OSError with the file it concerns ("No space left on device: runs/x")."""
    reason = error.strerror or str(error)
    if error.errno == errno.ENOSPC:
        reason = "the disk is full (no space left on device)"
    where = error.filename if error.filename is not None else ""
    return f"{reason}: {where}" if where else reason


def prepare_out_folder(text: str, flag: str = "--out") -> Path:
    """Make sure ``text`` names a folder this process can write into (created if missing).

    Raises :class:`UsageError` naming ``flag`` for an empty name, a path that is a file or lies
    below a file, a place that cannot be created (a virtual file system such as /proc) or
    written (permissions, a full disk).
    """
    if not text or not text.strip():
        raise UsageError(f"{flag} must name a folder, got {text!r}")
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise UsageError(f"{flag} {text}: is a file, not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".minigan-write-test-{os.getpid()}"
        with probe.open("wb") as handle:
            handle.write(b"minigan")
            handle.flush()
            os.fsync(handle.fileno())
        probe.unlink()
    except OSError as error:
        if isinstance(error, NotADirectoryError | FileExistsError):
            reason = "a part of this path is a file, not a folder"
        else:
            reason = os_error_message(error)
        raise UsageError(f"{flag} {text}: cannot write there ({reason})") from None
    return path
