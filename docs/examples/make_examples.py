"""Write docs/examples/ledger.csv and ledger.xlsx from ledger.json, so that the three examples
describe the same ledger: ``.venv/bin/python docs/examples/make_examples.py``.

The CSV describes each entry's source on its row; the workbook has an ``entries`` sheet citing a
``sources`` sheet by label, as the JSON does. Text that a spreadsheet would run as a formula is
protected with a leading apostrophe, as ltsplan's exports do (docs/formats.md).
"""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

from openpyxl import Workbook

from ltsplan.ledger.formats.native import SOURCE_FIELDS, protect

HERE = Path(__file__).parent
COLUMNS = [
    "dataset",
    "reference",
    "kind",
    "stage",
    "donor",
    "recipient",
    "category",
    "subtype",
    "event_date",
    "period_start",
    "period_end",
    "amount",
    "currency",
    "value_date",
    "item",
    "quantity",
    "description",
    "commitment_id",
    "note",
    "recorded_at",
]
DATES = {"event_date", "period_start", "period_end", "value_date", "date"}


def cell(name: str, value: object) -> object:
    if isinstance(value, str):
        return date.fromisoformat(value) if name in DATES else protect(value)
    return value


def main() -> None:
    ledger = json.loads((HERE / "ledger.json").read_text(encoding="utf-8"))
    sources = {s["id"]: s for s in ledger["sources"]}
    source_columns = [f"source_{f}" for f in SOURCE_FIELDS if f != "id"]

    with (HERE / "ledger.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS + source_columns)
        for entry in ledger["entries"]:
            source = sources[entry["source_id"]]
            values = [entry.get(c) for c in COLUMNS] + [
                source.get(c.removeprefix("source_")) for c in source_columns
            ]
            writer.writerow(["" if v is None else protect(v) if isinstance(v, str) else v for v in values])

    workbook = Workbook()
    entries = workbook.active
    entries.title = "entries"
    entries.append([*COLUMNS, "source_id"])
    for entry in ledger["entries"]:
        entries.append([cell(c, entry.get(c)) for c in [*COLUMNS, "source_id"]])
    listed = workbook.create_sheet("sources")
    listed.append(SOURCE_FIELDS)
    for source in ledger["sources"]:
        listed.append([cell(f, source.get(f)) for f in SOURCE_FIELDS])
    for sheet in (entries, listed):
        for column in sheet.columns:
            if isinstance(column[1].value, date):
                for c in column[1:]:
                    c.number_format = "yyyy-mm-dd"
    workbook.save(HERE / "ledger.xlsx")


if __name__ == "__main__":
    main()
