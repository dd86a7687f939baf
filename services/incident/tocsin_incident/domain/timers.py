"""The durable timers an incident wants, as a pure function of its state and its service's policy.

The repository persists exactly this set on every save (schedule what is wanted, cancel the
rest), so a timer can never outlive the state that asked for it; a timer that fires re-checks
the same function and does nothing when its moment has passed (ADR 0006).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from tocsin_shared.contracts.events import IncidentStatus

from .commands import Command

if TYPE_CHECKING:
    from tocsin_shared.config.models import TocsinConfig

    from .model import Incident


class TimerKind(StrEnum):
    SNOOZE = "incident.snooze"
    ACK_TIMEOUT = "incident.ack-timeout"
    AUTO_RESOLVE = "incident.auto-resolve"


@dataclass(frozen=True)
class LifecyclePolicy:
    ack_timeout: timedelta | None = None
    auto_resolve: timedelta | None = None


NO_POLICY = LifecyclePolicy()

# What a timer does when it fires and is still wanted: the command and the reason it records.
EXPIRY: dict[TimerKind, tuple[Command, str]] = {
    TimerKind.SNOOZE: (Command.RETRIGGER, "snooze_expired"),
    TimerKind.ACK_TIMEOUT: (Command.RETRIGGER, "ack_timeout"),
    TimerKind.AUTO_RESOLVE: (Command.RESOLVE, "auto_resolved_after_inactivity"),
}


def _snooze(i: Incident, policy: LifecyclePolicy) -> datetime | None:
    return i.snoozed_until if i.status is IncidentStatus.ACKNOWLEDGED else None


def _ack_timeout(i: Incident, policy: LifecyclePolicy) -> datetime | None:
    # A snooze is a deliberate, longer acknowledgement: it replaces the timeout while it lasts.
    if i.status is not IncidentStatus.ACKNOWLEDGED or i.snoozed_until is not None:
        return None
    if policy.ack_timeout is None or i.acknowledged_at is None:
        return None
    return i.acknowledged_at + policy.ack_timeout


def _auto_resolve(i: Incident, policy: LifecyclePolicy) -> datetime | None:
    if not i.is_open or policy.auto_resolve is None:
        return None
    return (i.last_alert_at or i.last_seen) + policy.auto_resolve


_WANTED = {
    TimerKind.SNOOZE: _snooze,
    TimerKind.ACK_TIMEOUT: _ack_timeout,
    TimerKind.AUTO_RESOLVE: _auto_resolve,
}


def wanted_timers(incident: Incident, policy: LifecyclePolicy) -> dict[TimerKind, datetime | None]:
    """Each timer kind with its due time, or None where the incident wants none of that kind."""
    return {kind: due(incident, policy) for kind, due in _WANTED.items()}


def lifecycle_policies(config: TocsinConfig) -> Mapping[str, LifecyclePolicy]:
    def minutes(value: int | None) -> timedelta | None:
        return timedelta(minutes=value) if value is not None else None

    return {
        s.name: LifecyclePolicy(minutes(s.ack_timeout_minutes), minutes(s.auto_resolve_minutes))
        for s in config.services
    }
