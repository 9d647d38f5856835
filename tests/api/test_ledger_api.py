"""The ledger over HTTP: lists with filters, sorting, paging, as-of and CSV; writes with
field-level validation; the sources behind every figure."""

from __future__ import annotations

import csv
import io
import json

import pytest
from fastapi.testclient import TestClient
from sample_ledger import EARLY, ENTRIES, GOVERNMENT, NEW_ENTRY, NEWSPAPER, entry_id, expected


def rows_by(body: dict, key: str) -> dict:
    return {row[key]: row for row in body["rows"]}


def test_totals_by_donor_add_up_the_entries_written(client: TestClient) -> None:
    body = client.get("/api/ledger/totals", params={"by": "donor"}).json()
    donors = rows_by(body, "donor")
    assert set(donors) == {"DEU", "FRA", "POL"}
    for donor, row in donors.items():
        for measure in ("pledged", "allocated", "delivered", "announced"):
            assert row[measure] == pytest.approx(expected(measure, donor=donor))
    assert donors["DEU"]["donor_name"] == "Germany"
    assert [c["unit"] for c in body["columns"] if c["name"] == "pledged"] == ["EUR"]


def test_as_of_answers_with_what_was_known_then(client: TestClient) -> None:
    then = client.get("/api/ledger/totals", params={"by": "donor", "as_of": "2023-06-14"}).json()
    donors = rows_by(then, "donor")
    assert set(donors) == {"DEU", "POL"}  # France's entries were learned in 2024
    assert donors["DEU"]["pledged"] == pytest.approx(expected("pledged", donor="DEU", known_by=EARLY))
    assert donors["DEU"]["delivered"] == 0
    assert then["params"]["as_of"].startswith("2023-06-14")


def test_as_of_that_is_not_a_date_is_a_422_naming_the_field(client: TestClient) -> None:
    response = client.get("/api/ledger/totals", params={"as_of": "14/06/2023"})
    assert response.status_code == 422
    assert response.json()["problems"][0]["field"] == "as_of"


def test_lists_filter_on_any_column_sort_and_page(client: TestClient) -> None:
    params = {"by": "donor", "sort": "-pledged", "per_page": 2}
    first = client.get("/api/ledger/totals", params=params).json()
    pledged = sorted((expected("pledged", donor=d) for d in ("DEU", "FRA", "POL")), reverse=True)
    assert [r["pledged"] for r in first["rows"]] == pytest.approx(pledged[:2])
    assert (first["total"], first["pages"], first["page"]) == (3, 2, 1)
    second = client.get(first["links"]["next"]).json()
    assert [r["pledged"] for r in second["rows"]] == pytest.approx(pledged[2:])
    big = client.get("/api/ledger/totals", params={"by": "donor", "pledged__gte": 70e6}).json()
    assert {r["donor"] for r in big["rows"]} == {
        d for d in ("DEU", "FRA", "POL") if expected("pledged", donor=d) >= 70e6
    }


def test_filter_on_a_column_the_list_lacks_is_refused_with_the_columns_it_has(client: TestClient) -> None:
    response = client.get("/api/ledger/totals", params={"by": "donor", "colour": "red"})
    assert response.status_code == 422
    problem = response.json()["problems"][0]
    assert problem["field"] == "colour"
    assert "pledged" in problem["message"]


def test_entries_are_paged_in_the_database_and_filtered_on_their_columns(client: TestClient) -> None:
    body = client.get("/api/ledger/entries", params={"donor": "DEU", "sort": "event_date"}).json()
    wanted = sorted((e[5], e[0]) for e in ENTRIES if e[3] == "DEU")
    assert [r["reference"] for r in body["rows"]] == [ref for _, ref in wanted]
    assert body["total"] == len(wanted)
    one = client.get("/api/ledger/entries", params={"per_page": 1, "page": 2, "sort": "reference"}).json()
    assert one["rows"][0]["reference"] == sorted(e[0] for e in ENTRIES)[1]


