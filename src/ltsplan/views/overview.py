"""The overview: headline figures, pledged and delivered over time, the largest donors and the
furthest behind, and a panel from each other module that has landed (readiness, milestones,
decisions, objectives). One data function serves ``/api/dashboard`` and the overview page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import Request
from sqlalchemy import Connection

from ltsplan.ledger import charts
from ltsplan.ledger import reports as ledger_reports
from ltsplan.listing import Page
from ltsplan.report import Report
from ltsplan.views import objectives, pathway, readiness, standards

Panel = Callable[[Connection, datetime | None, Any], list[dict[str, Any]]]

# The other domains' panels, in the order the overview shows them.
PANELS: tuple[Panel, ...] = (
    readiness.dashboard_panel,
    standards.dashboard_panel,
    pathway.dashboard_panel,
    objectives.dashboard_panel,
)


def headline(totals: Report) -> dict[str, Any]:
    row = totals.frame.to_dicts()[0] if totals.frame.height else {}
    return {
        "announced": row.get("announced", 0.0),
        "pledged": row.get("pledged", 0.0),
        "allocated": row.get("allocated", 0.0),
        "delivered": row.get("delivered", 0.0) if row else 0.0,  # None: no data report deliveries
        "fulfilment": row.get("fulfilment"),
        "allocation_rate": row.get("allocation_rate"),
        "entries": row.get("entries", 0),
        "not_converted": row.get("not_converted", 0),
    }


def overview(
    connection: Connection, moment: datetime | None, database: Any = None, currency: str = "EUR"
) -> dict[str, Any]:
    """Everything the overview shows, as plain data (Reports are kept for the tables); the page
    draws its charts from it (``with_charts``), the API has no use for them."""
    # One reading of the totals by donor serves the headline, the donors and the furthest behind.
    sums = ledger_reports.delta_sums(connection, ["donor"], moment, ledger_reports.LedgerFilter())
    overall = ledger_reports.totals(connection, by=[], currency=currency, moment=moment, sums=sums)
    donors = ledger_reports.totals(connection, by=["donor"], currency=currency, moment=moment, sums=sums)
    behind = ledger_reports.fulfilment_of(donors)
    behind.frame = behind.frame.filter(behind.frame.get_column("pledged") > 0).head(10)
    donors.frame = donors.frame.sort("pledged", descending=True, nulls_last=True)
    series = ledger_reports.series(connection, currency=currency, moment=moment)
    figures = headline(overall)
    figures["donors"] = donors.frame.height
    return {
        "as_of": moment,
        "currency": currency,
        "figures": figures,
        "notes": overall.notes,
        "top_donors": donors,
        "behind": behind,
        "series": series,
        "panels": [p for panel in PANELS for p in panel(connection, moment, database)],
    }


def with_charts(data: dict[str, Any]) -> dict[str, Any]:
    """The overview with the page's two charts: the cumulative series and the largest donors."""
    return {
        **data,
        "series_chart": charts.series_lines(data["series"]),
        "donors_chart": charts.totals_bars(data["top_donors"], limit=15),
    }


def as_json(data: dict[str, Any]) -> dict[str, Any]:
    """The overview with its Reports as {columns, rows} (what /api/dashboard answers)."""

    def plain(value: Any) -> Any:
        if isinstance(value, Report):
            return value.as_dict()
        if isinstance(value, Page):
            return value.as_dict()
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        if isinstance(value, float) and value != value:
            return None
        if hasattr(value, "isoformat"):
            return value.isoformat()
        return value

    shown = {k: plain(v) for k, v in data.items() if k != "panels"}
    shown["panels"] = [
        {"title": p["title"], "report": plain(p.get("report")), "csv": p.get("csv"), "more": p.get("more")}
        for p in data["panels"]
    ]
    return shown


def cached_overview(request: Request, moment: datetime | None) -> dict[str, Any]:
    state = request.app.state
    with state.database.reading() as connection:
        stamp = state.cache.stamp(connection)
        found: dict[str, Any] = state.cache.get_or_compute(
            ("overview", moment, stamp), lambda: overview(connection, moment, state.database)
        )
        return found
