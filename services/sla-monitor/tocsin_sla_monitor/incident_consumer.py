"""Kafka entry point for incident events: decode (poison if it cannot be), then call the handler."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from tocsin_shared.config.models import SlaPolicy
from tocsin_shared.contracts.envelope import EnvelopeError, from_kafka
from tocsin_shared.contracts.events import IncidentEventData
from tocsin_shared.messaging.inbound import InboundMessage, PoisonMessage
from tocsin_shared.messaging.reliable import Handler

from .handlers import apply_incident_event
from .ports import UnitOfWork


def incident_events_handler(
    *, policies: Sequence[SlaPolicy], uow_factory: Callable[[], UnitOfWork]
) -> Handler:
    async def handle(message: InboundMessage) -> None:
        try:
            envelope = from_kafka(headers=message.headers, key=message.key, value=message.value)
        except EnvelopeError as exc:
            raise PoisonMessage(str(exc)) from exc
        if not isinstance(envelope.data, IncidentEventData):
            raise PoisonMessage(f"{envelope.type} does not belong on the incident events topic")
        await apply_incident_event(
            envelope.data,
            source=envelope.source,
            event_id=envelope.id,
            policies=policies,
            uow_factory=uow_factory,
        )

    return handle
