"""FastStream broker factory. Every subscriber names its group and commits only after its work.

`AckPolicy.NACK_ON_ERROR` commits the offset when the handler returns and seeks back when it
raises, never before the handler ran (FastStream's ack-first default would lose a message on a
crash). The reliable wrapper decides what "returns" means: done, or dead-lettered.
"""

from __future__ import annotations

from typing import Any

from faststream import AckPolicy
from faststream.kafka import KafkaBroker, KafkaMessage
from faststream.kafka.prometheus import KafkaPrometheusMiddleware
from prometheus_client import CollectorRegistry

from .inbound import InboundMessage
from .reliable import BatchHandler


def make_broker(
    bootstrap_servers: str, *, client_id: str, registry: CollectorRegistry | None = None
) -> KafkaBroker:
    middlewares: list[Any] = []
    if registry is not None:
        middlewares.append(KafkaPrometheusMiddleware(registry=registry, app_name=client_id))
    return KafkaBroker(
        bootstrap_servers,
        client_id=client_id,
        enable_idempotence=False,
        middlewares=middlewares,
        graceful_timeout=15.0,
    )


def _inbound(record: Any) -> InboundMessage:
    return InboundMessage(
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        key=record.key,
        value=record.value or b"",
        headers={name: value or b"" for name, value in (record.headers or ())},
        timestamp_ms=record.timestamp,
    )


async def _raw_body(message: Any) -> Any:
    # Our handlers decode (and classify poison) themselves; FastStream must not parse JSON first,
    # or an undecodable body would be nacked in a loop before the dead-letter logic ever ran.
    return message.body


def subscribe_batch(
    broker: KafkaBroker,
    *,
    topic: str,
    group_id: str,
    handler: BatchHandler,
    max_records: int = 500,
    session_timeout_ms: int = 10_000,
) -> None:
    """Every subscriber names its group; the offsets commit once the whole batch is handled
    (`AckPolicy.NACK_ON_ERROR`: a raised error seeks back to the batch's first records)."""

    async def on_batch(message: KafkaMessage) -> None:
        records: Any = message.raw_message
        await handler([_inbound(record) for record in records])

    on_batch.__name__ = f"consume_batch_{group_id}_{topic}".replace(".", "_").replace("-", "_")
    broker.subscriber(
        topic,
        batch=True,
        max_records=max_records,
        batch_timeout_ms=100,
        group_id=group_id,
        ack_policy=AckPolicy.NACK_ON_ERROR,
        decoder=_raw_body,
        auto_offset_reset="earliest",
        max_poll_interval_ms=300_000,
        session_timeout_ms=session_timeout_ms,
        heartbeat_interval_ms=max(session_timeout_ms // 4, 500),
    )(on_batch)
