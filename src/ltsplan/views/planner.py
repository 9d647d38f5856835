"""Plans over HTTP: the plans made; a page per plan (its Gantt-like chart per force element, the
readiness each milestone reaches against the greedy plan's, what binds the targets left short,
and its assignments); its explanation, milestones and shortfalls; and a plan against the ledger."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query
from sqlalchemy import Connection

from ltsplan.planner import reality, reports
from ltsplan.planner.charts import milestones_spec, plan_spec
from ltsplan.planner.model import BINDINGS
from ltsplan.report import Report
from ltsplan.store.time import valid_day
from ltsplan.views.deps import AsOf, Day
from ltsplan.views.lists import ListViews, link_column

views = ListViews("planner")

Code = Annotated[str, Path(description="The plan's code.")]


@views.list("/plans", title="Plans", row_links=link_column("plan", "/plans/{}"))
def plans(connection: Connection, moment: AsOf) -> Report:
    """Every plan made: its objective, status, value beside the greedy plan's, and gap."""
    return reports.plans_report(connection, moment)


@views.list("/plans/{code}", title="A plan", chart=plan_spec)
def plan(connection: Connection, moment: AsOf, code: Code) -> Report:
    """One plan: which force element starts which package when, and when it takes effect; the
    chart draws them per element, the readiness each milestone reaches against the greedy plan's,
    and what binds the targets left short; the notes give objective, bound, gap and status."""
    return reports.plan_report(connection, code, moment)


@views.list("/plans/{code}/explain", title="What each assignment serves")
def explain(connection: Connection, moment: AsOf, code: Code) -> Report:
    """Each assignment with the gap it closes, for which milestone (or the package it opens)."""
    return reports.explain_report(connection, code, moment)


@views.list(
    "/plans/{code}/milestones", title="Milestone readiness against the greedy plan", chart=milestones_spec
)
def milestones(connection: Connection, moment: AsOf, code: Code) -> Report:
    """The readiness each milestone reaches with the plan, with the greedy plan and with no new support."""
    return reports.milestones_report(connection, code, moment)


@views.list("/plans/{code}/shortfalls", title="Targets left short and what binds them")
def shortfalls(
    connection: Connection,
    moment: AsOf,
    code: Code,
    binding: Annotated[str | None, Query(description=f"Only those bound by: {', '.join(BINDINGS)}.")] = None,
) -> Report:
    """Each target a milestone leaves short, and what binds it: capacity, budget, lead time,
    prerequisite, window, the amount offered, no offer, or not chosen."""
    return reports.shortfalls_report(connection, code, moment, binding)


@views.list("/plans/{code}/reality", title="A plan against the ledger")
def against_reality(
    connection: Connection,
    moment: AsOf,
    code: Code,
    on: Annotated[Day | None, Query(description="The day (default: the as-of date, or today).")] = None,
) -> Report:
    """Which planned deliveries of packages linked to ledger commitments happened by the day,
    which are late, which are due later."""
    return reality.reality_report(connection, code, on or valid_day(moment), moment)
