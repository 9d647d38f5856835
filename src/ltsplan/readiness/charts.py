"""Readiness charts from the same Reports the tables show: the heatmap of elements × standards and
the milestone burn-up, drawn with matplotlib (headless) for the command line, and the heatmap as a
Vega-Lite spec for the pages. Both reports are in long form (one row per cell or per milestone ×
month), which is also what a Vega-Lite spec takes as its data values.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from matplotlib import colormaps

from ltsplan.charting import vega
from ltsplan.charting.figures import as_known_on, new_figure, no_data, save_figure, set_titles, style_axis
from ltsplan.report import Report


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
        colours = colormaps["tab10"]
        for index, code in enumerate(sorted(frame.get_column("milestone").unique().to_list())):
            part = frame.filter(frame.get_column("milestone") == code).sort("date")
            colour = colours(index % 10)
            dates = part.get_column("date").to_list()
            axis.plot(dates, part.get_column("met").to_list(), color=colour, linewidth=2, label=f"{code} met")
            axis.plot(dates, part.get_column("targets").to_list(), color=colour, linestyle="--", linewidth=1)
            axis.axvline(part.get_column("due")[0], color=colour, linestyle=":", linewidth=1)
        axis.legend(loc="upper left", frameon=False, fontsize=8)
    else:
        no_data(axis, "no milestones")
    axis.set_ylabel("targets met (dashed: targets in the milestone; dotted: due date)")
    set_titles(axis, report, _subtitle(report), fontsize=8)
    style_axis(axis)
    return save_figure(figure, output)


def heatmap_spec(report: Report) -> dict[str, Any] | None:
    """The element × standard heatmap for the pages."""
    return vega.heatmap(report, x="standard", y="element", value="score")
