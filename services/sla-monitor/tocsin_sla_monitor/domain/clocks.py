"""SLA clocks: started by an incident's trigger, stopped by its acknowledgement or resolution.

What this walking skeleton does and does not do yet:
- Time is 24x7 wall time: a clock is due `minutes` after it started. Business calendars (pausing
  outside working hours) are a later issue.
- Nothing fires at the due time yet. A clock past due stays `running` (its `remaining_s` reads
  negative) until the incident is acknowledged or resolved, and is judged `breached` then. Durable
  deadline timers, warnings at N % and the sla events themselves come with the SLA issue.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID, uuid5

from tocsin_shared.config.models import SlaPolicy
from tocsin_shared.contracts.events import (
    IncidentAcknowledgedV1,
    IncidentEventData,
    IncidentResolvedV1,
)

# Clock ids derive from (incident, policy) so the same clock always has the same id.
_CLOCK_NAMESPACE = UUID("5f0d3c2e-6a51-4d7b-9a57-3b1f0e8c2a10")


class ClockState(StrEnum):
    RUNNING = "running"
    MET = "met"
    BREACHED = "breached"


class Target(StrEnum):
    TIME_TO_ACKNOWLEDGE = "time_to_acknowledge"
    TIME_TO_RESOLVE = "time_to_resolve"


class Stop(StrEnum):
    """How a clock was stopped, relative to its due time."""

    ON_TIME = "on_time"
    LATE = "late"


TRANSITIONS: dict[tuple[ClockState, Stop], ClockState] = {
    (ClockState.RUNNING, Stop.ON_TIME): ClockState.MET,
    (ClockState.RUNNING, Stop.LATE): ClockState.BREACHED,
}

# Resolving without acknowledging first also ends the wait for an acknowledgement.
STOPPED_BY: dict[type[IncidentEventData], frozenset[Target]] = {
    IncidentAcknowledgedV1: frozenset({Target.TIME_TO_ACKNOWLEDGE}),
    IncidentResolvedV1: frozenset({Target.TIME_TO_ACKNOWLEDGE, Target.TIME_TO_RESOLVE}),
}


def targets_stopped_by(event: IncidentEventData) -> frozenset[Target]:
    return STOPPED_BY.get(type(event), frozenset())


@dataclass
class SlaClock:
    id: UUID
    incident_id: UUID
    policy: str
    target: Target
    started_at: datetime
    due_at: datetime
    state: ClockState = ClockState.RUNNING
    stopped_at: datetime | None = None

    def stop(self, at: datetime) -> bool:
        """Stop the clock at `at`; False (and no change) if it was not running."""
        how = Stop.ON_TIME if at <= self.due_at else Stop.LATE
        state = TRANSITIONS.get((self.state, how))
        if state is None:
            return False
        self.state = state
        self.stopped_at = at
        return True


def applies_to(policy: SlaPolicy, service: str) -> bool:
    """A policy naming no services covers every service."""
    return not policy.services or service in policy.services


def start_clocks(
    policies: Iterable[SlaPolicy], *, incident_id: UUID, service: str, triggered_at: datetime
) -> list[SlaClock]:
    """One running clock per matching policy, started retroactively when the incident triggered."""
    return [
        SlaClock(
            id=uuid5(_CLOCK_NAMESPACE, f"{incident_id}/{policy.name}"),
            incident_id=incident_id,
            policy=policy.name,
            target=Target(policy.target),
            started_at=triggered_at,
            due_at=triggered_at + timedelta(minutes=policy.minutes),
        )
        for policy in policies
        if applies_to(policy, service)
    ]


def stop_clocks(clocks: Sequence[SlaClock], *, at: datetime) -> list[SlaClock]:
    """Stop each clock at `at`; return those that changed."""
    return [clock for clock in clocks if clock.stop(at)]


@dataclass(frozen=True)
class Reading:
    elapsed_s: float
    remaining_s: float
    percent: float


def read(clock: SlaClock, *, now: datetime) -> Reading:
    """Where the clock stands at `now` (or where it stopped). `remaining_s` is negative once due."""
    end = clock.stopped_at or now
    budget = (clock.due_at - clock.started_at).total_seconds()
    elapsed = max((end - clock.started_at).total_seconds(), 0.0)
    return Reading(
        elapsed_s=round(elapsed, 3),
        remaining_s=round(budget - elapsed, 3),
        percent=round(100 * elapsed / budget, 1),
    )
