"""The pages on a phone's width (375 px): a long unbroken token — a web address, a file reference,
a title without spaces — wraps inside the page, and a chart wider than the page scrolls inside its
own box; the page itself never scrolls sideways."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest

pytestmark = pytest.mark.browser
PHONE = {"width": 375, "height": 800}
UNBROKEN = "https://example.org/" + "a-very-long-path-segment-without-spaces" * 4


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=PHONE)
    try:
        yield context.new_page()
    finally:
        context.close()


def first(server: str, path: str, **params: Any) -> dict[str, Any]:
    answer = httpx.get(server + path, params={"per_page": 1000, **params})
    assert answer.status_code == 200, answer.text
    rows: list[dict[str, Any]] = answer.json()["rows"]
    assert rows, path
    return rows[0]


def narrow_pages(server: str) -> list[str]:
    posted = httpx.post(
        server + "/api/sources",
        json={"kind": "statement", "title": UNBROKEN, "url": UNBROKEN, "grade": "B2"},
    )
    assert posted.status_code == 201, posted.text
    source = first(server, "/api/sources", sort="-url", url__contains="a-very-long-path")
    standard = max(
        httpx.get(server + "/api/standards", params={"per_page": 1000}).json()["rows"],
        key=lambda row: len(row["title"] or ""),
    )
    plan = first(server, "/api/plans")
    return [
        f"/sources/{source['id']}",
        f"/standards/{quote(standard['designator'], safe='')}",
        f"/plans/{quote(plan['plan'], safe='')}",
    ]


def test_no_page_scrolls_sideways_on_a_phone(server: str, phone: Any) -> None:
    wider = {}
    for path in narrow_pages(server):
        phone.goto(server + path)
        for chart in phone.query_selector_all(".vega"):
            chart.wait_for_element_state("stable")
        phone.wait_for_function(
            "[...document.querySelectorAll('.vega')].every(chart => chart.dataset.rendered)", timeout=15_000
        )
        width = phone.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            wider[path] = width
    assert not wider, f"pages wider than {PHONE['width']} px: {wider}"
