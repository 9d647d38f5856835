"""Reading a scenario document (YAML or JSON) with the line of every record and field, so that each
problem can be reported where it is (pure: reads text it is given, writes nothing).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from ltsplan.errors import Problem
from ltsplan.formats import yaml_lines
from ltsplan.formats.yaml_lines import LineMapping


def load_document(text: str, file: str | None) -> tuple[Any, list[Problem]]:
    """The document as Python values (mappings are ``LineMapping``), or the problems that stop reading.

    JSON is read by the YAML parser too (it is YAML's subset), which gives lines; a JSON file the
    YAML parser refuses is read as JSON without them."""
    document, problems = yaml_lines.load(text, file)
    if not problems:
        return document, []
    if (file or "").lower().endswith(".json"):
        try:
            return json.loads(text), []
        except json.JSONDecodeError as error:
            return None, [Problem(f"not valid JSON: {error.msg}", file=file, line=error.lineno)]
    return None, problems


def as_date(value: Any) -> date:
    """A date from ISO text (YAML keeps timestamps as text; JSON has no dates) or a date value; a
    date-time gives its date. Raises ValueError otherwise."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return date.fromisoformat(text)
        except ValueError:
            return datetime.fromisoformat(text).date()
    raise ValueError(f"'{value}' is not a date")


def plain(value: Any) -> Any:
    """A value ready for YAML or JSON output (dates as ISO text, mappings as plain dicts)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


class Fields:
    """Reads one record's fields, noting every problem with the record's file, line and field."""

    def __init__(
        self,
        item: LineMapping,
        label: str,
        file: str | None,
        problems: list[Problem],
        allowed: tuple[str, ...],
    ) -> None:
        self.item = item
        self.label = label
        self.file = file
        self.problems = problems
        for key, line in item.duplicates:
            self.problems.append(
                Problem("the field is given twice", file=file, line=line, field=key, record=label)
            )
        for key in item:
            if key not in allowed:
                self.problem(str(key), f"unknown field; expected one of {', '.join(allowed)}")

    def line(self, name: str | None = None) -> int | None:
        return self.item.line_of(name) if name else self.item.line

    def problem(self, name: str | None, message: str) -> None:
        self.problems.append(
            Problem(message, file=self.file, line=self.line(name), field=name, record=self.label)
        )

    def text(self, name: str, *, required: bool = False) -> str | None:
        value = self.item.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.problem(name, f"'{name}' is required")
            return None
        if isinstance(value, dict | list):
            self.problem(
                name, f"'{name}' must be text, not a {'mapping' if isinstance(value, dict) else 'list'}"
            )
            return None
        return str(value).strip()

    def day(self, name: str, *, required: bool = False) -> date | None:
        value = self.item.get(name)
        if value is None or value == "":
            if required:
                self.problem(name, f"'{name}' is required (a date, YYYY-MM-DD)")
            return None
        try:
            return as_date(value)
        except ValueError:
            self.problem(name, f"'{value}' is not a date; write YYYY-MM-DD")
            return None

    def choice(self, name: str, allowed: tuple[str, ...], default: str | None = None) -> str | None:
        value = self.text(name, required=default is None)
        if value is None:
            return default
        if value not in allowed:
            self.problem(name, f"'{value}' is not allowed; use one of {', '.join(allowed)}")
            return None
        return value

    def number(self, name: str, default: float) -> float:
        value = self.item.get(name)
        if value is None:
            return default
        try:
            return float(value)
        except (TypeError, ValueError):
            self.problem(name, f"'{value}' is not a number")
            return default

    def texts(self, name: str) -> list[str]:
        value = self.item.get(name)
        if value is None:
            return []
        if isinstance(value, str):
            return [value.strip()]
        if isinstance(value, list) and all(isinstance(v, str | int) for v in value):
            return [str(v).strip() for v in value]
        self.problem(name, f"'{name}' must be a list of codes")
        return []


def records(
    document: LineMapping, section: str, file: str | None, problems: list[Problem]
) -> list[tuple[int, LineMapping]]:
    """The mappings in a section (a list), each with its position; anything else is a problem."""
    value = document.get(section)
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(
            Problem(f"'{section}' must be a list", file=file, line=document.line_of(section), field=section)
        )
        return []
    found = []
    for index, item in enumerate(value):
        if isinstance(item, LineMapping):
            found.append((index, item))
        else:
            problems.append(
                Problem(
                    f"each entry of '{section}' must be a mapping of fields",
                    file=file,
                    line=document.line_of(section),
                    record=f"{section} #{index + 1}",
                )
            )
    return found


def source_refs(fields: Fields) -> list[tuple[str, str | None]]:
    """A record's ``sources``: source keys, or mappings {source: key, quote: words}."""
    value = fields.item.get("sources")
    if value is None:
        fields.problem("sources", "every record needs at least one source (a key from 'sources')")
        return []
    if not isinstance(value, list):
        value = [value]
    found: list[tuple[str, str | None]] = []
    for ref in value:
        if isinstance(ref, str) and ref.strip():
            found.append((ref.strip(), None))
        elif isinstance(ref, dict) and isinstance(ref.get("source"), str):
            quote = ref.get("quote")
            found.append((ref["source"].strip(), str(quote) if quote is not None else None))
        else:
            fields.problem("sources", f"'{ref}' is not a source key nor {{source: key, quote: …}}")
    if not found and not any(p.field == "sources" and p.record == fields.label for p in fields.problems):
        fields.problem("sources", "every record needs at least one source (a key from 'sources')")
    return found
