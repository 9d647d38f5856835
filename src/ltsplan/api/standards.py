"""Standards over HTTP: the catalogue, national adoption and coverage."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Body, Path, Query
from sqlalchemy import Connection

from ltsplan.api import module_writes
from ltsplan.api.deps import AsOf, DatabaseDep
from ltsplan.api.module_writes import RecordsWritten
from ltsplan.api.views import ListViews, link_column, panel
from ltsplan.report import Report
from ltsplan.services import standards_reports
from ltsplan.store.db import Database

views = ListViews("standards")


standard_links = link_column("designator", "/standards/{}")


@views.list("/standards", title="Standards", row_links=standard_links)
def catalogue(
    connection: Connection,
    database: Database,
    moment: AsOf,
    domain: Annotated[str | None, Query(description="Only this domain.")] = None,
) -> Report:
    """The catalogue of standards, with how many requirements each has."""
    return standards_reports.list_standards(database, domain=domain, moment=moment)


@views.list("/standards/{designator}", title="A standard and its requirements")
def standard(
    connection: Connection, database: Database, moment: AsOf, designator: Annotated[str, Path()]
) -> Report:
    """One standard: its requirements and how each is measured."""
    return standards_reports.show_standard(database, designator, moment=moment)


@views.list("/standards-coverage", title="Coverage of standards")
def coverage(connection: Connection, database: Database, moment: AsOf) -> Report:
    """How many applicable standards are ratified and implemented (not-applicable ones are not counted)."""
    return standards_reports.coverage_report(database, moment=moment)


def dashboard_panel(
    connection: Connection, moment: datetime | None, database: Database
) -> list[dict[str, Any]]:
    report = standards_reports.coverage_report(database, moment=moment)
    if report.frame.is_empty():
        return []
    return [
        panel("Coverage of standards", report, csv="/api/standards-coverage.csv", more="/standards-coverage")
    ]


@views.api.post(
    "/standards/records", status_code=201, summary="Record standards, requirements and adoption records"
)
def create_records(database: DatabaseDep, document: Annotated[dict[str, Any], Body()]) -> RecordsWritten:
    """The JSON standards format: `standards`, `requirements`, `adoption`, each a list of records (docs/standards.md). Read and checked as an import; every problem is listed (422) and nothing is written.
    Records are keyed naturally, so posting the same body twice records it once."""
    return module_writes.write_standards(database, document)


@views.api.put("/standards/records", summary="Revise standards, requirements and adoption records")
def revise_records(database: DatabaseDep, document: Annotated[dict[str, Any], Body()]) -> RecordsWritten:
    """A new version of each record (same natural key), the old kept in its history; every record
    must exist already (else 422, nothing written)."""
    return module_writes.write_standards(database, document, revise=True)
