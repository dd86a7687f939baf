"""An incident's escalation: which level of its policy it is at, and what the next step is.

A cycle is one run of the policy from level 0 (a trigger starts one, a re-trigger a new one);
`seq` numbers the pages within a cycle, so every page (a level, a repeat round, a resumption
after an un-acknowledge) has its own idempotency keys and its own timer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID


class State(StrEnum):
    ACTIVE = "active"
    ACKNOWLEDGED = "acknowledged"  # paused: an un-acknowledge continues from the current level
    EXHAUSTED = "exhausted"  # the policy (with its repeats) ran out; the incident is still open
    STOPPED = "stopped"


class Move(StrEnum):
    START = "start"  # a first trigger, or a re-trigger: a new cycle from level 0
    ESCALATE = "escalate"  # a level's delay ran out
    EXHAUST = "exhaust"
    PAUSE = "pause"  # acknowledged or snoozed
    RESUME = "resume"  # un-acknowledged
    STOP = "stop"  # resolved


class IllegalMove(Exception):
    pass


TRANSITIONS: dict[tuple[State, Move], State] = {
    (State.STOPPED, Move.START): State.ACTIVE,
    (State.ACKNOWLEDGED, Move.START): State.ACTIVE,
    (State.EXHAUSTED, Move.START): State.ACTIVE,
    (State.ACTIVE, Move.ESCALATE): State.ACTIVE,
    (State.ACTIVE, Move.EXHAUST): State.EXHAUSTED,
    (State.ACTIVE, Move.PAUSE): State.ACKNOWLEDGED,
    (State.EXHAUSTED, Move.PAUSE): State.ACKNOWLEDGED,
    (State.ACKNOWLEDGED, Move.RESUME): State.ACTIVE,
    (State.ACTIVE, Move.STOP): State.STOPPED,
    (State.ACKNOWLEDGED, Move.STOP): State.STOPPED,
    (State.EXHAUSTED, Move.STOP): State.STOPPED,
}


def allowed(state: State, move: Move) -> bool:
    return (state, move) in TRANSITIONS


@dataclass(frozen=True)
class PolicyShape:
    """What the escalation needs to know of a policy: each level's delay, and the repeats."""

    delays: tuple[timedelta, ...]
    repeat: int = 0


@dataclass(frozen=True)
class Page:
    """Page `level` now (as page `seq` of the cycle); come back at `next_at` (None: never)."""

    level: int
    seq: int
    next_at: datetime | None


@dataclass
class Escalation:
    incident_id: UUID
    service: str
    policy: str | None
    level: int = 0
    cycle: int = 0
    status: State = State.ACTIVE
    stopped_by: str | None = None
    repeat_round: int = 0
    seq: int = 0
    timer: str | None = None
    incident: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def new(cls, *, incident_id: UUID, service: str, policy: str | None) -> Escalation:
        """Never paged: like a stopped escalation before cycle 0."""
        return cls(incident_id, service, policy, cycle=-1, status=State.STOPPED)

    @property
    def timer_subject(self) -> str:
        return f"{self.incident_id}:c{self.cycle}:s{self.seq}"

    def _move(self, move: Move) -> None:
        target = TRANSITIONS.get((self.status, move))
        if target is None:
            raise IllegalMove(f"cannot {move.value} a {self.status.value} escalation")
        self.status = target

    def _page(self, shape: PolicyShape, now: datetime) -> Page:
        next_at = now + shape.delays[self.level]
        self.timer = self.timer_subject
        return Page(level=self.level, seq=self.seq, next_at=next_at)

    def restart(self, shape: PolicyShape, *, now: datetime) -> Page:
        """A new cycle from level 0 (the first one is cycle 0)."""
        self._move(Move.START)
        self.cycle += 1
        self.level, self.repeat_round, self.seq, self.stopped_by = 0, 0, 0, None
        return self._page(shape, now)

    def escalate(self, shape: PolicyShape, *, now: datetime) -> Page | None:
        """The current level's delay ran out: the next level, or the next round, or the end."""
        if self.level + 1 < len(shape.delays):
            self.level += 1
        elif self.repeat_round < shape.repeat:
            self.level, self.repeat_round = 0, self.repeat_round + 1
        else:
            self._move(Move.EXHAUST)
            self.timer = None
            return None
        self._move(Move.ESCALATE)
        self.seq += 1
        return self._page(shape, now)

    def pause(self, *, by: str) -> None:
        self._move(Move.PAUSE)
        self.stopped_by, self.timer = by, None

    def resume(self, shape: PolicyShape, *, now: datetime) -> Page:
        """Page the current level again (a new page of the same cycle) and go on from there."""
        self._move(Move.RESUME)
        self.seq += 1
        self.stopped_by = None
        self.level = min(self.level, len(shape.delays) - 1)
        return self._page(shape, now)

    def stop(self, *, by: str) -> None:
        self._move(Move.STOP)
        self.stopped_by, self.timer = by, None

    def is_due(self, *, cycle: int, seq: int) -> bool:
        """A timer for this very page, still active (an older page's timer is stale)."""
        return self.status is State.ACTIVE and (self.cycle, self.seq) == (cycle, seq)
