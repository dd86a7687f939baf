"""Kafka entry point for incident events: decode (poison if it cannot be), call the handler."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from tocsin_shared.contracts.envelope import Envelope, EnvelopeError, from_kafka
from tocsin_shared.messaging.inbound import InboundMessage, PoisonMessage
from tocsin_shared.messaging.reliable import Handler


def decode(message: InboundMessage) -> Envelope:
    try:
        return from_kafka(headers=message.headers, key=message.key, value=message.value)
    except EnvelopeError as exc:
        raise PoisonMessage(str(exc)) from exc


def envelope_handler(handle: Callable[[Envelope], Awaitable[object]]) -> Handler:
    async def on_message(message: InboundMessage) -> None:
        await handle(decode(message))

    return on_message
