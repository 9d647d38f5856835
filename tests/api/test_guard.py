"""The HTTP face against hostile input (views/guard.py, views/errors.py): query values too large
for the code behind them are 4xx answers in the usual shape, HEAD works wherever GET does, a 405
names every method of the path, request bodies are capped, and every answer carries the security
headers under a policy that allows no inline script."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sample_ledger import load_ledger

from ltsplan.config import DEFAULT_MAX_BODY_BYTES, Settings
from ltsplan.server import create_app
from ltsplan.store.db import Database
from ltsplan.views.errors import ErrorBody
from ltsplan.views.guard import POLICY

HTML = {"accept": "text/html"}
LIMIT = 4_000
TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "ltsplan" / "web" / "templates"
SECURITY = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}

HOSTILE = [
    ("/api/ledger/totals?page=99999999999999999999999", "page"),
    ("/api/ledger/entries?page=99999999999999999999999", "page"),
    ("/api/ledger/totals?per_page=99999999999999999999", "per_page"),
    ("/api/ledger/totals?page=0", "page"),
    ("/api/ledger/totals?as_of=9999-12-31", "as_of"),
    ("/api/ledger/totals?as_of=0001-01-01", "as_of"),
    ("/api/ledger/totals?as_of=0001-01-01T00:00:00%2B01:00", "as_of"),
    ("/api/ledger/totals?as_of=9999-12-31T23:59:59-05:00", "as_of"),
    ("/api/dashboard?as_of=9999-12-31", "as_of"),
    ("/api/ledger/totals?gdp_year=", "gdp_year"),
    ("/api/ledger/totals?gdp_year=99999999999999999999", "gdp_year"),
    ("/api/ledger/totals?from_year=99999999999999999999", "from_year"),
    ("/api/ledger/totals?to_year=-99999999999999999999", "to_year"),
    ("/api/ledger/provenance?year=99999999999999999999", "year"),
    ("/api/ledger/provenance?month=13", "month"),
    ("/api/readiness/milestones?on=0001-01-01", "on"),
    ("/api/readiness/elements?on=9999-12-31", "on"),
    ("/api/ledger/totals?entries=99999999999999999999", "entries"),
    ("/api/ledger/totals?pledged__gte=", "pledged__gte"),
    ("/api/ledger/entries?amount__lt=", "amount__lt"),
]


@pytest.fixture
def limited(db: Database) -> Iterator[TestClient]:
    """The app with a small body limit, so that the tests' bodies stay small."""
    load_ledger(db)
    app = create_app(Settings(database_url=db.url, max_body_bytes=LIMIT), database=db)
    with TestClient(app) as test_client:
        yield test_client


def assert_error_shape(answer: Any, status: int | None = None) -> dict[str, Any]:
    assert 400 <= answer.status_code < 500, (answer.status_code, answer.text[:300])
    if status is not None:
        assert answer.status_code == status
    body: dict[str, Any] = answer.json()
    ErrorBody.model_validate(body)
    assert body["status"] == answer.status_code and body["error"]
    return body


@pytest.mark.parametrize(("url", "field"), HOSTILE, ids=[u for u, _ in HOSTILE])
def test_a_hostile_query_is_a_4xx_naming_its_field(client: TestClient, url: str, field: str) -> None:
    body = assert_error_shape(client.get(url), 422)
    assert field in {p["field"] for p in body["problems"]}, body


def test_a_hostile_query_on_a_page_is_an_error_page_not_a_server_error(client: TestClient) -> None:
    page = client.get("/ledger/totals?page=99999999999999999999999", headers=HTML)
    assert page.status_code == 422
    assert "between 1 and 1,000,000,000" in page.text


def test_years_keep_working_inside_their_bounds(client: TestClient) -> None:
    answer = client.get("/api/ledger/totals", params={"from_year": 1900, "to_year": 2200, "gdp_year": 2021})
    assert answer.status_code == 200, answer.text
    assert client.get("/api/ledger/totals", params={"as_of": "2023-06-14T12:00:00+02:00"}).status_code == 200


def same_but_body(get: Any, head: Any) -> None:
    assert head.status_code == get.status_code
    assert dict(head.headers) == dict(get.headers)
    assert head.content == b"" and get.content != b""


def test_head_answers_a_list_as_get_does_without_the_body(client: TestClient) -> None:
    url = "/api/ledger/totals?by=donor&sort=-pledged"
    same_but_body(client.get(url), client.head(url))
    same_but_body(client.get("/api/ledger/totals.csv"), client.head("/api/ledger/totals.csv"))


def test_head_answers_a_page_and_a_static_file(client: TestClient) -> None:
    same_but_body(client.get("/", headers=HTML), client.head("/", headers=HTML))
    same_but_body(client.get("/static/app.css"), client.head("/static/app.css"))


def test_head_of_a_cached_answer_comes_from_the_cache(client: TestClient) -> None:
    url = "/api/ledger/fulfilment?by=donor"
    first = client.get(url)
    cache = client.app.state.cache  # type: ignore[attr-defined]
    hits: list[bool] = []
    peek = cache.peek

    def counted(key: Any) -> Any:
        found = peek(key)
        hits.append(found is not None)
        return found

    cache.peek = counted
    same_but_body(first, client.head(url))
    assert hits == [True]


def test_head_of_a_missing_record_is_a_404_without_a_body(client: TestClient) -> None:
    get, head = client.get("/api/sources/nosuch"), client.head("/api/sources/nosuch")
    assert get.status_code == head.status_code == 404
    assert head.content == b"" and head.headers["content-length"] == get.headers["content-length"]


