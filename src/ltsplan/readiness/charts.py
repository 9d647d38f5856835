"""Readiness charts from the same Reports the tables show: the heatmap of elements × standards and
the milestone burn-up, drawn with matplotlib (headless) for the command line, and the heatmap as a
Vega-Lite spec for the pages. Both reports are in long form (one row per cell or per milestone ×
month), which is also what a Vega-Lite spec takes as its data values.

For an element's page, the grid of its targets and those of every element below it (element ×
requirement, ``target_grid``): exactly the set of targets its rolled-up score is computed from, so
that the picture shows what the rule (named in its title) combines. Each cell is one target's
attainment, marked in text as well as colour (✓ met, ? no result, E expired), mandatory targets
outlined.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import Connection

from ltsplan.charting import vega
from ltsplan.charting.figures import (
    as_known_on,
    category_colour,
    dates_within_calendar,
    new_figure,
    no_data,
    save_figure,
    set_titles,
    style_axis,
)
from ltsplan.errors import NotFound
from ltsplan.readiness.data import load
from ltsplan.readiness.reports import RULE_TEXT, choose_rule, labelled, valid_date
from ltsplan.readiness.rollup import subtree
from ltsplan.report import Report

Link = Callable[[str], str]  # an element's code → the address of its page


def _subtitle(report: Report) -> str:
    parts = [f"on {report.params['on']}"] if report.params.get("on") else []
    if report.params.get("as_of"):
        parts.append(as_known_on(report))
    if any(n.startswith("FICTIONAL") for n in report.notes):
        parts.append("FICTIONAL data")
    return "; ".join(parts)


def heatmap(report: Report, output: Path) -> list[Path]:
    frame = report.frame
    elements = sorted(frame.get_column("element").unique().to_list()) if frame.height else []
    standards = sorted(frame.get_column("standard").unique().to_list()) if frame.height else []
    grid = np.full((len(elements), len(standards)), np.nan)
    rows = {e: i for i, e in enumerate(elements)}
    cols = {s: j for j, s in enumerate(standards)}
    for element, standard, score in frame.select("element", "standard", "score").iter_rows():
        if score is not None:
            grid[rows[element], cols[standard]] = score
    width = max(8.0, 0.28 * len(standards) + 3)
    height = max(4.0, 0.25 * len(elements) + 2)
    figure, axis = new_figure(width, height, dpi=110)
    if grid.size:
        image = axis.imshow(np.ma.masked_invalid(grid), aspect="auto", cmap="RdYlGn", vmin=0.0, vmax=1.0)
        axis.set_xticks(range(len(standards)), standards, rotation=90, fontsize=7)
        axis.set_yticks(range(len(elements)), elements, fontsize=7)
        figure.colorbar(image, ax=axis, label="score (0 = nothing attained, 1 = every target met)")
    else:
        no_data(axis, "no targets")
    set_titles(axis, report, _subtitle(report), fontsize=8)
    return save_figure(figure, output)


def burnup(report: Report, output: Path) -> list[Path]:
    frame = report.frame
    figure, axis = new_figure(dpi=110)
    if frame.height:
        for index, code in enumerate(sorted(frame.get_column("milestone").unique().to_list())):
            part = frame.filter(frame.get_column("milestone") == code).sort("date")
            colour = category_colour(index)
            dates = part.get_column("date").to_list()
            axis.plot(dates, part.get_column("met").to_list(), color=colour, linewidth=2, label=f"{code} met")
            axis.plot(dates, part.get_column("targets").to_list(), color=colour, linestyle="--", linewidth=1)
            axis.axvline(part.get_column("due")[0], color=colour, linestyle=":", linewidth=1)
        axis.legend(loc="upper left", frameon=False, fontsize=8)
        dates_within_calendar(axis)
    else:
        no_data(axis, "no milestones")
    axis.set_ylabel("targets met (dashed: targets in the milestone; dotted: due date)")
    set_titles(axis, report, _subtitle(report), fontsize=8)
    style_axis(axis)
    return save_figure(figure, output)


def _rule_lines(report: Report) -> list[str]:
    """The rule a picture's scores are computed under, in words, wrapped for a chart's subtitle."""
    rule = report.params.get("rule")
    lines = textwrap.wrap(f"Rule: {RULE_TEXT[rule]}", 110) if rule in RULE_TEXT else []
    if report.params.get("on"):
        lines.append(f"On {report.params['on']}" + ("; FICTIONAL data" if _fictional(report) else ""))
    return lines


def _fictional(report: Report) -> bool:
    return any(n.startswith("FICTIONAL") for n in report.notes)


def _hrefs(frame: pl.DataFrame, link: Link | None) -> pl.DataFrame:
    """Each cell's address: its element's page."""
    if link is None:
        return frame
    codes = frame.get_column("element").unique().to_list()
    return frame.with_columns(
        pl.col("element").replace_strict({c: link(c) for c in codes}, return_dtype=pl.Utf8).alias("href")
    )


def _score_colour(field: str, title: str) -> dict[str, Any]:
    # viridis runs from dark (0) to light (1): labels on the darker half are written in white.
    return {
        "field": field,
        "type": "quantitative",
        "scale": {"domain": [0, 1], "scheme": "viridis"},
        "title": title,
        "legend": {"format": ".0%"},
    }


def heatmap_spec(report: Report, link: Link | None = None) -> dict[str, Any] | None:
    """The element × standard heatmap for the pages: each cell the score of the element's own
    targets on that standard under the rule (named in the subtitle), written in it as a percentage
    as well as coloured; a cell leads to its element's page when ``link`` is given."""
    frame = report.frame
    if frame.is_empty() or not {"element", "standard", "score"} <= set(frame.columns):
        return None
    rule = report.params.get("rule", "")
    values = _hrefs(
        frame.with_columns(
            (pl.col("score") * 100).round(0).cast(pl.Int64).cast(pl.Utf8).fill_null("–").alias("text"),
            (pl.col("score") < 0.5).fill_null(False).alias("dark"),
        ),
        link,
    )
    tooltip = [
        {"field": "element"},
        {"field": "standard"},
        {"field": "score", "format": ".0%", "title": f"score ({rule})"},
        {"field": "level"},
        {"field": "met", "title": "targets met"},
        {"field": "targets"},
    ]
    rect: dict[str, Any] = {"color": _score_colour("score", f"score ({rule})"), "tooltip": tooltip}
    text: dict[str, Any] = {
        "text": {"field": "text"},
        "color": {"condition": {"test": "datum.dark", "value": "white"}, "value": "black"},
        "tooltip": tooltip,
    }
    if link is not None:
        rect["href"] = text["href"] = {"field": "href"}
    spec = vega.base_spec(report.title, f"Score under the {rule} rule by force element and standard")
    spec.update(
        title={"text": report.title, "subtitle": _rule_lines(report)},
        height={"step": 18},
        data={"values": vega.values_of(values)},
        encoding={
            "x": {"field": "standard", "type": "nominal", "title": None, "axis": {"labelLimit": 140}},
            "y": {"field": "element", "type": "nominal", "title": None},
        },
        layer=[
            {"mark": {"type": "rect", "stroke": "white", "strokeWidth": 0.5}, "encoding": rect},
            {"mark": {"type": "text", "fontSize": 8}, "encoding": text},
        ],
    )
    return spec


