"""Silences and maintenance windows: label matchers like Alertmanager's, a time range, expiry."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from uuid import UUID, uuid4


class InvalidSuppression(ValueError):
    """Bad input for a silence or window: the API answers 422 with this message."""


class Operator(StrEnum):
    EQUAL = "="
    NOT_EQUAL = "!="
    REGEX = "=~"
    NOT_REGEX = "!~"


_OPERATOR = {
    (False, True): Operator.EQUAL,
    (False, False): Operator.NOT_EQUAL,
    (True, True): Operator.REGEX,
    (True, False): Operator.NOT_REGEX,
}


@dataclass(frozen=True)
class Matcher:
    """One label matcher. An absent label is the empty string, as in Alertmanager."""

    name: str
    value: str
    is_regex: bool = False
    is_equal: bool = True
    _pattern: re.Pattern[str] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def create(cls, name: str, value: str, *, is_regex: bool, is_equal: bool) -> Matcher:
        if not name:
            raise InvalidSuppression("a matcher needs a label name")
        pattern = None
        if is_regex:
            try:
                # Anchored at both ends like Alertmanager's `^(?:value)$`.
                pattern = re.compile(f"^(?:{value})$")
            except (re.error, RecursionError, OverflowError) as exc:
                raise InvalidSuppression(f"invalid regex for label {name!r}: {exc}") from None
        return cls(name, value, is_regex, is_equal, pattern)

    @property
    def operator(self) -> Operator:
        return _OPERATOR[(self.is_regex, self.is_equal)]

    def matches(self, labels: Mapping[str, str]) -> bool:
        actual = labels.get(self.name, "")
        if self._pattern is not None:
            hit = self._pattern.match(actual) is not None
        else:
            hit = actual == self.value
        return hit if self.is_equal else not hit

    def __str__(self) -> str:
        return f"{self.name}{self.operator.value}{self.value!r}"


class State(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    EXPIRED = "expired"


class Signal(StrEnum):
    EXPIRE = "expire"  # a person ends it now
    END_REACHED = "end_reached"  # its end time came (the expiry timer)


# A recorded expiry is final: nothing leads out of it. Expiring a pending one means it never starts.
TRANSITIONS: dict[tuple[State, Signal], State] = {
    (State.PENDING, Signal.EXPIRE): State.EXPIRED,
    (State.ACTIVE, Signal.EXPIRE): State.EXPIRED,
    (State.EXPIRED, Signal.END_REACHED): State.EXPIRED,
}


class AlreadyExpired(Exception):
    pass


def _check_range(starts_at: datetime, ends_at: datetime, now: datetime) -> None:
    if ends_at <= starts_at:
        raise InvalidSuppression("endsAt must be after startsAt")
    if ends_at <= now:
        raise InvalidSuppression("endsAt must be in the future")


@dataclass
class _Ranged:
    id: UUID
    starts_at: datetime
    ends_at: datetime
    created_by: str
    comment: str
    created_at: datetime
    expired_at: datetime | None = None
    expired_by: str | None = None

    def state(self, now: datetime) -> State:
        if self.expired_at is not None or now >= self.ends_at:
            return State.EXPIRED
        return State.ACTIVE if now >= self.starts_at else State.PENDING

    def apply(self, signal: Signal, *, by: str, now: datetime) -> None:
        if self.expired_at is not None or (self.state(now), signal) not in TRANSITIONS:
            raise AlreadyExpired(str(self.id))
        if signal is Signal.EXPIRE:
            self.starts_at, self.ends_at = min(self.starts_at, now), now
        self.expired_at, self.expired_by = min(now, self.ends_at), by


@dataclass
class Silence(_Ranged):
    matchers: tuple[Matcher, ...] = ()

    @classmethod
    def create(
        cls,
        matchers: Sequence[Matcher],
        *,
        starts_at: datetime,
        ends_at: datetime,
        created_by: str,
        comment: str,
        now: datetime,
    ) -> Silence:
        if not matchers:
            raise InvalidSuppression("a silence needs at least one matcher")
        if all(m.matches({}) for m in matchers):
            # Alertmanager's rule too: such a silence would silence every alert.
            raise InvalidSuppression("at least one matcher must not match the empty string")
        _check_range(starts_at, ends_at, now)
        return cls(
            id=uuid4(),
            starts_at=starts_at,
            ends_at=ends_at,
            created_by=created_by,
            comment=comment,
            created_at=now,
            matchers=tuple(matchers),
        )

    def matches(self, labels: Mapping[str, str]) -> bool:
        return all(m.matches(labels) for m in self.matchers)


@dataclass
class MaintenanceWindow(_Ranged):
    services: tuple[str, ...] = ()

    @classmethod
    def create(
        cls,
        services: Sequence[str],
        *,
        starts_at: datetime,
        ends_at: datetime,
        created_by: str,
        comment: str,
        now: datetime,
    ) -> MaintenanceWindow:
        if not services:
            raise InvalidSuppression("a maintenance window needs at least one service")
        _check_range(starts_at, ends_at, now)
        return cls(
            id=uuid4(),
            starts_at=starts_at,
            ends_at=ends_at,
            created_by=created_by,
            comment=comment,
            created_at=now,
            services=tuple(dict.fromkeys(services)),
        )


@dataclass(frozen=True)
class Suppressions:
    """The silences and windows not yet expired, as loaded; judged at the alert's time."""

    silences: tuple[Silence, ...] = ()
    windows: tuple[MaintenanceWindow, ...] = ()

    def outcome_for(
        self, *, service: str, severity: str, labels: Mapping[str, str], now: datetime
    ) -> str | None:
        """`suppressed:maintenance:<id>` or `suppressed:silence:<id>`, or None to proceed."""
        for window in self.windows:
            if window.state(now) is State.ACTIVE and service in window.services:
                return f"suppressed:maintenance:{window.id}"
        subject = {**labels, "service": service, "severity": severity}
        for silence in self.silences:
            if silence.state(now) is State.ACTIVE and silence.matches(subject):
                return f"suppressed:silence:{silence.id}"
        return None
