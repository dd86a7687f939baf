"""Problem events: a known error matched by an incident puts its workaround in every page from
then on, and sends it once to whoever this cycle already paged. Other problem events are only
recorded."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from tocsin_shared.clock import Clock
from tocsin_shared.contracts.envelope import Envelope
from tocsin_shared.contracts.events import KnownErrorMatchedV1, NotificationRequestedV1

from .domain.workarounds import FOLLOWED_UP_WHILE, KnownWorkaround, follow_ups, with_workaround
from .ports import UnitOfWork

PROBLEM_CONSUMER = "problem-events"
FOLLOWED_UP = "followed_up"


async def on_problem_event(
    envelope: Envelope, *, uow_factory: Callable[[], UnitOfWork], clock: Clock
) -> str:
    async with uow_factory() as uow:
        if not await uow.first_time(
            consumer=PROBLEM_CONSUMER, source=envelope.source, event_id=envelope.id
        ):
            return "duplicate"
        outcome = "ignored"
        if isinstance(envelope.data, KnownErrorMatchedV1):
            outcome = await on_known_error(envelope.data, uow=uow, now=clock.now())
        await uow.commit()
        return outcome


def known_workaround(event: KnownErrorMatchedV1) -> KnownWorkaround:
    return KnownWorkaround(
        incident_id=event.incident_id,
        problem_id=event.problem_id,
        number=event.number,
        known_error_id=event.known_error_id,
        title=event.title,
        workaround=event.workaround,
        matched_at=event.occurred_at,
        root_cause=event.root_cause,
    )


async def on_known_error(event: KnownErrorMatchedV1, *, uow: UnitOfWork, now: datetime) -> str:
    """Kept by incident id (a trigger that comes later picks it up); the escalation's facts and
    its unsent pages get it; an open, unacknowledged incident's paged targets get a follow-up,
    keyed by incident, known error and target, so it is written once whatever is redelivered."""
    known = known_workaround(event)
    await uow.workarounds.put(known)
    esc = await uow.escalations.get(event.incident_id)
    if esc is None or not esc.incident:
        return "stored"
    esc.incident = with_workaround(esc.incident, known.workaround)
    await uow.escalations.put(esc)
    await uow.workarounds.patch_pending(event.incident_id, known.workaround)
    if esc.status not in FOLLOWED_UP_WHILE:
        return "stored"
    sent = await uow.workarounds.sent_in_cycle(event.incident_id, cycle=esc.cycle)
    written = 0
    for notification in follow_ups(sent, known, at=now):
        if await uow.notifications.add(notification):
            written += 1
            uow.emit(
                NotificationRequestedV1(
                    notification_id=notification.id,
                    incident_id=notification.incident_id,
                    idempotency_key=notification.idempotency_key,
                    channel=notification.channel,
                    target=notification.target,
                    attempt=0,
                    occurred_at=now,
                )
            )
    return FOLLOWED_UP if written else "stored"
