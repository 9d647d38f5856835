"""Render a Report as a terminal table, CSV or JSON: one renderer per format, shared by every face."""

from __future__ import annotations

import csv
import io
import json
import math
from typing import Any

from rich.console import Console
from rich.table import Table

from ltsplan.formats.cells import neutralise_formula
from ltsplan.report import Report

FORMATS = ("table", "csv", "json")


def format_cell(value: Any, unit: str | None = None) -> str:
    """A value as every face's tables show it: — for nothing, thousands separated, units applied."""
    if value is None:
        return "—"
    if isinstance(value, float):
        if math.isnan(value):
            return "—"
        if unit == "%":
            return f"{value:,.1f}%"
        if unit == "share":
            return f"{value:.1%}"
        if unit == "% of GDP":
            return f"{value:.3f}%"
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        return f"{value:,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def to_table(report: Report, console: Console) -> None:
    table = Table(title=report.title, title_justify="left")
    for name, dtype in report.frame.schema.items():
        unit = report.units.get(name)
        header = f"{name} ({unit})" if unit and unit not in ("%", "share") else name
        numeric = dtype.is_numeric()
        table.add_column(header, justify="right" if numeric else "left", overflow="fold")
    for row in report.frame.iter_rows():
        table.add_row(
            *(format_cell(v, report.units.get(n)) for n, v in zip(report.frame.columns, row, strict=False))
        )
    console.print(table)
    for note in report.notes:
        console.print(f"[dim]note:[/dim] {note}")


def to_csv(report: Report) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(report.frame.columns)
    for row in report.frame.iter_rows():
        writer.writerow(
            [
                "" if v is None else neutralise_formula(v.isoformat() if hasattr(v, "isoformat") else v)
                for v in row
            ]
        )
    return buffer.getvalue()


def to_json(report: Report) -> str:
    return json.dumps(report.as_dict(), indent=2, ensure_ascii=False, default=str, allow_nan=False)


def render(report: Report, fmt: str, console: Console) -> None:
    if fmt == "table":
        to_table(report, console)
    elif fmt == "csv":
        console.file.write(to_csv(report))
    elif fmt == "json":
        console.file.write(to_json(report) + "\n")
    else:
        raise ValueError(f"unknown format '{fmt}'; use one of {', '.join(FORMATS)}")
