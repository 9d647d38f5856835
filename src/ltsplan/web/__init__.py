"""The web pages: server-rendered HTML (Jinja templates), charts drawn by the vendored Vega-Lite."""

from pathlib import Path

STATIC = Path(__file__).parent / "static"
