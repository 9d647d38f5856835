"""Readiness over HTTP: by force element, the element × standard heatmap, milestones and gaps;
and the overview's readiness and milestone panels."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import Body, Query
from sqlalchemy import Connection

from ltsplan.api import module_writes
from ltsplan.api.deps import AsOf, DatabaseDep
from ltsplan.api.module_writes import RecordsWritten
from ltsplan.api.views import ListViews, panel
from ltsplan.report import Report
from ltsplan.services import readiness
from ltsplan.web import charts

views = ListViews("readiness")

Rule = Annotated[
    str | None,
    Query(description="Roll-up rule (lowest, weighted, mandatory); the data's default when omitted."),
]
On = Annotated[
    date | None, Query(description="Valid date: readiness on this day (default: the as-of date, or today).")
]


def heatmap_chart(report: Report) -> dict[str, Any] | None:
    return charts.heatmap(report, x="standard", y="element", value="score")


@views.list("/readiness/elements", title="Readiness by force element")
def elements(
    connection: Connection,
    moment: AsOf,
    rule: Rule = None,
    by: Annotated[str, Query(description="element, or a higher level of the force tree")] = "element",
    on: On = None,
) -> Report:
    """Each force element's score against its targets under the chosen roll-up rule."""
    return readiness.rollup_report(connection, rule=rule, by=by, on=on, moment=moment)


@views.list("/readiness/heatmap", title="Readiness heatmap", chart=heatmap_chart)
def heatmap(connection: Connection, moment: AsOf, rule: Rule = None, on: On = None) -> Report:
    """Score per force element × standard (long form: one row per cell)."""
    return readiness.heatmap_report(connection, rule=rule, on=on, moment=moment)


@views.list("/readiness/milestones", title="Milestones")
def milestones(connection: Connection, moment: AsOf, on: On = None) -> Report:
    """Each milestone's targets met so far, the projection to its due date, and its status."""
    return readiness.milestones_report(connection, on=on, moment=moment)


@views.list("/readiness/gaps", title="Readiness gaps")
def gaps(
    connection: Connection,
    moment: AsOf,
    milestone: Annotated[str | None, Query(description="Only this milestone.")] = None,
    on: On = None,
) -> Report:
    """The targets not met, worst first, saying what is missing where."""
    return readiness.gaps_report(connection, milestone=milestone, on=on, moment=moment)


def dashboard_panel(connection: Connection, moment: datetime | None, database: Any) -> list[dict[str, Any]]:
    heat = readiness.heatmap_report(connection, moment=moment)
    if heat.frame.is_empty():
        return []
    marks = readiness.milestones_report(connection, moment=moment)
    return [
        panel(
            "Readiness heatmap",
            heat,
            csv="/api/readiness/heatmap.csv",
            more="/readiness/heatmap",
            description=heat.title,
            chart=heatmap_chart(heat),
            table_hidden=True,
        ),
        panel("Milestones", marks, csv="/api/readiness/milestones.csv", more="/readiness/milestones"),
    ]


@views.api.post("/readiness/records", status_code=201, summary="Record readiness records")
def create_records(database: DatabaseDep, document: Annotated[dict[str, Any], Body()]) -> RecordsWritten:
    """The JSON readiness format: `elements`, `targets`, `assessments`, `findings`, … each a list of records (docs/readiness.md). Read and checked as an import; every problem is listed (422) and nothing is written.
    Records are keyed naturally, so posting the same body twice records it once."""
    return module_writes.write_readiness(database, document)


@views.api.put("/readiness/records", summary="Revise readiness records")
def revise_records(database: DatabaseDep, document: Annotated[dict[str, Any], Body()]) -> RecordsWritten:
    """A new version of each record (same natural key), the old kept in its history; every record
    must exist already (else 422, nothing written)."""
    return module_writes.write_readiness(database, document, revise=True)
