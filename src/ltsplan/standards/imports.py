"""Writing the standards catalogue and national adoption: files, request bodies, the demo.

An import reads every file given, checks every record and every cross-reference (a requirement's or
an adoption record's standard must be in the files or already in the catalogue), and writes in one
transaction through the one write path (``records.writing``) — or, when anything is wrong, writes
nothing and lists every problem. With ``skip_invalid`` the invalid records are left out and named in
a report, and the rest is written. Re-importing the same files changes nothing (deterministic ids,
content versions).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from ltsplan.errors import Problem
from ltsplan.provenance.imports import store_evidence, store_sources
from ltsplan.provenance.model import Source
from ltsplan.provenance.reports import known_source_ids
from ltsplan.records.sections import SectionsFile
from ltsplan.records.writing import SectionsWriter
from ltsplan.standards.formats import SECTIONS
from ltsplan.standards.model import STATEMENT_KIND, standard
from ltsplan.store.ids import record_id
from ltsplan.store.time import live_ids


def cross_check(connection: Connection, found: SectionsFile) -> list[Problem]:
    """Problems the records alone cannot show: standards that exist neither in the files nor in
    the catalogue, sources that are not recorded."""
    problems: list[Problem] = []
    in_files = {x.id for x in found.found["standards"] if x.ok}
    citing = [x for section in ("requirements", "adoption") for x in found.found[section] if x.ok]
    cited = {x.values["standard_id"] for x in citing} - in_files
    known = in_files | live_ids(connection, standard, cited)
    for located in citing:
        if located.values["standard_id"] not in known:
            problems.append(
                located.problem(
                    f"no standard '{located.given['designator']}' in the catalogue or in the files "
                    "imported with it",
                    "designator",
                )
            )
    cited_sources = {x.values["source_id"] for items in found.found.values() for x in items if x.ok} - {None}
    recorded = known_source_ids(connection, cited_sources)
    for items in found.found.values():
        for located in items:
            if located.ok and located.values.get("source_id") not in (None, *recorded):
                problems.append(
                    located.problem("no source with this id; record the source first", "source_id")
                )
    return problems


WRITER = SectionsWriter(SECTIONS, cross_check)
import_files = WRITER.import_files
write_records = WRITER.write_records


def store_statement(
    connection: Connection, key: str, claim: str, origin: Source, *, recorded_at: datetime
) -> str:
    """A claim about standards that a source made (a figure we report, not one we compute): stored as
    evidence linking the claim to its graded source. Returns the statement's id."""
    statement_id = record_id(STATEMENT_KIND, key)
    store_sources(connection, [origin], recorded_at=recorded_at)
    store_evidence(connection, [(STATEMENT_KIND, statement_id, origin.id, claim)], recorded_at=recorded_at)
    return statement_id
