"""Charts drawn with matplotlib (headless), from the same reports the tables show.

The helpers here give every chart (the ledger's below, ``standards_charts``, ``readiness_charts``)
the same look and the same output: ``new_figure``, ``set_titles`` (the report's title on the left,
"as known on …" or another subtitle on the right), ``no_data``, ``style_axis`` (light horizontal grid,
no top or right frame) and ``save_figure`` (PNG and SVG beside each other). They share the pages'
palette (``CATEGORICAL``, from ``vega``) and units: ``money_axis`` writes "€500 bn" as the pages do,
``percent_axis`` "45%".
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.dates import date2num
from matplotlib.ticker import FuncFormatter, PercentFormatter

from ltsplan.charting.vega import CATEGORICAL, money_label
from ltsplan.report import Report

SUBTLE = "#555555"
PALETTE = CATEGORICAL  # the pages' categorical palette: a category has one colour everywhere


def category_colour(index: int) -> str:
    """The palette's ``index``-th colour (it repeats past twelve categories)."""
    return PALETTE[index % len(PALETTE)]


def money_axis(axis: Any, currency: str, which: str = "y") -> None:
    """Tick labels on ``which`` axis as money people read ("€500 bn", "$3.2 bn"): the pages' units."""
    formatter = FuncFormatter(lambda value, _: money_label(value, currency))
    (axis.yaxis if which == "y" else axis.xaxis).set_major_formatter(formatter)


def percent_axis(axis: Any, which: str = "y", *, whole: float = 100.0) -> None:
    """Tick labels on ``which`` axis as "45%" (values out of ``whole``: 100, or 1 for shares)."""
    formatter = PercentFormatter(xmax=whole, decimals=0)
    (axis.yaxis if which == "y" else axis.xaxis).set_major_formatter(formatter)


def new_figure(width: float = 10, height: float = 5.5, dpi: int = 120) -> tuple[Any, Any]:
    """A figure with one axis, whose lines and bars take the palette's colours in turn."""
    figure, axis = plt.subplots(figsize=(width, height), dpi=dpi)
    axis.set_prop_cycle(color=list(PALETTE))
    return figure, axis


def as_known_on(report: Report) -> str:
    """ "as known on YYYY-MM-DD" when the report answers as of a date, else ""."""
    as_of = report.params.get("as_of")
    return f"as known on {as_of:%Y-%m-%d}" if as_of is not None else ""


def set_titles(axis: Any, report: Report, subtitle: str, fontsize: float = 9) -> None:
    """The report's title on the left, and ``subtitle`` (when there is one) on the right."""
    axis.set_title(report.title, loc="left")
    if subtitle:
        axis.set_title(subtitle, loc="right", fontsize=fontsize, color=SUBTLE)


def no_data(axis: Any, message: str) -> None:
    """``message`` in the middle of an empty chart."""
    axis.text(0.5, 0.5, message, ha="center", va="center", transform=axis.transAxes)


def dates_within_calendar(axis: Any) -> None:
    """Keep a date axis's margins within the years 1 to 9999: a series reaching either end (a day in
    the year 1, or 9999-12-31) would otherwise be padded into years matplotlib cannot draw."""
    low, high = axis.get_xlim()
    first, last = date2num(datetime(1, 1, 1)), date2num(datetime(9999, 12, 31))
    if low < first or high > last:
        axis.set_xlim(max(low, first), min(high, last))


def style_axis(axis: Any) -> None:
    """A light horizontal grid and no frame on the top and right."""
    axis.grid(axis="y", color="#dddddd")
    for side in ("top", "right"):
        axis.spines[side].set_visible(False)


def save_figure(figure: Any, output: Path) -> list[Path]:
    """Lay the figure out, write it as ``output`` .png and .svg, close it; returns both paths."""
    output.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    png, svg = output.with_suffix(".png"), output.with_suffix(".svg")
    figure.savefig(png)
    figure.savefig(svg)
    plt.close(figure)
    return [png, svg]
