"""Kafka entry point for notification events: decode (poison if it cannot be), then note them."""

from __future__ import annotations

from collections.abc import Callable

from tocsin_shared.contracts.events import NotificationEventData
from tocsin_shared.messaging.events import decode_event
from tocsin_shared.messaging.inbound import InboundMessage
from tocsin_shared.messaging.reliable import Handler

from .handlers.notifications import note_notification
from .ports import LinkUnitOfWork


def notification_events_handler(*, uow_factory: Callable[[], LinkUnitOfWork]) -> Handler:
    async def handle(message: InboundMessage) -> None:
        envelope = decode_event(message, expect=NotificationEventData)
        assert isinstance(envelope.data, NotificationEventData)
        await note_notification(
            envelope.data, source=envelope.source, event_id=envelope.id, uow_factory=uow_factory
        )

    return handle
