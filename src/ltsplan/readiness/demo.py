"""The readiness part of ``ltsplan demo``: a FICTIONAL but plausible programme (no real unit data is
public), generated deterministically from a fixed seed, labelled FICTIONAL in every name and note.

- 30 force elements (ministry → general staff → commands → brigades → battalions; schools).
- 40 standards of the starter catalogue with 300 requirements: the catalogue's ILLUSTRATIVE ones
  plus FICTIONAL programme requirements written here (marked illustrative, noted FICTIONAL).
- Targets for every element on the requirements of its domain's standards and the common ones.
- Three years of assessments (2023–2025), each recorded a few days after it was made, so that
  ``--as-of`` shows what was known then.
- One OCC-style programme with gates SEL1 → NEL1 → SEL2 → NEL2 (results valid 36 months):
  evaluations for six battalions, one NATO evaluation taken before its self-evaluation (it does not
  count), one failed NEL2, and results from early 2023 that have expired by 2026.
- Findings with corrective actions for every unmet criterion of the external evaluations.
- Four milestones on the 2023–2026 timeline; two commander's overrides; mission capability.

Idempotent: every record has a deterministic id and a fixed record time, so a second run writes
nothing new.
"""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from ltsplan.readiness import reports, roadmap
from ltsplan.readiness.charts import burnup, heatmap
from ltsplan.readiness.data import requirements
from ltsplan.readiness.demo_programme import ASPECTS, KNOWN, SEED, TIERS, build
from ltsplan.readiness.imports import write_records as write_readiness
from ltsplan.standards.imports import write_records
from ltsplan.standards.measures import Measure
from ltsplan.standards.model import standard
from ltsplan.store.db import Database
from ltsplan.store.time import known

OUTPUT = Path("ltsplan-out")


def _standards(connection: Connection) -> list[dict[str, Any]]:
    rows = connection.execute(
        known(standard, None, standard.c.designator, standard.c.domain, standard.c.title)
    )
    return sorted((dict(r) for r in rows.mappings()), key=lambda r: r["designator"])


def choose_standards(
    catalogue: list[dict[str, Any]], existing: set[str], count: int = 40
) -> list[dict[str, Any]]:
    """The standards the programme covers: those that already have requirements, then a spread of
    the catalogue's domains, picked by a seeded draw."""
    rng = random.Random(SEED)
    chosen = [s for s in catalogue if s["designator"] in existing]
    rest = [s for s in catalogue if s["designator"] not in existing]
    rng.shuffle(rest)
    by_domain: dict[str, list[dict[str, Any]]] = {}
    for s in rest:
        by_domain.setdefault(s["domain"], []).append(s)
    while len(chosen) < count and any(by_domain.values()):
        for domain in sorted(by_domain):
            if by_domain[domain] and len(chosen) < count:
                chosen.append(by_domain[domain].pop())
    return chosen[:count]


def programme_requirements(
    chosen: list[dict[str, Any]], existing: int, total: int = 300
) -> list[dict[str, Any]]:
    """FICTIONAL requirements for the chosen standards, enough to make ``total`` with the existing,
    in the standards' file form."""
    rng = random.Random(SEED + 1)
    made: list[dict[str, Any]] = []
    index = 0
    while existing + len(made) < total:
        s = chosen[index % len(chosen)]
        number = index // len(chosen) + 1
        aspect = ASPECTS[(index + number) % len(ASPECTS)]
        draw = rng.random()
        if draw < 0.5:
            measure = Measure.binary()
        elif draw < 0.8:
            measure = Measure.percentage(float(rng.choice((75, 80, 90))))
        else:
            measure = Measure.ordinal(TIERS, threshold=rng.choice(("partial", "full")))
        made.append(
            {
                "designator": s["designator"],
                "code": f"FP-{number:02d}",
                "text": f"{s['title'][:80]}: {aspect} (FICTIONAL programme requirement, illustrative)",
                "measure": measure.kind,
                "levels": list(measure.levels) or None,
                "threshold": measure.threshold_level or measure.threshold_percent,
                "mandatory": rng.random() < 0.7,
                "weight": float(rng.choice((1, 1, 1, 2, 3))),
                "illustrative": True,
                "note": "FICTIONAL: written for the ltsplan demonstration programme, not taken from the standard",
            }
        )
        index += 1
    return made


def _ensure_requirements(connection: Connection) -> int:
    """The programme's FICTIONAL requirements in the catalogue (written once, same ids every run)."""
    catalogue = requirements(connection, None)
    theirs = catalogue.filter(catalogue.get_column("code").str.starts_with("FP-").not_())
    # The choice depends on the catalogue's own requirements only, so every run makes the same.
    chosen = choose_standards(_standards(connection), set(theirs.get_column("designator").to_list()))
    base = theirs.height
    made = programme_requirements(chosen, base)
    write_records(
        connection,
        {"requirements": made},
        recorded_at=KNOWN,
        origin="demo: the FICTIONAL programme's requirements",
        fmt="demo",
    )
    return len(made)


def load(database: Database) -> list[str]:
    with database.transaction() as connection:
        if not _standards(connection):
            return ["Readiness: skipped (load the standards catalogue first)"]
        _ensure_requirements(connection)
        sections = build(connection)
        write_readiness(
            connection, sections, recorded_at=KNOWN, origin="demo: the FICTIONAL programme", fmt="demo"
        )
    out = Path.cwd() / OUTPUT
    with database.reading() as connection:
        charts = heatmap(
            reports.heatmap_report(connection, on=date(2025, 12, 31)), out / "readiness-heatmap.png"
        )
        charts += burnup(
            roadmap.burnup_report(connection, on=date(2025, 12, 31)), out / "readiness-burnup.png"
        )
    counts = {k: len(v) for k, v in sections.items()}
    return [
        "Readiness: a FICTIONAL programme (no real unit data is public; every name says FICTIONAL)",
        f"  {counts['elements']} force elements, {counts['targets']} targets, {counts['assessments']} assessments "
        f"(2023–2025), {counts['evaluations']} gated evaluations, {counts['findings']} findings with corrective actions, "
        f"{counts['milestones']} milestones",
        "  try: ltsplan readiness rollup --as-of 2025-06-30",
        "       ltsplan readiness evaluations   (a 2023 result has expired; one NEL1 came before its SEL1)",
        "       ltsplan readiness milestones --as-of 2024-12-31 ; ltsplan readiness gaps M3-FICTIONAL",
        "  charts: " + ", ".join(str(p) for p in charts if p.suffix == ".png"),
    ]
