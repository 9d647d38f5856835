"""The adoption-coverage curve, drawn with matplotlib (headless) from the coverage-series report."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import polars as pl

from ltsplan.report import Report

PALETTE = ("#1f4e79", "#2e8b57", "#d2691e", "#8b1a1a", "#6a5acd", "#b8860b", "#2f4f4f", "#c71585")


def coverage_curve(report: Report, output: Path) -> list[Path]:
    """Coverage (implemented ÷ applicable) at each point of the series, one line per country (and
    domain, when the series is by domain); writes PNG and SVG and returns their paths."""
    output.parent.mkdir(parents=True, exist_ok=True)
    frame = report.frame
    figure, axis = plt.subplots(figsize=(10, 5.5), dpi=120)
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
                color=PALETTE[index % len(PALETTE)],
                linewidth=2,
                marker="o",
                markersize=3,
            )
        axis.legend(loc="upper left", frameon=False, fontsize=8, ncol=2 if len(groups) > 6 else 1)
        axis.set_ylim(0, 100)
    else:
        axis.text(0.5, 0.5, "no applicable standards", ha="center", va="center", transform=axis.transAxes)
    axis.set_ylabel("implemented ÷ applicable standards, %")
    axis.set_title(report.title, loc="left")
    as_of = report.params.get("as_of")
    if as_of is not None:
        axis.set_title(f"as known on {as_of:%Y-%m-%d}", loc="right", fontsize=9, color="#555555")
    if any("FICTIONAL" in n for n in report.notes):
        figure.text(
            0.99, 0.01, "FICTIONAL demonstration data", ha="right", va="bottom", fontsize=9, color="#8b1a1a"
        )
    axis.grid(axis="y", color="#dddddd")
    for side in ("top", "right"):
        axis.spines[side].set_visible(False)
    figure.tight_layout()
    png = output.with_suffix(".png")
    svg = output.with_suffix(".svg")
    figure.savefig(png)
    figure.savefig(svg)
    plt.close(figure)
    return [png, svg]
