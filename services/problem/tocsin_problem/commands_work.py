"""Commands on a problem's tasks, its known errors and link suggestions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from uuid import UUID, uuid4

from tocsin_shared.clock import Clock
from tocsin_shared.contracts.events import Actor, ProblemState

from .commands_base import NotFound, UowFactory, load_problem, publish
from .commands_links import attach
from .domain.known_errors import KnownError, KnownErrorAction, Signature
from .domain.links import Decision, Suggestion
from .domain.problem import ProblemConflict
from .domain.tasks import ProblemTask, TaskAction, TaskKind
from .ports import UnitOfWork

E = TypeVar("E", ProblemTask, KnownError)


@dataclass(frozen=True)
class CreateTask:
    problem_id: UUID
    kind: TaskKind
    title: str
    actor: Actor
    description: str = ""
    assignee: str | None = None


@dataclass(frozen=True)
class UpdateTask:
    task_id: UUID
    changes: dict[str, Any]
    actor: Actor


@dataclass(frozen=True)
class TransitionTask:
    task_id: UUID
    action: TaskAction
    actor: Actor


@dataclass(frozen=True)
class CreateKnownError:
    problem_id: UUID
    title: str
    signature: Signature
    workaround: str
    actor: Actor
    root_cause: str = ""


@dataclass(frozen=True)
class UpdateKnownError:
    known_error_id: UUID
    changes: dict[str, Any]
    actor: Actor


@dataclass(frozen=True)
class TransitionKnownError:
    known_error_id: UUID
    action: KnownErrorAction
    actor: Actor


@dataclass(frozen=True)
class DecideSuggestion:
    suggestion_id: UUID
    decision: Decision
    actor: Actor


async def _task(uow: UnitOfWork, task_id: UUID) -> ProblemTask:
    task = await uow.tasks.get(task_id)
    if task is None:
        raise NotFound(f"no problem task {task_id}")
    return task


async def _known_error(uow: UnitOfWork, known_error_id: UUID) -> KnownError:
    known = await uow.known_errors.get(known_error_id)
    if known is None:
        raise NotFound(f"no known error {known_error_id}")
    return known


async def create_task(cmd: CreateTask, *, uow_factory: UowFactory, clock: Clock) -> ProblemTask:
    async with uow_factory() as uow:
        problem = await load_problem(uow, cmd.problem_id)
        if problem.state is ProblemState.CLOSED:
            raise ProblemConflict(f"PRB{problem.number} is closed; it takes no new tasks")
        task = ProblemTask.create(
            task_id=uuid4(),
            problem_id=problem.id,
            kind=cmd.kind,
            title=cmd.title,
            actor=cmd.actor,
            now=clock.now(),
            description=cmd.description,
            assignee=cmd.assignee,
        )
        await uow.tasks.add(task)
        await publish(uow, task)
        await uow.commit()
        return task


async def _changed(
    uow_factory: UowFactory,
    *,
    load: Callable[[UnitOfWork], Awaitable[E]],
    save: Callable[[UnitOfWork, E], Awaitable[None]],
    change: Callable[[E], None],
) -> E:
    """Load, change (the entity records its events), save, publish, commit."""
    async with uow_factory() as uow:
        entity = await load(uow)
        change(entity)
        await save(uow, entity)
        await publish(uow, entity)
        await uow.commit()
        return entity


async def update_task(cmd: UpdateTask, *, uow_factory: UowFactory, clock: Clock) -> ProblemTask:
    return await _changed(
        uow_factory,
        load=lambda uow: _task(uow, cmd.task_id),
        save=lambda uow, task: uow.tasks.save(task),
        change=lambda task: task.update(cmd.changes, actor=cmd.actor, now=clock.now()),
    )


async def transition_task(
    cmd: TransitionTask, *, uow_factory: UowFactory, clock: Clock
) -> ProblemTask:
    return await _changed(
        uow_factory,
        load=lambda uow: _task(uow, cmd.task_id),
        save=lambda uow, task: uow.tasks.save(task),
        change=lambda task: task.apply(cmd.action, actor=cmd.actor, now=clock.now()),
    )


async def create_known_error(
    cmd: CreateKnownError, *, uow_factory: UowFactory, clock: Clock
) -> KnownError:
    async with uow_factory() as uow:
        problem = await load_problem(uow, cmd.problem_id)
        known = KnownError.create(
            known_error_id=uuid4(),
            problem_id=problem.id,
            title=cmd.title,
            signature=cmd.signature,
            workaround=cmd.workaround,
            actor=cmd.actor,
            now=clock.now(),
            root_cause=cmd.root_cause,
        )
        await uow.known_errors.add(known)
        await publish(uow, known)
        await uow.commit()
        return known


async def update_known_error(
    cmd: UpdateKnownError, *, uow_factory: UowFactory, clock: Clock
) -> KnownError:
    return await _changed(
        uow_factory,
        load=lambda uow: _known_error(uow, cmd.known_error_id),
        save=lambda uow, known: uow.known_errors.save(known),
        change=lambda known: known.update(cmd.changes, actor=cmd.actor, now=clock.now()),
    )


async def transition_known_error(
    cmd: TransitionKnownError, *, uow_factory: UowFactory, clock: Clock
) -> KnownError:
    return await _changed(
        uow_factory,
        load=lambda uow: _known_error(uow, cmd.known_error_id),
        save=lambda uow, known: uow.known_errors.save(known),
        change=lambda known: known.apply(cmd.action, actor=cmd.actor, now=clock.now()),
    )


async def decide_suggestion(
    cmd: DecideSuggestion, *, uow_factory: UowFactory, clock: Clock
) -> Suggestion:
    """Accept (the incident is linked, origin suggestion) or reject (remembered by template, so
    correlation does not propose it again)."""
    if cmd.decision is Decision.OBSOLETE:
        raise ValueError("a person accepts or rejects; obsolete is the system's")
    now = clock.now()
    async with uow_factory() as uow:
        suggestion = await uow.suggestions.get(cmd.suggestion_id)
        if suggestion is None:
            raise NotFound(f"no suggestion {cmd.suggestion_id}")
        suggestion.decide(cmd.decision, actor=cmd.actor, now=now)
        await uow.suggestions.save(suggestion)
        if cmd.decision is Decision.ACCEPT:
            problem = await load_problem(uow, suggestion.problem_id)
            await attach(uow, problem, suggestion.as_link(actor=cmd.actor, now=now))
        await publish(uow, suggestion)
        await uow.commit()
        return suggestion
