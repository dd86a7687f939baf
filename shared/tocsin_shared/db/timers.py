"""Durable timers in Postgres.

`schedule` and `cancel` run in the caller's transaction, so a timer exists exactly when the state
change that needs it committed. `fire_due` claims one due timer at a time with
`FOR UPDATE SKIP LOCKED` and runs its handler in the same transaction that marks it fired: a crash
before the commit leaves it due (it fires on restart, late, and `lateness` says how late); two
replicas never fire the same one. A handler that fails is retried with backoff, then marked failed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import structlog
from prometheus_client import Counter, Histogram

from ..clock import Clock
from .pool import DbConnection

log = structlog.get_logger(__name__)

LATENESS = Histogram(
    "tocsin_timer_lateness_seconds",
    "How long after its due time a timer fired",
    ["kind"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 15, 60, 300, 3600),
)
FAILURES = Counter("tocsin_timer_failures_total", "Timer handler failures", ["kind"])

_LIVE = "fired_at IS NULL AND cancelled_at IS NULL AND failed_at IS NULL"


@dataclass(frozen=True)
class Timer:
    id: int
    kind: str
    subject: str
    due_at: datetime
    payload: dict[str, Any]
    generation: int
    attempts: int

    def lateness(self, now: datetime) -> timedelta:
        return max(now - self.due_at, timedelta(0))


TimerHandler = Callable[[Timer, DbConnection, datetime], Awaitable[None]]


async def schedule(
    conn: DbConnection,
    *,
    kind: str,
    subject: str,
    due_at: datetime,
    payload: Mapping[str, Any] | None = None,
) -> int:
    """Create the (kind, subject) timer, or move the live one; returns its generation."""
    generation: int = await conn.fetchval(
        "INSERT INTO timers (kind, subject, due_at, payload) VALUES ($1, $2, $3, $4)"
        f" ON CONFLICT (kind, subject) WHERE {_LIVE} DO UPDATE"
        " SET due_at = EXCLUDED.due_at, payload = EXCLUDED.payload,"
        " generation = timers.generation + 1, attempts = 0, last_error = NULL"
        " RETURNING generation",
        kind,
        subject,
        due_at,
        dict(payload or {}),
    )
    return generation


async def cancel(conn: DbConnection, *, kind: str, subject: str) -> bool:
    status = await conn.execute(
        f"UPDATE timers SET cancelled_at = now() WHERE kind = $1 AND subject = $2 AND {_LIVE}",
        kind,
        subject,
    )
    return status != "UPDATE 0"


async def pending(conn: DbConnection, *, kind: str, subject: str) -> Timer | None:
    row = await conn.fetchrow(
        "SELECT id, kind, subject, due_at, payload, generation, attempts FROM timers"
        f" WHERE kind = $1 AND subject = $2 AND {_LIVE}",
        kind,
        subject,
    )
    return Timer(**dict(row)) if row else None


async def fire_one(
    pool: asyncpg.Pool,
    *,
    handlers: Mapping[str, TimerHandler],
    now: datetime,
    max_attempts: int = 10,
) -> bool:
    """Fire the most overdue timer, if any is due; False when none is."""
    async with pool.acquire() as conn, conn.transaction():
        row = await conn.fetchrow(
            "SELECT id, kind, subject, due_at, payload, generation, attempts FROM timers"
            f" WHERE {_LIVE} AND due_at <= $1 AND kind = ANY($2::text[])"
            " ORDER BY due_at LIMIT 1 FOR UPDATE SKIP LOCKED",
            now,
            list(handlers),
        )
        if row is None:
            return False
        timer = Timer(**dict(row))
        try:
            async with conn.transaction():  # a savepoint: the handler's work is all or nothing
                await handlers[timer.kind](timer, conn, now)
        except Exception as exc:
            await _failed(conn, timer, exc, now=now, max_attempts=max_attempts)
            return True
        # A handler that rescheduled its own timer bumped the generation: that one stays live.
        await conn.execute(
            "UPDATE timers SET fired_at = $2 WHERE id = $1 AND generation = $3",
            timer.id,
            now,
            timer.generation,
        )
        LATENESS.labels(timer.kind).observe(timer.lateness(now).total_seconds())
        return True


async def _failed(
    conn: DbConnection, timer: Timer, exc: Exception, *, now: datetime, max_attempts: int
) -> None:
    FAILURES.labels(timer.kind).inc()
    attempts = timer.attempts + 1
    log.warning("timer handler failed", kind=timer.kind, subject=timer.subject, error=repr(exc))
    if attempts >= max_attempts:
        await conn.execute(
            "UPDATE timers SET attempts = $2, last_error = $3, failed_at = $4 WHERE id = $1",
            timer.id,
            attempts,
            repr(exc)[:2000],
            now,
        )
        return
    retry_at = now + timedelta(seconds=min(2**attempts, 300))
    await conn.execute(
        "UPDATE timers SET attempts = $2, last_error = $3, due_at = $4 WHERE id = $1",
        timer.id,
        attempts,
        repr(exc)[:2000],
        retry_at,
    )


async def next_due(pool: asyncpg.Pool, *, kinds: list[str]) -> datetime | None:
    due: datetime | None = await pool.fetchval(
        f"SELECT min(due_at) FROM timers WHERE {_LIVE} AND kind = ANY($1::text[])", kinds
    )
    return due


def timer_loop(
    pool: Callable[[], asyncpg.Pool],
    *,
    handlers: Mapping[str, TimerHandler],
    clock: Clock,
    idle_s: float = 1.0,
    concurrency: int = 4,
) -> Callable[[], Awaitable[None]]:
    """A background loop: fire everything due with `concurrency` firers (SKIP LOCKED keeps them
    off each other's timers), then sleep until the next due time (at most idle_s)."""

    async def drain() -> None:
        while await fire_one(pool(), handlers=handlers, now=clock.now()):
            pass

    async def run() -> None:
        while True:
            await asyncio.gather(*(drain() for _ in range(concurrency)))
            due = await next_due(pool(), kinds=list(handlers))
            wait = idle_s
            if due is not None:
                wait = min(idle_s, max((due - clock.now()).total_seconds(), 0.01))
            await asyncio.sleep(wait)

    return run
