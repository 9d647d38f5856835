"""Objectives questions: the scoreboard (each assessor's latest verdict, side by side, with how far
they diverge), one objective in full, and the searchable statements.

``moment`` is record time (what was known then); ``on`` valid time (the day verdicts are taken on:
each assessor's latest assessment dated on or before it), by default the moment's date, else today.
"""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
from sqlalchemy import Connection, and_, exists, or_, select

from ltsplan.errors import NotFound
from ltsplan.objectives.model import statement
from ltsplan.objectives.scoreboard import latest_verdicts
from ltsplan.objectives.state import load_objectives
from ltsplan.provenance.model import actor, evidence, source
from ltsplan.provenance.reports import (
    actor_names,
    cite,
    evidence_map,
    first_source,
    grades,
    like_pattern,
    lower,
)
from ltsplan.report import Report
from ltsplan.store.time import known, live_at, valid_day

SCALE_NOTE = (
    "divergence = max − min of the assessors' statuses on achieved (4) > partly achieved (3) > "
    "ongoing (2) > not achieved (1); 'abandoned' stands apart (abandoned_split); verdicts are never merged"
)

_SCOREBOARD_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "objective": pl.Utf8,
    "party": pl.Utf8,
    "text": pl.Utf8,
    "assessor": pl.Utf8,
    "assessor_name": pl.Utf8,
    "status": pl.Utf8,
    "label": pl.Utf8,
    "assessed": pl.Date,
    "grade": pl.Utf8,
    "source": pl.Utf8,
    "divergence": pl.Int64,
    "agreement": pl.Utf8,
    "abandoned_split": pl.Boolean,
    "source_id": pl.Utf8,
}


def _day(moment: datetime | None, on: date | None) -> date:
    return on if on is not None else valid_day(moment)


def _known(moment: datetime | None) -> str:
    return f"as known on {moment:%Y-%m-%d}" if moment else "as known now"


def scoreboard(connection: Connection, moment: datetime | None, on: date | None = None) -> Report:
    state = load_objectives(connection, moment)
    day = _day(moment, on)
    names = actor_names(connection, moment)
    links = evidence_map(connection, "objective_assessment", [a.id for a in state.assessments], moment)
    rows = []
    for code, o in sorted(state.objectives.items(), key=lambda kv: (kv[1].party, kv[0])):
        verdicts = latest_verdicts(state.assessments, code, day)
        base = {"objective": code, "party": o.party, "text": o.text}
        if not verdicts.latest:
            rows.append({**base, "agreement": "unassessed", "abandoned_split": False})
            continue
        for a in verdicts.latest:
            evidence = links.get(a.id, [])
            rows.append(
                {
                    **base,
                    "assessor": a.assessor,
                    "assessor_name": names.get(a.assessor, a.assessor),
                    "status": a.status,
                    "label": a.label,
                    "assessed": a.assessed,
                    "grade": grades(evidence),
                    "source": cite(evidence),
                    "divergence": verdicts.divergence,
                    "agreement": verdicts.agreement,
                    "abandoned_split": verdicts.abandoned_split,
                    "source_id": first_source(evidence),
                }
            )
    frame = pl.DataFrame(rows, schema=_SCOREBOARD_SCHEMA)
    notes = [
        SCALE_NOTE,
        f"each assessor's latest assessment dated on or before {day.isoformat()}, {_known(moment)}",
    ]
    if not rows:
        notes.append("no objectives recorded; try `ltsplan demo` or `ltsplan objectives import FILE`")
    return Report("Objectives scoreboard", frame, notes=notes, params={"as_of": moment, "on": day})


