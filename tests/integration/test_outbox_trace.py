"""The outbox carries the emitting span's trace context; the relay publishes in a child of it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

from opentelemetry.trace import SpanKind
from tocsin_shared.contracts.events import Actor, IncidentResolvedV1, IncidentStatus, Severity
from tocsin_shared.db import migrate
from tocsin_shared.db.outbox import OutboxRelay
from tocsin_shared.db.pool import create_pool
from tocsin_shared.db.uow import PgUnitOfWork
from tocsin_shared.messaging.producer import RecordingProducer
from tocsin_shared.observability.propagation import tracer

from ..tracing_support import captured_spans, hex_ids


def _event() -> IncidentResolvedV1:
    return IncidentResolvedV1(
        incident_id=uuid4(),
        service="checkout",
        dedup_key="k",
        summary="s",
        severity=Severity.ERROR,
        status=IncidentStatus.RESOLVED,
        occurred_at=datetime.now(UTC),
        actor=Actor(kind="user", id="alice"),
    )


async def test_relay_publishes_each_event_in_a_child_of_the_span_that_emitted_it(
    database: str, tmp_path: Path
) -> None:
    await migrate.apply(database, schema="svc", directory=tmp_path, component="svc")
    pool = await create_pool(database, schema="svc")
    producer = RecordingProducer()
    try:
        with captured_spans() as exporter:
            async with PgUnitOfWork(pool, source="/test") as uow:
                with tracer().start_as_current_span("first message"):
                    uow.emit(_event())
                with tracer().start_as_current_span("second message"):
                    uow.emit(_event())
                uow.emit(_event())  # outside any span
                await uow.commit()
            relay = OutboxRelay(pool, producer, schema="svc")
            assert await relay.drain() == 3
            spans = exporter.get_finished_spans()
        stored = [r["trace_context"] for r in await pool.fetch("SELECT * FROM outbox ORDER BY id")]
    finally:
        await pool.close()
    emitters = {s.name: hex_ids(s) for s in spans if s.name.endswith("message")}
    publishes = [hex_ids(s) for s in spans if s.kind is SpanKind.PRODUCER]
    assert stored[2] is None and all("traceparent" in c for c in stored[:2])
    assert len(publishes) == 3
    for publish, emitted in zip(publishes, ("first message", "second message"), strict=False):
        assert publish[0] == emitters[emitted][0] and publish[2] == emitters[emitted][1]
    assert publishes[2][2] is None  # a root of its own: nothing to continue
    sent = [r.headers["traceparent"].decode().split("-") for r in producer.sent]
    assert [(p[1], p[2]) for p in sent] == [(t, s) for t, s, _ in publishes]
