"""Recording records one kind at a time — a position, a decision, an outcome, a condition or its
status, an objective's assessment, a statement — from a command or a request body, without writing
a scenario document by hand.

Each record is given in its file form (docs/pathway.md) with the sources it cites: the id of a source
already stored, or a new source given whole (title, url, publisher, …, grade), each with an
optional quote. They are made into a scenario document and written as an import of that document
(as ``imports.write_body`` writes a request body): the same reading and field rules, the same checks
of references against what is stored, the same versioned write and one ``import_run`` row, in the
caller's transaction.
Any problem and nothing is written; each problem names the record and field as the caller gave them
(``where``). Recording the same record again changes nothing; the same natural key with other
values is a new version, the old one kept in the record's history.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from ltsplan.errors import InvalidInput, Problem
from ltsplan.pathway.formats import FORMAT, read_scenario
from ltsplan.pathway.imports import known_state, write_scenario
from ltsplan.pathway.scenario import PARTS
from ltsplan.records.types import RecordType
from ltsplan.records.writing import Written

# What one recorded record is called (command group, API path) → its section of the document.
KINDS: dict[str, str] = {
    "position": "positions",
    "decision": "decisions",
    "outcome": "outcomes",
    "condition": "conditions",
    "condition-status": "condition_statuses",
    "assessment": "assessments",
    "statement": "statements",
}
NEW_SOURCE = "new-source-"  # key prefix of new sources in the document made


def record_type(kind: str) -> RecordType:
    return PARTS[KINDS[kind]]


@dataclass
class Recorded:
    """What a recording did: the write, and the id of each record and each new source."""

    written: Written
    ids: list[str] = field(default_factory=list)
    new_sources: list[str] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return sum(r.inserted + r.revised for r in self.written.results.values())

    def state(self, section: str) -> str:
        """What happened to the records of ``section``, in words."""
        result = self.written.results.get(section)
        links = self.written.results.get("evidence links")
        if result is not None and result.inserted:
            return "recorded"
        if result is not None and result.revised:
            return "revised; the earlier version is kept in its history"
        if links is not None and links.inserted:
            return "already recorded; the source given is now cited too"
        return "already recorded; nothing changed"


# Where a problem with a given record or source is, as the caller gave it: (record index, source
# index or None, field) → (record label, field name) — a body's "positions #2", field
# "sources[0].grade"; a command's option "--source-grade".
Where = Callable[[int, int | None, str | None], tuple[str | None, str | None]]


def body_where(section: str) -> Where:
    def where(index: int, source: int | None, name: str | None) -> tuple[str | None, str | None]:
        if source is None:
            return f"{section} #{index + 1}", name
        return f"{section} #{index + 1}", f"sources[{source}]" + (f".{name}" if name else "")

    return where


def record(
    connection: Connection,
    kind: str,
    records: Sequence[Mapping[str, Any]],
    *,
    now: datetime,
    origin: str,
    fmt: str = "api",
    where: Where | None = None,
) -> Recorded:
    """Write ``records`` of one kind, each with its ``sources`` (see the module's doc)."""
    section = KINDS[kind]
    where = where or body_where(section)
    document: dict[str, Any] = {"format": FORMAT, "sources": [], section: []}
    problems: list[Problem] = []
    new_keys: dict[str, tuple[int, int]] = {}  # document key of a new source → (record, source)
    given: dict[tuple[tuple[str, Any], ...], str] = {}  # a new source given twice is one source
    for index, raw in enumerate(records):
        if not isinstance(raw, Mapping):
            label, _ = where(index, None, None)
            problems.append(Problem("a record is a mapping of its fields", record=label))
            continue
        entry = {k: v for k, v in raw.items() if k != "sources"}
        refs = raw.get("sources")
        cited: list[Any] = []
        for position, ref in enumerate(refs if isinstance(refs, list) else [] if refs is None else [refs]):
            if isinstance(ref, Mapping) and "source" not in ref:
                # a new source, given whole: its fields, and the quote the record takes from it
                fields = {k: v for k, v in ref.items() if k not in ("quote", "key")}
                identity = tuple(sorted((k, repr(v)) for k, v in fields.items()))
                key = given.setdefault(identity, f"{NEW_SOURCE}{len(given) + 1}")
                if key not in new_keys:
                    new_keys[key] = (index, position)
                    document["sources"].append({"key": key, **fields})
                cited.append({"source": key, "quote": ref["quote"]} if ref.get("quote") else key)
            else:
                cited.append(ref)
        entry["sources"] = cited if refs is not None else None
        document[section].append(entry)
    if not records:
        problems.append(Problem(f"give at least one {PARTS[section].title} to record"))
    if problems:
        raise InvalidInput(problems, f"{origin}: {len(problems)} problem(s); nothing was written")
    # The document is read as a body is (``imports.write_body``), keeping what was read for the ids.
    text = json.dumps(document, ensure_ascii=False, indent=1, default=str)
    scenario = read_scenario(text, origin, known_state(connection))
    try:
        written = write_scenario(connection, scenario, now=now, origin=origin, fmt=fmt)
    except InvalidInput as error:
        placed = list(dict.fromkeys(_placed(p, section, new_keys, document, where) for p in error.problems))
        raise InvalidInput(placed, f"{origin}: {len(placed)} problem(s); nothing was written") from None
    ids = [x.id for x in scenario.records[section]]
    new_sources = [scenario.sources[k].id for k in new_keys]
    return Recorded(written, ids, new_sources)


def _placed(
    problem: Problem,
    section: str,
    new_keys: Mapping[str, tuple[int, int]],
    document: Mapping[str, Any],
    where: Where,
) -> Problem:
    """A problem of the document made, placed where the caller gave the value (the document's
    lines are not the caller's, so they are left out)."""
    name, _, number = (problem.record or "").rpartition(" #")
    if not number.isdigit():
        return Problem(problem.message, record=problem.record, field=problem.field)
    index = int(number) - 1
    if name == "sources" and index < len(document["sources"]):
        record_index, source_index = new_keys[document["sources"][index]["key"]]
        record_label, field_name = where(record_index, source_index, problem.field)
    elif name == section:
        record_label, field_name = where(index, None, problem.field)
    else:
        record_label, field_name = problem.record, problem.field
    return Problem(problem.message, record=record_label, field=field_name)
