"""Render a Report as a terminal table, CSV or JSON: one renderer per format, shared by every face."""

from __future__ import annotations

import json
import math
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from ltsplan.formats.csv_out import csv_text
from ltsplan.formats.text import printable
from ltsplan.report import Report

FORMATS = ("table", "csv", "json")


def names_a_year(column: str | None) -> bool:
    """A column whose whole numbers name a year (``year``, ``gdp_year``, ``…_year``) instead of
    counting something: the year 2023 is not "2,023", though 2,023 entries are."""
    return column is not None and (column == "year" or column.endswith("_year"))


def shown_as(value: float, digits: int) -> float:
    """``value`` rounded to the ``digits`` it is shown with, without the sign of a negative value
    that rounds to zero: -0.0000001 of a share is "0.0%", not "-0.0%"."""
    return round(value, digits) + 0.0


def format_cell(value: Any, unit: str | None = None, *, column: str | None = None) -> str:
    """A value as every face's tables show it: — for nothing, thousands separated (but in a
    column that ``names_a_year``), units applied."""
    if value is None:
        return "—"
    if isinstance(value, float):
        if math.isnan(value):
            return "—"
        if unit == "%":
            return f"{shown_as(value, 1):,.1f}%"
        if unit == "share":
            return f"{shown_as(value * 100, 1):.1f}%"
        if unit == "% of GDP":
            return f"{shown_as(value, 3):.3f}%"
        if abs(value) >= 1000:
            return f"{shown_as(value, 0):,.0f}"
        return f"{shown_as(value, 2):,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value) if names_a_year(column) else f"{value:,}"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


TABLE_CELL_LIMIT = 60  # characters; a terminal table with longer cells becomes unreadable
MONEY_SCALES = ((1e9, "bn"), (1e6, "m"))


def money_scale(values: list[Any]) -> tuple[float, str]:
    """The divisor and suffix that make a money column readable (EUR bn, EUR m), from its largest value."""
    largest = max((abs(v) for v in values if isinstance(v, float | int) and v == v), default=0.0)
    for divisor, suffix in MONEY_SCALES:
        if largest >= divisor:
            return divisor, suffix
    return 1.0, ""


def _is_currency(unit: str | None) -> bool:
    return unit is not None and len(unit) == 3 and unit.isalpha() and unit.isupper()


def to_table(report: Report, console: Console) -> None:
    """A terminal table: money columns scaled to millions or billions (said in the header), long
    text cut with a note; CSV and JSON always carry the full, unscaled values."""
    if report.frame.is_empty():  # a header of many columns over no rows says nothing
        console.print(f"{report.title}: no rows")
        print_notes(console, report.notes)
        return
    table = Table(title=report.title, title_justify="left")
    frame = report.frame
    if "source_id" in frame.columns and {"source", "sources"} & set(frame.columns):
        # The id links a row to its source for CSV, JSON and the pages; a reader of the terminal
        # has the source named in words beside it, and the width for something else.
        frame = frame.drop("source_id")
    scales: dict[str, float] = {}
    for name, dtype in frame.schema.items():
        unit = report.units.get(name)
        label = unit
        if _is_currency(unit) and dtype.is_numeric():
            divisor, suffix = money_scale(frame.get_column(name).to_list())
            scales[name] = divisor
            label = f"{unit} {suffix}".strip()
        header = f"{name} ({label})" if label and label not in ("%", "share") else name
        table.add_column(header, justify="right" if dtype.is_numeric() else "left", overflow="fold")
    cut = False
    for row in frame.iter_rows():
        cells = []
        for name, value in zip(frame.columns, row, strict=True):
            scale = scales.get(name)
            if scale and isinstance(value, float | int) and not isinstance(value, bool):
                text = f"{value / scale:,.2f}" if scale > 1 else format_cell(float(value))
            else:
                text = format_cell(value, report.units.get(name), column=name)
            if len(text) > TABLE_CELL_LIMIT:
                text = text[: TABLE_CELL_LIMIT - 1] + "…"
                cut = True
            cells.append(Text(printable(text)))  # data, never markup or escape sequences
        table.add_row(*cells)
    console.print(table)
    print_notes(console, report.notes)
    if cut:
        console.print("[dim]note:[/dim] long cells are cut here; --format csv or json gives them whole")


def print_notes(console: Console, notes: list[str]) -> None:
    """Notes under an answer, dimmed; their text (which may quote the input) printed as text."""
    for note in notes:
        console.print(f"[dim]note:[/dim] {escape(printable(note))}")


def to_csv(report: Report) -> str:
    """The report's frame as CSV, written as every CSV export is (``formats.csv_out``)."""
    return csv_text(report.frame.columns, report.frame.iter_rows())


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
