"""The pathway over HTTP: decisions with consensus and blockers, positions, conditions; the grid of
positions and their changes; the pictures on the decisions page and a decision's own page; and the
overview's open-decisions panel."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import quote

import polars as pl
from fastapi import Path, Query
from sqlalchemy import Connection

from ltsplan.pathway import charts
from ltsplan.pathway import reports as pathway
from ltsplan.pathway.model import DECISION
from ltsplan.report import Report
from ltsplan.store.held import any_current
from ltsplan.views.deps import AsOf, Day
from ltsplan.views.lists import LinkContext, ListViews, panel

views = ListViews("pathway")

On = Annotated[
    Day | None,
    Query(description="Valid date: judge the decisions on this day (default: the as-of date, or today)."),
]
DecisionCode = Annotated[str, Path(description="The decision's code.")]


def decision_href(context: LinkContext, code: str, on: date | None = None) -> str:
    """A decision's own page, keeping the as-of date and the valid date."""
    return context.href(f"/pathway/decisions/{quote(code, safe='')}", on=on)


def decision_links(row: dict[str, Any], context: LinkContext) -> dict[str, str]:
    code = row.get("decision")
    return {"decision": decision_href(context, code, context.params.get("on"))} if code else {}


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
def decisions(connection: Connection, moment: AsOf, on: On = None) -> Report:
    """Each decision before a body: status, consensus, supporters and blockers."""
    return pathway.decisions(connection, moment, on)


@views.list(
    "/pathway/decisions/{code}/positions", title="Positions on a decision", row_links=source_links("sources")
)
def positions(connection: Connection, moment: AsOf, code: DecisionCode, on: On = None) -> Report:
    """Each actor's position on one decision, with conditions, date and evidence (each row linked to
    its first source: ``source_id``)."""
    return pathway.positions(connection, code, moment, on)


@views.list("/pathway/decisions/{code}/history", title="History of a decision")
def history(connection: Connection, moment: AsOf, code: DecisionCode, on: On = None) -> Report:
    """How the positions on one decision changed over time."""
    return pathway.history(connection, code, moment, on)


@views.list("/pathway/conditions", title="Conditions", row_links=decision_links)
def conditions(
    connection: Connection,
    moment: AsOf,
    decision: Annotated[str | None, Query(description="Only this decision's conditions.")] = None,
    on: On = None,
) -> Report:
    """The conditions on the pathway, with status and evidence."""
    return pathway.conditions(connection, moment, decision, on)


@views.list("/pathway/position-grid", title="Positions: members × decisions", row_links=decision_links)
def position_grid(connection: Connection, moment: AsOf, on: On = None) -> Report:
    """Every member × decision (and every non-member that stated a position): the stance, since
    when it has held, and its conditions — the grid on the decisions page, as a table."""
    return charts.position_grid(connection, moment, on)


@views.list("/pathway/position-changes", title="Changes of position", row_links=decision_links)
def position_changes(
    connection: Connection,
    moment: AsOf,
    decision: Annotated[str | None, Query(description="Only this decision's changes.")] = None,
    on: On = None,
) -> Report:
    """Each change of an actor's position (stance or conditions) on a decision, and until when it
    held — the timeline on the decisions page, as a table."""
    return charts.position_changes(connection, moment, on, decision)


def _linker(context: LinkContext, on: date | None) -> charts.Link:
    return lambda code: decision_href(context, code, on)


def decision_pictures(
    connection: Connection,
    context: LinkContext,
    narrow: Callable[[Report], Report],
    moment: datetime | None = None,
    on: date | None = None,
) -> list[dict[str, Any]]:
    """The decisions page's pictures, from the whole answers: the member × decision grid and,
    beside it, the timeline of changes (narrowed by a filter on a column they have: ?decision=…)."""
    grid = narrow(charts.position_grid(connection, moment, on))
    changes = narrow(charts.position_changes(connection, moment, on))
    link = _linker(context, on)
    drawn = [
        {
            "id": "position-grid",
            "title": "Where each member stands",
            "spec": charts.grid_spec(grid, link),
            "report": grid,
            "caption": "Positions of each member on each decision (✓ support, ~ conditional, ? undecided, "
            "✗ oppose, – no position; in parentheses: a non-member, not counted). A cell leads to its "
            "decision.",
            "csv": context.href("/api/pathway/position-grid.csv", on=on),
        },
        {
            "id": "position-timeline",
            "title": "When positions changed",
            "spec": charts.timeline_spec(changes, link),
            "report": changes,
            "caption": "A dot per change of position, a line per actor in the colour of the position "
            "it held (dashed while not a member).",
            "csv": context.href("/api/pathway/position-changes.csv", on=on),
        },
    ]
    return [d for d in drawn if d["spec"] is not None]


PICTURES = {"/pathway/decisions": decision_pictures}


def decision_page(
    connection: Connection, code: str, context: LinkContext, moment: datetime | None, on: date | None
) -> dict[str, Any]:
    """One decision: its status and consensus, who holds it up (since when, on what condition), the
    conditions of its pathway, every position with its sources, and the timeline of changes."""
    positions_report = pathway.positions(connection, code, moment, on)
    row = pathway.decisions(connection, moment, on).frame.filter(pl.col("decision") == code).to_dicts()[0]
    grid = charts.position_grid(connection, moment, on)
    changes = charts.position_changes(connection, moment, on, code)
    timeline = charts.timeline_spec(changes)
    holdouts = charts.holdouts(grid, code)
    return {
        "code": code,
        "decision": row,
        "explanation": positions_report.notes[0] if positions_report.notes else "",
        "blockers": holdouts.frame.filter(pl.col("stance") == "oppose").to_dicts(),
        "holdouts": holdouts,
        "conditions": pathway.conditions(connection, moment, code, on),
        "positions": positions_report,
        "changes": changes,
        "timeline": timeline,
        "links": {
            "history": context.href(f"/pathway/decisions/{quote(code, safe='')}/history", on=on),
            "positions_csv": context.href(
                f"/api/pathway/decisions/{quote(code, safe='')}/positions.csv", on=on
            ),
            "changes_csv": context.href("/api/pathway/position-changes.csv", decision=code, on=on),
            "conditions_csv": context.href("/api/pathway/conditions.csv", decision=code, on=on),
            "decisions": context.href("/pathway/decisions", on=on),
        },
    }


def dashboard_panel(connection: Connection, moment: datetime | None, database: Any) -> list[dict[str, Any]]:
    if not any_current(connection, DECISION.table, moment):
        return []
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
