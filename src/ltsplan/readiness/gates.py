"""Gated evaluations, checklist outcomes and expiry (pure: no I/O).

Rules (docs/readiness.md):

- **Checklist outcome.** An evaluation's checklist is the assessments that belong to it, each a
  yes/no criterion (met or not against its target). Under the programme's rule:
  ``all-mandatory`` (the default) passes when every mandatory criterion is met; ``lowest`` passes
  only when every criterion is met; ``weighted`` passes when Σ weight·met / Σ weight reaches the
  programme's declared ``pass_score``. An evaluation with no criteria does not pass. The outcome is
  the programme's ``pass_outcome`` (e.g. "combat ready") or ``fail_outcome``.
- **Expiry.** A result expires on ``expires_on`` when given, else on the day ``validity_months`` after
  it was held; from that day on it no longer counts.
- **Gates.** Gates are passed in the programme's order. An evaluation of a gate *counts* when it
  passed and, for every gate but the first, a counting evaluation of the previous gate was held on
  or before it and had not expired on that day. As of a date D it counts when it was held on or
  before D, counts, and has not expired on D. The element's achieved gate as of D is the last gate
  in the programme's order with an evaluation counting on D.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from ltsplan.readiness.programmes import ChecklistOutcome, EvaluationProgramme, add_months


def checklist_outcome(
    criteria: list[tuple[str, bool, bool, float]], programme: EvaluationProgramme
) -> ChecklistOutcome:
    """Outcome of one checklist: criteria are (name, met, mandatory, weight)."""
    mandatory = [c for c in criteria if c[2]]
    mandatory_met = sum(1 for c in mandatory if c[1])
    unmet = tuple(c[0] for c in mandatory if not c[1])
    score = None
    if not criteria:
        passed = False
    elif programme.rule == "weighted":
        total = sum(c[3] for c in criteria)
        score = sum(c[3] for c in criteria if c[1]) / total if total > 0 else 0.0
        passed = programme.pass_score is not None and score >= programme.pass_score
    elif programme.rule == "lowest":
        passed = all(c[1] for c in criteria)
    else:
        passed = mandatory_met == len(mandatory)
    return ChecklistOutcome(
        outcome=programme.pass_outcome if passed else programme.fail_outcome,
        passed=passed,
        criteria=len(criteria),
        mandatory=len(mandatory),
        mandatory_met=mandatory_met,
        unmet_mandatory=unmet,
        score=score,
    )


def checklist_outcomes(criteria: pl.DataFrame, programmes: dict[str, EvaluationProgramme]) -> pl.DataFrame:
    """Outcomes of many checklists at once. ``criteria`` has evaluation, programme, requirement, met,
    mandatory, weight; the answer has evaluation, criteria, mandatory, mandatory_met, score, passed,
    outcome, unmet_mandatory (a comma-separated list of requirement codes)."""
    grouped = criteria.group_by("evaluation", "programme").agg(
        pl.len().alias("criteria"),
        pl.col("mandatory").sum().cast(pl.Int64).alias("mandatory_count"),
        (pl.col("mandatory") & pl.col("met")).sum().cast(pl.Int64).alias("mandatory_met"),
        pl.col("met").all().alias("all_met"),
        ((pl.col("weight") * pl.col("met").cast(pl.Float64)).sum() / pl.col("weight").sum()).alias("score"),
        pl.col("requirement").filter(pl.col("mandatory") & pl.col("met").not_()).sort().alias("unmet"),
    )
    rule = {k: p.rule for k, p in programmes.items()}
    pass_score = {k: p.pass_score for k, p in programmes.items()}
    with_rule = grouped.with_columns(
        pl.col("programme").replace_strict(rule, default="all-mandatory").alias("rule"),
        pl.col("programme").replace_strict(pass_score, default=None, return_dtype=pl.Float64).alias("pass"),
    )
    passed = (
        pl.when(pl.col("criteria") == 0)
        .then(False)
        .when(pl.col("rule") == "weighted")
        .then(pl.col("pass").is_not_null() & (pl.col("score") >= pl.col("pass")))
        .when(pl.col("rule") == "lowest")
        .then(pl.col("all_met"))
        .otherwise(pl.col("mandatory_met") == pl.col("mandatory_count"))
    )
    pass_outcome = {k: p.pass_outcome for k, p in programmes.items()}
    fail_outcome = {k: p.fail_outcome for k, p in programmes.items()}
    return with_rule.with_columns(passed.alias("passed")).select(
        "evaluation",
        "criteria",
        pl.col("mandatory_count").alias("mandatory"),
        "mandatory_met",
        pl.when(pl.col("rule") == "weighted").then(pl.col("score")).alias("score"),
        "passed",
        pl.when(pl.col("passed"))
        .then(pl.col("programme").replace_strict(pass_outcome, default="passed"))
        .otherwise(pl.col("programme").replace_strict(fail_outcome, default="not passed"))
        .alias("outcome"),
        pl.col("unmet").list.join(", ").alias("unmet_mandatory"),
    )


def expiry(held_on: date, expires_on: date | None, programme: EvaluationProgramme) -> date | None:
    if expires_on is not None:
        return expires_on
    if programme.validity_months is None:
        return None
    if (held_on.year * 12 + held_on.month - 1) + programme.validity_months > date.max.year * 12 + 11:
        return None  # the validity runs past the calendar's last day: it counts to the end
    return add_months(held_on, programme.validity_months)


@dataclass(frozen=True)
class GateResult:
    """One evaluation as seen on a date: whether it counts, and why not when it does not."""

    evaluation: str
    element: str
    programme: str
    gate: str
    level: int
    held_on: date
    expires_on: date | None
    passed: bool
    counts: bool
    status: str


def gate_results(
    evaluations: list[dict], programmes: dict[str, EvaluationProgramme], on: date
) -> list[GateResult]:
    """Every evaluation held on or before ``on``, with whether it counts on ``on`` and why.

    ``evaluations`` are dicts with id, element, programme, gate, held_on, expires_on, passed, outcome.
    Evaluations are few (one per element per gate attempt), so this walks them in date order."""
    results: list[GateResult] = []

    def gate_rank(ev: dict) -> int:
        # On one day the earlier gate is taken first: a previous gate held the same day is "held on
        # or before" its successor, whichever evaluation's code sorts first.
        programme = programmes.get(ev["programme"])
        codes = [g.code for g in programme.gates] if programme is not None else []
        return codes.index(ev["gate"]) if ev["gate"] in codes else len(codes)

    ordered = sorted(
        (e for e in evaluations if e["held_on"] <= on),
        key=lambda e: (e["element"], e["programme"], e["held_on"], gate_rank(e), e["id"]),
    )
    counted: dict[tuple[str, str, str], list[tuple[date, date | None]]] = {}
    for ev in ordered:
        programme = programmes.get(ev["programme"])
        if programme is None or programme.gate(ev["gate"]) is None:
            continue
        gate = programme.gate(ev["gate"])
        assert gate is not None
        expires = expiry(ev["held_on"], ev.get("expires_on"), programme)
        previous = programme.previous(gate.code)
        held = ev["held_on"]
        prior_ok = previous is None or any(
            h <= held and (x is None or x > held)
            for h, x in counted.get((ev["element"], ev["programme"], previous.code), [])
        )
        counts_when_held = bool(ev["passed"]) and prior_ok
        if counts_when_held:
            counted.setdefault((ev["element"], ev["programme"], gate.code), []).append((held, expires))
        expired = expires is not None and expires <= on
        if not ev["passed"]:
            status = f"not passed: {ev.get('outcome') or 'checklist not met'}"
        elif not prior_ok:
            assert previous is not None
            status = f"does not count: {previous.code} had not been passed (or had expired) by {held}"
        elif expired:
            status = f"expired on {expires}: no longer counts"
        else:
            status = "counts" + (f" until {expires}" if expires else "")
        results.append(
            GateResult(
                evaluation=ev["id"],
                element=ev["element"],
                programme=ev["programme"],
                gate=gate.code,
                level=gate.level,
                held_on=held,
                expires_on=expires,
                passed=bool(ev["passed"]),
                counts=counts_when_held and not expired,
                status=status,
            )
        )
    return results


def achieved(
    results: list[GateResult], programmes: dict[str, EvaluationProgramme]
) -> dict[tuple[str, str], GateResult | None]:
    """Per (element, programme): the furthest gate, in the programme's order, that counts."""
    best: dict[tuple[str, str], GateResult | None] = {}
    for result in results:
        key = (result.element, result.programme)
        best.setdefault(key, None)
        if not result.counts:
            continue
        order = [g.code for g in programmes[result.programme].gates]
        current = best[key]
        if current is None or order.index(result.gate) >= order.index(current.gate):
            best[key] = result
    return best
