"""api_load: the dashboard's API endpoints under 50 concurrent clients, over a 1-million-entry ledger.

1. Builds (once) benchmarks/data/api_load.db: 1,000,000 synthetic ledger entries (generate_ledger.py)
   written through the ledger's fast path (services.ledger.store_entries), learned in four waves
   (2023-01, 2023-07, 2024-01, 2024-07) so that as-of dates give different answers.
2. Starts ``ltsplan serve`` on 127.0.0.1 (a free port) in a subprocess.
3. Sends each endpoint once (cold: first answer after start, reported separately), then a baseline
   of 200 requests from 1 client, then the load: 50 concurrent keep-alive clients, 5,000 requests in
   all or 60 s at most, over the dashboard's endpoints, each today and as of two past dates.
Loopback only; bounded in requests and time.

Figures: p50_ms, p95_ms, p99_ms, requests_per_s (under load), and the 1-client baseline.
Run: ``.venv/bin/python benchmarks/api_load.py`` (or ``make bench BENCH=api_load``).
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import httpx
import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import DATA, timed, write_result
from generate_ledger import entries, sources

from ltsplan.ledger.money import shipped_rates
from ltsplan.ledger.writes import store_entries, stored_entries
from ltsplan.provenance.imports import store_sources
from ltsplan.store.db import open_database

N_ENTRIES = 1_000_000
CLIENTS = 50
REQUESTS = 5_000
MAX_SECONDS = 60.0
BASELINE_REQUESTS = 200
WAVES = [datetime(2023, 1, 15), datetime(2023, 7, 15), datetime(2024, 1, 15), datetime(2024, 7, 15)]
AS_OF = [None, "2023-08-01", "2024-02-01"]
ENDPOINTS = [
    "/api/dashboard",
    "/api/ledger/totals?by=donor",
    "/api/ledger/series",
    "/api/ledger/fulfilment?by=donor",
    "/api/ledger/totals?by=year,category",
]


def urls() -> list[str]:
    found = []
    for endpoint in ENDPOINTS:
        for as_of in AS_OF:
            if as_of is None:
                found.append(endpoint)
            else:
                found.append(endpoint + ("&" if "?" in endpoint else "?") + f"as_of={as_of}")
    return found


def build(path: Path) -> float:
    """Write the ledger once; later runs reuse the file."""
    if path.exists():
        return 0.0
    path.parent.mkdir(parents=True, exist_ok=True)
    database = open_database(f"sqlite:///{path}")
    frame = entries(N_ENTRIES)
    wave = np.arange(frame.height) % len(WAVES)
    frame = frame.with_columns(pl.Series("recorded_at", [WAVES[i] for i in wave], dtype=pl.Datetime("us")))
    with timed() as took, database.transaction() as connection:
        store_sources(connection, sources(), recorded_at=WAVES[0])
        for start in range(0, frame.height, 250_000):
            store_entries(
                connection,
                stored_entries(frame.slice(start, 250_000), shipped_rates()),
                recorded_at=WAVES[-1],
            )
    database.dispose()
    print(f"wrote {N_ENTRIES:,} entries to {path} in {took['seconds']:.1f} s")
    return took["seconds"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def run_clients(
    base: str, targets: list[str], clients: int, total: int, limit: float
) -> tuple[list[float], float, int]:
    latencies: list[float] = []
    failures = 0
    counter = iter(range(total))
    deadline = time.perf_counter() + limit

    async def client(index: int) -> None:
        nonlocal failures
        async with httpx.AsyncClient(base_url=base, timeout=30.0) as session:
            for n in counter:
                if time.perf_counter() > deadline:
                    return
                url = targets[(n + index) % len(targets)]
                start = time.perf_counter()
                response = await session.get(url)
                latencies.append((time.perf_counter() - start) * 1000)
                if response.status_code != 200:
                    failures += 1

    started = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    return latencies, time.perf_counter() - started, failures


def main() -> int:
    path = DATA / "api_load.db"
    build_seconds = build(path)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    ltsplan = Path(sys.executable).parent / "ltsplan"
    server = subprocess.Popen(
        [str(ltsplan), "serve", "--db", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/openapi.json", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                print("the server did not start", file=sys.stderr)
                return 1
            time.sleep(0.2)
        targets = urls()
        cold = []
        for url in targets:
            start = time.perf_counter()
            response = httpx.get(base + url, timeout=120)
            cold.append((time.perf_counter() - start) * 1000)
            if response.status_code != 200:
                print(f"{url}: {response.status_code} {response.text[:300]}", file=sys.stderr)
                return 1
        one, one_seconds, one_failed = asyncio.run(
            run_clients(base, targets, 1, BASELINE_REQUESTS, MAX_SECONDS)
        )
        many, seconds, failed = asyncio.run(run_clients(base, targets, CLIENTS, REQUESTS, MAX_SECONDS))
    finally:
        server.terminate()
        server.wait(timeout=10)
    if failed or one_failed:
        print(f"{failed + one_failed} requests failed", file=sys.stderr)
        return 1
    p50, p95, p99 = np.percentile(many, [50, 95, 99])
    b50, b95 = np.percentile(one, [50, 95])
    rate = len(many) / seconds
    print(
        f"{len(many):,} requests from {CLIENTS} clients in {seconds:.1f} s; "
        f"1-client baseline p50 {b50:.2f} ms, p95 {b95:.2f} ms ({len(one) / one_seconds:,.0f} requests/s); "
        f"under load p95 is {p95 / b95:.1f}× the baseline's; first answers (cold) max {max(cold):,.0f} ms"
    )
    write_result(
        "api_load",
        {
            "p50_ms": (float(p50), "ms"),
            "p95_ms": (float(p95), "ms"),
            "p99_ms": (float(p99), "ms"),
            "requests_per_s": (rate, "requests/s"),
            "baseline_p50_ms": (float(b50), "ms"),
            "baseline_p95_ms": (float(b95), "ms"),
            "cold_max_ms": (max(cold), "ms"),
        },
        {
            "entries": N_ENTRIES,
            "clients": CLIENTS,
            "requests": len(many),
            "endpoints": targets,
            "seconds": round(seconds, 2),
            "build_seconds": round(build_seconds, 1),
            "database": "sqlite",
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
