"""Kafka entry point for incident events: decode (poison if it cannot be), then call the handler."""

from __future__ import annotations

from collections.abc import Callable

from tocsin_shared.clock import Clock
from tocsin_shared.config.models import TocsinConfig
from tocsin_shared.contracts.events import IncidentEventData
from tocsin_shared.messaging.events import decode_event
from tocsin_shared.messaging.inbound import InboundMessage
from tocsin_shared.messaging.reliable import Handler

from .handlers import on_incident_event
from .ports import UnitOfWork


def incident_events_handler(
    *,
    uow_factory: Callable[[], UnitOfWork],
    config: TocsinConfig,
    clock: Clock,
    incident_url: str,
) -> Handler:
    async def handle(message: InboundMessage) -> None:
        envelope = decode_event(message, expect=IncidentEventData)
        await on_incident_event(
            envelope, uow_factory=uow_factory, config=config, clock=clock, incident_url=incident_url
        )

    return handle
