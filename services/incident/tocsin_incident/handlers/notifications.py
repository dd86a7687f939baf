"""Notification events from the notifier, as entries on their incident's timeline."""

from __future__ import annotations

from collections.abc import Callable

import structlog
from tocsin_shared.contracts.events import (
    Actor,
    NotificationDeadLetteredV1,
    NotificationDeliveredV1,
    NotificationEventData,
    NotificationFailedV1,
    NotificationRequestedV1,
)

from ..domain.model import TimelineEntry
from ..ports import LinkUnitOfWork

log = structlog.get_logger(__name__)

INBOX_CONSUMER = "incident-notifications"
NOTIFIER = Actor(kind="system", id="notifier")
KINDS: dict[type[NotificationEventData], str] = {
    NotificationRequestedV1: "notification.requested",
    NotificationDeliveredV1: "notification.delivered",
    NotificationFailedV1: "notification.failed",
    NotificationDeadLetteredV1: "notification.dead_lettered",
}
_OPTIONAL = ("status_code", "error", "will_retry")


def timeline_entry(event: NotificationEventData) -> TimelineEntry:
    detail: dict[str, object] = {
        "notification_id": str(event.notification_id),
        "channel": event.channel,
        "target": event.target,
        "attempt": event.attempt,
    }
    for name in _OPTIONAL:
        value = getattr(event, name, None)
        if value is not None:
            detail[name] = value
    kind = KINDS.get(type(event), f"notification.{type(event).TYPE.rsplit('.', 1)[-1]}")
    return TimelineEntry(at=event.occurred_at, kind=kind, actor=NOTIFIER, detail=detail)


async def note_notification(
    event: NotificationEventData,
    *,
    source: str,
    event_id: str,
    uow_factory: Callable[[], LinkUnitOfWork],
) -> str:
    """Once per (source, id). An unknown incident is not an error: there is nothing to note."""
    async with uow_factory() as uow:
        if not await uow.first_time(consumer=INBOX_CONSUMER, source=source, event_id=event_id):
            return "duplicate"
        noted = await uow.notes.add(event.incident_id, timeline_entry(event))
        await uow.commit()
    if not noted:
        log.info(
            "notification for an unknown incident ignored",
            incident_id=str(event.incident_id),
            event_id=event_id,
        )
        return "unknown_incident"
    return "noted"
