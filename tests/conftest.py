"""Fixtures: every database test runs on a real SQLite file and, when a server is given, on a real
PostgreSQL database created for the test (LTSPLAN_TEST_POSTGRES_URL, set by .ci/run)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ltsplan.store.db import Database, open_database

POSTGRES = os.environ.get("LTSPLAN_TEST_POSTGRES_URL")
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
FIXTURES = Path(__file__).parent / "fixtures"


def _backends() -> list[str]:
    return ["sqlite", "postgresql"] if POSTGRES else ["sqlite"]


@pytest.fixture(params=_backends())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ltsplan.db'}"
        return
    assert POSTGRES is not None
    admin_url = make_url(POSTGRES)
    name = f"ltsplan_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = open_database(database_url)
    try:
        yield database
    finally:
        database.dispose()


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.exists():
        pytest.skip(f"the shared data folder is not at {SHARED_DATA}")
    return SHARED_DATA
