"""The pages in a real browser: Debian's Chromium driven by Playwright against a real uvicorn
server on a loopback port, over the demonstration data. Screenshots of the main pages are kept in
tests/screenshots/ (named in the README). The set-up is conftest.py's, shared by every browser
test; test_pages_every_route.py visits every page of the route table."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"

JUNE_2023 = "2023-06-14"


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    opened = context.new_page()
    try:
        yield opened
    finally:
        context.close()


def shoot(page: object, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def test_the_dashboard_shows_the_headline_figures_and_draws_its_charts(server: str, page: object) -> None:
    page.goto(server + "/")  # type: ignore[attr-defined]
    expected = httpx.get(server + "/api/dashboard").json()["figures"]
    assert page.locator("#figure-pledged").get_attribute("data-value") == str(expected["pledged"])  # type: ignore[attr-defined]
    page.locator("[data-chart][data-rendered=true]").first.wait_for(timeout=15000)  # type: ignore[attr-defined]
    assert page.locator("figure.chart svg").count() >= 1  # type: ignore[attr-defined]
    shoot(page, "overview")


def test_changing_the_as_of_date_changes_the_figures(server: str, page: object) -> None:
    page.goto(server + "/")  # type: ignore[attr-defined]
    today = page.locator("#figure-pledged").inner_text()  # type: ignore[attr-defined]
    page.fill("#as-of-date", JUNE_2023)  # type: ignore[attr-defined]
    page.locator("form.as-of button").click()  # type: ignore[attr-defined]
    page.wait_for_url(f"**as_of={JUNE_2023}*")  # type: ignore[attr-defined]
    then = page.locator("#figure-pledged").inner_text()  # type: ignore[attr-defined]
    assert then != today
    expected = httpx.get(server + "/api/dashboard", params={"as_of": JUNE_2023}).json()["figures"]
    assert page.locator("#figure-pledged").get_attribute("data-value") == str(expected["pledged"])  # type: ignore[attr-defined]
    assert page.locator("#as-of-date").input_value() == JUNE_2023  # type: ignore[attr-defined]
    # the date is carried by the links: the donors list opened from here is as of June 2023 too
    page.locator("nav a", has_text="Support totals").click()  # type: ignore[attr-defined]
    assert f"as_of={JUNE_2023}" in page.url  # type: ignore[attr-defined]
    assert page.locator("#as-of-date").input_value() == JUNE_2023  # type: ignore[attr-defined]
    shoot(page, "totals-as-of-june-2023")


def test_a_figure_leads_to_its_sources(server: str, page: object) -> None:
    page.goto(server + "/")  # type: ignore[attr-defined]
    page.locator("#figure-pledged").click()  # type: ignore[attr-defined]
    page.wait_for_url("**/ledger/provenance?measure=pledged*")  # type: ignore[attr-defined]
    shoot(page, "sources-behind-pledged")
    first_row = page.locator("#list-table tbody tr").first  # type: ignore[attr-defined]
    source_id = first_row.locator("td").nth(0).inner_text()
    title = first_row.locator("td").nth(1).locator("a")
    expected_title = title.inner_text()
    title.click()
    page.wait_for_url(f"**/sources/{source_id}*")  # type: ignore[attr-defined]
    assert page.locator("h1").inner_text() == expected_title  # type: ignore[attr-defined]
    grade = httpx.get(f"{server}/api/sources/{source_id}").json()["grade"]
    assert page.locator("#source-grade strong").inner_text() == grade  # type: ignore[attr-defined]
    shoot(page, "source")


def test_a_donor_row_opens_the_donor_page_with_its_sources(server: str, page: object) -> None:
    page.goto(server + "/")  # type: ignore[attr-defined]
    page.locator("#donors-table tbody tr").first.locator("td").first.locator("a").click()  # type: ignore[attr-defined]
    page.wait_for_url("**/donors/*")  # type: ignore[attr-defined]
    assert page.locator("#sources-table tbody tr").count() >= 1  # type: ignore[attr-defined]
    shoot(page, "donor")


def test_the_csv_download_holds_the_table(server: str, page: object) -> None:
    page.goto(server + "/ledger/totals?by=donor")  # type: ignore[attr-defined]
    with page.expect_download() as download_info:  # type: ignore[attr-defined]
        page.locator("a.download").first.click()  # type: ignore[attr-defined]
    path = download_info.value.path()
    rows = list(csv.DictReader(io.StringIO(Path(path).read_text(encoding="utf-8"))))
    listed = httpx.get(server + "/api/ledger/totals", params={"by": "donor", "per_page": 1000}).json()
    assert len(rows) == listed["total"]
    assert {r["donor"] for r in rows} == {r["donor"] for r in listed["rows"]}
    assert {"donor", "pledged", "delivered"} <= set(rows[0])


def test_the_keyboard_reaches_the_as_of_date(server: str, page: object) -> None:
    page.goto(server + "/")  # type: ignore[attr-defined]
    for _ in range(40):
        page.keyboard.press("Tab")  # type: ignore[attr-defined]
        if page.evaluate("document.activeElement && document.activeElement.id") == "as-of-date":  # type: ignore[attr-defined]
            break
    else:
        pytest.fail("forty presses of Tab did not reach the as-of date")
    assert page.evaluate("document.activeElement.labels[0].textContent") == "As known on"  # type: ignore[attr-defined]
