"""Consensus, computed from positions by the body's rule (pure).

On a date D the *members* are those whose membership is valid on D (from ≤ D < to). Each member's
position is its latest stated on or before D. Then, for the rule ``consensus``:

- **blocked** when at least one member opposes; the opposing members are the *blockers*;
- **adopted** when no member opposes and every member supports (a member with no position counts
  as supporting only when the rule's ``silence`` is "consent");
- **pending** otherwise; the conditional, undecided and silent members are named.

For ``majority`` with threshold t over n members: **adopted** when supporters > t·n, **blocked**
when opposers ≥ n − ⌊t·n⌋ (a majority can no longer be reached), else **pending**.

Positions of actors that are not members on D are reported as *outside* and never count.
A decision that has been taken (adopted, not adopted, withdrawn — not merely deferred) is judged on
the day it was taken (see ``judgement_day``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction

from ltsplan.pathway.model import Membership, Position, Rule, latest_by

ADOPTED, BLOCKED, PENDING = "adopted", "blocked", "pending"


@dataclass(frozen=True)
class Consensus:
    status: str
    on: date
    members: tuple[str, ...]
    supporters: tuple[str, ...] = ()
    blockers: tuple[str, ...] = ()
    conditional: tuple[str, ...] = ()
    undecided: tuple[str, ...] = ()
    silent: tuple[str, ...] = ()
    outside: tuple[str, ...] = ()  # positions of non-members, shown but not counted
    conditions: dict[str, str] = field(default_factory=dict)  # member → its stated conditions

    def explanation(self) -> str:
        n = len(self.members)
        if not n:
            return "the body has no members on this date"
        if self.status == BLOCKED:
            return f"blocked: opposed by {', '.join(self.blockers)}"
        if self.status == ADOPTED:
            return f"adopted: {len(self.supporters)} of {n} members support, none opposes"
        waiting = []
        if self.conditional:
            waiting.append(f"conditional: {', '.join(self.conditional)}")
        if self.undecided:
            waiting.append(f"undecided: {', '.join(self.undecided)}")
        if self.silent:
            waiting.append(f"no position: {len(self.silent)} member(s)")
        return f"pending ({len(self.supporters)} of {n} support); " + "; ".join(waiting)


def members_on(memberships: Iterable[Membership], body: str, day: date) -> list[str]:
    return sorted({m.member for m in memberships if m.body == body and m.valid_on(day)})


def consensus(
    rule: Rule,
    memberships: Iterable[Membership],
    body: str,
    positions: Iterable[Position],
    day: date,
) -> Consensus:
    members = members_on(memberships, body, day)
    latest = latest_by([p for p in positions if p.stated <= day], "actor", "stated", day)
    member_set = set(members)
    by_stance: dict[str, list[str]] = {"support": [], "oppose": [], "conditional": [], "undecided": []}
    silent = []
    for member in members:
        position = latest.get(member)
        if position is None:
            silent.append(member)
        else:
            by_stance[position.stance].append(member)
    outside = sorted(a for a in latest if a not in member_set)
    supporters = by_stance["support"]
    opposers = by_stance["oppose"]
    n = len(members)
    if rule.kind == "majority":
        # The threshold as written (0.29), not its binary approximation: 0.29 × 100 is 29, where
        # floating point gives 28.999999999999996 and 29 supporters would "exceed" it.
        share = Fraction(str(rule.threshold)) * n
        if n and len(supporters) > share:
            status = ADOPTED
        elif n and len(opposers) >= n - math.floor(share):
            status = BLOCKED
        else:
            status = PENDING
    else:
        consenting = supporters + (silent if rule.silence == "consent" else [])
        if opposers:
            status = BLOCKED
        elif n and len(consenting) == n:
            status = ADOPTED
        else:
            status = PENDING
    return Consensus(
        status=status,
        on=day,
        members=tuple(members),
        supporters=tuple(supporters),
        blockers=tuple(opposers),
        conditional=tuple(by_stance["conditional"]),
        undecided=tuple(by_stance["undecided"]),
        silent=tuple(silent),
        outside=tuple(outside),
        conditions={m: latest[m].conditions or "" for m in by_stance["conditional"] if latest[m].conditions},
    )


def judgement_day(today: date, decided: date | None) -> date:
    """A decision already taken is judged among the members of the day it was taken (a state that
    joined later did not take part); an open decision is judged today."""
    return decided if decided is not None and decided <= today else today


def change_days(
    memberships: Iterable[Membership], body: str, positions: Iterable[Position], until: date
) -> list[date]:
    """The dates on which the consensus on a decision can change: a position stated, a member
    joining or leaving — the steps of its history, from the first position stated on."""
    days = {p.stated for p in positions}
    if not days:
        return []
    first = min(days)
    for m in memberships:
        if m.body != body:
            continue
        days.add(m.valid_from)
        if m.valid_to is not None:
            days.add(m.valid_to)
    return sorted(d for d in days if first <= d <= until)
