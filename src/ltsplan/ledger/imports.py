"""Importing a ledger file: pick the reader, validate everything, write in one transaction.

Readers live beside their domain (``ledger/io_native.py``, ``ledger/iati.py``, ``ledger/kiel.py``) and
all return a ``LedgerBatch``; this module is the one place that writes what they read.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

import polars as pl
from sqlalchemy import Connection

from ltsplan.errors import InvalidInput, LtsplanError, Problem
from ltsplan.formats.csv_in import header_cells
from ltsplan.formats.text import decode_utf8
from ltsplan.ledger.links import CommitmentLinks
from ltsplan.ledger.model import LedgerBatch
from ltsplan.ledger.money import conversion_notes_of, rates_for
from ltsplan.ledger.rules import LINE
from ltsplan.ledger.writes import (
    PreparedBatch,
    WriteSummary,
    WrittenBefore,
    end_before_later_snapshots,
    orphaned_deliveries,
    prepare,
    record_snapshot,
    store_entries,
    validate,
    valued_like_commitments,
    withdraw_absent,
    write_batch,
)
from ltsplan.prefetch import prefetched
from ltsplan.records.writing import Written, log_run, write_skip_report
from ltsplan.store.bulk import bulk_load
from ltsplan.store.db import Database, streaming_cache
from ltsplan.store.history import WriteResult
from ltsplan.store.time import utcnow

Progress = Callable[[int], None]


class Reader(Protocol):
    """Reads a file as a stream of batches, so memory stays bounded whatever the file's size.

    ``progress`` is called with the number of bytes read so far."""

    def __call__(self, path: Path, *, progress: Progress | None = None) -> Iterable[LedgerBatch]: ...


# format → "module:function"; imported on use so that one reader's dependencies never slow another.
READERS = {
    "csv": "ltsplan.ledger.formats:read_csv",
    "xlsx": "ltsplan.ledger.formats:read_xlsx",
    "json": "ltsplan.ledger.formats:read_json",
    "iati": "ltsplan.ledger.formats.iati:read_iati",
    "kiel": "ltsplan.ledger.formats.kiel:read_kiel",
    "kiel-weapons": "ltsplan.ledger.formats.kiel_weapons:read_weapons",
    "kiel-totals": "ltsplan.ledger.formats.kiel_totals:check_totals",
    "fts": "ltsplan.ledger.formats.fts:read_fts",
}
# Formats that check the ledger against a file instead of adding to it: their function takes a
# connection and the path and returns notes (``check_file``); nothing is written.
CHECKS = {"kiel-totals"}
# From this size on an import takes a SQLite file for itself (``Database.transaction(bulk=True)``):
# a file this large takes seconds to import, and its pages are written once instead of twice.
BULK_JOURNAL_BYTES = 64 * 2**20
# The CSV formats a header is tried against, in order: a column of its own tells each of the Kiel
# tracker's files (whose reader then names any column it misses); ltsplan's ledger CSV is told by any
# of its required columns.
CSV_SIGNATURES = {
    "kiel": ("to_be_allocated", "commitments"),
    "kiel-weapons": ("number_of_weapons", "weapons_list"),
    "kiel-totals": ("total_allocations",),
}
CSV_FORMATS = {
    "kiel": "the Kiel tracker's data_explorer.csv (country, iso, year, month, …, to_be_allocated)",
    "kiel-weapons": "its weapons.csv (donor, category, number_of_weapons, monetary_value_eur, weapons_list)",
    "kiel-totals": "its total_allocations.csv (year, month, total_allocations, military, …)",
    "csv": "ltsplan's ledger CSV (dataset, kind, stage, donor, category, event_date, …)",
}


def reader_for(fmt: str) -> Reader:
    if fmt not in READERS:
        raise LtsplanError(f"unknown import format '{fmt}'; use one of {', '.join(READERS)}")
    if fmt in CHECKS:
        raise LtsplanError(f"'{fmt}' checks the ledger against a file and reads no entries (check_file)")
    module, function = READERS[fmt].split(":")
    reader: Reader = getattr(importlib.import_module(module), function)
    return reader


def guess_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".xml":
        return "iati"
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    if suffix == ".json":
        from ltsplan.ledger.formats.fts_flows import is_fts

        return "fts" if is_fts(path) else "json"
    if suffix == ".csv":
        with path.open("rb") as handle:
            first = decode_utf8(handle.readline(), str(path), "CSV")
        return _csv_format(path, header_cells(first, str(path)))
    raise LtsplanError(
        f"{path}: cannot tell the format from the name; give --format (one of {', '.join(READERS)})"
    )


def _csv_format(path: Path, header: list[str]) -> str:
    """The CSV format a header is, or one message naming the formats tried and quoting the header
    (not a problem per row of a file that is no ledger at all)."""
    from ltsplan.ledger.formats.native import REQUIRED_COLUMNS
    from ltsplan.ledger.formats.native_csv import header_shown

    names = {h.lower() for h in header}
    for fmt, columns in CSV_SIGNATURES.items():
        if names & set(columns):
            return fmt
    if not header or names & set(REQUIRED_COLUMNS):
        return "csv"
    tried = "; ".join(f"{fmt}: {what}" for fmt, what in CSV_FORMATS.items())
    raise LtsplanError(
        f"{path}: not a format ltsplan reads. Its header begins {header_shown(header)}, and the CSV "
        f"formats tried were {tried}. Give --format to read it as one of them anyway (docs/formats.md)"
    )


def check_file(database: Database, path: Path, fmt: str, *, replace: bool = False) -> ImportOutcome:
    """A check format's comparison of a file with the ledger: its notes, nothing written."""
    if replace:
        raise LtsplanError(f"{path}: a {fmt} file is a check and writes nothing; --replace has nothing to do")
    module, function = READERS[fmt].split(":")
    check: Callable[[Connection, Path], list[str]] = getattr(importlib.import_module(module), function)
    with database.reading() as connection:
        notes = check(connection, path)
    return ImportOutcome(path, fmt, WriteSummary(WriteResult(), WriteResult(), [], notes))


