"""Charts drawn with matplotlib (headless), from the same reports the tables show."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from ltsplan.report import Report


def pledged_vs_delivered(report: Report, output: Path) -> list[Path]:
    """Cumulative pledged, allocated and delivered over time; writes PNG and SVG."""
    output.parent.mkdir(parents=True, exist_ok=True)
    frame = report.frame
    currency = report.params.get("currency", "EUR")
    figure, axis = plt.subplots(figsize=(10, 5.5), dpi=120)
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
        axis.text(0.5, 0.5, "no ledger entries", ha="center", va="center", transform=axis.transAxes)
    axis.set_ylabel(f"{currency} billion, cumulative")
    axis.set_title(report.title, loc="left")
    as_of = report.params.get("as_of")
    if as_of is not None:
        axis.set_title(f"as known on {as_of:%Y-%m-%d}", loc="right", fontsize=9, color="#555555")
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
