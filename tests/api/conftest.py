"""The app over a real database (SQLite and PostgreSQL) holding the sample ledger."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sample_ledger import load_ledger

from ltsplan.config import Settings
from ltsplan.server import create_app
from ltsplan.store.db import Database


@pytest.fixture
def client(db: Database) -> Iterator[TestClient]:
    load_ledger(db)
    app = create_app(Settings(database_url=db.url), database=db)
    with TestClient(app) as test_client:
        yield test_client
