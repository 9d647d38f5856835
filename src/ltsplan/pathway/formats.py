"""The scenario document (docs/pathway.md): sources, actors, the pathway's records (bodies,
memberships, decisions, outcomes, positions, conditions and their statuses) and the objectives'
(objectives, assessments, statements), each record with its sources. YAML and JSON carry the same
document. Reading checks every record (by its declaration: ``records.reading``) and every
reference, and lists all problems (pure: the caller hands in what the store knows).

Besides its record's fields, every record of the pathway or the objectives may give ``sources`` (source
keys, or ``{source: KEY, quote: …}``) and ``recorded`` (when it became known). Two shorthands make one
document record stand for several: a membership's ``members: [A, B]``, and a position's
``actors: [A, B]`` or ``members_of: BODY`` (the body's members on the position's date).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ltsplan.errors import Problem
from ltsplan.formats.document import load_document, record_list
from ltsplan.formats.yaml_lines import LineMapping
from ltsplan.objectives import model as objectives
from ltsplan.pathway.model import BODY, MEMBERSHIP, POSITION, RECORDS, Membership, Rule
from ltsplan.pathway.rules import check_references
from ltsplan.pathway.scenario import PARTS, Known, Scenario
from ltsplan.provenance.model import ACTOR, SOURCE, Source
from ltsplan.records.fields import DATE, INSTANT, FieldError
from ltsplan.records.reading import Located, RecordCheck, read_record
from ltsplan.records.types import RecordType

FORMAT = "ltsplan-scenario/1"
PATHWAY_PARTS = tuple(r.section or r.name for r in RECORDS)
OBJECTIVE_PARTS = tuple(r.section or r.name for r in objectives.RECORDS)
SECTIONS = ("format", "title", "sources", "actors", *PATHWAY_PARTS, *OBJECTIVE_PARTS)
EXTRA = ("sources", "recorded")  # what every pathway or objectives record may give beside its fields


def body_problems(given: Mapping[str, Any]) -> list[tuple[str, str]]:
    rule = Rule(given["rule"], given["threshold"], given["silence"])
    return rule.problems()


def membership_problems(given: Mapping[str, Any]) -> list[tuple[str, str]]:
    start, end = given.get("from"), given.get("to")
    if start and end and end <= start:
        return [("to", f"the membership ends ({end}) before it starts ({start})")]
    return []


def position_problems(given: Mapping[str, Any]) -> list[tuple[str, str]]:
    if given.get("stance") == "conditional" and not given.get("conditions"):
        return [("conditions", "a conditional position states its conditions")]
    return []


CHECKS: dict[str, RecordCheck] = {
    "bodies": body_problems,
    "memberships": membership_problems,
    "positions": position_problems,
}


class _Reading:
    """The document being read: its records go into ``scenario``, its problems with them."""

    def __init__(self, document: LineMapping, file: str | None, scenario: Scenario, known: Known) -> None:
        self.document = document
        self.file = file
        self.scenario = scenario
        self.known = known

    def problem(self, message: str, item: LineMapping, label: str, name: str | None = None) -> None:
        line = item.line_of(name) if name else item.line
        self.scenario.problems.append(Problem(message, file=self.file, line=line, field=name, record=label))

    def each(self, section: str) -> Iterator[tuple[LineMapping, str]]:
        for index, item in record_list(self.document, section, self.file, self.scenario.problems):
            label = f"{section} #{index + 1}"
            for key, line in item.duplicates:
                self.scenario.problems.append(
                    Problem("the field is given twice", file=self.file, line=line, field=key, record=label)
                )
            yield item, label

    def read(
        self,
        record: RecordType,
        raw: Mapping[str, Any],
        item: LineMapping,
        label: str,
        extra: tuple[str, ...],
    ) -> Located:
        located, problems = read_record(
            record,
            raw,
            file=self.file,
            line=item.line,
            label=label,
            check=CHECKS.get(record.section or ""),
            extra_fields=extra,
            lines=item.line_of,
        )
        self.scenario.problems.extend(problems)
        return located

    def keep(
        self, part: str, located: Located, item: LineMapping, label: str, refs: list[tuple[str, str | None]]
    ) -> bool:
        """Keep a record read from ``item``; False when the same record was already given."""
        s = self.scenario
        if not located.ok:
            s.records[part].append(located)
            return True
        rid = located.id
        if rid in s.where:
            return False
        s.records[part].append(located)
        s.evidence.extend((located.record.name, rid, key, quote) for key, quote in refs)
        s.where[rid] = (item.line, label)
        s.field_lines[rid] = item.line_of
        recorded = located.extra.get("recorded")
        if recorded is not None:
            try:
                s.recorded[rid] = INSTANT.read_value(recorded)
            except FieldError as error:
                self.problem(str(error), item, label, "recorded")
        return True


def read_scenario(text: str, file: str | None, known: Known | None = None) -> Scenario:
    """Every record of the document, or (in ``problems``) everything wrong with it."""
    scenario = Scenario()
    document, problems = load_document(text, file)
    if problems:
        scenario.problems.extend(problems)
        return scenario
    if not isinstance(document, LineMapping):
        scenario.problems.append(Problem("the document must be a mapping of sections", file=file, line=1))
        return scenario
    for key in document:
        if key not in SECTIONS:
            scenario.problems.append(
                Problem(
                    f"unknown section; expected any of {', '.join(SECTIONS)}",
                    file=file,
                    line=document.line_of(key),
                    field=str(key),
                )
            )
    fmt = document.get("format", FORMAT)
    if fmt != FORMAT:
        scenario.problems.append(
            Problem(
                f"'{fmt}' is not a format this version reads ({FORMAT})",
                file=file,
                line=document.line_of("format"),
                field="format",
            )
        )
    scenario.title = str(document["title"]) if document.get("title") else None
    reading = _Reading(document, file, scenario, known or Known())
    _sources(reading)
    _actors(reading)
    for part, record in PARTS.items():
        _records(reading, part, record)
    check_references(scenario, known or Known(), file)
    return scenario


def _sources(reading: _Reading) -> None:
    for item, label in reading.each("sources"):
        located = reading.read(SOURCE, item, item, label, ("key",))
        key = located.extra.get("key")
        if key is None or (isinstance(key, str) and not key.strip()):
            reading.problem("'key' is required", item, label, "key")
            continue
        key = str(key).strip()
        if key in reading.scenario.sources:
            reading.problem(f"source key '{key}' is used twice", item, label, "key")
            continue
        if located.ok:
            reading.scenario.sources[key] = Source(**{f.name: located.values[f.name] for f in SOURCE.fields})


def _actors(reading: _Reading) -> None:
    for item, label in reading.each("actors"):
        located = reading.read(ACTOR, item, item, label, ())
        if not located.ok:
            continue
        code = located.values["code"]
        if code in reading.scenario.actors:
            reading.problem(f"actor '{code}' is declared twice", item, label, "code")
        reading.scenario.actors[code] = (located.values["kind"], located.values["name"])
        reading.scenario.where[f"actor:{code}"] = (item.line, label)


def _records(reading: _Reading, part: str, record: RecordType) -> None:
    for item, label in reading.each(part):
        refs = source_refs(reading, item, label)
        expanded = _expanded(reading, part, item, label)
        for raw, repeated in expanded:
            located = reading.read(record, raw, item, label, (*EXTRA, *_SHORTHANDS.get(part, ())))
            if not reading.keep(part, located, item, label, refs):
                reading.problem(
                    repeated, item, label, _TWICE_AT.get(part) or record.field(record.key[0]).file_name
                )


# Where a record given twice is reported: the field that repeats it (an actor's second position on
# a day); else the first field of the record's key.
_TWICE_AT = {"memberships": "member", "positions": "actor"}
_SHORTHANDS = {"memberships": ("members",), "positions": ("actors", "members_of")}


def _expanded(
    reading: _Reading, part: str, item: LineMapping, label: str
) -> list[tuple[dict[str, Any], str]]:
    """The records one document record stands for, each with what to say if it was already given."""
    raw = dict(item)
    if part == "memberships":
        if (raw.get("member") is None) == (raw.get("members") is None):
            reading.problem("give exactly one of 'member' or 'members'", item, label, "member")
        members = _codes(reading, item, label, "members") if raw.get("members") is not None else None
        if members is None:
            return [(raw, f"{raw.get('member')} is given twice from {raw.get('from')}")]
        rest = {k: v for k, v in raw.items() if k != "members"}
        return [({**rest, "member": m}, f"{m} is given twice from {raw.get('from')}") for m in members]
    if part == "positions":
        given = [k for k in ("actor", "actors", "members_of") if raw.get(k) is not None]
        rest = {k: v for k, v in raw.items() if k not in ("actors", "members_of")}
        if len(given) != 1:
            reading.problem("give exactly one of 'actor', 'actors' or 'members_of'", item, label, "actor")
            return [(rest, "")] if "actor" in rest else []
        if given[0] == "actor":
            actors = [raw["actor"]]
        elif given[0] == "actors":
            actors = _codes(reading, item, label, "actors")
        else:
            actors = _members_of(reading, item, label)
        return [
            (
                {**rest, "actor": a},
                f"{a} already has a position on {raw.get('decision')} dated {raw.get('date')}",
            )
            for a in actors
        ]
    return [(raw, "the same record is given twice")]


def _codes(reading: _Reading, item: LineMapping, label: str, name: str) -> list[str]:
    value = item.get(name)
    if isinstance(value, str):
        return [value.strip()]
    if isinstance(value, list) and all(isinstance(v, str | int) for v in value):
        return [str(v).strip() for v in value]
    reading.problem(f"'{name}' must be a list of codes", item, label, name)
    return []


def _members_of(reading: _Reading, item: LineMapping, label: str) -> list[str]:
    """``members_of: BODY``: the body's members on the position's date (in the document or stored)."""
    body = str(item["members_of"]).strip()
    try:
        stated = DATE.read_value(item.get("date")) if item.get("date") is not None else None
    except FieldError:
        stated = None
    if stated is None:
        return []
    memberships = [
        Membership(**{f.name: v[f.name] for f in MEMBERSHIP.fields})
        for v in reading.scenario.values("memberships")
    ]
    members = sorted(
        {
            m.member
            for m in [*memberships, *reading.known.memberships]
            if m.body == body and m.valid_on(stated)
        }
    )
    if not members:
        reading.problem(
            f"'{body}' has no members on {stated} in this document or the database", item, label, "members_of"
        )
    return members


def source_refs(reading: _Reading, item: LineMapping, label: str) -> list[tuple[str, str | None]]:
    """A record's ``sources``: source keys, or mappings {source: key, quote: words}."""
    value = item.get("sources")
    needed = "every record needs at least one source (a key from 'sources')"
    if value is None:
        reading.problem(needed, item, label, "sources")
        return []
    found: list[tuple[str, str | None]] = []
    wrong = False
    for ref in value if isinstance(value, list) else [value]:
        if isinstance(ref, str) and ref.strip():
            found.append((ref.strip(), None))
        elif isinstance(ref, dict) and isinstance(ref.get("source"), str):
            quote = ref.get("quote")
            found.append((ref["source"].strip(), str(quote) if quote is not None else None))
        else:
            wrong = True
            reading.problem(
                f"'{ref}' is not a source key nor {{source: key, quote: …}}", item, label, "sources"
            )
    if not found and not wrong:
        reading.problem(needed, item, label, "sources")
    return found


__all__ = [
    "BODY",
    "FORMAT",
    "OBJECTIVE_PARTS",
    "PATHWAY_PARTS",
    "POSITION",
    "Known",
    "Scenario",
    "read_scenario",
]
