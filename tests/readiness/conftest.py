from __future__ import annotations

from pathlib import Path

import pytest

from ltsplan.services.readiness_store import import_path
from ltsplan.services.standards import import_files
from ltsplan.store.db import Database

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def catalogue(db: Database) -> Database:
    import_files(db, [FIXTURES / "catalogue.yaml"])
    return db


@pytest.fixture
def programme(catalogue: Database) -> Database:
    import_path(catalogue, FIXTURES / "programme.yaml")
    return catalogue
