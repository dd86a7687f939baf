"""Peer benchmark: the same workloads sent to Prometheus Alertmanager 0.25 and to Tocsin in one
run, reported as ratios Tocsin / Alertmanager.

Alertmanager (the Debian package) runs first, alone, on loopback; then `tocsin up` (embedded
Postgres and Tansu, all four services). Both page one webhook receiver (its own process).
Phases: sustained ingest (a pool of alerts re-sent, batches of 100 and 1,000), bursts of new
ungrouped alerts (time until every alert has a webhook, latency p50/p99), an alert storm over
1,000 dedup keys; peak RSS and CPU seconds of each side's process tree. Stops every process it
started, even on failure or Ctrl-C. Usage: `.venv/bin/python bench/peer.py --quick` (see
bench/README.md).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import peer_common as common
import peer_report
import peer_workloads as work
from ingest import machine
from peer_procs import Alertmanager, Meter
from peer_receiver import Receiver
from peer_sides import alertmanager_side, tocsin_side
from tocsin_cli.embedded import free_port, postmaster_pid
from tocsin_up import Up

RESULTS = Path(__file__).resolve().parent / "results"
QUICK = {"ingest_total": 2000, "ingest_distinct": 200, "bursts": [100], "storm": 2000}
QUICK |= {"storm_keys": 100}


async def phases(side: work.Side, hooks: work.Hooks, meter: Meter, args: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}

    async def timed(name: str, phase: Any) -> None:
        cpu = meter.cpu_s()
        print(f"  {side.name}: {name} ...", flush=True)
        out[name] = await phase
        after = meter.cpu_s()
        out[name]["cpu_s"] = {k: round(after[k] - cpu[k], 2) for k in cpu}
        out[name]["loadavg_1m_after"] = round(os.getloadavg()[0], 2)  # others' load shows here
        print(f"  {side.name}: {name}: {json.dumps(out[name])}", flush=True)

    common_args = {"clients": args.clients, "drain_s": args.drain_s}
    for batch in args.batches:
        distinct = args.ingest_distinct
        run = work.ingest(
            side, batch=batch, total=args.ingest_total, distinct=distinct, **common_args
        )
        await timed(f"ingest{batch}", run)
    for total in args.bursts:
        run = work.burst(side, hooks, total=total, batch=args.burst_batch, **common_args)
        await timed(f"burst{total}", run)
    if args.storm:
        run = work.storm(
            side,
            hooks,
            total=args.storm,
            keys=args.storm_keys,
            batch=args.storm_batch,
            **common_args,
        )
        await timed("storm", run)
    return out


async def measured(
    side: work.Side, hooks: work.Hooks, roots: Callable[[], list[int]], args: Any
) -> dict[str, Any]:
    with Meter(roots) as meter:
        start = meter.cpu_s()
        result: dict[str, Any] = {"load_at_start": os.getloadavg()}
        result["phases"] = await phases(side, hooks, meter, args)
        end = meter.cpu_s()
    result["cpu_s"] = {k: round(end[k] - start[k], 2) for k in start}
    result["peak_rss_mib"] = meter.peak_rss_mib()
    result["peak_pss_mib"] = meter.peak_pss_mib()
    result["_meter"] = meter
    return result


async def run_alertmanager(scratch: Path, hooks: work.Hooks, receiver: Receiver, args: Any) -> Any:
    am = Alertmanager(scratch, port=free_port(), receiver_url=receiver.url)
    try:
        await asyncio.to_thread(am.wait_ready)
        print(f"alertmanager ready: {am.version}", flush=True)
        result = await measured(alertmanager_side(am), hooks, lambda: [am.process.pid], args)
        result["version"] = am.version
        return result
    finally:
        await asyncio.to_thread(am.stop)


async def run_tocsin(scratch: Path, hooks: work.Hooks, receiver: Receiver, args: Any) -> Any:
    (scratch / "tocsin").mkdir()
    up = Up(scratch / "tocsin", services="", config=common.tocsin_config(receiver.url))
    try:
        print("starting tocsin up ...", flush=True)
        await asyncio.to_thread(up.wait_ready)
        await asyncio.sleep(args.settle_s)  # consumers join their groups
        pool = await asyncpg.create_pool(up.dsn(), min_size=1, max_size=2)
        try:

            def roots() -> list[int]:
                return [up.process.pid, postmaster_pid(up.state / "pgdata") or up.process.pid]

            return await measured(tocsin_side(up, pool), hooks, roots, args)
        finally:
            await pool.close()
    finally:
        await asyncio.to_thread(up.stop)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    ints = lambda s: [int(x) for x in s.split(",") if x]  # noqa: E731
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    cli.add_argument("--quick", action="store_true", help="small counts: a smoke run")
    cli.add_argument("--sides", default="alertmanager,tocsin", help="which sides to run")
    cli.add_argument("--batches", type=ints, default=[100, 1000], help="ingest batch sizes")
    cli.add_argument("--ingest-total", type=int, default=20_000, help="alerts per batch size")
    cli.add_argument("--ingest-distinct", type=int, default=1000, help="distinct alerts re-sent")
    cli.add_argument("--bursts", type=ints, default=[1000, 20_000], help="new alerts per burst")
    cli.add_argument("--burst-batch", type=int, default=100, help="alerts per burst request")
    cli.add_argument("--storm", type=int, default=100_000, help="storm alerts (0: no storm)")
    cli.add_argument("--storm-keys", type=int, default=1000, help="storm dedup keys")
    cli.add_argument("--storm-batch", type=int, default=1000, help="alerts per storm request")
    cli.add_argument("--clients", type=int, default=4, help="concurrent keep-alive clients")
    cli.add_argument("--drain-s", type=float, default=900.0, help="wait per phase")
    cli.add_argument("--settle-s", type=float, default=5.0, help="pause after tocsin up starts")
    cli.add_argument("--keep", action="store_true", help="keep the scratch directory")
    args = cli.parse_args(argv)
    if args.quick:
        for name, value in QUICK.items():
            setattr(args, name, value)
    return args


async def run(scratch: Path, args: argparse.Namespace) -> dict[str, Any]:
    receiver = Receiver(free_port(), scratch / "receiver.log")
    try:
        await asyncio.to_thread(receiver.wait_ready)
        hooks = work.Hooks(f"http://127.0.0.1:{receiver.port}")
        sides: dict[str, Any] = {}
        if "alertmanager" in args.sides:
            sides["alertmanager"] = await run_alertmanager(scratch, hooks, receiver, args)
        if "tocsin" in args.sides:
            sides["tocsin"] = await run_tocsin(scratch, hooks, receiver, args)
        return sides
    finally:
        await asyncio.to_thread(receiver.stop)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # cleanup runs on SIGTERM too
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with it ignored
    scratch = Path(tempfile.mkdtemp(prefix="tocsin-bench-peer-"))
    load = os.getloadavg()
    started = time.monotonic()
    try:
        sides = asyncio.run(run(scratch, args))
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    left = [p for s in sides.values() for p in s.pop("_meter").left_running()]
    am, tocsin = sides.get("alertmanager", {}), sides.get("tocsin", {})
    compared = peer_report.rows(am, tocsin)
    settings = {k: v for k, v in vars(args).items() if k != "keep"}
    settings["alertmanager"] = {
        "group_by": ["alertname", "instance"],
        "group_wait": common.AM_GROUP_WAIT,
        "group_interval": common.AM_GROUP_INTERVAL,
        "repeat_interval": common.AM_REPEAT_INTERVAL,
    }
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine() | {"loadavg_at_start": [round(x, 2) for x in load]},
        "settings": settings,
        "wall_s": round(time.monotonic() - started, 1),
        "note": "client, receiver and the measured side share this machine; sides run one after"
        " the other. Tocsin ingest: native POST /v1/alerts batches; Alertmanager: POST"
        " /api/v2/alerts. Tocsin pages a plain webhook channel, which is not rate-limited or"
        " bundled, so every incident is its own page.",
        "sides": sides,
        "ratios": [
            {"what": w, "alertmanager": a, "tocsin": t, "tocsin_over_alertmanager": r}
            for w, a, t, r in compared
        ],
        "left_running_after": left,
    }
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"peer-{datetime.now(UTC):%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print()
    print(peer_report.table(compared))
    print(f"\nprocesses left running: {left or 'none'}")
    print(f"results: {out}")
    return 1 if left else 0


if __name__ == "__main__":
    sys.exit(main())
