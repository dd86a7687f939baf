"""The problem service's view of one incident, folded from the incident events it has seen.

One incident's events share a partition and leave the incident service's outbox in commit order,
so the latest event describes the incident (a reopen or an un-acknowledge moves its status back,
and that is news, not staleness). An event older than what is known (by its occurrence time) may
still fill in what only it carries (the trigger time) but does not overwrite newer facts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from uuid import UUID

from tocsin_shared.contracts.events import (
    IncidentEventData,
    IncidentStatus,
    IncidentTriggeredV1,
    Severity,
)

from .templates import template_of


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
    labels: Mapping[str, str] = field(default_factory=dict)
    # The summary's template (domain/templates.py): what trends and similarity compare.
    template: str | None = None


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
        labels=dict(event.labels) if isinstance(event, IncidentTriggeredV1) else {},
        template=template_of(event.summary),
    )


def observe(known: ObservedIncident | None, event: IncidentEventData) -> ObservedIncident:
    """What is known of the incident once `event` has been seen as well."""
    seen = _from_event(event)
    if known is None:
        return seen
    if seen.updated_at >= known.updated_at:
        return replace(
            seen,
            triggered_at=seen.triggered_at or known.triggered_at,
            labels=seen.labels or known.labels,
        )
    return replace(known, triggered_at=known.triggered_at or seen.triggered_at)
