"""Postgres side of known workarounds: kept by incident, and put on the ledger's pages."""

from __future__ import annotations

from uuid import UUID

from tocsin_shared.db.pool import DbConnection

from ..domain.workarounds import KnownWorkaround, SentPage


class PgKnownWorkarounds:
    def __init__(self, conn: DbConnection) -> None:
        self._conn = conn

    async def get(self, incident_id: UUID) -> KnownWorkaround | None:
        row = await self._conn.fetchrow(
            "SELECT incident_id, problem_id, problem_number, known_error_id, title, workaround,"
            " root_cause, matched_at FROM known_workarounds WHERE incident_id = $1",
            incident_id,
        )
        if row is None:
            return None
        fields = dict(row)
        fields["number"] = fields.pop("problem_number")
        return KnownWorkaround(**fields)

    async def put(self, k: KnownWorkaround) -> None:
        await self._conn.execute(
            "INSERT INTO known_workarounds (incident_id, problem_id, problem_number,"
            " known_error_id, title, workaround, root_cause, matched_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (incident_id) DO UPDATE SET"
            " problem_id = $2, problem_number = $3, known_error_id = $4, title = $5,"
            " workaround = $6, root_cause = $7, matched_at = $8",
            k.incident_id,
            k.problem_id,
            k.number,
            k.known_error_id,
            k.title,
            k.workaround,
            k.root_cause,
            k.matched_at,
        )

    async def patch_pending(self, incident_id: UUID, workaround: str) -> int:
        # A row being claimed for sending is locked: this waits, then sees it is no longer
        # pending, and that page counts as sent (it gets a follow-up).
        rows = await self._conn.fetch(
            "UPDATE notifications SET payload = jsonb_set(payload, '{incident,workaround}',"
            " to_jsonb($2::text)) WHERE incident_id = $1 AND status = 'pending'"
            " AND jsonb_typeof(payload->'incident') = 'object' RETURNING id",
            incident_id,
            workaround,
        )
        return len(rows)

    async def sent_in_cycle(self, incident_id: UUID, *, cycle: int) -> list[SentPage]:
        rows = await self._conn.fetch(
            "SELECT target, channel, level, payload FROM notifications WHERE incident_id = $1"
            " AND payload->'escalation'->>'cycle' = $2"
            " AND (status IN ('sending', 'delivered') OR (status = 'pending' AND attempts > 0))"
            " ORDER BY created_at",
            incident_id,
            str(cycle),
        )
        return [SentPage(**dict(r)) for r in rows]
