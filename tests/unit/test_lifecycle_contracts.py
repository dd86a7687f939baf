"""The new incident event types: registered, decodable by every consumer, folded without error."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest
from tocsin_problem.adapters.memory import MemoryStore
from tocsin_problem.correlating import OBSERVED, CorrelationConfig, on_incident_event
from tocsin_shared.clock import FakeClock
from tocsin_shared.contracts.envelope import envelope_for, to_kafka
from tocsin_shared.contracts.events import (
    EVENT_MODELS,
    Actor,
    IncidentAssignedV1,
    IncidentEventData,
    IncidentMergedV1,
    IncidentNoteAddedV1,
    IncidentPriorityChangedV1,
    IncidentReopenedV1,
    IncidentRetriggeredV1,
    IncidentSeverityChangedV1,
    IncidentSnoozedV1,
    IncidentStatus,
    IncidentUnacknowledgedV1,
    Priority,
    Severity,
)
from tocsin_shared.contracts.topics import INCIDENT_EVENTS
from tocsin_shared.messaging.events import decode_event
from tocsin_shared.messaging.inbound import InboundMessage

from ..samples import sample_config

AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
INCIDENT = uuid4()
COMMON: dict[str, object] = {
    "incident_id": INCIDENT,
    "service": "checkout",
    "dedup_key": "k",
    "summary": "s",
    "severity": Severity.ERROR,
    "status": IncidentStatus.TRIGGERED,
    "occurred_at": AT,
    "actor": Actor(kind="system", id="tocsin"),
}
NEW_EVENTS: list[IncidentEventData] = [
    IncidentUnacknowledgedV1(**COMMON, triggered_at=AT),  # type: ignore[arg-type]
    IncidentReopenedV1(**COMMON, triggered_at=AT),  # type: ignore[arg-type]
    IncidentSnoozedV1(**COMMON, snoozed_until=AT),  # type: ignore[arg-type]
    IncidentRetriggeredV1(**COMMON, triggered_at=AT, reason="ack_timeout"),  # type: ignore[arg-type]
    IncidentAssignedV1(**COMMON, assignee="bob"),  # type: ignore[arg-type]
    IncidentNoteAddedV1(**COMMON, text="n"),  # type: ignore[arg-type]
    IncidentPriorityChangedV1(**COMMON, priority=Priority.P1),  # type: ignore[arg-type]
    IncidentSeverityChangedV1(**COMMON, previous_severity=Severity.INFO),  # type: ignore[arg-type]
    IncidentMergedV1(  # type: ignore[arg-type]
        **COMMON, source_incident_id=INCIDENT, target_incident_id=uuid4(), alert_count=2
    ),
]


def _message(event: IncidentEventData) -> InboundMessage:
    record = to_kafka(envelope_for(event, source="/tocsin/incident"))
    return InboundMessage(
        topic=INCIDENT_EVENTS.name,
        partition=0,
        offset=0,
        key=record.key,
        value=record.value,
        headers=record.headers,
        timestamp_ms=0,
    )


@pytest.mark.parametrize("event", NEW_EVENTS, ids=lambda e: e.ce_type())
def test_each_new_type_is_registered_and_decodes_as_an_incident_event(
    event: IncidentEventData,
) -> None:
    assert EVENT_MODELS[event.ce_type()] is type(event)
    decoded = decode_event(_message(event), expect=IncidentEventData)  # not poison
    assert decoded.data == event
    assert event.partition_key() == str(INCIDENT)  # one incident's events stay in order


@pytest.mark.parametrize("event", NEW_EVENTS, ids=lambda e: e.ce_type())
async def test_the_problem_service_folds_each_new_type_without_error(
    event: IncidentEventData,
) -> None:
    store = MemoryStore()
    outcome = await on_incident_event(
        event,
        source="/tocsin/incident",
        event_id=str(uuid4()),
        uow_factory=store.uow,
        correlation=CorrelationConfig.of(sample_config()),
        clock=FakeClock(AT),
    )
    assert outcome == OBSERVED
