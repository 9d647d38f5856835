"""Importing and exporting scenario documents: every problem listed with its line, nothing written;
export then import changes nothing."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ltsplan.errors import InvalidInput
from ltsplan.objectives.model import statement
from ltsplan.pathway import demo as demo_pathway
from ltsplan.pathway.exports import export_document, write_document
from ltsplan.pathway.formats import OBJECTIVE_PARTS, PATHWAY_PARTS
from ltsplan.pathway.imports import import_scenario
from ltsplan.pathway.model import body, decision, position
from ltsplan.provenance.model import source
from ltsplan.store.db import Database
from ltsplan.store.time import as_of, live_at

BAD = Path(__file__).parents[1] / "fixtures" / "pathway" / "bad-scenario.yaml"


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_a_bad_document_lists_every_problem_with_its_line_and_field_and_writes_nothing(db: Database) -> None:
    text = BAD.read_text()
    with pytest.raises(InvalidInput) as caught:
        import_scenario(db, BAD)
    found = {(p.line, p.field) for p in caught.value.problems}
    expected = {
        (line_of(text, "kind: rumour"), "kind"),
        (line_of(text, "grade: Z9"), "grade"),
        (line_of(text, "rule: unanimity"), "rule"),
        (line_of(text, "due: next summer"), "due"),
        (line_of(text, "stance: maybe"), "stance"),
        (line_of(text, "colour: blue"), "colour"),
    }
    assert expected <= found
    messages = " ".join(p.message for p in caught.value.problems)
    assert "unknown decision 'no-such-decision'" in messages
    assert "unknown actor 'somebody'" in messages
    assert "unknown source 'missing-source'" in messages
    assert all(p.file == str(BAD) for p in caught.value.problems)
    with db.reading() as c:
        for table in (source, body, decision, position, statement):
            assert c.execute(select(func.count()).select_from(table)).scalar() == 0


def test_broken_yaml_is_reported_with_its_line(db: Database, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("format: ltsplan-scenario/1\nsources:\n  - key: [unclosed\n")
    with pytest.raises(InvalidInput) as caught:
        import_scenario(db, broken)
    assert caught.value.problems[0].line is not None


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_export_then_import_changes_nothing(db: Database, tmp_path: Path, suffix: str) -> None:
    demo_pathway.load(db)
    target = tmp_path / f"scenario{suffix}"
    with db.reading() as c:
        write_document(export_document(c, None, PATHWAY_PARTS + OBJECTIVE_PARTS), target)
    summary = import_scenario(db, target)
    assert sum(r.inserted + r.revised for r in summary.results.values()) == 0
    assert summary.results["positions"].unchanged > 0


def test_a_changed_position_is_a_new_version_and_the_old_one_stays_in_history(
    db: Database, tmp_path: Path
) -> None:
    copy = tmp_path / "june.yaml"
    shutil.copy(demo_pathway.scenario_path(), copy)
    import_scenario(db, copy)
    copy.write_text(
        copy.read_text().replace(
            "    actor: RUS\n    stance: oppose", "    actor: RUS\n    stance: undecided"
        )
    )
    summary = import_scenario(db, copy)
    assert summary.results["positions"].revised == 1
    with db.reading() as c:
        versions = c.execute(
            select(position.c.stance).where(position.c.actor == "RUS").order_by(position.c.row_id)
        )
        assert [r[0] for r in versions] == ["oppose", "undecided"]


def test_an_export_imported_again_with_its_record_times_changes_nothing(db: Database, tmp_path: Path) -> None:
    """A record imported at 15:30 exports with that instant as its ``recorded``: imported again with
    --recorded-from-file it adds no version and is not known before 15:30 (a day alone would date it
    from midnight, hours before anyone knew it)."""
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(
        "format: ltsplan-scenario/1\n"
        "sources:\n  - {key: report, kind: news report, title: A report, publisher: A wire, grade: C3}\n"
        "bodies:\n  - {code: COUNCIL, name: The council, rule: consensus, sources: [report]}\n"
        "decisions:\n  - {code: admit, body: COUNCIL, title: Admit a new member, sources: [report]}\n",
        encoding="utf-8",
    )
    import_scenario(db, scenario, now=datetime(2023, 6, 14, 15, 30))
    target = tmp_path / "export.yaml"
    with db.reading() as c:
        write_document(export_document(c, None, PATHWAY_PARTS), target)
    summary = import_scenario(db, target, use_recorded_dates=True, now=datetime(2023, 7, 1))
    assert sum(r.inserted + r.revised for r in summary.results.values()) == 0
    with db.reading() as c:
        assert c.execute(select(func.count()).select_from(decision)).scalar() == 1
        morning = as_of(datetime(2023, 6, 14, 12, 0))
        assert (
            c.execute(select(func.count()).select_from(decision).where(live_at(decision, morning))).scalar()
            == 0
        )


def test_a_reference_or_a_date_ahead_of_the_clock_is_reported_at_its_own_line(
    db: Database, tmp_path: Path
) -> None:
    """An unknown decision, an unknown source and a date after the day of the import, in records
    written field by field: each problem is placed at the line of its field, not of its record."""
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(
        "format: ltsplan-scenario/1\n"
        "sources:\n  - {key: report, kind: news report, title: A report, publisher: A wire, grade: C3}\n"
        "positions:\n"
        "  - actor: USA\n"
        "    stance: oppose\n"
        "    decision: no-such-decision\n"
        "    date: 2023-06-14\n"
        "    sources: [missing-source]\n"
        "outcomes:\n"
        "  - decision: no-such-decision\n"
        "    result: adopted\n"
        "    date: 2026-03-01\n"
        "    sources: [report]\n",
        encoding="utf-8",
    )
    text = scenario.read_text()
    with pytest.raises(InvalidInput) as caught:
        import_scenario(db, scenario, now=datetime(2026, 1, 1))
    found = {(p.file, p.line, p.record, p.field) for p in caught.value.problems}
    assert {
        (str(scenario), line_of(text, "decision: no-such"), "positions #1", "decision"),
        (str(scenario), line_of(text, "sources: [missing"), "positions #1", "sources"),
        (str(scenario), line_of(text, "date: 2026-03-01"), "outcomes #1", "date"),
    } <= found
    with db.reading() as c:
        assert c.execute(select(func.count()).select_from(source)).scalar() == 0


def test_record_times_from_the_file_are_not_ahead_of_the_clock_nor_before_what_they_record(
    db: Database, tmp_path: Path
) -> None:
    """With --recorded-from-file, a position stated on 14 June but "recorded" on 1 January would be
    known at an as-of date when nobody had stated it, and a record time after the import would be
    ahead of the store's clock: both are refused at their line and field, and nothing is written."""
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(
        "format: ltsplan-scenario/1\n"
        "sources:\n  - {key: report, kind: news report, title: A report, publisher: A wire, grade: C3}\n"
        "bodies:\n  - {code: COUNCIL, name: The council, rule: consensus, sources: [report]}\n"
        "decisions:\n"
        "  - {code: admit, body: COUNCIL, title: Admit a new member, sources: [report],\n"
        "     recorded: 2030-01-01}\n"
        "positions:\n"
        "  - decision: admit\n"
        "    actor: USA\n"
        "    stance: oppose\n"
        "    date: 2023-06-14\n"
        "    recorded: 2023-01-01T09:00:00\n"
        "    sources: [report]\n",
        encoding="utf-8",
    )
    text = scenario.read_text()
    with pytest.raises(InvalidInput) as caught:
        import_scenario(db, scenario, use_recorded_dates=True, now=datetime(2026, 1, 1))
    found = {(p.file, p.line, p.record, p.field) for p in caught.value.problems}
    assert (str(scenario), line_of(text, "recorded: 2030"), "decisions #1", "recorded") in found
    assert (str(scenario), line_of(text, "date: 2023-06-14"), "positions #1", "date") in found
    with db.reading() as c:
        for table in (source, body, decision, position):
            assert c.execute(select(func.count()).select_from(table)).scalar() == 0
    # Stated the day after its record time (a recorder ahead of UTC) is within the day's grace.
    scenario.write_text(
        text.replace("recorded: 2030-01-01", "recorded: 2023-01-01").replace("2023-06-14", "2023-01-02")
    )
    import_scenario(db, scenario, use_recorded_dates=True, now=datetime(2026, 1, 1))
    with db.reading() as c:
        assert c.execute(select(func.count()).select_from(position)).scalar() == 1


