"""Postgres unit of work and repository. One transaction: state, timeline, alert, inbox, outbox."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

import asyncpg
from tocsin_shared.contracts.alerts import RawAlertV1
from tocsin_shared.contracts.events import IncidentStatus, Priority, Severity
from tocsin_shared.db import timers
from tocsin_shared.db.pool import DbConnection
from tocsin_shared.db.uow import PgUnitOfWork

from ..domain.model import Conflict, Incident
from ..domain.timers import NO_POLICY, LifecyclePolicy, wanted_timers

SOURCE = "/tocsin/incident"
_COLUMNS = (
    "id, service, dedup_key, summary, severity, source, status, labels, alert_count,"
    " first_seen, last_seen, triggered_at, acknowledged_at, resolved_at"
)
_ALL = f"{_COLUMNS}, assignee, priority, snoozed_until, last_alert_at, merged_into"
_ONE_OPEN_PER_KEY = "incidents_one_open_per_key"


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
        assignee=row["assignee"],
        priority=Priority(row["priority"]) if row["priority"] else None,
        snoozed_until=row["snoozed_until"],
        last_alert_at=row["last_alert_at"],
        merged_into=row["merged_into"],
    )


class PgIncidentRepository:
    def __init__(
        self, conn: DbConnection, *, policies: Mapping[str, LifecyclePolicy] | None = None
    ) -> None:
        self._conn = conn
        self._policies = policies or {}

    async def open_for_key(self, service: str, dedup_key: str) -> Incident | None:
        row = await self._conn.fetchrow(
            f"SELECT {_ALL} FROM incidents WHERE service = $1 AND dedup_key = $2"
            " AND status <> 'resolved' FOR UPDATE",
            service,
            dedup_key,
        )
        return _incident(row) if row else None

    async def get(self, incident_id: UUID, *, for_update: bool = False) -> Incident | None:
        lock = " FOR UPDATE" if for_update else ""
        row = await self._conn.fetchrow(
            f"SELECT {_ALL} FROM incidents WHERE id = $1{lock}", incident_id
        )
        return _incident(row) if row else None

    async def add(self, incident: Incident) -> None:
        await self._conn.execute(
            f"INSERT INTO incidents ({_ALL}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,"
            " $11, $12, $13, $14, $15, $16, $17, $18, $19)",
            *self._values(incident),
        )
        await self._write_timeline(incident)
        await self._write_timers(incident, new=True)

    async def save(self, incident: Incident) -> None:
        try:
            await self._conn.execute(
                "UPDATE incidents SET service=$2, dedup_key=$3, summary=$4, severity=$5,"
                " source=$6, status=$7, labels=$8, alert_count=$9, first_seen=$10,"
                " last_seen=$11, triggered_at=$12, acknowledged_at=$13, resolved_at=$14,"
                " assignee=$15, priority=$16, snoozed_until=$17, last_alert_at=$18,"
                " merged_into=$19 WHERE id = $1",
                *self._values(incident),
            )
        except asyncpg.UniqueViolationError as exc:
            if exc.constraint_name != _ONE_OPEN_PER_KEY:
                raise
            raise Conflict("another open incident already holds this dedup key") from exc
        await self._write_timeline(incident)
        await self._write_timers(incident)

    async def _write_timers(self, incident: Incident, *, new: bool = False) -> None:
        """Persist exactly the timers the incident wants now, in this transaction."""
        policy = self._policies.get(incident.service, NO_POLICY)
        subject = str(incident.id)
        unwanted: list[str] = []
        for kind, due in wanted_timers(incident, policy).items():
            if due is None:
                unwanted.append(kind.value)
                continue
            await timers.schedule(
                self._conn, kind=kind.value, subject=subject, due_at=due, payload={"id": subject}
            )
        if unwanted and not new:  # a new incident has no timers to cancel
            await self._conn.execute(
                "UPDATE timers SET cancelled_at = now() WHERE subject = $1"
                " AND kind = ANY($2::text[]) AND fired_at IS NULL AND cancelled_at IS NULL"
                " AND failed_at IS NULL",
                subject,
                unwanted,
            )

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
            i.assignee,
            i.priority.value if i.priority else None,
            i.snoozed_until,
            i.last_alert_at,
            i.merged_into,
        )


class IncidentUnitOfWork(PgUnitOfWork):
    incidents: PgIncidentRepository

    def __init__(
        self,
        pool: asyncpg.Pool | None,
        *,
        topic_prefix: str = "",
        connection: DbConnection | None = None,
        policies: Mapping[str, LifecyclePolicy] | None = None,
    ) -> None:
        super().__init__(pool, source=SOURCE, topic_prefix=topic_prefix, connection=connection)
        self._policies = policies

    def bind(self, conn: DbConnection) -> None:
        self.incidents = PgIncidentRepository(conn, policies=self._policies)
