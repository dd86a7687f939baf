"""Postgres repositories of incident links (with the problem's templates) and suggestions."""

from __future__ import annotations

from uuid import UUID

import asyncpg
from tocsin_shared.contracts.events import Actor, LinkReason
from tocsin_shared.db.pool import DbConnection

from tocsin_problem.domain.links import Link, Suggestion, SuggestionStatus

_LINK = "incident_id, problem_id, origin, reason, confidence, actor, linked_at"
_SUGGESTION = (
    "suggestion_id, problem_id, incident_id, template, score, reason, status, created_at,"
    " decided_at, decided_by"
)


def link_of(row: asyncpg.Record) -> Link:
    return Link(
        incident_id=row["incident_id"],
        problem_id=row["problem_id"],
        reason=LinkReason.model_validate(row["reason"]),
        actor=Actor.model_validate(row["actor"]),
        linked_at=row["linked_at"],
        confidence=row["confidence"],
    )


def suggestion_of(row: asyncpg.Record) -> Suggestion:
    return Suggestion(
        id=row["suggestion_id"],
        problem_id=row["problem_id"],
        incident_id=row["incident_id"],
        template=row["template"],
        score=row["score"],
        reason=LinkReason.model_validate(row["reason"]),
        status=SuggestionStatus(row["status"]),
        created_at=row["created_at"],
        decided_at=row["decided_at"],
        decided_by=Actor.model_validate(row["decided_by"]) if row["decided_by"] else None,
    )


class PgLinks:
    def __init__(self, conn: DbConnection) -> None:
        self._conn = conn

    async def of_incident(self, incident_id: UUID) -> Link | None:
        row = await self._conn.fetchrow(
            f"SELECT {_LINK} FROM problem_links WHERE incident_id = $1", incident_id
        )
        return link_of(row) if row else None

    async def of_problem(self, problem_id: UUID) -> list[Link]:
        rows = await self._conn.fetch(
            f"SELECT {_LINK} FROM problem_links WHERE problem_id = $1 ORDER BY linked_at",
            problem_id,
        )
        return [link_of(r) for r in rows]

    async def link(self, link: Link, *, service: str | None, template: str | None) -> bool:
        done = await self._conn.fetchval(
            f"INSERT INTO problem_links ({_LINK}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
            " ON CONFLICT (incident_id) DO NOTHING RETURNING true",
            link.incident_id,
            link.problem_id,
            link.origin.value,
            link.reason.model_dump(mode="json"),
            link.confidence,
            link.actor.model_dump(mode="json"),
            link.linked_at,
        )
        if done and service is not None and template is not None:
            await self._conn.execute(
                "INSERT INTO problem_templates (problem_id, service, template, last_seen)"
                " VALUES ($1, $2, $3, $4) ON CONFLICT (problem_id, service, template)"
                " DO UPDATE SET last_seen = greatest(problem_templates.last_seen, $4)",
                link.problem_id,
                service,
                template,
                link.linked_at,
            )
        return bool(done)

    async def unlink(self, incident_id: UUID) -> Link | None:
        row = await self._conn.fetchrow(
            f"DELETE FROM problem_links WHERE incident_id = $1 RETURNING {_LINK}", incident_id
        )
        return link_of(row) if row else None

    async def move(self, source: UUID, target: UUID, *, note: str) -> list[Link]:
        rows = await self._conn.fetch(
            "UPDATE problem_links SET problem_id = $2,"
            " reason = reason || jsonb_build_object('note', $3::text)"
            f" WHERE problem_id = $1 RETURNING {_LINK}",
            source,
            target,
            note,
        )
        await self._conn.execute(
            "INSERT INTO problem_templates (problem_id, service, template, last_seen)"
            " SELECT $2, service, template, last_seen FROM problem_templates WHERE problem_id = $1"
            " ON CONFLICT (problem_id, service, template)"
            " DO UPDATE SET last_seen = greatest(problem_templates.last_seen, EXCLUDED.last_seen)",
            source,
            target,
        )
        return sorted((link_of(r) for r in rows), key=lambda link: link.linked_at)

    async def waiting(self, problem_id: UUID) -> tuple[UUID, ...]:
        rows = await self._conn.fetch(
            "SELECT l.incident_id FROM problem_links l"
            " LEFT JOIN observed_incidents o ON o.incident_id = l.incident_id"
            " WHERE l.problem_id = $1 AND o.status IS DISTINCT FROM 'resolved'"
            " ORDER BY l.linked_at, l.incident_id",
            problem_id,
        )
        return tuple(r["incident_id"] for r in rows)


class PgSuggestions:
    def __init__(self, conn: DbConnection) -> None:
        self._conn = conn

    async def add(self, suggestion: Suggestion) -> bool:
        s = suggestion
        done = await self._conn.fetchval(
            f"INSERT INTO link_suggestions ({_SUGGESTION})"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, NULL)"
            " ON CONFLICT (problem_id, incident_id) DO NOTHING RETURNING true",
            s.id,
            s.problem_id,
            s.incident_id,
            s.template,
            s.score,
            s.reason.model_dump(mode="json"),
            s.status.value,
            s.created_at,
        )
        return bool(done)

    async def get(self, suggestion_id: UUID) -> Suggestion | None:
        row = await self._conn.fetchrow(
            f"SELECT {_SUGGESTION} FROM link_suggestions WHERE suggestion_id = $1 FOR UPDATE",
            suggestion_id,
        )
        return suggestion_of(row) if row else None

    async def save(self, suggestion: Suggestion) -> None:
        await self._conn.execute(
            "UPDATE link_suggestions SET status = $2, decided_at = $3, decided_by = $4"
            " WHERE suggestion_id = $1",
            suggestion.id,
            suggestion.status.value,
            suggestion.decided_at,
            suggestion.decided_by.model_dump(mode="json") if suggestion.decided_by else None,
        )

    async def pending(self, problem_id: UUID | None = None) -> list[Suggestion]:
        rows = await self._conn.fetch(
            f"SELECT {_SUGGESTION} FROM link_suggestions WHERE status = 'pending'"
            " AND ($1::uuid IS NULL OR problem_id = $1) ORDER BY created_at, suggestion_id",
            problem_id,
        )
        return [suggestion_of(r) for r in rows]

    async def listed(self, *, status: SuggestionStatus | None, limit: int) -> list[Suggestion]:
        rows = await self._conn.fetch(
            f"SELECT {_SUGGESTION} FROM link_suggestions WHERE ($1::text IS NULL OR status = $1)"
            " ORDER BY created_at DESC, suggestion_id LIMIT $2",
            status.value if status else None,
            limit,
        )
        return [suggestion_of(r) for r in rows]

    async def is_rejected(self, problem_id: UUID, template: str) -> bool:
        found = await self._conn.fetchval(
            "SELECT true FROM link_suggestions WHERE problem_id = $1 AND template = $2"
            " AND status = 'rejected' LIMIT 1",
            problem_id,
            template,
        )
        return bool(found)
