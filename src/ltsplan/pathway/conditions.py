"""The pathway's status, derived from its conditions (pure).

Each condition's status on a date D is

- for ``derive: consensus``: **met** when the consensus on its decision is adopted on D, else
  **not met** (pending and blocked alike: the members have not all agreed);
- for ``derive: recorded``: its latest recorded status dated on or before D, or **unknown** when
  none is recorded.

The pathway is **open** when every condition is met, **closed** when any is not met, and
**uncertain** when none is not met but some are unknown. *Remaining* lists the conditions not met
and the unknown ones, in that order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from ltsplan.pathway.consensus import ADOPTED, Consensus
from ltsplan.pathway.model import Condition, ConditionStatus, latest_by

MET, NOT_MET, UNKNOWN = "met", "not met", "unknown"


@dataclass(frozen=True)
class ConditionState:
    condition: Condition
    status: str
    since: date | None  # the date of the status (recorded) or of the judgement (consensus)
    basis: str  # how the status was reached, in words
    status_id: str | None = None  # the recorded status behind it, for its evidence


@dataclass(frozen=True)
class PathwayStatus:
    decision: str
    on: date
    conditions: tuple[ConditionState, ...]

    @property
    def met(self) -> list[str]:
        return [c.condition.code for c in self.conditions if c.status == MET]

    @property
    def remaining(self) -> list[str]:
        return [c.condition.code for c in self.conditions if c.status == NOT_MET] + [
            c.condition.code for c in self.conditions if c.status == UNKNOWN
        ]

    @property
    def status(self) -> str:
        statuses = {c.status for c in self.conditions}
        if NOT_MET in statuses:
            return "closed"
        if UNKNOWN in statuses:
            return "uncertain"
        return "open"


def condition_state(
    condition: Condition,
    statuses: Iterable[ConditionStatus],
    consensus: Consensus | None,
    day: date,
) -> ConditionState:
    if condition.derive == "consensus":
        if consensus is None:
            return ConditionState(condition, UNKNOWN, None, "no consensus could be computed")
        status = MET if consensus.status == ADOPTED else NOT_MET
        return ConditionState(condition, status, consensus.on, f"consensus {consensus.explanation()}")
    latest = latest_by([s for s in statuses if s.condition == condition.code], "condition", "assessed", day)
    recorded = latest.get(condition.code)
    if recorded is None:
        return ConditionState(condition, UNKNOWN, None, "no status recorded")
    return ConditionState(
        condition, recorded.status, recorded.assessed, recorded.note or "recorded", recorded.id
    )


def pathway_status(
    decision: str,
    conditions: Iterable[Condition],
    statuses: Iterable[ConditionStatus],
    consensus: Consensus | None,
    day: date,
) -> PathwayStatus:
    """The conditions on ``decision`` stated on or before ``day`` (or undated), each with its status."""
    statuses = list(statuses)
    states = tuple(
        condition_state(c, statuses, consensus, day)
        for c in sorted(conditions, key=lambda c: (c.stated or date.min, c.code))
        if c.decision == decision and (c.stated is None or c.stated <= day)
    )
    return PathwayStatus(decision, day, states)
