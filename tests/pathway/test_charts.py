"""The pathway's pictures: the member × decision grid, the timeline of changes of position, who
holds a decision up — built from a small scenario document imported into a real database (SQLite,
and PostgreSQL when given), and from the June 2023 demonstration scenario."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ltsplan.config import Settings
from ltsplan.errors import NotFound
from ltsplan.pathway import charts
from ltsplan.pathway import demo as demo_pathway
from ltsplan.pathway import reports as pathway_reports
from ltsplan.pathway.imports import import_scenario
from ltsplan.server import create_app
from ltsplan.store.db import Database
from ltsplan.store.time import as_of

# Members: USA, DEU, FRA from 1949; POL from 2024-03-01. RUS never (its position never counts).
# DEU goes undecided → oppose, then restates its opposition (not a change); FRA states a condition.
SCENARIO = """\
format: ltsplan-scenario/1
sources:
  - {key: s, kind: news report, title: Test report, publisher: Test wire, published: 2024-01-01,
     attribution: on the record, grade: B2}
bodies:
  - {code: ALLIANCE, name: Test alliance, rule: consensus, silence: no position, sources: [s]}
memberships:
  - {body: ALLIANCE, members: [USA, DEU, FRA], from: 1949-08-24, sources: [s]}
  - {body: ALLIANCE, member: POL, from: 2024-03-01, sources: [s]}
decisions:
  - {code: admit, body: ALLIANCE, title: Admit a new member, kind: invite to membership, due: 2024-06-01,
     sources: [s]}
  - {code: fund, body: ALLIANCE, title: Fund a programme, kind: approve programme, due: 2024-09-01,
     sources: [s]}
positions:
  - {decision: admit, actor: USA, stance: support, date: 2024-01-10, sources: [s]}
  - {decision: admit, actor: DEU, stance: undecided, date: 2024-01-10, sources: [s]}
  - {decision: admit, actor: DEU, stance: oppose, date: 2024-02-01, sources: [s]}
  - {decision: admit, actor: DEU, stance: oppose, date: 2024-03-01, sources: [s]}
  - {decision: admit, actor: FRA, stance: conditional, conditions: after reform X, date: 2024-02-15,
     sources: [s]}
  - {decision: admit, actor: RUS, stance: oppose, date: 2024-01-05, sources: [s]}
  - {decision: admit, actor: POL, stance: support, date: 2024-03-05, sources: [s]}
  - {decision: fund, actor: USA, stance: support, date: 2024-01-10, sources: [s]}
