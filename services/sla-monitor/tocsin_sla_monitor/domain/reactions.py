"""What an incident event or a due threshold does to an incident's clocks, and what that says.

Every SLA event has an idempotency identity `sla/<clock>/<what>/<threshold>/<generation>`, used
as its CloudEvent id: the same fact about the same clock is always the same event.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tocsin_shared.config.models import SlaPolicy
from tocsin_shared.contracts.events import (
    IncidentEventData,
    SlaAttachedV1,
    SlaBreachedV1,
    SlaCancelledV1,
    SlaCompletedV1,
    SlaEventData,
    SlaMetV1,
    SlaPausedV1,
    SlaResumedV1,
    SlaWarningV1,
)

from .calendar import BusinessCalendar
from .clocks import BREACH, ClockState, SlaClock, new_clock
from .policies import Action, conditions, event_name, policies_starting

Calendars = Callable[[str], BusinessCalendar]


@dataclass(frozen=True)
class Emission:
    event: SlaEventData
    event_id: str


@dataclass
class Reaction:
    changed: list[SlaClock] = field(default_factory=list)
    created: list[SlaClock] = field(default_factory=list)
    emissions: list[Emission] = field(default_factory=list)


def _common(clock: SlaClock, *, due: datetime, now: datetime, late: bool) -> dict[str, Any]:
    return {
        "clock_id": clock.id,
        "incident_id": clock.incident_id,
        "policy": clock.policy,
        "target": clock.target,
        "cycle": clock.cycle,
        "generation": clock.generation,
        "service": clock.service,
        "severity": clock.severity,
        "due_at": due,
        "emitted_at": now,
        "late": late,
    }


def _emission(
    clock: SlaClock, what: str, event: SlaEventData, *, threshold: float | None = None
) -> Emission:
    mark = "-" if threshold is None else f"{threshold:g}"
    return Emission(event, f"sla/{clock.id}/{what}/{mark}/{clock.generation}")


def threshold_emissions(
    clock: SlaClock,
    fired: Sequence[tuple[float, datetime]],
    *,
    now: datetime,
    late_after: timedelta,
) -> list[Emission]:
    out = []
    for percent, due in fired:
        common = _common(clock, due=due, now=now, late=now - due > late_after)
        if percent == BREACH:
            out.append(_emission(clock, "breached", SlaBreachedV1(**common), threshold=percent))
        else:
            event = SlaWarningV1(**common, percent=percent)
            out.append(_emission(clock, "warning", event, threshold=percent))
    return out


def _changed(
    clock: SlaClock, calendar: BusinessCalendar, *, at: datetime, now: datetime, reason: str
) -> Emission:
    common = _common(clock, due=clock.due_at, now=now, late=False)
    spent = clock.elapsed_s(calendar, at)
    if clock.state is ClockState.PAUSED:
        return _emission(clock, "paused", SlaPausedV1(**common, paused_at=at, elapsed_s=spent))
    if clock.state is ClockState.RUNNING:
        return _emission(clock, "resumed", SlaResumedV1(**common, resumed_at=at))
    if clock.state is ClockState.MET:
        return _emission(clock, "met", SlaMetV1(**common, stopped_at=at, elapsed_s=spent))
    if clock.state is ClockState.BREACHED:
        event = SlaCompletedV1(**common, stopped_at=at, elapsed_s=spent)
        return _emission(clock, "completed", event)
    return _emission(clock, "cancelled", SlaCancelledV1(**common, cancelled_at=at, reason=reason))


def _attached(clock: SlaClock, *, now: datetime) -> Emission:
    common = _common(clock, due=clock.due_at, now=now, late=False)
    event = SlaAttachedV1(**common, started_at=clock.started_at, calendar=clock.calendar)
    return _emission(clock, "attached", event)


_MOVES: Mapping[Action, Callable[[SlaClock, BusinessCalendar, datetime], bool]] = {
    Action.PAUSE: SlaClock.pause,
    Action.RESUME: SlaClock.resume,
    Action.STOP: SlaClock.stop,
    Action.CANCEL: SlaClock.cancel,
    Action.RESET: SlaClock.cancel,
}


def on_incident_event(
    event: IncidentEventData,
    *,
    clocks: Sequence[SlaClock],
    policies: Sequence[SlaPolicy],
    calendars: Calendars,
    now: datetime,
    late_after: timedelta,
) -> Reaction:
    """Apply one incident event to the incident's clocks (all cycles) and start new ones."""
    reaction = Reaction()
    by_name = {p.name: p for p in policies}
    name, at = event_name(event), event.occurred_at
    cycle = max((c.cycle for c in clocks), default=0)
    current = [c for c in clocks if c.cycle == cycle]
    restart: list[SlaPolicy] = []
    for clock in current:
        policy = by_name.get(clock.policy)
        action = conditions(policy).action(name) if policy else None
        if policy is None or action is None:
            continue
        if action is Action.RESET:
            restart.append(policy)
        calendar = calendars(clock.calendar)
        # Thresholds crossed before the event (their timers not fired yet, e.g. while the
        # monitor was down) happened all the same; the ones after it never will.
        crossed = clock.fire_due(calendar, at) if action is not Action.RESUME else []
        if not _MOVES[action](clock, calendar, at):
            continue
        reaction.changed.append(clock)
        reaction.emissions += threshold_emissions(clock, crossed, now=now, late_after=late_after)
        reason = "reset" if action is Action.RESET else name
        reaction.emissions.append(_changed(clock, calendar, at=at, now=now, reason=reason))
    started_at: datetime = getattr(event, "triggered_at", None) or at
    if restart:
        cycle, current = cycle + 1, []
    have = {c.policy for c in current}
    starting = restart + [p for p in policies_starting(policies, event) if p not in restart]
    for policy in starting:
        if policy.name in have:
            continue
        calendar = calendars(policy.calendar)
        clock = new_clock(
            incident_id=event.incident_id,
            policy=policy.name,
            target=policy.target,
            cycle=cycle,
            started_at=started_at,
            budget=timedelta(minutes=policy.minutes),
            calendar=calendar,
            service=event.service,
            severity=event.severity.value,
            warn_at=policy.warn_at_percent,
        )
        have.add(policy.name)
        reaction.created.append(clock)
        reaction.emissions.append(_attached(clock, now=now))
    return reaction


def on_due(
    clock: SlaClock, calendar: BusinessCalendar, *, now: datetime, late_after: timedelta
) -> list[Emission]:
    """Fire every threshold of a running clock that is due by `now`."""
    fired = clock.fire_due(calendar, now)
    return threshold_emissions(clock, fired, now=now, late_after=late_after)
