"""Vintages in any order: knowledge dated before what is stored takes its place in each record's
timeline, whatever order the files arrive in, and at any instant a record has at most one current
version (checked after every kind of write, on SQLite and PostgreSQL).

The expected answers are computed apart from the store: a tracker's release imported with
--replace is the whole of its dataset, so what was known at a date is exactly the latest release
dated on or before it."""

from __future__ import annotations

import json
import random
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from ltsplan import demo, domains
from ltsplan.cli.main import app
from ltsplan.ledger.imports import import_file
from ltsplan.ledger.model import ledger_entry
from ltsplan.ledger.reports import totals
from ltsplan.store.db import Database
from ltsplan.store.time import as_of, overlapping_versions, versions_of

HEADER = "dataset,reference,kind,stage,donor,recipient,category,event_date,amount,currency,source_title,source_kind"
runner = CliRunner()


def release_file(path: Path, amounts: dict[str, int], dataset: str = "tracker") -> Path:
    rows = [
        f"{dataset},{reference},commitment,committed,DEU,UKR,military,2023-02-01,{amount},EUR,"
        "Tracker release,dataset release"
        for reference, amount in sorted(amounts.items())
    ]
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def known(db: Database, moment: datetime | None) -> tuple[float, int]:
    """(pledged EUR, entries) as the ledger answers them as of ``moment``."""
    with db.transaction() as connection:
        frame = totals(connection, by=[], moment=moment).frame
    if frame.is_empty():
        return 0.0, 0
    return float(frame.get_column("pledged").sum()), int(frame.get_column("entries").sum())


def assert_one_version_at_a_time(db: Database) -> None:
    with db.reading() as connection:
        for table in domains.tables():
            if "retracted_at" in table.c:
                assert overlapping_versions(connection, table) == [], table.name


RELEASE_DAYS = [datetime(2023, 3, 1), datetime(2023, 6, 14), datetime(2023, 9, 1), datetime(2024, 1, 10)]


@pytest.mark.parametrize("seed", range(4))
def test_releases_loaded_in_any_order_answer_as_if_loaded_in_order(
    db: Database, tmp_path: Path, seed: int
) -> None:
    rng = random.Random(seed)
    references = [f"R{n}" for n in range(8)]
    releases = {
        day: {r: rng.choice([100, 250, 400]) for r in references if rng.random() < 0.7}
        for day in RELEASE_DAYS
    }
    order = RELEASE_DAYS[:]
    rng.shuffle(order)
    for number, day in enumerate(order):
        path = release_file(tmp_path / f"release-{number}.csv", releases[day])
        import_file(db, path, recorded_at=day, replace=True)
        assert_one_version_at_a_time(db)

    probes = [datetime(2023, 1, 1), *RELEASE_DAYS, datetime(2023, 4, 1), datetime(2023, 12, 31)]
    for probe in probes:
        moment = as_of(probe.date())
        latest = [day for day in RELEASE_DAYS if day <= moment]
        expected = releases[max(latest)] if latest else {}
        assert known(db, moment) == (float(sum(expected.values())), len(expected)), (order, probe)
    newest = releases[RELEASE_DAYS[-1]]
    assert known(db, None) == (float(sum(newest.values())), len(newest)), order
    with db.reading() as connection:
        live = connection.execute(
            select(ledger_entry.c.reference, ledger_entry.c.amount).where(
                ledger_entry.c.retracted_at.is_(None)
            )
        ).all()
    assert {r: int(a) for r, a in live} == newest


def test_a_back_dated_version_cuts_the_one_current_then_and_leaves_today_alone(
    db: Database, tmp_path: Path
) -> None:
    september, june = datetime(2023, 9, 1), datetime(2023, 6, 1)
    import_file(db, release_file(tmp_path / "later.csv", {"X": 200}), recorded_at=september)
    outcome = import_file(db, release_file(tmp_path / "earlier.csv", {"X": 100}), recorded_at=june)

    assert outcome.summary.entries.revised == 1
    assert known(db, as_of(date(2023, 5, 31))) == (0.0, 0)
    assert known(db, as_of(date(2023, 7, 1))) == (100.0, 1)
    assert known(db, as_of(date(2023, 10, 1))) == (200.0, 1)
    assert known(db, None) == (200.0, 1)
    with db.reading() as connection:
        entry = connection.execute(select(ledger_entry.c.id)).scalars().first()
        history = versions_of(connection, ledger_entry, entry)
    assert [(v["amount"], v["recorded_at"], v["retracted_at"]) for v in history] == [
        (100.0, june, september),
        (200.0, september, None),
    ]
    # Loading the earlier release again changes nothing.
    again = import_file(db, release_file(tmp_path / "earlier.csv", {"X": 100}), recorded_at=june)
    assert again.summary.entries.unchanged == 1
    assert_one_version_at_a_time(db)


