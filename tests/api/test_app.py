"""The app as a whole: OpenAPI, documentation page, HTML pages carrying the as-of date, errors."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sample_ledger import GOVERNMENT

HTML = {"accept": "text/html"}


def test_openapi_describes_every_list_and_its_csv(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    paths = set(schema["paths"])
    for view in client.app.state.views:  # type: ignore[attr-defined]
        assert "/api" + view.path in paths
        assert "/api" + view.path + ".csv" in paths
    totals = schema["paths"]["/api/ledger/totals"]["get"]
    assert {"as_of", "by", "donor"} <= {p["name"] for p in totals["parameters"]}
    assert client.get("/api/docs").status_code == 200


def test_every_list_has_a_page_whose_links_keep_the_as_of_date(client: TestClient) -> None:
    for view in client.app.state.views:  # type: ignore[attr-defined]
        if "{" in view.path:
            continue
        page = client.get(view.path, params={"as_of": "2024-02-01"}, headers=HTML)
        assert page.status_code == 200, view.path
        assert 'value="2024-02-01"' in page.text
        assert "as_of=2024-02-01" in page.text


def test_overview_donor_and_source_pages_render_and_link_to_sources(client: TestClient) -> None:
    overview = client.get("/", headers=HTML)
    assert overview.status_code == 200
    assert 'id="figure-pledged" href="/ledger/provenance?measure=pledged"' in overview.text
    assert '<label for="as-of-date">' in overview.text
    donor = client.get("/donors/DEU", headers=HTML)
    assert f"/sources/{GOVERNMENT.id}" in donor.text
    source = client.get(f"/sources/{GOVERNMENT.id}", headers=HTML)
    assert "A2" in source.text and GOVERNMENT.title in source.text


def test_errors_are_an_html_page_for_browsers_and_json_for_the_api(client: TestClient) -> None:
    page = client.get("/donors/XXX", headers=HTML)
    assert page.status_code == 404
    assert "no ledger entries for donor" in page.text
    api = client.get("/api/sources/nosuch")
    assert api.status_code == 404
    assert api.json()["error"].startswith("no source")


def test_static_charts_are_served_from_the_package_not_a_cdn(client: TestClient) -> None:
    for name in ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js"):
        assert client.get(f"/static/vendor/{name}").status_code == 200
    assert "cdn" not in client.get("/", headers=HTML).text.lower()
