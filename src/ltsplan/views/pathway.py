"""The pathway over HTTP: decisions with consensus and blockers, positions, conditions; and the
overview's open-decisions panel."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Path, Query
from sqlalchemy import Connection

from ltsplan.pathway import reports as pathway
from ltsplan.report import Report
from ltsplan.views.deps import AsOf
from ltsplan.views.lists import LinkContext, ListViews, link_column, panel

views = ListViews("pathway")


decision_links = link_column("decision", "/pathway/decisions/{}/positions")


def source_links(*columns: str) -> Any:
    """Row links making each of ``columns`` (the cited sources) a link to the row's first source."""

    def links(row: dict[str, Any], context: LinkContext) -> dict[str, str]:
        sid = row.get("source_id")
        if not sid:
            return {}
        link = context.href(f"/sources/{sid}")
        return {c: link for c in (*columns, "source_id")}

    return links


@views.list("/pathway/decisions", title="Decisions", row_links=decision_links)
def decisions(connection: Connection, moment: AsOf) -> Report:
    """Each decision before a body: status, consensus, supporters and blockers."""
    return pathway.decisions(connection, moment)


@views.list(
    "/pathway/decisions/{code}/positions", title="Positions on a decision", row_links=source_links("sources")
)
def positions(connection: Connection, moment: AsOf, code: Annotated[str, Path()]) -> Report:
    """Each actor's position on one decision, with conditions, date and evidence (each row linked to
    its first source: ``source_id``)."""
    return pathway.with_position_sources(
        connection, pathway.positions(connection, code, moment), code, moment
    )


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
