"""Postgres repositories for the delivery ledger, and the notifier's unit of work."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
from tocsin_shared.db.pool import DbConnection
from tocsin_shared.db.uow import PgUnitOfWork
from tocsin_shared.observability.propagation import carrier

from ..domain.ledger import Notification, Status
from .pg_paging import PgContactSends, PgEscalations, PgEscalationTimers, PgRoundRobin
from .pg_workarounds import PgKnownWorkarounds

SOURCE = "/tocsin/notifier"
_COLUMNS = (
    "id, idempotency_key, incident_id, channel, target, level, payload, status, attempts,"
    " next_attempt_at, last_error, last_status_code, delivered_at"
)


def _notification(row: asyncpg.Record) -> Notification:
    return Notification(
        id=row["id"],
        idempotency_key=row["idempotency_key"],
        incident_id=row["incident_id"],
        channel=row["channel"],
        target=row["target"],
        level=row["level"],
        payload=row["payload"],
        status=Status(row["status"]),
        attempts=row["attempts"],
        next_attempt_at=row["next_attempt_at"],
        last_error=row["last_error"],
        last_status_code=row["last_status_code"],
        delivered_at=row["delivered_at"],
        trace_context=row.get("trace_context") or {},
        requested_at=row.get("created_at"),
    )


class PgNotifications:
    def __init__(self, conn: DbConnection) -> None:
        self._conn = conn

    async def add(self, n: Notification) -> bool:
        # The span current now (the consumed event's) is where the page's delivery continues.
        inserted = await self._conn.fetchval(
            f"INSERT INTO notifications ({_COLUMNS}, trace_context)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
            " ON CONFLICT (idempotency_key) DO NOTHING RETURNING 1",
            *self._values(n),
            n.trace_context or carrier() or None,
        )
        return inserted is not None

    async def claim_due(
        self, *, now: datetime, lease_until: datetime, limit: int
    ) -> list[Notification]:
        rows = await self._conn.fetch(
            f"SELECT {_COLUMNS}, trace_context, created_at FROM notifications"
            " WHERE (status = 'pending' AND next_attempt_at <= $1)"
            " OR (status = 'sending' AND claimed_until < $1)"
            " ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED",
            now,
            limit,
        )
        claimed = []
        for row in rows:
            notification = _notification(row)
            notification.claim()
            claimed.append(notification)
        await self._conn.executemany(
            "UPDATE notifications SET status = $2, attempts = $3, claimed_until = $4 WHERE id = $1",
            [(n.id, n.status.value, n.attempts, lease_until) for n in claimed],
        )
        return claimed

    async def get(self, notification_id: UUID, *, for_update: bool = False) -> Notification | None:
        lock = " FOR UPDATE" if for_update else ""
        row = await self._conn.fetchrow(
            f"SELECT {_COLUMNS} FROM notifications WHERE id = $1{lock}", notification_id
        )
        return _notification(row) if row else None

    async def save(self, n: Notification) -> None:
        await self._conn.execute(
            "UPDATE notifications SET status = $2, attempts = $3, next_attempt_at = $4,"
            " last_error = $5, last_status_code = $6, delivered_at = $7, claimed_until = NULL"
            " WHERE id = $1",
            n.id,
            n.status.value,
            n.attempts,
            n.next_attempt_at,
            n.last_error,
            n.last_status_code,
            n.delivered_at,
        )

    async def pending_for_incident(self, incident_id: UUID) -> list[Notification]:
        rows = await self._conn.fetch(
            f"SELECT {_COLUMNS} FROM notifications WHERE incident_id = $1 AND status = 'pending'"
            " FOR UPDATE",
            incident_id,
        )
        return [_notification(r) for r in rows]

    @staticmethod
    def _values(n: Notification) -> tuple[Any, ...]:
        return (
            n.id,
            n.idempotency_key,
            n.incident_id,
            n.channel,
            n.target,
            n.level,
            n.payload,
            n.status.value,
            n.attempts,
            n.next_attempt_at,
            n.last_error,
            n.last_status_code,
            n.delivered_at,
        )


class NotifierUnitOfWork(PgUnitOfWork):
    escalations: PgEscalations
    notifications: PgNotifications
    timers: PgEscalationTimers
    round_robin: PgRoundRobin
    contact_sends: PgContactSends
    workarounds: PgKnownWorkarounds

    def __init__(
        self,
        pool: asyncpg.Pool | None,
        *,
        topic_prefix: str = "",
        connection: DbConnection | None = None,
    ) -> None:
        super().__init__(pool, source=SOURCE, topic_prefix=topic_prefix, connection=connection)

    def bind(self, conn: DbConnection) -> None:
        self.escalations = PgEscalations(conn)
        self.notifications = PgNotifications(conn)
        self.timers = PgEscalationTimers(conn)
        self.round_robin = PgRoundRobin(conn)
        self.contact_sends = PgContactSends(conn)
        self.workarounds = PgKnownWorkarounds(conn)


async def ledger_for_incident(pool: asyncpg.Pool, incident_id: UUID) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        f"SELECT {_COLUMNS}, created_at FROM notifications WHERE incident_id = $1"
        " ORDER BY created_at",
        incident_id,
    )
    return [dict(r) for r in rows]
