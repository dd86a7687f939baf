"""Postgres unit of work: the projection, problems and their parts, history, inbox and outbox rows
commit together."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg
from tocsin_shared.contracts.events import IncidentStatus, ProblemEventData, Severity
from tocsin_shared.db.pool import DbConnection
from tocsin_shared.db.uow import PgUnitOfWork

from tocsin_problem.domain.observed import ObservedIncident

from .pg_correlation import PgCorrelation, PgEventLog
from .pg_links import PgLinks, PgSuggestions
from .pg_problems import PgProblems
from .pg_work import PgHistory, PgKnownErrors, PgTasks

SOURCE = "/tocsin/problem"
_COLUMNS = (
    "incident_id, service, dedup_key, summary, severity, status, triggered_at, updated_at,"
    " last_event_type, labels, template"
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
        labels=row["labels"],
        template=row["template"],
    )


class PgObservedIncidents:
    def __init__(self, conn: DbConnection) -> None:
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
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
            " ON CONFLICT (incident_id) DO UPDATE SET service = $2, dedup_key = $3, summary = $4,"
            " severity = $5, status = $6, triggered_at = $7, updated_at = $8,"
            " last_event_type = $9, labels = $10, template = $11",
            incident.incident_id,
            incident.service,
            incident.dedup_key,
            incident.summary,
            incident.severity.value,
            incident.status.value,
            incident.triggered_at,
            incident.updated_at,
            incident.last_event_type,
            dict(incident.labels),
            incident.template,
        )


class ProblemUnitOfWork(PgUnitOfWork):
    observed: PgObservedIncidents
    problems: PgProblems
    links: PgLinks
    suggestions: PgSuggestions
    tasks: PgTasks
    known_errors: PgKnownErrors
    history: PgHistory
    correlation: PgCorrelation
    event_log: PgEventLog

    def __init__(self, pool: asyncpg.Pool, *, topic_prefix: str = "") -> None:
        super().__init__(pool, source=SOURCE, topic_prefix=topic_prefix)

    def bind(self, conn: DbConnection) -> None:
        self.observed = PgObservedIncidents(conn)
        self.problems = PgProblems(conn)
        self.links = PgLinks(conn)
        self.suggestions = PgSuggestions(conn)
        self.tasks = PgTasks(conn)
        self.known_errors = PgKnownErrors(conn)
        self.history = PgHistory(conn)
        self.correlation = PgCorrelation(conn)
        self.event_log = PgEventLog(conn)

    async def record(self, event: ProblemEventData) -> None:
        """Every change is an event with its actor: on the outbox and in the problem's history."""
        self.emit(event)
        await self.history.append(event)


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
