"""The pictures in a real browser (Debian's Chromium driven by Playwright, against a real uvicorn
server over the demonstration data, under the pages' security policy): the decisions page's grid
and timeline, a decision's page, the donors maps and the readiness heatmaps draw one mark per row of
the answers behind them — the whole answer, not the page of the table shown — and the console stays
clean. The browser set-up is conftest.py's."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pycountry
import pytest

pytestmark = pytest.mark.browser

ATLAS = Path(__file__).resolve().parents[2] / "src/ltsplan/web/static/vendor/world-atlas/countries-110m.json"


def drawn(page: object, picture: str) -> None:
    """Wait until the picture in the section ``picture`` is drawn (or has failed)."""
    chart = page.locator(f"#{picture} [data-chart]")  # type: ignore[attr-defined]
    page.locator(f"#{picture} [data-chart][data-rendered]").wait_for(timeout=20000)  # type: ignore[attr-defined]
    assert chart.get_attribute("data-rendered") == "true", chart.inner_text()


def marks(page: object, picture: str, selector: str) -> int:
    """How many marks of one kind the picture drew (its SVG's groups of role-mark)."""
    counted: int = page.evaluate(  # type: ignore[attr-defined]
        "([picture, selector]) => Array.from(document.querySelectorAll(`#${picture} svg g.role-mark${selector}`))"
        ".reduce((n, g) => n + g.children.length, 0)",
        [picture, selector],
    )
    return counted


def total(server: str, path: str, **params: str) -> int:
    found: int = httpx.get(f"{server}/api{path}.json", params={"per_page": 1, **params}).json()["total"]
    return found


def test_the_decisions_page_draws_a_cell_per_member_and_decision_and_a_dot_per_change(
    server: str, watched: tuple[object, list[str]]
) -> None:
    page, said = watched
    page.goto(server + "/pathway/decisions?per_page=1")  # type: ignore[attr-defined]
    drawn(page, "position-grid")
    drawn(page, "position-timeline")
    cells = total(server, "/pathway/position-grid")
    assert marks(page, "position-grid", ".mark-rect") == cells
    assert marks(page, "position-grid", ".mark-text") == cells  # every cell labelled in words
    labels = page.locator("#position-grid svg g.role-mark.mark-text").first.text_content()  # type: ignore[attr-defined]
    assert "support" in labels
    assert marks(page, "position-timeline", ".mark-symbol") == total(server, "/pathway/position-changes")
    assert said == []


def test_a_decisions_page_shows_who_holds_it_up_and_its_timeline(
    server: str, watched: tuple[object, list[str]]
) -> None:
    page, said = watched
    page.goto(server + "/pathway/decisions?as_of=2023-06-14")  # type: ignore[attr-defined]
    drawn(page, "position-grid")
    page.locator("#list-table a", has_text="invite-ukraine").first.click()  # type: ignore[attr-defined]
    page.wait_for_url("**/pathway/decisions/invite-ukraine?as_of=2023-06-14")  # type: ignore[attr-defined]
    page.locator("[data-chart][data-rendered]").first.wait_for(timeout=20000)  # type: ignore[attr-defined]
    assert page.locator("[data-chart]").first.get_attribute("data-rendered") == "true"  # type: ignore[attr-defined]
    changes = total(server, "/pathway/position-changes", decision="invite-ukraine", as_of="2023-06-14")
    assert marks(page, "main", ".mark-symbol") == changes
    held = page.locator("#holdouts-table tbody tr")  # type: ignore[attr-defined]
    assert held.count() >= 1 and "conditional" in held.first.inner_text()
    assert said == []


def test_the_donors_maps_colour_every_donor_they_can_draw_and_lead_to_its_page(
    server: str, watched: tuple[object, list[str]]
) -> None:
    page, said = watched
    page.goto(server + "/ledger/map")  # type: ignore[attr-defined]
    drawn(page, "map-money")
    drawn(page, "map-share")
    atlas = json.loads(ATLAS.read_text(encoding="utf-8"))
    ids = {g["id"] for g in atlas["objects"]["countries"]["geometries"] if g.get("id")}
    rows = httpx.get(server + "/api/ledger/map.json", params={"per_page": 1000}).json()["rows"]

    def numeric(code: str) -> str | None:
        country = pycountry.countries.get(alpha_3=code)
        return country.numeric if country else None

    on_map = [r for r in rows if numeric(r["donor"]) in ids]
    assert marks(page, "map-money", ".layer_0_marks") == len(atlas["objects"]["countries"]["geometries"])
    assert marks(page, "map-money", ".layer_1_marks") == sum(1 for r in on_map if (r["pledged"] or 0) > 0)
    assert marks(page, "map-share", ".layer_1_marks") == sum(
        1 for r in on_map if (r["pledged_pct_gdp"] or 0) > 0
    )
    country = page.locator("#map-money svg g.layer_1_marks path").first  # type: ignore[attr-defined]
    name = country.get_attribute("aria-label")
    country.dispatch_event("click")
    page.wait_for_url("**/donors/*")  # type: ignore[attr-defined]
    donor = page.url.rsplit("/", 1)[1]  # type: ignore[attr-defined]
    assert f"/donors/{donor}" in name
    assert said == []


def test_the_readiness_heatmap_and_an_elements_grid_draw_every_cell(
    server: str, watched: tuple[object, list[str]]
) -> None:
    page, said = watched
    page.goto(server + "/readiness/heatmap")  # type: ignore[attr-defined]
    drawn(page, "readiness-heatmap")
    cells = httpx.get(server + "/api/readiness/heatmap.json", params={"per_page": 1000}).json()
    assert cells["total"] > 50  # more than the table's first page: the picture draws them all
    scored = sum(1 for r in cells["rows"] if r["score"] is not None)
    assert marks(page, "readiness-heatmap", ".mark-rect") == scored
    assert marks(page, "readiness-heatmap", ".mark-text") == cells["total"]
    assert "rule:" in page.locator("#readiness-heatmap svg").text_content().lower()  # type: ignore[attr-defined]
    first = cells["rows"][0]["element"]
    page.goto(f"{server}/readiness/elements/{first}")  # type: ignore[attr-defined]
    drawn(page, "target-grid")
    # the grid is every target the element's rolled-up score counts: its own and those below it
    rolled = httpx.get(server + "/api/readiness/elements.json", params={"element": first}).json()["rows"][0]
    assert marks(page, "target-grid", ".mark-rect") == rolled["targets"]
    assert said == []
