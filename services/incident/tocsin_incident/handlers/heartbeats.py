"""Heartbeats: a ping re-arms the deadline (and resolves a missed one's incident); a deadline
that passes opens an incident through the same aggregate as alerts."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import NAMESPACE_URL, uuid5

from tocsin_shared.clock import Clock
from tocsin_shared.config.models import Heartbeat
from tocsin_shared.contracts.alerts import AlertAction, RawAlertV1
from tocsin_shared.contracts.events import Actor, Severity

from ..domain.heartbeats import (
    Effect,
    HeartbeatStatus,
    IgnoredSignal,
    Signal,
    counts_as_ping,
    dedup_key,
    is_consumed,
    missed_summary,
)
from ..domain.model import Command, Incident
from ..ports import UnitOfWork
from .silences import SuppressionSource, suppression_outcome

SYSTEM = Actor(kind="system", id="tocsin")
SOURCE = "tocsin-heartbeat"


class HeartbeatStore(Protocol):
    """Heartbeat state inside one transaction; the deadline is a durable timer."""

    async def arm(self, name: str, *, due_at: datetime) -> None:
        """Create or move the deadline timer (before `get`: timer row, then heartbeat row)."""

    async def get(self, name: str) -> HeartbeatStatus | None:
        """The state, locked for this transaction."""

    async def save(self, status: HeartbeatStatus) -> None: ...


async def record_ping(
    heartbeat: Heartbeat, *, store: HeartbeatStore, uow: UnitOfWork, now: datetime
) -> HeartbeatStatus:
    """Re-arm the deadline; a missed heartbeat's incident resolves."""
    interval = heartbeat.interval()
    await store.arm(heartbeat.name, due_at=now + interval)
    status = await store.get(heartbeat.name) or HeartbeatStatus(heartbeat.name)
    effect = status.apply(Signal.PING, interval=interval, now=now)
    await store.save(status)
    if effect is Effect.RESOLVE_INCIDENT:
        incident = await uow.incidents.open_for_key(heartbeat.service, dedup_key(heartbeat))
        if incident is not None and incident.can(Command.RESOLVE):
            incident.apply(Command.RESOLVE, actor=SYSTEM, at=now)
            await uow.incidents.save(incident)
            for event in incident.events:
                uow.emit(event)
    return status


async def deadline_passed(
    heartbeat: Heartbeat,
    *,
    store: HeartbeatStore,
    uow: UnitOfWork,
    suppressions: SuppressionSource,
    now: datetime,
) -> str | None:
    """The deadline timer fired. Returns what the missed-heartbeat alert did, or None if the
    heartbeat was pinged meanwhile (a stale timer) or is already missed."""
    status = await store.get(heartbeat.name)
    if status is None or (status.next_due_at is not None and status.next_due_at > now):
        return None
    try:
        status.apply(Signal.DEADLINE, interval=heartbeat.interval(), now=now)
    except IgnoredSignal:
        return None
    await store.save(status)
    alert = _missed_alert(heartbeat, status, now=now)
    outcome = await suppression_outcome(alert, source=suppressions, now=now)
    incident = None
    if outcome is None:
        incident = await uow.incidents.open_for_key(heartbeat.service, alert.dedup_key)
        if incident is None:
            incident = Incident.open(alert, at=now, actor=SYSTEM)
            await uow.incidents.add(incident)
            outcome = "opened"
        else:
            incident.absorb(alert, at=now)
            await uow.incidents.save(incident)
            outcome = "deduplicated"
        for event in incident.events:
            uow.emit(event)
    await uow.incidents.record_alert(
        alert, incident_id=incident.id if incident else None, outcome=outcome
    )
    return outcome


async def screen_for_heartbeats(
    alert: RawAlertV1,
    *,
    heartbeats: Sequence[Heartbeat],
    store: HeartbeatStore,
    uow: UnitOfWork,
    now: datetime,
) -> str | None:
    """Count the alert as a ping of every heartbeat it belongs to. Returns the outcome to record
    when the alert exists only as a ping (the Watchdog), None when it goes on to dedup."""
    consumed_by = None
    for heartbeat in heartbeats:
        if counts_as_ping(heartbeat, alert):
            await record_ping(heartbeat, store=store, uow=uow, now=now)
            if consumed_by is None and is_consumed(heartbeat, alert):
                consumed_by = heartbeat.name
    return f"heartbeat_ping:{consumed_by}" if consumed_by else None


def _missed_alert(heartbeat: Heartbeat, status: HeartbeatStatus, *, now: datetime) -> RawAlertV1:
    return RawAlertV1(
        # One id per miss, so the record of it is written once whatever retries the timer.
        alert_id=uuid5(NAMESPACE_URL, f"tocsin:heartbeat:{heartbeat.name}:{status.last_ping_at}"),
        integration=heartbeat.integration or SOURCE,
        service=heartbeat.service,
        action=AlertAction.TRIGGER,
        dedup_key=dedup_key(heartbeat),
        summary=missed_summary(heartbeat),
        source=SOURCE,
        severity=Severity.CRITICAL,
        labels={"heartbeat": heartbeat.name, "alertname": "HeartbeatMissed"},
        details={"last_ping_at": status.last_ping_at.isoformat() if status.last_ping_at else None},
        received_at=now,
    )


class ScreenPorts(Protocol):
    def __call__(self, uow: UnitOfWork) -> tuple[SuppressionSource, HeartbeatStore]: ...


@dataclass(frozen=True)
class AlertScreen:
    """The processor's hook: heartbeat pings first (a silenced alert still proves its sender is
    alive), then silences and maintenance windows. None means: go on and dedup."""

    heartbeats: Sequence[Heartbeat]
    ports: ScreenPorts

    async def __call__(self, alert: RawAlertV1, *, uow: UnitOfWork, now: datetime) -> str | None:
        source, store = self.ports(uow)
        consumed = await screen_for_heartbeats(
            alert, heartbeats=self.heartbeats, store=store, uow=uow, now=now
        )
        return consumed or await suppression_outcome(alert, source=source, now=now)


async def ping(
    heartbeat: Heartbeat,
    *,
    uow_factory: Callable[[], UnitOfWork],
    ports: ScreenPorts,
    clock: Clock,
) -> HeartbeatStatus:
    """`POST /v1/heartbeats/{name}/ping`: one transaction."""
    async with uow_factory() as uow:
        _, store = ports(uow)
        status = await record_ping(heartbeat, store=store, uow=uow, now=clock.now())
        await uow.commit()
        return status


async def on_deadline(
    heartbeat: Heartbeat, *, uow: UnitOfWork, ports: ScreenPorts, now: datetime
) -> str | None:
    """The `heartbeat.expire` timer, on the timer's transaction."""
    async with uow:
        source, store = ports(uow)
        outcome = await deadline_passed(
            heartbeat, store=store, uow=uow, suppressions=source, now=now
        )
        await uow.commit()
        return outcome
