"""Reading one record as a person gave it (a row of a sheet, a mapping in YAML or JSON, a request
body) into the values its record type stores, with every problem located (pure).

The one reader of every file form and every request body: unknown fields, required fields, each
field's type and rules (``Field.read``), then the record's own checks across its fields. The same
bad value gets the same message whichever way it arrives.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ltsplan.errors import Problem
from ltsplan.records.fields import FieldError, required
from ltsplan.records.types import RecordType, Row

# Checks of one record across its fields: (field, message) for each thing wrong (pure).
RecordCheck = Callable[[Row], list[tuple[str, str]]]


@dataclass
class Located:
    """A record read from a file or a body: what it gave (by file name), what it stores, where it
    was, and whether it has problems of its own (its unreadable fields are then None)."""

    record: RecordType
    given: Row
    values: Row
    file: str | None
    line: int | None
    label: str | None
    ok: bool = True
    extra: dict[str, Any] = field(default_factory=dict)  # what a format reads beside the fields

    @property
    def id(self) -> str:
        return self.record.id_of(self.values)

    def problem(self, message: str, field_name: str | None = None) -> Problem:
        return Problem(message, file=self.file, line=self.line, field=field_name, record=self.label)


def field_names(raw: Mapping[Any, Any], aliases: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A raw record's keys as field names: trimmed, lower case, aliases replaced."""
    renamed = aliases or {}
    found: dict[str, Any] = {}
    for key, value in raw.items():
        name = str(key).strip().lower()
        found[renamed.get(name, name)] = value
    return found


def read_record(
    record: RecordType,
    raw: Mapping[Any, Any],
    *,
    file: str | None,
    line: int | None = None,
    label: str | None = None,
    check: RecordCheck | None = None,
    extra_fields: tuple[str, ...] = (),
    aliases: Mapping[str, str] | None = None,
    lines: Callable[[str], int | None] | None = None,
) -> tuple[Located, list[Problem]]:
    """One raw record → its stored values and every problem with it.

    ``extra_fields``: names the format itself reads (a scenario record's ``sources``); they are
    kept in ``Located.extra`` untouched. ``lines`` gives a field's own line where the format knows
    it (YAML). A record with problems is still returned, so that its references can be checked too.
    """
    problems: list[Problem] = []
    given = field_names(raw, aliases)
    known = {f.file_name for f in record.file_fields}

    def add(message: str, name: str | None) -> None:
        where = lines(name) if lines is not None and name else line
        problems.append(Problem(message, file=file, line=where, field=name, record=label))

    for name in given:
        if name not in known and name not in extra_fields and not _blank(given[name]):
            add(f"unknown field; the fields of {record.section or record.name} are {', '.join(known)}", name)
    values: Row = {}
    for spec in record.file_fields:
        name = spec.file_name
        try:
            value = spec.read(given.get(name))
        except FieldError as error:
            add(str(error), name)
            values[name] = None
            continue
        if value is None:
            if spec.default is not None:
                value = spec.default
            elif spec.required:
                add(required(name), name)
        values[name] = value
    if not problems and check is not None:
        for name, message in check(values):
            add(message, name)
    stored = record.stored_values(values) if not problems else _partial(record, values)
    located = Located(
        record,
        values,
        stored,
        file,
        line,
        label,
        ok=not problems,
        extra={n: given.get(n) for n in extra_fields if n in given},
    )
    return located, problems


def _partial(record: RecordType, values: Row) -> Row:
    """The stored values of a record with problems, as far as they can be made (for reference
    checks); a translation that cannot run on missing values leaves them out."""
    try:
        return record.stored_values(values)
    except (TypeError, ValueError, AttributeError, LookupError):
        return {f.name: values.get(f.file_name) for f in record.fields if f.in_files}


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
