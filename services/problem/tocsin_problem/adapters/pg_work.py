"""Postgres repositories of problem tasks, known errors and the problem history."""

from __future__ import annotations

from uuid import UUID

import asyncpg
from tocsin_shared.contracts.events import Actor, ProblemEventData
from tocsin_shared.db.pool import DbConnection

from tocsin_problem.domain.known_errors import KnownError, KnownErrorState, Signature
from tocsin_problem.domain.tasks import ProblemTask, TaskKind, TaskState
from tocsin_problem.ports import HistoryEntry

_TASK = "task_id, problem_id, kind, title, description, assignee, state, created_at, updated_at"
_KNOWN = (
    "known_error_id, problem_id, title, signature, root_cause, workaround, state, created_at,"
    " updated_at"
)


def task_of(row: asyncpg.Record) -> ProblemTask:
    return ProblemTask(
        id=row["task_id"],
        problem_id=row["problem_id"],
        kind=TaskKind(row["kind"]),
        title=row["title"],
        description=row["description"],
        assignee=row["assignee"],
        state=TaskState(row["state"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def known_error_of(row: asyncpg.Record) -> KnownError:
    return KnownError(
        id=row["known_error_id"],
        problem_id=row["problem_id"],
        title=row["title"],
        signature=Signature.of(row["signature"]),
        root_cause=row["root_cause"],
        workaround=row["workaround"],
        state=KnownErrorState(row["state"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


class PgTasks:
    def __init__(self, conn: DbConnection) -> None:
        self._conn = conn

    async def get(self, task_id: UUID) -> ProblemTask | None:
        row = await self._conn.fetchrow(
            f"SELECT {_TASK} FROM problem_tasks WHERE task_id = $1 FOR UPDATE", task_id
        )
        return task_of(row) if row else None

    async def add(self, task: ProblemTask) -> None:
        await self._conn.execute(
            f"INSERT INTO problem_tasks ({_TASK}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            task.id,
            task.problem_id,
            task.kind.value,
            task.title,
            task.description,
            task.assignee,
            task.state.value,
            task.created_at,
            task.updated_at,
        )

    async def save(self, task: ProblemTask) -> None:
        await self._conn.execute(
            "UPDATE problem_tasks SET title = $2, description = $3, assignee = $4, state = $5,"
            " updated_at = $6 WHERE task_id = $1",
            task.id,
            task.title,
            task.description,
            task.assignee,
            task.state.value,
            task.updated_at,
        )

    async def of_problem(self, problem_id: UUID) -> list[ProblemTask]:
        rows = await self._conn.fetch(
            f"SELECT {_TASK} FROM problem_tasks WHERE problem_id = $1 ORDER BY created_at, task_id",
            problem_id,
        )
        return [task_of(r) for r in rows]


class PgKnownErrors:
    def __init__(self, conn: DbConnection) -> None:
        self._conn = conn

    async def get(self, known_error_id: UUID) -> KnownError | None:
        row = await self._conn.fetchrow(
            f"SELECT {_KNOWN} FROM known_errors WHERE known_error_id = $1 FOR UPDATE",
            known_error_id,
        )
        return known_error_of(row) if row else None

    async def add(self, known_error: KnownError) -> None:
        k = known_error
        await self._conn.execute(
            f"INSERT INTO known_errors ({_KNOWN}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            k.id,
            k.problem_id,
            k.title,
            k.signature.as_dict(),
            k.root_cause,
            k.workaround,
            k.state.value,
            k.created_at,
            k.updated_at,
        )

    async def save(self, known_error: KnownError) -> None:
        k = known_error
        await self._conn.execute(
            "UPDATE known_errors SET title = $2, signature = $3, root_cause = $4,"
            " workaround = $5, state = $6, updated_at = $7 WHERE known_error_id = $1",
            k.id,
            k.title,
            k.signature.as_dict(),
            k.root_cause,
            k.workaround,
            k.state.value,
            k.updated_at,
        )

    async def published(self) -> list[KnownError]:
        rows = await self._conn.fetch(
            f"SELECT {_KNOWN} FROM known_errors WHERE state = 'published'"
            " ORDER BY created_at, known_error_id"
        )
        return [known_error_of(r) for r in rows]

    async def of_problem(self, problem_id: UUID) -> list[KnownError]:
        return await self.listed(state=None, problem_id=problem_id, limit=1000)

    async def listed(
        self, *, state: KnownErrorState | None, problem_id: UUID | None, limit: int
    ) -> list[KnownError]:
        rows = await self._conn.fetch(
            f"SELECT {_KNOWN} FROM known_errors WHERE ($1::text IS NULL OR state = $1)"
            " AND ($2::uuid IS NULL OR problem_id = $2)"
            " ORDER BY created_at DESC, known_error_id LIMIT $3",
            state.value if state else None,
            problem_id,
            limit,
        )
        return [known_error_of(r) for r in rows]


class PgHistory:
    def __init__(self, conn: DbConnection) -> None:
        self._conn = conn

    async def append(self, event: ProblemEventData) -> None:
        await self._conn.execute(
            "INSERT INTO problem_history (problem_id, occurred_at, actor, type, detail)"
            " VALUES ($1, $2, $3, $4, $5)",
            event.problem_id,
            event.occurred_at,
            event.actor.model_dump(mode="json"),
            event.ce_type(),
            event.model_dump(mode="json", exclude={"problem_id", "occurred_at", "actor"}),
        )

    async def of_problem(self, problem_id: UUID) -> list[HistoryEntry]:
        rows = await self._conn.fetch(
            "SELECT seq, problem_id, occurred_at, actor, type, detail FROM problem_history"
            " WHERE problem_id = $1 ORDER BY seq",
            problem_id,
        )
        return [
            HistoryEntry(
                seq=r["seq"],
                problem_id=r["problem_id"],
                occurred_at=r["occurred_at"],
                actor=Actor.model_validate(r["actor"]),
                type=r["type"],
                detail=r["detail"],
            )
            for r in rows
        ]
