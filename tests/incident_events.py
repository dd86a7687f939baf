"""Incident events as the incident service emits them, for the services that consume them."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

from tocsin_shared.contracts.envelope import envelope_for, to_kafka
from tocsin_shared.contracts.events import (
    Actor,
    EventData,
    IncidentAcknowledgedV1,
    IncidentResolvedV1,
    IncidentStatus,
    IncidentTriggeredV1,
    Severity,
)
from tocsin_shared.messaging.inbound import InboundMessage

SOURCE = "/tocsin/incident"
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
KafkaItem = tuple[bytes, bytes, dict[str, bytes]]


def _common(
    incident_id: UUID, *, service: str, dedup_key: str, status: IncidentStatus, at: datetime
) -> dict[str, object]:
    return {
        "incident_id": incident_id,
        "service": service,
        "dedup_key": dedup_key,
        "summary": f"{dedup_key} is down",
        "severity": Severity.CRITICAL,
        "status": status,
        "occurred_at": at,
        "actor": Actor(kind="integration", id="checkout-native"),
    }


def triggered(
    incident_id: UUID | None = None,
    *,
    service: str = "checkout",
    dedup_key: str = "db-down",
    at: datetime = T0,
) -> IncidentTriggeredV1:
    fields = _common(
        incident_id or uuid4(),
        service=service,
        dedup_key=dedup_key,
        status=IncidentStatus.TRIGGERED,
        at=at,
    )
    return IncidentTriggeredV1.model_validate({**fields, "triggered_at": at, "source": "prom"})


def acknowledged(
    incident_id: UUID, *, at: datetime, service: str = "checkout", dedup_key: str = "db-down"
) -> IncidentAcknowledgedV1:
    fields = _common(
        incident_id, service=service, dedup_key=dedup_key, status=IncidentStatus.ACKNOWLEDGED, at=at
    )
    return IncidentAcknowledgedV1.model_validate(fields)


def resolved(
    incident_id: UUID, *, at: datetime, service: str = "checkout", dedup_key: str = "db-down"
) -> IncidentResolvedV1:
    fields = _common(
        incident_id, service=service, dedup_key=dedup_key, status=IncidentStatus.RESOLVED, at=at
    )
    return IncidentResolvedV1.model_validate(fields)


def kafka_item(event: EventData, *, event_id: str | None = None) -> KafkaItem:
    """The record the incident service's outbox relay would publish."""
    record = to_kafka(envelope_for(event, source=SOURCE, event_id=event_id))
    return record.key, record.value, record.headers


def inbound(item: KafkaItem, *, offset: int = 0) -> InboundMessage:
    key, value, headers = item
    return InboundMessage(
        topic="tocsin.incident.events.v1",
        partition=0,
        offset=offset,
        key=key,
        value=value,
        headers=headers,
        timestamp_ms=0,
    )
