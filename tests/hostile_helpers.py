"""Helpers for tests that feed ltsplan hostile input and check it was refused without a trace."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import MetaData, create_engine, select

from ltsplan.formats.csv_out import csv_text

EXAMPLE_LEDGER = Path(__file__).resolve().parents[1] / "docs" / "examples" / "ledger.csv"


def table_hashes(database_url: str) -> dict[str, str]:
    """A SHA-256 of every table's rows, by table name, for the database at ``database_url``.

    Take it before and after an import that must be refused, and compare: equal dictionaries mean
    nothing was written (no row added, changed or removed in any table, the import log included).
    The tables are those the database holds at the time (``MetaData.reflect``), so a migration run
    by the import would show as well. Rows are hashed each as the ``repr`` of its values (so
    ``None``, ``"None"`` and a NUL character hash apart) and the row hashes sorted before they are
    combined, so the result does not depend on the order the database returns rows in (and no
    column needs to be orderable: PostgreSQL cannot order by a JSON column).
    """
    engine = create_engine(database_url)
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        hashes = {}
        with engine.connect() as connection:
            for name, table in sorted(metadata.tables.items()):
                rows = sorted(
                    hashlib.sha256(repr(tuple(row)).encode("utf-8", "surrogatepass")).digest()
                    for row in connection.execute(select(table))
                )
                hashes[name] = hashlib.sha256(b"".join(rows)).hexdigest()
        return hashes
    finally:
        engine.dispose()


def ledger_with_text(path: Path, values: Iterable[str], prefix: str) -> Path:
    """The example ledger's first entry once per value, with the value in every free-text column
    (description, note, item) and references PREFIX-0, PREFIX-1, …, written as an export writes
    it (protected, quoted)."""
    with EXAMPLE_LEDGER.open(newline="", encoding="utf-8") as handle:
        header, template, *_ = csv.reader(handle)
    rows = []
    for number, value in enumerate(values):
        row = dict(zip(header, template, strict=True))
        row.update(reference=f"{prefix}-{number}", description=value, note=value, item=value)
        rows.append([row[h] for h in header])
    path.write_bytes(csv_text(header, rows).encode("utf-8"))
    return path
