"""Handlers: plain functions of (message, dependencies). They translate nothing and own no I/O."""

from __future__ import annotations

from collections.abc import Callable

from tocsin_shared.contracts.events import IncidentEventData

from .domain.observed import observe
from .ports import UnitOfWork

INBOX_CONSUMER = "incident-events"
OBSERVED = "observed"
DUPLICATE = "duplicate_delivery"


async def observe_incident_event(
    event: IncidentEventData,
    *,
    source: str,
    event_id: str,
    uow_factory: Callable[[], UnitOfWork],
) -> str:
    """Fold one incident event into the projection, once per (source, id)."""
    async with uow_factory() as uow:
        if not await uow.first_time(consumer=INBOX_CONSUMER, source=source, event_id=event_id):
            return DUPLICATE
        known = await uow.observed.get(event.incident_id)
        await uow.observed.put(observe(known, event))
        await uow.commit()
        return OBSERVED
