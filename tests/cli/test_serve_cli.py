"""``ltsplan serve`` through the real command line: a port it cannot have is one clear message and
exit 1 (no "serving" line first); once it says it is serving, the port answers; the body limit
is taken from --max-body or $LTSPLAN_MAX_BODY_BYTES; with --workers, that many processes answer,
with the same settings, and stop with the command."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

COMMAND = [sys.executable, "-c", "from ltsplan.cli.main import main; main()", "serve"]


def ltsplan_serve(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*COMMAND, *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin", **(env or {})},
    )


@pytest.fixture
def occupied() -> Iterator[int]:
    """A loopback port another program listens on."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        yield int(taken.getsockname()[1])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_port_in_use_is_one_message_naming_host_and_port(occupied: int, tmp_path: Path) -> None:
    result = ltsplan_serve("--port", str(occupied), "--db", str(tmp_path / "x.db"))
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{occupied}" in result.stderr
    assert "in use" in result.stderr and "--port" in result.stderr
    assert "serving" not in result.stdout
    assert "Traceback" not in result.stderr


def test_a_host_that_is_not_this_machines_is_one_message(tmp_path: Path) -> None:
    result = ltsplan_serve("--host", "no-such-host.invalid", "--port", "8123", "--db", str(tmp_path / "x.db"))
    assert result.returncode == 1
    assert "cannot listen on no-such-host.invalid:8123" in result.stderr
    assert "serving" not in result.stdout and "Traceback" not in result.stderr


def test_a_bad_body_limit_in_the_environment_names_the_variable(tmp_path: Path) -> None:
    result = ltsplan_serve("--db", str(tmp_path / "x.db"), env={"LTSPLAN_MAX_BODY_BYTES": "lots"})
    assert result.returncode == 1
    assert "LTSPLAN_MAX_BODY_BYTES" in result.stderr and "'lots'" in result.stderr


@contextmanager
def serving(*args: str, columns: int = 200) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``ltsplan serve`` with ``args`` on a free port, once it says it is serving: the process and
    its address; stopped with Ctrl+C after."""
    port = free_port()
    process = subprocess.Popen(
        [*COMMAND, "--port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": str(columns)},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert f"open http://127.0.0.1:{port}/" in line, line + (
            process.stderr.read() if process.stderr else ""
        )
        yield process, f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)


def refuses_a_body_over(base: str, limit: int) -> bool:
    refused = httpx.post(base + "/api/sources", content=b" " * (limit + 1), timeout=30)
    return refused.status_code == 413 and f"limit of {limit} bytes" in refused.json()["error"]


def test_once_it_says_serving_the_port_answers_with_the_limit_given(tmp_path: Path) -> None:
    # narrow: the line must not be wrapped
    with serving("--max-body", "100", "--db", str(tmp_path / "x.db"), columns=60) as (_, base):
        assert httpx.head(base + "/api/ledger/totals", timeout=30).status_code == 200
        assert refuses_a_body_over(base, 100)


def children_of(pid: int) -> list[int]:
    """A process's child processes, as Linux lists them."""
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def workers_of(pid: int) -> list[int]:
    """``ltsplan serve``'s worker processes (those multiprocessing spawned)."""
    return [w for w in children_of(pid) if b"spawn_main" in Path(f"/proc/{w}/cmdline").read_bytes()]


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads a process's children from /proc")
def test_with_workers_several_processes_answer_from_the_same_settings(tmp_path: Path) -> None:
    args = ("--workers", "2", "--max-body", "100", "--db", str(tmp_path / "x.db"))
    with serving(*args) as (process, base):
        # Each worker answers on the one socket: enough requests reach both, each with the limit.
        for _ in range(20):
            assert httpx.get(base + "/api/ledger/totals", timeout=60).status_code == 200
            assert refuses_a_body_over(base, 100)
        workers = workers_of(process.pid)
        assert len(workers) == 2
    assert all(not Path(f"/proc/{w}").exists() for w in workers)  # the workers stopped with it