def test_csv_export_carries_every_row_and_defuses_formulas(client: TestClient) -> None:
    response = client.get("/api/ledger/entries.csv")
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == len(ENTRIES)
    descriptions = {r["reference"]: r["description"] for r in rows}
    assert descriptions["F-1"] == "'=cmd()"
    assert descriptions["P-1"] == "'+SUM(A1)"
    same = client.get("/api/ledger/entries", params={"format": "csv"})
    assert same.text == response.text


def test_every_figure_leads_to_sources_that_add_up_to_it(client: TestClient) -> None:
    body = client.get("/api/ledger/provenance", params={"measure": "pledged", "donor": "DEU"}).json()
    assert sum(r["eur"] for r in body["rows"]) == pytest.approx(expected("pledged", donor="DEU"))
    assert [r["source_id"] for r in body["rows"]] == [GOVERNMENT.id]
    assert body["rows"][0]["grade"] == "A2"


def test_one_entry_comes_with_its_source(client: TestClient) -> None:
    body = client.get(f"/api/ledger/entries/{entry_id('F-1')}").json()
    assert body["donor"] == "FRA"
    assert [s["id"] for s in body["sources"]] == [NEWSPAPER.id]
    assert client.get("/api/ledger/entries/nosuchentry").status_code == 404


def test_a_posted_entry_and_its_source_count_at_once_and_twice_posted_count_once(client: TestClient) -> None:
    created = client.post("/api/ledger/entries", json=NEW_ENTRY)
    assert created.status_code == 201, created.text
    assert created.json()["inserted"] == 1
    totals = rows_by(client.get("/api/ledger/totals", params={"by": "donor"}).json(), "donor")
    assert totals["NLD"]["pledged"] == pytest.approx(25e6)
    again = client.post("/api/ledger/entries", json=NEW_ENTRY).json()
    assert (again["inserted"], again["unchanged"]) == (0, 1)
    written = client.get(f"/api/ledger/entries/{created.json()['id']}").json()
    source = client.get(f"/api/sources/{written['source_id']}")
    assert source.json()["ledger_entries"]["count"] == 1


def test_a_revision_replaces_the_figure_and_keeps_the_old_version(client: TestClient) -> None:
    ident = entry_id("D-1")
    revised = {**NEW_ENTRY, "dataset": "test", "reference": "D-1", "donor": "DEU", "amount": 120e6}
    response = client.put(f"/api/ledger/entries/{ident}", json=revised)
    assert response.status_code == 200, response.text
    assert response.json()["revised"] == 1
    history = client.get(f"/api/ledger/entries/{ident}/history").json()
    assert sorted(r["amount"] for r in history["rows"]) == [100e6, 120e6]


def test_a_revision_keeps_the_dataset_and_reference_that_name_its_entry(client: TestClient) -> None:
    ident = entry_id("D-1")
    before = client.get("/api/ledger/totals", params={"by": "donor"}).json()
    moved = {**NEW_ENTRY, "dataset": "test", "reference": "D-9", "amount": 200e6}
    refused = client.put(f"/api/ledger/entries/{ident}", json=moved)
    assert refused.status_code == 422, refused.text
    assert [(p["field"], p["record"]) for p in refused.json()["problems"]] == [("reference", "entry")]
    # Had it been written, the entry posted under the new reference would stand beside it, twice counted.
    assert client.get("/api/ledger/totals", params={"by": "donor"}).json() == before
    kept = {k: v for k, v in NEW_ENTRY.items() if k not in ("dataset", "reference")}
    revised = client.put(f"/api/ledger/entries/{ident}", json={**kept, "amount": 130e6})
    assert revised.status_code == 200, revised.text
    assert (revised.json()["id"], revised.json()["revised"]) == (ident, 1)
    written = client.get(f"/api/ledger/entries/{ident}").json()
    assert (written["dataset"], written["reference"], written["amount"]) == ("test", "D-1", 130e6)


