"""Readiness over HTTP: by force element, the element × standard heatmap, milestones and gaps;
and the overview's readiness and milestone panels."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import polars as pl
from fastapi import Body, Path, Query
from sqlalchemy import Connection

from ltsplan.api import module_writes
from ltsplan.api.deps import AsOf, DatabaseDep
from ltsplan.api.module_writes import RecordsWritten
from ltsplan.api.views import ListViews, link_column, panel
from ltsplan.errors import NotFound
from ltsplan.report import Report
from ltsplan.services import readiness
from ltsplan.services.readiness_data import load
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


element_links = link_column("element", "/readiness/elements/{}")


@views.list("/readiness/elements", title="Readiness by force element", row_links=element_links)
def elements(
    connection: Connection,
    moment: AsOf,
    rule: Rule = None,
    by: Annotated[str, Query(description="element, or a higher level of the force tree")] = "element",
    on: On = None,
) -> Report:
    """Each force element's score against its targets under the chosen roll-up rule."""
    return readiness.rollup_report(connection, rule=rule, by=by, on=on, moment=moment)


@views.list("/readiness/heatmap", title="Readiness heatmap", chart=heatmap_chart, row_links=element_links)
def heatmap(connection: Connection, moment: AsOf, rule: Rule = None, on: On = None) -> Report:
    """Score per force element × standard (long form: one row per cell)."""
    return readiness.heatmap_report(connection, rule=rule, on=on, moment=moment)


Code = Annotated[str, Path(description="The force element's code.")]
TARGET_COLUMNS = (
    "designator",
    "code",
    "target_value",
    "due",
    "weight",
    "mandatory",
    "value",
    "assessed_on",
    "method",
    "assessor",
    "evidence",
    "state",
    "attainment",
    "met",
)


def element_detail(
    connection: Connection, code: str, rule: str | None, on: date | None, moment: datetime | None
) -> tuple[Report, dict[str, Any]]:
    """One element's own targets with their latest assessments on the date, and its row of the
    roll-up (score under the rule, targets met, levels) — the drill-down's figures."""
    data = load(connection, moment)
    if code not in set(data.elements.get_column("code").to_list()):
        raise NotFound(f"no force element '{code}'" + (f" as known on {moment:%Y-%m-%d}" if moment else ""))
    day = readiness.valid_date(moment, on)
    frame = data.latest_on(day).filter(pl.col("element_code") == code)
    frame = frame.select([c for c in TARGET_COLUMNS if c in frame.columns])
    frame = frame.rename(
        {k: v for k, v in {"designator": "standard", "code": "requirement"}.items() if k in frame.columns}
    )
    rolled = readiness.rollup_report(connection, rule=rule, on=on, moment=moment)
    mine = rolled.frame.filter(pl.col("element") == code).to_dicts()
    summary: dict[str, Any] = {**(mine[0] if mine else {}), "rule": rolled.params["rule"], "on": day}
    notes = list(rolled.notes)
    if mine:
        notes.insert(
            0,
            f"{code} on {day}: score {summary.get('score')} under the {summary['rule']} rule, "
            f"{summary.get('met')} of {summary.get('targets')} targets met (with those of elements below it); "
            f"evaluations: /readiness/elements/{code}/evaluations; findings: /readiness/elements/{code}/findings",
        )
    report = Report(
        title=f"{code}: targets and latest assessments",
        frame=frame,
        notes=notes,
        units={"attainment": "share"},
        params={"element": code, "rule": summary["rule"], "on": day, "as_of": moment},
    )
    return report, summary


@views.list("/readiness/elements/{code}", title="A force element: targets and latest assessments")
def element(connection: Connection, moment: AsOf, code: Code, rule: Rule = None, on: On = None) -> Report:
    """One force element: each of its own targets with the latest assessment on the date, whether it
    is met, and (in the notes) the element's score under the rule, with links to its evaluations and
    findings."""
    return element_detail(connection, code, rule, on, moment)[0]


@views.list("/readiness/elements/{code}/evaluations", title="A force element's evaluations")
def element_evaluations(connection: Connection, moment: AsOf, code: Code, on: On = None) -> Report:
    """The gated evaluations of one force element, and whether each counts."""
    return readiness.evaluations_report(connection, element=code, on=on, moment=moment)


@views.list("/readiness/elements/{code}/findings", title="A force element's findings")
def element_findings(connection: Connection, moment: AsOf, code: Code, on: On = None) -> Report:
    """The findings on one force element with their corrective actions."""
    return readiness.findings_report(connection, element=code, on=on, moment=moment)


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
