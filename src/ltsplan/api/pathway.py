"""The pathway over HTTP: decisions with consensus and blockers, positions, conditions; and the
overview's open-decisions panel."""

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
from ltsplan.services import pathway

views = ListViews("pathway")


decision_links = link_column("decision", "/pathway/decisions/{}/positions")


@views.list("/pathway/decisions", title="Decisions", row_links=decision_links)
def decisions(connection: Connection, moment: AsOf) -> Report:
    """Each decision before a body: status, consensus, supporters and blockers."""
    return pathway.decisions(connection, moment)


@views.list("/pathway/decisions/{code}/positions", title="Positions on a decision")
def positions(connection: Connection, moment: AsOf, code: Annotated[str, Path()]) -> Report:
    """Each actor's position on one decision, with conditions, date and evidence."""
    return pathway.positions(connection, code, moment)


@views.list("/pathway/decisions/{code}/history", title="History of a decision")
def history(connection: Connection, moment: AsOf, code: Annotated[str, Path()]) -> Report:
    """How the positions on one decision changed over time."""
    return pathway.history(connection, code, moment)


@views.list("/pathway/conditions", title="Conditions", row_links=decision_links)
def conditions(
    connection: Connection,
    moment: AsOf,
    decision: Annotated[str | None, Query(description="Only this decision's conditions.")] = None,
) -> Report:
    """The conditions on the pathway, with status and evidence."""
    return pathway.conditions(connection, moment, decision)


def dashboard_panel(connection: Connection, moment: datetime | None, database: Any) -> list[dict[str, Any]]:
    report = pathway.decisions(connection, moment)
    if report.frame.is_empty():
        return []
    report = Report(
        report.title,
        report.frame.filter(report.frame.get_column("status") != "adopted"),
        report.notes,
        report.units,
    )
    columns = ("decision", "title", "due", "status", "consensus", "support", "blockers")
    return [
        panel(
            "Open decisions and their blockers",
            report,
            csv="/api/pathway/decisions.csv",
            more="/pathway/decisions",
            columns=columns,
            row_links=decision_links,
        )
    ]


@views.api.post("/pathway/records", status_code=201, summary="Record pathway and objectives records")
def create_records(database: DatabaseDep, document: Annotated[dict[str, Any], Body()]) -> RecordsWritten:
    """A scenario document as JSON: `sources`, `actors`, `positions`, `objectives`, `assessments`, `statements`, … (docs/pathway.md). Read and checked as an import; every problem is listed (422) and nothing is written.
    Records are keyed naturally, so posting the same body twice records it once."""
    return module_writes.write_scenario(database, document)


@views.api.put("/pathway/records", summary="Revise pathway and objectives records")
def revise_records(database: DatabaseDep, document: Annotated[dict[str, Any], Body()]) -> RecordsWritten:
    """A new version of each record (same natural key), the old kept in its history; every record
    must exist already (else 422, nothing written)."""
    return module_writes.write_scenario(database, document, revise=True)
