"""The problem service in-process against real Postgres and a real broker: projection, inbox,
dead letters and the listing API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from tocsin_shared.contracts.topics import INCIDENT_EVENTS, dead_letter
from tocsin_shared.messaging.dead_letter import ATTEMPTS_HEADER, CONSUMER_HEADER, ERROR_HEADER
from tocsin_shared.runtime import Runtime

from ..incident_events import T0, acknowledged, kafka_item, resolved, triggered
from ..infra import Infra, eventually
from ..kafka_tools import committed_total, produce, read_all
from ..samples import VIEWER_TOKEN
from .problem_runtime import problem_runtime

TIMEOUT_S = 60.0


@pytest.fixture
async def problem_service(infra: Infra, database: str, topic_prefix: str) -> AsyncIterator[Runtime]:
    async with problem_runtime(infra, dsn=database, prefix=topic_prefix) as started:
        yield started


async def _fetch(dsn: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


async def _dead_letter_count(bootstrap: str, topic: str) -> int:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        ends = await consumer.end_offsets([TopicPartition(topic, 0)])
        return sum(ends.values())
    finally:
        await consumer.stop()


async def test_incident_events_are_projected_once_and_listed(
    problem_service: Runtime, infra: Infra, database: str, topic_prefix: str
) -> None:
    topic = INCIDENT_EVENTS.qualified(topic_prefix)
    checkout, payments = uuid4(), uuid4()
    trigger = kafka_item(triggered(checkout, at=T0))
    records = [
        trigger,
        kafka_item(acknowledged(checkout, at=T0 + timedelta(minutes=4))),
        trigger,  # redelivered after the acknowledgement: must change nothing
        kafka_item(triggered(payments, service="payments", dedup_key="card-api", at=T0)),
        kafka_item(
            resolved(
                payments, at=T0 + timedelta(minutes=7), service="payments", dedup_key="card-api"
            )
        ),
    ]
    await produce(infra.bootstrap_servers, topic, records)

    group = f"{topic_prefix}tocsin-problem-incident-events"

    async def all_consumed() -> bool:
        return await committed_total(infra.bootstrap_servers, group, topic) == len(records)

    await eventually(all_consumed, timeout_s=TIMEOUT_S)
    rows = {
        r["incident_id"]: r
        for r in await _fetch(database, "SELECT * FROM problem.observed_incidents")
    }
    assert set(rows) == {checkout, payments}
    assert rows[checkout]["status"] == "acknowledged"
    assert rows[checkout]["triggered_at"] == T0
    assert rows[checkout]["updated_at"] == T0 + timedelta(minutes=4)
    assert rows[checkout]["last_event_type"] == "tocsin.incident.acknowledged.v1"
    assert (rows[payments]["service"], rows[payments]["dedup_key"]) == ("payments", "card-api")
    assert rows[payments]["status"] == "resolved"
    inbox = await _fetch(database, "SELECT event_id FROM problem.inbox")
    assert len(inbox) == 4  # one claim per distinct event; the redelivery was turned away
    dlq = dead_letter(INCIDENT_EVENTS).qualified(topic_prefix)
    assert await _dead_letter_count(infra.bootstrap_servers, dlq) == 0

    app = problem_service.app(title="problem")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://problem"
    ) as client:
        viewer = {"Authorization": f"Bearer {VIEWER_TOKEN}"}
        everything = await client.get("/v1/problems/observed-incidents", headers=viewer)
        only_checkout = await client.get(
            "/v1/problems/observed-incidents", params={"service": "checkout"}, headers=viewer
        )
        one = await client.get("/v1/problems/observed-incidents?limit=1", headers=viewer)
        anonymous = await client.get("/v1/problems/observed-incidents")
        too_many = await client.get("/v1/problems/observed-incidents?limit=0", headers=viewer)

    assert everything.status_code == 200
    listed = everything.json()["observed_incidents"]
    assert [i["incident_id"] for i in listed] == [str(payments), str(checkout)]  # latest first
    assert listed[1]["status"] == "acknowledged"
    assert [i["incident_id"] for i in only_checkout.json()["observed_incidents"]] == [str(checkout)]
    assert len(one.json()["observed_incidents"]) == 1
    assert anonymous.status_code == 401
    assert too_many.status_code == 422


async def test_a_poison_message_is_dead_lettered_and_the_next_event_still_applies(
    problem_service: Runtime, infra: Infra, database: str, topic_prefix: str
) -> None:
    topic = INCIDENT_EVENTS.qualified(topic_prefix)
    incident_id = uuid4()
    key, value, headers = kafka_item(triggered(incident_id, at=T0))
    invalid = b'{"incident_id": "not-a-uuid"}'
    records = [
        (key, value, headers),
        (key, invalid, headers),  # a CloudEvent whose data is not a valid triggered event
        (key, value, {}),  # no CloudEvents headers at all
        kafka_item(acknowledged(incident_id, at=T0 + timedelta(minutes=2))),
    ]
    await produce(infra.bootstrap_servers, topic, records)

    await eventually(lambda: _status(database, incident_id, "acknowledged"), timeout_s=TIMEOUT_S)
    dead = await read_all(
        infra.bootstrap_servers,
        dead_letter(INCIDENT_EVENTS).qualified(topic_prefix),
        expect=2,
        timeout_s=TIMEOUT_S,
    )
    assert [d.value for d in dead] == [invalid, value]
    first, second = dict(dead[0].headers), dict(dead[1].headers)
    assert first[CONSUMER_HEADER] == f"{topic_prefix}tocsin-problem-incident-events".encode()
    assert first[ATTEMPTS_HEADER] == b"1"  # poison is not retried
    assert b"invalid tocsin.incident.triggered.v1 data" in first[ERROR_HEADER]
    assert b"missing CloudEvents headers" in second[ERROR_HEADER]


async def test_a_cloudevent_whose_body_is_not_json_is_dead_lettered(
    problem_service: Runtime, infra: Infra, database: str, topic_prefix: str
) -> None:
    topic = INCIDENT_EVENTS.qualified(topic_prefix)
    incident_id = uuid4()
    key, _, headers = kafka_item(triggered(incident_id, at=T0))
    after = kafka_item(acknowledged(incident_id, at=T0 + timedelta(minutes=2)))
    await produce(infra.bootstrap_servers, topic, [(key, b"{not json", headers), after])

    await eventually(lambda: _status(database, incident_id, "acknowledged"), timeout_s=20)


async def _status(dsn: str, incident_id: UUID, status: str) -> bool:
    rows = await _fetch(
        dsn, "SELECT status FROM problem.observed_incidents WHERE incident_id = $1", incident_id
    )
    return bool(rows) and rows[0]["status"] == status
