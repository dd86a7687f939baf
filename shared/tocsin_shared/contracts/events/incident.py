"""Incident lifecycle events, on the incident events topic keyed by incident id."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from uuid import UUID

from ..topics import INCIDENT_EVENTS, TopicSpec
from ._base import Actor, EventData, IncidentStatus, Priority, Severity


class IncidentEventData(EventData):
    TOPIC: ClassVar[TopicSpec] = INCIDENT_EVENTS

    incident_id: UUID
    service: str
    dedup_key: str
    summary: str
    severity: Severity
    status: IncidentStatus
    occurred_at: datetime
    actor: Actor

    def partition_key(self) -> str:
        return str(self.incident_id)

    def subject(self) -> str | None:
        return f"incident/{self.incident_id}"


class IncidentTriggeredV1(IncidentEventData):
    TYPE: ClassVar[str] = "tocsin.incident.triggered"

    triggered_at: datetime
    source: str
    labels: dict[str, str] = {}
    alert_count: int = 1


class IncidentAcknowledgedV1(IncidentEventData):
    TYPE: ClassVar[str] = "tocsin.incident.acknowledged"


class IncidentResolvedV1(IncidentEventData):
    TYPE: ClassVar[str] = "tocsin.incident.resolved"


class IncidentUnacknowledgedV1(IncidentEventData):
    """Back to triggered by a person: page again, as for a new trigger."""

    TYPE: ClassVar[str] = "tocsin.incident.unacknowledged"

    triggered_at: datetime


class IncidentReopenedV1(IncidentEventData):
    TYPE: ClassVar[str] = "tocsin.incident.reopened"

    triggered_at: datetime


class IncidentSnoozedV1(IncidentEventData):
    TYPE: ClassVar[str] = "tocsin.incident.snoozed"

    snoozed_until: datetime


class IncidentRetriggeredV1(IncidentEventData):
    """Back to triggered by the system: a snooze ran out or an acknowledgement timed out."""

    TYPE: ClassVar[str] = "tocsin.incident.retriggered"

    triggered_at: datetime
    reason: str


class IncidentAssignedV1(IncidentEventData):
    TYPE: ClassVar[str] = "tocsin.incident.assigned"

    assignee: str
    previous_assignee: str | None = None


class IncidentNoteAddedV1(IncidentEventData):
    TYPE: ClassVar[str] = "tocsin.incident.note_added"

    text: str


class IncidentPriorityChangedV1(IncidentEventData):
    TYPE: ClassVar[str] = "tocsin.incident.priority_changed"

    priority: Priority
    previous_priority: Priority | None = None


class IncidentSeverityChangedV1(IncidentEventData):
    TYPE: ClassVar[str] = "tocsin.incident.severity_changed"

    previous_severity: Severity


class IncidentMergedV1(IncidentEventData):
    """Emitted by both sides: `incident_id` is the one whose timeline it lands on."""

    TYPE: ClassVar[str] = "tocsin.incident.merged"

    source_incident_id: UUID
    target_incident_id: UUID
    alert_count: int
