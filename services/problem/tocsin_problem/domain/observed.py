"""The problem service's view of one incident, folded from the incident events it has seen.

An incident's status only moves forward (triggered → acknowledged → resolved; a resolved incident
never reopens, a recurrence is a new incident), so an event that would move it backwards is older
than what is already known: it may still fill in what only it carries (the trigger time), but
does not overwrite newer facts.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from tocsin_shared.contracts.events import (
    IncidentEventData,
    IncidentStatus,
    IncidentTriggeredV1,
    Severity,
)

_PROGRESS = {
    IncidentStatus.TRIGGERED: 0,
    IncidentStatus.ACKNOWLEDGED: 1,
    IncidentStatus.RESOLVED: 2,
}


@dataclass(frozen=True)
class ObservedIncident:
    incident_id: UUID
    service: str
    dedup_key: str
    summary: str
    severity: Severity
    status: IncidentStatus
    triggered_at: datetime | None
    updated_at: datetime
    last_event_type: str


def _position(incident: ObservedIncident) -> tuple[int, datetime]:
    return _PROGRESS[incident.status], incident.updated_at


def _from_event(event: IncidentEventData) -> ObservedIncident:
    return ObservedIncident(
        incident_id=event.incident_id,
        service=event.service,
        dedup_key=event.dedup_key,
        summary=event.summary,
        severity=event.severity,
        status=event.status,
        triggered_at=event.triggered_at if isinstance(event, IncidentTriggeredV1) else None,
        updated_at=event.occurred_at,
        last_event_type=event.ce_type(),
    )


def observe(known: ObservedIncident | None, event: IncidentEventData) -> ObservedIncident:
    """What is known of the incident once `event` has been seen as well."""
    seen = _from_event(event)
    if known is None:
        return seen
    if _position(seen) >= _position(known):
        return replace(seen, triggered_at=seen.triggered_at or known.triggered_at)
    return replace(known, triggered_at=known.triggered_at or seen.triggered_at)
