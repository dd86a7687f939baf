"""What the chaos scenarios drive and read: an HTTP load generator that remembers what the edge
answered for every dedup key, the broker read to its end, and the incident/notifier tables."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import ConsumerRecord

from ..samples import INTEGRATION_KEY

INGEST = {"Authorization": f"Bearer {INTEGRATION_KEY}"}


@dataclass
class Load:
    """Alerts over HTTP, a mix of new dedup keys and repeats; per key what the edge answered."""

    url: str
    new_key_ratio: float
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:6])
    keys: list[str] = field(default_factory=list)
    sent: Counter[str] = field(default_factory=Counter)
    accepted: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)  # answered, but not 202
    unanswered: Counter[str] = field(default_factory=Counter)  # outcome unknown
    rng: random.Random = field(default_factory=lambda: random.Random(8))

    def next_key(self) -> str:
        if not self.keys or self.rng.random() < self.new_key_ratio:
            self.keys.append(f"chaos-{self.tag}-{len(self.keys)}")
            return self.keys[-1]
        return self.rng.choice(self.keys)

    async def send(self, client: httpx.AsyncClient, key: str) -> int | None:
        alert = {"dedup_key": key, "summary": f"chaos {key}", "severity": "critical"}
        self.sent[key] += 1
        try:
            response = await client.post(f"{self.url}/v1/alerts", json=alert, headers=INGEST)
        except httpx.HTTPError:
            self.unanswered[key] += 1
            return None
        (self.accepted if response.status_code == 202 else self.refused)[key] += 1
        return response.status_code

    async def run(self, stop: asyncio.Event, *, workers: int, pace_s: float) -> None:
        """Each worker sends one alert, then waits `pace_s` (longer while the edge refuses)."""

        async def worker() -> None:
            async with httpx.AsyncClient(timeout=10) as client:
                while not stop.is_set():
                    answered = await self.send(client, self.next_key())
                    await asyncio.sleep(pace_s if answered == 202 else max(pace_s, 0.1))

        await asyncio.gather(*(worker() for _ in range(workers)))

    def totals(self) -> dict[str, int]:
        return {
            "keys": len(self.sent),
            "sent": self.sent.total(),
            "accepted": self.accepted.total(),
            "refused": self.refused.total(),
            "unanswered": self.unanswered.total(),
        }


async def query(dsn: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(dsn)
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


async def reflected(dsn: str) -> dict[str, tuple[int, int]]:
    """Per dedup key: alerts counted in its incidents, and how many of those are open."""
    rows = await query(
        dsn,
        "SELECT dedup_key, sum(alert_count) AS alerts,"
        " count(*) FILTER (WHERE status <> 'resolved') AS open"
        " FROM incident.incidents GROUP BY dedup_key",
    )
    return {r["dedup_key"]: (int(r["alerts"]), int(r["open"])) for r in rows}


async def incident_ids(dsn: str, *, keys: list[str] | None = None) -> list[uuid.UUID]:
    """Every incident's id, or only those of these dedup keys."""
    if keys is None:
        return [r["id"] for r in await query(dsn, "SELECT id FROM incident.incidents")]
    sql = "SELECT id FROM incident.incidents WHERE dedup_key = ANY($1::text[])"
    return [r["id"] for r in await query(dsn, sql, keys)]


def _consumer(bootstrap: str, **kwargs: Any) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, **kwargs)


async def end_offsets(bootstrap: str, topic: str) -> dict[int, int]:
    """Each partition's end (high watermark), as a fetch reports it.

    Tansu 0.6.0 answers ListOffsets(latest) with the last batch's base offset + 1, short of the
    end when that batch holds several records; a fetch from that batch tells the real end.
    """
    consumer = _consumer(bootstrap)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        listed = await consumer.end_offsets(partitions)
        ends = {tp.partition: offset for tp, offset in listed.items()}
        nonempty = [tp for tp in partitions if listed[tp] > 0]
        consumer.assign(nonempty)
        for tp in nonempty:
            consumer.seek(tp, listed[tp] - 1)
        while [tp for tp in nonempty if consumer.highwater(tp) is None]:
            await consumer.getmany(timeout_ms=300)
        return ends | {tp.partition: consumer.highwater(tp) or 0 for tp in nonempty}
    finally:
        await consumer.stop()


async def committed(bootstrap: str, group: str, topic: str) -> dict[int, int]:
    """A group's committed offsets, asked through a consumer that never joins the group."""
    consumer = _consumer(bootstrap, group_id=group)
    await consumer.start()
    try:
        metadata = await consumer._client.fetch_all_metadata()
        partitions = metadata.partitions_for_topic(topic) or ()
        return {p: await consumer.committed(TopicPartition(topic, p)) or 0 for p in partitions}
    finally:
        await consumer.stop()


async def read_to_end(bootstrap: str, topic: str) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record on the topic up to its end offsets as of the call."""
    ends = await end_offsets(bootstrap, topic)
    consumer = _consumer(bootstrap)
    await consumer.start()
    records: list[ConsumerRecord[bytes, bytes]] = []
    try:
        partitions = [TopicPartition(topic, p) for p, end in ends.items() if end > 0]
        if not partitions:
            return records
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        while [tp for tp in partitions if await consumer.position(tp) < ends[tp.partition]]:
            for batch in (await consumer.getmany(timeout_ms=500)).values():
                records += [r for r in batch if r.offset < ends[r.partition]]
    finally:
        await consumer.stop()
    return records


async def produce_to_every_partition(
    bootstrap: str, topic: str, *, value: bytes, headers: list[tuple[str, bytes]]
) -> set[str]:
    """One record per partition; their `topic/partition/offset` origins."""
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        origins = set()
        for partition in sorted(await producer.partitions_for(topic)):
            sent = await producer.send_and_wait(
                topic, value=value, key=b"poison", partition=partition, headers=headers
            )
            origins.add(f"{topic}/{sent.partition}/{sent.offset}")
        return origins
    finally:
        await producer.stop()
