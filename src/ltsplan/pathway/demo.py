"""The pathway and objectives part of ``ltsplan demo``: the scenario files, loaded in order with each
record's own record time, so that ``--as-of 2023-06-14`` shows the June 2023 picture, ``--on`` any day
as known now, and today's view what Vilnius, Washington and The Hague decided.

1. ``june-2023.yaml``: the seed's moment and Vilnius (bodies, members, the three decisions).
2. ``blockers-2017-2024.yaml``: Hungary's veto of NATO-Ukraine Commission meetings, and Türkiye's and
   Hungary's hold on Sweden's accession — consensus blocked, then unblocked.
3. ``summits-2024-2025.yaml``: Washington (July 2024), the U.S. position of February 2025, The Hague.
4. ``record-2023-2025.yaml``: independent assessments of each war aim at several dates, and the
   defence ministry's statements on NATO standards, each with its own speaker and date.
"""

from __future__ import annotations

from pathlib import Path

from ltsplan.pathway.imports import import_scenario
from ltsplan.shipped import shipped
from ltsplan.store.db import Database

SCENARIO = "june-2023.yaml"
SCENARIOS = (SCENARIO, "blockers-2017-2024.yaml", "summits-2024-2025.yaml", "record-2023-2025.yaml")


def scenario_path(name: str = SCENARIO) -> Path:
    return shipped("scenarios", name)


def load(database: Database) -> list[str]:
    changed = 0
    for name in SCENARIOS:  # each later file names the bodies, decisions and actors of those before it
        written = import_scenario(database, scenario_path(name), use_recorded_dates=True)
        changed += sum(r.inserted + r.revised for r in written.results.values())
    state = f"{changed} records written" if changed else "already loaded, nothing changed"
    return [
        f"pathway and objectives: the scenario 2017–2025 ({state}). Try:",
        "  ltsplan pathway decisions --as-of 2023-06-14   (before Vilnius, as known then)",
        "  ltsplan pathway decisions --on 2020-01-01      (Hungary blocks the NATO-Ukraine Commission)",
        "  ltsplan pathway decisions --on 2023-03-01      (Türkiye blocks Sweden's accession)",
        "  ltsplan pathway history sweden-accession       (blocked, pending, adopted on 2024-03-07)",
        "  ltsplan pathway positions invite-ukraine --on 2023-06-14",
        "  ltsplan pathway conditions                     (what membership waits on)",
        "  ltsplan objectives scoreboard                  (each war aim, every assessor side by side)",
        "  ltsplan objectives scoreboard --on 2023-06-14  (the commentary beside the wire report)",
        "  ltsplan objectives statements --search standards   (who said 18 %, 287, 322 — and when)",
    ]
