"""Postgres side of problem events: the incident's linked problem and its known workaround."""

from __future__ import annotations

from uuid import UUID

from tocsin_shared.db.pool import DbConnection

from ..domain.problems import ProblemRef
from .links import LinkUnitOfWork


class PgIncidentProblems:
    def __init__(self, conn: DbConnection) -> None:
        self._conn = conn

    async def link(self, incident_id: UUID, problem: ProblemRef) -> bool:
        done = await self._conn.fetchval(
            "UPDATE incidents SET problem = $2 WHERE id = $1 RETURNING id",
            incident_id,
            problem.as_json(),
        )
        return done is not None

    async def known_error(self, incident_id: UUID, *, problem: ProblemRef, workaround: str) -> bool:
        done = await self._conn.fetchval(
            "UPDATE incidents SET workaround = $3,"
            " problem = CASE WHEN problem->>'id' = $2::jsonb->>'id' THEN problem"
            " ELSE $2::jsonb END WHERE id = $1 RETURNING id",
            incident_id,
            problem.as_json(),
            workaround,
        )
        return done is not None


class ProblemUnitOfWork(LinkUnitOfWork):
    problems: PgIncidentProblems

    def bind(self, conn: DbConnection) -> None:
        super().bind(conn)
        self.problems = PgIncidentProblems(conn)
