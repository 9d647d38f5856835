"""Writing standards, readiness and pathway/objectives records over HTTP, through the importers'
readers, checks and versioned writes, on SQLite and PostgreSQL."""

from __future__ import annotations

import copy
from typing import Any

from fastapi.testclient import TestClient

from ltsplan.store.db import Database

CATALOGUE: dict[str, Any] = {
    "standards": [{"designator": "STANAG 9999", "title": "Test standard", "domain": "land"}],
    "requirements": [
        {
            "designator": "STANAG 9999",
            "code": "REQ-1",
            "text": "A test requirement",
            "measure": "percentage",
            "threshold": 60,
        }
    ],
}

READINESS: dict[str, Any] = {
    "elements": [{"code": "TST-BDE", "name": "Test brigade", "kind": "brigade", "domain": "land"}],
    "targets": [
        {
            "element": "TST-BDE",
            "standard": "STANAG 9999",
            "requirement": "REQ-1",
            "level": 60,
            "due": "2030-01-01",
        }
    ],
    "assessments": [
        {
            "element": "TST-BDE",
            "standard": "STANAG 9999",
            "requirement": "REQ-1",
            "observed": 75,
            "assessed_on": "2024-01-10",
            "assessor": "tester",
            "method": "self-evaluation",
        }
    ],
}

SCENARIO: dict[str, Any] = {
    "format": "ltsplan-scenario/1",
    "sources": [
        {
            "key": "test-note",
            "kind": "statement",
            "title": "A test statement",
            "published": "2023-06-01",
            "grade": "B2",
        }
    ],
    "objectives": [
        {
            "code": "test-aim",
            "party": "RUS",
            "text": "A test aim",
            "stated_by": "RUS",
            "stated": "2023-01-01",
            "sources": ["test-note"],
        }
    ],
    "assessments": [
        {
            "objective": "test-aim",
            "assessor": "RUS",
            "status": "ongoing",
            "label": "first view",
            "date": "2023-06-01",
            "sources": ["test-note"],
        }
    ],
}


def rows(client: TestClient, path: str, **params: Any) -> list[dict[str, Any]]:
    answer = client.get(path, params={"per_page": 1000, **params})
    assert answer.status_code == 200, answer.text
    return list(answer.json()["rows"])


def fields_of(answer: Any) -> set[str | None]:
    return {p["field"] for p in answer.json()["problems"]}


def test_a_posted_standard_appears_in_the_catalogue(client: TestClient) -> None:
    answer = client.post("/api/standards/records", json=CATALOGUE)
    assert answer.status_code == 201, answer.text
    assert answer.json()["written"]["standards"]["inserted"] == 1
    listed = {r["designator"]: r for r in rows(client, "/api/standards")}
    assert listed["STANAG 9999"]["title"] == "Test standard"
    again = client.post("/api/standards/records", json=CATALOGUE)
    assert again.json()["written"]["standards"] == {"inserted": 0, "revised": 0, "unchanged": 1}


def test_a_bad_standards_body_is_422_naming_each_field_and_writes_nothing(client: TestClient) -> None:
    bad = copy.deepcopy(CATALOGUE)
    bad["requirements"][0]["measure"] = "vibes"
    bad["standards"].append({"designator": "STANAG 9998", "domain": "land"})
    answer = client.post("/api/standards/records", json=bad)
    assert answer.status_code == 422, answer.text
    problems = answer.json()["problems"]
    assert {"measure", "title"} <= fields_of(answer)
    assert any(p["record"] and p["record"].startswith("requirements[1]") for p in problems)
    assert not {"STANAG 9999", "STANAG 9998"} & {r["designator"] for r in rows(client, "/api/standards")}


def test_put_revises_a_standard_and_as_of_before_it_shows_the_old_title(client: TestClient) -> None:
    first = client.post("/api/standards/records", json=CATALOGUE).json()["recorded_at"]
    revised = copy.deepcopy(CATALOGUE)
    revised["standards"][0]["title"] = "Test standard, second edition"
    answer = client.put("/api/standards/records", json=revised)
    assert answer.status_code == 200, answer.text
    assert answer.json()["written"]["standards"]["revised"] == 1
    now = {r["designator"]: r["title"] for r in rows(client, "/api/standards")}
    before = {r["designator"]: r["title"] for r in rows(client, "/api/standards", as_of=first)}
    assert now["STANAG 9999"] == "Test standard, second edition"
    assert before["STANAG 9999"] == "Test standard"


def test_put_of_a_record_that_does_not_exist_is_422_and_writes_nothing(client: TestClient) -> None:
    answer = client.put("/api/standards/records", json=CATALOGUE)
    assert answer.status_code == 422
    assert "no such record" in answer.text
    assert "STANAG 9999" not in {r["designator"] for r in rows(client, "/api/standards")}


