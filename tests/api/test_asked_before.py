"""A GET the app has routed and answered before is answered again by the same call without routing
(``KnownQuestions``, ``api/fastpath.py``): the same bytes as the routed answer, computed anew each
time (a write in between shows), and a call that fails hands the request back to the app, which
gives its own error answer. Checked with the answer cache off, where every request computes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sample_ledger import NEW_ENTRY, load_ledger

from ltsplan.config import Settings
from ltsplan.errors import InvalidInput, Problem
from ltsplan.listing import ListQuery
from ltsplan.server import create_app
from ltsplan.store.db import Database
from ltsplan.views import lists

TOTALS = "/api/ledger/totals?by=donor&per_page=1000"
QUESTIONS = [
    TOTALS,
    "/api/ledger/totals.csv?by=donor",
    "/api/ledger/entries?per_page=5&sort=-eur",
    "/api/ledger/lags?by=donor",
    "/api/ledger/totals?by=donor&as_of=2023-01-10",
    "/api/dashboard",
    "/api/dashboard?as_of=2023-01-10",
]


@pytest.fixture
def client(db: Database) -> Iterator[TestClient]:
    load_ledger(db)
    app = create_app(Settings(database_url=db.url, answer_cache=False), database=db)
    with TestClient(app) as test_client:
        yield test_client


def never_routed_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on, a list that FastAPI routes fails (its query is parsed on the way)."""

    def refuse(*_: Any) -> ListQuery:
        raise AssertionError("routed again")

    monkeypatch.setattr(ListQuery, "parse", classmethod(refuse))


def pledged_by(client: TestClient, donor: str) -> float:
    rows = client.get(TOTALS).json()["rows"]
    return sum(r["pledged"] or 0.0 for r in rows if r["donor"] == donor)


def test_a_question_asked_again_gets_the_routed_answer_without_routing(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    routed = {q: client.get(q) for q in QUESTIONS}
    assert all(r.status_code == 200 for r in routed.values()), {q: r.text for q, r in routed.items()}
    never_routed_again(monkeypatch)
    with pytest.raises(AssertionError, match="routed again"):  # a new question is routed
        client.get("/api/ledger/totals?by=category")
    for question, first in routed.items():
        again = client.get(question)
        assert (again.status_code, again.content) == (first.status_code, first.content), question
        assert again.headers == first.headers, question
        head = client.head(question)
        assert head.status_code == 200 and head.content == b"", question


def test_an_answer_asked_again_is_computed_again(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    before = pledged_by(client, "NLD")
    never_routed_again(monkeypatch)
    assert client.post("/api/ledger/entries", json=NEW_ENTRY).status_code == 201
    assert pledged_by(client, "NLD") == pytest.approx(before + NEW_ENTRY["amount"])


def test_a_call_that_fails_leaves_the_answer_to_the_app(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert client.get(TOTALS).status_code == 200
    problem = InvalidInput([Problem("no links today", field="per_page")], "a made-up failure")

    def failing(*_: Any, **__: Any) -> Any:
        raise problem

    # Called by the remembered call and by the app's route alike.
    monkeypatch.setattr(lists, "page_links", failing)
    refused = client.get(TOTALS)
    assert refused.status_code == 422 and refused.json()["problems"][0]["message"] == "no links today"
    assert (
        client.app.state.known.find({"path": "/api/ledger/totals", "query_string": b"by=donor&per_page=1000"})
        is None
    )  # type: ignore[attr-defined]
    monkeypatch.undo()
    assert client.get(TOTALS).status_code == 200
