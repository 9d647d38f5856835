"""Readiness through the store, on SQLite and PostgreSQL: import (all or nothing), round-trips,
the roll-up with overrides and mission capability beside it, expiry, milestones and gaps."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
import yaml
from sqlalchemy import func, select

from ltsplan.errors import InvalidInput
from ltsplan.readiness import evaluations, imports, roadmap
from ltsplan.readiness import reports as service
from ltsplan.readiness.exports import export_path
from ltsplan.readiness.imports import import_path
from ltsplan.readiness.model import RECORDS
from ltsplan.store.db import Database

from .conftest import FIXTURES

PROGRAMME = yaml.safe_load((FIXTURES / "programme.yaml").read_text())


def _counts(db: Database) -> dict[str, int]:
    with db.reading() as connection:
        return {
            name: connection.execute(
                select(func.count()).select_from(t).where(t.c.retracted_at.is_(None))
            ).scalar_one()
            for name, t in ((r.name, r.table) for r in RECORDS)
        }


def test_a_file_with_bad_rows_lists_every_problem_and_writes_nothing(catalogue):
    with pytest.raises(InvalidInput) as raised:
        import_path(catalogue, FIXTURES / "bad.yaml")
    problems = raised.value.problems
    where = {(p.line, p.field) for p in problems}
    assert (2, "kind") in where  # not an element kind
    assert (4, "due") in where  # 2024-13-01 is not a date
    assert (5, "level") in where  # 'superb' is not on the ordinal scale
    assert (7, "method") in where  # not a method
    assert all(p.file and p.file.endswith("bad.yaml") for p in problems)
    messages = " ".join(p.message for p in problems)
    assert "no force element with code 'NOWHERE'" in messages
    assert set(_counts(catalogue).values()) == {0}


def test_a_validity_pass_score_or_expiry_that_cannot_be_is_refused_at_its_line(programme, tmp_path: Path):
    """A result valid for -5 months would expire before it was held; a pass score is a share from 0
    to 1 (7 never passes, -1 passes an empty-handed checklist); a result cannot expire before the day
    it was found. Each is refused at its line and field, and nothing is written."""
    before = _counts(programme)
    hostile = tmp_path / "hostile.yaml"
    hostile.write_text(
        "programmes:\n"
        "  - {code: P2, name: p, gates: 'SEL1:self-evaluation:1', validity_months: -5}\n"
        "  - {code: P3, name: p, gates: 'SEL1:self-evaluation:1', validity_months: 0}\n"
        "  - {code: P5, name: p, gates: 'SEL1:self-evaluation:1', rule: weighted, pass_score: 7}\n"
        "  - {code: P6, name: p, gates: 'SEL1:self-evaluation:1', rule: weighted, pass_score: -1}\n"
        "evaluations:\n"
        "  - {code: E2, element: BN1, programme: OCC, gate: SEL1, held_on: 2023-01-10, evaluator: x,"
        " expires_on: 2023-01-09}\n"
        "assessments:\n"
        "  - {element: BN1, standard: STANAG 9001, requirement: R1, observed: met, assessed_on: 2023-01-12,"
        " assessor: s, method: self-evaluation, expires_on: 2023-01-01}\n"
    )
    with pytest.raises(InvalidInput) as raised:
        import_path(programme, hostile)
    where = {(p.line, p.field) for p in raised.value.problems}
    assert where == {
        (2, "validity_months"),
        (3, "validity_months"),
        (4, "pass_score"),
        (5, "pass_score"),
        (7, "expires_on"),
        (9, "expires_on"),
    }
    assert all(p.file and p.file.endswith("hostile.yaml") for p in raised.value.problems)
    assert _counts(programme) == before


def test_reimporting_the_same_file_changes_nothing(programme):
    before = _counts(programme)
    results = import_path(programme, FIXTURES / "programme.yaml")
    assert all(r.inserted == 0 and r.revised == 0 for r in results.results.values())
    assert _counts(programme) == before
    assert before["target"] == len(PROGRAMME["targets"])


@pytest.mark.parametrize("suffix", [".yaml", ".json", ".xlsx", ""])
def test_export_then_import_round_trips(programme, tmp_path: Path, suffix: str):
    target = tmp_path / f"export{suffix}" if suffix else tmp_path / "csv"
    count, written = export_path(programme, target)
    assert count == sum(len(v) for v in PROGRAMME.values())
    results = import_path(programme, target)
    assert sum(r.inserted + r.revised for r in results.results.values()) == 0
    assert sum(r.unchanged for r in results.results.values()) == count
    assert written


def _rows(report) -> dict[str, dict]:
    key = report.frame.columns[0]
    return {r[key]: r for r in report.records()}


def test_the_rollup_follows_the_programme_rule_and_rolls_up_the_tree(programme):
    with programme.reading() as connection:
        report = service.rollup_report(connection, on=date(2024, 6, 30))
    assert report.params["rule"] == "all-mandatory"
    rows = _rows(report)
    # BN1: mandatory R1 met, R3 last seen 70 < 80 (EV-2) → not ready; BN2: R1 not met → not ready.
    assert rows["BN1"]["computed_level"] == "not ready"
    assert rows["BN2"]["mandatory_met"] == 0
    assert rows["BDE"]["targets"] == rows["BN1"]["targets"] + rows["BN2"]["targets"] + 1
    assert rows["MOD"]["targets"] == len(PROGRAMME["targets"])


def test_an_override_is_shown_beside_the_computed_level_and_capability_apart(programme):
    with programme.reading() as connection:
        rows = _rows(service.rollup_report(connection, rule="weighted", on=date(2024, 6, 30)))
    bn2 = rows["BN2"]
    # computed from the inputs: R1 (weight 1) not met, R4 (weight 3) met → 3/4
    assert bn2["score"] == pytest.approx(0.75)
    assert bn2["computed_level"] == "R2"
    assert bn2["override_level"] == "R2" and bn2["override_reason"] == "New kit fielded since the assessment"
    assert bn2["mission_capability"] == "qualified"
    # before the override's date it is not shown; the computed level does not change with it
    with programme.reading() as connection:
        early = _rows(service.rollup_report(connection, rule="weighted", on=date(2024, 2, 15)))["BN2"]
    assert early["override_level"] is None and early["score"] == bn2["score"]


def test_recording_an_override_keeps_the_computed_level(programme):
    imports.record_override(
        programme, element="BN1", level="R1", reason="judged ready", by="CO", valid_from=date(2024, 1, 1)
    )
    with programme.reading() as connection:
        bn1 = _rows(service.rollup_report(connection, rule="lowest", on=date(2024, 6, 30)))["BN1"]
    assert bn1["override_level"] == "R1"
    assert bn1["computed_level"] != "R1"


def test_an_override_from_the_command_line_meets_the_rules_of_a_file(programme):
    """A command-line edit takes the import's path: the same checks, the same messages."""
    with pytest.raises(InvalidInput) as raised:
        imports.record_override(
            programme, element="NOWHERE", level="R9", reason=" ", by="CO", valid_from=date(2024, 1, 1)
        )
    fields = {p.field: p.message for p in raised.value.problems}
    assert fields["level"].startswith("'R9' is not allowed; use one of R1")
    assert fields["reason"] == "'reason' is required"
    with pytest.raises(InvalidInput) as unknown:
        imports.record_override(
            programme, element="NOWHERE", level="R2", reason="x", by="CO", valid_from=date(2024, 1, 1)
        )
    assert [p.message for p in unknown.value.problems] == ["no force element with code 'NOWHERE'"]


