"""Ingest benchmark: alerts/s accepted by the edge, and alerts/s turned into incidents.

Starts `tocsin up` (embedded Postgres and Tansu) in a scratch directory on free ports, posts
native alerts (batches of 1, 100 and 1,000) from concurrent keep-alive clients, and watches the
incident schema until every alert sent has been processed. Stops everything it started, even on
failure. Usage: `.venv/bin/python bench/ingest.py --total 2000` (see bench/README.md).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import psutil
from tocsin_up import KEY, Up

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass
class Phase:
    batch: int
    alerts: int
    requests: int
    rejected: int
    accept_s: float
    accepted_per_s: float
    latency_p50_ms: float
    latency_p99_ms: float
    processed_s: float | None
    processed_per_s: float | None


def _bodies(batch: int, count: int, *, tag: str) -> list[bytes]:
    bodies = []
    for r in range(count):
        alerts = [
            {
                "dedup_key": f"{tag}-{r}-{n}",
                "summary": f"bench alert {r}/{n}",
                "severity": "warning",
                "labels": {"bench": tag, "host": f"h{n % 50}"},
            }
            for n in range(batch)
        ]
        body = alerts[0] if batch == 1 else {"alerts": alerts}
        bodies.append(json.dumps(body).encode())
    return bodies


async def _post_all(url: str, bodies: list[bytes], *, clients: int) -> tuple[list[float], int]:
    latencies: list[float] = []
    rejected = 0
    queue = iter(bodies)
    headers = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}

    async def client() -> None:
        nonlocal rejected
        limits = httpx.Limits(max_keepalive_connections=1, max_connections=1)
        async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as http:
            for body in queue:
                started = time.perf_counter()
                response = await http.post("/v1/alerts", content=body, headers=headers)
                latencies.append(time.perf_counter() - started)
                rejected += response.status_code != 202

    await asyncio.gather(*(client() for _ in range(clients)))
    return latencies, rejected


async def _processed(conn: asyncpg.Connection) -> int:
    count: int = await conn.fetchval("SELECT count(*) FROM incident.alerts")
    return count


async def run_phase(
    up: Up, conn: asyncpg.Connection, *, batch: int, total: int, clients: int, drain_s: float
) -> Phase:
    requests = max(1, total // batch)
    bodies = _bodies(batch, requests, tag=f"b{batch}")
    alerts = requests * batch
    before = await _processed(conn)
    started = time.perf_counter()
    latencies, rejected = await _post_all(up.incident_url, bodies, clients=clients)
    accept_s = time.perf_counter() - started
    accepted = alerts - rejected * batch
    processed_s: float | None = None
    deadline = started + accept_s + drain_s
    while time.perf_counter() < deadline:
        if await _processed(conn) - before >= accepted:
            processed_s = time.perf_counter() - started
            break
        await asyncio.sleep(0.1)
    ms = sorted(x * 1000 for x in latencies)
    return Phase(
        batch=batch,
        alerts=alerts,
        requests=requests,
        rejected=rejected,
        accept_s=round(accept_s, 3),
        accepted_per_s=round(accepted / accept_s, 1),
        latency_p50_ms=round(statistics.median(ms), 2),
        latency_p99_ms=round(ms[min(len(ms) - 1, int(len(ms) * 0.99))], 2),
        processed_s=round(processed_s, 3) if processed_s else None,
        processed_per_s=round(accepted / processed_s, 1) if processed_s else None,
    )


def machine() -> dict[str, Any]:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return {
        "nproc": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "commit": commit or None,
    }


def table(phases: list[Phase]) -> str:
    head = f"{'batch':>6} {'alerts':>8} {'accepted/s':>11} {'p50 ms':>8} {'p99 ms':>8}"
    head += f" {'incidents/s':>12} {'rejected':>9}"
    rows = [
        f"{p.batch:>6} {p.alerts:>8} {p.accepted_per_s:>11.0f} {p.latency_p50_ms:>8.1f}"
        f" {p.latency_p99_ms:>8.1f} {(p.processed_per_s or 0):>12.0f} {p.rejected:>9}"
        + ("" if p.processed_per_s else "  (not drained in time)")
        for p in phases
    ]
    return "\n".join([head, *rows])


async def bench(up: Up, args: argparse.Namespace) -> list[Phase]:
    conn = await asyncpg.connect(up.dsn())
    try:
        phases = []
        for batch in args.batches:
            phase = await run_phase(
                up, conn, batch=batch, total=args.total, clients=args.clients, drain_s=args.drain_s
            )
            print(table([phase]).splitlines()[-1], flush=True)
            phases.append(phase)
        return phases
    finally:
        await conn.close()


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    cli.add_argument("--total", type=int, default=50_000, help="alerts per batch size")
    cli.add_argument(
        "--batches", type=lambda s: [int(x) for x in s.split(",")], default=[1, 100, 1000]
    )
    cli.add_argument("--clients", type=int, default=8, help="concurrent keep-alive clients")
    cli.add_argument("--drain-s", type=float, default=900.0, help="wait for processing, per batch")
    cli.add_argument("--services", default="", help="`tocsin up --services` (default: all)")
    cli.add_argument("--keep", action="store_true", help="keep the scratch directory")
    return cli.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    # SIGTERM to the bench must still run the cleanup below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    scratch = Path(tempfile.mkdtemp(prefix="tocsin-bench-"))
    up: Up | None = None
    try:
        up = Up(scratch, services=args.services)
        print(f"starting tocsin up in {scratch} ...", flush=True)
        up.wait_ready()
        print(table([]), flush=True)
        phases = asyncio.run(bench(up, args))
    finally:
        if up is not None:
            up.stop()
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "settings": {"total": args.total, "clients": args.clients, "services": args.services},
        "note": "client, services, Postgres and Tansu all share this machine",
        "phases": [asdict(p) for p in phases],
    }
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"ingest-{datetime.now(UTC):%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nresults: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
