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


def test_every_subcommand_is_registered_in_build_parser_and_tour_and_notebooks_share_a_catalogue():
    import ast
    import inspect

    from minigan import cli
    from minigan.cli import notebooks, tour

    parser = cli.build_parser()
    (subcommands,) = [action for action in parser._actions if action.dest == "command"]
    assert set(subcommands.choices) >= {"lessons", "lesson", "tour", "notebooks", "train", "compare", "exercises",
                                        "check"}
    documented = inspect.getdoc(cli)
    for name in subcommands.choices:  # the package docstring lists every subcommand
        assert f"minigan {name}" in documented, name
    for module, other in ((tour, "minigan.cli.notebooks"), (notebooks, "minigan.cli.tour")):
        imported = {node.module for node in ast.walk(ast.parse(inspect.getsource(module)))
                    if isinstance(node, ast.ImportFrom)}
        imported |= {f"{node.module}.{alias.name}" for node in ast.walk(ast.parse(inspect.getsource(module)))
                     if isinstance(node, ast.ImportFrom) for alias in node.names}
        assert other not in imported, f"{module.__name__} imports {other}: they share minigan.cli.catalogue instead"
