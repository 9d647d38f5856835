"""``ltsplan serve``: the web pages and the JSON API, on this machine by default."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from ltsplan.cli.common import DbOption
from ltsplan.config import Settings

app = typer.Typer()


@app.command()
def serve(
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (127.0.0.1: this machine only).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.", min=1, max=65535)] = 8000,
    db: DbOption = None,
) -> None:
    """Serve the dashboard and the JSON API (OpenAPI at /openapi.json, docs at /api/docs).

    Example: ltsplan serve --db demo.db --port 8000
    """
    import uvicorn

    from ltsplan.server import create_app

    settings = Settings.from_environment(db)
    application = create_app(settings)
    shown = f"[{host}]" if ":" in host else host
    Console(highlight=False).print(
        f"ltsplan is serving {settings.database_url} — open http://{shown}:{port}/ "
        f"(API docs at http://{shown}:{port}/api/docs); press Ctrl+C to stop"
    )
    uvicorn.run(application, host=host, port=port, log_level="warning")
