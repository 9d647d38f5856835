"""Answers that hold up at the edges: exact sums in whole cents, fulfilment that compares like with
like, "not reported" instead of 0 %, and notes that name why an amount was left out.

Expected figures are computed here from the rows written, with Decimal arithmetic and the ECB
rates read apart from the code (the ``currency_converter`` package's own lookup)."""

from __future__ import annotations

import json
import random
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from currency_converter import CurrencyConverter, RateNotFoundError
from typer.testing import CliRunner

from ltsplan.cli.main import app
from ltsplan.ledger.imports import import_file
from ltsplan.ledger.reports import fulfilment, totals
from ltsplan.store.db import Database
from ltsplan.store.time import as_of

HEADER = (
    "dataset,reference,kind,stage,donor,recipient,category,event_date,amount,currency,value_date,"
    "commitment_id,item,quantity,source_title,source_kind"
)
ECB = CurrencyConverter(fallback_on_missing_rate=True, fallback_on_wrong_date=False)
runner = CliRunner()


def line(
    reference: str,
    amount: object = "",
    *,
    kind: str = "commitment",
    stage: str = "committed",
    currency: str = "EUR",
    day: str = "2023-03-01",
    valued: str = "",
    commitment: str = "",
    donor: str = "DEU",
    dataset: str = "exact",
    quantity: str = "",
) -> str:
    stage = "delivered" if kind == "delivery" else stage
    item = "howitzer" if quantity else ""
    return (
        f"{dataset},{reference},{kind},{stage},{donor},UKR,military,{day},{amount},"
        f"{currency if amount != '' else ''},{valued},{commitment},{item},{quantity},Exact list,official document"
    )


def write(path: Path, *lines: str) -> Path:
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def one_row(db: Database, moment: datetime | None = None, **kwargs: object) -> dict:
    with db.transaction() as connection:
        report = totals(connection, by=[], moment=moment, **kwargs)  # type: ignore[arg-type]
    return (
        {**report.frame.to_dicts()[0], "notes": report.notes}
        if report.frame.height
        else {"notes": report.notes}
    )


def test_pledges_that_leave_at_different_instants_leave_nothing_behind(db: Database, tmp_path: Path) -> None:
    """Amounts that are not exact in binary, arriving together and leaving one by one: the total
    comes back to exactly zero, and no fulfilment is computed over nothing."""
    rng = random.Random(7)
    amounts = [Decimal(rng.randrange(1, 10_000_000)) / 100 for _ in range(40)]
    rows = [line(f"P{n}", a) for n, a in enumerate(amounts)]
    rows.append(line("D0", "0.10", kind="delivery", commitment="P0"))
    start = datetime(2023, 4, 1)
    import_file(db, write(tmp_path / "all.csv", *rows), recorded_at=start)
    assert one_row(db)["pledged"] == float(sum(amounts))

    kept = list(range(len(amounts)))
    for step in range(1, 6):  # withdraw them in five releases, a different share each time
        kept = [n for n in kept if n == 0 or rng.random() < 0.5] if step < 5 else [0]
        release = [line(f"P{n}", amounts[n]) for n in kept] + [
            line("D0", "0.10", kind="delivery", commitment="P0")
        ]
        import_file(
            db,
            write(tmp_path / f"r{step}.csv", *release),
            recorded_at=datetime(2023, 4, 1 + step),
            replace=True,
        )
        expected = sum((amounts[n] for n in kept), Decimal(0))
        assert one_row(db)["pledged"] == float(expected)  # equal, not approximately
    # A delivery with no pledge in its group: there is no share, never 1e13.
    import_file(
        db,
        write(tmp_path / "o.csv", line("D9", "0.10", kind="delivery", dataset="other")),
        recorded_at=datetime(2023, 5, 1),
    )
    with db.transaction() as connection:
        frame = fulfilment(connection, by=["dataset"]).frame
    rates = {r["dataset"]: r["fulfilment"] for r in frame.to_dicts()}
    assert rates["exact"] == pytest.approx(0.10 / float(amounts[0]))
    assert rates["other"] is None


def test_a_grant_delivered_in_full_in_its_own_currency_is_100_percent(db: Database, tmp_path: Path) -> None:
    pledged_on, delivered_on = "2023-01-10", "2024-03-01"
    assert ECB.convert(1, "USD", "EUR", date(2023, 1, 10)) != ECB.convert(1, "USD", "EUR", date(2024, 3, 1))
    import_file(
        db,
        write(
            tmp_path / "grant.csv",
            line("G", 1_000_000, currency="USD", day=pledged_on),
            line("G-1", 600_000, kind="delivery", currency="USD", day=delivered_on, commitment="G"),
            line("G-2", 400_000, kind="delivery", currency="USD", day=delivered_on, commitment="G"),
        ),
        recorded_at=datetime(2024, 4, 1),
    )
    for currency in ("EUR", "USD"):
        row = one_row(db, currency=currency)
        assert row["fulfilment"] == 1.0, currency
        assert row["delivered"] == row["pledged"]
    expected = round(1_000_000 * ECB.convert(1, "USD", "EUR", date(2023, 1, 10)), 2)
    assert one_row(db)["delivered"] == pytest.approx(expected, abs=0.011)


