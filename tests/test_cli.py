"""The `minigan` command: --version, --help, and `python -m minigan`."""

import subprocess
import sys

import minigan
from minigan.cli import main


def test_version(capsys):
    try:
        main(["--version"])
    except SystemExit as exit_:
        assert exit_.code == 0
    assert capsys.readouterr().out.strip() == f"minigan {minigan.__version__}"


def test_help_lists_the_subcommands(capsys):
    try:
        main(["--help"])
    except SystemExit as exit_:
        assert exit_.code == 0
    text = capsys.readouterr().out
    for command in ("train", "lessons", "lesson", "tour"):
        assert command in text


def test_python_dash_m_runs_the_same_command():
    out = subprocess.run([sys.executable, "-m", "minigan", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"minigan {minigan.__version__}"
