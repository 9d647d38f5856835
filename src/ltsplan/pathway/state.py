"""Reading the pathway and objectives back from the store, as known at a moment (or now), as the
domain's plain objects. The tables are small (hundreds of rows), so each question reads them whole.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Table, func, select

from ltsplan.objectives.model import Objective, ObjectiveAssessment, Statement
from ltsplan.pathway.model import (
    Body,
    Condition,
    ConditionStatus,
    Decision,
    Membership,
    Outcome,
    Position,
    Rule,
)
from ltsplan.store.history import live_at
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
from ltsplan.store.tables import evidence, source


def valid_day(moment: datetime | None) -> date:
    """The day the world is judged on: the as-of date, or today (UTC)."""
    return moment.date() if moment is not None else datetime.now(UTC).date()


@dataclass
class State:
    bodies: dict[str, Body] = field(default_factory=dict)
    memberships: list[Membership] = field(default_factory=list)
    decisions: dict[str, Decision] = field(default_factory=dict)
    outcomes: list[Outcome] = field(default_factory=list)
    positions: list[Position] = field(default_factory=list)
    conditions: list[Condition] = field(default_factory=list)
    condition_statuses: list[ConditionStatus] = field(default_factory=list)
    objectives: dict[str, Objective] = field(default_factory=dict)
    assessments: list[ObjectiveAssessment] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)
    recorded: dict[str, datetime] = field(default_factory=dict)  # record id → recorded_at

    def outcome_of(self, code: str, day: date) -> Outcome | None:
        taken = [o for o in self.outcomes if o.decision == code and o.decided <= day]
        return max(taken, key=lambda o: o.decided) if taken else None


def _rows(connection: Connection, table: Table, moment: datetime | None) -> list[dict[str, Any]]:
    result = connection.execute(select(table).where(live_at(table, moment)).order_by(table.c.row_id))
    return [dict(r) for r in result.mappings()]


def _day(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value


def load_state(connection: Connection, moment: datetime | None) -> State:
    state = State()

    def remember(row: dict[str, Any]) -> dict[str, Any]:
        state.recorded[row["id"]] = row["recorded_at"]
        return row

    for r in map(remember, _rows(connection, body, moment)):
        rule = Rule(r["rule"], float(r["threshold"]), r["silence"])
        state.bodies[r["code"]] = Body(r["code"], r["name"], rule, r["note"])
    for r in map(remember, _rows(connection, membership, moment)):
        state.memberships.append(
            Membership(r["body"], r["member"], _day(r["valid_from"]), _day(r["valid_to"]))
        )
    for r in map(remember, _rows(connection, decision, moment)):
        state.decisions[r["code"]] = Decision(
            r["code"], r["body"], r["title"], r["kind"], _day(r["due"]), r["note"]
        )
    for r in map(remember, _rows(connection, decision_outcome, moment)):
        state.outcomes.append(Outcome(r["decision"], r["result"], _day(r["decided"]), r["note"]))
    for r in map(remember, _rows(connection, position, moment)):
        state.positions.append(
            Position(r["decision"], r["actor"], r["stance"], _day(r["stated"]), r["conditions"], r["note"])
        )
    for r in map(remember, _rows(connection, condition, moment)):
        state.conditions.append(
            Condition(r["code"], r["decision"], r["text"], r["derive"], _day(r["stated"]), r["note"])
        )
    for r in map(remember, _rows(connection, condition_status, moment)):
        state.condition_statuses.append(
            ConditionStatus(r["condition"], r["status"], _day(r["assessed"]), r["note"])
        )
    for r in map(remember, _rows(connection, objective, moment)):
        state.objectives[r["code"]] = Objective(
            r["code"], r["party"], r["text"], r["stated_by"], _day(r["stated"]), r["note"]
        )
    for r in map(remember, _rows(connection, objective_assessment, moment)):
        state.assessments.append(
            ObjectiveAssessment(
                r["objective"], r["assessor"], r["status"], _day(r["assessed"]), r["label"], r["note"]
            )
        )
    for r in map(remember, _rows(connection, statement, moment)):
        state.statements.append(
            Statement(r["actor"], _day(r["said"]), r["quote"], r["attribution"], r["about"], r["note"])
        )
    return state


def evidence_map(
    connection: Connection, record_kind: str, ids: Iterable[str], moment: datetime | None
) -> dict[str, list[dict[str, Any]]]:
    """For many records of one kind at once: their sources (with grade) and quotes."""
    wanted = list(set(ids))
    found: dict[str, list[dict[str, Any]]] = {}
    for start in range(0, len(wanted), 900):
        rows = connection.execute(
            select(evidence.c.record_id, evidence.c.quote, source)
            .join(source, source.c.id == evidence.c.source_id)
            .where(
                evidence.c.record_kind == record_kind,
                evidence.c.record_id.in_(wanted[start : start + 900]),
                live_at(evidence, moment),
                source.c.retracted_at.is_(None),
            )
            .order_by(source.c.published, source.c.title)
        ).mappings()
        for r in rows:
            found.setdefault(r["record_id"], []).append(dict(r))
    return found


def cite(links: list[dict[str, Any]]) -> str:
    """Sources as people read them: title (grade), one per source."""
    return "; ".join(f"{e['title']} ({e['reliability']}{e['credibility']})" for e in links)


def grades(links: list[dict[str, Any]]) -> str:
    return ", ".join(dict.fromkeys(f"{e['reliability']}{e['credibility']}" for e in links))


def like_pattern(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def lower(column: Any) -> Any:
    return func.lower(column)
