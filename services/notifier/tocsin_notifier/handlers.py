"""Notifier handlers: incident events drive escalations; an operator redrives a dead page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from uuid import UUID

from tocsin_shared.clock import Clock
from tocsin_shared.contracts.envelope import Envelope
from tocsin_shared.contracts.events import (
    EventData,
    IncidentAcknowledgedV1,
    IncidentReopenedV1,
    IncidentResolvedV1,
    IncidentRetriggeredV1,
    IncidentSnoozedV1,
    IncidentTriggeredV1,
    IncidentUnacknowledgedV1,
)

from . import paging
from .domain.ledger import Notification
from .pages import PagingContext
from .ports import UnitOfWork

INCIDENT_CONSUMER = "incident-events"
UowFactory = Callable[[], UnitOfWork]
Reaction = Callable[..., Awaitable[str]]

# Back to triggered by the system or a reopen starts a new cycle; an un-acknowledge continues from
# the level it was at; acknowledged or snoozed pauses; resolved stops.
REACTIONS: dict[type[EventData], Reaction] = {
    IncidentTriggeredV1: paging.start,
    IncidentReopenedV1: paging.start,
    IncidentRetriggeredV1: paging.start,
    IncidentUnacknowledgedV1: paging.resume,
    IncidentAcknowledgedV1: paging.pause,
    IncidentSnoozedV1: paging.pause,
    IncidentResolvedV1: paging.stop,
}


PAGED = frozenset({"paging", "resumed"})


class UnknownNotification(Exception):
    pass


async def on_incident_event(
    envelope: Envelope, *, uow_factory: UowFactory, ctx: PagingContext, clock: Clock
) -> str:
    async with uow_factory() as uow:
        if not await uow.first_time(
            consumer=INCIDENT_CONSUMER, source=envelope.source, event_id=envelope.id
        ):
            return "duplicate"
        react = REACTIONS.get(type(envelope.data))
        outcome = "ignored"
        if react is not None:
            outcome = await react(envelope.data, uow=uow, ctx=ctx, now=clock.now())
        await uow.commit()
        return outcome


async def redrive(notification_id: UUID, *, uow_factory: UowFactory, clock: Clock) -> Notification:
    async with uow_factory() as uow:
        notification = await uow.notifications.get(notification_id, for_update=True)
        if notification is None:
            raise UnknownNotification(str(notification_id))
        notification.redrive(at=clock.now())
        await uow.notifications.save(notification)
        await uow.commit()
        return notification
