"""Recording one position, decision, outcome, condition, assessment or statement from the command line
and over the API: through the import's write path (an import_run row), refused whole with the option or
field named, and idempotent — on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from ltsplan.cli.main import build_app
from ltsplan.config import Settings
from ltsplan.objectives.model import objective_assessment
from ltsplan.pathway import demo as demo_pathway
from ltsplan.pathway import reports as service
from ltsplan.pathway.model import decision, position
from ltsplan.provenance.model import evidence, source
from ltsplan.records.writing import import_run
from ltsplan.server import create_app
from ltsplan.store.db import Database

NEW_SOURCE = [
    "--source-title",
    "Hungary vetoes NATO-Ukraine Commission meeting",
    "--source-url",
    "https://budapestbeacon.com/hungary-vetoes-nato-ukraine-commission-meeting/",
    "--source-publisher",
    "Budapest Beacon",
    "--source-published",
    "2017-11-24",
    "--source-grade",
    "B2",
]
TABLES = (decision, position, objective_assessment, source, evidence, import_run)


@pytest.fixture
def loaded(db: Database) -> Database:
    """The June 2023 scenario: NATO, its members and the invitation decision to record against."""
    from ltsplan.pathway.imports import import_scenario

    import_scenario(db, demo_pathway.scenario_path(), use_recorded_dates=True)
    return db


def counts(db: Database) -> list[int]:
    with db.reading() as c:
        return [c.execute(select(func.count()).select_from(t)).scalar() or 0 for t in TABLES]


def ltsplan(db: Database, *args: str) -> Any:
    return CliRunner().invoke(build_app(), [*args, "--db", db.url])


def test_recording_a_decision_and_a_position_from_the_command_line_changes_the_consensus(
    loaded: Database,
) -> None:
    before = counts(loaded)
    made = ltsplan(
        loaded,
        *("pathway", "decision", "record", "--code", "nuc-meetings", "--body", "NATO"),
        *("--title", "Convene the NATO-Ukraine Commission", *NEW_SOURCE),
    )
    assert made.exit_code == 0, made.output
    said = ltsplan(
        loaded,
        *("pathway", "position", "record", "--decision", "nuc-meetings", "--member", "HUN"),
        *("--position", "oppose", "--since", "2017-10-27", *NEW_SOURCE, "--source-quote", "vetoed"),
    )
    assert said.exit_code == 0, said.output
    assert "recorded" in said.output and "position " in said.output
    after = counts(loaded)
    assert [a - b for a, b in zip(after, before, strict=True)] == [1, 1, 0, 1, 2, 2]
    with loaded.reading() as c:
        [row] = [r for r in service.decisions(c, None, None).records() if r["decision"] == "nuc-meetings"]
        [hun] = [r for r in service.positions(c, "nuc-meetings", None).records() if r["actor"] == "HUN"]
    assert (row["consensus"], row["blockers"]) == ("blocked", "HUN")
    assert hun["quote"] == "vetoed" and "(B2)" in hun["sources"]


def test_recording_the_same_position_again_changes_nothing_and_a_stored_source_is_cited_by_id(
    loaded: Database,
) -> None:
    args = ("pathway", "position", "record", "--decision", "invite-ukraine", "--actor", "HUN")
    first = ltsplan(loaded, *args, "--stance", "undecided", "--date", "2025-01-01", *NEW_SOURCE)
    assert first.exit_code == 0, first.output
    sid = first.output.split("--source ")[1].split(")")[0].strip()
    before = counts(loaded)
    again = ltsplan(loaded, *args, "--stance", "undecided", "--date", "2025-01-01", "--source", sid)
    assert again.exit_code == 0, again.output
    assert "already recorded; nothing changed" in again.output
    after = counts(loaded)
    assert after[:5] == before[:5] and after[5] == before[5] + 1  # an import_run is logged all the same


def test_a_bad_record_is_refused_with_each_option_named_and_nothing_written(loaded: Database) -> None:
    before = counts(loaded)
    bad = ltsplan(
        loaded,
        *("pathway", "position", "record", "--decision", "invite-ukraine", "--actor", "HUN"),
        *(
            "--stance",
            "maybe",
            "--date",
            "2017-13-01",
            "--source-url",
            "ftp://example.org",
            "--source-grade",
            "Z9",
        ),
    )
    assert bad.exit_code == 1
    message = bad.output
    for option in ("--stance", "--date", "--source-url", "--source-grade", "--source-title"):
        assert f"field '{option}'" in message, option
    assert "nothing was written" in message
    unknown = ltsplan(
        loaded,
        *("pathway", "position", "record", "--decision", "no-such", "--actor", "HUN"),
        *("--stance", "oppose", "--date", "2017-10-27", "--source", "0" * 32),
    )
    assert unknown.exit_code == 1
    assert "field '--decision': unknown decision 'no-such'" in unknown.output
    assert "field '--source': unknown source" in unknown.output
    unsourced = ltsplan(
        loaded, "pathway", "position", "record", "--decision", "invite-ukraine", "--actor", "HUN",
        "--stance", "oppose", "--date", "2017-10-27",
    )  # fmt: skip
    assert unsourced.exit_code == 1 and "--source" in unsourced.output
    assert counts(loaded) == before


def test_an_assessment_recorded_from_the_command_line_stands_beside_the_others(loaded: Database) -> None:
    result = ltsplan(
        loaded,
        *("objectives", "assessment", "record", "--objective", "take-donbas", "--assessor", "isw"),
        *("--status", "partly achieved", "--date", "2024-06-14", "--label", "not all of Donetsk"),
        *NEW_SOURCE[:4], "--source-kind", "assessment",
    )  # fmt: skip
    assert result.exit_code == 1 and "unknown actor 'isw'" in result.output  # an assessor is an actor
    result = ltsplan(
        loaded,
        *("objectives", "assessment", "record", "--objective", "take-donbas", "--assessor", "USA"),
        *("--status", "partly achieved", "--date", "2024-06-14", "--label", "not all of Donetsk"),
        *NEW_SOURCE[:4], "--source-kind", "assessment",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    board = ltsplan(loaded, "objectives", "scoreboard", "--format", "csv")
    rows = [line for line in board.output.splitlines() if line.startswith("take-donbas")]
    assert {"commentary-author", "USA"} <= {r.split(",")[3] for r in rows}


@pytest.fixture
def client(loaded: Database) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(database_url=loaded.url), database=loaded)) as test_client:
        yield test_client


BODY: dict[str, Any] = {
    "decision": "invite-ukraine",
    "actor": "HUN",
    "stance": "conditional",
    "conditions": "the rights of the Hungarian minority are restored",
    "date": "2023-04-04",
    "sources": [
        {
            "title": "Szijjártó on the Commission meeting",
            "publisher": "babel.ua",
            "url": "https://babel.ua/en/news/92406",
            "published": "2023-04-04",
            "kind": "news report",
            "grade": "B2",
            "quote": "we participate in the meeting in a constructive spirit",
        }
    ],
}


def test_posting_a_position_records_it_once(client: TestClient, loaded: Database) -> None:
    first = client.post("/api/pathway/positions", json=BODY)
    assert first.status_code == 201, first.text
    answer = first.json()
    assert answer["written"]["positions"]["inserted"] == 1 and len(answer["ids"]) == 1
    assert len(answer["new_sources"]) == 1
    again = client.post("/api/pathway/positions", json=[BODY]).json()
    assert again["written"]["positions"] == {"inserted": 0, "revised": 0, "unchanged": 1}
    assert again["ids"] == answer["ids"]
    rows = client.get("/api/pathway/decisions/invite-ukraine/positions", params={"on": "2023-05-01"}).json()
    [hun] = [r for r in rows["rows"] if r["actor"] == "HUN"]
    assert hun["stance"] == "conditional" and hun["source_id"] == answer["new_sources"][0]


def test_a_bad_body_is_422_naming_record_and_field_and_writes_nothing(
    client: TestClient, loaded: Database
) -> None:
    before = counts(loaded)
    bad = {**BODY, "stance": "maybe", "sources": [{**BODY["sources"][0], "grade": "Z9"}]}
    answer = client.post("/api/pathway/positions", json=[BODY, bad])
    assert answer.status_code == 422, answer.text
    found = {(p["record"], p["field"]) for p in answer.json()["problems"]}
    assert found == {("positions #2", "stance"), ("positions #2", "sources[0].grade")}
    assert all(p["line"] is None for p in answer.json()["problems"])
    assert counts(loaded) == before  # the good record of the same body is not written either
    empty = client.post("/api/pathway/positions", json=[])
    assert empty.status_code == 422 and "at least one position" in empty.text


def test_posting_an_assessment_and_a_statement_citing_a_stored_source(client: TestClient) -> None:
    made = client.post("/api/pathway/decisions", json={**BODY, "code": "x"})
    assert made.status_code == 422  # a position's fields are not a decision's
    first = client.post("/api/pathway/positions", json=BODY).json()
    sid = first["new_sources"][0]
    assessed = {
        "objective": "demilitarization",
        "assessor": "HUN",
        "status": "ongoing",
        "date": "2024-07-05",
        "sources": [{"source": sid, "quote": "a quote"}],
    }
    assert client.post("/api/objectives/assessments", json=assessed).status_code == 201
    said = {"actor": "HUN", "date": "2024-07-05", "quote": "a statement", "sources": [sid]}
    assert client.post("/api/objectives/statements", json=said).status_code == 201
    board = client.get("/api/objectives/demilitarization").json()["rows"]
    assert ("HUN", "ongoing", sid) in {(r["assessor"], r["status"], r["source_id"]) for r in board}
    spec = client.get("/openapi.json").json()["paths"]
    assert {"/api/pathway/positions", "/api/objectives/assessments"} <= set(spec)
    assert "post" in spec["/api/pathway/decisions"] and "get" in spec["/api/pathway/decisions"]


def test_what_has_not_happened_yet_is_refused_and_a_day_ahead_is_not(
    client: TestClient, loaded: Database
) -> None:
    before = counts(loaded)
    today = datetime.now(UTC).date()
    later = (today + timedelta(days=2)).isoformat()
    asked = {
        "/api/pathway/positions": ({**BODY, "date": later}, "positions #1"),
        "/api/objectives/statements": (
            {"actor": "HUN", "date": later, "quote": "not yet said", "sources": BODY["sources"]},
            "statements #1",
        ),
    }
    for path, (body, record) in asked.items():
        answer = client.post(path, json=body)
        assert answer.status_code == 422, answer.text
        [problem] = answer.json()["problems"]
        assert (problem["record"], problem["field"]) == (record, "date")
        assert later in problem["message"] and "after the day it is recorded" in problem["message"]
    assert counts(loaded) == before
    # A recorder whose day has begun ahead of UTC's gives tomorrow's date: it is today for them.
    ahead = client.post(
        "/api/pathway/positions", json={**BODY, "date": (today + timedelta(days=1)).isoformat()}
    )
    assert ahead.status_code == 201, ahead.text
