"""Postgres side of action links and notification notes: used link ids, timeline-only entries."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from tocsin_shared.db.pool import DbConnection

from ..domain.model import TimelineEntry
from .postgres import IncidentUnitOfWork


class PgUsedLinks:
    def __init__(self, conn: DbConnection) -> None:
        self._conn = conn

    async def used_at(self, link_id: str) -> datetime | None:
        used_at: datetime | None = await self._conn.fetchval(
            "SELECT used_at FROM used_action_links WHERE link_id = $1", link_id
        )
        return used_at

    async def claim(
        self, link_id: str, *, incident_id: UUID, action: str, actor_id: str, at: datetime
    ) -> datetime | None:
        """Record the link as used now; if it already was, the time it was used instead.

        A concurrent click on the same link waits here for the first one's transaction, then
        sees its row, so only one of them acts."""
        inserted = await self._conn.fetchval(
            "INSERT INTO used_action_links (link_id, incident_id, action, actor_id, used_at)"
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (link_id) DO NOTHING RETURNING link_id",
            link_id,
            incident_id,
            action,
            actor_id,
            at,
        )
        return None if inserted is not None else await self.used_at(link_id)


class PgTimelineNotes:
    def __init__(self, conn: DbConnection) -> None:
        self._conn = conn

    async def add(self, incident_id: UUID, entry: TimelineEntry) -> bool:
        """False (and nothing written) when there is no such incident."""
        written = await self._conn.fetchval(
            "INSERT INTO timeline (incident_id, at, kind, actor_kind, actor_id, detail)"
            " SELECT id, $2, $3, $4, $5, $6 FROM incidents WHERE id = $1 RETURNING id",
            incident_id,
            entry.at,
            entry.kind,
            entry.actor.kind,
            entry.actor.id,
            entry.detail,
        )
        return written is not None


class LinkUnitOfWork(IncidentUnitOfWork):
    links: PgUsedLinks
    notes: PgTimelineNotes

    def bind(self, conn: DbConnection) -> None:
        super().bind(conn)
        self.links = PgUsedLinks(conn)
        self.notes = PgTimelineNotes(conn)
