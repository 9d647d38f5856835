"""Standards over HTTP: the catalogue, national adoption and coverage."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import polars as pl
from fastapi import Path, Query
from sqlalchemy import Connection, select

from ltsplan.report import Report
from ltsplan.standards import reports as standards_reports
from ltsplan.standards.model import requirement, standard_id
from ltsplan.standards.model import standard as standard_table
from ltsplan.store.db import Database
from ltsplan.store.held import any_current
from ltsplan.store.time import live_at
from ltsplan.views.deps import AsOf
from ltsplan.views.lists import LinkContext, ListViews, link_column, panel

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


def requirement_links(row: dict[str, Any], context: LinkContext) -> dict[str, str]:
    return {"source_id": context.href(f"/sources/{row['source_id']}")} if row.get("source_id") else {}


@views.list("/standards/{designator}", title="A standard and its requirements", row_links=requirement_links)
def standard(
    connection: Connection, database: Database, moment: AsOf, designator: Annotated[str, Path()]
) -> Report:
    """One standard: its requirements and how each is measured, each with its source (``source_id``,
    when one is recorded); the standard's own source is in the notes."""
    report = standards_reports.show_standard(database, designator, moment=moment)
    sid = standard_id(designator)
    cited = connection.execute(
        select(requirement.c.code, requirement.c.source_id).where(
            requirement.c.standard_id == sid, live_at(requirement, moment)
        )
    ).all()
    own = connection.execute(
        select(standard_table.c.source_id).where(standard_table.c.id == sid, live_at(standard_table, moment))
    ).scalar()
    found = pl.DataFrame(
        [tuple(r) for r in cited],
        schema={"code": report.frame.schema.get("code", pl.Utf8), "source_id": pl.Utf8},
        orient="row",
    )
    frame = report.frame.with_row_index("_row").join(found, on="code", how="left").sort("_row").drop("_row")
    notes = [
        *report.notes,
        f"source of the standard: /sources/{own}" if own else "no source recorded for the standard",
    ]
    return Report(report.title, frame, notes, report.units, report.sources, report.params)


@views.list("/standards-coverage", title="Coverage of standards")
def coverage(connection: Connection, database: Database, moment: AsOf) -> Report:
    """How many applicable standards are ratified and implemented (not-applicable ones are not counted)."""
    return standards_reports.coverage_report(database, moment=moment)


def dashboard_panel(
    connection: Connection, moment: datetime | None, database: Database
) -> list[dict[str, Any]]:
    if not any_current(connection, standard_table, moment):
        return []
    report = standards_reports.coverage_report(database, moment=moment)
    if report.frame.is_empty():
        return []
    return [
        panel("Coverage of standards", report, csv="/api/standards-coverage.csv", more="/standards-coverage")
    ]