def test_an_invalid_entry_lists_every_problem_by_field_and_writes_nothing(client: TestClient) -> None:
    bad = {**NEW_ENTRY, "reference": "BAD", "kind": "gift", "category": "weapons", "event_date": "2023-02-30"}
    response = client.post("/api/ledger/entries", json=bad)
    assert response.status_code == 422
    fields = {p["field"] for p in response.json()["problems"]}
    assert "event_date" in fields
    fixed_date = {**bad, "event_date": "2023-02-28"}
    response = client.post("/api/ledger/entries", json=fixed_date)
    assert response.status_code == 422
    fields = {p["field"] for p in response.json()["problems"]}
    assert {"kind", "category"} <= fields
    assert client.get("/api/ledger/entries", params={"reference": "BAD"}).json()["total"] == 0


def test_a_source_with_a_bad_grade_is_refused_field_by_field(client: TestClient) -> None:
    response = client.post(
        "/api/sources", json={"kind": "rumour", "title": "x", "reliability": "Z", "credibility": 9}
    )
    assert response.status_code == 422
    assert {p["field"] for p in response.json()["problems"]} == {"kind", "reliability", "credibility"}
    ok = client.post(
        "/api/sources", json={"kind": "opinion", "title": "A column", "reliability": "C", "credibility": 4}
    )
    assert ok.status_code == 201
    listed = client.get("/api/sources", params={"title__contains": "column"}).json()
    assert [r["id"] for r in listed["rows"]] == [ok.json()["id"]]


def test_series_and_dashboard_agree_with_the_totals(client: TestClient) -> None:
    series = client.get("/api/ledger/series").json()["rows"]
    dashboard = client.get("/api/dashboard").json()
    assert series[-1]["pledged_cumulative"] == pytest.approx(expected("pledged"))
    assert dashboard["figures"]["pledged"] == pytest.approx(expected("pledged"))
    assert dashboard["figures"]["delivered"] == pytest.approx(expected("delivered"))
    assert dashboard["figures"]["donors"] == 3
    early = client.get("/api/dashboard", params={"as_of": "2023-06-14"}).json()
    assert early["figures"]["pledged"] == pytest.approx(expected("pledged", known_by=EARLY))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": "<1e309>"}, "amount"),  # written as the number 1e309 (JSON allows it)
        ({"amount": True}, "amount"),
        ({"amount": "1000"}, "amount"),
        ({"colour": "red"}, "colour"),
        ({"donor": "<script>"}, "donor"),
        ({"donor": "NLD\u0000"}, "donor"),
        ({"description": "a\u0000b"}, "description"),
        ({"kind": "delivery", "stage": "delivered", "commitment_id": "NO-SUCH"}, "commitment_id"),
        ({"source": {**NEW_ENTRY["source"], "url": " JavaScript:alert(1)"}}, "url"),  # type: ignore[dict-item]
    ],
)
def test_a_hostile_entry_is_refused_naming_the_field_and_writes_nothing(
    client: TestClient, change: dict, field: str
) -> None:
    before = client.get("/api/ledger/entries").json()["total"]
    body = json.dumps({**NEW_ENTRY, "reference": "HOSTILE", **change}).replace('"<1e309>"', "1e309")
    response = client.post("/api/ledger/entries", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text
    assert field in {p["field"] for p in response.json()["problems"]}
    assert client.get("/api/ledger/entries").json()["total"] == before


@pytest.mark.parametrize(
    "body",
    [
        b'{"reference": "\\ud800"}',
        b"[" * 100_000 + b"]" * 100_000,
        b'{"amount": ' + b"9" * 5000 + b"}",
        b'{"amount": NaN}',
        b"\xff\xfe{}",
    ],
)
def test_a_body_that_is_no_usable_json_is_a_422_never_a_500(client: TestClient, body: bytes) -> None:
    response = client.post("/api/ledger/entries", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text
    assert response.json()["problems"][0]["file"] == "request body"
