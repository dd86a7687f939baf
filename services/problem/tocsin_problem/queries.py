"""Read side of problem management: what the API shows, read through the unit of work."""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from .commands_base import NotFound, UowFactory, load_problem
from .domain.known_errors import KnownErrorState
from .domain.links import SuggestionStatus
from .ports import ProblemQuery
from .views import (
    history_view,
    known_error_view,
    link_view,
    problem_brief,
    problem_view,
    suggestion_view,
    task_view,
)

_NUMBER = re.compile(r"(?i)(?:prb)?(\d{1,18})")


async def problem_id_of(ref: str, *, uow_factory: UowFactory) -> UUID:
    """A problem named by its id or its number (PRB12, or 12)."""
    try:
        return UUID(ref)
    except ValueError:
        pass
    found = _NUMBER.fullmatch(ref.strip())
    if found is None:
        raise NotFound(f"no problem {ref!r} (give its id or its number, PRB<n>)")
    async with uow_factory() as uow:
        problem_id = await uow.problems.find_number(int(found.group(1)))
    if problem_id is None:
        raise NotFound(f"no problem {ref}")
    return problem_id


async def list_problems(query: ProblemQuery, *, uow_factory: UowFactory) -> dict[str, Any]:
    async with uow_factory() as uow:
        problems, total = await uow.problems.search(query)
    return {
        "problems": [problem_view(p) for p in problems],
        "total": total,
        "limit": query.limit,
        "offset": query.offset,
    }


async def problem_detail(problem_id: UUID, *, uow_factory: UowFactory) -> dict[str, Any]:
    """The problem with its links and why, its tasks, its known errors."""
    async with uow_factory() as uow:
        problem = await load_problem(uow, problem_id)
        links = await uow.links.of_problem(problem_id)
        tasks = await uow.tasks.of_problem(problem_id)
        known = await uow.known_errors.of_problem(problem_id)
    return {
        **problem_view(problem),
        "links": [link_view(link) for link in links],
        "tasks": [task_view(t) for t in tasks],
        "known_errors": [known_error_view(k) for k in known],
    }


async def problem_history(problem_id: UUID, *, uow_factory: UowFactory) -> dict[str, Any]:
    async with uow_factory() as uow:
        await load_problem(uow, problem_id)
        entries = await uow.history.of_problem(problem_id)
    return {"problem_id": problem_id, "history": [history_view(e) for e in entries]}


async def problem_of_incident(incident_id: UUID, *, uow_factory: UowFactory) -> dict[str, Any]:
    async with uow_factory() as uow:
        link = await uow.links.of_incident(incident_id)
        if link is None:
            raise NotFound(f"incident {incident_id} is linked to no problem")
        problem = await load_problem(uow, link.problem_id)
    return {"incident_id": incident_id, "problem": problem_brief(problem), "link": link_view(link)}


async def task(task_id: UUID, *, uow_factory: UowFactory) -> dict[str, Any]:
    async with uow_factory() as uow:
        found = await uow.tasks.get(task_id)
    if found is None:
        raise NotFound(f"no problem task {task_id}")
    return task_view(found)


async def known_error(known_error_id: UUID, *, uow_factory: UowFactory) -> dict[str, Any]:
    async with uow_factory() as uow:
        found = await uow.known_errors.get(known_error_id)
    if found is None:
        raise NotFound(f"no known error {known_error_id}")
    return known_error_view(found)


async def list_known_errors(
    *,
    state: KnownErrorState | None,
    problem_id: UUID | None,
    limit: int,
    uow_factory: UowFactory,
) -> dict[str, Any]:
    async with uow_factory() as uow:
        found = await uow.known_errors.listed(state=state, problem_id=problem_id, limit=limit)
    return {"known_errors": [known_error_view(k) for k in found]}


async def list_suggestions(
    *, status: SuggestionStatus | None, limit: int, uow_factory: UowFactory
) -> dict[str, Any]:
    async with uow_factory() as uow:
        found = await uow.suggestions.listed(status=status, limit=limit)
    return {"suggestions": [suggestion_view(s) for s in found]}
