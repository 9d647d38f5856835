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
            "rows": [{k: _plain(v) for k, v in r.items()} for r in self.records()],
            "notes": self.notes,
            "sources": self.sources,
        }


def _plain(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON has no NaN or infinity
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
