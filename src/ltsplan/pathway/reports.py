"""Pathway questions: which decisions are open, who supports or blocks them, which membership
conditions are met — today or as known on any past date, and how the consensus moved over time.

Two clocks, independent: ``moment`` is record time (``store.time.as_of``: what was known then);
``on`` is valid time (the day the world is judged on: its members, positions and outcomes of that
day). ``on`` defaults to the moment's date, else today, so ``--as-of D`` alone means "on D, as known
on D", and ``--on D`` alone "on D, as known now" — history recorded today is visible at past dates.
A decision already taken is judged among the members of the day it was taken.
"""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
from sqlalchemy import Connection

from ltsplan.errors import NotFound
from ltsplan.pathway.conditions import pathway_status
from ltsplan.pathway.consensus import Consensus, change_days, consensus, judgement_day
from ltsplan.pathway.model import FINAL_OUTCOMES, Decision, Rule
from ltsplan.pathway.state import State, load_state
from ltsplan.provenance.reports import actor_names, cite, evidence_map, first_source
from ltsplan.report import Report
from ltsplan.store.time import valid_day


def _decision(state: State, code: str) -> Decision:
    if code not in state.decisions:
        known = ", ".join(sorted(state.decisions)) or "none recorded yet"
        raise NotFound(f"no decision '{code}' (known: {known})")
    return state.decisions[code]


def consensus_on(state: State, code: str, day: date) -> Consensus:
    d = _decision(state, code)
    outcome = state.outcome_of(code, day)
    final = outcome is not None and outcome.result in FINAL_OUTCOMES
    on = judgement_day(day, outcome.decided if outcome and final else None)
    rule = state.bodies[d.body].rule if d.body in state.bodies else None
    positions = [p for p in state.positions if p.decision == code]
    return consensus(rule or Rule(), state.memberships, d.body, positions, on)


def decision_status(state: State, code: str, day: date) -> str:
    outcome = state.outcome_of(code, day)
    if outcome is not None:
        return outcome.result
    due = state.decisions[code].due
    return "overdue" if due is not None and due < day else "open"


def _names(codes: tuple[str, ...]) -> str:
    return ", ".join(codes)


def judged_day(moment: datetime | None, on: date | None) -> date:
    """The day the world is judged on: ``on`` when given, else the as-of date, else today."""
    return on if on is not None else valid_day(moment)


def judged(day: date, moment: datetime | None) -> str:
    """How an answer's two clocks are read, in words for its notes."""
    known = f"as known on {moment:%Y-%m-%d}" if moment else "as known now"
    return f"judged on {day.isoformat()}, {known}"


def decisions(connection: Connection, moment: datetime | None, on: date | None = None) -> Report:
    state = load_state(connection, moment)
    day = judged_day(moment, on)
    rows = []
    for code, d in sorted(state.decisions.items(), key=lambda kv: (kv[1].due or date.max, kv[0])):
        c = consensus_on(state, code, day)
        outcome = state.outcome_of(code, day)
        outside = [p for p in state.positions if p.decision == code and p.actor in c.outside]
        latest_outside = {p.actor: p for p in sorted(outside, key=lambda p: p.stated) if p.stated <= c.on}
        rows.append(
            {
                "decision": code,
                "body": d.body,
                "title": d.title,
                "due": d.due,
                "status": decision_status(state, code, day),
                "decided": outcome.decided if outcome else None,
                "consensus": c.status,
                "judged_on": c.on,
                "members": len(c.members),
                "support": len(c.supporters),
                "supporters": _names(c.supporters),
                "blockers": _names(c.blockers),
                "conditional": _names(c.conditional),
                "undecided": _names(c.undecided),
                "no_position": _names(c.silent),
                "non_members": "; ".join(f"{a}: {p.stance}" for a, p in sorted(latest_outside.items())),
            }
        )
    frame = pl.DataFrame(rows, schema=_DECISION_SCHEMA)
    notes = [
        "consensus (NATO): blocked when any current member opposes, adopted when every current member "
        "supports, pending otherwise; non-members' positions are shown but never count (docs/pathway.md)",
        judged(day, moment),
    ]
    if not rows:
        notes.append("no decisions recorded; try `ltsplan demo` or `ltsplan pathway import FILE`")
    return Report("Decisions: status and consensus", frame, notes=notes, params={"as_of": moment, "on": day})


