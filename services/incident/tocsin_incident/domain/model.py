"""Incident aggregate: dedup absorption and lifecycle transitions, recording their events."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from uuid import UUID, uuid4

from tocsin_shared.contracts.alerts import RawAlertV1
from tocsin_shared.contracts.events import (
    Actor,
    EventData,
    IncidentStatus,
    IncidentTriggeredV1,
    Priority,
    Severity,
)

from .commands import (
    NO_ARGS,
    TRANSITIONS,
    Args,
    Command,
    Conflict,
    IllegalTransition,
    InvalidChange,
)
from .effects import EFFECTS
from .timers import EXPIRY, LifecyclePolicy, TimerKind, wanted_timers

__all__ = [
    "NO_ARGS",
    "SYSTEM",
    "TRANSITIONS",
    "Args",
    "Command",
    "Conflict",
    "IllegalTransition",
    "Incident",
    "InvalidChange",
    "TimelineEntry",
    "merge",
]

SYSTEM = Actor(kind="system", id="tocsin")


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
    assignee: str | None = None
    priority: Priority | None = None
    snoozed_until: datetime | None = None
    last_alert_at: datetime | None = None
    merged_into: UUID | None = None
    events: list[EventData] = field(default_factory=list, repr=False)
    timeline: list[TimelineEntry] = field(default_factory=list, repr=False)

    @classmethod
    def open(cls, alert: RawAlertV1, *, at: datetime, actor: Actor | None = None) -> Incident:
        """A new incident from its first alert; the actor is the alert's integration unless
        another is named (a missed heartbeat is the system's doing)."""
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
            last_alert_at=at,
        )
        actor = actor or Actor(kind="integration", id=alert.integration)
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
        self.last_alert_at = at
        actor = Actor(kind="integration", id=alert.integration)
        self._note(
            at, "alert_absorbed", actor, alert_id=str(alert.alert_id), count=self.alert_count
        )

    def can(self, command: Command) -> bool:
        return (self.status, command) in TRANSITIONS

    def apply(self, command: Command, *, actor: Actor, at: datetime, args: Args = NO_ARGS) -> None:
        """One step of the transition table; raises IllegalTransition or InvalidChange."""
        target = TRANSITIONS.get((self.status, command))
        if target is None:
            raise IllegalTransition(self.status, command)
        steps = EFFECTS[command](self, args, at)
        self.status = target
        for step in steps:
            self._note(at, step.kind, actor, **_jsonable({**step.fields, **step.note}))
            self.events.append(step.event(**self._event_fields(actor, at), **step.fields))

    def expire(self, kind: TimerKind, *, policy: LifecyclePolicy, at: datetime) -> bool:
        """A durable timer fired: act if the incident still wants it now, else do nothing."""
        due = wanted_timers(self, policy)[kind]
        if due is None or due > at:
            return False
        command, reason = EXPIRY[kind]
        self.apply(command, actor=SYSTEM, at=at, args=Args(reason=reason))
        return True

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


def merge(source: Incident, target: Incident, *, actor: Actor, at: datetime) -> None:
    """Fold `source` into `target`: the source resolves, the target counts its alerts."""
    if source.id == target.id:
        raise Conflict("an incident cannot be merged into itself")
    for incident, command in ((source, Command.MERGE_AWAY), (target, Command.MERGE_IN)):
        if not incident.can(command):
            role = "source" if incident is source else "target"
            raise Conflict(f"cannot merge: the {role} incident is {incident.status.value}")
    source.apply(Command.MERGE_AWAY, actor=actor, at=at, args=Args(peer=target))
    target.apply(Command.MERGE_IN, actor=actor, at=at, args=Args(peer=source))


def _jsonable(detail: dict[str, object]) -> dict[str, object]:
    def plain(value: object) -> object:
        if isinstance(value, Enum):
            return value.value
        if isinstance(value, datetime):
            return value.isoformat()
        return str(value) if isinstance(value, UUID) else value

    return {key: plain(value) for key, value in detail.items()}
