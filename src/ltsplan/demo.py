"""The demonstration: ``ltsplan demo`` runs each domain's loader in order.

Every loader is idempotent (a second run changes nothing) and returns lines telling the user what
was loaded and where to look next.
"""

from __future__ import annotations

from collections.abc import Callable

from ltsplan.ledger import demo as ledger_demo
from ltsplan.pathway import demo as pathway_demo
from ltsplan.planner import demo as planner_demo
from ltsplan.readiness import demo as readiness_demo
from ltsplan.standards import demo as standards_demo
from ltsplan.store.db import Database

Loader = Callable[[Database], list[str]]

# Run in this order: readiness builds on the standards catalogue; the planner on readiness and the ledger.
LOADERS: tuple[tuple[str, Loader], ...] = (
    ("ledger", ledger_demo.load),
    ("standards", standards_demo.load),
    ("readiness", readiness_demo.load),
    ("planner", planner_demo.load),
    ("pathway", pathway_demo.load),
)


def run(database: Database) -> list[str]:
    lines: list[str] = []
    for _, load in LOADERS:
        lines.extend(load(database))
    return lines
