"""The answer cache can be switched off (``Settings.answer_cache``, ``LTSPLAN_ANSWER_CACHE``): then
every request computes its answer, as the api_load benchmark's uncached figures assume. And how a
process is set up to compute answers: how many at once, and a server's garbage collector."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from anyio import to_thread
from fastapi.testclient import TestClient
from sample_ledger import load_ledger
from sqlalchemy import text

from ltsplan.api.fastpath import ANSWER_THREADS, CONNECTIONS_PER_ANSWER, STAMP_THREADS, answer_threads
from ltsplan.config import Settings
from ltsplan.errors import InvalidInput
from ltsplan.ledger import cube
from ltsplan.server import create_app
from ltsplan.store.db import Database

TOTALS = "/api/ledger/totals?by=donor&per_page=1000"


def pledged(client: TestClient) -> float:
    response = client.get(TOTALS)
    assert response.status_code == 200, response.text
    return sum(row["pledged"] or 0.0 for row in response.json()["rows"])


def double_the_totals_unseen(db: Database) -> None:
    """Change the maintained totals in place: no row is added and none retracted, so the stamp the
    cache keys on stays the same (no write through ltsplan does this; it shows what is replayed)."""
    with db.transaction() as connection:
        connection.execute(text("UPDATE ledger_total_delta SET eur_cents = eur_cents * 2"))
    # The ledger's copy in memory trusts the deltas to be append-only (ledger/cube.py): forget it,
    # as a new process would, so that "computed" means computed from what the table now holds.
    cube._COPIES.clear()


@pytest.mark.parametrize(("answer_cache", "factor"), [(True, 1.0), (False, 2.0)])
def test_with_the_cache_off_every_request_computes_its_answer(
    db: Database, answer_cache: bool, factor: float
) -> None:
    load_ledger(db)
    app = create_app(Settings(database_url=db.url, answer_cache=answer_cache), database=db)
    with TestClient(app) as client:
        before = pledged(client)
        assert before > 0
        double_the_totals_unseen(db)
        # On, the answer kept under the unchanged stamp comes back; off, the new figures do.
        assert pledged(client) == pytest.approx(before * factor, rel=1e-9)
        dashboard = client.get("/api/dashboard").json()
        assert dashboard["figures"]["pledged"] == pytest.approx(before * 2, rel=1e-9)


@pytest.mark.parametrize("value", ["0", "off", "False", " no "])
def test_the_environment_switches_the_cache_off(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("LTSPLAN_ANSWER_CACHE", value)
    assert Settings.from_environment().answer_cache is False
    assert Settings.from_environment(answer_cache=True).answer_cache is True


@pytest.mark.parametrize("value", ["", "1", "on", "TRUE", "yes"])
def test_the_cache_is_on_unless_told(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("LTSPLAN_ANSWER_CACHE", value)
    assert Settings.from_environment().answer_cache is True
    monkeypatch.delenv("LTSPLAN_ANSWER_CACHE")
    assert Settings.from_environment().answer_cache is True
    assert Settings().answer_cache is True


def test_a_value_that_is_neither_on_nor_off_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LTSPLAN_ANSWER_CACHE", "sometimes")
    with pytest.raises(InvalidInput) as raised:
        Settings.from_environment()
    problem = raised.value.problems[0]
    assert problem.field == "LTSPLAN_ANSWER_CACHE"
    assert "'sometimes'" in problem.message and "1 or 0" in problem.message


def test_no_more_answers_are_computed_at_once_than_the_pool_has_connections_for(db: Database) -> None:
    """Forty threads (Starlette's default) over fifteen connections made requests beyond the
    fifteenth wait for a connection, and give up after 30 s with a 500 (api_load, cache off)."""
    pool = db.engine.pool
    connections = pool.size() + pool._max_overflow  # type: ignore[attr-defined]
    threads = answer_threads(db)
    assert 1 <= threads <= ANSWER_THREADS
    assert threads * CONNECTIONS_PER_ANSWER + STAMP_THREADS <= connections
    app = create_app(Settings(database_url=db.url, answer_cache=False), database=db)
    with TestClient(app) as client:
        assert client.portal is not None
        tokens = client.portal.call(lambda: to_thread.current_default_thread_limiter().total_tokens)
        assert tokens == threads
        assert client.get(TOTALS).status_code == 200


PROCESS = """
import gc, sys
from fastapi.testclient import TestClient
from ltsplan.config import Settings
from ltsplan.server import create_app
with TestClient(create_app(Settings(database_url=sys.argv[1]), server=sys.argv[2] == "1")) as client:
    assert client.get("/api/ledger/totals").status_code == 200
    print(gc.get_freeze_count())
"""


@pytest.mark.parametrize("server", [True, False])
def test_a_server_process_keeps_what_it_started_with_out_of_the_collectors_sight(
    tmp_path: Path, server: bool
) -> None:
    """Only the app of a server process freezes what it holds once started (``server.settle``): a
    process that builds apps for other work (tests, scripts) keeps collecting them."""
    url = f"sqlite:///{tmp_path / 'x.db'}"
    ran = subprocess.run(
        [sys.executable, "-c", PROCESS, url, "1" if server else "0"],
        capture_output=True,
        text=True,
        check=True,
    )
    frozen = int(ran.stdout.split()[-1])
    assert (frozen > 10_000) if server else frozen == 0, frozen
