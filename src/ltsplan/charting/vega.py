"""Charts as Vega-Lite specs (data inline), built from the same Reports the tables show; the
pages render them with the vendored vega-embed, and show the table when scripts do not run."""

from __future__ import annotations

from typing import Any

import polars as pl

from ltsplan.report import Report

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"
WIDTH = "container"


def values_of(frame: pl.DataFrame) -> list[dict[str, Any]]:
    return [
        {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}
        for row in frame.to_dicts()
    ]


def base_spec(title: str, description: str) -> dict[str, Any]:
    return {
        "$schema": SCHEMA,
        "title": title,
        "description": description,
        "width": WIDTH,
        "height": 280,
        "config": {"font": "system-ui, sans-serif", "axis": {"labelFontSize": 12, "titleFontSize": 12}},
    }


def heatmap(report: Report, *, x: str, y: str, value: str, title: str | None = None) -> dict[str, Any] | None:
    """A grid of ``value`` by ``x`` and ``y`` (readiness by force element and requirement, say)."""
    frame = report.frame
    if frame.is_empty() or not {x, y, value} <= set(frame.columns):
        return None
    spec = base_spec(title or report.title, f"{value} by {x} and {y}")
    spec.update(
        height={"step": 18},
        data={"values": values_of(frame.select(x, y, value))},
        mark="rect",
        encoding={
            "x": {"field": x, "type": "nominal", "title": None},
            "y": {"field": y, "type": "nominal", "title": None},
            "color": {"field": value, "type": "quantitative", "scale": {"scheme": "viridis"}},
            "tooltip": [{"field": x}, {"field": y}, {"field": value}],
        },
    )
    return spec
