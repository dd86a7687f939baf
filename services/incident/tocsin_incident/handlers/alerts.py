"""The alert processor: dedup one raw alert into an incident."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from typing import Protocol

from tocsin_shared.clock import Clock
from tocsin_shared.contracts.alerts import AlertAction, RawAlertV1
from tocsin_shared.contracts.events import Actor

from ..domain.model import Command, Incident
from ..ports import UnitOfWork

RAW_CONSUMER = "incident-processor"


class Screen(Protocol):
    """Silences, maintenance windows, heartbeat pings (handlers/heartbeats.AlertScreen)."""

    async def __call__(self, alert: RawAlertV1, *, uow: UnitOfWork, now: datetime) -> str | None:
        """An outcome to record instead of dedup, or None to go on."""


async def process_raw_alert(
    alert: RawAlertV1,
    *,
    identity: str,
    uow_factory: Callable[[], UnitOfWork],
    clock: Clock,
    screen: Screen | None = None,
) -> str:
    """Dedup one alert into an incident, in its own transaction; returns its recorded outcome."""
    async with uow_factory() as uow:
        outcome = await apply_raw_alert(
            alert, identity=identity, uow=uow, now=clock.now(), screen=screen
        )
        await uow.commit()
        return outcome


async def process_raw_alerts(
    alerts: Sequence[tuple[RawAlertV1, str]],
    *,
    uow_factory: Callable[[], UnitOfWork],
    clock: Clock,
    screen: Screen | None = None,
    each: Callable[[int], AbstractContextManager[object]] | None = None,
) -> list[str]:
    """Dedup a batch of (alert, identity) in one transaction: all of it commits, or none.

    `each(i)` wraps the i-th alert's processing (its trace span, so what it emits stays in its
    trace)."""
    around = each or (lambda _: nullcontext())
    async with uow_factory() as uow:
        now = clock.now()
        outcomes = []
        for i, (alert, identity) in enumerate(alerts):
            with around(i):
                outcomes.append(
                    await apply_raw_alert(alert, identity=identity, uow=uow, now=now, screen=screen)
                )
        await uow.commit()
        return outcomes


async def apply_raw_alert(
    alert: RawAlertV1, *, identity: str, uow: UnitOfWork, now: datetime, screen: Screen | None
) -> str:
    """One alert's effect inside an open unit of work; the caller commits."""
    if not await uow.first_time(consumer=RAW_CONSUMER, source="alerts.raw", event_id=identity):
        return "duplicate_delivery"
    if screen is not None and (screened := await screen(alert, uow=uow, now=now)):
        await uow.incidents.record_alert(alert, incident_id=None, outcome=screened)
        return screened
    incident = await uow.incidents.open_for_key(alert.service, alert.dedup_key)
    outcome: str
    if alert.action is AlertAction.TRIGGER:
        if incident is None:
            incident = Incident.open(alert, at=now)
            await uow.incidents.add(incident)
            outcome = "opened"
        else:
            incident.absorb(alert, at=now)
            await uow.incidents.save(incident)
            outcome = "deduplicated"
    elif incident is None:
        outcome = f"{alert.action.value}_ignored_no_open_incident"
    else:
        command = Command(alert.action.value)
        actor = Actor(kind="integration", id=alert.integration)
        if incident.can(command):
            incident.apply(command, actor=actor, at=now)
            await uow.incidents.save(incident)
            outcome = f"{command.value}d"
        else:
            outcome = f"{command.value}_ignored_already_{incident.status.value}"
    for event in incident.events if incident else ():
        uow.emit(event)
    await uow.incidents.record_alert(
        alert, incident_id=incident.id if incident else None, outcome=outcome
    )
    return outcome
