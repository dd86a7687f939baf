"""Notifier benchmark: pages/s delivered to a local webhook receiver, and alert-to-first-page
latency p50/p99 for a burst of new incidents.

Starts `tocsin up` (embedded Postgres and Tansu, all services) in a scratch directory with a
config whose service pages a webhook channel pointing at a receiver in this process, posts N
native alerts with distinct dedup keys (so N new incidents) in batches, and waits until the
receiver has the first page of every incident. Latency is measured per alert, from the start
of the request that carried it to the arrival of its incident's first page, on one clock.
Stops everything it started, even on failure. Usage: `.venv/bin/python bench/notifier.py --total
50` (see bench/README.md).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import shutil
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
import uvicorn
from ingest import machine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from tocsin_cli.embedded import free_port
from tocsin_up import KEY, Up

RESULTS = Path(__file__).resolve().parent / "results"


def config(receiver_url: str) -> str:
    return f"""
services:
  - name: bench
    escalation_policy: bench
integrations:
  - name: bench
    service: bench
    key: "{KEY}"
channels:
  - name: bench-webhook
    type: webhook
    url: {receiver_url}
    secret: bench-secret
escalation_policies:
  - name: bench
    levels:
      - targets: [{{channel: bench-webhook}}]
        delay_minutes: 60
"""


class Receiver:
    """Records when the first page of each incident (by dedup key) arrived; counts all pages."""

    def __init__(self) -> None:
        self.port = free_port()
        self.first: dict[str, float] = {}
        self.pages = 0
        self.keys: set[str] = set()
        self.expected = 0
        self.all_in = asyncio.Event()

    async def page(self, request: Request) -> JSONResponse:
        arrived = time.perf_counter()
        body = json.loads(await request.body())
        self.pages += 1
        self.keys.add(request.headers.get("idempotency-key", ""))
        self.first.setdefault(body["incident"]["dedup_key"], arrived)
        if len(self.first) >= self.expected:
            self.all_in.set()
        return JSONResponse({"ok": True})

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/page"

    def server(self) -> uvicorn.Server:
        app = Starlette(routes=[Route("/page", self.page, methods=["POST"])])
        cfg = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_config=None, lifespan="off")
        return uvicorn.Server(cfg)


@dataclass
class Result:
    incidents: int
    pages: int
    distinct_keys: int
    send_s: float
    all_paged_s: float | None
    pages_per_s: float | None
    latency_p50_ms: float | None
    latency_p99_ms: float | None
    latency_max_ms: float | None
    stages: dict[str, float | None] | None = None


async def burst(up: Up, total: int, batch: int, clients: int) -> dict[str, float]:
    """Post `total` alerts; returns each dedup key's send time."""
    sent: dict[str, float] = {}
    tag = f"n{int(time.time())}"
    batches = [
        [f"{tag}-{i}" for i in range(s, min(s + batch, total))] for s in range(0, total, batch)
    ]
    queue = iter(batches)
    headers = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}

    async def client() -> None:
        async with httpx.AsyncClient(base_url=up.incident_url, timeout=60) as http:
            for keys in queue:
                alerts = [
                    {"dedup_key": k, "summary": f"bench {k}", "severity": "critical"} for k in keys
                ]
                body = json.dumps({"alerts": alerts}).encode()
                started = time.perf_counter()
                response = await http.post("/v1/alerts", content=body, headers=headers)
                if response.status_code != 202:
                    raise RuntimeError(f"alerts refused: {response.status_code} {response.text}")
                sent.update(dict.fromkeys(keys, started))

    await asyncio.gather(*(client() for _ in range(clients)))
    return sent


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


async def bench(up: Up, receiver: Receiver, args: argparse.Namespace) -> Result:
    receiver.expected = args.total
    started = time.perf_counter()
    sent = await burst(up, args.total, args.batch, args.clients)
    send_s = time.perf_counter() - started
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(receiver.all_in.wait(), args.drain_s)
    done = len(receiver.first) >= len(sent)
    latencies = [(receiver.first[k] - t) * 1000 for k, t in sent.items() if k in receiver.first]
    last = max(receiver.first.values(), default=started)
    all_s = last - started if done else None
    return Result(
        incidents=len(sent),
        pages=receiver.pages,
        distinct_keys=len(receiver.keys),
        send_s=round(send_s, 3),
        all_paged_s=round(all_s, 3) if all_s else None,
        pages_per_s=round(len(receiver.first) / all_s, 1) if all_s else None,
        latency_p50_ms=round(statistics.median(latencies), 1) if latencies else None,
        latency_p99_ms=round(percentile(latencies, 0.99), 1) if latencies else None,
        latency_max_ms=round(max(latencies), 1) if latencies else None,
    )


async def stages(up: Up) -> dict[str, float | None]:
    """Where the time went: seconds from the first incident opened to the last one opened, to
    the last page written to the ledger, to the last page delivered."""
    conn = await asyncpg.connect(up.dsn())
    try:
        row = await conn.fetchrow(
            "SELECT (SELECT min(triggered_at) FROM incident.incidents) AS first_incident,"
            " (SELECT max(triggered_at) FROM incident.incidents) AS last_incident,"
            " (SELECT max(created_at) FROM notifier.notifications) AS last_page_written,"
            " (SELECT max(delivered_at) FROM notifier.notifications) AS last_delivered"
        )
    finally:
        await conn.close()
    start = row["first_incident"]
    return {
        k: round((row[k] - start).total_seconds(), 3) if start and row[k] else None
        for k in ("last_incident", "last_page_written", "last_delivered")
    }


async def run(args: argparse.Namespace, scratch: Path) -> Result:
    receiver = Receiver()
    server = receiver.server()
    serving = asyncio.create_task(server.serve())
    up: Up | None = None
    try:
        up = Up(scratch, services="", config=config(receiver.url))
        print(f"starting tocsin up in {scratch} ...", flush=True)
        await asyncio.to_thread(up.wait_ready)
        await asyncio.sleep(args.settle_s)  # consumers join their groups
        result = await bench(up, receiver, args)
        result.stages = await stages(up)
        return result
    finally:
        if up is not None:
            await asyncio.to_thread(up.stop)
        server.should_exit = True
        await serving


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    cli.add_argument("--total", type=int, default=1000, help="new incidents in the burst")
    cli.add_argument("--batch", type=int, default=100, help="alerts per request")
    cli.add_argument("--clients", type=int, default=4, help="concurrent clients")
    cli.add_argument("--drain-s", type=float, default=600.0, help="wait for every first page")
    cli.add_argument("--settle-s", type=float, default=5.0, help="pause after start-up")
    cli.add_argument("--keep", action="store_true", help="keep the scratch directory")
    return cli.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    scratch = Path(tempfile.mkdtemp(prefix="tocsin-bench-notifier-"))
    try:
        result = asyncio.run(run(args, scratch))
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    for name, value in asdict(result).items():
        print(f"{name:>16}: {value}")
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "settings": {"total": args.total, "batch": args.batch, "clients": args.clients},
        "note": "client, receiver, services, Postgres and Tansu all share this machine",
        "result": asdict(result),
        "bar": "Alertmanager 0.25, 1,000 new alerts: alert-to-webhook p50 226 ms, p99 363 ms",
    }
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"notifier-{datetime.now(UTC):%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nresults: {out}")
    return 0 if result.all_paged_s is not None else 1


if __name__ == "__main__":
    sys.exit(main())
