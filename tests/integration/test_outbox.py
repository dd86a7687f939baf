"""The outbox publishes every committed event exactly once per relay pass, none rolled back."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import asyncpg
import pytest
from tocsin_shared.contracts.envelope import envelope_for, from_kafka
from tocsin_shared.contracts.events import Actor, IncidentAcknowledgedV1, IncidentStatus, Severity
from tocsin_shared.contracts.topics import INCIDENT_EVENTS
from tocsin_shared.db import migrate, outbox
from tocsin_shared.db.pool import create_pool
from tocsin_shared.messaging.producer import KafkaProducer

from ..infra import Infra
from ..kafka_tools import read_all


def _event() -> IncidentAcknowledgedV1:
    return IncidentAcknowledgedV1(
        incident_id=uuid4(),
        service="checkout",
        dedup_key="k",
        summary="s",
        severity=Severity.ERROR,
        status=IncidentStatus.ACKNOWLEDGED,
        occurred_at=datetime.now(UTC),
        actor=Actor(kind="user", id="alice"),
    )


class Boom(Exception):
    pass


async def test_relay_publishes_committed_events_once_and_no_rolled_back(
    infra: Infra, database: str, topic_prefix: str, tmp_path: Path
) -> None:
    await migrate.apply(database, schema="svc", directory=tmp_path, component="svc")
    pool = await create_pool(database, schema="svc")
    producer = KafkaProducer(infra.bootstrap_servers, client_id="test-relay")
    await producer.start()
    try:
        committed = []
        for _ in range(3):
            envelope = envelope_for(_event(), source="/test")
            async with pool.acquire() as conn, conn.transaction():
                await outbox.add(conn, envelope, topic_prefix=topic_prefix)
            committed.append(envelope.id)
        rolled_back = envelope_for(_event(), source="/test")

        async def add_then_fail() -> None:
            async with pool.acquire() as conn, conn.transaction():
                await outbox.add(conn, rolled_back, topic_prefix=topic_prefix)
                raise Boom

        with pytest.raises(Boom):
            await add_then_fail()

        relay = outbox.OutboxRelay(pool, producer, schema="svc")
        assert await relay.publish_pass() == 3
        assert await relay.publish_pass() == 0

        records = await read_all(
            infra.bootstrap_servers, INCIDENT_EVENTS.qualified(topic_prefix), expect=3
        )
        ids = [from_kafka(headers=dict(r.headers), key=r.key, value=r.value).id for r in records]
        assert sorted(ids) == sorted(committed)
        assert rolled_back.id not in ids
        async with pool.acquire() as conn:
            assert await outbox.backlog(conn) == (0, None)
    finally:
        await producer.stop()
        await pool.close()


async def test_relay_that_fails_to_publish_keeps_rows_for_the_next_pass(
    database: str, tmp_path: Path
) -> None:
    from tocsin_shared.messaging.producer import RecordingProducer

    await migrate.apply(database, schema="svc", directory=tmp_path, component="svc")
    pool = await create_pool(database, schema="svc")
    try:
        async with pool.acquire() as conn, conn.transaction():
            await outbox.add(conn, envelope_for(_event(), source="/test"))
        producer = RecordingProducer()
        producer.fail_with = ConnectionError("broker away")
        relay = outbox.OutboxRelay(pool, producer, schema="svc")
        with pytest.raises(ConnectionError):
            await relay.publish_pass()
        producer.fail_with = None
        assert await relay.publish_pass() == 1
        assert len(producer.sent) == 1
    finally:
        await pool.close()


async def test_migrations_are_idempotent_and_tracked(database: str, tmp_path: Path) -> None:
    (tmp_path / "0001_things.sql").write_text("CREATE TABLE things (id int PRIMARY KEY);")
    first = await migrate.apply(database, schema="svc", directory=tmp_path, component="svc")
    again = await migrate.apply(database, schema="svc", directory=tmp_path, component="svc")
    assert first == ["svc:kernel:0001", "svc:kernel:0002", "svc:kernel:0003", "svc:svc:0001"]
    assert again == []
    conn = await asyncpg.connect(database)
    try:
        assert await conn.fetchval("SELECT count(*) FROM svc.things") == 0
    finally:
        await conn.close()
