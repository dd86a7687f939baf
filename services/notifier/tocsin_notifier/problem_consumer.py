"""Kafka entry point for problem events: decode (poison if it cannot be), then call the handler."""

from __future__ import annotations

from collections.abc import Callable

from tocsin_shared.clock import Clock
from tocsin_shared.contracts.events import ProblemEventData
from tocsin_shared.messaging.events import decode_event
from tocsin_shared.messaging.inbound import InboundMessage
from tocsin_shared.messaging.reliable import Handler

from .known_errors import FOLLOWED_UP, on_problem_event
from .ports import UnitOfWork


def problem_events_handler(
    *,
    uow_factory: Callable[[], UnitOfWork],
    clock: Clock,
    paged: Callable[[], None] = lambda: None,
) -> Handler:
    async def handle(message: InboundMessage) -> None:
        envelope = decode_event(message, expect=ProblemEventData)
        if await on_problem_event(envelope, uow_factory=uow_factory, clock=clock) == FOLLOWED_UP:
            paged()

    return handle
