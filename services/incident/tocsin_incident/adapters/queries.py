"""Postgres read side: the incident listing (filters, keyset on created_seq) and one incident."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import asyncpg

from ..read_models import (
    AlertOut,
    IncidentDetail,
    IncidentOut,
    IncidentQuery,
    ListedIncident,
    TimelineEntryOut,
    like_pattern,
)


class _Where:
    def __init__(self) -> None:
        self.clauses: list[str] = []
        self.args: list[object] = []

    def add(self, clause: str, value: object) -> None:
        # Every `?` in one clause stands for the same value.
        self.args.append(value)
        self.clauses.append(clause.replace("?", f"${len(self.args)}"))

    def sql(self) -> str:
        return f"WHERE {' AND '.join(self.clauses)}" if self.clauses else ""


def _where(query: IncidentQuery) -> _Where:
    where = _Where()
    if query.statuses:
        where.add("status = ANY(?::text[])", [s.value for s in query.statuses])
    if query.severities:
        where.add("severity = ANY(?::text[])", [s.value for s in query.severities])
    if query.service is not None:
        where.add("service = ?", query.service)
    if query.since is not None:
        where.add("triggered_at >= ?", query.since)
    if query.until is not None:
        where.add("triggered_at < ?", query.until)
    if query.text:
        where.add(
            "(summary ILIKE ? ESCAPE '\\' OR dedup_key ILIKE ? ESCAPE '\\')",
            like_pattern(query.text),
        )
    if query.before_seq is not None:
        where.add("created_seq < ?", query.before_seq)
    return where


def _incident(row: asyncpg.Record) -> tuple[int, dict[str, Any]]:
    fields = dict(row)
    return fields.pop("created_seq"), fields


class PgIncidentReader:
    def __init__(self, pool: Callable[[], asyncpg.Pool]) -> None:
        self._pool = pool

    async def listing(self, query: IncidentQuery) -> list[ListedIncident]:
        where = _where(query)
        rows = await self._pool().fetch(
            f"SELECT * FROM incidents {where.sql()}"
            f" ORDER BY created_seq DESC LIMIT {int(query.limit) + 1}",
            *where.args,
        )
        listed = []
        for row in rows:
            seq, fields = _incident(row)
            listed.append(ListedIncident(seq=seq, incident=IncidentOut.model_validate(fields)))
        return listed

    async def detail(self, incident_id: UUID, *, alerts_limit: int) -> IncidentDetail | None:
        async with self._pool().acquire() as conn:
            row = await conn.fetchrow("SELECT * FROM incidents WHERE id = $1", incident_id)
            if row is None:
                return None
            timeline = await conn.fetch(
                "SELECT at, kind, actor_kind, actor_id, detail FROM timeline"
                " WHERE incident_id = $1 ORDER BY id",
                incident_id,
            )
            alerts = await conn.fetch(
                "SELECT alert_id, integration, action, outcome, dedup_key,"
                " payload->>'summary' AS summary, received_at FROM alerts"
                " WHERE incident_id = $1 ORDER BY received_at DESC, alert_id DESC LIMIT $2",
                incident_id,
                alerts_limit,
            )
            total = await conn.fetchval(
                "SELECT count(*) FROM alerts WHERE incident_id = $1", incident_id
            )
        _, fields = _incident(row)
        return IncidentDetail.model_validate(
            {
                **fields,
                "timeline": [TimelineEntryOut.model_validate(dict(t)) for t in timeline],
                "alerts": [AlertOut.model_validate(dict(a)) for a in alerts],
                "alerts_total": total,
            }
        )
