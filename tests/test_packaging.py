"""Issue 22: setting up prints no setuptools deprecation warnings (the license in SPDX form)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = pytest.importorskip("tomli")


@pytest.mark.numpy_only
def test_license_is_an_spdx_string_with_a_setuptools_that_reads_it():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    # the table form {text = "MIT"} makes setuptools ≥ 77 print ~150 lines of deprecation warnings
    assert project["project"]["license"] == "MIT"
    assert "setuptools>=77" in project["build-system"]["requires"]
    assert not any("License ::" in c for c in project["project"].get("classifiers", []))
