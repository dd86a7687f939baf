"""Handlers: plain functions of (message, dependencies). They translate nothing and own no I/O."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from tocsin_shared.config.models import SlaPolicy
from tocsin_shared.contracts.events import IncidentEventData

from .domain.clocks import SlaClock
from .domain.policies import event_name
from .domain.reactions import Calendars, Emission, on_due, on_incident_event
from .ports import UnitOfWork

INBOX_CONSUMER = "incident-events"
DUPLICATE = "duplicate_delivery"
STALE = "stale_timer"


@dataclass(frozen=True)
class SlaRules:
    policies: Sequence[SlaPolicy]
    calendars: Calendars
    late_after: timedelta = timedelta(seconds=1)


def _live_timer(clock: SlaClock) -> tuple[float, int] | None:
    """(threshold, generation) of the clock's live timer, if it has one."""
    pending = clock.pending()
    return (min(pending), clock.generation) if clock.open and pending else None


async def _schedule_next(uow: UnitOfWork, clock: SlaClock, rules: SlaRules) -> None:
    pending = clock.pending()
    due = clock.next_due(rules.calendars(clock.calendar))
    if due is not None:
        await uow.timers.schedule(
            clock.id, percent=min(pending), due_at=due, generation=clock.generation
        )


def _emit(uow: UnitOfWork, emissions: Sequence[Emission]) -> None:
    for emission in emissions:
        uow.emit_once(emission.event, event_id=emission.event_id)


async def apply_incident_event(
    event: IncidentEventData,
    *,
    source: str,
    event_id: str,
    rules: SlaRules,
    uow_factory: Callable[[], UnitOfWork],
    now: datetime,
) -> str:
    """Start, pause, resume, stop, cancel or reset the incident's clocks, once per (source, id)."""
    async with uow_factory() as uow:
        if not await uow.first_time(consumer=INBOX_CONSUMER, source=source, event_id=event_id):
            return DUPLICATE
        await uow.incident_times.record(
            event.incident_id,
            name=event_name(event),
            at=getattr(event, "triggered_at", None) or event.occurred_at,
            service=event.service,
            severity=event.severity.value,
        )
        clocks = await uow.clocks.for_incident(event.incident_id)
        live = {c.id: _live_timer(c) for c in clocks}
        reaction = on_incident_event(
            event,
            clocks=clocks,
            policies=rules.policies,
            calendars=rules.calendars,
            now=now,
            late_after=rules.late_after,
        )
        await uow.clocks.save(reaction.changed)
        await uow.clocks.add(reaction.created)
        for clock in reaction.changed:
            if (timer := live.get(clock.id)) is not None:
                await uow.timers.cancel(clock.id, percent=timer[0], generation=timer[1])
            await _schedule_next(uow, clock, rules)
        for clock in reaction.created:
            await _schedule_next(uow, clock, rules)
        _emit(uow, reaction.emissions)
        await uow.commit()
        return f"changed_{len(reaction.changed)}_started_{len(reaction.created)}"


async def fire_threshold(
    clock_id: UUID, *, generation: int, rules: SlaRules, uow: UnitOfWork, now: datetime
) -> str:
    """A threshold timer came due: emit what is due, unless the clock moved on since."""
    async with uow:
        clock = await uow.clocks.get(clock_id)
        if clock is None or clock.generation != generation or not clock.open:
            await uow.commit()
            return STALE
        emissions = on_due(
            clock, rules.calendars(clock.calendar), now=now, late_after=rules.late_after
        )
        if not emissions:
            # Not due by the clock's own reckoning (its calendar changed): the claimed timer
            # cannot be moved, so a new generation gets a new one.
            clock.retime()
        await uow.clocks.save([clock])
        await _schedule_next(uow, clock, rules)
        _emit(uow, emissions)
        await uow.commit()
        return f"fired_{len(emissions)}"
