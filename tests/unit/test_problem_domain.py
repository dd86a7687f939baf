"""The problem service's projection of one incident, folded from incident events."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

from tocsin_problem.domain.observed import observe
from tocsin_shared.contracts.events import IncidentStatus, Severity

from ..incident_events import T0, acknowledged, resolved, triggered


def test_a_first_trigger_records_the_incident() -> None:
    event = triggered(service="checkout", dedup_key="db-down", at=T0)

    seen = observe(None, event)

    assert seen.incident_id == event.incident_id
    assert (seen.service, seen.dedup_key) == ("checkout", "db-down")
    assert seen.summary == "db-down is down"
    assert seen.severity is Severity.CRITICAL
    assert seen.status is IncidentStatus.TRIGGERED
    assert seen.triggered_at == T0
    assert seen.updated_at == T0
    assert seen.last_event_type == "tocsin.incident.triggered.v1"


def test_later_events_move_the_status_and_keep_the_trigger_time() -> None:
    incident_id = uuid4()
    seen = observe(None, triggered(incident_id, at=T0))

    seen = observe(seen, acknowledged(incident_id, at=T0 + timedelta(minutes=3)))
    assert seen.status is IncidentStatus.ACKNOWLEDGED
    assert seen.triggered_at == T0
    assert seen.updated_at == T0 + timedelta(minutes=3)

    seen = observe(seen, resolved(incident_id, at=T0 + timedelta(minutes=9)))
    assert seen.status is IncidentStatus.RESOLVED
    assert seen.last_event_type == "tocsin.incident.resolved.v1"
    assert seen.triggered_at == T0


def test_an_event_first_seen_without_its_trigger_leaves_the_trigger_time_unknown() -> None:
    seen = observe(None, acknowledged(uuid4(), at=T0))

    assert seen.status is IncidentStatus.ACKNOWLEDGED
    assert seen.triggered_at is None


def test_an_older_event_fills_in_the_trigger_time_but_never_moves_the_status_back() -> None:
    incident_id = uuid4()
    ack_at = T0 + timedelta(minutes=5)
    seen = observe(None, acknowledged(incident_id, at=ack_at))

    seen = observe(seen, triggered(incident_id, at=T0))

    assert seen.status is IncidentStatus.ACKNOWLEDGED
    assert seen.updated_at == ack_at
    assert seen.last_event_type == "tocsin.incident.acknowledged.v1"
    assert seen.triggered_at == T0


def test_a_reopen_after_resolution_is_news_not_staleness() -> None:
    from tocsin_shared.contracts.events import IncidentReopenedV1

    incident_id = uuid4()
    known = observe(None, triggered(incident_id, at=T0))
    known = observe(known, resolved(incident_id, at=T0 + timedelta(minutes=5)))
    reopen_fields = resolved(incident_id, at=T0 + timedelta(minutes=9)).model_dump()
    reopen_fields.update(status=IncidentStatus.TRIGGERED, triggered_at=T0 + timedelta(minutes=9))
    reopened = IncidentReopenedV1.model_validate(reopen_fields)
    seen = observe(known, reopened)
    assert seen.status is IncidentStatus.TRIGGERED
    assert seen.last_event_type == "tocsin.incident.reopened.v1"
    assert seen.triggered_at == T0  # the first trigger time is kept
    stale = observe(seen, acknowledged(incident_id, at=T0 + timedelta(minutes=2)))
    assert stale.status is IncidentStatus.TRIGGERED
