"""The notifier pages through a signed webhook from a real incident event, retries, dead-letters,
and redrives."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from uuid import uuid4

import asyncpg
from tocsin_notifier import MIGRATIONS, SCHEMA
from tocsin_notifier.adapters.postgres import NotifierUnitOfWork
from tocsin_notifier.bootstrap import build_runtime
from tocsin_notifier.handlers import redrive
from tocsin_notifier.settings import NotifierSettings
from tocsin_shared.clock import SystemClock
from tocsin_shared.contracts.envelope import envelope_for, to_kafka
from tocsin_shared.contracts.events import (
    Actor,
    IncidentAcknowledgedV1,
    IncidentStatus,
    IncidentTriggeredV1,
    Severity,
)
from tocsin_shared.contracts.topics import INCIDENT_EVENTS
from tocsin_shared.db import migrate
from tocsin_shared.runtime import Runtime
from tocsin_shared.signing import verify

from ..infra import SESSION_TIMEOUT_MS, Infra, eventually
from ..kafka_tools import produce
from ..receiver import running_receiver
from ..samples import WEBHOOK_SECRET, sample_config


def _triggered(incident_id=None) -> IncidentTriggeredV1:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    return IncidentTriggeredV1(
        incident_id=incident_id or uuid4(),
        service="checkout",
        dedup_key="db-down",
        summary="database down",
        severity=Severity.CRITICAL,
        status=IncidentStatus.TRIGGERED,
        occurred_at=now,
        actor=Actor(kind="integration", id="checkout-native"),
        triggered_at=now,
        source="prometheus",
    )


async def _start(
    infra: Infra, database: str, prefix: str, url: str, **overrides: object
) -> Runtime:
    await migrate.apply(database, schema=SCHEMA, directory=MIGRATIONS, component="notifier")
    settings = NotifierSettings(
        database_url=database,
        kafka_bootstrap_servers=infra.bootstrap_servers,
        topic_prefix=prefix,
        consumer_session_timeout_ms=SESSION_TIMEOUT_MS,
        delivery_poll_interval_s=0.05,
        delivery_backoff_base_s=0.05,
        delivery_backoff_cap_s=0.2,
        **overrides,
    )
    runtime = build_runtime(settings, config=sample_config(webhook_url=url))
    await runtime.start()
    return runtime


async def _send(infra: Infra, prefix: str, *events) -> None:  # type: ignore[no-untyped-def]
    records = [to_kafka(envelope_for(e, source="/tocsin/incident")) for e in events]
    await produce(
        infra.bootstrap_servers,
        INCIDENT_EVENTS.qualified(prefix),
        [(r.key, r.value, r.headers) for r in records],
    )


async def _statuses(database: str) -> list[str]:
    conn = await asyncpg.connect(database)
    try:
        return [r[0] for r in await conn.fetch("SELECT status FROM notifier.notifications")]
    finally:
        await conn.close()


async def test_a_triggered_incident_is_paged_once_with_a_valid_signature(
    infra: Infra, database: str, topic_prefix: str
) -> None:
    async with running_receiver() as receiver:
        runtime = await _start(infra, database, topic_prefix, receiver.url)
        try:
            event = _triggered()
            envelope = envelope_for(event, source="/tocsin/incident")
            record = to_kafka(envelope)
            redelivered = [(record.key, record.value, record.headers)] * 2
            await produce(
                infra.bootstrap_servers, INCIDENT_EVENTS.qualified(topic_prefix), redelivered
            )
            await _send(infra, topic_prefix, event)  # same incident, another trigger event
            await eventually(lambda: _delivered(database))
            page = receiver.received[0]
            assert verify(
                WEBHOOK_SECRET,
                timestamp=int(page.headers["x-tocsin-timestamp"]),
                body=page.body,
                signature=page.headers["x-tocsin-signature"],
                now=int(time.time()),
            )
            assert page.json()["incident"]["id"] == str(event.incident_id)
            assert (
                page.headers["idempotency-key"]
                == f"{event.incident_id}:L0:ops-webhook:ops-webhook:c0"
            )
            await _settled(database, expected_inbox=2)
            assert len(receiver.received) == 1
            assert await _statuses(database) == ["delivered"]
        finally:
            await runtime.stop()


async def _settled(database: str, *, expected_inbox: int) -> None:
    async def all_consumed() -> bool:
        conn = await asyncpg.connect(database)
        try:
            return await conn.fetchval("SELECT count(*) FROM notifier.inbox") == expected_inbox
        finally:
            await conn.close()

    await eventually(all_consumed)


async def _delivered(database: str) -> bool:
    return await _statuses(database) == ["delivered"]


async def test_a_receiver_failing_then_recovering_gets_the_page_after_backoff(
    infra: Infra, database: str, topic_prefix: str
) -> None:
    async with running_receiver(script=[500, 503]) as receiver:
        runtime = await _start(infra, database, topic_prefix, receiver.url)
        try:
            await _send(infra, topic_prefix, _triggered())
            await eventually(lambda: _delivered(database))
            keys = {r.headers["idempotency-key"] for r in receiver.received}
            assert len(receiver.received) == 3 and len(keys) == 1
        finally:
            await runtime.stop()


async def test_always_failing_ends_dead_and_redrive_delivers(
    infra: Infra, database: str, topic_prefix: str
) -> None:
    async with running_receiver(default_status=500) as receiver:
        runtime = await _start(infra, database, topic_prefix, receiver.url, delivery_max_attempts=3)
        try:
            await _send(infra, topic_prefix, _triggered())

            async def dead() -> bool:
                return await _statuses(database) == ["dead"]

            await eventually(dead)
            assert len(receiver.received) == 3
            receiver.default_status = 200
            conn = await asyncpg.connect(database)
            notification_id = await conn.fetchval("SELECT id FROM notifier.notifications")
            await conn.close()
            await redrive(
                notification_id,
                uow_factory=lambda: NotifierUnitOfWork(runtime.pool, topic_prefix=topic_prefix),
                clock=SystemClock(),
            )
            await eventually(lambda: _delivered(database))
        finally:
            await runtime.stop()


async def test_acknowledgement_stops_paging(infra: Infra, database: str, topic_prefix: str) -> None:
    async with running_receiver() as receiver:
        runtime = await _start(infra, database, topic_prefix, receiver.url)
        try:
            incident_id = uuid4()
            trig = _triggered(incident_id)
            ack = IncidentAcknowledgedV1(
                **trig.model_dump(include=set(IncidentAcknowledgedV1.model_fields) - {"status"}),
                status=IncidentStatus.ACKNOWLEDGED,
            )
            await _send(infra, topic_prefix, trig, ack)

            async def stopped() -> bool:
                conn = await asyncpg.connect(database)
                try:
                    # acknowledged: paused (an un-acknowledge continues from this level)
                    return (
                        await conn.fetchval("SELECT status FROM notifier.escalations")
                    ) == "acknowledged"
                finally:
                    await conn.close()

            await eventually(stopped)
            assert len(receiver.received) <= 1
        finally:
            await runtime.stop()
