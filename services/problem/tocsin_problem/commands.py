"""Problem management commands: plain async functions of (command, uow_factory, clock).

Each loads what it changes under lock, lets the domain decide, saves, and records every event the
domain produced (outbox and history) in the same unit of work.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from tocsin_shared.clock import Clock
from tocsin_shared.contracts.events import (
    Actor,
    ProblemIncidentUnlinkedV1,
    ProblemOrigin,
    ResolutionCode,
)

from .commands_base import NotFound, UowFactory, load_problem, publish
from .commands_links import linked_event
from .domain.links import Decision
from .domain.problem import EDITABLE, Action, Problem, ProblemConflict
from .domain.tasks import TaskAction
from .ports import UnitOfWork

# Resolutions after which nobody works on the problem's tasks any more.
ENDS_WORK = frozenset({ResolutionCode.CANCELLED, ResolutionCode.DUPLICATE})


@dataclass(frozen=True)
class CreateProblem:
    statement: str
    actor: Actor
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class UpdateProblem:
    problem_id: UUID
    changes: dict[str, Any]
    actor: Actor


@dataclass(frozen=True)
class TransitionProblem:
    problem_id: UUID
    action: Action
    actor: Actor
    resolution: ResolutionCode | None = None
    duplicate_of: UUID | None = None


async def create_problem(cmd: CreateProblem, *, uow_factory: UowFactory, clock: Clock) -> Problem:
    unknown = set(cmd.fields) - (EDITABLE - {"statement"})
    if unknown:
        raise ValueError(f"not a problem field: {', '.join(sorted(unknown))}")
    fields = dict(cmd.fields)
    service = fields.pop("service", None)
    async with uow_factory() as uow:
        problem = Problem.open(
            problem_id=uuid4(),
            number=await uow.problems.next_number(),
            statement=cmd.statement,
            origin=ProblemOrigin.MANUAL,
            actor=cmd.actor,
            now=clock.now(),
            service=service,
            fields=fields,
        )
        await uow.problems.add(problem)
        await publish(uow, problem)
        await uow.commit()
        return problem


async def update_problem(cmd: UpdateProblem, *, uow_factory: UowFactory, clock: Clock) -> Problem:
    async with uow_factory() as uow:
        problem = await load_problem(uow, cmd.problem_id)
        problem.update(cmd.changes, actor=cmd.actor, now=clock.now())
        await uow.problems.save(problem)
        await publish(uow, problem)
        await uow.commit()
        return problem


async def transition_problem(
    cmd: TransitionProblem, *, uow_factory: UowFactory, clock: Clock
) -> Problem:
    """Move by the table. Closing, or resolving as cancelled or duplicate, cancels the open tasks;
    a duplicate's links move to the surviving problem and its pending suggestions lapse."""
    now = clock.now()
    async with uow_factory() as uow:
        problem, survivor = await _problem_and_survivor(uow, cmd)
        waiting: tuple[UUID, ...] = ()
        if cmd.action is Action.RESOLVE and cmd.resolution is not ResolutionCode.DUPLICATE:
            waiting = await uow.links.waiting(problem.id)
        problem.apply(
            cmd.action,
            actor=cmd.actor,
            now=now,
            resolution=cmd.resolution,
            duplicate_of=cmd.duplicate_of,
            waiting_incident_ids=waiting,
        )
        await uow.problems.save(problem)
        await publish(uow, problem)
        if cmd.action is Action.CLOSE or (
            cmd.action is Action.RESOLVE and cmd.resolution in ENDS_WORK
        ):
            await _cancel_tasks(uow, problem.id, actor=cmd.actor, now=now)
        if survivor is not None:
            await _merge_into(uow, problem, survivor, actor=cmd.actor, now=now)
        await uow.commit()
        return problem


async def _problem_and_survivor(
    uow: UnitOfWork, cmd: TransitionProblem
) -> tuple[Problem, Problem | None]:
    """The problem and, for a duplicate, its survivor: locked in id order, so two problems marked
    duplicates of each other at once wait for each other instead of deadlocking."""
    target = cmd.duplicate_of if cmd.resolution is ResolutionCode.DUPLICATE else None
    # Itself as its own survivor is the domain's to refuse (422).
    if target is None or target == cmd.problem_id:
        return await load_problem(uow, cmd.problem_id), None
    locked = {pid: await uow.problems.get(pid) for pid in sorted((cmd.problem_id, target))}
    problem, survivor = locked[cmd.problem_id], locked[target]
    if problem is None:
        raise NotFound(f"no problem {cmd.problem_id}")
    if survivor is None:
        raise NotFound(f"no problem {target} (duplicate_of)")
    if not survivor.is_open:
        raise ProblemConflict(
            f"PRB{survivor.number} is {survivor.state}; a duplicate needs an open surviving problem"
        )
    return problem, survivor


async def _cancel_tasks(uow: UnitOfWork, problem_id: UUID, *, actor: Actor, now: datetime) -> None:
    for task in await uow.tasks.of_problem(problem_id):
        if task.unfinished:
            task.apply(TaskAction.CANCEL, actor=actor, now=now)
            await uow.tasks.save(task)
            await publish(uow, task)


async def _merge_into(
    uow: UnitOfWork, duplicate: Problem, survivor: Problem, *, actor: Actor, now: datetime
) -> None:
    note = f"moved from PRB{duplicate.number}, a duplicate of PRB{survivor.number}"
    for link in await uow.links.move(duplicate.id, survivor.id, note=note):
        await uow.record(
            ProblemIncidentUnlinkedV1(
                problem_id=duplicate.id,
                occurred_at=now,
                actor=actor,
                incident_id=link.incident_id,
                moved_to=survivor.id,
            )
        )
        await uow.record(
            linked_event(survivor, link.incident_id, link.reason, actor=actor, now=now)
        )
    for suggestion in await uow.suggestions.pending(duplicate.id):
        suggestion.decide(Decision.OBSOLETE, actor=actor, now=now)
        await uow.suggestions.save(suggestion)
