"""What the problem-management commands share: their errors, the unit-of-work factory, loading
a problem, recording what entities did."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol
from uuid import UUID

from tocsin_shared.contracts.events import ProblemEventData

from .domain.problem import Problem, ProblemConflict
from .ports import UnitOfWork

UowFactory = Callable[[], UnitOfWork]


class NotFound(Exception):
    """An id that names nothing (HTTP 404)."""


class LinkConflict(ProblemConflict):
    """The incident is linked to another problem already."""


class HasEvents(Protocol):
    events: list[Any]


async def publish(uow: UnitOfWork, *entities: HasEvents) -> None:
    for entity in entities:
        for event in entity.events:
            assert isinstance(event, ProblemEventData)
            await uow.record(event)
        entity.events.clear()


async def load_problem(uow: UnitOfWork, problem_id: UUID) -> Problem:
    problem = await uow.problems.get(problem_id)
    if problem is None:
        raise NotFound(f"no problem {problem_id}")
    return problem
