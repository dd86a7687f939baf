"""Kafka entry point for incident events: decode (poison if it cannot be), then call the handler."""

from __future__ import annotations

from collections.abc import Callable

from tocsin_shared.clock import Clock
from tocsin_shared.contracts.events import IncidentEventData
from tocsin_shared.messaging.events import decode_event
from tocsin_shared.messaging.inbound import InboundMessage
from tocsin_shared.messaging.reliable import Handler

from .handlers import SlaRules, apply_incident_event
from .ports import UnitOfWork


def incident_events_handler(
    *, rules: SlaRules, uow_factory: Callable[[], UnitOfWork], clock: Clock
) -> Handler:
    async def handle(message: InboundMessage) -> None:
        envelope = decode_event(message, expect=IncidentEventData)
        assert isinstance(envelope.data, IncidentEventData)
        await apply_incident_event(
            envelope.data,
            source=envelope.source,
            event_id=envelope.id,
            rules=rules,
            uow_factory=uow_factory,
            now=clock.now(),
        )

    return handle
