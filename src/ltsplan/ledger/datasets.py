"""What each dataset reports. A tracker that counts commitments and allocations but not deliveries
(the Kiel tracker) says nothing about deliveries: over its data, fulfilment is "not reported", not
0 %. Readers declare their datasets' measures (``LedgerBatch.reports``); a person declares a
dataset of their own with ``ltsplan ledger dataset``. A dataset that declares nothing is taken to
report every measure (``ledger.model.REPORTED_MEASURES``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from ltsplan.errors import InvalidInput, Problem
from ltsplan.ledger.model import DATASET, REPORTED_MEASURES, ledger_dataset
from ltsplan.records.fields import FieldError
from ltsplan.records.writing import Written, log_run
from ltsplan.store.db import Database
from ltsplan.store.held import known_rows
from ltsplan.store.history import WriteResult, write_versions
from ltsplan.store.time import utcnow


def store_reports(
    connection: Connection,
    reports: Mapping[str, Sequence[str]],
    *,
    recorded_at: datetime,
    note: str | None = None,
) -> WriteResult:
    """Record what each dataset reports (a new version only when the declaration changed)."""
    if not reports:
        return WriteResult()
    rows = [
        DATASET.row({"dataset": name, "reports": ", ".join(_ordered(measures)), "note": note})
        for name, measures in sorted(reports.items())
    ]
    return write_versions(connection, ledger_dataset, DATASET.frame(rows), recorded_at=recorded_at)


def declare(database: Database, dataset: str, reports: str, note: str | None = None) -> WriteResult:
    """A person's declaration of what a dataset of theirs reports (``ltsplan ledger dataset``),
    checked as any record's field is, written as one logged write."""
    values: dict[str, Any] = {}
    problems = []
    for name, given in (("dataset", dataset), ("reports", reports), ("note", note)):
        try:
            values[name] = DATASET.field(name).read(given)
        except FieldError as error:
            problems.append(Problem(str(error), field=name))
    if problems:
        raise InvalidInput(problems, problems[0].message)
    measures = _ordered(values["reports"].replace(";", ",").split(","))
    moment = utcnow()
    with database.transaction() as connection:
        result = store_reports(
            connection, {values["dataset"]: measures}, recorded_at=moment, note=values["note"]
        )
        log_run(
            connection,
            Written(moment, {"datasets": result}),
            origin="command line",
            fmt="cli",
            dataset=dataset,
        )
    return result


def reported_measures(connection: Connection, moment: datetime | None) -> dict[str, tuple[str, ...]]:
    """The datasets that declared their measures, as known at ``moment``."""
    return {
        dataset: _ordered(reports.split(","))
        for dataset, reports in known_rows(connection, ledger_dataset, moment, "dataset", "reports")
    }


def datasets_not_reporting(connection: Connection, measure: str, moment: datetime | None) -> set[str]:
    """The datasets whose declaration, as known at ``moment``, leaves ``measure`` out."""
    return {
        name for name, measures in reported_measures(connection, moment).items() if measure not in measures
    }


def _ordered(measures: Sequence[str]) -> tuple[str, ...]:
    given = {m.strip().lower() for m in measures}
    return tuple(m for m in REPORTED_MEASURES if m in given)
