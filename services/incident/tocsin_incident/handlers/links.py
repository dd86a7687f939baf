"""One-click action links: look before acting (GET), then act once (POST) as the paged user."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from tocsin_shared.clock import Clock
from tocsin_shared.contracts.events import Actor
from tocsin_shared.links import ActionClaim, LinkAction

from ..domain.model import Command, IllegalTransition, Incident
from ..ports import LinkUnitOfWork
from .commands import IncidentNotFound, apply_command

COMMANDS = {LinkAction.ACKNOWLEDGE: Command.ACKNOWLEDGE, LinkAction.RESOLVE: Command.RESOLVE}
# A page to a channel (not a person) names no user: whoever clicked is only "the link".
ANONYMOUS = "action-link"


class LinkUsed(Exception):
    def __init__(self, used_at: datetime) -> None:
        super().__init__(f"this link was already used on {used_at.isoformat()}")
        self.used_at = used_at


def link_actor(claim: ActionClaim) -> Actor:
    return Actor(kind="user", id=claim.user or ANONYMOUS)


async def inspect_link(
    claim: ActionClaim, *, uow_factory: Callable[[], LinkUnitOfWork]
) -> Incident:
    """What a click would do, changing nothing. Raises LinkUsed, IncidentNotFound or
    IllegalTransition, as following it would."""
    async with uow_factory() as uow:
        used_at = await uow.links.used_at(claim.link_id)
        if used_at is not None:
            raise LinkUsed(used_at)
        incident = await uow.incidents.get(claim.incident_id)
        if incident is None:
            raise IncidentNotFound(str(claim.incident_id))
        command = COMMANDS[claim.action]
        if not incident.can(command):
            raise IllegalTransition(incident.status, command)
        return incident


async def follow_link(
    claim: ActionClaim, *, uow_factory: Callable[[], LinkUnitOfWork], clock: Clock
) -> Incident:
    """Act once: the link is marked used in the same transaction as the action, so a failed
    action leaves it usable and a second click raises LinkUsed."""
    actor = link_actor(claim)
    async with uow_factory() as uow:
        used_at = await uow.links.claim(
            claim.link_id,
            incident_id=claim.incident_id,
            action=claim.action.value,
            actor_id=actor.id,
            at=clock.now(),
        )
        if used_at is not None:
            raise LinkUsed(used_at)
        incident = await apply_command(
            uow, claim.incident_id, COMMANDS[claim.action], actor=actor, clock=clock
        )
        await uow.commit()
        return incident
