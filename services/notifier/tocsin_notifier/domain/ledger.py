"""A notification in the delivery ledger: one row per (incident, step, target, channel, cycle).

The row exists before anything is sent. Sending moves it through the transition table; a send
interrupted by a crash is re-claimed after its lease and re-sent with the same idempotency key.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID, uuid4


class Status(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    DELIVERED = "delivered"
    DEAD = "dead"
    CANCELLED = "cancelled"


class Step(StrEnum):
    CLAIM = "claim"
    DELIVERED = "delivered"
    RETRY = "retry"
    GIVE_UP = "give_up"
    CANCEL = "cancel"
    REDRIVE = "redrive"
    DEFER = "defer"  # claimed, but the contact's rate limit says not yet: no attempt was made


class IllegalStep(Exception):
    pass


TRANSITIONS: dict[tuple[Status, Step], Status] = {
    (Status.PENDING, Step.CLAIM): Status.SENDING,
    (Status.SENDING, Step.CLAIM): Status.SENDING,  # lease expired: the sender died mid-send
    (Status.SENDING, Step.DELIVERED): Status.DELIVERED,
    (Status.SENDING, Step.RETRY): Status.PENDING,
    (Status.SENDING, Step.GIVE_UP): Status.DEAD,
    (Status.PENDING, Step.CANCEL): Status.CANCELLED,
    (Status.DEAD, Step.REDRIVE): Status.PENDING,
    (Status.SENDING, Step.DEFER): Status.PENDING,
}


def idempotency_key(
    *, incident_id: UUID, level: int, target: str, channel: str, cycle: int, step: int = 0
) -> str:
    """One key per (incident, step, target, channel, cycle); a cycle's first page has no step."""
    key = f"{incident_id}:L{level}:{target}:{channel}:c{cycle}"
    return f"{key}:s{step}" if step else key


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    base_s: float = 1.0
    cap_s: float = 300.0

    def delay(self, attempt: int, *, rng: random.Random) -> timedelta:
        """Exponential backoff with full jitter (a storm of failures does not retry in lockstep)."""
        ceiling = min(self.cap_s, self.base_s * 2 ** max(attempt - 1, 0))
        return timedelta(seconds=rng.uniform(ceiling / 2, ceiling))


@dataclass
class Notification:
    id: UUID
    idempotency_key: str
    incident_id: UUID
    channel: str
    target: str
    level: int
    payload: dict[str, object]
    status: Status = Status.PENDING
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_error: str | None = None
    last_status_code: int | None = None
    delivered_at: datetime | None = None
    history: list[Step] = field(default_factory=list, repr=False)
    # Set by the ledger adapter: the W3C context of the span that requested the page, and when.
    trace_context: dict[str, str] = field(default_factory=dict, repr=False)
    requested_at: datetime | None = None

    @classmethod
    def request(
        cls,
        *,
        incident_id: UUID,
        level: int,
        target: str,
        channel: str,
        cycle: int,
        payload: dict[str, object],
        at: datetime,
        step: int = 0,
    ) -> Notification:
        key = idempotency_key(
            incident_id=incident_id,
            level=level,
            target=target,
            channel=channel,
            cycle=cycle,
            step=step,
        )
        return cls(
            id=uuid4(),
            idempotency_key=key,
            incident_id=incident_id,
            channel=channel,
            target=target,
            level=level,
            payload=payload,
            next_attempt_at=at,
        )

    def _move(self, step: Step) -> None:
        target = TRANSITIONS.get((self.status, step))
        if target is None:
            raise IllegalStep(f"cannot {step.value} a {self.status.value} notification")
        self.status = target
        self.history.append(step)

    def claim(self) -> None:
        self._move(Step.CLAIM)
        self.attempts += 1

    def delivered(self, *, status_code: int, at: datetime) -> None:
        self._move(Step.DELIVERED)
        self.last_status_code = status_code
        self.delivered_at = at
        self.last_error = None

    def failed(
        self,
        *,
        error: str,
        status_code: int | None,
        retryable: bool,
        policy: RetryPolicy,
        at: datetime,
        rng: random.Random,
    ) -> None:
        self.last_error = error[:2000]
        self.last_status_code = status_code
        if retryable and self.attempts < policy.max_attempts:
            self._move(Step.RETRY)
            self.next_attempt_at = at + policy.delay(self.attempts, rng=rng)
        else:
            self._move(Step.GIVE_UP)
            self.next_attempt_at = None

    def cancel(self) -> None:
        self._move(Step.CANCEL)

    def defer(self, *, until: datetime) -> None:
        self._move(Step.DEFER)
        self.attempts = max(self.attempts - 1, 0)
        self.next_attempt_at = until

    def redrive(self, *, at: datetime) -> None:
        self._move(Step.REDRIVE)
        self.attempts = 0
        self.next_attempt_at = at
