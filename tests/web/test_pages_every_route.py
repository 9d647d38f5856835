"""Every page the app serves, in a real browser (Debian's Chromium through Playwright, over the
demonstration data): the pages are taken from the route table of the app ``create_app`` builds —
every GET route outside /api, the OpenAPI description and the static files — so a new page is
visited the day it is added, and one whose path parameter this module cannot fill fails until
``PARAMETERS`` says where its value comes from.

For each page: HTTP 200 and HTML; every chart's spec a Vega-Lite object; every chart drawn with
marks (or, where its data are empty, saying so); no axis label in SI prefixes ("500G"); no table
cell wider than its box, no page wider than the window, long cells cut to three lines with the
whole text in their title; nothing on the browser's console; and a screenshot in
tests/screenshots/page-*.png. Then the units and states a reader relies on: money as "€500 bn"
(the Vega expression and its Python twin agree, under the pages' security policy), shares as
"45%", and "not reported" drawn as its own state on the fulfilment chart."""

from __future__ import annotations

import json
import math
import re
import tempfile
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

from ltsplan.charting.vega import base_spec, money_expr, money_label
from ltsplan.config import Settings
from ltsplan.server import create_app

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"

# Where each path parameter's value comes from in the demonstration data: the route's path up to
# the parameter → the API list (and its query) whose first row gives it, and the column.
PARAMETERS: dict[str, tuple[str, dict[str, str], str]] = {
    "/donors/{code}": ("/api/ledger/totals", {"by": "donor", "sort": "-pledged"}, "donor"),
    "/sources/{source_id}": ("/api/sources", {}, "id"),
    "/ledger/entries/{entry_id}": ("/api/ledger/entries", {}, "id"),
    "/standards/{designator}": ("/api/standards", {}, "designator"),
    "/readiness/elements/{code}": ("/api/readiness/elements", {}, "element"),
    "/pathway/decisions/{code}": ("/api/pathway/decisions", {}, "decision"),
    "/objectives/{code}": ("/api/objectives", {}, "objective"),
    "/plans/{code}": ("/api/plans", {}, "plan"),
}
NOT_PAGES = ("/api", "/static")
# Vega's own marks (not axes, legends or titles) a drawn chart has at least one of.
MARKS = "g.role-mark path, g.role-mark text, g.role-mark line, g.role-mark circle, g.role-mark image"
SI_PREFIXED = re.compile(r"[−-]?\d+(\.\d+)?[kMGTP]")  # d3's "~s": 500G, 20M
MONEY = re.compile(r"[−]?€\d+(\.\d+)?( (k|m|bn|tn))?")
PERCENT = re.compile(r"\d+%")
LINE_HEIGHT_TOLERANCE = 1.2  # a clamped cell is at most three lines high, with rounding


def html_routes(app: FastAPI) -> list[str]:
    """The path of every GET route of ``app`` that answers a page: not the API, not the OpenAPI
    description or the API's documentation, not the static files."""
    skipped = {app.openapi_url, app.docs_url, app.redoc_url}
    paths: list[str] = []
    for route in iter_route_contexts(app.routes):
        path, methods = route.path or "", route.methods or set()
        if "GET" not in methods or path in skipped or path.startswith(NOT_PAGES) or path in paths:
            continue
        paths.append(path)
    return paths


def routes_of_the_app() -> list[str]:
    """The pages of the app the server runs, read from its route table when tests are collected
    (the app is built over an empty database: routes do not depend on data)."""
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(Settings(database_url=f"sqlite:///{Path(folder) / 'routes.db'}"))
        try:
            return html_routes(app)
        finally:
            app.state.database.dispose()


ROUTES = routes_of_the_app()


@pytest.fixture(scope="module")
def samples(server: str) -> dict[str, str]:
    """Each ``PARAMETERS`` prefix with its path filled from the demonstration data."""
    filled: dict[str, str] = {}
    for prefix, (api, params, column) in PARAMETERS.items():
        rows = httpx.get(server + api, params={**params, "per_page": 1}).json()["rows"]
        if rows:
            name = prefix[prefix.rindex("{") :]
            filled[prefix] = prefix.replace(name, str(rows[0][column]))
    return filled