def test_three_years_later_the_evaluation_has_expired_and_the_view_says_so(programme):
    with programme.reading() as connection:
        then = evaluations.evaluations_report(connection, on=date(2025, 12, 31))
        later = evaluations.evaluations_report(connection, on=date(2026, 4, 10))
        rollup = _rows(service.rollup_report(connection, on=date(2026, 4, 10)))
    sel1_then = then.frame.filter(pl.col("gate") == "SEL1").row(0, named=True)
    assert sel1_then["counts"] and sel1_then["outcome"] == "combat ready"
    sel1 = later.frame.filter(pl.col("gate") == "SEL1").row(0, named=True)
    assert not sel1["counts"] and sel1["status"].startswith("expired on 2026-01-10")
    assert "expired" in rollup["BN1"]["evaluation"]
    # BN1's R1 and R3 results belong to the expired evaluations: they no longer count
    assert rollup["BN1"]["expired"] == 2


def test_the_nato_evaluation_checklist_outcome_and_gate(programme):
    with programme.reading() as connection:
        frame = evaluations.evaluations_report(connection, on=date(2024, 1, 1)).frame
    nel1 = frame.filter(pl.col("gate") == "NEL1").row(0, named=True)
    # R3 observed 70 against target 80 is an unmet mandatory criterion
    assert nel1["outcome"] == "not combat ready" and "R3" in nel1["unmet_mandatory"]
    assert not nel1["counts"]


