"""Objectives over HTTP: the scoreboard with competing assessments side by side, one objective,
and statements; and the overview's scoreboard panel."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Path, Query
from sqlalchemy import Connection

from ltsplan.objectives import reports as objectives
from ltsplan.objectives.model import OBJECTIVE
from ltsplan.report import Report
from ltsplan.store.held import any_current
from ltsplan.views.deps import AsOf
from ltsplan.views.lists import LinkContext, ListViews, link_column, panel
from ltsplan.views.pathway import On, source_links

views = ListViews("objectives")


objective_links = link_column("objective", "/objectives/{}")
cited = source_links("source")


def scoreboard_links(row: dict[str, Any], context: LinkContext) -> dict[str, str]:
    return {**cited(row, context), **objective_links(row, context)}


@views.list("/objectives", title="Objectives scoreboard", row_links=scoreboard_links)
def scoreboard(connection: Connection, moment: AsOf, on: On = None) -> Report:
    """Each party's stated objectives with every assessor's latest verdict, graded by source."""
    return objectives.scoreboard(connection, moment, on)


@views.list("/objectives/{code}", title="An objective and its assessments", row_links=cited)
def objective(connection: Connection, moment: AsOf, code: Annotated[str, Path()], on: On = None) -> Report:
    """One objective: who stated it, and each assessment over time with its evidence."""
    return objectives.show(connection, code, moment, on)


@views.list("/objectives-statements", title="Statements", row_links=cited)
def statements(
    connection: Connection,
    moment: AsOf,
    search: Annotated[str | None, Query(description="Words in the quote, actor, subject or source.")] = None,
    actor: Annotated[str | None, Query(description="Only this actor's statements.")] = None,
) -> Report:
    """Quotes attributed to actors, newest first."""
    return objectives.statements(connection, moment, search=search, actor_code=actor)


def dashboard_panel(connection: Connection, moment: datetime | None, database: Any) -> list[dict[str, Any]]:
    if not any_current(connection, OBJECTIVE.table, moment):
        return []
    report = objectives.scoreboard(connection, moment)
    if report.frame.is_empty():
        return []
    columns = ("objective", "party", "text", "assessor_name", "label", "assessed", "grade", "agreement")
    title = "Objectives scoreboard: competing assessments side by side"
    return [
        panel(
            title,
            report,
            csv="/api/objectives.csv",
            more="/objectives",
            columns=columns,
            row_links=objective_links,
        )
    ]