def test_a_withdrawn_record_brought_back_by_an_earlier_file_is_counted_once(
    db: Database, tmp_path: Path
) -> None:
    january, july, september = datetime(2023, 1, 10), datetime(2023, 7, 1), datetime(2023, 9, 1)
    import_file(db, release_file(tmp_path / "a.csv", {"X": 100, "Y": 5}), recorded_at=january)
    import_file(db, release_file(tmp_path / "c.csv", {"Y": 5}), recorded_at=september, replace=True)
    import_file(db, release_file(tmp_path / "b.csv", {"X": 150}), recorded_at=july)

    assert known(db, as_of(date(2023, 3, 1))) == (105.0, 2)
    assert known(db, as_of(date(2023, 8, 1))) == (155.0, 2)  # X once, at its July figure
    assert known(db, as_of(date(2023, 10, 1))) == (5.0, 1)  # still withdrawn in September
    assert known(db, None) == (5.0, 1)
    assert_one_version_at_a_time(db)


def test_a_record_only_an_earlier_release_has_ends_where_the_next_whole_release_begins(
    db: Database, tmp_path: Path
) -> None:
    """Releases loaded newest first: what the older one has and the newer one dropped is not
    carried past the newer one, and what the newer one kept unchanged resumes there."""
    march, june, september = datetime(2023, 3, 1), datetime(2023, 6, 1), datetime(2023, 9, 1)
    import_file(db, release_file(tmp_path / "r28.csv", {"X": 100, "Y": 1}), recorded_at=march, replace=True)
    import_file(
        db, release_file(tmp_path / "r30.csv", {"X": 100, "Y": 3}), recorded_at=september, replace=True
    )
    import_file(
        db, release_file(tmp_path / "r29.csv", {"X": 120, "Y": 2, "Z": 7}), recorded_at=june, replace=True
    )

    assert known(db, as_of(date(2023, 4, 1))) == (101.0, 2)
    assert known(db, as_of(date(2023, 7, 1))) == (129.0, 3)
    assert known(db, as_of(date(2023, 10, 1))) == (103.0, 2)
    assert known(db, None) == (103.0, 2)
    assert_one_version_at_a_time(db)


def test_the_command_line_loads_two_releases_in_reverse_order_and_asks_both_dates(
    db: Database, tmp_path: Path
) -> None:
    newer = release_file(tmp_path / "newer.csv", {"X": 300, "Y": 50})
    older = release_file(tmp_path / "older.csv", {"X": 200})
    for path, day in ((newer, "2023-12-05"), (older, "2023-06-14")):
        result = runner.invoke(app, ["import", str(path), "--replace", "--recorded-at", day, "--db", db.url])
        assert result.exit_code == 0, result.output

    def pledged(on: str) -> float:
        asked = runner.invoke(
            app, ["ledger", "totals", "--by", "donor", "--as-of", on, "--format", "json", "--db", db.url]
        )
        assert asked.exit_code == 0, asked.output
        return sum(row["pledged"] for row in json.loads(asked.output)["rows"])

    assert pledged("2023-06-14") == 200.0
    assert pledged("2023-07-01") == 200.0
    assert pledged("2023-12-05") == 350.0


@pytest.mark.parametrize("given", ["2023-13-01", "tomorrow", "2999-01-01"])
def test_a_record_time_that_is_no_date_or_still_to_come_is_refused(
    db: Database, tmp_path: Path, given: str
) -> None:
    path = release_file(tmp_path / "r.csv", {"X": 1})
    result = runner.invoke(app, ["import", str(path), "--recorded-at", given, "--db", db.url])
    assert result.exit_code == 2
    assert "--recorded-at" in result.output
    assert known(db, None) == (0.0, 0)


def test_no_record_has_two_current_versions_after_every_kind_of_write(db: Database, tmp_path: Path) -> None:
    """The demo (every domain's files, a scenario replayed with its own record times), then ledger
    releases revised, back-dated, withdrawn and brought back."""
    demo.run(db)
    assert_one_version_at_a_time(db)
    days = [datetime(2023, 2, 1), datetime(2023, 5, 1), datetime(2023, 8, 1)]
    for step, day in enumerate(reversed(days)):
        amounts = {f"R{n}": 10 * (n + step) for n in range(step + 2)}
        import_file(
            db,
            release_file(tmp_path / f"s{step}.csv", amounts, "vintages"),
            recorded_at=day,
            replace=step % 2 == 0,
        )
        assert_one_version_at_a_time(db)
    demo.run(db)
    assert_one_version_at_a_time(db)
