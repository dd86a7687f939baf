"""SLA clock benchmark: N open clocks; how late their breach events are, and what the monitor
costs in CPU and memory while idle and while firing.

Starts embedded Postgres and Tansu in a scratch directory, migrates the `sla` schema, writes N
running clocks with their breach timers straight into it (due far in the future), and runs the
real SLA monitor (`python -m tocsin_sla_monitor`) as a subprocess. Idle phase: the monitor holds
N open clocks with nothing due. Firing phase: the due times are moved to spread evenly over
`--window-s` seconds starting `--lead-s` from now; lateness is `fired_at - due_at` of each timer
(the `emitted_at - due_at` of its sla.breached event). Stops everything it started, even on
failure. Usage: `.venv/bin/python bench/sla_clocks.py --clocks 2000 --window-s 20`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import psutil
from tocsin_cli.embedded import EmbeddedKafka, EmbeddedPostgres, free_port, tansu_binary
from tocsin_shared.db import migrate
from tocsin_shared.messaging.topics_admin import ensure_topics
from tocsin_sla_monitor import MIGRATIONS, SCHEMA

RESULTS = Path(__file__).resolve().parent / "results"
FAR = datetime(2100, 1, 1, tzinfo=UTC)
BUDGET_S = 3600.0
CONFIG = """version: 1
sla_policies:
  - name: bench-tta
    target: time_to_acknowledge
    minutes: 60
