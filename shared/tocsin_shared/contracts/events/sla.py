"""SLA clock events, on the SLA events topic keyed by incident id."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from uuid import UUID

from ..topics import SLA_EVENTS, TopicSpec
from ._base import EventData, Severity


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
