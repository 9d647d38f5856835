"""The June 2023 scenario for ``ltsplan demo``: loaded with each record's own record time, so that
``--as-of 2023-06-14`` shows the June picture and today's view shows what Vilnius decided."""

from __future__ import annotations

from pathlib import Path

from ltsplan.pathway.imports import import_scenario
from ltsplan.shipped import shipped
from ltsplan.store.db import Database

SCENARIO = "june-2023.yaml"


def scenario_path() -> Path:
    return shipped("scenarios", SCENARIO)


def load(database: Database) -> list[str]:
    written = import_scenario(database, scenario_path(), use_recorded_dates=True)
    changed = sum(r.inserted + r.revised for r in written.results.values())
    state = f"{changed} records written" if changed else "already loaded, nothing changed"
    return [
        f"pathway and objectives: the June 2023 scenario ({state}). Try:",
        "  ltsplan pathway decisions --as-of 2023-06-14   (before Vilnius)",
        "  ltsplan pathway decisions                      (what Vilnius decided)",
        "  ltsplan pathway positions invite-ukraine --as-of 2023-06-14",
        "  ltsplan pathway conditions                     (what membership waits on)",
        "  ltsplan pathway history invite-ukraine",
        "  ltsplan objectives scoreboard   (commentary 'Check' beside report 'unresolved')",
        "  ltsplan objectives statements --search nato",
    ]
