"""Postgres heartbeat state, the deadline timer, and the processor's screen wired to both."""

from __future__ import annotations

from datetime import datetime
from typing import cast

import asyncpg
from tocsin_shared.db import timers
from tocsin_shared.db.pool import DbConnection

from ..deps import Deps
from ..domain.heartbeats import HeartbeatState, HeartbeatStatus
from ..handlers.heartbeats import AlertScreen, HeartbeatStore, ScreenPorts
from ..handlers.silences import SuppressionSource
from ..ports import UnitOfWork
from .postgres import IncidentUnitOfWork
from .silences import PgSuppressionSource, cache_for

HEARTBEAT_EXPIRE = "heartbeat.expire"
_COLUMNS = "name, state, last_ping_at, next_due_at, missed_at"


def _status(row: asyncpg.Record) -> HeartbeatStatus:
    return HeartbeatStatus(
        name=row["name"],
        state=HeartbeatState(row["state"]),
        last_ping_at=row["last_ping_at"],
        next_due_at=row["next_due_at"],
        missed_at=row["missed_at"],
    )


class PgHeartbeatStore:
    def __init__(self, conn: DbConnection) -> None:
        self._conn = conn

    async def arm(self, name: str, *, due_at: datetime) -> None:
        await timers.schedule(self._conn, kind=HEARTBEAT_EXPIRE, subject=name, due_at=due_at)

    async def get(self, name: str) -> HeartbeatStatus | None:
        row = await self._conn.fetchrow(
            f"SELECT {_COLUMNS} FROM heartbeats WHERE name = $1 FOR UPDATE", name
        )
        return _status(row) if row else None

    async def save(self, status: HeartbeatStatus) -> None:
        await self._conn.execute(
            f"INSERT INTO heartbeats ({_COLUMNS}) VALUES ($1, $2, $3, $4, $5)"
            " ON CONFLICT (name) DO UPDATE SET state = EXCLUDED.state,"
            " last_ping_at = EXCLUDED.last_ping_at, next_due_at = EXCLUDED.next_due_at,"
            " missed_at = EXCLUDED.missed_at",
            status.name,
            status.state.value,
            status.last_ping_at,
            status.next_due_at,
            status.missed_at,
        )


async def heartbeat_states(pool: asyncpg.Pool) -> dict[str, HeartbeatStatus]:
    rows = await pool.fetch(f"SELECT {_COLUMNS} FROM heartbeats")
    return {r["name"]: _status(r) for r in rows}


def screen_ports(deps: Deps) -> ScreenPorts:
    """Suppressions (through the runtime's cache) and heartbeat state on a unit of work's
    transaction."""
    cache = cache_for(deps.runtime)

    def ports(uow: UnitOfWork) -> tuple[SuppressionSource, HeartbeatStore]:
        conn = cast(IncidentUnitOfWork, uow).connection
        return PgSuppressionSource(conn, cache), PgHeartbeatStore(conn)

    return ports


def alert_screen(deps: Deps) -> AlertScreen:
    """The processor's hook, on the processor's own transaction."""
    return AlertScreen(heartbeats=tuple(deps.config.heartbeats), ports=screen_ports(deps))
