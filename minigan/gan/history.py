"""The training log: one row per logging step, kept as plain Python numbers (lesson 12).

Columns written by the trainer (all floats except ``step``):

    step                   generator steps done when the row was logged
    critic_loss            the critic's training loss at its last update (penalty included)
    generator_loss         the generator's training loss at its last update
    w1_critic              the critic's estimate E D(x) − E D(G(z)) on the metric samples
    w1_exact               the exact W₁ between generated and real metric samples
    grad_norm_mean/std/max ‖∇ₓ̂ D(x̂)‖ statistics at x̂ = ε·real + (1 − ε)·fake
    lipschitz_upper_bound  ∏ᵢ ‖Wᵢ‖_s over the critic's layers
    modes_covered          modes of a Gaussian mixture holding ≥ 0.4/k of 2,000 generated points
                           within 3σ (5 % for the 8 Gaussians); NaN for data without modes
    d_real_mean/d_fake_mean  a GAN discriminator's mean σ(D) on real / generated points (NaN
                           for a WGAN critic)
    wall_time              seconds since the run started (resumes included)
    train_time             of which seconds spent in training steps (metrics excluded)

Rows are dicts; :meth:`History.as_dict` gives columns, :meth:`History.column` one column as a
float64 NumPy array. A number that does not exist yet (the losses of the row logged before the
first step) is NaN; JSON files write NaN and ±inf as ``null`` (strict JSON has neither), CSV as
``nan``/``inf``.
"""

from __future__ import annotations

import csv
import json
import math
import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np  # host-side: history holds Python numbers only

__all__ = ["History"]


class History:
    """An append-only table of logged rows, with the same columns in every row."""

    def __init__(self, rows: Iterable[Mapping[str, Any]] = ()):
        self._rows: list[dict[str, float | int]] = []
        for row in rows:
            self.append(row)

    # ------------------------------------------------------------------ building
    def append(self, row: Mapping[str, Any]) -> None:
        """Add one row; its columns must be the same as the first row's."""
        clean = {str(k): _plain(k, v) for k, v in row.items()}
        if self._rows and list(clean) != list(self._rows[0]):
            raise ValueError(f"history row has columns {list(clean)}, expected {list(self._rows[0])}")
        self._rows.append(clean)

    # ------------------------------------------------------------------- reading
    @property
    def rows(self) -> list[dict[str, float | int]]:
        """The rows (copies), oldest first."""
        return [dict(r) for r in self._rows]

    @property
    def columns(self) -> list[str]:
        return list(self._rows[0]) if self._rows else []

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self) -> Iterator[dict[str, float | int]]:
        return iter(self.rows)

    def __getitem__(self, index: int) -> dict[str, float | int]:
        return dict(self._rows[index])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, History) and _same(self._rows, other._rows)

    __hash__ = None  # mutable

    def __repr__(self) -> str:
        return f"History({len(self)} rows, columns={self.columns})"

    def as_dict(self) -> dict[str, list[float | int]]:
        """{column: [value per row]}."""
        return {name: [r[name] for r in self._rows] for name in self.columns}

    def column(self, name: str) -> np.ndarray:
        """One column as a float64 host array."""
        if self._rows and name not in self._rows[0]:
            raise KeyError(f"no column {name!r}; columns are {self.columns}")
        if not self._rows:
            return np.zeros(0)
        return np.array([r[name] for r in self._rows], dtype=np.float64)

    def last(self) -> dict[str, float | int]:
        if not self._rows:
            raise IndexError("the history is empty")
        return dict(self._rows[-1])

    def with_columns(self, names: Iterable[str]) -> History:
        """A copy whose rows have exactly the columns ``names``, in that order: a column the rows
        lack is NaN (how a run resumed from an older checkpoint gets newer metrics)."""
        names = list(names)
        return History({name: row.get(name, math.nan) for name in names} for row in self._rows)

    def truncated(self, max_step: int) -> History:
        """The rows with step ≤ max_step (what a checkpoint at max_step had seen)."""
        return History(r for r in self._rows if r.get("step", 0) <= max_step)

    # ------------------------------------------------------------ serialisation
    def to_json(self) -> str:
        """The rows as a JSON list of objects (NaN/inf become null: strict JSON has no NaN)."""
        return json.dumps([{k: _json_number(v) for k, v in r.items()} for r in self._rows], allow_nan=False)

    @classmethod
    def from_json(cls, text: str) -> History:
        rows = json.loads(text)
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise ValueError("a history in JSON is a list of objects (one per row)")
        return cls(rows)

    def write_json(self, path: str | os.PathLike) -> Path:
        path = Path(path)
        columns = {name: [_json_number(v) for v in values] for name, values in self.as_dict().items()}
        path.write_text(json.dumps(columns, indent=1, allow_nan=False) + "\n")
        return path

    def write_csv(self, path: str | os.PathLike) -> Path:
        path = Path(path)
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(self.columns)
            for r in self._rows:
                writer.writerow([_csv_cell(r[name]) for name in self.columns])
        return path

    @classmethod
    def read_csv(cls, path: str | os.PathLike) -> History:
        with Path(path).open(newline="") as handle:
            reader = csv.DictReader(handle)
            return cls({k: (int(v) if k == "step" else float(v)) for k, v in row.items()} for row in reader)


def _plain(name: Any, value: Any) -> float | int:
    if value is None:  # how JSON spells a missing (NaN) number
        return math.nan
    if isinstance(value, bool):
        raise TypeError(f"history column {name!r}: expected a number, got a bool")
    if isinstance(value, int | np.integer):
        return int(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(f"history column {name!r}: expected a number, got {type(value).__name__}") from None


def _json_number(value: float | int) -> float | int | None:
    return None if isinstance(value, float) and not math.isfinite(value) else value


def _csv_cell(value: float | int) -> str:
    return repr(value) if isinstance(value, float) else str(value)


def _same(a: list[dict], b: list[dict]) -> bool:
    if len(a) != len(b):
        return False
    for ra, rb in zip(a, b):
        if list(ra) != list(rb):
            return False
        for key in ra:
            x, y = ra[key], rb[key]
            both_nan = isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y)
            if not (x == y or both_nan):
                return False
    return True
