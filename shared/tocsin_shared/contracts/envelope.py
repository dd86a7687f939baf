"""CloudEvents 1.0 in Kafka binary mode: `ce_*` headers, JSON data, key = partition key."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from cloudevents.core.bindings import kafka as ce_kafka
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent
from pydantic import ValidationError

from .events import EVENT_MODELS, EventData

_FORMAT = JSONFormat()
CONTENT_TYPE = "application/json"
TRACEPARENT = "traceparent"


class EnvelopeError(ValueError):
    """A message that is not a CloudEvent this version of Tocsin understands (a poison message)."""


@dataclass(frozen=True)
class Envelope:
    id: str
    source: str
    type: str
    time: datetime
    data: EventData
    subject: str | None = None
    extensions: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class KafkaRecord:
    key: bytes
    value: bytes
    headers: dict[str, bytes]

    def header_list(self) -> list[tuple[str, bytes]]:
        return list(self.headers.items())


def envelope_for(
    data: EventData, *, source: str, event_id: str | None = None, time: datetime | None = None
) -> Envelope:
    return Envelope(
        id=event_id or str(uuid4()),
        source=source,
        type=data.ce_type(),
        time=time or datetime.now(UTC),
        data=data,
        subject=data.subject(),
    )


def to_kafka(envelope: Envelope) -> KafkaRecord:
    attributes: dict[str, Any] = {
        "id": envelope.id,
        "source": envelope.source,
        "type": envelope.type,
        "time": envelope.time,
        "datacontenttype": CONTENT_TYPE,
        "partitionkey": envelope.data.partition_key(),
    }
    if envelope.subject:
        attributes["subject"] = envelope.subject
    attributes.update(envelope.extensions)
    event = CloudEvent(attributes, envelope.data.model_dump(mode="json"))
    message = ce_kafka.to_binary(event, _FORMAT)
    key = message.key.encode() if isinstance(message.key, str) else message.key or b""
    headers = dict(message.headers)
    headers.pop("ce_partitionkey", None)
    return KafkaRecord(key=key, value=message.value, headers=headers)


def from_kafka(*, headers: dict[str, bytes], key: bytes | None, value: bytes | None) -> Envelope:
    """Parse and validate; raise EnvelopeError for anything that is not a known, valid event."""
    if "ce_type" not in headers or "ce_id" not in headers or "ce_source" not in headers:
        raise EnvelopeError("missing CloudEvents headers (ce_id, ce_source, ce_type)")
    try:
        message = ce_kafka.KafkaMessage(headers=headers, key=key, value=value or b"")
        event = ce_kafka.from_binary(message, _FORMAT, CloudEvent)
    except Exception as exc:  # the SDK raises several unrelated types for bad input
        raise EnvelopeError(f"not a CloudEvent: {exc}") from exc
    ce_type = event.get_type()
    model = EVENT_MODELS.get(ce_type)
    if model is None:
        raise EnvelopeError(f"unknown event type {ce_type!r}")
    raw = event.get_data()
    if not isinstance(raw, dict):
        raise EnvelopeError(f"{ce_type} data is not a JSON object")
    try:
        data = model.model_validate(raw)
    except ValidationError as exc:
        raise EnvelopeError(f"invalid {ce_type} data: {exc.error_count()} errors") from exc
    extensions = {
        name: str(value)
        for name, value in event.get_attributes().items()
        if name not in {"id", "source", "type", "time", "specversion", "datacontenttype"}
        and name not in {"subject", "partitionkey", "dataschema"}
    }
    return Envelope(
        id=event.get_id(),
        source=event.get_source(),
        type=ce_type,
        time=event.get_time() or datetime.now(UTC),
        data=data,
        subject=event.get_subject(),
        extensions=extensions,
    )
