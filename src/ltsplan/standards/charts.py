"""The adoption-coverage curve, drawn with matplotlib (headless) from the coverage-series report."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ltsplan.charting.figures import (
    as_known_on,
    category_colour,
    dates_within_calendar,
    new_figure,
    no_data,
    percent_axis,
    save_figure,
    set_titles,
    style_axis,
)
from ltsplan.report import Report


def coverage_curve(report: Report, output: Path) -> list[Path]:
    """Coverage (implemented ÷ applicable) at each point of the series, one line per country (and
    domain, when the series is by domain); writes PNG and SVG and returns their paths."""
    frame = report.frame
    figure, axis = new_figure()
    keys = [k for k in ("country", "domain") if k in frame.columns]
    plotted = frame.filter(pl.col("coverage").is_not_null()) if frame.height else frame
    if plotted.height:
        groups = plotted.partition_by(keys, maintain_order=True, as_dict=True)
        for index, (key, part) in enumerate(groups.items()):
            label = " — ".join(str(k) for k in key)
            days = part.get_column("day").to_list()
            shares = [100 * v for v in part.get_column("coverage").to_list()]
            axis.plot(
                days,
                shares,
                label=label,
                color=category_colour(index),
                linewidth=2,
                marker="o",
                markersize=3,
            )
        axis.legend(loc="upper left", frameon=False, fontsize=8, ncol=2 if len(groups) > 6 else 1)
        axis.set_ylim(0, 100)
        dates_within_calendar(axis)
        percent_axis(axis)
    else:
        no_data(axis, "no applicable standards")
    axis.set_ylabel("implemented ÷ applicable standards")
    set_titles(axis, report, as_known_on(report))
    if any("FICTIONAL" in n for n in report.notes):
        figure.text(
            0.99, 0.01, "FICTIONAL demonstration data", ha="right", va="bottom", fontsize=9, color="#8b1a1a"
        )
    style_axis(axis)
    return save_figure(figure, output)
