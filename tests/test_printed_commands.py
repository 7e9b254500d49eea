"""Issue 22: every command the course pages and the exercise workspace print works as printed, in a
shell where minigan's environment is active (``source .venv/bin/activate``, the line scripts/tour.sh
prints last): the commands are read from a real lesson page and index, and from the workspace
README, then run from the minigan folder with the environment's bin/ first on PATH — what the
activation does. The long ones (the whole tour, every notebook) are run with ``--help``: that the
command exists and takes those arguments is what a page can get wrong."""

from __future__ import annotations

import html
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from minigan.cli.cells import run_lesson
from minigan.cli.site import write_site
from minigan.cli.tour import find_lessons, lesson_environment
from minigan.exercises.workspace import workspace_readme

ROOT = Path(__file__).resolve().parent.parent
LONG = ("minigan tour", "minigan notebooks")


def activated_environment() -> dict[str, str]:
    """What ``source .venv/bin/activate`` does: the environment's bin/ first on PATH."""
    bin_folder = Path(sys.executable).parent
    environment = {**lesson_environment(), "PATH": f"{bin_folder}{os.pathsep}{os.environ.get('PATH', '')}",
                   "VIRTUAL_ENV": str(bin_folder.parent), "MPLBACKEND": "Agg"}
    environment["PYTHONPATH"] = str(ROOT) + os.pathsep + environment.get("PYTHONPATH", "")
    return environment


def printed_commands(text: str) -> list[str]:
    """The `minigan …` and `python …` commands in <code> elements or indented README lines."""
    found = [html.unescape(code) for code in re.findall(r"<code>(.*?)</code>", text)]
    found += [line.strip().split("  ")[0] for line in text.splitlines() if line.startswith("    minigan ")]
    return [c for c in dict.fromkeys(found) if c.startswith(("minigan ", "python "))]


def run_printed(command: str, cwd: Path, replacements: dict[str, str]) -> subprocess.CompletedProcess:
    for placeholder, value in replacements.items():
        command = re.sub(rf"(?<![\w/~]){re.escape(placeholder)}(?![\w/])", value, command)
    if command.startswith(LONG):
        command += " --help"
    return subprocess.run(["bash", "-c", command], cwd=cwd, env=activated_environment(), capture_output=True,
                          text=True, timeout=600)


@pytest.mark.slow
@pytest.mark.numpy_only
def test_the_commands_the_course_pages_print_work_after_activation(tmp_path):
    lesson = find_lessons()[0]
    run = run_lesson(lesson.number, lesson.title, lesson.path, tmp_path / "site" / lesson.name, [])
    index = write_site([run], tmp_path / "site", run.seconds)
    pages = index.read_text(encoding="utf-8") + (tmp_path / "site" / f"{lesson.name}.html").read_text(encoding="utf-8")
    assert "source .venv/bin/activate" in pages
    commands = printed_commands(pages)
    assert f"python lessons/{lesson.path.name}" in commands and f"minigan lesson {lesson.number}" in commands
    workspace = tmp_path / "wgan-course"
    for command in commands:  # in page order: the workspace is written before it is checked
        checking = command.startswith("minigan check")
        done = run_printed(command, workspace if checking else ROOT,
                           {"N": str(lesson.number), "~/wgan-course": str(workspace)})
        if checking:  # the stubs are not filled in: reported undone (exit 1), never a usage error (2)
            assert done.returncode in (0, 1) and "exercises done" in done.stdout, (command, done.stderr[-1500:])
        else:
            assert done.returncode == 0, f"{command!r} failed: {done.stderr[-1500:]}"


@pytest.mark.slow
@pytest.mark.numpy_only
def test_the_commands_the_workspace_readme_prints_work_after_activation(tmp_path):
    workspace = tmp_path / "course"
    done = subprocess.run(["bash", "-c", f"minigan exercises {shlex.quote(str(workspace))}"], cwd=ROOT,
                          env=activated_environment(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    readme = (workspace / "README.md").read_text(encoding="utf-8")
    assert readme == workspace_readme() and "source .venv/bin/activate" in readme
    commands = printed_commands(readme)
    assert "minigan check 1" in commands
    for command in commands:
        if command.startswith("minigan check"):
            # the stubs are not written yet: a check runs and reports them undone (exit 1), never a usage error
            done = run_printed(command, workspace, {"PATH": str(workspace)})
            assert done.returncode in (0, 1) and "exercises done" in done.stdout, (command, done.stderr[-1500:])
