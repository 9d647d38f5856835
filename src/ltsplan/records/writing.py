"""The one write path of records given in files of sections, in request bodies, by the demo and by
commands: read (``records.sections``, ``records.reading``) → each record's field rules → the rules
across records, against what is stored → the versioned write → one ``import_run`` row.

One transaction: with any problem nothing is written and every problem is listed (``InvalidInput``),
unless ``skip_invalid``: then the records with problems are left out (and, in turn, those that named
them), each problem is written to a report beside the file, and the rest is written. A revision
(``revise``: a PUT) must name records that exist. Re-writing the same records changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Connection, DateTime, Integer, String, Table, Text, insert

from ltsplan.errors import InvalidInput, LtsplanError, Problem
from ltsplan.formats.csv_out import write_rows
from ltsplan.records.reading import Located
from ltsplan.records.sections import Sections, SectionsFile, guess_format, read, read_document
from ltsplan.store.db import Database
from ltsplan.store.history import WriteResult, write_versions
from ltsplan.store.schema import metadata
from ltsplan.store.time import live_ids, utcnow

# Every write, by whatever way it came: when, from where, in what format, and what it did.
import_run = Table(
    "import_run",
    metadata,
    Column("row_id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),
    Column("path", Text, nullable=False),
    Column("format", String(16), nullable=False),
    Column("dataset", String(80)),
    Column("inserted", Integer, nullable=False),
    Column("revised", Integer, nullable=False),
    Column("unchanged", Integer, nullable=False),
    Column("skipped", Integer, nullable=False),
    Column("report", Text),
    Column("withdrawn", Integer, nullable=False, server_default="0"),  # by --replace
)

NOT_THERE = "no such record to revise; create it with POST"
# Rules across records, against what is stored: every problem of the records read (pure but for
# the lookups of stored records the caller's function makes on ``connection``).
CrossCheck = Callable[[Connection, SectionsFile], list[Problem]]
# When a record became known, where it says so itself (a scenario's replayed history); None: now.
RecordTime = Callable[[Located], datetime | None]


@dataclass
class Written:
    """What one write did, per section, when, and what it skipped."""

    recorded_at: datetime
    results: dict[str, WriteResult] = field(default_factory=dict)
    skipped: list[Problem] = field(default_factory=list)
    report: Path | None = None

    @property
    def total(self) -> WriteResult:
        total = WriteResult()
        for result in self.results.values():
            total += result
        return total

    def lines(self) -> list[str]:
        return [
            f"{name}: {r.inserted} new, {r.revised} revised, {r.unchanged} unchanged"
            for name, r in self.results.items()
        ]


def write_found(
    connection: Connection,
    found: SectionsFile,
    *,
    recorded_at: datetime,
    origin: str,
    fmt: str,
    cross_check: CrossCheck | None = None,
    skip_invalid: bool = False,
    revise: bool = False,
    report_dir: Path | None = None,
    summary: str | None = None,
) -> Written:
    """Check and write what ``found`` holds, in the caller's transaction (see the module's doc).
    ``summary``: the message of a refusal, with ``{origin}`` and ``{n}`` (the problems) in it."""
    problems = list(found.problems) + given_twice(found)
    if cross_check is not None:
        problems += cross_check(connection, found)
    if revise:
        problems += not_there(connection, found.found.values())
    if problems and not skip_invalid:
        said = summary or "{origin}: {n} problem(s); nothing was written"
        raise InvalidInput(problems, said.format(origin=origin, n=len(problems)))
    skipped = list(problems)
    while problems:  # leave out the records with problems, then find those that named them
        drop(found.found.values(), problems)
        problems = given_twice(found) + (cross_check(connection, found) if cross_check is not None else [])
        skipped += problems
    written = Written(recorded_at)
    for section in found.sections.names:
        items = [x for x in found.found[section] if x.ok]
        if items:
            written.results[section] = write_located(
                connection, items, recorded_at=recorded_at, record_time=own_record_time
            )
    if skipped:
        written.skipped = skipped
        written.report = write_skip_report(Path(origin), skipped, report_dir)
    log_run(connection, written, origin=origin, fmt=fmt, dataset=found.sections.name)
    return written


def own_record_time(item: Located) -> datetime | None:
    """The time a record says it became known (``recorded_at``), if it says so."""
    moment = item.extra.get("recorded_at")
    return moment if isinstance(moment, datetime) else None


def given_twice(found: SectionsFile) -> list[Problem]:
    """A record given twice in what is written at once (the same id): a problem at the second."""
    problems = []
    for section, items in found.found.items():
        first: dict[str, Located] = {}
        for item in items:
            if not item.ok:
                continue
            earlier = first.setdefault(item.id, item)
            if earlier is not item:
                where = f"line {earlier.line}" if earlier.line else earlier.label or "earlier"
                if earlier.file != item.file:
                    where = f"{earlier.file}, {where}"
                problems.append(item.problem(f"the same {found.sections.record(section).title} as {where}"))
    return problems


@dataclass(frozen=True)
class SectionsWriter:
    """How one domain's records, given in files of sections, are written: its sections and its
    rules across records. Files, request bodies, the demo and commands all write through it."""

    sections: Sections
    cross_check: CrossCheck | None = None

    def import_files(
        self,
        database: Database,
        paths: Sequence[Path],
        *,
        fmt: str | None = None,
        skip_invalid: bool = False,
        recorded_at: datetime | None = None,
        report_dir: Path | None = None,
    ) -> Written:
        """Read files (or directories of CSV files) and write them in one transaction: everything
        or nothing, unless ``skip_invalid``."""
        if not paths:
            raise LtsplanError("give at least one file to import")
        found = SectionsFile(self.sections)
        for path in paths:
            found.extend(read(path, self.sections, fmt))
        with database.transaction() as connection:
            return write_found(
                connection,
                found,
                recorded_at=recorded_at or utcnow(),
                origin=", ".join(str(p) for p in paths),
                fmt=fmt or guess_format(paths[0]),
                cross_check=self.cross_check,
                skip_invalid=skip_invalid,
                report_dir=report_dir,
            )

    def write_records(
        self,
        connection: Connection,
        data: Mapping[str, Sequence[Mapping[str, Any]]],
        *,
        recorded_at: datetime,
        origin: str,
        fmt: str = "records",
        revise: bool = False,
    ) -> Written:
        """Records in file form, by section (a request body, the demo, a command), in the
        caller's transaction."""
        found = SectionsFile(self.sections)
        read_document(found, data, origin)
        return write_found(
            connection,
            found,
            recorded_at=recorded_at,
            origin=origin,
            fmt=fmt,
            cross_check=self.cross_check,
            revise=revise,
        )