def filled_path(route: str, samples: dict[str, str]) -> str:
    """``route`` with every path parameter filled, or a failure saying what to declare."""
    path = route
    while "{" in path:
        end = path.index("}") + 1
        prefix = path[:end]
        if prefix not in PARAMETERS:
            pytest.fail(
                f"the page {route} has a path parameter this test cannot fill: add "
                f"{prefix!r}: (API list, its query, column) to PARAMETERS in {Path(__file__).name}"
            )
        if prefix not in samples:
            pytest.fail(f"the demonstration data have no row to fill {prefix} of {route}")
        path = samples[prefix] + path[end:]
    return path


def screenshot_name(route: str) -> str:
    words = re.sub(r"[{}]", "", route).strip("/").replace("/", "-") or "overview"
    return f"page-{words}"


def vega_lite_problem(spec: Any) -> str | None:
    """Why ``spec`` is not a Vega-Lite object with data and marks, or None when it is."""
    if not isinstance(spec, dict):
        return f"the spec is a {type(spec).__name__}, not an object"
    if "vega-lite" not in str(spec.get("$schema", "")):
        return f"$schema is {spec.get('$schema')!r}, not Vega-Lite's"
    parts = [spec, *spec.get("layer", []), *spec.get("hconcat", []), *spec.get("vconcat", [])]
    parts += spec.get("concat", []) + ([spec["spec"]] if "spec" in spec else [])
    if not any("mark" in p or "layer" in p for p in parts):
        return "the spec has no mark and no layer"
    if "data" not in spec and not all("data" in p for p in parts[1:] if "mark" in p):
        return "the spec has no data"
    return None


def rows_of(spec: dict[str, Any]) -> int:
    """How many rows of inline data the spec (with its layers and parts) carries."""
    parts = [spec, *spec.get("layer", []), *spec.get("hconcat", []), *spec.get("vconcat", [])]
    parts += spec.get("concat", []) + ([spec["spec"]] if "spec" in spec else [])
    inline = [p["data"]["values"] for p in parts if isinstance(p.get("data"), dict) and "values" in p["data"]]
    return sum(len(values) for values in inline) + sum(len(v) for v in spec.get("datasets", {}).values())


def open_page(page: Any, url: str) -> Any:
    """Open ``url`` and wait until every chart on it has ended in a state (charts.js sets it)."""
    response = page.goto(url, wait_until="load")
    page.wait_for_function(
        "() => [...document.querySelectorAll('figure.chart [data-chart]')]"
        ".every(c => c.hasAttribute('data-rendered'))",
        timeout=20000,
    )
    return response


def chart_problems(page: Any) -> list[str]:
    problems: list[str] = []
    figures = page.locator("figure.chart")
    for index in range(figures.count()):
        figure = figures.nth(index)
        label = figure.locator("[data-chart]").get_attribute("aria-label")
        spec = json.loads(figure.locator("script.vega-spec").text_content())
        if (wrong := vega_lite_problem(spec)) is not None:
            problems.append(f"chart {label!r}: {wrong}")
            continue
        container = figure.locator("[data-chart]")
        state = container.get_attribute("data-rendered")
        if state == "true":
            if container.locator("svg, canvas").count() == 0 or container.locator(MARKS).count() == 0:
                problems.append(f"chart {label!r} was drawn without a single mark")
            axis_labels = container.locator("g.role-axis-label text").all_text_contents()
            si = [t for t in axis_labels if SI_PREFIXED.fullmatch(t)]
            if si:
                problems.append(f"chart {label!r} labels its axis with SI prefixes: {si[:5]}")
        elif state == "empty":
            if rows_of(spec):
                problems.append(f"chart {label!r} says it has no data, but its spec has {rows_of(spec)} rows")
            if not container.locator(".chart-empty").inner_text().strip():
                problems.append(f"chart {label!r} has no data and says nothing")
        else:
            problems.append(f"chart {label!r} is not drawn ({state}): {container.inner_text()[:200]}")
    return problems