@dataclass
class ImportOutcome:
    path: Path
    format: str
    summary: WriteSummary
    report_path: Path | None = None


def import_file(
    database: Database,
    path: Path,
    *,
    fmt: str | None = None,
    skip_invalid: bool = False,
    recorded_at: datetime | None = None,
    progress: Progress | None = None,
    report_dir: Path | None = None,
    replace: bool = False,
) -> ImportOutcome:
    """Read, validate and write a file in one transaction.

    Batches are written as they arrive; once any batch has a problem, later batches are still read
    and checked (so that every problem is listed) but not written, and the transaction is rolled
    back at the end: an invalid file writes nothing. With ``skip_invalid`` the invalid records are
    left out, named in a report, and the rest is written. With ``replace`` the file is the whole
    of the datasets it names: their live entries and plans it no longer has are withdrawn as of
    this import (a revised release drops a record; its history stays).
    """
    if replace and skip_invalid:
        raise LtsplanError(
            "--replace and --skip-invalid do not go together: a skipped record would be withdrawn; "
            "correct the file, or import it without --replace"
        )
    if not path.exists():
        raise LtsplanError(f"{path}: no such file")
    if not path.is_file():
        raise LtsplanError(f"{path}: not a file")
    chosen = fmt or guess_format(path)
    if chosen in CHECKS:
        return check_file(database, path, chosen, replace=replace)
    read = reader_for(chosen)(path, progress=progress)
    with database.reading() as connection:
        rates = rates_for(connection)
    # The next batch is read and checked on a second thread while this one is written.
    prepared = prefetched(
        (prepare(batch, rates=rates, file=str(path)) for batch in read), name="ltsplan-import"
    )
    bulk = path.stat().st_size >= BULK_JOURNAL_BYTES
    with closing(prepared), database.transaction(bulk=bulk) as connection, streaming_cache(connection):
        bulk_load(connection)
        summary, report_path = write_batches(
            connection,
            prepared,
            origin=str(path),
            fmt=chosen,
            recorded_at=recorded_at or utcnow(),
            skip_invalid=skip_invalid,
            replace=replace,
            report_dir=report_dir,
        )
    return ImportOutcome(path, chosen, summary, report_path)


