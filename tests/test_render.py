"""The renderers every face shares: terminal tables readable, CSV and JSON exact."""

from __future__ import annotations

import csv
import io
import json
import re

import polars as pl
from rich.console import Console

from ltsplan.render import TABLE_CELL_LIMIT, render
from ltsplan.report import Report


def _report() -> Report:
    frame = pl.DataFrame(
        {
            "donor": ["DEU", "=HYPERLINK(1)"],
            "pledged": [47_665_256_000.0, 1_500_000_000.0],
            "delivered": [2_500_000.0, 0.0],
            "members": ["A" * (TABLE_CELL_LIMIT + 30), "B"],
        }
    )
    return Report("Support", frame, ["a note"], {"pledged": "EUR", "delivered": "EUR"})


def _table(report: Report) -> str:
    console = Console(file=io.StringIO(), width=250, color_system=None)
    render(report, "table", console)
    return console.file.getvalue()  # type: ignore[attr-defined]


def test_money_columns_are_scaled_in_tables_and_the_header_says_so() -> None:
    text = _table(_report())
    assert "pledged (EUR bn)" in text
    assert "delivered (EUR m)" in text
    assert "47.67" in text and "1.50" in text and "2.50" in text
    assert "47,665,256,000" not in text


def test_long_cells_are_cut_in_tables_with_a_note_but_whole_in_csv_and_json() -> None:
    report = _report()
    long_value = report.frame.get_column("members")[0]
    text = _table(report)
    assert long_value not in text
    assert "long cells are cut here" in text
    rows = list(csv.DictReader(io.StringIO(_render(report, "csv"))))
    assert rows[0]["members"] == long_value
    body = json.loads(_render(report, "json"))
    assert body["rows"][0]["members"] == long_value


def test_csv_keeps_full_unscaled_values_and_defuses_formulas() -> None:
    rows = list(csv.DictReader(io.StringIO(_render(_report(), "csv"))))
    assert float(rows[0]["pledged"]) == 47_665_256_000.0
    assert rows[1]["donor"].startswith("'=")


def _render(report: Report, fmt: str) -> str:
    buffer = io.StringIO()
    render(report, fmt, Console(file=buffer))
    return buffer.getvalue()


def test_a_source_named_in_words_leaves_its_id_to_csv_and_json() -> None:
    named = pl.DataFrame({"actor": ["HUN"], "sources": ["A report (B2)"], "source_id": ["5e1f"]})
    bare = pl.DataFrame({"actor": ["HUN"], "source_id": ["5e1f"]})
    assert "source_id" not in _table(Report("Positions", named))
    assert "source_id" in _table(Report("Positions", bare))  # the id is all there is to go by
    assert next(csv.reader(io.StringIO(_render(Report("Positions", named), "csv")))) == list(named.columns)
    assert json.loads(_render(Report("Positions", named), "json"))["rows"][0]["source_id"] == "5e1f"


def _by_year() -> Report:
    frame = pl.DataFrame({"year": [2023, 2024], "gdp_year": [2021, 2021], "entries": [2023, 12]})
    return Report("Support by year", frame, [], {})


def test_years_are_shown_as_years_and_counts_thousands_separated_in_tables() -> None:
    text = _table(_by_year())
    assert "2,023" in text  # the count of entries
    assert "2,024" not in text and "2,021" not in text
    assert re.search(r"│\s*2024\s*│\s*2021\s*│\s*12\s*│", text)


def test_years_are_shown_as_years_on_the_pages() -> None:
    from ltsplan.web.pages import table_of

    cells = [[cell["text"] for cell in row] for row in table_of(_by_year())["rows"]]
    assert cells == [["2023", "2021", "2,023"], ["2024", "2021", "12"]]
