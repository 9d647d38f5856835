"""The standards catalogue and national adoption: import, export and the versioned write.

An import reads every file given, checks every record and every cross-reference (a requirement's or
an adoption record's standard must be in the files or already in the catalogue), and writes in one
transaction — or, when anything is wrong, writes nothing and lists every problem. With
``skip_invalid`` the invalid records are left out and named in a report, and the rest is written.
Re-importing the same files changes nothing (deterministic ids, content versions).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Connection, insert, select

from ltsplan.errors import InvalidInput, LtsplanError, Problem
from ltsplan.ledger.imports import write_skip_report
from ltsplan.standards import formats as io
from ltsplan.standards.adoption import NationalAdoption
from ltsplan.standards.model import Requirement, Standard
from ltsplan.standards.rows import (
    SECTIONS,
    Located,
    adoption_fields,
    requirement_fields,
    standard_fields,
)
from ltsplan.store.db import Database
from ltsplan.store.history import IN_CHUNK, WriteResult, live_at, utcnow, write_versions
from ltsplan.store.standards_tables import national_adoption, requirement, standard
from ltsplan.store.tables import import_run

SCHEMAS: dict[str, dict[str, Any]] = {
    "standard": {
        "id": pl.Utf8,
        "version": pl.Utf8,
        "designator": pl.Utf8,
        "title": pl.Utf8,
        "domain": pl.Utf8,
        "edition": pl.Utf8,
        "edition_date": pl.Utf8,
        "status": pl.Utf8,
        "reference": pl.Utf8,
        "source_id": pl.Utf8,
        "note": pl.Utf8,
    },
    "requirement": {
        "id": pl.Utf8,
        "version": pl.Utf8,
        "standard_id": pl.Utf8,
        "code": pl.Utf8,
        "text": pl.Utf8,
        "measure": pl.Utf8,
        "levels": pl.Utf8,
        "threshold_level": pl.Utf8,
        "threshold_percent": pl.Float64,
        "mandatory": pl.Boolean,
        "weight": pl.Float64,
        "illustrative": pl.Boolean,
        "source_id": pl.Utf8,
        "note": pl.Utf8,
    },
    "national_adoption": {
        "id": pl.Utf8,
        "version": pl.Utf8,
        "country": pl.Utf8,
        "standard_id": pl.Utf8,
        "applicable": pl.Boolean,
        "ratification": pl.Utf8,
        "reservation": pl.Utf8,
        "ratified_on": pl.Date,
        "implementation": pl.Utf8,
        "implemented_on": pl.Date,
        "evidence": pl.Utf8,
        "fictional": pl.Boolean,
        "source_id": pl.Utf8,
        "note": pl.Utf8,
    },
}


@dataclass
class StandardsWrite:
    """What one import did, per section, and what it skipped."""

    standards: WriteResult = field(default_factory=WriteResult)
    requirements: WriteResult = field(default_factory=WriteResult)
    adoption: WriteResult = field(default_factory=WriteResult)
    skipped: list[Problem] = field(default_factory=list)
    report_path: Path | None = None

    def lines(self) -> list[str]:
        return [
            f"{name}: {r.inserted} new, {r.revised} revised, {r.unchanged} unchanged"
            for name, r in (
                ("standards", self.standards),
                ("requirements", self.requirements),
                ("adoption", self.adoption),
            )
        ]


def frame_of(table_name: str, records: Iterable[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(list(records), schema=SCHEMAS[table_name], orient="row")


def live_standard_ids(connection: Connection, ids: Iterable[str], moment: datetime | None = None) -> set[str]:
    wanted = sorted(set(ids))
    found: set[str] = set()
    for start in range(0, len(wanted), IN_CHUNK):
        rows = connection.execute(
            select(standard.c.id).where(
                live_at(standard, moment), standard.c.id.in_(wanted[start : start + IN_CHUNK])
            )
        )
        found.update(r[0] for r in rows)
    return found


def check_references(connection: Connection, contents: io.StandardsFile) -> list[Problem]:
    """Problems the rows alone cannot show: records given twice, and standards that do not exist."""
    problems: list[Problem] = []
    for section in SECTIONS:
        seen: dict[str, Located[Any]] = {}
        for located in getattr(contents, section):
            first = seen.setdefault(located.item.id, located)
            if first is not located:
                problems.append(
                    located.problem(
                        f"given twice: also at {first.file}, line {first.line}"
                        if first.line
                        else "given twice"
                    )
                )
    in_files = {s.item.id for s in contents.standards}
    citing: list[Located[Any]] = [*contents.requirements, *contents.adoption]
    cited = {x.item.standard_id for x in citing} - in_files
    known = in_files | live_standard_ids(connection, cited)
    for located in citing:
        if located.item.standard_id not in known:
            problems.append(
                located.problem(
                    f"no standard '{located.item.designator}' in the catalogue or in the files imported with it",
                    "designator",
                )
            )
    return problems


def write_records(
    connection: Connection,
    *,
    standards: Sequence[Standard] = (),
    requirements: Sequence[Requirement] = (),
    adoption: Sequence[NationalAdoption] = (),
    recorded_at: datetime,
) -> StandardsWrite:
    """Write valid, checked records as the live versions of their ids (in the caller's transaction)."""
    result = StandardsWrite()
    result.standards = write_versions(
        connection, standard, frame_of("standard", [s.record() for s in standards]), recorded_at=recorded_at
    )
    result.requirements = write_versions(
        connection,
        requirement,
        frame_of("requirement", [r.record() for r in requirements]),
        recorded_at=recorded_at,
    )
    result.adoption = write_versions(
        connection,
        national_adoption,
        frame_of("national_adoption", [a.record() for a in adoption]),
        recorded_at=recorded_at,
    )
    return result


def import_files(
    database: Database,
    paths: Sequence[Path],
    *,
    fmt: str | None = None,
    skip_invalid: bool = False,
    recorded_at: datetime | None = None,
    report_dir: Path | None = None,
) -> StandardsWrite:
    """Import catalogue, requirements and adoption from one or more files, all or nothing."""
    if not paths:
        raise LtsplanError("give at least one file to import")
    contents = io.StandardsFile()
    for path in paths:
        contents.extend(io.read(path, fmt))
    moment = recorded_at or utcnow()
    with database.transaction() as connection:
        problems = contents.problems + check_references(connection, contents)
        if problems and not skip_invalid:
            names = ", ".join(str(p) for p in paths)
            raise InvalidInput(problems, f"{names}: {len(problems)} problem(s); nothing was written")
        bad = {(p.file, p.line, p.record) for p in problems}

        def keep(items: list[Located[Any]]) -> list[Any]:
            return [x.item for x in items if (x.file, x.line, x.label) not in bad]

        result = write_records(
            connection,
            standards=keep(contents.standards),
            requirements=keep(contents.requirements),
            adoption=keep(contents.adoption),
            recorded_at=moment,
        )
        if problems:
            result.skipped = problems
            result.report_path = write_skip_report(paths[0], problems, report_dir)
        connection.execute(
            insert(import_run).values(
                at=moment,
                path=", ".join(str(p) for p in paths),
                format=fmt or io.guess_format(paths[0]),
                dataset="standards",
                inserted=result.standards.inserted + result.requirements.inserted + result.adoption.inserted,
                revised=result.standards.revised + result.requirements.revised + result.adoption.revised,
                unchanged=result.standards.unchanged
                + result.requirements.unchanged
                + result.adoption.unchanged,
                skipped=len(problems),
                report=str(result.report_path) if result.report_path else None,
            )
        )
    return result


def stored_sections(
    connection: Connection, moment: datetime | None = None, sections: Sequence[str] = SECTIONS
) -> dict[str, list[dict[str, Any]]]:
    """The catalogue and adoption as known at ``moment``, in file form, sorted by natural key."""
    standards = [
        dict(r) for r in connection.execute(select(standard).where(live_at(standard, moment))).mappings()
    ]
    designators = {s["id"]: s["designator"] for s in standards}
    found: dict[str, list[dict[str, Any]]] = {}
    if "standards" in sections:
        found["standards"] = sorted((standard_fields(s) for s in standards), key=lambda r: r["designator"])
    if "requirements" in sections:
        rows = connection.execute(select(requirement).where(live_at(requirement, moment))).mappings()
        found["requirements"] = sorted(
            (requirement_fields(dict(r), designators.get(r["standard_id"], r["standard_id"])) for r in rows),
            key=lambda r: (r["designator"], r["code"]),
        )
    if "adoption" in sections:
        rows = connection.execute(
            select(national_adoption).where(live_at(national_adoption, moment))
        ).mappings()
        found["adoption"] = sorted(
            (adoption_fields(dict(r), designators.get(r["standard_id"], r["standard_id"])) for r in rows),
            key=lambda r: (r["country"], r["designator"]),
        )
    return found


def export_files(
    database: Database,
    path: Path,
    *,
    fmt: str | None = None,
    sections: Sequence[str] = SECTIONS,
    moment: datetime | None = None,
) -> dict[Path, int]:
    """Write the catalogue and adoption; returns each file written with its record count.

    YAML, JSON and XLSX hold every section in one file. CSV holds one: with one section ``path`` is
    written; with several, one file per section beside it, named ``<stem>.<section>.csv``.
    """
    unknown = [s for s in sections if s not in SECTIONS]
    if unknown:
        raise LtsplanError(f"unknown section {', '.join(unknown)}; use {', '.join(SECTIONS)}")
    chosen = fmt or io.guess_format(path)
    with database.reading() as connection:
        data = stored_sections(connection, moment, sections)
    if chosen != "csv":
        io.write(path, data, chosen)
        return {path: sum(len(v) for v in data.values())}
    written: dict[Path, int] = {}
    for section, records in data.items():
        target = path if len(data) == 1 else path.with_name(f"{path.stem}.{section}.csv")
        io.write(target, {section: records}, "csv")
        written[target] = len(records)
    return written
