"""The demo's record, 2017–2025, on SQLite and PostgreSQL: real blockers under consensus (Hungary and
the NATO-Ukraine Commission, Türkiye and Hungary and Sweden's accession), the summits through The Hague,
each war aim assessed by independent sources at several dates, and the NATO-standards figures each with
its own speaker and date. Expected values are read from the scenario files where they can be."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import yaml
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from ltsplan.objectives import reports as objectives
from ltsplan.objectives.model import objective_assessment, statement
from ltsplan.pathway import demo as demo_pathway
from ltsplan.pathway import reports as service
from ltsplan.pathway.model import position
from ltsplan.provenance.model import evidence, source
from ltsplan.store.db import Database, open_database

POSTGRES = os.environ.get("LTSPLAN_TEST_POSTGRES_URL")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"] if POSTGRES else ["sqlite"])
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """The pathway demo loaded once per database for the module (every test here only reads)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'ltsplan.db'}"
        database = open_database(url)
        demo_pathway.load(database)
        yield database
        database.dispose()
        return
    assert POSTGRES is not None
    admin_url, name = make_url(POSTGRES), f"ltsplan_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    database = open_database(admin_url.set(database=name).render_as_string(hide_password=False))
    try:
        demo_pathway.load(database)
        yield database
    finally:
        database.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="module")
def files() -> dict[str, dict[str, Any]]:
    return {
        name: yaml.safe_load(demo_pathway.scenario_path(name).read_text(encoding="utf-8"))
        for name in demo_pathway.SCENARIOS
    }


def decisions_on(db: Database, day: date) -> dict[str, dict[str, Any]]:
    with db.reading() as c:
        return {r["decision"]: r for r in service.decisions(c, None, day).records()}


def test_loading_the_demo_again_writes_nothing(demo: Database) -> None:
    tables = (position, objective_assessment, statement, source, evidence)
    with demo.reading() as c:
        before = [c.execute(select(func.count()).select_from(t)).scalar() for t in tables]
    lines = demo_pathway.load(demo)
    with demo.reading() as c:
        after = [c.execute(select(func.count()).select_from(t)).scalar() for t in tables]
    assert after == before and "nothing changed" in lines[0]


def test_hungary_blocks_the_commission_from_2017_and_no_longer_blocks_from_april_2023(demo: Database) -> None:
    assert decisions_on(demo, date(2017, 10, 26))["nuc-meetings"]["consensus"] == "pending"
    for day in (date(2017, 10, 27), date(2020, 1, 1), date(2023, 3, 31)):
        row = decisions_on(demo, day)["nuc-meetings"]
        assert (row["consensus"], row["blockers"]) == ("blocked", "HUN"), day
    after = decisions_on(demo, date(2023, 4, 5))["nuc-meetings"]
    assert (after["status"], after["blockers"], after["conditional"]) == ("adopted", "", "HUN")


def test_sweden_is_blocked_by_turkiye_in_2023_held_up_by_hungary_and_admitted_in_march_2024(
    demo: Database, files: dict[str, dict[str, Any]]
) -> None:
    blocked = decisions_on(demo, date(2023, 3, 1))["sweden-accession"]
    assert (blocked["consensus"], blocked["blockers"], blocked["status"]) == ("blocked", "TUR", "open")
    held = decisions_on(demo, date(2024, 2, 1))["sweden-accession"]
    assert (held["consensus"], held["undecided"]) == ("pending", "HUN")
    admitted = decisions_on(demo, date(2024, 8, 1))["sweden-accession"]
    outcome = next(
        o for o in files["blockers-2017-2024.yaml"]["outcomes"] if o["decision"] == "sweden-accession"
    )
    assert (admitted["status"], admitted["consensus"], admitted["decided"]) == (
        "adopted",
        "adopted",
        outcome["date"],
    )
    assert "SWE" not in blocked["no_position"] and "SWE: support" in blocked["non_members"]
    assert admitted["members"] == blocked["members"] + 2  # Finland (April 2023) and Sweden itself


