"""One write path per record type: a file, a request body and a command meet the same rules, give
the same message for the same bad value, and log the same ``import_run`` row."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from ltsplan.config import Settings
from ltsplan.errors import InvalidInput
from ltsplan.ledger.imports import import_file
from ltsplan.readiness.imports import import_path
from ltsplan.records.writing import import_run
from ltsplan.server import create_app
from ltsplan.store.db import Database

ENTRY = {
    "dataset": "one-path",
    "reference": "E-1",
    "kind": "commitment",
    "stage": "committed",
    "donor": "DEU",
    "category": "military",
    "event_date": "2023-06-01",
    "amount": 1000,
    "currency": "EUR",
}
SOURCE = {"kind": "dataset release", "title": "One write path", "grade": "B2"}


@pytest.fixture
def client(db: Database):
    with TestClient(create_app(Settings(database_url=db.url), database=db)) as made:
        yield made


def _file_problems(db: Database, path: Path) -> set[tuple[str | None, str]]:
    with pytest.raises(InvalidInput) as raised:
        import_file(db, path)
    return {(p.field, p.message) for p in raised.value.problems}


def _api_problems(client: TestClient, body: dict) -> set[tuple[str | None, str]]:
    answer = client.post("/api/ledger/entries", content=json.dumps(body))
    assert answer.status_code == 422, answer.text
    return {(p["field"], p["message"]) for p in answer.json()["problems"]}


@pytest.mark.parametrize(
    ("field", "json_value", "csv_value"),
    [
        ("amount", "1e309", "1e309"),
        ("amount", '"1000"', None),
        ("amount", "true", None),
        ("currency", '"XYZ"', "XYZ"),
        ("stage", '"promised"', "promised"),
        ("event_date", '"2023-02-30"', "2023-02-30"),
        ("colour", '"red"', None),
    ],
)
def test_the_same_bad_value_gets_the_same_message_from_a_file_and_from_the_api(
    db: Database, client: TestClient, tmp_path: Path, field: str, json_value: str, csv_value: str | None
) -> None:
    body = {**ENTRY, "source": SOURCE}
    text = json.dumps(body)[:-1] + f', "{field}": {json_value}}}'
    if field in body:
        text = json.dumps({k: v for k, v in body.items() if k != field})[:-1] + f', "{field}": {json_value}}}'
    from_api = client.post("/api/ledger/entries", content=text)
    assert from_api.status_code == 422, from_api.text
    api = {(p["field"], p["message"]) for p in from_api.json()["problems"]}
    document = {
        "format": "ltsplan-ledger",
        "version": 1,
        "sources": [{"id": "s", "kind": SOURCE["kind"], "title": SOURCE["title"], "grade": "B2"}],
        "entries": [],
    }
    entry = json.dumps({**{k: v for k, v in ENTRY.items() if k != field}, "source_id": "s"})[:-1]
    path = tmp_path / "entry.json"
    path.write_text(
        json.dumps(document).replace('"entries": []', f'"entries": [{entry}, "{field}": {json_value}}}]')
    )
    assert api and api == _file_problems(db, path)
    if csv_value is not None:
        row = {**ENTRY, field: csv_value, "source_title": SOURCE["title"], "source_kind": SOURCE["kind"]}
        csv_path = tmp_path / "entry.csv"
        csv_path.write_text(",".join(row) + "\n" + ",".join(str(v) for v in row.values()) + "\n")
        assert _file_problems(db, csv_path) == api
    with db.reading() as connection:
        assert connection.execute(select(func.count()).select_from(import_run)).scalar_one() == 0


def test_every_way_of_writing_logs_an_import_run(db: Database, client: TestClient, tmp_path: Path) -> None:
    assert client.post("/api/sources", json=SOURCE).status_code == 201
    assert client.post("/api/ledger/entries", json={**ENTRY, "source": SOURCE}).status_code == 201
    standards = {"standards": [{"designator": "AJP-01", "title": "Allied Joint Doctrine", "domain": "joint"}]}
    assert client.post("/api/standards/records", json=standards).status_code == 201
    with db.reading() as connection:
        rows = connection.execute(select(import_run.c.path, import_run.c.format, import_run.c.inserted)).all()
    assert [(r.path, r.format) for r in rows] == [("request body", "api")] * 3
    assert [r.inserted for r in rows] == [1, 1, 1]


def test_a_readiness_record_gets_the_same_message_from_a_file_and_from_the_api(
    db: Database, client: TestClient, tmp_path: Path
) -> None:
    record = {"code": "BN", "name": "A battalion", "kind": "legion", "domain": "land", "fictional": "perhaps"}
    answer = client.post("/api/readiness/records", json={"elements": [record]})
    assert answer.status_code == 422
    api = {(p["field"], p["message"]) for p in answer.json()["problems"]}
    path = tmp_path / "elements.json"
    path.write_text(json.dumps({"elements": [record]}))
    with pytest.raises(InvalidInput) as raised:
        import_path(db, path)
    assert api == {(p.field, p.message) for p in raised.value.problems}
    assert (
        "kind",
        "'legion' is not allowed; use one of ministry, general staff, command, corps, division, brigade, regiment, battalion, company, squadron, wing, flotilla, ship, unit, school, institution",
    ) in api
    assert ("fictional", "'perhaps' is not true or false (yes/no, 1/0)") in api
