"""Postgres repository of problems: one row each, locked while a unit of work changes it."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
from tocsin_shared.contracts.events import ProblemOrigin, ProblemState, ResolutionCode
from tocsin_shared.db.pool import DbConnection

from tocsin_problem.domain.problem import RECORDED, Problem
from tocsin_problem.ports import ProblemQuery

_FIELDS = RECORDED
_COLUMNS = "problem_id, number, " + ", ".join(_FIELDS)


def problem_of(row: asyncpg.Record) -> Problem:
    values = {name: row[name] for name in _FIELDS}
    values.update(
        origin=ProblemOrigin(row["origin"]),
        state=ProblemState(row["state"]),
        resolution=ResolutionCode(row["resolution"]) if row["resolution"] else None,
        state_times={k: datetime.fromisoformat(v) for k, v in row["state_times"].items()},
    )
    return Problem(id=row["problem_id"], number=row["number"], **values)


def _values(problem: Problem) -> list[Any]:
    values: list[Any] = []
    for name in _FIELDS:
        value = getattr(problem, name)
        if name == "state_times":
            value = {k: v.isoformat() for k, v in value.items()}
        elif name in ("origin", "state", "resolution") and value is not None:
            value = value.value
        values.append(value)
    return values


class PgProblems:
    def __init__(self, conn: DbConnection) -> None:
        self._conn = conn

    async def next_number(self) -> int:
        number: int = await self._conn.fetchval("SELECT nextval('problem_numbers')")
        return number

    async def get(self, problem_id: UUID) -> Problem | None:
        row = await self._conn.fetchrow(
            f"SELECT {_COLUMNS} FROM problems WHERE problem_id = $1 FOR UPDATE", problem_id
        )
        return problem_of(row) if row else None

    async def find_number(self, number: int) -> UUID | None:
        found: UUID | None = await self._conn.fetchval(
            "SELECT problem_id FROM problems WHERE number = $1", number
        )
        return found

    async def add(self, problem: Problem) -> None:
        marks = ", ".join(f"${i}" for i in range(1, len(_FIELDS) + 3))
        await self._conn.execute(
            f"INSERT INTO problems ({_COLUMNS}) VALUES ({marks})",
            problem.id,
            problem.number,
            *_values(problem),
        )

    async def save(self, problem: Problem) -> None:
        sets = ", ".join(f"{name} = ${i}" for i, name in enumerate(_FIELDS, start=2))
        await self._conn.execute(
            f"UPDATE problems SET {sets} WHERE problem_id = $1", problem.id, *_values(problem)
        )

    async def open_by_key(self, recurrence_key: str) -> Problem | None:
        row = await self._conn.fetchrow(
            f"SELECT {_COLUMNS} FROM problems WHERE recurrence_key = $1"
            " AND state NOT IN ('resolved', 'closed') FOR UPDATE",
            recurrence_key,
        )
        return problem_of(row) if row else None

    async def search(self, query: ProblemQuery) -> tuple[list[Problem], int]:
        where = (
            " WHERE (cardinality($1::text[]) = 0 OR state = ANY($1::text[]))"
            " AND ($2::text IS NULL OR service = $2) AND ($3::text IS NULL OR assignee = $3)"
            " AND ($4::text IS NULL OR origin = $4)"
        )
        args = (
            [s.value for s in query.states],
            query.service,
            query.assignee,
            query.origin.value if query.origin else None,
        )
        rows = await self._conn.fetch(
            f"SELECT {_COLUMNS} FROM problems{where} ORDER BY number DESC LIMIT $5 OFFSET $6",
            *args,
            query.limit,
            query.offset,
        )
        total: int = await self._conn.fetchval(f"SELECT count(*) FROM problems{where}", *args)
        return [problem_of(r) for r in rows], total
