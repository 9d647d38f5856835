"""A plan on the web face: its page (the Gantt-like chart per force element, milestone readiness
against the greedy plan's, what binds) and the JSON and CSV of the same data under /api."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient

from ltsplan.config import Settings
from ltsplan.planner.plans import make_plan
from ltsplan.planner.solve import Options
from ltsplan.server import create_app
from ltsplan.store.db import Database


@pytest.fixture
def client(offered: Database) -> Iterator[TestClient]:
    make_plan(offered, "P1", options=Options(time_limit=20.0, seed=1), start=date(2027, 1, 1), months=12)
    app = create_app(Settings(database_url=offered.url), database=offered)
    with TestClient(app) as test_client:
        yield test_client


def test_the_plan_page_draws_gantt_milestones_and_bindings(client: TestClient) -> None:
    page = client.get("/plans/P1")
    assert page.status_code == 200
    spec = json.loads(
        re.search(
            r'<script type="application/json" class="vega-spec"[^>]*>(.*?)</script>', page.text, re.S
        ).group(1)
    )  # type: ignore[union-attr]
    titles = [part["title"] for part in spec["vconcat"]]
    assert titles[0].startswith("Packages per force element")
    assert titles[1:] == ["Readiness at each milestone", "Targets left short, by what binds them"]
    bars = spec["vconcat"][0]["data"]["values"]
    assert {b["element"] for b in bars} == {"BN1", "BN2", "BDE", "SQN"}
    readiness = spec["vconcat"][1]["data"]["values"]
    assert {r["plan"] for r in readiness} == {"this plan", "greedy plan", "no new support"}
    assert {b["binding"] for b in spec["vconcat"][2]["data"]["values"]} >= {"capacity", "budget"}
    assert "with the greedy plan" in page.text and "/plans/P1/shortfalls" in page.text


def test_the_plans_list_links_each_plan(client: TestClient) -> None:
    page = client.get("/plans")
    assert page.status_code == 200 and 'href="/plans/P1"' in page.text


def test_the_api_answers_the_same_data_as_json_and_csv(client: TestClient) -> None:
    body = client.get("/api/plans/P1").json()
    assert body["title"] == "Plan P1: assignments" and body["total"] == 5
    assert [m["milestone"] for m in body["params"]["milestones"]] == ["M1", "M2"]
    shortfalls = list(csv.DictReader(io.StringIO(client.get("/api/plans/P1/shortfalls.csv").text)))
    assert {r["binding"] for r in shortfalls} >= {"capacity", "budget"}
    milestones = client.get("/api/plans/P1/milestones").json()
    assert {r["milestone"] for r in milestones["rows"]} == {"M1", "M2"}


def test_an_unknown_plan_is_a_404_naming_the_plans(client: TestClient) -> None:
    answer = client.get("/api/plans/NOPE")
    assert answer.status_code == 404
    assert "no plan 'NOPE'; the plans are: P1" in answer.json()["error"]


def test_a_plan_that_gives_nothing_still_draws_its_milestones_and_bindings(
    offered: Database,
) -> None:
    """From January 2020 for twelve months nothing on offer opens in time (the packages open in
    2027): the plan gives nothing, and its page still shows each milestone's readiness and what
    binds the targets left short."""
    made = make_plan(
        offered, "P0", options=Options(time_limit=10.0, seed=1), start=date(2020, 1, 1), months=12
    )
    assert made.outcome.assignments.size == 0 and made.explained.shortfalls.height > 0
    app = create_app(Settings(database_url=offered.url), database=offered)
    with TestClient(app) as client:
        page = client.get("/plans/P0")
    assert page.status_code == 200
    found = re.search(
        r'<script type="application/json" class="vega-spec"[^>]*>(.*?)</script>', page.text, re.S
    )
    assert found is not None
    spec = json.loads(found.group(1))
    assert [part["title"] for part in spec["vconcat"]] == [
        "Readiness at each milestone",
        "Targets left short, by what binds them",
    ]
    assert {r["milestone"] for r in spec["vconcat"][0]["data"]["values"]} == {"M1", "M2"}
    assert {b["binding"] for b in spec["vconcat"][1]["data"]["values"]} == {"window"}
