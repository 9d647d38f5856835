"""The scenario document: sources, actors, bodies, memberships, decisions, outcomes, positions,
conditions and their statuses — and, through ``objectives.formats``, objectives, assessments and
statements. Reading checks every record and every reference and lists all problems (pure).

The format is described in docs/pathway.md; JSON and YAML carry the same document.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from ltsplan.errors import Problem
from ltsplan.formats.document import Fields, load_document, records, source_refs
from ltsplan.formats.yaml_lines import LineMapping
from ltsplan.objectives.formats import read_objective_sections
from ltsplan.objectives.model import Objective, ObjectiveAssessment, Statement
from ltsplan.pathway.model import (
    CONDITION_STATUSES,
    DECISION_KINDS,
    DERIVATIONS,
    OUTCOMES,
    SILENCE,
    STANCES,
    Body,
    Condition,
    ConditionStatus,
    Decision,
    Membership,
    Outcome,
    Position,
    Rule,
)
from ltsplan.provenance.model import ACTOR_KINDS, ATTRIBUTIONS, SOURCE_KINDS, Source, is_state, parse_grade

FORMAT = "ltsplan-scenario/1"
# The document's parts: the pathway's, and the objectives' (each command group exports its own).
PATHWAY_PARTS = (
    "bodies",
    "memberships",
    "decisions",
    "outcomes",
    "positions",
    "conditions",
    "condition_statuses",
)
OBJECTIVE_PARTS = ("objectives", "assessments", "statements")
SECTIONS = ("format", "title", "sources", "actors", *PATHWAY_PARTS, *OBJECTIVE_PARTS)


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
    bodies: list[Body] = field(default_factory=list)
    memberships: list[Membership] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    positions: list[Position] = field(default_factory=list)
    conditions: list[Condition] = field(default_factory=list)
    condition_statuses: list[ConditionStatus] = field(default_factory=list)
    objectives: list[Objective] = field(default_factory=list)
    assessments: list[ObjectiveAssessment] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)
    # (record kind, record id, source key, quote): each record's sources
    evidence: list[tuple[str, str, str, str | None]] = field(default_factory=list)
    recorded: dict[str, date] = field(default_factory=dict)  # record id → when it became known
    problems: list[Problem] = field(default_factory=list)
    # record id → (file line, label), to place reference problems
    where: dict[str, tuple[int | None, str]] = field(default_factory=dict)


class _Sections:
    def __init__(self, document: LineMapping, file: str | None, scenario: Scenario) -> None:
        self.document = document
        self.file = file
        self.scenario = scenario

    def each(self, section: str, allowed: tuple[str, ...]) -> list[Fields]:
        found = []
        for index, item in records(self.document, section, self.file, self.scenario.problems):
            label = f"{section} #{index + 1}"
            found.append(Fields(item, label, self.file, self.scenario.problems, allowed))
        return found

    def keep(self, kind: str, record_id: str, fields: Fields, refs: list[tuple[str, str | None]]) -> None:
        s = self.scenario
        s.evidence.extend((kind, record_id, key, quote) for key, quote in refs)
        s.where[record_id] = (fields.line(), fields.label)
        recorded = fields.day("recorded")
        if recorded is not None:
            s.recorded[record_id] = recorded


COMMON = ("sources", "recorded", "note")


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
    sections = _Sections(document, file, scenario)
    _sources(sections)
    _actors(sections)
    _pathway(sections, known or Known())
    read_objective_sections(sections)
    check_references(scenario, known or Known(), file)
    return scenario


def _sources(sections: _Sections) -> None:
    allowed = ("key", "kind", "title", "publisher", "url", "published", "attribution", "grade", "note")
    for f in sections.each("sources", allowed):
        key = f.text("key", required=True)
        kind = f.text("kind", required=True) or ""
        title = f.text("title", required=True) or ""
        grade = f.text("grade", required=True)
        reliability, credibility = "F", 6
        if grade is not None:
            try:
                reliability, credibility = parse_grade(grade)
            except ValueError as error:
                f.problem("grade", str(error))
        source = Source(
            kind=kind,
            title=title,
            publisher=f.text("publisher"),
            url=f.text("url"),
            published=f.day("published"),
            attribution=f.text("attribution") or "on the record",
            reliability=reliability,
            credibility=credibility,
            note=f.text("note"),
        )
        for name, message in source.problems():
            if name == "kind" and kind:
                f.problem("kind", f"'{kind}' is not a source kind; use one of {', '.join(SOURCE_KINDS)}")
            elif name == "attribution":
                f.problem(name, f"'{source.attribution}' is not one of {', '.join(ATTRIBUTIONS)}")
            elif name not in ("title", "kind"):
                f.problem(name, message)
        if key is None:
            continue
        if key in sections.scenario.sources:
            f.problem("key", f"source key '{key}' is used twice")
            continue
        sections.scenario.sources[key] = source


def _actors(sections: _Sections) -> None:
    for f in sections.each("actors", ("code", "kind", "name", "note")):
        code = f.text("code", required=True)
        kind = f.choice("kind", ACTOR_KINDS)
        if code is None or kind is None:
            continue
        if code in sections.scenario.actors:
            f.problem("code", f"actor '{code}' is declared twice")
        sections.scenario.actors[code] = (kind, f.text("name"))
        sections.scenario.where[f"actor:{code}"] = (f.line(), f.label)


def _pathway(sections: _Sections, known: Known) -> None:
    s = sections.scenario
    for f in sections.each(
        "bodies", ("code", "name", "rule", "threshold", "silence", "note", "sources", "recorded")
    ):
        code, name = f.text("code", required=True), f.text("name", required=True)
        rule = Rule(
            kind=f.text("rule") or "consensus",
            threshold=f.number("threshold", 0.5),
            silence=f.choice("silence", SILENCE, "no position") or "no position",
        )
        for name_, message in rule.problems():
            f.problem(name_, message)
        refs = source_refs(f)
        if code and name:
            body = Body(code, name, rule, f.text("note"))
            s.bodies.append(body)
            sections.keep("body", body.id, f, refs)
    for f in sections.each("memberships", ("body", "member", "members", "from", "to", *COMMON)):
        body_code = f.text("body", required=True)
        if (f.item.get("member") is None) == (f.item.get("members") is None):
            f.problem("member", "give exactly one of 'member' or 'members'")
        members = f.texts("members") if f.item.get("members") is not None else f.texts("member")
        start, end = f.day("from", required=True), f.day("to")
        if start and end and end <= start:
            f.problem("to", f"the membership ends ({end}) before it starts ({start})")
        refs = source_refs(f)
        if not (body_code and start):
            continue
        for member in members:
            m = Membership(body_code, member, start, end)
            if m.id in s.where:
                f.problem("member", f"{member} is given twice from {start}")
                continue
            s.memberships.append(m)
            sections.keep("membership", m.id, f, refs)
    for f in sections.each("decisions", ("code", "body", "title", "kind", "due", *COMMON)):
        code, body_code = f.text("code", required=True), f.text("body", required=True)
        title = f.text("title", required=True)
        kind = f.choice("kind", DECISION_KINDS, "other")
        due, refs = f.day("due"), source_refs(f)
        if code and body_code and title and kind:
            d = Decision(code, body_code, title, kind, due, f.text("note"))
            s.decisions.append(d)
            sections.keep("decision", d.id, f, refs)
    for f in sections.each("outcomes", ("decision", "result", "date", *COMMON)):
        decision, result = f.text("decision", required=True), f.choice("result", OUTCOMES)
        decided, refs = f.day("date", required=True), source_refs(f)
        if decision and result and decided:
            o = Outcome(decision, result, decided, f.text("note"))
            s.outcomes.append(o)
            sections.keep("decision_outcome", o.id, f, refs)
    allowed = ("decision", "actor", "actors", "members_of", "stance", "conditions", "date", *COMMON)
    all_memberships = [*known.memberships]
    for f in sections.each("positions", allowed):
        decision, stance = f.text("decision", required=True), f.choice("stance", STANCES)
        stated, refs = f.day("date", required=True), source_refs(f)
        conditions = f.text("conditions")
        if stance == "conditional" and not conditions:
            f.problem("conditions", "a conditional position states its conditions")
        actors = _position_actors(f, s, all_memberships, stated)
        if not (decision and stance and stated):
            continue
        for actor in actors:
            p = Position(decision, actor, stance, stated, conditions, f.text("note"))
            if p.id in s.where:
                f.problem("actor", f"{actor} already has a position on {decision} dated {stated}")
                continue
            s.positions.append(p)
            sections.keep("position", p.id, f, refs)
    for f in sections.each("conditions", ("code", "decision", "text", "derive", "stated", *COMMON)):
        code, decision = f.text("code", required=True), f.text("decision", required=True)
        text, derive = f.text("text", required=True), f.choice("derive", DERIVATIONS, "recorded")
        stated, refs = f.day("stated"), source_refs(f)
        if code and decision and text and derive:
            c = Condition(code, decision, text, derive, stated, f.text("note"))
            s.conditions.append(c)
            sections.keep("condition", c.id, f, refs)
    for f in sections.each("condition_statuses", ("condition", "status", "date", *COMMON)):
        code, status = f.text("condition", required=True), f.choice("status", CONDITION_STATUSES)
        assessed, refs = f.day("date", required=True), source_refs(f)
        if code and status and assessed:
            cs = ConditionStatus(code, status, assessed, f.text("note"))
            s.condition_statuses.append(cs)
            sections.keep("condition_status", cs.id, f, refs)


def _position_actors(
    f: Fields, s: Scenario, known_memberships: list[Membership], stated: date | None
) -> list[str]:
    """``actor: X``, ``actors: [X, Y]`` or ``members_of: BODY`` (its members on the position's date)."""
    given = [k for k in ("actor", "actors", "members_of") if f.item.get(k) is not None]
    if len(given) != 1:
        f.problem("actor", "give exactly one of 'actor', 'actors' or 'members_of'")
        return []
    if given[0] == "actor":
        actor = f.text("actor", required=True)
        return [actor] if actor else []
    if given[0] == "actors":
        return f.texts("actors")
    body_code = f.text("members_of", required=True)
    if body_code is None or stated is None:
        return []
    members = sorted(
        {m.member for m in [*s.memberships, *known_memberships] if m.body == body_code and m.valid_on(stated)}
    )
    if not members:
        f.problem("members_of", f"'{body_code}' has no members on {stated} in this document or the database")
    return members


def check_references(scenario: Scenario, known: Known, file: str | None) -> None:
    """Every code a record names must be defined in the document, known to the database, or (for
    an actor) an ISO 3166 alpha-3 state code."""

    s = scenario
    sources = set(s.sources) | known.sources
    actors = set(s.actors) | known.actors
    bodies = {b.code for b in s.bodies} | known.bodies
    decisions = {d.code for d in s.decisions} | known.decisions
    conditions = {c.code for c in s.conditions} | known.conditions
    objectives = {o.code for o in s.objectives} | known.objectives

    def problem(record_id: str, field_: str, message: str) -> None:
        line, label = s.where.get(record_id, (None, None))
        s.problems.append(Problem(message, file=file, line=line, field=field_, record=label))

    def actor(record_id: str, field_: str, code: str | None) -> None:
        if code is None or code in actors:
            return
        if is_state(code):
            s.actors[code] = ("state", None)
            actors.add(code)
            return
        problem(
            record_id,
            field_,
            f"unknown actor '{code}'; declare it under 'actors' (or use an ISO alpha-3 state code)",
        )

    def defined(record_id: str, field_: str, code: str, known_codes: set[str], noun: str) -> None:
        if code not in known_codes:
            problem(record_id, field_, f"unknown {noun} '{code}'")

    for _kind, rid, key, _quote in s.evidence:
        if key not in sources:
            problem(rid, "sources", f"unknown source '{key}'; define it under 'sources'")
    for b in s.bodies:
        if b.code not in actors:  # a body is an actor too (it issues communiqués)
            s.actors[b.code] = ("body", b.name)
            actors.add(b.code)
    for m in s.memberships:
        defined(m.id, "body", m.body, bodies, "body")
        actor(m.id, "member", m.member)
    for d in s.decisions:
        defined(d.id, "body", d.body, bodies, "body")
    for o in s.outcomes:
        defined(o.id, "decision", o.decision, decisions, "decision")
    for p in s.positions:
        defined(p.id, "decision", p.decision, decisions, "decision")
        actor(p.id, "actor", p.actor)
    for c in s.conditions:
        defined(c.id, "decision", c.decision, decisions, "decision")
    for cs in s.condition_statuses:
        defined(cs.id, "condition", cs.condition, conditions, "condition")
    for ob in s.objectives:
        actor(ob.id, "party", ob.party)
        actor(ob.id, "stated_by", ob.stated_by)
    for a in s.assessments:
        defined(a.id, "objective", a.objective, objectives, "objective")
        actor(a.id, "assessor", a.assessor)
    for st in s.statements:
        actor(st.id, "actor", st.actor)
    s.problems[:] = sorted(dict.fromkeys(s.problems), key=lambda p: (p.line is None, p.line or 0))
