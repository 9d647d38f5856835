"""The rules a scenario document's records obey across records (pure: the caller hands in what the
store knows): every code a record names is defined in the document, known to the database, or (for
an actor) an ISO 3166 alpha-3 state code. The verdicts on them are in ``consensus`` and
``conditions``."""

from __future__ import annotations

from ltsplan.errors import Problem
from ltsplan.pathway.scenario import Known, Scenario
from ltsplan.provenance.model import is_state


def check_references(scenario: Scenario, known: Known, file: str | None) -> None:
    """Every code a record names must be defined in the document, known to the database, or (for
    an actor) an ISO 3166 alpha-3 state code."""
    s = scenario
    sources = set(s.sources) | known.sources
    actors = set(s.actors) | known.actors
    defined = {
        "body": {v["code"] for v in s.values("bodies")} | known.bodies,
        "decision": {v["code"] for v in s.values("decisions")} | known.decisions,
        "condition": {v["code"] for v in s.values("conditions")} | known.conditions,
        "objective": {v["code"] for v in s.values("objectives")} | known.objectives,
    }

    def problem(record_id: str, field_: str, message: str) -> None:
        label = s.where.get(record_id, (None, None))[1]
        line = s.line_of(record_id, field_)
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

    for _kind, rid, key, _quote in s.evidence:
        if key not in sources:
            problem(rid, "sources", f"unknown source '{key}'; define it under 'sources'")
    for b in s.values("bodies"):
        if b["code"] not in actors:  # a body is an actor too (it issues communiqués)
            s.actors[b["code"]] = ("body", b["name"])
            actors.add(b["code"])
    # Which fields of which records name what: (part, field, the kind of thing it names).
    references = (
        ("memberships", "body", "body"),
        ("memberships", "member", "actor"),
        ("decisions", "body", "body"),
        ("outcomes", "decision", "decision"),
        ("positions", "decision", "decision"),
        ("positions", "actor", "actor"),
        ("conditions", "decision", "decision"),
        ("condition_statuses", "condition", "condition"),
        ("objectives", "party", "actor"),
        ("objectives", "stated_by", "actor"),
        ("assessments", "objective", "objective"),
        ("assessments", "assessor", "actor"),
        ("statements", "actor", "actor"),
    )
    for part, name, kind in references:
        for located in s.records[part]:
            if not located.ok:
                continue
            value = located.values.get(name)
            if kind == "actor":
                actor(located.id, name, value)
            elif value is not None and value not in defined[kind]:
                problem(located.id, name, f"unknown {kind} '{value}'")
    s.problems[:] = sorted(dict.fromkeys(s.problems), key=lambda p: (p.line is None, p.line or 0))
