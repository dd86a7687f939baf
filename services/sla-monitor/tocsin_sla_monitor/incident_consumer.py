"""Kafka entry point for incident events: decode (poison if it cannot be), then call the handler."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from tocsin_shared.config.models import SlaPolicy
from tocsin_shared.contracts.events import IncidentEventData
from tocsin_shared.messaging.events import decode_event
from tocsin_shared.messaging.inbound import InboundMessage
from tocsin_shared.messaging.reliable import Handler

from .handlers import apply_incident_event
from .ports import UnitOfWork


def incident_events_handler(
    *, policies: Sequence[SlaPolicy], uow_factory: Callable[[], UnitOfWork]
) -> Handler:
    async def handle(message: InboundMessage) -> None:
        envelope = decode_event(message, expect=IncidentEventData)
        assert isinstance(envelope.data, IncidentEventData)
        await apply_incident_event(
            envelope.data,
            source=envelope.source,
            event_id=envelope.id,
            policies=policies,
            uow_factory=uow_factory,
        )

    return handle
