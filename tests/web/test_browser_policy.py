"""The pages under their Content-Security-Policy, in a real browser: a page with charts draws them
(Vega's expressions run by its interpreter, not by eval), shows a tooltip styled from app.css (no
injected <style>), and the browser's console reports nothing — a script, style or image the
policy refuses, or a missing file, is reported there."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.browser


def every_chart_drawn(page: object) -> None:
    page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
    charts = page.locator("figure.chart [data-chart]")  # type: ignore[attr-defined]
    assert charts.count() >= 1
    page.locator("[data-chart][data-rendered=true]").first.wait_for(timeout=15000)  # type: ignore[attr-defined]
    for index in range(charts.count()):
        assert charts.nth(index).get_attribute("data-rendered") == "true", charts.nth(index).inner_text()


def test_the_policy_allows_no_inline_script_and_no_eval(server: str) -> None:
    policy = httpx.get(server + "/").headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_the_overview_draws_its_charts_and_tooltips_with_a_clean_console(
    server: str,
    watched: tuple[object, list[str]],
) -> None:
    page, said = watched
    page.goto(server + "/")  # type: ignore[attr-defined]
    every_chart_drawn(page)
    page.locator("figure.chart svg .mark-rect path").first.hover(force=True)  # type: ignore[attr-defined]
    tooltip = page.locator("#vg-tooltip-element.visible")  # type: ignore[attr-defined]
    tooltip.wait_for(timeout=5000)
    assert tooltip.evaluate("element => getComputedStyle(element).position") == "fixed"
    assert page.locator("style").count() == 0  # type: ignore[attr-defined]
    assert said == []


def test_a_donor_page_draws_its_chart_with_a_clean_console(
    server: str,
    watched: tuple[object, list[str]],
) -> None:
    page, said = watched
    page.goto(server + "/")  # type: ignore[attr-defined]
    page.locator("#donors-table tbody tr").first.locator("td").first.locator("a").click()  # type: ignore[attr-defined]
    page.wait_for_url("**/donors/*")  # type: ignore[attr-defined]
    every_chart_drawn(page)
    assert said == []


@pytest.mark.parametrize("path", ["/ledger/totals", "/readiness/heatmap"])
def test_a_list_page_draws_its_chart_with_a_clean_console(
    server: str,
    watched: tuple[object, list[str]],
    path: str,
) -> None:
    page, said = watched
    page.goto(server + path)  # type: ignore[attr-defined]
    every_chart_drawn(page)
    assert said == []
