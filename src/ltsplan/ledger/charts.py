"""The ledger's pictures, from the same Reports the tables show: pledged, allocated and delivered
over time, the largest donors, fulfilment — as Vega-Lite specs for the pages and, for the command
line, a PNG and SVG figure drawn with matplotlib."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from ltsplan.charting.figures import as_known_on, new_figure, no_data, save_figure, set_titles, style_axis
from ltsplan.charting.vega import base_spec, values_of
from ltsplan.report import Report

MEASURE_COLOURS = {"pledged": "#1f4e79", "allocated": "#2e7d4f", "delivered": "#b35806"}


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
    spec = base_spec(
        report.title, f"Cumulative pledged, allocated and delivered support in {currency}, by month"
    )
    spec.update(
        data={"values": values_of(long)},
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
    spec = base_spec(
        report.title, f"Pledged, allocated and delivered in {currency} for the {top.height} largest groups"
    )
    spec.update(
        height={"step": 14},
        data={"values": values_of(long)},
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
    spec = base_spec(report.title, "Delivered as a share of pledged, lowest first")
    spec.update(
        height={"step": 16},
        data={"values": values_of(shown.select("group", "fulfilment"))},
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


def pledged_vs_delivered(report: Report, output: Path) -> list[Path]:
    """Cumulative pledged, allocated and delivered over time; writes PNG and SVG."""
    frame = report.frame
    currency = report.params.get("currency", "EUR")
    figure, axis = new_figure()
    if frame.height:
        periods = frame.get_column("period").to_list()
        for column, label, color in (
            ("pledged_cumulative", "pledged", "#1f4e79"),
            ("allocated_cumulative", "allocated", "#2e8b57"),
            ("delivered_cumulative", "delivered", "#d2691e"),
        ):
            values = [v / 1e9 for v in frame.get_column(column).to_list()]
            axis.plot(periods, values, label=label, color=color, linewidth=2)
        axis.legend(loc="upper left", frameon=False)
    else:
        no_data(axis, "no ledger entries")
    axis.set_ylabel(f"{currency} billion, cumulative")
    set_titles(axis, report, as_known_on(report))
    style_axis(axis)
    return save_figure(figure, output)
