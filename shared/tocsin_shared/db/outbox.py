"""Transactional outbox: `add` in the state change's transaction; the relay publishes later.

One relay per service schema is active at a time (a Postgres advisory lock), so events leave in
commit order and one incident's events stay in order on its partition. A relay that dies after
publishing but before marking republishes: delivery is at least once, and consumers' inboxes make
the effect exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime

import asyncpg
import structlog
from opentelemetry.trace import Span, SpanKind, StatusCode

from ..contracts.envelope import Envelope, to_kafka
from ..messaging.producer import OutgoingRecord, Producer
from ..observability.propagation import (
    Carrier,
    carrier,
    context_of,
    span_in,
    tracer,
    with_trace_headers,
)
from .pool import DbConnection

log = structlog.get_logger(__name__)


async def add(
    conn: DbConnection,
    envelope: Envelope,
    *,
    topic_prefix: str = "",
    trace_context: Carrier | None = None,
) -> None:
    """`trace_context`: the emitting span's context (default: the current one)."""
    record = to_kafka(envelope)
    stored = carrier() if trace_context is None else trace_context
    await conn.execute(
        "INSERT INTO outbox (event_id, topic, key, value, headers, trace_context)"
        " VALUES ($1, $2, $3, $4, $5, $6)",
        envelope.id,
        envelope.data.TOPIC.qualified(topic_prefix),
        record.key,
        record.value,
        {name: value.decode() for name, value in record.headers.items()},
        stored or None,
    )


async def backlog(conn: DbConnection) -> tuple[int, datetime | None]:
    row = await conn.fetchrow(
        "SELECT count(*) AS n, min(created_at) AS oldest FROM outbox WHERE published_at IS NULL"
    )
    assert row is not None
    return int(row["n"]), row["oldest"]


def _publish_span(row: asyncpg.Record) -> Span:
    """The relay's PRODUCER span for one row, a child of the span that emitted the event."""
    headers = row["headers"]
    return tracer().start_span(
        f"{row['topic']} publish",
        context=context_of(row["trace_context"]),
        kind=SpanKind.PRODUCER,
        attributes={
            "messaging.system": "kafka",
            "messaging.destination.name": row["topic"],
            "messaging.message.id": headers.get("ce_id", ""),
            "cloudevents.event_type": headers.get("ce_type", ""),
            "tocsin.outbox.id": row["id"],
        },
    )


class OutboxRelay:
    def __init__(
        self,
        pool: asyncpg.Pool,
        producer: Producer,
        *,
        schema: str,
        batch_size: int = 500,
        poll_interval_s: float = 1.0,
    ) -> None:
        self._pool = pool
        self._producer = producer
        self._schema = schema
        self._batch_size = batch_size
        self._poll_interval_s = poll_interval_s
        self._wake = asyncio.Event()
        self.published_total = 0

    async def publish_pass(self) -> int:
        """Publish one batch of unpublished rows in id order and mark them; return the count."""
        async with self._pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                "SELECT id, topic, key, value, headers, trace_context FROM outbox"
                " WHERE published_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
                self._batch_size,
            )
            if not rows:
                return 0
            spans = [_publish_span(row) for row in rows]
            try:
                await self._producer.send_all(
                    [
                        OutgoingRecord(
                            topic=row["topic"],
                            key=bytes(row["key"]),
                            value=bytes(row["value"]),
                            headers=with_trace_headers(
                                {k: v.encode() for k, v in row["headers"].items()},
                                span_in(None, span),
                            ),
                        )
                        for row, span in zip(rows, spans, strict=True)
                    ]
                )
            except Exception as exc:
                for span in spans:
                    span.record_exception(exc)
                    span.set_status(StatusCode.ERROR)
                raise
            finally:
                for span in spans:
                    span.end()
            await conn.execute(
                "UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])",
                [row["id"] for row in rows],
            )
        self.published_total += len(rows)
        return len(rows)

    async def drain(self) -> int:
        total = 0
        while (n := await self.publish_pass()) > 0:
            total += n
        return total

    def _on_notify(self, *_: object) -> None:
        self._wake.set()

    async def run(self) -> None:
        """Run until cancelled: hold leadership, publish on NOTIFY or every poll interval."""
        while True:
            try:
                await self._lead_and_publish()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("outbox relay error, retrying", error=str(exc))
                await asyncio.sleep(self._poll_interval_s)

    async def _become_leader(self, conn: DbConnection) -> None:
        """Wait for the schema's relay lock: one active relay keeps commit order per key."""
        lock = f"outbox:{self._schema}"
        while True:
            if await conn.fetchval("SELECT pg_try_advisory_lock(hashtext($1))", lock):
                return
            await asyncio.sleep(self._poll_interval_s)

    async def _lead_and_publish(self) -> None:
        async with self._pool.acquire() as conn:
            channel = f"{self._schema}_outbox"
            await conn.add_listener(channel, self._on_notify)
            try:
                await self._become_leader(conn)
                try:
                    while True:
                        self._wake.clear()
                        await self.drain()
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(self._wake.wait(), self._poll_interval_s)
                finally:
                    with contextlib.suppress(Exception):
                        await conn.execute(
                            "SELECT pg_advisory_unlock(hashtext($1))", f"outbox:{self._schema}"
                        )
            finally:
                with contextlib.suppress(Exception):
                    await conn.remove_listener(channel, self._on_notify)