def test_as_of_a_past_date_shows_what_was_known_then(programme):
    with programme.reading() as connection:
        report = service.rollup_report(
            connection, moment=__import__("ltsplan.store.time", fromlist=["as_of"]).as_of(date(2000, 1, 1))
        )
    assert report.frame.is_empty()


def test_milestone_status_and_gaps_worst_first(programme):
    with programme.reading() as connection:
        ms = _rows(roadmap.milestones_report(connection, on=date(2025, 1, 15)))
        gaps = roadmap.gaps_report(connection, milestone="M2", on=date(2025, 1, 15)).frame
    assert ms["M1"]["status"] == "late"  # due 2024-12-31, not every target met
    assert ms["M2"]["targets"] == 3
    assert gaps.get_column("gap").to_list() == sorted(gaps.get_column("gap").to_list(), reverse=True)
    first = gaps.row(0, named=True)
    # BDE's R3: 40 of 80 (gap 0.5) comes before BN1's R3 at 70 of 80 (gap 0.125)
    assert (first["element"], first["requirement"]) == ("BDE", "R3")
    assert first["gap"] == pytest.approx(0.5)


@pytest.mark.parametrize("observed", [68, 72, 76, 79, 11, 33])
def test_a_gap_is_the_exact_shortfall_without_float_residue(programme, tmp_path: Path, observed: int):
    """Below a target of 80 %, the gap is (80 − observed) / 80 as nearly as a float can say it:
    1 − 68/80 in floats is 0.15000000000000002, which an export would carry to its reader."""
    from fractions import Fraction

    later = tmp_path / "later.yaml"
    later.write_text(
        yaml.safe_dump(
            {
                "assessments": [
                    {
                        "element": "BN1",
                        "standard": "STANAG 9001",
                        "requirement": "R3",
                        "observed": observed,
                        "assessed_on": date(2024, 6, 1),
                        "assessor": "BN1 staff",
                        "method": "self-evaluation",
                    }
                ]
            }
        )
    )
    import_path(programme, later)
    with programme.reading() as connection:
        gaps = roadmap.gaps_report(connection, milestone="M2", on=date(2024, 6, 2)).frame
    row = gaps.filter((pl.col("element") == "BN1") & (pl.col("requirement") == "R3")).row(0, named=True)
    assert row["gap"] == float(Fraction(80 - observed, 80))
    assert row["attainment"] == float(Fraction(observed, 80))


def test_the_first_and_last_days_of_the_calendar_are_answered(programme):
    """Any date is a valid --on: the trend and burn-up up to 9999-12-31 end on that day (there is no
    month after it), and the milestones seen in January of the year 1 have no month-ends before."""
    first, last = date(1, 1, 15), date(9999, 12, 31)
    with programme.reading() as connection:
        trend = service.trend_report(connection, start=date(9999, 6, 1), on=last, keys=["MOD"]).frame
        burnup = roadmap.burnup_report(connection, on=last).frame
        early = _rows(roadmap.milestones_report(connection, on=first))
        late = _rows(roadmap.milestones_report(connection, on=last))
    assert trend.get_column("date").to_list()[-2:] == [date(9999, 11, 30), last]
    assert trend.get_column("targets").to_list()[-1] == len(PROGRAMME["targets"])
    assert burnup.get_column("date").max() == last
    # M1's three targets: nothing assessed in the year 1; by 9999 past due, BN2's R1 still not met
    assert (early["M1"]["met"], early["M1"]["targets"], early["M1"]["status"]) == (0, 3, "at risk")
    assert late["M1"]["status"] == "late"


