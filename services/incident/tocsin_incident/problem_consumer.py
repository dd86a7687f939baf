"""Kafka entry point for problem events: decode (poison if it cannot be), then act on them."""

from __future__ import annotations

from collections.abc import Callable

from tocsin_shared.clock import Clock
from tocsin_shared.contracts.events import ProblemEventData
from tocsin_shared.messaging.events import decode_event
from tocsin_shared.messaging.inbound import InboundMessage
from tocsin_shared.messaging.reliable import Handler

from .handlers.problems import on_problem_event
from .ports import ProblemUnitOfWork


def problem_events_handler(
    *, uow_factory: Callable[[], ProblemUnitOfWork], clock: Clock
) -> Handler:
    async def handle(message: InboundMessage) -> None:
        envelope = decode_event(message, expect=ProblemEventData)
        assert isinstance(envelope.data, ProblemEventData)
        await on_problem_event(
            envelope.data,
            source=envelope.source,
            event_id=envelope.id,
            uow_factory=uow_factory,
            clock=clock,
        )

    return handle
