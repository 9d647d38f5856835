from __future__ import annotations

from pathlib import Path

import pytest

from ltsplan.readiness.imports import import_path
from ltsplan.standards.imports import import_files
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
