"""Commands people give an incident (acknowledge, resolve, ...), through the transition table."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from tocsin_shared.clock import Clock
from tocsin_shared.contracts.events import Actor

from ..domain.model import Command, Incident
from ..ports import UnitOfWork


class IncidentNotFound(Exception):
    pass


async def change_status(
    incident_id: UUID,
    command: Command,
    *,
    actor: Actor,
    uow_factory: Callable[[], UnitOfWork],
    clock: Clock,
) -> Incident:
    """A person's command. Raises IncidentNotFound or IllegalTransition (API: 404 / 409)."""
    async with uow_factory() as uow:
        incident = await uow.incidents.get(incident_id, for_update=True)
        if incident is None:
            raise IncidentNotFound(str(incident_id))
        incident.apply(command, actor=actor, at=clock.now())
        await uow.incidents.save(incident)
        for event in incident.events:
            uow.emit(event)
        await uow.commit()
        return incident
