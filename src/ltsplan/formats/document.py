"""Documents of sections (YAML or JSON) read with the line of every record and field, so that each
problem can be reported where it is (pure: reads text it is given, writes nothing).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ltsplan.errors import Problem
from ltsplan.formats import jsons, yaml_lines
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
            return jsons.loads(text), []
        except jsons.NotJson as error:
            return None, [Problem(f"not valid JSON: {error.message}", file=file, line=error.line)]
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


def record_list(
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
