"""SLA clocks: a budget of business time, consumed while running, frozen while paused.

A clock keeps the business time consumed before its current running segment (`consumed_s`) and
when that segment began (`segment_start`, None while paused), so every reading and every due time
is one calendar computation away and pauses cost no business time. Each change that moves the
due times (pause, resume, stop, cancel) bumps `generation`, which invalidates older timers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID, uuid5

from .calendar import BusinessCalendar, add, elapsed

# Clock ids derive from (incident, policy, cycle) so the same clock always has the same id.
_CLOCK_NAMESPACE = UUID("5f0d3c2e-6a51-4d7b-9a57-3b1f0e8c2a10")
BREACH = 100.0


class ClockState(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    MET = "met"
    BREACHED = "breached"
    CANCELLED = "cancelled"


class Change(StrEnum):
    PAUSE = "pause"
    RESUME = "resume"
    STOP_ON_TIME = "stop_on_time"
    STOP_LATE = "stop_late"
    CANCEL = "cancel"


OPEN = frozenset({ClockState.RUNNING, ClockState.PAUSED})
TRANSITIONS: dict[tuple[ClockState, Change], ClockState] = {
    (ClockState.RUNNING, Change.PAUSE): ClockState.PAUSED,
    (ClockState.PAUSED, Change.RESUME): ClockState.RUNNING,
    **{(s, Change.STOP_ON_TIME): ClockState.MET for s in OPEN},
    **{(s, Change.STOP_LATE): ClockState.BREACHED for s in OPEN},
    **{(s, Change.CANCEL): ClockState.CANCELLED for s in OPEN},
}


def clock_id(incident_id: UUID, policy: str, cycle: int) -> UUID:
    # Cycle 0 keeps the walking skeleton's ids (incident/policy).
    suffix = "" if cycle == 0 else f"/{cycle}"
    return uuid5(_CLOCK_NAMESPACE, f"{incident_id}/{policy}{suffix}")


@dataclass
class SlaClock:
    id: UUID
    incident_id: UUID
    policy: str
    target: str
    started_at: datetime
    due_at: datetime
    budget_s: float = 0.0
    cycle: int = 0
    service: str = ""
    severity: str = "critical"
    calendar: str = "24x7"
    thresholds: tuple[float, ...] = (BREACH,)
    fired: tuple[float, ...] = ()
    consumed_s: float = 0.0
    segment_start: datetime | None = None
    generation: int = 0
    state: ClockState = ClockState.RUNNING
    stopped_at: datetime | None = None
    breached_at: datetime | None = None
    changes: list[Change] = field(default_factory=list, compare=False, repr=False)

    @property
    def open(self) -> bool:
        return self.state in OPEN

    def elapsed_s(self, calendar: BusinessCalendar, at: datetime) -> float:
        """Business seconds consumed by `at` (or by when it stopped)."""
        if self.segment_start is None:
            return self.consumed_s
        end = min(at, self.stopped_at) if self.stopped_at else at
        return self.consumed_s + elapsed(calendar, self.segment_start, end).total_seconds()

    def due(self, calendar: BusinessCalendar, percent: float) -> datetime:
        """When the clock reaches `percent` of its budget if it keeps running from now on."""
        left = self.budget_s * percent / 100 - self.consumed_s
        start = self.segment_start or self.stopped_at or self.started_at
        return add(calendar, start, timedelta(seconds=max(left, 0.0)))

    def pending(self) -> list[float]:
        return [p for p in self.thresholds if p not in self.fired]

    def _apply(self, change: Change) -> bool:
        state = TRANSITIONS.get((self.state, change))
        if state is None:
            return False
        self.state = state
        self.generation += 1
        self.changes.append(change)
        return True

    def retime(self) -> None:
        """Invalidate the live timer without changing state (its due time must move)."""
        self.generation += 1

    def pause(self, calendar: BusinessCalendar, at: datetime) -> bool:
        consumed = self.elapsed_s(calendar, max(at, self.segment_start or at))
        if not self._apply(Change.PAUSE):
            return False
        self.consumed_s, self.segment_start = consumed, None
        return True

    def resume(self, calendar: BusinessCalendar, at: datetime) -> bool:
        if not self._apply(Change.RESUME):
            return False
        self.segment_start = at
        if self.consumed_s < self.budget_s:  # else it came due before the pause and stays so
            self.due_at = self.due(calendar, BREACH)
        return True

    def stop(self, calendar: BusinessCalendar, at: datetime) -> bool:
        """Stop at `at`: met if within the budget, breached past it. False if not open."""
        consumed = self.elapsed_s(calendar, max(at, self.segment_start or at))
        how = Change.STOP_ON_TIME if consumed <= self.budget_s else Change.STOP_LATE
        if not self._apply(how):
            return False
        self.consumed_s, self.segment_start, self.stopped_at = consumed, None, at
        return True

    def cancel(self, calendar: BusinessCalendar, at: datetime) -> bool:
        consumed = self.elapsed_s(calendar, max(at, self.segment_start or at))
        if not self._apply(Change.CANCEL):
            return False
        self.consumed_s, self.segment_start, self.stopped_at = consumed, None, at
        return True

    def fire_due(self, calendar: BusinessCalendar, now: datetime) -> list[tuple[float, datetime]]:
        """Mark every pending threshold due by `now` fired; return (percent, due) of each."""
        if self.state is not ClockState.RUNNING:
            return []
        fired = [(p, self.due(calendar, p)) for p in self.pending()]
        fired = [(p, due) for p, due in fired if due <= now]
        self.fired = tuple(sorted({*self.fired, *(p for p, _ in fired)}))
        if any(p == BREACH for p, _ in fired) and self.breached_at is None:
            self.breached_at = now
        return fired

    def next_due(self, calendar: BusinessCalendar) -> datetime | None:
        """When the next pending threshold comes due; None if stopped, paused or all fired."""
        pending = self.pending()
        if self.state is not ClockState.RUNNING or not pending:
            return None
        return self.due(calendar, min(pending))


def new_clock(
    *,
    incident_id: UUID,
    policy: str,
    target: str,
    cycle: int,
    started_at: datetime,
    budget: timedelta,
    calendar: BusinessCalendar,
    service: str,
    severity: str,
    warn_at: Sequence[float],
) -> SlaClock:
    """A running clock started (retroactively) at `started_at`."""
    clock = SlaClock(
        id=clock_id(incident_id, policy, cycle),
        incident_id=incident_id,
        policy=policy,
        target=target,
        started_at=started_at,
        due_at=started_at,
        budget_s=budget.total_seconds(),
        cycle=cycle,
        service=service,
        severity=severity,
        calendar=calendar.name,
        thresholds=tuple(sorted({*warn_at, BREACH})),
        segment_start=started_at,
    )
    clock.due_at = clock.due(calendar, BREACH)
    return clock


@dataclass(frozen=True)
class Reading:
    elapsed_s: float
    remaining_s: float
    percent: float


def read(clock: SlaClock, calendar: BusinessCalendar, *, now: datetime) -> Reading:
    """Where the clock stands at `now` (or where it stopped). `remaining_s` is negative once due."""
    spent = clock.elapsed_s(calendar, now)
    return Reading(
        elapsed_s=round(spent, 3),
        remaining_s=round(clock.budget_s - spent, 3),
        percent=round(100 * spent / clock.budget_s, 1) if clock.budget_s else 100.0,
    )
