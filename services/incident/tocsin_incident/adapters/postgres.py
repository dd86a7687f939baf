"""Postgres unit of work and repository. One transaction: state, timeline, alert, inbox, outbox."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg
from tocsin_shared.contracts.alerts import RawAlertV1
from tocsin_shared.contracts.events import IncidentStatus, Severity
from tocsin_shared.db.pool import DbConnection
from tocsin_shared.db.uow import PgUnitOfWork

from ..domain.model import Incident
from ..ports import IncidentFilter

SOURCE = "/tocsin/incident"
_COLUMNS = (
    "id, service, dedup_key, summary, severity, source, status, labels, alert_count,"
    " first_seen, last_seen, triggered_at, acknowledged_at, resolved_at"
)


def _incident(row: asyncpg.Record) -> Incident:
    return Incident(
        id=row["id"],
        service=row["service"],
        dedup_key=row["dedup_key"],
        summary=row["summary"],
        severity=Severity(row["severity"]),
        source=row["source"],
        status=IncidentStatus(row["status"]),
        labels=row["labels"],
        alert_count=row["alert_count"],
        first_seen=row["first_seen"],
        last_seen=row["last_seen"],
        triggered_at=row["triggered_at"],
        acknowledged_at=row["acknowledged_at"],
        resolved_at=row["resolved_at"],
    )


class PgIncidentRepository:
    def __init__(self, conn: DbConnection) -> None:
        self._conn = conn

    async def open_for_key(self, service: str, dedup_key: str) -> Incident | None:
        row = await self._conn.fetchrow(
            f"SELECT {_COLUMNS} FROM incidents WHERE service = $1 AND dedup_key = $2"
            " AND status <> 'resolved' FOR UPDATE",
            service,
            dedup_key,
        )
        return _incident(row) if row else None

    async def get(self, incident_id: UUID, *, for_update: bool = False) -> Incident | None:
        lock = " FOR UPDATE" if for_update else ""
        row = await self._conn.fetchrow(
            f"SELECT {_COLUMNS} FROM incidents WHERE id = $1{lock}", incident_id
        )
        return _incident(row) if row else None

    async def add(self, incident: Incident) -> None:
        await self._conn.execute(
            f"INSERT INTO incidents ({_COLUMNS})"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
            *self._values(incident),
        )
        await self._write_timeline(incident)

    async def save(self, incident: Incident) -> None:
        await self._conn.execute(
            "UPDATE incidents SET service=$2, dedup_key=$3, summary=$4, severity=$5, source=$6,"
            " status=$7, labels=$8, alert_count=$9, first_seen=$10, last_seen=$11,"
            " triggered_at=$12, acknowledged_at=$13, resolved_at=$14 WHERE id = $1",
            *self._values(incident),
        )
        await self._write_timeline(incident)

    async def record_alert(
        self, alert: RawAlertV1, *, incident_id: UUID | None, outcome: str
    ) -> None:
        await self._conn.execute(
            "INSERT INTO alerts (alert_id, incident_id, integration, action, outcome, dedup_key,"
            " payload, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            " ON CONFLICT (alert_id) DO NOTHING",
            alert.alert_id,
            incident_id,
            alert.integration,
            alert.action.value,
            outcome,
            alert.dedup_key,
            alert.model_dump(mode="json"),
            alert.received_at,
        )

    async def _write_timeline(self, incident: Incident) -> None:
        if not incident.timeline:
            return
        await self._conn.executemany(
            "INSERT INTO timeline (incident_id, at, kind, actor_kind, actor_id, detail)"
            " VALUES ($1, $2, $3, $4, $5, $6)",
            [
                (incident.id, e.at, e.kind, e.actor.kind, e.actor.id, e.detail)
                for e in incident.timeline
            ],
        )
        incident.timeline.clear()

    @staticmethod
    def _values(i: Incident) -> tuple[Any, ...]:
        return (
            i.id,
            i.service,
            i.dedup_key,
            i.summary,
            i.severity.value,
            i.source,
            i.status.value,
            i.labels,
            i.alert_count,
            i.first_seen,
            i.last_seen,
            i.triggered_at,
            i.acknowledged_at,
            i.resolved_at,
        )


class IncidentUnitOfWork(PgUnitOfWork):
    incidents: PgIncidentRepository

    def __init__(
        self,
        pool: asyncpg.Pool | None,
        *,
        topic_prefix: str = "",
        connection: DbConnection | None = None,
    ) -> None:
        super().__init__(pool, source=SOURCE, topic_prefix=topic_prefix, connection=connection)

    def bind(self, conn: DbConnection) -> None:
        self.incidents = PgIncidentRepository(conn)


async def list_incidents(pool: asyncpg.Pool, query: IncidentFilter) -> list[dict[str, Any]]:
    clauses: list[str] = []
    args: list[object] = []
    for column, value in (("status", query.status), ("service", query.service)):
        if value is not None:
            args.append(value)
            clauses.append(f"{column} = ${len(args)}")
    if query.before_seq is not None:
        args.append(query.before_seq)
        clauses.append(f"created_seq < ${len(args)}")
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    args.append(query.limit)
    rows = await pool.fetch(
        f"SELECT {_COLUMNS}, created_seq FROM incidents {where}"
        f" ORDER BY created_seq DESC LIMIT ${len(args)}",
        *args,
    )
    return [dict(r) for r in rows]


async def incident_detail(pool: asyncpg.Pool, incident_id: UUID) -> dict[str, Any] | None:
    async with pool.acquire() as conn:
        row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM incidents WHERE id = $1", incident_id)
        if row is None:
            return None
        timeline = await conn.fetch(
            "SELECT at, kind, actor_kind, actor_id, detail FROM timeline"
            " WHERE incident_id = $1 ORDER BY id",
            incident_id,
        )
        alerts = await conn.fetch(
            "SELECT alert_id, action, outcome, received_at FROM alerts WHERE incident_id = $1"
            " ORDER BY received_at LIMIT 100",
            incident_id,
        )
    return {
        **dict(row),
        "timeline": [dict(t) for t in timeline],
        "alerts": [dict(a) for a in alerts],
    }
