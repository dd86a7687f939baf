"""Postgres repositories and unit of work: clock rows, threshold timers, the inbox claim and the
outbox commit together."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
from tocsin_shared.contracts.envelope import envelope_for
from tocsin_shared.contracts.events import EventData
from tocsin_shared.db import outbox, timers
from tocsin_shared.db.pool import DbConnection
from tocsin_shared.db.uow import PgUnitOfWork

from tocsin_sla_monitor.domain.clocks import ClockState, SlaClock
from tocsin_sla_monitor.ports import THRESHOLD_TIMER, timer_subject

SOURCE = "/tocsin/sla-monitor"
FIELDS = (
    "id, incident_id, policy, target, started_at, due_at, state, stopped_at, cycle, budget_s,"
    " service, severity, calendar, thresholds, fired, consumed_s, segment_start, generation,"
    " breached_at"
)


def clock_from(row: asyncpg.Record) -> SlaClock:
    return SlaClock(
        id=row["id"],
        incident_id=row["incident_id"],
        policy=row["policy"],
        target=row["target"],
        started_at=row["started_at"],
        due_at=row["due_at"],
        budget_s=row["budget_s"],
        cycle=row["cycle"],
        service=row["service"],
        severity=row["severity"],
        calendar=row["calendar"],
        thresholds=tuple(row["thresholds"]),
        fired=tuple(row["fired"]),
        consumed_s=row["consumed_s"],
        segment_start=row["segment_start"],
        generation=row["generation"],
        state=ClockState(row["state"]),
        stopped_at=row["stopped_at"],
        breached_at=row["breached_at"],
    )


def _row(c: SlaClock) -> tuple[Any, ...]:
    return (
        c.id,
        c.incident_id,
        c.policy,
        c.target,
        c.started_at,
        c.due_at,
        c.state.value,
        c.stopped_at,
        c.cycle,
        c.budget_s,
        c.service,
        c.severity,
        c.calendar,
        list(c.thresholds),
        list(c.fired),
        c.consumed_s,
        c.segment_start,
        c.generation,
        c.breached_at,
    )


class PgClockRepository:
    def __init__(self, conn: DbConnection) -> None:
        self._conn = conn

    async def add(self, clocks: Sequence[SlaClock]) -> None:
        marks = ", ".join(f"${i}" for i in range(1, 20))
        await self._conn.executemany(
            f"INSERT INTO clocks ({FIELDS}) VALUES ({marks})", [_row(c) for c in clocks]
        )

    async def for_incident(self, incident_id: UUID) -> list[SlaClock]:
        rows = await self._conn.fetch(
            f"SELECT {FIELDS} FROM clocks WHERE incident_id = $1 ORDER BY cycle, policy FOR UPDATE",
            incident_id,
        )
        return [clock_from(r) for r in rows]

    async def get(self, clock_id: UUID) -> SlaClock | None:
        row = await self._conn.fetchrow(
            f"SELECT {FIELDS} FROM clocks WHERE id = $1 FOR UPDATE", clock_id
        )
        return clock_from(row) if row else None

    async def save(self, clocks: Sequence[SlaClock]) -> None:
        await self._conn.executemany(
            "UPDATE clocks SET due_at = $2, state = $3, stopped_at = $4, fired = $5,"
            " consumed_s = $6, segment_start = $7, generation = $8, breached_at = $9"
            " WHERE id = $1",
            [
                (
                    c.id,
                    c.due_at,
                    c.state.value,
                    c.stopped_at,
                    list(c.fired),
                    c.consumed_s,
                    c.segment_start,
                    c.generation,
                    c.breached_at,
                )
                for c in clocks
            ],
        )


class PgTimers:
    def __init__(self, conn: DbConnection) -> None:
        self._conn = conn

    async def schedule(
        self, clock_id: UUID, *, percent: float, due_at: datetime, generation: int
    ) -> None:
        await timers.schedule(
            self._conn,
            kind=THRESHOLD_TIMER,
            subject=timer_subject(clock_id, percent, generation),
            due_at=due_at,
            payload={"generation": generation},
        )

    async def cancel(self, clock_id: UUID, *, percent: float, generation: int) -> None:
        subject = timer_subject(clock_id, percent, generation)
        await timers.cancel(self._conn, kind=THRESHOLD_TIMER, subject=subject)


_TIME_COLUMN = {
    "triggered": "triggered_at",
    "reopened": "triggered_at",
    "acknowledged": "acknowledged_at",
    "resolved": "resolved_at",
}


class PgIncidentTimes:
    def __init__(self, conn: DbConnection) -> None:
        self._conn = conn

    async def record(
        self, incident_id: UUID, *, name: str, at: datetime, service: str, severity: str
    ) -> None:
        column = _TIME_COLUMN.get(name)
        if column == "triggered_at":
            await self._conn.execute(
                "INSERT INTO incident_times (incident_id, service, severity, triggered_at)"
                " VALUES ($1, $2, $3, $4) ON CONFLICT (incident_id) DO UPDATE SET"
                " triggered_at = EXCLUDED.triggered_at, acknowledged_at = NULL,"
                " resolved_at = NULL",
                incident_id,
                service,
                severity,
                at,
            )
        elif column is not None:
            await self._conn.execute(
                f"UPDATE incident_times SET {column} = coalesce({column}, $2)"
                " WHERE incident_id = $1",
                incident_id,
                at,
            )


class SlaUnitOfWork(PgUnitOfWork):
    clocks: PgClockRepository
    timers: PgTimers
    incident_times: PgIncidentTimes

    def __init__(
        self,
        pool: asyncpg.Pool | None,
        *,
        topic_prefix: str = "",
        connection: DbConnection | None = None,
    ) -> None:
        super().__init__(pool, source=SOURCE, topic_prefix=topic_prefix, connection=connection)
        self._prefix = topic_prefix
        self._identified: list[tuple[EventData, str]] = []

    def bind(self, conn: DbConnection) -> None:
        self.clocks = PgClockRepository(conn)
        self.timers = PgTimers(conn)
        self.incident_times = PgIncidentTimes(conn)

    def emit_once(self, event: EventData, *, event_id: str) -> None:
        self._identified.append((event, event_id))

    async def commit(self) -> None:
        for event, event_id in self._identified:
            envelope = envelope_for(event, source=SOURCE, event_id=event_id)
            await outbox.add(self.connection, envelope, topic_prefix=self._prefix)
        self._identified.clear()
        await super().commit()
