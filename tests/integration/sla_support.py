"""Helpers for the SLA monitor's connected tests: a fast policy, runtimes, incident events in,
SLA events out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from tocsin_shared.config import parse_config
from tocsin_shared.contracts.envelope import Envelope, from_kafka
from tocsin_shared.contracts.events import (
    IncidentEventData,
    IncidentRetriggeredV1,
    IncidentSnoozedV1,
    SlaEventData,
)
from tocsin_shared.contracts.topics import INCIDENT_EVENTS, SLA_EVENTS
from tocsin_shared.db import migrate
from tocsin_shared.runtime import Runtime
from tocsin_sla_monitor import MIGRATIONS, SCHEMA
from tocsin_sla_monitor.bootstrap import build_runtime
from tocsin_sla_monitor.settings import SlaSettings

from ..incident_events import kafka_item, resolved, triggered
from ..infra import SESSION_TIMEOUT_MS, Infra, eventually
from ..kafka_tools import committed_total, produce, read_all
from ..samples import config_yaml

TIMEOUT_S = 90.0
BUDGET = timedelta(seconds=12)
# 12 seconds to acknowledge on the built-in 24x7 calendar: warnings at 6, 9 and 10.8 s.
CONFIG_YAML = config_yaml().replace("services:\n", "services:\n  - name: payments\n", 1) + (
    "  - name: fast-tta\n    target: time_to_acknowledge\n    minutes: 0.2\n"
    "    services: [payments]\n"
)
CONFIG = parse_config(CONFIG_YAML, source="tests")
SERVICE = "payments"


def sla_settings(infra: Infra, database: str, topic_prefix: str, **more: Any) -> SlaSettings:
    return SlaSettings(
        database_url=database,
        kafka_bootstrap_servers=infra.bootstrap_servers,
        topic_prefix=topic_prefix,
        consumer_session_timeout_ms=SESSION_TIMEOUT_MS,
        consumer_retry_backoff_s=0.05,
        consumer_max_attempts=3,
        outbox_poll_interval_s=0.1,
        **more,
    )


async def migrate_sla(database: str) -> None:
    await migrate.apply(database, schema=SCHEMA, directory=MIGRATIONS, component="sla-monitor")


async def started(settings: SlaSettings) -> Runtime:
    runtime = build_runtime(settings, config=CONFIG)
    await runtime.start()
    return runtime


def now() -> datetime:
    return datetime.now(UTC)


async def send(infra: Infra, topic_prefix: str, *events: IncidentEventData) -> None:
    topic = INCIDENT_EVENTS.qualified(topic_prefix)
    await produce(infra.bootstrap_servers, topic, [kafka_item(e) for e in events])


async def warm_up(infra: Infra, topic_prefix: str, *, consumed: int = 1) -> None:
    """Wait until the monitor's consumer group has joined and consumed a harmless event, so
    that what the test sends next is delivered at once."""
    await send(infra, topic_prefix, resolved(uuid4(), at=now()))
    group = f"{topic_prefix}tocsin-sla-monitor-incident-events"
    topic = INCIDENT_EVENTS.qualified(topic_prefix)

    async def joined() -> bool:
        return await committed_total(infra.bootstrap_servers, group, topic) >= consumed

    await eventually(joined, timeout_s=TIMEOUT_S)


def trigger(incident_id: UUID, *, at: datetime) -> IncidentEventData:
    return triggered(incident_id, service=SERVICE, at=at)


def snooze(incident_id: UUID, *, at: datetime) -> IncidentEventData:
    base = trigger(incident_id, at=at).model_dump()
    return IncidentSnoozedV1.model_validate({**base, "snoozed_until": at + timedelta(hours=1)})


def retrigger(incident_id: UUID, *, at: datetime) -> IncidentEventData:
    base = trigger(incident_id, at=at).model_dump()
    return IncidentRetriggeredV1.model_validate({**base, "triggered_at": at, "reason": "snooze"})


async def sla_events(
    infra: Infra, topic_prefix: str, *, expect: int, timeout_s: float = TIMEOUT_S
) -> list[Envelope]:
    topic = SLA_EVENTS.qualified(topic_prefix)
    records = await read_all(infra.bootstrap_servers, topic, expect=expect, timeout_s=timeout_s)
    return [from_kafka(headers=dict(r.headers), key=r.key, value=r.value) for r in records]


def of(envelopes: list[Envelope], kind: str, incident_id: UUID) -> list[SlaEventData]:
    found = []
    for envelope in envelopes:
        data = envelope.data
        wanted = envelope.type == f"tocsin.sla.{kind}.v1"
        if wanted and isinstance(data, SlaEventData) and data.incident_id == incident_id:
            found.append(data)
    return found