TABLE_CHECK = """() => {
  const overflowing = [...document.querySelectorAll('td, th')]
    .filter(cell => cell.scrollWidth > cell.clientWidth + 1)
    .map(cell => cell.textContent.trim().slice(0, 60));
  const unreachable = [...document.querySelectorAll('.table-wrap')]
    .filter(wrap => wrap.scrollWidth > wrap.clientWidth + 1 && wrap.tabIndex < 0)
    .map(wrap => wrap.id || wrap.getAttribute('aria-label'));
  const tall = [...document.querySelectorAll('td.long')].filter(cell => {
    const clamp = cell.querySelector('.clamp');
    const line = parseFloat(getComputedStyle(clamp).lineHeight);
    return clamp.getBoundingClientRect().height > 3 * line * TOLERANCE
      || cell.getAttribute('title') !== clamp.textContent;
  }).map(cell => cell.textContent.trim().slice(0, 60));
  return {overflowing, unreachable, tall,
          page: document.documentElement.scrollWidth, window: window.innerWidth};
}""".replace("TOLERANCE", str(LINE_HEIGHT_TOLERANCE))


def table_problems(page: Any) -> list[str]:
    found = page.evaluate(TABLE_CHECK)
    problems = []
    if found["overflowing"]:
        problems.append(f"table cells wider than their box: {found['overflowing'][:5]}")
    if found["unreachable"]:
        problems.append(f"tables wider than the page that the keyboard cannot scroll: {found['unreachable']}")
    if found["tall"]:
        problems.append(f"long cells not cut to three lines with their text in a title: {found['tall'][:5]}")
    if found["page"] > found["window"]:
        problems.append(f"the page is {found['page']} px wide in a {found['window']} px window")
    return problems


def test_the_pages_are_read_from_the_route_table() -> None:
    # the pages every other module of the app adds are here, and nothing of the API's
    assert "/" in ROUTES and "/ledger/totals" in ROUTES and "/donors/{code}" in ROUTES
    assert not [r for r in ROUTES if r.startswith(("/api", "/static")) or r == "/openapi.json"]
    assert len(ROUTES) == len(set(ROUTES))


@pytest.mark.parametrize("route", ROUTES)
def test_every_page_answers_draws_its_charts_and_fits(
    route: str,
    server: str,
    samples: dict[str, str],
    watched: tuple[Any, list[str]],
) -> None:
    page, said = watched
    path = filled_path(route, samples)
    response = open_page(page, server + path)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{screenshot_name(route)}.png"), full_page=True)
    assert response.status == 200, f"{path} answered {response.status}"
    assert response.headers["content-type"].startswith("text/html"), response.headers["content-type"]
    problems = chart_problems(page) + table_problems(page)
    problems += [f"console: {message}" for message in said]
    assert problems == [], f"{path}:\n" + "\n".join(problems)


MONEY_VALUES = [
    0.0,
    0.4,
    512.0,
    999.4,
    999.6,
    1234.0,
    20e6,
    -20e6,
    999.4e6,
    999.7e6,
    3.2e9,
    3.25e9,
    1.125e9,
    500e9,
    547_983_846_000.0,
    1.25e12,
    -7.5e3,
    12_345_678.9,
]


def test_the_money_expression_gives_the_python_text_under_the_pages_policy(
    server: str,
    watched: tuple[Any, list[str]],
) -> None:
    """The expression every money axis and tooltip uses, run by vega-interpreter in the page (no
    eval), writes each value as ``money_label`` does for the command line's figures."""
    page, said = watched
    open_page(page, server + "/ledger/series")
    for currency in ("EUR", "USD", "CHF"):
        spec = base_spec("money", "money labels")
        spec.update(
            data={"values": [{"i": i, "v": v} for i, v in enumerate(MONEY_VALUES)] + [{"i": -1, "v": None}]},
            transform=[{"calculate": f"datum.i + '|' + ({money_expr('datum.v', currency)})", "as": "text"}],
            mark="text",
            encoding={"text": {"field": "text"}, "y": {"field": "i", "type": "ordinal"}},
        )
        texts = page.evaluate(
            """async spec => {
                 const target = document.createElement('div');
                 document.body.appendChild(target);
                 const options = {renderer: 'svg', ast: true, actions: false, defaultStyle: false,
                                      tooltip: {disableDefaultStyle: true},
                                  expr: window.vegaInterpreter.expressionInterpreter};
                 await window.vegaEmbed(target, spec, options);
                 const texts = [...target.querySelectorAll('g.role-mark text')].map(t => t.textContent);
                 target.remove();
                 return texts;
               }""",
            spec,
        )
        drawn = dict(t.split("|", 1) for t in texts)
        expected = {str(i): money_label(v, currency) for i, v in enumerate(MONEY_VALUES)}
        expected["-1"] = "—"
        assert drawn == expected
    assert said == []