_DECISION_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "decision": pl.Utf8,
    "body": pl.Utf8,
    "title": pl.Utf8,
    "due": pl.Date,
    "status": pl.Utf8,
    "decided": pl.Date,
    "consensus": pl.Utf8,
    "judged_on": pl.Date,
    "members": pl.Int64,
    "support": pl.Int64,
    "supporters": pl.Utf8,
    "blockers": pl.Utf8,
    "conditional": pl.Utf8,
    "undecided": pl.Utf8,
    "no_position": pl.Utf8,
    "non_members": pl.Utf8,
}


def positions(connection: Connection, code: str, moment: datetime | None, on: date | None = None) -> Report:
    """Every member's latest position (or none), and non-members' positions, with sources."""
    state = load_state(connection, moment)
    day = judged_day(moment, on)
    c = consensus_on(state, code, day)
    names = actor_names(connection, moment)
    mine = [p for p in state.positions if p.decision == code and p.stated <= c.on]
    latest = {p.actor: p for p in sorted(mine, key=lambda p: p.stated)}
    links = evidence_map(connection, "position", [p.id for p in latest.values()], moment)
    rows = []
    for actor in sorted(set(c.members) | set(latest)):
        p = latest.get(actor)
        evidence = links.get(p.id, []) if p else []
        rows.append(
            {
                "actor": actor,
                "name": names.get(actor, actor),
                "member": actor in c.members,
                "stance": p.stance if p else "no position",
                "stated": p.stated if p else None,
                "conditions": p.conditions if p else None,
                "counts": actor in c.members,
                "note": p.note if p else None,
                "sources": cite(evidence),
                "quote": next((e["quote"] for e in evidence if e["quote"]), None),
                "source_id": first_source(evidence),
            }
        )
    order = {"oppose": 0, "conditional": 1, "undecided": 2, "support": 3, "no position": 4}
    rows.sort(key=lambda r: (not r["member"], order[str(r["stance"])], r["actor"]))
    frame = pl.DataFrame(
        rows,
        schema={
            "actor": pl.Utf8,
            "name": pl.Utf8,
            "member": pl.Boolean,
            "stance": pl.Utf8,
            "stated": pl.Date,
            "conditions": pl.Utf8,
            "counts": pl.Boolean,
            "note": pl.Utf8,
            "sources": pl.Utf8,
            "quote": pl.Utf8,
            "source_id": pl.Utf8,
        },
    )
    d = state.decisions[code]
    return Report(
        f"Positions on '{code}': {d.title}",
        frame,
        notes=[
            f"{c.explanation()} (members of {d.body} on {c.on.isoformat()})",
            judged(c.on, moment),
        ],
        params={"decision": code, "as_of": moment, "on": day},
    )


def history(connection: Connection, code: str, moment: datetime | None, on: date | None = None) -> Report:
    """The consensus on a decision at each date on which it could change (a position stated, a
    member joining or leaving) up to ``on``, with what changed."""
    state = load_state(connection, moment)
    d = _decision(state, code)
    day = judged_day(moment, on)
    mine = [p for p in state.positions if p.decision == code]
    rows = []
    previous: Consensus | None = None
    days = set(change_days(state.memberships, d.body, mine, day))
    days |= {o.decided for o in state.outcomes if o.decision == code and o.decided <= day}
    for on in sorted(days):
        c = consensus_on(state, code, on)
        if c.on != on:  # decided before this day: its judgement no longer moves
            break
        changed = [f"{p.actor}: {p.stance}" for p in sorted(mine, key=lambda p: p.actor) if p.stated == on]
        if previous is not None:
            changed += [f"{m} joined" for m in c.members if m not in previous.members]
            changed += [f"{m} left" for m in previous.members if m not in c.members]
        outcome = next((o for o in state.outcomes if o.decision == code and o.decided == on), None)
        rows.append(
            {
                "date": on,
                "consensus": c.status,
                "members": len(c.members),
                "support": len(c.supporters),
                "blockers": _names(c.blockers),
                "conditional": _names(c.conditional),
                "undecided": _names(c.undecided),
                "no_position": len(c.silent),
                "status": outcome.result if outcome else None,
                "changed": "; ".join(changed[:12])
                + (f"; … {len(changed) - 12} more" if len(changed) > 12 else ""),
            }
        )
        previous = c
    frame = pl.DataFrame(
        rows,
        schema={
            "date": pl.Date,
            "consensus": pl.Utf8,
            "members": pl.Int64,
            "support": pl.Int64,
            "blockers": pl.Utf8,
            "conditional": pl.Utf8,
            "undecided": pl.Utf8,
            "no_position": pl.Int64,
            "status": pl.Utf8,
            "changed": pl.Utf8,
        },
    )
    return Report(
        f"History of the consensus on '{code}': {d.title}",
        frame,
        notes=[
            "one row per date on which a position was stated, a member joined or left, or an outcome "
            f"was recorded (valid time), up to {day.isoformat()}, "
            + (f"as known on {moment:%Y-%m-%d}" if moment else "as known now")
        ],
        params={"decision": code, "as_of": moment, "on": day},
    )


