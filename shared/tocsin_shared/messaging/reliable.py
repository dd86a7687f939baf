"""Bounded retry, then dead letter, for one consumer; transient infrastructure faults wait instead.

- PoisonMessage: dead-lettered at once (retrying cannot help).
- A transient fault (database or broker unreachable, serialization failure): retried with capped
  backoff for as long as it lasts, never dead-lettered, because every message would fail the same
  way and none of them is poison.
- Any other error: retried `max_attempts` times with backoff, then dead-lettered.
After a dead letter the handler returns normally, so the offset commits and the partition moves on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import asyncpg
import structlog
from aiokafka.errors import KafkaError
from prometheus_client import Counter

from .dead_letter import DeadLetterSink
from .inbound import InboundMessage, PoisonMessage

log = structlog.get_logger(__name__)

Handler = Callable[[InboundMessage], Awaitable[None]]
BatchHandler = Callable[[list[InboundMessage]], Awaitable[None]]

DEAD_LETTERED = Counter(
    "tocsin_messages_dead_lettered_total", "Messages sent to a dead-letter topic", ["consumer"]
)
RETRIED = Counter(
    "tocsin_message_retries_total", "Handler attempts that failed and were retried", ["consumer"]
)

_TRANSIENT = (
    OSError,
    TimeoutError,
    ConnectionError,
    KafkaError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.SerializationError,
    asyncpg.DeadlockDetectedError,
    asyncpg.TooManyConnectionsError,
    asyncpg.AdminShutdownError,
)
_TRANSIENT_BACKOFF_CAP_S = 5.0


def is_transient(exc: BaseException) -> bool:
    return isinstance(exc, _TRANSIENT)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    backoff_s: float = 0.2


def reliable(
    handler: Handler, *, consumer: str, dead_letters: DeadLetterSink, policy: RetryPolicy
) -> Handler:
    async def run(message: InboundMessage) -> None:
        attempts = 0
        transient_waits = 0
        while True:
            try:
                await handler(message)
                return
            except PoisonMessage as exc:
                await _dead_letter(message, str(exc), attempts + 1)
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if is_transient(exc):
                    transient_waits += 1
                    delay = min(policy.backoff_s * 2**transient_waits, _TRANSIENT_BACKOFF_CAP_S)
                    log.warning("transient fault, waiting", consumer=consumer, error=repr(exc))
                    await asyncio.sleep(delay)
                    continue
                attempts += 1
                if attempts >= policy.max_attempts:
                    await _dead_letter(message, f"{type(exc).__name__}: {exc}", attempts)
                    return
                RETRIED.labels(consumer).inc()
                log.warning(
                    "handler failed, retrying", consumer=consumer, attempt=attempts, error=repr(exc)
                )
                await asyncio.sleep(policy.backoff_s * 2 ** (attempts - 1))

    async def _dead_letter(message: InboundMessage, error: str, attempts: int) -> None:
        log.error(
            "dead-lettering message",
            consumer=consumer,
            topic=message.topic,
            partition=message.partition,
            offset=message.offset,
            error=error,
            attempts=attempts,
        )
        await dead_letters.dead_letter(message, consumer=consumer, error=error, attempts=attempts)
        DEAD_LETTERED.labels(consumer).inc()

    return run


def reliable_batch(batch: BatchHandler, *, single: Handler, consumer: str) -> BatchHandler:
    """Try the whole batch in one go; on a transient fault wait and try again; on anything else
    fall back to `single` (a `reliable` handler) message by message, so one poison message costs
    the batch its speed, never its correctness."""

    async def run(messages: list[InboundMessage]) -> None:
        waits = 0
        while True:
            try:
                await batch(messages)
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if is_transient(exc):
                    waits += 1
                    log.warning("transient fault, waiting", consumer=consumer, error=repr(exc))
                    await asyncio.sleep(min(0.1 * 2**waits, _TRANSIENT_BACKOFF_CAP_S))
                    continue
                log.warning(
                    "batch failed, processing one by one", consumer=consumer, error=repr(exc)
                )
                for message in messages:
                    await single(message)
                return

    return run
