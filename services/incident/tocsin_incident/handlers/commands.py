"""Commands people give an incident (acknowledge, snooze, merge, ...), through the table."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from tocsin_shared.clock import Clock
from tocsin_shared.contracts.events import Actor

from ..domain.model import NO_ARGS, Args, Command, Conflict, Incident, merge
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
    args: Args = NO_ARGS,
) -> Incident:
    """A person's command. Raises IncidentNotFound (404), IllegalTransition or Conflict (409),
    InvalidChange (422)."""
    async with uow_factory() as uow:
        incident = await apply_command(
            uow, incident_id, command, actor=actor, clock=clock, args=args
        )
        await uow.commit()
        return incident


async def apply_command(
    uow: UnitOfWork,
    incident_id: UUID,
    command: Command,
    *,
    actor: Actor,
    clock: Clock,
    args: Args = NO_ARGS,
) -> Incident:
    """change_status inside an open unit of work; the caller commits."""
    incident = await _load(uow, incident_id)
    if command is Command.REOPEN and incident.can(command):
        holder = await uow.incidents.open_for_key(incident.service, incident.dedup_key)
        if holder is not None:
            raise Conflict(f"cannot reopen: incident {holder.id} is open with the same dedup key")
    incident.apply(command, actor=actor, at=clock.now(), args=args)
    await uow.incidents.save(incident)
    for event in incident.events:
        uow.emit(event)
    return incident


async def merge_incidents(
    source_id: UUID,
    target_id: UUID,
    *,
    actor: Actor,
    uow_factory: Callable[[], UnitOfWork],
    clock: Clock,
) -> tuple[Incident, Incident]:
    """Merge `source_id` into `target_id`; same errors as change_status."""
    async with uow_factory() as uow:
        # Lock in id order, so two opposite merges cannot deadlock each other.
        locked = {i: await _load(uow, i) for i in sorted({source_id, target_id})}
        source, target = locked[source_id], locked[target_id]
        if source is target:
            raise Conflict("an incident cannot be merged into itself")
        merge(source, target, actor=actor, at=clock.now())
        for incident in (source, target):
            await uow.incidents.save(incident)
            for event in incident.events:
                uow.emit(event)
        await uow.commit()
        return source, target


async def _load(uow: UnitOfWork, incident_id: UUID) -> Incident:
    incident = await uow.incidents.get(incident_id, for_update=True)
    if incident is None:
        raise IncidentNotFound(str(incident_id))
    return incident
