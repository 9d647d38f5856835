"""The pages over data unlike the demonstration's, loaded through the real importer (ltsplan's CSV):
a ledger of one donor with no GDP figures loaded, and a ledger with amounts of zero, reflows
(negative deliveries), tiny and huge amounts, entries dated in the year 1 and in 9999, and three
hundred donors. Each page is opened in Chromium (conftest.py's ``watched``); its charts must draw or
say why not, without a warning of Vega's, and its links must answer."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ltsplan.ledger.imports import import_file
from ltsplan.store.db import open_database
from ltsplan.web.pages import money

pytestmark = pytest.mark.browser

COLUMNS = [
    "dataset",
    "reference",
    "kind",
    "stage",
    "donor",
    "recipient",
    "category",
    "event_date",
    "amount",
    "currency",
    "commitment_id",
    "recorded_at",
    "source_kind",
    "source_title",
    "source_grade",
]


def entry(
    reference: str, donor: str, amount: str, event_date: str = "2023-06-01", **more: str
) -> dict[str, str]:
    return {
        "dataset": "edge",
        "reference": reference,
        "kind": "commitment",
        "stage": "committed",
        "donor": donor,
        "recipient": "UKR",
        "category": "military",
        "event_date": event_date,
        "amount": amount,
        "currency": "EUR",
        "recorded_at": "2020-01-01",
        "source_kind": "statement",
        "source_title": "Edge source",
        "source_grade": "B2",
        **more,
    }


ONE_DONOR = [entry("ONE", "DEU", "1500")]
EDGES = [
    entry("ZERO", "FRA", "0"),
    entry("ZERO-D", "FRA", "5", "2023-07-02", kind="delivery", stage="delivered", commitment_id="ZERO"),
    entry("NEG", "GBR", "100"),
    entry("NEG-D", "GBR", "-50", "2023-08-03", kind="delivery", stage="delivered", commitment_id="NEG"),
    entry("BIG", "ITA", "5e13"),
    entry("Y1", "POL", "7", "0001-01-01"),
    entry("Y9999", "POL", "9", "9999-12-31"),
    *(entry(f"MANY{i}", f"D{i:03d}", str(1000 * (i + 1))) for i in range(300)),
]


@pytest.fixture(scope="module")
def ledgers(tmp_path_factory: pytest.TempPathFactory, serve: Any) -> Iterator[dict[str, str]]:
    """A server per ledger ("one donor", "edges"), each imported from a CSV file by the importer."""
    folder = tmp_path_factory.mktemp("edges")
    with (
        serving_ledger(serve, folder, "one", ONE_DONOR) as one,
        serving_ledger(serve, folder, "edges", EDGES) as edges,
    ):
        yield {"one donor": one, "edges": edges}


def serving_ledger(serve: Any, folder: Path, name: str, rows: list[dict[str, str]]) -> Any:
    path = folder / f"{name}.csv"
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    url = f"sqlite:///{folder / name}.db"
    database = open_database(url)
    import_file(database, path, fmt="csv")
    return serve(url, database)


def opened(page: Any, url: str) -> None:
    page.goto(url, wait_until="load")
    page.wait_for_function(
        "() => [...document.querySelectorAll('figure.chart [data-chart]')]"
        ".every(c => c.hasAttribute('data-rendered'))",
        timeout=20000,
    )


@pytest.mark.parametrize("ledger", ["one donor", "edges"])
def test_the_maps_without_gdp_figures_or_with_nothing_to_colour_draw_no_empty_scale(
    ledger: str, ledgers: dict[str, str], watched: tuple[Any, list[str]]
) -> None:
    page, said = watched
    opened(page, ledgers[ledger] + "/ledger/map")
    states = page.eval_on_selector_all("figure.chart [data-chart]", "cs => cs.map(c => c.dataset.rendered)")
    assert states and all(state in ("true", "empty") for state in states), states
    legends = " ".join(page.locator("svg g.role-legend text").all_text_contents())
    assert "NaN" not in legends and "Infinity" not in legends, legends
    assert said == []


def test_the_money_map_of_one_donor_labels_its_legend(
    ledgers: dict[str, str], watched: tuple[Any, list[str]]
) -> None:
    # €1,500 holds no power of ten between its smallest and largest amount: the legend still says
    # what its colour means
    page, said = watched
    opened(page, ledgers["one donor"] + "/ledger/map")
    labels = page.locator("#map-money svg g.role-legend-label text").all_text_contents()
    assert labels and all("€" in label for label in labels), labels
    assert said == []


def test_the_sources_behind_a_figure_of_any_year_the_ledger_holds_answer(ledgers: dict[str, str]) -> None:
    # a figure of an entry dated in the year 1 or 9999 links to its sources like any other
    base = ledgers["edges"]
    years = httpx.get(base + "/api/ledger/totals", params={"by": "year"}).json()["rows"]
    assert {1, 9999} <= {row["year"] for row in years}
    for row in years:
        answer = httpx.get(
            base + "/api/ledger/provenance", params={"measure": "pledged", "year": row["year"]}
        )
        assert answer.status_code == 200, (row["year"], answer.text)
        assert round(sum(source["eur"] or 0 for source in answer.json()["rows"]), 2) == row["pledged"]
        page = httpx.get(base + "/ledger/provenance", params={"measure": "pledged", "year": row["year"]})
        assert page.status_code == 200, row["year"]


def test_a_share_that_rounds_to_nothing_has_no_minus_sign(ledgers: dict[str, str]) -> None:
    # €53 taken back against €50 trillion pledged: delivered ÷ pledged is -0.0000000001%, shown 0.0%
    base = ledgers["edges"]
    assert httpx.get(base + "/api/dashboard").json()["figures"]["fulfilment"] < 0
    overview = httpx.get(base + "/").text
    shown = overview.split('id="figure-fulfilment">', 1)[1].split("<", 1)[0]
    assert shown == "0.0%"
    assert money(-0.3) == "EUR 0"  # a headline figure of 30 cents taken back, not "EUR -0"


def test_a_note_about_one_entry_says_entry(ledgers: dict[str, str]) -> None:
    # the entry in EUR dated in the year 1 has no EUR figure (the ECB quotes EUR from 1999)
    notes = " ".join(httpx.get(ledgers["edges"] + "/api/dashboard").json()["notes"])
    overview = httpx.get(ledgers["edges"] + "/").text
    assert "1 entry has an amount with no EUR figure" in overview, notes
    assert "1 entries" not in overview
