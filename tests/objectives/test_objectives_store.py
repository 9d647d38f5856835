"""The scoreboard and the statements of the June 2023 scenario, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
import yaml

from ltsplan.errors import NotFound
from ltsplan.objectives import reports as service
from ltsplan.objectives.model import SCALE
from ltsplan.pathway import demo as demo_pathway
from ltsplan.store.db import Database
from ltsplan.store.time import as_of

JUNE = as_of(date(2023, 6, 14))


def test_the_commentarys_achieved_stands_beside_the_reports_unresolved(db: Database) -> None:
    demo_pathway.load(db)
    scenario = yaml.safe_load(demo_pathway.scenario_path().read_text(encoding="utf-8"))
    expected = {
        (a["assessor"], a["status"])
        for a in scenario["assessments"]
        if a["objective"] == "prevent-ukraine-nato"
    }
    with db.reading() as c:
        rows = [r for r in service.scoreboard(c, JUNE).records() if r["objective"] == "prevent-ukraine-nato"]
    assert {(r["assessor"], r["status"]) for r in rows} == expected
    statuses = [s for _, s in expected]
    assert {r["divergence"] for r in rows} == {
        max(SCALE[s] for s in statuses) - min(SCALE[s] for s in statuses)
    }
    grades = {r["assessor"]: r["grade"] for r in rows}
    assert grades == {"commentary-author": "F5", "wire-service": "C2"}  # graded through their sources


def test_before_the_seed_was_published_nothing_was_assessed(db: Database) -> None:
    demo_pathway.load(db)
    with db.reading() as c:
        report = service.scoreboard(c, as_of(date(2023, 6, 13)))
    assert report.frame.get_column("assessor").drop_nulls().len() == 0


def test_statements_are_found_case_insensitively_by_quote_actor_name_or_source(db: Database) -> None:
    demo_pathway.load(db)
    with db.reading() as c:
        by_quote = service.statements(c, None, search="WHOLE ARRAY").records()
        by_name = service.statements(c, None, search="kremlin").records()
        by_source = service.statements(c, None, search="vilnius summit").records()
        literal = service.statements(c, None, search="100%").records()
    assert [r["actor"] for r in by_quote] == ["julianne-smith"]
    assert by_quote[0]["attribution"] == "on the record"
    assert [r["actor"] for r in by_name] == ["dmitry-peskov"]
    assert by_name[0]["attribution"] == "official spokesman" and by_name[0]["said"] == date(2023, 6, 2)
    assert by_source and {r["actor"] for r in by_source} == {"NATO"}
    assert literal == []


def test_the_anonymous_source_is_kept_apart_from_the_commentary(db: Database) -> None:
    demo_pathway.load(db)
    with db.reading() as c:
        rows = {r["actor"]: r for r in service.statements(c, JUNE).records()}
    assert rows["senior-alliance-source"]["attribution"] == "anonymous"
    assert rows["senior-alliance-source"]["grade"] == "C3"
    assert rows["commentary-author"]["grade"] == "F5"
    assert "NATO" not in rows or all(r["said"] <= date(2023, 6, 14) for r in rows.values())


def test_showing_an_unknown_objective_names_the_known_ones(db: Database) -> None:
    demo_pathway.load(db)
    with db.reading() as c, pytest.raises(NotFound, match="prevent-ukraine-nato"):
        service.show(c, "nope", None)