GRID_SYMBOLS = {"met": "✓", "unassessed": "?", "expired": "E"}


def target_grid(
    connection: Connection,
    code: str,
    *,
    rule: str | None = None,
    on: date | None = None,
    moment: datetime | None = None,
) -> Report:
    """The targets of an element and of every element below it (element × requirement, one row per
    target), each with its latest assessment on the date and its attainment: the set the element's
    rolled-up score is computed from under the rule."""
    data = load(connection, moment)
    prep = data.prepared
    codes = prep.elements.get_column("code").to_list()
    if code not in codes:
        raise NotFound(f"no force element '{code}'" + (f" as known on {moment:%Y-%m-%d}" if moment else ""))
    rule = choose_rule(data, rule)
    day = valid_date(moment, on)
    inside = np.flatnonzero(subtree(prep.parent, codes.index(code)))
    order = _depth_first(prep.parent, inside, codes)
    names = dict(data.elements.select("code", "name").iter_rows())
    frame = (
        data.latest_on(day)
        .filter(pl.col("element_code").is_in(order))
        .select(
            pl.col("element_code").alias("element"),
            pl.col("designator").alias("standard"),
            pl.col("code").alias("requirement"),
            pl.col("level").alias("target"),
            "observed",
            "assessed_on",
            "state",
            "attainment",
            "met",
            pl.col("mandatory").fill_null(True),
            "weight",
        )
        .with_columns(
            pl.col("element")
            .replace_strict(names, default=pl.col("element"), return_dtype=pl.Utf8)
            .alias("name"),
            pl.col("element")
            .replace_strict({c: i for i, c in enumerate(order)}, return_dtype=pl.Int64)
            .alias("_order"),
        )
        .sort("_order", "standard", "requirement")
        .drop("_order")
        .select("element", "name", pl.exclude("element", "name"))
    )
    notes = [
        f"rule: {RULE_TEXT[rule]}",
        f"{code}'s score covers these {frame.height} targets (its own and those of the "
        f"{len(order) - 1} element(s) below it); attainment as of {day}",
        "attainment: 1 when the observed level reaches the target, else observed ÷ target (0 when "
        "unassessed or expired)",
    ]
    return Report(
        f"Targets of {code} and the elements below it",
        frame,
        notes=labelled(data, notes),
        units={"attainment": "share"},
        params={"element": code, "rule": rule, "on": day, "as_of": moment},
    )


