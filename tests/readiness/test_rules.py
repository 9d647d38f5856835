"""The readiness rules on plain inputs: gates, expiry, checklist outcomes, the three aggregation
rules on a small tree (expected values computed here from the inputs), milestone status, gaps."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest

from ltsplan.readiness.gates import achieved, checklist_outcome, gate_results
from ltsplan.readiness.milestones import slopes, statuses, trend_dates, worst_first
from ltsplan.readiness.programmes import EvaluationProgramme, nato_occ_gates
from ltsplan.readiness.rollup import prepare
from ltsplan.readiness.scores import rollup

PROGRAMME = EvaluationProgramme(
    "OCC",
    "test programme",
    nato_occ_gates(),
    validity_months=36,
    pass_outcome="combat ready",
    fail_outcome="not combat ready",
)


def _ev(id_: str, gate: str, held: date, passed: bool = True) -> dict:
    return {
        "id": id_,
        "element": "BN",
        "programme": "OCC",
        "gate": gate,
        "held_on": held,
        "expires_on": None,
        "passed": passed,
        "outcome": None,
    }


def test_a_nato_evaluation_does_not_count_before_its_self_evaluation_is_passed():
    evaluations = [_ev("n1", "NEL1", date(2023, 3, 1)), _ev("s1", "SEL1", date(2023, 5, 1))]
    results = {r.evaluation: r for r in gate_results(evaluations, {"OCC": PROGRAMME}, date(2023, 12, 31))}
    assert results["s1"].counts
    assert not results["n1"].counts
    assert "SEL1 had not been passed" in results["n1"].status
    best = achieved(list(results.values()), {"OCC": PROGRAMME})
    assert best[("BN", "OCC")].gate == "SEL1"


def test_a_nato_evaluation_after_a_passed_self_evaluation_counts_and_raises_the_level():
    evaluations = [_ev("s1", "SEL1", date(2023, 1, 1)), _ev("n1", "NEL1", date(2023, 6, 1))]
    results = gate_results(evaluations, {"OCC": PROGRAMME}, date(2023, 12, 31))
    assert all(r.counts for r in results)
    assert achieved(results, {"OCC": PROGRAMME})[("BN", "OCC")].gate == "NEL1"


def test_a_nato_evaluation_held_the_day_its_self_evaluation_was_passed_counts_whatever_their_codes():
    # "held on or before it": the same day is in time, whichever evaluation's code sorts first.
    evaluations = [_ev("A-NEL1", "NEL1", date(2023, 1, 10)), _ev("B-SEL1", "SEL1", date(2023, 1, 10))]
    results = {r.evaluation: r for r in gate_results(evaluations, {"OCC": PROGRAMME}, date(2023, 6, 1))}
    assert results["B-SEL1"].counts
    assert results["A-NEL1"].counts, results["A-NEL1"].status
    assert achieved(list(results.values()), {"OCC": PROGRAMME})[("BN", "OCC")].gate == "NEL1"


def test_a_failed_self_evaluation_does_not_open_the_next_gate():
    evaluations = [_ev("s1", "SEL1", date(2023, 1, 1), passed=False), _ev("n1", "NEL1", date(2023, 6, 1))]
    results = {r.evaluation: r for r in gate_results(evaluations, {"OCC": PROGRAMME}, date(2023, 12, 31))}
    assert not results["s1"].counts and results["s1"].status.startswith("not passed")
    assert not results["n1"].counts


def test_a_result_three_years_old_no_longer_counts_and_says_it_expired():
    evaluations = [_ev("s1", "SEL1", date(2023, 1, 10))]
    before = gate_results(evaluations, {"OCC": PROGRAMME}, date(2026, 1, 9))[0]
    after = gate_results(evaluations, {"OCC": PROGRAMME}, date(2026, 1, 10))[0]
    assert before.counts
    assert not after.counts
    assert after.status == "expired on 2026-01-10: no longer counts"
    assert achieved([after], {"OCC": PROGRAMME})[("BN", "OCC")] is None


def test_combat_ready_only_when_every_mandatory_criterion_is_met():
    all_mandatory_met = [("a", True, True, 1.0), ("b", True, True, 1.0), ("c", False, False, 1.0)]
    one_mandatory_missed = [("a", True, True, 1.0), ("b", False, True, 1.0), ("c", True, False, 1.0)]
    assert checklist_outcome(all_mandatory_met, PROGRAMME).outcome == "combat ready"
    missed = checklist_outcome(one_mandatory_missed, PROGRAMME)
    assert missed.outcome == "not combat ready"
    assert missed.unmet_mandatory == ("b",)
    assert missed.score is None  # no invented score: the programme declares no weighted rule


def test_a_weighted_score_only_when_the_programme_declares_one():
    weighted = EvaluationProgramme("W", "weighted", nato_occ_gates(), rule="weighted", pass_score=0.75)
    criteria = [("a", True, True, 3.0), ("b", False, True, 1.0)]
    outcome = checklist_outcome(criteria, weighted)
    assert outcome.score == pytest.approx(3.0 / 4.0)
    assert outcome.passed


# A small tree: MOD → BDE → BN1, BN2; observed and target positions on each requirement's scale.
ELEMENTS = pl.DataFrame(
    {
        "code": ["MOD", "BDE", "BN1", "BN2"],
        "parent": [None, "MOD", "BDE", "BDE"],
        "domain": ["joint", "land", "land", "air"],
    }
)
TARGETS = [  # element, requirement, standard, target, weight, mandatory, observed
    ("BN1", "r1", "S1", 1.0, 1.0, True, 1.0),
    ("BN1", "r2", "S1", 2.0, 2.0, False, 1.0),
    ("BN1", "r3", "S2", 80.0, 1.0, True, 85.0),
    ("BN2", "r1", "S1", 1.0, 1.0, True, 0.0),
    ("BN2", "r4", "S2", 1.0, 3.0, False, 1.0),
    ("BDE", "r3", "S2", 80.0, 1.0, True, 40.0),
]
SUBTREE = {"MOD": {"MOD", "BDE", "BN1", "BN2"}, "BDE": {"BDE", "BN1", "BN2"}, "BN1": {"BN1"}, "BN2": {"BN2"}}


def _inputs() -> tuple[pl.DataFrame, pl.DataFrame]:
    targets = pl.DataFrame(
        [t[:6] for t in TARGETS],
        schema=["element", "requirement", "standard", "target_value", "weight", "mandatory"],
        orient="row",
    )
    assessments = pl.DataFrame(
        [(t[0], t[1], t[6], date(2024, 3, 1), None, "self-evaluation") for t in TARGETS],
        schema={
            "element": pl.Utf8,
            "requirement": pl.Utf8,
            "value": pl.Float64,
            "assessed_on": pl.Date,
            "expires_on": pl.Date,
            "method": pl.Utf8,
        },
        orient="row",
    )
    return targets, assessments


def _by_hand(element: str, rule: str) -> float:
    rows = [t for t in TARGETS if t[0] in SUBTREE[element]]
    attainment = [1.0 if obs >= tgt else obs / tgt for (_, _, _, tgt, _, _, obs) in rows]
    if rule == "lowest":
        return min(attainment)
    if rule == "weighted":
        return sum(a * t[4] for a, t in zip(attainment, rows, strict=True)) / sum(t[4] for t in rows)
    return float(all(t[6] >= t[3] for t in rows if t[5]))


@pytest.mark.parametrize("rule", ["lowest", "weighted", "all-mandatory"])
def test_each_rule_rolls_up_the_tree_as_computed_by_hand(rule):
    targets, assessments = _inputs()
    frame = rollup(prepare(ELEMENTS, targets, assessments), [date(2024, 6, 30)], rule=rule)
    got = dict(zip(frame.get_column("key"), frame.get_column("score"), strict=True))
    for element in SUBTREE:
        assert got[element] == pytest.approx(_by_hand(element, rule)), element


def test_per_domain_and_per_standard_group_the_same_targets():
    targets, assessments = _inputs()
    prep = prepare(ELEMENTS, targets, assessments)
    by_standard = rollup(prep, [date(2024, 6, 30)], rule="weighted", by="standard")
    s2 = [t for t in TARGETS if t[2] == "S2"]
    expected = sum(min(1.0, t[6] / t[3]) * t[4] for t in s2) / sum(t[4] for t in s2)
    assert by_standard.filter(pl.col("key") == "S2").get_column("score")[0] == pytest.approx(expected)
    by_domain = rollup(prep, [date(2024, 6, 30)], rule="lowest", by="domain")
    assert by_domain.get_column("targets").sum() == len(TARGETS)


def test_before_any_assessment_targets_count_as_not_met_and_unassessed():
    targets, assessments = _inputs()
    frame = rollup(prepare(ELEMENTS, targets, assessments), [date(2024, 1, 31)], rule="weighted")
    mod = frame.filter(pl.col("key") == "MOD").row(0, named=True)
    assert mod["unassessed"] == len(TARGETS) and mod["score"] == 0.0 and mod["met"] == 0


def test_an_expired_assessment_is_not_met_and_flagged_and_an_older_one_does_not_revive():
    targets, _ = _inputs()
    assessments = pl.DataFrame(
        [("BN1", "r1", 1.0, date(2023, 1, 1), None), ("BN1", "r1", 1.0, date(2023, 6, 1), date(2024, 6, 1))],
        schema={
            "element": pl.Utf8,
            "requirement": pl.Utf8,
            "value": pl.Float64,
            "assessed_on": pl.Date,
            "expires_on": pl.Date,
        },
        orient="row",
    ).with_columns(pl.lit("self-evaluation").alias("method"))
    prep = prepare(ELEMENTS, targets, assessments)
    frame = rollup(prep, [date(2024, 5, 31), date(2024, 6, 1)], rule="lowest")
    bn1 = frame.filter(pl.col("key") == "BN1").sort("date")
    assert bn1.get_column("met").to_list() == [1, 0]
    assert bn1.get_column("expired").to_list() == [0, 1]


def test_milestone_status_rules():
    on = date(2025, 6, 30)
    frame = pl.DataFrame(
        {
            "milestone": ["met", "late", "on track", "at risk", "flat"],
            "due": [
                date(2025, 1, 1),
                date(2025, 1, 1),
                date(2025, 12, 31),
                date(2025, 12, 31),
                date(2026, 6, 30),
            ],
            "targets": [10, 10, 10, 10, 10],
            "met": [10, 9, 6, 6, 9],
            # share per day: 6/10 + s × 184 days ≥ 1 needs s ≥ 0.4/184
            "slope": [0.0, 0.01, 0.45 / 184, 0.35 / 184, 0.0],
        }
    )
    got = dict(zip(frame.get_column("milestone"), statuses(frame, on).get_column("status"), strict=True))
    assert got == {
        "met": "met",
        "late": "late",
        "on track": "on track",
        "at risk": "at risk",
        "flat": "at risk",
    }


def test_the_trend_is_the_least_squares_slope_over_the_last_six_month_ends():
    dates = trend_dates(date(2025, 6, 30))
    assert len(dates) == 7 and dates[0] == date(2024, 12, 31)
    shares = np.array([[0.1 + 0.001 * (d - dates[0]).days for d in dates]])
    assert slopes(dates, shares)[0] == pytest.approx(0.001)


def test_gaps_are_listed_worst_first():
    gaps = pl.DataFrame(
        {
            "element": ["A", "B", "C", "D"],
            "requirement": ["r", "r", "r", "r"],
            "gap": [0.25, 1.0, 1.0, 0.5],
            "mandatory": [True, False, True, True],
            "weight": [1.0, 5.0, 1.0, 1.0],
        }
    )
    assert worst_first(gaps).get_column("element").to_list() == ["C", "B", "D", "A"]


def test_a_trend_that_ends_with_every_target_met_scores_exactly_1_and_r1():
    """Weights 0.1 and 0.7; A at 10 of 80, then B at 60 of 80, then both met. On the last month-end
    the weighted mean is (0.1 × 1 + 0.7 × 1) ÷ 0.8 = 1: R1, not 0.9999999999999999 and R2 from sums
    carried over the earlier months."""
    elements = pl.DataFrame(
        {"code": ["E"], "parent": [None], "domain": ["land"]},
        schema={"code": pl.Utf8, "parent": pl.Utf8, "domain": pl.Utf8},
    )
    targets = pl.DataFrame(
        {
            "element": ["E", "E"],
            "requirement": ["A", "B"],
            "standard": ["S", "S"],
            "target_value": [80.0, 80.0],
            "weight": [0.1, 0.7],
            "mandatory": [True, True],
        }
    )
    results = [("A", 10.0, date(2023, 1, 1)), ("B", 60.0, date(2023, 2, 1))]
    results += [("A", 80.0, date(2023, 3, 1)), ("B", 80.0, date(2023, 4, 1))]
    assessments = pl.DataFrame(
        {
            "element": ["E"] * 4,
            "requirement": [r for r, _, _ in results],
            "value": [v for _, v, _ in results],
            "assessed_on": [d for _, _, d in results],
            "expires_on": [None] * 4,
            "method": ["self-evaluation"] * 4,
        },
        schema_overrides={"expires_on": pl.Date},
    )
    month_ends = [date(2023, 1, 31), date(2023, 2, 28), date(2023, 3, 31), date(2023, 4, 30)]
    frame = rollup(prepare(elements, targets, assessments), month_ends, rule="weighted")
    last = frame.row(-1, named=True)
    assert (last["score"], last["level"]) == (1.0, "R1")
    # March: A met, B at 60/80 = 0.75 → (0.1 + 0.7 × 0.75) ÷ 0.8
    assert frame.get_column("score").to_list()[2] == pytest.approx((0.1 + 0.7 * 0.75) / 0.8)
