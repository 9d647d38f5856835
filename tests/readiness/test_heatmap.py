"""The readiness pictures for the pages: the element × standard heatmap with its rule named, and an
element's grid of targets (element × requirement) over the set its rolled-up score covers — from
the test programme in a real database (SQLite, and PostgreSQL when given)."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pytest

from ltsplan.errors import NotFound
from ltsplan.readiness import charts
from ltsplan.readiness.reports import RULE_TEXT, heatmap_report, rollup_report
from ltsplan.readiness.rollup import subtree
from ltsplan.store.db import Database

ON = date(2024, 6, 30)


def values(spec: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = spec["data"]["values"]
    return found


def link(code: str) -> str:
    return f"/readiness/elements/{code}"


def test_a_subtree_is_the_element_and_everything_below_it() -> None:
    # 0 ← 1 ← 2, 0 ← 3, and 4 on its own
    parent = np.array([-1, 0, 1, 0, -1])
    assert subtree(parent, 0).tolist() == [True, True, True, True, False]
    assert subtree(parent, 1).tolist() == [False, True, True, False, False]
    assert subtree(parent, 4).tolist() == [False, False, False, False, True]


def test_the_grid_has_one_cell_per_element_and_requirement_of_the_subtree(programme: Database) -> None:
    with programme.reading() as c:
        report = charts.target_grid(c, "BDE", on=ON)
    spec = charts.target_grid_spec(report, link)
    assert spec is not None
    cells = values(spec)
    # the programme's targets under BDE: BDE R3; BN1 R1, R2, R3; BN2 R1, R4 (MOD's are above it)
    expected = {
        ("BDE", "STANAG 9001 R3"),
        ("BN1", "STANAG 9001 R1"),
        ("BN1", "STANAG 9001 R2"),
        ("BN1", "STANAG 9001 R3"),
        ("BN2", "STANAG 9001 R1"),
        ("BN2", "AJP-9 R4"),
    }
    assert [(v["element"], v["label"]) for v in cells] == sorted(
        expected, key=lambda pair: (["BDE", "BN1", "BN2"].index(pair[0]), pair[1])
    )
    # exactly the targets the brigade's rolled-up figures count
    with programme.reading() as c:
        rolled = rollup_report(c, on=ON).frame
    rolled = rolled.filter(rolled["element"] == "BDE")
    assert rolled["targets"][0] == len(cells)
    assert rolled["met"][0] == sum(1 for v in cells if v["met"])
    # each cell marked in text as well as colour, and leading to its element
    by_cell = {(v["element"], v["label"]): v for v in cells}
    assert by_cell[("BN1", "STANAG 9001 R1")]["symbol"] == "✓"
    assert by_cell[("BN2", "STANAG 9001 R1")]["symbol"] == ""  # assessed, not met
    assert by_cell[("BN1", "STANAG 9001 R2")]["attainment"] == pytest.approx(0.5)  # basic of full
    assert all(v["href"] == link(v["element"]) for v in cells)
    assert spec["encoding"]["y"]["sort"] == ["BDE", "BN1", "BN2"]


def test_the_grid_names_the_rule_its_element_is_scored_under(programme: Database) -> None:
    for rule in RULE_TEXT:
        with programme.reading() as c:
            report = charts.target_grid(c, "BN1", rule=rule, on=ON)
        spec = charts.target_grid_spec(report)
        assert spec is not None
        assert report.params["rule"] == rule
        subtitle = " ".join(spec["title"]["subtitle"])
        assert RULE_TEXT[rule].split(":")[0] in subtitle


def test_an_unassessed_target_is_marked_with_a_question_mark(programme: Database) -> None:
    with programme.reading() as c:
        report = charts.target_grid(c, "BN1", on=date(2023, 2, 1))  # before R2 was ever assessed
    spec = charts.target_grid_spec(report)
    assert spec is not None
    marks = {v["label"]: (v["state"], v["symbol"]) for v in values(spec)}
    assert marks["STANAG 9001 R2"] == ("unassessed", "?")


def test_an_unknown_element_is_not_found(programme: Database) -> None:
    with programme.reading() as c, pytest.raises(NotFound, match="no force element 'NOPE'"):
        charts.target_grid(c, "NOPE")


def test_the_heatmap_has_one_cell_per_element_and_standard_with_the_rule_named(programme: Database) -> None:
    with programme.reading() as c:
        report = heatmap_report(c, rule="lowest", on=ON)
    spec = charts.heatmap_spec(report, link)
    assert spec is not None
    cells = values(spec)
    pairs = [(v["element"], v["standard"]) for v in cells]
    assert len(pairs) == len(set(pairs)) == report.frame.height
    assert set(pairs) == {
        ("BDE", "STANAG 9001"),
        ("BN1", "STANAG 9001"),
        ("BN2", "STANAG 9001"),
        ("BN2", "AJP-9"),
    }
    assert "lowest-of" in " ".join(spec["title"]["subtitle"])
    assert spec["layer"][0]["encoding"]["color"]["title"] == "score (lowest)"
    # the score is written in each cell too: BN1's lowest attainment on STANAG 9001 is R2's basic of full
    bn1 = next(v for v in cells if v["element"] == "BN1")
    assert bn1["text"] == "50"
