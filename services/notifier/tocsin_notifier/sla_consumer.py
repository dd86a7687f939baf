"""Kafka entry point for SLA events: decode (poison if it cannot be), then call the handler."""

from __future__ import annotations

from collections.abc import Callable

from tocsin_shared.clock import Clock
from tocsin_shared.contracts.events import SlaEventData
from tocsin_shared.messaging.events import decode_event
from tocsin_shared.messaging.inbound import InboundMessage
from tocsin_shared.messaging.reliable import Handler

from .pages import PagingContext
from .ports import UnitOfWork
from .sla_breach import on_sla_event


def sla_events_handler(
    *,
    uow_factory: Callable[[], UnitOfWork],
    ctx: PagingContext,
    clock: Clock,
    paged: Callable[[], None] = lambda: None,
) -> Handler:
    async def handle(message: InboundMessage) -> None:
        envelope = decode_event(message, expect=SlaEventData)
        if await on_sla_event(envelope, uow_factory=uow_factory, ctx=ctx, clock=clock) in (
            "escalated",
            "notified",
        ):
            paged()

    return handle
