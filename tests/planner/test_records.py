"""Support packages are records like any other: imported and exported in every sections format,
refused whole with every problem located, written once."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from ltsplan.errors import InvalidInput
from ltsplan.planner import exports
from ltsplan.planner.imports import import_path
from ltsplan.planner.model import PACKAGE_RECORDS
from ltsplan.store.db import Database

from .conftest import FIXTURES


def _counts(db: Database) -> dict[str, int]:
    with db.reading() as connection:
        return {
            r.name: connection.execute(select(func.count()).select_from(r.table)).scalar_one()
            for r in PACKAGE_RECORDS
        }


@pytest.mark.parametrize("suffix", ["yaml", "json", "xlsx", "csv"])
def test_an_export_imported_again_changes_nothing(offered: Database, tmp_path: Path, suffix: str) -> None:
    before = _counts(offered)
    count, written = exports.export_path(offered, tmp_path / f"packages.{suffix}")
    assert count == sum(before.values()) == 5 + 5 + 1
    target = written[0].parent if suffix == "csv" else written[0]
    again = import_path(offered, target)
    assert again.total.inserted == 0 and again.total.revised == 0
    assert again.total.unchanged == count
    assert _counts(offered) == before


def test_reimporting_the_same_file_changes_nothing(offered: Database) -> None:
    again = import_path(offered, FIXTURES / "packages.yaml")
    assert (again.total.inserted, again.total.revised, again.total.unchanged) == (0, 0, 11)


BAD = """\
packages:
  - {code: TRN-9, name: Course without seats, donor: DEU, kind: training, available_from: 2027-01-01, months: 2}
  - {code: EQ-9, name: Batch, donor: GBR, kind: equipment, available_from: 2027-01-01, quantity: 2, seats: 3}
  - {code: FUND-9, name: Small fund, donor: NOR, kind: funds, available_from: 2027-01-01, budget_per_year: 100}
  - {code: EQ-8, name: Dear batch, donor: USA, kind: equipment, available_from: 2027-01-01, quantity: 1, cost: 500, funded_by: FUND-9}
  - {code: EQ-7, name: Paid by a batch, donor: USA, kind: equipment, available_from: 2027-01-01, quantity: 1, cost: 5, funded_by: EQ-9}
raises:
  - {package: EQ-9, standard: STANAG 9101, requirement: R1, amount: 2}
  - {package: EQ-9, standard: STANAG 9101, requirement: R9, amount: 1}
  - {package: NOPE, standard: STANAG 9101, requirement: R3, amount: 10}
prerequisites:
  - {package: EQ-9, requires: EQ-8}
  - {package: EQ-8, requires: EQ-9}
"""


def test_a_file_with_problems_writes_nothing_and_names_each(programme: Database, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(BAD, encoding="utf-8")
    with pytest.raises(InvalidInput) as raised:
        import_path(programme, path)
    said = {(p.line, p.field, p.message) for p in raised.value.problems}
    assert all(p.file == str(path) for p in raised.value.problems)
    assert (2, "seats", "a training package needs seats") in said
    assert (3, "seats", "only a training package has seats, not an equipment one") in said
    assert (5, "cost", "costs 500 an element and fund FUND-9 has 100 a year: it can never be paid") in said
    assert (6, "funded_by", "'EQ-9' is an equipment package, not a fund") in said
    assert (8, "amount", "'2' is not a raise of a met/not-met requirement; give 1 (met)") in said
    assert (9, "requirement", "the catalogue has no requirement 'R9' in standard 'STANAG 9101'") in said
    assert (10, "package", "no support package with code 'NOPE'") in said
    cycle = [p for p in raised.value.problems if p.field == "requires"]
    assert {p.line for p in cycle} == {12, 13} and all("cycle" in p.message for p in cycle)
    assert sum(_counts(programme).values()) == 0


def test_skip_invalid_writes_the_rest_and_reports_the_skipped(programme: Database, tmp_path: Path) -> None:
    path = tmp_path / "some-bad.yaml"
    path.write_text(
        "packages:\n"
        "  - {code: OK-1, name: Good batch, donor: GBR, kind: equipment, available_from: 2027-01-01, quantity: 1}\n"
        "  - {code: BAD-1, name: Bad batch, donor: GBR, kind: equipment, available_from: 2027-01-01}\n",
        encoding="utf-8",
    )
    written = import_path(programme, path, skip_invalid=True, report_dir=tmp_path)
    assert written.total.inserted == 1
    assert written.report is not None
    report = written.report.read_text()
    assert ",3,," in report and "quantity" in report and "an equipment package needs quantity" in report


@pytest.mark.parametrize(
    ("weight", "message"),
    [
        # a negative weight would make every plan keep that target short on purpose
        ("-1", "'-1' is not a weight of 0 or more"),
        # YAML's .nan is a value and no number: read as blank, it had passed as "no weight"
        (".nan", "'NaN' is not a number (write it like 1250000 or -3.5)"),
    ],
)
def test_a_target_weight_that_is_no_weight_is_refused_before_any_plan(
    programme: Database, tmp_path: Path, weight: str, message: str
) -> None:
    """The readiness file giving it is refused at its line and field, and nothing is written."""
    from ltsplan.readiness.imports import import_path as import_readiness
    from ltsplan.readiness.model import target

    path = tmp_path / "weights.yaml"
    path.write_text(
        "targets:\n"
        f"  - {{element: BN1, standard: STANAG 9101, requirement: R1, level: met, due: 2027-06-30, weight: {weight}}}\n"
        "  - {element: BN2, standard: STANAG 9101, requirement: R1, level: met, due: 2027-06-30, weight: 0}\n",
        encoding="utf-8",
    )
    with programme.reading() as connection:
        before = connection.execute(select(target.c.weight, target.c.version)).all()
    with pytest.raises(InvalidInput) as raised:
        import_readiness(programme, path)
    said = [(p.file, p.line, p.field, p.message) for p in raised.value.problems]
    assert said == [(str(path), 2, "weight", message)]
    with programme.reading() as connection:
        assert connection.execute(select(target.c.weight, target.c.version)).all() == before
