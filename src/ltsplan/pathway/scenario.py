"""What a scenario document holds once read (``Scenario``: its sources, actors and records, each
record's sources and when it became known, every problem) and what the store knows that a document
may name (``Known``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ltsplan.errors import Problem
from ltsplan.objectives import model as objectives
from ltsplan.pathway.model import RECORDS, Membership
from ltsplan.provenance.model import Source
from ltsplan.records.reading import Located
from ltsplan.records.types import RecordType

# The document's parts: the pathway's records, then the objectives'.
PARTS: dict[str, RecordType] = {r.section or r.name: r for r in (*RECORDS, *objectives.RECORDS)}


@dataclass
class Known:
    """What the database already holds, so that a document may refer to it."""

    sources: set[str] = field(default_factory=set)  # source ids
    actors: set[str] = field(default_factory=set)
    bodies: set[str] = field(default_factory=set)
    decisions: set[str] = field(default_factory=set)
    conditions: set[str] = field(default_factory=set)
    objectives: set[str] = field(default_factory=set)
    memberships: list[Membership] = field(default_factory=list)


@dataclass
class Scenario:
    title: str | None = None
    sources: dict[str, Source] = field(default_factory=dict)  # key in the document → source
    actors: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # code → (kind, name)
    records: dict[str, list[Located]] = field(default_factory=lambda: {p: [] for p in PARTS})
    # (record kind, record id, source key, quote): each record's sources
    evidence: list[tuple[str, str, str, str | None]] = field(default_factory=list)
    recorded: dict[str, datetime] = field(default_factory=dict)  # record id → when it became known (UTC)
    problems: list[Problem] = field(default_factory=list)
    # record id → (file line, label), to place reference problems
    where: dict[str, tuple[int | None, str]] = field(default_factory=dict)
    # record id → the line of each of its fields in the file (the record's line when not known)
    field_lines: dict[str, Callable[[str], int | None]] = field(default_factory=dict)

    def line_of(self, record_id: str, name: str | None) -> int | None:
        """The line of a record's field, for a problem with it: the field's own, else the record's."""
        lines = self.field_lines.get(record_id)
        if lines is not None and name:
            return lines(name)
        return self.where.get(record_id, (None, None))[0]

    def values(self, part: str) -> list[dict[str, Any]]:
        """The stored values of a part's records that have no problems of their own."""
        return [x.values for x in self.records[part] if x.ok]

    def located(self) -> Iterator[Located]:
        for items in self.records.values():
            yield from (x for x in items if x.ok)