def sockets_on(port: int, state: str) -> set[int]:
    """The inodes of this machine's IPv4 TCP sockets with ``port`` as their local port, in ``state``
    (/proc/net/tcp's code: 0A listening, 01 established)."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].split(":")[1], 16) == port and fields[3] == state:
            found.add(int(fields[9]))
    return found


def held_by(pid: int, inodes: set[int]) -> set[int]:
    """Those of ``inodes`` that process ``pid`` has open."""
    held = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:  # closed meanwhile
            continue
        if target.startswith("socket:[") and int(target[8:-1]) in inodes:
            held.add(int(target[8:-1]))
    return held


@contextmanager
def two_workers(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], int, list[int], set[int]]]:
    """``ltsplan serve --workers 2`` once both workers listen: the command's process, its port, its
    workers and the listening sockets' inodes."""
    with serving("--workers", "2", "--db", str(tmp_path / "x.db")) as (process, base):
        port = int(base.rsplit(":", 1)[1])
        assert httpx.get(base + "/api/ledger/totals", timeout=60).status_code == 200
        listening = sockets_on(port, "0A")
        for _ in range(100):  # until both workers hold a listening socket
            workers = workers_of(process.pid)
            if len(workers) == 2 and all(held_by(w, listening) for w in workers):
                break
            time.sleep(0.1)
        yield process, port, workers, listening


@pytest.mark.skipif(sys.platform != "linux", reason="the kernel spreads connections over sockets on Linux")
def test_with_workers_each_listens_on_its_own_socket_and_connections_spread(tmp_path: Path) -> None:
    with two_workers(tmp_path) as (_, port, workers, listening):
        each = [held_by(w, listening) for w in workers]
        assert len(listening) == 2 and all(len(s) == 1 for s in each) and each[0] != each[1], each
        # A burst of connections, all queued before any is accepted: on one shared socket, the
        # worker that woke first took nearly all of them.
        burst = [socket.create_connection(("127.0.0.1", port)) for _ in range(40)]
        try:
            counts: list[int] = []
            for _ in range(50):
                established = sockets_on(port, "01")
                counts = [len(held_by(w, established)) for w in workers]
                if sum(counts) >= 40:
                    break
                time.sleep(0.1)
            assert sum(counts) >= 40 and min(counts) >= 5, counts
        finally:
            for connection in burst:
                connection.close()


@pytest.mark.skipif(sys.platform != "linux", reason="the kernel spreads connections over sockets on Linux")
def test_a_worker_that_dies_is_replaced_on_its_socket(tmp_path: Path) -> None:
    """Else the connections the kernel gives that socket would wait for a worker forever."""
    with two_workers(tmp_path) as (process, port, workers, listening):
        assert len(workers) == 2
        orphaned = held_by(workers[0], listening)
        os.kill(workers[0], signal.SIGKILL)
        replaced: list[int] = []
        for _ in range(300):
            replaced = [w for w in workers_of(process.pid) if w not in workers]
            if replaced and held_by(replaced[0], listening) == orphaned:
                break
            time.sleep(0.1)
        assert replaced and held_by(replaced[0], listening) == orphaned
        for _ in range(20):  # every socket has a worker: each of 20 new connections is answered
            with httpx.Client(timeout=30) as client:
                assert client.get(f"http://127.0.0.1:{port}/api/ledger/totals").status_code == 200


@pytest.mark.skipif(sys.platform != "linux", reason="the kernel spreads connections over sockets on Linux")
def test_a_restart_replaces_each_worker_on_its_own_socket(tmp_path: Path) -> None:
    """SIGHUP restarts the workers one by one (uvicorn's rule): each replacement takes the socket
    of the worker it replaces."""
    with two_workers(tmp_path) as (process, port, workers, listening):
        sockets = {frozenset(held_by(w, listening)) for w in workers}
        process.send_signal(signal.SIGHUP)
        after: list[int] = []
        for _ in range(1200):  # each replacement starts in turn, on a machine that may be busy
            after = workers_of(process.pid)
            if len(after) == 2 and not set(after) & set(workers):
                break
            time.sleep(0.1)
        assert len(after) == 2 and not set(after) & set(workers), (workers, after)
        assert {frozenset(held_by(w, listening)) for w in after} == sockets
        assert httpx.get(f"http://127.0.0.1:{port}/api/ledger/totals", timeout=60).status_code == 200
