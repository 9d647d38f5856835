"""Recording and revising ledger entries over HTTP, and one entry with its sources.

An entry's body is an entry as the JSON ledger format gives it (docs/formats.md), plus, instead of a
``source_id``, an optional ``source``: a new source in its file form. It is read by the JSON
format's own reader and checked and written by the ledger's one write path, so the same bad value
gets the same message as in a file; every problem is listed (422) and nothing is written.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel

from ltsplan.api.bodies import BODY, JsonBody
from ltsplan.api.sources import read_source
from ltsplan.errors import InvalidInput, Problem
from ltsplan.ledger import entries as ledger_queries
from ltsplan.ledger.formats.native import NativeRows
from ltsplan.ledger.formats.native_json import entry_texts, frame_of
from ltsplan.ledger.imports import write_batches
from ltsplan.ledger.model import ENTRY, NATIVE_COLUMNS
from ltsplan.ledger.money import rates_for
from ltsplan.ledger.writes import prepare
from ltsplan.provenance.model import SOURCE
from ltsplan.records.fields import DATE, FieldError
from ltsplan.records.schemas import record_schema
from ltsplan.store.db import Database
from ltsplan.store.ids import record_id
from ltsplan.store.time import utcnow
from ltsplan.views.deps import AsOf, DatabaseDep, ReadingConnection

router = APIRouter(prefix="/api", tags=["ledger"])
# An entry's fields as the JSON format gives them; the id comes from dataset and reference.
COLUMNS = [c for c in NATIVE_COLUMNS if c != "id"]
_schema = record_schema(ENTRY, {"source": record_schema(SOURCE)})
_schema["properties"]["dataset"]["default"] = "api"
_schema["required"] = [n for n in _schema["required"] if n not in ("dataset", "source_id")]
ENTRY_BODY = {"requestBody": {"content": {"application/json": {"schema": _schema}}, "required": True}}


@router.get("/ledger/entries/{entry_id}", summary="One ledger entry with its sources")
def get_entry(
    entry_id: Annotated[str, Path()], connection: ReadingConnection, moment: AsOf
) -> dict[str, Any]:
    return ledger_queries.entry(connection, entry_id, moment)


class EntryWritten(BaseModel):
    id: str
    inserted: int
    revised: int
    unchanged: int
    recorded_at: datetime


def _a_date(value: Any) -> bool:
    """Whether an event date can stand for the value date (a bad one is reported once, as itself)."""
    try:
        return isinstance(value, str) and DATE.read_value(value) is not None
    except FieldError:
        return False


def _write(
    database: Database, body: Any, entry_id: str | None, named: tuple[str, str] | None = None
) -> EntryWritten:
    """Write one entry; ``named``: the dataset and reference of the stored entry a revision keeps."""
    if not isinstance(body, dict):
        raise InvalidInput([], f"the {BODY} must be an object of an entry's fields")
    given = {k: v for k, v in body.items() if k != "source"}
    given.setdefault("dataset", named[0] if named else "api")
    if named:
        given.setdefault("reference", named[1])
    if given.get("value_date") is None and _a_date(given.get("event_date")):
        given["value_date"] = given["event_date"]
    sources = []
    if body.get("source") is not None:
        made = read_source(body["source"], f"{BODY}: source")
        sources.append(made)
        given["source_id"] = given.get("source_id") or made.id
    texts, problems = entry_texts(given, file=BODY, line=None, record="entry", columns=COLUMNS)
    if texts is not None and named is not None:
        problems += _renamed(texts, named)
    if problems or texts is None:
        raise InvalidInput(problems, f"the {BODY} has {len(problems)} problem(s); nothing was written")
    if entry_id is None:
        entry_id = record_id(texts["dataset"], texts["reference"])
    frame = frame_of({"id": [entry_id], **{c: [texts[c]] for c in COLUMNS}}, [1], ["entry"])
    batches = NativeRows(BODY, unprotect=False).batches(frame)
    for batch in batches:
        batch.sources.extend(s for s in sources if s not in batch.sources)
    recorded_at = utcnow()
    with database.transaction() as connection:
        rates = rates_for(connection)
        summary, _ = write_batches(
            connection,
            (prepare(b, rates=rates, file=BODY) for b in batches),
            origin=BODY,
            fmt="api",
            recorded_at=recorded_at,
        )
    e = summary.entries
    return EntryWritten(
        id=entry_id, inserted=e.inserted, revised=e.revised, unchanged=e.unchanged, recorded_at=recorded_at
    )


def _renamed(texts: dict[str, Any], named: tuple[str, str]) -> list[Problem]:
    """A revision keeps the dataset and reference that name its entry: under others, the figure
    would be a second live entry beside one posted under them later."""
    return [
        Problem(
            f"'{texts[name]}' is not this entry's {name} ('{kept}'): a revision keeps the dataset and "
            "reference that name the entry; to file the figure under others, record a new entry",
            file=BODY,
            field=name,
            record="entry",
        )
        for name, kept in zip(("dataset", "reference"), named, strict=True)
        if texts[name] != kept
    ]


@router.post(
    "/ledger/entries",
    status_code=201,
    summary="Record a ledger entry (and its source)",
    openapi_extra=ENTRY_BODY,
)
def create_entry(database: DatabaseDep, body: JsonBody) -> EntryWritten:
    """The entry's id comes from its dataset (default `api`) and reference, so posting the same
    entry twice records it once; `value_date` defaults to `event_date`; every problem is listed
    (422) and nothing is written."""
    return _write(database, body, None)


@router.put("/ledger/entries/{entry_id}", summary="Revise a ledger entry", openapi_extra=ENTRY_BODY)
def revise_entry(
    database: DatabaseDep,
    connection: ReadingConnection,
    entry_id: Annotated[str, Path()],
    body: JsonBody,
) -> EntryWritten:
    """A new version replaces the live one (the old stays in the entry's history). The entry's
    dataset and reference stay: a body that leaves them out keeps them, one that changes them is
    refused."""
    stored = ledger_queries.entry(connection, entry_id, None)
    return _write(database, body, entry_id, (stored["dataset"], stored["reference"]))
