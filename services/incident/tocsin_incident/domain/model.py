"""Incident aggregate: dedup absorption and lifecycle transitions, recording their events."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from uuid import UUID, uuid4

from tocsin_shared.contracts.alerts import RawAlertV1
from tocsin_shared.contracts.events import (
    Actor,
    EventData,
    IncidentAcknowledgedV1,
    IncidentResolvedV1,
    IncidentStatus,
    IncidentTriggeredV1,
    Severity,
)


class Command(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    RESOLVE = "resolve"


class IllegalTransition(Exception):
    def __init__(self, status: IncidentStatus, command: Command) -> None:
        super().__init__(f"cannot {command.value} an incident that is {status.value}")
        self.status = status
        self.command = command


TRANSITIONS: dict[tuple[IncidentStatus, Command], IncidentStatus] = {
    (IncidentStatus.TRIGGERED, Command.ACKNOWLEDGE): IncidentStatus.ACKNOWLEDGED,
    (IncidentStatus.TRIGGERED, Command.RESOLVE): IncidentStatus.RESOLVED,
    (IncidentStatus.ACKNOWLEDGED, Command.RESOLVE): IncidentStatus.RESOLVED,
}

_EVENT_FOR: dict[IncidentStatus, type[IncidentAcknowledgedV1] | type[IncidentResolvedV1]] = {
    IncidentStatus.ACKNOWLEDGED: IncidentAcknowledgedV1,
    IncidentStatus.RESOLVED: IncidentResolvedV1,
}


@dataclass
class TimelineEntry:
    at: datetime
    kind: str
    actor: Actor
    detail: dict[str, object] = field(default_factory=dict)


@dataclass
class Incident:
    id: UUID
    service: str
    dedup_key: str
    summary: str
    severity: Severity
    source: str
    status: IncidentStatus
    labels: dict[str, str]
    alert_count: int
    first_seen: datetime
    last_seen: datetime
    triggered_at: datetime
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None
    events: list[EventData] = field(default_factory=list, repr=False)
    timeline: list[TimelineEntry] = field(default_factory=list, repr=False)

    @classmethod
    def open(cls, alert: RawAlertV1, *, at: datetime) -> Incident:
        seen = alert.occurred_at or alert.received_at
        incident = cls(
            id=uuid4(),
            service=alert.service,
            dedup_key=alert.dedup_key,
            summary=alert.summary,
            severity=alert.severity,
            source=alert.source,
            status=IncidentStatus.TRIGGERED,
            labels=dict(alert.labels),
            alert_count=1,
            first_seen=seen,
            last_seen=seen,
            triggered_at=at,
        )
        actor = Actor(kind="integration", id=alert.integration)
        incident._note(at, "triggered", actor, alert_id=str(alert.alert_id))
        incident.events.append(
            IncidentTriggeredV1(
                **incident._event_fields(actor, at),
                triggered_at=at,
                source=alert.source,
                labels=incident.labels,
                alert_count=1,
            )
        )
        return incident

    @property
    def is_open(self) -> bool:
        return self.status is not IncidentStatus.RESOLVED

    def absorb(self, alert: RawAlertV1, *, at: datetime) -> None:
        """A repeat trigger of an open incident: count it, keep the latest payload; no page."""
        self.alert_count += 1
        self.last_seen = max(self.last_seen, alert.occurred_at or alert.received_at)
        self.summary = alert.summary or self.summary
        self.severity = alert.severity
        self.labels = dict(alert.labels)
        actor = Actor(kind="integration", id=alert.integration)
        self._note(
            at, "alert_absorbed", actor, alert_id=str(alert.alert_id), count=self.alert_count
        )

    def can(self, command: Command) -> bool:
        return (self.status, command) in TRANSITIONS

    def apply(self, command: Command, *, actor: Actor, at: datetime) -> None:
        target = TRANSITIONS.get((self.status, command))
        if target is None:
            raise IllegalTransition(self.status, command)
        self.status = target
        if target is IncidentStatus.ACKNOWLEDGED:
            self.acknowledged_at = at
        if target is IncidentStatus.RESOLVED:
            self.resolved_at = at
        self._note(at, target.value, actor)
        self.events.append(_EVENT_FOR[target](**self._event_fields(actor, at)))

    def _note(self, at: datetime, kind: str, actor: Actor, **detail: object) -> None:
        self.timeline.append(TimelineEntry(at=at, kind=kind, actor=actor, detail=detail))

    def _event_fields(self, actor: Actor, at: datetime) -> dict[str, object]:
        return {
            "incident_id": self.id,
            "service": self.service,
            "dedup_key": self.dedup_key,
            "summary": self.summary,
            "severity": self.severity,
            "status": self.status,
            "occurred_at": at,
            "actor": actor,
        }
