"""The producer port and its aiokafka implementation (no idempotence: Tansu has none)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Protocol

from aiokafka import AIOKafkaProducer

from ..observability.propagation import TRACEPARENT, carrier


@dataclass(frozen=True)
class OutgoingRecord:
    topic: str
    key: bytes
    value: bytes
    headers: dict[str, bytes] = field(default_factory=dict)


class Producer(Protocol):
    async def send_all(self, records: list[OutgoingRecord]) -> None:
        """Return once the broker has acknowledged every record; raise if any failed."""


class KafkaProducer:
    def __init__(self, bootstrap_servers: str, *, client_id: str) -> None:
        self._bootstrap_servers = bootstrap_servers
        self._client_id = client_id
        self._producer: AIOKafkaProducer | None = None

    async def start(self) -> None:
        # aiokafka binds to the running loop, so the client is made here, not at construction.
        self._producer = AIOKafkaProducer(
            bootstrap_servers=self._bootstrap_servers,
            client_id=self._client_id,
            acks="all",
            enable_idempotence=False,
            linger_ms=2,
            max_batch_size=1024 * 1024,
            max_request_size=2 * 1024 * 1024,
            request_timeout_ms=15_000,
        )
        try:
            await self._producer.start()
        except Exception:
            await self._producer.stop()
            self._producer = None
            raise

    async def stop(self) -> None:
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None

    async def send_all(self, records: list[OutgoingRecord]) -> None:
        producer = self._producer
        if producer is None:
            raise ConnectionError("producer not started")
        # A record without a trace context (one not sent from inside a PRODUCER span of ours)
        # carries the current one, so every produce is traceable (ADR 0011).
        current = {k: v.encode() for k, v in carrier().items()}
        futures = [
            await producer.send(
                r.topic,
                value=r.value,
                key=r.key,
                headers=list(
                    (r.headers if TRACEPARENT in r.headers else {**r.headers, **current}).items()
                ),
            )
            for r in records
        ]
        await asyncio.gather(*futures)


class RecordingProducer:
    """Test fake: keeps what was sent; can be told to fail."""

    def __init__(self) -> None:
        self.sent: list[OutgoingRecord] = []
        self.fail_with: Exception | None = None

    async def send_all(self, records: list[OutgoingRecord]) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.sent.extend(records)
