"""Postgres repositories for escalations: their state, step timers, round-robin turns, and the
messages sent to each contact (for rate limits)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from tocsin_shared.db import timers
from tocsin_shared.db.pool import DbConnection

from ..domain.escalation import Escalation, State
from ..pages import TIMER_KIND

_ESCALATION = (
    "incident_id, service, policy, level, cycle, status, stopped_by, repeat_round, seq, timer,"
    " incident"
)


class PgEscalations:
    def __init__(self, conn: DbConnection) -> None:
        self._conn = conn

    async def get(self, incident_id: UUID, *, lock: bool = True) -> Escalation | None:
        row = await self._conn.fetchrow(
            f"SELECT {_ESCALATION} FROM escalations WHERE incident_id = $1"
            + (" FOR UPDATE" if lock else ""),
            incident_id,
        )
        if row is None:
            return None
        fields = dict(row)
        fields["status"] = State(fields["status"])
        return Escalation(**fields)

    async def put(self, e: Escalation) -> None:
        await self._conn.execute(
            f"INSERT INTO escalations ({_ESCALATION})"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
            " ON CONFLICT (incident_id) DO UPDATE SET"
            " policy = $3, level = $4, cycle = $5, status = $6, stopped_by = $7,"
            " repeat_round = $8, seq = $9, timer = $10, incident = $11, updated_at = now()",
            e.incident_id,
            e.service,
            e.policy,
            e.level,
            e.cycle,
            e.status.value,
            e.stopped_by,
            e.repeat_round,
            e.seq,
            e.timer,
            e.incident,
        )


class PgEscalationTimers:
    def __init__(self, conn: DbConnection) -> None:
        self._conn = conn

    async def schedule(self, subject: str, *, due_at: datetime, payload: dict[str, Any]) -> None:
        await timers.schedule(
            self._conn, kind=TIMER_KIND, subject=subject, due_at=due_at, payload=payload
        )

    async def cancel(self, subject: str) -> None:
        await timers.cancel(self._conn, kind=TIMER_KIND, subject=subject)


class PgRoundRobin:
    def __init__(self, conn: DbConnection) -> None:
        self._conn = conn

    async def turn(self, *, policy: str, level: int) -> int:
        turn: int = await self._conn.fetchval(
            "INSERT INTO round_robin (policy, level, next_turn) VALUES ($1, $2, 1)"
            " ON CONFLICT (policy, level) DO UPDATE SET next_turn = round_robin.next_turn + 1"
            " RETURNING next_turn - 1",
            policy,
            level,
        )
        return turn


class PgContactSends:
    def __init__(self, conn: DbConnection) -> None:
        self._conn = conn

    async def recent(self, contacts: list[str], *, since: datetime) -> dict[str, list[datetime]]:
        rows = await self._conn.fetch(
            "SELECT contact, sent_at FROM contact_sends"
            " WHERE contact = ANY($1::text[]) AND sent_at > $2",
            contacts,
            since,
        )
        found: dict[str, list[datetime]] = {}
        for row in rows:
            found.setdefault(row["contact"], []).append(row["sent_at"])
        return found

    async def record(self, contact: str, *, at: datetime) -> None:
        await self._conn.execute(
            "INSERT INTO contact_sends (contact, sent_at) VALUES ($1, $2)", contact, at
        )
