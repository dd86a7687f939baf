"""Consumer handlers with their observability: a CONSUMER span per message, parented to the
context its producer sent (ADR 0011), and the handler latency histogram."""

from __future__ import annotations

from ..observability.metrics import RuntimeMetrics
from ..observability.propagation import consuming
from .inbound import InboundMessage
from .reliable import BatchHandler, Handler, reliable_batch


def one_by_one(one: Handler, *, consumer: str, metrics: RuntimeMetrics) -> BatchHandler:
    """Each message of a fetched batch in its own span, one after the other."""

    async def each(messages: list[InboundMessage]) -> None:
        for message in messages:
            with consuming(message, consumer=consumer), metrics.handling(consumer):
                await one(message)

    return each


def batched(
    batch: BatchHandler, *, single: Handler, consumer: str, metrics: RuntimeMetrics
) -> BatchHandler:
    """`batch` opens a span per message itself (so what each message causes stays in that
    message's trace); the one-by-one fallback gets one here."""

    async def traced_single(message: InboundMessage) -> None:
        with consuming(message, consumer=consumer):
            await single(message)

    whole = reliable_batch(batch, single=traced_single, consumer=consumer)

    async def timed(messages: list[InboundMessage]) -> None:
        with metrics.handling(consumer):
            await whole(messages)

    return timed
