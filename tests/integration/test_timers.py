"""Durable timers: fire once, late rather than never, never twice, moved or cancelled cleanly."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest
from tocsin_shared.db import migrate, timers
from tocsin_shared.db.pool import DbConnection, create_pool

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
async def pool(database: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    await migrate.apply(database, schema="svc", directory=tmp_path, component="svc")
    pool = await create_pool(database, schema="svc", max_size=6)
    yield pool
    await pool.close()


class Recorder:
    def __init__(self) -> None:
        self.fired: list[tuple[str, datetime]] = []

    async def __call__(self, timer: timers.Timer, conn: DbConnection, now: datetime) -> None:
        await conn.execute("SELECT 1")
        self.fired.append((timer.subject, now))


async def test_a_due_timer_fires_once_and_a_future_one_waits(pool: asyncpg.Pool) -> None:
    rec = Recorder()
    async with pool.acquire() as conn:
        await timers.schedule(conn, kind="snooze", subject="a", due_at=T0)
        await timers.schedule(conn, kind="snooze", subject="b", due_at=T0 + timedelta(hours=1))
    assert await timers.fire_one(pool, handlers={"snooze": rec}, now=T0 + timedelta(seconds=5))
    assert not await timers.fire_one(pool, handlers={"snooze": rec}, now=T0 + timedelta(seconds=6))
    assert rec.fired == [("a", T0 + timedelta(seconds=5))]


async def test_a_timer_overdue_at_start_fires_late_not_never(pool: asyncpg.Pool) -> None:
    rec = Recorder()
    async with pool.acquire() as conn:
        await timers.schedule(conn, kind="ack-timeout", subject="x", due_at=T0)
    # "the process was down for a day": the first pass after it comes back fires it
    late = T0 + timedelta(days=1)
    assert await timers.fire_one(pool, handlers={"ack-timeout": rec}, now=late)
    assert rec.fired == [("x", late)]


async def test_concurrent_firers_never_fire_one_timer_twice(pool: asyncpg.Pool) -> None:
    rec = Recorder()
    async with pool.acquire() as conn:
        for i in range(40):
            await timers.schedule(conn, kind="k", subject=str(i), due_at=T0)

    async def firer() -> None:
        while await timers.fire_one(pool, handlers={"k": rec}, now=T0):
            await asyncio.sleep(0)

    await asyncio.gather(*(firer() for _ in range(4)))
    assert sorted(s for s, _ in rec.fired) == sorted(str(i) for i in range(40))


async def test_scheduling_again_moves_the_timer_and_cancel_stops_it(pool: asyncpg.Pool) -> None:
    rec = Recorder()
    async with pool.acquire() as conn:
        assert await timers.schedule(conn, kind="k", subject="a", due_at=T0) == 0
        assert await timers.schedule(conn, kind="k", subject="a", due_at=T0 + timedelta(1)) == 1
        await timers.schedule(conn, kind="k", subject="b", due_at=T0)
        assert await timers.cancel(conn, kind="k", subject="b")
        assert not await timers.cancel(conn, kind="k", subject="b")
    assert not await timers.fire_one(pool, handlers={"k": rec}, now=T0 + timedelta(hours=1))
    assert await timers.fire_one(pool, handlers={"k": rec}, now=T0 + timedelta(days=2))
    assert [s for s, _ in rec.fired] == ["a"]


async def test_a_failing_handler_is_retried_with_backoff_then_marked_failed(
    pool: asyncpg.Pool,
) -> None:
    calls = []

    async def broken(timer: timers.Timer, conn: DbConnection, now: datetime) -> None:
        await conn.execute("INSERT INTO inbox (consumer, source, event_id) VALUES ('c', 's', 'e')")
        calls.append(now)
        raise RuntimeError("bug")

    async with pool.acquire() as conn:
        await timers.schedule(conn, kind="k", subject="a", due_at=T0)
    now = T0
    for _ in range(3):
        assert await timers.fire_one(pool, handlers={"k": broken}, now=now, max_attempts=3)
        now += timedelta(hours=1)
    assert not await timers.fire_one(pool, handlers={"k": broken}, now=now, max_attempts=3)
    assert len(calls) == 3
    async with pool.acquire() as conn:
        row = await conn.fetchrow("SELECT attempts, failed_at, last_error FROM timers")
        assert row["attempts"] == 3 and row["failed_at"] is not None and "bug" in row["last_error"]
        assert await conn.fetchval("SELECT count(*) FROM inbox") == 0  # handler work rolled back


async def test_a_handler_that_reschedules_its_own_timer_keeps_the_new_schedule(
    pool: asyncpg.Pool,
) -> None:
    fired: list[datetime] = []

    async def again_in_an_hour(timer: timers.Timer, conn: DbConnection, now: datetime) -> None:
        fired.append(now)
        if len(fired) == 1:
            await timers.schedule(
                conn, kind="k", subject=timer.subject, due_at=now + timedelta(hours=1)
            )

    async with pool.acquire() as conn:
        await timers.schedule(conn, kind="k", subject="a", due_at=T0)
    assert await timers.fire_one(pool, handlers={"k": again_in_an_hour}, now=T0)
    later = T0 + timedelta(minutes=30)
    assert not await timers.fire_one(pool, handlers={"k": again_in_an_hour}, now=later)
    assert await timers.fire_one(
        pool, handlers={"k": again_in_an_hour}, now=T0 + timedelta(hours=2)
    )
    assert fired == [T0, T0 + timedelta(hours=2)]
