"""The pictures of a plan, as Vega-Lite specs for the pages: a Gantt-like chart per force element
(each package from its start to when it takes effect), the readiness each milestone reaches with
the plan beside the greedy plan and no new support, and the targets left short by what binds them."""

from __future__ import annotations

from typing import Any

import polars as pl

from ltsplan.charting.vega import base_spec, values_of
from ltsplan.report import Report

GANTT_ELEMENTS = 60  # elements drawn; the table has them all

PLANS = ("this plan", "greedy plan", "no new support")


def _readiness_bars(milestones: list[dict[str, Any]]) -> dict[str, Any]:
    """Grouped bars: each milestone's readiness with this plan, the greedy plan and no new support."""
    long = [
        {"milestone": m["milestone"], "plan": name, "readiness": m.get(field)}
        for m in milestones
        for name, field in zip(PLANS, ("readiness", "greedy_readiness", "baseline_readiness"), strict=True)
        if m.get(field) is not None
    ]
    return {
        "data": {"values": long},
        "mark": "bar",
        "encoding": {
            "x": {"field": "milestone", "type": "nominal", "title": None},
            "xOffset": {"field": "plan", "sort": list(PLANS)},
            "y": {
                "field": "readiness",
                "type": "quantitative",
                "axis": {"format": ".0%"},
                "scale": {"domain": [0, 1]},
            },
            "color": {"field": "plan", "type": "nominal", "sort": list(PLANS)},
            "tooltip": [{"field": "milestone"}, {"field": "plan"}, {"field": "readiness", "format": ".1%"}],
        },
    }


def plan_spec(report: Report) -> dict[str, Any] | None:
    """The plan's page chart: the Gantt when it has assignments, the milestones' readiness and
    what binds the targets left short whenever it has them (a plan that gives nothing still
    shows both); None when there is nothing to draw."""
    frame = report.frame
    parts: list[dict[str, Any]] = []
    if not frame.is_empty() and {"element", "package", "start", "effective"} <= set(frame.columns):
        parts.append(_gantt(frame))
    milestones = report.params.get("milestones") or []
    if milestones:
        parts.append(
            {
                "title": "Readiness at each milestone",
                "width": 640,
                "height": 180,
                **_readiness_bars(milestones),
            }
        )
    bindings = report.params.get("bindings") or []
    if bindings:
        parts.append(_bindings(bindings))
    if not parts:
        return None
    spec = base_spec(
        report.title, "Each element's packages from start to effect; milestone readiness; what binds"
    )
    del spec["width"], spec["height"]
    spec["vconcat"] = parts
    spec["resolve"] = {"scale": {"color": "independent"}}
    return spec


def _gantt(frame: pl.DataFrame) -> dict[str, Any]:
    shown = sorted(frame.get_column("element").unique().to_list())[:GANTT_ELEMENTS]
    bars = frame.filter(pl.col("element").is_in(shown))
    return {
        "title": "Packages per force element (start → in effect)"
        + (
            f", first {GANTT_ELEMENTS} elements"
            if len(shown) < frame.get_column("element").n_unique()
            else ""
        ),
        "width": 640,
        "height": {"step": 14},
        "data": {"values": values_of(bars)},
        "mark": {"type": "bar", "cornerRadius": 2},
        "encoding": {
            "y": {"field": "element", "type": "nominal", "sort": "ascending", "title": None},
            "x": {"field": "start", "type": "temporal", "title": None},
            "x2": {"field": "effective"},
            "color": {"field": "kind", "type": "nominal", "title": "package"},
            "tooltip": [
                {"field": "element"},
                {"field": "package"},
                {"field": "donor"},
                {"field": "start", "type": "temporal"},
                {"field": "effective", "type": "temporal", "title": "in effect"},
                {"field": "milestone", "title": "serves"},
            ],
        },
    }


def _bindings(bindings: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "title": "Targets left short, by what binds them",
        "width": 640,
        "height": {"step": 18},
        "data": {"values": bindings},
        "mark": "bar",
        "encoding": {
            "y": {"field": "binding", "type": "nominal", "sort": "-x", "title": None},
            "x": {"field": "targets", "type": "quantitative", "title": "targets short at a milestone"},
            "tooltip": [{"field": "binding"}, {"field": "targets"}, {"field": "top", "title": "mostly"}],
        },
    }


def milestones_spec(report: Report) -> dict[str, Any] | None:
    """The milestone comparison alone (the milestones list's page)."""
    frame = report.frame
    if frame.is_empty():
        return None
    spec = base_spec(report.title, "Readiness at each milestone: this plan, the greedy plan, no new support")
    spec.update(_readiness_bars(values_of(frame)))
    return spec
