"""One read path for time: queries ask for "current at a moment" through ``store.time`` alone, and a
question asked as of a date answers with what was known then — for every table it joins."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

from ltsplan.objectives import reports as objectives
from ltsplan.pathway import reports as pathway
from ltsplan.pathway.imports import import_scenario
from ltsplan.provenance.imports import store_sources
from ltsplan.provenance.model import Source, source
from ltsplan.store.db import Database
from ltsplan.store.history import retract
from ltsplan.store.time import as_of

SOURCE = Path(__file__).resolve().parents[2] / "src" / "ltsplan"
# A query's own test of record time: a column of it compared, or a filter on it written by hand.
OWN_FILTER = re.compile(
    r"\.c\.(retracted_at|recorded_at)\b"
    r"|(retracted_at|recorded_at)[\"']?\]?\s*(<=|>=|<|>|==|!=)"
    r"|(<=|>=|<|>|==|!=)\s*[\w.\[\]\"']*(retracted_at|recorded_at)"
    r"|(retracted_at|recorded_at)\s+(IS|is)\b"
    r"|\.c\.at\s*(<=|>=|<|>)"
)


def test_no_query_outside_the_store_compares_record_times() -> None:
    found = []
    for path in sorted(SOURCE.rglob("*.py")):
        relative = path.relative_to(SOURCE)
        if relative.parts[0] == "store":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if OWN_FILTER.search(line):
                found.append(f"{relative}:{number}: {line.strip()}")
    assert not found, "record time compared outside store/ (use ltsplan.store.time):\n" + "\n".join(found)


def test_the_scan_finds_a_hand_written_filter() -> None:
    """The pattern above catches the shapes of filter it is meant to (it could otherwise pass empty)."""
    for line in (
        "select(t).where(t.c.retracted_at.is_(None))",
        'if v["recorded_at"] <= moment:',
        "conditions.append(t.c.at <= moment)",
        "WHERE retracted_at IS NULL",
        "moment >= row.recorded_at",
    ):
        assert OWN_FILTER.search(line), line
    assert not OWN_FILTER.search("live_at(source, moment)")


SCENARIO = """\
format: ltsplan-scenario/1
sources:
  - key: report
    kind: news report
    title: A report on the council's decision
    publisher: A wire service
    published: 2023-06-14
    grade: C3
bodies:
  - {code: COUNCIL, name: The council, rule: consensus, sources: [report], recorded: 2023-06-14}
memberships:
  - {body: COUNCIL, members: [DEU, FRA], from: 2000-01-01, sources: [report], recorded: 2023-06-14}
decisions:
  - {code: admit, body: COUNCIL, title: Admit a new member, sources: [report], recorded: 2023-06-14}
positions:
  - {decision: admit, actor: DEU, stance: support, date: 2023-06-14, recorded: 2023-06-14,
     sources: [{source: report, quote: "Germany supports it"}]}
objectives:
  - {code: keep-out, party: FRA, text: Keep the candidate out, stated: 2023-06-01, sources: [report],
     recorded: 2023-06-14}
assessments:
  - {objective: keep-out, assessor: DEU, status: ongoing, date: 2023-06-14, sources: [report],
     recorded: 2023-06-14}
"""


def _positions(db: Database, moment: datetime | None) -> dict[str, dict]:
    with db.reading() as connection:
        return {r["actor"]: r for r in pathway.positions(connection, "admit", moment).records()}


def _scoreboard(db: Database, moment: datetime | None) -> dict[str, dict]:
    with db.reading() as connection:
        return {r["assessor"]: r for r in objectives.scoreboard(connection, moment).records()}


def test_pathway_and_objectives_as_of_a_date_between_two_versions_of_a_source(db: Database, tmp_path: Path):
    """The grade and the evidence shown as of a date are the source's of that date: regraded later
    (a second version), then withdrawn later still, it keeps its first grade in the answers of 2023."""
    path = tmp_path / "scenario.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    import_scenario(db, path, use_recorded_dates=True)
    first = Source(
        kind="news report",
        title="A report on the council's decision",
        publisher="A wire service",
        published=date(2023, 6, 14),
        reliability="C",
        credibility=3,
    )
    regraded = Source(**{**first.__dict__, "reliability": "B", "credibility": 2, "note": "confirmed"})
    assert regraded.id == first.id  # the same source, a new version of it
    with db.transaction() as connection:
        store_sources(connection, [regraded], recorded_at=datetime(2024, 1, 1))
    between = as_of(date(2023, 9, 1))
    assert _positions(db, between)["DEU"]["sources"] == "A report on the council's decision (C3)"
    assert _positions(db, between)["DEU"]["quote"] == "Germany supports it"
    assert _scoreboard(db, between)["DEU"]["grade"] == "C3"
    assert _positions(db, None)["DEU"]["sources"] == "A report on the council's decision (B2)"
    assert _scoreboard(db, None)["DEU"]["grade"] == "B2"

    with db.transaction() as connection:
        retract(connection, source, [first.id], at=datetime(2025, 1, 1))
    # Withdrawn in 2025: the evidence it gave is gone today, and still there as of 2023 and 2024.
    assert _positions(db, None)["DEU"]["sources"] == ""
    assert _positions(db, between)["DEU"]["sources"] == "A report on the council's decision (C3)"
    assert _scoreboard(db, as_of(date(2024, 6, 1)))["DEU"]["grade"] == "B2"
    assert _scoreboard(db, between)["DEU"]["grade"] == "C3"


def test_an_actor_is_named_as_it_was_known_then(db: Database, tmp_path: Path):
    """Actor names are versions too: an answer as of a date uses the name recorded by then."""
    path = tmp_path / "scenario.yaml"
    named = SCENARIO.replace(
        "sources:\n  - key: report",
        "actors:\n  - {code: envoy, kind: person, name: An envoy}\nsources:\n  - key: report",
        1,
    ).replace("assessor: DEU", "assessor: envoy")
    path.write_text(named, encoding="utf-8")
    import_scenario(db, path, use_recorded_dates=True)
    path.write_text(named.replace("name: An envoy}", "name: Envoy Smith}"), encoding="utf-8")
    import_scenario(db, path, now=datetime(2024, 1, 1))
    assert _scoreboard(db, as_of(date(2023, 9, 1)))["envoy"]["assessor_name"] == "An envoy"
    assert _scoreboard(db, None)["envoy"]["assessor_name"] == "Envoy Smith"