def write_batches(
    connection: Connection,
    batches: Iterable[PreparedBatch],
    *,
    origin: str,
    fmt: str,
    recorded_at: datetime,
    skip_invalid: bool = False,
    replace: bool = False,
    report_dir: Path | None = None,
) -> tuple[WriteSummary, Path | None]:
    """The ledger's write path, for a file's batches, a request body or the demo, in the caller's
    transaction: each batch checked and written, every problem collected (nothing is written when
    there is one, unless ``skip_invalid``), ``replace``'s withdrawals, one ``import_run`` row."""
    problems: list[Problem] = []
    summary = WriteSummary(WriteResult(), WriteResult(), [], [])
    datasets: set[str] = set()
    present: dict[str, list[pl.Series]] = {"ledger_entry": [], "ledger_plan": []}
    links = CommitmentLinks()
    linked: list[pl.DataFrame] = []  # with replace: the lines of the file's deliveries that name a commitment
    given_before = WrittenBefore()
    conversions = []
    for batch in batches:
        entries = batch.entries
        conversions.append(batch.conversions)
        if "dataset" in entries.columns:
            datasets.update(entries.get_column("dataset").drop_nulls().unique().to_list())
        if problems and not skip_invalid:
            problems.extend(validate(connection, batch, file=origin))
            _read_links(connection, links, batch.entries)
            continue
        try:
            part = write_batch(
                connection,
                batch,
                recorded_at=recorded_at,
                skip_invalid=skip_invalid,
                links=links,
                written=given_before,
            )
        except InvalidInput as invalid:
            problems.extend(invalid.problems)
            _read_links(connection, links, batch.entries)
            continue
        if replace:
            present["ledger_entry"].append(_ids(batch.stored))
            linked.append(_delivery_lines(batch.entries))
            present["ledger_plan"].append(_ids(batch.plans))
            if batch.plans is not None:
                datasets.update(batch.plans.get_column("dataset").drop_nulls().unique().to_list())
        summary.entries += part.entries
        summary.plans += part.plans
        summary.skipped.extend(part.skipped)
        summary.notes.extend(n for n in part.notes if n not in summary.notes)
    came, unlinked = links.settle(connection, origin)
    if unlinked and skip_invalid and not problems:
        summary.skipped.extend(unlinked)
    else:
        problems.extend(unlinked)
    if problems:
        raise InvalidInput(problems, f"{origin}: {len(problems)} problem(s); nothing was written")
    if came is not None:
        came = valued_like_commitments(connection, came, links, batch.rates)
        summary.entries += store_entries(connection, came, recorded_at=recorded_at, ended=given_before.ended)
    withdrawn = 0
    if replace:
        summary.entries.retracted, summary.plans.retracted = withdraw_absent(
            connection,
            datasets,
            present,
            at=recorded_at,
            ended=given_before.ended,
        )
        withdrawn = summary.entries.retracted + summary.plans.retracted
    if given_before.ended:
        located = pl.concat(linked) if linked else pl.DataFrame(schema={"id": pl.Utf8, LINE: pl.Int64})
        orphaned = orphaned_deliveries(
            connection, given_before.ended, at=recorded_at, file=origin, lines=located
        )
        if orphaned:
            raise InvalidInput(orphaned, f"{origin}: {len(orphaned)} problem(s); nothing was written")
    end_before_later_snapshots(connection, datasets, at=recorded_at)
    if replace:
        record_snapshot(connection, datasets, at=recorded_at)
    summary.notes.extend(conversion_notes_of(pl.concat(conversions)) if conversions else [])
    written = Written(recorded_at, {"entries": summary.entries, "plans": summary.plans}, summary.skipped)
    if summary.skipped:
        written.report = write_skip_report(Path(origin), summary.skipped, report_dir)
    log_run(
        connection, written, origin=origin, fmt=fmt, dataset=", ".join(sorted(datasets)), withdrawn=withdrawn
    )
    return summary, written.report


def _read_links(connection: Connection, links: CommitmentLinks, entries: pl.DataFrame) -> None:
    """A file already refused is still read to the end for its problems, links included."""
    if entries.height and {"id", "kind", "commitment_id"} <= set(entries.columns):
        links.note(entries)
        links.hold(entries, None, links.waiting(connection, entries))


def _delivery_lines(entries: pl.DataFrame) -> pl.DataFrame:
    """Id and line of the entries that name a commitment (where the reader gave lines)."""
    if not {"id", "commitment_id", LINE} <= set(entries.columns):
        return pl.DataFrame(schema={"id": pl.Utf8, LINE: pl.Int64})
    named = entries.filter(pl.col("commitment_id").is_not_null())
    return named.select(pl.col("id").cast(pl.Utf8), pl.col(LINE).cast(pl.Int64))


def _ids(frame: pl.DataFrame | None) -> pl.Series:
    return frame.get_column("id") if frame is not None else pl.Series("id", [], dtype=pl.Utf8)
