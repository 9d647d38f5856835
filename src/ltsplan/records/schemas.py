"""The JSON Schema of a record's file form, derived from its declaration: what the OpenAPI
description shows for a request body (the body itself is read by ``records.reading``, the reader of
every file, so that the same bad value gets the same message whichever way it arrives)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ltsplan.records.fields import BOOLEAN, DATE, INTEGER, NUMBER, Field
from ltsplan.records.types import RecordType


def field_schema(spec: Field) -> dict[str, Any]:
    kind = spec.kind
    if kind is DATE:
        found: dict[str, Any] = {"type": "string", "format": "date"}
    elif kind is NUMBER:
        found = {"type": "number"}
    elif kind is INTEGER:
        found = {"type": "integer"}
    elif kind is BOOLEAN:
        found = {"type": "boolean"}
    elif kind.many:
        found = {"anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]}
    else:
        found = {"type": "string"}
        if spec.size:
            found["maxLength"] = spec.size
    if spec.choices:
        found["enum"] = list(spec.choices)
    if spec.default is not None:
        found["default"] = spec.default
    if spec.doc:
        found["description"] = spec.doc
    return found


def record_schema(record: RecordType, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A record as a file or a body gives it: its file fields, the required ones, nothing else."""
    properties = {f.file_name: field_schema(f) for f in record.file_fields}
    properties.update(extra or {})
    required = [f.file_name for f in record.file_fields if f.required and f.default is None]
    return {
        "type": "object",
        "title": record.title,
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def document_schema(records: Iterable[RecordType], extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A document of sections: each record type's list under its section's name."""
    return {
        "type": "object",
        "properties": {
            (r.section or r.name): {"type": "array", "items": record_schema(r, extra)} for r in records
        },
        "additionalProperties": False,
    }
