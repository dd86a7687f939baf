"""Metrics every runtime exposes (names in docs/observability.md), and how they are refreshed.

Gauges that need a query or a broker call are refreshed by a background loop every few seconds,
never per scrape, so a scraper (or several) cannot turn into a query storm.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
from prometheus_client import CollectorRegistry, Gauge, Histogram

from ..db import outbox

REFRESH_S = 5.0
HANDLER_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class RuntimeMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.outbox_backlog = Gauge(
            "tocsin_outbox_backlog", "Outbox rows not yet published", registry=registry
        )
        self.outbox_age = Gauge(
            "tocsin_outbox_oldest_age_seconds",
            "Age of the oldest unpublished outbox row (0 when none)",
            registry=registry,
        )
        self.lag = Gauge(
            "tocsin_consumer_lag",
            "Records behind the high watermark, per consumer group and partition",
            ["consumer", "topic", "partition"],
            registry=registry,
        )
        self.handler = Histogram(
            "tocsin_consumer_handler_seconds",
            "Time to handle one delivery (a message; a batch for batched consumers)",
            ["consumer"],
            buckets=HANDLER_BUCKETS,
            registry=registry,
        )

    @contextlib.contextmanager
    def handling(self, consumer: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.handler.labels(consumer).observe(time.perf_counter() - started)

    async def refresh_outbox(self, pool: asyncpg.Pool) -> None:
        async with pool.acquire() as conn:
            count, oldest = await outbox.backlog(conn)
        self.outbox_backlog.set(count)
        age = (datetime.now(UTC) - oldest).total_seconds() if oldest else 0.0
        self.outbox_age.set(max(age, 0.0))

    async def refresh_lag(self, subscribers: list[Any]) -> None:
        """Position against high watermark, for the partitions this process holds right now."""
        for subscriber in subscribers:
            consumer = getattr(subscriber, "consumer", None)
            if consumer is None:
                continue
            for tp in consumer.assignment():
                high = consumer.highwater(tp)
                if high is None:
                    continue  # nothing fetched yet: the watermark is unknown
                with contextlib.suppress(Exception):
                    position = await asyncio.wait_for(consumer.position(tp), 2.0)
                    self.lag.labels(subscriber.group_id, tp.topic, str(tp.partition)).set(
                        max(high - position, 0)
                    )


def every(interval_s: float, step: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
    """A background loop: `step`, then sleep; a failed step is retried at the next tick."""

    async def loop() -> None:
        while True:
            with contextlib.suppress(Exception):
                await step()
            await asyncio.sleep(interval_s)

    return loop
