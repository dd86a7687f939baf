"""Handlers: plain functions of (message, dependencies). They translate nothing and own no I/O."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from tocsin_shared.config.models import SlaPolicy
from tocsin_shared.contracts.events import IncidentEventData, IncidentTriggeredV1

from .domain.clocks import start_clocks, stop_clocks, targets_stopped_by
from .ports import UnitOfWork

INBOX_CONSUMER = "incident-events"
DUPLICATE = "duplicate_delivery"


async def apply_incident_event(
    event: IncidentEventData,
    *,
    source: str,
    event_id: str,
    policies: Sequence[SlaPolicy],
    uow_factory: Callable[[], UnitOfWork],
) -> str:
    """Start or stop the incident's clocks, once per (source, id). Returns what happened."""
    async with uow_factory() as uow:
        if not await uow.first_time(consumer=INBOX_CONSUMER, source=source, event_id=event_id):
            return DUPLICATE
        if isinstance(event, IncidentTriggeredV1):
            started = start_clocks(
                policies,
                incident_id=event.incident_id,
                service=event.service,
                triggered_at=event.triggered_at,
            )
            await uow.clocks.add(started)
            outcome = f"started_{len(started)}"
        else:
            targets = targets_stopped_by(event)
            running = await uow.clocks.running(event.incident_id, targets=targets)
            stopped = stop_clocks(running, at=event.occurred_at)
            await uow.clocks.save(stopped)
            outcome = f"stopped_{len(stopped)}"
        await uow.commit()
        return outcome
