"""Linking and unlinking incidents by hand (and the link a suggestion becomes): one problem per
incident; an incident linked elsewhere moves only when asked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from tocsin_shared.clock import Clock
from tocsin_shared.contracts.events import (
    Actor,
    LinkOrigin,
    LinkReason,
    ProblemIncidentLinkedV1,
    ProblemIncidentUnlinkedV1,
    ProblemState,
)

from .commands_base import LinkConflict, NotFound, UowFactory, load_problem
from .domain.links import Link
from .domain.problem import Problem, ProblemConflict
from .domain.templates import template_of
from .ports import UnitOfWork


@dataclass(frozen=True)
class LinkIncident:
    problem_id: UUID
    incident_id: UUID
    actor: Actor
    note: str | None = None
    move: bool = False


@dataclass(frozen=True)
class UnlinkIncident:
    problem_id: UUID
    incident_id: UUID
    actor: Actor


def linked_event(
    problem: Problem, incident_id: UUID, reason: LinkReason, *, actor: Actor, now: datetime
) -> ProblemIncidentLinkedV1:
    return ProblemIncidentLinkedV1(
        problem_id=problem.id,
        occurred_at=now,
        actor=actor,
        incident_id=incident_id,
        number=problem.number,
        statement=problem.statement,
        reason=reason,
    )


async def attach(uow: UnitOfWork, problem: Problem, link: Link, *, move: bool = False) -> None:
    """Link an incident a person chose (manually or by accepting a suggestion)."""
    if problem.state is ProblemState.CLOSED:
        raise ProblemConflict(f"PRB{problem.number} is closed; link to an open problem")
    existing = await uow.links.of_incident(link.incident_id)
    if existing is not None:
        if existing.problem_id == problem.id:
            raise LinkConflict(f"incident {link.incident_id} is linked to PRB{problem.number}")
        other = await uow.problems.get(existing.problem_id)
        other_name = f"PRB{other.number}" if other else str(existing.problem_id)
        if not move:
            raise LinkConflict(
                f"incident {link.incident_id} is linked to {other_name};"
                " pass move: true to move it here"
            )
        await uow.links.unlink(link.incident_id)
        await uow.record(
            ProblemIncidentUnlinkedV1(
                problem_id=existing.problem_id,
                occurred_at=link.linked_at,
                actor=link.actor,
                incident_id=link.incident_id,
                moved_to=problem.id,
            )
        )
    seen = await uow.observed.get(link.incident_id)
    service = seen.service if seen else None
    template = template_of(seen.summary) if seen else None
    if not await uow.links.link(link, service=service, template=template):
        raise LinkConflict(f"incident {link.incident_id} was linked meanwhile; try again")
    await uow.record(
        linked_event(problem, link.incident_id, link.reason, actor=link.actor, now=link.linked_at)
    )


async def link_incident(cmd: LinkIncident, *, uow_factory: UowFactory, clock: Clock) -> Link:
    async with uow_factory() as uow:
        problem = await load_problem(uow, cmd.problem_id)
        if await uow.observed.get(cmd.incident_id) is None:
            raise NotFound(f"the problem service has not seen incident {cmd.incident_id}")
        link = Link(
            incident_id=cmd.incident_id,
            problem_id=problem.id,
            reason=LinkReason(origin=LinkOrigin.MANUAL, note=cmd.note),
            actor=cmd.actor,
            linked_at=clock.now(),
        )
        await attach(uow, problem, link, move=cmd.move)
        await uow.commit()
        return link


async def unlink_incident(cmd: UnlinkIncident, *, uow_factory: UowFactory, clock: Clock) -> None:
    async with uow_factory() as uow:
        problem = await load_problem(uow, cmd.problem_id)
        link = await uow.links.of_incident(cmd.incident_id)
        if link is None or link.problem_id != problem.id:
            raise NotFound(f"incident {cmd.incident_id} is not linked to PRB{problem.number}")
        await uow.links.unlink(cmd.incident_id)
        await uow.record(
            ProblemIncidentUnlinkedV1(
                problem_id=problem.id,
                occurred_at=clock.now(),
                actor=cmd.actor,
                incident_id=cmd.incident_id,
            )
        )
        await uow.commit()