def conditions(
    connection: Connection, moment: datetime | None, decision: str | None = None, on: date | None = None
) -> Report:
    """Each pathway condition's status and the pathway's status derived from them."""
    state = load_state(connection, moment)
    day = judged_day(moment, on)
    codes = sorted({c.decision for c in state.conditions})
    if decision is not None:
        _decision(state, decision)
        codes = [decision]
    links = evidence_map(connection, "condition", [c.id for c in state.conditions], moment)
    status_links = evidence_map(
        connection, "condition_status", [s.id for s in state.condition_statuses], moment
    )
    rows, notes = [], []
    for code in codes:
        c = consensus_on(state, code, day) if code in state.decisions else None
        status = pathway_status(code, state.conditions, state.condition_statuses, c, day)
        notes.append(
            f"{code}: pathway {status.status} — met: {', '.join(status.met) or 'none'}; "
            f"remaining: {', '.join(status.remaining) or 'none'}"
        )
        for s in status.conditions:
            evidence = links.get(s.condition.id, []) + (
                status_links.get(s.status_id, []) if s.status_id else []
            )
            rows.append(
                {
                    "decision": code,
                    "condition": s.condition.code,
                    "text": s.condition.text,
                    "status": s.status,
                    "since": s.since,
                    "basis": s.basis,
                    "pathway": status.status,
                    "sources": cite(list({e["id"]: e for e in evidence}.values())),
                }
            )
    frame = pl.DataFrame(
        rows,
        schema={
            "decision": pl.Utf8,
            "condition": pl.Utf8,
            "text": pl.Utf8,
            "status": pl.Utf8,
            "since": pl.Date,
            "basis": pl.Utf8,
            "pathway": pl.Utf8,
            "sources": pl.Utf8,
        },
    )
    notes.append("pathway: open when every condition is met, closed when any is not met, uncertain otherwise")
    notes.append(judged(day, moment))
    return Report(
        "Pathway conditions",
        frame,
        notes=notes,
        params={"as_of": moment, "decision": decision, "on": day},
    )


def position_list(connection: Connection, moment: datetime | None) -> Report:
    """Every position as known (all decisions, all dates), with sources: the CSV export."""
    state = load_state(connection, moment)
    links = evidence_map(connection, "position", [p.id for p in state.positions], moment)
    rows = [
        {
            "decision": p.decision,
            "actor": p.actor,
            "stance": p.stance,
            "date": p.stated,
            "conditions": p.conditions,
            "note": p.note,
            "sources": cite(links.get(p.id, [])),
        }
        for p in sorted(state.positions, key=lambda p: (p.decision, p.stated, p.actor))
    ]
    schema: dict[str, pl.DataType | type[pl.DataType]] = {
        "decision": pl.Utf8,
        "actor": pl.Utf8,
        "stance": pl.Utf8,
        "date": pl.Date,
        "conditions": pl.Utf8,
        "note": pl.Utf8,
        "sources": pl.Utf8,
    }
    return Report("Positions", pl.DataFrame(rows, schema=schema), params={"as_of": moment})
