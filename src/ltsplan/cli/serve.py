"""``ltsplan serve``: the web pages and the JSON API, on this machine by default.

The port is bound here, before anything is printed, so that a port in use or an address that is
not this machine's is one clear message (exit 1), not a "serving" line followed by uvicorn's
error; uvicorn then serves on the bound socket. With ``--workers N``, N processes serve it, each
with the app built from the same settings (passed in the environment)."""

from __future__ import annotations

import errno
import os
import socket
from typing import Annotated

import typer
from rich.console import Console

from ltsplan.cli.common import DbOption, fail
from ltsplan.config import Settings
from ltsplan.errors import LtsplanError

app = typer.Typer()
BACKLOG = 2048  # uvicorn's default


def shown_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def bound_socket(host: str, port: int) -> socket.socket:
    """A socket bound to host and port and listening: connections wait in its queue until uvicorn,
    given the socket, accepts them."""
    where = f"{shown_host(host)}:{port}"
    try:
        family, kind, protocol, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as error:
        raise LtsplanError(
            f"cannot listen on {where}: '{host}' is not an address of this machine ({error.strerror}); "
            "give --host an address such as 127.0.0.1 (this machine only) or 0.0.0.0 (every network)"
        ) from None
    sock = socket.socket(family, kind, protocol)
    # As uvicorn does: a port left in TIME_WAIT by a server just stopped can be bound again (a port
    # another program listens on cannot).
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            reason = "the port is in use (another program, or another ltsplan serve, listens on it); choose another with --port"
        elif error.errno == errno.EADDRNOTAVAIL:
            reason = f"'{host}' is not an address of this machine; give --host 127.0.0.1 or 0.0.0.0"
        elif error.errno == errno.EACCES:
            reason = "permission denied (ports below 1024 need privileges); choose a port above 1023"
        else:
            reason = error.strerror or str(error)
        raise LtsplanError(f"cannot listen on {where}: {reason}") from None
    sock.listen(BACKLOG)
    return sock


@app.command()
def serve(
    host: Annotated[
        str,
        typer.Option(
            "--host",
            help="Address to listen on (127.0.0.1: this machine only). There is no authentication: "
            "0.0.0.0 lets anyone who can reach the port read and write.",
        ),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.", min=1, max=65535)] = 8000,
    max_body: Annotated[
        int | None,
        typer.Option(
            "--max-body",
            metavar="BYTES",
            min=1,
            help="Largest request body accepted (larger: 413). Default: $LTSPLAN_MAX_BODY_BYTES, "
            "else 1000000 (1 MB).",
            show_default=False,
        ),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            max=64,
            help="Processes answering requests: more use more cores. Each holds its own copy of "
            "the ledger in memory (about 50 MB for a million entries) and its own connections.",
        ),
    ] = 1,
    db: DbOption = None,
) -> None:
    """Serve the dashboard and the JSON API (OpenAPI at /openapi.json, docs at /api/docs).

    Example: ltsplan serve --db demo.db --port 8000 --workers 2
    """
    import uvicorn

    from ltsplan.server import create_app, prepare_ledger
    from ltsplan.store.db import open_database

    try:
        settings = Settings.from_environment(db, max_body_bytes=max_body)
        sock = bound_socket(host, port)
    except LtsplanError as error:
        fail(error)
        return
    try:
        ready = ""
        if workers == 1:
            application = create_app(settings)
            # Read here, so that the address printed answers at once (its start then finds it read).
            prepare_ledger(application.state.database)
        else:  # the database migrated once, here, not by each worker as it starts
            open_database(settings.database_url).dispose()
            ready = f"; its {workers} workers answer once each has read the ledger into memory"
        shown = f"http://{shown_host(host)}:{port}"
        Console(highlight=False, soft_wrap=True).print(
            f"ltsplan is serving {settings.database_url} — open {shown}/ "
            f"(API docs at {shown}/api/docs){ready}; press Ctrl+C to stop"
        )
        if workers == 1:
            uvicorn.Server(uvicorn.Config(application, log_level="warning")).run(sockets=[sock])
        else:
            from uvicorn.supervisors import Multiprocess

            os.environ.update(settings.environment())
            factory = "ltsplan.server:app_from_environment"
            config = uvicorn.Config(factory, factory=True, workers=workers, log_level="warning")
            Multiprocess(config, sockets=[sock]).run()
    finally:
        sock.close()
