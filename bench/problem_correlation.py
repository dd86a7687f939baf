"""Problem correlation end to end: incidents/s correlated by the real problem service (Kafka
consumer, Postgres candidate queries, decision, links and events in one transaction) with N
incidents of history, and the time from an incident event's produce to its problem link.

Embedded Postgres and Tansu in a scratch directory. The history (the evaluation's seeded
generator) is correlated in memory by the same engine and bulk-loaded (incidents, recurrence
keys, problems, links, templates), so the service starts with it as if it had seen it; then
`--measure` new triggered events are produced at once and the service's consumer takes them.
Writes bench/results/problem-correlation-<UTC date-time>.json with the machine.
Usage: `.venv/bin/python bench/problem_correlation.py --history 100000 --measure 2000` (a burst:
throughput) and `... --measure 1000 --rate 40` (paced below capacity: event-to-link latency).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from statistics import quantiles
from typing import Any
from uuid import UUID

from aiokafka import AIOKafkaProducer
from problem_history import correlated_history, load_history
from tocsin_cli.embedded import EmbeddedKafka, EmbeddedPostgres, free_port, tansu_binary
from tocsin_problem import MIGRATIONS, SCHEMA
from tocsin_problem.bootstrap import build_runtime
from tocsin_problem.domain.correlation.model import IncidentFacts
from tocsin_problem.settings import ProblemSettings
from tocsin_shared.config.models import TocsinConfig
from tocsin_shared.contracts.envelope import envelope_for, to_kafka
from tocsin_shared.contracts.events import Actor, IncidentStatus, IncidentTriggeredV1, Severity
from tocsin_shared.contracts.topics import INCIDENT_EVENTS
from tocsin_shared.db import migrate
from tocsin_shared.messaging.topics_admin import ensure_topics

RESULTS = Path(__file__).resolve().parent / "results"


def _event(facts: IncidentFacts) -> IncidentTriggeredV1:
    return IncidentTriggeredV1(
        incident_id=facts.incident_id,
        service=facts.service,
        dedup_key=facts.dedup_key,
        summary=facts.summary,
        severity=Severity.CRITICAL,
        status=IncidentStatus.TRIGGERED,
        occurred_at=facts.triggered_at,
        actor=Actor(kind="integration", id="bench"),
        triggered_at=facts.triggered_at,
        source="bench",
        labels=dict(facts.labels),
    )


async def _measure(
    dsn: str, bootstrap: str, measured: list[IncidentFacts], stream: Any, *, rate: float | None
) -> dict[str, Any]:
    config = TocsinConfig(services=list(stream.services))
    settings = ProblemSettings(
        database_url=dsn, kafka_bootstrap_servers=bootstrap, port=free_port()
    )
    runtime = build_runtime(settings, config=config)
    await runtime.start()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    await producer.start()
    sent: dict[UUID, float] = {}
    try:
        await asyncio.sleep(2)  # the consumer's partitions assigned
        started = time.time()
        for n, facts in enumerate(measured):
            if rate:  # paced: latency without the queue a burst builds
                await asyncio.sleep(max(0.0, started + n / rate - time.time()))
            record = to_kafka(envelope_for(_event(facts), source="/tocsin/incident"))
            await producer.send(
                INCIDENT_EVENTS.name,
                value=record.value,
                key=record.key,
                headers=record.header_list(),
            )
            sent[facts.incident_id] = time.time()
            if rate:
                await producer.flush()
        await producer.flush()
        ids = list(sent)
        while True:
            done = await runtime.pool.fetchval(
                "SELECT count(*) FROM incident_event_log WHERE incident_id = ANY($1::uuid[])", ids
            )
            if done >= len(ids):
                break
            await asyncio.sleep(0.2)
        finished = await runtime.pool.fetchval(
            "SELECT max(received_at) FROM incident_event_log WHERE incident_id = ANY($1::uuid[])",
            ids,
        )
        links = await runtime.pool.fetch(
            "SELECT incident_id, linked_at, origin FROM problem_links"
            " WHERE incident_id = ANY($1::uuid[])",
            ids,
        )
    finally:
        await producer.stop()
        await runtime.stop()
    latencies = sorted(r["linked_at"].timestamp() - sent[r["incident_id"]] for r in links)
    cuts = quantiles(latencies, n=100, method="inclusive") if len(latencies) > 1 else [0.0] * 99
    elapsed = finished.timestamp() - started
    return {
        "measured": len(measured),
        "offered_rate_per_s": rate or "burst",
        "correlated_per_s": len(measured) / elapsed,
        "drain_s": elapsed,
        "linked": len(links),
        "link_origins": {
            o: sum(1 for r in links if r["origin"] == o) for o in {r["origin"] for r in links}
        },
        "event_to_link_p50_ms": cuts[49] * 1000,
        "event_to_link_p99_ms": cuts[98] * 1000,
        "event_to_link_max_ms": (latencies[-1] if latencies else 0.0) * 1000,
    }


async def run(history: int, measure: int, seed: int, *, rate: float | None) -> dict[str, Any]:
    t0 = time.perf_counter()
    engine, measured, stream = correlated_history(history, measure, seed)
    scratch = Path(tempfile.mkdtemp(prefix="tocsin-bench-problem-"))
    pg = EmbeddedPostgres(scratch / "pg")
    kafka = EmbeddedKafka(free_port(), tansu_binary(), log_path=scratch / "tansu.log")
    try:
        dsn = pg.start()
        kafka.start()
        await ensure_topics(kafka.bootstrap_servers)
        await migrate.apply(dsn, schema=SCHEMA, directory=MIGRATIONS, component="problem")
        await load_history(dsn, engine)
        prepared_s = time.perf_counter() - t0
        result = await _measure(dsn, kafka.bootstrap_servers, measured, stream, rate=rate)
    finally:
        kafka.stop()
        pg.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    return {
        "history": len(engine.incidents),
        "history_problems": len(engine.problems),
        "history_links": len(engine.links),
        "seed": seed,
        "prepare_s": prepared_s,
        **result,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--history", type=int, default=100_000)
    parser.add_argument("--measure", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rate", type=float, help="incidents/s to offer (default: one burst)")
    args = parser.parse_args()
    result = asyncio.run(run(args.history, args.measure, args.seed, rate=args.rate))
    result["machine"] = {
        "nproc": os.cpu_count(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
    }
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"problem-correlation-{stamp}.json"
    out.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(json.dumps(result, indent=2, default=str))
    print(f"\nresults: {out}")


if __name__ == "__main__":
    main()
