"""Kafka entry point for incident events: decode (poison if it cannot be), then call the handler."""

from __future__ import annotations

from collections.abc import Callable

from tocsin_shared.clock import Clock
from tocsin_shared.contracts.events import IncidentEventData
from tocsin_shared.messaging.events import decode_event
from tocsin_shared.messaging.inbound import InboundMessage
from tocsin_shared.messaging.reliable import Handler

from .correlating import CorrelationConfig, on_incident_event
from .ports import CorrelatingUnitOfWork


def incident_events_handler(
    *,
    uow_factory: Callable[[], CorrelatingUnitOfWork],
    correlation: CorrelationConfig,
    clock: Clock,
) -> Handler:
    async def handle(message: InboundMessage) -> None:
        envelope = decode_event(message, expect=IncidentEventData)
        assert isinstance(envelope.data, IncidentEventData)
        await on_incident_event(
            envelope.data,
            source=envelope.source,
            event_id=envelope.id,
            uow_factory=uow_factory,
            correlation=correlation,
            clock=clock,
        )

    return handle
