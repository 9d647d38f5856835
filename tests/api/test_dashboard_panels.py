"""The overview's panels (``/api/dashboard``): a module whose records were current at the moment
asked shows its panel, and one with none shows nothing (its report is then not computed at all,
store.time.any_current)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ltsplan import demo
from ltsplan.config import Settings
from ltsplan.server import create_app
from ltsplan.store.db import Database

PANELS = (
    "Readiness",
    "Coverage of standards",
    "Open decisions and their blockers",
    "Objectives scoreboard",
)


def panel_titles(client: TestClient, **params: str) -> list[str]:
    response = client.get("/api/dashboard", params=params)
    assert response.status_code == 200, response.text
    return [p["title"] for p in response.json()["panels"]]


def test_a_module_has_a_panel_once_it_has_records_and_not_before(db: Database) -> None:
    app = create_app(Settings(database_url=db.url), database=db)
    with TestClient(app) as client:
        assert panel_titles(client) == []
        demo.run(db)
        titles = panel_titles(client)
        for expected in PANELS:
            assert any(t.startswith(expected) for t in titles), (expected, titles)
        # Before anything was recorded, nothing was current: no panel, as on an empty database.
        assert panel_titles(client, as_of="1990-01-01") == []
