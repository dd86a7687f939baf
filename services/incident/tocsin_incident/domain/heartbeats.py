"""Heartbeats (dead man's switch): a ping is due within the interval, or the heartbeat is missed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from tocsin_shared.config.models import Heartbeat
from tocsin_shared.contracts.alerts import RawAlertV1


class HeartbeatState(StrEnum):
    NEVER = "never"
    OK = "ok"
    MISSED = "missed"


class Signal(StrEnum):
    PING = "ping"
    DEADLINE = "deadline"  # the expiry timer fired: no ping within the interval


class Effect(StrEnum):
    NONE = "none"
    OPEN_INCIDENT = "open_incident"
    RESOLVE_INCIDENT = "resolve_incident"


# The deadline only runs once a first ping has armed it, and fires once per miss.
TRANSITIONS: dict[tuple[HeartbeatState, Signal], tuple[HeartbeatState, Effect]] = {
    (HeartbeatState.NEVER, Signal.PING): (HeartbeatState.OK, Effect.NONE),
    (HeartbeatState.OK, Signal.PING): (HeartbeatState.OK, Effect.NONE),
    (HeartbeatState.MISSED, Signal.PING): (HeartbeatState.OK, Effect.RESOLVE_INCIDENT),
    (HeartbeatState.OK, Signal.DEADLINE): (HeartbeatState.MISSED, Effect.OPEN_INCIDENT),
}


class IgnoredSignal(Exception):
    pass


@dataclass
class HeartbeatStatus:
    name: str
    state: HeartbeatState = HeartbeatState.NEVER
    last_ping_at: datetime | None = None
    next_due_at: datetime | None = None
    missed_at: datetime | None = None

    def apply(self, signal: Signal, *, interval: timedelta, now: datetime) -> Effect:
        found = TRANSITIONS.get((self.state, signal))
        if found is None:
            raise IgnoredSignal(f"{signal.value} while {self.state.value}")
        self.state, effect = found
        if signal is Signal.PING:
            self.last_ping_at, self.next_due_at, self.missed_at = now, now + interval, None
        else:
            self.missed_at = now
        return effect


def dedup_key(heartbeat: Heartbeat) -> str:
    return f"heartbeat:{heartbeat.name}"


def missed_summary(heartbeat: Heartbeat) -> str:
    return f"Heartbeat {heartbeat.name} missed"


def counts_as_ping(heartbeat: Heartbeat, alert: RawAlertV1) -> bool:
    """Any alert from the heartbeat's integration, or one its `match` names."""
    return (
        heartbeat.integration is not None and alert.integration == heartbeat.integration
    ) or is_consumed(heartbeat, alert)


def is_consumed(heartbeat: Heartbeat, alert: RawAlertV1) -> bool:
    """An alert that exists only to be a ping (Alertmanager's Watchdog): it opens nothing."""
    if not heartbeat.match:
        return False
    if heartbeat.integration is not None and alert.integration != heartbeat.integration:
        return False
    if alert.service != heartbeat.service:
        return False
    return all(alert.labels.get(k) == v for k, v in heartbeat.match.items())
