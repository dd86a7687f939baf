"""Problem events from the problem service: a link or a known workaround lands on the incident
and its timeline; a problem fixed resolves the incidents that were waiting on it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import structlog
from tocsin_shared.clock import Clock
from tocsin_shared.contracts.events import (
    KnownErrorMatchedV1,
    ProblemEventData,
    ProblemIncidentLinkedV1,
    ProblemResolvedV1,
)

from ..domain.model import Args, Command
from ..domain.problems import (
    RESOLVING,
    fix_reason,
    known_error_entry,
    linked_entry,
    linked_ref,
    matched_ref,
    unfixed_entry,
)
from ..ports import ProblemUnitOfWork
from .commands import apply_command

log = structlog.get_logger(__name__)

INBOX_CONSUMER = "incident-problems"
Reaction = Callable[..., Awaitable[str]]


async def on_problem_event(
    event: ProblemEventData,
    *,
    source: str,
    event_id: str,
    uow_factory: Callable[[], ProblemUnitOfWork],
    clock: Clock,
) -> str:
    """Once per (source, id); the types the incident does not care about are only recorded."""
    async with uow_factory() as uow:
        if not await uow.first_time(consumer=INBOX_CONSUMER, source=source, event_id=event_id):
            return "duplicate"
        react = REACTIONS.get(type(event))
        outcome = "ignored" if react is None else await react(event, uow=uow, clock=clock)
        await uow.commit()
    if outcome == "unknown_incident":
        log.info("problem event for an unknown incident ignored", event_id=event_id)
    return outcome


async def _linked(event: ProblemIncidentLinkedV1, *, uow: ProblemUnitOfWork, clock: Clock) -> str:
    if not await uow.problems.link(event.incident_id, linked_ref(event)):
        return "unknown_incident"
    await uow.notes.add(event.incident_id, linked_entry(event))
    return "linked"


async def _matched(event: KnownErrorMatchedV1, *, uow: ProblemUnitOfWork, clock: Clock) -> str:
    known = await uow.problems.known_error(
        event.incident_id, problem=matched_ref(event), workaround=event.workaround
    )
    if not known:
        return "unknown_incident"
    await uow.notes.add(event.incident_id, known_error_entry(event))
    return "workaround_noted"


async def _resolved(event: ProblemResolvedV1, *, uow: ProblemUnitOfWork, clock: Clock) -> str:
    """With a fix, each waiting incident still open is resolved by the normal command (its event
    goes out through the outbox); otherwise they only get a note. Locked in id order, so two
    resolutions sharing incidents cannot deadlock."""
    waiting = sorted(set(event.waiting_incident_ids))
    if event.resolution not in RESOLVING:
        for incident_id in waiting:
            await uow.notes.add(incident_id, unfixed_entry(event))
        return "not_fixed"
    resolved = 0
    for incident_id in waiting:
        incident = await uow.incidents.get(incident_id, for_update=True)
        if incident is None or not incident.can(Command.RESOLVE):
            continue
        args = Args(reason=fix_reason(event))
        await apply_command(
            uow, incident_id, Command.RESOLVE, actor=event.actor, clock=clock, args=args
        )
        resolved += 1
    return "resolved" if resolved else "nothing_to_resolve"


REACTIONS: dict[type[ProblemEventData], Reaction] = {
    ProblemIncidentLinkedV1: _linked,
    KnownErrorMatchedV1: _matched,
    ProblemResolvedV1: _resolved,
}
