"""Kafka entry point for incident events: decode (poison if it cannot be), then call the handler."""

from __future__ import annotations

from collections.abc import Callable

from tocsin_shared.clock import Clock
from tocsin_shared.contracts.events import IncidentEventData
from tocsin_shared.messaging.events import decode_event
from tocsin_shared.messaging.inbound import InboundMessage
from tocsin_shared.messaging.reliable import Handler

from .handlers import PAGED, on_incident_event
from .pages import PagingContext
from .ports import UnitOfWork


def incident_events_handler(
    *,
    uow_factory: Callable[[], UnitOfWork],
    ctx: PagingContext,
    clock: Clock,
    paged: Callable[[], None] = lambda: None,
) -> Handler:
    """`paged` is told when new pages were written (the delivery loop need not wait its poll)."""

    async def handle(message: InboundMessage) -> None:
        envelope = decode_event(message, expect=IncidentEventData)
        outcome = await on_incident_event(envelope, uow_factory=uow_factory, ctx=ctx, clock=clock)
        if outcome in PAGED:
            paged()

    return handle
