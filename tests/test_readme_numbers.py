"""Issue 22: the README's `compare` table is the committed output of the command it names, not a
number typed by hand: its exact W₁ and modes columns must equal benchmarks/results/compare_8gaussians_quick.md
(written by ``minigan compare --data 8gaussians --out DIR``, summary.md copied there)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def table_rows(text: str) -> dict[str, tuple[str, str]]:
    """method → (final exact W₁, modes covered) from the first Markdown table of the four methods."""
    rows = {}
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and cells[0] in ("GAN", "WGAN-clip", "WGAN-SN", "WGAN-GP") and cells[0] not in rows:
            rows[cells[0]] = (cells[1], cells[2])
    return rows


@pytest.mark.numpy_only
def test_the_readme_compare_table_is_the_committed_run():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("minigan compare --data 8gaussians --out runs/compare"):]
    section = section[:section.index("![")]
    result = (ROOT / "benchmarks" / "results" / "compare_8gaussians_quick.md").read_text(encoding="utf-8")
    expected = table_rows(result)
    assert len(expected) == 4 and table_rows(section) == expected
    assert re.search(r"\d+/8", "".join(modes for _, modes in expected.values()))
