"""``ltsplan serve``: the web pages and the JSON API, on this machine by default.

The port is bound here, before anything is printed, so that a port in use or an address that is
not this machine's is one clear message (exit 1), not a "serving" line followed by uvicorn's
error; uvicorn then serves on the bound socket. With ``--workers N``, N processes serve it, each
with the app built from the same settings (passed in the environment) and, on Linux, each on a
socket of its own bound to the same port (``SO_REUSEPORT``): the kernel then spreads new
connections evenly over the workers. On one shared socket, the worker that wakes first takes a
whole burst of them (measured: 47 of 50 clients' connections on one of two workers, the other
core idle, p95 one and a half times higher)."""

from __future__ import annotations

import errno
import os
import socket
import sys
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from ltsplan.cli.common import DbOption, fail
from ltsplan.config import Settings
from ltsplan.errors import LtsplanError

if TYPE_CHECKING:
    from uvicorn import Config

app = typer.Typer()
BACKLOG = 2048  # uvicorn's default
# How long a worker started by a restart (SIGHUP) may take to answer, the old one serving meanwhile:
# it reads the ledger's copy first (some 15 s for a million entries on two cores, more when busy),
# where uvicorn allows 5 s and keeps the old workers when that is not enough.
STARTUP_SECONDS = 300
# Where the kernel spreads connections over sockets bound with SO_REUSEPORT (elsewhere the option
# exists with other meanings, or not at all).
SPREADS_CONNECTIONS = sys.platform == "linux" and hasattr(socket, "SO_REUSEPORT")


def shown_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def bound_socket(host: str, port: int, *, shared: bool = False) -> socket.socket:
    """A socket bound to host and port and listening: connections wait in its queue until uvicorn,
    given the socket, accepts them. ``shared``: other sockets of this process may be bound to the
    same port (``SO_REUSEPORT``)."""
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
    if shared:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
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


def bound_sockets(host: str, port: int, workers: int) -> list[socket.socket]:
    """One listening socket per worker where the kernel spreads connections over sockets sharing a
    port, else one socket all workers share. A port in use is found by binding it alone first: once
    our sockets share it, another program (another ``ltsplan serve`` too) could otherwise share it
    with them, unnoticed."""
    if workers == 1 or not SPREADS_CONNECTIONS:
        return [bound_socket(host, port)]
    bound_socket(host, port).close()  # the clear message when the port is taken
    sockets: list[socket.socket] = []
    try:
        for _ in range(workers):
            sockets.append(bound_socket(host, port, shared=True))
    except LtsplanError:
        for sock in sockets:
            sock.close()
        raise
    return sockets


def serve_with_workers(config: Config, sockets: list[socket.socket]) -> None:
    """uvicorn's supervisor of ``config.workers`` processes, each on its own socket when there is
    one per worker: a worker that dies is replaced on the socket it served, so that no socket is
    left with connections and no worker to accept them."""
    from uvicorn.config import STARTUP_FAILURE
    from uvicorn.supervisors import Multiprocess
    from uvicorn.supervisors.multiprocess import Process

    if len(sockets) == 1:
        Multiprocess(config, sockets=sockets).run()
        return

    class OneSocketEach(Multiprocess):
        """Multiprocess's own rules (a worker that failed to start stops them all; a restart brings
        each replacement up before the old worker goes), with the socket of the worker replaced,
        and the time a replacement has to start long enough to read the ledger's copy."""

        def _started(self, slot: int) -> Process:
            process = Process(self.config, [sockets[slot]])
            process.start()
            return process

        def init_processes(self) -> None:
            self.processes = [self._started(slot) for slot in range(len(sockets))]

        def keep_subprocess_alive(self) -> None:
            for slot, process in enumerate(self.processes):
                if self.should_exit.is_set():
                    return
                if process.is_alive(timeout=self.config.timeout_worker_healthcheck):
                    continue
                process.kill()
                process.join()
                if process.exitcode == STARTUP_FAILURE:
                    self.should_exit.set()
                    return
                self.processes[slot] = self._started(slot)

        def restart_all(self) -> None:
            for slot, old in enumerate(self.processes):
                if self.should_exit.is_set():
                    return
                new = self._started(slot)
                if not new.wait_until_ready(STARTUP_SECONDS, self.should_exit):
                    new.kill()
                    new.join()
                    return
                old.terminate()
                old.join()
                self.processes[slot] = new

    OneSocketEach(config, sockets=sockets).run()


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
        sockets = bound_sockets(host, port, workers)
    except LtsplanError as error:
        fail(error)
        return
    try:
        ready = ""
        if workers == 1:
            application = create_app(settings, server=True)
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
            uvicorn.Server(uvicorn.Config(application, log_level="warning")).run(sockets=sockets)
        else:
            os.environ.update(settings.environment())
            factory = "ltsplan.server:app_from_environment"
            config = uvicorn.Config(factory, factory=True, workers=workers, log_level="warning")
            serve_with_workers(config, sockets)
    finally:
        for sock in sockets:
            sock.close()