@pytest.mark.parametrize("path", ["/ledger/totals", "/ledger/series"])
def test_money_axes_read_in_currency_units(
    server: str,
    watched: tuple[Any, list[str]],
    path: str,
) -> None:
    page, _ = watched
    open_page(page, server + path)
    labels = page.locator("figure.chart g.role-axis-label text").all_text_contents()
    money = [t for t in labels if "€" in t]
    assert len(money) >= 3, labels
    assert [t for t in money if not MONEY.fullmatch(t)] == []
    # a scale, not a number in cents: the largest label is in bn for the demo's hundreds of billions
    assert any(t.endswith(" bn") for t in money), money


def test_the_fulfilment_chart_draws_not_reported_groups_as_their_own_state(
    server: str,
    watched: tuple[Any, list[str]],
) -> None:
    page, said = watched
    open_page(page, server + "/ledger/fulfilment")
    listed = httpx.get(server + "/api/ledger/fulfilment", params={"per_page": 25}).json()["rows"]
    shares = [r for r in listed if r["fulfilment"] is not None]
    silent = [r for r in listed if r["delivered"] is None]
    chart = page.locator("figure.chart [data-chart]").first
    assert chart.get_attribute("data-rendered") == "true"
    bars = chart.locator("g.role-mark.layer_0_marks path")
    labels = chart.locator("g.role-mark.layer_1_marks text").all_text_contents()
    unreported = chart.locator("g.role-mark.layer_2_marks text")
    # one bar per group with a share, none for the others: "not reported" is not a bar at 0 %
    assert bars.count() == len(shares)
    assert unreported.all_text_contents() == ["not reported"] * len(silent)
    assert all(unreported.nth(i).get_attribute("font-style") == "italic" for i in range(len(silent)))
    assert len(labels) + len(silent) == len(listed)
    drawn = sorted(float(t[:-1]) for t in labels if PERCENT.fullmatch(t))
    assert len(drawn) == len(shares)
    expected = sorted(100 * r["fulfilment"] for r in shares)
    assert all(abs(d - e) <= 0.5 + 1e-9 for d, e in zip(drawn, expected, strict=True))
    axis = chart.locator("g.role-axis[aria-label^='X-axis'] g.role-axis-label text").all_text_contents()
    assert axis and all(PERCENT.fullmatch(t) for t in axis), axis
    assert said == []


def test_long_cells_of_the_decisions_are_cut_with_their_text_in_the_title(
    server: str,
    watched: tuple[Any, list[str]],
) -> None:
    page, _ = watched
    open_page(page, server + "/pathway/decisions")
    listed = httpx.get(server + "/api/pathway/decisions").json()["rows"]
    members = [r[c] for r in listed for c in ("supporters", "conditional") if r[c] and len(r[c]) > 60]
    assert members, "the demonstration's decisions have no long list of members any more"
    cells = page.locator("#list-table td.long")
    titles = [cells.nth(i).get_attribute("title") for i in range(cells.count())]
    assert set(members) <= set(titles)
    line = page.evaluate("parseFloat(getComputedStyle(document.querySelector('td.long .clamp')).lineHeight)")
    heights = [cells.nth(i).locator(".clamp").bounding_box()["height"] for i in range(cells.count())]
    assert max(heights) <= math.ceil(3 * line) + 1
    assert table_problems(page) == []
