"""Event data models: one pydantic model per event type and version.

The CloudEvents `type` is `<TYPE>.v<VERSION>`. Consumers ignore unknown fields so a producer can
add optional fields; anything else is a new version with a new model.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from .topics import INCIDENT_EVENTS, NOTIFICATION_EVENTS, SLA_EVENTS, TopicSpec


class Severity(StrEnum):
    CRITICAL = "critical"
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class IncidentStatus(StrEnum):
    TRIGGERED = "triggered"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class Actor(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: Literal["user", "integration", "system"]
    id: str


class EventData(BaseModel):
    """Base of every event payload. Subclasses name their type, version, topic and key."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    TYPE: ClassVar[str]
    VERSION: ClassVar[int] = 1
    TOPIC: ClassVar[TopicSpec]

    @classmethod
    def ce_type(cls) -> str:
        return f"{cls.TYPE}.v{cls.VERSION}"

    def partition_key(self) -> str:
        raise NotImplementedError

    def subject(self) -> str | None:
        return None


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


class Priority(StrEnum):
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"
    P5 = "P5"


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


class NotificationEventData(EventData):
    TOPIC: ClassVar[TopicSpec] = NOTIFICATION_EVENTS

    notification_id: UUID
    incident_id: UUID
    idempotency_key: str
    channel: str
    target: str
    attempt: int
    occurred_at: datetime

    def partition_key(self) -> str:
        return str(self.incident_id)

    def subject(self) -> str | None:
        return f"incident/{self.incident_id}"


class NotificationRequestedV1(NotificationEventData):
    TYPE: ClassVar[str] = "tocsin.notification.requested"


class NotificationDeliveredV1(NotificationEventData):
    TYPE: ClassVar[str] = "tocsin.notification.delivered"

    status_code: int


class NotificationFailedV1(NotificationEventData):
    TYPE: ClassVar[str] = "tocsin.notification.failed"

    error: str
    will_retry: bool


class NotificationDeadLetteredV1(NotificationEventData):
    """Given up on after its last attempt (or a permanent error): visible, and can be redriven."""

    TYPE: ClassVar[str] = "tocsin.notification.dead_lettered"

    error: str
    status_code: int | None = None


class SlaEventData(EventData):
    """An SLA clock's event. The CloudEvent id is the idempotency identity
    `sla/<clock>/<what>/<threshold>/<generation>`; `late` says it was emitted well after due."""

    TOPIC: ClassVar[TopicSpec] = SLA_EVENTS

    clock_id: UUID
    incident_id: UUID
    policy: str
    target: str
    cycle: int
    generation: int
    service: str
    severity: Severity
    due_at: datetime
    emitted_at: datetime
    late: bool = False

    def partition_key(self) -> str:
        return str(self.incident_id)

    def subject(self) -> str | None:
        return f"incident/{self.incident_id}"


class SlaAttachedV1(SlaEventData):
    TYPE: ClassVar[str] = "tocsin.sla.attached"

    started_at: datetime
    calendar: str


class SlaWarningV1(SlaEventData):
    TYPE: ClassVar[str] = "tocsin.sla.warning"

    percent: float


class SlaBreachedV1(SlaEventData):
    TYPE: ClassVar[str] = "tocsin.sla.breached"

    percent: float = 100.0


class SlaMetV1(SlaEventData):
    """Stopped within its target. A clock stopped past it emits SlaCompletedV1 (met=False)."""

    TYPE: ClassVar[str] = "tocsin.sla.met"

    stopped_at: datetime
    elapsed_s: float


class SlaCompletedV1(SlaEventData):
    TYPE: ClassVar[str] = "tocsin.sla.completed"

    stopped_at: datetime
    elapsed_s: float
    met: bool = False


class SlaPausedV1(SlaEventData):
    TYPE: ClassVar[str] = "tocsin.sla.paused"

    paused_at: datetime
    elapsed_s: float


class SlaResumedV1(SlaEventData):
    """`due_at` is the breach time moved by the paused business time."""

    TYPE: ClassVar[str] = "tocsin.sla.resumed"

    resumed_at: datetime


class SlaCancelledV1(SlaEventData):
    TYPE: ClassVar[str] = "tocsin.sla.cancelled"

    cancelled_at: datetime
    reason: str


EVENT_MODELS: dict[str, type[EventData]] = {
    model.ce_type(): model
    for model in (
        IncidentTriggeredV1,
        IncidentAcknowledgedV1,
        IncidentResolvedV1,
        IncidentUnacknowledgedV1,
        IncidentReopenedV1,
        IncidentSnoozedV1,
        IncidentRetriggeredV1,
        IncidentAssignedV1,
        IncidentNoteAddedV1,
        IncidentPriorityChangedV1,
        IncidentSeverityChangedV1,
        IncidentMergedV1,
        NotificationRequestedV1,
        NotificationDeliveredV1,
        NotificationFailedV1,
        NotificationDeadLetteredV1,
        SlaAttachedV1,
        SlaWarningV1,
        SlaBreachedV1,
        SlaMetV1,
        SlaCompletedV1,
        SlaPausedV1,
        SlaResumedV1,
        SlaCancelledV1,
    )
}