def test_posted_readiness_records_appear_by_element_and_in_the_drill_down(client: TestClient) -> None:
    assert client.post("/api/standards/records", json=CATALOGUE).status_code == 201
    answer = client.post("/api/readiness/records", json=READINESS)
    assert answer.status_code == 201, answer.text
    assert answer.json()["written"]["assessments"]["inserted"] == 1
    listed = {r["element"]: r for r in rows(client, "/api/readiness/elements")}
    assert listed["TST-BDE"]["met"] == 1


def test_a_bad_readiness_body_is_422_naming_the_field_and_writes_nothing(client: TestClient) -> None:
    assert client.post("/api/standards/records", json=CATALOGUE).status_code == 201
    bad = copy.deepcopy(READINESS)
    bad["elements"][0]["kind"] = "flotilla of dreams"
    bad["assessments"][0]["assessed_on"] = "2024-13-01"
    answer = client.post("/api/readiness/records", json=bad)
    assert answer.status_code == 422, answer.text
    assert {"kind", "assessed_on"} <= fields_of(answer)
    assert "TST-BDE" not in {r["element"] for r in rows(client, "/api/readiness/elements")}


def test_put_revises_an_element_and_as_of_before_it_shows_the_old_name(client: TestClient) -> None:
    assert client.post("/api/standards/records", json=CATALOGUE).status_code == 201
    first = client.post("/api/readiness/records", json=READINESS).json()["recorded_at"]
    answer = client.put(
        "/api/readiness/records", json={"elements": [{**READINESS["elements"][0], "name": "Renamed brigade"}]}
    )
    assert answer.status_code == 200, answer.text
    now = {r["element"]: r["name"] for r in rows(client, "/api/readiness/elements")}
    before = {r["element"]: r["name"] for r in rows(client, "/api/readiness/elements", as_of=first)}
    assert (now["TST-BDE"], before["TST-BDE"]) == ("Renamed brigade", "Test brigade")


def test_posted_objective_and_assessment_appear_on_the_scoreboard(client: TestClient) -> None:
    answer = client.post("/api/pathway/records", json=SCENARIO)
    assert answer.status_code == 201, answer.text
    board = [r for r in rows(client, "/api/objectives") if r["objective"] == "test-aim"]
    assert [r["label"] for r in board] == ["first view"]


def test_a_bad_scenario_body_is_422_naming_the_field_and_writes_nothing(client: TestClient) -> None:
    bad = copy.deepcopy(SCENARIO)
    bad["assessments"][0]["status"] = "triumphant"
    answer = client.post("/api/pathway/records", json=bad)
    assert answer.status_code == 422, answer.text
    problems = answer.json()["problems"]
    assert "status" in fields_of(answer)
    assert any(p["record"] == "assessments #1" for p in problems)
    assert not [r for r in rows(client, "/api/objectives") if r["objective"] == "test-aim"]


def test_put_revises_an_assessment_and_as_of_before_it_shows_the_old_label(client: TestClient) -> None:
    first = client.post("/api/pathway/records", json=SCENARIO).json()["recorded_at"]
    revised = copy.deepcopy(SCENARIO)
    revised["assessments"][0]["label"] = "second view"
    answer = client.put("/api/pathway/records", json=revised)
    assert answer.status_code == 200, answer.text
    now = [r["label"] for r in rows(client, "/api/objectives") if r["objective"] == "test-aim"]
    before = [
        r["label"] for r in rows(client, "/api/objectives", as_of=first) if r["objective"] == "test-aim"
    ]
    assert (now, before) == (["second view"], ["first view"])


def test_an_elements_drill_down_shows_its_targets_latest_assessment_and_links(client: TestClient) -> None:
    assert client.post("/api/standards/records", json=CATALOGUE).status_code == 201
    assert client.post("/api/readiness/records", json=READINESS).status_code == 201
    answer = client.get("/api/readiness/elements/TST-BDE")
    assert answer.status_code == 200, answer.text
    [target] = answer.json()["rows"]
    observed = READINESS["assessments"][0]["observed"]
    assert (target["standard"], target["requirement"], target["value"]) == ("STANAG 9999", "REQ-1", observed)
    assert target["met"] is (observed >= READINESS["targets"][0]["level"])
    assert "score" in answer.json()["notes"][0]
    assert client.get("/api/readiness/elements/TST-BDE/findings").status_code == 200
    assert client.get("/api/readiness/elements/TST-BDE/evaluations").status_code == 200
    assert client.get("/api/readiness/elements/NO-SUCH").status_code == 404
    for listing in ("/readiness/elements", "/readiness/heatmap"):
        page = client.get(listing, headers={"accept": "text/html"}).text
        assert 'href="/readiness/elements/TST-BDE"' in page, listing
    drill = client.get("/readiness/elements/TST-BDE", headers={"accept": "text/html"})
    assert drill.status_code == 200
    # one target, met: 1 of 1 and a full score under any rule
    assert "1 of 1" in drill.text
    assert 'id="element-score">100.0%' in drill.text
    assert all(f'id="{t}-table"' in drill.text for t in ("targets", "evaluations", "findings"))


