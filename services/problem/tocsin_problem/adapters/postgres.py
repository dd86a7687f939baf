"""Postgres unit of work and repository: projection row and inbox claim in one transaction."""

from __future__ import annotations

from typing import Any, Self, cast
from uuid import UUID

import asyncpg
from asyncpg.pool import PoolConnectionProxy
from tocsin_shared.contracts.events import IncidentStatus, Severity
from tocsin_shared.db import inbox

from tocsin_problem.domain.observed import ObservedIncident

_COLUMNS = (
    "incident_id, service, dedup_key, summary, severity, status, triggered_at, updated_at,"
    " last_event_type"
)


def _observed(row: asyncpg.Record) -> ObservedIncident:
    return ObservedIncident(
        incident_id=row["incident_id"],
        service=row["service"],
        dedup_key=row["dedup_key"],
        summary=row["summary"],
        severity=Severity(row["severity"]),
        status=IncidentStatus(row["status"]),
        triggered_at=row["triggered_at"],
        updated_at=row["updated_at"],
        last_event_type=row["last_event_type"],
    )


class PgObservedIncidents:
    def __init__(self, conn: PoolConnectionProxy[asyncpg.Record]) -> None:
        self._conn = conn

    async def get(self, incident_id: UUID) -> ObservedIncident | None:
        row = await self._conn.fetchrow(
            f"SELECT {_COLUMNS} FROM observed_incidents WHERE incident_id = $1 FOR UPDATE",
            incident_id,
        )
        return _observed(row) if row else None

    async def put(self, incident: ObservedIncident) -> None:
        await self._conn.execute(
            f"INSERT INTO observed_incidents ({_COLUMNS})"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
            " ON CONFLICT (incident_id) DO UPDATE SET service = $2, dedup_key = $3, summary = $4,"
            " severity = $5, status = $6, triggered_at = $7, updated_at = $8,"
            " last_event_type = $9",
            incident.incident_id,
            incident.service,
            incident.dedup_key,
            incident.summary,
            incident.severity.value,
            incident.status.value,
            incident.triggered_at,
            incident.updated_at,
            incident.last_event_type,
        )


class PgUnitOfWork:
    observed: PgObservedIncidents

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def __aenter__(self) -> Self:
        self._conn = await self._pool.acquire()
        self._tx = self._conn.transaction()
        await self._tx.start()
        self._committed = False
        self.observed = PgObservedIncidents(self._conn)
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


async def list_observed(
    pool: asyncpg.Pool, *, service: str | None, limit: int
) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        f"SELECT {_COLUMNS} FROM observed_incidents WHERE ($1::text IS NULL OR service = $1)"
        " ORDER BY updated_at DESC, incident_id LIMIT $2",
        service,
        limit,
    )
    return [dict(r) for r in rows]