def test_a_405_allows_every_method_of_every_route_at_the_path(client: TestClient) -> None:
    answer = client.delete("/api/ledger/entries")
    assert_error_shape(answer, 405)
    assert answer.headers["allow"] == "GET, HEAD, POST"
    assert client.delete("/api/ledger/entries/abc").headers["allow"] == "GET, HEAD, PUT"
    assert client.post("/api/ledger/totals").headers["allow"] == "GET, HEAD"
    assert client.delete("/static/app.css").headers["allow"] == "GET, HEAD"


def test_an_unknown_api_path_is_a_404_in_the_usual_shape(client: TestClient) -> None:
    body = assert_error_shape(client.get("/api/no/such/list"), 404)
    assert "/api/no/such/list" in body["error"]


def source_body(size: int) -> bytes:
    """A valid source, padded with trailing white space (valid JSON) to ``size`` bytes."""
    text = json.dumps({"kind": "statement", "title": "Minister statement", "grade": "B2"})
    return (text + " " * (size - len(text))).encode()


def test_a_body_at_the_limit_is_taken(limited: TestClient) -> None:
    answer = limited.post("/api/sources", content=source_body(LIMIT))
    assert answer.status_code == 201, answer.text


def test_a_body_declared_over_the_limit_is_refused_with_413(limited: TestClient) -> None:
    answer = limited.post("/api/sources", content=source_body(LIMIT + 1))
    body = assert_error_shape(answer, 413)
    assert f"limit of {LIMIT} bytes" in body["error"]
    assert answer.headers["x-content-type-options"] == "nosniff"


def test_a_chunked_body_over_the_limit_is_refused_with_413(limited: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(10):
            yield b" " * 1000

    answer = limited.post("/api/sources", content=chunks(), headers={"content-type": "application/json"})
    body = assert_error_shape(answer, 413)
    assert f"limit of {LIMIT} bytes" in body["error"]


def test_a_growing_body_is_not_read_past_the_limit(db: Database) -> None:
    """Driven at the ASGI level: the body never ends, so only the limit stops the reading."""
    app = create_app(Settings(database_url=db.url, max_body_bytes=LIMIT), database=db)
    chunk = 1000
    pulled = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        pulled += 1
        return {"type": "http.request", "body": b" " * chunk, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/sources",
        "raw_path": b"/api/sources",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json"), (b"host", b"testserver")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    anyio.run(app, scope, receive, send)
    assert sent[0]["status"] == 413
    assert pulled == LIMIT // chunk + 1


def test_the_default_limit_is_one_megabyte() -> None:
    assert DEFAULT_MAX_BODY_BYTES == 1_000_000
    assert Settings().max_body_bytes == 1_000_000


def test_every_kind_of_answer_carries_the_security_headers(limited: TestClient) -> None:
    answers = {
        "page": limited.get("/", headers=HTML),
        "json": limited.get("/api/ledger/totals"),
        "csv": limited.get("/api/ledger/totals.csv"),
        "static": limited.get("/static/vendor/vega-interpreter.js"),
        "404 page": limited.get("/no/such/page", headers=HTML),
        "404 api": limited.get("/api/no/such/list"),
        "405": limited.delete("/api/ledger/totals"),
        "413": limited.post("/api/sources", content=b" " * (LIMIT + 1)),
        "422": limited.get("/api/ledger/totals?page=0"),
        "openapi": limited.get("/openapi.json"),
    }
    for name, answer in answers.items():
        assert answer.headers["content-security-policy"] == POLICY, name
        for header, value in SECURITY.items():
            assert answer.headers[header] == value, (name, header)


def test_a_server_error_carries_the_headers_and_the_json_shape(db: Database) -> None:
    app: FastAPI = create_app(Settings(database_url=db.url), database=db)

    def broken() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/api/broken", broken)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        answer = test_client.get("/api/broken")
    assert answer.status_code == 500
    assert answer.json()["status"] == 500
    assert answer.headers["content-security-policy"] == POLICY


def directives(policy: str) -> dict[str, list[str]]:
    found = {}
    for part in policy.split(";"):
        name, *values = part.split()
        found[name] = values
    return found


def test_the_policy_allows_scripts_from_this_server_only() -> None:
    policy = directives(POLICY)
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in policy["style-src"] and "'unsafe-eval'" not in POLICY


def test_no_template_has_an_inline_script_or_an_inline_handler() -> None:
    for template in sorted(TEMPLATES.glob("*.html")):
        text = template.read_text(encoding="utf-8")
        for attributes in re.findall(r"<script\b([^>]*)>", text):
            assert "src=" in attributes or 'type="application/json"' in attributes, (
                template.name,
                attributes,
            )
        assert not re.search(r"\son[a-z]+\s*=", text), template.name
        assert "style=" not in text, template.name


def test_the_docs_page_allows_its_one_inline_script_by_hash(client: TestClient) -> None:
    answer = client.get("/api/docs")
    assert answer.status_code == 200
    policy = directives(answer.headers["content-security-policy"])
    scripts = re.findall(r"<script>(.*?)</script>", answer.text, re.DOTALL)
    assert len(scripts) == 1
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    assert f"'sha256-{digest}'" in policy["script-src"]
    assert "'unsafe-inline'" not in policy["script-src"] and "'self'" not in policy["script-src"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"]


def test_openapi_documents_the_error_answers_with_their_body(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert "ErrorBody" in schema["components"]["schemas"]
    for path, operations in schema["paths"].items():
        assert path.startswith("/api/"), path
        for method, operation in operations.items():
            for status in ("400", "404", "413", "422"):
                documented = operation["responses"].get(status)
                assert documented, (method, path, status)
                reference = documented["content"]["application/json"]["schema"]["$ref"]
                assert reference.endswith("/ErrorBody"), (method, path, status)