def test_an_objectives_assessments_and_statements_link_to_their_sources(client: TestClient) -> None:
    document = copy.deepcopy(SCENARIO)
    document["statements"] = [
        {"actor": "RUS", "date": "2023-06-02", "quote": "a test quote", "sources": ["test-note"]}
    ]
    assert client.post("/api/pathway/records", json=document).status_code == 201
    [source] = rows(client, "/api/sources", title="A test statement")
    [assessed] = rows(client, "/api/objectives/test-aim")
    [said] = [r for r in rows(client, "/api/objectives-statements") if r["quote"] == "a test quote"]
    assert assessed["source_id"] == said["source_id"] == source["id"]
    page = client.get("/objectives/test-aim", headers={"accept": "text/html"}).text
    assert f'href="/sources/{source["id"]}"' in page


def test_a_positions_row_links_to_its_source(client: TestClient) -> None:
    document = {
        "format": "ltsplan-scenario/1",
        "sources": SCENARIO["sources"],
        "bodies": [
            {
                "code": "TBODY",
                "name": "Test council",
                "rule": "consensus",
                "silence": "no position",
                "sources": ["test-note"],
            }
        ],
        "memberships": [
            {"body": "TBODY", "members": ["USA", "DEU"], "from": "1990-01-01", "sources": ["test-note"]}
        ],
        "decisions": [
            {
                "code": "test-decision",
                "body": "TBODY",
                "title": "A test decision",
                "kind": "other",
                "due": "2030-01-01",
                "sources": ["test-note"],
            }
        ],
        "positions": [
            {
                "decision": "test-decision",
                "actor": "USA",
                "stance": "support",
                "date": "2023-06-01",
                "sources": ["test-note"],
            }
        ],
    }
    answer = client.post("/api/pathway/records", json=document)
    assert answer.status_code == 201, answer.text
    [source] = rows(client, "/api/sources", title="A test statement")
    listed = {r["actor"]: r for r in rows(client, "/api/pathway/decisions/test-decision/positions")}
    assert listed["USA"]["source_id"] == source["id"]
    assert listed["DEU"]["source_id"] is None  # no position stated, so no source


def test_a_standards_requirements_link_to_their_recorded_sources(client: TestClient, db: Database) -> None:
    made = client.post("/api/sources", json={"kind": "official document", "title": "Test publication"})
    assert made.status_code == 201, made.text
    source_id = made.json()["id"]
    # The standards file formats carry no source; a source is recorded with the records themselves.
    document = {
        "standards": [
            {
                "designator": "STANAG 9997",
                "title": "Sourced standard",
                "domain": "land",
                "source_id": source_id,
            }
        ],
        "requirements": [
            {
                "designator": "STANAG 9997",
                "code": "R-1",
                "text": "cited",
                "measure": "binary",
                "source_id": source_id,
            },
            {"designator": "STANAG 9997", "code": "R-2", "text": "not cited", "measure": "binary"},
        ],
    }
    assert client.post("/api/standards/records", json=document).status_code == 201
    unknown = {
        "standards": [{"designator": "STANAG 9996", "title": "x", "domain": "land", "source_id": "0" * 32}]
    }
    refused = client.post("/api/standards/records", json=unknown)
    assert refused.status_code == 422
    assert refused.json()["problems"][0]["field"] == "source_id"
    answer = client.get("/api/standards/STANAG 9997")
    assert answer.status_code == 200, answer.text
    assert {r["code"]: r["source_id"] for r in answer.json()["rows"]} == {"R-1": source_id, "R-2": None}
    assert f"/sources/{source_id}" in answer.json()["notes"][-1]
    page = client.get("/standards/STANAG 9997", headers={"accept": "text/html"}).text
    assert f'href="/sources/{source_id}"' in page


def test_one_records_list_answers_at_its_csv_and_json_addresses_as_its_page_links_them(
    client: TestClient,
) -> None:
    """``/api/<list>/{code}.csv`` is the list of that code as CSV (the pages link it so), not a
    lookup of a code ending in ".csv"."""
    assert client.post("/api/standards/records", json=CATALOGUE).status_code == 201
    assert client.post("/api/readiness/records", json=READINESS).status_code == 201
    assert client.post("/api/pathway/records", json=SCENARIO).status_code == 201
    for path in (
        "/api/readiness/elements/TST-BDE",
        "/api/standards/STANAG%209999",
        "/api/objectives/test-aim",
    ):
        as_csv = client.get(path + ".csv")
        assert as_csv.status_code == 200, (path, as_csv.text)
        assert as_csv.headers["content-type"].startswith("text/csv")
        assert as_csv.text == client.get(path, params={"format": "csv"}).text
        as_json = client.get(path + ".json")
        assert as_json.status_code == 200, (path, as_json.text)
        assert as_json.json()["rows"] == client.get(path).json()["rows"]
    page = client.get("/readiness/elements/TST-BDE").text
    assert "/api/readiness/elements/TST-BDE.csv" in page
