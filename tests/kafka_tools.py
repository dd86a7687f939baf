"""Test helpers that read and write the real broker."""

from __future__ import annotations

import asyncio
import uuid

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer


async def read_all(bootstrap: str, topic: str, *, expect: int, timeout_s: float = 15.0) -> list:  # type: ignore[type-arg]
    """Read a topic from the beginning until `expect` records arrived (then a short grace)."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"reader-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    records = []
    try:
        deadline = asyncio.get_running_loop().time() + timeout_s
        grace_until = None
        while asyncio.get_running_loop().time() < deadline:
            batch = await consumer.getmany(timeout_ms=300)
            for msgs in batch.values():
                records.extend(msgs)
            if len(records) >= expect:
                grace_until = grace_until or asyncio.get_running_loop().time() + 1.0
                if asyncio.get_running_loop().time() >= grace_until:
                    break
    finally:
        await consumer.stop()
    return records


async def produce(
    bootstrap: str, topic: str, items: list[tuple[bytes, bytes, dict[str, bytes]]]
) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=False, acks="all")
    await producer.start()
    try:
        for key, value, headers in items:
            await producer.send_and_wait(topic, value=value, key=key, headers=list(headers.items()))
    finally:
        await producer.stop()


async def committed_total(bootstrap: str, group_id: str, topic: str) -> int:
    """Sum of a group's committed offsets on a topic (0 when nothing is committed).

    Asks through a consumer that never joins the group (Tansu's answer to the admin client's
    OffsetFetch does not decode in aiokafka; the consumer's request does).
    """
    from aiokafka import TopicPartition

    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group_id, enable_auto_commit=False
    )
    await consumer.start()
    try:
        partitions = await consumer._client.fetch_all_metadata()
        total = 0
        for partition in partitions.partitions_for_topic(topic) or ():
            total += await consumer.committed(TopicPartition(topic, partition)) or 0
        return total
    finally:
        await consumer.stop()