def test_washington_defers_the_invitation_on_an_irreversible_path_and_the_hague_is_recorded(
    demo: Database,
) -> None:
    july = decisions_on(demo, date(2024, 7, 11))
    assert (july["invite-ukraine"]["status"], july["invite-ukraine"]["decided"]) == (
        "deferred",
        date(2024, 7, 10),
    )
    assert july["nsatu"]["status"] == "adopted"
    assert decisions_on(demo, date(2024, 7, 1))["nsatu"]["conditional"] == "HUN"
    with demo.reading() as c:
        said = objectives.statements(c, None, search="irreversible path").records()
        hague = [
            s
            for s in objectives.statements(c, None, actor_code="NATO").records()
            if s["said"] == date(2025, 6, 25)
        ]
        conditions = service.conditions(c, None, "invite-ukraine", date(2025, 7, 1)).records()
    assert [s["said"] for s in said] == [date(2024, 7, 10)]
    assert hague and all(s["grade"] for s in hague)
    ended = next(r for r in conditions if r["condition"] == "hostilities-ended")
    assert (ended["status"], ended["since"]) == ("not met", date(2025, 6, 25))


def test_each_war_aim_has_assessments_from_at_least_two_independent_sources_at_several_dates(
    demo: Database, files: dict[str, dict[str, Any]]
) -> None:
    aims = {o["code"] for o in files["june-2023.yaml"]["objectives"]}
    with demo.reading() as c:
        for aim in sorted(aims):
            rows = objectives.show(c, aim, None).records()
            assessors = {r["assessor"] for r in rows}
            sources = {r["source"] for r in rows}
            dates = {r["assessed"].year for r in rows}
            assert len(assessors) >= 2 and len(sources) >= 2, aim
            assert {2023, 2024, 2025} <= dates, aim
            assert all(r["grade"] for r in rows), aim
        board = objectives.scoreboard(c, None).records()
    commentary = [r for r in board if r["assessor"] == "commentary-author"]
    assert {r["grade"] for r in commentary} == {"F5"}  # one graded voice among the others
    assert {r["objective"] for r in commentary} == aims
    assert all(r["agreement"] != "single" for r in board)


def test_the_standards_figures_stand_each_with_its_own_speaker_and_date_and_agree(
    demo: Database, files: dict[str, dict[str, Any]]
) -> None:
    with demo.reading() as c:
        rows = objectives.statements(c, None, search="nato-standards").records()
    said = {(r["actor"], r["said"]): r["quote"] for r in rows}
    assert set(said) == {(s["actor"], s["date"]) for s in files["record-2023-2025.yaml"]["statements"]}
    [(who_322, when_322)] = [k for k, q in said.items() if "322" in q]
    [(who_18, when_18)] = [k for k, q in said.items() if "18 percent" in q]
    [(who_287, when_287)] = [k for k, q in said.items() if "287" in q]
    assert (who_322, when_322) == ("stanislav-haider", date(2024, 5, 18))
    assert (who_18, when_18) == ("oleksii-reznikov", date(2023, 5, 2))
    assert (who_287, when_287) == ("oleksii-reznikov", date(2023, 9, 3))
    # Read with its own date and denominator ("more than 1,200" in 2023, 1,135 from 2024), each figure
    # is a share of NATO's standards, and the shares rise with time: nothing contradicts anything.
    shares = []
    for (_, _when), quote in sorted(said.items(), key=lambda kv: kv[0][1]):
        total = 1135 if re.search(r"1,?135", quote) else 1200
        percent = re.search(r"(\d+)\s*(?:%|percent)", quote)
        count = re.search(r"(\d+) NATO standards", quote)
        assert percent or count, quote
        shares.append(float(percent.group(1)) if percent else 100 * int(count.group(1)) / total)  # type: ignore[union-attr]
    assert shares == sorted(shares) and shares[0] == 18 and round(shares[-1], 1) == 28.4
