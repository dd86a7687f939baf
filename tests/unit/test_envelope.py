from datetime import UTC, datetime
from uuid import uuid4

import pytest
from tocsin_shared.contracts.envelope import EnvelopeError, envelope_for, from_kafka, to_kafka
from tocsin_shared.contracts.events import (
    EVENT_MODELS,
    Actor,
    IncidentStatus,
    IncidentTriggeredV1,
    Severity,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def triggered() -> IncidentTriggeredV1:
    return IncidentTriggeredV1(
        incident_id=uuid4(),
        service="checkout",
        dedup_key="k",
        summary="s",
        severity=Severity.ERROR,
        status=IncidentStatus.TRIGGERED,
        occurred_at=NOW,
        actor=Actor(kind="system", id="t"),
        triggered_at=NOW,
        source="prom",
    )


def test_binary_mode_round_trip_keeps_identity_and_data() -> None:
    data = triggered()
    envelope = envelope_for(data, source="/tocsin/incident", time=NOW)
    record = to_kafka(envelope)
    assert record.key == str(data.incident_id).encode()
    assert record.headers["ce_type"] == b"tocsin.incident.triggered.v1"
    assert record.headers["ce_specversion"] == b"1.0"
    assert record.headers["content-type"] == b"application/json"
    back = from_kafka(headers=record.headers, key=record.key, value=record.value)
    assert (back.id, back.source, back.type, back.time) == (
        envelope.id,
        envelope.source,
        envelope.type,
        NOW,
    )
    assert back.data == data
    assert back.subject == f"incident/{data.incident_id}"


def test_every_registered_type_is_versioned() -> None:
    assert EVENT_MODELS and all(t.rsplit(".", 1)[1].startswith("v") for t in EVENT_MODELS)


@pytest.mark.parametrize(
    ("headers", "value", "reason"),
    [
        ({}, b"{}", "missing CloudEvents headers"),
        (
            {"ce_id": b"1", "ce_source": b"/x", "ce_type": b"nope.v1", "ce_specversion": b"1.0"},
            b"{}",
            "unknown event type",
        ),
        (
            {
                "ce_id": b"1",
                "ce_source": b"/x",
                "ce_type": b"tocsin.incident.triggered.v1",
                "ce_specversion": b"1.0",
                "content-type": b"application/json",
            },
            b'{"service": 1}',
            "invalid",
        ),
        (
            {
                "ce_id": b"1",
                "ce_source": b"/x",
                "ce_type": b"tocsin.incident.triggered.v1",
                "ce_specversion": b"1.0",
                "content-type": b"application/json",
            },
            b"{nope",
            "not a JSON object",
        ),
    ],
)
def test_what_is_not_a_known_valid_event_is_rejected_with_a_reason(
    headers: dict[str, bytes], value: bytes, reason: str
) -> None:
    with pytest.raises(EnvelopeError, match=reason):
        from_kafka(headers=headers, key=None, value=value)
