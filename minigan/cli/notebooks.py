"""``minigan notebooks``: every lesson as an executed Jupyter notebook, its figures inline.

    minigan notebooks [--out tour/notebooks] [N ...]

Each lesson script (percent format: ``# %%`` cells) is converted by jupytext and executed
by nbclient in a fresh Python kernel (ipykernel), cell by cell, as a student would in
Jupyter; the notebook is written with its outputs to ``OUT/NN_name.ipynb``. The kernel runs
in OUT, so the lessons' figures are also saved under ``OUT/lesson_figures/``. Under a kernel a
lesson runs in quick mode, shows each figure inline (``Lesson.savefig``) and prints its checks.

The default OUT is ``tour/notebooks``, next to the course site ``minigan tour`` writes: when OUT's
parent holds a course site, its pages are drawn again so that each links its notebook.

These packages are an optional extra: without them the command says
``pip install -e '.[notebooks]'`` and exits with status 2.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["add_parser", "NotebookResult", "execute_lesson_notebook", "missing_packages", "INSTALL_HINT"]

INSTALL_HINT = "pip install -e '.[notebooks]'"
_NEEDED = ("jupytext", "nbclient", "nbformat", "ipykernel")


def missing_packages() -> list[str]:
    """The packages of the ``notebooks`` extra that are not installed here."""
    return [name for name in _NEEDED if importlib.util.find_spec(name) is None]


@dataclass
class NotebookResult:
    """One executed notebook: where it is, how many figures it shows, and the error if a cell raised."""

    path: Path
    images: int
    error: str = ""


def _kernel_environment() -> dict[str, str]:
    """The kernel's environment: ours, one BLAS thread unless chosen (see ``catalogue.lesson_environment``)."""
    from minigan.cli.catalogue import lesson_environment

    return lesson_environment()


def execute_lesson_notebook(source: Path, out: Path, timeout: float = 600.0) -> NotebookResult:
    """Convert the lesson ``source`` to a notebook, execute it in a fresh kernel in ``out``, write it there.

    The notebook is written even when a cell fails (the error is in that cell's output, as Jupyter shows it).
    ``timeout`` is per cell, in seconds.
    """
    import jupytext
    import nbformat
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    out.mkdir(parents=True, exist_ok=True)
    notebook = jupytext.read(source, fmt="py:percent")
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.metadata.pop("jupytext", None)  # a plain notebook, not one paired to the script
    error = ""
    with tempfile.TemporaryDirectory(prefix="minigan-kernel-") as sockets:
        # Local sockets in a private folder, not TCP: nothing listens on the network (and the kernel
        # has no reason to warn that it does). Windows has no such sockets: TCP on the loopback there.
        if os.name == "posix":
            manager = KernelManager(kernel_name="python3", transport="ipc", ip=os.path.join(sockets, "kernel"))
        else:
            manager = KernelManager(kernel_name="python3")
        client = NotebookClient(notebook, km=manager, timeout=timeout,
                                resources={"metadata": {"path": str(out.resolve())}})
        try:
            client.execute(env=_kernel_environment())
        except CellExecutionError as failure:
            error = str(failure).strip().splitlines()[-1] if str(failure).strip() else type(failure).__name__
        finally:  # nbclient leaves a kernel it was handed running: end it (and our channels to it) here
            if client.kc is not None:
                client.kc.stop_channels()
            if manager.has_kernel:
                manager.shutdown_kernel(now=True)
    path = out / f"{source.stem}.ipynb"
    nbformat.write(notebook, path)
    return NotebookResult(path, count_images(notebook), error)


def count_images(notebook: Any) -> int:
    """How many ``image/png`` outputs the notebook's code cells hold."""
    return sum(1 for cell in notebook.cells if cell.cell_type == "code"
               for output in cell.get("outputs", []) if "image/png" in output.get("data", {}))


def _run(args: argparse.Namespace) -> int:
    missing = missing_packages()
    if missing:
        print(f"minigan notebooks needs {', '.join(missing)} (the notebooks extra): {INSTALL_HINT}", file=sys.stderr)
        return 2
    from minigan.cli.catalogue import find_lessons, select_lesson
    from minigan.cli.common import EXIT_INTERRUPTED, EXIT_USAGE, UsageError, os_error_message, prepare_out_folder
    from minigan.cli.site import NOTEBOOKS_FOLDER, rebuild_site

    try:
        lessons = find_lessons(args.lessons_dir)
        if args.lessons:
            lessons = [select_lesson(lessons, wanted) for wanted in args.lessons]
    except (FileNotFoundError, LookupError) as error:
        print(error, file=sys.stderr)
        return 2
    try:
        out = prepare_out_folder(args.out)
    except UsageError as error:
        print(f"minigan notebooks: {error}", file=sys.stderr)
        return EXIT_USAGE
    failed = 0
    lesson = None
    try:
        for lesson in lessons:
            print(f"notebook {lesson.number:2d}  {lesson.title} ...", flush=True)
            result = execute_lesson_notebook(lesson.path, out, timeout=args.timeout)
            verdict = "ok" if not result.error else f"FAILED: {result.error}"
            print(f"           {verdict}: {result.images} figures inline, {result.path}", flush=True)
            failed += bool(result.error)
    except KeyboardInterrupt:
        # (execute_lesson_notebook's finally has ended the kernel: no zmq tracebacks follow)
        print(f"\nminigan notebooks: interrupted during lesson {lesson.number}; the notebooks written so far "
              f"are in {out}/", file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as error:
        print(f"minigan notebooks: cannot write to --out {args.out}: {os_error_message(error)}", file=sys.stderr)
        return EXIT_USAGE
    if out.name == NOTEBOOKS_FOLDER and rebuild_site(out.parent) is not None:
        print(f"course site {os.fspath((out.parent / 'index.html').resolve())} now links the notebooks")
    print(f"{len(lessons) - failed}/{len(lessons)} notebooks ran without error; they are in {out}/ "
          "(open them in Jupyter or VS Code)")
    return 1 if failed else 0


def add_parser(subcommands: Any, lessons_dir_help: str | None = None) -> None:
    """Add ``notebooks`` to the ``minigan`` command's subparsers."""
    parser = subcommands.add_parser(
        "notebooks", help="write every lesson as an executed Jupyter notebook (extra: notebooks)",
        description="Convert each lesson to a notebook (jupytext), execute it in a fresh kernel (nbclient) and "
                    "write OUT/NN_name.ipynb with its outputs and figures. Needs the notebooks extra: "
                    f"{INSTALL_HINT}. Exits non-zero if a cell raised.")
    parser.add_argument("lessons", nargs="*", metavar="N", help="lesson numbers or names (default: all)")
    parser.add_argument("--out", default="tour/notebooks", help="output folder (default: tour/notebooks)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds allowed per cell (default: 600)")
    from minigan.cli.catalogue import LESSONS_DIR_HELP

    parser.add_argument("--lessons-dir", default=None, help=lessons_dir_help or LESSONS_DIR_HELP)
    parser.set_defaults(run=_run)
