"""Decode a CloudEvent from a consumed record, or say why it is poison."""

from __future__ import annotations

from ..contracts.envelope import Envelope, EnvelopeError, from_kafka
from ..contracts.events import EventData
from .inbound import InboundMessage, PoisonMessage


def decode_event(message: InboundMessage, *, expect: type[EventData] = EventData) -> Envelope:
    try:
        envelope = from_kafka(headers=message.headers, key=message.key, value=message.value)
    except EnvelopeError as exc:
        raise PoisonMessage(str(exc)) from exc
    if not isinstance(envelope.data, expect):
        raise PoisonMessage(f"{envelope.type} does not belong on {message.topic}")
    return envelope