"""
JUDGED = date(2024, 6, 30)
# The changes of position the scenario holds: every position but DEU's restated opposition.
CHANGES = {
    ("admit", "USA", date(2024, 1, 10)),
    ("admit", "DEU", date(2024, 1, 10)),
    ("admit", "DEU", date(2024, 2, 1)),
    ("admit", "FRA", date(2024, 2, 15)),
    ("admit", "RUS", date(2024, 1, 5)),
    ("admit", "POL", date(2024, 3, 5)),
    ("fund", "USA", date(2024, 1, 10)),
}


@pytest.fixture
def scenario(db: Database, tmp_path: Path) -> Database:
    path = tmp_path / "scenario.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    import_scenario(db, path)
    return db


def link(code: str) -> str:
    return f"/pathway/decisions/{code}"


def cells(spec: dict[str, Any]) -> list[dict[str, Any]]:
    values: list[dict[str, Any]] = spec["data"]["values"]
    return values


def test_the_grid_has_one_cell_per_member_and_decision_labelled_with_its_position(scenario: Database) -> None:
    with scenario.reading() as c:
        report = charts.position_grid(c, None, JUDGED)
    spec = charts.grid_spec(report, link)
    assert spec is not None
    drawn = {(v["actor"], v["decision"]): v for v in cells(spec)}
    assert len(drawn) == len(cells(spec))  # one cell each
    members = {"USA", "DEU", "FRA", "POL"}
    assert set(drawn) == {(m, d) for m in members for d in ("admit", "fund")} | {("RUS", "admit")}
    expected = {
        ("USA", "admit"): "support",
        ("DEU", "admit"): "oppose",
        ("FRA", "admit"): "conditional",
        ("POL", "admit"): "support",
        ("USA", "fund"): "support",
        ("DEU", "fund"): "no position",
    }
    for key, stance in expected.items():
        assert drawn[key]["stance"] == stance
        assert drawn[key]["text"].endswith(stance)  # colour is not the only cue: the words are written
        assert drawn[key]["href"] == link(key[1])
    # a non-member's position is shown in parentheses and marked as not counting
    assert drawn[("RUS", "admit")]["text"].startswith("(") and not drawn[("RUS", "admit")]["counts"]
    # the legend and the colours name every position, in the grid's order
    colour = spec["layer"][0]["encoding"]["color"]
    assert colour["scale"]["domain"] == list(charts.STANCES)


def test_since_is_the_date_a_position_changed_not_the_date_it_was_restated(scenario: Database) -> None:
    with scenario.reading() as c:
        report = charts.position_grid(c, None, JUDGED)
    deu = report.frame.filter((report.frame["actor"] == "DEU") & (report.frame["decision"] == "admit")).row(
        0, named=True
    )
    assert deu["since"] == date(2024, 2, 1)
    assert deu["stated"] == date(2024, 3, 1)


def test_the_grid_on_an_earlier_day_shows_the_positions_and_members_of_that_day(scenario: Database) -> None:
    with scenario.reading() as c:
        report = charts.position_grid(c, None, date(2024, 1, 20))
    rows = {(r["actor"], r["decision"]): r["stance"] for r in report.frame.iter_rows(named=True)}
    assert rows[("DEU", "admit")] == "undecided"
    assert rows[("FRA", "admit")] == "no position"
    assert ("POL", "admit") not in rows  # not yet a member, and had said nothing


def test_the_timeline_has_one_point_per_change(scenario: Database) -> None:
    with scenario.reading() as c:
        report = charts.position_changes(c, None, JUDGED)
    assert {(r["decision"], r["actor"], r["date"]) for r in report.frame.iter_rows(named=True)} == CHANGES
    assert report.frame.height == len(CHANGES)
    spec = charts.timeline_spec(report, link)
    assert spec is not None
    panels = spec["vconcat"]
    assert [p["title"]["text"] for p in panels] == ["admit", "fund"]
    points = [v for p in panels for v in p["data"]["values"]]
    assert Counter((v["decision"], v["actor"], v["date"]) for v in points) == Counter(
        (d, a, day.isoformat()) for d, a, day in CHANGES
    )
    assert all(p["layer"][1]["mark"]["type"] == "point" for p in panels)
    # DEU's undecided held until its opposition; its opposition until the day judged
    deu = sorted((v["date"], v["until"]) for v in points if v["actor"] == "DEU")
    assert deu == [("2024-01-10", "2024-02-01"), ("2024-02-01", JUDGED.isoformat())]
    # RUS was never a member: its line is the dashed one
    assert not next(v for v in points if v["actor"] == "RUS")["counts"]


def test_one_decisions_timeline_is_a_single_panel(scenario: Database) -> None:
    with scenario.reading() as c:
        report = charts.position_changes(c, None, JUDGED, decision="admit")
        with pytest.raises(NotFound, match="no decision 'nope'"):
            charts.position_changes(c, None, JUDGED, decision="nope")
    spec = charts.timeline_spec(report)
    assert spec is not None and "vconcat" not in spec
    assert len(spec["data"]["values"]) == sum(1 for d, _, _ in CHANGES if d == "admit")


def test_holdouts_name_the_blocker_since_when_and_the_condition(scenario: Database) -> None:
    with scenario.reading() as c:
        grid = charts.position_grid(c, None, JUDGED)
    held = charts.holdouts(grid, "admit").frame.to_dicts()
    assert [(r["actor"], r["stance"], r["since"], r["conditions"]) for r in held] == [
        ("DEU", "oppose", date(2024, 2, 1), None),
        ("FRA", "conditional", date(2024, 2, 15), "after reform X"),
    ]


def test_an_empty_pathway_draws_nothing(db: Database) -> None:
    with db.reading() as c:
        assert charts.grid_spec(charts.position_grid(c, None)) is None
        assert charts.timeline_spec(charts.position_changes(c, None)) is None


def test_the_grid_agrees_with_the_consensus_on_every_decision_of_the_june_2023_scenario(db: Database) -> None:
    demo_pathway.load(db)
    columns = {
        "support": "supporters",
        "oppose": "blockers",
        "conditional": "conditional",
        "undecided": "undecided",
        "no position": "no_position",
    }
    for moment in (as_of(date(2023, 6, 14)), None):
        with db.reading() as c:
            grid = charts.position_grid(c, moment)
            decisions = pathway_reports.decisions(c, moment)
        assert set(grid.frame["decision"]) == set(decisions.frame["decision"])
        for row in decisions.frame.iter_rows(named=True):
            members = grid.frame.filter((grid.frame["decision"] == row["decision"]) & grid.frame["counts"])
            assert members.height == row["members"]
            for stance, column in columns.items():
                named = {a for a in (row[column] or "").split(", ") if a}
                assert set(members.filter(members["stance"] == stance)["actor"]) == named, (
                    row["decision"],
                    stance,
                )


@pytest.fixture
def client(scenario: Database) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=scenario.url), database=scenario)
    with TestClient(app) as test_client:
        yield test_client


def test_a_decisions_page_names_who_blocks_it_and_since_when(client: TestClient) -> None:
    page = client.get("/pathway/decisions/admit", params={"on": JUDGED.isoformat()})
    assert page.status_code == 200
    assert "opposing since 2024-02-01" in page.text
    assert "after reform X" in page.text
    assert 'class="vega-spec"' in page.text  # the timeline
    assert client.get("/pathway/decisions/nope").status_code == 404


def spec_in(page: str, picture: str) -> dict[str, Any]:
    """The Vega-Lite spec of the picture in section ``picture`` of an HTML page."""
    section = page.split(f'id="{picture}"', 1)[1]
    text = section.split('class="vega-spec">', 1)[1].split("</script>", 1)[0]
    found: dict[str, Any] = json.loads(text)
    return found


def test_the_decisions_page_draws_the_grid_and_the_timeline_from_every_row(client: TestClient) -> None:
    page = client.get("/pathway/decisions", params={"per_page": 1, "on": JUDGED.isoformat()})
    assert page.status_code == 200
    assert len(cells(spec_in(page.text, "position-grid"))) == 9  # not the one row of the table shown
    timeline = spec_in(page.text, "position-timeline")
    assert sum(len(p["data"]["values"]) for p in timeline["vconcat"]) == len(CHANGES)
    # a filter on a column the pictures have narrows them too
    only = client.get("/pathway/decisions", params={"decision": "fund", "on": JUDGED.isoformat()})
    assert {v["decision"] for v in cells(spec_in(only.text, "position-grid"))} == {"fund"}
    rows = client.get("/api/pathway/position-grid.json", params={"on": JUDGED.isoformat()}).json()
    assert rows["total"] == 9
    changes = client.get("/api/pathway/position-changes.csv", params={"decision": "fund"})
    assert changes.text.count("\n") == 2  # the header and USA's one change
