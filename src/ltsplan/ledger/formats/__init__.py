"""ltsplan's own ledger formats — CSV, XLSX and JSON — read into ``LedgerBatch``es and written back.

The rules they share (columns, sources, formula protection) are in ``native.py`` and documented in
docs/formats.md; each format's reading and writing is in ``io_csv``, ``io_xlsx`` and ``io_json``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import polars as pl

from ltsplan.errors import LtsplanError
from ltsplan.ledger.model import LedgerBatch

FORMATS = {".csv": "csv", ".xlsx": "xlsx", ".json": "json"}


def read_csv(path: Path, *, progress: Callable[[int], None] | None = None) -> Iterator[LedgerBatch]:
    import ltsplan.ledger.formats.native_csv as io_csv

    return io_csv.read_csv(path, progress=progress)


def read_xlsx(path: Path, *, progress: Callable[[int], None] | None = None) -> Iterator[LedgerBatch]:
    import ltsplan.ledger.formats.native_xlsx as io_xlsx

    return io_xlsx.read_xlsx(path, progress=progress)


def read_json(path: Path, *, progress: Callable[[int], None] | None = None) -> Iterator[LedgerBatch]:
    import ltsplan.ledger.formats.native_json as io_json

    return io_json.read_json(path, progress=progress)


def format_for(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise LtsplanError(f"{path}: cannot export to '{path.suffix}'; name the file .csv, .xlsx or .json")
    return fmt


def write_ledger(path: Path, entries: Iterable[pl.DataFrame], sources: pl.DataFrame) -> int:
    """Write entries (chunks of NATIVE_COLUMNS) and the sources they cite (SOURCE_FIELDS); returns
    the number of entries written. CSV repeats each entry's source on its row; XLSX and JSON list
    the sources once and cite them by id."""
    fmt = format_for(path)
    if fmt == "csv":
        import ltsplan.ledger.formats.native_csv as io_csv

        described = sources.rename({c: f"source_{c}" for c in sources.columns})
        return io_csv.write_csv(
            path,
            (c.join(described, on="source_id", how="left", maintain_order="left") for c in entries),
        )
    if fmt == "xlsx":
        import ltsplan.ledger.formats.native_xlsx as io_xlsx

        return io_xlsx.write_xlsx(path, entries, sources)
    import ltsplan.ledger.formats.native_json as io_json

    return io_json.write_json(path, entries, sources)
