"""Postgres repository and unit of work: clock rows and the inbox claim commit together."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from uuid import UUID

import asyncpg
from tocsin_shared.db.pool import DbConnection
from tocsin_shared.db.uow import PgUnitOfWork

from tocsin_sla_monitor.domain.clocks import ClockState, SlaClock, Target

SOURCE = "/tocsin/sla-monitor"
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
    def __init__(self, conn: DbConnection) -> None:
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


class SlaUnitOfWork(PgUnitOfWork):
    clocks: PgClockRepository

    def __init__(self, pool: asyncpg.Pool, *, topic_prefix: str = "") -> None:
        super().__init__(pool, source=SOURCE, topic_prefix=topic_prefix)

    def bind(self, conn: DbConnection) -> None:
        self.clocks = PgClockRepository(conn)


async def clocks_for_incident(pool: asyncpg.Pool, incident_id: UUID) -> list[SlaClock]:
    rows = await pool.fetch(
        f"SELECT {_COLUMNS} FROM clocks WHERE incident_id = $1 ORDER BY started_at, policy",
        incident_id,
    )
    return [_clock(r) for r in rows]