def write_located(
    connection: Connection,
    items: Sequence[Located],
    *,
    recorded_at: datetime,
    record_time: RecordTime | None = None,
) -> WriteResult:
    """The versioned write of records of one type that passed every check; each is dated by
    ``record_time`` where that says when it became known, else by ``recorded_at``."""
    if not items:
        return WriteResult()
    record = items[0].record
    rows = []
    for item in items:
        row = record.row(item.values)
        when = record_time(item) if record_time is not None else None
        if when is not None:
            row["recorded_at"] = when
        rows.append(row)
    if any("recorded_at" in r for r in rows):
        for row in rows:
            row.setdefault("recorded_at", recorded_at)
    return write_versions(connection, record.table, record.frame(rows), recorded_at=recorded_at)


def not_there(connection: Connection, lists: Iterable[Sequence[Located]]) -> list[Problem]:
    """A revision (PUT) names records that exist: a problem for each that does not."""
    problems = []
    for items in lists:
        ok = [x for x in items if x.ok]
        if ok:
            there = live_ids(connection, ok[0].record.table, (x.id for x in ok))
            problems += [x.problem(NOT_THERE) for x in ok if x.id not in there]
    return problems


def drop(lists: Iterable[Iterable[Located]], problems: Iterable[Problem], *, by_label: bool = False) -> None:
    """Leave out of the write the records a problem names: by file, line and label (the record's
    line, as every problem of a file of sections gives it), or, ``by_label``, by file and label
    (a document whose problems give each field's own line, and each record a label of its own)."""
    listed = list(problems)
    bad = {(p.file, p.record) if by_label else (p.file, p.line, p.record) for p in listed}
    for items in lists:
        for item in items:
            where = (item.file, item.label) if by_label else (item.file, item.line, item.label)
            if where in bad:
                item.ok = False


def log_run(
    connection: Connection,
    written: Written,
    *,
    origin: str,
    fmt: str,
    dataset: str | None,
    withdrawn: int = 0,
) -> None:
    """One ``import_run`` row for a write: files, request bodies, the demo and commands alike."""
    total = written.total
    connection.execute(
        insert(import_run).values(
            at=written.recorded_at,
            path=origin,
            format=fmt,
            dataset=(dataset or "")[:80] or None,
            inserted=total.inserted,
            revised=total.revised,
            unchanged=total.unchanged,
            skipped=skipped_records(written.skipped),
            report=str(written.report) if written.report else None,
            withdrawn=withdrawn,
        )
    )


def skipped_records(skipped: Sequence[Problem]) -> int:
    """How many records the problems are about: a record with three problems is one record skipped."""
    return len({(p.file, p.line, p.record) for p in skipped})


def skip_summary(skipped: Sequence[Problem], report: Path) -> str:
    """What ``--skip-invalid`` left out, counted in records (and problems, when they differ)."""
    records, problems = skipped_records(skipped), len(skipped)
    counted = f"{records} invalid record{'s' if records != 1 else ''} skipped"
    if problems != records:
        counted += f" ({problems} problems)"
    return f"{counted}; each is named in {report}"


def write_skip_report(path: Path, skipped: Sequence[Problem], report_dir: Path | None) -> Path:
    """A CSV naming each skipped record: file, line, record, field and why."""
    target = (report_dir or Path.cwd()) / f"{path.stem or 'request'}.skipped.csv"
    header = ["file", "line", "record", "field", "message"]
    with target.open("w", newline="", encoding="utf-8") as handle:
        write_rows(handle, header, ([p.as_dict()[n] for n in header] for p in skipped))
    return target