def test_a_delivery_in_another_currency_or_unlinked_keeps_its_own_days_rate(
    db: Database, tmp_path: Path
) -> None:
    import_file(
        db,
        write(
            tmp_path / "mixed.csv",
            line("G", 1_000_000, currency="USD", day="2023-01-10"),
            line("G-eur", 100_000, kind="delivery", currency="EUR", day="2024-03-01", commitment="G"),
            line("U", 200_000, kind="delivery", currency="USD", day="2024-03-01"),
        ),
        recorded_at=datetime(2024, 4, 1),
    )
    own_rate = 200_000 * ECB.convert(1, "USD", "EUR", date(2024, 3, 1))
    assert one_row(db)["delivered"] == pytest.approx(100_000 + own_rate, abs=0.011)


def test_a_delivery_in_the_currency_of_a_commitment_with_no_rate_is_not_converted_either(
    db: Database, tmp_path: Path
) -> None:
    """A krona pledge of 2010 (the ECB did not quote ISK from December 2008 to February 2018) has
    no EUR figure; a krona delivery against it was valued at its own day's rate instead, so the
    group showed EUR delivered against nothing pledged. Like with like: neither is converted."""
    strict = CurrencyConverter(fallback_on_missing_rate=False, fallback_on_wrong_date=False)
    with pytest.raises(RateNotFoundError):  # the reference has no krona quote in 2010
        strict.convert(1, "ISK", "EUR", date(2010, 6, 1))
    assert ECB.convert(1, "ISK", "EUR", date(2019, 6, 3)) > 0
    import_file(
        db,
        write(
            tmp_path / "isk.csv",
            line("K", 1_000_000, currency="ISK", day="2010-06-01"),
            line("K-1", 1_000_000, kind="delivery", currency="ISK", day="2019-06-03", commitment="K"),
            line("G", 1_000, currency="EUR", day="2019-06-03"),
            line("G-1", 500, kind="delivery", currency="EUR", day="2019-06-03", commitment="G"),
        ),
        recorded_at=datetime(2019, 7, 1),
    )
    for currency in ("EUR", "USD"):
        row = one_row(db, currency=currency)
        assert row["not_converted"] == 2, currency
        assert row["fulfilment"] == pytest.approx(0.5), currency
    assert one_row(db)["delivered"] == 500


def test_a_delivery_recorded_later_than_its_commitment_is_valued_at_the_stored_commitments_rate(
    db: Database, tmp_path: Path
) -> None:
    import_file(
        db,
        write(tmp_path / "c.csv", line("G", 500_000, currency="GBP", day="2022-10-03")),
        recorded_at=datetime(2023, 1, 1),
    )
    import_file(
        db,
        write(
            tmp_path / "d.csv",
            line("G-1", 500_000, kind="delivery", currency="GBP", day="2024-06-03", commitment="G"),
        ),
        recorded_at=datetime(2024, 7, 1),
    )
    assert one_row(db)["fulfilment"] == 1.0
    assert one_row(db, as_of(date(2023, 6, 1)))["fulfilment"] == 0.0  # then: pledged, nothing delivered yet


def test_data_that_report_no_deliveries_say_not_reported_not_zero(db: Database, tmp_path: Path) -> None:
    pledges = write(
        tmp_path / "p.csv",
        line("A", 1000, dataset="tracker"),
        line("B", 500, stage="allocated", dataset="tracker"),
    )
    import_file(db, pledges, recorded_at=datetime(2024, 1, 1))
    assert one_row(db)["fulfilment"] == 0.0  # declared nothing: every measure reported, none delivered

    declared = runner.invoke(
        app, ["ledger", "dataset", "tracker", "--reports", "commitments,allocations", "--db", db.url]
    )
    assert declared.exit_code == 0, declared.output
    row = one_row(db)
    assert row["delivered"] is None and row["fulfilment"] is None
    assert row["allocation_rate"] == pytest.approx(500 / 1500)
    assert any("report no deliveries" in n and "tracker" in n for n in row["notes"])
    # As of before the declaration, the dataset still counted as reporting deliveries.
    assert one_row(db, datetime(2024, 1, 2))["fulfilment"] == 0.0

    # Data that do report deliveries beside it: fulfilment over their own pledges only.
    other = write(
        tmp_path / "o.csv",
        line("C", 200, dataset="ministry"),
        line("C-1", 50, kind="delivery", commitment="C", dataset="ministry"),
    )
    import_file(db, other, recorded_at=datetime(2024, 2, 1))
    row = one_row(db)
    assert row["delivered"] == 50.0 and row["fulfilment"] == 0.25

    page = runner.invoke(app, ["ledger", "totals", "--by", "dataset", "--format", "json", "--db", db.url])
    by_dataset = {r["dataset"]: r for r in json.loads(page.output)["rows"]}
    assert by_dataset["tracker"]["fulfilment"] is None and by_dataset["ministry"]["fulfilment"] == 0.25

    refused = runner.invoke(app, ["ledger", "dataset", "tracker", "--reports", "pledges", "--db", db.url])
    assert refused.exit_code == 1 and "commitments, allocations, deliveries" in refused.output


