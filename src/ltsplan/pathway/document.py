"""Reading a scenario document (YAML or JSON) with the line of every record and field, so that each
problem can be reported where it is (pure: reads text it is given, writes nothing).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import yaml

from ltsplan.errors import Problem


class Located(dict):
    """A mapping that remembers its own line and the line of each key's value (1-based)."""

    def __init__(self, line: int | None = None) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[str, int] = {}
        self.duplicates: list[tuple[str, int]] = []

    def line_of(self, key: str) -> int | None:
        return self.key_lines.get(key, self.line)


class _Loader(yaml.SafeLoader):
    pass


def _mapping(loader: _Loader, node: yaml.MappingNode) -> Located:
    loader.flatten_mapping(node)
    result = Located(node.start_mark.line + 1)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = value_node.start_mark.line + 1
        if key in result:
            result.duplicates.append((str(key), key_node.start_mark.line + 1))
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[str(key)] = line
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def load_document(text: str, file: str | None) -> tuple[Any, list[Problem]]:
    """The document as Python values (mappings are ``Located``), or the problems that stop reading.

    JSON is read by the YAML parser too (it is YAML's subset), which gives lines; a JSON file the
    YAML parser refuses is read as JSON without them."""
    try:
        return yaml.load(text, Loader=_Loader), []  # a SafeLoader subclass
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        reason = getattr(error, "problem", None) or str(error)
        yaml_problem = Problem(
            f"not valid YAML: {reason}", file=file, line=mark.line + 1 if mark is not None else None
        )
    if (file or "").lower().endswith(".json"):
        try:
            return json.loads(text), []
        except json.JSONDecodeError as error:
            return None, [Problem(f"not valid JSON: {error.msg}", file=file, line=error.lineno)]
    return None, [yaml_problem]


def as_date(value: Any) -> date:
    """A date from a YAML date, or an ISO text (JSON); raises ValueError otherwise."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return date.fromisoformat(value.strip())
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
        self, item: Located, label: str, file: str | None, problems: list[Problem], allowed: tuple[str, ...]
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
    document: Located, section: str, file: str | None, problems: list[Problem]
) -> list[tuple[int, Located]]:
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
        if isinstance(item, Located):
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
