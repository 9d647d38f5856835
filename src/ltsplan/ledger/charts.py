"""The ledger's pictures, from the same Reports the tables show: pledged, allocated and delivered
over time, the largest donors, fulfilment — as Vega-Lite specs for the pages and, for the command
line, a PNG and SVG figure drawn with matplotlib."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from ltsplan.charting.figures import (
    as_known_on,
    money_axis,
    new_figure,
    no_data,
    save_figure,
    set_titles,
    style_axis,
)
from ltsplan.charting.vega import (
    NOT_REPORTED_TEXT,
    PERCENT_AXIS,
    PERCENT_TOOLTIP,
    base_spec,
    money_text,
    values_of,
)
from ltsplan.charting.vega import money_axis as vega_money_axis
from ltsplan.report import Report

# The three measures keep their own colours on every chart, page and figure alike.
MEASURE_COLOURS = {"pledged": "#1f4e79", "allocated": "#2e7d4f", "delivered": "#b35806"}
MEASURE_SCALE = {"domain": list(MEASURE_COLOURS), "range": list(MEASURE_COLOURS.values())}

# The states of a fulfilment row: a share; no delivered figure because none of the group's data
# report deliveries; or deliveries reported but nothing pledged in the data that report them.
REPORTED, NOT_REPORTED_STATE, NO_PLEDGE = "reported", "not reported", "nothing pledged to compare"


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
        transform=[money_text("value", currency)],
        mark={"type": "line", "strokeWidth": 2},
        encoding={
            "x": {"field": "period", "type": "temporal", "title": None},
            "y": {
                "field": "value",
                "type": "quantitative",
                "title": f"{currency}, cumulative",
                "axis": vega_money_axis(currency),
            },
            "color": {"field": "measure", "type": "nominal", "scale": MEASURE_SCALE, "title": None},
            "strokeDash": {"field": "measure", "type": "nominal", "legend": None},
            "tooltip": [
                {"field": "period", "type": "temporal", "title": "month", "format": "%B %Y"},
                {"field": "measure"},
                {"field": "value_text", "title": f"cumulative ({currency})"},
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
    silent = top.get_column("delivered").null_count() if "delivered" in top.columns else 0
    if silent:
        # no bar is not a bar at zero: say which groups' data report no deliveries
        spec["title"] = {
            "text": report.title,
            "subtitle": f"delivered: not reported by the data of {silent} of these {top.height} groups",
        }
    spec.update(
        height={"step": 14},
        data={"values": values_of(long)},
        transform=[money_text("value", currency, missing="not reported")],
        mark="bar",
        encoding={
            "y": {"field": "group", "type": "nominal", "sort": None, "title": None},
            "yOffset": {"field": "measure", "sort": list(MEASURE_COLOURS)},
            "x": {
                "field": "value",
                "type": "quantitative",
                "title": currency,
                "axis": vega_money_axis(currency),
            },
            "color": {"field": "measure", "type": "nominal", "scale": MEASURE_SCALE, "title": None},
            "tooltip": [{"field": "group"}, {"field": "measure"}, {"field": "value_text", "title": currency}],
        },
    )
    return spec


def fulfilment_bars(report: Report, limit: int = 25) -> dict[str, Any] | None:
    """Delivered as a share of pledged for the first ``limit`` groups (the report's order: lowest
    first). A group whose data report no deliveries is drawn as its own state — a grey "not
    reported" in its row, never a bar at 0 % — and so is one with deliveries but nothing pledged in
    the data that report them; the subtitle counts the groups past the limit."""
    label = _label(report)
    frame = report.frame
    if label is None or frame.is_empty() or "fulfilment" not in frame.columns:
        return None
    candidates: tuple[str, ...] = ("donor_name", "category", "year", "subtype", "dataset")
    keys = [c for c in candidates if c in frame.columns] or [label]
    delivered = pl.col("delivered") if "delivered" in frame.columns else pl.lit(None, dtype=pl.Float64)
    pledged = pl.col("pledged") if "pledged" in frame.columns else pl.lit(None, dtype=pl.Float64)
    state = (
        pl.when(pl.col("fulfilment").is_not_null())
        .then(pl.lit(REPORTED))
        .when(delivered.is_null())
        .then(pl.lit(NOT_REPORTED_STATE))
        .otherwise(pl.lit(NO_PLEDGE))
        .alias("state")
    )
    rows = frame.with_row_index("rank").with_columns(
        pl.concat_str([pl.col(k).cast(pl.Utf8) for k in keys], separator=" · ", ignore_nulls=True).alias(
            "group"
        ),
        state,
        delivered.alias("delivered"),
        pledged.alias("pledged"),
    )
    shown, rest = rows.head(limit), rows.slice(limit)
    currency = report.params.get("currency", "EUR")
    largest = shown.get_column("fulfilment").max()
    upper = max(1.0, float(largest)) if isinstance(largest, int | float) else 1.0
    spec = base_spec(
        report.title,
        "Delivered as a share of pledged, lowest first; groups whose data report no deliveries say so",
    )
    if rest.height:
        hidden = dict(rest.get_column("state").value_counts().iter_rows())
        counted = ", ".join(
            f"{hidden[s]} {s}" for s in (REPORTED, NOT_REPORTED_STATE, NO_PLEDGE) if s in hidden
        )
        spec["title"] = {
            "text": report.title,
            "subtitle": f"the first {shown.height} of {rows.height} groups; not shown: {counted} (see the table)",
        }
    share = {
        "type": "quantitative",
        "title": "delivered ÷ pledged",
        "axis": {"format": PERCENT_AXIS},
        "scale": {"domain": [0, upper]},
    }
    reported = f"datum.state === '{REPORTED}'"
    spec.update(
        height={"step": 18},
        data={
            "values": values_of(shown.select("rank", "group", "state", "fulfilment", "pledged", "delivered"))
        },
        transform=[
            money_text("pledged", currency),
            money_text("delivered", currency, missing=NOT_REPORTED_STATE),
            {"calculate": f"{reported} ? datum.fulfilment : 0", "as": "at"},
            {
                "calculate": f"{reported} ? format(datum.fulfilment, '{PERCENT_AXIS}') : datum.state",
                "as": "label",
            },
            {
                "calculate": f"{reported} ? format(datum.fulfilment, '{PERCENT_TOOLTIP}') : datum.state",
                "as": "share_text",
            },
        ],
        encoding={
            "y": {"field": "group", "type": "nominal", "sort": {"field": "rank", "op": "min"}, "title": None},
            "tooltip": [
                {"field": "group"},
                {"field": "share_text", "title": "delivered ÷ pledged"},
                {"field": "pledged_text", "title": f"pledged ({currency})"},
                {"field": "delivered_text", "title": f"delivered ({currency})"},
            ],
        },
        layer=[
            {
                "transform": [{"filter": reported}],
                "mark": {"type": "bar", "color": MEASURE_COLOURS["delivered"]},
                "encoding": {"x": {"field": "fulfilment", **share}},
            },
            {  # the share at the end of its bar
                "transform": [{"filter": reported}],
                "mark": {"type": "text", "align": "left", "dx": 4, "fontSize": 11, "color": "#1a1a1a"},
                "encoding": {"x": {"field": "at", **share}, "text": {"field": "label"}},
            },
            {  # "not reported", in grey italics where a bar would start (font style is no channel)
                "transform": [{"filter": f"!({reported})"}],
                "mark": {
                    "type": "text",
                    "align": "left",
                    "dx": 4,
                    "fontSize": 11,
                    "color": NOT_REPORTED_TEXT,
                    "fontStyle": "italic",
                },
                "encoding": {"x": {"field": "at", **share}, "text": {"field": "label"}},
            },
        ],
    )
    return spec


def pledged_vs_delivered(report: Report, output: Path) -> list[Path]:
    """Cumulative pledged, allocated and delivered over time; writes PNG and SVG."""
    frame = report.frame
    currency = report.params.get("currency", "EUR")
    figure, axis = new_figure()
    if frame.height:
        periods = frame.get_column("period").to_list()
        for measure, color in MEASURE_COLOURS.items():
            axis.plot(
                periods,
                frame.get_column(f"{measure}_cumulative").to_list(),
                label=measure,
                color=color,
                linewidth=2,
            )
        axis.legend(loc="upper left", frameon=False)
        money_axis(axis, currency)
    else:
        no_data(axis, "no ledger entries")
    axis.set_ylabel(f"{currency}, cumulative")
    set_titles(axis, report, as_known_on(report))
    style_axis(axis)
    return save_figure(figure, output)