def _depth_first(parent: np.ndarray, inside: np.ndarray, codes: list[str]) -> list[str]:
    """The codes of ``inside`` (indices of a subtree) in depth-first order, children by code: each
    element followed by those below it. A subtree has at most thousands of elements."""
    children: dict[int, list[int]] = {}
    members = set(inside.tolist())
    for index in sorted(members, key=lambda i: codes[i]):
        up = int(parent[index])
        children.setdefault(up if up in members else -1, []).append(index)
    ordered: list[str] = []
    stack = list(reversed(children.get(-1, [])))
    while stack:
        index = stack.pop()
        ordered.append(codes[index])
        stack.extend(reversed(children.get(index, [])))
    return ordered


def target_grid_spec(report: Report, link: Link | None = None) -> dict[str, Any] | None:
    """The element × requirement grid of ``target_grid``: each cell coloured by the target's
    attainment and marked in text (✓ met, ? no result, E expired), mandatory targets outlined."""
    frame = report.frame
    if frame.is_empty():
        return None
    values = _hrefs(
        frame.with_columns(
            pl.concat_str([pl.col("standard"), pl.col("requirement")], separator=" ").alias("label"),
            pl.when(pl.col("met"))
            .then(pl.lit(GRID_SYMBOLS["met"]))
            .otherwise(pl.col("state").replace_strict(GRID_SYMBOLS, default="", return_dtype=pl.Utf8))
            .alias("symbol"),
            (pl.col("attainment") < 0.5).alias("dark"),
            pl.col("assessed_on").cast(pl.Utf8),
        ),
        link,
    )
    elements = list(dict.fromkeys(values.get_column("element").to_list()))
    requirements = values.select("standard", "requirement", "label").unique().sort("standard", "requirement")
    tooltip = [
        {"field": "element"},
        {"field": "name"},
        {"field": "label", "title": "requirement"},
        {"field": "target"},
        {"field": "observed"},
        {"field": "assessed_on", "title": "assessed on"},
        {"field": "state"},
        {"field": "attainment", "format": ".0%"},
        {"field": "mandatory"},
        {"field": "weight"},
    ]
    rect: dict[str, Any] = {
        "color": _score_colour("attainment", "attainment"),
        "stroke": {"condition": {"test": "datum.mandatory", "value": "black"}, "value": "white"},
        "strokeWidth": {"condition": {"test": "datum.mandatory", "value": 1.5}, "value": 0.5},
        "tooltip": tooltip,
    }
    text: dict[str, Any] = {
        "text": {"field": "symbol"},
        "color": {"condition": {"test": "datum.dark", "value": "white"}, "value": "black"},
        "tooltip": tooltip,
    }
    if link is not None:
        rect["href"] = text["href"] = {"field": "href"}
    spec = vega.base_spec(
        report.title,
        f"Attainment of {values.height} targets of {len(elements)} element(s) on {requirements.height} "
        "requirements; ✓ met, ? no result, E expired; mandatory targets outlined",
    )
    spec.update(
        title={"text": report.title, "subtitle": _rule_lines(report)},
        width={"step": 16},
        height={"step": 18},
        data={"values": vega.values_of(values)},
        encoding={
            "x": {
                "field": "label",
                "type": "nominal",
                "sort": requirements.get_column("label").to_list(),
                "title": None,
                "axis": {"labelAngle": -90, "labelLimit": 150, "labelFontSize": 10},
            },
            "y": {"field": "element", "type": "nominal", "sort": elements, "title": None},
        },
        layer=[
            {"mark": {"type": "rect"}, "encoding": rect},
            {"mark": {"type": "text", "fontSize": 10}, "encoding": text},
        ],
    )
    return spec
