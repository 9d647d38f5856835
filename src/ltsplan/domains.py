"""Every domain's record types, in one list: the tables the migrations create, the answer cache
watches and the tests check, each declared once in its domain's ``model.py``."""

from __future__ import annotations

from sqlalchemy import Table

from ltsplan.ledger import model as ledger
from ltsplan.ledger import money
from ltsplan.objectives import model as objectives
from ltsplan.pathway import model as pathway
from ltsplan.planner import model as planner
from ltsplan.provenance import aliases
from ltsplan.provenance import model as provenance
from ltsplan.readiness import model as readiness
from ltsplan.records.types import RecordType
from ltsplan.records.writing import import_run
from ltsplan.standards import model as standards

RECORDS: tuple[RecordType, ...] = (
    *provenance.RECORDS,
    *aliases.RECORDS,
    *ledger.RECORDS,
    *standards.RECORDS,
    *readiness.RECORDS,
    *pathway.RECORDS,
    *objectives.RECORDS,
    *planner.RECORDS,
)
# Tables that hold no records of their own: the log of writes, the ledger's maintained totals,
# the exchange-rate files loaded.
OTHER_TABLES: tuple[Table, ...] = (
    import_run,
    ledger.ledger_total_delta,
    ledger.ledger_snapshot,
    money.exchange_rate_file,
)


def tables() -> list[Table]:
    """Every table, registered on the shared metadata (a record type's table is made when asked)."""
    return [*(r.table for r in RECORDS), *OTHER_TABLES]
