"""Valid time (``--on``) beside record time (``--as-of``): history imported today is visible at past
dates, and what was not yet known at a record time stays unknown — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from ltsplan.cli.main import build_app
from ltsplan.objectives import reports as objectives
from ltsplan.pathway import recording
from ltsplan.pathway import reports as service
from ltsplan.pathway.imports import import_scenario
from ltsplan.store.db import Database
from ltsplan.store.time import as_of

BEFORE, AFTER = date(2023, 7, 11), date(2024, 8, 1)
CHANGED = date(2024, 3, 1)  # the day the blocker changes its position

SOURCE = {
    "key": "note",
    "kind": "news report",
    "title": "A council's record",
    "publisher": "Test desk",
    "url": "https://example.org/council",
    "published": "2024-03-01",
    "grade": "B2",
}
DOCUMENT: dict[str, Any] = {
    "format": "ltsplan-scenario/1",
    "sources": [SOURCE],
    "bodies": [{"code": "TCOUNCIL", "name": "Test council", "rule": "consensus", "sources": ["note"]}],
    "memberships": [
        {"body": "TCOUNCIL", "members": ["USA", "DEU"], "from": "1990-01-01", "sources": ["note"]}
    ],
    "decisions": [
        {"code": "open-office", "body": "TCOUNCIL", "title": "Open an office", "sources": ["note"]}
    ],
    "positions": [
        {
            "decision": "open-office",
            "actor": "DEU",
            "stance": "support",
            "date": "2023-01-01",
            "sources": ["note"],
        },
        {
            "decision": "open-office",
            "actor": "USA",
            "stance": "oppose",
            "date": "2023-01-01",
            "sources": ["note"],
        },
    ],
    "objectives": [{"code": "test-aim", "party": "RUS", "text": "A test aim", "sources": ["note"]}],
    "assessments": [
        {
            "objective": "test-aim",
            "assessor": "USA",
            "status": "ongoing",
            "date": "2023-06-01",
            "sources": ["note"],
        },
        {
            "objective": "test-aim",
            "assessor": "USA",
            "status": "achieved",
            "date": "2024-06-01",
            "sources": ["note"],
        },
    ],
}
THEN = datetime(2026, 1, 10)  # when the council's history was imported (UTC, as the store keeps it)
LATER = THEN + timedelta(days=30)  # when the change of 2024 was learnt


@pytest.fixture
def council(db: Database, tmp_path: Path) -> Database:
    """The council's history imported in one go at THEN (no record dates in the file), and the
    blocker's change of 2024 recorded at LATER."""
    path = tmp_path / "council.yaml"
    path.write_text(yaml.safe_dump(DOCUMENT, sort_keys=False), encoding="utf-8")
    import_scenario(db, path, now=THEN)
    change = {"decision": "open-office", "actor": "USA", "stance": "support", "date": CHANGED.isoformat()}
    with db.transaction() as connection:
        cited = {k: v for k, v in SOURCE.items() if k != "key"}  # the same source, given whole
        recording.record(connection, "position", [{**change, "sources": [cited]}], now=LATER, origin="test")
    return db


def consensus(db: Database, moment: datetime | None, on: date | None) -> dict[str, Any] | None:
    with db.reading() as c:
        rows = {r["decision"]: r for r in service.decisions(c, moment, on).records()}
    return rows.get("open-office")


def test_on_a_past_day_the_history_imported_today_answers_as_known_now(council: Database) -> None:
    before, after = consensus(council, None, BEFORE), consensus(council, None, AFTER)
    assert before is not None and after is not None
    assert (before["consensus"], before["blockers"], before["judged_on"]) == ("blocked", "USA", BEFORE)
    assert (after["consensus"], after["support"], after["judged_on"]) == ("adopted", 2, AFTER)


def test_as_of_a_past_day_alone_does_not_see_what_was_imported_later(council: Database) -> None:
    assert consensus(council, as_of(BEFORE), None) is None  # the record time before anything was known


def test_as_of_a_record_time_before_the_change_was_learnt_the_old_position_holds(council: Database) -> None:
    known_then = consensus(council, THEN + timedelta(days=1), AFTER)
    assert known_then is not None and (known_then["consensus"], known_then["blockers"]) == ("blocked", "USA")
    assert consensus(council, LATER + timedelta(seconds=1), AFTER)["consensus"] == "adopted"  # type: ignore[index]


def test_positions_history_and_conditions_take_the_same_day(council: Database) -> None:
    with council.reading() as c:
        then = {r["actor"]: r["stance"] for r in service.positions(c, "open-office", None, BEFORE).records()}
        now = {r["actor"]: r["stance"] for r in service.positions(c, "open-office", None, AFTER).records()}
        steps = service.history(c, "open-office", None, BEFORE).records()
    assert (then, now) == ({"DEU": "support", "USA": "oppose"}, {"DEU": "support", "USA": "support"})
    assert max(s["date"] for s in steps) <= BEFORE  # the history stops at the day asked about


def test_the_scoreboard_takes_each_assessors_latest_verdict_on_the_day(council: Database) -> None:
    with council.reading() as c:
        then = objectives.scoreboard(c, None, BEFORE).records()
        now = objectives.scoreboard(c, None, AFTER).records()
        shown = objectives.show(c, "test-aim", None, BEFORE).records()
    assert [r["status"] for r in then] == ["ongoing"] and [r["status"] for r in now] == ["achieved"]
    assert [r["assessed"] for r in shown] == [date(2023, 6, 1)]


def test_the_command_line_and_the_api_take_on(council: Database) -> None:
    from fastapi.testclient import TestClient

    from ltsplan.config import Settings
    from ltsplan.server import create_app

    result = CliRunner().invoke(
        build_app(), ["pathway", "decisions", "--on", "2023-07-11", "--format", "json", "--db", council.url]
    )
    assert result.exit_code == 0, result.output
    assert '"blockers": "USA"' in result.output
    bad = CliRunner().invoke(build_app(), ["pathway", "decisions", "--on", "July", "--db", council.url])
    assert bad.exit_code == 2
    with TestClient(create_app(Settings(database_url=council.url), database=council)) as client:
        rows = client.get("/api/pathway/decisions", params={"on": "2023-07-11"}).json()["rows"]
        assert [r["blockers"] for r in rows if r["decision"] == "open-office"] == ["USA"]
        rows = client.get("/api/pathway/decisions", params={"on": "2024-08-01"}).json()["rows"]
        assert [r["consensus"] for r in rows if r["decision"] == "open-office"] == ["adopted"]
        assert client.get("/api/pathway/decisions", params={"on": "3000-01-01"}).status_code == 422
        board = client.get("/api/objectives", params={"on": "2023-07-11"}).json()["rows"]
        assert [r["status"] for r in board if r["objective"] == "test-aim"] == ["ongoing"]
