"""The SLA monitor in-process against real Postgres and a real broker: clocks started, met and
breached from incident events, the inbox, dead letters and the clock API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from prometheus_client import generate_latest
from tocsin_shared.clock import FakeClock
from tocsin_shared.config import parse_config
from tocsin_shared.contracts.topics import INCIDENT_EVENTS, dead_letter
from tocsin_shared.db import migrate
from tocsin_shared.messaging.dead_letter import ATTEMPTS_HEADER, CONSUMER_HEADER, ERROR_HEADER
from tocsin_shared.runtime import Runtime
from tocsin_sla_monitor import MIGRATIONS, SCHEMA
from tocsin_sla_monitor.bootstrap import build_runtime
from tocsin_sla_monitor.settings import SlaSettings

from ..incident_events import T0, acknowledged, kafka_item, resolved, triggered
from ..infra import SESSION_TIMEOUT_MS, Infra, eventually
from ..kafka_tools import committed_total, produce, read_all
from ..samples import VIEWER_TOKEN, config_yaml

TIMEOUT_S = 60.0
NOW = T0 + timedelta(minutes=30)
# The sample's checkout-tta (15 minutes, checkout only) plus a policy covering every service.
CONFIG = config_yaml() + "  - name: all-ttr\n    target: time_to_resolve\n    minutes: 60\n"


@pytest.fixture
async def sla_service(infra: Infra, database: str, topic_prefix: str) -> AsyncIterator[Runtime]:
    await migrate.apply(database, schema=SCHEMA, directory=MIGRATIONS, component="sla-monitor")
    settings = SlaSettings(
        database_url=database,
        kafka_bootstrap_servers=infra.bootstrap_servers,
        topic_prefix=topic_prefix,
        consumer_session_timeout_ms=SESSION_TIMEOUT_MS,
        consumer_retry_backoff_s=0.05,
        consumer_max_attempts=3,
        outbox_poll_interval_s=0.2,
    )
    config = parse_config(CONFIG, source="tests")
    runtime = build_runtime(settings, config=config, clock=FakeClock(NOW))
    await runtime.start()
    try:
        yield runtime
    finally:
        await runtime.stop()


async def _fetch(dsn: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


async def _clocks(dsn: str, incident_id: UUID) -> dict[str, asyncpg.Record]:
    rows = await _fetch(dsn, "SELECT * FROM sla.clocks WHERE incident_id = $1", incident_id)
    return {r["policy"]: r for r in rows}


async def _dead_letter_count(bootstrap: str, topic: str) -> int:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        ends = await consumer.end_offsets([TopicPartition(topic, 0)])
        return sum(ends.values())
    finally:
        await consumer.stop()


async def test_clocks_start_on_trigger_and_are_judged_when_stopped(
    sla_service: Runtime, infra: Infra, database: str, topic_prefix: str
) -> None:
    topic = INCIDENT_EVENTS.qualified(topic_prefix)
    quick, late, payments, overdue = uuid4(), uuid4(), uuid4(), uuid4()
    quick_trigger = kafka_item(triggered(quick, at=T0))
    late_ack = kafka_item(acknowledged(late, at=T0 + timedelta(minutes=20)))
    records = [
        quick_trigger,
        quick_trigger,  # redelivered: must not start a second set of clocks
        kafka_item(acknowledged(quick, at=T0 + timedelta(minutes=10))),
        kafka_item(resolved(quick, at=T0 + timedelta(minutes=90))),
        kafka_item(triggered(late, at=T0)),
        late_ack,
        late_ack,  # redelivered: the clock stays stopped at the first acknowledgement
        kafka_item(triggered(payments, service="payments", at=T0)),
        # Triggered an hour before T0 and never acknowledged: both clocks breach, still open.
        kafka_item(triggered(overdue, at=T0 - timedelta(hours=1))),
    ]
    await produce(infra.bootstrap_servers, topic, records)

    group = f"{topic_prefix}tocsin-sla-monitor-incident-events"

    async def all_consumed() -> bool:
        return await committed_total(infra.bootstrap_servers, group, topic) == len(records)

    await eventually(all_consumed, timeout_s=TIMEOUT_S)

    q = await _clocks(database, quick)
    assert set(q) == {"checkout-tta", "all-ttr"}
    assert q["checkout-tta"]["target"] == "time_to_acknowledge"
    assert q["checkout-tta"]["started_at"] == T0  # retroactive: when the incident triggered
    assert q["checkout-tta"]["due_at"] == T0 + timedelta(minutes=15)
    assert q["checkout-tta"]["state"] == "met"
    assert q["checkout-tta"]["stopped_at"] == T0 + timedelta(minutes=10)
    assert q["all-ttr"]["state"] == "breached"
    assert q["all-ttr"]["stopped_at"] == T0 + timedelta(minutes=90)

    lt = await _clocks(database, late)
    assert lt["checkout-tta"]["state"] == "breached"
    assert lt["checkout-tta"]["stopped_at"] == T0 + timedelta(minutes=20)
    assert lt["all-ttr"]["state"] == "running"

    p = await _clocks(database, payments)
    assert set(p) == {"all-ttr"}  # checkout-tta names only checkout

    assert len(await _fetch(database, "SELECT 1 FROM sla.inbox")) == 7  # distinct events
    dlq = dead_letter(INCIDENT_EVENTS).qualified(topic_prefix)
    assert await _dead_letter_count(infra.bootstrap_servers, dlq) == 0

    app = sla_service.app(title="sla")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://sla"
    ) as client:
        viewer = {"Authorization": f"Bearer {VIEWER_TOKEN}"}
        late_view = await client.get(f"/v1/sla/incidents/{late}", headers=viewer)
        unknown = await client.get(f"/v1/sla/incidents/{uuid4()}", headers=viewer)
        anonymous = await client.get(f"/v1/sla/incidents/{late}")
        malformed = await client.get("/v1/sla/incidents/not-a-uuid", headers=viewer)

    assert late_view.status_code == 200
    body = late_view.json()
    assert body["incident_id"] == str(late)
    clocks = {c["policy"]: c for c in body["clocks"]}
    # Stopped 20 minutes into a 15-minute budget; reads where it stopped.
    assert clocks["checkout-tta"]["state"] == "breached"
    assert clocks["checkout-tta"]["target"] == "time_to_acknowledge"
    assert clocks["checkout-tta"]["stopped_at"] is not None
    assert (clocks["checkout-tta"]["elapsed_s"], clocks["checkout-tta"]["remaining_s"]) == (
        1200.0,
        -300.0,
    )
    # Still running at the injected clock's now, 30 minutes into a 60-minute budget.
    assert clocks["all-ttr"]["state"] == "running"
    assert clocks["all-ttr"]["stopped_at"] is None
    assert (
        clocks["all-ttr"]["elapsed_s"],
        clocks["all-ttr"]["remaining_s"],
        clocks["all-ttr"]["percent"],
    ) == (1800.0, 1800.0, 50.0)
    assert unknown.status_code == 200
    assert unknown.json()["clocks"] == []
    assert anonymous.status_code == 401
    assert malformed.status_code == 422

    async def overdue_breached() -> bool:
        rows = await _fetch(
            database,
            "SELECT 1 FROM sla.clocks WHERE incident_id = $1 AND breached_at IS NOT NULL",
            overdue,
        )
        return len(rows) == 2

    await eventually(overdue_breached, timeout_s=TIMEOUT_S)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://sla"
    ) as client:
        window = {"from": (T0 - timedelta(days=1)).isoformat(), "to": NOW.isoformat()}
        report = await client.get("/v1/sla/report", params=window, headers=viewer)
        payments_only = await client.get(
            "/v1/sla/report", params={**window, "service": "payments"}, headers=viewer
        )
        backwards = await client.get(
            "/v1/sla/report", params={"from": NOW.isoformat(), "to": T0.isoformat()}, headers=viewer
        )
        anonymous_report = await client.get("/v1/sla/report", params=window)

    assert report.status_code == 200, report.text
    body = report.json()
    # Completed by NOW: quick's tta met; late's tta breached (quick's ttr stopped after NOW).
    assert (body["met"], body["breached"], body["compliance_percent"]) == (1, 1, 50.0)
    (checkout,) = [g for g in body["groups"] if g["service"] == "checkout"]
    assert checkout["severity"] == "critical"
    assert checkout["mtta_s"] == {"count": 2, "mean": 900.0, "median": 900.0, "p90": 1140.0}
    assert checkout["mttr_s"]["count"] == 1
    assert checkout["mttr_s"]["mean"] == 5400.0
    assert checkout["in_flight_breaches"] == 2
    assert {b["incident_id"] for b in body["in_flight_breaches"]} == {str(overdue)}
    assert payments_only.json()["met"] == 0
    assert {g["service"] for g in payments_only.json()["groups"]} <= {"payments"}
    assert backwards.status_code == 422
    assert backwards.json()["error"]["code"] == "invalid_window"
    assert anonymous_report.status_code == 401

    async def metrics_refreshed() -> bool:
        exposition = generate_latest(sla_service.registry).decode()
        return (
            'tocsin_sla_mtta_seconds{service="checkout",severity="critical",stat="p90"} 1140.0'
            in exposition
        )

    await eventually(metrics_refreshed, timeout_s=TIMEOUT_S)


async def test_a_poison_message_is_dead_lettered_and_the_next_event_still_applies(
    sla_service: Runtime, infra: Infra, database: str, topic_prefix: str
) -> None:
    topic = INCIDENT_EVENTS.qualified(topic_prefix)
    incident_id = uuid4()
    key, value, headers = kafka_item(triggered(incident_id, at=T0))
    unknown_type = {**headers, "ce_type": b"tocsin.incident.reopened.v9"}
    records = [
        (key, value, headers),
        (key, value, unknown_type),
        kafka_item(acknowledged(incident_id, at=T0 + timedelta(minutes=5))),
    ]
    await produce(infra.bootstrap_servers, topic, records)

    async def acknowledged_in_time() -> bool:
        clocks = await _clocks(database, incident_id)
        return "checkout-tta" in clocks and clocks["checkout-tta"]["state"] == "met"

    await eventually(acknowledged_in_time, timeout_s=TIMEOUT_S)
    dead = await read_all(
        infra.bootstrap_servers,
        dead_letter(INCIDENT_EVENTS).qualified(topic_prefix),
        expect=1,
        timeout_s=TIMEOUT_S,
    )
    assert len(dead) == 1
    poisoned = dict(dead[0].headers)
    assert poisoned["ce_type"] == b"tocsin.incident.reopened.v9"
    assert poisoned[CONSUMER_HEADER] == f"{topic_prefix}tocsin-sla-monitor-incident-events".encode()
    assert poisoned[ATTEMPTS_HEADER] == b"1"
    assert b"unknown event type" in poisoned[ERROR_HEADER]
