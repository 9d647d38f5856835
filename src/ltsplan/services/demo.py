"""The demonstration: each capability adds a loader here; ``ltsplan demo`` runs them in order.

Every loader is idempotent (a second run changes nothing) and returns lines telling the user what
was loaded and where to look next.
"""

from __future__ import annotations

from collections.abc import Callable

from ltsplan.capabilities import landed
from ltsplan.store.db import Database

Loader = Callable[[Database], list[str]]

# "module:function", run in this order; a capability that has not landed is simply absent.
LOADERS = (
    "ltsplan.services.demo_ledger:load",
    "ltsplan.services.demo_standards:load",
    "ltsplan.services.demo_readiness:load",
    "ltsplan.services.demo_pathway:load",
)


def loaders() -> list[tuple[str, Loader]]:
    return [(module_name.rsplit(".", 1)[-1], load) for module_name, load in landed(LOADERS)]


def run(database: Database) -> list[str]:
    lines: list[str] = []
    for _, load in loaders():
        lines.extend(load(database))
    return lines