"""


async def _seed(dsn: str, clocks: int) -> None:
    """N running clocks whose only pending threshold is the breach, due far in the future."""
    started = FAR - timedelta(seconds=BUDGET_S)
    rows = [(uuid.uuid4(), uuid.uuid4(), started, FAR, f"svc-{n % 20}") for n in range(clocks)]
    conn = await asyncpg.connect(dsn, server_settings={"search_path": SCHEMA})
    try:
        await conn.copy_records_to_table(
            "clocks",
            records=[
                (
                    cid,
                    iid,
                    "bench-tta",
                    "time_to_acknowledge",
                    s,
                    d,
                    "running",
                    s,
                    BUDGET_S,
                    svc,
                    "critical",
                    [50.0, 75.0, 90.0, 100.0],
                    [50.0, 75.0, 90.0],
                )
                for cid, iid, s, d, svc in rows
            ],
            columns=[
                "id",
                "incident_id",
                "policy",
                "target",
                "started_at",
                "due_at",
                "state",
                "segment_start",
                "budget_s",
                "service",
                "severity",
                "thresholds",
                "fired",
            ],
        )
        await conn.copy_records_to_table(
            "timers",
            records=[
                ("sla.threshold", f"{cid}/100/0", d, '{"generation": 0}')
                for cid, _, _, d, _ in rows
            ],
            columns=["kind", "subject", "due_at", "payload"],
        )
    finally:
        await conn.close()


async def _spread(dsn: str, *, lead_s: float, window_s: float) -> datetime:
    """Move every clock so its breach comes due between now+lead and now+lead+window."""
    first = datetime.now(UTC) + timedelta(seconds=lead_s)
    conn = await asyncpg.connect(dsn, server_settings={"search_path": SCHEMA})
    try:
        async with conn.transaction():
            await conn.execute(
                "WITH ranked AS (SELECT id, (row_number() OVER (ORDER BY id) - 1)::float8"
                " / count(*) OVER () AS f FROM clocks)"
                " UPDATE clocks c"
                " SET due_at = $1::timestamptz + make_interval(secs => r.f * $2::float8),"
                " started_at = $1::timestamptz + make_interval(secs => r.f * $2 - $3::float8),"
                " segment_start = $1::timestamptz + make_interval(secs => r.f * $2 - $3)"
                " FROM ranked r WHERE c.id = r.id",
                first,
                window_s,
                BUDGET_S,
            )
            await conn.execute(
                "UPDATE timers t SET due_at = c.due_at FROM clocks c"
                " WHERE t.subject = c.id::text || '/100/0' AND t.kind = 'sla.threshold'"
            )
    finally:
        await conn.close()
    return first


def _usage(process: psutil.Process, seconds: float) -> dict[str, float]:
    """CPU (% of one core) and peak RSS (MiB) of the monitor over `seconds`."""
    before, started, peak = process.cpu_times(), time.monotonic(), 0
    while time.monotonic() - started < seconds:
        peak = max(peak, process.memory_info().rss)
        time.sleep(0.5)
    after, wall = process.cpu_times(), time.monotonic() - started
    cpu = (after.user - before.user) + (after.system - before.system)
    return {"cpu_percent": round(100 * cpu / wall, 2), "rss_peak_mib": round(peak / 2**20, 1)}


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _lateness(dsn: str) -> tuple[int, list[float]]:
    conn = await asyncpg.connect(dsn, server_settings={"search_path": SCHEMA})
    try:
        rows = await conn.fetch(
            "SELECT extract(epoch FROM fired_at - due_at)::float8 AS late FROM timers"
            " WHERE fired_at IS NOT NULL"
        )
        emitted = await conn.fetchval(
            "SELECT count(*) FROM outbox WHERE headers->>'ce_type' = 'tocsin.sla.breached.v1'"
        )
    finally:
        await conn.close()
    return int(emitted), [r["late"] for r in rows]


async def _fired(dsn: str) -> int:
    conn = await asyncpg.connect(dsn, server_settings={"search_path": SCHEMA})
    try:
        return int(await conn.fetchval("SELECT count(*) FROM timers WHERE fired_at IS NOT NULL"))
    finally:
        await conn.close()


async def bench(args: argparse.Namespace, scratch: Path, cleanup: list[Any]) -> dict[str, Any]:
    postgres = EmbeddedPostgres(scratch / "pgdata")
    cleanup.append(postgres.destroy)
    postgres.start()
    kafka = EmbeddedKafka(port=free_port(), binary=tansu_binary(), log_path=scratch / "tansu.log")
    cleanup.append(kafka.stop)
    kafka.start()
    dsn, prefix = postgres.dsn(), "bench."
    await ensure_topics(kafka.bootstrap_servers, prefix=prefix)
    await migrate.apply(dsn, schema=SCHEMA, directory=MIGRATIONS, component="sla-monitor")
    seeding = time.monotonic()
    await _seed(dsn, args.clocks)
    print(f"seeded {args.clocks} clocks in {time.monotonic() - seeding:.1f} s", flush=True)

    config = scratch / "tocsin.yaml"
    config.write_text(CONFIG)
    env = {
        **os.environ,
        "TOCSIN_DATABASE_URL": dsn,
        "TOCSIN_KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap_servers,
        "TOCSIN_TOPIC_PREFIX": prefix,
        "TOCSIN_CONFIG": str(config),
        "TOCSIN_SLA_MONITOR_PORT": str(free_port()),
        "TOCSIN_LOG_LEVEL": "WARNING",
    }
    log = (scratch / "monitor.log").open("wb")
    monitor = _start_monitor(env, log)
    cleanup.append(lambda: _stop(monitor))
    process = psutil.Process(monitor.pid)
    time.sleep(args.settle_s)  # connect, join the consumer group, first metrics refresh
    idle = _usage(process, args.idle_s)
    print(f"idle: {idle}", flush=True)

    first = await _spread(dsn, lead_s=args.lead_s, window_s=args.window_s)
    time.sleep(max((first - datetime.now(UTC)).total_seconds(), 0))
    firing = _usage(process, args.window_s)
    print(f"firing: {firing}", flush=True)
    for _ in range(int(args.drain_s)):
        if await _fired(dsn) >= args.clocks:
            break
        await asyncio.sleep(1)
    emitted, late = await _lateness(dsn)
    return {
        "clocks": args.clocks,
        "window_s": args.window_s,
        "fired": len(late),
        "breach_events": emitted,
        "lateness_p50_s": round(_percentile(late, 0.5), 3) if late else None,
        "lateness_p99_s": round(_percentile(late, 0.99), 3) if late else None,
        "lateness_max_s": round(max(late), 3) if late else None,
        "idle": idle,
        "firing": firing,
    }


def _start_monitor(env: dict[str, str], log: Any) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tocsin_sla_monitor"], env=env, stdout=log, stderr=log
    )


def _stop(monitor: subprocess.Popen[bytes]) -> None:
    if monitor.poll() is None:
        monitor.send_signal(signal.SIGTERM)
        try:
            monitor.wait(timeout=20)
        except subprocess.TimeoutExpired:
            monitor.kill()
            monitor.wait(timeout=10)


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_argument("--clocks", type=int, default=100_000)
    cli.add_argument("--window-s", type=float, default=300.0, help="due times spread over this")
    cli.add_argument("--lead-s", type=float, default=5.0, help="from the spread to the first due")
    cli.add_argument("--idle-s", type=float, default=30.0, help="idle measurement length")
    cli.add_argument("--settle-s", type=float, default=20.0, help="after start, before measuring")
    cli.add_argument("--drain-s", type=float, default=900.0, help="wait for the last timers")
    cli.add_argument("--keep", action="store_true", help="keep the scratch directory")
    args = cli.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="tocsin-bench-sla-"))
    cleanup: list[Any] = []
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        result = asyncio.run(bench(args, scratch, cleanup))
    finally:
        for step in reversed(cleanup):
            try:
                step()
            except Exception as exc:  # keep cleaning up whatever else was started
                print(f"cleanup step failed: {exc!r}", file=sys.stderr)
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    result["machine"] = {
        "nproc": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"sla-clocks-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    print(f"written to {out}")


if __name__ == "__main__":
    main()
