"""Charts as Vega-Lite specs (data inline), built from the same Reports the tables show; the
pages render them with the vendored vega-embed, and show the table when scripts do not run."""

from __future__ import annotations

from typing import Any

import polars as pl

from ltsplan.report import Report

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"
MEASURE_COLOURS = {"pledged": "#1f4e79", "allocated": "#2e7d4f", "delivered": "#b35806"}
WIDTH = "container"


def _values(frame: pl.DataFrame) -> list[dict[str, Any]]:
    return [
        {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}
        for row in frame.to_dicts()
    ]


def _base(title: str, description: str) -> dict[str, Any]:
    return {
        "$schema": SCHEMA,
        "title": title,
        "description": description,
        "width": WIDTH,
        "height": 280,
        "config": {"font": "system-ui, sans-serif", "axis": {"labelFontSize": 12, "titleFontSize": 12}},
    }


def series_lines(report: Report) -> dict[str, Any] | None:
    """Cumulative pledged, allocated and delivered by month."""
    frame = report.frame
    if frame.is_empty() or "pledged_cumulative" not in frame.columns:
        return None
    currency = report.params.get("currency", "EUR")
    long = frame.select(
        "period",
        pl.col("pledged_cumulative").alias("pledged"),
        pl.col("allocated_cumulative").alias("allocated"),
        pl.col("delivered_cumulative").alias("delivered"),
    ).unpivot(index="period", variable_name="measure", value_name="value")
    spec = _base(report.title, f"Cumulative pledged, allocated and delivered support in {currency}, by month")
    spec.update(
        data={"values": _values(long)},
        mark={"type": "line", "strokeWidth": 2},
        encoding={
            "x": {"field": "period", "type": "temporal", "title": None},
            "y": {
                "field": "value",
                "type": "quantitative",
                "title": f"{currency}, cumulative",
                "axis": {"format": "~s"},
            },
            "color": {
                "field": "measure",
                "type": "nominal",
                "scale": {"domain": list(MEASURE_COLOURS), "range": list(MEASURE_COLOURS.values())},
                "title": None,
            },
            "strokeDash": {"field": "measure", "type": "nominal", "legend": None},
            "tooltip": [
                {"field": "period", "type": "temporal"},
                {"field": "measure"},
                {"field": "value", "type": "quantitative", "format": ",.0f"},
            ],
        },
    )
    return spec


def _label(report: Report) -> str | None:
    for candidate in ("donor_name", "donor", "category", "year", "recipient", "subtype", "dataset", "stage"):
        if candidate in report.frame.columns:
            return candidate
    return None


def totals_bars(report: Report, limit: int = 20) -> dict[str, Any] | None:
    """Pledged, allocated and delivered side by side for the largest groups."""
    label = _label(report)
    frame = report.frame
    if label is None or frame.is_empty() or "pledged" not in frame.columns:
        return None
    keys = [
        c
        for c in ("donor_name", "donor", "category", "year", "month", "subtype", "recipient", "dataset")
        if c in frame.columns
    ]
    top = frame.sort("pledged", descending=True, nulls_last=True).head(limit)
    named = top.with_columns(
        pl.concat_str(
            [pl.col(k).cast(pl.Utf8) for k in keys if k != "donor" or "donor_name" not in keys],
            separator=" · ",
        ).alias("group")
    )
    long = named.select("group", "pledged", "allocated", "delivered").unpivot(
        index="group", variable_name="measure", value_name="value"
    )
    currency = report.params.get("currency", "EUR")
    spec = _base(
        report.title, f"Pledged, allocated and delivered in {currency} for the {top.height} largest groups"
    )
    spec.update(
        height={"step": 14},
        data={"values": _values(long)},
        mark="bar",
        encoding={
            "y": {"field": "group", "type": "nominal", "sort": None, "title": None},
            "yOffset": {"field": "measure", "sort": list(MEASURE_COLOURS)},
            "x": {"field": "value", "type": "quantitative", "title": currency, "axis": {"format": "~s"}},
            "color": {
                "field": "measure",
                "type": "nominal",
                "scale": {"domain": list(MEASURE_COLOURS), "range": list(MEASURE_COLOURS.values())},
                "title": None,
            },
            "tooltip": [{"field": "group"}, {"field": "measure"}, {"field": "value", "format": ",.0f"}],
        },
    )
    return spec


def fulfilment_bars(report: Report, limit: int = 25) -> dict[str, Any] | None:
    label = _label(report)
    frame = report.frame
    if label is None or frame.is_empty() or "fulfilment" not in frame.columns:
        return None
    candidates: tuple[str, ...] = ("donor_name", "category", "year", "subtype", "dataset")
    keys = [c for c in candidates if c in frame.columns] or [label]
    shown = (
        frame.filter(pl.col("fulfilment").is_not_null())
        .head(limit)
        .with_columns(pl.concat_str([pl.col(k).cast(pl.Utf8) for k in keys], separator=" · ").alias("group"))
    )
    spec = _base(report.title, "Delivered as a share of pledged, lowest first")
    spec.update(
        height={"step": 16},
        data={"values": _values(shown.select("group", "fulfilment"))},
        mark={"type": "bar", "color": MEASURE_COLOURS["delivered"]},
        encoding={
            "y": {"field": "group", "type": "nominal", "sort": None, "title": None},
            "x": {
                "field": "fulfilment",
                "type": "quantitative",
                "title": "delivered ÷ pledged",
                "axis": {"format": "%"},
            },
            "tooltip": [{"field": "group"}, {"field": "fulfilment", "format": ".1%"}],
        },
    )
    return spec


def heatmap(report: Report, *, x: str, y: str, value: str, title: str | None = None) -> dict[str, Any] | None:
    """A grid of ``value`` by ``x`` and ``y`` (readiness by force element and requirement, say)."""
    frame = report.frame
    if frame.is_empty() or not {x, y, value} <= set(frame.columns):
        return None
    spec = _base(title or report.title, f"{value} by {x} and {y}")
    spec.update(
        height={"step": 18},
        data={"values": _values(frame.select(x, y, value))},
        mark="rect",
        encoding={
            "x": {"field": x, "type": "nominal", "title": None},
            "y": {"field": y, "type": "nominal", "title": None},
            "color": {"field": value, "type": "quantitative", "scale": {"scheme": "viridis"}},
            "tooltip": [{"field": x}, {"field": y}, {"field": value}],
        },
    )
    return spec
