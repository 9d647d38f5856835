"""Readiness over HTTP: by force element, the element × standard heatmap, milestones and gaps; the
pictures of the heatmap page and of an element's page (its targets and those below it, element ×
requirement); and the overview's readiness and milestone panels."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Path, Query
from sqlalchemy import Connection

from ltsplan.readiness import charts, evaluations, roadmap
from ltsplan.readiness import reports as readiness
from ltsplan.readiness.charts import heatmap_spec
from ltsplan.readiness.model import RULES, target
from ltsplan.readiness.reports import element_detail
from ltsplan.report import Report
from ltsplan.store.held import any_current
from ltsplan.views.deps import AsOf, Day
from ltsplan.views.lists import LinkContext, ListViews, link_column, panel

views = ListViews("readiness")

Rule = Annotated[
    str | None,
    Query(description=f"Roll-up rule ({', '.join(RULES)}); the data's default when omitted."),
]
On = Annotated[
    Day | None, Query(description="Valid date: readiness on this day (default: the as-of date, or today).")
]


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


@views.list("/readiness/heatmap", title="Readiness heatmap", row_links=element_links)
def heatmap(connection: Connection, moment: AsOf, rule: Rule = None, on: On = None) -> Report:
    """Score per force element × standard under the rule (long form: one row per cell); the page
    draws every cell (pictures below), whatever page of the table it shows."""
    return readiness.heatmap_report(connection, rule=rule, on=on, moment=moment)


def _element_link(context: LinkContext, rule: str | None, on: date | None) -> charts.Link:
    return lambda code: context.href(f"/readiness/elements/{quote(code, safe='')}", rule=rule, on=on)


def heatmap_pictures(
    connection: Connection,
    context: LinkContext,
    narrow: Callable[[Report], Report],
    moment: datetime | None = None,
    rule: str | None = None,
    on: date | None = None,
) -> list[dict[str, Any]]:
    """The heatmap page's picture, from the whole answer (not the page of the table shown), narrowed
    by the list's column filters (``narrow``: ?element=BN1)."""
    report = narrow(readiness.heatmap_report(connection, rule=rule, on=on, moment=moment))
    spec = heatmap_spec(report, _element_link(context, rule, on))
    if spec is None:
        return []
    return [
        {
            "id": "readiness-heatmap",
            "wide": True,
            "title": f"Elements × standards under the {report.params['rule']} rule",
            "spec": spec,
            "report": report,
            "caption": f"Score of each element's own targets on each standard under the {report.params['rule']} "
            "rule, in per cent; a cell leads to its element's page.",
            "csv": context.href("/api/readiness/heatmap.csv", rule=rule, on=on),
        }
    ]


def element_pictures(
    connection: Connection,
    code: str,
    context: LinkContext,
    *,
    rule: str | None,
    on: date | None,
    moment: datetime | None,
) -> list[dict[str, Any]]:
    """An element's page's picture: the grid of its targets and those of every element below it."""
    report = charts.target_grid(connection, code, rule=rule, on=on, moment=moment)
    spec = charts.target_grid_spec(report, _element_link(context, rule, on))
    if spec is None:
        return []
    return [
        {
            "id": "target-grid",
            "title": f"Its targets and those below it, under the {report.params['rule']} rule",
            "spec": spec,
            "report": report,
            "caption": f"Attainment of each target of {code} and of the elements below it (✓ met, ? no result, "
            "E expired; mandatory targets outlined): the targets its score combines under the "
            f"{report.params['rule']} rule.",
        }
    ]


PICTURES = {"/readiness/heatmap": heatmap_pictures}


Code = Annotated[str, Path(description="The force element's code.")]


@views.list("/readiness/elements/{code}", title="A force element: targets and latest assessments")
def element(connection: Connection, moment: AsOf, code: Code, rule: Rule = None, on: On = None) -> Report:
    """One force element: each of its own targets with the latest assessment on the date, whether it
    is met, and (in the notes) the element's score under the rule, with links to its evaluations and
    findings."""
    return element_detail(connection, code, rule, on, moment)[0]


@views.list("/readiness/elements/{code}/evaluations", title="A force element's evaluations")
def element_evaluations(connection: Connection, moment: AsOf, code: Code, on: On = None) -> Report:
    """The gated evaluations of one force element, and whether each counts."""
    return evaluations.evaluations_report(connection, element=code, on=on, moment=moment)


@views.list("/readiness/elements/{code}/findings", title="A force element's findings")
def element_findings(connection: Connection, moment: AsOf, code: Code, on: On = None) -> Report:
    """The findings on one force element with their corrective actions."""
    return evaluations.findings_report(connection, element=code, on=on, moment=moment)


@views.list("/readiness/milestones", title="Milestones")
def milestones(connection: Connection, moment: AsOf, on: On = None) -> Report:
    """Each milestone's targets met so far, the projection to its due date, and its status."""
    return roadmap.milestones_report(connection, on=on, moment=moment)


@views.list("/readiness/gaps", title="Readiness gaps")
def gaps(
    connection: Connection,
    moment: AsOf,
    milestone: Annotated[str | None, Query(description="Only this milestone.")] = None,
    on: On = None,
) -> Report:
    """The targets not met, worst first, saying what is missing where."""
    return roadmap.gaps_report(connection, milestone=milestone, on=on, moment=moment)


def dashboard_panel(connection: Connection, moment: datetime | None, database: Any) -> list[dict[str, Any]]:
    if not any_current(connection, target, moment):
        return []
    heat = readiness.heatmap_report(connection, moment=moment)
    if heat.frame.is_empty():
        return []
    marks = roadmap.milestones_report(connection, moment=moment)
    return [
        panel(
            "Readiness heatmap",
            heat,
            csv="/api/readiness/heatmap.csv",
            more="/readiness/heatmap",
            description=heat.title,
            chart=heatmap_spec(heat),
            table_hidden=True,
        ),
        panel("Milestones", marks, csv="/api/readiness/milestones.csv", more="/readiness/milestones"),
    ]