def test_the_dashboard_says_not_reported(db: Database, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from ltsplan.config import Settings
    from ltsplan.server import create_app

    import_file(
        db, write(tmp_path / "p.csv", line("A", 1000, dataset="tracker")), recorded_at=datetime(2024, 1, 1)
    )
    with TestClient(create_app(Settings(database_url=db.url), database=db)) as client:
        before = client.get("/").text
        assert 'id="figure-fulfilment">0.0%' in before
        runner.invoke(app, ["ledger", "dataset", "tracker", "--reports", "commitments", "--db", db.url])
        after = client.get("/").text
    assert "not reported" in after and 'id="figure-fulfilment">0.0%' not in after


def test_quantities_and_unconverted_amounts_are_counted_apart_with_their_cause(
    db: Database, tmp_path: Path
) -> None:
    import_file(
        db,
        write(
            tmp_path / "q.csv",
            line("EUR", 100),
            line("GUNS", quantity="12"),
            line("UAH-1", 40_000, currency="UAH"),
            line("UAH-2", 50_000, currency="UAH"),
            line("RUB-old", 1_000, currency="RUB", valued="2022-02-25"),
            line("RUB-late", 1_000, currency="RUB", valued="2022-06-01"),
        ),
        recorded_at=datetime(2024, 1, 1),
    )
    row = one_row(db)
    assert (row["entries"], row["not_converted"], row["quantity_only"]) == (6, 3, 1)
    expected = 100 + round(1_000 * ECB.convert(1, "RUB", "EUR", date(2022, 2, 25)), 2)
    assert row["pledged"] == pytest.approx(expected, abs=0.011)
    cause = next(n for n in row["notes"] if "no EUR figure" in n)
    assert "2 in UAH, which the ECB does not quote" in cause
    assert "1 in RUB, dated after its last ECB quote (2022-03-01)" in cause
    assert any(n.startswith("1 entry gives a quantity and no amount; it is counted") for n in row["notes"])


def test_an_amount_larger_than_any_ledger_holds_is_refused(db: Database, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["import", str(write(tmp_path / "big.csv", line("X", "2e15"))), "--db", db.url]
    )
    assert result.exit_code == 1
    assert "amount" in result.output and "at most 10^15" in result.output
    assert one_row(db) == {"notes": []}


def test_an_amount_worth_more_than_the_totals_hold_exactly_is_refused_by_its_line(
    db: Database, tmp_path: Path
) -> None:
    # 10^14 is a number the field takes, but 10^16 cents are past 2^53, where a float total is no
    # longer exact; in rupiah the same number is worth some 6 billion euros, and is taken.
    path = write(
        tmp_path / "big.csv", line("SMALL", "1000"), line("HUGE", "1e14"), line("IDR", "1e14", currency="IDR")
    )
    result = runner.invoke(app, ["import", str(path), "--db", db.url], env={"COLUMNS": "300"})
    assert result.exit_code == 1
    said = " ".join(result.output.split())
    assert f"{path}, line 3, field 'amount': 100,000,000,000,000 EUR is worth more than 90 trillion" in said
    assert "line 4" not in said and "line 2" not in said
    assert one_row(db) == {"notes": []}
    result = runner.invoke(
        app, ["import", str(write(tmp_path / "idr.csv", line("IDR", "1e14", currency="IDR"))), "--db", db.url]
    )
    assert result.exit_code == 0, result.output
    assert 1e9 < one_row(db)["pledged"] < 1e11


def a_commitment_and_its_delivery(db: Database, tmp_path: Path) -> None:
    """Commitment C of 100, and delivery D1 of 40 naming it, known from 2023-02-01."""
    good = write(
        tmp_path / "good.csv",
        line("C", 100, day="2023-01-01"),
        line("D1", 40, kind="delivery", day="2023-01-11", commitment="C"),
    )
    import_file(db, good, recorded_at=datetime(2023, 2, 1))


def test_a_delivery_naming_a_delivery_or_nothing_is_refused_and_lags_follow_commitments_only(
    db: Database, tmp_path: Path
) -> None:
    from ltsplan.errors import InvalidInput
    from ltsplan.ledger.reports import lags

    a_commitment_and_its_delivery(db, tmp_path)
    chained = write(
        tmp_path / "chained.csv",
        line("D2", 10, kind="delivery", day="2023-02-01", commitment="D1"),
        line("D3", 10, kind="delivery", day="2023-02-01", commitment="NOWHERE"),
    )
    with pytest.raises(InvalidInput) as refused:
        import_file(db, chained, recorded_at=datetime(2023, 3, 1))
    named = {(p.line, p.field) for p in refused.value.problems}
    assert named == {(2, "commitment_id"), (3, "commitment_id")}
    assert one_row(db)["entries"] == 2  # nothing of the refused file was written

    skipped = import_file(
        db, chained, recorded_at=datetime(2023, 3, 1), skip_invalid=True, report_dir=tmp_path
    )
    assert skipped.summary.entries.inserted == 0 and len(skipped.summary.skipped) == 2
    with db.transaction() as connection:
        frame = lags(connection, by=[]).frame
    assert frame.get_column("deliveries").to_list() == [1] and frame.get_column("median").to_list() == [10.0]


def test_a_commitment_a_delivery_names_cannot_be_revised_into_a_delivery(
    db: Database, tmp_path: Path
) -> None:
    """Else the delivery would name a delivery, which no import lets a delivery do."""
    from ltsplan.errors import InvalidInput

    a_commitment_and_its_delivery(db, tmp_path)
    turned = write(
        tmp_path / "turned.csv", line("C", 100, kind="delivery", stage="delivered", day="2023-01-01")
    )
    with pytest.raises(InvalidInput) as refused:
        import_file(db, turned, recorded_at=datetime(2023, 3, 1))
    [problem] = refused.value.problems
    assert (problem.record, problem.field) == ("exact/D1", "commitment_id")
    assert one_row(db)["pledged"] == 100.0 and one_row(db)["delivered"] == 40.0

    both = write(
        tmp_path / "both.csv",
        line("C", 100, kind="delivery", stage="delivered", day="2023-01-01"),
        line("D1", 40, kind="delivery", day="2023-01-11"),
    )
    import_file(db, both, recorded_at=datetime(2023, 3, 1))  # the delivery names nothing any more
    assert one_row(db)["pledged"] == 0.0 and one_row(db)["delivered"] == 140.0


def test_a_batch_that_holds_only_problems_holds_no_entry() -> None:
    import polars as pl

    from ltsplan.ledger.model import ENTRY_SCHEMA, conform

    empty = conform(pl.DataFrame(), keep_meta=True)
    assert empty.height == 0 and list(empty.columns) == list(ENTRY_SCHEMA)


def test_skip_invalid_leaves_out_only_the_bad_records_of_a_one_line_json_document(
    db: Database, tmp_path: Path
) -> None:
    def entry(reference: str, amount: object) -> dict:
        return {
            "dataset": "compact",
            "reference": reference,
            "kind": "commitment",
            "stage": "committed",
            "donor": "DEU",
            "recipient": "UKR",
            "category": "military",
            "event_date": "2023-06-01",
            "amount": amount,
            "currency": "EUR",
            "source_id": "s",
        }

    document = {
        "sources": [{"id": "s", "title": "A list", "kind": "official document"}],
        "entries": [entry("A", 10), entry("B", "ten"), entry("C", 30)],
    }
    path = tmp_path / "compact.json"
    path.write_text(json.dumps(document), encoding="utf-8")  # one line
    outcome = import_file(db, path, skip_invalid=True, report_dir=tmp_path)
    assert outcome.summary.entries.inserted == 2
    assert {p.record for p in outcome.summary.skipped} == {"entries[1]"}
    assert one_row(db)["pledged"] == 40.0


def test_a_series_over_data_that_report_no_deliveries_has_no_delivered_line(
    db: Database, tmp_path: Path
) -> None:
    from ltsplan.ledger.reports import series

    import_file(
        db, write(tmp_path / "p.csv", line("A", 1000, dataset="tracker")), recorded_at=datetime(2024, 1, 1)
    )
    runner.invoke(app, ["ledger", "dataset", "tracker", "--reports", "commitments", "--db", db.url])
    with db.transaction() as connection:
        frame = series(connection).frame
    assert frame.get_column("pledged_cumulative").to_list() == [1000.0]
    assert frame.get_column("delivered_cumulative").to_list() == [None]
    drawn = runner.invoke(app, ["ledger", "chart", "-o", str(tmp_path / "s.png"), "--db", db.url])
    assert drawn.exit_code == 0, drawn.output
    assert (tmp_path / "s.png").stat().st_size > 0 and (tmp_path / "s.svg").stat().st_size > 0
