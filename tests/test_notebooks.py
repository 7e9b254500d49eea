"""`minigan notebooks`: the lessons run cell by cell in a real Jupyter kernel (jupytext + nbclient).

Each lesson becomes a notebook executed in a fresh ipykernel, as a student would run it in
Jupyter: no ``__file__``, no command line. A good notebook shows its figures inline (image/png
outputs), raises nothing, and echoes no stray values (a check's True, a figure's path).
Two fast lessons run in the default suite; all thirteen in the slow one (still run in CI).
The kernels inherit MINIGAN_BACKEND, but the lessons' numbers are already checked on every
backend by tests/test_lessons.py, so these run on the numpy pass only.
"""

import json
import sys
from pathlib import Path

import pytest

from minigan.cli import main
from minigan.cli.notebooks import INSTALL_HINT, missing_packages

pytestmark = pytest.mark.numpy_only

LESSONS_DIR = Path(__file__).resolve().parents[1] / "lessons"
LESSON_NAMES = sorted(path.stem for path in LESSONS_DIR.glob("[0-9][0-9]_*.py"))
needs_extra = pytest.mark.skipif(bool(missing_packages()), reason=f"needs the notebooks extra: {INSTALL_HINT}")


def test_without_the_extra_the_command_names_it_in_one_line(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "jupytext", None)  # as if it were not installed
    assert main(["notebooks", "5"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and "pip install -e '.[notebooks]'" in captured.err
    assert "jupytext" in captured.err


def test_an_unknown_lesson_is_a_clear_error(capsys):
    if missing_packages():
        pytest.skip(f"needs the notebooks extra: {INSTALL_HINT}")
    assert main(["notebooks", "99"]) == 2
    assert "no lesson '99'" in capsys.readouterr().err


def _check_notebook(path: Path, figures_dir: Path) -> None:
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code_cells and all(cell.execution_count for cell in code_cells), "every code cell ran"
    outputs = [output for cell in code_cells for output in cell.outputs]
    errors = [output for output in outputs if output.output_type == "error"]
    assert not errors, f"{path.name}: {errors[0].ename}: {errors[0].evalue}" if errors else ""
    stderr = [output.text for output in outputs if output.output_type == "stream" and output.name == "stderr"]
    assert not any("Traceback" in text for text in stderr)
    echoed = [output.data.get("text/plain", "") for output in outputs if output.output_type == "execute_result"]
    assert not echoed, f"{path.name} echoes values: {echoed[:3]}"
    images = [output for output in outputs if "image/png" in output.get("data", {})]
    assert images, f"{path.name} shows no figure inline"
    printed = "".join(output.text for output in outputs if output.output_type == "stream")
    assert "✓" in printed and "✗" not in printed, "the checks print, and all hold"
    summary = json.loads((figures_dir / "lesson.json").read_text(encoding="utf-8"))
    assert len(images) == len(summary["figures"]), "one inline image per saved figure"
    for figure in summary["figures"]:
        assert (figures_dir / figure).stat().st_size > 5000  # saved too, not only shown
    assert summary["full"] is False and all(check["passed"] for check in summary["checks"])


@needs_extra
def test_two_lessons_run_as_notebooks_with_their_figures_inline(tmp_path):
    out = tmp_path / "notebooks"
    assert main(["notebooks", "3", "5", "--out", str(out)]) == 0
    written = sorted(path.name for path in out.glob("*.ipynb"))
    assert written == ["03_why_equilibrium_is_hard.ipynb", "05_earth_movers_distance.ipynb"]
    for name in written:
        stem = Path(name).stem
        _check_notebook(out / name, out / "lesson_figures" / stem)


@needs_extra
def test_the_course_site_links_notebooks_once_written(tmp_path):
    site = tmp_path / "tour"
    assert main(["tour", "--only", "3", "--out", str(site)]) == 0
    page = site / "03_why_equilibrium_is_hard.html"
    assert "notebooks/03_why_equilibrium_is_hard.ipynb" not in page.read_text(encoding="utf-8")
    assert main(["notebooks", "3", "--out", str(site / "notebooks")]) == 0
    assert 'href="notebooks/03_why_equilibrium_is_hard.ipynb"' in page.read_text(encoding="utf-8")
    assert 'href="notebooks/03_why_equilibrium_is_hard.ipynb"' in (site / "index.html").read_text(encoding="utf-8")


@needs_extra
@pytest.mark.slow
@pytest.mark.parametrize("name", LESSON_NAMES)
def test_every_lesson_runs_as_a_notebook(name, tmp_path):
    out = tmp_path / "notebooks"
    assert main(["notebooks", name, "--out", str(out)]) == 0
    _check_notebook(out / f"{name}.ipynb", out / "lesson_figures" / name)


def test_the_command_is_listed_in_minigan_help(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--help"])
    assert stop.value.code == 0
    assert "notebooks" in capsys.readouterr().out