def show(connection: Connection, code: str, moment: datetime | None, on: date | None = None) -> Report:
    """One objective: who stated it, and every assessment of it dated up to ``on`` (all of them by
    default), with sources and grades."""
    state = load_objectives(connection, moment)
    if code not in state.objectives:
        known = ", ".join(sorted(state.objectives)) or "none recorded yet"
        raise NotFound(f"no objective '{code}' (known: {known})")
    o = state.objectives[code]
    names = actor_names(connection, moment)
    mine = sorted(
        (a for a in state.assessments if a.objective == code and (on is None or a.assessed <= on)),
        key=lambda a: (a.assessed, a.assessor),
    )
    links = evidence_map(connection, "objective_assessment", [a.id for a in mine], moment)
    stated = evidence_map(connection, "objective", [o.id], moment).get(o.id, [])
    rows = [
        {
            "assessed": a.assessed,
            "assessor": a.assessor,
            "assessor_name": names.get(a.assessor, a.assessor),
            "status": a.status,
            "label": a.label,
            "grade": grades(evidence),
            "source": cite(evidence),
            "quote": next((e["quote"] for e in evidence if e["quote"]), None),
            "note": a.note,
            "source_id": first_source(evidence),
        }
        for a in mine
        for evidence in [links.get(a.id, [])]
    ]
    frame = pl.DataFrame(
        rows,
        schema={
            "assessed": pl.Date,
            "assessor": pl.Utf8,
            "assessor_name": pl.Utf8,
            "status": pl.Utf8,
            "label": pl.Utf8,
            "grade": pl.Utf8,
            "source": pl.Utf8,
            "quote": pl.Utf8,
            "note": pl.Utf8,
            "source_id": pl.Utf8,
        },
    )
    who = names.get(o.stated_by, o.stated_by) if o.stated_by else "not recorded"
    notes = [
        f"{o.text} — aim of {names.get(o.party, o.party)}; stated by {who}"
        + (f" on {o.stated.isoformat()}" if o.stated else ""),
        "stated in: " + (cite(stated) or "no source"),
    ]
    notes += [f"source quote: “{e['quote']}” ({e['title']})" for e in stated if e["quote"]]
    if o.note:
        notes.append(o.note)
    verdicts = latest_verdicts(state.assessments, code, _day(moment, on))
    if verdicts.latest:
        notes.append(
            f"latest verdicts: {', '.join(f'{a.assessor}: {a.status}' for a in verdicts.latest)}; "
            f"divergence {verdicts.divergence if verdicts.divergence is not None else '—'} ({verdicts.agreement})"
        )
    return Report(
        f"Objective '{code}': assessments over time",
        frame,
        notes=notes,
        sources=stated,
        params={"objective": code, "as_of": moment, "on": on},
    )


def statements(
    connection: Connection,
    moment: datetime | None,
    *,
    search: str | None = None,
    actor_code: str | None = None,
) -> Report:
    """Quotes attributed to actors, newest first; ``search`` matches (case-insensitively) words in
    the quote, the actor's code or name, what it is about, or the title of a source behind it."""
    s = statement
    query = known(s, moment)
    if actor_code:
        query = query.where(s.c.actor == actor_code)
    if search:
        pattern = like_pattern(search)
        names = known(actor, moment, actor.c.code).where(lower(actor.c.name).like(pattern, escape="\\"))
        titled = exists(
            select(evidence.c.id)
            .join(source, source.c.id == evidence.c.source_id)
            .where(
                and_(
                    evidence.c.record_kind == "statement",
                    evidence.c.record_id == s.c.id,
                    live_at(evidence, moment),
                    live_at(source, moment),
                    lower(source.c.title).like(pattern, escape="\\"),
                )
            )
        )
        query = query.where(
            or_(
                lower(s.c.quote).like(pattern, escape="\\"),
                lower(s.c.actor).like(pattern, escape="\\"),
                lower(s.c.about).like(pattern, escape="\\"),
                s.c.actor.in_(names),
                titled,
            )
        )
    found = [dict(r) for r in connection.execute(query.order_by(s.c.said.desc(), s.c.actor)).mappings()]
    names_by_code = actor_names(connection, moment)
    links = evidence_map(connection, "statement", [r["id"] for r in found], moment)
    rows = [
        {
            "said": r["said"],
            "actor": r["actor"],
            "name": names_by_code.get(r["actor"], r["actor"]),
            "attribution": r["attribution"],
            "quote": r["quote"],
            "about": r["about"],
            "grade": grades(links.get(r["id"], [])),
            "source": cite(links.get(r["id"], [])),
            "source_id": first_source(links.get(r["id"], [])),
        }
        for r in found
    ]
    frame = pl.DataFrame(
        rows,
        schema={
            "said": pl.Date,
            "actor": pl.Utf8,
            "name": pl.Utf8,
            "attribution": pl.Utf8,
            "quote": pl.Utf8,
            "about": pl.Utf8,
            "grade": pl.Utf8,
            "source": pl.Utf8,
            "source_id": pl.Utf8,
        },
    )
    title = f"Statements matching '{search}'" if search else "Statements"
    return Report(title, frame, params={"search": search, "actor": actor_code, "as_of": moment})
