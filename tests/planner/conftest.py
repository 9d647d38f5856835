from __future__ import annotations

from pathlib import Path

import pytest

from ltsplan.planner.imports import import_path as import_packages
from ltsplan.readiness.imports import import_path as import_readiness
from ltsplan.standards.imports import import_files
from ltsplan.store.db import Database

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def programme(db: Database) -> Database:
    """The test catalogue and the readiness programme the plans are made for."""
    import_files(db, [FIXTURES / "catalogue.yaml"])
    import_readiness(db, FIXTURES / "readiness.yaml")
    return db


@pytest.fixture
def offered(programme: Database) -> Database:
    """…with the test support packages on offer."""
    import_packages(programme, FIXTURES / "packages.yaml")
    return programme
