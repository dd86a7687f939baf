"""The process shell every service shares: connect, consume, relay the outbox, serve HTTP, stop.

A service's `bootstrap` builds one Runtime, registers its consumers, background loops and
routers, and gets a FastAPI app back. Connecting happens in the background with retries so that
`/healthz` answers at once and `/readyz` tells the truth while Postgres or Kafka are away.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import structlog
from fastapi import APIRouter, FastAPI
from faststream.kafka import KafkaBroker
from prometheus_client import CollectorRegistry

from .contracts.topics import TopicSpec
from .db import outbox
from .db.pool import create_pool, ping
from .http.errors import install_error_handlers
from .http.health import health_router
from .messaging.broker import make_broker, subscribe_batch
from .messaging.dead_letter import ProducerDeadLetterSink
from .messaging.observed import batched, one_by_one
from .messaging.producer import KafkaProducer
from .messaging.reliable import BatchHandler, Handler, RetryPolicy, reliable
from .observability.metrics import REFRESH_S, RuntimeMetrics, every
from .observability.tracing import HTTP_TELEMETRY
from .settings import ServiceSettings

log = structlog.get_logger(__name__)

Loop = Callable[[], Awaitable[None]]
ConsumerFactory = Callable[["Runtime"], Handler]


class Runtime:
    def __init__(self, settings: ServiceSettings, *, service: str, schema: str) -> None:
        self.settings = settings
        self.service = service
        self.schema = schema
        self.registry = CollectorRegistry(auto_describe=True)
        self.producer = KafkaProducer(
            settings.kafka_bootstrap_servers, client_id=f"tocsin-{service}-{settings.instance_id}"
        )
        self.broker: KafkaBroker = make_broker(
            settings.kafka_bootstrap_servers,
            client_id=f"tocsin-{service}",
            registry=self.registry,
        )
        self.dead_letters = ProducerDeadLetterSink(self.producer)
        self.retry_policy = RetryPolicy(
            max_attempts=settings.consumer_max_attempts, backoff_s=settings.consumer_retry_backoff_s
        )
        self._pool: asyncpg.Pool | None = None
        self._routers: list[APIRouter] = []
        self._on_stop: list[Callable[[], Awaitable[None]]] = []
        self._loops: list[tuple[str, Callable[[], Loop]]] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._broker_started = False
        self.ready = asyncio.Event()
        self.metrics = RuntimeMetrics(self.registry)

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("database pool not connected yet")
        return self._pool

    def topic(self, spec: TopicSpec) -> str:
        return spec.qualified(self.settings.topic_prefix)

    def group(self, name: str) -> str:
        return f"{self.settings.topic_prefix}tocsin-{self.service}-{name}"

    def consumer(self, *, topic: TopicSpec, name: str, handler: Handler) -> None:
        """Register a consumer; its handler runs through bounded retry and the dead-letter topic.

        Records are fetched in batches and handled one by one, each in its own transaction with
        its inbox claim; the offsets commit once the whole batch is handled (a crash mid-batch
        redelivers it, and the inbox turns the handled part away).
        """
        group = self.group(name)
        one = reliable(
            handler, consumer=group, dead_letters=self.dead_letters, policy=self.retry_policy
        )

        subscribe_batch(
            self.broker,
            topic=self.topic(topic),
            group_id=group,
            handler=one_by_one(one, consumer=group, metrics=self.metrics),
            max_records=self.settings.consumer_batch_size,
            session_timeout_ms=self.settings.consumer_session_timeout_ms,
        )

    def batch_consumer(
        self,
        *,
        topic: TopicSpec,
        name: str,
        batch: BatchHandler,
        single: Handler,
        max_records: int = 500,
    ) -> None:
        """A consumer that handles a batch in one go and falls back to `single` per message.

        `batch` opens a span per message itself (`observability.propagation.consuming`).
        """
        group = self.group(name)
        one = reliable(
            single, consumer=group, dead_letters=self.dead_letters, policy=self.retry_policy
        )
        subscribe_batch(
            self.broker,
            topic=self.topic(topic),
            group_id=group,
            handler=batched(batch, single=one, consumer=group, metrics=self.metrics),
            max_records=max_records,
            session_timeout_ms=self.settings.consumer_session_timeout_ms,
        )

    def add_router(self, router: APIRouter) -> None:
        self._routers.append(router)

    def on_stop(self, close: Callable[[], Awaitable[None]]) -> None:
        self._on_stop.append(close)

    def background(self, name: str, factory: Callable[[], Loop]) -> None:
        """A loop started once connected, cancelled at shutdown, restarted if it crashes."""
        self._loops.append((name, factory))

    async def _retrying(self, what: str, step: Callable[[], Awaitable[Any]]) -> Any:
        delay = 0.2
        while True:
            try:
                return await step()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("waiting for dependency", dependency=what, error=str(exc))
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def start(self) -> None:
        """Connect (retrying until dependencies answer), then relay, loops and consumers."""
        s = self.settings
        self._pool = await self._retrying(
            "postgres",
            lambda: create_pool(
                s.dsn(), schema=self.schema, min_size=s.db_pool_min, max_size=s.db_pool_max
            ),
        )
        await self._retrying("kafka producer", self.producer.start)
        relay = outbox.OutboxRelay(
            self.pool,
            self.producer,
            schema=self.schema,
            batch_size=s.outbox_batch_size,
            poll_interval_s=s.outbox_poll_interval_s,
        )
        self._spawn("outbox-relay", relay.run)
        self._spawn(
            "outbox-gauge", every(REFRESH_S, lambda: self.metrics.refresh_outbox(self.pool))
        )
        self._spawn(
            "consumer-lag",
            every(REFRESH_S, lambda: self.metrics.refresh_lag(self.broker.subscribers)),
        )
        for name, factory in self._loops:
            self._spawn(name, factory())
        await self._retrying("kafka consumers", self.broker.start)
        self._broker_started = True
        self.ready.set()
        log.info("service ready", port=s.port)

    def _spawn(self, name: str, loop: Loop) -> None:
        async def supervised() -> None:
            while True:
                try:
                    await loop()
                    return
                except asyncio.CancelledError:
                    raise
                except Exception:
                    task = asyncio.current_task()
                    if task is not None and task.cancelling():
                        raise  # being stopped: an error raised while unwinding is not a crash
                    log.exception("background loop crashed, restarting", loop=name)
                    await asyncio.sleep(1.0)

        self._tasks.append(asyncio.create_task(supervised(), name=name))

    async def _broker_alive(self) -> bool:
        if not self._broker_started:
            return False
        try:
            return bool(await asyncio.wait_for(self.broker.ping(timeout=2.0), 3.0))
        except Exception:
            return False

    async def _db_alive(self) -> bool:
        return self._pool is not None and await ping(self._pool)

    async def stop(self) -> None:
        if self._broker_started:
            with contextlib.suppress(Exception):
                await self.broker.stop()
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            _, stuck = await asyncio.wait(self._tasks, timeout=10)
            for task in stuck:
                log.error("background loop ignored cancellation", loop=task.get_name())
        for close in self._on_stop:
            with contextlib.suppress(Exception):
                await close()
        with contextlib.suppress(Exception):
            await self.producer.stop()
        if self._pool is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._pool.close(), 5)

    def app(self, *, title: str) -> FastAPI:
        @asynccontextmanager
        async def lifespan(_: FastAPI) -> AsyncIterator[None]:
            connecting = asyncio.create_task(self.start(), name="connect")
            try:
                yield
            finally:
                connecting.cancel()
                with contextlib.suppress(BaseException):
                    await connecting
                await self.stop()

        app = FastAPI(title=title, version="0.1.0", lifespan=lifespan, telemetry=HTTP_TELEMETRY)
        install_error_handlers(app)
        app.include_router(
            health_router(
                checks={"database": self._db_alive, "broker": self._broker_alive},
                registry=self.registry,
            )
        )
        for router in self._routers:
            app.include_router(router)
        return app
