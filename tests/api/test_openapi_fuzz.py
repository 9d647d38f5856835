"""Schemathesis over the whole OpenAPI document, on the demonstration data: for every operation,
generated requests (valid and not) never get a server error, and every status the API answers with
is one the document declares (400, 404, 413, 422 and 503 are documented for every route). The number
of examples is bounded so that the suite stays fast; ``LTSPLAN_FUZZ_EXAMPLES`` raises it."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance

from ltsplan import demo
from ltsplan.config import Settings
from ltsplan.server import create_app
from ltsplan.store.db import Database

EXAMPLES = int(os.environ.get("LTSPLAN_FUZZ_EXAMPLES", "15"))
# The schema is read when the module is collected, from an app that starts (and reads the ledger
# into memory) as it is read: its database is migrated then, and given the demonstration data
# only when the tests run.
FOLDER = Path(tempfile.mkdtemp(prefix="ltsplan-fuzz-"))
DATABASE = Database(f"sqlite:///{FOLDER / 'ltsplan.db'}")
DATABASE.migrate()
schema = schemathesis.openapi.from_asgi(
    "/openapi.json", create_app(Settings(database_url=DATABASE.url), database=DATABASE)
)


@pytest.fixture(scope="module", autouse=True)
def demonstration_data() -> Iterator[None]:
    demo.run(DATABASE)
    try:
        yield
    finally:
        DATABASE.dispose()
        shutil.rmtree(FOLDER, ignore_errors=True)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_operation_answers_with_a_server_error(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=[not_a_server_error, status_code_conformance])
