"""Notification ledger events, on the notification events topic keyed by incident id."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from uuid import UUID

from ..topics import NOTIFICATION_EVENTS, TopicSpec
from ._base import EventData


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