def test_an_evaluation_whose_validity_runs_past_the_calendar_counts_without_an_expiry(
    programme, tmp_path: Path
):
    """Held 9998-06-10 with 36 months' validity, the result would expire in
    the year 10001; it counts to the calendar's end, and every view still answers."""
    late = tmp_path / "late.yaml"
    late.write_text(
        yaml.safe_dump(
            {
                "evaluations": [
                    {
                        "code": "EV-LATE",
                        "element": "BN1",
                        "programme": "OCC",
                        "gate": "SEL1",
                        "held_on": date(9998, 6, 10),
                        "evaluator": "BN1 commander",
                    }
                ],
                "assessments": [
                    {
                        "element": "BN1",
                        "standard": "STANAG 9001",
                        "requirement": "R1",
                        "observed": "met",
                        "assessed_on": date(9998, 6, 10),
                        "assessor": "BN1 staff",
                        "method": "self-evaluation",
                        "evaluation": "EV-LATE",
                    }
                ],
            }
        )
    )
    import_path(programme, late)
    with programme.reading() as connection:
        row = (
            evaluations.evaluations_report(connection, on=date(9999, 12, 31))
            .frame.filter(pl.col("evaluation") == "EV-LATE")
            .row(0, named=True)
        )
        bn1 = _rows(service.rollup_report(connection, on=date(9999, 12, 31)))["BN1"]
    assert row["counts"] and row["expires_on"] is None
    assert bn1["evaluation"] == "SEL1 (OCC)"
    # R1's result of 9998 counts (its evaluation has not expired); R3's last one belonged to EV-2 (2023)
    assert bn1["expired"] == 1 and bn1["met"] == 1


@pytest.mark.parametrize("day", [date(1, 1, 15), date(9999, 12, 31)])
def test_the_burn_up_chart_is_drawn_to_the_first_and_last_days_of_the_calendar(
    programme, tmp_path: Path, day: date
):
    """From 2023 to 9999, or from the year 1 to the milestones of 2024-2025: the chart's margins
    must not reach a year the calendar does not have."""
    from ltsplan.readiness import charts

    with programme.reading() as connection:
        report = roadmap.burnup_report(connection, on=day)
    png, svg = charts.burnup(report, tmp_path / "burnup.png")
    assert png.stat().st_size > 0 and svg.stat().st_size > 0


def test_findings_as_of_a_day_name_their_requirement_and_count_an_action_closed_later_as_overdue(
    programme, tmp_path: Path
):
    """F-2 is on AJP-9 R5, a requirement no element has a target for: the finding still names its
    standard and requirement. CA-2, due 2024-03-31 and done on 2024-06-15, was open and overdue on
    2024-05-01 (as the gaps count it open then), and is neither after it was closed."""
    from ltsplan.standards.imports import import_files

    extra = tmp_path / "extra.yaml"
    extra.write_text(
        "requirements:\n  - {designator: AJP-9, code: R5, text: Posts reported, measure: binary}\n"
    )
    import_files(programme, [extra])
    later = tmp_path / "later.yaml"
    later.write_text(
        "findings:\n"
        "  - {code: F-2, element: BN2, standard: AJP-9, requirement: R5, raised_on: 2024-02-01,"
        " text: Posts not reported}\n"
        "actions:\n"
        "  - {code: CA-2, finding: F-2, description: Report posts, owner: BN2 S1, due: 2024-03-31,"
        " status: done, closed_on: 2024-06-15}\n"
    )
    import_path(programme, later)
    with programme.reading() as connection:
        then = evaluations.findings_report(connection, on=date(2024, 5, 1)).frame
        after = evaluations.findings_report(connection, on=date(2024, 7, 1)).frame
        open_then = evaluations.findings_report(connection, on=date(2024, 5, 1), open_only=True).frame
    row = then.filter(pl.col("finding") == "F-2").row(0, named=True)
    assert (row["standard"], row["requirement"]) == ("AJP-9", "R5")
    assert row["overdue"] is True
    assert after.filter(pl.col("finding") == "F-2").get_column("overdue").to_list() == [False]
    assert "CA-2" in open_then.get_column("action").to_list()


def test_findings_seen_on_a_day_are_those_raised_by_then(programme):
    """F-1 was raised on 2023-04-10: the day before, there was nothing to list; on the day, it is."""
    with programme.reading() as connection:
        before = evaluations.findings_report(connection, on=date(2023, 4, 9)).frame
        on_the_day = evaluations.findings_report(connection, on=date(2023, 4, 10)).frame
    assert "F-1" not in before.get_column("finding").to_list()
    assert "F-1" in on_the_day.get_column("finding").to_list()
    assert (before.get_column("raised_on") <= date(2023, 4, 9)).all()
