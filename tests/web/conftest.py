"""The browser tests' shared set-up: Debian's Chromium driven by Playwright against a real uvicorn
server on a loopback port, over the demonstration data (``server``, ``browser``, ``watched``: one
server and one browser per test module; ``serve`` serves any other database). A test that needs
the browser is skipped where Chromium is not installed."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from ltsplan import demo
from ltsplan.config import Settings
from ltsplan.server import create_app
from ltsplan.store.db import Database, open_database

CHROMIUM = os.environ.get("LTSPLAN_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serving(url: str, database: Database) -> Iterator[str]:
    """The app over ``database`` on a uvicorn server on a free loopback port; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(
        create_app(Settings(database_url=url), database=database),
        host="127.0.0.1",
        port=port,
        log_level="warning",
    )
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the server did not start within 20 s")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        running.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def serve() -> Callable[[str, Database], contextlib.AbstractContextManager[str]]:
    """``serving``, for a test module that serves a database of its own."""
    return serving


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('web') / 'demo.db'}"
    database = open_database(url)
    demo.run(database)
    try:
        with serving(url, database) as base:
            yield base
    finally:
        database.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not (shutil.which(CHROMIUM) or Path(CHROMIUM).exists()):
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield launched
        finally:
            launched.close()


def complaint(message: Any) -> bool:
    """An error on the browser's console, or a warning of Vega's: a part of a spec it dropped. Not
    "Dropping fit…": Vega-Lite 6 says it whenever a chart as wide as the page has rows of their own
    height, even under the fit-x it keeps, and draws the chart as asked."""
    if message.type == "error":
        return True
    text = message.text
    return bool(
        message.type == "warning" and text.startswith("WARN") and not text.startswith('WARN Dropping "fit')
    )


@pytest.fixture
def watched(browser: object) -> Iterator[tuple[Any, list[str]]]:
    """A page at 1280 × 900, and every error the browser's console reported on it, with every
    warning of Vega's (``WARN …``: a part of a chart's spec it dropped)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    opened = context.new_page()
    said: list[str] = []
    opened.on("console", lambda message: said.append(message.text) if complaint(message) else None)
    opened.on("pageerror", lambda error: said.append(str(error)))
    try:
        yield opened, said
    finally:
        context.close()
