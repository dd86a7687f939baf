"""Postgres unit of work and repository: clock rows and inbox claim in one transaction."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Self, cast
from uuid import UUID

import asyncpg
from asyncpg.pool import PoolConnectionProxy
from tocsin_shared.db import inbox

from tocsin_sla_monitor.domain.clocks import ClockState, SlaClock, Target

_COLUMNS = "id, incident_id, policy, target, started_at, due_at, state, stopped_at"


def _clock(row: asyncpg.Record) -> SlaClock:
    return SlaClock(
        id=row["id"],
        incident_id=row["incident_id"],
        policy=row["policy"],
        target=Target(row["target"]),
        started_at=row["started_at"],
        due_at=row["due_at"],
        state=ClockState(row["state"]),
        stopped_at=row["stopped_at"],
    )


class PgClockRepository:
    def __init__(self, conn: PoolConnectionProxy[asyncpg.Record]) -> None:
        self._conn = conn

    async def add(self, clocks: Sequence[SlaClock]) -> None:
        await self._conn.executemany(
            f"INSERT INTO clocks ({_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            [
                (
                    c.id,
                    c.incident_id,
                    c.policy,
                    c.target.value,
                    c.started_at,
                    c.due_at,
                    c.state.value,
                    c.stopped_at,
                )
                for c in clocks
            ],
        )

    async def running(self, incident_id: UUID, *, targets: Collection[Target]) -> list[SlaClock]:
        rows = await self._conn.fetch(
            f"SELECT {_COLUMNS} FROM clocks WHERE incident_id = $1 AND state = 'running'"
            " AND target = ANY($2::text[]) ORDER BY policy FOR UPDATE",
            incident_id,
            [t.value for t in targets],
        )
        return [_clock(r) for r in rows]

    async def save(self, clocks: Sequence[SlaClock]) -> None:
        await self._conn.executemany(
            "UPDATE clocks SET state = $2, stopped_at = $3 WHERE id = $1",
            [(c.id, c.state.value, c.stopped_at) for c in clocks],
        )


class PgUnitOfWork:
    clocks: PgClockRepository

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def __aenter__(self) -> Self:
        self._conn = await self._pool.acquire()
        self._tx = self._conn.transaction()
        await self._tx.start()
        self._committed = False
        self.clocks = PgClockRepository(self._conn)
        return self

    async def __aexit__(self, *exc: object) -> None:
        try:
            if not self._committed:
                await self._tx.rollback()
        finally:
            await self._pool.release(self._conn)

    async def first_time(self, *, consumer: str, source: str, event_id: str) -> bool:
        # The pooled proxy forwards every call to its connection; the kernel's signature names
        # only the connection type.
        conn = cast(asyncpg.Connection, self._conn)
        return await inbox.claim(conn, consumer=consumer, source=source, event_id=event_id)

    async def commit(self) -> None:
        await self._tx.commit()
        self._committed = True


async def clocks_for_incident(pool: asyncpg.Pool, incident_id: UUID) -> list[SlaClock]:
    rows = await pool.fetch(
        f"SELECT {_COLUMNS} FROM clocks WHERE incident_id = $1 ORDER BY started_at, policy",
        incident_id,
    )
    return [_clock(r) for r in rows]
