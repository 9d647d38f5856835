"""A query's answer, computed once and rendered by every face: a table with typed columns, notes
that qualify it (what was left out, what was assumed), and the sources it rests on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import polars as pl


@dataclass
class Report:
    title: str
    frame: pl.DataFrame
    notes: list[str] = field(default_factory=list)
    units: dict[str, str] = field(default_factory=dict)  # column → unit, e.g. "EUR"
    sources: list[dict[str, Any]] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)

    def records(self) -> list[dict[str, Any]]:
        return self.frame.to_dicts()

    def as_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "params": {k: _plain(v) for k, v in self.params.items()},
            "columns": [
                {"name": n, "type": str(t), "unit": self.units.get(n)} for n, t in self.frame.schema.items()
            ],
            "rows": self.plain_rows(),
            "notes": self.notes,
            "sources": self.sources,
        }

    def plain_rows(self) -> list[dict[str, Any]]:
        """The rows as JSON takes them (``_plain``), converted a column at a time: only columns
        of floats and of dates and times have values to change."""
        names = self.frame.columns
        columns = [_plain_column(self.frame.get_column(n)) for n in names]
        return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def _plain_column(column: pl.Series) -> list[Any]:
    values = column.to_list()
    kind = column.dtype
    if kind.is_float():
        return [None if v is not None and not math.isfinite(v) else v for v in values]
    if kind.is_integer() or kind in (pl.Utf8, pl.Boolean, pl.Null):
        return values
    return [_plain(v) for v in values]


def _plain(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON has no NaN or infinity
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
