"""Shared pieces of the notifier's integration tests: start it in-process, send incident events,
read its tables."""

from __future__ import annotations

from typing import Any

import asyncpg
from tocsin_notifier import MIGRATIONS, SCHEMA
from tocsin_notifier.bootstrap import build_runtime
from tocsin_notifier.settings import NotifierSettings
from tocsin_shared.clock import Clock
from tocsin_shared.config.models import TocsinConfig
from tocsin_shared.contracts.envelope import envelope_for, to_kafka
from tocsin_shared.contracts.events import EventData
from tocsin_shared.db import migrate
from tocsin_shared.runtime import Runtime

from ..infra import SESSION_TIMEOUT_MS, Infra
from ..kafka_tools import produce


def notifier_settings(
    infra: Infra, database: str, prefix: str, **overrides: Any
) -> NotifierSettings:
    return NotifierSettings(
        database_url=database,
        kafka_bootstrap_servers=infra.bootstrap_servers,
        topic_prefix=prefix,
        consumer_session_timeout_ms=SESSION_TIMEOUT_MS,
        delivery_poll_interval_s=0.05,
        delivery_backoff_base_s=0.05,
        delivery_backoff_cap_s=0.2,
        timer_poll_interval_s=0.05,
        **overrides,
    )


async def start_notifier(
    infra: Infra,
    database: str,
    prefix: str,
    *,
    config: TocsinConfig,
    clock: Clock | None = None,
    **overrides: Any,
) -> Runtime:
    await migrate.apply(database, schema=SCHEMA, directory=MIGRATIONS, component="notifier")
    settings = notifier_settings(infra, database, prefix, **overrides)
    runtime = build_runtime(settings, config=config, clock=clock)
    await runtime.start()
    return runtime


async def send(infra: Infra, prefix: str, *events: EventData) -> None:
    """Each event to its own topic, as its producer's outbox relay would (in order per topic)."""
    by_topic: dict[str, list[tuple[bytes, bytes, dict[str, bytes]]]] = {}
    for event in events:
        record = to_kafka(envelope_for(event, source="/tocsin/test"))
        items = by_topic.setdefault(event.TOPIC.qualified(prefix), [])
        items.append((record.key, record.value, record.headers))
    for topic, items in by_topic.items():
        await produce(infra.bootstrap_servers, topic, items)


async def query(database: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(database)
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


async def escalation_status(database: str) -> str | None:
    rows = await query(database, "SELECT status FROM notifier.escalations")
    return rows[0]["status"] if rows else None


async def live_timers(database: str) -> int:
    rows = await query(
        database,
        "SELECT count(*) AS n FROM notifier.timers"
        " WHERE fired_at IS NULL AND cancelled_at IS NULL AND failed_at IS NULL",
    )
    return int(rows[0]["n"])
