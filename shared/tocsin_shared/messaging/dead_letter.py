"""Dead-letter sink: the original record plus why it failed, on `<topic>.dlq`."""

from __future__ import annotations

from typing import Protocol

from ..contracts.topics import DLQ_SUFFIX
from ..observability.propagation import with_trace_headers
from .inbound import InboundMessage
from .producer import OutgoingRecord, Producer

ERROR_HEADER = "x-tocsin-dlq-error"
ATTEMPTS_HEADER = "x-tocsin-dlq-attempts"
CONSUMER_HEADER = "x-tocsin-dlq-consumer"
ORIGIN_HEADER = "x-tocsin-dlq-origin"


class DeadLetterSink(Protocol):
    async def dead_letter(
        self, message: InboundMessage, *, consumer: str, error: str, attempts: int
    ) -> None: ...


def dead_letter_record(
    message: InboundMessage, *, consumer: str, error: str, attempts: int
) -> OutgoingRecord:
    # The dead letter continues the trace of the processing that gave up on it.
    headers = with_trace_headers(message.headers)
    headers[ERROR_HEADER] = error[:2000].encode()
    headers[ATTEMPTS_HEADER] = str(attempts).encode()
    headers[CONSUMER_HEADER] = consumer.encode()
    headers[ORIGIN_HEADER] = f"{message.topic}/{message.partition}/{message.offset}".encode()
    return OutgoingRecord(
        topic=f"{message.topic}{DLQ_SUFFIX}",
        key=message.key or b"",
        value=message.value,
        headers=headers,
    )


class ProducerDeadLetterSink:
    def __init__(self, producer: Producer) -> None:
        self._producer = producer

    async def dead_letter(
        self, message: InboundMessage, *, consumer: str, error: str, attempts: int
    ) -> None:
        record = dead_letter_record(message, consumer=consumer, error=error, attempts=attempts)
        await self._producer.send_all([record])
