"""Record types: one declaration per kind of record, from which everything else is derived.

A ``RecordType`` names its fields (``records.fields.Field``: column, type, nullability, size, name
in files, rules), its natural key and its list's name in files. From it come the SQL table (with
the record-time columns every versioned table has), the Polars schema, the id and content digest of
each row, the fields a file or a request body gives, and the export of a stored row back into file
form. A domain's ``model.py`` declares its record types; nothing else describes their fields again.

Where a file names a record differently from how it is stored (a target names its requirement by
standard and code; the store keeps the requirement's id), the record type carries the two pure
functions that translate (``from_file``, ``to_file``) and the fields that exist only in files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, TypeVar

import polars as pl
from sqlalchemy import Column, Connection, Index, Table

from ltsplan.records.fields import ID, Field, PolarsType
from ltsplan.store.ids import record_id, version_hash
from ltsplan.store.schema import versioned_table
from ltsplan.store.time import live_rows

Row = dict[str, Any]
T = TypeVar("T")
# Looks up stored records a file form names by their natural key (a requirement's designator and
# code, say): record type name → id → stored row.
Lookup = Mapping[str, Mapping[str, Row]]


@dataclass(frozen=True, eq=False)
class RecordType:
    """A kind of record: its fields (in column order), natural key, indexes and file form.

    ``key``: the stored fields whose values name the record; its id is ``record_id(name, *values)``
    unless ``identify`` computes it otherwise (a ledger entry is named by dataset and reference).
    ``section``: the record list's name in files of sections. ``file_only``: fields a file gives
    that are not stored as such; ``from_file`` turns the values read from a file (by file name)
    into the stored values, ``to_file`` a stored row back (with ``Lookup`` for the records it names).
    ``bulk``: a table of millions of rows (fewer indexes, see store/schema.py).
    """

    name: str
    fields: tuple[Field, ...]
    key: tuple[str, ...]
    title: str
    section: str | None = None
    indexes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    bulk: bool = False
    file_only: tuple[Field, ...] = ()
    from_file: Callable[[Row], Row] | None = None
    to_file: Callable[[Row, Lookup], Row] | None = None
    identify: Callable[[Row], str] | None = None
    file_order: tuple[str, ...] = ()  # the file form's fields in this order (default: declared)
    # The order of the fields in the content digest, where releases before the declarations hashed
    # them in another (default: declared): the same record then keeps the same version.
    digest_order: tuple[str, ...] = ()

    def __hash__(self) -> int:
        return hash(self.name)

    def __repr__(self) -> str:
        return f"RecordType({self.name})"

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.name} has no field '{name}'")

    @property
    def columns(self) -> list[str]:
        return [f.name for f in self.fields]

    # -- the table ---------------------------------------------------------------------------------

    @cached_property
    def table(self) -> Table:
        """The versioned table, registered on the shared metadata the first time it is asked for."""
        columns = [Column(f.name, f.sql_type(), nullable=f.nullable) for f in self.fields]
        table = versioned_table(self.name, *columns, bulk=self.bulk)
        for suffix, names in self.indexes.items():
            Index(f"ix_{self.name}_{suffix}", *(table.c[n] for n in names))
        return table

    # -- rows ----------------------------------------------------------------------------------------

    def schema(self) -> dict[str, PolarsType]:
        """The Polars schema of a stored row: id, version, then every field."""
        return {"id": pl.Utf8, "version": pl.Utf8, **{f.name: f.polars for f in self.fields}}

    def stored_schema(self) -> dict[str, PolarsType]:
        """The schema of a row as read back from the table (with its row number and record times)."""
        return {
            "row_id": pl.Int64,
            **self.schema(),
            "recorded_at": pl.Datetime("us"),
            "retracted_at": pl.Datetime("us"),
        }

    def id_of(self, values: Mapping[str, Any]) -> str:
        if values.get("id"):
            return str(values["id"])
        if self.identify is not None:
            return self.identify(dict(values))
        return record_id(self.name, *(values.get(k) for k in self.key))

    def row(self, values: Mapping[str, Any]) -> Row:
        """A stored row: its id, the digest of its content, and every field (missing ones null)."""
        content = {f.name: values.get(f.name) for f in self.fields}
        order = self.digest_order or tuple(f.name for f in self.fields if f.versioned)
        digest = version_hash(content[name] for name in order)
        return {"id": values.get("id") or self.id_of(content), "version": digest, **content}

    def frame(self, rows: Iterable[Mapping[str, Any]]) -> pl.DataFrame:
        """Rows (``row`` made them, or read back) as a typed frame; a ``recorded_at`` given on any
        row is kept (each record dated by when it became known)."""
        listed = list(rows)
        schema = dict(self.schema())
        if any("recorded_at" in r for r in listed):
            schema["recorded_at"] = pl.Datetime("us")
        return pl.DataFrame([{n: r.get(n) for n in schema} for r in listed], schema=schema, orient="row")

    # -- the file form -------------------------------------------------------------------------------

    @property
    def file_fields(self) -> tuple[Field, ...]:
        """The fields a file or a request body gives, in the order files show them."""
        found = (*(f for f in self.fields if f.in_files), *self.file_only)
        if not self.file_order:
            return found
        by_name = {f.file_name: f for f in found}
        return tuple(by_name[n] for n in self.file_order)

    @property
    def file_names(self) -> list[str]:
        return [f.file_name for f in self.file_fields]

    def stored_values(self, given: Mapping[str, Any]) -> Row:
        """What a file gave (keyed by file names, each value read) as stored values."""
        if self.from_file is not None:
            return self.from_file(dict(given))
        return {f.name: given.get(f.file_name) for f in self.fields if f.in_files}

    def file_row(self, stored: Mapping[str, Any], lookup: Lookup | None = None) -> Row:
        """A stored row in file form (``to_file``, or the fields under their file names)."""
        if self.to_file is not None:
            return self.to_file(dict(stored), lookup or {})
        return {f.file_name: stored.get(f.name) for f in self.fields if f.in_files}


def id_field(name: str, *, required: bool = False, file: str | None = None, doc: str = "") -> Field:
    """A field holding another record's id (32 hex digits)."""
    return Field(name, ID, required=required, size=32, file=file, doc=doc)


def live_made(
    connection: Connection,
    kind: type[T],
    record: RecordType,
    moment: datetime | None,
    recorded: dict[str, datetime] | None = None,
) -> list[tuple[Mapping[str, Any], T]]:
    """The records current at ``moment`` as the rules' objects (with their stored rows), noting in
    ``recorded`` when each became known."""
    rows = live_rows(connection, record.table, moment)
    if recorded is not None:
        recorded.update((r["id"], r["recorded_at"]) for r in rows)
    return [(r, made(kind, record, r)) for r in rows]


def made(kind: type[T], record: RecordType, row: Mapping[str, Any]) -> T:
    """A rule's object (a position, a membership…) from a stored row of its record type: the
    dataclass's fields are the record's (tests/records/test_declarations.py holds them together)."""
    return kind(**{f.name: row[f.name] for f in record.fields})
