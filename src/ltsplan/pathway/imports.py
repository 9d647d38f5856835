"""Importing and exporting scenario documents (YAML or JSON): sources, actors, the pathway and the
objectives, with their evidence. One transaction: a document with any problem writes nothing and
every problem is listed. Re-importing the same document changes nothing.

Record time: an import records everything *now*, unless ``use_recorded_dates`` (used by the demo to
replay a scenario's history), when each record is dated by its ``recorded`` field, else the latest
publication date of its sources, else its own date (stated, from, date), else now.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import polars as pl
import yaml
from sqlalchemy import Connection, Table, select

from ltsplan.errors import InvalidInput, LtsplanError, Problem
from ltsplan.formats.document import plain
from ltsplan.pathway.formats import FORMAT, OBJECTIVE_PARTS, PATHWAY_PARTS, Known, Scenario, read_scenario
from ltsplan.pathway.state import State, evidence_map, load_state
from ltsplan.provenance.model import Source
from ltsplan.provenance.records import actor_record, store_actors, store_evidence, store_sources
from ltsplan.store.db import Database
from ltsplan.store.history import WriteResult, utcnow, write_versions
from ltsplan.store.ids import version_hash
from ltsplan.store.pathway_tables import (
    body,
    condition,
    condition_status,
    decision,
    decision_outcome,
    membership,
    objective,
    objective_assessment,
    position,
    statement,
)
from ltsplan.store.tables import actor, source

DOCUMENT_SUFFIXES = (".yaml", ".yml", ".json")
_TYPES: dict[str, pl.DataType | type[pl.DataType]] = {
    "DATE": pl.Date,
    "FLOAT": pl.Float64,
    "DATETIME": pl.Datetime("us"),
}


@dataclass
class ImportSummary:
    path: Path
    written: dict[str, WriteResult] = field(default_factory=dict)

    def lines(self) -> list[str]:
        parts = [
            f"{r.inserted} new, {r.revised} revised, {r.unchanged} unchanged {kind}"
            for kind, r in self.written.items()
            if r.inserted or r.revised or r.unchanged
        ]
        return [f"{self.path}: " + ("; ".join(parts) if parts else "nothing to import")]


def known_state(connection: Connection) -> Known:
    state = load_state(connection, None)
    actors = {r[0] for r in connection.execute(select(actor.c.code).where(actor.c.retracted_at.is_(None)))}
    sources = {r[0] for r in connection.execute(select(source.c.id).where(source.c.retracted_at.is_(None)))}
    return Known(
        sources=sources,
        actors=actors,
        bodies=set(state.bodies),
        decisions=set(state.decisions),
        conditions={c.code for c in state.conditions},
        objectives=set(state.objectives),
        memberships=state.memberships,
    )


def read_text(path: Path) -> str:
    if not path.exists():
        raise LtsplanError(f"{path}: no such file")
    if not path.is_file():
        raise LtsplanError(f"{path}: not a file")
    if path.suffix.lower() not in DOCUMENT_SUFFIXES:
        raise LtsplanError(
            f"{path}: a scenario document is YAML (.yaml, .yml) or JSON (.json); see docs/pathway.md"
        )
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidInput([Problem(f"not UTF-8 text ({error.reason})", file=str(path))]) from None


def import_scenario(
    database: Database, path: Path, *, use_recorded_dates: bool = False, now: datetime | None = None
) -> ImportSummary:
    text = read_text(path)
    with database.transaction() as connection:
        scenario = read_scenario(text, str(path), known_state(connection))
        if scenario.problems:
            n = len(scenario.problems)
            raise InvalidInput(scenario.problems, f"{path}: {n} problem(s); nothing was written")
        written = write_scenario(
            connection, scenario, now=now or utcnow(), use_recorded_dates=use_recorded_dates
        )
    return ImportSummary(path, written)


# table, the scenario's list, and how a domain object becomes the table's columns
def _content(item: Any) -> dict[str, Any]:
    values = asdict(item)
    rule = values.pop("rule", None)
    if rule is not None:
        values.update(rule=rule["kind"], threshold=rule["threshold"], silence=rule["silence"])
    return values


def _record_times(scenario: Scenario, now: datetime, use_recorded_dates: bool) -> dict[str, datetime]:
    """When each record (by id) became known."""
    if not use_recorded_dates:
        return {}
    published: dict[str, date] = {k: s.published for k, s in scenario.sources.items() if s.published}
    by_record: dict[str, list[date]] = defaultdict(list)
    for _kind, rid, key, _quote in scenario.evidence:
        if key in published:
            by_record[rid].append(published[key])
    times: dict[str, datetime] = {}
    items: list[Any] = [
        *scenario.bodies,
        *scenario.memberships,
        *scenario.decisions,
        *scenario.outcomes,
        *scenario.positions,
        *scenario.conditions,
        *scenario.condition_statuses,
        *scenario.objectives,
        *scenario.assessments,
        *scenario.statements,
    ]
    for item in items:
        own = next(
            (
                getattr(item, n)
                for n in ("stated", "valid_from", "decided", "assessed", "said")
                if hasattr(item, n)
            ),
            None,
        )
        day = scenario.recorded.get(item.id) or max(by_record.get(item.id, []), default=None) or own
        times[item.id] = datetime.combine(day, time()) if day else now
    return times


def write_scenario(
    connection: Connection, scenario: Scenario, *, now: datetime, use_recorded_dates: bool = False
) -> dict[str, WriteResult]:
    times = _record_times(scenario, now, use_recorded_dates)
    earliest = min(times.values(), default=now)
    source_ids = {key: s.id for key, s in scenario.sources.items()}
    source_times: dict[str, datetime] = {}
    if use_recorded_dates:
        for key, s in scenario.sources.items():
            citing = [times[rid] for _k, rid, k, _q in scenario.evidence if k == key and rid in times]
            first = datetime.combine(s.published, time()) if s.published else min(citing, default=now)
            source_times[key] = first
    written: dict[str, WriteResult] = {}
    by_time: dict[datetime, list[Source]] = defaultdict(list)
    for key, s in scenario.sources.items():
        by_time[source_times.get(key, now)].append(s)
    written["sources"] = WriteResult()
    for moment, group in sorted(by_time.items()):
        written["sources"] += store_sources(connection, group, recorded_at=moment)
    records = [
        actor_record(code, kind, None if kind == "state" else name)
        for code, (kind, name) in sorted(scenario.actors.items())
    ]
    written["actors"] = store_actors(connection, records, recorded_at=earliest if use_recorded_dates else now)
    plan: list[tuple[str, Table, list[Any]]] = [
        ("bodies", body, scenario.bodies),
        ("memberships", membership, scenario.memberships),
        ("decisions", decision, scenario.decisions),
        ("outcomes", decision_outcome, scenario.outcomes),
        ("positions", position, scenario.positions),
        ("conditions", condition, scenario.conditions),
        ("condition statuses", condition_status, scenario.condition_statuses),
        ("objectives", objective, scenario.objectives),
        ("assessments", objective_assessment, scenario.assessments),
        ("statements", statement, scenario.statements),
    ]
    for label, table, items in plan:
        rows = []
        for item in items:
            values = _content(item)
            rows.append(
                {
                    "id": item.id,
                    "version": version_hash(values.values()),
                    **values,
                    "recorded_at": times.get(item.id, now),
                }
            )
        written[label] = write_versions(connection, table, _frame(table, rows), recorded_at=now)
    links: dict[datetime, list[tuple[str, str, str, str | None]]] = defaultdict(list)
    for kind, rid, key, quote in scenario.evidence:
        sid = source_ids.get(key, key)
        at = max(times.get(rid, now), source_times.get(key, times.get(rid, now)))
        links[at].append((kind, rid, sid, quote))
    written["evidence links"] = WriteResult()
    for moment, batch in sorted(links.items()):
        written["evidence links"] += store_evidence(connection, batch, recorded_at=moment)
    return written


def _frame(table: Table, rows: list[dict[str, Any]]) -> pl.DataFrame:
    schema = {
        c.name: _TYPES.get(str(c.type).split("(")[0], pl.Utf8)
        for c in table.columns
        if c.name not in ("row_id", "retracted_at")
    }
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)


# ---- export ------------------------------------------------------------------------------------


def export_document(
    connection: Connection, moment: datetime | None, parts: tuple[str, ...]
) -> dict[str, Any]:
    """The document of what was known at ``moment``: the chosen sections, the sources they cite and
    the actors they name (import it again and nothing changes)."""
    state = load_state(connection, moment)
    sections: dict[str, list[tuple[str, Any]]] = {
        "bodies": [("body", b) for b in state.bodies.values()],
        "memberships": [("membership", m) for m in state.memberships],
        "decisions": [("decision", d) for d in state.decisions.values()],
        "outcomes": [("decision_outcome", o) for o in state.outcomes],
        "positions": [("position", p) for p in state.positions],
        "conditions": [("condition", c) for c in state.conditions],
        "condition_statuses": [("condition_status", c) for c in state.condition_statuses],
        "objectives": [("objective", o) for o in state.objectives.values()],
        "assessments": [("objective_assessment", a) for a in state.assessments],
        "statements": [("statement", s) for s in state.statements],
    }
    document: dict[str, Any] = {"format": FORMAT, "sources": [], "actors": []}
    cited: dict[str, dict[str, Any]] = {}
    named: set[str] = set()
    for part in parts:
        items = sections[part]
        by_kind: dict[str, list[str]] = defaultdict(list)
        for kind, item in items:
            by_kind[kind].append(item.id)
        links: dict[str, list[dict[str, Any]]] = {}
        for kind, ids in by_kind.items():
            links.update(evidence_map(connection, kind, ids, moment))
        entries = []
        for _kind, item in items:
            entry = _entry(part, item)
            named.update(_actor_codes(part, item))
            refs = []
            for e in links.get(item.id, []):
                cited[e["id"]] = e
                refs.append({"source": e["id"], "quote": e["quote"]} if e["quote"] else e["id"])
            entry["sources"] = refs
            entry["recorded"] = state.recorded[item.id].date()
            entries.append(entry)
        document[part] = entries
    for sid, e in sorted(cited.items(), key=lambda kv: (str(kv[1]["published"]), kv[1]["title"])):
        document["sources"].append(
            {
                "key": sid,
                "kind": e["kind"],
                "title": e["title"],
                "publisher": e["publisher"],
                "url": e["url"],
                "published": e["published"],
                "attribution": e["attribution"],
                "grade": f"{e['reliability']}{e['credibility']}",
                "note": e["note"],
            }
        )
    rows = connection.execute(
        select(actor).where(actor.c.retracted_at.is_(None), actor.c.code.in_(sorted(named)))
    )
    for r in sorted(rows.mappings(), key=lambda r: r["code"]):
        document["actors"].append({"code": r["code"], "kind": r["kind"], "name": r["name"]})
    return plain(_drop_nulls(document))


def _entry(part: str, item: Any) -> dict[str, Any]:
    values = _content(item)
    renames = {
        "memberships": {"valid_from": "from", "valid_to": "to"},
        "outcomes": {"decided": "date"},
        "positions": {"stated": "date"},
        "condition_statuses": {"assessed": "date"},
        "assessments": {"assessed": "date"},
        "statements": {"said": "date"},
    }.get(part, {})
    return {renames.get(k, k): v for k, v in values.items()}


def _actor_codes(part: str, item: Any) -> list[str]:
    fields = {
        "memberships": ("member",),
        "positions": ("actor",),
        "objectives": ("party", "stated_by"),
        "assessments": ("assessor",),
        "statements": ("actor",),
        "bodies": ("code",),
    }.get(part, ())
    return [getattr(item, f) for f in fields if getattr(item, f, None)]


def _drop_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_nulls(v) for v in value]
    return value


def write_document(document: dict[str, Any], path: Path) -> None:
    suffix = path.suffix.lower()
    if suffix == ".json":
        path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    elif suffix in (".yaml", ".yml"):
        path.write_text(
            yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=110), encoding="utf-8"
        )
    else:
        raise LtsplanError(f"{path}: export writes .yaml, .yml or .json (or .csv for a list)")


__all__ = [
    "OBJECTIVE_PARTS",
    "PATHWAY_PARTS",
    "State",
    "export_document",
    "import_scenario",
    "write_document",
]