def test_a_record_given_twice_is_refused_at_a_field_it_has(db: Database, tmp_path: Path) -> None:
    """A decision or an assessment given twice is refused at the second, naming a field of its own
    key (a decision has no 'actor', an assessment's actor is its 'assessor')."""
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(
        "format: ltsplan-scenario/1\n"
        "sources:\n  - {key: report, kind: news report, title: A report, publisher: A wire, grade: C3}\n"
        "bodies:\n  - {code: COUNCIL, name: The council, rule: consensus, sources: [report]}\n"
        "decisions:\n"
        "  - {code: admit, body: COUNCIL, title: Admit a new member, sources: [report]}\n"
        "  - title: Admit a new member\n"
        "    code: admit\n"
        "    body: COUNCIL\n"
        "    sources: [report]\n"
        "objectives:\n  - {code: aim, party: RUS, text: An aim, sources: [report]}\n"
        "assessments:\n"
        "  - {objective: aim, assessor: USA, status: ongoing, date: 2023-01-01, sources: [report]}\n"
        "  - {objective: aim, assessor: USA, status: ongoing, date: 2023-01-01, sources: [report]}\n",
        encoding="utf-8",
    )
    text = scenario.read_text()
    with pytest.raises(InvalidInput) as caught:
        import_scenario(db, scenario, now=datetime(2026, 1, 1))
    twice = {(p.line, p.record, p.field) for p in caught.value.problems if "twice" in p.message}
    assert twice == {
        (line_of(text, "    code: admit"), "decisions #2", "code"),
        (len(text.splitlines()), "assessments #2", "objective"),
    }
